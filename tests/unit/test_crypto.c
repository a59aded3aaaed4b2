/* Published vectors for every primitive in crypto.h: RFC 7748, 8032,
 * 8439, 5869, 4231, 7914, FIPS 180 and sops's own AES-GCM known answer. */
#include "base64.h"
#include "check.h"
#include "crypto.h"

static uint8_t a[256], b[256], c[256], d[256];

static void test_sha(void)
{
	uint8_t out[64];
	struct sg_digest *dg;

	check_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", a);
	CHECK(sg_sha256("abc", 3, out) == 0);
	CHECK_MEM(out, a, 32);
	dg = sg_digest_new("SHA256");
	CHECK(dg != NULL);
	sg_digest_update(dg, "a", 1);
	sg_digest_update(dg, "bc", 2);
	CHECK(sg_digest_final(dg, out) == 32);
	CHECK_MEM(out, a, 32);
	sg_digest_free(dg);
	check_unhex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		    a);
	CHECK(sg_sha512("abc", 3, out) == 0);
	CHECK_MEM(out, a, 64);
}

static void test_hmac_hkdf(void)
{
	uint8_t out[64];

	check_unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", a);
	CHECK(sg_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out) == 0);
	CHECK_MEM(out, a, 32);

	memset(b, 0x0b, 22);
	check_unhex("000102030405060708090a0b0c", c);
	check_unhex("f0f1f2f3f4f5f6f7f8f9", d);
	check_unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
		    "34007208d5b887185865",
		    a);
	CHECK(sg_hkdf_sha256(b, 22, c, 13, d, 10, out, 42) == 0);
	CHECK_MEM(out, a, 42);
	/* RFC 5869 test case 3: no salt, no info. */
	check_unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
		    "9d201395faa4b61a96c8",
		    a);
	CHECK(sg_hkdf_sha256(b, 22, NULL, 0, "", 0, out, 42) == 0);
	CHECK_MEM(out, a, 42);
}

static void test_scrypt(void)
{
	uint8_t out[64];

	check_unhex("77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
		    "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
		    a);
	CHECK(sg_scrypt("", 0, "", 0, 4, 1, 1, out, 64) == 0);
	CHECK_MEM(out, a, 64);
	check_unhex("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
		    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
		    a);
	CHECK(sg_scrypt("password", 8, "NaCl", 4, 10, 8, 16, out, 64) == 0);
	CHECK_MEM(out, a, 64);
}

static void test_x25519(void)
{
	uint8_t pub[32], shared[32], zero[32] = { 0 };

	check_unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a);
	check_unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", b);
	check_unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", c);
	check_unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", d);
	CHECK(sg_x25519_public(a, pub) == 0);
	CHECK_MEM(pub, b, 32);
	CHECK(sg_x25519(a, c, shared) == 0);
	CHECK_MEM(shared, d, 32);
	/* The identity point gives an all-zero secret, which is refused. */
	CHECK(sg_x25519(a, zero, shared) < 0);
}

static void test_ed25519(void)
{
	uint8_t pub[32], sig[64];

	check_unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", a);
	check_unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", b);
	check_unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
		    c);
	CHECK(sg_ed25519_public(a, pub) == 0);
	CHECK_MEM(pub, b, 32);
	CHECK(sg_ed25519_sign(a, "", 0, sig) == 0);
	CHECK_MEM(sig, c, 64);
	CHECK(sg_ed25519_verify(b, "", 0, sig) == 0);
	sig[10] ^= 1;
	CHECK(sg_ed25519_verify(b, "", 0, sig) < 0);
	CHECK(sg_ed25519_verify(b, "x", 1, c) < 0);
}

static void test_chacha(void)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
				 "only one tip for the future, sunscreen would be it.";
	uint8_t key[32], nonce[12], aad[12], ct[sizeof(pt) + 16], back[sizeof(pt)];
	size_t len = sizeof(pt) - 1;

	check_unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", key);
	check_unhex("070000004041424344454647", nonce);
	check_unhex("50515253c0c1c2c3c4c5c6c7", aad);
	check_unhex("d31a8d34648e60db7b86afbc53ef7ec2", a);
	check_unhex("1ae10b594f09e26a7e902ecbd0600691", b);
	CHECK(sg_aead_seal1(SG_CHACHA20_POLY1305, key, nonce, 12, aad, 12, pt, len, ct) == 0);
	CHECK_MEM(ct, a, 16);
	CHECK_MEM(ct + len, b, 16);
	CHECK(sg_aead_open1(SG_CHACHA20_POLY1305, key, nonce, 12, aad, 12, ct, len + 16, back) == 0);
	CHECK_MEM(back, pt, len);
	ct[0] ^= 1;
	CHECK(sg_aead_open1(SG_CHACHA20_POLY1305, key, nonce, 12, aad, 12, ct, len + 16, back) < 0);
	ct[0] ^= 1;
	CHECK(sg_aead_open1(SG_CHACHA20_POLY1305, key, nonce, 12, aad, 11, ct, len + 16, back) < 0);
}

static void test_aes_gcm_32_byte_iv(void)
{
	/* From sops's own tests: data key 32 x 0x66, AAD "bar:". */
	static const char data[] = "oYyi", iv64[] = "MyIDYbT718JRr11QtBkcj3Dwm4k1aCGZBVeZf0EyV8o=",
			  tag64[] = "t5z2Z023Up0kxwCgw1gNxg==";
	uint8_t key[32], iv[32], in[32], out[32];
	size_t n, ivlen, taglen;
	struct sg_aead *g;

	memset(key, 0x66, 32);
	CHECK(sg_b64_decode(data, 4, in, sizeof(in), &n, SG_B64_PAD) == 0 && n == 3);
	CHECK(sg_b64_decode(tag64, strlen(tag64), in + 3, 16, &taglen, SG_B64_PAD) == 0);
	CHECK(sg_b64_decode(iv64, strlen(iv64), iv, 32, &ivlen, SG_B64_PAD) == 0 && ivlen == 32);
	g = sg_aead_new(SG_AES256_GCM, key, 32);
	CHECK(g != NULL);
	CHECK(sg_aead_open(g, iv, "bar:", 4, in, 19, out) == 0);
	CHECK_MEM(out, "foo", 3);
	/* The same context re-keys per nonce and seals back to the same bytes. */
	CHECK(sg_aead_seal(g, iv, "bar:", 4, "foo", 3, out) == 0);
	CHECK_MEM(out, in, 19);
	CHECK(sg_aead_open(g, iv, "baz:", 4, in, 19, out) < 0);
	sg_aead_free(g);
}

int main(void)
{
	uint8_t r1[32], r2[32];

	test_sha();
	test_hmac_hkdf();
	test_scrypt();
	test_x25519();
	test_ed25519();
	test_chacha();
	test_aes_gcm_32_byte_iv();
	CHECK(sg_random(r1, 32) == 0 && sg_random(r2, 32) == 0);
	CHECK(memcmp(r1, r2, 32) != 0);
	CHECK(sg_ct_equal("abc", "abc", 3) && !sg_ct_equal("abc", "abd", 3));
	return check_done();
}
