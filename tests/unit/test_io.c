/* io.h: each source and sink keeps the bytes and the boundaries its
 * contract states: the memory reader and its view, fd and file writers
 * over a temp file, the mapped reader (and when a file is not mappable),
 * the buffered reader's peek/read/line (one row per line rule), and the
 * background writer, including a failing destination. Sources hand out
 * fixed patterns in reads of fixed sizes; temp files live under one
 * mkdtemp directory that is removed at the end. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "io.h"

/* A source giving at most `step` bytes a read, to cross buffer fills. */
struct trickle {
	const uint8_t *data;
	size_t len, pos, step;
};

static ssize_t trickle_read(void *ctx, uint8_t *buf, size_t len)
{
	struct trickle *t = ctx;
	size_t n = t->len - t->pos;

	if (n > len)
		n = len;
	if (n > t->step)
		n = t->step;
	memcpy(buf, t->data + t->pos, n);
	t->pos += n;
	return (ssize_t)n;
}

static ssize_t failing_read(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx, (void)buf, (void)len;
	return sg_fail("source broke");
}

/* A destination that fails once `limit` bytes have been written. */
struct limited {
	struct sg_buf b;
	size_t limit;
	int closed;
};

static int limited_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct limited *l = ctx;

	if (l->b.len + len > l->limit)
		return sg_fail("disk full");
	return sg_buf_append(&l->b, buf, len);
}

static int limited_close(void *ctx)
{
	((struct limited *)ctx)->closed++;
	return 0;
}

/* Lines: input, cap, allow_partial, then the lines expected in turn
 * separated by '|' ("" at the end: 0 for end of input), or an error. */
static const struct {
	const char *in;
	size_t cap;
	int partial;
	const char *lines; /* each line as returned, '|'-separated */
	const char *err;   /* the error after those lines, NULL: ends with 0 */
} lines[] = {
	{ "", 16, 0, "", NULL },
	{ "a\n", 16, 0, "a\n", NULL },
	{ "a\nbc\n\n", 16, 0, "a\n|bc\n|\n", NULL },
	{ "a\r\n", 16, 0, "a\r\n", NULL }, /* CR is data */
	{ "abc", 16, 0, "", "unexpected end of input" },
	{ "x\nabc", 16, 0, "x\n", "unexpected end of input" },
	{ "x\nabc", 16, 1, "x\n|abc", NULL },
	{ "abc\n", 4, 0, "abc\n", NULL }, /* exactly cap with its LF */
	{ "abcd\n", 4, 0, "", "line too long" },
	{ "abcd", 4, 1, "abcd", NULL }, /* partial, exactly cap */
	{ "abcde", 4, 1, "", "line too long" },
	{ "ab\nabcdef\n", 4, 0, "ab\n", "line too long" },
};

static int check_lines(size_t i, size_t step)
{
	struct trickle t = { (const uint8_t *)lines[i].in, strlen(lines[i].in), 0, step };
	struct sg_bufreader r;
	const char *want = lines[i].lines;
	uint8_t out[64];
	int ok = 1;

	if (sg_bufreader_init(&r, (struct sg_reader){ .read = trickle_read, .ctx = &t }) < 0)
		return 0;
	while (*want) {
		const char *bar = strchr(want, '|');
		size_t wl = bar ? (size_t)(bar - want) : strlen(want);
		ssize_t n = sg_bufreader_line(&r, out, lines[i].cap, lines[i].partial);
		ok &= n == (ssize_t)wl && memcmp(out, want, wl) == 0;
		want += wl + (bar ? 1 : 0);
	}
	sg_errclear();
	if (lines[i].err)
		ok &= sg_bufreader_line(&r, out, lines[i].cap, lines[i].partial) == -1 &&
		      strcmp(sg_errmsg(), lines[i].err) == 0;
	else
		ok &= sg_bufreader_line(&r, out, lines[i].cap, lines[i].partial) == 0;
	sg_bufreader_free(&r);
	return ok;
}

