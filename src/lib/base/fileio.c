#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

#define MAX_LIVE_TEMPS 16

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
	n = strlen(dir) + strlen("/.signet-tmp-XXXXXX") + 1;
	if (!(a->tmp = malloc(n)))
		goto oom;
	snprintf(a->tmp, n, "%s/.signet-tmp-XXXXXX", dir);
	free(copy);
	a->fd = mkostemp(a->tmp, O_CLOEXEC); /* created 0600 */
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

static int sync_parent_dir(const char *path)
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
	if (close(a->fd) < 0) {
		a->fd = -1;
		sg_fail_errno("%s", a->path);
		goto fail;
	}
	a->fd = -1;
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
	rc = sync_parent_dir(a->path);
	atomic_free(a);
	return rc;
fail:
	sg_atomic_abort(a);
	return -1;
}

void sg_atomic_abort(struct sg_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	if (a->tmp && !a->direct)
		unlink(a->tmp);
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
