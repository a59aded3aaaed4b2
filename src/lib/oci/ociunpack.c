/* ociunpack.c - an OCI image unpacked into a directory (ociunpack.h). */
#include "ociunpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "layerstream.h"
#include "ociarchive.h"
#include "ocilayout.h"
#include "path.h"
#include "tar.h"

/* Layer i of img read onto the tree, its blob checked to the end. */
static int apply_layer(struct sg_oci_tree *t, const char *layout, const struct sg_oci_image *img,
		       size_t i)
{
	struct sg_oci_layer *l = NULL;
	struct sg_tar *tr = NULL;
	int rc = -1;

	if (sg_oci_layer_open(&l, layout, &img->layers[i], img->diff_ids[i]) < 0)
		return -1;
	if (sg_tar_open(&tr, sg_oci_layer_reader(l), sg_oci_layer_path(l)) == 0 &&
	    sg_oci_tree_apply(t, tr, sg_oci_layer_path(l)) == 0 && sg_oci_layer_finish(l) == 0)
		rc = 0;
	sg_tar_close(tr);
	sg_oci_layer_close(l);
	return rc;
}

static int open_dir(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		sg_fail_errno("%s", name);
	return fd;
}

/* The tree made in tmp/root, synced, then renamed to out. */
static int unpack_into(const char *layout, const struct sg_oci_image *img, const char *tmp,
		       const char *out, unsigned flags, struct sg_oci_unpack_stats *st)
{
	char root[SG_PATH_MAX];
	struct sg_oci_tree *t = NULL;
	int tmp_fd, stage_fd = -1, root_fd = -1, rc = -1;

	if ((tmp_fd = open_dir(AT_FDCWD, tmp)) < 0)
		return -1;
	if (mkdirat(tmp_fd, "stage", 0700) < 0 || mkdirat(tmp_fd, "root", 0700) < 0) {
		sg_fail_errno("%s", tmp);
		goto out;
	}
	if ((stage_fd = open_dir(tmp_fd, "stage")) < 0 ||
	    (root_fd = open_dir(tmp_fd, "root")) < 0 || !(t = sg_oci_tree_new(stage_fd, flags)))
		goto out;
	for (size_t i = 0; i < img->nlayers; i++)
		if (apply_layer(t, layout, img, i) < 0)
			goto out;
	if (sg_oci_tree_write(t, root_fd) < 0)
		goto out;
	if (syncfs(root_fd) < 0) {
		sg_fail_errno("%s: sync", tmp);
		goto out;
	}
	if (sg_path_join(root, sizeof(root), tmp, "root") < 0)
		goto out;
	if (rename(root, out) < 0) {
		sg_fail_errno("%s", out);
		goto out;
	}
	if (st) {
		st->layers = img->nlayers;
		st->names = sg_oci_tree_count(t);
	}
	rc = 0;
out:
	sg_oci_tree_free(t);
	if (root_fd >= 0)
		close(root_fd);
	if (stage_fd >= 0)
		close(stage_fd);
	close(tmp_fd);
	return rc;
}

/* The layout at layout, or when it is a file (an oci-archive) the one
 * it holds, extracted into tmp/layout; its path into lpath. */
static int open_layout(const char *layout, const char *tag, const char *tmp,
		       struct sg_oci_image *img, char *lpath, size_t cap)
{
	struct stat st;

	if (stat(layout, &st) < 0)
		return sg_fail_errno("%s", layout);
	if (!S_ISREG(st.st_mode)) {
		snprintf(lpath, cap, "%s", layout);
	} else {
		if (sg_path_join(lpath, cap, tmp, "layout") < 0)
			return -1;
		if (mkdir(lpath, 0700) < 0)
			return sg_fail_errno("%s", lpath);
		if (sg_oci_archive_extract(layout, lpath) < 0)
			return -1;
	}
	return sg_oci_layout_open(lpath, tag, img);
}

/* The rename into place made durable. */
static int sync_parent(const char *path)
{
	char dir[SG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = 0;

	if (!slash)
		memcpy(dir, ".", 2);
	else if (slash == path)
		memcpy(dir, "/", 2);
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		rc = sg_fail_errno("%s: sync", dir);
	if (fd >= 0)
		close(fd);
	return rc;
}

int sg_oci_unpack(const char *layout, const char *tag, const char *out, unsigned flags,
		  struct sg_oci_unpack_stats *st)
{
	struct sg_oci_image *img = malloc(sizeof(*img)); /* large: not on the stack */
	char tmp[SG_PATH_MAX], lpath[SG_PATH_MAX];
	struct stat sb;
	int n, rc = -1;

	if (!img)
		return sg_fail("out of memory");
	n = snprintf(tmp, sizeof(tmp), "%s.signet-XXXXXX", out);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		sg_fail("%s: path too long", out);
	else if (lstat(out, &sb) == 0)
		sg_fail("%s: exists (the tree goes into a new directory)", out);
	else if (errno != ENOENT)
		sg_fail_errno("%s", out);
	else if (!mkdtemp(tmp))
		sg_fail_errno("%s: making a directory beside it", out);
	else {
		rc = open_layout(layout, tag, tmp, img, lpath, sizeof(lpath));
		if (rc == 0)
			rc = unpack_into(lpath, img, tmp, out, flags, st);
		if (sg_remove_tree(tmp) < 0 && rc == 0)
			rc = -1;
		if (rc == 0)
			rc = sync_parent(out);
	}
	if (rc == 0 && st)
		memcpy(st->manifest, img->manifest.hex, sizeof(st->manifest));
	free(img);
	return rc;
}
