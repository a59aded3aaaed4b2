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
 *   20 the target: the bundle's admission.target_domain is not this host's
 *      Common domain (admission/common_domain, set once by
 *      sg_admit_init), or the bundle names no target_domain (the bundle
 *      spec's admission request carries one), or the host has no Common
 *      domain set (it cannot check the target, so it admits nothing)
 *   18 replay: the bundle_id, or the domain with this policy hash, was
 *      already admitted
 *   19 the bundle carries a rotation statement (authority.rotation) that
 *      does not verify, does not rotate to this domain, or rotates from a
 *      domain (or key) this host has not admitted; or the bundle's domain
 *      is one this host saw rotated away from (its old key is retired)
 * 20 comes after the bundle's own checks (10-17) and before 18 and 19:
 * those compare the bundle with what this host admitted, which says
 * something only of a bundle addressed to this host's Common domain (and
 * a bundle meant for another host learns nothing of this one's ledger).
 * The intent is confirmed through a callback (the caller asks a person);
 * the library never prints.
 *
 * Host layout (docs/design.md), under the host root:
 *   domains/<domain-id>/{store,log,snapshots,certs,policies,dam}
 *     dam/dam.json              {"dam", "dam_signature"} as admitted (JCS)
 *     dam/rotation.json         the rotation statement, when rotated in
 *     policies/<policy-hash>.json   the policy as carried (JCS)
 *   admission/common_domain     the Common domain's DomainID and a newline
 *   admission/records/<bundle-id>.json  {"admission": {...}} (JCS)
 *   admission/leases/<domain-id>.json   {"lease": {...}} (JCS), with
 *       encrypted_only as the bundle's courtesy_lease asked (false when
 *       it did not)
 *   admission/ledger            the replay ledger: one JCS line per
 *       admission {"admitted_at", "bundle_id", "domain_id", "policy_hash"}
 * The root private key the bundle carries is never written. The host root
 * is a txn.h state directory: nothing is written before every rule has
 * passed; then one transaction, under the host root's lock, checks rules
 * 20, 18 and 19 again (a concurrent admission of the same bundle is
 * refused there as a replay) and stages the domain's files, the record,
 * the lease, the superseded lease of a rotation and the ledger line, which
 * appear together at its commit. A crash leaves the host root before the
 * admission or after it; every reader here settles it first.
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
	SG_ADMIT_TARGET = 20,
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
	char dam_expires_at[21];		 /* "" when it never expires */
	time_t now;
	uint64_t lease_days; /* 0 for a permanent admission */
	int has_lease_bytes;
	uint64_t lease_bytes;
	int encrypted_only;
};

/* Asks whether to admit with this intent: 1 yes, 0 no, -1 error. */
typedef int (*sg_admit_confirm_fn)(const struct sg_admit_plan *plan, void *ctx);

/* Applies the rules (see above) to a bundle opened by sg_bundle_open,
 * reading the host root under its shared lock (released before the
 * confirmation is asked). The message is set for every result but
 * SG_ADMIT_OK. */
enum sg_admit_result sg_admit_evaluate(const char *host_root, const struct sg_bundle_header *h,
				       const struct sg_json *contents,
				       const struct sg_admit_limits *lim, time_t now,
				       sg_admit_confirm_fn confirm, void *ctx,
				       struct sg_admit_plan *plan);

/* Writes the admission of an evaluated plan under the host root, in one
 * transaction that checks rules 20, 18 and 19 again under the host root's
 * lock: SG_ADMIT_REPLAY (or the rule now broken) when a concurrent
 * admission got there first, with nothing written. */
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

/* Sets the Common domain the host admits into (a DomainID), once: the
 * host root is made if missing; the same DomainID again changes nothing
 * (*already = 1), another one is refused. */
int sg_admit_init(const char *host_root, const char *common, int *already);

/* One lease as the host stored it; "" for a null string. */
struct sg_admit_lease {
	char domain_id[SG_DOMAIN_ID_LEN + 1];
	char bundle_id[SG_UUID_LEN + 1];
	char mode[16]; /* courtesy | permanent */
	char granted_at[21];
	char expires_at[21];	 /* "" when it never expires */
	char dam_expires_at[21]; /* "" when the DAM never expires */
	char superseded_by[SG_DOMAIN_ID_LEN + 1];
	int has_bytes;
	uint64_t bytes;
	int encrypted_only;
};

/* What a host root holds, read under its lock (txn.h's readers). */
struct sg_admit_host {
	char common[SG_DOMAIN_ID_LEN + 1]; /* "" when not set */
	struct sg_admit_lease *leases;	   /* by DomainID */
	size_t n_leases;
	size_t n_admissions; /* ledger lines */
};

/* Reads the host root; a missing one reads as empty. */
int sg_admit_host_read(const char *host_root, struct sg_admit_host *h);
void sg_admit_host_free(struct sg_admit_host *h);

/* "superseded", "expired" (at now) or "active". */
const char *sg_admit_lease_state(const struct sg_admit_lease *l, time_t now);

#endif
