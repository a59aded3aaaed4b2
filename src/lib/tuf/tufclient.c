/* tufclient.c - the TUF client workflow (tufclient.h). */
#include "tufclient.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "timestamp.h"

#define ROOT_MAX (512u << 10)
#define ROLE_MAX (16u << 20)
#define ROTATIONS_MAX 1024
#define ROLES_VISITED_MAX 32

/* --- the directory transport ---------------------------------------------- */

static int dir_open(struct sg_tuf_dir *d, const char *rel)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", d->base, rel) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static int dir_get(void *ctx, const char *rel, uint64_t max, struct sg_buf *out)
{
	struct sg_tuf_dir *d = ctx;
	int fd = dir_open(d, rel);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return sg_fail_errno("%s/%s", d->base, rel);
	}
	uint8_t chunk[65536];
	int rc = 0;
	for (;;) {
		ssize_t n = sg_read_full(fd, chunk, sizeof(chunk));
		if (n < 0) {
			rc = sg_fail_errno("%s/%s", d->base, rel);
			break;
		}
		if (!n)
			break;
		if ((uint64_t)n > max - out->len) {
			rc = sg_fail("%s/%s: more than the %llu bytes it may have", d->base, rel,
				     (unsigned long long)max);
			break;
		}
		if (sg_buf_append(out, chunk, (size_t)n) < 0) {
			rc = -1;
			break;
		}
	}
	close(fd);
	return rc;
}

static int dir_get_file(void *ctx, const char *rel, uint64_t offset, uint64_t max, int out)
{
	struct sg_tuf_dir *d = ctx;
	int fd = dir_open(d, rel);
	if (fd < 0)
		return sg_fail_errno("%s/%s", d->base, rel);
	uint8_t chunk[1u << 16];
	uint64_t got = offset;
	int rc = 0;
	if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0)
		rc = sg_fail_errno("%s/%s", d->base, rel);
	while (rc == 0) {
		ssize_t n = sg_read_full(fd, chunk, sizeof(chunk));
		if (n < 0)
			rc = sg_fail_errno("%s/%s", d->base, rel);
		else if (!n)
			break;
		else if ((uint64_t)n > max - got)
			rc = sg_fail("%s/%s: more than the %llu bytes signed", d->base, rel,
				     (unsigned long long)max);
		else if (sg_write_all(out, chunk, (size_t)n) < 0)
			rc = -1;
		else
			got += (uint64_t)n;
	}
	close(fd);
	return rc;
}

int sg_tuf_dir_transport(struct sg_tuf_dir *d, const char *base, struct sg_tuf_transport *t)
{
	if (!(d->base = strdup(base)))
		return sg_fail("out of memory");
	t->get = dir_get;
	t->get_file = dir_get_file;
	t->ctx = d;
	return 0;
}

void sg_tuf_dir_free(struct sg_tuf_dir *d)
{
	free(d->base);
	d->base = NULL;
}

/* --- the trusted store ------------------------------------------------------- */

static int trusted_path(const struct sg_tuf_client *c, const char *role, char *out, size_t cap)
{
	if (snprintf(out, cap, "%s/%s.json", c->trusted_dir, role) >= (int)cap)
		return sg_fail("%s: path too long", c->trusted_dir);
	return 0;
}

/* 1 when absent. */
static int trusted_load(const struct sg_tuf_client *c, enum sg_tuf_type t, struct sg_tuf_meta *m)
{
	char path[4096];
	struct sg_buf b = { 0 };
	int rc;

	if (trusted_path(c, sg_tuf_type_name(t), path, sizeof(path)) < 0)
		return -1;
	rc = sg_read_file(path, &b, ROLE_MAX);
	if (rc < 0 && errno == ENOENT)
		return 1;
	if (rc == 0)
		rc = sg_tuf_meta_parse((const char *)b.data, b.len, t, sg_tuf_type_name(t), path, m);
	sg_buf_free(&b);
	return rc;
}

