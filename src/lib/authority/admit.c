/* admit.c - host-side admission of ASL SOPS bundles. */
#include "admit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dam.h"
#include "domain.h"
#include "err.h"
#include "fileio.h"
#include "path.h"
#include "policy.h"
#include "timestamp.h"
#include "txn.h"

#define MAX_LEDGER ((size_t)64 << 20)
#define MAX_FILE ((size_t)16 << 20)

static int is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static int copy_member(const struct sg_json *o, const char *key, const char *what, char *out,
		       size_t cap)
{
	const char *s = sg_obj_string(o, key, what, NULL);
	size_t len = 0;

	if (!s)
		return -1;
	/* a NUL inside the string would cut it short: refused */
	if (!sg_json_string(sg_json_get(o, key), &len) || len >= cap || strlen(s) != len)
		return sg_fail("%s: %s has the wrong length", what, key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int ledger_line(const char *what, const char *line, size_t len, struct sg_ledger_entry *e)
{
	static const char *const req[] = { "admitted_at", "bundle_id", "domain_id", "policy_hash",
					   NULL };
	struct sg_json *j = NULL;
	struct sg_buf canon = SG_BUF_INIT;
	time_t t;
	int rc = -1;

	if (sg_json_parse_flags(line, len, SG_JSON_MODEL, &j) < 0) {
		sg_fail_prefix(what);
		goto out;
	}
	if (sg_json_canonical(j, &canon) < 0 || canon.len != len || memcmp(canon.data, line, len)) {
		sg_fail("%s: not in canonical form", what);
		goto out;
	}
	if (sg_obj_members(j, what, req, NULL) < 0 ||
	    copy_member(j, "admitted_at", what, e->admitted_at, sizeof(e->admitted_at)) < 0 ||
	    copy_member(j, "bundle_id", what, e->bundle_id, sizeof(e->bundle_id)) < 0 ||
	    copy_member(j, "domain_id", what, e->domain_id, sizeof(e->domain_id)) < 0 ||
	    copy_member(j, "policy_hash", what, e->policy_hash, sizeof(e->policy_hash)) < 0)
		goto out;
	if (sg_time_parse(e->admitted_at, strlen(e->admitted_at), "admitted_at", &t) < 0) {
		sg_fail_prefix(what);
		goto out;
	}
	if (strlen(e->bundle_id) != SG_UUID_LEN ||
	    !sg_domain_id_valid(e->domain_id, strlen(e->domain_id)) || !is_hex64(e->policy_hash)) {
		sg_fail("%s: malformed bundle_id, domain_id or policy_hash", what);
		goto out;
	}
	rc = 0;
out:
	sg_json_free(j);
	sg_buf_free(&canon);
	return rc;
}

int sg_admit_ledger_parse(const char *name, const char *text, size_t len,
			  struct sg_ledger_entry **out, size_t *n)
{
	struct sg_ledger_entry *v = NULL;
	size_t cnt = 0, line = 0, pos = 0;

	*out = NULL;
	*n = 0;
	if (len && text[len - 1] != '\n')
		return sg_fail("%s: does not end with a newline", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = (size_t)(nl - (text + pos));
		struct sg_ledger_entry *nv;
		char what[512];

		line++;
		snprintf(what, sizeof(what), "%s: line %zu", name, line);
		if (!(nv = realloc(v, (cnt + 1) * sizeof(*v)))) {
			free(v);
			return sg_fail("out of memory");
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		if (ledger_line(what, text + pos, l, &v[cnt]) < 0) {
			free(v);
			return -1;
		}
		cnt++;
		pos += l + 1;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* The ledger of a host root (empty when there is none yet). The caller
 * holds the host root's lock, shared or in a transaction. */
static int ledger_read(const char *host_root, struct sg_ledger_entry **out, size_t *n)
{
	struct sg_buf text = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (sg_path_join(path, sizeof(path), host_root, "admission/ledger") < 0)
		return -1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (sg_read_file(path, &text, MAX_LEDGER) == 0)
		rc = sg_admit_ledger_parse(path, (const char *)text.data, text.len, out, n);
	sg_buf_free(&text);
	return rc;
}

static const char *key_value(const struct sg_json *contents, const char *which)
{
	return sg_json_string(sg_json_get(sg_json_get(sg_json_get(sg_json_get(contents, "authority"),
								  "domain"),
						      which),
					  "value"),
			      NULL);
}

/* Rule 7: the lease the host grants, within its limits or refused. */
static enum sg_admit_result lease_rule(const struct sg_admit_limits *lim, struct sg_admit_plan *p)
{
	const struct sg_admission_req *r = &p->req;

	if (r->permanent) {
		if (!lim->allow_permanent) {
			sg_fail("bundle %s asks for permanent admission; this host offers courtesy "
				"leases only (--permanent to offer it)",
				p->h.bundle_id);
			return SG_ADMIT_LEASE;
		}
		p->lease_days = 0;
	} else {
		p->lease_days = r->has_days ? r->days : lim->max_days;
		if (r->has_days && r->days == 0) {
			sg_fail("bundle %s: courtesy lease of 0 days", p->h.bundle_id);
			return SG_ADMIT_LEASE;
		}
		if (p->lease_days > lim->max_days) {
			sg_fail("bundle %s: courtesy lease of %llu days exceeds this host's limit of "
				"%llu days",
				p->h.bundle_id, (unsigned long long)p->lease_days,
				(unsigned long long)lim->max_days);
			return SG_ADMIT_LEASE;
		}
	}
	if (r->has_bytes) {
		if (lim->has_max_bytes && r->bytes > lim->max_bytes) {
			sg_fail("bundle %s: lease of %llu bytes exceeds this host's limit of %llu bytes",
				p->h.bundle_id, (unsigned long long)r->bytes,
				(unsigned long long)lim->max_bytes);
			return SG_ADMIT_LEASE;
		}
		p->has_lease_bytes = 1;
		p->lease_bytes = r->bytes;
	} else if (lim->has_max_bytes) {
		p->has_lease_bytes = 1;
		p->lease_bytes = lim->max_bytes;
	}
	if (p->has_lease_bytes && p->lease_bytes > (uint64_t)SG_JSON_MODEL_INT_MAX) {
		sg_fail("bundle %s: lease of %llu bytes is beyond what a host records (2^53 - 1)",
			p->h.bundle_id, (unsigned long long)p->lease_bytes);
		return SG_ADMIT_LEASE;
	}
	p->encrypted_only = r->has_encrypted_only ? r->encrypted_only : 0;
	return SG_ADMIT_OK;
}

/* The DAM file the host stored for an admitted domain, or NULL. */
static struct sg_json *stored_dam(const char *host_root, const char *id)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_json *j = NULL;
	char *path;

	if (asprintf(&path, "%s/domains/%s/dam/dam.json", host_root, id) < 0)
		return NULL;
	if (sg_read_file(path, &text, MAX_FILE) == 0 &&
	    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, &j) < 0)
		j = NULL;
	sg_buf_free(&text);
	free(path);
	return j;
}

/* The domain that superseded id on this host, or "" (sup holds it). */
static int superseded_by(const char *host_root, const char *id, char sup[SG_DOMAIN_ID_LEN + 1])
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_json *j = NULL;
	const char *s;
	char *path;
	int rc = 0;

	sup[0] = 0;
	if (asprintf(&path, "%s/admission/leases/%s.json", host_root, id) < 0)
		return sg_fail("out of memory");
	if (access(path, F_OK) == 0) {
		if (sg_read_file(path, &text, MAX_FILE) < 0 ||
		    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, &j) < 0)
			rc = sg_fail("%s: cannot read the lease", path);
		else if ((s = sg_json_string(sg_json_get(sg_json_get(j, "lease"), "superseded_by"),
					     NULL)))
			snprintf(sup, SG_DOMAIN_ID_LEN + 1, "%s", s);
	}
	sg_buf_free(&text);
	sg_json_free(j);
	free(path);
	return rc;
}

static enum sg_admit_result rotation_rule(const char *host_root, const struct sg_admit_plan *p,
					  char rotated_from[SG_DOMAIN_ID_LEN + 1])
{
	const struct sg_json *r;
	struct sg_json *old;
	const char *from, *old_key, *stmt_key;
	char to[SG_DOMAIN_ID_LEN + 1], sup[SG_DOMAIN_ID_LEN + 1];
	int same;

	rotated_from[0] = 0;
	/* a key rotated away from is not admitted again */
	if (superseded_by(host_root, p->domain_id, sup) < 0)
		return SG_ADMIT_ERROR;
	if (sup[0]) {
		sg_fail("bundle: domain %s was rotated to %s on this host; its old key is not "
			"admitted again",
			p->domain_id, sup);
		return SG_ADMIT_ROTATION;
	}
	if (!p->rotation)
		return SG_ADMIT_OK;
	if (sg_rotation_verify(p->rotation, "bundle: authority.rotation", NULL, to) < 0)
		return SG_ADMIT_ROTATION;
	if (strcmp(to, p->domain_id)) {
		sg_fail("bundle: authority.rotation rotates to %s, not to this domain %s", to,
			p->domain_id);
		return SG_ADMIT_ROTATION;
	}
	r = sg_json_get(p->rotation, "rotation");
	from = sg_json_string(sg_json_get(r, "from_domain_id"), NULL);
	stmt_key = sg_json_string(sg_json_get(r, "from_root_public_key"), NULL);
	old = stored_dam(host_root, from);
	if (!old) {
		sg_fail("bundle: rotated from %s, which this host has not admitted: a rotated "
			"domain needs the cross-signature of a key this host admitted",
			from);
		return SG_ADMIT_ROTATION;
	}
	old_key = sg_json_string(sg_json_get(sg_json_get(old, "dam"), "root_public_key"), NULL);
	same = old_key && stmt_key && !strcmp(old_key, stmt_key);
	sg_json_free(old);
	if (!same) {
		sg_fail("bundle: the rotation is cross-signed by a key other than the one this host "
			"admitted for %s",
			from);
		return SG_ADMIT_ROTATION;
	}
	snprintf(rotated_from, SG_DOMAIN_ID_LEN + 1, "%s", from);
	return SG_ADMIT_OK;
}

static enum sg_admit_result replay_rule(const char *host_root, const struct sg_admit_plan *p)
{
	struct sg_ledger_entry *v;
	size_t n;

	if (ledger_read(host_root, &v, &n) < 0)
		return SG_ADMIT_ERROR;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].bundle_id, p->h.bundle_id)) {
			sg_fail("replay: bundle %s was already admitted at %s", p->h.bundle_id,
				v[i].admitted_at);
			free(v);
			return SG_ADMIT_REPLAY;
		}
		if (!strcmp(v[i].domain_id, p->domain_id) &&
		    !strcmp(v[i].policy_hash, p->policy_hash)) {
			sg_fail("replay: domain %s with policy %s was already admitted at %s "
				"(bundle %s)",
				p->domain_id, p->policy_hash, v[i].admitted_at, v[i].bundle_id);
			free(v);
			return SG_ADMIT_REPLAY;
		}
	}
	free(v);
	return SG_ADMIT_OK;
}

