#include "domain.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "buf.h"
#include "dam.h"
#include "err.h"
#include "fileio.h"
#include "io.h"
#include "keyfile.h"
#include "timestamp.h"
#include "txn.h"

#define KEY_FILE "keys/root.key.age"
#define MAX_META (64 * 1024)
#define MAX_KEYFILE (64 * 1024)
#define MAX_JSON (16u << 20)

static const char *const domain_subdirs[] = {
	"keys", "dam", "policies", "certs", "log", "snapshots", "store",
};
static const char *const home_subdirs[] = { "domains", "env-claims", "sops-bundles", "tools" };

const char *sg_home_default(const char *opt)
{
	const char *env = getenv("SIGNET_HOME");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return SG_DEFAULT_HOME;
}

char *sg_domain_path(const struct sg_domain *d, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", d->dir, rel) < 0) {
		sg_fail("out of memory");
		return NULL;
	}
	return p;
}

static struct sg_json *domain_meta(const struct sg_domain *d)
{
	struct sg_json *m = sg_json_new_object();

	if (!m || sg_json_set(m, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(m, "domain_id", sg_json_new_string(d->id)) < 0 ||
	    sg_json_set(m, "name", sg_json_new_string(d->name)) < 0 ||
	    sg_json_set(m, "root_public_key", sg_json_new_key32(d->pub)) < 0 ||
	    sg_json_set(m, "key_created_at", sg_json_new_string(d->key_created_at)) < 0) {
		sg_json_free(m);
		return NULL;
	}
	return m;
}

int sg_domain_new(const char *home, const char *name, time_t now, uint8_t seed[SG_ED25519_SEED_LEN],
		  struct sg_domain *d)
{
	memset(d, 0, sizeof(*d));
	if (sg_ed25519_keygen(seed, d->pub) < 0 || sg_domain_id(d->pub, d->id) < 0 ||
	    sg_time_format(now, d->key_created_at) < 0)
		goto fail;
	d->home = strdup(home);
	d->name = strdup(name);
	if (!d->home || !d->name || asprintf(&d->dir, "%s/domains/%s", home, d->id) < 0) {
		d->dir = NULL;
		sg_fail("out of memory");
		goto fail;
	}
	return 0;
fail:
	sg_wipe(seed, SG_ED25519_SEED_LEN);
	sg_domain_free(d);
	return -1;
}

int sg_domain_stage_layout(struct sg_txn *t, const struct sg_domain *d)
{
	char rel[256];

	/* directories first: the files staged after them find their
	 * parents made with these modes */
	for (size_t i = 0; i < sizeof(home_subdirs) / sizeof(home_subdirs[0]); i++)
		if (sg_txn_mkdir(t, home_subdirs[i], 0755) < 0)
			return -1;
	snprintf(rel, sizeof(rel), "domains/%s", d->id);
	if (sg_txn_mkdir(t, rel, 0755) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(domain_subdirs) / sizeof(domain_subdirs[0]); i++) {
		snprintf(rel, sizeof(rel), "domains/%s/%s", d->id, domain_subdirs[i]);
		if (sg_txn_mkdir(t, rel, strcmp(domain_subdirs[i], "keys") == 0 ? 0700 : 0755) < 0)
			return -1;
	}
	return 0;
}

int sg_domain_files(const struct sg_domain *d, const uint8_t seed[SG_ED25519_SEED_LEN],
		    const struct sg_age_recipients *rs, struct sg_buf *key, struct sg_buf *meta)
{
	struct sg_json *m;
	int rc = -1;

	if (rs->n == 0)
		return sg_fail("no recipient or passphrase to encrypt the root key to");
	if (sg_keyfile_seal(rs, seed, SG_ED25519_SEED_LEN, 0, key) < 0)
		return -1;
	m = domain_meta(d);
	if (m && sg_json_write(m, meta, 2) == 0 && sg_buf_append_byte(meta, '\n') == 0)
		rc = 0;
	sg_json_free(m);
	return rc;
}

static int load_meta(struct sg_domain *d)
{
	static const char *const req[] = { "version",	      "domain_id",	"name",
					   "root_public_key", "key_created_at", NULL };
	struct sg_buf text = SG_BUF_INIT;
	struct sg_json *m = NULL;
	char *p = sg_domain_path(d, "domain.json");
	char derived[SG_DOMAIN_ID_LEN + 1];
	const char *s;
	time_t t;
	int rc = -1;

	if (!p || sg_read_file(p, &text, MAX_META) < 0 ||
	    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, &m) < 0) {
		if (p)
			sg_fail_prefix(p);
		goto out;
	}
	if (sg_obj_members(m, p, req, NULL) < 0)
		goto out;
	s = sg_obj_string(m, "version", p, NULL);
	if (!s)
		goto out;
	if (strcmp(s, "0.1") != 0) {
		sg_fail("%s: unsupported version \"%s\"", p, s);
		goto out;
	}
	if (sg_json_key32(sg_json_get(m, "root_public_key"), p, d->pub) < 0 ||
	    sg_domain_id(d->pub, derived) < 0)
		goto out;
	s = sg_obj_string(m, "domain_id", p, NULL);
	if (!s)
		goto out;
	if (strcmp(s, derived) != 0 || strcmp(d->id, derived) != 0) {
		sg_fail("%s: domain_id does not derive from root_public_key", p);
		goto out;
	}
	s = sg_obj_string(m, "name", p, NULL);
	if (!s || !(d->name = strdup(s)))
		goto out;
	s = sg_obj_string(m, "key_created_at", p, NULL);
	if (!s || sg_time_parse(s, strlen(s), p, &t) < 0)
		goto out;
	memcpy(d->key_created_at, s, SG_TIME_LEN + 1);
	rc = 0;
out:
	free(p);
	sg_json_free(m);
	sg_buf_free(&text);
	return rc;
}