static int trusted_save(const struct sg_tuf_client *c, const char *role, const struct sg_buf *b)
{
	char path[4096];
	if (trusted_path(c, role, path, sizeof(path)) < 0)
		return -1;
	return sg_write_file_atomic(path, b->data, b->len, 0644, 0);
}

static int trusted_drop(const struct sg_tuf_client *c, const char *role)
{
	char path[4096];
	if (trusted_path(c, role, path, sizeof(path)) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return sg_fail_errno("%s", path);
	return 0;
}

/* --- time ---------------------------------------------------------------- */

/* The trusted timestamp's x-signet-issued, or 0. */
static time_t issued_of(const struct sg_tuf_meta *ts)
{
	size_t len;
	const char *s = sg_json_string(sg_json_get(ts->signed_obj, "x-signet-issued"), &len);
	time_t t;
	if (!s || sg_time_parse(s, len, "x-signet-issued", &t) < 0)
		return 0;
	return t;
}

static int set_now(struct sg_tuf_client *c)
{
	time_t floor = c->have_timestamp ? issued_of(&c->timestamp) : 0;
	if (sg_time_now(&c->now) < 0)
		return -1;
	if (floor > c->now)
		c->now = floor;
	return 0;
}

static int fresh(const struct sg_tuf_client *c, const struct sg_tuf_meta *m, const char *name)
{
	if (m->expires > c->now)
		return 0;
	char when[SG_TIME_LEN + 1], now[SG_TIME_LEN + 1];
	sg_time_format(m->expires, when);
	sg_time_format(c->now, now);
	return sg_fail("%s: expired at %s (it is %s): a freeze attack, or a repository nobody "
		       "re-signs",
		       name, when, now);
}

/* --- fetching ---------------------------------------------------------------- */

/* Fetches metadata/name (bounded by f's length when given, else max)
 * and checks f's length and sha256. 1 when absent. */
static int fetch_meta(struct sg_tuf_client *c, const char *name, const struct sg_tuf_metafile *f,
		      uint64_t max, struct sg_buf *out)
{
	char rel[512];
	int rc;

	if (snprintf(rel, sizeof(rel), "metadata/%s", name) >= (int)sizeof(rel))
		return sg_fail("%s: name too long", name);
	if (f && f->has_length)
		max = f->length;
	if ((rc = c->t.get(c->t.ctx, rel, max, out)) != 0)
		return rc;
	if (f && f->has_length && out->len != f->length)
		return sg_fail("%s: %zu bytes, not the %llu its parent says", name, out->len,
			       (unsigned long long)f->length);
	if (f && f->has_sha256) {
		uint8_t sum[SG_SHA256_LEN];
		if (sg_sha256(out->data, out->len, sum) < 0)
			return -1;
		if (memcmp(sum, f->sha256, sizeof(sum)))
			return sg_fail("%s: its sha256 is not the one its parent says", name);
	}
	return 0;
}

static int need_file(int rc, const char *name)
{
	if (rc == 1)
		return sg_fail("%s: the repository does not have it", name);
	return rc;
}

/* --- 5.3 root ---------------------------------------------------------------- */

static int same_keys(const struct sg_tuf_rolekeys *a, const struct sg_tuf_rolekeys *b)
{
	if (a->n != b->n || a->threshold != b->threshold)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = 0;
		while (j < b->n && strcmp(a->keyids[i], b->keyids[j]))
			j++;
		if (j == b->n)
			return 0;
	}
	return 1;
}

