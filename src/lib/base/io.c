#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
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
	return (struct sg_reader){ .read = fd_read, .ctx = fd };
}

struct sg_writer sg_fd_writer(int *fd)
{
	return (struct sg_writer){ .write = fd_write, .ctx = fd };
}

/* Writeback is started in steps of this many bytes. */
#define WRITEBACK_STEP ((uint64_t)8 << 20)

static int file_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct sg_file_sink *s = ctx;

	if (sg_write_all(s->fd, buf, len) < 0)
		return -1;
	s->written += len;
	if (s->written - s->flushed >= WRITEBACK_STEP) {
		/* Only a hint: on a pipe or terminal it fails, harmlessly. */
		sync_file_range(s->fd, (off_t)s->flushed, (off_t)(s->written - s->flushed),
				SYNC_FILE_RANGE_WRITE);
		s->flushed = s->written;
	}
	return 0;
}

struct sg_writer sg_file_writer(struct sg_file_sink *s, int fd)
{
	s->fd = fd;
	s->written = s->flushed = 0;
	return (struct sg_writer){ .write = file_write, .ctx = s };
}

static ssize_t mem_read(void *ctx, uint8_t *buf, size_t len)
{
	struct sg_mem_source *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static size_t mem_view(void *ctx, size_t len, const uint8_t **p, int *more)
{
	struct sg_mem_source *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	*p = m->data + m->pos;
	m->pos += n;
	*more = m->pos < m->len;
	return n;
}

struct sg_reader sg_mem_reader(struct sg_mem_source *m, const void *data, size_t len)
{
	m->data = data;
	m->len = len;
	m->pos = 0;
	return (struct sg_reader){ .read = mem_read, .ctx = m, .view = mem_view };
}

#define MAP_RELEASE_STEP ((size_t)8 << 20)

int sg_map_open(struct sg_map_source *m, int fd)
{
	struct stat st;
	void *p;

	memset(m, 0, sizeof(*m));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 0;
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	m->map = p;
	m->len = (size_t)st.st_size;
	return 1;
}

static size_t map_view(void *ctx, size_t len, const uint8_t **p, int *more)
{
	struct sg_map_source *m = ctx;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), done = m->pos / page * page;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	/* What earlier views returned is finished with: drop those pages,
	 * in large steps since each drop interrupts every CPU (TLB flush). */
	if (done - m->released >= MAP_RELEASE_STEP) {
		madvise(m->map + m->released, done - m->released, MADV_DONTNEED);
		m->released = done;
	}
	*p = m->map + m->pos;
	m->pos += n;
	*more = m->pos < m->len;
	return n;
}

static ssize_t map_read(void *ctx, uint8_t *buf, size_t len)
{
	const uint8_t *p;
	int more;
	size_t n = map_view(ctx, len, &p, &more);

	memcpy(buf, p, n);
	return (ssize_t)n;
}

struct sg_reader sg_map_reader(struct sg_map_source *m)
{
	return (struct sg_reader){ .read = map_read, .ctx = m, .view = map_view };
}

void sg_map_close(struct sg_map_source *m)
{
	if (m->map)
		munmap(m->map, m->len);
	memset(m, 0, sizeof(*m));
}

static int buf_write(void *ctx, const uint8_t *data, size_t len)
{
	return sg_buf_append(ctx, data, len);
}

struct sg_writer sg_buf_writer(struct sg_buf *b)
{
	return (struct sg_writer){ .write = buf_write, .ctx = b };
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

	if (r->pos == r->len && len >= SG_BUFREADER_SIZE && !r->eof) {
		/* Large reads with nothing buffered go straight to the source. */
		ssize_t n = r->src.read(r->src.ctx, buf, len);
		if (n == 0)
			r->eof = 1;
		return n;
	}
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
	return (struct sg_reader){ .read = bufreader_read_some, .ctx = r };
}

struct bg_slot {
	uint8_t *data;
	size_t len;
};

struct sg_bg_writer {
	struct sg_writer dst;
	pthread_t thread;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t filled, drained;
	struct bg_slot *slots;
	unsigned nslots;
	size_t slot_size;
	unsigned head, tail, count; /* queued slots are tail .. tail+count-1 */
	int closing, failed;
	char err[512];
};

static void *bg_main(void *arg)
{
	struct sg_bg_writer *b = arg;

	for (;;) {
		struct bg_slot *s;
		int rc, skip;

		pthread_mutex_lock(&b->mu);
		while (b->count == 0 && !b->closing)
			pthread_cond_wait(&b->filled, &b->mu);
		if (b->count == 0) {
			pthread_mutex_unlock(&b->mu);
			return NULL;
		}
		s = &b->slots[b->tail];
		skip = b->failed;
		pthread_mutex_unlock(&b->mu);

		rc = skip ? -1 : sg_write(&b->dst, s->data, s->len);

		pthread_mutex_lock(&b->mu);
		if (rc < 0 && !b->failed) {
			/* Error messages are per thread: keep a copy for the caller. */
			snprintf(b->err, sizeof(b->err), "%s", sg_errmsg());
			b->failed = 1;
		}
		b->tail = (b->tail + 1) % b->nslots;
		b->count--;
		pthread_cond_signal(&b->drained);
		pthread_mutex_unlock(&b->mu);
	}
}

