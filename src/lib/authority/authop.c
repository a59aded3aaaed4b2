/* authop.c - the authority's operations, each one transaction on its
 * home (authop.h). */
#include "authop.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditlog.h"
#include "buf.h"
#include "envclaim.h"
#include "err.h"
#include "fileio.h"
#include "timestamp.h"
#include "txn.h"

#define MAX_BUNDLE ((size_t)64 << 20)

/* A JSON object's text as the home keeps it: JCS and a newline. */
static int json_text(const struct sg_json *j, struct sg_buf *text)
{
	if (!j || sg_json_canonical(j, text) < 0 || sg_buf_append_byte(text, '\n') < 0)
		return -1;
	return 0;
}

/* "domains/<id>/<rel>", the home-relative path of a domain's file, in
 * a buffer of its own per call site. */
static int domain_rel(char *out, size_t size, const struct sg_domain *d, const char *rel)
{
	if ((size_t)snprintf(out, size, "domains/%s/%s", d->id, rel) >= size)
		return sg_fail("%s/%s: path too long", d->dir, rel);
	return 0;
}

/* Under the lock: a domain opened as the current one must still be it.
 * A rotation may have committed since it was opened; the operation
 * then refuses rather than sign with the retired key. */
static int still_current(const struct sg_domain *d)
{
	if (d->as_current && sg_domain_superseded(d))
		return sg_fail("%s: rotated meanwhile (superseded.json); run the command again for "
			       "the current domain",
			       d->dir);
	return 0;
}

/* The files of a new domain and its first record, staged in t: the
 * layout, keys/root.key.age, domain.json, the genesis claim, the first
 * DAM, any extra files (of the new domain), then the record of op. */
/* The text of a new domain's first DAM file (roles [domain_root]),
 * signed by seed. */
static int first_dam_text(const struct sg_domain *d, const uint8_t seed[32],
			  const struct sg_genesis *g, time_t now, struct sg_buf *text)
{
	static const char *const roles[] = { "domain_root" };
	struct sg_dam_params p = {
		.domain_id = d->id,
		.root_public_key = d->pub,
		.issued_at = now,
		.expires = g->expires,
		.expires_at = g->expires_at,
		.roles = roles,
		.nroles = 1,
		.human_name = g->name,
		.dns_claim = g->dns_claim,
	};
	struct sg_json *dam = sg_dam_build(&p);
	struct sg_json *file = dam ? sg_dam_sign(dam, seed) : NULL;
	int rc = json_text(file, text);

	sg_json_free(dam);
	sg_json_free(file);
	return rc;
}

static int stage_genesis(struct sg_txn *t, const struct sg_domain *d, const uint8_t seed[32],
			 const struct sg_age_recipients *rs, const struct sg_genesis *g, time_t now,
			 const char *op, struct sg_json *inputs, const struct sg_artifact *extra,
			 size_t nextra)
{
	struct sg_buf key = SG_BUF_INIT, meta = SG_BUF_INIT, claim = SG_BUF_INIT, damt = SG_BUF_INIT;
	struct sg_artifact files[8];
	char snap[SG_SNAPSHOT_ID_LEN + 1], claim_rel[64];
	char key_rel[128], meta_rel[128], dam_rel[128];
	struct sg_log_entry e = { .op = op, .now = now, .inputs = inputs };
	size_t n = 0;
	int rc = -1;

	if (nextra > sizeof(files) / sizeof(files[0]) - 4) {
		sg_fail("too many files for a genesis");
		goto out;
	}
	if (sg_domain_stage_layout(t, d) < 0 || sg_domain_files(d, seed, rs, &key, &meta) < 0 ||
	    sg_envclaim_file(d, seed, now, snap, &claim) < 0)
		goto out;
	if (first_dam_text(d, seed, g, now, &damt) < 0 ||
	    domain_rel(key_rel, sizeof(key_rel), d, "keys/root.key.age") < 0 ||
	    domain_rel(meta_rel, sizeof(meta_rel), d, "domain.json") < 0 ||
	    domain_rel(dam_rel, sizeof(dam_rel), d, "dam/0001.dam.json") < 0)
		goto out;
	snprintf(claim_rel, sizeof(claim_rel), "env-claims/%s.claim", snap);
	files[n++] = (struct sg_artifact){ key_rel, "keys/root.key.age", key.data, key.len, 0600, 0 };
	files[n++] = (struct sg_artifact){ meta_rel, "domain.json", meta.data, meta.len, 0644, 0 };
	files[n++] = (struct sg_artifact){ claim_rel, claim_rel, claim.data, claim.len, 0644, 0 };
	files[n++] =
		(struct sg_artifact){ dam_rel, "dam/0001.dam.json", damt.data, damt.len, 0644, 0 };
	for (size_t i = 0; i < nextra; i++)
		files[n++] = extra[i];
	e.inputs = inputs; /* owned by the stage from here */
	inputs = NULL;
	e.files = files;
	e.nfiles = n;
	e.claim = snap;
	e.genesis = 1;
	rc = sg_auditlog_stage(t, d, seed, &e);
out:
	sg_json_free(inputs);
	sg_buf_free(&key);
	sg_buf_free(&meta);
	sg_buf_free(&claim);
	sg_buf_free(&damt);
	return rc;
}

