/* io.h - byte sources and sinks that formats stack on each other.
 *
 * A decryptor reads through an sg_reader that may be a file descriptor
 * or an armor decoder over one; an encryptor writes through an sg_writer
 * that may be an armor encoder over a file. Everything streams: no layer
 * holds more than a bounded buffer.
 */
#ifndef SIGNET_IO_H
#define SIGNET_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sg_reader {
	/* Reads up to len bytes; returns the count (0 at end of input) or
	 * -1 with sg_errmsg() set. May return fewer than len before the end. */
	ssize_t (*read)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
};

struct sg_writer {
	/* Writes all len bytes, or returns -1 with sg_errmsg() set. */
	int (*write)(void *ctx, const uint8_t *buf, size_t len);
	/* Flushes buffered output and writes any trailer; may be NULL. */
	int (*close)(void *ctx);
	void *ctx;
};

/* A reader over a file descriptor (the int lives as long as the reader). */
struct sg_reader sg_fd_reader(int *fd);
/* A writer over a file descriptor; close does not close the descriptor. */
struct sg_writer sg_fd_writer(int *fd);

static inline int sg_write(const struct sg_writer *w, const void *buf, size_t len)
{
	return w->write(w->ctx, (const uint8_t *)buf, len);
}

static inline int sg_writer_close(const struct sg_writer *w)
{
	return w->close ? w->close(w->ctx) : 0;
}

/* A buffered reader with look-ahead, for line-oriented headers that are
 * followed by binary payloads. */
#define SG_BUFREADER_SIZE (1u << 16)

struct sg_bufreader {
	struct sg_reader src;
	uint8_t *buf;
	size_t pos, len;
	int eof;
};

int sg_bufreader_init(struct sg_bufreader *r, struct sg_reader src);
void sg_bufreader_free(struct sg_bufreader *r);

/* Makes at least n bytes available (fewer only at end of input) and
 * returns how many are; *p points at them. n <= SG_BUFREADER_SIZE. */
ssize_t sg_bufreader_peek(struct sg_bufreader *r, size_t n, const uint8_t **p);

/* Reads exactly len bytes unless the input ends first; returns the count
 * or -1. Large reads bypass the buffer. */
ssize_t sg_bufreader_read(struct sg_bufreader *r, uint8_t *out, size_t len);

/* Reads one line including its '\n' into out (cap bytes). Returns the
 * length, 0 at end of input, or -1 when the line is longer than cap
 * (error "line too long") or the input ends without '\n' and
 * allow_partial is 0 (error "unexpected end of input"). */
ssize_t sg_bufreader_line(struct sg_bufreader *r, uint8_t *out, size_t cap, int allow_partial);

/* The bufreader as a plain sg_reader (for stacking). */
struct sg_reader sg_bufreader_as_reader(struct sg_bufreader *r);

#endif
