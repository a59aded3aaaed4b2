/* registry.c - pull and push over the OCI distribution API
 * (registry.h). */
#include "registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "ocilayout.h"
#include "path.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define REF_NAME "org.opencontainers.image.ref.name"
#define ACCEPT "Accept: " OCI_MANIFEST ", " OCI_INDEX ", " DOCKER_MANIFEST ", " DOCKER_LIST
#define ERROR_BODY_MAX (64u << 10)
#define TOKEN_MAX (64u << 10)
#define HEADER_MAX 4096

/* A blob being downloaded into its .partial file. */
struct sink {
	int fd;
	uint64_t offset, size; /* bytes in the file; the descriptor's size */
	uint64_t resume_from;  /* what the Range asked for (0: none) */
	struct sg_digest *d;
	int started, failed;
};

/* A file being uploaded, hashed as it is read. */
struct source {
	int fd;
	uint64_t sent, size;
	struct sg_digest *d;
	int failed;
};

struct conn {
	CURL *curl;
	const struct sg_oci_ref *ref;
	const struct sg_oci_remote *r;
	const char *actions; /* "pull" or "pull,push", for a Bearer scope */
	char base[SG_OCI_HOST_MAX + 16];
	char errbuf[CURL_ERROR_SIZE];
	struct sg_buf auth; /* "Authorization: ..." (a secret), or empty */
	int bearer;	    /* auth holds a token */
	/* the response */
	long status;
	char content_type[SG_OCI_MEDIA_MAX], docker_digest[96], content_range[96];
	char location[HEADER_MAX], www_auth[HEADER_MAX];
	struct sg_buf body;
	size_t body_max;
	int body_overflow;
	struct sink *sink;
	struct source *src;
	const struct sg_buf *upload_mem;
	size_t upload_pos;
};

/* Printable ASCII of s (at most n bytes) into out, for messages. */
static void printable_copy(char *out, size_t cap, const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++)
		out[k++] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	out[k] = '\0';
}

/* Keeps the headers the client reads; a status line starts a new
 * response (a redirect's, a 100 Continue's) and forgets them. */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct conn *c = ctx;
	size_t len = size * n, nl, vlen;
	const char *colon, *v;
	char *dst = NULL;
	size_t cap = 0;

	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		c->content_type[0] = c->docker_digest[0] = c->content_range[0] = '\0';
		c->location[0] = c->www_auth[0] = '\0';
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon)
		return len;
	nl = (size_t)(colon - p);
	v = colon + 1;
	vlen = len - nl - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ' ||
			v[vlen - 1] == '\t'))
		vlen--;
#define HEADER(name, field)                                                     \
	if (nl == sizeof(name) - 1 && !strncasecmp(p, name, nl) && !field[0]) { \
		dst = field;                                                    \
		cap = sizeof(field);                                            \
	}
	HEADER("Content-Type", c->content_type)
	HEADER("Docker-Content-Digest", c->docker_digest)
	HEADER("Content-Range", c->content_range)
	HEADER("Location", c->location)
	HEADER("WWW-Authenticate", c->www_auth)
#undef HEADER
	if (dst) {
		if (vlen >= cap)
			return 0; /* too long to be any of these: abort the transfer */
		printable_copy(dst, cap, v, vlen);
	}
	return len;
}

/* The first body bytes of a blob: a 200 to a Range starts over, a 206
 * must continue where the file ends. */
static int sink_start(struct conn *c, struct sink *s)
{
	unsigned long long first = 0;

	s->started = 1;
	if (c->status == 206) {
		if (!s->resume_from || sscanf(c->content_range, "bytes %llu-", &first) != 1 ||
		    first != s->offset)
			return sg_fail("206 with Content-Range '%s', not the bytes from %llu",
				       c->content_range, (unsigned long long)s->offset);
		return 0;
	}
	if (s->offset) {
		if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
			return sg_fail_errno("truncate");
		sg_digest_free(s->d);
		if (!(s->d = sg_digest_new("SHA256")))
			return -1;
		s->offset = 0;
	}
	return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct conn *c = ctx;
	size_t len = size * n;
	struct sink *s = c->sink;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
	if (s && (c->status == 200 || c->status == 206)) {
		if (!s->started && sink_start(c, s) < 0) {
			s->failed = 1;
			return 0;
		}
		if (len > s->size - s->offset) {
			s->failed = 1;
			sg_fail("more bytes than the %llu its descriptor says",
				(unsigned long long)s->size);
			return 0;
		}
		if (sg_digest_update(s->d, p, len) < 0 || sg_write_all(s->fd, p, len) < 0) {
			s->failed = 1;
			return 0;
		}
		s->offset += len;
		return len;
	}
	if (c->body.len + len > c->body_max) {
		c->body_overflow = 1;
		return 0;
	}
	return sg_buf_append(&c->body, p, len) < 0 ? 0 : len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct conn *c = ctx;
	size_t len = size * n;

	if (c->upload_mem) {
		size_t k = c->upload_mem->len - c->upload_pos;
		if (k > len)
			k = len;
		memcpy(p, c->upload_mem->data + c->upload_pos, k);
		c->upload_pos += k;
		return k;
	}
	struct source *s = c->src;
	if (s->sent >= s->size)
		return 0;
	if (len > s->size - s->sent)
		len = (size_t)(s->size - s->sent);
	ssize_t got = sg_read_full(s->fd, p, len);
	if (got <= 0 || sg_digest_update(s->d, p, (size_t)got) < 0) {
		if (got == 0)
			sg_fail("the file ended before its %llu bytes", (unsigned long long)s->size);
		else if (got < 0)
			sg_fail_errno("read");
		s->failed = 1;
		return CURL_READFUNC_ABORT;
	}
	s->sent += (uint64_t)got;
	return (size_t)got;
}

/* "404 MANIFEST_UNKNOWN manifest unknown": the status and the first of
 * the registry's errors ({"errors":[{"code","message"}]}). */
