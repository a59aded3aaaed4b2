/* fleetbuild.c - the fleet build (fleetbuild.h). */
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
#include "fleetbuild.h"
#include "fleetboot.h"
#include "fleetdns.h"
#include "fleetweb.h"
#include "fleetlock.h"
#include "fleetout.h"
#include "fleetrootfs.h"
#include "hex.h"
#include "path.h"
#include "run.h"

#define MANIFEST "manifest.json"
#define MANIFEST_MAX (1u << 26)
#define ARTIFACT_MAX (1ull << 32)

/* ---- where the build comes from ---- */

static int git_line(const char *repo, const char *const *args, char *out, size_t cap)
{
	const char *argv[12] = { "git", "-C", repo };
	struct sg_buf o = SG_BUF_INIT;
	size_t n = 3, len;
	int rc;

	for (; *args && n < 11; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	rc = sg_run_stdout(argv, NULL, repo, &o);
	len = o.len;
	while (len && (o.data[len - 1] == '\n' || o.data[len - 1] == '\r'))
		len--;
	if (rc == 0 && out && len >= cap)
		rc = sg_fail("%s: git printed more than expected", repo);
	if (rc == 0 && out) {
		memcpy(out, o.data, len);
		out[len] = '\0';
	}
	if (rc == 0 && !out && len)
		rc = 1; /* a dirty tree: git status printed something */
	sg_buf_free(&o);
	return rc;
}

int sg_fleet_source(const char *repo, struct sg_fleet_source *src)
{
	static const char *const head[] = { "rev-parse", "--verify", "-q", "HEAD", NULL };
	static const char *const time[] = { "log", "-1", "--format=%ct", NULL };
	static const char *const status[] = { "status", "--porcelain", NULL };
	char t[32];
	int rc;

	memset(src, 0, sizeof(*src));
	src->dirty = 1;
	if (git_line(repo, head, src->commit, sizeof(src->commit)) < 0) {
		src->commit[0] = '\0';
		sg_errclear();
		return 0;
	}
	if (git_line(repo, time, t, sizeof(t)) < 0 || (rc = git_line(repo, status, NULL, 0)) < 0)
		return -1;
	src->dirty = rc;
	src->epoch = strtoll(t, NULL, 10);
	src->has_epoch = 1;
	return 0;
}

/* ---- jobs ---- */

static int host_document(const struct sg_json *in, struct sg_buf *out)
{
	return sg_json_canonical(in, out);
}

/* The same with the rootfs image's root hash added (fleetrootfs.h). */
static int host_document_rootfs(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	struct sg_json *doc;
	int rc;

	if (sg_fleet_rootfs_config(sg_json_get(in, "host"), sg_json_get(in, "rootfs_hash"), dir,
				   &doc) < 0)
		return -1;
	rc = sg_json_canonical(doc, out);
	sg_json_free(doc);
	return rc;
}

/* host.json: the host document signet-init reads, as JCS; with
 * "rootfs_hash" when its rootfs is an image. */
static int host_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		     struct sg_fleet_jobs *jobs)
{
	struct sg_json *pin, *in;

	if (sg_fleet_rootfs_hash_pin(c->f, h, &pin) < 0)
		return -1;
	if (!pin)
		return sg_fleet_jobs_add(jobs, h, "host-document", "host.json",
					 sg_json_clone(h->boot), host_document);
	if (!(in = sg_json_new_object()) || sg_json_set(in, "host", sg_json_clone(h->boot)) < 0) {
		sg_json_free(pin);
		sg_json_free(in);
		return -1;
	}
	if (sg_json_set(in, "rootfs_hash", pin) < 0) {
		sg_json_free(in);
		return -1;
	}
	return sg_fleet_jobs_add_pinned(jobs, h, "host-document", "host.json", in,
					host_document_rootfs);
}

static sg_fleet_producer_fn *const producers[] = { host_jobs, sg_fleet_rootfs_jobs,
						   sg_fleet_boot_jobs, sg_fleet_dns_jobs,
						   sg_fleet_web_jobs };

static int cmp_job(const void *a, const void *b)
{
	return strcmp(((const struct sg_fleet_job *)a)->path, ((const struct sg_fleet_job *)b)->path);
}

/* Keeps one of each run of equal shared jobs (sorted by path); two jobs
 * of one path are otherwise an error. */
