/* admit.h - host-side admission of an ASL SOPS bundle (spec section 9).
 *
 * sg_admit_evaluate() applies the rules to a decrypted bundle, in this
 * order, stopping at the first broken one (whose number it returns; the
 * numbers are `signet host admit`'s exit codes):
 *   10 the bundle cannot be decrypted or is not a bundle (rule 1; the
 *      caller reports it: decryption is sg_bundle_open's)
 *   11 the DAM signature does not verify by the DAM's root_public_key (2)
 *   12 a DomainID does not derive from its root public key: the one of
 *      authority.domain, or the DAM's (3)
 *   13 the DomainIDs differ: the header's, authority.domain's, the DAM's
 *      and the one derived from the root public key must be one (4)
 *   14 the policy is invalid, carries no policy_hash, or it is not the
 *      policy's hash (5)
 *   15 no admission intent, or the intent was not confirmed (6); its
 *      presence is checked here, the confirmation asked last, once every
 *      other rule has passed, so nobody confirms a bundle then refused
 *   16 the lease asked for exceeds the host's courtesy limits, or
 *      permanent admission is asked of a host that does not offer it (7)
 *   17 the DAM has expired (or is issued in the future)
 *   18 replay: the bundle_id, or the domain with this policy hash, was
 *      already admitted
 *   19 the bundle carries a rotation statement (authority.rotation) that
 *      does not verify, does not rotate to this domain, or rotates from a
 *      domain (or key) this host has not admitted; or the bundle's domain
 *      is one this host saw rotated away from (its old key is retired)
 * The intent is confirmed through a callback (the caller asks a person);
 * the library never prints.
 *
 * Host layout (docs/design.md), under the host root:
 *   domains/<domain-id>/{store,log,snapshots,certs,policies,dam}
 *     dam/dam.json              {"dam", "dam_signature"} as admitted (JCS)
 *     dam/rotation.json         the rotation statement, when rotated in
 *     policies/<policy-hash>.json   the policy as carried (JCS)
 *   admission/records/<bundle-id>.json  {"admission": {...}} (JCS)
 *   admission/leases/<domain-id>.json   {"lease": {...}} (JCS)
 *   admission/ledger            the replay ledger: one JCS line per
 *       admission {"admitted_at", "bundle_id", "domain_id", "policy_hash"}
 * The root private key the bundle carries is never written. Nothing is
 * written before every rule has passed; a new domain directory is built
 * in a staging directory of the host root and renamed into place, each
 * file is written atomically and the ledger last.
 *
 * All int functions return 0 on success and -1 with sg_errmsg() set,
 * unless stated otherwise.
 */
#ifndef SIGNET_ADMIT_H
#define SIGNET_ADMIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bundle.h"
#include "json.h"
#include "signed.h"

#define SG_DEFAULT_HOST_ROOT "/var/lib/signet"
#define SG_ADMIT_DEFAULT_MAX_DAYS 365

enum sg_admit_result {
	SG_ADMIT_OK = 0,
	SG_ADMIT_ERROR = 1, /* I/O and the like: not a rule */
	SG_ADMIT_DECRYPT = 10,
	SG_ADMIT_DAM_SIGNATURE = 11,
	SG_ADMIT_DOMAIN_ID = 12,
	SG_ADMIT_DOMAIN_MATCH = 13,
	SG_ADMIT_POLICY_HASH = 14,
	SG_ADMIT_INTENT = 15,
	SG_ADMIT_LEASE = 16,
	SG_ADMIT_EXPIRED = 17,
	SG_ADMIT_REPLAY = 18,
	SG_ADMIT_ROTATION = 19,
};

struct sg_admit_limits {
	uint64_t max_days; /* courtesy lease duration limit */
	int has_max_bytes;
	uint64_t max_bytes;
	int allow_permanent;
};

/* What will be admitted; pointers point into the contents. */
struct sg_admit_plan {
	struct sg_bundle_header h;
	const struct sg_json *dam, *dam_signature, *policy, *rotation;
	struct sg_admission_req req;
	char domain_id[SG_DOMAIN_ID_LEN + 1];
	char policy_hash[65];
	char rotated_from[SG_DOMAIN_ID_LEN + 1]; /* "" when not rotated */
	char dam_expires_at[21]; /* "" when it never expires */
	time_t now;
	uint64_t lease_days; /* 0 for a permanent admission */
	int has_lease_bytes;
	uint64_t lease_bytes;
	int encrypted_only;
};

/* Asks whether to admit with this intent: 1 yes, 0 no, -1 error. */
typedef int (*sg_admit_confirm_fn)(const struct sg_admit_plan *plan, void *ctx);

/* Applies the rules (see above) to a bundle opened by sg_bundle_open.
 * The message is set for every result but SG_ADMIT_OK. */
enum sg_admit_result sg_admit_evaluate(const char *host_root, const struct sg_bundle_header *h,
				       const struct sg_json *contents,
				       const struct sg_admit_limits *lim, time_t now,
				       sg_admit_confirm_fn confirm, void *ctx,
				       struct sg_admit_plan *plan);

/* Writes the admission of an evaluated plan under the host root;
 * SG_ADMIT_REPLAY when a concurrent admission got there first. */
enum sg_admit_result sg_admit_commit(const char *host_root, const struct sg_admit_plan *plan);

/* One line of the replay ledger. */
struct sg_ledger_entry {
	char admitted_at[21];
	char bundle_id[SG_UUID_LEN + 1];
	char domain_id[SG_DOMAIN_ID_LEN + 1];
	char policy_hash[65];
};

/* Parses a ledger (name for messages): every line canonical JSON of
 * the four members, well-formed. *out is malloc'ed (NULL when empty). */
int sg_admit_ledger_parse(const char *name, const char *text, size_t len,
			  struct sg_ledger_entry **out, size_t *n);

/* The ledger of a host root (empty when there is none yet). */
int sg_admit_ledger_read(const char *host_root, struct sg_ledger_entry **out, size_t *n);

#endif
