/* fleetlock.h - the outside inputs of a build, pinned in fleet.lock by
 * SHA-256 (signet fleet lock), and the build's check of them.
 *
 * An inputs directory holds one file per input, named by the input's
 * name ("kernel", "rootfs/debian", ...). The build refuses to start
 * unless every input the lock pins is there with the pinned size and
 * SHA-256; each mismatch is one line "fleet.lock:LINE: input 'NAME':
 * ..." (the line of its name in the lock).
 */
#ifndef SIGNET_FLEETLOCK_H
#define SIGNET_FLEETLOCK_H

#include <stdint.h>

#include "buf.h"
#include "fleetdoc.h"

/* SHA-256 and size of a file, read in pieces. */
int sg_fleet_file_sha256(const char *path, uint8_t digest[32], uint64_t *size);

/* Every pinned input in dir (NULL: no inputs directory) as the lock
 * says; -1 with one line per mismatch in diag, the first the error. */
int sg_fleet_inputs_check(const struct sg_fleet *f, const char *dir, struct sg_buf *diag);

/* Writes repo/fleet.lock (atomically) pinning every regular file under
 * dir by its path relative to dir; an input already pinned keeps its
 * source. Names must be input names (signet-fleet(5)). *n gets the count. */
int sg_fleet_lock_write(const struct sg_fleet *f, const char *repo, const char *dir, size_t *n);

#endif