static int http_fail(struct conn *c, const char *what)
{
	struct sg_json *j = NULL;
	const struct sg_json *errs, *e;
	const char *code = NULL, *msg = NULL;
	char detail[256] = "";

	if (c->body.len && sg_json_parse((const char *)c->body.data, c->body.len, &j) == 0 &&
	    (errs = sg_json_get(j, "errors")) && errs->kind == SG_JSON_ARRAY &&
	    errs->u.array.len > 0 && (e = errs->u.array.items[0])) {
		code = sg_json_string(sg_json_get(e, "code"), NULL);
		msg = sg_json_string(sg_json_get(e, "message"), NULL);
	}
	if (code || msg) {
		char a[64] = "", b[160] = "";
		if (code)
			printable_copy(a, sizeof(a), code, strlen(code));
		if (msg)
			printable_copy(b, sizeof(b), msg, strlen(msg));
		snprintf(detail, sizeof(detail), " %s%s%s", a, *a && *b ? " " : "", b);
	} else if (c->body.len && c->status != 401) {
		char b[120];
		printable_copy(b, sizeof(b), (const char *)c->body.data,
			       c->body.len < 100 ? c->body.len : 100);
		snprintf(detail, sizeof(detail), " %s", b);
	}
	sg_json_free(j);
	errno = 0;
	return sg_fail("%s: %s: %ld%s", c->r->ref_text, what, c->status, detail);
}

static void auth_clear(struct conn *c)
{
	sg_buf_wipe(&c->auth);
	c->bearer = 0;
}

static int auth_basic(struct conn *c)
{
	struct sg_buf cred = SG_BUF_INIT;
	int rc;

	auth_clear(c);
	if (!c->r->user)
		return 0;
	if (sg_buf_printf(&cred, "%s:%s", c->r->user, c->r->password ? c->r->password : "") < 0) {
		sg_buf_wipe(&cred);
		return sg_fail("out of memory");
	}
	rc = sg_buf_append_str(&c->auth, "Authorization: Basic ") < 0 ||
			     sg_b64_encode_buf(&c->auth, cred.data, cred.len, SG_B64_PAD) < 0 ||
			     sg_buf_terminate(&c->auth) < 0
		     ? sg_fail("out of memory")
		     : 0;
	sg_buf_wipe(&cred);
	return rc;
}

/* curl_slist_append copies: each copy is wiped before it is freed. */
static void slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		sg_wipe(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* Options every request has: TLS, protocols, limits. */
static int common_options(struct conn *c)
{
	CURL *h = c->curl;
	/* plain HTTP to the registry; its token realm may still be https */
	const char *proto = c->r->plain_http ? "http,https" : "https";
	CURLcode e = CURLE_OK;

	curl_easy_reset(h);
	c->errbuf[0] = '\0';
#define SET(opt, val)      \
	if (e == CURLE_OK) \
	e = curl_easy_setopt(h, opt, val)
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, proto);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, proto);
	SET(CURLOPT_USERAGENT, "signet/" SIGNET_VERSION);
	SET(CURLOPT_CONNECTTIMEOUT, 30L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, 120L);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, c);
	if (c->r->ca_file) {
		SET(CURLOPT_CAINFO, c->r->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	}
	if (c->r->unix_socket)
		SET(CURLOPT_UNIX_SOCKET_PATH, c->r->unix_socket);
	if (c->r->cert_file)
		SET(CURLOPT_SSLCERT, c->r->cert_file);
	if (c->r->key_file)
		SET(CURLOPT_SSLKEY, c->r->key_file);
#undef SET
	if (e != CURLE_OK)
		return sg_fail("%s: libcurl: %s", c->r->ref_text, curl_easy_strerror(e));
	return 0;
}

enum method { GET, HEAD, POST, PUT };

struct req {
	enum method method;
	const char *url;
	const char *content_type; /* PUT */
	const struct sg_buf *mem; /* PUT body in memory */
	struct source *src;	  /* or from a file */
	struct sink *sink;	  /* GET into a blob */
	const char *range;	  /* "Range: bytes=N-" */
	int accept_manifests, follow;
	int no_retry; /* a 401 is the answer (the token request itself) */
	int realm;    /* to the token realm: the credentials go there too */
	size_t body_max;
};

static int bearer_token(struct conn *c, const struct sg_oci_challenge *ch);

/* One request; on a 401 with a Bearer challenge, a token is fetched and
 * the request made once more. Returns 0 with c->status set, or -1 when
 * the transfer failed (the error names what). */
