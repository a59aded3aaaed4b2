/* image.h - sidecar and rootfs images: a reproducible squashfs of a
 * directory, its dm-verity tree and root hash, optionally signed.
 *
 * The squashfs is made by mksquashfs (squashfs-tools) with everything
 * that varies between builds pinned: files owned by root, every time
 * stamp 0, no extended attributes, no appending, reproducible mode. Two
 * builds of the same tree give byte-identical images, and so identical
 * trees and root hashes: the verity salt is not random but SHA-256 of
 * the image, and the superblock UUID is derived from that salt (both
 * may be given instead). The outputs must be in one directory DIR: they
 * are one transaction on it (txn.h), made under DIR/.txn/ and appearing
 * together at its commit, so a failed or interrupted build (a crash)
 * never leaves a new image beside an old tree or root hash; the next
 * build in DIR finishes or drops what an interrupted one left.
 *
 * A rootfs may come from an OCI image instead of a directory: it is
 * unpacked (ociunpack.h) into DIR/.oci-XXXXXX, removed after the build
 * (a crash leaves it; nothing reads it), and packed with what the image
 * says kept: owners, modification times and xattrs (security.capability
 * among them), all of which the image fixes, so the build is as
 * reproducible as from a directory. Owners need root.
 *
 * With bundle, the image is an OCI runtime bundle instead (runtime-spec
 * bundle.md): at its top config.json, the runtime configuration made
 * from the image's config (runtime.h, users resolved in the unpacked
 * tree), and rootfs/, the tree. The top directory and config.json are
 * root's, modes 0755 and 0644, time stamps 0, so the bundle is as
 * reproducible as the tree. crun runs it as it is, read-only.
 */
#ifndef SIGNET_IMAGE_H
#define SIGNET_IMAGE_H

#include <stdint.h>

#include "verity.h"

struct sg_image_opts {
	const char *from;	/* directory to pack */
	const char *oci_layout; /* or the image of this OCI layout... */
	const char *oci_tag;	/* ...this tag names (NULL: its only one) */
	unsigned oci_flags;	/* SG_OCI_ALLOW_DEVICES (ocitree.h) */
	int bundle;		/* an OCI runtime bundle of the image (above) */
	const char *image;	/* squashfs output */
	const char *verity;	/* hash tree output (NULL: none) */
	const char *root_hash;	/* root hash output, hex (NULL: none) */
	const char *sig;	/* detached PKCS#7 over the root hash (NULL: none) */
	const char *key, *cert; /* signing key and certificate for sig */
	const char *compress;	/* gzip (default), xz, zstd, lz4, lzo */
	const char *mksquashfs; /* program (default "mksquashfs" from PATH) */
	int salt_given;		/* params.salt / uuid set by the caller */
	int uuid_given;
	struct sg_verity_params params;
};

/* The deterministic verity salt and UUID of an image whose SHA-256 is
 * image_sha256, as sg_image_build picks them: salt SHA-256(image), UUID
 * the first 16 bytes of SHA-256("signet verity uuid" || salt) marked
 * version 4 / variant 1. What is given is kept. -1 only when hashing
 * fails. */
int sg_image_verity_salt_uuid(const uint8_t image_sha256[32], struct sg_verity_params *p,
			      int salt_given, int uuid_given);

/* Initialises o with the defaults (sha256, 4096-byte blocks, gzip). */
void sg_image_opts_init(struct sg_image_opts *o);

/* Builds what o names; info receives the verity results. */
int sg_image_build(struct sg_image_opts *o, struct sg_verity_info *info);

#endif