#define COMMON_FILE "admission/common_domain"

/* The host's Common domain: 1 and common set, 0 when none is set. The
 * caller holds the host root's lock. */
static int read_common(const char *host_root, char common[SG_DOMAIN_ID_LEN + 1])
{
	struct sg_buf text = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1;

	common[0] = 0;
	if (sg_path_join(path, sizeof(path), host_root, COMMON_FILE) < 0)
		return -1;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		rc = 0;
	} else if (sg_read_file(path, &text, 4096) == 0) {
		if (text.len != SG_DOMAIN_ID_LEN + 1 || text.data[SG_DOMAIN_ID_LEN] != '\n' ||
		    !sg_domain_id_valid((const char *)text.data, SG_DOMAIN_ID_LEN)) {
			sg_fail("%s: not a DomainID and a newline", path);
		} else {
			memcpy(common, text.data, SG_DOMAIN_ID_LEN);
			common[SG_DOMAIN_ID_LEN] = 0;
			rc = 1;
		}
	}
	sg_buf_free(&text);
	return rc;
}

/* Rule 20: the bundle is addressed to this host's Common domain. */
static enum sg_admit_result target_rule(const char *host_root, const struct sg_admit_plan *p)
{
	char common[SG_DOMAIN_ID_LEN + 1];
	int set = read_common(host_root, common);

