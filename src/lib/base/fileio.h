/* fileio.h - reading inputs and writing outputs without half-written files.
 *
 * Every output goes to a temporary file in the destination's directory,
 * is fsync'ed, and only then renamed into place (and the directory
 * fsync'ed), so a failed command leaves the previous state intact. Files
 * holding secrets are created 0600 and never exist with wider mode.
 */
#ifndef SIGNET_FILEIO_H
#define SIGNET_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Reads a whole file ("-" is standard input) into out, refusing more
 * than max bytes. */
int sg_read_file(const char *path, struct sg_buf *out, size_t max);

/* Writes all of data to fd, retrying short writes and EINTR. */
int sg_write_all(int fd, const void *data, size_t len);

/* Reads up to len bytes, retrying until len or end of file. Returns the
 * count read (short only at end of file) or -1. */
ssize_t sg_read_full(int fd, void *data, size_t len);

enum {
	SG_ATOMIC_NO_CLOBBER = 1, /* fail if the destination exists */
};

struct sg_atomic {
	int fd;
	int direct; /* destination is a device or FIFO: written in place */
	char *path;
	char *tmp;
	mode_t mode;
	int flags;
};

/* Starts an atomic write of path with the given mode. */
int sg_atomic_open(struct sg_atomic *a, const char *path, mode_t mode, int flags);
/* Flushes, renames into place and syncs the directory. Frees a. */
int sg_atomic_commit(struct sg_atomic *a);
/* Removes the temporary file. Frees a. Safe to call after commit. */
void sg_atomic_abort(struct sg_atomic *a);

/* fsyncs the directory holding path, so that a rename or creation in
 * it is durable (what sg_atomic_commit does after its rename). */
int sg_sync_parent_dir(const char *path);

/* The whole of an atomic write in one call. */
int sg_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, int flags);

/* Removes every temporary file still open; async-signal-safe, for
 * SIGINT/SIGTERM handlers. */
void sg_atomic_cleanup_on_signal(void);

/* Removes a directory tree, not following symbolic links (rm -r). */
int sg_remove_tree(const char *path);

#endif