static int perform(struct conn *c, const struct req *q, const char *what)
{
	for (int attempt = 0;; attempt++) {
		struct curl_slist *hdr = NULL, *tmp;
		CURLcode e = CURLE_OK;
		int failed = 0;

		if (common_options(c) < 0)
			return -1;
		sg_buf_free(&c->body);
		c->body_max = q->body_max ? q->body_max : ERROR_BODY_MAX;
		c->body_overflow = 0;
		c->status = 0;
		c->sink = q->sink;
		c->src = q->src;
		c->upload_mem = q->mem;
		c->upload_pos = 0;
		c->content_type[0] = c->docker_digest[0] = c->content_range[0] = '\0';
		c->location[0] = c->www_auth[0] = '\0';
#define ADD(s)                                                         \
	do {                                                           \
		if (!failed && !(tmp = curl_slist_append(hdr, (s)))) { \
			failed = 1;                                    \
		} else if (!failed) {                                  \
			hdr = tmp;                                     \
		}                                                      \
	} while (0)
		/* credentials only to the registry itself (and the realm it
		 * names): not to another host an upload's Location names;
		 * libcurl drops them on a redirect to another host */
		size_t blen = strlen(c->base);
		if (c->auth.len &&
		    (q->realm || (!strncmp(q->url, c->base, blen) && q->url[blen] == '/')))
			ADD((const char *)c->auth.data);
		if (q->accept_manifests)
			ADD(ACCEPT);
		if (q->range)
			ADD(q->range);
		ADD("Expect:");
		char ctype[SG_OCI_MEDIA_MAX + 16];
		if (q->content_type) {
			snprintf(ctype, sizeof(ctype), "Content-Type: %s", q->content_type);
			ADD(ctype);
		}
#undef ADD
		if (failed) {
			slist_wipe_free(hdr);
			return sg_fail("out of memory");
		}
#define SET(opt, val)      \
	if (e == CURLE_OK) \
	e = curl_easy_setopt(c->curl, opt, val)
		SET(CURLOPT_URL, q->url);
		SET(CURLOPT_HTTPHEADER, hdr);
		if (q->follow) {
			SET(CURLOPT_FOLLOWLOCATION, 1L);
			SET(CURLOPT_MAXREDIRS, 5L);
		}
		switch (q->method) {
		case GET: break;
		case HEAD: SET(CURLOPT_NOBODY, 1L); break;
		case POST:
			SET(CURLOPT_POST, 1L);
			SET(CURLOPT_POSTFIELDSIZE, 0L);
			SET(CURLOPT_POSTFIELDS, "");
			break;
		case PUT:
			SET(CURLOPT_UPLOAD, 1L);
			SET(CURLOPT_READFUNCTION, on_read);
			SET(CURLOPT_READDATA, c);
			SET(CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)(q->mem ? q->mem->len : q->src->size));
			break;
		}
#undef SET
		if (e == CURLE_OK)
			e = curl_easy_perform(c->curl);
		slist_wipe_free(hdr);
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
		if (e != CURLE_OK) {
			if ((q->sink && q->sink->failed) || (q->src && q->src->failed)) {
				char msg[512];
				snprintf(msg, sizeof(msg), "%s", sg_errmsg());
				return sg_fail("%s: %s: %s", c->r->ref_text, what, msg);
			}
			if (c->body_overflow)
				return sg_fail("%s: %s: a response of more than %zu bytes",
					       c->r->ref_text, what, c->body_max);
			/* a TLS 1.3 server refuses a missing client certificate
			 * after the handshake: the transfer just breaks */
			int hint = !c->r->plain_http && !c->r->cert_file &&
				   (e == CURLE_SSL_CONNECT_ERROR || e == CURLE_RECV_ERROR ||
				    e == CURLE_SEND_ERROR || e == CURLE_GOT_NOTHING);
			return sg_fail("%s: %s: %s%s", c->r->ref_text, what,
				       c->errbuf[0] ? c->errbuf : curl_easy_strerror(e),
				       hint ? " (does the registry want a client certificate? "
					      "--cert, --key)"
					    : "");
		}
		if (c->status != 401 || attempt > 0 || q->no_retry)
			return 0;
		/* 401: a Bearer challenge is answered once; Basic was sent
		 * already, or there is nothing to send */
		struct sg_oci_challenge ch;
		if (!c->www_auth[0] ||
		    sg_oci_challenge_parse(c->www_auth, strlen(c->www_auth), &ch) < 0 ||
		    ch.scheme != SG_OCI_AUTH_BEARER) {
			if (!c->r->user) {
				errno = 0;
				return sg_fail("%s: %s: 401: the registry wants credentials "
					       "(--user with --password-file or "
					       "SIGNET_REGISTRY_PASSWORD)",
					       c->r->ref_text, what);
			}
			return 0;
		}
		if (bearer_token(c, &ch) < 0)
			return -1;
		if (q->src) { /* the upload is read again from its start */
			if (lseek(q->src->fd, 0, SEEK_SET) < 0)
				return sg_fail_errno("%s: %s", c->r->ref_text, what);
			sg_digest_free(q->src->d);
			q->src->sent = 0;
			if (!(q->src->d = sg_digest_new("SHA256")))
				return -1;
		}
	}
}

/* The token dance (distribution's token spec): GET realm?service=&scope=
 * with the Basic credentials, if any; the answer's token (or
 * access_token) is sent as "Authorization: Bearer" from then on. */
static int bearer_token(struct conn *c, const struct sg_oci_challenge *ch)
{
	CURLU *u = curl_url();
	char *url = NULL, scope[SG_OCI_PARAM_MAX + 64], q[SG_OCI_PARAM_MAX + 96];
	struct sg_json *j = NULL;
	const char *tok;
	size_t toklen;
	int rc = -1;

	if (!u)
		return sg_fail("out of memory");
	if (ch->scope[0])
		snprintf(scope, sizeof(scope), "%s", ch->scope);
	else
		snprintf(scope, sizeof(scope), "repository:%s:%s", c->ref->name, c->actions);
	if (curl_url_set(u, CURLUPART_URL, ch->realm, 0) != CURLUE_OK) {
		sg_fail("%s: token: realm '%.200s' is not a URL", c->r->ref_text, ch->realm);
		goto out;
	}
	if (ch->service[0]) {
		snprintf(q, sizeof(q), "service=%s", ch->service);
		curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE);
	}
	snprintf(q, sizeof(q), "scope=%s", scope);
	curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE);
	if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		sg_fail("out of memory");
		goto out;
	}
	if (auth_basic(c) < 0)
		goto out;
	struct req r = {
		.method = GET, .url = url, .follow = 1, .no_retry = 1, .realm = 1, .body_max = TOKEN_MAX
	};
	if (perform(c, &r, "token") < 0)
		goto out;
	if (c->status != 200) {
		http_fail(c, "token");
		goto out;
	}
	if (sg_json_parse((const char *)c->body.data, c->body.len, &j) < 0 ||
	    (!(tok = sg_json_string(sg_json_get(j, "token"), &toklen)) &&
	     !(tok = sg_json_string(sg_json_get(j, "access_token"), &toklen))) ||
	    toklen == 0 || strlen(tok) != toklen ||
	    strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") !=
		    toklen) {
		sg_fail("%s: token: the answer holds no token", c->r->ref_text);
		goto out;
	}
	auth_clear(c);
	if (sg_buf_printf(&c->auth, "Authorization: Bearer %s", tok) < 0) {
		sg_fail("out of memory");
		goto out;
	}
	c->bearer = 1;
	rc = 0;
out:
	if (j)
		sg_json_wipe(j);
	sg_buf_wipe(&c->body);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

static int conn_open(struct conn *c, const struct sg_oci_ref *ref, const struct sg_oci_remote *r,
		     const char *actions)
{
	memset(c, 0, sizeof(*c));
	c->ref = ref;
	c->r = r;
	c->actions = actions;
	snprintf(c->base, sizeof(c->base), "%s://%s", r->plain_http ? "http" : "https", ref->host);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sg_fail("libcurl: cannot initialise");
	if (!(c->curl = curl_easy_init())) {
		curl_global_cleanup();
		return sg_fail("libcurl: cannot initialise");
	}
	return auth_basic(c);
}