static int merge_shared(struct sg_fleet_jobs *jobs)
{
	size_t w = 0;

	for (size_t i = 0; i < jobs->n; i++) {
		struct sg_fleet_job *j = &jobs->v[i];
		char a[65], b[65];
		if (w > 0 && strcmp(jobs->v[w - 1].path, j->path) == 0) {
			if (j->host[0] != '\0' || sg_fleet_job_digest(&jobs->v[w - 1], a) < 0 ||
			    sg_fleet_job_digest(j, b) < 0 || strcmp(a, b) != 0 ||
			    strcmp(jobs->v[w - 1].kind, j->kind) != 0)
				return sg_fail("%s: two jobs make this artifact", j->path);
			sg_json_free(j->inputs);
			j->inputs = NULL;
			continue;
		}
		if (w != i) {
			jobs->v[w] = *j;
			j->inputs = NULL; /* moved: freed once, also after a failure */
		}
		w++;
	}
	jobs->n = w;
	return 0;
}

int sg_fleet_jobs_all(const struct sg_fleet_ctx *c, struct sg_fleet_jobs *jobs)
{
	for (size_t i = 0; i < c->f->nhosts; i++)
		for (size_t p = 0; p < sizeof(producers) / sizeof(producers[0]); p++)
			if (producers[p](c, &c->f->hosts[i], jobs) < 0)
				return -1;
	qsort(jobs->v, jobs->n, sizeof(*jobs->v), cmp_job);
	return merge_shared(jobs);
}

int sg_fleet_job_digest(const struct sg_fleet_job *j, char hex[65])
{
	struct sg_buf b = SG_BUF_INIT;
	uint8_t d[SG_SHA256_LEN];
	int rc = -1;

	if (sg_buf_printf(&b, "signet/v1/fleet-job\n%s\n", j->kind) == 0 &&
	    sg_json_canonical(j->inputs, &b) == 0 && sg_sha256(b.data, b.len, d) == 0) {
		sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
		hex[64] = '\0';
		rc = 0;
	}
	sg_buf_free(&b);
	return rc;
}

/* ---- the manifest ---- */

static const struct sg_json *artifacts_of(const struct sg_json *m)
{
	const struct sg_json *a = m ? sg_json_get(m, "artifacts") : NULL;

	return a && a->kind == SG_JSON_ARRAY ? a : NULL;
}

/* The entry of base for path, or NULL. */
static const struct sg_json *entry_for(const struct sg_json *base, const char *path)
{
	const struct sg_json *a = artifacts_of(base);

	for (size_t i = 0; a && i < a->u.array.len; i++) {
		const struct sg_json *p = sg_json_get(a->u.array.items[i], "path");
		if (p && p->kind == SG_JSON_STRING && strcmp(p->u.string.data, path) == 0)
			return a->u.array.items[i];
	}
	return NULL;
}

static int str_is(const struct sg_json *obj, const char *key, const char *want)
{
	const struct sg_json *v = obj ? sg_json_get(obj, key) : NULL;

	return v && v->kind == SG_JSON_STRING && strcmp(v->u.string.data, want) == 0;
}

static int is_string(const struct sg_json *obj, const char *key)
{
	const struct sg_json *v = obj && obj->kind == SG_JSON_OBJECT ? sg_json_get(obj, key) : NULL;

	return v && v->kind == SG_JSON_STRING;
}

int sg_fleet_manifest_parse(const char *name, const char *text, size_t len, struct sg_json **manifest)
{
	const struct sg_json *a;

	*manifest = NULL;
	if (sg_json_parse(text, len, manifest) < 0)
		return sg_fail_prefix(name);
	if (!str_is(*manifest, "version", "0.1") || !(a = artifacts_of(*manifest))) {
		sg_fail("%s: not a fleet build's manifest (version 0.1, artifacts)", name);
		goto fail;
	}
	for (size_t i = 0; i < a->u.array.len; i++)
		if (!is_string(a->u.array.items[i], "path") ||
		    !is_string(a->u.array.items[i], "sha256") ||
		    !is_string(a->u.array.items[i], "inputs") ||
		    !is_string(a->u.array.items[i], "kind")) {
			sg_fail("%s: artifact %zu lacks path, kind, sha256 or inputs", name, i);
			goto fail;
		}
	return 0;
fail:
	sg_json_free(*manifest);
	*manifest = NULL;
	return -1;
}

int sg_fleet_manifest_read(const char *dir, struct sg_json **manifest)
{
	char path[SG_PATH_MAX];
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	*manifest = NULL;
	if (sg_path_join(path, sizeof(path), dir, MANIFEST) == 0 &&
	    sg_read_file(path, &text, MANIFEST_MAX) == 0)
		rc = sg_fleet_manifest_parse(path, (const char *)text.data, text.len, manifest);
	sg_buf_free(&text);
	return rc;
}

