#include "base64.h"

#include "err.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sg_b64_encoded_len(size_t n, enum sg_b64_pad pad)
{
	if (pad)
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t sg_b64_encode(const void *in, size_t n, char *out, enum sg_b64_pad pad)
{
	const uint8_t *p = in;
	size_t i, o = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

int sg_b64_encode_buf(struct sg_buf *b, const void *in, size_t n, enum sg_b64_pad pad)
{
	size_t len = sg_b64_encoded_len(n, pad);

	if (sg_buf_reserve(b, len) < 0)
		return -1;
	sg_b64_encode(in, n, (char *)b->data + b->len, pad);
	b->len += len;
	return 0;
}

size_t sg_b64_decoded_max(size_t len)
{
	return len / 4 * 3 + 3;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int sg_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  enum sg_b64_pad pad)
{
	size_t i, o = 0, body = len, tail;
	uint32_t acc = 0;
	int bits = 0;

	if (pad) {
		if (len % 4)
			return sg_fail("base64 length is not a multiple of 4");
		while (body > 0 && len - body < 2 && in[body - 1] == '=')
			body--;
	}
	tail = body % 4;
	if (tail == 1 || (pad && len - body != (tail ? 4 - tail : 0)))
		return sg_fail("base64 has a truncated final group");
	for (i = 0; i < body; i++) {
		int v = value_of(in[i]);
		if (v < 0)
			return sg_fail("invalid base64 character");
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return sg_fail("base64 decodes to more than %zu bytes", cap);
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return sg_fail("base64 is not canonical (non-zero trailing bits)");
	*outlen = o;
	return 0;
}
