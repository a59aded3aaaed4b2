/* bundle.c - ASL SOPS bundles: seal, inspect, open. */
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "policy.h"
#include "signed.h"
#include "timestamp.h"
#include "yamldoc.h"

#define MAX_DOC ((size_t)64 << 20)
#define REDACTED "<redacted: use --reveal>"

int sg_bundle_node_to_json(const struct sg_sops_node *n, const char *what, struct sg_json **out)
{
	struct sg_json *j = NULL;

	*out = NULL;
	switch (n->kind) {
	case SG_SOPS_NULL: j = sg_json_new_null(); break;
	case SG_SOPS_BOOL: j = sg_json_new_bool(n->boolean); break;
	case SG_SOPS_INT:
		if (n->integer > SG_JSON_MODEL_INT_MAX || n->integer < -SG_JSON_MODEL_INT_MAX)
			return sg_fail("%s: integer %lld is outside the data model (|n| < 2^53)",
				       what, (long long)n->integer);
		j = sg_json_new_int(n->integer);
		break;
	case SG_SOPS_FLOAT: return sg_fail("%s: floats are not in the data model", what);
	case SG_SOPS_STR: j = sg_json_new_stringn(n->str, n->len); break;
	case SG_SOPS_COMMENT: return sg_fail("%s: a comment is not a value", what);
	case SG_SOPS_MAP:
	case SG_SOPS_LIST:
		j = n->kind == SG_SOPS_MAP ? sg_json_new_object() : sg_json_new_array();
		if (!j)
			return -1;
		for (size_t i = 0; i < n->n; i++) {
			const struct sg_sops_item *it = &n->items[i];
			struct sg_json *v;

			if (it->value->kind == SG_SOPS_COMMENT)
				continue; /* comments are presentation, not data */
			if (sg_bundle_node_to_json(it->value, what, &v) < 0) {
				sg_json_free(j);
				return -1;
			}
			if (n->kind == SG_SOPS_MAP ? sg_json_setn(j, it->key, it->key_len, v) < 0
						   : sg_json_append(j, v) < 0) {
				sg_json_free(j);
				return -1;
			}
		}
		break;
	}
	if (!j)
		return -1;
	*out = j;
	return 0;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

int sg_bundle_read_model(const char *path, struct sg_json **out)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_sops_node *doc = NULL;
	int rc;

	*out = NULL;
	if (sg_read_file(path, &text, MAX_DOC) < 0)
		return -1;
	if (has_suffix(path, ".yaml") || has_suffix(path, ".yml")) {
		rc = sg_yaml_read(path, (const char *)text.data, text.len, &doc);
		if (rc == 0)
			rc = sg_bundle_node_to_json(doc, path, out);
		sg_sops_wipe(doc);
	} else {
		rc = sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, out);
		if (rc < 0)
			sg_fail_prefix(path);
	}
	sg_buf_wipe(&text);
	return rc;
}

int sg_uuid4(char out[SG_UUID_LEN + 1])
{
	uint8_t b[16];

	if (sg_random(b, sizeof(b)) < 0)
		return -1;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, SG_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return 0;
}

