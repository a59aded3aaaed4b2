#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#define MAX_LIVE_TEMPS 16
#define TEMP_PREFIX ".signet-tmp-"
#define TEMP_NAME_LEN (sizeof(TEMP_PREFIX) - 1 + 6) /* mkostemp's XXXXXX */

/* Temporary files not yet committed, for the signal handler. */
static char *volatile live_temps[MAX_LIVE_TEMPS];

static void track_temp(char *tmp)
{
	for (int i = 0; i < MAX_LIVE_TEMPS; i++)
		if (!live_temps[i]) {
			live_temps[i] = tmp;
			return;
		}
}

static void untrack_temp(const char *tmp)
{
	for (int i = 0; i < MAX_LIVE_TEMPS; i++)
		if (live_temps[i] == tmp)
			live_temps[i] = NULL;
}

void sg_atomic_cleanup_on_signal(void)
{
	for (int i = 0; i < MAX_LIVE_TEMPS; i++)
		if (live_temps[i])
			unlink(live_temps[i]);
}

int sg_read_file(const char *path, struct sg_buf *out, size_t max)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return sg_fail_errno("%s", path);
	for (;;) {
		if (sg_buf_reserve(out, 65536) < 0)
			goto fail;
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sg_fail_errno("%s: read", path);
			goto fail;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > max) {
			sg_fail("%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	out->data[out->len] = '\0';
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	return -1;
}

int sg_write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sg_fail_errno("write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t sg_read_full(int fd, void *data, size_t len)
{
	uint8_t *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sg_fail_errno("read");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void atomic_free(struct sg_atomic *a)
{
	untrack_temp(a->tmp);
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	a->fd = -1;
}

/* Devices and FIFOs (e.g. /dev/null, /dev/stdout) cannot be renamed over. */
static int is_special(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* A temporary file is flock'ed from its creation until its commit or
 * abort, by the descriptor it is written through. One whose lock anybody
 * can take was left by a process that died before either (SIGKILL, power
 * loss). It may hold a secret (0600) and nothing else would ever remove
 * it, so a process's first atomic write into a directory removes such
 * files there. A name is removed only while its lock is held and only if
 * it is still the file that was locked. */
static void sweep_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return; /* mkostemp reports the directory's problem */
	while ((e = readdir(d))) {
		struct stat locked, named;
		int fd;

		if (strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0 ||
		    strlen(e->d_name) != TEMP_NAME_LEN)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &locked) == 0 &&
		    fstatat(dirfd(d), e->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(named.st_mode) && named.st_dev == locked.st_dev &&
		    named.st_ino == locked.st_ino)
			unlinkat(dirfd(d), e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

/* Sweeps each directory once per process: a batch of writes into one
 * directory (ca issue --batch) reads it once. */
static void sweep_once(const char *dir)
{
	static char *swept;

	if (swept && strcmp(swept, dir) == 0)
		return;
	sweep_stale_temps(dir);
	free(swept);
	swept = strdup(dir);
}

/* mkostemp (0600) then the lock. Between the two another process's sweep
 * may lock the new file and remove it: then this returns -1 with errno
 * EAGAIN and the caller tries a new name. */
static int create_locked_temp(char *tmpl)
{
	struct stat mine, named;
	int fd = mkostemp(tmpl, O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &mine) == 0 &&
	    lstat(tmpl, &named) == 0 && named.st_dev == mine.st_dev && named.st_ino == mine.st_ino)
		return fd;
	close(fd); /* the sweep that holds or held its lock removes it */
	errno = EAGAIN;
	return -1;
}

int sg_atomic_open(struct sg_atomic *a, const char *path, mode_t mode, int flags)
{
	char *copy = NULL, *dir;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->mode = mode;
	a->flags = flags;
	if (!(a->path = strdup(path)))
		return sg_fail("out of memory");
	if ((flags & SG_ATOMIC_NO_CLOBBER) && access(path, F_OK) == 0) {
		atomic_free(a);
		return sg_fail("%s: already exists, not overwriting", path);
	}
	if (is_special(path)) {
		a->direct = 1;
		a->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (a->fd < 0) {
			sg_fail_errno("%s", path);
			atomic_free(a);
			return -1;
		}
		return 0;
	}
	if (!(copy = strdup(path)))
		goto oom;
	dir = dirname(copy);
	sweep_once(dir);
	n = strlen(dir) + strlen("/" TEMP_PREFIX "XXXXXX") + 1;
	if (!(a->tmp = malloc(n)))
		goto oom;
	for (int tries = 0; a->fd < 0 && tries < 8; tries++) {
		snprintf(a->tmp, n, "%s/" TEMP_PREFIX "XXXXXX", dir);
		a->fd = create_locked_temp(a->tmp);
	}
	free(copy);
	if (a->fd < 0) {
		sg_fail_errno("%s: cannot create temporary file", path);
		atomic_free(a);
		return -1;
	}
	track_temp(a->tmp);
	return 0;
oom:
	free(copy);
	atomic_free(a);
	return sg_fail("out of memory");
}

int sg_sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (!copy)
		return sg_fail("out of memory");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) < 0 && errno != EINVAL)
			rc = sg_fail_errno("%s: fsync of directory", path);
		close(fd);
	}
	free(copy);
	return rc;
}

int sg_atomic_commit(struct sg_atomic *a)
{
	int rc = 0;

	if (a->direct) {
		if (close(a->fd) < 0)
			rc = sg_fail_errno("%s", a->path);
		atomic_free(a);
		return rc;
	}
	if (fchmod(a->fd, a->mode) < 0 || fsync(a->fd) < 0) {
		sg_fail_errno("%s", a->path);
		goto fail;
	}
	/* The descriptor, and so the lock that keeps other processes' sweeps
	 * off the temporary name, stays open until the name is gone; fsync
	 * has reported every write-back error close could. */
	if (a->flags & SG_ATOMIC_NO_CLOBBER) {
		/* link() fails if the name exists, closing the race with access(). */
		if (link(a->tmp, a->path) < 0) {
			sg_fail_errno("%s", a->path);
			goto fail;
		}
		unlink(a->tmp);
	} else if (rename(a->tmp, a->path) < 0) {
		sg_fail_errno("%s", a->path);
		goto fail;
	}
	close(a->fd);
	a->fd = -1;
	rc = sg_sync_parent_dir(a->path);
	atomic_free(a);
	return rc;
fail:
	sg_atomic_abort(a);
	return -1;
}

void sg_atomic_abort(struct sg_atomic *a)
{
	if (a->tmp && !a->direct)
		unlink(a->tmp); /* still locked: no sweep can have replaced it */
	if (a->fd >= 0)
		close(a->fd);
	atomic_free(a);
}

int sg_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, int flags)
{
	struct sg_atomic a;

	if (sg_atomic_open(&a, path, mode, flags) < 0)
		return -1;
	if (sg_write_all(a.fd, data, len) < 0) {
		sg_fail_prefix(path);
		sg_atomic_abort(&a);
		return -1;
	}
	return sg_atomic_commit(&a);
}

static int unlink_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

int sg_remove_tree(const char *path)
{
	if (nftw(path, unlink_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return sg_fail_errno("%s: cannot remove", path);
	return 0;
}
