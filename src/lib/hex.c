#include "hex.h"

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
