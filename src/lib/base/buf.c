#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "err.h"

int sg_buf_reserve(struct sg_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (extra > SIZE_MAX - b->len - 1)
		return sg_fail("buffer size overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* Not realloc: the old block may hold a secret and must be wiped. */
	p = malloc(cap);
	if (!p)
		return sg_fail("out of memory");
	if (b->data) {
		memcpy(p, b->data, b->len);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int sg_array_grow(void **v, size_t *cap, size_t len, size_t size)
{
	size_t ncap;
	void *p;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap < *cap || size == 0 || ncap > SIZE_MAX / size)
		return sg_fail("out of memory");
	if (!(p = realloc(*v, ncap * size)))
		return sg_fail("out of memory");
	*v = p;
	*cap = ncap;
	return 0;
}

int sg_buf_append(struct sg_buf *b, const void *data, size_t len)
{
	if (sg_buf_reserve(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int sg_buf_append_str(struct sg_buf *b, const char *s)
{
	return sg_buf_append(b, s, strlen(s));
}

int sg_buf_append_byte(struct sg_buf *b, uint8_t c)
{
	return sg_buf_append(b, &c, 1);
}

int sg_buf_printf(struct sg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return sg_fail("formatting failed");
	if (sg_buf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int sg_buf_terminate(struct sg_buf *b)
{
	if (sg_buf_reserve(b, 0) < 0)
		return -1;
	b->data[b->len] = '\0';
	return 0;
}

void sg_buf_free(struct sg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void sg_buf_wipe(struct sg_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	sg_buf_free(b);
}
