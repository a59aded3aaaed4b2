/* reloci.c - a release repository in an OCI registry (reloci.h). */
#include "reloci.h"

#include <errno.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "path.h"

#define TUF_TYPE "application/vnd.signet.tuf.metadata+json"
#define EMPTY_TYPE "application/vnd.oci.empty.v1+json"
#define EMPTY_HEX "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define MANIFEST_MAX (64u << 10)

int sg_release_is_oci(const char *s)
{
	return !strncmp(s, "oci://", 6);
}

static int parse_url(const char *url, struct sg_oci_ref *ref)
{
	if (!sg_release_is_oci(url))
		return sg_fail("%s: not an oci://HOST/NAME URL", url);
	if (sg_oci_ref_parse(url + 6, ref) < 0)
		return -1;
	if (ref->tag[0] || ref->digest[0])
		return sg_fail("%s: names a repository, without a tag or digest", url);
	return 0;
}

/* The sha256 (hex) and size of a file. */
static int file_sum(const char *path, char hex[65], uint64_t *size)
{
	struct sg_buf b = SG_BUF_INIT;
	uint8_t sum[SG_SHA256_LEN];
	int rc = -1;

	/* metadata files: small */
	if (sg_read_file(path, &b, 16u << 20) == 0 && sg_sha256(b.data, b.len, sum) == 0) {
		sg_hex_encode(sum, sizeof(sum), hex, SG_HEX_LOWER);
		*size = b.len;
		rc = 0;
	}
	sg_buf_free(&b);
	return rc;
}

/* --- publishing ------------------------------------------------------------ */

struct pub {
	struct sg_oci_session *s;
	const char *repo;
	unsigned long long blobs_sent, blobs_there, bytes, tags_sent, tags_there;
	int failed;
};

static struct pub *walking; /* nftw has no context pointer */

/* A target: REPO/targets/.../HEX.NAME, sent as blob sha256:HEX. */
static int send_target(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *base = path + f->base;
	char hex[65];
	int rc;

	(void)st;
	if (type != FTW_F)
		return 0;
	if (strlen(base) < 66 || base[64] != '.' || strspn(base, "0123456789abcdef") != 64) {
		sg_fail("%s: not a target of a consistent snapshot (HASH.NAME)", path);
		return walking->failed = 1;
	}
	memcpy(hex, base, 64);
	hex[64] = '\0';
	if ((rc = sg_oci_session_put_blob(walking->s, path, hex, (uint64_t)st->st_size)) < 0)
		return walking->failed = 1;
	if (rc) {
		walking->blobs_sent++;
		walking->bytes += (unsigned long long)st->st_size;
	} else {
		walking->blobs_there++;
	}
	return 0;
}

static int manifest_of(const char *name, const char *hex, uint64_t size, struct sg_buf *out)
{
	struct sg_json *m = sg_json_new_object(), *cfg = sg_json_new_object(),
		       *layers = sg_json_new_array(), *l = sg_json_new_object(),
		       *ann = sg_json_new_object();
	char digest[72];
	int rc = -1;

	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if (!m || sg_json_set(m, "schemaVersion", sg_json_new_int(2)) < 0 ||
	    sg_json_set(m, "mediaType",
			sg_json_new_string("application/vnd.oci.image.manifest.v1+json")) < 0 ||
	    sg_json_set(m, "artifactType", sg_json_new_string(TUF_TYPE)) < 0 ||
	    sg_json_set(m, "config", cfg) < 0 ||
	    sg_json_set(cfg, "mediaType", sg_json_new_string(EMPTY_TYPE)) < 0 ||
	    sg_json_set(cfg, "digest", sg_json_new_string("sha256:" EMPTY_HEX)) < 0 ||
	    sg_json_set(cfg, "size", sg_json_new_int(2)) < 0 ||
	    sg_json_set(m, "layers", layers) < 0 || sg_json_append(layers, l) < 0 ||
	    sg_json_set(l, "mediaType", sg_json_new_string(TUF_TYPE)) < 0 ||
	    sg_json_set(l, "digest", sg_json_new_string(digest)) < 0 ||
	    sg_json_set(l, "size", sg_json_new_int((int64_t)size)) < 0 ||
	    sg_json_set(l, "annotations", ann) < 0 ||
	    sg_json_set(ann, "org.opencontainers.image.title", sg_json_new_string(name)) < 0)
		goto out;
	rc = sg_json_canonical(m, out);
out:
	sg_json_free(m);
	return rc;
}

