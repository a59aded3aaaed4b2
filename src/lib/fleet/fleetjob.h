/* fleetjob.h - how one artifact of a fleet build is made: a job.
 *
 * A job is the artifact's kind and path in the build, its inputs as a
 * value of the data model (the projection of the fleet's documents and
 * state/ that it is made from, and nothing else), and the function that
 * makes its bytes from those inputs alone. The build (fleetbuild.h)
 * names each artifact's inputs by
 *
 *   SHA-256("signet/v1/fleet-job\n" || kind || "\n" || JCS(inputs))
 *
 * and keeps made artifacts in its cache under that digest: an artifact
 * whose inputs did not change is not made again, and since make() sees
 * only the inputs, the same inputs give the same bytes on any machine.
 * A job's inputs hold file contents, not paths, and no time but the
 * commit's (the build's epoch, when the artifact carries a time).
 *
 * Each producer module (fleetweb, fleetdns, ...) adds the jobs of one
 * host; its make functions are pure: no files, no clock, no randomness,
 * no environment.
 */
#ifndef SIGNET_FLEETJOB_H
#define SIGNET_FLEETJOB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fleetdoc.h"
#include "json.h"

#define SG_FLEET_KIND_MAX 32
#define SG_FLEET_ARTPATH_MAX 256

/* What the producers see: the checked documents, the repository (for
 * state/), the build's time (the commit's, as SOURCE_DATE_EPOCH). */
struct sg_fleet_ctx {
	const struct sg_fleet *f;
	const char *repo;
	int64_t epoch;
	const char *inputs; /* the inputs directory (fleetlock.h), or NULL */
};

typedef int sg_fleet_make_fn(const struct sg_json *inputs, struct sg_buf *out);

/* A make function that also reads outside inputs pinned in fleet.lock
 * (a kernel, an EFI stub, a rootfs image): its inputs value names each
 * one by name and SHA-256 (sg_fleet_pinned_json), and it reads them from
 * the inputs directory with sg_fleet_pinned_read, which refuses a file
 * whose digest is not the one named. The artifact so still depends on
 * its inputs value alone: a different file is a different digest. */
typedef int sg_fleet_make_pinned_fn(const struct sg_json *inputs, const char *inputs_dir,
				    struct sg_buf *out);

struct sg_fleet_job {
	char host[64];			 /* the host it is for; "" when shared */
	char kind[SG_FLEET_KIND_MAX];	 /* "nginx.conf", "zone", ... */
	char path[SG_FLEET_ARTPATH_MAX]; /* in the build: "hosts/<host>/..." */
	struct sg_json *inputs;		 /* owned by the job */
	sg_fleet_make_fn *make;		 /* one of make and make_pinned */
	sg_fleet_make_pinned_fn *make_pinned;
};

struct sg_fleet_jobs {
	struct sg_fleet_job *v;
	size_t n, cap;
};

/* Appends a job for host h (its path "hosts/<h>/<rel>"); takes inputs
 * (freed on failure). */
int sg_fleet_jobs_add(struct sg_fleet_jobs *jobs, const struct sg_fleet_host *h, const char *kind,
		      const char *rel, struct sg_json *inputs, sg_fleet_make_fn *make);

/* The same for a job made by make_pinned. */
int sg_fleet_jobs_add_pinned(struct sg_fleet_jobs *jobs, const struct sg_fleet_host *h,
			     const char *kind, const char *rel, struct sg_json *inputs,
			     sg_fleet_make_pinned_fn *make_pinned);

/* A shared artifact, one for the fleet rather than one per host (the
 * sidecar image every host boots): path "shared/<rel>", host "". Several
 * hosts' producers may add it; the build keeps one when their inputs are
 * equal and fails when they differ. Takes inputs (freed on failure). */
int sg_fleet_jobs_add_shared(struct sg_fleet_jobs *jobs, const char *kind, const char *rel,
			     struct sg_json *inputs, sg_fleet_make_fn *make,
			     sg_fleet_make_pinned_fn *make_pinned);

/* Runs the job's make function (with c->inputs for make_pinned). */
int sg_fleet_job_make(const struct sg_fleet_ctx *c, const struct sg_fleet_job *j, struct sg_buf *out);

void sg_fleet_jobs_free(struct sg_fleet_jobs *jobs);

/* The value that names the pinned input `name` in a job's inputs:
 * {"name": NAME, "sha256": HEX}; NULL (with the error "fleet.lock:
 * input 'NAME' is not pinned (run signet fleet lock)") when the lock
 * has no such input. */
struct sg_json *sg_fleet_pinned_json(const struct sg_fleet *f, const char *name);

/* Reads the input that v (a value of sg_fleet_pinned_json) names from
 * inputs_dir into out, at most max bytes; fails when inputs_dir is NULL,
 * the file is missing or larger, or its SHA-256 is not v's. */
int sg_fleet_pinned_read(const char *inputs_dir, const struct sg_json *v, struct sg_buf *out,
			 size_t max);

/* The input v names read as a dm-verity root hash (hex, trailing
 * newlines or blanks allowed): into hex in lowercase (cap bytes), its
 * length in bytes into *size. */
int sg_fleet_pinned_roothash(const char *inputs_dir, const struct sg_json *v, char *hex, size_t cap,
			     size_t *size);

/* A producer: the jobs of host h, appended to jobs (none when h has no
 * role the producer serves). */
typedef int sg_fleet_producer_fn(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
				 struct sg_fleet_jobs *jobs);

/* Reads REPO/state/<rel> when it exists: 1 with its content in out, 0
 * when there is no such file, -1 on another failure. For the inputs of
 * jobs that use what state/ holds (certificates, public DNS keys). */
int sg_fleet_state_read(const struct sg_fleet_ctx *c, const char *rel, struct sg_buf *out);

#endif
