#include "policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "signed.h"

const char *const sg_capability_names[] = {
	"store_blocks",
	"publish_private_encrypted",
	"import_foreign_artifacts",
	NULL,
};

struct unit {
	const char *name;
	uint64_t factor;
};

static const struct unit units[] = {
	{ "B", 1ull },
	{ "KB", 1000ull },
	{ "MB", 1000000ull },
	{ "GB", 1000000000ull },
	{ "TB", 1000000000000ull },
	{ "PB", 1000000000000000ull },
	{ "EB", 1000000000000000000ull },
	{ "KiB", 1ull << 10 },
	{ "MiB", 1ull << 20 },
	{ "GiB", 1ull << 30 },
	{ "TiB", 1ull << 40 },
	{ "PiB", 1ull << 50 },
	{ "EiB", 1ull << 60 },
};

int sg_policy_size(const struct sg_json *v, int allow_units, const char *what, uint64_t *out)
{
	const char *s, *p;
	uint64_t n = 0, factor = 1;
	size_t len;
	int digits = 0;

	if (v->kind == SG_JSON_INT) {
		if (v->u.integer < 0)
			return sg_fail("%s: negative", what);
		*out = (uint64_t)v->u.integer;
		return 0;
	}
	s = sg_json_string(v, &len);
	if (!s || strlen(s) != len)
		return sg_fail("%s: neither an integer nor a string", what);
	for (p = s; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return sg_fail("%s: \"%s\" does not fit in 64 bits", what, s);
			n = n * 10 + (uint64_t)(*p - '0');
			digits++;
		} else if (*p == '_' && digits && p[1] >= '0' && p[1] <= '9') {
			continue;
		} else {
			break;
		}
	}
	if (!digits)
		return sg_fail("%s: \"%s\" does not start with a number", what, s);
	if (*p) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(p, units[i].name) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return sg_fail("%s: \"%s\" has an unknown unit \"%s\" (B, KB..EB, KiB..EiB)",
				       what, s, p);
		if (!allow_units)
			return sg_fail("%s: \"%s\" is a count and takes no unit", what, s);
		factor = units[i].factor;
	}
	if (n && factor > UINT64_MAX / n)
		return sg_fail("%s: \"%s\" does not fit in 64 bits", what, s);
	*out = n * factor;
	return 0;
}

int sg_policy_hash(const struct sg_json *policy, char out[65])
{
	struct sg_json *copy;
	struct sg_buf b = SG_BUF_INIT;
	int rc = -1;

	if (!policy || policy->kind != SG_JSON_OBJECT)
		return sg_fail("policy is not an object");
	copy = sg_json_clone(policy);
	if (!copy)
		return -1;
	sg_json_remove(copy, "policy_hash");
	if (sg_json_canonical(copy, &b) == 0)
		rc = sg_sha256_hex(b.data, b.len, out);
	sg_json_free(copy);
	sg_buf_free(&b);
	return rc;
}

static int check_capabilities(const struct sg_json *caps, const char *what, unsigned *bits)
{
	*bits = 0;
	if (!caps || caps->kind != SG_JSON_ARRAY)
		return sg_fail("%s: requested_capabilities is not an array", what);
	for (size_t i = 0; i < caps->u.array.len; i++) {
		size_t len, k;
		const char *c = sg_json_string(caps->u.array.items[i], &len);

		if (!c)
			return sg_fail("%s: requested_capabilities[%zu] is not a string", what, i);
		for (k = 0; sg_capability_names[k]; k++)
			if (strlen(sg_capability_names[k]) == len &&
			    memcmp(sg_capability_names[k], c, len) == 0)
				break;
		if (!sg_capability_names[k])
			return sg_fail("%s: unknown capability \"%s\"", what, c);
		if (*bits & (1u << k))
			return sg_fail("%s: capability \"%s\" is requested twice", what, c);
		*bits |= 1u << k;
	}
	return 0;
}

static int check_bool(const struct sg_json *o, const char *key, const char *what, int *out)
{
	const struct sg_json *v = sg_json_get(o, key);

	if (v->kind != SG_JSON_BOOL)
		return sg_fail("%s: federation.%s is not a boolean", what, key);
	*out = v->u.boolean;
	return 0;
}