/* One metadata file under its name as a tag; sent again when always. */
static int send_meta(struct pub *p, const char *name, int always)
{
	char path[SG_PATH_MAX], hex[65];
	struct sg_buf m = SG_BUF_INIT;
	uint64_t size;
	int rc = -1, there;

	if (snprintf(path, sizeof(path), "%s/metadata/%s", p->repo, name) >= (int)sizeof(path))
		return sg_fail("%s: path too long", p->repo);
	if (!always && (there = sg_oci_session_has_manifest(p->s, name)) != 0) {
		p->tags_there += there == 1;
		return there < 0 ? -1 : 0;
	}
	if (file_sum(path, hex, &size) < 0 || sg_oci_session_put_blob(p->s, path, hex, size) < 0 ||
	    manifest_of(name, hex, size, &m) < 0 || sg_oci_session_put_manifest(p->s, name, &m) < 0)
		goto out;
	p->tags_sent++;
	p->bytes += size;
	rc = 0;
out:
	sg_buf_free(&m);
	return rc;
}

static int send_metadata(struct pub *p)
{
	char dir[SG_PATH_MAX];
	struct dirent **ents = NULL;
	int n, rc = 0;

	snprintf(dir, sizeof(dir), "%s/metadata", p->repo);
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return sg_fail_errno("%s", dir);
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		if (rc == 0 && e[0] != '.' && strcmp(e, "root.json") && strcmp(e, "timestamp.json"))
			rc = send_meta(p, e, 0);
		free(ents[i]);
	}
	free(ents);
	if (rc == 0)
		rc = send_meta(p, "root.json", 1);
	return rc == 0 ? send_meta(p, "timestamp.json", 1) : -1;
}