	if (set < 0)
		return SG_ADMIT_ERROR;
	if (!set) {
		sg_fail("host root %s has no Common domain set (signet host init --common "
			"DOMAINID), so bundle %s cannot be checked against its target",
			host_root, p->h.bundle_id);
		return SG_ADMIT_TARGET;
	}
	if (!p->req.target_domain) {
		sg_fail("bundle %s names no admission.target_domain; this host admits only into "
			"its Common domain %s",
			p->h.bundle_id, common);
		return SG_ADMIT_TARGET;
	}
	if (strcmp(p->req.target_domain, common)) {
		sg_fail("bundle %s targets domain %s, not this host's Common domain %s",
			p->h.bundle_id, p->req.target_domain, common);
		return SG_ADMIT_TARGET;
	}
	return SG_ADMIT_OK;
}

/* The rules that read the host root (20, 18, 19, in that order); the
 * caller holds its lock. */
static enum sg_admit_result host_rules(const char *host_root, const struct sg_admit_plan *p,
				       char rotated_from[SG_DOMAIN_ID_LEN + 1])
{
	enum sg_admit_result res = target_rule(host_root, p);

	rotated_from[0] = 0;
	if (res == SG_ADMIT_OK)
		res = replay_rule(host_root, p);
	if (res == SG_ADMIT_OK)
		res = rotation_rule(host_root, p, rotated_from);
	return res;
}

