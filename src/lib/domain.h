/* domain.h - an authority home and the domains in it.
 *
 * Layout (docs/design.md): HOME/domains/<domain-id>/{keys,dam,policies,certs,
 * log,snapshots,store}, HOME/env-claims/, HOME/sops-bundles/, HOME/tools/.
 * A domain directory also holds domain.json, its unsigned description
 *     {"version": "0.1", "domain_id", "name", "root_public_key": <base64>,
 *      "key_created_at": <timestamp>}
 * which needs no signature: opening a domain recomputes the DomainID from
 * root_public_key and refuses any mismatch with the member or the
 * directory name. The root private key (the 32-byte Ed25519 seed) exists
 * on disk only as keys/root.key.age, age-encrypted to a passphrase
 * (scrypt) or to age recipients; it is decrypted into memory only to sign
 * and wiped after. A domain replaced by `domain rotate` holds
 * superseded.json (the rotation statement below, also kept as the new
 * domain's dam/rotation.json); the home's current domain is the one
 * without it.
 */
#ifndef SIGNET_DOMAIN_H
#define SIGNET_DOMAIN_H

#include <stdint.h>
#include <time.h>

#include "age.h"
#include "crypto.h"
#include "json.h"
#include "signed.h"

#define SG_DEFAULT_HOME "/asl-auth-host"

struct sg_domain {
	char *home;
	char *dir; /* HOME/domains/<id> */
	char id[SG_DOMAIN_ID_LEN + 1];
	uint8_t pub[SG_ED25519_PUB_LEN];
	char *name;
	char key_created_at[21];
};

/* The home directory: opt, else $SIGNET_HOME, else /asl-auth-host. */
const char *sg_home_default(const char *opt);

/* Creates HOME's shared directories if needed, a fresh root key pair and
 * the domain's directories, keys/root.key.age (encrypted to rs) and
 * domain.json. The seed is returned for the first signatures; the caller
 * wipes it. On failure nothing of the new domain is left behind. */
int sg_domain_create(const char *home, const char *name, const struct sg_age_recipients *rs,
		     time_t now, uint8_t seed[SG_ED25519_SEED_LEN], struct sg_domain *d);

/* Opens the domain named by want (a DomainID or a unique prefix of one)
 * or, when want is NULL, HOME's single current domain. */
int sg_domain_open(const char *home, const char *want, struct sg_domain *d);

/* A path inside the domain directory (malloc'ed; NULL on failure). */
char *sg_domain_path(const struct sg_domain *d, const char *rel);

/* 1 when the root key file is encrypted to a passphrase, 0 when to
 * recipients, -1 on error. */
int sg_domain_key_wants_passphrase(const struct sg_domain *d);

/* Decrypts the root key with ids and checks it is the domain's key. */
int sg_domain_unlock(const struct sg_domain *d, const struct sg_age_identities *ids,
		     uint8_t seed[SG_ED25519_SEED_LEN]);

/* The rotation statement of domain.h's contract:
 *   {"rotation": {"version": "0.1", "from_domain_id", "from_root_public_key",
 *                 "to_domain_id", "to_root_public_key", "rotated_at"},
 *    "old_signature": SIG, "new_signature": SIG}
 * both signatures of kind "rotation" over the rotation object, by the old
 * and the new root key, each naming its public key. */
struct sg_json *sg_rotation_make(const struct sg_domain *old, const uint8_t old_seed[32],
				 const struct sg_domain *nd, const uint8_t new_seed[32], time_t now);

/* Checks a rotation statement: shape, both DomainIDs derived from their
 * keys, the old key's cross-signature and the new key's signature, and,
 * when expect_from is not NULL, that it rotates away from that domain.
 * to_id receives the new DomainID. */
int sg_rotation_verify(const struct sg_json *stmt, const char *what, const char *expect_from,
		       char to_id[SG_DOMAIN_ID_LEN + 1]);

/* Removes a directory tree (for rolling back a half-made domain). */
int sg_remove_tree(const char *path);

/* mkdir -p with the given mode for the directories it creates. */
int sg_mkdirs(const char *path, mode_t mode);

void sg_domain_free(struct sg_domain *d);

#endif
