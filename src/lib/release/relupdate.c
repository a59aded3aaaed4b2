/* relupdate.c - a host's release from a mirror (relupdate.h). */
#include "relupdate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "fileio.h"
#include "fleetout.h"
#include "hex.h"
#include "json.h"
#include "path.h"
#include "reloci.h"
#include "tufclient.h"
#include "tufhttp.h"

#define INDEX_MAX (1u << 20)

struct session {
	struct sg_tuf_dir dir;
	struct sg_tuf_http http;
	struct sg_release_oci oci;
	struct sg_tuf_client c;
	struct sg_tuf_meta holder; /* the host's role */
	char role[SG_TUF_ROLE_MAX];
	struct sg_json *index;
	uint64_t release;
};

static void session_close(struct session *s)
{
	sg_json_free(s->index);
	sg_tuf_meta_free(&s->holder);
	sg_tuf_client_close(&s->c);
	sg_tuf_dir_free(&s->dir);
	sg_tuf_http_free(&s->http);
	sg_release_oci_free(&s->oci);
}

/* The custom.signet fields of t must say this host and release. */
static int target_is_of(const struct sg_tuf_target *t, const char *host, uint64_t release)
{
	const struct sg_json *s = sg_json_get(t->custom, "signet");
	const char *h = sg_json_string(sg_json_get(s, "host"), NULL);
	const struct sg_json *n = sg_json_get(s, "release");
	if (!h || strcmp(h, host) || !n || n->kind != SG_JSON_INT || n->u.integer < 1 ||
	    (release && (uint64_t)n->u.integer != release))
		return sg_fail("%s: not signed as a file of %s's release %llu", t->path, host,
			       (unsigned long long)release);
	return 0;
}

/* release.json, downloaded beside the trusted metadata and read. */
static int read_index(struct session *s, const struct sg_update_src *src,
		      const struct sg_tuf_target *t)
{
	char path[SG_PATH_MAX];
	struct sg_buf b = SG_BUF_INIT;
	int rc = -1;

	if (snprintf(path, sizeof(path), "%s/release.json", src->trusted) >= (int)sizeof(path))
		return sg_fail("%s: path too long", src->trusted);
	if (t->length > INDEX_MAX)
		return sg_fail("%s: %llu bytes is too long for an index", t->path,
			       (unsigned long long)t->length);
	if (sg_tuf_download(&s->c, t, path) < 0 || sg_read_file(path, &b, INDEX_MAX) < 0)
		return -1;
	if (sg_json_parse_flags((const char *)b.data, b.len, SG_JSON_MODEL, &s->index) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		sg_fail("%s: %s", t->path, msg);
		goto out;
	}
	const char *host = sg_json_string(sg_json_get(s->index, "host"), NULL);
	const struct sg_json *n = sg_json_get(s->index, "release");
	const struct sg_json *files = sg_json_get(s->index, "files");
	if (!host || strcmp(host, src->host) || !n || n->kind != SG_JSON_INT || n->u.integer < 1 ||
	    !files || files->kind != SG_JSON_ARRAY) {
		sg_fail("%s: not the release index of %s", t->path, src->host);
		goto out;
	}
	s->release = (uint64_t)n->u.integer;
	rc = target_is_of(t, src->host, s->release);
out:
	sg_buf_free(&b);
	return rc;
}

/* The mirror: a directory, a web server or a registry. */
static int transport_open(struct session *s, const struct sg_update_src *src,
			  struct sg_tuf_transport *t)
{
	if (sg_release_is_oci(src->from)) {
		struct sg_oci_remote r = { .ref_text = src->from,
					   .plain_http = src->plain_http,
					   .ca_file = src->ca_file };
		return sg_release_oci_transport(&s->oci, src->from, &r, t);
	}
	if (sg_tuf_is_url(src->from))
		return sg_tuf_http_transport(&s->http, src->from, src->ca_file, t);
	return sg_tuf_dir_transport(&s->dir, src->from, t);
}

static int session_open(struct session *s, const struct sg_update_src *src)
{
	struct sg_tuf_transport t;
	const struct sg_tuf_target *index;
	char path[SG_PATH_MAX];
	int rc;

	memset(s, 0, sizeof(*s));
	if (transport_open(s, src, &t) < 0 ||
	    sg_tuf_client_open(&s->c, src->trusted, src->bootstrap_root, &t) < 0 ||
	    sg_tuf_refresh(&s->c) < 0)
		return -1;
	if (snprintf(path, sizeof(path), "hosts/%s/release.json", src->host) >= (int)sizeof(path))
		return sg_fail("%s: host name too long", src->host);
	rc = sg_tuf_find_target(&s->c, path, &s->holder, &index, s->role);
	if (rc == 1)
		return sg_fail("%s: no release for %s in the repository", src->from, src->host);
	if (rc < 0)
		return -1;
	return read_index(s, src, index);
}