/* What the rules of sg_admit_evaluate read besides the plan. */
struct admit_eval {
	const char *host_root;
	const struct sg_json *contents;
	const struct sg_admit_limits *lim;
	sg_admit_confirm_fn confirm;
	void *ctx;
	char *expired_msg;		    /* the DAM has expired: refused after rule 7 */
	char derived[SG_DOMAIN_ID_LEN + 1]; /* from the root public key */
};

/* Rule 2: the DAM signature, by the key the DAM carries. An expired
 * DAM is refused later (after the section 9 rules), with this reason. */
static enum sg_admit_result dam_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	switch (sg_dam_verify_parts(p->dam, p->dam_signature, "bundle: authority.dam", p->now, NULL)) {
	case SG_DAM_MALFORMED:
	case SG_DAM_BAD_SIGNATURE: return SG_ADMIT_DAM_SIGNATURE;
	case SG_DAM_DOMAIN_MISMATCH: return SG_ADMIT_DOMAIN_ID;
	case SG_DAM_EXPIRED:
		if (!(e->expired_msg = strdup(sg_errmsg())))
			return SG_ADMIT_ERROR;
		sg_errclear();
		return SG_ADMIT_OK;
	case SG_DAM_OK: break;
	}
	return SG_ADMIT_OK;
}

/* Rule 3: the DomainID recomputed from the root public key. */
static enum sg_admit_result domain_id_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	const struct sg_json *dom = sg_json_get(sg_json_get(e->contents, "authority"), "domain");
	const char *dom_id = sg_json_string(sg_json_get(dom, "domain_id"), NULL);
	uint8_t pub[32];

	(void)p;
	if (!key_value(e->contents, "root_public_key") || !dom_id ||
	    sg_json_key32(sg_json_get(sg_json_get(dom, "root_public_key"), "value"),
			  "bundle: authority.domain.root_public_key", pub) < 0 ||
	    sg_domain_id(pub, e->derived) < 0)
		return SG_ADMIT_ERROR;
	if (strcmp(e->derived, dom_id)) {
		sg_fail("bundle: authority.domain.domain_id %s does not derive from its "
			"root_public_key (which gives %s)",
			dom_id, e->derived);
		return SG_ADMIT_DOMAIN_ID;
	}
	return SG_ADMIT_OK;
}

/* Rule 4: one DomainID everywhere. */
static enum sg_admit_result domain_match_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	const char *dam_id = sg_json_string(sg_json_get(p->dam, "domain_id"), NULL);

	if (strcmp(p->h.domain_id, e->derived)) {
		sg_fail("bundle: the header's domain_id %s is not the root key's DomainID %s",
			p->h.domain_id, e->derived);
		return SG_ADMIT_DOMAIN_MATCH;
	}
	if (strcmp(dam_id, e->derived)) {
		sg_fail("bundle: the DAM's domain_id %s is not the root key's DomainID %s", dam_id,
			e->derived);
		return SG_ADMIT_DOMAIN_MATCH;
	}
	memcpy(p->domain_id, e->derived, sizeof(p->domain_id));
	return SG_ADMIT_OK;
}

/* Rule 5: the policy is valid and carries its own hash. */
static enum sg_admit_result policy_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	struct sg_policy pol;

	(void)e;
	if (sg_policy_check(p->policy, "bundle: policy", &pol) < 0)
		return SG_ADMIT_POLICY_HASH;
	if (!pol.has_hash) {
		sg_fail("bundle: policy carries no policy_hash");
		return SG_ADMIT_POLICY_HASH;
	}
	memcpy(p->policy_hash, pol.hash, sizeof(p->policy_hash));
	return SG_ADMIT_OK;
}

/* Rule 6, its first half: an admission intent is there (confirm_rule
 * asks for it last). */
static enum sg_admit_result intent_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	const struct sg_json *adm = sg_json_get(e->contents, "admission");
	const char *exp;

	if (adm && sg_bundle_check_admission(adm, "bundle: admission", &p->req) < 0)
		return SG_ADMIT_INTENT;
	if (!p->req.intent || !p->req.intent[strspn(p->req.intent, " \t\r\n")]) {
		sg_fail("bundle %s carries no admission intent: refused", p->h.bundle_id);
		return SG_ADMIT_INTENT;
	}
	exp = sg_json_string(sg_json_get(p->dam, "expires_at"), NULL);
	if (exp)
		snprintf(p->dam_expires_at, sizeof(p->dam_expires_at), "%s", exp);
	return SG_ADMIT_OK;
}

