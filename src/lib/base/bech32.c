#include "bech32.h"

#include <string.h>

#include "err.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint8_t top = (uint8_t)(chk >> 25);
	int i;

	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static uint32_t hrp_polymod(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)(hrp[i] >> 5));
	chk = polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)(hrp[i] & 31));
	return chk;
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

int sg_bech32_encode(struct sg_buf *out, const char *hrp, const uint8_t *data, size_t len, int upper)
{
	size_t hlen = strlen(hrp), i, start = out->len;
	uint32_t chk, acc = 0;
	int bits = 0;
	char c;

	if (hlen == 0)
		return sg_fail("bech32: empty human-readable part");
	for (i = 0; i < hlen; i++) {
		c = to_lower(hrp[i]);
		if (c < 33 || c > 126)
			return sg_fail("bech32: invalid character in human-readable part");
		if (sg_buf_append_byte(out, (uint8_t)c) < 0)
			return -1;
	}
	chk = hrp_polymod((const char *)out->data + start, hlen);
	if (sg_buf_append_byte(out, '1') < 0)
		return -1;
	for (i = 0; i < len; i++) {
		acc = acc << 8 | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			chk = polymod_step(chk, (acc >> bits) & 31);
			if (sg_buf_append_byte(out, (uint8_t)charset[(acc >> bits) & 31]) < 0)
				return -1;
		}
	}
	if (bits) {
		uint8_t v = (uint8_t)((acc << (5 - bits)) & 31);
		chk = polymod_step(chk, v);
		if (sg_buf_append_byte(out, (uint8_t)charset[v]) < 0)
			return -1;
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		if (sg_buf_append_byte(out, (uint8_t)charset[(chk >> (5 * (5 - i))) & 31]) < 0)
			return -1;
	if (upper)
		for (i = start; i < out->len; i++)
			out->data[i] = (uint8_t)to_upper((char)out->data[i]);
	return 0;
}

int sg_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpcap, uint8_t *data,
		     size_t cap, size_t *len)
{
	int has_lower = 0, has_upper = 0, bits = 0;
	size_t i, sep = slen, o = 0;
	uint32_t chk, acc = 0;

	for (i = 0; i < slen; i++) {
		if (s[i] < 33 || s[i] > 126)
			return sg_fail("bech32: invalid character");
		has_lower |= s[i] >= 'a' && s[i] <= 'z';
		has_upper |= s[i] >= 'A' && s[i] <= 'Z';
		if (s[i] == '1')
			sep = i;
	}
	if (has_lower && has_upper)
		return sg_fail("bech32: mixed case");
	if (sep == slen || sep == 0 || slen - sep - 1 < 6)
		return sg_fail("bech32: missing separator or checksum");
	if (sep + 1 > hrpcap)
		return sg_fail("bech32: human-readable part too long");
	for (i = 0; i < sep; i++)
		hrp[i] = to_lower(s[i]);
	hrp[sep] = '\0';
	chk = hrp_polymod(hrp, sep);
	for (i = sep + 1; i < slen; i++) {
		const char *p = strchr(charset, to_lower(s[i]));
		uint8_t v;

		if (!p || !*p)
			return sg_fail("bech32: invalid data character");
		v = (uint8_t)(p - charset);
		chk = polymod_step(chk, v);
		if (i >= slen - 6)
			continue;
		acc = acc << 5 | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return sg_fail("bech32: data too long");
			data[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (chk != 1)
		return sg_fail("bech32: checksum mismatch");
	if (bits >= 5 || acc != 0)
		return sg_fail("bech32: invalid padding");
	*len = o;
	return 0;
}
