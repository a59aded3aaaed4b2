#include "crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "err.h"

int sg_random(void *buf, size_t len)
{
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return sg_fail("random number generator failed");
	return 0;
}

void sg_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

int sg_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

struct sg_digest {
	EVP_MD_CTX *ctx;
};

struct sg_digest *sg_digest_new(const char *alg)
{
	struct sg_digest *d = calloc(1, sizeof(*d));
	const EVP_MD *md = EVP_get_digestbyname(alg);

	if (!d || !md || !(d->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(d->ctx, md, NULL) != 1) {
		sg_digest_free(d);
		sg_fail("cannot start %s digest", alg);
		return NULL;
	}
	return d;
}

int sg_digest_update(struct sg_digest *d, const void *data, size_t len)
{
	if (EVP_DigestUpdate(d->ctx, data, len) != 1)
		return sg_fail("digest update failed");
	return 0;
}

int sg_digest_final(struct sg_digest *d, uint8_t *out)
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1)
		return sg_fail("digest failed");
	return (int)n;
}

void sg_digest_free(struct sg_digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

static int digest_once(const EVP_MD *md, const void *data, size_t len, uint8_t *out)
{
	if (EVP_Digest(data, len, out, NULL, md, NULL) != 1)
		return sg_fail("digest failed");
	return 0;
}

int sg_sha256(const void *data, size_t len, uint8_t out[SG_SHA256_LEN])
{
	return digest_once(EVP_sha256(), data, len, out);
}

int sg_sha512(const void *data, size_t len, uint8_t out[SG_SHA512_LEN])
{
	return digest_once(EVP_sha512(), data, len, out);
}

int sg_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
		   uint8_t out[SG_SHA256_LEN])
{
	size_t outlen = 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	int ok = ctx && EVP_MAC_init(ctx, key, keylen, params) == 1 &&
		 EVP_MAC_update(ctx, data, len) == 1 &&
		 EVP_MAC_final(ctx, out, &outlen, SG_SHA256_LEN) == 1 && outlen == SG_SHA256_LEN;

	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : sg_fail("HMAC-SHA256 failed");
}

/* Runs a fetched KDF with the given parameters. */
static int kdf_derive(const char *name, OSSL_PARAM *params, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok = ctx && EVP_KDF_derive(ctx, out, outlen, params) == 1;

	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : sg_fail("%s key derivation failed", name);
}

int sg_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
		   const void *info, size_t infolen, uint8_t *out, size_t outlen)
{
	OSSL_PARAM params[5];
	size_t n = 0;

	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
	/* An absent salt is HashLen zero bytes (RFC 5869 2.2), which is what
	 * OpenSSL uses when the parameter is not set. */
	if (saltlen)
		params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
								saltlen);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, infolen);
	params[n] = OSSL_PARAM_construct_end();
	return kdf_derive("HKDF", params, out, outlen);
}

int sg_scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen, unsigned log_n,
	      unsigned r, unsigned p, uint8_t *out, size_t outlen)
{
	uint64_t n, maxmem;
	uint32_t r32 = r, p32 = p;
	OSSL_PARAM params[7];

	if (log_n == 0 || log_n > 40)
		return sg_fail("scrypt work factor %u out of range", log_n);
	n = (uint64_t)1 << log_n;
	/* OpenSSL caps scrypt memory at 1 GiB by default; allow what this
	 * N and r need (128·r·(N+2) for V plus 128·r·p for B, with slack). */
	maxmem = 128 * (uint64_t)r * (n + 2) + 128 * (uint64_t)r * p + 65536;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, passlen);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32);
	params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	params[6] = OSSL_PARAM_construct_end();
	return kdf_derive("SCRYPT", params, out, outlen);
}

static int raw_public(int type, const uint8_t *priv, uint8_t *pub)
{
	size_t len = 32;
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(type, NULL, priv, 32);
	int ok = k && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == 32;

	EVP_PKEY_free(k);
	return ok ? 0 : sg_fail("cannot derive public key");
}

int sg_x25519_public(const uint8_t priv[SG_X25519_LEN], uint8_t pub[SG_X25519_LEN])
{
	return raw_public(EVP_PKEY_X25519, priv, pub);
}

int sg_x25519_keygen(uint8_t priv[SG_X25519_LEN], uint8_t pub[SG_X25519_LEN])
{
	if (sg_random(priv, SG_X25519_LEN) < 0)
		return -1;
	return sg_x25519_public(priv, pub);
}

int sg_x25519(const uint8_t priv[SG_X25519_LEN], const uint8_t peer[SG_X25519_LEN],
	      uint8_t shared[SG_X25519_LEN])
{
	static const uint8_t zero[SG_X25519_LEN];
	size_t len = SG_X25519_LEN;
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, SG_X25519_LEN);
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, SG_X25519_LEN);
	EVP_PKEY_CTX *ctx = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
	int ok = ctx && p && EVP_PKEY_derive_init(ctx) == 1 &&
		 EVP_PKEY_derive_set_peer(ctx, p) == 1 && EVP_PKEY_derive(ctx, shared, &len) == 1 &&
		 len == SG_X25519_LEN;

	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	if (ok && CRYPTO_memcmp(shared, zero, SG_X25519_LEN) == 0)
		ok = 0;
	if (!ok) {
		sg_wipe(shared, SG_X25519_LEN);
		return sg_fail("X25519 share is invalid (low-order point)");
	}
	return 0;
}

