#include "armor.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "err.h"

#define COLUMNS 64
#define BYTES_PER_LINE 48
/* A body line: 64 columns plus CRLF, and one byte to notice a longer one. */
#define LINE_CAP (COLUMNS + 3)

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Skips whitespace; returns 0 at the first other byte or end, -1 on error. */
static int skip_space(struct sg_bufreader *r)
{
	const uint8_t *p;
	ssize_t n;

	for (;;) {
		n = sg_bufreader_peek(r, SG_BUFREADER_SIZE, &p);
		if (n <= 0)
			return (int)n;
		for (ssize_t i = 0; i < n; i++)
			if (!is_space(p[i])) {
				r->pos += (size_t)i;
				return 0;
			}
		r->pos += (size_t)n;
	}
}

int sg_armor_detect(struct sg_bufreader *r)
{
	const size_t mark = sizeof("-----BEGIN") - 1;
	const uint8_t *p;
	ssize_t n = sg_bufreader_peek(r, SG_BUFREADER_SIZE, &p), i = 0;

	if (n < 0)
		return -1;
	while (i < n && is_space(p[i]))
		i++;
	return (size_t)(n - i) >= mark && memcmp(p + i, "-----BEGIN", mark) == 0;
}

void sg_armor_reader_init(struct sg_armor_reader *a, struct sg_bufreader *src)
{
	memset(a, 0, sizeof(*a));
	a->src = src;
}

/* Reads one line without its LF or CRLF; *had_eol tells whether it ended
 * with one. Returns the length, or -1. */
static ssize_t read_line(struct sg_armor_reader *a, char *line, int *had_eol)
{
	ssize_t n = sg_bufreader_line(a->src, (uint8_t *)line, LINE_CAP, 1);

	if (n < 0)
		return sg_fail("armor: line longer than %d columns", COLUMNS);
	*had_eol = n > 0 && line[n - 1] == '\n';
	if (*had_eol) {
		n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
	}
	line[n] = '\0';
	return n;
}

static int expect_only_space_after_end(struct sg_armor_reader *a)
{
	const uint8_t *p;

	if (skip_space(a->src) < 0)
		return -1;
	if (sg_bufreader_peek(a->src, 1, &p) != 0)
		return sg_fail("armor: data after the END line");
	return 0;
}

static int read_begin(struct sg_armor_reader *a)
{
	char line[LINE_CAP + 1];
	int eol = 0;
	ssize_t n;

	if (skip_space(a->src) < 0)
		return -1;
	n = read_line(a, line, &eol);
	if (n < 0)
		return -1;
	if (!eol || strcmp(line, SG_ARMOR_BEGIN) != 0)
		return sg_fail("armor: missing '" SG_ARMOR_BEGIN "' line");
	a->state = 1;
	return 0;
}

/* Decodes the next body line into a->decoded, or reaches the END line. */
static int read_body_line(struct sg_armor_reader *a)
{
	char line[LINE_CAP + 1];
	size_t n;
	ssize_t got;
	int eol = 0;

	got = read_line(a, line, &eol);
	if (got < 0)
		return -1;
	if (got == 0 && !eol)
		return sg_fail("armor: missing '" SG_ARMOR_END "' line");
	n = (size_t)got;
	if (strcmp(line, SG_ARMOR_END) == 0) {
		a->state = 2;
		return expect_only_space_after_end(a);
	}
	if (!eol)
		return sg_fail("armor: missing '" SG_ARMOR_END "' line");
	if (a->last_line_seen)
		return sg_fail("armor: a short line must be the last before END");
	if (n == 0)
		return sg_fail("armor: empty line");
	if (n > COLUMNS)
		return sg_fail("armor: line longer than %d columns", COLUMNS);
	if (n % 4)
		return sg_fail("armor: line length is not a multiple of 4 (missing padding?)");
	if (sg_b64_decode(line, n, a->decoded, sizeof(a->decoded), &a->len, SG_B64_PAD) < 0)
		return sg_fail_prefix("armor");
	a->pos = 0;
	a->last_line_seen = n < COLUMNS || line[n - 1] == '=';
	return 0;
}

