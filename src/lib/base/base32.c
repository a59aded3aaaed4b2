#include "base32.h"

#include "err.h"

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

size_t sg_b32_encoded_len(size_t n)
{
	return (n * 8 + 4) / 5;
}

size_t sg_b32_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;
	size_t o = 0;
	unsigned acc = 0, bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

static int b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int sg_b32_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t o = 0;
	unsigned acc = 0, bits = 0;
	size_t rem = len % 8;

	/* Without padding, 1, 3 and 6 characters never end a byte string. */
	if (rem == 1 || rem == 3 || rem == 6)
		return sg_fail("base32: impossible length %zu", len);
	if (len * 5 / 8 > cap)
		return sg_fail("base32: decoded data too long");
	for (size_t i = 0; i < len; i++) {
		int v = b32_value(in[i]);

		if (v < 0)
			return sg_fail("base32: invalid character at offset %zu", i);
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	if (acc != 0)
		return sg_fail("base32: non-zero trailing bits");
	*outlen = o;
	return 0;
}