/* Rule 7 as the table takes it. */
static enum sg_admit_result limits_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	return lease_rule(e->lim, p);
}

/* Rule 17: the DAM had expired (found by dam_rule). */
static enum sg_admit_result expiry_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	(void)p;
	if (!e->expired_msg)
		return SG_ADMIT_OK;
	sg_fail("%s", e->expired_msg);
	return SG_ADMIT_EXPIRED;
}

/* Rules 20, 18 and 19: the host root as it is, read under its shared
 * lock, which is not held while a person reads the intent. */
static enum sg_admit_result host_root_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	enum sg_admit_result res;
	int lock = -1;

	if (sg_txn_read_begin(e->host_root, &lock) < 0)
		return SG_ADMIT_ERROR;
	res = host_rules(e->host_root, p, p->rotated_from);
	sg_txn_read_end(&lock);
	return res;
}

/* Rule 6, its second half: the intent is shown and confirmed once
 * nothing else stands in the way, so nobody confirms a bundle that is
 * then refused. */
static enum sg_admit_result confirm_rule(struct admit_eval *e, struct sg_admit_plan *p)
{
	int yes = e->confirm ? e->confirm(p, e->ctx) : 0;

	if (yes < 0)
		return SG_ADMIT_ERROR;
	if (!yes) {
		sg_fail("bundle %s: admission intent not confirmed", p->h.bundle_id);
		return SG_ADMIT_INTENT;
	}
	return SG_ADMIT_OK;
}

/* The rules in admit.h's order; the first broken one stops. */
static enum sg_admit_result (*const admit_rules[])(struct admit_eval *, struct sg_admit_plan *) = {
	dam_rule,    domain_id_rule, domain_match_rule, policy_rule,  intent_rule,
	limits_rule, expiry_rule,    host_root_rule,	confirm_rule,
};

enum sg_admit_result sg_admit_evaluate(const char *host_root, const struct sg_bundle_header *h,
				       const struct sg_json *contents,
				       const struct sg_admit_limits *lim, time_t now,
				       sg_admit_confirm_fn confirm, void *ctx,
				       struct sg_admit_plan *p)
{
	const struct sg_json *auth = sg_json_get(contents, "authority");
	struct admit_eval e = { host_root, contents, lim, confirm, ctx, NULL, "" };
	enum sg_admit_result res = SG_ADMIT_OK;

	memset(p, 0, sizeof(*p));
	p->h = *h;
	p->now = now;
	p->dam = sg_json_get(auth, "dam");
	p->dam_signature = sg_json_get(auth, "dam_signature");
	p->rotation = sg_json_get(auth, "rotation");
	p->policy = sg_json_get(contents, "policy");
	for (size_t i = 0; res == SG_ADMIT_OK && i < sizeof(admit_rules) / sizeof(admit_rules[0]); i++)
		res = admit_rules[i](&e, p);
	free(e.expired_msg);
	return res;
}

/* Stages j as JCS plus a newline at rel. */
static int stage_json(struct sg_txn *t, const char *rel, const struct sg_json *j, mode_t mode)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	if (sg_json_canonical(j, &text) == 0 && sg_buf_append_byte(&text, '\n') == 0)
		rc = sg_txn_write(t, rel, text.data, text.len, mode);
	sg_buf_free(&text);
	return rc;
}

/* Stages j at the path a || b || c. */
static int stage_json_at(struct sg_txn *t, const struct sg_json *j, mode_t mode, const char *a,
			 const char *b, const char *c)
{
	char *rel;
	int rc;

	if (asprintf(&rel, "%s%s%s", a, b, c) < 0)
		return sg_fail("out of memory");
	rc = stage_json(t, rel, j, mode);
	free(rel);
	return rc;
}

static struct sg_json *str_or_null(const char *s)
{
	return s && *s ? sg_json_new_string(s) : sg_json_new_null();
}

static struct sg_json *lease_object(const struct sg_admit_plan *p, const char *granted)
{
	struct sg_json *l = sg_json_new_object();
	char ts[SG_TIME_LEN + 1] = "";

