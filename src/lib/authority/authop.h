/* authop.h - the operations that change an authority home: genesis,
 * rotation, DAM issue, environment claim, bundle seal.
 *
 * Each is one transaction on the home directory (txn.h). Under the
 * home's lock it reads what it depends on (the current domains, the DAM
 * numbers, the log), computes and checks everything, stages every file
 * it writes together with its audit record (auditlog.h's
 * sg_auditlog_stage) and commits once, at the journal's rename. A kill
 * at any point leaves the home as it was or with the whole operation;
 * two operations started together run one after the other, the second
 * seeing what the first did (the next DAM number, the log's new end, a
 * domain already rotated, which a command that opened it as the current
 * domain then refuses). Readers open the home with
 * sg_txn_read_begin(), which finishes an interrupted commit first.
 *
 * An output outside the home cannot join the transaction; the order
 * then decides what a kill may leave:
 *  - dam issue's copy is written after the commit. The operation is the
 *    DAM in the home and its record; a kill before the copy leaves them
 *    without the copy (copy dam/NNNN.dam.json or issue again), and a
 *    copy, when there, is always of a recorded DAM: no signed DAM exists
 *    that the log does not name.
 *  - bundle seal's output outside the home is written first (atomically,
 *    never over another file) and its record committed second: the
 *    bundle's bytes (random keys inside) exist only in the process, so a
 *    record whose file was never written could not be completed, while a
 *    file whose record was never committed can. A kill between leaves a
 *    bundle of the domain that no record names; the retry recognises
 *    such a file (a bundle header of this domain, its hash in no record)
 *    and seals over it, then records it. A bundle a record names, and
 *    any other file, is never replaced. A destination inside the home is
 *    staged in the transaction like any other file.
 *
 * The caller unlocks the root key (and opens the domain) before: a
 * passphrase is asked without holding the home's lock. All int functions
 * return 0 on success and -1 with sg_errmsg() set.
 */
#ifndef SIGNET_AUTHOP_H
#define SIGNET_AUTHOP_H

#include <stdint.h>
#include <time.h>

#include "age.h"
#include "bundle.h"
#include "dam.h"
#include "domain.h"
#include "json.h"

/* What a new domain's first DAM says. */
struct sg_genesis {
	const char *name;      /* metadata.human_name and the domain's name */
	const char *dns_claim; /* NULL: null */
	int expires;	       /* 0: expires_at null */
	time_t expires_at;
};

/* domain init: a new root key (encrypted to rs), the home's and the
 * domain's directories, keys/root.key.age, domain.json, a first
 * environment claim, dam/0001.dam.json (roles [domain_root]) and the
 * log's genesis record. Refused when the home has a current domain
 * already (a retry after a completed init changes nothing). */
int sg_authop_init(const char *home, const struct sg_genesis *g, const struct sg_age_recipients *rs,
		   time_t now, char id[SG_DOMAIN_ID_LEN + 1]);

/* domain rotate: a new domain as sg_authop_init makes it (its DAM keeps
 * the name, DNS claim and expiry of old's current DAM; its log starts
 * with "rotate-in", the rotation statement as input), the statement as
 * its dam/rotation.json and old's superseded.json, and old's
 * "rotate-out" record: one commit. Refused when old is superseded
 * already. */
int sg_authop_rotate(const struct sg_domain *old, const uint8_t old_seed[32],
		     const struct sg_age_recipients *rs, time_t now,
		     char new_id[SG_DOMAIN_ID_LEN + 1]);

/* dam issue's DAM, built (and checked) as sg_dam_build does from p as
 * the caller gave it, completed with d's DomainID and root public key,
 * issued_at now, d's name when p has no human_name and the role
 * domain_root when p has none. p is not changed; NULL (message set)
 * when the DAM would not verify. Nothing is written. */
struct sg_json *sg_authop_dam_build(const struct sg_domain *d, const struct sg_dam_params *p,
				    time_t now);

/* dam issue: signs dam, stages it as the next dam/NNNN.dam.json (the
 * number taken under the lock) with its "dam-issue" record, commits;
 * then, when copy_to is set, writes the copy (atomically). *path
 * receives the DAM file's path. */
int sg_authop_dam_issue(const struct sg_domain *d, const uint8_t seed[32],
			const struct sg_json *dam, time_t now, const char *copy_to, char **path);

/* env claim: measures, signs and stages HOME/env-claims/<id>.claim (the
 * same claim already there is kept) with the "env-claim" record that
 * puts it in force. *path receives the claim file's path. */
int sg_authop_env_claim(const struct sg_domain *d, const uint8_t seed[32], time_t now, char **path);

/* bundle seal. p holds what the caller read: purpose, policy,
 * admission, notes, artifacts, recipients, now; the domain, the root
 * key, the current DAM and the rotation statement are filled under the
 * lock. inputs (owned by the call) holds the hashes of the caller's
 * inputs; the DAM's joins them. */
struct sg_seal {
	struct sg_bundle_seal_params p;
	struct sg_json *inputs;
	const char *output; /* NULL: HOME/sops-bundles/asl-<purpose>-<short id>.sops.yaml */
	/* what sg_authop_seal_prepare read (sg_seal_free frees it) */
	struct sg_json *policy, *admission;
	struct sg_bundle_artifact *artifacts;
	struct sg_buf *artifact_data;
	size_t nread;
};

/* What bundle seal names: the files it reads and the rest of p. */
struct sg_seal_files {
	const char *purpose, *policy, *admission, *notes, *output;
	const char *const *artifacts; /* named by their base name */
	size_t nartifacts;
	char **recipients;
	size_t nrecipients;
};

/* Prepares the seal f describes, refusing what can be refused before
 * the key is unlocked: d's current DAM must verify at now; reads the
 * policy and the admission request (sg_bundle_read_model) and the
 * artifacts (16 MiB each), hashes them into s->inputs (policy,
 * admission, artifact:<base name>) and checks the destination
 * (sg_authop_seal_dest). s is zeroed first; in every case, what it holds
 * is freed by sg_seal_free. Nothing is written. */
int sg_authop_seal_prepare(const struct sg_domain *d, const struct sg_seal_files *f, time_t now,
			   struct sg_seal *s);
void sg_seal_free(struct sg_seal *s);

/* The destination of s, refused when it is taken (see above). Checked
 * again by sg_authop_seal; this is for failing before the key is
 * unlocked. */
int sg_authop_seal_dest(const struct sg_domain *d, const struct sg_seal *s, char **dest);

/* Seals and records; *dest and bundle_id receive where and what. */
int sg_authop_seal(const struct sg_domain *d, const uint8_t seed[32], struct sg_seal *s,
		   char **dest, char bundle_id[SG_UUID_LEN + 1]);

#endif
