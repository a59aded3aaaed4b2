/* test_base32 - RFC 4648 section 10 vectors (lowercase, unpadded) and
 * the decoder's strictness. */
#include <stdint.h>
#include <string.h>

#include "base32.h"
#include "check.h"

static const struct {
	const char *in, *out;
} vectors[] = {
	{ "", "" },
	{ "f", "my" },
	{ "fo", "mzxq" },
	{ "foo", "mzxw6" },
	{ "foob", "mzxw6yq" },
	{ "fooba", "mzxw6ytb" },
	{ "foobar", "mzxw6ytboi" },
};

int main(void)
{
	char enc[64];
	uint8_t dec[64];
	size_t n;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t len = strlen(vectors[i].in);

		CHECK(sg_b32_encoded_len(len) == strlen(vectors[i].out));
		CHECK(sg_b32_encode(vectors[i].in, len, enc) == strlen(vectors[i].out));
		CHECK_STR(enc, vectors[i].out);
		CHECK(sg_b32_decode(vectors[i].out, strlen(vectors[i].out), dec, sizeof(dec), &n) ==
		      0);
		CHECK(n == len && memcmp(dec, vectors[i].in, len) == 0);
	}
	/* Uppercase, padding, impossible lengths, non-zero trailing bits. */
	CHECK(sg_b32_decode("MY", 2, dec, sizeof(dec), &n) < 0);
	CHECK(sg_b32_decode("my======", 8, dec, sizeof(dec), &n) < 0);
	CHECK(sg_b32_decode("m", 1, dec, sizeof(dec), &n) < 0);
	CHECK(sg_b32_decode("mzx", 3, dec, sizeof(dec), &n) < 0);
	CHECK(sg_b32_decode("mz", 2, dec, sizeof(dec), &n) < 0);
	CHECK(sg_b32_decode("m1", 2, dec, sizeof(dec), &n) < 0);
	CHECK(sg_b32_decode("mzxw6ytboi", 10, dec, 5, &n) < 0);
	/* A 32-byte digest encodes to the 52 characters of a DomainID. */
	memset(dec, 0xff, 32);
	CHECK(sg_b32_encode(dec, 32, enc) == 52);
	CHECK(enc[51] == 'q'); /* 256 = 51*5 + 1: the last character holds 1 bit */
	return check_done();
}
