/* ocilayout.c - an OCI image layout read and checked (ocilayout.h). */
#include "ocilayout.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "path.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define REF_NAME "org.opencontainers.image.ref.name"

static const struct {
	const char *type;
	enum sg_oci_compression c;
} layer_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", SG_OCI_PLAIN },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", SG_OCI_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", SG_OCI_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", SG_OCI_PLAIN },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", SG_OCI_GZIP },
	{ "application/vnd.docker.image.rootfs.diff.tar.zstd", SG_OCI_ZSTD },
};

static const char *str_of(const struct sg_json *o, const char *key)
{
	const struct sg_json *v = sg_json_get(o, key);
	size_t len;
	const char *s = v ? sg_json_string(v, &len) : NULL;

	return s && strlen(s) == len ? s : NULL;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

/* A descriptor {mediaType, digest, size} of a sha256 blob. */
static int descriptor(const char *name, const char *what, const struct sg_json *j,
		      struct sg_oci_desc *d)
{
	const char *type = str_of(j, "mediaType"), *digest = str_of(j, "digest");
	const struct sg_json *size = sg_json_get(j, "size");

	memset(d, 0, sizeof(*d));
	if (!j || j->kind != SG_JSON_OBJECT || !type || !digest || !size ||
	    size->kind != SG_JSON_INT || size->u.integer < 0)
		return sg_fail("%s: %s: a descriptor needs mediaType, digest and size", name, what);
	/* the messages below quote them: one line, printable */
	if (!printable(type) || !printable(digest))
		return sg_fail("%s: %s: a media type or digest with a character that is not "
			       "printable ASCII",
			       name, what);
	if (strlen(type) >= sizeof(d->media_type))
		return sg_fail("%s: %s: media type too long", name, what);
	if (strncmp(digest, "sha256:", 7) != 0)
		return sg_fail("%s: %s: digest '%.80s' is not sha256 (the only one this reader "
			       "checks)",
			       name, what, digest);
	if (strlen(digest + 7) != 64 || strspn(digest + 7, "0123456789abcdef") != 64)
		return sg_fail("%s: %s: digest '%.80s' is not sha256:<64 lowercase hex>", name,
			       what, digest);
	memcpy(d->media_type, type, strlen(type) + 1);
	memcpy(d->hex, digest + 7, 65);
	d->size = (uint64_t)size->u.integer;
	return 0;
}

static int schema_2(const char *name, const struct sg_json *j)
{
	const struct sg_json *v = sg_json_get(j, "schemaVersion");

	if (!j || j->kind != SG_JSON_OBJECT || !v || v->kind != SG_JSON_INT || v->u.integer != 2)
		return sg_fail("%s: not a schemaVersion 2 document", name);
	return 0;
}

/* The index entry for tag (or the only one), checked to be a manifest. */
static int index_pick(const char *name, const struct sg_json *list, const char *tag,
		      const struct sg_json **pick)
{
	*pick = NULL;
	for (size_t i = 0; i < list->u.array.len; i++) {
		const struct sg_json *m = list->u.array.items[i];
		const char *ref = str_of(sg_json_get(m, "annotations"), REF_NAME);
		if (tag && (!ref || strcmp(ref, tag) != 0))
			continue;
		if (*pick && tag)
			return sg_fail("%s: two manifests are tagged '%s'", name, tag);
		if (*pick)
			return sg_fail("%s: %zu manifests and no tag to choose one", name,
				       list->u.array.len);
		*pick = m;
	}
	if (!*pick && tag)
		return sg_fail("%s: no manifest is tagged '%s'", name, tag);
	if (!*pick)
		return sg_fail("%s: no manifest", name);
	return 0;
}

int sg_oci_index_find(const char *name, const char *text, size_t len, const char *tag,
		      struct sg_oci_desc *manifest)
{
	struct sg_json *j = NULL;
	const struct sg_json *list, *pick;
	int rc = -1;

	if (sg_json_parse(text, len, &j) < 0) {
		sg_fail_prefix(name);
		return -1;
	}
	if (schema_2(name, j) < 0)
		goto out;
	list = sg_json_get(j, "manifests");
	if (!list || list->kind != SG_JSON_ARRAY) {
		sg_fail("%s: no manifests list", name);
		goto out;
	}
	if (index_pick(name, list, tag, &pick) < 0 || descriptor(name, "manifest", pick, manifest) < 0)
		goto out;
	if (!strcmp(manifest->media_type, OCI_INDEX) || !strcmp(manifest->media_type, DOCKER_LIST)) {
		sg_fail("%s: the manifest is an index (a multi-platform image): pick one platform's "
			"manifest first",
			name);
		goto out;
	}
	if (strcmp(manifest->media_type, OCI_MANIFEST) &&
	    strcmp(manifest->media_type, DOCKER_MANIFEST)) {
		sg_fail("%s: media type '%s' is not an image manifest", name, manifest->media_type);
		goto out;
	}
	rc = 0;
out:
	sg_json_free(j);
	return rc;
}

static int layer(const char *name, size_t i, const struct sg_json *j, struct sg_oci_desc *d)
{
	char what[32];
	size_t k;

	snprintf(what, sizeof(what), "layer %zu", i + 1);
	if (descriptor(name, what, j, d) < 0)
		return -1;
	for (k = 0; k < sizeof(layer_types) / sizeof(layer_types[0]); k++)
		if (!strcmp(d->media_type, layer_types[k].type))
			break;
	if (k == sizeof(layer_types) / sizeof(layer_types[0]))
		return sg_fail("%s: %s: media type '%s' is not a layer this reader takes (tar, "
			       "tar+gzip, tar+zstd; foreign and non-distributable layers are "
			       "refused)",
			       name, what, d->media_type);
	d->compression = layer_types[k].c;
	return 0;
}

int sg_oci_manifest_parse(const char *name, const char *text, size_t len, struct sg_oci_image *img)
{
	struct sg_json *j = NULL;
	const struct sg_json *layers;
	int rc = -1;

	img->nlayers = 0;
	if (sg_json_parse(text, len, &j) < 0) {
		sg_fail_prefix(name);
		return -1;
	}
	if (schema_2(name, j) < 0 ||
	    descriptor(name, "config", sg_json_get(j, "config"), &img->config) < 0)
		goto out;
	if (strcmp(img->config.media_type, OCI_CONFIG) &&
	    strcmp(img->config.media_type, DOCKER_CONFIG)) {
		sg_fail("%s: config media type '%s' is not an image config", name,
			img->config.media_type);
		goto out;
	}
	layers = sg_json_get(j, "layers");
	if (!layers || layers->kind != SG_JSON_ARRAY) {
		sg_fail("%s: no layers list", name);
		goto out;
	}
	if (layers->u.array.len > SG_OCI_MAX_LAYERS) {
		sg_fail("%s: %zu layers, more than %d", name, layers->u.array.len, SG_OCI_MAX_LAYERS);
		goto out;
	}
	for (size_t i = 0; i < layers->u.array.len; i++)
		if (layer(name, i, layers->u.array.items[i], &img->layers[i]) < 0)
			goto out;
	img->nlayers = layers->u.array.len;
	rc = 0;
out:
	sg_json_free(j);
	return rc;
}

/* "sha256:<64 lowercase hex>" into hex. */
static int sha256_digest(const char *digest, char hex[65])
{
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest + 7) != 64 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return -1;
	memcpy(hex, digest + 7, 65);
	return 0;
}

