/* fleetjob.c - the jobs of a fleet build (fleetjob.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "crypto.h"
#include "fileio.h"
#include "hex.h"
#include "fleetjob.h"
#include "path.h"
#include "verity.h"

#define STATE_FILE_MAX (1u << 24)

/* host NULL: a shared artifact. */
static int jobs_add(struct sg_fleet_jobs *jobs, const struct sg_fleet_host *h, const char *kind,
		    const char *rel, struct sg_json *inputs, sg_fleet_make_fn *make,
		    sg_fleet_make_pinned_fn *make_pinned)
{
	struct sg_fleet_job *j;
	int n;

	if (!inputs ||
	    sg_array_grow((void **)&jobs->v, &jobs->cap, jobs->n + 1, sizeof(*jobs->v)) < 0) {
		sg_json_free(inputs);
		return -1;
	}
	j = &jobs->v[jobs->n];
	memset(j, 0, sizeof(*j));
	if (h)
		n = snprintf(j->path, sizeof(j->path), "hosts/%s/%s", h->name, rel);
	else
		n = snprintf(j->path, sizeof(j->path), "shared/%s", rel);
	if (n < 0 || (size_t)n >= sizeof(j->path) || strlen(kind) >= sizeof(j->kind)) {
		sg_json_free(inputs);
		return sg_fail("%s: artifact path or kind too long", h ? h->name : rel);
	}
	snprintf(j->host, sizeof(j->host), "%s", h ? h->name : "");
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	j->inputs = inputs;
	j->make = make;
	j->make_pinned = make_pinned;
	jobs->n++;
	return 0;
}

int sg_fleet_jobs_add(struct sg_fleet_jobs *jobs, const struct sg_fleet_host *h, const char *kind,
		      const char *rel, struct sg_json *inputs, sg_fleet_make_fn *make)
{
	return jobs_add(jobs, h, kind, rel, inputs, make, NULL);
}

int sg_fleet_jobs_add_pinned(struct sg_fleet_jobs *jobs, const struct sg_fleet_host *h,
			     const char *kind, const char *rel, struct sg_json *inputs,
			     sg_fleet_make_pinned_fn *make_pinned)
{
	return jobs_add(jobs, h, kind, rel, inputs, NULL, make_pinned);
}

int sg_fleet_jobs_add_shared(struct sg_fleet_jobs *jobs, const char *kind, const char *rel,
			     struct sg_json *inputs, sg_fleet_make_fn *make,
			     sg_fleet_make_pinned_fn *make_pinned)
{
	return jobs_add(jobs, NULL, kind, rel, inputs, make, make_pinned);
}

int sg_fleet_job_make(const struct sg_fleet_ctx *c, const struct sg_fleet_job *j, struct sg_buf *out)
{
	if (j->make_pinned)
		return j->make_pinned(j->inputs, c->inputs, out);
	return j->make(j->inputs, out);
}

struct sg_json *sg_fleet_pinned_json(const struct sg_fleet *f, const char *name)
{
	const struct sg_fleet_input *in = sg_fleet_input(f, name);
	struct sg_json *v;
	char hex[65];

	if (!in) {
		sg_fail("fleet.lock: input '%s' is not pinned (run signet fleet lock)", name);
		return NULL;
	}
	sg_hex_encode(in->sha256, sizeof(in->sha256), hex, SG_HEX_LOWER);
	v = sg_json_new_object();
	if (!v || sg_json_set(v, "name", sg_json_new_string(name)) < 0 ||
	    sg_json_set(v, "sha256", sg_json_new_string(hex)) < 0) {
		sg_json_free(v);
		return NULL;
	}
	return v;
}

int sg_fleet_pinned_read(const char *inputs_dir, const struct sg_json *v, struct sg_buf *out,
			 size_t max)
{
	const char *name = sg_json_string(sg_json_get(v, "name"), NULL);
	const char *want = sg_json_string(sg_json_get(v, "sha256"), NULL);
	char path[SG_PATH_MAX], hex[65];
	uint8_t digest[32];

	if (!name || !want || !sg_fleet_input_name_ok(name))
		return sg_fail("job inputs: a pinned input needs a name and a sha256");
	if (!inputs_dir)
		return sg_fail("input '%s': no inputs directory (--inputs DIR)", name);
	if (sg_path_join(path, sizeof(path), inputs_dir, name) < 0 || sg_read_file(path, out, max) < 0)
		return -1;
	if (sg_sha256(out->data, out->len, digest) < 0)
		return -1;
	sg_hex_encode(digest, sizeof(digest), hex, SG_HEX_LOWER);
	if (strcmp(hex, want) != 0)
		return sg_fail("%s: SHA-256 %s, the job names %s", path, hex, want);
	return 0;
}

int sg_fleet_pinned_roothash(const char *inputs_dir, const struct sg_json *v, char *hex, size_t cap,
			     size_t *size)
{
	const char *name = sg_json_string(sg_json_get(v, "name"), NULL);
	struct sg_buf b = SG_BUF_INIT;
	uint8_t root[SG_VERITY_DIGEST_MAX];
	size_t len;
	int rc = -1;

	if (sg_fleet_pinned_read(inputs_dir, v, &b, 1024) < 0)
		return -1;
	len = b.len;
	while (len && (b.data[len - 1] == '\n' || b.data[len - 1] == ' '))
		len--;
	if (len == 0 || len >= cap || 2 * SG_VERITY_DIGEST_MAX + 1 > cap) {
		sg_fail("%s: not a root hash", name ? name : "roothash");
		goto out;
	}
	memcpy(hex, b.data, len);
	hex[len] = '\0';
	if (sg_verity_parse_root(hex, root, size) < 0) {
		sg_fail("%s: %s", name ? name : "roothash", sg_errmsg());
		goto out;
	}
	sg_verity_hex(root, *size, hex);
	rc = 0;
out:
	sg_buf_free(&b);
	return rc;
}

void sg_fleet_jobs_free(struct sg_fleet_jobs *jobs)
{
	for (size_t i = 0; i < jobs->n; i++)
		sg_json_free(jobs->v[i].inputs);
	free(jobs->v);
	memset(jobs, 0, sizeof(*jobs));
}

int sg_fleet_state_read(const struct sg_fleet_ctx *c, const char *rel, struct sg_buf *out)
{
	char path[SG_PATH_MAX], dir[SG_PATH_MAX];

	if (sg_path_join(dir, sizeof(dir), c->repo, "state") < 0 ||
	    sg_path_join(path, sizeof(path), dir, rel) < 0)
		return -1;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	return sg_read_file(path, out, STATE_FILE_MAX) < 0 ? -1 : 1;
}