static int next_root(struct sg_tuf_client *c, int *done)
{
	uint64_t v = c->root.version + 1;
	char name[64];
	struct sg_buf b = { 0 };
	struct sg_tuf_meta n;
	int rc;

	snprintf(name, sizeof(name), "%llu.root.json", (unsigned long long)v);
	rc = fetch_meta(c, name, NULL, ROOT_MAX, &b);
	if (rc == 1) {
		*done = 1;
		sg_buf_free(&b);
		return 0;
	}
	if (rc < 0 ||
	    sg_tuf_meta_parse((const char *)b.data, b.len, SG_TUF_ROOT, "root", name, &n) < 0) {
		sg_buf_free(&b);
		return -1;
	}
	rc = -1;
	if (sg_tuf_meta_verify(&n, c->root.keys, c->root.nkeys, &c->root.roles[SG_TUF_ROOT], name) <
		    0 ||
	    sg_tuf_meta_verify(&n, n.keys, n.nkeys, &n.roles[SG_TUF_ROOT], name) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		sg_fail("root rotation refused: %s", msg);
		goto out;
	}
	if (n.version != v) {
		sg_fail("root rotation refused: %s holds version %llu (no root may be skipped)",
			name, (unsigned long long)n.version);
		goto out;
	}
	int keep_ts = same_keys(&c->root.roles[SG_TUF_TIMESTAMP], &n.roles[SG_TUF_TIMESTAMP]);
	int keep_snap = same_keys(&c->root.roles[SG_TUF_SNAPSHOT], &n.roles[SG_TUF_SNAPSHOT]);
	if (trusted_save(c, "root", &b) < 0)
		goto out;
	if (!keep_ts || !keep_snap) {
		if (trusted_drop(c, "timestamp") < 0 || trusted_drop(c, "snapshot") < 0)
			goto out;
		if (c->have_timestamp)
			sg_tuf_meta_free(&c->timestamp);
		if (c->have_snapshot)
			sg_tuf_meta_free(&c->snapshot);
		c->have_timestamp = c->have_snapshot = 0;
	}
	sg_tuf_meta_free(&c->root);
	c->root = n;
	memset(&n, 0, sizeof(n));
	c->rotations++;
	rc = 0;
out:
	sg_tuf_meta_free(&n);
	sg_buf_free(&b);
	return rc;
}

static int update_root(struct sg_tuf_client *c)
{
	int done = 0;
	c->rotations = 0;
	for (int i = 0; i < ROTATIONS_MAX && !done; i++)
		if (next_root(c, &done) < 0)
			return -1;
	if (set_now(c) < 0)
		return -1;
	return fresh(c, &c->root, "root.json");
}

/* --- 5.4 timestamp ------------------------------------------------------------- */

static int update_timestamp(struct sg_tuf_client *c)
{
	struct sg_buf b = { 0 };
	struct sg_tuf_meta n;
	int rc = -1;

	if (need_file(fetch_meta(c, "timestamp.json", NULL, ROOT_MAX, &b), "timestamp.json") < 0 ||
	    sg_tuf_meta_parse((const char *)b.data, b.len, SG_TUF_TIMESTAMP, "timestamp",
			      "timestamp.json", &n) < 0) {
		sg_buf_free(&b);
		return -1;
	}
	if (sg_tuf_meta_verify(&n, c->root.keys, c->root.nkeys, &c->root.roles[SG_TUF_TIMESTAMP],
			       "timestamp.json") < 0)
		goto out;
	if (c->have_timestamp) {
		const struct sg_tuf_metafile *old = &c->timestamp.meta[0], *new = &n.meta[0];
		if (n.version < c->timestamp.version) {
			sg_fail("timestamp.json: version %llu is below the trusted %llu: a rollback",
				(unsigned long long)n.version,
				(unsigned long long)c->timestamp.version);
			goto out;
		}
		if (new->version < old->version) {
			sg_fail("timestamp.json: names snapshot version %llu, below the trusted "
				"%llu: a rollback",
				(unsigned long long)new->version, (unsigned long long)old->version);
			goto out;
		}
	}
	if (fresh(c, &n, "timestamp.json") < 0)
		goto out;
	if (trusted_save(c, "timestamp", &b) < 0)
		goto out;
	if (c->have_timestamp)
		sg_tuf_meta_free(&c->timestamp);
	c->timestamp = n;
	c->have_timestamp = 1;
	memset(&n, 0, sizeof(n));
	rc = set_now(c);
out:
	sg_tuf_meta_free(&n);
	sg_buf_free(&b);
	return rc;
}