int sg_authop_init(const char *home, const struct sg_genesis *g, const struct sg_age_recipients *rs,
		   time_t now, char id[SG_DOMAIN_ID_LEN + 1])
{
	uint8_t seed[SG_ED25519_SEED_LEN];
	struct sg_domain d = { 0 };
	struct sg_txn t;
	int cur, rc = -1;

	if (rs->n == 0)
		return sg_fail("no recipient or passphrase to encrypt the root key to");
	if (sg_txn_begin(&t, home) < 0)
		return -1;
	/* one current domain per home: a second init (or the retry of one
	 * that completed) is refused */
	cur = sg_home_has_current(home);
	if (cur != 0) {
		if (cur > 0)
			sg_fail("%s: the home has a current domain already (signet domain id)", home);
		goto out;
	}
	if (sg_domain_new(home, g->name, now, seed, &d) < 0)
		goto out;
	if (stage_genesis(&t, &d, seed, rs, g, now, "genesis", NULL, NULL, 0) == 0 &&
	    sg_txn_commit(&t) == 0) {
		memcpy(id, d.id, SG_DOMAIN_ID_LEN + 1);
		rc = 0;
	}
	sg_wipe(seed, sizeof(seed));
out:
	sg_txn_end(&t);
	sg_domain_free(&d);
	return rc;
}

/* The new DAM keeps the current one's name, DNS claim and expiry; the
 * strings point into *cur. */
static int inherit_dam(const struct sg_domain *old, time_t now, struct sg_json **cur,
		       struct sg_genesis *g)
{
	const struct sg_json *dam, *meta;
	const char *exp;
	char *path = NULL;
	int rc = -1;

	if (sg_domain_current_dam(old, now, cur, &path) < 0)
		return -1;
	dam = sg_json_get(*cur, "dam");
	meta = sg_json_get(dam, "metadata");
	g->name = sg_json_string(sg_json_get(meta, "human_name"), NULL);
	g->dns_claim = sg_json_string(sg_json_get(meta, "dns_claim"), NULL);
	exp = sg_json_string(sg_json_get(dam, "expires_at"), NULL);
	g->expires = exp != NULL;
	if (!exp || sg_time_parse(exp, strlen(exp), path, &g->expires_at) == 0)
		rc = 0;
	free(path);
	return rc;
}

/* Under the lock: everything of a rotation, staged. */
static int stage_rotation(struct sg_txn *t, const struct sg_domain *old, const uint8_t old_seed[32],
			  const struct sg_domain *nd, const uint8_t new_seed[32],
			  const struct sg_age_recipients *rs, const struct sg_genesis *g, time_t now)
{
	struct sg_json *stmt = sg_rotation_make(old, old_seed, nd, new_seed, now), *inputs = NULL;
	struct sg_buf text = SG_BUF_INIT;
	struct sg_artifact rot, sup;
	struct sg_log_entry out = { .op = "rotate-out", .now = now };
	char rot_rel[128], sup_rel[128];
	int rc = -1;

	if (json_text(stmt, &text) < 0 ||
	    domain_rel(rot_rel, sizeof(rot_rel), nd, "dam/rotation.json") < 0 ||
	    domain_rel(sup_rel, sizeof(sup_rel), old, "superseded.json") < 0)
		goto out;
	inputs = sg_json_new_object();
	if (!inputs || sg_hashes_add_data(inputs, "dam/rotation.json", text.data, text.len) < 0)
		goto out;
	/* the statement is an input of the new log's first record */
	rot = (struct sg_artifact){ rot_rel, NULL, text.data, text.len, 0644, 0 };
	rc = stage_genesis(t, nd, new_seed, rs, g, now, "rotate-in", inputs, &rot, 1);
	inputs = NULL;
	if (rc < 0)
		goto out;
	/* superseded.json makes the new domain the current one */
	sup = (struct sg_artifact){ sup_rel, "superseded.json", text.data, text.len, 0644, 0 };
	out.files = &sup;
	out.nfiles = 1;
	rc = sg_auditlog_stage(t, old, old_seed, &out);
out:
	sg_json_free(stmt);
	sg_json_free(inputs);
	sg_buf_free(&text);
	return rc;
}