static void conn_close(struct conn *c)
{
	auth_clear(c);
	sg_buf_wipe(&c->body);
	if (c->curl) {
		curl_easy_cleanup(c->curl);
		curl_global_cleanup();
	}
	c->curl = NULL;
}

/* base/v2/<name>/<kind>/<ref> */
static int api_url(const struct conn *c, char *out, size_t cap, const char *kind, const char *ref)
{
	int n = snprintf(out, cap, "%s/v2/%s/%s/%s", c->base, c->ref->name, kind, ref);

	return n < 0 || (size_t)n >= cap ? sg_fail("%s: URL too long", c->r->ref_text) : 0;
}

static void hex_of(const uint8_t sum[SG_SHA256_LEN], char hex[65])
{
	sg_hex_encode(sum, SG_SHA256_LEN, hex, SG_HEX_LOWER);
}

/* The Docker-Content-Digest, when the registry sent one, must be want. */
static int check_header_digest(struct conn *c, const char *what, const char *want_hex)
{
	if (!c->docker_digest[0])
		return 0;
	if (strncmp(c->docker_digest, "sha256:", 7) != 0 || strcmp(c->docker_digest + 7, want_hex))
		return sg_fail("%s: %s: the registry says its digest is %.80s, its bytes hash to "
			       "sha256:%s",
			       c->r->ref_text, what, c->docker_digest, want_hex);
	return 0;
}

/* ---- pull ---- */

static const char *str_of(const struct sg_json *o, const char *key)
{
	size_t len;
	const char *s = sg_json_string(sg_json_get(o, key), &len);

	return s && strlen(s) == len ? s : NULL;
}

static int digest_valid(const char *d)
{
	return d && strlen(d) == SG_OCI_DIGEST_LEN && !strncmp(d, "sha256:", 7) &&
	       strspn(d + 7, "0123456789abcdef") == 64;
}

/* The manifest named by ref (a tag or "sha256:..") into body, its
 * digest checked against want (when not NULL) and its media type
 * into type. */
static int get_manifest(struct conn *c, const char *ref, const char *want, struct sg_buf *body,
			char type[SG_OCI_MEDIA_MAX], char hex[65])
{
	char url[SG_PATH_MAX], what[SG_OCI_TAG_MAX + SG_OCI_DIGEST_LEN + 32];
	uint8_t sum[SG_SHA256_LEN];
	struct sg_json *j = NULL;
	const char *mt;
	size_t k;

	snprintf(what, sizeof(what), "manifest %s", ref);
	if (!strcmp(ref, c->ref->tag) || !strcmp(ref, c->ref->digest))
		snprintf(what, sizeof(what), "manifest");
	if (api_url(c, url, sizeof(url), "manifests", ref) < 0)
		return -1;
	struct req q = {
		.method = GET, .url = url, .accept_manifests = 1, .follow = 1, .body_max = SG_OCI_MAX_JSON
	};
	if (perform(c, &q, what) < 0)
		return -1;
	if (c->status != 200)
		return http_fail(c, what);
	if (sg_sha256(c->body.data, c->body.len, sum) < 0)
		return -1;
	hex_of(sum, hex);
	if (want && strcmp(want + 7, hex) != 0)
		return sg_fail("%s: %s: its bytes hash to sha256:%s, not the %s asked for",
			       c->r->ref_text, what, hex, want);
	if (check_header_digest(c, what, hex) < 0)
		return -1;
	/* the media type: the document's own, else Content-Type's */
	if (sg_json_parse((const char *)c->body.data, c->body.len, &j) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", sg_errmsg());
		return sg_fail("%s: %s: %s", c->r->ref_text, what, msg);
	}
	mt = str_of(j, "mediaType");
	if (!mt) {
		k = strcspn(c->content_type, "; ");
		c->content_type[k] = '\0';
		mt = c->content_type;
	}
	if (strcmp(mt, OCI_MANIFEST) && strcmp(mt, OCI_INDEX) && strcmp(mt, DOCKER_MANIFEST) &&
	    strcmp(mt, DOCKER_LIST)) {
		char m[SG_OCI_MEDIA_MAX];
		printable_copy(m, sizeof(m), mt, strlen(mt));
		sg_json_free(j);
		return sg_fail("%s: %s: media type '%s' is not an OCI or Docker schema 2 manifest "
			       "or index",
			       c->r->ref_text, what, m);
	}
	snprintf(type, SG_OCI_MEDIA_MAX, "%s", mt);
	sg_json_free(j);
	sg_buf_free(body);
	*body = c->body;
	c->body = (struct sg_buf)SG_BUF_INIT;
	return 0;
}

/* Of an index, the linux/amd64 manifest's digest and size. */
static int pick_platform(struct conn *c, const struct sg_buf *body, char digest[72], uint64_t *size)
{
	struct sg_json *j = NULL;
	const struct sg_json *list;
	int found = 0;

	if (sg_json_parse((const char *)body->data, body->len, &j) < 0)
		return -1;
	list = sg_json_get(j, "manifests");
	for (size_t i = 0; list && list->kind == SG_JSON_ARRAY && i < list->u.array.len; i++) {
		const struct sg_json *m = list->u.array.items[i], *p = sg_json_get(m, "platform");
		const struct sg_json *sz = sg_json_get(m, "size");
		const char *os = str_of(p, "os"), *arch = str_of(p, "architecture");
		const char *d = str_of(m, "digest");
		if (!os || !arch || strcmp(os, "linux") || strcmp(arch, "amd64"))
			continue;
		if (!digest_valid(d) || !sz || sz->kind != SG_JSON_INT || sz->u.integer < 0) {
			sg_json_free(j);
			return sg_fail("%s: manifest: the index's linux/amd64 entry needs a "
				       "sha256 digest and a size",
				       c->r->ref_text);
		}
		memcpy(digest, d, SG_OCI_DIGEST_LEN + 1);
		*size = (uint64_t)sz->u.integer;
		found = 1;
		break;
	}
	sg_json_free(j);
	if (!found)
		return sg_fail("%s: manifest: an index without a linux/amd64 manifest",
			       c->r->ref_text);
	return 0;
}