/* The i-th file of the release: a target found as TUF finds any (so
 * only a role delegated its path can name it), of the index's role, so
 * of the same signed version: never a file of another release. It
 * points into *holder (freed by the caller). */
static int release_file(struct session *s, const struct sg_update_src *src, size_t i,
			const char **name, struct sg_tuf_meta *holder,
			const struct sg_tuf_target **out)
{
	const struct sg_json *files = sg_json_get(s->index, "files");
	char path[SG_PATH_MAX], role[SG_TUF_ROLE_MAX];
	int rc;

	memset(holder, 0, sizeof(*holder));
	if (!(*name = sg_json_string(files->u.array.items[i], NULL)))
		return sg_fail("release.json: files[%zu] is not a name", i);
	if (snprintf(path, sizeof(path), "hosts/%s/%s", src->host, *name) >= (int)sizeof(path))
		return sg_fail("release.json: files[%zu]: path too long", i);
	if ((rc = sg_tuf_find_target(&s->c, path, holder, out, role)) < 0)
		return -1;
	if (rc == 1 || strcmp(role, s->role))
		return sg_fail("%s: listed in release.json but not signed by %s", path, s->role);
	return target_is_of(*out, src->host, s->release);
}

static int report_files(struct session *s, const struct sg_update_src *src, struct sg_buf *report)
{
	const struct sg_json *files = sg_json_get(s->index, "files");
	unsigned long long bytes = 0;
	struct sg_buf lines = SG_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < files->u.array.len; i++) {
		const char *name;
		const struct sg_tuf_target *t;
		struct sg_tuf_meta holder;
		char hex[65];
		if ((rc = release_file(s, src, i, &name, &holder, &t)) < 0) {
			sg_tuf_meta_free(&holder);
			break;
		}
		const char *kind =
			sg_json_string(sg_json_get(sg_json_get(t->custom, "signet"), "kind"), NULL);
		sg_hex_encode(t->sha256, 32, hex, SG_HEX_LOWER);
		bytes += t->length;
		rc = sg_buf_printf(&lines, "%s %llu %s %s\n", name, (unsigned long long)t->length,
				   hex, kind ? kind : "-");
		sg_tuf_meta_free(&holder);
	}
	if (rc == 0)
		rc = sg_buf_printf(report, "%s release %llu: %zu files, %llu bytes (role %s)\n",
				   src->host, (unsigned long long)s->release, files->u.array.len,
				   bytes, s->role);
	if (rc == 0 && lines.len)
		rc = sg_buf_append(report, lines.data, lines.len);
	sg_buf_free(&lines);
	return rc;
}

int sg_update_check(const struct sg_update_src *src, uint64_t *release, struct sg_buf *report)
{
	struct session s;
	int rc = -1;

	if (session_open(&s, src) == 0 && report_files(&s, src, report) == 0) {
		*release = s.release;
		rc = 0;
	}
	session_close(&s);
	return rc;
}

int sg_update_download(const struct sg_update_src *src, const char *dir, uint64_t *release,
		       struct sg_buf *report)
{
	struct session s;
	int rc = -1;

	if (session_open(&s, src) < 0 || report_files(&s, src, report) < 0)
		goto out;
	const struct sg_json *files = sg_json_get(s.index, "files");
	unsigned long long fetched = 0, bytes = 0, kept = 0;
	for (size_t i = 0; i < files->u.array.len; i++) {
		const char *name;
		const struct sg_tuf_target *t = NULL;
		struct sg_tuf_meta holder;
		char dest[SG_PATH_MAX];
		int bad = release_file(&s, src, i, &name, &holder, &t) < 0 ||
			  snprintf(dest, sizeof(dest), "%s/%s", dir, name) >= (int)sizeof(dest);
		if (!bad && sg_tuf_have(t, dest)) {
			kept++;
		} else if (!bad) {
			bad = sg_fleet_mkdirs_for(dest) < 0 || sg_tuf_download(&s.c, t, dest) < 0;
			fetched++;
			bytes += t->length;
		}
		sg_tuf_meta_free(&holder);
		if (bad)
			goto out;
	}
	*release = s.release;
	rc = sg_buf_printf(report, "%llu files fetched (%llu bytes), %llu already there\n", fetched,
			   bytes, kept);
out:
	session_close(&s);
	return rc;
}
