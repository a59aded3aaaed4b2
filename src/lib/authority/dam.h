/* dam.h - the Domain Authority Manifest (DAM).
 *
 * The DAM as carried (docs/design.md):
 *     {"version": "0.1", "domain_id", "root_public_key": <base64>,
 *      "issued_at", "expires_at": <timestamp | null>, "roles": [..],
 *      "metadata": {"human_name", "dns_claim": <string | null>}}
 * plus the optional "signer_keys": [{"type": "ed25519", "encoding":
 * "base64", "value": <base64>}, ..] (DAM signer keys the root delegates
 * to). Roles are lowercase identifiers ([a-z0-9_]+), at least one, no
 * repeats. A DAM file is {"dam": DAM, "dam_signature": SIG}, the shape
 * of the bundle's authority section, SIG per signed.h with kind "dam".
 *
 * Verification checks, in this order, each with its own result: the
 * shape, the signature by root_public_key over the DAM exactly as
 * carried, that domain_id derives from root_public_key (and equals the
 * expected DomainID when one is given), and that the DAM has not
 * expired (and is not issued in the future).
 */
#ifndef SIGNET_DAM_H
#define SIGNET_DAM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "signed.h"

enum sg_dam_result {
	SG_DAM_OK = 0,
	SG_DAM_MALFORMED,
	SG_DAM_BAD_SIGNATURE,
	SG_DAM_DOMAIN_MISMATCH,
	SG_DAM_EXPIRED,
};

struct sg_dam_params {
	const char *domain_id;
	const uint8_t *root_public_key; /* 32 bytes */
	time_t issued_at;
	int expires; /* 0: expires_at is null */
	time_t expires_at;
	const char *const *roles;
	size_t nroles;
	const char *human_name;
	const char *dns_claim; /* NULL: null */
	const uint8_t (*signer_keys)[32];
	size_t nsigner_keys;
};

/* A new DAM object, checked as verification would check it. */
struct sg_json *sg_dam_build(const struct sg_dam_params *p);

/* {"dam": copy of dam, "dam_signature": ...} signed by seed. */
struct sg_json *sg_dam_sign(const struct sg_json *dam, const uint8_t seed[32]);

/* Checks a DAM file's tree (what names it in messages) at time now.
 * expect_domain may be NULL. Returns the result; the message is set for
 * every result but SG_DAM_OK. */
enum sg_dam_result sg_dam_verify(const struct sg_json *file, const char *what, time_t now,
				 const char *expect_domain);

/* The DAM alone (the shape check); for readers of a bundle's
 * authority section that hold dam and dam_signature separately. */
enum sg_dam_result sg_dam_verify_parts(const struct sg_json *dam, const struct sg_json *sig,
				       const char *what, time_t now, const char *expect_domain);

/* signet dam verify: reads the DAM file at path and checks it as
 * sg_dam_verify does; on SG_DAM_OK appends to summary the line
 * "PATH: valid DAM of domain ID, issued TIME, expires TIME|never".
 * An unreadable file (or no memory) is SG_DAM_MALFORMED; the message is
 * set for every result but SG_DAM_OK, and summary is then unchanged. */
enum sg_dam_result sg_dam_verify_file(const char *path, time_t now, const char *expect_domain,
				      struct sg_buf *summary);

/* 1 when role is a well-formed role name. */
int sg_dam_role_valid(const char *role);

#endif