static int is_superseded(const char *home, const char *id)
{
	struct stat st;
	char *p;
	int r;

	if (asprintf(&p, "%s/domains/%s/superseded.json", home, id) < 0)
		return 0;
	r = stat(p, &st) == 0;
	free(p);
	return r;
}

int sg_domain_superseded(const struct sg_domain *d)
{
	return is_superseded(d->home, d->id);
}

/* The domains of home matching want (a DomainID prefix) or, with want
 * NULL, its current ones: how many, and the last one in found. -1 when
 * HOME/domains cannot be read (ENOENT left in errno). */
static long scan_domains(const char *home, const char *want, char found[SG_DOMAIN_ID_LEN + 1])
{
	struct dirent *e;
	char *dirpath;
	long matches = 0;
	DIR *dir;

	if (asprintf(&dirpath, "%s/domains", home) < 0)
		return sg_fail("out of memory");
	dir = opendir(dirpath);
	if (!dir) {
		int err = errno;

		sg_fail_errno("%s: cannot open the authority home's domains", dirpath);
		free(dirpath);
		errno = err;
		return -1;
	}
	free(dirpath);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);

		if (!sg_domain_id_valid(e->d_name, len))
			continue;
		if (want ? strncmp(e->d_name, want, strlen(want)) != 0
			 : is_superseded(home, e->d_name))
			continue;
		matches++;
		memcpy(found, e->d_name, SG_DOMAIN_ID_LEN + 1);
	}
	closedir(dir);
	return matches;
}

int sg_home_has_current(const char *home)
{
	char found[SG_DOMAIN_ID_LEN + 1];
	long n = scan_domains(home, NULL, found);

	if (n < 0 && errno == ENOENT) {
		sg_errclear();
		return 0;
	}
	return n < 0 ? -1 : n > 0;
}