/* --- 5.5 snapshot, 5.6 targets --------------------------------------------------- */

/* The file name of a role's metadata of version v. */
static void role_file(const struct sg_tuf_client *c, const char *role, uint64_t v, char *out,
		      size_t cap)
{
	if (c->root.consistent_snapshot)
		snprintf(out, cap, "%llu.%s.json", (unsigned long long)v, role);
	else
		snprintf(out, cap, "%s.json", role);
}

/* Fetches and checks the role's metadata that parent pins (f): its
 * version, signatures by rk from keys, freshness. */
static int fetch_role(struct sg_tuf_client *c, enum sg_tuf_type t, const char *role,
		      const struct sg_tuf_metafile *f, const struct sg_tuf_key *keys, size_t nkeys,
		      const struct sg_tuf_rolekeys *rk, struct sg_buf *b, struct sg_tuf_meta *out)
{
	char name[SG_TUF_ROLE_MAX + 32];

	role_file(c, role, f->version, name, sizeof(name));
	if (need_file(fetch_meta(c, name, f, ROLE_MAX, b), name) < 0 ||
	    sg_tuf_meta_parse((const char *)b->data, b->len, t, role, name, out) < 0)
		return -1;
	if (sg_tuf_meta_verify(out, keys, nkeys, rk, name) < 0)
		goto fail;
	if (out->version != f->version) {
		sg_fail("%s: version %llu, but its parent names version %llu: mix-and-match", name,
			(unsigned long long)out->version, (unsigned long long)f->version);
		goto fail;
	}
	if (fresh(c, out, name) < 0)
		goto fail;
	return 0;
fail:
	sg_tuf_meta_free(out);
	return -1;
}

/* 5.5.5: no targets role of the trusted snapshot goes back or away. */
static int snapshot_monotonic(const struct sg_tuf_meta *old, const struct sg_tuf_meta *new)
{
	for (size_t i = 0; i < old->nmeta; i++) {
		const struct sg_tuf_metafile *n = sg_tuf_meta_file(new, old->meta[i].name);
		if (!n)
			return sg_fail("snapshot: %s, listed before, is gone: a rollback",
				       old->meta[i].name);
		if (n->version < old->meta[i].version)
			return sg_fail("snapshot: %s version %llu is below the trusted %llu: a "
				       "rollback",
				       old->meta[i].name, (unsigned long long)n->version,
				       (unsigned long long)old->meta[i].version);
	}
	return 0;
}

static int update_snapshot(struct sg_tuf_client *c)
{
	struct sg_buf b = { 0 };
	struct sg_tuf_meta n;
	int rc = -1;

	if (fetch_role(c, SG_TUF_SNAPSHOT, "snapshot", &c->timestamp.meta[0], c->root.keys,
		       c->root.nkeys, &c->root.roles[SG_TUF_SNAPSHOT], &b, &n) < 0) {
		sg_buf_free(&b);
		return -1;
	}
	if (c->have_snapshot && n.version < c->snapshot.version) {
		sg_fail("snapshot: version %llu is below the trusted %llu: a rollback",
			(unsigned long long)n.version, (unsigned long long)c->snapshot.version);
		goto out;
	}
	if (c->have_snapshot && snapshot_monotonic(&c->snapshot, &n) < 0)
		goto out;
	if (trusted_save(c, "snapshot", &b) < 0)
		goto out;
	if (c->have_snapshot)
		sg_tuf_meta_free(&c->snapshot);
	c->snapshot = n;
	c->have_snapshot = 1;
	memset(&n, 0, sizeof(n));
	rc = 0;
out:
	sg_tuf_meta_free(&n);
	sg_buf_free(&b);
	return rc;
}

