/* fleetjob.c - the jobs of a fleet build (fleetjob.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "fleetjob.h"
#include "path.h"

#define STATE_FILE_MAX (1u << 24)

int sg_fleet_jobs_add(struct sg_fleet_jobs *jobs, const struct sg_fleet_host *h, const char *kind,
		      const char *rel, struct sg_json *inputs, sg_fleet_make_fn *make)
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
	n = snprintf(j->path, sizeof(j->path), "hosts/%s/%s", h->name, rel);
	if (n < 0 || (size_t)n >= sizeof(j->path) || strlen(kind) >= sizeof(j->kind)) {
		sg_json_free(inputs);
		return sg_fail("%s: artifact path or kind too long", h->name);
	}
	snprintf(j->host, sizeof(j->host), "%s", h->name);
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	j->inputs = inputs;
	j->make = make;
	jobs->n++;
	return 0;
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