int sg_domain_open(const char *home, const char *want, struct sg_domain *d)
{
	char found[SG_DOMAIN_ID_LEN + 1] = "";
	long matches;

	memset(d, 0, sizeof(*d));
	matches = scan_domains(home, want, found);
	if (matches < 0)
		return -1;
	if (matches != 1) {
		if (want)
			return sg_fail("%s/domains: %s domain matches \"%s\"", home,
				       matches ? "more than one" : "no", want);
		return sg_fail("%s/domains: %s current domain%s", home,
			       matches ? "more than one" : "no",
			       matches ? " (choose one with --domain)" : " (run signet domain init)");
	}
	memcpy(d->id, found, sizeof(found));
	d->as_current = want == NULL;
	d->home = strdup(home);
	if (!d->home || asprintf(&d->dir, "%s/domains/%s", home, d->id) < 0) {
		d->dir = NULL;
		sg_domain_free(d);
		return sg_fail("out of memory");
	}
	if (load_meta(d) < 0) {
		sg_domain_free(d);
		return -1;
	}
	return 0;
}

int sg_read_json_file(const char *path, struct sg_json **out)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = sg_read_file(path, &text, MAX_JSON);

	*out = NULL;
	if (rc == 0 && sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, out) < 0)
		rc = sg_fail_prefix(path);
	sg_buf_free(&text);
	return rc;
}

int sg_domain_read_json(const struct sg_domain *d, const char *rel, struct sg_json **out)
{
	char *p = sg_domain_path(d, rel);
	int rc = p ? sg_read_json_file(p, out) : -1;

	free(p);
	return rc;
}

int sg_domain_current_dam(const struct sg_domain *d, time_t now, struct sg_json **file, char **path)
{
	unsigned seq;

	*file = NULL;
	if (sg_domain_dam_path(d, 0, path, &seq) < 0)
		return -1;
	if (!*path)
		return sg_fail("%s: the domain has no DAM", d->dir);
	if (sg_read_json_file(*path, file) == 0 &&
	    sg_dam_verify(*file, *path, now, d->id) == SG_DAM_OK)
		return 0;
	sg_json_free(*file);
	*file = NULL;
	free(*path);
	*path = NULL;
	return -1;
}

int sg_domain_dam_path(const struct sg_domain *d, int next, char **path, unsigned *seq)
{
	char *dir = sg_domain_path(d, "dam");
	struct dirent *e;
	unsigned best = 0;
	DIR *dh;

	*path = NULL;
	if (!dir)
		return -1;
	dh = opendir(dir);
	if (!dh) {
		sg_fail_errno("%s", dir);
		free(dir);
		return -1;
	}
	while ((e = readdir(dh))) {
		unsigned n;
		char tail[16];

		if (strlen(e->d_name) == 13 && sscanf(e->d_name, "%4u.dam.%4s", &n, tail) == 2 &&
		    strcmp(tail, "json") == 0 && n > best)
			best = n;
	}
	closedir(dh);
	if (next)
		best++;
	*seq = best;
	if (best == 0) {
		free(dir);
		return 0;
	}
	if (best > 9999 || asprintf(path, "%s/%04u.dam.json", dir, best) < 0) {
		*path = NULL;
		free(dir);
		return sg_fail("%s: too many DAMs", d->dir);
	}
	free(dir);
	return 0;
}

int sg_domain_key_wants_passphrase(const struct sg_domain *d)
{
	char *p = sg_domain_path(d, KEY_FILE);
	int r = p ? sg_keyfile_wants_passphrase(p) : -1;

	free(p);
	return r;
}

int sg_domain_unlock(const struct sg_domain *d, const struct sg_age_identities *ids,
		     uint8_t seed[SG_ED25519_SEED_LEN])
{
	struct sg_buf pt = SG_BUF_INIT;
	char *p = sg_domain_path(d, KEY_FILE);
	uint8_t pub[SG_ED25519_PUB_LEN];
	int rc = -1;

	if (!p || sg_keyfile_open(p, ids, MAX_KEYFILE, &pt) < 0)
		goto out;
	if (pt.len != SG_ED25519_SEED_LEN || sg_ed25519_public(pt.data, pub) < 0 ||
	    !sg_ct_equal(pub, d->pub, sizeof(pub))) {
		sg_fail("%s: does not hold the domain's root key", p);
		goto out;
	}
	memcpy(seed, pt.data, SG_ED25519_SEED_LEN);
	rc = 0;
out:
	sg_buf_wipe(&pt);
	free(p);
	return rc;
}