/* The previous build's bytes of j, when its entry has j's inputs and the
 * file still has the listed digest: 1 with them in data, 0 otherwise. */
static int reuse(const char *out, const struct sg_json *prev, const struct sg_fleet_job *j,
		 const char *inputs, struct sg_buf *data)
{
	const struct sg_json *e = entry_for(prev, j->path);
	char path[SG_PATH_MAX], hex[65];
	uint8_t d[SG_SHA256_LEN];

	if (!e || !str_is(e, "inputs", inputs) || !str_is(e, "kind", j->kind) ||
	    sg_path_join(path, sizeof(path), out, j->path) < 0)
		return 0;
	if (sg_read_file(path, data, ARTIFACT_MAX) < 0 || sg_sha256(data->data, data->len, d) < 0) {
		sg_errclear();
		data->len = 0;
		return 0;
	}
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	hex[64] = '\0';
	if (!str_is(e, "sha256", hex)) {
		data->len = 0;
		return 0;
	}
	return 1;
}

static struct sg_json *artifact_entry(const struct sg_fleet_job *j, const struct sg_buf *data,
				      const char *inputs)
{
	struct sg_json *e = sg_json_new_object();
	uint8_t d[SG_SHA256_LEN];
	char hex[65];

	if (!e || sg_sha256(data->data, data->len, d) < 0)
		goto fail;
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	hex[64] = '\0';
	if (sg_json_set(e, "path", sg_json_new_string(j->path)) < 0 ||
	    sg_json_set(e, "host", sg_json_new_string(j->host)) < 0 ||
	    sg_json_set(e, "kind", sg_json_new_string(j->kind)) < 0 ||
	    sg_json_set(e, "size", sg_json_new_int((int64_t)data->len)) < 0 ||
	    sg_json_set(e, "sha256", sg_json_new_string(hex)) < 0 ||
	    sg_json_set(e, "inputs", sg_json_new_string(inputs)) < 0)
		goto fail;
	return e;
fail:
	sg_json_free(e);
	return NULL;
}

static struct sg_json *manifest_new(const struct sg_fleet_ctx *c, const struct sg_fleet_source *src)
{
	struct sg_json *m = sg_json_new_object();

	if (!m || sg_json_set(m, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(m, "commit", sg_json_new_string(src->commit)) < 0 ||
	    sg_json_set(m, "dirty", sg_json_new_bool(src->dirty)) < 0 ||
	    sg_json_set(m, "epoch", sg_json_new_int(c->epoch)) < 0 ||
	    sg_json_set(m, "artifacts", sg_json_new_array()) < 0) {
		sg_json_free(m);
		return NULL;
	}
	return m;
}

/* Makes (or reuses) every job into dir, listing each in m. */
static int make_all(const struct sg_fleet_ctx *c, const struct sg_fleet_jobs *jobs, const char *out,
		    const struct sg_json *prev, const char *dir, struct sg_json *m,
		    struct sg_fleet_built *built)
{
	struct sg_json *list = sg_json_get(m, "artifacts");

	for (size_t i = 0; i < jobs->n; i++) {
		const struct sg_fleet_job *j = &jobs->v[i];
		struct sg_buf data = SG_BUF_INIT;
		char inputs[65];
		int rc = sg_fleet_job_digest(j, inputs), again = 0;
		if (rc == 0 && !(again = reuse(out, prev, j, inputs, &data)))
			rc = sg_fleet_job_make(c, j, &data);
		if (rc < 0)
			sg_fail_prefix(j->path);
		if (rc == 0 && (sg_fleet_artifact_write(dir, j->path, &data) < 0 ||
				sg_json_append(list, artifact_entry(j, &data, inputs)) < 0))
			rc = -1;
		sg_buf_free(&data);
		if (rc < 0)
			return -1;
		again ? built->reused++ : built->made++;
	}
	return 0;
}

int sg_fleet_build(const struct sg_fleet_ctx *c, const struct sg_fleet_source *src, const char *out,
		   struct sg_json **manifest, struct sg_fleet_built *built, struct sg_buf *diag)
{
	struct sg_fleet_jobs jobs = { 0 };
	struct sg_json *prev = NULL, *m = NULL;
	struct sg_buf text = SG_BUF_INIT;
	struct sg_fleet_outdir o;
	int rc = -1;