static int update_targets(struct sg_tuf_client *c)
{
	struct sg_buf b = { 0 };
	struct sg_tuf_meta n;
	const struct sg_tuf_metafile *f = sg_tuf_meta_file(&c->snapshot, "targets.json");
	int rc = -1;

	if (fetch_role(c, SG_TUF_TARGETS, "targets", f, c->root.keys, c->root.nkeys,
		       &c->root.roles[SG_TUF_TARGETS], &b, &n) < 0) {
		sg_buf_free(&b);
		return -1;
	}
	if (trusted_save(c, "targets", &b) == 0) {
		if (c->have_targets)
			sg_tuf_meta_free(&c->targets);
		c->targets = n;
		c->have_targets = 1;
		rc = 0;
	} else {
		sg_tuf_meta_free(&n);
	}
	sg_buf_free(&b);
	return rc;
}

int sg_tuf_refresh(struct sg_tuf_client *c)
{
	if (update_root(c) < 0 || update_timestamp(c) < 0 || update_snapshot(c) < 0 ||
	    update_targets(c) < 0)
		return -1;
	return 0;
}

/* --- opening ------------------------------------------------------------------- */

static int load_root(struct sg_tuf_client *c)
{
	struct sg_buf b = { 0 };
	char path[4096];
	int rc;

	if (trusted_path(c, "root", path, sizeof(path)) < 0)
		return -1;
	rc = sg_read_file(path, &b, ROOT_MAX);
	if (rc < 0 && errno == ENOENT && c->bootstrap_root) {
		sg_buf_free(&b);
		snprintf(path, sizeof(path), "%s", c->bootstrap_root);
		if ((rc = sg_read_file(path, &b, ROOT_MAX)) == 0)
			rc = trusted_save(c, "root", &b);
	}
	if (rc == 0)
		rc = sg_tuf_meta_parse((const char *)b.data, b.len, SG_TUF_ROOT, "root", path,
				       &c->root);
	sg_buf_free(&b);
	if (rc < 0)
		return -1;
	/* the trusted root is trusted, but it must still be a root that
	 * signs itself: a damaged copy is refused, not believed */
	return sg_tuf_meta_verify(&c->root, c->root.keys, c->root.nkeys,
				  &c->root.roles[SG_TUF_ROOT], path);
}

int sg_tuf_client_open(struct sg_tuf_client *c, const char *trusted_dir, const char *bootstrap_root,
		       const struct sg_tuf_transport *t)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->t = *t;
	if (!(c->trusted_dir = strdup(trusted_dir)) ||
	    (bootstrap_root && !(c->bootstrap_root = strdup(bootstrap_root)))) {
		sg_tuf_client_close(c);
		return sg_fail("out of memory");
	}
	if (mkdir(trusted_dir, 0700) < 0 && errno != EEXIST) {
		sg_fail_errno("%s", trusted_dir);
		goto fail;
	}
	if (load_root(c) < 0)
		goto fail;
	if ((rc = trusted_load(c, SG_TUF_TIMESTAMP, &c->timestamp)) < 0)
		goto fail;
	c->have_timestamp = rc == 0;
	if ((rc = trusted_load(c, SG_TUF_SNAPSHOT, &c->snapshot)) < 0)
		goto fail;
	c->have_snapshot = rc == 0;
	return 0;
fail:
	sg_tuf_client_close(c);
	return -1;
}

void sg_tuf_client_close(struct sg_tuf_client *c)
{
	sg_tuf_meta_free(&c->root);
	if (c->have_timestamp)
		sg_tuf_meta_free(&c->timestamp);
	if (c->have_snapshot)
		sg_tuf_meta_free(&c->snapshot);
	if (c->have_targets)
		sg_tuf_meta_free(&c->targets);
	free(c->trusted_dir);
	free(c->bootstrap_root);
	memset(c, 0, sizeof(*c));
}

/* --- 5.7 targets ------------------------------------------------------------- */

/* A target path becomes a file name: no absolute path, no "." or ".."
 * or empty component, no backslash or control character. */