/* The empty config blob "{}" every metadata manifest names. */
static int send_empty(struct pub *p)
{
	char path[SG_PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/.blobs/%s", p->repo, EMPTY_HEX) >= (int)sizeof(path))
		return sg_fail("%s: path too long", p->repo);
	if (access(path, F_OK) < 0 && sg_write_file_atomic(path, "{}", 2, 0644, 0) < 0)
		return -1;
	return sg_oci_session_put_blob(p->s, path, EMPTY_HEX, 2) < 0 ? -1 : 0;
}

int sg_release_publish_oci(const char *repo, const char *url, const struct sg_oci_remote *r,
			   struct sg_buf *report)
{
	struct sg_oci_ref ref;
	struct pub p = { .repo = repo };
	char targets[SG_PATH_MAX];
	int rc = -1;

	if (parse_url(url, &ref) < 0 || sg_oci_session_open(&p.s, &ref, r, 1) < 0)
		return -1;
	snprintf(targets, sizeof(targets), "%s/targets", repo);
	walking = &p;
	if (nftw(targets, send_target, 16, FTW_PHYS) != 0 || p.failed) {
		if (!p.failed)
			sg_fail_errno("%s", targets);
		goto out;
	}
	if (send_empty(&p) < 0 || send_metadata(&p) < 0)
		goto out;
	rc = sg_buf_printf(report,
			   "%llu blobs sent (%llu bytes with the metadata), %llu already there; "
			   "%llu metadata tags sent, %llu already there\n",
			   p.blobs_sent, p.bytes, p.blobs_there, p.tags_sent, p.tags_there);
out:
	walking = NULL;
	sg_oci_session_close(p.s);
	return rc;
}

/* --- the transport ---------------------------------------------------------- */

/* The layer a metadata manifest names: its digest (hex) and size. */
static int layer_of(const struct sg_buf *m, const char *tag, char hex[65], uint64_t *size)
{
	struct sg_json *j = NULL;
	int rc = -1;

	if (sg_json_parse((const char *)m->data, m->len, &j) == 0) {
		const struct sg_json *layers = sg_json_get(j, "layers"), *l, *sz;
		const char *d;
		if (layers && layers->kind == SG_JSON_ARRAY && layers->u.array.len == 1 &&
		    (l = layers->u.array.items[0]) &&
		    (d = sg_json_string(sg_json_get(l, "digest"), NULL)) && strlen(d) == 71 &&
		    !strncmp(d, "sha256:", 7) && strspn(d + 7, "0123456789abcdef") == 64 &&
		    (sz = sg_json_get(l, "size")) && sz->kind == SG_JSON_INT && sz->u.integer >= 0) {
			memcpy(hex, d + 7, 65);
			*size = (uint64_t)sz->u.integer;
			rc = 0;
		}
	}
	sg_json_free(j);
	if (rc < 0)
		sg_fail("%s: the manifest is not one of a metadata file (one sha256 layer)", tag);
	return rc;
}

static int oci_get(void *ctx, const char *rel, uint64_t max, struct sg_buf *out)
{
	struct sg_release_oci *o = ctx;
	struct sg_buf m = SG_BUF_INIT, body = SG_BUF_INIT;
	char hex[65], got[65];
	uint8_t sum[SG_SHA256_LEN];
	uint64_t size;
	int rc;

	if (strncmp(rel, "metadata/", 9))
		return sg_fail("%s: not a metadata file", rel);
	const char *tag = rel + 9;
	if ((rc = sg_oci_session_get_manifest(o->s, tag, &m)) != 0 ||
	    (rc = layer_of(&m, tag, hex, &size)) < 0)
		goto out;
	if (size > max) {
		rc = sg_fail("%s: %llu bytes, more than the %llu it may have", tag,
			     (unsigned long long)size, (unsigned long long)max);
		goto out;
	}
	if ((rc = sg_oci_session_get_blob(o->s, hex, 0, size, -1, &body)) != 0) {
		if (rc == 1)
			rc = sg_fail("%s: its manifest names blob sha256:%s, which the registry lacks",
				     tag, hex);
		goto out;
	}
	if (sg_sha256(body.data, body.len, sum) < 0) {
		rc = -1;
		goto out;
	}
	sg_hex_encode(sum, sizeof(sum), got, SG_HEX_LOWER);
	if (strcmp(got, hex) || body.len != size) {
		rc = sg_fail("%s: the registry's blob is not the one its manifest names", tag);
		goto out;
	}
	rc = sg_buf_append(out, body.data, body.len);
out:
	sg_buf_free(&m);
	sg_buf_free(&body);
	return rc;
}

static int oci_get_file(void *ctx, const char *rel, uint64_t offset, uint64_t max, int fd)
{
	struct sg_release_oci *o = ctx;
	const char *base = strrchr(rel, '/');
	int rc;

	base = base ? base + 1 : rel;
	if (strncmp(rel, "targets/", 8) || strlen(base) < 66 || base[64] != '.' ||
	    strspn(base, "0123456789abcdef") != 64)
		return sg_fail("%s: not a target of a consistent snapshot", rel);
	char hex[65];
	memcpy(hex, base, 64);
	hex[64] = '\0';
	if ((rc = sg_oci_session_get_blob(o->s, hex, offset, max, fd, NULL)) == 1)
		return sg_fail("%s: the registry has no blob sha256:%s", rel, hex);
	return rc;
}

int sg_release_oci_transport(struct sg_release_oci *o, const char *url,
			     const struct sg_oci_remote *r, struct sg_tuf_transport *t)
{
	memset(o, 0, sizeof(*o));
	o->r = *r;
	if (parse_url(url, &o->ref) < 0 || sg_oci_session_open(&o->s, &o->ref, &o->r, 0) < 0)
		return -1;
	t->get = oci_get;
	t->get_file = oci_get_file;
	t->ctx = o;
	return 0;
}

void sg_release_oci_free(struct sg_release_oci *o)
{
	sg_oci_session_close(o->s);
	o->s = NULL;
}
