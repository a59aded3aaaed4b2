/* tufmeta.h - The Update Framework 1.0 metadata: the four top-level roles
 * (root, timestamp, snapshot, targets) and delegated targets roles, read
 * strictly, their signatures checked against a role's keys and
 * threshold, and written and signed (TUF specification 1.0.31, sections
 * 4 and 5).
 *
 * A metadata file is {"signed": {...}, "signatures": [{"keyid", "sig"}]}
 * and nothing else. A signature is Ed25519 over the canonical JSON of
 * "signed" as TUF says (securesystemslib's canonical form), without
 * signet's own "ctx" prefix (signed.h): for documents of strings,
 * integers, booleans, arrays and objects without control characters in
 * strings, that form is RFC 8785 JCS (sg_json_canonical). A document
 * whose two forms would differ fails its signature check: it is refused,
 * never accepted on the weaker reading.
 *
 * The readers refuse, with "NAME: rule": a wrong "_type", a spec_version
 * whose major is not 1, a version below 1, an "expires" not of the form
 * YYYY-MM-DDTHH:MM:SSZ, duplicate signature keyids, keys, roles or
 * hashes of the wrong shape, a target without a sha256 hash or with a
 * hash that is not 64 hex digits, lengths outside 0..2^53-1. Unknown
 * members of "signed" are kept (they are covered by the signature) and
 * otherwise ignored, as the specification allows. Keys of other types
 * than ed25519 are kept but can never count toward a threshold.
 *
 * A threshold counts distinct public keys: a key listed under two keyids
 * counts once.
 */
#ifndef SIGNET_TUFMETA_H
#define SIGNET_TUFMETA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "json.h"

#define SG_TUF_SPEC_VERSION "1.0.31"
#define SG_TUF_KEYID_LEN 64

enum sg_tuf_type { SG_TUF_ROOT, SG_TUF_TIMESTAMP, SG_TUF_SNAPSHOT, SG_TUF_TARGETS };

struct sg_tuf_key {
	char *keyid;
	int usable; /* ed25519 with the ed25519 scheme */
	uint8_t pub[32];
};

/* A role's keys and threshold: in root for the top-level roles, in a
 * delegation for a delegated one. */
struct sg_tuf_rolekeys {
	char **keyids;
	size_t n;
	uint64_t threshold;
};

/* An entry of timestamp's or snapshot's "meta". */
struct sg_tuf_metafile {
	char *name; /* "snapshot.json", "targets.json", "<role>.json" */
	uint64_t version;
	int has_length, has_sha256;
	uint64_t length;
	uint8_t sha256[32];
};

struct sg_tuf_target {
	char *path;
	uint64_t length;
	uint8_t sha256[32];
	struct sg_json *custom; /* NULL when absent */
};

struct sg_tuf_delegation {
	char *name;
	struct sg_tuf_rolekeys keys;
	char **paths; /* shell patterns, '*' not matching '/' */
	size_t npaths;
	char **prefixes; /* path_hash_prefixes (hex), the alternative */
	size_t nprefixes;
	int terminating;
};

/* One metadata document, of any role. */
struct sg_tuf_meta {
	enum sg_tuf_type type;
	char *role; /* "root", ..., or the delegated role's name */
	uint64_t version;
	time_t expires;
	struct sg_json *signed_obj; /* the "signed" member, as read */
	struct sg_json *signatures; /* the "signatures" member */
	/* root and targets (its delegations' keys) */
	struct sg_tuf_key *keys;
	size_t nkeys;
	/* root */
	int consistent_snapshot;
	struct sg_tuf_rolekeys roles[4]; /* by enum sg_tuf_type */
	/* timestamp (one entry) and snapshot */
	struct sg_tuf_metafile *meta;
	size_t nmeta;
	/* targets */
	struct sg_tuf_target *targets;
	size_t ntargets;
	struct sg_tuf_delegation *delegations;
	size_t ndelegations;
	int has_delegations;
};

/* "root", "timestamp", "snapshot", "targets". */
const char *sg_tuf_type_name(enum sg_tuf_type t);

/* Reads a metadata file of type t; role is its role name (for a
 * delegated targets role, its name; else the type's name), name the
 * file's name for messages. Signatures are not checked here. */
int sg_tuf_meta_parse(const char *data, size_t len, enum sg_tuf_type t, const char *role,
		      const char *name, struct sg_tuf_meta *out);
void sg_tuf_meta_free(struct sg_tuf_meta *m);

/* 0 when at least rk->threshold distinct usable keys of keys[] named by
 * rk sign m; otherwise -1 with "NAME: N of M signatures needed ..." */
int sg_tuf_meta_verify(const struct sg_tuf_meta *m, const struct sg_tuf_key *keys, size_t nkeys,
		       const struct sg_tuf_rolekeys *rk, const char *name);

/* The entry of m->meta called name, or NULL. */
const struct sg_tuf_metafile *sg_tuf_meta_file(const struct sg_tuf_meta *m, const char *name);

/* The target at path, or NULL. */
const struct sg_tuf_target *sg_tuf_meta_target(const struct sg_tuf_meta *m, const char *path);

/* 1 when the delegation's paths (or hash prefixes) match target path. */
int sg_tuf_delegation_matches(const struct sg_tuf_delegation *d, const char *path);

/* --- writing ----------------------------------------------------------- */

/* The TUF key object {"keytype":"ed25519","scheme":"ed25519",
 * "keyval":{"public":HEX}} and its keyid: the SHA-256 (hex) of its
 * canonical form. */
struct sg_json *sg_tuf_key_object(const uint8_t pub[32]);
int sg_tuf_keyid(const uint8_t pub[32], char out[SG_TUF_KEYID_LEN + 1]);

/* The common part of a "signed" object: {"_type", "spec_version",
 * "version", "expires"}; the caller adds the role's members. */
struct sg_json *sg_tuf_signed_new(enum sg_tuf_type t, uint64_t version, time_t expires);

/* A signing key: its seed (a secret) and public key. */
struct sg_tuf_signer {
	uint8_t seed[32];
	uint8_t pub[32];
};

/* Appends to out the metadata file {"signed": signed_obj, "signatures":
 * [...]} signed by each of signers[0..n), its signatures sorted by
 * keyid; the file is the canonical form followed by a newline. */
int sg_tuf_sign(const struct sg_json *signed_obj, const struct sg_tuf_signer *signers, size_t n,
		struct sg_buf *out);

#endif
