/* bundle.h - ASL SOPS bundles (asl-sops-bundle v0.1 as docs/design.md fixes it).
 *
 * A bundle is a SOPS YAML file (sops 3.x) of the form
 *   asl_sops_bundle:
 *     version: "0.1"
 *     bundle_id: <random UUIDv4>
 *     created_at: <timestamp>
 *     purpose: admission | rescue | recovery
 *     domain_id: <DomainID>
 *     contents:                                  encrypted
 *       authority:
 *         domain: {domain_id, root_public_key: KEY, root_private_key: KEY,
 *                  key_created_at}
 *         dam: <the DAM as carried>
 *         dam_signature: <its signature>
 *         rotation: <rotation statement>          only after a rotation
 *       policy: <the policy, policy_hash first>
 *       admission: {target_domain, mode, intent,  optional, as is each
 *                   courtesy_lease: {requested:     member
 *                     {duration_days, storage_bytes, encrypted_only}}}
 *       optional: {artifacts: [{artifact_id, description, encoding:
 *                  inline-base64, content}], notes}   optional
 *   sops: ...
 * KEY = {type: ed25519, encoding: base64, value: <padded base64 of 32 bytes>}.
 * Only `contents` is encrypted (encrypted_regex ^contents$) and the MAC
 * covers every value, the plaintext header included.
 *
 * The root private key (the 32-byte Ed25519 seed) is in every bundle,
 * whatever its purpose: section 5.1 of the spec is normative and makes
 * no exception. It exists there only inside the encrypted contents; the
 * spec's rule "must never leave this bundle" binds the readers: a host
 * never stores it, `bundle open` redacts it unless asked.
 *
 * Readers convert the contents to the JSON data model (json.h) so the
 * signed and hashed objects are checked exactly as carried; a YAML float
 * is refused (the model has none).
 *
 * All int functions return 0 on success and -1 with sg_errmsg() set.
 */
#ifndef SIGNET_BUNDLE_H
#define SIGNET_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "age.h"
#include "buf.h"
#include "json.h"
#include "sops.h"
#include "sopsdoc.h"

#define SG_UUID_LEN 36
#define SG_BUNDLE_VERSION "0.1"

/* The sops tree of a value as a JSON model value (the reverse is
 * sg_sops_from_json with SG_SOPS_NUMBERS_MODEL). what names the value in
 * messages. */
int sg_bundle_node_to_json(const struct sg_sops_node *n, const char *what, struct sg_json **out);

/* Reads a YAML (.yaml, .yml) or JSON file into the data model. */
int sg_bundle_read_model(const char *path, struct sg_json **out);

/* A random UUIDv4 in its 36-character form. */
int sg_uuid4(char out[SG_UUID_LEN + 1]);

/* 1 when s is one of admission, rescue, recovery. */
int sg_bundle_purpose_valid(const char *s);

/* The admission section's request. */
struct sg_admission_req {
	const char *target_domain; /* NULL when absent */
	int permanent;		   /* mode: permanent (default courtesy) */
	const char *intent;	   /* NULL when absent */
	int has_lease;
	int has_days, has_bytes, has_encrypted_only;
	uint64_t days, bytes;
	int encrypted_only;
};

/* Checks an admission section (no unknown members, types, units);
 * pointers in r point into adm. */
int sg_bundle_check_admission(const struct sg_json *adm, const char *what,
			      struct sg_admission_req *r);

struct sg_bundle_artifact {
	const char *description;
	const uint8_t *data;
	size_t len;
};

struct sg_bundle_seal_params {
	const char *purpose;
	const char *domain_id;
	const uint8_t *root_public_key; /* 32 bytes */
	const uint8_t *root_seed;	/* 32 bytes */
	const char *key_created_at;
	const struct sg_json *dam_file;	 /* {"dam", "dam_signature"} */
	const struct sg_json *rotation;	 /* NULL when the domain was not rotated */
	const struct sg_json *policy;	 /* checked; policy_hash is set */
	const struct sg_json *admission; /* NULL: none */
	const char *notes;		 /* NULL: none */
	const struct sg_bundle_artifact *artifacts;
	size_t nartifacts;
	char *const *recipients;
	size_t nrecipients;
	time_t now;
};

/* Builds and encrypts a bundle into out (YAML text); bundle_id receives
 * its id. */
int sg_bundle_seal(const struct sg_bundle_seal_params *p, struct sg_buf *out,
		   char bundle_id[SG_UUID_LEN + 1]);

/* The plaintext header. */
struct sg_bundle_header {
	char version[8];
	char bundle_id[SG_UUID_LEN + 1];
	char created_at[21];
	char purpose[16];
	char domain_id[64];
};

/* Reads a bundle without any key: header (shape-checked) and the SOPS
 * metadata (recipients). The MAC is not verified. */
int sg_bundle_inspect(const char *name, const char *text, size_t len, struct sg_bundle_header *h,
		      struct sg_sops_meta *meta);

/* Decrypts a bundle (the MAC verified over header and contents), checks
 * the header and the contents' shape, and returns the contents in the
 * model (*contents holds the root private key: sg_json_wipe it). */
int sg_bundle_open(const char *name, const char *text, size_t len,
		   const struct sg_age_identities *ids, struct sg_bundle_header *h,
		   struct sg_json **contents);

/* Replaces authority.domain.root_private_key.value with a marker. */
int sg_bundle_redact(struct sg_json *contents);

/* signet bundle inspect's text: reads the bundle at path (64 MiB at
 * most), inspects it as sg_bundle_inspect does and appends the header,
 * the SOPS metadata and each recipient, one "name: value" line each,
 * to out. Fails when the file is unreadable or not a bundle; out is
 * then unchanged, or holds part of the text on no memory. */
int sg_bundle_inspect_file(const char *path, struct sg_buf *out);

/* Adds the identities sops reads (sg_bundle_sops_identities) to ids,
 * reads the bundle at path (64 MiB at most) and opens it as
 * sg_bundle_open does. On failure *contents is NULL. */
int sg_bundle_open_file(const char *path, struct sg_age_identities *ids, struct sg_bundle_header *h,
			struct sg_json **contents);

/* signet bundle open's document: the bundle at path opened with
 * sg_bundle_open_file, the root private key redacted unless reveal,
 * written as YAML (the header's members, then contents) to out. out
 * holds the contents in clear (the root private key with reveal):
 * sg_buf_wipe it, on failure too; everything else is wiped here. */
int sg_bundle_open_yaml(const char *path, struct sg_age_identities *ids, int reveal,
			struct sg_buf *out);

/* The identities sops reads: $SOPS_AGE_KEY, then $SOPS_AGE_KEY_FILE or
 * else $XDG_CONFIG_HOME/sops/age/keys.txt (~/.config/sops/age/keys.txt).
 * Adds to ids; having none at all is not an error here. */
int sg_bundle_sops_identities(struct sg_age_identities *ids);

#endif