/* 1 when path holds exactly the blob of d, 0 when not (or missing). */
static int blob_present(const char *path, const struct sg_oci_desc *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct sg_digest *dg;
	uint8_t buf[1 << 16], sum[SG_SHA256_LEN];
	char hex[65];
	uint64_t total = 0;
	ssize_t n;
	int ok = 0;

	if (fd < 0)
		return 0;
	if (!(dg = sg_digest_new("SHA256"))) {
		close(fd);
		return 0;
	}
	while ((n = sg_read_full(fd, buf, sizeof(buf))) > 0 && total <= d->size) {
		total += (uint64_t)n;
		sg_digest_update(dg, buf, (size_t)n);
	}
	if (n == 0 && total == d->size && sg_digest_final(dg, sum) == SG_SHA256_LEN) {
		hex_of(sum, hex);
		ok = strcmp(hex, d->hex) == 0;
	}
	sg_digest_free(dg);
	close(fd);
	return ok;
}

/* Hashes the first s->offset bytes of the partial file into s->d. */
static int hash_prefix(struct sink *s)
{
	uint8_t buf[1 << 16];
	uint64_t left = s->offset;

	if (lseek(s->fd, 0, SEEK_SET) < 0)
		return sg_fail_errno("seek");
	while (left) {
		size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = sg_read_full(s->fd, buf, want);
		if (n != (ssize_t)want)
			return sg_fail_errno("read");
		if (sg_digest_update(s->d, buf, want) < 0)
			return -1;
		left -= want;
	}
	return 0;
}

/* One download of d into partial (resumed when it holds a prefix).
 * Returns 0 when complete and right, 1 when a resumed download turned
 * out wrong (start over), -1 on failure. */
static int download(struct conn *c, const struct sg_oci_desc *d, int fd, const char *partial,
		    const char *what)
{
	char url[SG_PATH_MAX], range[64], digest[SG_OCI_DIGEST_LEN + 1], hex[65];
	uint8_t sum[SG_SHA256_LEN];
	struct sink s = { .fd = fd, .size = d->size };
	struct stat st;
	int rc = -1;

	snprintf(digest, sizeof(digest), "sha256:%s", d->hex);
	if (api_url(c, url, sizeof(url), "blobs", digest) < 0)
		return -1;
	if (fstat(s.fd, &st) < 0) {
		sg_fail_errno("%s", partial);
		goto out;
	}
	if (!(s.d = sg_digest_new("SHA256")))
		goto out;
	s.offset = (uint64_t)st.st_size;
	if (s.offset >= d->size) { /* nothing left to ask for: start over */
		if (ftruncate(s.fd, 0) < 0) {
			sg_fail_errno("%s", partial);
			goto out;
		}
		s.offset = 0;
	}
	if (s.offset && hash_prefix(&s) < 0) {
		sg_fail_prefix(partial);
		goto out;
	}
	if (lseek(s.fd, (off_t)s.offset, SEEK_SET) < 0) {
		sg_fail_errno("%s", partial);
		goto out;
	}
	s.resume_from = s.offset;
	snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)s.offset);
	struct req q = {
		.method = GET, .url = url, .sink = &s, .follow = 1, .range = s.offset ? range : NULL
	};
	if (perform(c, &q, what) < 0) {
		if (s.failed) /* wrong bytes, not a cut connection: nothing kept */
			unlink(partial);
		goto out;
	}
	if (c->status == 416 && s.resume_from) {
		rc = 1;
		goto out;
	}
	if (c->status != 200 && c->status != 206) {
		http_fail(c, what);
		goto out;
	}
	if (s.offset != d->size) {
		unlink(partial);
		sg_fail("%s: %s: %llu bytes, its descriptor says %llu", c->r->ref_text, what,
			(unsigned long long)s.offset, (unsigned long long)d->size);
		goto out;
	}
	if (sg_digest_final(s.d, sum) != SG_SHA256_LEN)
		goto out;
	hex_of(sum, hex);
	if (strcmp(hex, d->hex) != 0) {
		if (s.resume_from && c->status == 206) {
			rc = 1;
			goto out;
		}
		unlink(partial);
		sg_fail("%s: %s: its bytes hash to sha256:%s", c->r->ref_text, what, hex);
		goto out;
	}
	if (fsync(s.fd) < 0) {
		sg_fail_errno("%s", partial);
		goto out;
	}
	rc = 0;
out:
	if (rc == 1 && ftruncate(s.fd, 0) < 0)
		rc = sg_fail_errno("%s", partial);
	/* a failure before any byte came leaves no empty .partial */
	if (rc < 0 && fstat(s.fd, &st) == 0 && st.st_size == 0)
		unlink(partial);
	sg_digest_free(s.d);
	return rc;
}

/* The .partial file opened and locked, so that two pulls into one
 * layout never write one file: the second waits, and once it holds the
 * lock makes sure the name is still the file it locked (the first may
 * have renamed it into place or removed it meanwhile). */
static int lock_partial(const char *partial)
{
	for (int tries = 0; tries < 16; tries++) {
		struct stat locked, named;
		int fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

		if (fd < 0)
			return sg_fail_errno("%s", partial);
		if (flock(fd, LOCK_EX) < 0 || fstat(fd, &locked) < 0) {
			close(fd);
			return sg_fail_errno("%s: lock", partial);
		}
		if (!S_ISREG(locked.st_mode)) {
			close(fd);
			return sg_fail("%s: not a regular file", partial);
		}
		if (lstat(partial, &named) == 0 && named.st_dev == locked.st_dev &&
		    named.st_ino == locked.st_ino)
			return fd;
		close(fd);
	}
	return sg_fail("%s: replaced again and again while waiting for its lock", partial);
}

