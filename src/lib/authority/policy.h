/* policy.h - the domain policy: what a domain asks of a host.
 *
 * Shape (bundle spec section 6), every member checked, unknown members
 * refused at every level:
 *   {"policy_hash": <64 lowercase hex>,                        optional
 *    "requested_capabilities": [<capability>, ..],             required
 *    "requested_storage": {"max_blocks": <count>,              optional,
 *                          "max_bytes": <size>},               each optional
 *    "federation": {"allow_inbound": <bool>,                   optional,
 *                   "allow_outbound": <bool>}}                 both required
 * Capabilities come from the fixed vocabulary of the spec:
 * store_blocks, publish_private_encrypted, import_foreign_artifacts;
 * none twice. A count is a non-negative integer or a string of digits
 * with "_" between digit groups ("1_000_000"); a size is that, or a
 * string with a unit: B, KB, MB, GB, TB, PB, EB (powers of 10^3) or KiB,
 * MiB, GiB, TiB, PiB, EiB (powers of 2^10): "5TB" = 5·10^12, "5TiB" =
 * 5·2^40. Values must fit in 64 bits.
 *
 * The policy hash (docs/design.md) is the lowercase hex SHA-256 of the JCS
 * form of the policy without its policy_hash member, over the values as
 * written (no normalisation): "5TB" and 5000000000000 hash differently.
 * The checker works on the JSON tree, so any presentation of the model
 * (JSON now, YAML through the same tree) is checked the same way.
 */
#ifndef SIGNET_POLICY_H
#define SIGNET_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

enum sg_capability {
	SG_CAP_STORE_BLOCKS = 1u << 0,
	SG_CAP_PUBLISH_PRIVATE_ENCRYPTED = 1u << 1,
	SG_CAP_IMPORT_FOREIGN_ARTIFACTS = 1u << 2,
};

struct sg_policy {
	unsigned capabilities;
	int has_max_blocks, has_max_bytes;
	uint64_t max_blocks, max_bytes;
	int has_federation, allow_inbound, allow_outbound;
	int has_hash;  /* carried a policy_hash (and it matched) */
	char hash[65]; /* the computed policy hash */
};

/* The capability vocabulary, NULL-terminated, in bit order. */
extern const char *const sg_capability_names[];

/* Checks a policy tree (what names it in messages), including that a
 * carried policy_hash is the computed one, and fills *p. */
int sg_policy_check(const struct sg_json *policy, const char *what, struct sg_policy *p);

/* The checked policy p normalised, as `signet policy check --json`
 * prints it: {"policy_hash", "policy_hash_carried", "capabilities": [..]
 * in bit order, "storage": {"max_blocks", "max_bytes"} (decimal strings,
 * a 64-bit value may exceed the model's integers, or null), "federation":
 * {"allow_inbound", "allow_outbound"}}. NULL (message set) when out of
 * memory; nothing is left. */
struct sg_json *sg_policy_normalised(const struct sg_policy *p);

/* The policy hash alone (no shape check beyond being an object). */
int sg_policy_hash(const struct sg_json *policy, char out[65]);

/* Parses a size (units allowed) or a count (units refused) as a JSON
 * value; what names it in messages. */
int sg_policy_size(const struct sg_json *v, int allow_units, const char *what, uint64_t *out);

#endif
