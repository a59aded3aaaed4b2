#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"

static ssize_t fd_read(void *ctx, uint8_t *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(*(int *)ctx, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return sg_fail_errno("read");
	}
}

static int fd_write(void *ctx, const uint8_t *buf, size_t len)
{
	return sg_write_all(*(int *)ctx, buf, len);
}

struct sg_reader sg_fd_reader(int *fd)
{
	return (struct sg_reader){ fd_read, fd };
}

struct sg_writer sg_fd_writer(int *fd)
{
	return (struct sg_writer){ fd_write, NULL, fd };
}

int sg_bufreader_init(struct sg_bufreader *r, struct sg_reader src)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->buf = malloc(SG_BUFREADER_SIZE);
	return r->buf ? 0 : sg_fail("out of memory");
}

void sg_bufreader_free(struct sg_bufreader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Moves unread bytes to the front and reads more, once. */
static ssize_t fill(struct sg_bufreader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == SG_BUFREADER_SIZE)
		return 0;
	n = r->src.read(r->src.ctx, r->buf + r->len, SG_BUFREADER_SIZE - r->len);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->len += (size_t)n;
	return n;
}

ssize_t sg_bufreader_peek(struct sg_bufreader *r, size_t n, const uint8_t **p)
{
	if (n > SG_BUFREADER_SIZE)
		n = SG_BUFREADER_SIZE;
	while (r->len - r->pos < n && !r->eof)
		if (fill(r) < 0)
			return -1;
	*p = r->buf + r->pos;
	return (ssize_t)(r->len - r->pos < n ? r->len - r->pos : n);
}

ssize_t sg_bufreader_read(struct sg_bufreader *r, uint8_t *out, size_t len)
{
	size_t got = r->len - r->pos < len ? r->len - r->pos : len;

	memcpy(out, r->buf + r->pos, got);
	r->pos += got;
	while (got < len && !r->eof) {
		ssize_t n = r->src.read(r->src.ctx, out + got, len - got);
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t sg_bufreader_line(struct sg_bufreader *r, uint8_t *out, size_t cap, int allow_partial)
{
	size_t scanned = 0;

	for (;;) {
		size_t avail = r->len - r->pos;
		uint8_t *nl = memchr(r->buf + r->pos + scanned, '\n', avail - scanned);

		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->pos)) + 1;
			if (n > cap)
				return sg_fail("line too long");
			memcpy(out, r->buf + r->pos, n);
			r->pos += n;
			return (ssize_t)n;
		}
		scanned = avail;
		if (avail > cap)
			return sg_fail("line too long");
		if (r->eof) {
			if (avail == 0)
				return 0;
			if (!allow_partial)
				return sg_fail("unexpected end of input");
			memcpy(out, r->buf + r->pos, avail);
			r->pos += avail;
			return (ssize_t)avail;
		}
		if (fill(r) < 0)
			return -1;
	}
}

static ssize_t bufreader_read_some(void *ctx, uint8_t *buf, size_t len)
{
	struct sg_bufreader *r = ctx;

	if (r->pos == r->len && fill(r) < 0)
		return -1;
	if (r->pos == r->len)
		return 0;
	if (len > r->len - r->pos)
		len = r->len - r->pos;
	memcpy(buf, r->buf + r->pos, len);
	r->pos += len;
	return (ssize_t)len;
}

struct sg_reader sg_bufreader_as_reader(struct sg_bufreader *r)
{
	return (struct sg_reader){ bufreader_read_some, r };
}