int sg_oci_config_parse(const char *name, const char *text, size_t len, struct sg_oci_image *img)
{
	struct sg_json *j = NULL;
	const struct sg_json *rootfs, *ids;
	const char *type;
	int rc = -1;

	if (sg_json_parse(text, len, &j) < 0) {
		sg_fail_prefix(name);
		return -1;
	}
	rootfs = sg_json_get(j, "rootfs");
	ids = sg_json_get(rootfs, "diff_ids");
	if (!(type = str_of(rootfs, "type")) || strcmp(type, "layers") != 0 || !ids ||
	    ids->kind != SG_JSON_ARRAY) {
		sg_fail("%s: no rootfs of type \"layers\" with a diff_ids list", name);
		goto out;
	}
	if (ids->u.array.len != img->nlayers) {
		sg_fail("%s: %zu diff_ids for %zu layers", name, ids->u.array.len, img->nlayers);
		goto out;
	}
	for (size_t i = 0; i < img->nlayers; i++) {
		size_t n;
		const char *s = sg_json_string(ids->u.array.items[i], &n);

		if (!s || strlen(s) != n || sha256_digest(s, img->diff_ids[i]) < 0) {
			sg_fail("%s: diff_id %zu is not a sha256 digest", name, i + 1);
			goto out;
		}
	}
	rc = 0;
out:
	sg_json_free(j);
	return rc;
}