static const size_t steps[] = { 1, 3, 4096, 70000 };

int main(void)
{
	static uint8_t pat[300000];
	char dir[] = "/tmp/signet-test-io-XXXXXX", path[64], empty[64];
	struct sg_buf out = SG_BUF_INIT;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3 + (i >> 16));
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);

	/* Memory reader: reads and views up to what remains. */
	{
		static const struct {
			size_t len, ask;
		} mem[] = { { 0, 1 }, { 1, 1 }, { 10, 3 }, { 10, 10 }, { 10, 11 }, { 100000, 4096 } };
		for (size_t i = 0; i < sizeof(mem) / sizeof(mem[0]); i++) {
			struct sg_mem_source m;
			struct sg_reader r = sg_mem_reader(&m, pat, mem[i].len);
			const uint8_t *p;
			size_t got = 0, views = 0;
			int more = 1, ok = 1;
			uint8_t buf[4096];
			ssize_t n;

			while ((n = r.read(r.ctx, buf, mem[i].ask)) > 0) {
				ok &= memcmp(buf, pat + got, (size_t)n) == 0;
				got += (size_t)n;
			}
			CHECK(n == 0 && ok && got == mem[i].len);
			r = sg_mem_reader(&m, pat, mem[i].len);
			got = 0;
			while (more) {
				size_t k = r.view(r.ctx, mem[i].ask, &p, &more);
				ok &= p == pat + got && k <= mem[i].ask;
				got += k;
				ok &= more == (got < mem[i].len);
				views++;
			}
			CHECK(ok && got == mem[i].len);
			CHECK(views == (mem[i].len ? (mem[i].len + mem[i].ask - 1) / mem[i].ask : 1));
		}
	}

	/* fd and file writers to a temp file; fd and mapped readers back. */
	{
		static const size_t sizes[] = { 1, 4096, 300000 };
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), rfd;
			struct sg_file_sink sink;
			struct sg_writer w = i % 2 ? sg_file_writer(&sink, fd) : sg_fd_writer(&fd);
			struct sg_map_source map;
			struct sg_reader r;
			uint8_t buf[1000];
			ssize_t n;
			size_t got = 0;
			int ok = 1;

			CHECK(fd >= 0);
			for (size_t off = 0; off < sizes[i]; off += 1000)
				ok &= sg_write(&w, pat + off,
					       sizes[i] - off < 1000 ? sizes[i] - off : 1000) == 0;
			CHECK(ok && sg_writer_close(&w) == 0);
			if (i % 2)
				CHECK(sink.written == sizes[i]);
			close(fd);

			rfd = open(path, O_RDONLY);
			r = sg_fd_reader(&rfd);
			while ((n = r.read(r.ctx, buf, sizeof(buf))) > 0) {
				ok &= memcmp(buf, pat + got, (size_t)n) == 0;
				got += (size_t)n;
			}
			CHECK(n == 0 && ok && got == sizes[i]);

			CHECK(sg_map_open(&map, rfd) == 1);
			r = sg_map_reader(&map);
			got = 0;
			while ((n = r.read(r.ctx, buf, sizeof(buf))) > 0) {
				ok &= memcmp(buf, pat + got, (size_t)n) == 0;
				got += (size_t)n;
			}
			CHECK(n == 0 && ok && got == sizes[i]);
			sg_map_close(&map);
			CHECK(map.map == NULL);
			close(rfd);
		}
		/* Not mappable: an empty file, a pipe. */
		{
			int fd = open(empty, O_RDWR | O_CREAT | O_TRUNC, 0600), p[2];
			struct sg_map_source map;
			CHECK(fd >= 0 && sg_map_open(&map, fd) == 0);
			close(fd);
			CHECK(pipe(p) == 0 && sg_map_open(&map, p[0]) == 0);
			close(p[0]);
			close(p[1]);
		}
		/* A read error is reported. */
		{
			int bad = -1;
			struct sg_reader r = sg_fd_reader(&bad);
			uint8_t b;
			CHECK(r.read(r.ctx, &b, 1) == -1 && strncmp(sg_errmsg(), "read", 4) == 0);
		}
	}

	/* Buffered reader: peek up to the buffer size, exact reads, and the
	 * plain-reader view, through sources of several read sizes. */
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		static const size_t peeks[] = { 0, 1, 100, SG_BUFREADER_SIZE, SG_BUFREADER_SIZE + 1 };
		for (size_t i = 0; i < sizeof(peeks) / sizeof(peeks[0]); i++) {
			struct trickle t = { pat, sizeof(pat), 0, steps[s] };
			struct sg_bufreader r;
			const uint8_t *p;
			size_t want = peeks[i] > SG_BUFREADER_SIZE ? SG_BUFREADER_SIZE : peeks[i];
			uint8_t *big = malloc(sizeof(pat));
			ssize_t n;

			CHECK(sg_bufreader_init(&r, (struct sg_reader){ trickle_read, &t, NULL }) ==
			      0);
			CHECK(sg_bufreader_peek(&r, peeks[i], &p) == (ssize_t)want);
			CHECK(want == 0 || memcmp(p, pat, want) == 0);
			/* Peeking consumes nothing: a read gets the same bytes. */
			CHECK(sg_bufreader_read(&r, big, 7) == 7 && memcmp(big, pat, 7) == 0);
			/* An exact large read, bypassing the buffer. */
			CHECK(sg_bufreader_read(&r, big, 200000) == 200000);
			CHECK(memcmp(big, pat + 7, 200000) == 0);
			/* The rest through the plain reader, then end of input. */
			{
				struct sg_reader pr = sg_bufreader_as_reader(&r);
				size_t got = 0;
				int ok = 1;
				while ((n = pr.read(pr.ctx, big, 100000)) > 0) {
					ok &= memcmp(big, pat + 200007 + got, (size_t)n) == 0;
					got += (size_t)n;
				}
				CHECK(n == 0 && ok && got == sizeof(pat) - 200007);
			}
			CHECK(sg_bufreader_read(&r, big, 10) == 0);
			CHECK(sg_bufreader_peek(&r, 10, &p) == 0);
			sg_bufreader_free(&r);
			free(big);
		}
		/* Short input: reads stop at its end. */
		{
			struct trickle t = { pat, 10, 0, steps[s] };
			struct sg_bufreader r;
			const uint8_t *p;
			uint8_t b[20];
			CHECK(sg_bufreader_init(&r, (struct sg_reader){ trickle_read, &t, NULL }) ==
			      0);
			CHECK(sg_bufreader_peek(&r, 20, &p) == 10);
			CHECK(sg_bufreader_read(&r, b, 20) == 10 && memcmp(b, pat, 10) == 0);
			sg_bufreader_free(&r);
		}
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
			CHECK(check_lines(i, steps[s]));
	}
	/* A failing source fails peek, read and line. */
	{
		struct sg_bufreader r;
		const uint8_t *p;
		uint8_t b[4];
		CHECK(sg_bufreader_init(&r, (struct sg_reader){ failing_read, NULL, NULL }) == 0);
		CHECK(sg_bufreader_peek(&r, 1, &p) == -1);
		CHECK(sg_bufreader_read(&r, b, 4) == -1);
		CHECK(sg_bufreader_line(&r, b, 4, 1) == -1);
		CHECK_STR(sg_errmsg(), "source broke");
		sg_bufreader_free(&r);
	}

	/* Buffer writer. */
	{
		struct sg_writer w = sg_buf_writer(&out);
		CHECK(sg_write(&w, "ab", 2) == 0 && sg_write(&w, "", 0) == 0 &&
		      sg_write(&w, "c", 1) == 0);
		CHECK(out.len == 3 && memcmp(out.data, "abc", 3) == 0 && sg_writer_close(&w) == 0);
		sg_buf_free(&out);
	}

	/* Background writer: everything arrives in order, through write and
	 * through reserve/commit, for slot sizes smaller and larger than the
	 * writes; a destination that fails is reported by a later write or
	 * by close; close closes the destination. */
	{
		static const struct {
			size_t slot, nslots, total, wsize;
			int reserve;
			size_t limit; /* the destination fails past this */
		} bg[] = {
			{ 1000, 2, 300000, 333, 0, SIZE_MAX },
			{ 100, 2, 30000, 333, 0, SIZE_MAX },
			{ 65536, 4, 300000, 65536, 1, SIZE_MAX },
			{ 1000, 3, 300000, 1000, 1, SIZE_MAX },
			{ 1000, 2, 300000, 333, 0, 5000 },
			{ 1000, 4, 300000, 1000, 1, 5000 },
			{ 1000, 2, 1000, 1000, 0, 999 }, /* only close can tell */
		};
		for (size_t i = 0; i < sizeof(bg) / sizeof(bg[0]); i++) {
			struct limited l = { SG_BUF_INIT, bg[i].limit, 0 };
			struct sg_writer dst = { limited_write, limited_close, &l, NULL, NULL };
			struct sg_bg_writer *b =
				sg_bg_writer_new(dst, bg[i].slot, (unsigned)bg[i].nslots);
			struct sg_writer w;
			int rc = 0;

			CHECK(b != NULL);
			if (!b)
				continue;
			w = sg_bg_writer_as_writer(b);
			for (size_t off = 0; off < bg[i].total && rc == 0; off += bg[i].wsize) {
				size_t n = bg[i].total - off < bg[i].wsize ? bg[i].total - off
									   : bg[i].wsize;
				if (bg[i].reserve) {
					/* NULL (after a failure): write instead, as io.h says. */
					uint8_t *p = w.reserve(w.ctx, n);
					CHECK(p != NULL || bg[i].limit != SIZE_MAX);
					if (!p) {
						rc = sg_write(&w, pat + off, n);
						continue;
					}
					memcpy(p, pat + off, n);
					rc = w.commit(w.ctx, n);
				} else {
					rc = sg_write(&w, pat + off, n);
				}
			}
			if (rc == 0)
				rc = sg_writer_close(&w);
			if (bg[i].limit == SIZE_MAX) {
				CHECK(rc == 0 && l.closed == 1);
				CHECK(l.b.len == bg[i].total &&
				      memcmp(l.b.data, pat, bg[i].total) == 0);
			} else {
				CHECK(rc == -1 && strcmp(sg_errmsg(), "disk full") == 0);
				CHECK(l.b.len <= bg[i].limit &&
				      memcmp(l.b.data ? l.b.data : pat, pat, l.b.len) == 0);
			}
			/* A reserve larger than a slot is refused (use write). */
			if (bg[i].reserve && rc == 0)
				CHECK(w.reserve(w.ctx, bg[i].slot + 1) == NULL);
			sg_bg_writer_free(b);
			sg_buf_free(&l.b);
		}
		CHECK(sg_bg_writer_new((struct sg_writer){ limited_write, NULL, NULL, NULL, NULL },
				       10, 1) == NULL);
		/* Freed while running: queued data is discarded, no crash. */
		{
			struct limited l = { SG_BUF_INIT, SIZE_MAX, 0 };
			struct sg_bg_writer *b =
				sg_bg_writer_new((struct sg_writer){ limited_write, limited_close,
								     &l, NULL, NULL },
						 100, 2);
			struct sg_writer w = sg_bg_writer_as_writer(b);
			CHECK(sg_write(&w, pat, 1000) == 0);
			sg_bg_writer_free(b);
			CHECK(l.closed == 0 && l.b.len <= 1000);
			sg_buf_free(&l.b);
		}
	}

	unlink(path);
	unlink(empty);
	CHECK(rmdir(dir) == 0);
	return check_done();
}
