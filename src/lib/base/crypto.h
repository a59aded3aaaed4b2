/* crypto.h - every primitive signet uses, over OpenSSL 3 libcrypto.
 *
 * Nothing here is implemented by hand: each function is a thin, checked
 * wrapper around an EVP interface. All functions return 0 on success and
 * -1 with sg_errmsg() set on failure, unless stated otherwise.
 */
#ifndef SIGNET_CRYPTO_H
#define SIGNET_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SG_X25519_LEN 32
#define SG_ED25519_SEED_LEN 32
#define SG_ED25519_PUB_LEN 32
#define SG_ED25519_SIG_LEN 64
#define SG_SHA256_LEN 32
#define SG_SHA512_LEN 64
#define SG_AEAD_KEY_LEN 32
#define SG_AEAD_TAG_LEN 16

/* Fills buf from the CSPRNG. */
int sg_random(void *buf, size_t len);

/* Clears memory in a way the compiler may not elide. */
void sg_wipe(void *p, size_t len);

/* Constant-time comparison: 1 when equal, 0 otherwise. */
int sg_ct_equal(const void *a, const void *b, size_t len);

/* One-shot digests. */
int sg_sha256(const void *data, size_t len, uint8_t out[SG_SHA256_LEN]);
int sg_sha512(const void *data, size_t len, uint8_t out[SG_SHA512_LEN]);

/* Incremental digest; alg is "SHA256" or "SHA512". */
struct sg_digest;
struct sg_digest *sg_digest_new(const char *alg);
int sg_digest_update(struct sg_digest *d, const void *data, size_t len);
/* Writes the digest (32 or 64 bytes) and returns its length, or -1. */
int sg_digest_final(struct sg_digest *d, uint8_t *out);
void sg_digest_free(struct sg_digest *d);

int sg_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
		   uint8_t out[SG_SHA256_LEN]);

/* RFC 5869 HKDF-SHA256 (extract then expand). salt may be NULL/0. */
int sg_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
		   const void *info, size_t infolen, uint8_t *out, size_t outlen);

/* scrypt with N = 2^log_n. */
int sg_scrypt(const void *pass, size_t passlen, const void *salt, size_t saltlen, unsigned log_n,
	      unsigned r, unsigned p, uint8_t *out, size_t outlen);

/* X25519. sg_x25519() refuses an all-zero shared secret (low-order point). */
int sg_x25519_keygen(uint8_t priv[SG_X25519_LEN], uint8_t pub[SG_X25519_LEN]);
int sg_x25519_public(const uint8_t priv[SG_X25519_LEN], uint8_t pub[SG_X25519_LEN]);
int sg_x25519(const uint8_t priv[SG_X25519_LEN], const uint8_t peer[SG_X25519_LEN],
	      uint8_t shared[SG_X25519_LEN]);

/* Ed25519 (RFC 8032, pure). The private key is the 32-byte seed. */
int sg_ed25519_keygen(uint8_t seed[SG_ED25519_SEED_LEN], uint8_t pub[SG_ED25519_PUB_LEN]);
int sg_ed25519_public(const uint8_t seed[SG_ED25519_SEED_LEN], uint8_t pub[SG_ED25519_PUB_LEN]);
int sg_ed25519_sign(const uint8_t seed[SG_ED25519_SEED_LEN], const void *msg, size_t len,
		    uint8_t sig[SG_ED25519_SIG_LEN]);
/* 0 when the signature is valid, -1 otherwise. */
int sg_ed25519_verify(const uint8_t pub[SG_ED25519_PUB_LEN], const void *msg, size_t len,
		      const uint8_t sig[SG_ED25519_SIG_LEN]);

/* AEADs with a reusable keyed context, for streaming many chunks.
 * ChaCha20-Poly1305 takes a 12-byte nonce; AES-256-GCM takes any nonce
 * length (SOPS uses 32 bytes). Ciphertext is followed by a 16-byte tag. */
enum sg_aead_alg { SG_CHACHA20_POLY1305, SG_AES256_GCM };
struct sg_aead;
struct sg_aead *sg_aead_new(enum sg_aead_alg alg, const uint8_t key[SG_AEAD_KEY_LEN],
			    size_t nonce_len);
/* out receives len + SG_AEAD_TAG_LEN bytes. */
int sg_aead_seal(struct sg_aead *a, const uint8_t *nonce, const void *aad, size_t aadlen,
		 const void *in, size_t len, uint8_t *out);
/* in holds len bytes including the tag; out receives len - SG_AEAD_TAG_LEN
 * bytes. Returns -1 when authentication fails; out is then wiped. */
int sg_aead_open(struct sg_aead *a, const uint8_t *nonce, const void *aad, size_t aadlen,
		 const void *in, size_t len, uint8_t *out);
void sg_aead_free(struct sg_aead *a);

/* One-shot forms of the above. */
int sg_aead_seal1(enum sg_aead_alg alg, const uint8_t key[SG_AEAD_KEY_LEN], const uint8_t *nonce,
		  size_t nonce_len, const void *aad, size_t aadlen, const void *in, size_t len,
		  uint8_t *out);
int sg_aead_open1(enum sg_aead_alg alg, const uint8_t key[SG_AEAD_KEY_LEN], const uint8_t *nonce,
		  size_t nonce_len, const void *aad, size_t aadlen, const void *in, size_t len,
		  uint8_t *out);

#endif
