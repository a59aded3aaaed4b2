#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "ociunpack.h"
#include "runtime.h"
#include "path.h"
#include "run.h"
#include "txn.h"

void sg_image_opts_init(struct sg_image_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->compress = "gzip";
	o->mksquashfs = "mksquashfs";
	sg_verity_params_init(&o->params);
}

/* A directory is packed with owners, times and xattrs pinned; an OCI
 * image's tree keeps them, as the image fixed them. */
static int run_mksquashfs(const struct sg_image_opts *o, const char *from, const char *out)
{
	const char *dir_argv[] = { o->mksquashfs,   from,	 out,	       "-noappend",
				   "-reproducible", "-all-root", "-mkfs-time", "0",
				   "-all-time",	    "0",	 "-no-xattrs", "-no-progress",
				   "-quiet",	    "-comp",	 o->compress,  NULL };
	const char *oci_argv[] = {
		o->mksquashfs, from,	    out,       "-noappend",    "-reproducible",
		"-mkfs-time",  "0",	    "-xattrs", "-no-progress", "-quiet",
		"-comp",       o->compress, NULL
	};

	return sg_run(o->oci_layout ? oci_argv : dir_argv, NULL, o->image);
}

/* The OCI image unpacked into a new dir/.oci-XXXXXX (*tmp), its tree in
 * *tmp/rootfs (*from). */
static int unpack_oci(const struct sg_image_opts *o, const char *dir, char **tmp, char **from)
{
	char t[SG_PATH_MAX], f[SG_PATH_MAX];

	if (snprintf(t, sizeof(t), "%s/.oci-XXXXXX", dir) >= (int)sizeof(t))
		return sg_fail("%s: path too long", dir);
	if (!mkdtemp(t))
		return sg_fail_errno("%s: a directory to unpack the image into", dir);
	if (!(*tmp = strdup(t)))
		return sg_fail("out of memory");
	if (sg_path_join(f, sizeof(f), t, "rootfs") < 0 ||
	    sg_oci_unpack(o->oci_layout, o->oci_tag, f, o->oci_flags, NULL) < 0)
		return -1;
	return (*from = strdup(f)) ? 0 : sg_fail("out of memory");
}

/* The runtime bundle around the unpacked tree: tmp/config.json made
 * from the image's config, tmp and it pinned (image.h). */
static int make_bundle(const struct sg_image_opts *o, const char *tmp, const char *rootfs)
{
	static const struct timespec zero[2] = { { 0, 0 }, { 0, 0 } };
	struct sg_buf cfg = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1;

	if (sg_path_join(path, sizeof(path), tmp, "config.json") < 0 ||
	    sg_oci_runtime_load(o->oci_layout, o->oci_tag, NULL, rootfs, NULL, &cfg) < 0 ||
	    sg_write_file_atomic(path, cfg.data, cfg.len, 0644, 0) < 0)
		goto done;
	if (utimensat(AT_FDCWD, path, zero, AT_SYMLINK_NOFOLLOW) < 0 || chmod(tmp, 0755) < 0 ||
	    utimensat(AT_FDCWD, tmp, zero, 0) < 0) {
		sg_fail_errno("%s: pinning the bundle's time stamps and mode", tmp);
		goto done;
	}
	rc = 0;
done:
	sg_buf_free(&cfg);
	return rc;
}

/* SHA-256 of a whole file, streamed. */
static int hash_file(const char *path, uint8_t out[SG_SHA256_LEN])
{
	static uint8_t chunk[1 << 16];
	struct sg_digest *d = sg_digest_new("SHA256");
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t n;

	if (!d || fd < 0) {
		if (fd < 0)
			sg_fail_errno("%s", path);
		goto done;
	}
	while ((n = sg_read_full(fd, chunk, sizeof(chunk))) > 0)
		if (sg_digest_update(d, chunk, (size_t)n) < 0)
			goto done;
	if (n < 0 || sg_digest_final(d, out) < 0)
		goto done;
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	sg_digest_free(d);
	return rc;
}

int sg_image_verity_salt_uuid(const uint8_t image_sha256[SG_SHA256_LEN], struct sg_verity_params *p,
			      int salt_given, int uuid_given)
{
	static const char label[] = "signet verity uuid";
	uint8_t d[SG_SHA256_LEN], in[sizeof(label) - 1 + SG_VERITY_SALT_MAX];

	if (!salt_given) {
		memcpy(p->salt, image_sha256, SG_SHA256_LEN);
		p->salt_size = SG_SHA256_LEN;
	}
	if (!uuid_given) {
		memcpy(in, label, sizeof(label) - 1);
		memcpy(in + sizeof(label) - 1, p->salt, p->salt_size);
		if (sg_sha256(in, sizeof(label) - 1 + p->salt_size, d) < 0)
			return -1;
		memcpy(p->uuid, d, 16);
		sg_uuid_mark_v4(p->uuid);
	}
	return 0;
}

static int derive_salt_uuid(struct sg_image_opts *o, const char *image)
{
	uint8_t d[SG_SHA256_LEN] = { 0 };

	if (!o->salt_given && hash_file(image, d) < 0)
		return -1;
	return sg_image_verity_salt_uuid(d, &o->params, o->salt_given, o->uuid_given);
}