int sg_authop_rotate(const struct sg_domain *old, const uint8_t old_seed[32],
		     const struct sg_age_recipients *rs, time_t now,
		     char new_id[SG_DOMAIN_ID_LEN + 1])
{
	uint8_t new_seed[SG_ED25519_SEED_LEN];
	struct sg_domain nd = { 0 };
	struct sg_genesis g = { 0 };
	struct sg_json *cur = NULL;
	struct sg_txn t;
	int rc = -1;

	if (rs->n == 0)
		return sg_fail("no recipient or passphrase to encrypt the new root key to");
	if (sg_txn_begin(&t, old->home) < 0)
		return -1;
	/* a second rotation of the same domain (or the retry of one that
	 * completed) is refused: the new domain is the one to rotate */
	if (sg_domain_superseded(old)) {
		sg_fail("%s: rotated already (superseded.json); the current domain is the new one",
			old->dir);
		goto out;
	}
	if (inherit_dam(old, now, &cur, &g) < 0 ||
	    sg_domain_new(old->home, old->name, now, new_seed, &nd) < 0)
		goto out;
	if (stage_rotation(&t, old, old_seed, &nd, new_seed, rs, &g, now) == 0 &&
	    sg_txn_commit(&t) == 0) {
		memcpy(new_id, nd.id, SG_DOMAIN_ID_LEN + 1);
		rc = 0;
	}
	sg_wipe(new_seed, sizeof(new_seed));
out:
	sg_txn_end(&t);
	sg_json_free(cur);
	sg_domain_free(&nd);
	return rc;
}

struct sg_json *sg_authop_dam_build(const struct sg_domain *d, const struct sg_dam_params *p,
				    time_t now)
{
	static const char *const root_role[] = { "domain_root" };
	struct sg_dam_params q = *p;

	if (!q.nroles) {
		q.roles = root_role;
		q.nroles = 1;
	}
	q.domain_id = d->id;
	q.root_public_key = d->pub;
	q.issued_at = now;
	if (!q.human_name)
		q.human_name = d->name;
	return sg_dam_build(&q);
}

int sg_authop_dam_issue(const struct sg_domain *d, const uint8_t seed[32],
			const struct sg_json *dam, time_t now, const char *copy_to, char **path)
{
	struct sg_json *file = sg_dam_sign(dam, seed);
	struct sg_buf text = SG_BUF_INIT;
	struct sg_log_entry e = { .op = "dam-issue", .now = now };
	struct sg_artifact a;
	struct sg_txn t;
	unsigned seq;
	int rc = -1;

	*path = NULL;
	if (json_text(file, &text) < 0 || sg_txn_begin(&t, d->home) < 0)
		goto out;
	/* the number is taken under the lock: two issues get two numbers */
	if (still_current(d) == 0 && sg_domain_dam_path(d, 1, path, &seq) == 0) {
		a = (struct sg_artifact){ *path + strlen(d->home) + 1,
					  *path + strlen(d->dir) + 1,
					  text.data,
					  text.len,
					  0644,
					  0 };
		e.files = &a;
		e.nfiles = 1;
		if (sg_auditlog_stage(&t, d, seed, &e) == 0 && sg_txn_commit(&t) == 0)
			rc = 0;
	}
	sg_txn_end(&t);
	/* the copy after the commit: never a signed DAM the log does not name */
	if (rc == 0 && copy_to && sg_write_file_atomic(copy_to, text.data, text.len, 0644, 0) < 0) {
		char *why = strdup(sg_errmsg());

		sg_fail("%s (the DAM is issued and recorded as %s)", why ? why : "copy failed",
			*path);
		free(why);
		rc = -1;
	}
out:
	if (rc < 0) {
		free(*path);
		*path = NULL;
	}
	sg_json_free(file);
	sg_buf_free(&text);
	return rc;
}

