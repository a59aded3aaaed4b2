/* BIP 173 vectors (valid and invalid) and an age key round trip. */
#include "bech32.h"
#include "check.h"

static const char *valid[] = {
	"A12UEL5L",
	"a12uel5l",
	"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
	"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
	"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
	"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
};

static const char *invalid[] = {
	"\x20"
	"1nwldj5", /* hrp character out of range */
	"\x7f"
	"1axkwrx",	 /* hrp character out of range */
	"pzry9x0s0muk",	 /* no separator */
	"1pzry9x0s0muk", /* empty hrp */
	"x1b4n0q5v",	 /* invalid data character */
	"li1dgmt3",	 /* checksum too short */
	"A1G7SGD8",	 /* checksum computed with uppercase hrp */
	"10a06t8",	 /* empty hrp */
	"1qzzfhee",	 /* empty hrp */
	"A12uEL5L",	 /* mixed case */
	"a12uel5m",	 /* bad checksum */
};

int main(void)
{
	char hrp[128];
	uint8_t data[128];
	size_t n;

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct sg_buf b = SG_BUF_INIT;
		int upper = valid[i][0] >= 'A' && valid[i][0] <= 'Z';

		CHECK(sg_bech32_decode(valid[i], strlen(valid[i]), hrp, sizeof(hrp), data,
				       sizeof(data), &n) == 0);
		CHECK(sg_bech32_encode(&b, hrp, data, n, upper) == 0);
		CHECK(b.len == strlen(valid[i]) && memcmp(b.data, valid[i], b.len) == 0);
		sg_buf_free(&b);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		CHECK(sg_bech32_decode(invalid[i], strlen(invalid[i]), hrp, sizeof(hrp), data,
				       sizeof(data), &n) < 0);

	/* An age identity from the C2SP vectors: 32 bytes under its hrp. */
	{
		const char *key =
			"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
		struct sg_buf b = SG_BUF_INIT;

		CHECK(sg_bech32_decode(key, strlen(key), hrp, sizeof(hrp), data, sizeof(data), &n) ==
		      0);
		CHECK(n == 32);
		CHECK_STR(hrp, "age-secret-key-");
		CHECK(sg_bech32_encode(&b, "age-secret-key-", data, n, 1) == 0);
		CHECK(b.len == strlen(key) && memcmp(b.data, key, b.len) == 0);
		sg_buf_free(&b);
	}
	return check_done();
}