static int path_safe(const char *path)
{
	const char *p = path;
	if (!*p || *p == '/')
		return 0;
	for (const char *q = p; *q; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20 || *q == 0x7f)
			return 0;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;
	}
	return 1;
}

/* A delegated role d of parent, fetched as the snapshot pins it. */
static int load_delegated(struct sg_tuf_client *c, const struct sg_tuf_meta *parent,
			  const struct sg_tuf_delegation *d, struct sg_tuf_meta *out)
{
	char name[SG_TUF_ROLE_MAX + 8];
	struct sg_buf b = { 0 };
	int rc;

	if (snprintf(name, sizeof(name), "%s.json", d->name) >= (int)sizeof(name))
		return sg_fail("role name too long: %.64s...", d->name);
	const struct sg_tuf_metafile *f = sg_tuf_meta_file(&c->snapshot, name);
	if (!f)
		return sg_fail("snapshot: does not list the delegated role %s", d->name);
	rc = fetch_role(c, SG_TUF_TARGETS, d->name, f, parent->keys, parent->nkeys, &d->keys, &b,
			out);
	sg_buf_free(&b);
	return rc;
}

struct search {
	struct sg_tuf_client *c;
	const char *path;
	int visited;
	struct sg_tuf_meta *holder;
	const struct sg_tuf_target **out;
	char *role;
};

/* Searches m's delegations for s->path: 0 found (s->holder filled), 1
 * not found, 2 not found and a terminating role ended the search. */
static int search_delegations(struct search *s, const struct sg_tuf_meta *m)
{
	for (size_t i = 0; i < m->ndelegations; i++) {
		const struct sg_tuf_delegation *d = &m->delegations[i];
		struct sg_tuf_meta child;
		int rc;

		if (!sg_tuf_delegation_matches(d, s->path))
			continue;
		if (++s->visited > ROLES_VISITED_MAX)
			return sg_fail("%s: more than %d roles searched", s->path, ROLES_VISITED_MAX);
		if (load_delegated(s->c, m, d, &child) < 0)
			return -1;
		const struct sg_tuf_target *t = sg_tuf_meta_target(&child, s->path);
		if (t) {
			*s->holder = child;
			*s->out = sg_tuf_meta_target(s->holder, s->path);
			if (s->role)
				snprintf(s->role, SG_TUF_ROLE_MAX, "%s", d->name);
			return 0;
		}
		rc = search_delegations(s, &child);
		sg_tuf_meta_free(&child);
		if (rc <= 0 || rc == 2)
			return rc;
		if (d->terminating)
			return 2;
	}
	return 1;
}

int sg_tuf_find_target(struct sg_tuf_client *c, const char *path, struct sg_tuf_meta *holder,
		       const struct sg_tuf_target **out, char *role)
{
	struct search s = { .c = c, .path = path, .holder = holder, .out = out, .role = role };
	int rc;

	memset(holder, 0, sizeof(*holder));
	if (!c->have_targets)
		return sg_fail("no trusted targets: refresh first");
	if (!path_safe(path))
		return sg_fail("target \"%s\": not a relative path of plain names", path);
	if ((*out = sg_tuf_meta_target(&c->targets, path))) {
		if (role)
			snprintf(role, SG_TUF_ROLE_MAX, "targets");
		return 0;
	}
	rc = search_delegations(&s, &c->targets);
	return rc == 2 ? 1 : rc;
}

int sg_tuf_target_rel(const struct sg_tuf_client *c, const struct sg_tuf_target *t, char *out,
		      size_t cap)
{
	const char *slash = strrchr(t->path, '/');
	char hex[65];
	int n;

	if (!path_safe(t->path))
		return sg_fail("target \"%s\": not a relative path of plain names", t->path);
	sg_hex_encode(t->sha256, 32, hex, SG_HEX_LOWER);
	if (!c->root.consistent_snapshot)
		n = snprintf(out, cap, "targets/%s", t->path);
	else if (slash)
		n = snprintf(out, cap, "targets/%.*s/%s.%s", (int)(slash - t->path), t->path, hex,
			     slash + 1);
	else
		n = snprintf(out, cap, "targets/%s.%s", hex, t->path);
	if (n < 0 || (size_t)n >= cap)
		return sg_fail("target \"%s\": path too long", t->path);
	return 0;
}