enum { OUT_IMAGE, OUT_VERITY, OUT_ROOT, OUT_SIG, OUT_N };

/* path as its directory (malloc'ed) and its last component. */
static int split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	*dir = !slash	       ? strdup(".")
	       : slash == path ? strdup("/")
			       : strndup(path, (size_t)(slash - path));
	return *dir ? 0 : sg_fail("out of memory");
}

/* The outputs' one directory (*dir) and their names in it (rel): they
 * are one transaction on that directory, so all must be in it. */
static int output_names(const char *const final[OUT_N], char **dir, const char *rel[OUT_N])
{
	struct stat first = { 0 }, st; /* set with *dir; gcc -O3 cannot see that */
	char *d;

	*dir = NULL;
	for (int i = 0; i < OUT_N; i++) {
		rel[i] = NULL;
		if (!final[i])
			continue;
		if (split_path(final[i], &d, &rel[i]) < 0)
			return -1;
		if (!*rel[i] || !strcmp(rel[i], ".") || !strcmp(rel[i], "..")) {
			free(d);
			return sg_fail("%s: names a directory, not a file", final[i]);
		}
		if (stat(d, &st) < 0 || (!S_ISDIR(st.st_mode) && (errno = ENOTDIR))) {
			sg_fail_errno("%s: its directory %s", final[i], d);
			free(d);
			return -1;
		}
		if (!*dir) {
			*dir = d;
			first = st;
			continue;
		}
		free(d);
		if (st.st_dev != first.st_dev || st.st_ino != first.st_ino)
			return sg_fail("%s: not in the image's directory %s (the outputs appear "
				       "together)",
				       final[i], *dir);
		for (int j = 0; j < i; j++)
			if (rel[j] && !strcmp(rel[j], rel[i]))
				return sg_fail("%s: named twice among the outputs", final[i]);
	}
	return 0;
}

int sg_image_build(struct sg_image_opts *o, struct sg_verity_info *info)
{
	const char *final[OUT_N] = { o->image, o->verity, o->root_hash, o->sig }, *rel[OUT_N];
	char *staged[OUT_N] = { NULL }, *dir = NULL, *oci_tmp = NULL, *oci_from = NULL;
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];
	struct sg_buf sig = SG_BUF_INIT;
	struct sg_txn t;
	struct stat st;
	int rc = -1, in_txn = 0;

	if ((o->root_hash || o->sig) && !o->verity)
		return sg_fail("a root hash or its signature needs the verity tree output");
	if (o->sig && (!o->key || !o->cert))
		return sg_fail("signing the root hash needs a key and a certificate");
	if (!o->from == !o->oci_layout)
		return sg_fail("an image is built from a directory or an OCI image, one of them");
	if (o->from && stat(o->from, &st) < 0)
		return sg_fail_errno("%s", o->from);
	if (o->from && !S_ISDIR(st.st_mode))
		return sg_fail("%s: not a directory", o->from);
	if (sg_verity_check_params(&o->params) < 0 || output_names(final, &dir, rel) < 0)
		goto done;
	if (o->bundle && !o->oci_layout) {
		sg_fail("a runtime bundle is made from an OCI image");
		goto done;
	}
	if (o->oci_layout && unpack_oci(o, dir, &oci_tmp, &oci_from) < 0)
		goto done;
	if (o->bundle && make_bundle(o, oci_tmp, oci_from) < 0)
		goto done;
	/* Every output is staged in one transaction on their directory: its
	 * commit makes all of them appear at once, so no crash leaves a new
	 * image beside an old tree or root hash. */
	if (sg_txn_begin(&t, dir) < 0)
		goto done;
	in_txn = 1;
	if (sg_txn_stage(&t, rel[OUT_IMAGE], 0644, &staged[OUT_IMAGE]) < 0 ||
	    run_mksquashfs(o,
			   o->from     ? o->from
			   : o->bundle ? oci_tmp
				       : oci_from,
			   staged[OUT_IMAGE]) < 0)
		goto done;
	if (o->verity) {
		if (derive_salt_uuid(o, staged[OUT_IMAGE]) < 0 ||
		    sg_txn_stage(&t, rel[OUT_VERITY], 0644, &staged[OUT_VERITY]) < 0)
			goto done;
		o->params.data_blocks = 0;
		if (sg_verity_format(staged[OUT_IMAGE], staged[OUT_VERITY], &o->params, 0, info) < 0)
			goto done;
		sg_verity_hex(info->root, info->root_size, hex);
		if (o->root_hash && sg_txn_write(&t, rel[OUT_ROOT], hex, strlen(hex), 0644) < 0)
			goto done;
		if (o->sig && (sg_verity_sign(o->key, o->cert, hex, &sig) < 0 ||
			       sg_txn_write(&t, rel[OUT_SIG], sig.data, sig.len, 0644) < 0))
			goto done;
	}
	if (sg_txn_commit(&t) < 0)
		goto done;
	rc = 0;
done:
	if (in_txn)
		sg_txn_end(&t);
	for (int i = 0; i < OUT_N; i++)
		free(staged[i]);
	if (oci_tmp && sg_remove_tree(oci_tmp) < 0)
		rc = -1;
	free(oci_tmp);
	free(oci_from);
	free(dir);
	sg_buf_free(&sig);
	return rc;
}