static int bg_error(struct sg_bg_writer *b)
{
	return sg_fail("%s", b->err);
}

/* Waits for a free slot; NULL (with the error set) once writing failed. */
static struct bg_slot *bg_free_slot(struct sg_bg_writer *b)
{
	struct bg_slot *s = NULL;

	pthread_mutex_lock(&b->mu);
	while (b->count == b->nslots && !b->failed)
		pthread_cond_wait(&b->drained, &b->mu);
	if (!b->failed)
		s = &b->slots[b->head];
	pthread_mutex_unlock(&b->mu);
	if (!s)
		bg_error(b);
	return s;
}

static void bg_queue(struct sg_bg_writer *b, size_t len)
{
	pthread_mutex_lock(&b->mu);
	b->slots[b->head].len = len;
	b->head = (b->head + 1) % b->nslots;
	b->count++;
	pthread_cond_signal(&b->filled);
	pthread_mutex_unlock(&b->mu);
}

static int bg_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct sg_bg_writer *b = ctx;

	while (len) {
		size_t take = len < b->slot_size ? len : b->slot_size;
		struct bg_slot *s = bg_free_slot(b);

		if (!s)
			return -1;
		memcpy(s->data, buf, take);
		bg_queue(b, take);
		buf += take;
		len -= take;
	}
	return 0;
}

static void bg_stop(struct sg_bg_writer *b)
{
	if (!b->running)
		return;
	pthread_mutex_lock(&b->mu);
	b->closing = 1;
	pthread_cond_signal(&b->filled);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	b->running = 0;
}

static int bg_close(void *ctx)
{
	struct sg_bg_writer *b = ctx;

	bg_stop(b);
	if (b->failed)
		return bg_error(b);
	return sg_writer_close(&b->dst);
}

struct sg_bg_writer *sg_bg_writer_new(struct sg_writer dst, size_t slot_size, unsigned nslots)
{
	struct sg_bg_writer *b = calloc(1, sizeof(*b));

	if (!b || nslots < 2 || !(b->slots = calloc(nslots, sizeof(*b->slots))))
		goto fail;
	b->dst = dst;
	b->nslots = nslots;
	b->slot_size = slot_size;
	for (unsigned i = 0; i < nslots; i++)
		if (!(b->slots[i].data = malloc(slot_size)))
			goto fail;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->filled, NULL);
	pthread_cond_init(&b->drained, NULL);
	if (pthread_create(&b->thread, NULL, bg_main, b) != 0) {
		pthread_mutex_destroy(&b->mu);
		pthread_cond_destroy(&b->filled);
		pthread_cond_destroy(&b->drained);
		goto fail;
	}
	b->running = 1;
	return b;
fail:
	if (b && b->slots)
		for (unsigned i = 0; i < b->nslots; i++)
			free(b->slots[i].data);
	if (b)
		free(b->slots);
	free(b);
	sg_fail("cannot start the output thread");
	return NULL;
}

static uint8_t *bg_reserve(void *ctx, size_t len)
{
	struct sg_bg_writer *b = ctx;
	struct bg_slot *s;

	if (len > b->slot_size || !(s = bg_free_slot(b)))
		return NULL;
	return s->data;
}

static int bg_commit(void *ctx, size_t len)
{
	struct sg_bg_writer *b = ctx;

	if (len > b->slot_size)
		return sg_fail("output slot overrun");
	bg_queue(b, len);
	return 0;
}

struct sg_writer sg_bg_writer_as_writer(struct sg_bg_writer *b)
{
	return (struct sg_writer){
		.write = bg_write,
		.close = bg_close,
		.ctx = b,
		.reserve = bg_reserve,
		.commit = bg_commit,
	};
}

void sg_bg_writer_free(struct sg_bg_writer *b)
{
	if (!b)
		return;
	if (b->running) {
		/* Discard what is queued: the caller is abandoning the output. */
		pthread_mutex_lock(&b->mu);
		b->failed = 1;
		snprintf(b->err, sizeof(b->err), "output abandoned");
		pthread_mutex_unlock(&b->mu);
		bg_stop(b);
	}
	for (unsigned i = 0; i < b->nslots; i++) {
		sg_wipe(b->slots[i].data, b->slot_size);
		free(b->slots[i].data);
	}
	free(b->slots);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->filled);
	pthread_cond_destroy(&b->drained);
	free(b);
}