	if (p->lease_days && sg_time_format(p->now + (time_t)p->lease_days * 86400, ts) < 0) {
		sg_json_free(l);
		return NULL;
	}
	if (sg_json_set(l, "domain_id", sg_json_new_string(p->domain_id)) < 0 ||
	    sg_json_set(l, "bundle_id", sg_json_new_string(p->h.bundle_id)) < 0 ||
	    sg_json_set(l, "mode", sg_json_new_string(p->req.permanent ? "permanent" : "courtesy")) <
		    0 ||
	    sg_json_set(l, "granted_at", sg_json_new_string(granted)) < 0 ||
	    sg_json_set(l, "duration_days",
			p->lease_days ? sg_json_new_int((int64_t)p->lease_days)
				      : sg_json_new_null()) < 0 ||
	    sg_json_set(l, "expires_at", str_or_null(ts)) < 0 ||
	    sg_json_set(l, "storage_bytes",
			p->has_lease_bytes ? sg_json_new_int((int64_t)p->lease_bytes)
					   : sg_json_new_null()) < 0 ||
	    sg_json_set(l, "encrypted_only", sg_json_new_bool(p->encrypted_only)) < 0 ||
	    sg_json_set(l, "dam_expires_at", str_or_null(p->dam_expires_at)) < 0 ||
	    sg_json_set(l, "superseded_by", sg_json_new_null()) < 0) {
		sg_json_free(l);
		return NULL;
	}
	return l;
}

static struct sg_json *record_object(const struct sg_admit_plan *p, const char *now)
{
	struct sg_json *f = sg_json_new_object(), *r = sg_json_new_object();

	if (sg_json_set(f, "admission", r) < 0 ||
	    sg_json_set(r, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(r, "bundle_id", sg_json_new_string(p->h.bundle_id)) < 0 ||
	    sg_json_set(r, "bundle_created_at", sg_json_new_string(p->h.created_at)) < 0 ||
	    sg_json_set(r, "purpose", sg_json_new_string(p->h.purpose)) < 0 ||
	    sg_json_set(r, "domain_id", sg_json_new_string(p->domain_id)) < 0 ||
	    sg_json_set(r, "admitted_at", sg_json_new_string(now)) < 0 ||
	    sg_json_set(r, "policy_hash", sg_json_new_string(p->policy_hash)) < 0 ||
	    sg_json_set(r, "target_domain", str_or_null(p->req.target_domain)) < 0 ||
	    sg_json_set(r, "intent", sg_json_new_string(p->req.intent)) < 0 ||
	    sg_json_set(r, "rotated_from", str_or_null(p->rotated_from)) < 0 ||
	    sg_json_set(r, "lease", lease_object(p, now)) < 0) {
		sg_json_free(f);
		return NULL;
	}
	return f;
}

static int dam_file_object(const struct sg_admit_plan *p, struct sg_json **out)
{
	struct sg_json *f = sg_json_new_object();

	*out = NULL;
	if (sg_json_set(f, "dam", sg_json_clone(p->dam)) < 0 ||
	    sg_json_set(f, "dam_signature", sg_json_clone(p->dam_signature)) < 0) {
		sg_json_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

static int stage_policy(struct sg_txn *t, const struct sg_admit_plan *p)
{
	char *rel;
	int rc;

	if (asprintf(&rel, "domains/%s/policies/%s.json", p->domain_id, p->policy_hash) < 0)
		return sg_fail("out of memory");
	rc = stage_json(t, rel, p->policy, 0644);
	free(rel);
	return rc;
}

/* The domain's directories and files (DAM, policy, rotation statement);
 * an admitted domain's are added to or replaced. */
static int stage_domain(struct sg_txn *t, const struct sg_admit_plan *p)
{
	static const char *const subs[] = { "store",	"log", "snapshots", "certs",
					    "policies", "dam", NULL };
	struct sg_json *dam = NULL;
	char *rel = NULL;
	int rc = -1;

	for (int i = 0; subs[i]; i++) {
		if (asprintf(&rel, "domains/%s/%s", p->domain_id, subs[i]) < 0)
			return sg_fail("out of memory");
		rc = sg_txn_mkdir(t, rel, 0755);
		free(rel);
		if (rc < 0)
			return -1;
	}
	rc = -1;
	if (dam_file_object(p, &dam) < 0 ||
	    stage_json_at(t, dam, 0644, "domains/", p->domain_id, "/dam/dam.json") < 0 ||
	    stage_policy(t, p) < 0 ||
	    (p->rotation && stage_json_at(t, p->rotation, 0644, "domains/", p->domain_id,
					  "/dam/rotation.json") < 0))
		goto out;
	rc = 0;
out:
	sg_json_free(dam);
	return rc;
}

/* The old domain's lease, marked superseded by the rotated-in one. */
static int stage_supersede(struct sg_txn *t, const char *from, const char *to)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_json *j = NULL;
	char *path;
	int rc = -1;

	if (asprintf(&path, "%s/admission/leases/%s.json", t->dir, from) < 0)
		return sg_fail("out of memory");
	if (sg_read_file(path, &text, MAX_FILE) < 0 ||
	    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, &j) < 0 ||
	    !sg_json_get(j, "lease")) {
		sg_fail("%s: cannot read the lease", path);
		goto out;
	}
	if (sg_json_set(sg_json_get(j, "lease"), "superseded_by", sg_json_new_string(to)) < 0 ||
	    stage_json_at(t, j, 0600, "admission/leases/", from, ".json") < 0)
		goto out;
	rc = 0;
out:
	sg_buf_free(&text);
	sg_json_free(j);
	free(path);
	return rc;
}

static int stage_ledger(struct sg_txn *t, const struct sg_admit_plan *p, const char *now)
{
	struct sg_buf line = SG_BUF_INIT;
	struct sg_json *e = sg_json_new_object();
	int rc = -1;

	if (sg_json_set(e, "admitted_at", sg_json_new_string(now)) == 0 &&
	    sg_json_set(e, "bundle_id", sg_json_new_string(p->h.bundle_id)) == 0 &&
	    sg_json_set(e, "domain_id", sg_json_new_string(p->domain_id)) == 0 &&
	    sg_json_set(e, "policy_hash", sg_json_new_string(p->policy_hash)) == 0 &&
	    sg_json_canonical(e, &line) == 0 && sg_buf_append_byte(&line, '\n') == 0)
		rc = sg_txn_append(t, "admission/ledger", line.data, line.len, 0600);
	sg_json_free(e);
	sg_buf_free(&line);
	return rc;
}

enum sg_admit_result sg_admit_commit(const char *host_root, const struct sg_admit_plan *p)
{
	struct sg_json *rec = NULL, *lease = NULL;
	char now[SG_TIME_LEN + 1], rotated_from[SG_DOMAIN_ID_LEN + 1];
	enum sg_admit_result res = SG_ADMIT_ERROR;
	struct sg_txn t;