static ssize_t armor_read(void *ctx, uint8_t *buf, size_t len)
{
	struct sg_armor_reader *a = ctx;
	size_t got = 0;

	if (a->state == 0 && read_begin(a) < 0)
		return -1;
	while (got < len) {
		if (a->pos == a->len) {
			if (a->state == 2)
				break;
			if (read_body_line(a) < 0)
				return -1;
			continue;
		}
		size_t take = a->len - a->pos < len - got ? a->len - a->pos : len - got;
		memcpy(buf + got, a->decoded + a->pos, take);
		a->pos += take;
		got += take;
	}
	return (ssize_t)got;
}

struct sg_reader sg_armor_reader_as_reader(struct sg_armor_reader *a)
{
	return (struct sg_reader){ .read = armor_read, .ctx = a };
}

void sg_armor_writer_init(struct sg_armor_writer *a, struct sg_writer dst)
{
	memset(a, 0, sizeof(*a));
	a->dst = dst;
}

/* Encodes whole 48-byte groups of data as 64-column lines into a->lines. */
static int encode_lines(struct sg_armor_writer *a, const uint8_t *data, size_t nlines, size_t *out)
{
	size_t need = nlines * (COLUMNS + 1) + 1;

	if (need > a->lines_cap) {
		uint8_t *p = realloc(a->lines, need);
		if (!p)
			return sg_fail("out of memory");
		a->lines = p;
		a->lines_cap = need;
	}
	*out = 0;
	for (size_t i = 0; i < nlines; i++) {
		*out += sg_b64_encode(data + i * BYTES_PER_LINE, BYTES_PER_LINE,
				      (char *)a->lines + *out, SG_B64_PAD);
		a->lines[(*out)++] = '\n';
	}
	return 0;
}

static int start(struct sg_armor_writer *a)
{
	if (a->started)
		return 0;
	a->started = 1;
	return sg_write(&a->dst, SG_ARMOR_BEGIN "\n", sizeof(SG_ARMOR_BEGIN));
}

static int armor_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct sg_armor_writer *a = ctx;
	size_t n = 0;

	if (start(a) < 0)
		return -1;
	if (a->npending) {
		size_t take = BYTES_PER_LINE - a->npending < len ? BYTES_PER_LINE - a->npending : len;
		memcpy(a->pending + a->npending, buf, take);
		a->npending += take;
		buf += take;
		len -= take;
		if (a->npending < BYTES_PER_LINE)
			return 0;
		if (encode_lines(a, a->pending, 1, &n) < 0 || sg_write(&a->dst, a->lines, n) < 0)
			return -1;
		a->npending = 0;
	}
	if (len >= BYTES_PER_LINE) {
		size_t nlines = len / BYTES_PER_LINE;
		if (encode_lines(a, buf, nlines, &n) < 0 || sg_write(&a->dst, a->lines, n) < 0)
			return -1;
		buf += nlines * BYTES_PER_LINE;
		len -= nlines * BYTES_PER_LINE;
	}
	memcpy(a->pending, buf, len);
	a->npending = len;
	return 0;
}

static int armor_close(void *ctx)
{
	struct sg_armor_writer *a = ctx;
	char line[COLUMNS + 2];
	size_t n;

	if (start(a) < 0)
		return -1;
	if (a->npending) {
		n = sg_b64_encode(a->pending, a->npending, line, SG_B64_PAD);
		line[n++] = '\n';
		if (sg_write(&a->dst, line, n) < 0)
			return -1;
		a->npending = 0;
	}
	if (sg_write(&a->dst, SG_ARMOR_END "\n", sizeof(SG_ARMOR_END)) < 0)
		return -1;
	return sg_writer_close(&a->dst);
}

struct sg_writer sg_armor_writer_as_writer(struct sg_armor_writer *a)
{
	return (struct sg_writer){ .write = armor_write, .close = armor_close, .ctx = a };
}

void sg_armor_writer_free(struct sg_armor_writer *a)
{
	free(a->lines);
	a->lines = NULL;
}