static int uuid_valid(const char *s)
{
	if (strlen(s) != SG_UUID_LEN)
		return 0;
	for (int i = 0; i < SG_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return 0;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

int sg_bundle_purpose_valid(const char *s)
{
	return !strcmp(s, "admission") || !strcmp(s, "rescue") || !strcmp(s, "recovery");
}

/* A non-negative integer member (days) within the model. */
static int get_count(const struct sg_json *v, const char *what, uint64_t *out)
{
	if (!v || v->kind != SG_JSON_INT || v->u.integer < 0)
		return sg_fail("%s: must be a non-negative integer", what);
	*out = (uint64_t)v->u.integer;
	return 0;
}

/* admission.courtesy_lease: {"requested": {duration_days?,
 * storage_bytes?, encrypted_only?}}. */
static int check_lease(const struct sg_json *lease, const char *what, struct sg_admission_req *r)
{
	static const char *const none[] = { NULL };
	static const char *const lease_req[] = { "requested", NULL };
	static const char *const req_opt[] = { "duration_days", "storage_bytes", "encrypted_only",
					       NULL };
	const struct sg_json *rq = sg_json_get(lease, "requested"), *v;
	char w[256];

	snprintf(w, sizeof(w), "%s: courtesy_lease", what);
	if (sg_obj_members(lease, w, lease_req, none) < 0)
		return -1;
	snprintf(w, sizeof(w), "%s: courtesy_lease.requested", what);
	if (sg_obj_members(rq, w, none, req_opt) < 0)
		return -1;
	r->has_lease = 1;
	if ((v = sg_json_get(rq, "duration_days"))) {
		snprintf(w, sizeof(w), "%s: courtesy_lease.requested.duration_days", what);
		if (get_count(v, w, &r->days) < 0)
			return -1;
		r->has_days = 1;
	}
	if ((v = sg_json_get(rq, "storage_bytes"))) {
		snprintf(w, sizeof(w), "%s: courtesy_lease.requested.storage_bytes", what);
		if (sg_policy_size(v, 1, w, &r->bytes) < 0)
			return -1;
		r->has_bytes = 1;
	}
	if ((v = sg_json_get(rq, "encrypted_only"))) {
		if (v->kind != SG_JSON_BOOL)
			return sg_fail("%s: courtesy_lease.requested.encrypted_only must be a boolean",
				       what);
		r->has_encrypted_only = 1;
		r->encrypted_only = v->u.boolean;
	}
	return 0;
}

/* admission.target_domain: a DomainID or null. */
static int check_target(const struct sg_json *adm, const char *what, struct sg_admission_req *r)
{
	int is_null;

	if (!sg_json_get(adm, "target_domain"))
		return 0;
	r->target_domain = sg_obj_string(adm, "target_domain", what, &is_null);
	if (!r->target_domain && !is_null)
		return -1;
	if (r->target_domain && !sg_domain_id_valid(r->target_domain, strlen(r->target_domain)))
		return sg_fail("%s: target_domain \"%s\" is not a DomainID", what, r->target_domain);
	return 0;
}

int sg_bundle_check_admission(const struct sg_json *adm, const char *what, struct sg_admission_req *r)
{
	static const char *const none[] = { NULL };
	static const char *const opt[] = { "target_domain", "mode", "intent", "courtesy_lease", NULL };
	const struct sg_json *lease;
	int is_null;

	memset(r, 0, sizeof(*r));
	if (sg_obj_members(adm, what, none, opt) < 0 || check_target(adm, what, r) < 0)
		return -1;
	if (sg_json_get(adm, "mode")) {
		const char *m = sg_obj_string(adm, "mode", what, NULL);
		if (!m)
			return -1;
		if (!strcmp(m, "permanent"))
			r->permanent = 1;
		else if (strcmp(m, "courtesy"))
			return sg_fail("%s: mode \"%s\" is not courtesy or permanent", what, m);
	}
	if (sg_json_get(adm, "intent")) {
		r->intent = sg_obj_string(adm, "intent", what, &is_null);
		if (!r->intent && !is_null)
			return -1;
	}
	lease = sg_json_get(adm, "courtesy_lease");
	return lease ? check_lease(lease, what, r) : 0;
}

/* {type: ed25519, encoding: base64, value: <b64>} */
static struct sg_json *key_object(const uint8_t key[32])
{
	struct sg_json *k = sg_json_new_object();

	if (sg_json_set(k, "type", sg_json_new_string("ed25519")) < 0 ||
	    sg_json_set(k, "encoding", sg_json_new_string("base64")) < 0 ||
	    sg_json_set(k, "value", sg_json_new_key32(key)) < 0) {
		sg_json_wipe(k);
		return NULL;
	}
	return k;
}

static int key_object_read(const struct sg_json *k, const char *what, uint8_t out[32])
{
	static const char *const req[] = { "type", "encoding", "value", NULL };
	static const char *const none[] = { NULL };
	const char *t, *e;

	if (sg_obj_members(k, what, req, none) < 0 || !(t = sg_obj_string(k, "type", what, NULL)) ||
	    !(e = sg_obj_string(k, "encoding", what, NULL)))
		return -1;
	if (strcmp(t, "ed25519") || strcmp(e, "base64"))
		return sg_fail("%s: must be an ed25519 key in base64", what);
	return sg_json_key32(sg_json_get(k, "value"), what, out);
}

/* A copy of the policy with policy_hash (recomputed) as its first member. */
static struct sg_json *policy_with_hash(const struct sg_json *policy)
{
	struct sg_policy p;
	struct sg_json *out;

	if (sg_policy_check(policy, "policy", &p) < 0)
		return NULL;
	out = sg_json_new_object();
	if (sg_json_set(out, "policy_hash", sg_json_new_string(p.hash)) < 0)
		goto fail;
	for (size_t i = 0; i < policy->u.object.len; i++) {
		const struct sg_json_member *m = &policy->u.object.members[i];
		if (!strcmp(m->key, "policy_hash"))
			continue;
		if (sg_json_setn(out, m->key, m->key_len, sg_json_clone(m->value)) < 0)
			goto fail;
	}
	return out;
fail:
	sg_json_free(out);
	return NULL;
}

static struct sg_json *build_authority(const struct sg_bundle_seal_params *p)
{
	struct sg_json *a = sg_json_new_object(), *d = sg_json_new_object();
	uint8_t pub[32];

	if (!a || !d || sg_json_set(a, "domain", d) < 0)
		goto fail;
	/* the seed must be the domain's key: never seal a mismatched pair */
	if (sg_ed25519_public(p->root_seed, pub) < 0)
		goto fail;
	if (memcmp(pub, p->root_public_key, 32)) {
		sg_fail("the root private key is not the domain's");
		goto fail;
	}
	if (sg_json_set(d, "domain_id", sg_json_new_string(p->domain_id)) < 0 ||
	    sg_json_set(d, "root_public_key", key_object(p->root_public_key)) < 0 ||
	    sg_json_set(d, "root_private_key", key_object(p->root_seed)) < 0 ||
	    sg_json_set(d, "key_created_at", sg_json_new_string(p->key_created_at)) < 0 ||
	    sg_json_set(a, "dam", sg_json_clone(sg_json_get(p->dam_file, "dam"))) < 0 ||
	    sg_json_set(a, "dam_signature",
			sg_json_clone(sg_json_get(p->dam_file, "dam_signature"))) < 0)
		goto fail;
	if (p->rotation && sg_json_set(a, "rotation", sg_json_clone(p->rotation)) < 0)
		goto fail;
	return a;
fail:
	sg_json_wipe(a);
	return NULL;
}

static struct sg_json *build_optional(const struct sg_bundle_seal_params *p)
{
	struct sg_json *o = sg_json_new_object(), *arts;
	struct sg_buf b64 = SG_BUF_INIT;

	if (!o)
		return NULL;
	if (p->nartifacts) {
		arts = sg_json_new_array();
		if (sg_json_set(o, "artifacts", arts) < 0)
			goto fail;
		for (size_t i = 0; i < p->nartifacts; i++) {
			const struct sg_bundle_artifact *a = &p->artifacts[i];
			struct sg_json *e = sg_json_new_object();
			char hash[65];

			b64.len = 0;
			if (sg_json_append(arts, e) < 0 || sg_sha256_hex(a->data, a->len, hash) < 0 ||
			    sg_b64_encode_buf(&b64, a->data, a->len, SG_B64_PAD) < 0 ||
			    sg_json_set(e, "artifact_id", sg_json_new_string(hash)) < 0 ||
			    sg_json_set(e, "description", sg_json_new_string(a->description)) < 0 ||
			    sg_json_set(e, "encoding", sg_json_new_string("inline-base64")) < 0 ||
			    sg_json_set(e, "content",
					sg_json_new_stringn((const char *)b64.data, b64.len)) < 0)
				goto fail;
		}
	}
	if (p->notes && sg_json_set(o, "notes", sg_json_new_string(p->notes)) < 0)
		goto fail;
	sg_buf_free(&b64);
	return o;
fail:
	sg_buf_free(&b64);
	sg_json_free(o);
	return NULL;
}

static int check_contents(const struct sg_json *c, const char *what);

/* What a seal refuses before building anything. */
static int check_seal_params(const struct sg_bundle_seal_params *p)
{
	struct sg_admission_req req;

	if (!sg_bundle_purpose_valid(p->purpose))
		return sg_fail("purpose \"%s\" is not admission, rescue or recovery", p->purpose);
	if (p->nrecipients == 0)
		return sg_fail("a bundle needs at least one age recipient");
	if (p->admission && sg_bundle_check_admission(p->admission, "admission", &req) < 0)
		return -1;
	return 0;
}

/* The contents: authority (the root private key among it), policy with
 * its hash, the admission request and the optional section. */
static struct sg_json *build_contents(const struct sg_bundle_seal_params *p)
{
	struct sg_json *c = sg_json_new_object();

	if (!c)
		return NULL;
	if (sg_json_set(c, "authority", build_authority(p)) < 0 ||
	    sg_json_set(c, "policy", policy_with_hash(p->policy)) < 0 ||
	    (p->admission && sg_json_set(c, "admission", sg_json_clone(p->admission)) < 0) ||
	    ((p->notes || p->nartifacts) && sg_json_set(c, "optional", build_optional(p)) < 0)) {
		sg_json_wipe(c);
		return NULL;
	}
	return c;
}

/* The document in clear, {"asl_sops_bundle": header and contents},
 * checked as a host will check it. */
static struct sg_json *build_bundle(const struct sg_bundle_seal_params *p, const char *bundle_id,
				    const char *ts)
{
	struct sg_json *bundle = sg_json_new_object(), *hdr = sg_json_new_object();

	if (!bundle || !hdr) {
		sg_json_free(bundle);
		sg_json_free(hdr);
		return NULL;
	}
	if (sg_json_set(bundle, "asl_sops_bundle", hdr) < 0 ||
	    sg_json_set(hdr, "version", sg_json_new_string(SG_BUNDLE_VERSION)) < 0 ||
	    sg_json_set(hdr, "bundle_id", sg_json_new_string(bundle_id)) < 0 ||
	    sg_json_set(hdr, "created_at", sg_json_new_string(ts)) < 0 ||
	    sg_json_set(hdr, "purpose", sg_json_new_string(p->purpose)) < 0 ||
	    sg_json_set(hdr, "domain_id", sg_json_new_string(p->domain_id)) < 0 ||
	    sg_json_set(hdr, "contents", build_contents(p)) < 0)
		goto fail;
	/* what a host will check, checked before anything is encrypted */
	if (check_contents(sg_json_get(hdr, "contents"), "bundle") < 0)
		goto fail;
	return bundle;
fail:
	sg_json_wipe(bundle);
	return NULL;
}

/* bundle as a SOPS YAML document in out: contents encrypted under a
 * fresh data key wrapped to p's recipients. */
static int encrypt_bundle(const struct sg_json *bundle, const struct sg_bundle_seal_params *p,
			  const char *ts, struct sg_buf *out)
{
	struct sg_sops_node *doc = sg_sops_from_json(bundle, SG_SOPS_NUMBERS_MODEL);
	struct sg_sops_meta meta;
	uint8_t key[SG_SOPS_KEY_LEN];
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (doc && sg_sops_meta_set_rule(&meta, &meta.encrypted_regex, "^contents$") == 0 &&
	    sg_random(key, sizeof(key)) == 0 &&
	    sg_sops_wrap_key(&meta, p->recipients, p->nrecipients, key) == 0 &&
	    sg_sops_encrypt(doc, &meta, key, ts) == 0 &&
	    sg_sops_write(SG_SOPS_YAML, doc, &meta, out) == 0)
		rc = 0;
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
	return rc;
}

int sg_bundle_seal(const struct sg_bundle_seal_params *p, struct sg_buf *out,
		   char bundle_id[SG_UUID_LEN + 1])
{
	struct sg_json *bundle;
	char ts[SG_TIME_LEN + 1];
	int rc;

	if (check_seal_params(p) < 0 || sg_uuid4(bundle_id) < 0 || sg_time_format(p->now, ts) < 0)
		return -1;
	bundle = build_bundle(p, bundle_id, ts);
	rc = bundle ? encrypt_bundle(bundle, p, ts, out) : -1;
	sg_json_wipe(bundle);
	return rc;
}

/* Copies a header string member into a fixed buffer. */
static int hdr_string(const struct sg_json *h, const char *key, const char *what, char *out,
		      size_t cap)
{
	const char *s = sg_obj_string(h, key, what, NULL);

	if (!s)
		return -1;
	if (strlen(s) >= cap)
		return sg_fail("%s: %s is too long", what, key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Checks the header (contents aside) and fills h. */
static int check_header(const struct sg_json *hdr, const char *what, struct sg_bundle_header *h)
{
	static const char *const req[] = { "version",	"bundle_id", "created_at", "purpose",
					   "domain_id", "contents",  NULL };
	static const char *const none[] = { NULL };
	time_t t;

	memset(h, 0, sizeof(*h));
	if (sg_obj_members(hdr, what, req, none) < 0 ||
	    hdr_string(hdr, "version", what, h->version, sizeof(h->version)) < 0 ||
	    hdr_string(hdr, "bundle_id", what, h->bundle_id, sizeof(h->bundle_id)) < 0 ||
	    hdr_string(hdr, "created_at", what, h->created_at, sizeof(h->created_at)) < 0 ||
	    hdr_string(hdr, "purpose", what, h->purpose, sizeof(h->purpose)) < 0 ||
	    hdr_string(hdr, "domain_id", what, h->domain_id, sizeof(h->domain_id)) < 0)
		return -1;
	if (strcmp(h->version, SG_BUNDLE_VERSION))
		return sg_fail("%s: version \"%s\" is not %s", what, h->version, SG_BUNDLE_VERSION);
	if (!uuid_valid(h->bundle_id))
		return sg_fail("%s: bundle_id is not a lowercase UUIDv4", what);
	if (sg_time_parse(h->created_at, strlen(h->created_at), "created_at", &t) < 0)
		return sg_fail_prefix(what);
	if (!sg_bundle_purpose_valid(h->purpose))
		return sg_fail("%s: purpose \"%s\" is not admission, rescue or recovery", what,
			       h->purpose);
	if (!sg_domain_id_valid(h->domain_id, strlen(h->domain_id)))
		return sg_fail("%s: domain_id is not a DomainID", what);
	return 0;
}

static const char *const none_members[] = { NULL };

/* contents.authority: the domain (its keys readable), dam,
 * dam_signature, and rotation when rotated. */
static int check_authority(const struct sg_json *a, const char *what)
{
	static const char *const a_req[] = { "domain", "dam", "dam_signature", NULL };
	static const char *const a_opt[] = { "rotation", NULL };
	static const char *const d_req[] = { "domain_id", "root_public_key", "root_private_key",
					     "key_created_at", NULL };
	const struct sg_json *d = sg_json_get(a, "domain");
	uint8_t k[32];
	time_t t;
	const char *s;
	char w[128];
	int rc;

	snprintf(w, sizeof(w), "%s: authority", what);
	if (sg_obj_members(a, w, a_req, a_opt) < 0)
		return -1;
	snprintf(w, sizeof(w), "%s: authority.domain", what);
	if (sg_obj_members(d, w, d_req, none_members) < 0 || !sg_obj_string(d, "domain_id", w, NULL) ||
	    !(s = sg_obj_string(d, "key_created_at", w, NULL)) ||
	    sg_time_parse(s, strlen(s), "key_created_at", &t) < 0)
		return sg_fail_prefix(w);
	snprintf(w, sizeof(w), "%s: authority.domain.root_public_key", what);
	if (key_object_read(sg_json_get(d, "root_public_key"), w, k) < 0)
		return -1;
	snprintf(w, sizeof(w), "%s: authority.domain.root_private_key", what);
	rc = key_object_read(sg_json_get(d, "root_private_key"), w, k);
	sg_wipe(k, sizeof(k));
	return rc;
}

/* contents.optional: notes, and artifacts inline in base64. */
static int check_optional(const struct sg_json *o, const char *what)
{
	static const char *const o_opt[] = { "artifacts", "notes", NULL };
	static const char *const art_req[] = { "artifact_id", "description", "encoding", "content",
					       NULL };
	const struct sg_json *arts;
	const char *s;
	char w[128];

	snprintf(w, sizeof(w), "%s: optional", what);
	if (sg_obj_members(o, w, none_members, o_opt) < 0)
		return -1;
	if (sg_json_get(o, "notes") && !sg_obj_string(o, "notes", w, NULL))
		return -1;
	if (!(arts = sg_json_get(o, "artifacts")))
		return 0;
	if (arts->kind != SG_JSON_ARRAY)
		return sg_fail("%s: optional.artifacts is not a list", what);
	for (size_t i = 0; i < arts->u.array.len; i++) {
		const struct sg_json *e = arts->u.array.items[i];
		snprintf(w, sizeof(w), "%s: optional.artifacts[%zu]", what, i);
		if (sg_obj_members(e, w, art_req, none_members) < 0 ||
		    !sg_obj_string(e, "artifact_id", w, NULL) ||
		    !sg_obj_string(e, "description", w, NULL) ||
		    !(s = sg_obj_string(e, "encoding", w, NULL)) ||
		    !sg_obj_string(e, "content", w, NULL))
			return -1;
		if (strcmp(s, "inline-base64"))
			return sg_fail("%s: encoding \"%s\" is not inline-base64", w, s);
	}
	return 0;
}

/* The shape of the decrypted contents (not the signatures: the host's
 * rules check those one by one). */
static int check_contents(const struct sg_json *c, const char *what)
{
	static const char *const c_req[] = { "authority", "policy", NULL };
	static const char *const c_opt[] = { "admission", "optional", NULL };
	const struct sg_json *adm, *o;
	struct sg_admission_req req;
	char w[128];

	snprintf(w, sizeof(w), "%s: contents", what);
	if (sg_obj_members(c, w, c_req, c_opt) < 0 ||
	    check_authority(sg_json_get(c, "authority"), what) < 0)
		return -1;
	if (sg_json_get(c, "policy")->kind != SG_JSON_OBJECT)
		return sg_fail("%s: policy is not a mapping", what);
	if ((adm = sg_json_get(c, "admission"))) {
		snprintf(w, sizeof(w), "%s: admission", what);
		if (sg_bundle_check_admission(adm, w, &req) < 0)
			return -1;
	}
	o = sg_json_get(c, "optional");
	return o ? check_optional(o, what) : 0;
}

/* The asl_sops_bundle mapping of a document, in the model. */
static int bundle_tree(const char *name, const struct sg_sops_node *doc, struct sg_json **out)
{
	static const char *const req[] = { "asl_sops_bundle", NULL };
	static const char *const none[] = { NULL };
	struct sg_json *j;

	*out = NULL;
	if (sg_bundle_node_to_json(doc, name, &j) < 0)
		return -1;
	if (sg_obj_members(j, name, req, none) < 0) {
		sg_json_wipe(j);
		return -1;
	}
	*out = j;
	return 0;
}

int sg_bundle_inspect(const char *name, const char *text, size_t len, struct sg_bundle_header *h,
		      struct sg_sops_meta *meta)
{
	struct sg_sops_node *doc = NULL;
	struct sg_json *j = NULL;
	int rc = -1;

	if (sg_sops_read_encrypted(SG_SOPS_YAML, name, text, len, &doc, meta) < 0)
		return -1;
	if (!meta->encrypted_regex || strcmp(meta->encrypted_regex, "^contents$")) {
		sg_fail("%s: not a bundle: the SOPS rule must be encrypted_regex ^contents$", name);
		goto out;
	}
	if (bundle_tree(name, doc, &j) < 0 ||
	    check_header(sg_json_get(j, "asl_sops_bundle"), name, h) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		sg_sops_meta_free(meta);
	sg_sops_free(doc);
	sg_json_free(j);
	return rc;
}

int sg_bundle_open(const char *name, const char *text, size_t len,
		   const struct sg_age_identities *ids, struct sg_bundle_header *h,
		   struct sg_json **contents)
{
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta;
	struct sg_json *j = NULL, *hdr;
	uint8_t key[SG_SOPS_KEY_LEN];
	int rc = -1;

	*contents = NULL;
	memset(&meta, 0, sizeof(meta));
	if (sg_sops_read_encrypted(SG_SOPS_YAML, name, text, len, &doc, &meta) < 0)
		return -1;
	if (!meta.encrypted_regex || strcmp(meta.encrypted_regex, "^contents$")) {
		sg_fail("%s: not a bundle: the SOPS rule must be encrypted_regex ^contents$", name);
		goto out;
	}
	if (ids->n == 0) {
		sg_fail("%s: no age identity to decrypt with (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, -i)",
			name);
		goto out;
	}
	if (sg_sops_unwrap_key(&meta, ids, key) < 0 || sg_sops_decrypt(doc, &meta, key) < 0) {
		sg_fail_prefix(name);
		goto out;
	}
	if (bundle_tree(name, doc, &j) < 0)
		goto out;
	hdr = sg_json_get(j, "asl_sops_bundle");
	if (check_header(hdr, name, h) < 0 || check_contents(sg_json_get(hdr, "contents"), name) < 0)
		goto out;
	*contents = sg_json_clone(sg_json_get(hdr, "contents"));
	if (*contents)
		rc = 0;
out:
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
	sg_json_wipe(j);
	return rc;
}

int sg_bundle_redact(struct sg_json *contents)
{
	struct sg_json *k = sg_json_get(sg_json_get(sg_json_get(contents, "authority"), "domain"),
					"root_private_key");

	if (!k)
		return 0;
	return sg_json_set(k, "value", sg_json_new_string(REDACTED));
}

static int identities_from_file(struct sg_age_identities *ids, const char *path)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = sg_read_file(path, &text, 1 << 20);

	if (rc == 0)
		rc = sg_age_identities_parse(ids, path, (const char *)text.data, text.len);
	sg_buf_wipe(&text);
	return rc;
}

int sg_bundle_sops_identities(struct sg_age_identities *ids)
{
	const char *key = getenv("SOPS_AGE_KEY"), *file = getenv("SOPS_AGE_KEY_FILE");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char path[4096];

	if (key && *key && sg_age_identities_parse(ids, "SOPS_AGE_KEY", key, strlen(key)) < 0)
		return -1;
	if (file && *file)
		return identities_from_file(ids, file);
	if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/sops/age/keys.txt", xdg);
	else
		snprintf(path, sizeof(path), "%s/.config/sops/age/keys.txt", home ? home : "");
	if (access(path, F_OK) == 0)
		return identities_from_file(ids, path);
	return 0;
}

/* A bundle file (64 MiB at most) read into text. */
static int read_bundle(const char *path, struct sg_buf *text)
{
	return sg_read_file(path, text, MAX_DOC);
}

static int inspect_text(const char *path, const struct sg_bundle_header *h,
			const struct sg_sops_meta *meta, struct sg_buf *out)
{
	int bad = sg_buf_printf(out,
				"file:         %s\n"
				"format:       ASL SOPS bundle v%s\n"
				"bundle_id:    %s\n"
				"created_at:   %s\n"
				"purpose:      %s\n"
				"domain_id:    %s\n"
				"encrypted:    contents (encrypted_regex %s)\n"
				"sops:         version %s, last modified %s\n"
				"recipients:   %zu\n",
				path, h->version, h->bundle_id, h->created_at, h->purpose,
				h->domain_id, meta->encrypted_regex,
				meta->version ? meta->version : "?",
				meta->lastmodified ? meta->lastmodified : "?", meta->nage) < 0;

	for (size_t i = 0; i < meta->nage && !bad; i++)
		bad = sg_buf_printf(out, "  %s\n", meta->age[i].recipient) < 0;
	if (bad || sg_buf_append_str(out, "MAC:          not verified (needs a recipient's key: "
					  "signet bundle open)\n") < 0)
		return -1;
	return 0;
}

int sg_bundle_inspect_file(const char *path, struct sg_buf *out)
{
	struct sg_bundle_header h;
	struct sg_sops_meta meta;
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (read_bundle(path, &text) == 0 &&
	    sg_bundle_inspect(path, (const char *)text.data, text.len, &h, &meta) == 0)
		rc = inspect_text(path, &h, &meta, out);
	sg_sops_meta_free(&meta);
	sg_buf_free(&text);
	return rc;
}

int sg_bundle_open_file(const char *path, struct sg_age_identities *ids, struct sg_bundle_header *h,
			struct sg_json **contents)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	*contents = NULL;
	if (sg_bundle_sops_identities(ids) == 0 && read_bundle(path, &text) == 0)
		rc = sg_bundle_open(path, (const char *)text.data, text.len, ids, h, contents);
	sg_buf_free(&text);
	return rc;
}

/* The decrypted bundle as a document: header members, then contents
 * (which it takes, in every case). */
static struct sg_json *opened_doc(const struct sg_bundle_header *h, struct sg_json *contents)
{
	struct sg_json *doc = sg_json_new_object(), *b = sg_json_new_object();

	if (sg_json_set(doc, "asl_sops_bundle", b) < 0 ||
	    sg_json_set(b, "version", sg_json_new_string(h->version)) < 0 ||
	    sg_json_set(b, "bundle_id", sg_json_new_string(h->bundle_id)) < 0 ||
	    sg_json_set(b, "created_at", sg_json_new_string(h->created_at)) < 0 ||
	    sg_json_set(b, "purpose", sg_json_new_string(h->purpose)) < 0 ||
	    sg_json_set(b, "domain_id", sg_json_new_string(h->domain_id)) < 0 ||
	    sg_json_set(b, "contents", contents) < 0) {
		sg_json_wipe(doc);
		return NULL;
	}
	return doc;
}

int sg_bundle_open_yaml(const char *path, struct sg_age_identities *ids, int reveal,
			struct sg_buf *out)
{
	struct sg_bundle_header h;
	struct sg_json *contents = NULL, *doc = NULL;
	struct sg_sops_node *node = NULL;
	int rc = -1;

	if (sg_bundle_open_file(path, ids, &h, &contents) < 0 ||
	    (!reveal && sg_bundle_redact(contents) < 0))
		goto out;
	doc = opened_doc(&h, contents);
	contents = NULL;
	if (doc && (node = sg_sops_from_json(doc, SG_SOPS_NUMBERS_MODEL)) &&
	    sg_yaml_write(node, out) == 0)
		rc = 0;
out:
	sg_json_wipe(contents);
	sg_json_wipe(doc);
	sg_sops_wipe(node);
	return rc;
}
