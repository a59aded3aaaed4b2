/* fleetout.c - a fleet build's output directory (fleetout.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "fleetout.h"
#include "path.h"

int sg_fleet_mkdirs_for(const char *path)
{
	char tmp[SG_PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return sg_fail("%s: path too long", path);
	for (char *p = strchr(tmp + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(tmp, 0755) == 0 && chmod(tmp, 0755) < 0) /* whatever the umask */
			return sg_fail_errno("%s", tmp);
		if (errno != EEXIST && access(tmp, F_OK) < 0)
			return sg_fail_errno("%s", tmp);
		*p = '/';
	}
	return 0;
}

/* dir/rel with its directories, 0644 whatever the umask, synced. */
int sg_fleet_artifact_write(const char *dir, const char *rel, const struct sg_buf *data)
{
	char path[SG_PATH_MAX];
	int fd, rc;

	if (sg_path_join(path, sizeof(path), dir, rel) < 0 || sg_fleet_mkdirs_for(path) < 0)
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return sg_fail_errno("%s", path);
	rc = fchmod(fd, 0644) < 0 || sg_write_all(fd, data->data, data->len) < 0 || fsync(fd) < 0;
	if (close(fd) < 0 || rc)
		return sg_fail_errno("%s", path);
	return 0;
}

int sg_fleet_outdir_open(const char *out, struct sg_fleet_outdir *o)
{
	char a[SG_PATH_MAX], b[SG_PATH_MAX];

	o->lockfd = -1;
	if (snprintf(a, sizeof(a), "%s", out) >= (int)sizeof(a) ||
	    snprintf(b, sizeof(b), "%s", out) >= (int)sizeof(b))
		return sg_fail("%s: path too long", out);
	snprintf(o->parent, sizeof(o->parent), "%s", dirname(a));
	if (snprintf(o->fresh, sizeof(o->fresh), "%s/.%s.signet-new", o->parent, basename(b)) >=
		    (int)sizeof(o->fresh) ||
	    snprintf(o->lock, sizeof(o->lock), "%s/.%s.signet-lock", o->parent, basename(b)) >=
		    (int)sizeof(o->lock))
		return sg_fail("%s: path too long", out);
	if (sg_fleet_mkdirs_for(o->lock) < 0)
		return -1;
	if ((o->lockfd = open(o->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return sg_fail_errno("%s", o->lock);
	if (flock(o->lockfd, LOCK_EX) < 0)
		return sg_fail_errno("%s", o->lock);
	/* what a crashed build left */
	if (access(o->fresh, F_OK) == 0 && sg_remove_tree(o->fresh) < 0)
		return -1;
	if (mkdir(o->fresh, 0755) < 0 || chmod(o->fresh, 0755) < 0)
		return sg_fail_errno("%s", o->fresh);
	return 0;
}

int sg_fleet_dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return sg_fail_errno("%s", dir);
	rc = fsync(fd);
	close(fd);
	return rc < 0 ? sg_fail_errno("%s", dir) : 0;
}

/* The new build takes out's place in one rename; the old one goes. */
int sg_fleet_outdir_commit(const char *out, struct sg_fleet_outdir *o)
{
	if (access(out, F_OK) == 0) {
		if (renameat2(AT_FDCWD, o->fresh, AT_FDCWD, out, RENAME_EXCHANGE) < 0)
			return sg_fail_errno("%s", out);
		if (sg_fleet_dir_sync(o->parent) < 0)
			return -1;
		return sg_remove_tree(o->fresh);
	}
	if (rename(o->fresh, out) < 0)
		return sg_fail_errno("%s", out);
	return sg_fleet_dir_sync(o->parent);
}

void sg_fleet_outdir_close(struct sg_fleet_outdir *o, int failed)
{
	if (failed && o->fresh[0] && access(o->fresh, F_OK) == 0) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		sg_remove_tree(o->fresh);
		sg_fail("%s", msg);
	}
	if (o->lockfd >= 0)
		close(o->lockfd);
}

int sg_fleet_mkdir_p(const char *path, mode_t mode)
{
	char tmp[SG_PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return sg_fail("%s: path too long", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, mode) < 0 && errno != EEXIST)
				return sg_fail_errno("%s", tmp);
			*p = '/';
		}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return sg_fail_errno("%s", tmp);
	return 0;
}

int sg_fleet_write_if_changed(const char *path, const void *data, size_t len, mode_t mode, size_t max)
{
	struct sg_buf now = SG_BUF_INIT;
	int same = 0;

	if (access(path, F_OK) == 0) {
		if (sg_read_file(path, &now, max) < 0)
			return -1;
		same = now.len == len && (len == 0 || memcmp(now.data, data, len) == 0);
		sg_buf_wipe(&now);
		if (same)
			return 0;
	}
	if (sg_fleet_mkdirs_for(path) < 0)
		return -1;
	return sg_write_file_atomic(path, data, len, mode, 0) < 0 ? -1 : 1;
}