	if (sg_time_format(p->now, now) < 0 || sg_txn_begin(&t, host_root) < 0)
		return SG_ADMIT_ERROR;
	/* the rules on the host root again, now under its lock: whoever got
	 * here first decides */
	if ((res = host_rules(host_root, p, rotated_from)) != SG_ADMIT_OK)
		goto out;
	res = SG_ADMIT_ERROR;
	if (strcmp(rotated_from, p->rotated_from)) {
		sg_fail("%s: the host root changed during the admission of bundle %s; admit it "
			"again",
			host_root, p->h.bundle_id);
		goto out;
	}
	rec = record_object(p, now);
	lease = sg_json_new_object();
	if (!rec || sg_json_set(lease, "lease", lease_object(p, now)) < 0)
		goto out;
	if (stage_domain(&t, p) < 0 || sg_txn_mkdir(&t, "admission/records", 0700) < 0 ||
	    sg_txn_mkdir(&t, "admission/leases", 0700) < 0 ||
	    stage_json_at(&t, rec, 0600, "admission/records/", p->h.bundle_id, ".json") < 0 ||
	    stage_json_at(&t, lease, 0600, "admission/leases/", p->domain_id, ".json") < 0 ||
	    (p->rotated_from[0] && stage_supersede(&t, p->rotated_from, p->domain_id) < 0) ||
	    stage_ledger(&t, p, now) < 0)
		goto out;
	/* the commit point: all of it appears, or none */
	if (sg_txn_commit(&t) < 0)
		goto out;
	res = SG_ADMIT_OK;
out:
	sg_txn_end(&t);
	sg_json_free(rec);
	sg_json_free(lease);
	return res;
}

int sg_admit_init(const char *host_root, const char *common, int *already)
{
	char cur[SG_DOMAIN_ID_LEN + 1], line[SG_DOMAIN_ID_LEN + 2];
	struct sg_txn t;
	int set, rc = -1;

	*already = 0;
	if (strlen(common) != SG_DOMAIN_ID_LEN || !sg_domain_id_valid(common, strlen(common)))
		return sg_fail("'%.80s': not a DomainID (52 characters of lowercase base32)", common);
	if (sg_txn_begin(&t, host_root) < 0)
		return -1;
	if ((set = read_common(host_root, cur)) < 0)
		goto out;
	if (set) {
		if (strcmp(cur, common)) {
			sg_fail("host root %s: its Common domain is %s, set once; not changed to %s",
				host_root, cur, common);
			goto out;
		}
		*already = 1;
		rc = 0;
		goto out;
	}
	snprintf(line, sizeof(line), "%s\n", common);
	if (sg_txn_write(&t, COMMON_FILE, line, strlen(line), 0644) < 0 || sg_txn_commit(&t) < 0)
		goto out;
	rc = 0;
out:
	sg_txn_end(&t);
	return rc;
}

/* A string member into out (cap bytes): "" for null or absent when
 * nullable, an error otherwise. */
static int lease_string(const struct sg_json *l, const char *key, const char *what, int nullable,
			char *out, size_t cap)
{
	const struct sg_json *v = sg_json_get(l, key);

	out[0] = 0;
	if (nullable && (!v || v->kind == SG_JSON_NULL))
		return 0;
	return copy_member(l, key, what, out, cap);
}

static int parse_lease(const char *path, struct sg_admit_lease *out)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_json *j = NULL;
	const struct sg_json *l, *v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sg_read_file(path, &text, MAX_FILE) < 0 ||
	    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, &j) < 0) {
		sg_fail_prefix(path);
		goto out;
	}
	if (!(l = sg_json_get(j, "lease")) || l->kind != SG_JSON_OBJECT) {
		sg_fail("%s: not a lease", path);
		goto out;
	}
	if (lease_string(l, "domain_id", path, 0, out->domain_id, sizeof(out->domain_id)) < 0 ||
	    lease_string(l, "bundle_id", path, 0, out->bundle_id, sizeof(out->bundle_id)) < 0 ||
	    lease_string(l, "mode", path, 0, out->mode, sizeof(out->mode)) < 0 ||
	    lease_string(l, "granted_at", path, 0, out->granted_at, sizeof(out->granted_at)) < 0 ||
	    lease_string(l, "expires_at", path, 1, out->expires_at, sizeof(out->expires_at)) < 0 ||
	    lease_string(l, "dam_expires_at", path, 1, out->dam_expires_at,
			 sizeof(out->dam_expires_at)) < 0 ||
	    lease_string(l, "superseded_by", path, 1, out->superseded_by,
			 sizeof(out->superseded_by)) < 0)
		goto out;
	if ((v = sg_json_get(l, "storage_bytes")) && v->kind == SG_JSON_INT && v->u.integer >= 0) {
		out->has_bytes = 1;
		out->bytes = (uint64_t)v->u.integer;
	}
	v = sg_json_get(l, "encrypted_only");
	out->encrypted_only = v && v->kind == SG_JSON_BOOL && v->u.boolean;
	rc = 0;
