/* fleetout.h - the directories a fleet build or signing writes: made
 * whole beside their place and swapped in at once, so that a reader (or
 * a crash) sees the old directory or the new one, never a mix.
 *
 * For OUT, the new tree is made in .OUT.signet-new in OUT's parent,
 * under the lock .OUT.signet-lock (flock: one writer at a time); what a
 * crashed writer left there is removed first. Commit swaps it with OUT
 * (renameat2 RENAME_EXCHANGE when OUT exists, else rename) and removes
 * the old tree.
 */
#ifndef SIGNET_FLEETOUT_H
#define SIGNET_FLEETOUT_H

#include <sys/types.h>

#include "buf.h"
#include "path.h"

struct sg_fleet_outdir {
	char parent[SG_PATH_MAX], fresh[SG_PATH_MAX], lock[SG_PATH_MAX];
	int lockfd;
};

/* Takes the lock and makes an empty o->fresh (0755), making OUT's
 * missing parents. sg_fleet_outdir_close() after either result. */
int sg_fleet_outdir_open(const char *out, struct sg_fleet_outdir *o);

/* Puts o->fresh in out's place (synced), removing what was there. */
int sg_fleet_outdir_commit(const char *out, struct sg_fleet_outdir *o);

/* Releases the lock; when failed, removes o->fresh first, keeping the
 * error. */
void sg_fleet_outdir_close(struct sg_fleet_outdir *o, int failed);

/* fsync of a directory (its entries made durable). */
int sg_fleet_dir_sync(const char *dir);

/* Makes the missing directories above path (0755 whatever the umask). */
int sg_fleet_mkdirs_for(const char *path);

/* Makes path and the missing directories above it, with mode (less the
 * umask); an existing directory is left as it is. */
int sg_fleet_mkdir_p(const char *path, mode_t mode);

/* Writes path (mode, atomically, its directories made) unless it holds
 * exactly data already (read up to max bytes): 1 written, 0 unchanged. */
int sg_fleet_write_if_changed(const char *path, const void *data, size_t len, mode_t mode,
			      size_t max);

/* Writes dir/rel (a new file, 0644 whatever the umask, synced) with its
 * missing directories. */
int sg_fleet_artifact_write(const char *dir, const char *rel, const struct sg_buf *data);

#endif
