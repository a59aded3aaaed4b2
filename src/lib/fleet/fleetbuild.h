/* fleetbuild.h - one commit of the fleet repository made into every
 * host's artifacts (signet fleet build, signet fleet plan).
 *
 * The build runs every producer (host documents, web, DNS, ...) for
 * every host, in name order, and makes each job (fleetjob.h) into
 * OUT/<path>. OUT/manifest.json lists what it made:
 *
 *   {"version": "0.1", "commit": "<git commit>", "dirty": false,
 *    "epoch": <time>, "artifacts": [{"path": "hosts/app1/host.json",
 *    "host": "app1", "kind": "host-document", "size": 123,
 *    "sha256": "<hex>", "inputs": "<hex digest of the job's inputs>"},
 *    ...]}                                    (sorted by path)
 *
 * Nothing in it depends on the machine, the directory, the user, the
 * clock, TZ, umask or locale: the same commit gives the same bytes.
 * Files are written 0644 whatever the umask.
 *
 * Incremental: an artifact whose inputs digest and path are those of
 * the previous build in OUT (and whose file there still has the listed
 * SHA-256) is taken from it instead of being made again.
 *
 * Atomic: the new build is made in OUT's sibling ".OUT.signet-new"
 * under a lock (".OUT.signet-lock") and exchanged with OUT in one
 * rename; a crash leaves the old build or the new one, and the next
 * build removes what a crashed one left.
 */
#ifndef SIGNET_FLEETBUILD_H
#define SIGNET_FLEETBUILD_H

#include <stdint.h>

#include "buf.h"
#include "fleetdoc.h"
#include "fleetjob.h"
#include "json.h"

/* Where the build's time and identity come from: the repository's git
 * HEAD (its commit time, as SOURCE_DATE_EPOCH would be), and whether
 * the working tree differs from it. A directory outside git has
 * commit "" and dirty 1. */
struct sg_fleet_source {
	char commit[65];
	int dirty;
	int64_t epoch;
	int has_epoch;
};
int sg_fleet_source(const char *repo, struct sg_fleet_source *src);

/* Every job of every host, in host order then producer order. */
int sg_fleet_jobs_all(const struct sg_fleet_ctx *c, struct sg_fleet_jobs *jobs);

/* SHA-256("signet/v1/fleet-job\n" || kind || "\n" || JCS(inputs)), hex. */
int sg_fleet_job_digest(const struct sg_fleet_job *j, char hex[65]);

/* What one build did, for the report. */
struct sg_fleet_built {
	size_t made, reused;
};

/* Builds into out; the manifest's JSON object in *manifest (the caller
 * frees it). First every input the lock pins is checked in c->inputs
 * (fleetlock.h): a mismatch is one line each in diag, and nothing is
 * written. */
int sg_fleet_build(const struct sg_fleet_ctx *c, const struct sg_fleet_source *src, const char *out,
		   struct sg_json **manifest, struct sg_fleet_built *built, struct sg_buf *diag);

/* The manifest of the build in dir (its shape checked), or -1. */
int sg_fleet_manifest_read(const char *dir, struct sg_json **manifest);
/* The same from memory; name is used in messages. */
int sg_fleet_manifest_parse(const char *name, const char *text, size_t len,
			    struct sg_json **manifest);

/* Per artifact, what a build would do against base (a manifest or an
 * attestation's object; NULL: nothing built yet): a JSON array of
 * {"host", "kind", "path", "change": "added" | "changed" | "unchanged" |
 * "removed"}, sorted by path, judged by the digest of each job's
 * inputs. */
int sg_fleet_plan(const struct sg_fleet_ctx *c, const struct sg_json *base, struct sg_json **plan);

#endif
