/* ocilayout.h - an OCI image layout read and checked (OCI image spec
 * v1.0/v1.1: image-layout.md, image-index.md, manifest.md,
 * descriptor.md).
 *
 * A layout is a directory holding oci-layout ({"imageLayoutVersion":
 * "1.0.0"}), index.json and blobs/sha256/<hex>. sg_oci_layout_open()
 * finds the manifest a tag names (the index entry whose annotation
 * org.opencontainers.image.ref.name is the tag; with no tag, the
 * index's only manifest), reads it and its config, checking each
 * blob's size and SHA-256 against its descriptor before it is parsed,
 * and lists the layers in order. The layers themselves, large, are
 * checked as they are read (the unpacker hashes what it reads).
 *
 * Accepted: image manifests of the OCI media type, and Docker's schema 2
 * (what docker-registry and skopeo also carry); layers of the OCI and
 * Docker layer types, uncompressed, gzip or zstd. Refused, one line
 * each ("FILE: rule"): digests other than sha256 (this reader hashes
 * sha256 only), a nested index (a multi-platform image: pick the
 * platform's manifest first), foreign or non-distributable layers whose
 * blobs a layout need not hold, a size or digest that does not match,
 * more than SG_OCI_MAX_LAYERS layers.
 */
#ifndef SIGNET_OCILAYOUT_H
#define SIGNET_OCILAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "refname.h"

#define SG_OCI_MAX_LAYERS 128
#define SG_OCI_MAX_JSON (4u << 20) /* an index, manifest or config */
#define SG_OCI_MEDIA_MAX 128

enum sg_oci_compression { SG_OCI_PLAIN, SG_OCI_GZIP, SG_OCI_ZSTD };

struct sg_oci_desc {
	char media_type[SG_OCI_MEDIA_MAX];
	char hex[65]; /* the sha256 digest, lowercase hex */
	uint64_t size;
	enum sg_oci_compression compression; /* layers only */
};

struct sg_oci_image {
	struct sg_oci_desc manifest, config;
	struct sg_oci_desc layers[SG_OCI_MAX_LAYERS];
	size_t nlayers;
	/* The config's rootfs.diff_ids: the SHA-256 of each layer's tar
	 * after decompression, one per layer, in order. */
	char diff_ids[SG_OCI_MAX_LAYERS][65];
};

/* The manifest descriptor of index.json's text (name for messages)
 * that tag names, or its only one when tag is NULL. */
int sg_oci_index_find(const char *name, const char *text, size_t len, const char *tag,
		      struct sg_oci_desc *manifest);

/* The config and layers of a manifest's text into img (its manifest
 * descriptor is left as it is). */
int sg_oci_manifest_parse(const char *name, const char *text, size_t len, struct sg_oci_image *img);

/* The config's text (name for messages): rootfs.type "layers" and one
 * sha256 diff_id per layer of img, into img->diff_ids. */
int sg_oci_config_parse(const char *name, const char *text, size_t len, struct sg_oci_image *img);

/* Opens the layout at dir: oci-layout checked, tag's manifest found,
 * the manifest and the config read with their sizes and digests
 * checked, the config's diff_ids taken. */
int sg_oci_layout_open(const char *dir, const char *tag, struct sg_oci_image *img);

/* LAYOUT[:TAG] as umoci's --image spells it: split at the last ':' when
 * no '/' follows it; the tag as refname.h's sg_oci_tag_valid says. tag
 * is "" when there is none. */
struct sg_oci_layout_arg {
	char dir[4096];
	char tag[SG_OCI_TAG_MAX];
};
int sg_oci_layout_arg_parse(const char *arg, struct sg_oci_layout_arg *a);
/* The blob of d in the layout at dir, whole (at most SG_OCI_MAX_JSON
 * bytes: a manifest or a config), into out, its size and SHA-256
 * checked against d. */
int sg_oci_blob_read(const char *dir, const struct sg_oci_desc *d, struct sg_buf *out);

/* dir/blobs/sha256/<hex> of d into out. */
int sg_oci_blob_path(const char *dir, const struct sg_oci_desc *d, char *out, size_t cap);

#endif