out:
	sg_buf_free(&text);
	sg_json_free(j);
	return rc;
}

static int lease_filter(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n == SG_DOMAIN_ID_LEN + 5 && !strcmp(e->d_name + SG_DOMAIN_ID_LEN, ".json");
}

/* Every lease of the host root, by DomainID; the caller holds the lock. */
static int read_leases(const char *host_root, struct sg_admit_host *h)
{
	struct dirent **names = NULL;
	char dir[SG_PATH_MAX], path[SG_PATH_MAX];
	int n, rc = 0;

	if (sg_path_join(dir, sizeof(dir), host_root, "admission/leases") < 0)
		return -1;
	n = scandir(dir, &names, lease_filter, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", dir);
	if (n > 0 && !(h->leases = calloc((size_t)n, sizeof(*h->leases))))
		rc = sg_fail("out of memory");
	for (int i = 0; i < n; i++) {
		if (rc == 0 && sg_path_join(path, sizeof(path), dir, names[i]->d_name) == 0 &&
		    parse_lease(path, &h->leases[h->n_leases]) == 0)
			h->n_leases++;
		else
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int sg_admit_host_read(const char *host_root, struct sg_admit_host *h)
{
	struct sg_ledger_entry *v = NULL;
	int lock = -1, rc = -1;

	memset(h, 0, sizeof(*h));
	if (sg_txn_read_begin(host_root, &lock) < 0)
		return -1;
	if (lock >= 0 && (read_common(host_root, h->common) < 0 || read_leases(host_root, h) < 0 ||
			  ledger_read(host_root, &v, &h->n_admissions) < 0))
		goto out;
	rc = 0;
out:
	sg_txn_read_end(&lock);
	free(v);
	if (rc < 0)
		sg_admit_host_free(h);
	return rc;
}

void sg_admit_host_free(struct sg_admit_host *h)
{
	free(h->leases);
	memset(h, 0, sizeof(*h));
}

const char *sg_admit_lease_state(const struct sg_admit_lease *l, time_t now)
{
	time_t t;

	if (l->superseded_by[0])
		return "superseded";
	if (l->expires_at[0] &&
	    sg_time_parse(l->expires_at, strlen(l->expires_at), "expires_at", &t) == 0 && now >= t)
		return "expired";
	return "active";
}
