/* ociarchive.c - an oci-archive read into a directory (ociarchive.h). */
#include "ociarchive.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "tar.h"

/* Which directory (0: dir, 1: blobs, 2: blobs/sha256) holds name's
 * last part, or -1 when a layout has no such name; a directory's own
 * entry gives 0. */
static int place(const char *name, int is_dir, const char **last)
{
	static const char hex[] = "0123456789abcdef";

	while (!strncmp(name, "./", 2))
		name += 2;
	if (is_dir) {
		size_t n = strlen(name);

		while (n && name[n - 1] == '/')
			n--;
		*last = name;
		return n == 0 || (n == 1 && name[0] == '.') ||
				       (n == 5 && !strncmp(name, "blobs", 5)) ||
				       (n == 12 && !strncmp(name, "blobs/sha256", 12))
			       ? 0
			       : -1;
	}
	if (!strcmp(name, "oci-layout") || !strcmp(name, "index.json"))
		return *last = name, 0;
	if (!strncmp(name, "blobs/sha256/", 13) && strlen(name + 13) == 64 &&
	    strspn(name + 13, hex) == 64)
		return *last = name + 13, 2;
	return -1;
}

static int copy_data(struct sg_tar *t, int fd, const char *archive, const char *name)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = sg_tar_read(t, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return sg_fail_errno("%s: %s", archive, name);
	return n < 0 ? -1 : 0;
}

static int extract(struct sg_tar *t, const char *archive, int dirs[3])
{
	struct sg_tar_entry e;
	const char *last;
	int r, where, fd, rc;

	while ((r = sg_tar_next(t, &e)) > 0) {
		int is_dir = e.type == SG_TAR_DIR;

		if ((!is_dir && e.type != SG_TAR_FILE) || (where = place(e.path, is_dir, &last)) < 0)
			return sg_fail("%s: %.200s: not a part of an OCI image layout (oci-layout, "
				       "index.json, blobs/sha256/<hex>)",
				       archive, e.path);
		if (is_dir)
			continue; /* made beforehand: entries for them are optional */
		fd = openat(dirs[where], last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd < 0)
			return errno == EEXIST ? sg_fail("%s: %.200s: named twice", archive, e.path)
					       : sg_fail_errno("%s: %s", archive, e.path);
		rc = copy_data(t, fd, archive, e.path);
		if (close(fd) < 0 && rc == 0)
			rc = sg_fail_errno("%s: %s", archive, e.path);
		if (rc < 0)
			return -1;
	}
	return r;
}

int sg_oci_archive_extract(const char *archive, const char *dir)
{
	int in = open(archive, O_RDONLY | O_CLOEXEC), dirs[3] = { -1, -1, -1 }, rc = -1;
	struct sg_tar *t = NULL;

	if (in < 0)
		return sg_fail_errno("%s", archive);
	if ((dirs[0] = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    mkdirat(dirs[0], "blobs", 0755) < 0 ||
	    (dirs[1] = openat(dirs[0], "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    mkdirat(dirs[1], "sha256", 0755) < 0 ||
	    (dirs[2] = openat(dirs[1], "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		sg_fail_errno("%s", dir);
	else if (sg_tar_open(&t, sg_fd_reader(&in), archive) == 0)
		rc = extract(t, archive, dirs);
	sg_tar_close(t);
	for (int i = 0; i < 3; i++)
		if (dirs[i] >= 0)
			close(dirs[i]);
	close(in);
	return rc;
}
