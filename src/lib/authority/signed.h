/* signed.h - signed objects and DomainIDs as docs/design.md fixes them.
 *
 * A signed object is a JSON data-model object; its signature is
 * Ed25519 (pure, RFC 8032) over the 32 bytes
 *     SHA-256("signet/v1/<kind>\n" || JCS(object))
 * and lives beside the object, never inside the signed bytes. The
 * signature object has the shape of the bundle's dam_signature:
 *     {"algorithm": "ed25519", "signed_bytes": "sha256",
 *      "signature": <standard padded base64 of the 64 bytes>,
 *      "public_key": <padded base64 of the 32-byte key>}   (optional)
 * and no other members. A public_key, when present, only names the
 * signer: the verifier always supplies the key it trusts and refuses a
 * signature naming a different one.
 *
 * DomainID = lowercase unpadded base32 of
 *     SHA-256("signet/v1/domain-id\n" || 32-byte root public key)
 * (52 characters); its short form is the first 12.
 *
 * sg_obj_members() is the strict-shape check every reader here uses:
 * unknown members are errors.
 */
#ifndef SIGNET_SIGNED_H
#define SIGNET_SIGNED_H

#include <stdint.h>

#include "crypto.h"
#include "json.h"

#define SG_DOMAIN_ID_LEN 52
#define SG_DOMAIN_SHORT_LEN 12
/* 32 bytes in padded base64. */
#define SG_KEY_B64_LEN 44

/* SHA-256("signet/v1/<kind>\n" || JCS(obj)). */
int sg_signed_digest(const char *kind, const struct sg_json *obj, uint8_t digest[SG_SHA256_LEN]);

/* A new signature object over obj by the Ed25519 seed, or NULL. With
 * with_public_key the signer's public key is named in it. */
struct sg_json *sg_signature_make(const char *kind, const struct sg_json *obj,
				  const uint8_t seed[SG_ED25519_SEED_LEN], int with_public_key);

/* 0 when sig is a well-formed signature object by pub over obj; -1 with
 * the reason otherwise ("what" names the object in messages). */
int sg_signature_check(const char *kind, const struct sg_json *obj, const struct sg_json *sig,
		       const uint8_t pub[SG_ED25519_PUB_LEN], const char *what);

/* The DomainID of a root public key, NUL-terminated. */
int sg_domain_id(const uint8_t pub[SG_ED25519_PUB_LEN], char out[SG_DOMAIN_ID_LEN + 1]);

/* 1 when s is shaped like a DomainID (52 base32 characters), else 0. */
int sg_domain_id_valid(const char *s, size_t len);

/* Decodes a JSON string holding padded base64 of exactly 32 bytes. */
int sg_json_key32(const struct sg_json *j, const char *what, uint8_t out[32]);
/* A JSON string holding the padded base64 of 32 bytes, or NULL. */
struct sg_json *sg_json_new_key32(const uint8_t key[32]);

/* Lowercase hex SHA-256 of data (65 bytes with the NUL). */
int sg_sha256_hex(const void *data, size_t len, char out[2 * SG_SHA256_LEN + 1]);

/* Checks that obj is an object holding every member of required (a
 * NULL-terminated list) and nothing outside required + optional. */
int sg_obj_members(const struct sg_json *obj, const char *what, const char *const *required,
		   const char *const *optional);

/* obj[key] as a string, or NULL with an error when it is missing or not
 * a string. When is_null is not NULL, a JSON null sets *is_null = 1 and
 * returns NULL without error (otherwise *is_null = 0). */
const char *sg_obj_string(const struct sg_json *obj, const char *key, const char *what, int *is_null);

#endif