void sg_domain_free(struct sg_domain *d)
{
	free(d->home);
	free(d->dir);
	free(d->name);
	memset(d, 0, sizeof(*d));
}

struct sg_json *sg_rotation_make(const struct sg_domain *old, const uint8_t old_seed[32],
				 const struct sg_domain *nd, const uint8_t new_seed[32], time_t now)
{
	struct sg_json *r = sg_json_new_object(), *f = sg_json_new_object();
	char ts[SG_TIME_LEN + 1];

	/* The rotation object goes into f first (sg_json_set() frees it on
	 * failure), so one free covers both. */
	if (sg_json_set(f, "rotation", r) < 0 || sg_time_format(now, ts) < 0 ||
	    sg_json_set(r, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(r, "from_domain_id", sg_json_new_string(old->id)) < 0 ||
	    sg_json_set(r, "from_root_public_key", sg_json_new_key32(old->pub)) < 0 ||
	    sg_json_set(r, "to_domain_id", sg_json_new_string(nd->id)) < 0 ||
	    sg_json_set(r, "to_root_public_key", sg_json_new_key32(nd->pub)) < 0 ||
	    sg_json_set(r, "rotated_at", sg_json_new_string(ts)) < 0 ||
	    sg_json_set(f, "old_signature", sg_signature_make("rotation", r, old_seed, 1)) < 0 ||
	    sg_json_set(f, "new_signature", sg_signature_make("rotation", r, new_seed, 1)) < 0) {
		sg_json_free(f);
		return NULL;
	}
	return f;
}

/* Reads one side of a rotation: its DomainID derived from its key. */
static int rotation_side(const struct sg_json *r, const char *id_key, const char *pub_key,
			 const char *what, uint8_t pub[32], const char **id)
{
	char derived[SG_DOMAIN_ID_LEN + 1];

	*id = sg_obj_string(r, id_key, what, NULL);
	if (!*id || sg_json_key32(sg_json_get(r, pub_key), what, pub) < 0 ||
	    sg_domain_id(pub, derived) < 0)
		return -1;
	if (strcmp(derived, *id) != 0)
		return sg_fail("%s: %s does not derive from %s", what, id_key, pub_key);
	return 0;
}

int sg_rotation_verify(const struct sg_json *stmt, const char *what, const char *expect_from,
		       char to_id[SG_DOMAIN_ID_LEN + 1])
{
	static const char *const req[] = { "rotation", "old_signature", "new_signature", NULL };
	static const char *const rreq[] = { "version",
					    "from_domain_id",
					    "from_root_public_key",
					    "to_domain_id",
					    "to_root_public_key",
					    "rotated_at",
					    NULL };
	const struct sg_json *r;
	uint8_t old_pub[32], new_pub[32];
	const char *from, *to, *s;
	time_t t;
	char w[1024];

	if (sg_obj_members(stmt, what, req, NULL) < 0)
		return -1;
	r = sg_json_get(stmt, "rotation");
	if (sg_obj_members(r, what, rreq, NULL) < 0)
		return -1;
	s = sg_obj_string(r, "version", what, NULL);
	if (!s)
		return -1;
	if (strcmp(s, "0.1") != 0)
		return sg_fail("%s: unsupported rotation version \"%s\"", what, s);
	s = sg_obj_string(r, "rotated_at", what, NULL);
	if (!s || sg_time_parse(s, strlen(s), what, &t) < 0)
		return -1;
	if (rotation_side(r, "from_domain_id", "from_root_public_key", what, old_pub, &from) < 0 ||
	    rotation_side(r, "to_domain_id", "to_root_public_key", what, new_pub, &to) < 0)
		return -1;
	if (strcmp(from, to) == 0)
		return sg_fail("%s: rotates a domain to itself", what);
	if (expect_from && strcmp(from, expect_from) != 0)
		return sg_fail("%s: rotates domain %s, not %s", what, from, expect_from);
	snprintf(w, sizeof(w), "%s: old key's cross-signature", what);
	if (sg_signature_check("rotation", r, sg_json_get(stmt, "old_signature"), old_pub, w) < 0)
		return -1;
	snprintf(w, sizeof(w), "%s: new key's signature", what);
	if (sg_signature_check("rotation", r, sg_json_get(stmt, "new_signature"), new_pub, w) < 0)
		return -1;
	memcpy(to_id, to, SG_DOMAIN_ID_LEN + 1);
	return 0;
}

int sg_domain_open_read(const char *home, const char *want, struct sg_domain *d, int *lock)
{
	memset(d, 0, sizeof(*d));
	if (sg_txn_read_begin(home, lock) < 0 || sg_domain_open(home, want, d) < 0) {
		sg_txn_read_end(lock);
		return -1;
	}
	return 0;
}

/* info's "dam": the current DAM's path, status, dates and roles. An
 * expired DAM is shown as such; any other failure is an error. */
static int describe_dam(const struct sg_domain *d, time_t now, struct sg_json *info)
{
	struct sg_json *file = NULL, *dam = sg_json_new_object();
	const struct sg_json *body;
	const char *status;
	char *path = NULL;
	unsigned seq;
	int rc = -1;

	if (sg_json_set(info, "dam", dam) < 0 || sg_domain_dam_path(d, 0, &path, &seq) < 0)
		goto out;
	if (!path) {
		rc = sg_fail("%s: no DAM", d->dir);
		goto out;
	}
	if (sg_read_json_file(path, &file) < 0)
		goto out;
	switch (sg_dam_verify(file, path, now, d->id)) {
	case SG_DAM_OK: status = "valid"; break;
	case SG_DAM_EXPIRED:
		status = "expired";
		sg_errclear();
		break;
	default: goto out;
	}
	body = sg_json_get(file, "dam");
	if (sg_json_set(dam, "status", sg_json_new_string(status)) < 0 ||
	    sg_json_set(dam, "path", sg_json_new_string(path + strlen(d->home) + 1)) < 0 ||
	    sg_json_set(dam, "issued_at", sg_json_clone(sg_json_get(body, "issued_at"))) < 0 ||
	    sg_json_set(dam, "expires_at", sg_json_clone(sg_json_get(body, "expires_at"))) < 0 ||
	    sg_json_set(dam, "roles", sg_json_clone(sg_json_get(body, "roles"))) < 0)
		goto out;
	rc = 0;
out:
	sg_json_free(file);
	free(path);
	return rc;
}

struct sg_json *sg_domain_describe(const struct sg_domain *d, time_t now)
{
	struct sg_json *info = sg_json_new_object();
	struct sg_log_state st;
	int wants = sg_domain_key_wants_passphrase(d);

	if (wants < 0 || !info || sg_json_set(info, "name", sg_json_new_string(d->name)) < 0 ||
	    sg_json_set(info, "domain_id", sg_json_new_string(d->id)) < 0 ||
	    sg_json_set(info, "short_id", sg_json_new_stringn(d->id, SG_DOMAIN_SHORT_LEN)) < 0 ||
	    sg_json_set(info, "root_public_key", sg_json_new_key32(d->pub)) < 0 ||
	    sg_json_set(info, "key_created_at", sg_json_new_string(d->key_created_at)) < 0 ||
	    sg_json_set(info, "root_key_protection",
			sg_json_new_string(wants ? "passphrase" : "age-recipients")) < 0 ||
	    sg_json_set(info, "directory", sg_json_new_string(d->dir)) < 0 ||
	    describe_dam(d, now, info) < 0 || sg_auditlog_verify(d, &st) < 0 ||
	    sg_json_set(info, "log_records", sg_json_new_int((int64_t)st.records)) < 0 ||
	    sg_json_set(info, "claim_in_force",
			st.claim[0] ? sg_json_new_string(st.claim) : sg_json_new_null()) < 0) {
		sg_json_free(info);
		return NULL;
	}
	return info;
}