static int fetch_blob(struct conn *c, const char *dir, const struct sg_oci_desc *d)
{
	char path[SG_PATH_MAX], partial[SG_PATH_MAX + 16], what[96];
	int rc, fd;

	if (sg_oci_blob_path(dir, d, path, sizeof(path)) < 0)
		return -1;
	if (blob_present(path, d))
		return 0;
	snprintf(partial, sizeof(partial), "%s.partial", path);
	snprintf(what, sizeof(what), "blob sha256:%s", d->hex);
	if ((fd = lock_partial(partial)) < 0)
		return -1;
	/* another pull may have finished it while this one waited */
	if (blob_present(path, d)) {
		unlink(partial);
		close(fd);
		return 0;
	}
	rc = download(c, d, fd, partial, what);
	if (rc == 1) /* a resumed prefix that was wrong: once more, whole */
		rc = download(c, d, fd, partial, what);
	if (rc == 1) {
		unlink(partial);
		rc = sg_fail("%s: %s: wrong bytes twice", c->r->ref_text, what);
	}
	/* renamed while locked: a pull waiting for the lock finds the name
	 * gone and the blob there */
	if (rc == 0 && rename(partial, path) < 0)
		rc = sg_fail_errno("%s", path);
	close(fd);
	return rc < 0 ? -1 : sg_sync_parent_dir(path);
}

static int mkdir_one(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return sg_fail_errno("%s", path);
	return 0;
}

/* index.json with desc tagged tag: other tags kept, this one replaced.
 * Two pulls into one layout take turns (a lock on its directory), so
 * neither loses the other's tag. */
static int write_index_locked(const char *dir, const char *tag, const char *type, const char *hex,
			      size_t size)
{
	char path[SG_PATH_MAX], digest[SG_OCI_DIGEST_LEN + 1];
	struct sg_buf b = SG_BUF_INIT;
	struct sg_json *j = NULL, *list, *m;
	int rc = -1;

	if (sg_path_join(path, sizeof(path), dir, "index.json") < 0)
		return -1;
	if (access(path, F_OK) == 0) {
		if (sg_read_file(path, &b, SG_OCI_MAX_JSON) < 0)
			return -1;
		if (sg_json_parse(b.data ? (const char *)b.data : "", b.len, &j) < 0) {
			sg_fail_prefix(path);
			goto out;
		}
		list = sg_json_get(j, "manifests");
		if (j->kind != SG_JSON_OBJECT || !list || list->kind != SG_JSON_ARRAY) {
			sg_fail("%s: no manifests list", path);
			goto out;
		}
		for (size_t i = 0; i < list->u.array.len;) {
			const char *ref =
				str_of(sg_json_get(list->u.array.items[i], "annotations"), REF_NAME);
			if (ref && !strcmp(ref, tag)) {
				sg_json_free(list->u.array.items[i]);
				memmove(&list->u.array.items[i], &list->u.array.items[i + 1],
					(list->u.array.len - i - 1) * sizeof(list->u.array.items[0]));
				list->u.array.len--;
			} else {
				i++;
			}
		}
	} else {
		j = sg_json_new_object();
		if (!j || sg_json_set(j, "schemaVersion", sg_json_new_int(2)) < 0 ||
		    sg_json_set(j, "mediaType", sg_json_new_string(OCI_INDEX)) < 0 ||
		    sg_json_set(j, "manifests", sg_json_new_array()) < 0)
			goto out;
		list = sg_json_get(j, "manifests");
	}
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if (!(m = sg_json_new_object()))
		goto out;
	if (sg_json_set(m, "mediaType", sg_json_new_string(type)) < 0 ||
	    sg_json_set(m, "digest", sg_json_new_string(digest)) < 0 ||
	    sg_json_set(m, "size", sg_json_new_int((int64_t)size)) < 0 ||
	    sg_json_set(m, "annotations", sg_json_new_object()) < 0 ||
	    sg_json_set(sg_json_get(m, "annotations"), REF_NAME, sg_json_new_string(tag)) < 0) {
		sg_json_free(m);
		goto out;
	}
	if (sg_json_append(list, m) < 0)
		goto out;
	sg_buf_free(&b);
	if (sg_json_write(j, &b, 0) < 0)
		goto out;
	rc = sg_write_file_atomic(path, b.data, b.len, 0644, 0);
out:
	sg_json_free(j);
	sg_buf_free(&b);
	return rc;
}

static int write_index(const char *dir, const char *tag, const char *type, const char *hex,
		       size_t size)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		rc = sg_fail_errno("%s: lock", dir);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	rc = write_index_locked(dir, tag, type, hex, size);
	close(fd);
	return rc;
}