int sg_authop_env_claim(const struct sg_domain *d, const uint8_t seed[32], time_t now, char **path)
{
	struct sg_buf text = SG_BUF_INIT;
	char snap[SG_SNAPSHOT_ID_LEN + 1], rel[64];
	struct sg_log_entry e = { .op = "env-claim", .now = now, .claim = snap };
	struct sg_artifact a;
	struct sg_txn t;
	int rc = -1;

	*path = NULL;
	if (sg_txn_begin(&t, d->home) < 0)
		return -1;
	/* measured under the lock: the store is the one the record sees */
	if (still_current(d) < 0 || sg_envclaim_file(d, seed, now, snap, &text) < 0)
		goto out;
	snprintf(rel, sizeof(rel), "env-claims/%s.claim", snap);
	/* the same environment measured in the same second is the same
	 * claim: kept, and put in force again */
	a = (struct sg_artifact){ rel, rel, text.data, text.len, 0644, 1 };
	e.files = &a;
	e.nfiles = 1;
	if (sg_auditlog_stage(&t, d, seed, &e) < 0 || sg_txn_commit(&t) < 0)
		goto out;
	if (asprintf(path, "%s/%s", d->home, rel) < 0) {
		*path = NULL;
		sg_fail("out of memory");
		goto out;
	}
	rc = 0;
out:
	sg_txn_end(&t);
	sg_buf_free(&text);
	return rc;
}

/* The path of dest relative to home when dest is inside it (a fresh
 * string), NULL when it is not (or its directory does not resolve). */
static char *inside_home(const char *home, const char *dest)
{
	char rhome[PATH_MAX], rdir[PATH_MAX], *dcopy = strdup(dest), *bcopy = strdup(dest);
	char *rel = NULL;
	size_t hl;

	if (dcopy && bcopy && realpath(home, rhome) && realpath(dirname(dcopy), rdir)) {
		hl = strlen(rhome);
		if (strncmp(rdir, rhome, hl) == 0 && (rdir[hl] == '/' || rdir[hl] == '\0') &&
		    asprintf(&rel, "%s%s%s", rdir[hl] ? rdir + hl + 1 : "", rdir[hl] ? "/" : "",
			     basename(bcopy)) < 0)
			rel = NULL;
	}
	free(dcopy);
	free(bcopy);
	return rel;
}

/* 0 when dest is free, 1 when it holds the unrecorded bundle of d an
 * interrupted seal left (sealed over), -1 (refused) otherwise. */
