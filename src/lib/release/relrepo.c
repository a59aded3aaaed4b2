/* relrepo.c - the release repository (relrepo.h). */
#include "relrepo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "fleetctl.h"
#include "fleetout.h"
#include "hex.h"
#include "io.h"
#include "keyfile.h"
#include "path.h"
#include "relkeys.h"
#include "timestamp.h"
#include "tufmeta.h"

#define DAY 86400
#define ROOT_DAYS 365
#define TARGETS_DAYS 365
#define SNAPSHOT_DAYS 90
#define TIMESTAMP_DAYS 7
#define META_MAX (16u << 20)
#define UKI_MAX (1u << 30)
#define MANIFEST_MAX (1u << 26)
#define PATH_DEPTH_MAX 4 /* components below hosts/<h>/ */

/* snprintf into a path buffer; a path that does not fit is an error. */
__attribute__((format(printf, 3, 4))) static int pathf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		return sg_fail("%.64s...: path too long", out);
	return 0;
}

/* --- the repository as it is ------------------------------------------------- */

struct repo {
	const char *dir;
	struct sg_tuf_meta root, timestamp, snapshot, targets;
	int have_timestamp;
	struct sg_tuf_meta *roles; /* the delegated roles the snapshot lists */
	size_t nroles;
};

static int meta_read(const char *dir, const char *name, enum sg_tuf_type t, const char *role,
		     struct sg_tuf_meta *m)
{
	char path[SG_PATH_MAX];
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	if (snprintf(path, sizeof(path), "%s/metadata/%s", dir, name) >= (int)sizeof(path))
		return sg_fail("%s: path too long", dir);
	rc = sg_read_file(path, &b, META_MAX);
	if (rc == 0)
		rc = sg_tuf_meta_parse((const char *)b.data, b.len, t, role, path, m);
	sg_buf_free(&b);
	return rc;
}

static void repo_free(struct repo *r)
{
	sg_tuf_meta_free(&r->root);
	if (r->have_timestamp) {
		sg_tuf_meta_free(&r->timestamp);
		sg_tuf_meta_free(&r->snapshot);
		sg_tuf_meta_free(&r->targets);
	}
	for (size_t i = 0; i < r->nroles; i++)
		sg_tuf_meta_free(&r->roles[i]);
	free(r->roles);
	memset(r, 0, sizeof(*r));
}