int sg_oci_pull(const struct sg_oci_ref *ref, const struct sg_oci_remote *r, const char *dir,
		const char *tag, char digest[SG_OCI_DIGEST_LEN + 1])
{
	static const char layout_text[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	struct conn c;
	struct sg_buf body = SG_BUF_INIT;
	struct sg_oci_image img;
	char type[SG_OCI_MEDIA_MAX], hex[65], path[SG_PATH_MAX], name[SG_PATH_MAX];
	int rc = -1;

	memset(&img, 0, sizeof(img));
	if (conn_open(&c, ref, r, "pull") < 0)
		goto out;
	if (get_manifest(&c,
			 ref->digest[0] ? ref->digest
			 : ref->tag[0]	? ref->tag
					: "latest",
			 ref->digest[0] ? ref->digest : NULL, &body, type, hex) < 0)
		goto out;
	if (!strcmp(type, OCI_INDEX) || !strcmp(type, DOCKER_LIST)) {
		char want[SG_OCI_DIGEST_LEN + 1];
		uint64_t size = 0;
		if (pick_platform(&c, &body, want, &size) < 0 ||
		    get_manifest(&c, want, want, &body, type, hex) < 0)
			goto out;
		if (body.len != size) {
			sg_fail("%s: manifest %s: %zu bytes, the index says %llu", r->ref_text,
				want, body.len, (unsigned long long)size);
			goto out;
		}
		if (!strcmp(type, OCI_INDEX) || !strcmp(type, DOCKER_LIST)) {
			sg_fail("%s: manifest %s: an index inside an index", r->ref_text, want);
			goto out;
		}
	}
	snprintf(name, sizeof(name), "%s: manifest", r->ref_text);
	if (sg_oci_manifest_parse(name, (const char *)body.data, body.len, &img) < 0)
		goto out;
	snprintf(img.manifest.media_type, sizeof(img.manifest.media_type), "%s", type);
	memcpy(img.manifest.hex, hex, 65);
	img.manifest.size = body.len;
	/* the layout's directories, then the blobs, the manifest, the index */
	if (mkdir_one(dir) < 0 || sg_path_join(path, sizeof(path), dir, "blobs") < 0 ||
	    mkdir_one(path) < 0 || sg_path_join(path, sizeof(path), dir, "blobs/sha256") < 0 ||
	    mkdir_one(path) < 0)
		goto out;
	if (fetch_blob(&c, dir, &img.config) < 0)
		goto out;
	for (size_t i = 0; i < img.nlayers; i++)
		if (fetch_blob(&c, dir, &img.layers[i]) < 0)
			goto out;
	if (sg_oci_blob_path(dir, &img.manifest, path, sizeof(path)) < 0 ||
	    (!blob_present(path, &img.manifest) &&
	     sg_write_file_atomic(path, body.data, body.len, 0644, 0) < 0))
		goto out;
	if (sg_path_join(path, sizeof(path), dir, "oci-layout") < 0 ||
	    (access(path, F_OK) != 0 &&
	     sg_write_file_atomic(path, layout_text, strlen(layout_text), 0644, 0) < 0))
		goto out;
	if (write_index(dir, tag, type, hex, body.len) < 0)
		goto out;
	snprintf(digest, SG_OCI_DIGEST_LEN + 1, "sha256:%s", hex);
	rc = 0;
out:
	sg_buf_free(&body);
	conn_close(&c);
	return rc;
}

/* ---- push ---- */

/* The upload URL: Location resolved against the registry's URL (it
 * may be relative), with ?digest= appended. */
static int upload_url(struct conn *c, const char *hex, char **out)
{
	CURLU *u = curl_url();
	char base[SG_PATH_MAX], q[96];
	int rc = -1;

	*out = NULL;
	if (!u)
		return sg_fail("out of memory");
	snprintf(base, sizeof(base), "%s/v2/%s/blobs/uploads/", c->base, c->ref->name);
	snprintf(q, sizeof(q), "digest=sha256:%s", hex);
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, c->location, 0) != CURLUE_OK)
		sg_fail("%s: upload: Location '%.200s' is not a URL", c->r->ref_text, c->location);
	else if (curl_url_set(u, CURLUPART_QUERY, q, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
			 CURLUE_OK ||
		 curl_url_get(u, CURLUPART_URL, out, 0) != CURLUE_OK)
		sg_fail("out of memory");
	else
		rc = 0;
	curl_url_cleanup(u);
	return rc;
}

/* Sends the file at path as blob d unless the registry has it: 1 sent,
 * 0 there already, -1. */
static int push_blob_file(struct conn *c, const char *path, const struct sg_oci_desc *d)
{
	char url[SG_PATH_MAX], digest[SG_OCI_DIGEST_LEN + 1], what[96];
	char hex[65];
	uint8_t sum[SG_SHA256_LEN];
	char *put = NULL;
	struct source s = { .fd = -1, .size = d->size };
	int rc = -1;

	snprintf(digest, sizeof(digest), "sha256:%s", d->hex);
	snprintf(what, sizeof(what), "blob %s", digest);
	if (api_url(c, url, sizeof(url), "blobs", digest) < 0)
		return -1;
	struct req head = { .method = HEAD, .url = url };
	if (perform(c, &head, what) < 0)
		return -1;
	if (c->status == 200)
		return 0; /* the registry has it */
	if (c->status != 404)
		return http_fail(c, what);
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/uploads/", c->base, c->ref->name);
	struct req post = { .method = POST, .url = url };
	if (perform(c, &post, what) < 0)
		return -1;
	if (c->status != 202)
		return http_fail(c, what);
	if (!c->location[0])
		return sg_fail("%s: %s: 202 without a Location", c->r->ref_text, what);
	if (upload_url(c, d->hex, &put) < 0)
		return -1;
	s.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0) {
		sg_fail_errno("%s", path);
		goto out;
	}
	if (!(s.d = sg_digest_new("SHA256")))
		goto out;
	struct req q = {
		.method = PUT, .url = put, .src = &s, .content_type = "application/octet-stream"
	};
	if (perform(c, &q, what) < 0)
		goto out;
	if (s.sent == s.size && sg_digest_final(s.d, sum) == SG_SHA256_LEN) {
		hex_of(sum, hex);
		if (strcmp(hex, d->hex)) {
			sg_fail("%s: its SHA-256 is %s, not its name", path, hex);
			goto out;
		}
	}
	if (c->status != 201) {
		http_fail(c, what);
		goto out;
	}
	rc = check_header_digest(c, what, d->hex) < 0 ? -1 : 1;
out:
	if (s.fd >= 0)
		close(s.fd);
	sg_digest_free(s.d);
	curl_free(put);
	return rc;
}

static int push_blob(struct conn *c, const char *dir, const struct sg_oci_desc *d)
{
	char path[SG_PATH_MAX];

	if (sg_oci_blob_path(dir, d, path, sizeof(path)) < 0 || push_blob_file(c, path, d) < 0)
		return -1;
	return 0;
}

