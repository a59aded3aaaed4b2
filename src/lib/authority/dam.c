#include "dam.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "err.h"
#include "timestamp.h"

int sg_dam_role_valid(const char *role)
{
	if (!*role || strlen(role) > 64)
		return 0;
	for (const char *s = role; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static struct sg_json *signer_key(const uint8_t key[32])
{
	struct sg_json *k = sg_json_new_object();

	if (!k || sg_json_set(k, "type", sg_json_new_string("ed25519")) < 0 ||
	    sg_json_set(k, "encoding", sg_json_new_string("base64")) < 0 ||
	    sg_json_set(k, "value", sg_json_new_key32(key)) < 0) {
		sg_json_free(k);
		return NULL;
	}
	return k;
}

static struct sg_json *time_value(time_t t)
{
	char ts[SG_TIME_LEN + 1];

	if (sg_time_format(t, ts) < 0)
		return NULL;
	return sg_json_new_string(ts);
}

static int check_shape(const struct sg_json *dam, const char *what, uint8_t pub[32], time_t *issued,
		       int *expires, time_t *expires_at);

struct sg_json *sg_dam_build(const struct sg_dam_params *p)
{
	struct sg_json *dam = sg_json_new_object(), *roles, *meta, *keys;
	uint8_t pub[32];
	time_t a, b;
	int e;

	/* sg_json_set() owns what it is given, so each container goes into
	 * the DAM first and is filled after: one free on any failure. */
	if (!dam || sg_json_set(dam, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(dam, "domain_id", sg_json_new_string(p->domain_id)) < 0 ||
	    sg_json_set(dam, "root_public_key", sg_json_new_key32(p->root_public_key)) < 0 ||
	    sg_json_set(dam, "issued_at", time_value(p->issued_at)) < 0 ||
	    sg_json_set(dam, "expires_at",
			p->expires ? time_value(p->expires_at) : sg_json_new_null()) < 0)
		goto fail;
	roles = sg_json_new_array();
	if (sg_json_set(dam, "roles", roles) < 0)
		goto fail;
	for (size_t i = 0; i < p->nroles; i++)
		if (sg_json_append(roles, sg_json_new_string(p->roles[i])) < 0)
			goto fail;
	meta = sg_json_new_object();
	if (sg_json_set(dam, "metadata", meta) < 0 ||
	    sg_json_set(meta, "human_name", sg_json_new_string(p->human_name)) < 0 ||
	    sg_json_set(meta, "dns_claim",
			p->dns_claim ? sg_json_new_string(p->dns_claim) : sg_json_new_null()) < 0)
		goto fail;
	if (p->nsigner_keys) {
		keys = sg_json_new_array();
		if (sg_json_set(dam, "signer_keys", keys) < 0)
			goto fail;
		for (size_t i = 0; i < p->nsigner_keys; i++)
			if (sg_json_append(keys, signer_key(p->signer_keys[i])) < 0)
				goto fail;
	}
	if (check_shape(dam, "new DAM", pub, &a, &e, &b) < 0)
		goto fail;
	return dam;
fail:
	sg_json_free(dam);
	return NULL;
}

struct sg_json *sg_dam_sign(const struct sg_json *dam, const uint8_t seed[32])
{
	struct sg_json *f = sg_json_new_object();

	if (!f || sg_json_set(f, "dam", sg_json_clone(dam)) < 0 ||
	    sg_json_set(f, "dam_signature", sg_signature_make("dam", dam, seed, 0)) < 0) {
		sg_json_free(f);
		return NULL;
	}
	return f;
}

static int check_time(const struct sg_json *dam, const char *key, const char *what, int null_ok,
		      int *present, time_t *t)
{
	int is_null = 0;
	const char *s = sg_obj_string(dam, key, what, null_ok ? &is_null : NULL);

	*present = 0;
	if (is_null)
		return 0;
	if (!s)
		return -1;
	if (sg_time_parse(s, strlen(s), key, t) < 0)
		return sg_fail_prefix(what);
	*present = 1;
	return 0;
}

static int check_roles(const struct sg_json *roles, const char *what)
{
	if (!roles || roles->kind != SG_JSON_ARRAY || roles->u.array.len == 0)
		return sg_fail("%s: roles must be a non-empty array", what);
	for (size_t i = 0; i < roles->u.array.len; i++) {
		size_t len;
		const char *r = sg_json_string(roles->u.array.items[i], &len);

		if (!r || strlen(r) != len || !sg_dam_role_valid(r))
			return sg_fail("%s: roles[%zu] is not a role name ([a-z0-9_]+)", what, i);
		for (size_t k = 0; k < i; k++)
			if (strcmp(r, sg_json_string(roles->u.array.items[k], NULL)) == 0)
				return sg_fail("%s: role \"%s\" is listed twice", what, r);
	}
	return 0;
}

static int check_signer_keys(const struct sg_json *keys, const char *what)
{
	static const char *const req[] = { "type", "encoding", "value", NULL };
	uint8_t k[32];

	if (keys->kind != SG_JSON_ARRAY || keys->u.array.len == 0)
		return sg_fail("%s: signer_keys must be a non-empty array", what);
	for (size_t i = 0; i < keys->u.array.len; i++) {
		const struct sg_json *e = keys->u.array.items[i];
		const char *type, *enc;

		if (sg_obj_members(e, what, req, NULL) < 0)
			return -1;
		type = sg_obj_string(e, "type", what, NULL);
		enc = sg_obj_string(e, "encoding", what, NULL);
		if (!type || !enc)
			return -1;
		if (strcmp(type, "ed25519") != 0 || strcmp(enc, "base64") != 0)
			return sg_fail("%s: signer_keys[%zu] is not an ed25519 key in base64", what,
				       i);
		if (sg_json_key32(sg_json_get(e, "value"), what, k) < 0)
			return -1;
	}
	return 0;
}

static int check_shape(const struct sg_json *dam, const char *what, uint8_t pub[32], time_t *issued,
		       int *expires, time_t *expires_at)
{
	static const char *const req[] = { "version",	"domain_id",  "root_public_key",
					   "issued_at", "expires_at", "roles",
					   "metadata",	NULL };
	static const char *const opt[] = { "signer_keys", NULL };
	static const char *const meta_req[] = { "human_name", "dns_claim", NULL };
	const struct sg_json *meta;
	const char *s;
	int present, is_null;

	if (sg_obj_members(dam, what, req, opt) < 0)
		return -1;
	s = sg_obj_string(dam, "version", what, NULL);
	if (!s)
		return -1;
	if (strcmp(s, "0.1") != 0)
		return sg_fail("%s: unsupported DAM version \"%s\"", what, s);
	s = sg_obj_string(dam, "domain_id", what, NULL);
	if (!s)
		return -1;
	if (!sg_domain_id_valid(s, strlen(s)))
		return sg_fail("%s: domain_id is not a DomainID (52 base32 characters)", what);
	if (sg_json_key32(sg_json_get(dam, "root_public_key"), what, pub) < 0)
		return -1;
	if (check_time(dam, "issued_at", what, 0, &present, issued) < 0 ||
	    check_time(dam, "expires_at", what, 1, expires, expires_at) < 0)
		return -1;
	if (*expires && *expires_at <= *issued)
		return sg_fail("%s: expires_at is not after issued_at", what);
	if (check_roles(sg_json_get(dam, "roles"), what) < 0)
		return -1;
	meta = sg_json_get(dam, "metadata");
	if (sg_obj_members(meta, what, meta_req, NULL) < 0)
		return -1;
	if (!sg_obj_string(meta, "human_name", what, NULL))
		return -1;
	if (!sg_obj_string(meta, "dns_claim", what, &is_null) && !is_null)
		return -1;
	if (sg_json_get(dam, "signer_keys") &&
	    check_signer_keys(sg_json_get(dam, "signer_keys"), what) < 0)
		return -1;
	return 0;
}

enum sg_dam_result sg_dam_verify_parts(const struct sg_json *dam, const struct sg_json *sig,
				       const char *what, time_t now, const char *expect_domain)
{
	char derived[SG_DOMAIN_ID_LEN + 1], ts[SG_TIME_LEN + 1];
	uint8_t pub[32];
	time_t issued, expires_at;
	int expires;
	const char *id;

	if (check_shape(dam, what, pub, &issued, &expires, &expires_at) < 0)
		return SG_DAM_MALFORMED;
	if (sg_signature_check("dam", dam, sig, pub, what) < 0)
		return SG_DAM_BAD_SIGNATURE;
	id = sg_json_string(sg_json_get(dam, "domain_id"), NULL);
	if (sg_domain_id(pub, derived) < 0)
		return SG_DAM_MALFORMED;
	if (strcmp(id, derived) != 0) {
		sg_fail("%s: domain_id %s does not derive from root_public_key (which gives %s)",
			what, id, derived);
		return SG_DAM_DOMAIN_MISMATCH;
	}
	if (expect_domain && strcmp(id, expect_domain) != 0) {
		sg_fail("%s: domain_id %s is not the expected domain %s", what, id, expect_domain);
		return SG_DAM_DOMAIN_MISMATCH;
	}
	if (expires && now >= expires_at) {
		sg_time_format(expires_at, ts);
		sg_fail("%s: DAM expired at %s", what, ts);
		return SG_DAM_EXPIRED;
	}
	if (now < issued) {
		sg_time_format(issued, ts);
		sg_fail("%s: DAM is issued in the future (%s)", what, ts);
		return SG_DAM_EXPIRED;
	}
	return SG_DAM_OK;
}

enum sg_dam_result sg_dam_verify(const struct sg_json *file, const char *what, time_t now,
				 const char *expect_domain)
{
	static const char *const req[] = { "dam", "dam_signature", NULL };

	if (sg_obj_members(file, what, req, NULL) < 0)
		return SG_DAM_MALFORMED;
	return sg_dam_verify_parts(sg_json_get(file, "dam"), sg_json_get(file, "dam_signature"),
				   what, now, expect_domain);
}

enum sg_dam_result sg_dam_verify_file(const char *path, time_t now, const char *expect_domain,
				      struct sg_buf *summary)
{
	struct sg_json *file = NULL;
	const struct sg_json *dam;
	enum sg_dam_result res = SG_DAM_MALFORMED;
	const char *exp;

	if (sg_read_json_file(path, &file) < 0 ||
	    (res = sg_dam_verify(file, path, now, expect_domain)) != SG_DAM_OK)
		goto out;
	dam = sg_json_get(file, "dam");
	exp = sg_json_string(sg_json_get(dam, "expires_at"), NULL);
	if (sg_buf_printf(summary, "%s: valid DAM of domain %s, issued %s, expires %s\n", path,
			  sg_json_string(sg_json_get(dam, "domain_id"), NULL),
			  sg_json_string(sg_json_get(dam, "issued_at"), NULL),
			  exp ? exp : "never") < 0)
		res = SG_DAM_MALFORMED;
out:
	sg_json_free(file);
	return res;
}
