/* relrepo.h - a fleet's release repository: TUF metadata and targets,
 * written on the control plane (signet release init, create, timestamp)
 * and copied to where hosts read it (signet release publish).
 *
 * REPO is a TUF repository laid out as the specification says, with
 * consistent snapshots:
 *
 *   REPO/metadata/N.root.json, root.json        every root, the newest
 *   REPO/metadata/N.targets.json                delegates each host's paths to
 *                                               host-<h>, terminating
 *   REPO/metadata/N.host-<h>.json               host h's targets
 *   REPO/metadata/N.snapshot.json, timestamp.json
 *   REPO/targets/hosts/<h>/[DIR/]SHA256.NAME    the targets' files
 *   REPO/.blobs/SHA256                          one copy of each content,
 *                                               hard-linked into targets/
 *
 * A release of host h lists, below hosts/<h>/:
 *   - every file of the signed build's hosts/<h>/ except the unsigned UKI
 *     and the first-install images (boot/esp.img, boot/disk.img);
 *     boot/uki.efi, which holds the host's SSH key, only as
 *     boot/uki.efi.age, encrypted to the host's age recipient (made again
 *     only when the UKI changed: an unchanged UKI keeps its target);
 *   - sidecar/NAME (the build's shared/sidecar/) and, for a host with a root
 *     filesystem, rootfs/NAME.{sqfs,verity,roothash};
 *   - release.json, {"host", "release", "files": [names]}, the index a
 *     host reads first.
 * Every target's custom is {"signet": {"release", "host", "kind"}} (and
 * "plain_sha256", "plain_length" for the encrypted UKI).
 *
 * Versions: a role whose content changed gets version+1; snapshot and
 * timestamp always do. A role of a host gone from the fleet stays listed
 * in the snapshot (TUF clients refuse a snapshot that drops a role).
 * Expiry: root 365 days, targets and host roles 365 days, snapshot 90
 * days, timestamp 7 days from `now`, which the timestamp also records as
 * "x-signet-issued" (tufclient.h). Files are written before the metadata
 * naming them, timestamp.json last: a crash leaves the last release
 * whole, and a retry makes the new one.
 */
#ifndef SIGNET_RELREPO_H
#define SIGNET_RELREPO_H

#include <stdint.h>

#include "buf.h"
#include "fleetdoc.h"

/* Makes the release keys KEYS/release/{root,targets,snapshot,timestamp}
 * that are missing and, when REPO has no root yet, its version 1. */
int sg_release_init(const char *keys, const char *repo, int64_t now, struct sg_buf *report);

/* Adds release `release` of the fleet's signed build SIGNED (fleet
 * sign's OUT) for every host of f that has files in it. Refused when
 * release is not above every release the repository lists. */
int sg_release_create(const struct sg_fleet *f, const char *keys, const char *signed_dir,
		      const char *repo, uint64_t release, int64_t now, struct sg_buf *report);

/* A new timestamp (version+1, 7 days) over the current snapshot, signed
 * with KEYS/release/timestamp.key alone: what the distribution host
 * runs. */
int sg_release_timestamp(const char *keys, const char *repo, int64_t now, struct sg_buf *report);

/* Rotates the keys of the named roles ("root", "targets", "snapshot",
 * "timestamp"): each gets a new key (made as NAME.next.key, so a retry
 * after a crash signs with the same one; then the old key is kept as
 * NAME.<N>.key and the new one becomes NAME.key); root N+1 lists the new
 * keys, signed by the old root key and the new (a client needs both
 * thresholds, TUF 5.3.4), valid 365 days; when targets, snapshot or
 * timestamp changed, they are signed again with their new keys as new
 * versions (a client drops its trusted timestamp and snapshot when their
 * keys rotate, and finds these). */
int sg_release_rotate(const char *keys, const char *repo, const char *const *roles, size_t n,
		      int64_t now, struct sg_buf *report);

#endif