int sg_policy_check(const struct sg_json *policy, const char *what, struct sg_policy *p)
{
	static const char *const req[] = { "requested_capabilities", NULL };
	static const char *const opt[] = { "policy_hash", "requested_storage", "federation", NULL };
	static const char *const storage_opt[] = { "max_blocks", "max_bytes", NULL };
	static const char *const fed_req[] = { "allow_inbound", "allow_outbound", NULL };
	const struct sg_json *v;
	char w[512];

	memset(p, 0, sizeof(*p));
	if (sg_obj_members(policy, what, req, opt) < 0 ||
	    check_capabilities(sg_json_get(policy, "requested_capabilities"), what,
			       &p->capabilities) < 0)
		return -1;
	v = sg_json_get(policy, "requested_storage");
	if (v) {
		snprintf(w, sizeof(w), "%s: requested_storage", what);
		if (sg_obj_members(v, w, NULL, storage_opt) < 0)
			return -1;
		if (sg_json_get(v, "max_blocks")) {
			snprintf(w, sizeof(w), "%s: requested_storage.max_blocks", what);
			if (sg_policy_size(sg_json_get(v, "max_blocks"), 0, w, &p->max_blocks) < 0)
				return -1;
			p->has_max_blocks = 1;
		}
		if (sg_json_get(v, "max_bytes")) {
			snprintf(w, sizeof(w), "%s: requested_storage.max_bytes", what);
			if (sg_policy_size(sg_json_get(v, "max_bytes"), 1, w, &p->max_bytes) < 0)
				return -1;
			p->has_max_bytes = 1;
		}
	}
	v = sg_json_get(policy, "federation");
	if (v) {
		snprintf(w, sizeof(w), "%s: federation", what);
		if (sg_obj_members(v, w, fed_req, NULL) < 0 ||
		    check_bool(v, "allow_inbound", what, &p->allow_inbound) < 0 ||
		    check_bool(v, "allow_outbound", what, &p->allow_outbound) < 0)
			return -1;
		p->has_federation = 1;
	}
	if (sg_policy_hash(policy, p->hash) < 0)
		return sg_fail_prefix(what);
	v = sg_json_get(policy, "policy_hash");
	if (v) {
		size_t len;
		const char *h = sg_json_string(v, &len);

		if (!h)
			return sg_fail("%s: policy_hash is not a string", what);
		if (len != 64 || strcmp(h, p->hash) != 0)
			return sg_fail("%s: policy_hash %s does not match the policy (its hash is %s)",
				       what, h, p->hash);
		p->has_hash = 1;
	}
	return 0;
}

/* A 64-bit value as a decimal string, or null when absent. */
static struct sg_json *u64_or_null(int has, uint64_t v)
{
	char b[24];

	if (!has)
		return sg_json_new_null();
	snprintf(b, sizeof(b), "%" PRIu64, v);
	return sg_json_new_string(b);
}

struct sg_json *sg_policy_normalised(const struct sg_policy *p)
{
	struct sg_json *out = sg_json_new_object(), *caps = sg_json_new_array(), *st, *fed;
	int ok = sg_json_set(out, "policy_hash", sg_json_new_string(p->hash)) == 0 &&
		 sg_json_set(out, "policy_hash_carried", sg_json_new_bool(p->has_hash)) == 0;

	if (!ok || sg_json_set(out, "capabilities", caps) < 0) {
		if (!ok)
			sg_json_free(caps);
		sg_json_free(out);
		return NULL;
	}
	for (size_t i = 0; ok && sg_capability_names[i]; i++)
		if ((p->capabilities & (1u << i)) &&
		    sg_json_append(caps, sg_json_new_string(sg_capability_names[i])) < 0)
			ok = 0;
	if (!ok || sg_json_set(out, "storage", st = sg_json_new_object()) < 0 ||
	    sg_json_set(st, "max_blocks", u64_or_null(p->has_max_blocks, p->max_blocks)) < 0 ||
	    sg_json_set(st, "max_bytes", u64_or_null(p->has_max_bytes, p->max_bytes)) < 0 ||
	    sg_json_set(out, "federation", fed = sg_json_new_object()) < 0 ||
	    sg_json_set(fed, "allow_inbound",
			sg_json_new_bool(p->has_federation && p->allow_inbound)) < 0 ||
	    sg_json_set(fed, "allow_outbound",
			sg_json_new_bool(p->has_federation && p->allow_outbound)) < 0) {
		sg_json_free(out);
		return NULL;
	}
	return out;
}