	memset(built, 0, sizeof(*built));
	*manifest = NULL;
	o.lockfd = -1;
	o.fresh[0] = '\0';
	if (sg_fleet_inputs_check(c->f, c->inputs, diag) < 0 || sg_fleet_outdir_open(out, &o) < 0)
		goto done;
	if (access(out, F_OK) == 0 && sg_fleet_manifest_read(out, &prev) < 0)
		sg_errclear(); /* no usable previous build: everything is made */
	if (sg_fleet_jobs_all(c, &jobs) < 0 || !(m = manifest_new(c, src)) ||
	    make_all(c, &jobs, out, prev, o.fresh, m, built) < 0)
		goto done;
	if (sg_json_write(m, &text, 2) < 0 || sg_buf_append_byte(&text, '\n') < 0 ||
	    sg_fleet_artifact_write(o.fresh, MANIFEST, &text) < 0 ||
	    sg_fleet_dir_sync(o.fresh) < 0 || sg_fleet_outdir_commit(out, &o) < 0)
		goto done;
	*manifest = m;
	m = NULL;
	rc = 0;
done:
	sg_fleet_outdir_close(&o, rc < 0);
	sg_fleet_jobs_free(&jobs);
	sg_json_free(prev);
	sg_json_free(m);
	sg_buf_free(&text);
	return rc;
}

/* ---- the plan ---- */

static int plan_entry(struct sg_json *plan, const char *host, const char *kind, const char *path,
		      const char *change)
{
	struct sg_json *e = sg_json_new_object();

	if (!e || sg_json_set(e, "host", sg_json_new_string(host)) < 0 ||
	    sg_json_set(e, "kind", sg_json_new_string(kind)) < 0 ||
	    sg_json_set(e, "path", sg_json_new_string(path)) < 0 ||
	    sg_json_set(e, "change", sg_json_new_string(change)) < 0) {
		sg_json_free(e);
		return -1;
	}
	return sg_json_append(plan, e);
}

static int cmp_plan(const void *a, const void *b)
{
	const struct sg_json *x = *(const struct sg_json *const *)a,
			     *y = *(const struct sg_json *const *)b;

	return strcmp(sg_json_get(x, "path")->u.string.data, sg_json_get(y, "path")->u.string.data);
}

/* The entries of base that no job makes any more. */
static int plan_removed(const struct sg_fleet_jobs *jobs, const struct sg_json *base,
			struct sg_json *plan)
{
	const struct sg_json *a = artifacts_of(base);

	for (size_t i = 0; a && i < a->u.array.len; i++) {
		const struct sg_json *e = a->u.array.items[i], *p = sg_json_get(e, "path"),
				     *h = sg_json_get(e, "host"), *k = sg_json_get(e, "kind");
		struct sg_fleet_job key;
		if (!p || p->kind != SG_JSON_STRING || !h || h->kind != SG_JSON_STRING || !k ||
		    k->kind != SG_JSON_STRING)
			return sg_fail("artifact %zu of the base lacks path, host or kind", i);
		snprintf(key.path, sizeof(key.path), "%s", p->u.string.data);
		if (!bsearch(&key, jobs->v, jobs->n, sizeof(*jobs->v), cmp_job) &&
		    plan_entry(plan, h->u.string.data, k->u.string.data, p->u.string.data,
			       "removed") < 0)
			return -1;
	}
	return 0;
}

int sg_fleet_plan(const struct sg_fleet_ctx *c, const struct sg_json *base, struct sg_json **plan)
{
	struct sg_fleet_jobs jobs = { 0 };
	int rc = -1;

	if (!(*plan = sg_json_new_array()) || sg_fleet_jobs_all(c, &jobs) < 0)
		goto out;
	for (size_t i = 0; i < jobs.n; i++) {
		const struct sg_fleet_job *j = &jobs.v[i];
		const struct sg_json *e = entry_for(base, j->path);
		char inputs[65];
		if (sg_fleet_job_digest(j, inputs) < 0 ||
		    plan_entry(*plan, j->host, j->kind, j->path,
			       !e			     ? "added"
			       : str_is(e, "inputs", inputs) ? "unchanged"
							     : "changed") < 0)
			goto out;
	}
	if (plan_removed(&jobs, base, *plan) < 0)
		goto out;
	qsort((*plan)->u.array.items, (*plan)->u.array.len, sizeof(*(*plan)->u.array.items),
	      cmp_plan);
	rc = 0;
out:
	if (rc < 0) {
		sg_json_free(*plan);
		*plan = NULL;
	}
	sg_fleet_jobs_free(&jobs);
	return rc;
}
