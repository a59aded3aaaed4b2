/* RFC 4648 section 10 vectors, both paddings, and the non-canonical
 * encodings the strict decoder must refuse. */
#include "base64.h"
#include "check.h"

static const struct {
	const char *plain, *padded, *unpadded;
} vectors[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static int decodes(const char *s, enum sg_b64_pad pad)
{
	uint8_t out[64];
	size_t n;

	return sg_b64_decode(s, strlen(s), out, sizeof(out), &n, pad) == 0;
}

int main(void)
{
	char enc[64];
	uint8_t dec[64];
	size_t n;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t len = strlen(vectors[i].plain);

		sg_b64_encode(vectors[i].plain, len, enc, SG_B64_PAD);
		CHECK_STR(enc, vectors[i].padded);
		CHECK(sg_b64_encoded_len(len, SG_B64_PAD) == strlen(vectors[i].padded));
		sg_b64_encode(vectors[i].plain, len, enc, SG_B64_NOPAD);
		CHECK_STR(enc, vectors[i].unpadded);
		CHECK(sg_b64_encoded_len(len, SG_B64_NOPAD) == strlen(vectors[i].unpadded));

		CHECK(sg_b64_decode(vectors[i].padded, strlen(vectors[i].padded), dec, sizeof(dec),
				    &n, SG_B64_PAD) == 0);
		CHECK(n == len && memcmp(dec, vectors[i].plain, len) == 0);
		CHECK(sg_b64_decode(vectors[i].unpadded, strlen(vectors[i].unpadded), dec,
				    sizeof(dec), &n, SG_B64_NOPAD) == 0);
		CHECK(n == len && memcmp(dec, vectors[i].plain, len) == 0);
	}

	/* Non-canonical: unused low bits set. */
	CHECK(!decodes("Zh", SG_B64_NOPAD));
	CHECK(!decodes("Zh==", SG_B64_PAD));
	CHECK(!decodes("Zm9=", SG_B64_PAD));
	/* Padding where none belongs, or missing where required. */
	CHECK(!decodes("Zg==", SG_B64_NOPAD));
	CHECK(!decodes("Zg", SG_B64_PAD));
	CHECK(!decodes("Zg=", SG_B64_PAD));
	CHECK(!decodes("Zg=a", SG_B64_PAD));
	CHECK(!decodes("Z===", SG_B64_PAD));
	CHECK(!decodes("====", SG_B64_PAD));
	/* A lone character, whitespace, characters outside the alphabet. */
	CHECK(!decodes("Z", SG_B64_NOPAD));
	CHECK(!decodes("Zm9v\n", SG_B64_NOPAD));
	CHECK(!decodes("Zm 9v", SG_B64_NOPAD));
	CHECK(!decodes("Zm-_", SG_B64_NOPAD));
	/* Output capacity is respected. */
	CHECK(sg_b64_decode("Zm9vYmFy", 8, dec, 5, &n, SG_B64_NOPAD) < 0);
	return check_done();
}
