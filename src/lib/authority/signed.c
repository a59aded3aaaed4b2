#include "signed.h"

#include <stdio.h>
#include <string.h>

#include "base32.h"
#include "base64.h"
#include "buf.h"
#include "err.h"
#include "hex.h"

#define SIG_B64_LEN 88 /* 64 bytes, padded */

int sg_signed_digest(const char *kind, const struct sg_json *obj, uint8_t digest[SG_SHA256_LEN])
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = -1;

	if (sg_buf_printf(&b, "signet/v1/%s\n", kind) < 0 || sg_json_canonical(obj, &b) < 0)
		goto out;
	rc = sg_sha256(b.data, b.len, digest);
out:
	sg_buf_free(&b);
	return rc;
}

struct sg_json *sg_json_new_key32(const uint8_t key[32])
{
	char b64[SG_KEY_B64_LEN + 1];

	sg_b64_encode(key, 32, b64, SG_B64_PAD);
	return sg_json_new_string(b64);
}

struct sg_json *sg_signature_make(const char *kind, const struct sg_json *obj,
				  const uint8_t seed[SG_ED25519_SEED_LEN], int with_public_key)
{
	uint8_t digest[SG_SHA256_LEN], sig[SG_ED25519_SIG_LEN], pub[SG_ED25519_PUB_LEN];
	char b64[SIG_B64_LEN + 1];
	struct sg_json *s;

	if (sg_signed_digest(kind, obj, digest) < 0 ||
	    sg_ed25519_sign(seed, digest, sizeof(digest), sig) < 0)
		return NULL;
	sg_b64_encode(sig, sizeof(sig), b64, SG_B64_PAD);
	s = sg_json_new_object();
	if (!s || sg_json_set(s, "algorithm", sg_json_new_string("ed25519")) < 0 ||
	    sg_json_set(s, "signed_bytes", sg_json_new_string("sha256")) < 0)
		goto fail;
	if (with_public_key) {
		if (sg_ed25519_public(seed, pub) < 0 ||
		    sg_json_set(s, "public_key", sg_json_new_key32(pub)) < 0)
			goto fail;
	}
	if (sg_json_set(s, "signature", sg_json_new_string(b64)) < 0)
		goto fail;
	return s;
fail:
	sg_json_free(s);
	return NULL;
}

int sg_signature_check(const char *kind, const struct sg_json *obj, const struct sg_json *sig,
		       const uint8_t pub[SG_ED25519_PUB_LEN], const char *what)
{
	static const char *const req[] = { "algorithm", "signed_bytes", "signature", NULL };
	static const char *const opt[] = { "public_key", NULL };
	uint8_t digest[SG_SHA256_LEN], raw[SG_ED25519_SIG_LEN + 3], named[32];
	const char *alg, *sb, *b64;
	size_t len, n;

	if (sg_obj_members(sig, what, req, opt) < 0)
		return -1;
	alg = sg_obj_string(sig, "algorithm", what, NULL);
	sb = sg_obj_string(sig, "signed_bytes", what, NULL);
	b64 = sg_obj_string(sig, "signature", what, NULL);
	if (!alg || !sb || !b64)
		return -1;
	if (strcmp(alg, "ed25519") != 0)
		return sg_fail("%s: algorithm \"%s\" is not ed25519", what, alg);
	if (strcmp(sb, "sha256") != 0)
		return sg_fail("%s: signed_bytes \"%s\" is not sha256", what, sb);
	sg_json_string(sg_json_get(sig, "signature"), &len);
	if (sg_b64_decode(b64, len, raw, sizeof(raw), &n, SG_B64_PAD) < 0 || n != SG_ED25519_SIG_LEN)
		return sg_fail("%s: signature is not the padded base64 of 64 bytes", what);
	if (sg_json_get(sig, "public_key")) {
		if (sg_json_key32(sg_json_get(sig, "public_key"), what, named) < 0)
			return -1;
		if (!sg_ct_equal(named, pub, 32))
			return sg_fail("%s: signature names a different public key", what);
	}
	if (sg_signed_digest(kind, obj, digest) < 0)
		return sg_fail_prefix(what);
	if (sg_ed25519_verify(pub, digest, sizeof(digest), raw) < 0)
		return sg_fail("%s: Ed25519 signature does not verify (ctx signet/v1/%s)", what,
			       kind);
	return 0;
}

