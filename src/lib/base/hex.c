#include "hex.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

int sg_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void sg_hex_encode(const uint8_t *in, size_t len, char *out, enum sg_hex_case hcase)
{
	const char *digits = hcase == SG_HEX_UPPER ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int sg_hex_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	if (len % 2)
		return sg_fail("hex has an odd number of digits");
	if (len / 2 > cap)
		return sg_fail("hex value longer than %zu bytes", cap);
	for (size_t i = 0; i < len / 2; i++) {
		int hi = sg_hex_value(in[2 * i]), lo = sg_hex_value(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return sg_fail("invalid hex digit");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = len / 2;
	return 0;
}

int sg_uuid_parse(const char *s, uint8_t out[16])
{
	size_t j = 0;

	if (strlen(s) != SG_UUID_STR_LEN)
		return sg_fail("UUID '%.80s': not of the form 8-4-4-4-12 hex digits", s);
	for (size_t i = 0; i < SG_UUID_STR_LEN;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return sg_fail("UUID '%s': not of the form 8-4-4-4-12 hex digits", s);
			i++;
			continue;
		}
		int hi = sg_hex_value(s[i]), lo = sg_hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return sg_fail("UUID '%s': not of the form 8-4-4-4-12 hex digits", s);
		out[j++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return 0;
}

void sg_uuid_format(const uint8_t u[16], char out[SG_UUID_STR_LEN + 1])
{
	snprintf(out, SG_UUID_STR_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

void sg_uuid_mark_v4(uint8_t u[16])
{
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}