int sg_oci_layout_arg_parse(const char *arg, struct sg_oci_layout_arg *a)
{
	const char *colon = strrchr(arg, ':');
	size_t dlen = colon && !strchr(colon, '/') ? (size_t)(colon - arg) : strlen(arg);
	const char *tag = arg + dlen + (arg[dlen] == ':');

	memset(a, 0, sizeof(*a));
	if (dlen == 0 || dlen >= sizeof(a->dir))
		return sg_fail("'%.200s': not LAYOUT[:TAG] (an empty or too long directory)", arg);
	if (arg[dlen] == ':' && (strlen(tag) >= sizeof(a->tag) || !sg_oci_tag_valid(tag)))
		return sg_fail("'%.200s': the tag is not [A-Za-z0-9_][A-Za-z0-9._-]{0,127}", arg);
	memcpy(a->dir, arg, dlen);
	memcpy(a->tag, tag, strlen(tag));
	return 0;
}

int sg_oci_blob_path(const char *dir, const struct sg_oci_desc *d, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/blobs/sha256/%s", dir, d->hex);

	return n < 0 || (size_t)n >= cap ? sg_fail("%s: path too long", dir) : 0;
}

int sg_oci_blob_read(const char *dir, const struct sg_oci_desc *d, struct sg_buf *out)
{
	char path[SG_PATH_MAX], hex[65];
	uint8_t sum[SG_SHA256_LEN];

	if (d->size > SG_OCI_MAX_JSON)
		return sg_fail("%s/blobs/sha256/%s: %llu bytes, more than a document may be", dir,
			       d->hex, (unsigned long long)d->size);
	if (sg_oci_blob_path(dir, d, path, sizeof(path)) < 0 ||
	    sg_read_file(path, out, (size_t)d->size + 1) < 0)
		return -1;
	if (out->len != d->size)
		return sg_fail("%s: %zu bytes, its descriptor says %llu", path, out->len,
			       (unsigned long long)d->size);
	if (sg_sha256(out->data, out->len, sum) < 0)
		return -1;
	sg_hex_encode(sum, sizeof(sum), hex, SG_HEX_LOWER);
	if (strcmp(hex, d->hex) != 0)
		return sg_fail("%s: its SHA-256 is %s, not its name", path, hex);
	return 0;
}

static int check_layout_file(const char *dir)
{
	char path[SG_PATH_MAX];
	struct sg_buf b = SG_BUF_INIT;
	struct sg_json *j = NULL;
	const char *v;
	int rc = -1;

	if (sg_path_join(path, sizeof(path), dir, "oci-layout") < 0 ||
	    sg_read_file(path, &b, 4096) < 0)
		return -1;
	if (sg_json_parse(b.data ? (const char *)b.data : "", b.len, &j) < 0)
		sg_fail_prefix(path);
	else if (!(v = str_of(j, "imageLayoutVersion")) || strcmp(v, "1.0.0") != 0)
		sg_fail("%s: imageLayoutVersion is not 1.0.0", path);
	else
		rc = 0;
	sg_json_free(j);
	sg_buf_free(&b);
	return rc;
}

int sg_oci_layout_open(const char *dir, const char *tag, struct sg_oci_image *img)
{
	char path[SG_PATH_MAX];
	struct sg_buf b = SG_BUF_INIT;
	int rc = -1;

	memset(img, 0, sizeof(*img));
	if (check_layout_file(dir) < 0 || sg_path_join(path, sizeof(path), dir, "index.json") < 0 ||
	    sg_read_file(path, &b, SG_OCI_MAX_JSON) < 0 ||
	    sg_oci_index_find(path, b.data ? (const char *)b.data : "", b.len, tag, &img->manifest) <
		    0)
		goto out;
	sg_buf_free(&b);
	if (sg_oci_blob_read(dir, &img->manifest, &b) < 0 ||
	    sg_oci_blob_path(dir, &img->manifest, path, sizeof(path)) < 0 ||
	    sg_oci_manifest_parse(path, (const char *)b.data, b.len, img) < 0)
		goto out;
	sg_buf_free(&b);
	if (sg_oci_blob_read(dir, &img->config, &b) < 0 ||
	    sg_oci_blob_path(dir, &img->config, path, sizeof(path)) < 0)
		goto out;
	rc = sg_oci_config_parse(path, (const char *)b.data, b.len, img);
out:
	sg_buf_free(&b);
	return rc;
}