static int dest_state(const struct sg_domain *d, const char *dest, int in_home)
{
	struct sg_bundle_header h;
	struct sg_sops_meta meta;
	struct sg_buf text = SG_BUF_INIT;
	char hex[65];
	int64_t seq = -1;
	int rc = -1;

	if (access(dest, F_OK) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", dest);
	memset(&meta, 0, sizeof(meta));
	if (!in_home && sg_read_file(dest, &text, MAX_BUNDLE) == 0 &&
	    sg_sha256_hex(text.data, text.len, hex) == 0 &&
	    (seq = sg_auditlog_find_output(d, hex)) == -1 &&
	    sg_bundle_inspect(dest, (const char *)text.data, text.len, &h, &meta) == 0) {
		sg_sops_meta_free(&meta);
		if (strcmp(h.domain_id, d->id) == 0)
			rc = 1;
	}
	sg_buf_free(&text);
	if (rc < 0 && seq != -2)
		sg_fail("%s: exists; a bundle is never replaced (remove it or use -o)", dest);
	return rc;
}

static int seal_dest(const struct sg_domain *d, const struct sg_seal *s, char **dest)
{
	*dest = NULL;
	if (s->output)
		*dest = strdup(s->output);
	else if (asprintf(dest, "%s/sops-bundles/asl-%s-%.*s.sops.yaml", d->home, s->p.purpose,
			  SG_DOMAIN_SHORT_LEN, d->id) < 0)
		*dest = NULL;
	return *dest ? 0 : sg_fail("out of memory");
}

int sg_authop_seal_dest(const struct sg_domain *d, const struct sg_seal *s, char **dest)
{
	char *rel;
	int rc;

	if (seal_dest(d, s, dest) < 0)
		return -1;
	rel = s->output ? inside_home(d->home, *dest) : NULL;
	rc = dest_state(d, *dest, !s->output || rel);
	free(rel);
	if (rc < 0) {
		free(*dest);
		*dest = NULL;
		return -1;
	}
	return 0;
}

#define MAX_ARTIFACT ((size_t)16 << 20)

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int read_artifacts(const struct sg_seal_files *f, struct sg_seal *s)
{
	s->artifacts = calloc(f->nartifacts + 1, sizeof(*s->artifacts));
	s->artifact_data = calloc(f->nartifacts + 1, sizeof(*s->artifact_data));
	if (!s->artifacts || !s->artifact_data)
		return sg_fail("out of memory");
	for (size_t i = 0; i < f->nartifacts; i++) {
		struct sg_buf *b = &s->artifact_data[i];

		if (sg_read_file(f->artifacts[i], b, MAX_ARTIFACT) < 0)
			return -1;
		s->nread++;
		s->artifacts[i].description = base_name(f->artifacts[i]);
		s->artifacts[i].data = b->data ? b->data : (const uint8_t *)"";
		s->artifacts[i].len = b->len;
	}
	return 0;
}

/* Hashes of the caller's inputs for the audit record (the DAM's is
 * added under the home's lock). */
static struct sg_json *seal_inputs(const struct sg_seal_files *f)
{
	struct sg_json *in = sg_json_new_object();

	if (!in || sg_hashes_add_file(in, "policy", f->policy) < 0 ||
	    (f->admission && sg_hashes_add_file(in, "admission", f->admission) < 0))
		goto fail;
	for (size_t i = 0; i < f->nartifacts; i++) {
		char name[4096];

		snprintf(name, sizeof(name), "artifact:%s", base_name(f->artifacts[i]));
		if (sg_hashes_add_file(in, name, f->artifacts[i]) < 0)
			goto fail;
	}
	return in;
fail:
	sg_json_free(in);
	return NULL;
}

int sg_authop_seal_prepare(const struct sg_domain *d, const struct sg_seal_files *f, time_t now,
			   struct sg_seal *s)
{
	struct sg_json *dam_file = NULL;
	char *dam_path = NULL, *dest = NULL;
	int rc = sg_domain_current_dam(d, now, &dam_file, &dam_path);

	memset(s, 0, sizeof(*s));
	sg_json_free(dam_file);
	free(dam_path);
	if (rc < 0 || sg_bundle_read_model(f->policy, &s->policy) < 0 ||
	    (f->admission && sg_bundle_read_model(f->admission, &s->admission) < 0) ||
	    read_artifacts(f, s) < 0)
		return -1;
	s->p = (struct sg_bundle_seal_params){
		.purpose = f->purpose,
		.policy = s->policy,
		.admission = s->admission,
		.notes = f->notes,
		.artifacts = s->artifacts,
		.nartifacts = s->nread,
		.recipients = f->recipients,
		.nrecipients = f->nrecipients,
		.now = now,
	};
	s->output = f->output;
	if (!(s->inputs = seal_inputs(f)) || sg_authop_seal_dest(d, s, &dest) < 0)
		return -1;
	free(dest);
	return 0;
}

void sg_seal_free(struct sg_seal *s)
{
	for (size_t i = 0; i < s->nread; i++)
		sg_buf_free(&s->artifact_data[i]);
	free(s->artifact_data);
	free(s->artifacts);
	sg_json_free(s->inputs);
	sg_json_free(s->policy);
	sg_json_free(s->admission);
	memset(s, 0, sizeof(*s));
}

/* Under the lock: the current DAM to seal (its hash joins inputs) and
 * the rotation statement, when the domain has one. */
static int seal_sources(const struct sg_domain *d, time_t now, struct sg_json *inputs,
			struct sg_json **dam_file, struct sg_json **rotation)
{
	char *dam_path = NULL, *rot_path = sg_domain_path(d, "dam/rotation.json");
	int rc = -1;

	/* never seal a DAM a host would refuse */
	if (!inputs || !rot_path || still_current(d) < 0 ||
	    sg_domain_current_dam(d, now, dam_file, &dam_path) < 0 ||
	    sg_hashes_add_file(inputs, dam_path + strlen(d->dir) + 1, dam_path) < 0)
		goto out;
	if (access(rot_path, F_OK) == 0 && sg_domain_read_json(d, "dam/rotation.json", rotation) < 0)
		goto out;
	rc = 0;
out:
	free(dam_path);
	free(rot_path);
	return rc;
}

/* Under the lock: the DAM and rotation statement to seal, the bundle,
 * its output (first, when outside the home) and its record, staged. */
static int stage_seal(struct sg_txn *t, const struct sg_domain *d, const uint8_t seed[32],
		      struct sg_seal *s, const char *dest, const char *rel,
		      char bundle_id[SG_UUID_LEN + 1], int *written)
{
	struct sg_json *dam_file = NULL, *rotation = NULL;
	struct sg_buf out = SG_BUF_INIT;
	struct sg_log_entry e = { .op = "seal", .now = s->p.now };
	struct sg_artifact a;
	const char *name = strrchr(dest, '/') ? strrchr(dest, '/') + 1 : dest;
	int state, rc = -1;

	e.inputs = s->inputs ? s->inputs : sg_json_new_object();
	s->inputs = NULL;
	*written = 0;
	if (seal_sources(d, s->p.now, e.inputs, &dam_file, &rotation) < 0 ||
	    (state = dest_state(d, dest, rel != NULL)) < 0)
		goto out;
	s->p.domain_id = d->id;
	s->p.root_public_key = d->pub;
	s->p.root_seed = seed;
	s->p.key_created_at = d->key_created_at;
	s->p.dam_file = dam_file;
	s->p.rotation = rotation;
	if (sg_bundle_seal(&s->p, &out, bundle_id) < 0)
		goto out;
	if (rel) {
		a = (struct sg_artifact){ rel, name, out.data, out.len, 0600, 0 };
		e.files = &a;
		e.nfiles = 1;
	} else {
		e.outputs = sg_json_new_object();
		if (!e.outputs || sg_hashes_add_data(e.outputs, name, out.data, out.len) < 0)
			goto out;
	}
	if (sg_auditlog_stage(t, d, seed, &e) < 0)
		goto out;
	/* outside the home: the bundle is written before the record commits */
	if (!rel) {
		if (sg_write_file_atomic(dest, out.data, out.len, 0600,
					 state == 1 ? 0 : SG_ATOMIC_NO_CLOBBER) < 0)
			goto out;
		*written = 1;
	}
	rc = 0;
out:
	s->p.root_seed = NULL;
	s->p.dam_file = s->p.rotation = NULL;
	sg_json_free(e.inputs);
	sg_json_free(e.outputs);
	sg_json_free(dam_file);
	sg_json_free(rotation);
	sg_buf_free(&out);
	return rc;
}

int sg_authop_seal(const struct sg_domain *d, const uint8_t seed[32], struct sg_seal *s,
		   char **dest, char bundle_id[SG_UUID_LEN + 1])
{
	struct sg_txn t;
	char *rel = NULL;
	int written = 0, rc = -1;

	if (seal_dest(d, s, dest) < 0 || sg_txn_begin(&t, d->home) < 0) {
		sg_json_free(s->inputs);
		s->inputs = NULL;
		free(*dest);
		*dest = NULL;
		return -1;
	}
	if (!s->output) {
		if (asprintf(&rel, "sops-bundles/asl-%s-%.*s.sops.yaml", s->p.purpose,
			     SG_DOMAIN_SHORT_LEN, d->id) < 0)
			rel = NULL;
	} else {
		rel = inside_home(d->home, *dest);
	}
	if ((!s->output && !rel) ||
	    stage_seal(&t, d, seed, s, *dest, rel, bundle_id, &written) < 0 || sg_txn_commit(&t) < 0)
		goto out;
	rc = 0;
out:
	/* a seal whose record did not commit did not happen (a kill leaves
	 * the file: the retry seals over it) */
	if (rc < 0 && written && !t.committed)
		unlink(*dest);
	sg_txn_end(&t);
	sg_json_free(s->inputs);
	s->inputs = NULL;
	free(rel);
	if (rc < 0) {
		free(*dest);
		*dest = NULL;
	}
	return rc;
}
