/* buf.h: appends of every kind keep the bytes, the length and a NUL
 * after them; growth across the first allocation and its doublings keeps
 * the old contents; reserve refuses sizes that would overflow; free and
 * wipe reset to empty. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "err.h"

enum op { APPEND, STR, BYTE, PRINTF, TERMINATE };

/* Each step appends to one buffer; want is the whole content after it. */
static const struct {
	enum op op;
	const char *arg;
	size_t len;
	const char *want;
	size_t wantlen;
} steps[] = {
	{ TERMINATE, NULL, 0, "", 0 },
	{ APPEND, "", 0, "", 0 },
	{ APPEND, NULL, 0, "", 0 }, /* zero bytes from nowhere */
	{ STR, "ab", 0, "ab", 2 },
	{ BYTE, "\0", 0, "ab\0", 3 }, /* a NUL byte is data */
	{ APPEND, "c\0d", 3, "ab\0c\0d", 6 },
	{ PRINTF, "x", 0, "ab\0c\0d42-x", 10 },
	{ STR, "", 0, "ab\0c\0d42-x", 10 },
	{ TERMINATE, NULL, 0, "ab\0c\0d42-x", 10 },
};

/* Lengths crossing the first block (64 with its NUL) and doublings. */
static const size_t growth[] = { 0, 1, 62, 63, 64, 65, 127, 128, 129, 1000, 4096, 70000 };

static int apply(struct sg_buf *b, size_t i)
{
	switch (steps[i].op) {
	case APPEND: return sg_buf_append(b, steps[i].arg, steps[i].len);
	case STR: return sg_buf_append_str(b, steps[i].arg);
	case BYTE: return sg_buf_append_byte(b, (uint8_t)steps[i].arg[0]);
	case PRINTF: return sg_buf_printf(b, "%d-%s", 42, steps[i].arg);
	case TERMINATE: return sg_buf_terminate(b);
	}
	return -1;
}

int main(void)
{
	struct sg_buf b = SG_BUF_INIT;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CHECK(apply(&b, i) == 0);
		CHECK(b.len == steps[i].wantlen);
		CHECK(b.data && b.cap > b.len);
		CHECK(b.data && memcmp(b.data, steps[i].want, b.len) == 0);
		CHECK(b.data && b.data[b.len] == '\0');
	}
	sg_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);

	/* Growth: a fixed pattern, one byte at a time and then in one go. */
	for (size_t i = 0; i < sizeof(growth) / sizeof(growth[0]); i++) {
		size_t n = growth[i];
		struct sg_buf one = SG_BUF_INIT, all = SG_BUF_INIT;
		uint8_t pat[70000];
		int ok = 1;

		for (size_t j = 0; j < n; j++)
			pat[j] = (uint8_t)(j * 7 + 3);
		CHECK(sg_buf_terminate(&one) == 0);
		for (size_t j = 0; j < n; j++)
			ok &= sg_buf_append_byte(&one, pat[j]) == 0;
		CHECK(ok);
		CHECK(sg_buf_append(&all, pat, n) == 0);
		CHECK(one.len == n && all.len == n);
		CHECK(memcmp(one.data, pat, n) == 0);
		CHECK(memcmp(all.data, pat, n) == 0);
		CHECK(one.data[n] == '\0' && all.data[n] == '\0');
		CHECK(one.cap > n && all.cap > n);
		/* reserve promises room for `extra` more bytes and the NUL. */
		CHECK(sg_buf_reserve(&all, n + 5) == 0);
		CHECK(all.cap >= all.len + n + 5 + 1);
		CHECK(all.len == n && memcmp(all.data, pat, n) == 0);
		sg_buf_wipe(&one);
		sg_buf_wipe(&all);
		CHECK(one.data == NULL && one.len == 0 && one.cap == 0);
		CHECK(all.data == NULL && all.len == 0 && all.cap == 0);
	}

	/* Overflow: room that cannot exist is refused, with a message, and
	 * the buffer is left as it was. */
	{
		const size_t huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 3 };
		CHECK(sg_buf_append_str(&b, "abc") == 0);
		for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
			sg_errclear();
			CHECK(sg_buf_reserve(&b, huge[i]) == -1);
			CHECK(strcmp(sg_errmsg(), "unknown error") != 0);
			CHECK(b.len == 3 && memcmp(b.data, "abc", 4) == 0);
		}
		CHECK(sg_buf_append(&b, "x", SIZE_MAX - 2) == -1);
		CHECK(b.len == 3);
		sg_buf_wipe(&b);
	}
	/* free and wipe of an empty buffer are harmless. */
	sg_buf_free(&b);
	sg_buf_wipe(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);

	/* sg_array_grow: room for one more when full, capacity 8, 16, ...;
	 * an element size whose doubling overflows leaves the array alone. */
	{
		static const struct {
			size_t cap, len, size, cap_after;
			int rc;
		} grows[] = {
			{ 0, 0, sizeof(int), 8, 0 },   { 8, 7, sizeof(int), 8, 0 },
			{ 8, 8, sizeof(int), 16, 0 },  { 16, 16, sizeof(int), 32, 0 },
			{ 8, 8, SIZE_MAX / 8, 8, -1 }, { 0, 0, 0, 0, -1 },
		};
		for (size_t i = 0; i < sizeof(grows) / sizeof(grows[0]); i++) {
			size_t cap = grows[i].cap;
			void *v = cap ? calloc(cap, sizeof(int)) : NULL, *before = v;
			int rc = sg_array_grow(&v, &cap, grows[i].len, grows[i].size);

			CHECK(rc == grows[i].rc && cap == grows[i].cap_after);
			CHECK(rc == 0 || v == before);
			if (rc == 0 && cap)
				((int *)v)[grows[i].len] = 1; /* ASan: the new slot is there */
			free(v);
		}
	}
	return check_done();
}