int sg_ed25519_public(const uint8_t seed[SG_ED25519_SEED_LEN], uint8_t pub[SG_ED25519_PUB_LEN])
{
	return raw_public(EVP_PKEY_ED25519, seed, pub);
}

int sg_ed25519_keygen(uint8_t seed[SG_ED25519_SEED_LEN], uint8_t pub[SG_ED25519_PUB_LEN])
{
	if (sg_random(seed, SG_ED25519_SEED_LEN) < 0)
		return -1;
	return sg_ed25519_public(seed, pub);
}

int sg_ed25519_sign(const uint8_t seed[SG_ED25519_SEED_LEN], const void *msg, size_t len,
		    uint8_t sig[SG_ED25519_SIG_LEN])
{
	size_t siglen = SG_ED25519_SIG_LEN;
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = k && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
		 EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == SG_ED25519_SIG_LEN;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok ? 0 : sg_fail("Ed25519 signing failed");
}

int sg_ed25519_verify(const uint8_t pub[SG_ED25519_PUB_LEN], const void *msg, size_t len,
		      const uint8_t sig[SG_ED25519_SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = k && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
		 EVP_DigestVerify(ctx, sig, SG_ED25519_SIG_LEN, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok ? 0 : sg_fail("Ed25519 signature does not verify");
}

struct sg_aead {
	EVP_CIPHER_CTX *ctx;
	size_t nonce_len;
};

struct sg_aead *sg_aead_new(enum sg_aead_alg alg, const uint8_t key[SG_AEAD_KEY_LEN], size_t nonce_len)
{
	const EVP_CIPHER *c = alg == SG_AES256_GCM ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
	struct sg_aead *a = calloc(1, sizeof(*a));

	if (!a || !(a->ctx = EVP_CIPHER_CTX_new()))
		goto fail;
	if (alg == SG_CHACHA20_POLY1305 && nonce_len != 12)
		goto fail;
	if (EVP_CipherInit_ex(a->ctx, c, NULL, NULL, NULL, 1) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)nonce_len, NULL) != 1 ||
	    EVP_CipherInit_ex(a->ctx, NULL, NULL, key, NULL, 1) != 1)
		goto fail;
	a->nonce_len = nonce_len;
	return a;
fail:
	sg_aead_free(a);
	sg_fail("cannot set up AEAD cipher");
	return NULL;
}

static int aead_run(struct sg_aead *a, int enc, const uint8_t *nonce, const void *aad,
		    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	int n = 0;

	if (len > INT32_MAX || aadlen > INT32_MAX)
		return -1;
	if (EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, nonce, enc) != 1)
		return -1;
	if (aadlen && EVP_CipherUpdate(a->ctx, NULL, &n, aad, (int)aadlen) != 1)
		return -1;
	if (len && EVP_CipherUpdate(a->ctx, out, &n, in, (int)len) != 1)
		return -1;
	return 0;
}

int sg_aead_seal(struct sg_aead *a, const uint8_t *nonce, const void *aad, size_t aadlen,
		 const void *in, size_t len, uint8_t *out)
{
	int n = 0;

	if (aead_run(a, 1, nonce, aad, aadlen, in, len, out) < 0 ||
	    EVP_CipherFinal_ex(a->ctx, out + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, SG_AEAD_TAG_LEN, out + len) != 1)
		return sg_fail("AEAD encryption failed");
	return 0;
}

int sg_aead_open(struct sg_aead *a, const uint8_t *nonce, const void *aad, size_t aadlen,
		 const void *in, size_t len, uint8_t *out)
{
	uint8_t tag[SG_AEAD_TAG_LEN];
	size_t ptlen;
	int n = 0;

	if (len < SG_AEAD_TAG_LEN)
		return sg_fail("ciphertext shorter than its tag");
	ptlen = len - SG_AEAD_TAG_LEN;
	memcpy(tag, (const uint8_t *)in + ptlen, SG_AEAD_TAG_LEN);
	if (aead_run(a, 0, nonce, aad, aadlen, in, ptlen, out) < 0 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, SG_AEAD_TAG_LEN, tag) != 1 ||
	    EVP_CipherFinal_ex(a->ctx, out + ptlen, &n) != 1) {
		sg_wipe(out, ptlen);
		return sg_fail("authentication failed");
	}
	return 0;
}

void sg_aead_free(struct sg_aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->ctx); /* also cleanses the key schedule */
	free(a);
}

int sg_aead_seal1(enum sg_aead_alg alg, const uint8_t key[SG_AEAD_KEY_LEN], const uint8_t *nonce,
		  size_t nonce_len, const void *aad, size_t aadlen, const void *in, size_t len,
		  uint8_t *out)
{
	struct sg_aead *a = sg_aead_new(alg, key, nonce_len);
	int rc = a ? sg_aead_seal(a, nonce, aad, aadlen, in, len, out) : -1;

	sg_aead_free(a);
	return rc;
}

int sg_aead_open1(enum sg_aead_alg alg, const uint8_t key[SG_AEAD_KEY_LEN], const uint8_t *nonce,
		  size_t nonce_len, const void *aad, size_t aadlen, const void *in, size_t len,
		  uint8_t *out)
{
	struct sg_aead *a = sg_aead_new(alg, key, nonce_len);
	int rc = a ? sg_aead_open(a, nonce, aad, aadlen, in, len, out) : -1;

	sg_aead_free(a);
	return rc;
}
