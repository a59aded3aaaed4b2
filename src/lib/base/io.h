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

#include "buf.h"

struct sg_reader {
	/* Reads up to len bytes; returns the count (0 at end of input) or
	 * -1 with sg_errmsg() set. May return fewer than len before the end. */
	ssize_t (*read)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
	/* Optional, for input already in memory (or mapped): points *p at
	 * the next min(len, remaining) bytes and consumes them, setting
	 * *more when bytes remain after them. NULL: use read. */
	size_t (*view)(void *ctx, size_t len, const uint8_t **p, int *more);
};

struct sg_writer {
	/* Writes all len bytes, or returns -1 with sg_errmsg() set. */
	int (*write)(void *ctx, const uint8_t *buf, size_t len);
	/* Flushes buffered output and writes any trailer; may be NULL. */
	int (*close)(void *ctx);
	void *ctx;
	/* Optional, to save a copy: reserve returns a buffer of at least len
	 * bytes for the caller to fill (NULL: use write instead), and commit
	 * hands its first len bytes on. No write may come in between. */
	uint8_t *(*reserve)(void *ctx, size_t len);
	int (*commit)(void *ctx, size_t len);
};

/* A reader over a file descriptor (the int lives as long as the reader). */
struct sg_reader sg_fd_reader(int *fd);
/* A writer over a file descriptor; close does not close the descriptor. */
struct sg_writer sg_fd_writer(int *fd);

/* A writer over a file that starts the kernel's writeback of what it
 * has written every few MiB, so that the fsync an atomic output ends with
 * has little left to wait for. Works on pipes too (writeback is skipped). */
struct sg_file_sink {
	int fd;
	uint64_t written, flushed;
};
struct sg_writer sg_file_writer(struct sg_file_sink *s, int fd);

/* A reader over bytes in memory (the struct lives as long as the reader);
 * it offers view, so a mapped file is read without copying. */
struct sg_mem_source {
	const uint8_t *data;
	size_t len, pos;
};
struct sg_reader sg_mem_reader(struct sg_mem_source *m, const void *data, size_t len);

/* A reader over a regular file mapped into memory, offering view so the
 * cipher reads the page cache directly. Pages already consumed are
 * dropped from the mapping, so memory stays bounded for any size. A
 * file that shrinks while mapped raises SIGBUS (the caller's to handle).
 * sg_map_open returns 1 when mapped, 0 when fd is not a mappable regular
 * file (read it instead), -1 on error. */
struct sg_map_source {
	uint8_t *map;
	size_t len, pos, released;
};
int sg_map_open(struct sg_map_source *m, int fd);
struct sg_reader sg_map_reader(struct sg_map_source *m);
void sg_map_close(struct sg_map_source *m);

/* A writer appending to a growable buffer. */
struct sg_writer sg_buf_writer(struct sg_buf *b);

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

/* A writer that hands each write to a background thread, so that the
 * kernel's copy into the page cache overlaps with computing the next
 * batch (a streaming cipher is otherwise bound by write(2) time). Data
 * is copied into nslots buffers of slot_size bytes; the buffers are
 * wiped when freed, as they may hold plaintext. Errors of the
 * background writes are reported by a later write or by close. */
struct sg_bg_writer;
struct sg_bg_writer *sg_bg_writer_new(struct sg_writer dst, size_t slot_size, unsigned nslots);
/* Its close flushes, stops the thread and closes dst. */
struct sg_writer sg_bg_writer_as_writer(struct sg_bg_writer *b);
/* Stops the thread if still running (discarding queued data) and frees. */
void sg_bg_writer_free(struct sg_bg_writer *b);

#endif
