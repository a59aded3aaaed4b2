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
 * without it, and a home has at most one.
 *
 * The home is changed only by transactions on the home directory
 * (txn.h, authop.h): its lock serialises the writers, HOME/.txn/ is
 * their staging area. Readers open a domain after sg_txn_read_begin().
 * The functions here read or compute; the ones that make a domain only
 * stage it.
 */
#ifndef SIGNET_DOMAIN_H
#define SIGNET_DOMAIN_H

#include <stdint.h>
#include <time.h>

#include "age.h"
#include "buf.h"
#include "crypto.h"
#include "json.h"
#include "signed.h"

#define SG_DEFAULT_HOME "/asl-auth-host"

struct sg_txn;

struct sg_domain {
	char *home;
	char *dir; /* HOME/domains/<id> */
	char id[SG_DOMAIN_ID_LEN + 1];
	uint8_t pub[SG_ED25519_PUB_LEN];
	char *name;
	char key_created_at[21];
	int as_current; /* opened as the home's current domain (no ID asked for) */
};

/* The home directory: opt, else $SIGNET_HOME, else /asl-auth-host. */
const char *sg_home_default(const char *opt);

/* A fresh root key pair and the domain it names, in memory only (the
 * seed for the first signatures; the caller wipes it). Nothing is
 * written: a new domain's files are staged in the transaction that
 * records its genesis (authop.h). */
int sg_domain_new(const char *home, const char *name, time_t now, uint8_t seed[SG_ED25519_SEED_LEN],
		  struct sg_domain *d);

/* Stages in t (a transaction on d's home) the creation of HOME's shared
 * directories and of d's directories (keys 0700, the others 0755). */
int sg_domain_stage_layout(struct sg_txn *t, const struct sg_domain *d);

/* The contents of a new domain's keys/root.key.age (the seed encrypted
 * to rs) and domain.json. */
int sg_domain_files(const struct sg_domain *d, const uint8_t seed[SG_ED25519_SEED_LEN],
		    const struct sg_age_recipients *rs, struct sg_buf *key, struct sg_buf *meta);

/* 1 when HOME holds a current domain (one not superseded), 0 when not
 * (or HOME has no domains directory), -1 on error. */
int sg_home_has_current(const char *home);

/* 1 when d was replaced by a rotation (holds superseded.json). */
int sg_domain_superseded(const struct sg_domain *d);

/* Opens the domain named by want (a DomainID or a unique prefix of one)
 * or, when want is NULL, HOME's single current domain (as_current set). */
int sg_domain_open(const char *home, const char *want, struct sg_domain *d);

/* The same for a reader: finishes what an interrupted command left in
 * HOME (txn.h), takes HOME's shared lock into *lock and opens the
 * domain, so no writer changes it until sg_txn_read_end(lock). On
 * failure no lock is held and d holds nothing. */
int sg_domain_open_read(const char *home, const char *want, struct sg_domain *d, int *lock);

/* Reads a JSON file (16 MiB at most) in the canonical model (no floats);
 * fails naming path. */
int sg_read_json_file(const char *path, struct sg_json **out);

/* What `signet domain show` describes, as one object: name, domain_id,
 * short_id, root_public_key, key_created_at, root_key_protection
 * ("passphrase" or "age-recipients"), directory, the current DAM
 * {"status": "valid" | "expired" (at now), "path" (relative to HOME),
 * "issued_at", "expires_at", "roles"}, log_records (the log verified)
 * and claim_in_force (null when none). NULL, nothing left, when the DAM
 * is missing or invalid (but expired), the log does not verify or a
 * file cannot be read. The caller holds HOME's shared lock. */
struct sg_json *sg_domain_describe(const struct sg_domain *d, time_t now);

/* A path inside the domain directory (malloc'ed; NULL on failure). */
char *sg_domain_path(const struct sg_domain *d, const char *rel);

/* Reads DOMAIN/rel, a JSON file, in the canonical model (no floats). */
int sg_domain_read_json(const struct sg_domain *d, const char *rel, struct sg_json **out);

/* The path of d's newest DAM file (dam/NNNN.dam.json), or of the next
 * one to write when next is set; *seq receives its number. *path is
 * NULL when no DAM exists yet and next is 0. */
int sg_domain_dam_path(const struct sg_domain *d, int next, char **path, unsigned *seq);

/* Reads d's newest DAM and checks it as a host would at time now
 * (dam.h: signature, DomainID, not expired); fails when there is none. */
int sg_domain_current_dam(const struct sg_domain *d, time_t now, struct sg_json **file, char **path);

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

void sg_domain_free(struct sg_domain *d);

#endif