int sg_domain_id(const uint8_t pub[SG_ED25519_PUB_LEN], char out[SG_DOMAIN_ID_LEN + 1])
{
	static const char ctx[] = "signet/v1/domain-id\n";
	uint8_t msg[sizeof(ctx) - 1 + SG_ED25519_PUB_LEN], digest[SG_SHA256_LEN];

	memcpy(msg, ctx, sizeof(ctx) - 1);
	memcpy(msg + sizeof(ctx) - 1, pub, SG_ED25519_PUB_LEN);
	if (sg_sha256(msg, sizeof(msg), digest) < 0)
		return -1;
	sg_b32_encode(digest, sizeof(digest), out);
	return 0;
}

int sg_domain_id_valid(const char *s, size_t len)
{
	uint8_t raw[SG_SHA256_LEN];
	size_t n;

	if (len != SG_DOMAIN_ID_LEN)
		return 0;
	if (sg_b32_decode(s, len, raw, sizeof(raw), &n) < 0) {
		sg_errclear();
		return 0;
	}
	return n == SG_SHA256_LEN;
}

int sg_json_key32(const struct sg_json *j, const char *what, uint8_t out[32])
{
	uint8_t raw[35];
	const char *s;
	size_t len, n;

	s = sg_json_string(j, &len);
	if (!s)
		return sg_fail("%s: key is not a string", what);
	if (sg_b64_decode(s, len, raw, sizeof(raw), &n, SG_B64_PAD) < 0 || n != 32) {
		sg_wipe(raw, sizeof(raw));
		return sg_fail("%s: key is not the padded base64 of 32 bytes", what);
	}
	memcpy(out, raw, 32);
	sg_wipe(raw, sizeof(raw));
	return 0;
}

int sg_sha256_hex(const void *data, size_t len, char out[2 * SG_SHA256_LEN + 1])
{
	uint8_t d[SG_SHA256_LEN];

	if (sg_sha256(data, len, d) < 0)
		return -1;
	sg_hex_encode(d, sizeof(d), out, SG_HEX_LOWER);
	return 0;
}

static int listed(const char *const *list, const char *key, size_t len)
{
	for (; list && *list; list++)
		if (strlen(*list) == len && memcmp(*list, key, len) == 0)
			return 1;
	return 0;
}

int sg_obj_members(const struct sg_json *obj, const char *what, const char *const *required,
		   const char *const *optional)
{
	if (!obj || obj->kind != SG_JSON_OBJECT)
		return sg_fail("%s: not an object", what);
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const struct sg_json_member *m = &obj->u.object.members[i];

		if (!listed(required, m->key, m->key_len) && !listed(optional, m->key, m->key_len))
			return sg_fail("%s: unknown member \"%.*s\"", what, (int)m->key_len, m->key);
	}
	for (; required && *required; required++)
		if (!sg_json_get(obj, *required))
			return sg_fail("%s: missing member \"%s\"", what, *required);
	return 0;
}

const char *sg_obj_string(const struct sg_json *obj, const char *key, const char *what, int *is_null)
{
	const struct sg_json *v = sg_json_get(obj, key);
	size_t len;
	const char *s;

	if (is_null)
		*is_null = 0;
	if (!v) {
		sg_fail("%s: missing member \"%s\"", what, key);
		return NULL;
	}
	if (v->kind == SG_JSON_NULL && is_null) {
		*is_null = 1;
		return NULL;
	}
	s = sg_json_string(v, &len);
	if (!s || strlen(s) != len) {
		sg_fail("%s: \"%s\" is not a string%s", what, key, is_null ? " or null" : "");
		return NULL;
	}
	return s;
}