int sg_oci_push(const char *dir, const char *tag, const struct sg_oci_ref *ref,
		const struct sg_oci_remote *r, char digest[SG_OCI_DIGEST_LEN + 1])
{
	struct sg_oci_image img;
	struct sg_buf body = SG_BUF_INIT;
	char path[SG_PATH_MAX], url[SG_PATH_MAX], hex[65];
	uint8_t sum[SG_SHA256_LEN];
	struct conn c;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	if (sg_oci_layout_open(dir, tag, &img) < 0)
		return -1;
	if (ref->digest[0] && strcmp(ref->digest + 7, img.manifest.hex) != 0)
		return sg_fail("%s: the layout's manifest is sha256:%s, not the digest asked for",
			       r->ref_text, img.manifest.hex);
	if (sg_oci_blob_path(dir, &img.manifest, path, sizeof(path)) < 0 ||
	    sg_read_file(path, &body, SG_OCI_MAX_JSON) < 0)
		return -1;
	/* read again: the same bytes that were checked */
	if (sg_sha256(body.data, body.len, sum) < 0)
		goto out;
	hex_of(sum, hex);
	if (strcmp(hex, img.manifest.hex) != 0 || body.len != img.manifest.size) {
		sg_fail("%s: changed while read", path);
		goto out;
	}
	if (conn_open(&c, ref, r, "pull,push") < 0)
		goto out;
	for (size_t i = 0; i < img.nlayers; i++)
		if (push_blob(&c, dir, &img.layers[i]) < 0)
			goto out;
	if (push_blob(&c, dir, &img.config) < 0)
		goto out;
	if (api_url(&c, url, sizeof(url), "manifests",
		    ref->tag[0]	     ? ref->tag
		    : ref->digest[0] ? ref->digest
				     : "latest") < 0)
		goto out;
	struct req q = {
		.method = PUT, .url = url, .mem = &body, .content_type = img.manifest.media_type
	};
	if (perform(&c, &q, "manifest") < 0)
		goto out;
	if (c.status != 201) {
		http_fail(&c, "manifest");
		goto out;
	}
	if (check_header_digest(&c, "manifest", hex) < 0)
		goto out;
	snprintf(digest, SG_OCI_DIGEST_LEN + 1, "sha256:%s", hex);
	rc = 0;
out:
	sg_buf_free(&body);
	conn_close(&c);
	return rc;
}

/* ---- sessions: blobs and manifests one by one ---- */

struct sg_oci_session {
	struct conn c;
	struct sg_oci_ref ref;
	struct sg_oci_remote r;
};

int sg_oci_session_open(struct sg_oci_session **out, const struct sg_oci_ref *ref,
			const struct sg_oci_remote *r, int push)
{
	struct sg_oci_session *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return sg_fail("out of memory");
	s->ref = *ref;
	s->r = *r;
	if (conn_open(&s->c, &s->ref, &s->r, push ? "pull,push" : "pull") < 0) {
		conn_close(&s->c);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void sg_oci_session_close(struct sg_oci_session *s)
{
	if (!s)
		return;
	conn_close(&s->c);
	free(s);
}

int sg_oci_session_put_blob(struct sg_oci_session *s, const char *path, const char *hex, uint64_t size)
{
	struct sg_oci_desc d = { .size = size };

	if (strlen(hex) != 64)
		return sg_fail("%s: not a sha256 digest", hex);
	memcpy(d.hex, hex, 65);
	return push_blob_file(&s->c, path, &d);
}

int sg_oci_session_has_manifest(struct sg_oci_session *s, const char *tag)
{
	char url[SG_PATH_MAX];

	if (api_url(&s->c, url, sizeof(url), "manifests", tag) < 0)
		return -1;
	struct req q = { .method = HEAD, .url = url, .accept_manifests = 1 };
	if (perform(&s->c, &q, tag) < 0)
		return -1;
	if (s->c.status == 200)
		return 1;
	return s->c.status == 404 ? 0 : http_fail(&s->c, tag);
}

int sg_oci_session_put_manifest(struct sg_oci_session *s, const char *tag, const struct sg_buf *body)
{
	char url[SG_PATH_MAX], hex[65], what[SG_OCI_TAG_MAX + 16];
	uint8_t sum[SG_SHA256_LEN];

	snprintf(what, sizeof(what), "manifest %s", tag);
	if (!sg_oci_tag_valid(tag))
		return sg_fail("%s: '%s' is not a valid tag", s->r.ref_text, tag);
	if (api_url(&s->c, url, sizeof(url), "manifests", tag) < 0 ||
	    sg_sha256(body->data, body->len, sum) < 0)
		return -1;
	hex_of(sum, hex);
	struct req q = { .method = PUT, .url = url, .mem = body, .content_type = OCI_MANIFEST };
	if (perform(&s->c, &q, what) < 0)
		return -1;
	if (s->c.status != 201)
		return http_fail(&s->c, what);
	return check_header_digest(&s->c, what, hex);
}

int sg_oci_session_get_manifest(struct sg_oci_session *s, const char *tag, struct sg_buf *body)
{
	char url[SG_PATH_MAX], hex[65], type[SG_OCI_MEDIA_MAX];

	/* a tag the registry lacks is an answer, not an error */
	if (api_url(&s->c, url, sizeof(url), "manifests", tag) < 0)
		return -1;
	struct req head = { .method = HEAD, .url = url, .accept_manifests = 1, .follow = 1 };
	if (perform(&s->c, &head, tag) < 0)
		return -1;
	if (s->c.status == 404)
		return 1;
	return get_manifest(&s->c, tag, NULL, body, type, hex);
}

int sg_oci_session_get_blob(struct sg_oci_session *s, const char *hex, uint64_t offset,
			    uint64_t max, int fd, struct sg_buf *mem)
{
	char url[SG_PATH_MAX], digest[SG_OCI_DIGEST_LEN + 1], range[64], what[96];
	struct sink k = { .fd = fd, .offset = offset, .size = max, .resume_from = offset };

	snprintf(digest, sizeof(digest), "sha256:%.64s", hex);
	snprintf(what, sizeof(what), "blob %s", digest);
	if (api_url(&s->c, url, sizeof(url), "blobs", digest) < 0)
		return -1;
	snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)offset);
	struct req q = { .method = GET, .url = url, .follow = 1, .range = offset ? range : NULL };
	if (mem) {
		q.body_max = max > SIZE_MAX ? SIZE_MAX : (size_t)max;
	} else {
		if (!(k.d = sg_digest_new("SHA256")))
			return -1;
		q.sink = &k;
	}
	int rc = perform(&s->c, &q, what);
	sg_digest_free(k.d);
	if (rc < 0)
		return -1;
	if (s->c.status == 404)
		return 1;
	if (s->c.status != 200 && s->c.status != 206)
		return http_fail(&s->c, what);
	if (mem) {
		sg_buf_free(mem);
		*mem = s->c.body;
		s->c.body = (struct sg_buf)SG_BUF_INIT;
	}
	return 0;
}