/* The sha256 of fd's first len bytes. */
static int hash_fd(int fd, uint64_t *len, uint8_t sum[SG_SHA256_LEN])
{
	struct sg_digest *d = sg_digest_new("SHA256");
	uint8_t chunk[1u << 16];
	int rc = 0;

	*len = 0;
	if (!d || lseek(fd, 0, SEEK_SET) < 0) {
		sg_digest_free(d);
		return d ? sg_fail_errno("seek") : -1;
	}
	for (;;) {
		ssize_t n = sg_read_full(fd, chunk, sizeof(chunk));
		if (n < 0) {
			rc = sg_fail_errno("read");
			break;
		}
		if (!n)
			break;
		*len += (uint64_t)n;
		if (sg_digest_update(d, chunk, (size_t)n) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		rc = sg_digest_final(d, sum) < 0 ? -1 : 0;
	sg_digest_free(d);
	return rc;
}

/* One attempt: continue DEST.partial from its size. 0 when it now holds
 * the signed bytes, 1 when it holds other bytes (the caller starts
 * over), -1 on an error. */
static int download_once(struct sg_tuf_client *c, const struct sg_tuf_target *t, const char *rel,
			 int fd)
{
	struct stat st;
	uint8_t sum[SG_SHA256_LEN];
	uint64_t len;

	if (fstat(fd, &st) < 0)
		return sg_fail_errno("stat");
	if ((uint64_t)st.st_size < t->length &&
	    (lseek(fd, 0, SEEK_END) < 0 ||
	     c->t.get_file(c->t.ctx, rel, (uint64_t)st.st_size, t->length, fd) < 0))
		return -1;
	if (hash_fd(fd, &len, sum) < 0)
		return -1;
	if (len != t->length)
		return len > t->length
			       ? 1
			       : sg_fail("%s: %llu bytes, not the %llu signed", t->path,
					 (unsigned long long)len, (unsigned long long)t->length);
	return memcmp(sum, t->sha256, sizeof(sum)) ? 1 : 0;
}

int sg_tuf_have(const struct sg_tuf_target *t, const char *path)
{
	uint8_t sum[SG_SHA256_LEN];
	uint64_t len;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == t->length &&
	    hash_fd(fd, &len, sum) == 0)
		rc = len == t->length && !memcmp(sum, t->sha256, sizeof(sum));
	close(fd);
	return rc;
}

int sg_tuf_download(struct sg_tuf_client *c, const struct sg_tuf_target *t, const char *dest)
{
	char rel[4096], partial[4096];
	int fd, rc;

	if (sg_tuf_target_rel(c, t, rel, sizeof(rel)) < 0)
		return -1;
	if (snprintf(partial, sizeof(partial), "%s.partial", dest) >= (int)sizeof(partial))
		return sg_fail("%s: path too long", dest);
	if ((fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return sg_fail_errno("%s", partial);
	rc = download_once(c, t, rel, fd);
	if (rc == 1) { /* a stale or foreign .partial: once more from the start */
		if (ftruncate(fd, 0) < 0)
			rc = sg_fail_errno("%s", partial);
		else
			rc = download_once(c, t, rel, fd);
	}
	if (rc == 1) { /* bytes that cannot be the target are not kept */
		unlink(partial);
		rc = sg_fail("%s: its sha256 is not the one signed", t->path);
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = sg_fail_errno("%s", partial);
	close(fd);
	if (rc < 0)
		return -1;
	if (rename(partial, dest) < 0)
		return sg_fail_errno("%s", dest);
	return sg_sync_parent_dir(dest);
}