/* The roles of the current snapshot, read from their versioned files. */
static int repo_load_roles(struct repo *r)
{
	char name[SG_PATH_MAX];
	const struct sg_tuf_metafile *t = sg_tuf_meta_file(&r->snapshot, "targets.json");

	snprintf(name, sizeof(name), "%llu.targets.json", (unsigned long long)t->version);
	if (meta_read(r->dir, name, SG_TUF_TARGETS, "targets", &r->targets) < 0)
		return -1;
	if (r->snapshot.nmeta && !(r->roles = calloc(r->snapshot.nmeta, sizeof(*r->roles))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < r->snapshot.nmeta; i++) {
		const struct sg_tuf_metafile *f = &r->snapshot.meta[i];
		size_t n = strlen(f->name);
		if (!strcmp(f->name, "targets.json") || n < 6 || strcmp(f->name + n - 5, ".json"))
			continue;
		char role[SG_PATH_MAX];
		snprintf(role, sizeof(role), "%.*s", (int)(n - 5), f->name);
		snprintf(name, sizeof(name), "%llu.%s", (unsigned long long)f->version, f->name);
		if (meta_read(r->dir, name, SG_TUF_TARGETS, role, &r->roles[r->nroles]) < 0)
			return -1;
		r->nroles++;
	}
	return 0;
}

static int repo_load(const char *dir, struct repo *r)
{
	char path[SG_PATH_MAX];

	memset(r, 0, sizeof(*r));
	r->dir = dir;
	if (meta_read(dir, "root.json", SG_TUF_ROOT, "root", &r->root) < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s/metadata/timestamp.json", dir) >= (int)sizeof(path))
		return sg_fail("%s: path too long", dir);
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", path);
	char name[64];
	if (meta_read(dir, "timestamp.json", SG_TUF_TIMESTAMP, "timestamp", &r->timestamp) < 0)
		return -1;
	r->have_timestamp = 1;
	snprintf(name, sizeof(name), "%llu.snapshot.json",
		 (unsigned long long)r->timestamp.meta[0].version);
	if (meta_read(dir, name, SG_TUF_SNAPSHOT, "snapshot", &r->snapshot) < 0)
		return -1;
	return repo_load_roles(r);
}

static const struct sg_tuf_meta *repo_role(const struct repo *r, const char *name)
{
	for (size_t i = 0; i < r->nroles; i++)
		if (!strcmp(r->roles[i].role, name))
			return &r->roles[i];
	return NULL;
}

/* The release the role's release.json lists, or 0. */
static uint64_t role_release(const struct sg_tuf_meta *m)
{
	for (size_t i = 0; i < m->ntargets; i++) {
		const char *p = m->targets[i].path, *slash = strrchr(p, '/');
		if (!slash || strcmp(slash, "/release.json"))
			continue;
		const struct sg_json *s = sg_json_get(m->targets[i].custom, "signet");
		const struct sg_json *n = sg_json_get(s, "release");
		if (n && n->kind == SG_JSON_INT && n->u.integer > 0)
			return (uint64_t)n->u.integer;
	}
	return 0;
}

/* --- writing metadata ----------------------------------------------------------- */

static int meta_write(const char *dir, const char *name, const struct sg_json *signed_obj,
		      const struct sg_tuf_signer *signers, size_t n, struct sg_buf *file)
{
	char path[SG_PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/metadata/%s", dir, name) >= (int)sizeof(path))
		return sg_fail("%s: path too long", dir);
	sg_buf_free(file);
	if (sg_tuf_sign(signed_obj, signers, n, file) < 0 || sg_fleet_mkdirs_for(path) < 0)
		return -1;
	return sg_write_file_atomic(path, file->data, file->len, 0644, 0);
}

/* {"keys": {...}, "roles": {root, snapshot, targets, timestamp}}. */
static struct sg_json *root_signed(const struct sg_tuf_signer k[4], uint64_t version, int64_t now)
{
	static const char *const names[4] = { "root", "timestamp", "snapshot", "targets" };
	struct sg_json *s = sg_tuf_signed_new(SG_TUF_ROOT, version, (time_t)(now + ROOT_DAYS * DAY));
	struct sg_json *keys = sg_json_new_object(), *roles = sg_json_new_object();

	if (!s || sg_json_set(s, "consistent_snapshot", sg_json_new_bool(1)) < 0 ||
	    sg_json_set(s, "keys", keys) < 0 || sg_json_set(s, "roles", roles) < 0) {
		sg_json_free(s);
		return NULL;
	}
	for (int i = 0; i < 4; i++) {
		char id[SG_TUF_KEYID_LEN + 1];
		struct sg_json *role = sg_json_new_object(), *ids = sg_json_new_array();
		if (sg_tuf_keyid(k[i].pub, id) < 0 ||
		    sg_json_set(keys, id, sg_tuf_key_object(k[i].pub)) < 0 ||
		    sg_json_set(role, "keyids", ids) < 0 ||
		    sg_json_append(ids, sg_json_new_string(id)) < 0 ||
		    sg_json_set(role, "threshold", sg_json_new_int(1)) < 0 ||
		    sg_json_set(roles, names[i], role) < 0) {
			sg_json_free(s);
			return NULL;
		}
	}
	return s;
}

static const char *const role_keys[4] = { "root", "timestamp", "snapshot", "targets" };

int sg_release_init(const char *keys, const char *repo, int64_t now, struct sg_buf *report)
{
	struct sg_age_identities ids = { 0 };
	struct sg_age_recipients rs = { 0 };
	struct sg_tuf_signer k[4];
	struct sg_json *s = NULL;
	struct sg_buf file = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1, made;

	memset(k, 0, sizeof(k));
	if (sg_fleet_operator(keys, &ids, &rs) < 0)
		goto out;
	if (!rs.n) {
		sg_fail("%s: no operator.key: the offline release keys are sealed to it", keys);
		goto out;
	}
	for (int i = 0; i < 4; i++) {
		made = sg_release_key_make(keys, role_keys[i], i == SG_TUF_TIMESTAMP ? NULL : &rs);
		if (made < 0 ||
		    (made && sg_buf_printf(report, "release/%s.key: made\n", role_keys[i]) < 0))
			goto out;
	}
	if (snprintf(path, sizeof(path), "%s/metadata/root.json", repo) >= (int)sizeof(path)) {
		sg_fail("%s: path too long", repo);
		goto out;
	}
	if (access(path, F_OK) == 0) {
		rc = 0;
		goto out;
	}
	for (int i = 0; i < 4; i++)
		if (sg_release_key_load(keys, role_keys[i], &ids, &k[i]) < 0)
			goto out;
	if (!(s = root_signed(k, 1, now)) || meta_write(repo, "1.root.json", s, &k[0], 1, &file) < 0 ||
	    meta_write(repo, "root.json", s, &k[0], 1, &file) < 0)
		goto out;
	rc = sg_buf_printf(report, "metadata/1.root.json: written\n");
out:
	sg_wipe(k, sizeof(k));
	sg_json_free(s);
	sg_buf_free(&file);
	sg_age_identities_free(&ids);
	sg_age_recipients_free(&rs);
	return rc;
}

/* --- content ------------------------------------------------------------------- */

/* REPO/.blobs/HEX from the file src (copied, hashed as read), unless it
 * is there; its sha256 and length out. */
static int blob_from_file(const char *repo, const char *src, uint8_t sum[32], uint64_t *len)
{
	char tmp[SG_PATH_MAX], path[SG_PATH_MAX], hex[65];
	struct sg_digest *d = sg_digest_new("SHA256");
	uint8_t chunk[1u << 16];
	int in = -1, out = -1, rc = -1;

	*len = 0;
	if (!d)
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s/.blobs/.new.XXXXXX", repo) >= (int)sizeof(tmp) ||
	    sg_fleet_mkdirs_for(tmp) < 0)
		goto out;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0 || (out = mkostemp(tmp, O_CLOEXEC)) < 0) {
		sg_fail_errno("%s", in < 0 ? src : tmp);
		goto out;
	}
	for (;;) {
		ssize_t n = sg_read_full(in, chunk, sizeof(chunk));
		if (n < 0) {
			sg_fail_errno("%s", src);
			goto out;
		}
		if (!n)
			break;
		if (sg_digest_update(d, chunk, (size_t)n) < 0 ||
		    sg_write_all(out, chunk, (size_t)n) < 0)
			goto out;
		*len += (uint64_t)n;
	}
	if (sg_digest_final(d, sum) < 0 || fchmod(out, 0644) < 0 || fsync(out) < 0)
		goto out;
	sg_hex_encode(sum, 32, hex, SG_HEX_LOWER);
	snprintf(path, sizeof(path), "%s/.blobs/%s", repo, hex);
	if (access(path, F_OK) == 0 ? unlink(tmp) < 0 : rename(tmp, path) < 0) {
		sg_fail_errno("%s", path);
		goto out;
	}
	tmp[0] = '\0';
	rc = sg_sync_parent_dir(path);
out:
	if (tmp[0] && out >= 0)
		unlink(tmp);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	sg_digest_free(d);
	return rc;
}

static int blob_from_buf(const char *repo, const struct sg_buf *b, uint8_t sum[32])
{
	char path[SG_PATH_MAX], hex[65];

	if (sg_sha256(b->data, b->len, sum) < 0)
		return -1;
	sg_hex_encode(sum, 32, hex, SG_HEX_LOWER);
	if (snprintf(path, sizeof(path), "%s/.blobs/%s", repo, hex) >= (int)sizeof(path) ||
	    sg_fleet_mkdirs_for(path) < 0)
		return -1;
	if (access(path, F_OK) == 0)
		return 0;
	return sg_write_file_atomic(path, b->data, b->len, 0644, 0);
}

/* REPO/targets/<dir of path>/HEX.<base>: a hard link to the blob. */
static int target_link(const char *repo, const char *path, const uint8_t sum[32])
{
	char blob[SG_PATH_MAX], dst[SG_PATH_MAX], hex[65];
	const char *slash = strrchr(path, '/');

	sg_hex_encode(sum, 32, hex, SG_HEX_LOWER);
	snprintf(blob, sizeof(blob), "%s/.blobs/%s", repo, hex);
	if (snprintf(dst, sizeof(dst), "%s/targets/%.*s/%s.%s", repo, (int)(slash - path), path,
		     hex, slash + 1) >= (int)sizeof(dst) ||
	    sg_fleet_mkdirs_for(dst) < 0)
		return sg_fail("%s: path too long", repo);
	if (link(blob, dst) < 0 && errno != EEXIST)
		return sg_fail_errno("%s", dst);
	return sg_sync_parent_dir(dst);
}

/* --- a host's release ------------------------------------------------------------- */

/* What goes into one target. */
struct file {
	char name[SG_PATH_MAX]; /* below hosts/<h>/ */
	char src[SG_PATH_MAX];
	const char *kind;
};

struct files {
	struct file *v;
	size_t n, cap;
};

static int files_add(struct files *fs, const char *name, const char *src, const char *kind)
{
	if (sg_array_grow((void **)&fs->v, &fs->cap, fs->n, sizeof(*fs->v)) < 0)
		return -1;
	struct file *f = &fs->v[fs->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->src, sizeof(f->src), "%s", src);
	f->kind = kind;
	return 0;
}

/* The manifest's kind of the artifact at rel, or a name for the files
 * sign adds. */
static const char *kind_of(const struct sg_json *manifest, const char *rel)
{
	const struct sg_json *a = sg_json_get(manifest, "artifacts");
	for (size_t i = 0; a && a->kind == SG_JSON_ARRAY && i < a->u.array.len; i++) {
		const char *p = sg_json_string(sg_json_get(a->u.array.items[i], "path"), NULL);
		if (p && !strcmp(p, rel)) {
			const char *k =
				sg_json_string(sg_json_get(a->u.array.items[i], "kind"), NULL);
			return k ? k : "file";
		}
	}
	size_t n = strlen(rel);
	if (n > 7 && !strcmp(rel + n - 7, ".signed"))
		return "zone-signed";
	if (n > 4 && !strcmp(rel + n - 4, ".p7s"))
		return "signature";
	if (n >= 12 && !strcmp(rel + n - 12, "boot/uki.efi"))
		return "uki";
	if (n >= 9 && !strcmp(rel + n - 9, "boot/pcrs"))
		return "pcrs";
	return "file";
}

static int skip_host_file(const char *name)
{
	return !strcmp(name, "boot/uki.unsigned.efi") || !strcmp(name, "boot/esp.img") ||
	       !strcmp(name, "boot/disk.img");
}

/* Every regular file below base/sub (sorted), as prefix/<rel>. */
static int walk(const char *base, const char *sub, const char *prefix, const char *only_stem,
		const struct sg_json *manifest, const char *mrel, struct files *fs)
{
	char dir[SG_PATH_MAX];
	struct dirent **ents = NULL;
	int n, rc = 0;

	snprintf(dir, sizeof(dir), "%s%s%s", base, *sub ? "/" : "", sub);
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", dir);
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char rel[SG_PATH_MAX], path[SG_PATH_MAX], name[SG_PATH_MAX], mr[SG_PATH_MAX];
		struct stat st;
		if (rc || !strcmp(e, ".") || !strcmp(e, ".."))
			continue;
		if (pathf(rel, sizeof(rel), "%s%s%s", sub, *sub ? "/" : "", e) < 0 ||
		    pathf(path, sizeof(path), "%s/%s", base, rel) < 0 ||
		    pathf(name, sizeof(name), "%s%s", prefix, rel) < 0 ||
		    pathf(mr, sizeof(mr), "%s/%s", mrel, rel) < 0) {
			rc = -1;
		} else if (lstat(path, &st) < 0) {
			rc = sg_fail_errno("%s", path);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(base, rel, prefix, only_stem, manifest, mrel, fs);
		} else if (S_ISREG(st.st_mode) && !skip_host_file(name) &&
			   (!only_stem || (!strncmp(e, only_stem, strlen(only_stem)) &&
					   e[strlen(only_stem)] == '.'))) {
			rc = files_add(fs, name, path, kind_of(manifest, mr));
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

static int host_files(const char *signed_dir, const struct sg_fleet_host *h,
		      const struct sg_json *manifest, struct files *fs)
{
	char base[SG_PATH_MAX], mrel[SG_PATH_MAX];

	snprintf(base, sizeof(base), "%s/hosts/%s", signed_dir, h->name);
	snprintf(mrel, sizeof(mrel), "hosts/%s", h->name);
	if (walk(base, "", "", NULL, manifest, mrel, fs) < 0)
		return -1;
	if (!fs->n) /* nothing of its own: it is not a host of this build */
		return 0;
	snprintf(base, sizeof(base), "%s/shared/sidecar", signed_dir);
	if (walk(base, "", "sidecar/", NULL, manifest, "shared/sidecar", fs) < 0)
		return -1;
	if (!h->rootfs)
		return 0;
	snprintf(base, sizeof(base), "%s/shared/rootfs", signed_dir);
	return walk(base, "", "rootfs/", h->rootfs, manifest, "shared/rootfs", fs);
}

static struct sg_json *custom_new(const char *host, uint64_t release, const char *kind)
{
	struct sg_json *c = sg_json_new_object(), *s = sg_json_new_object();
	if (!c || sg_json_set(c, "signet", s) < 0 ||
	    sg_json_set(s, "release", sg_json_new_int((int64_t)release)) < 0 ||
	    sg_json_set(s, "host", sg_json_new_string(host)) < 0 ||
	    sg_json_set(s, "kind", sg_json_new_string(kind)) < 0) {
		sg_json_free(c);
		return NULL;
	}
	return c;
}

static struct sg_json *target_entry(uint64_t len, const uint8_t sum[32], struct sg_json *custom)
{
	char hex[65];
	struct sg_json *t = sg_json_new_object(), *h = sg_json_new_object();

	sg_hex_encode(sum, 32, hex, SG_HEX_LOWER);
	if (!t || sg_json_set(t, "length", sg_json_new_int((int64_t)len)) < 0 ||
	    sg_json_set(t, "hashes", h) < 0 || sg_json_set(h, "sha256", sg_json_new_string(hex)) < 0 ||
	    sg_json_set(t, "custom", custom) < 0) {
		if (!t)
			sg_json_free(h), sg_json_free(custom);
		sg_json_free(t);
		return NULL;
	}
	return t;
}

/* The encrypted UKI's entry: the current one when its plain_sha256 is
 * the new UKI's, else a new encryption to the host. */
static struct sg_json *uki_entry(const char *repo, const struct sg_fleet_host *h,
				 const struct sg_tuf_meta *cur, const char *path, const char *src,
				 struct sg_json *custom)
{
	struct sg_buf plain = SG_BUF_INIT, ct = SG_BUF_INIT;
	struct sg_age_recipients rs = { 0 };
	uint8_t psum[32], sum[32];
	char phex[65];
	struct sg_json *e = NULL, *s = sg_json_get(custom, "signet");

	if (!h->age_recipient) {
		sg_fail("%s: has a UKI but no age_recipient to encrypt it to", h->file);
		goto out;
	}
	if (sg_read_file(src, &plain, UKI_MAX) < 0 || sg_sha256(plain.data, plain.len, psum) < 0)
		goto out;
	sg_hex_encode(psum, 32, phex, SG_HEX_LOWER);
	if (sg_json_set(s, "plain_sha256", sg_json_new_string(phex)) < 0 ||
	    sg_json_set(s, "plain_length", sg_json_new_int((int64_t)plain.len)) < 0)
		goto out;
	const struct sg_tuf_target *old = cur ? sg_tuf_meta_target(cur, path) : NULL;
	const char *oldp =
		old ? sg_json_string(sg_json_get(sg_json_get(old->custom, "signet"), "plain_sha256"),
				     NULL)
		    : NULL;
	if (oldp && !strcmp(oldp, phex)) {
		memcpy(sum, old->sha256, 32);
		e = target_entry(old->length, sum, custom);
		custom = NULL;
		goto out;
	}
	if (sg_age_recipients_add(&rs, h->age_recipient, strlen(h->age_recipient)) < 0 ||
	    sg_keyfile_seal(&rs, plain.data, plain.len, 0, &ct) < 0 ||
	    blob_from_buf(repo, &ct, sum) < 0)
		goto out;
	e = target_entry(ct.len, sum, custom);
	custom = NULL;
out:
	sg_json_free(custom);
	sg_buf_wipe(&plain);
	sg_buf_free(&ct);
	sg_age_recipients_free(&rs);
	return e;
}

/* The "targets" object of host h's role for this release. */
static struct sg_json *host_targets(const char *repo, const struct sg_fleet_host *h,
				    const struct sg_tuf_meta *cur, const struct files *fs,
				    uint64_t release)
{
	struct sg_json *t = sg_json_new_object(), *index = sg_json_new_object(),
		       *names = sg_json_new_array();
	struct sg_buf ib = SG_BUF_INIT;
	uint8_t sum[32];
	uint64_t len;
	char path[SG_PATH_MAX];

	if (!t || sg_json_set(index, "host", sg_json_new_string(h->name)) < 0 ||
	    sg_json_set(index, "release", sg_json_new_int((int64_t)release)) < 0 ||
	    sg_json_set(index, "files", names) < 0)
		goto fail;
	for (size_t i = 0; i < fs->n; i++) {
		const struct file *f = &fs->v[i];
		int uki = !strcmp(f->kind, "uki"), depth = 1;
		for (const char *c = f->name; *c; c++)
			depth += *c == '/';
		if (depth > PATH_DEPTH_MAX) {
			sg_fail("%s: more than %d names deep below hosts/%s/", f->src,
				PATH_DEPTH_MAX, h->name);
			goto fail;
		}
		struct sg_json *custom = custom_new(h->name, release, f->kind), *e;
		if (pathf(path, sizeof(path), "hosts/%s/%s%s", h->name, f->name, uki ? ".age" : "") <
		    0)
			e = NULL, sg_json_free(custom);
		else if (uki)
			e = uki_entry(repo, h, cur, path, f->src, custom);
		else if (blob_from_file(repo, f->src, sum, &len) < 0)
			e = NULL, sg_json_free(custom);
		else
			e = target_entry(len, sum, custom);
		if (!e || sg_json_set(t, path, e) < 0 ||
		    sg_json_append(names, sg_json_new_string(path + strlen(h->name) + 7)) < 0)
			goto fail;
	}
	snprintf(path, sizeof(path), "hosts/%s/release.json", h->name);
	if (sg_json_canonical(index, &ib) < 0 || sg_buf_append(&ib, "\n", 1) < 0 ||
	    blob_from_buf(repo, &ib, sum) < 0 ||
	    sg_json_set(t, path, target_entry(ib.len, sum, custom_new(h->name, release, "index"))) < 0)
		goto fail;
	/* every file linked into targets/ before any metadata names it */
	for (size_t i = 0; i < t->u.object.len; i++) {
		const struct sg_json_member *m = &t->u.object.members[i];
		const char *hex =
			sg_json_string(sg_json_get(sg_json_get(m->value, "hashes"), "sha256"), NULL);
		size_t n;
		if (sg_hex_decode(hex, 64, sum, 32, &n) < 0 || target_link(repo, m->key, sum) < 0)
			goto fail;
	}
	sg_json_free(index);
	sg_buf_free(&ib);
	return t;
fail:
	sg_json_free(index);
	sg_json_free(t);
	sg_buf_free(&ib);
	return NULL;
}

/* --- the release -------------------------------------------------------------------- */

/* One role to write: its name, its new "signed", its version. */
struct role_out {
	char name[SG_PATH_MAX];
	struct sg_json *signed_obj;
	uint64_t version;
	struct sg_tuf_signer key;
	int changed;
};

struct release {
	const struct sg_fleet *f;
	const char *keys, *signed_dir;
	struct repo r;
	struct sg_age_identities ids;
	struct sg_age_recipients rs;
	struct sg_tuf_signer targets_key, snapshot_key, timestamp_key;
	struct sg_json *manifest;
	struct role_out *roles;
	size_t nroles;
	uint64_t release;
	int64_t now;
};

/* The role's new version: the current one when `targets` is what it
 * lists already, else one more. */
static uint64_t next_version(const struct sg_tuf_meta *cur, const struct sg_json *targets,
			     const char *member, int *changed)
{
	*changed = 1;
	if (!cur)
		return 1;
	if (sg_json_equal(sg_json_get(cur->signed_obj, member), targets)) {
		*changed = 0;
		return cur->version;
	}
	return cur->version + 1;
}

static int host_role(struct release *rl, const struct sg_fleet_host *h, struct sg_buf *report)
{
	struct files fs = { 0 };
	struct role_out *o = &rl->roles[rl->nroles];
	const struct sg_tuf_meta *cur;
	struct sg_json *t = NULL;
	int rc = -1, made;

	if (host_files(rl->signed_dir, h, rl->manifest, &fs) < 0)
		goto out;
	if (!fs.n) {
		rc = 0;
		goto out;
	}
	snprintf(o->name, sizeof(o->name), "host-%s", h->name);
	char kname[SG_PATH_MAX];
	snprintf(kname, sizeof(kname), "hosts/%s", h->name);
	if ((made = sg_release_key_make(rl->keys, kname, &rl->rs)) < 0 ||
	    (made && sg_buf_printf(report, "release/%s.key: made\n", kname) < 0) ||
	    sg_release_key_load(rl->keys, kname, &rl->ids, &o->key) < 0)
		goto out;
	cur = rl->r.have_timestamp ? repo_role(&rl->r, o->name) : NULL;
	if (!(t = host_targets(rl->r.dir, h, cur, &fs, rl->release)))
		goto out;
	o->version = next_version(cur, t, "targets", &o->changed);
	o->signed_obj = sg_tuf_signed_new(SG_TUF_TARGETS, o->version,
					  (time_t)(rl->now + TARGETS_DAYS * DAY));
	if (!o->signed_obj || sg_json_set(o->signed_obj, "targets", t) < 0)
		goto out;
	t = NULL;
	if (!o->changed) { /* the file already written stays what it is */
		sg_json_free(o->signed_obj);
		o->signed_obj = NULL;
	}
	rl->nroles++;
	rc = sg_buf_printf(report, "%s: release %llu, %zu files, version %llu%s\n", o->name,
			   (unsigned long long)rl->release, fs.n + 1,
			   (unsigned long long)o->version, o->changed ? "" : " (unchanged)");
out:
	if (rc < 0)
		sg_wipe(&o->key, sizeof(o->key));
	sg_json_free(t);
	free(fs.v);
	return rc;
}

/* The top-level targets: no targets of its own, a delegation per host. */
static struct sg_json *top_targets(const struct release *rl, uint64_t *version, int *changed)
{
	struct sg_json *dl = sg_json_new_object(), *keys = sg_json_new_object(),
		       *roles = sg_json_new_array(), *s;

	if (!dl || sg_json_set(dl, "keys", keys) < 0 || sg_json_set(dl, "roles", roles) < 0)
		goto fail;
	for (size_t i = 0; i < rl->nroles; i++) {
		const struct role_out *o = &rl->roles[i];
		char id[SG_TUF_KEYID_LEN + 1], pat[SG_PATH_MAX];
		struct sg_json *r = sg_json_new_object(), *ids = sg_json_new_array(),
			       *paths = sg_json_new_array();
		if (!r || sg_tuf_keyid(o->key.pub, id) < 0 ||
		    sg_json_set(keys, id, sg_tuf_key_object(o->key.pub)) < 0 ||
		    sg_json_set(r, "name", sg_json_new_string(o->name)) < 0 ||
		    sg_json_set(r, "keyids", ids) < 0 ||
		    sg_json_append(ids, sg_json_new_string(id)) < 0 ||
		    sg_json_set(r, "threshold", sg_json_new_int(1)) < 0 ||
		    sg_json_set(r, "terminating", sg_json_new_bool(1)) < 0 ||
		    sg_json_set(r, "paths", paths) < 0 || sg_json_append(roles, r) < 0) {
			if (!r)
				sg_json_free(ids), sg_json_free(paths);
			goto fail;
		}
		/* TUF's '*' is one path component: a pattern per depth */
		for (int depth = 1; depth <= PATH_DEPTH_MAX; depth++) {
			size_t at = (size_t)snprintf(pat, sizeof(pat), "hosts/%s", o->name + 5);
			for (int k = 0; k < depth; k++)
				at += (size_t)snprintf(pat + at, sizeof(pat) - at, "/*");
			if (sg_json_append(paths, sg_json_new_string(pat)) < 0)
				goto fail;
		}
	}
	*version = next_version(rl->r.have_timestamp ? &rl->r.targets : NULL, dl, "delegations",
				changed);
	if (!(s = sg_tuf_signed_new(SG_TUF_TARGETS, *version, (time_t)(rl->now + TARGETS_DAYS * DAY))) ||
	    sg_json_set(s, "targets", sg_json_new_object()) < 0 ||
	    sg_json_set(s, "delegations", dl) < 0) {
		sg_json_free(s);
		return NULL;
	}
	return s;
fail:
	sg_json_free(dl);
	return NULL;
}

static int meta_entry(struct sg_json *meta, const char *name, uint64_t version)
{
	struct sg_json *e = sg_json_new_object();
	if (sg_json_set(e, "version", sg_json_new_int((int64_t)version)) < 0)
		return -1;
	return sg_json_set(meta, name, e);
}

/* The snapshot: targets and every host role, those of hosts gone kept. */
static struct sg_json *snapshot_signed(const struct release *rl, uint64_t targets_version)
{
	uint64_t v = rl->r.have_timestamp ? rl->r.snapshot.version + 1 : 1;
	struct sg_json *s =
		sg_tuf_signed_new(SG_TUF_SNAPSHOT, v, (time_t)(rl->now + SNAPSHOT_DAYS * DAY));
	struct sg_json *meta = sg_json_new_object();

	if (!s || sg_json_set(s, "meta", meta) < 0 ||
	    meta_entry(meta, "targets.json", targets_version) < 0)
		goto fail;
	for (size_t i = 0; rl->r.have_timestamp && i < rl->r.snapshot.nmeta; i++) {
		const struct sg_tuf_metafile *f = &rl->r.snapshot.meta[i];
		if (strcmp(f->name, "targets.json") && meta_entry(meta, f->name, f->version) < 0)
			goto fail;
	}
	for (size_t i = 0; i < rl->nroles; i++) {
		char name[SG_PATH_MAX];
		if (pathf(name, sizeof(name), "%s.json", rl->roles[i].name) < 0 ||
		    meta_entry(meta, name, rl->roles[i].version) < 0)
			goto fail;
	}
	return s;
fail:
	sg_json_free(s);
	return NULL;
}

static struct sg_json *timestamp_signed(uint64_t version, const struct sg_buf *snap,
					uint64_t snap_version, int64_t now)
{
	char hex[65], when[SG_TIME_LEN + 1];
	uint8_t sum[32];
	struct sg_json *s =
		sg_tuf_signed_new(SG_TUF_TIMESTAMP, version, (time_t)(now + TIMESTAMP_DAYS * DAY));
	struct sg_json *meta = sg_json_new_object(), *e = sg_json_new_object(),
		       *h = sg_json_new_object();

	if (sg_sha256(snap->data, snap->len, sum) < 0 || sg_time_format((time_t)now, when) < 0) {
		sg_json_free(s), sg_json_free(meta), sg_json_free(e), sg_json_free(h);
		return NULL;
	}
	sg_hex_encode(sum, 32, hex, SG_HEX_LOWER);
	if (!s || sg_json_set(s, "meta", meta) < 0 || sg_json_set(meta, "snapshot.json", e) < 0 ||
	    sg_json_set(e, "version", sg_json_new_int((int64_t)snap_version)) < 0 ||
	    sg_json_set(e, "length", sg_json_new_int((int64_t)snap->len)) < 0 ||
	    sg_json_set(e, "hashes", h) < 0 || sg_json_set(h, "sha256", sg_json_new_string(hex)) < 0 ||
	    sg_json_set(s, "x-signet-issued", sg_json_new_string(when)) < 0) {
		sg_json_free(s);
		return NULL;
	}
	return s;
}

/* snapshot, then timestamp.json (the file that makes a release live). */
static int write_snapshot_timestamp(const char *repo, const struct sg_json *snap,
				    const struct sg_tuf_signer *sk, const struct sg_tuf_signer *tk,
				    uint64_t ts_version, int64_t now)
{
	struct sg_buf file = SG_BUF_INIT;
	struct sg_json *ts = NULL;
	char name[64];
	int64_t v = sg_json_get(snap, "version")->u.integer;
	int rc = -1;

	snprintf(name, sizeof(name), "%lld.snapshot.json", (long long)v);
	if (sk && meta_write(repo, name, snap, sk, 1, &file) < 0)
		goto out;
	if (!sk) { /* the snapshot as it is: its bytes for the timestamp */
		char path[SG_PATH_MAX];
		snprintf(path, sizeof(path), "%s/metadata/%s", repo, name);
		if (sg_read_file(path, &file, META_MAX) < 0)
			goto out;
	}
	if (!(ts = timestamp_signed(ts_version, &file, (uint64_t)v, now)))
		goto out;
	rc = meta_write(repo, "timestamp.json", ts, tk, 1, &file);
out:
	sg_json_free(ts);
	sg_buf_free(&file);
	return rc;
}

static int release_write(struct release *rl, struct sg_buf *report)
{
	struct sg_buf file = SG_BUF_INIT;
	struct sg_json *top = NULL, *snap = NULL;
	uint64_t tv;
	int changed, rc = -1;
	char name[SG_PATH_MAX];

	for (size_t i = 0; i < rl->nroles; i++) {
		struct role_out *o = &rl->roles[i];
		if (pathf(name, sizeof(name), "%llu.%s.json", (unsigned long long)o->version,
			  o->name) < 0 ||
		    (o->signed_obj &&
		     meta_write(rl->r.dir, name, o->signed_obj, &o->key, 1, &file) < 0))
			goto out;
	}
	if (!(top = top_targets(rl, &tv, &changed)))
		goto out;
	snprintf(name, sizeof(name), "%llu.targets.json", (unsigned long long)tv);
	if ((changed && meta_write(rl->r.dir, name, top, &rl->targets_key, 1, &file) < 0) ||
	    !(snap = snapshot_signed(rl, tv)) ||
	    write_snapshot_timestamp(rl->r.dir, snap, &rl->snapshot_key, &rl->timestamp_key,
				     rl->r.have_timestamp ? rl->r.timestamp.version + 1 : 1,
				     rl->now) < 0)
		goto out;
	rc = sg_buf_printf(report,
			   "targets: version %llu; snapshot: version %lld; timestamp.json written\n",
			   (unsigned long long)tv,
			   (long long)sg_json_get(snap, "version")->u.integer);
out:
	sg_json_free(top);
	sg_json_free(snap);
	sg_buf_free(&file);
	return rc;
}

static int release_open(struct release *rl)
{
	char path[SG_PATH_MAX];
	struct sg_buf m = SG_BUF_INIT;
	int rc;

	if (repo_load(rl->r.dir, &rl->r) < 0)
		return -1;
	for (size_t i = 0; i < rl->r.nroles; i++) {
		uint64_t n = role_release(&rl->r.roles[i]);
		if (n >= rl->release)
			return sg_fail("%s: already lists release %llu; a new release needs a "
				       "higher number",
				       rl->r.roles[i].role, (unsigned long long)n);
	}
	if (sg_fleet_operator(rl->keys, &rl->ids, &rl->rs) < 0 ||
	    sg_release_key_load(rl->keys, "targets", &rl->ids, &rl->targets_key) < 0 ||
	    sg_release_key_load(rl->keys, "snapshot", &rl->ids, &rl->snapshot_key) < 0 ||
	    sg_release_key_load(rl->keys, "timestamp", &rl->ids, &rl->timestamp_key) < 0)
		return -1;
	if (snprintf(path, sizeof(path), "%s/manifest.json", rl->signed_dir) >= (int)sizeof(path))
		return sg_fail("%s: path too long", rl->signed_dir);
	rc = sg_read_file(path, &m, MANIFEST_MAX);
	if (rc == 0 && sg_json_parse((const char *)m.data, m.len, &rl->manifest) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		rc = sg_fail("%s: %s", path, msg);
	}
	sg_buf_free(&m);
	if (rc == 0 && !(rl->roles = calloc(rl->f->nhosts ? rl->f->nhosts : 1, sizeof(*rl->roles))))
		rc = sg_fail("out of memory");
	return rc;
}

int sg_release_create(const struct sg_fleet *f, const char *keys, const char *signed_dir,
		      const char *repo, uint64_t release, int64_t now, struct sg_buf *report)
{
	struct release rl = {
		.f = f, .keys = keys, .signed_dir = signed_dir, .release = release, .now = now
	};
	int rc = -1;

	rl.r.dir = repo;
	if (release_open(&rl) < 0)
		goto out;
	for (size_t i = 0; i < f->nhosts; i++)
		if (host_role(&rl, &f->hosts[i], report) < 0)
			goto out;
	if (!rl.nroles) {
		sg_fail("%s: no host of the fleet has files in this build", signed_dir);
		goto out;
	}
	rc = release_write(&rl, report);
out:
	for (size_t i = 0; i < rl.nroles; i++) {
		sg_json_free(rl.roles[i].signed_obj);
		sg_wipe(&rl.roles[i].key, sizeof(rl.roles[i].key));
	}
	free(rl.roles);
	sg_wipe(&rl.targets_key, sizeof(rl.targets_key));
	sg_wipe(&rl.snapshot_key, sizeof(rl.snapshot_key));
	sg_wipe(&rl.timestamp_key, sizeof(rl.timestamp_key));
	sg_json_free(rl.manifest);
	sg_age_identities_free(&rl.ids);
	sg_age_recipients_free(&rl.rs);
	repo_free(&rl.r);
	return rc;
}

int sg_release_timestamp(const char *keys, const char *repo, int64_t now, struct sg_buf *report)
{
	struct repo r;
	struct sg_tuf_signer tk;
	int rc = -1;

	memset(&tk, 0, sizeof(tk));
	if (repo_load(repo, &r) < 0)
		goto out;
	if (!r.have_timestamp) {
		sg_fail("%s: no release yet (signet release create)", repo);
		goto out;
	}
	if (sg_release_key_load(keys, "timestamp", NULL, &tk) < 0 ||
	    write_snapshot_timestamp(repo, r.snapshot.signed_obj, NULL, &tk,
				     r.timestamp.version + 1, now) < 0)
		goto out;
	rc = sg_buf_printf(report, "timestamp.json: version %llu\n",
			   (unsigned long long)r.timestamp.version + 1);
out:
	sg_wipe(&tk, sizeof(tk));
	repo_free(&r);
	return rc;
}

/* --- key rotation --------------------------------------------------------- */

/* Re-signs the current targets with k as version+1 (its content kept). */
static int resign_targets(const struct repo *r, const struct sg_tuf_signer *k, int64_t now,
			  uint64_t *version)
{
	struct sg_json *s = sg_json_clone(r->targets.signed_obj);
	struct sg_buf file = SG_BUF_INIT;
	char name[64], when[SG_TIME_LEN + 1];
	int rc = -1;

	*version = r->targets.version + 1;
	snprintf(name, sizeof(name), "%llu.targets.json", (unsigned long long)*version);
	if (s && sg_time_format((time_t)(now + TARGETS_DAYS * DAY), when) == 0 &&
	    sg_json_set(s, "version", sg_json_new_int((int64_t)*version)) == 0 &&
	    sg_json_set(s, "expires", sg_json_new_string(when)) == 0)
		rc = meta_write(r->dir, name, s, k, 1, &file);
	sg_json_free(s);
	sg_buf_free(&file);
	return rc;
}

/* The current snapshot as version+1, naming targets_version. */
static struct sg_json *snapshot_next(const struct repo *r, uint64_t targets_version, int64_t now)
{
	struct sg_json *s = sg_json_clone(r->snapshot.signed_obj);
	struct sg_json *e = s ? sg_json_get(sg_json_get(s, "meta"), "targets.json") : NULL;
	char when[SG_TIME_LEN + 1];

	if (!e || sg_time_format((time_t)(now + SNAPSHOT_DAYS * DAY), when) < 0 ||
	    sg_json_set(s, "version", sg_json_new_int((int64_t)r->snapshot.version + 1)) < 0 ||
	    sg_json_set(s, "expires", sg_json_new_string(when)) < 0 ||
	    sg_json_set(e, "version", sg_json_new_int((int64_t)targets_version)) < 0) {
		sg_json_free(s);
		return NULL;
	}
	return s;
}

/* KEYS/release/NAME.key becomes NAME.<v>.key and NAME.next.key NAME.key. */
static int key_swap(const char *keys, const char *name, uint64_t v)
{
	char cur[SG_PATH_MAX], old[SG_PATH_MAX], next[SG_PATH_MAX];

	if (pathf(cur, sizeof(cur), "%s/release/%s.key", keys, name) < 0 ||
	    pathf(old, sizeof(old), "%s/release/%s.%llu.key", keys, name, (unsigned long long)v) < 0 ||
	    pathf(next, sizeof(next), "%s/release/%s.next.key", keys, name) < 0)
		return -1;
	if (rename(cur, old) < 0)
		return sg_fail_errno("%s", cur);
	if (rename(next, cur) < 0)
		return sg_fail_errno("%s", next);
	return sg_sync_parent_dir(cur);
}

static int role_index(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, role_keys[i]))
			return i;
	return -1;
}

struct rotation {
	struct repo r;
	struct sg_age_identities ids;
	struct sg_age_recipients rs;
	struct sg_tuf_signer old[4], now_[4];
	int rotate[4];
};

/* The keys: the current ones, and NAME.next.key for each rotated role
 * (made when missing, so a retry after a crash signs with the same). */
static int rotation_keys(struct rotation *rt, const char *keys, struct sg_buf *report)
{
	for (int i = 0; i < 4; i++) {
		char next[32];
		if (sg_release_key_load(keys, role_keys[i], &rt->ids, &rt->old[i]) < 0)
			return -1;
		rt->now_[i] = rt->old[i];
		if (!rt->rotate[i])
			continue;
		snprintf(next, sizeof(next), "%s.next", role_keys[i]);
		int made = sg_release_key_make(keys, next, i == SG_TUF_TIMESTAMP ? NULL : &rt->rs);
		if (made < 0 || sg_release_key_load(keys, next, &rt->ids, &rt->now_[i]) < 0 ||
		    sg_buf_printf(report, "release/%s.key: a new key\n", role_keys[i]) < 0)
			return -1;
	}
	return 0;
}

/* Root N+1, signed by the old root key and, when it changes, the new. */
static int rotation_root(struct rotation *rt, int64_t now, struct sg_buf *report)
{
	uint64_t v = rt->r.root.version + 1;
	struct sg_tuf_signer signers[2] = { rt->old[SG_TUF_ROOT], rt->now_[SG_TUF_ROOT] };
	struct sg_json *s = root_signed(rt->now_, v, now);
	struct sg_buf file = SG_BUF_INIT;
	char name[64];
	int rc = -1;

	snprintf(name, sizeof(name), "%llu.root.json", (unsigned long long)v);
	if (s && meta_write(rt->r.dir, name, s, signers, rt->rotate[SG_TUF_ROOT] ? 2 : 1, &file) == 0)
		rc = sg_buf_printf(report,
				   "metadata/%s: written, signed by the old and the new root\n",
				   name);
	sg_wipe(signers, sizeof(signers));
	sg_json_free(s);
	sg_buf_free(&file);
	return rc;
}

/* The roles below root signed again with their new keys. */
static int rotation_resign(struct rotation *rt, int64_t now, struct sg_buf *report)
{
	struct repo *r = &rt->r;
	uint64_t tv = r->targets.version;
	struct sg_json *snap = NULL;
	int rc = -1;

	if (!r->have_timestamp || !(rt->rotate[SG_TUF_TARGETS] || rt->rotate[SG_TUF_SNAPSHOT] ||
				    rt->rotate[SG_TUF_TIMESTAMP]))
		return 0;
	if (rt->rotate[SG_TUF_TARGETS] && resign_targets(r, &rt->now_[SG_TUF_TARGETS], now, &tv) < 0)
		return -1;
	if ((snap = snapshot_next(r, tv, now)) &&
	    write_snapshot_timestamp(r->dir, snap, &rt->now_[SG_TUF_SNAPSHOT],
				     &rt->now_[SG_TUF_TIMESTAMP], r->timestamp.version + 1, now) == 0)
		rc = sg_buf_printf(report,
				   "targets: version %llu; snapshot and timestamp signed "
				   "again\n",
				   (unsigned long long)tv);
	sg_json_free(snap);
	return rc;
}

int sg_release_rotate(const char *keys, const char *repo, const char *const *roles, size_t n,
		      int64_t now, struct sg_buf *report)
{
	struct rotation rt;
	int rc = -1;

	memset(&rt, 0, sizeof(rt));
	for (size_t i = 0; i < n; i++) {
		int k = role_index(roles[i]);
		if (k < 0)
			return sg_fail("%s: not a role (root, targets, snapshot, timestamp)",
				       roles[i]);
		rt.rotate[k] = 1;
	}
	if (repo_load(repo, &rt.r) < 0 || sg_fleet_operator(keys, &rt.ids, &rt.rs) < 0 ||
	    rotation_keys(&rt, keys, report) < 0 || rotation_root(&rt, now, report) < 0 ||
	    rotation_resign(&rt, now, report) < 0)
		goto out;
	/* root.json last: the new root is the repository's from now on */
	char path[SG_PATH_MAX], cur[SG_PATH_MAX];
	snprintf(path, sizeof(path), "%s/metadata/%llu.root.json", repo,
		 (unsigned long long)rt.r.root.version + 1);
	snprintf(cur, sizeof(cur), "%s/metadata/root.json", repo);
	struct sg_buf b = SG_BUF_INIT;
	rc = sg_read_file(path, &b, META_MAX) < 0 ||
			     sg_write_file_atomic(cur, b.data, b.len, 0644, 0) < 0
		     ? -1
		     : 0;
	sg_buf_free(&b);
	for (int i = 0; rc == 0 && i < 4; i++)
		if (rt.rotate[i] && key_swap(keys, role_keys[i], rt.r.root.version) < 0)
			rc = -1;
out:
	sg_wipe(rt.old, sizeof(rt.old));
	sg_wipe(rt.now_, sizeof(rt.now_));
	sg_age_identities_free(&rt.ids);
	sg_age_recipients_free(&rt.rs);
	repo_free(&rt.r);
	return rc;
}
