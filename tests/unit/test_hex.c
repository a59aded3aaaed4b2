/* hex.h: RFC 4648 section 10 base16 vectors in both cases, the decoder's
 * refusals (odd length, bad digit, capacity), and UUIDs as RFC 9562
 * writes them (its appendix A example and the nil/max UUIDs). */
#include "hex.h"
#include "check.h"

static const struct {
	const char *plain, *lower, *upper;
} vectors[] = {
	{ "", "", "" },
	{ "f", "66", "66" },
	{ "fo", "666f", "666F" },
	{ "foo", "666f6f", "666F6F" },
	{ "foob", "666f6f62", "666F6F62" },
	{ "fooba", "666f6f6261", "666F6F6261" },
	{ "foobar", "666f6f626172", "666F6F626172" },
	{ "\x00\xff\x0a\xa0", "00ff0aa0", "00FF0AA0" },
};

/* Strings the decoder refuses; cap is the output room. */
static const struct {
	const char *hex;
	size_t cap;
} bad[] = {
	{ "0", 8 },		      /* odd */
	{ "abc", 8 },		      /* odd */
	{ "0g", 8 },		      /* not a digit */
	{ "g0", 8 },		      /* not a digit, high nibble */
	{ " 0", 8 },		      /* whitespace */
	{ "0x00", 8 },		      /* prefix */
	{ "+1", 8 },		      /* sign */
	{ "-1", 8 },   { "0011", 1 }, /* longer than cap */
	{ "00", 0 },
};

static const struct {
	int c, value;
} digits[] = {
	{ '0', 0 },  { '9', 9 },   { 'a', 10 },	 { 'f', 15 }, { 'A', 10 }, { 'F', 15 },
	{ '/', -1 }, { ':', -1 },  { '`', -1 },	 { 'g', -1 }, { '@', -1 }, { 'G', -1 },
	{ ' ', -1 }, { '\0', -1 }, { 0x80, -1 }, { -1, -1 },
};

static const struct {
	const char *in;	 /* what sg_uuid_parse reads */
	const char *out; /* what sg_uuid_format writes back, NULL: refused */
	const char *bytes;
} uuids[] = {
	/* RFC 9562 appendix A.4 (version 4 example). */
	{ "919108f7-52d1-4320-9bac-f847db4148a8", "919108f7-52d1-4320-9bac-f847db4148a8",
	  "919108f752d143209bacf847db4148a8" },
	{ "919108F7-52D1-4320-9BAC-F847DB4148A8", "919108f7-52d1-4320-9bac-f847db4148a8",
	  "919108f752d143209bacf847db4148a8" },
	{ "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000",
	  "00000000000000000000000000000000" },
	{ "ffffffff-ffff-ffff-ffff-ffffffffffff", "ffffffff-ffff-ffff-ffff-ffffffffffff",
	  "ffffffffffffffffffffffffffffffff" },
	{ "919108f752d143209bacf847db4148a8", NULL, NULL },	  /* no dashes */
	{ "919108f7-52d1-4320-9bac-f847db4148a", NULL, NULL },	  /* short */
	{ "919108f7-52d1-4320-9bac-f847db4148a80", NULL, NULL },  /* long */
	{ "919108f7-52d1-4320-9bac_f847db4148a8", NULL, NULL },	  /* wrong separator */
	{ "919108f-752d1-4320-9bac-f847db4148a8", NULL, NULL },	  /* dash misplaced */
	{ "919108f7-52d1-4320-9bac-f847db4148ag", NULL, NULL },	  /* bad digit, last */
	{ "g19108f7-52d1-4320-9bac-f847db4148a8", NULL, NULL },	  /* bad digit, first */
	{ "{919108f7-52d1-4320-9bac-f847db4148a8}", NULL, NULL }, /* braces */
	{ "", NULL, NULL },
};

static const struct {
	const char *before, *after;
} v4[] = {
	{ "00000000000000000000000000000000", "00000000000040008000000000000000" },
	{ "ffffffffffffffffffffffffffffffff", "ffffffffffff4fffbfffffffffffffff" },
	/* RFC 9562 A.4's random bits give its own example back. */
	{ "919108f752d1f3205bacf847db4148a8", "919108f752d143209bacf847db4148a8" },
};

int main(void)
{
	char enc[128];
	uint8_t dec[64], u[16], want[16];
	size_t n;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *p = vectors[i].plain;
		size_t len = strlen(vectors[i].lower) / 2;

		sg_hex_encode((const uint8_t *)p, len, enc, SG_HEX_LOWER);
		CHECK_STR(enc, vectors[i].lower);
		sg_hex_encode((const uint8_t *)p, len, enc, SG_HEX_UPPER);
		CHECK_STR(enc, vectors[i].upper);
		for (int c = 0; c < 2; c++) {
			const char *h = c ? vectors[i].upper : vectors[i].lower;
			n = 99;
			CHECK(sg_hex_decode(h, strlen(h), dec, len, &n) == 0);
			CHECK(n == len && memcmp(dec, p, len) == 0);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		CHECK(sg_hex_decode(bad[i].hex, strlen(bad[i].hex), dec, bad[i].cap, &n) == -1);
		CHECK(n == 99);
	}
	for (size_t i = 0; i < sizeof(digits) / sizeof(digits[0]); i++)
		CHECK(sg_hex_value(digits[i].c) == digits[i].value);
	for (size_t i = 0; i < sizeof(uuids) / sizeof(uuids[0]); i++) {
		int rc = sg_uuid_parse(uuids[i].in, u);
		if (!uuids[i].out) {
			CHECK(rc == -1);
			continue;
		}
		CHECK(rc == 0);
		check_unhex(uuids[i].bytes, want);
		CHECK_MEM(u, want, 16);
		sg_uuid_format(u, enc);
		CHECK_STR(enc, uuids[i].out);
	}
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		check_unhex(v4[i].before, u);
		check_unhex(v4[i].after, want);
		sg_uuid_mark_v4(u);
		CHECK_MEM(u, want, 16);
	}
	return check_done();
}
