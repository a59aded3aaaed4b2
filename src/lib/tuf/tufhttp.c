/* tufhttp.c - the TUF transport over HTTP (tufhttp.h). */
#include "tufhttp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fileio.h"

/* Where a response's body goes. */
struct body {
	CURL *curl;
	struct sg_buf *mem; /* or */
	int fd;
	uint64_t skip; /* bytes to drop first (a 200 to a Range) */
	uint64_t room; /* bytes that may still come */
	int overflow, failed, checked;
	uint64_t offset; /* what the Range asked for */
	uint64_t limit;	 /* for the message: the whole length allowed */
	const char *what;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 206)
		return len; /* an error page: dropped */
	if (!b->checked) {
		b->checked = 1;
		if (status == 200)
			b->skip = b->offset;
		else if (!b->offset) /* a 206 nobody asked for */
			return 0;
	}
	if (b->skip) {
		size_t k = b->skip < len ? (size_t)b->skip : len;
		b->skip -= k;
		p += k;
		len -= k;
		if (!len)
			return size * n;
	}
	if (len > b->room) {
		b->overflow = 1;
		return 0;
	}
	b->room -= len;
	if (b->mem ? sg_buf_append(b->mem, p, len) < 0 : sg_write_all(b->fd, p, len) < 0) {
		b->failed = 1;
		return 0;
	}
	return size * n;
}

/* One GET; 0 with *status, or -1. */
static int get(struct sg_tuf_http *h, const char *rel, struct body *b, long *status)
{
	char url[8192], range[64], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	CURL *c = h->curl;
	CURLcode e = CURLE_OK;

	if (snprintf(url, sizeof(url), "%s/%s", h->base, rel) >= (int)sizeof(url))
		return sg_fail("%s/%s: URL too long", h->base, rel);
	b->curl = c;
	curl_easy_reset(c);
#define SET(opt, val)      \
	if (e == CURLE_OK) \
	e = curl_easy_setopt(c, opt, val)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, 5L);
	SET(CURLOPT_USERAGENT, "signet/" SIGNET_VERSION);
	SET(CURLOPT_CONNECTTIMEOUT, 30L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, 120L);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, b);
	if (h->unix_socket)
		SET(CURLOPT_UNIX_SOCKET_PATH, h->unix_socket);
	if (h->ca_file) {
		SET(CURLOPT_CAINFO, h->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	}
	if (b->offset) {
		snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)b->offset);
		if (!(hdr = curl_slist_append(NULL, range)))
			return sg_fail("out of memory");
		SET(CURLOPT_HTTPHEADER, hdr);
	}
#undef SET
	if (e == CURLE_OK)
		e = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (b->overflow)
		return sg_fail("%s: more than the %llu bytes %s", url, (unsigned long long)b->limit,
			       b->what);
	if (b->failed)
		return -1;
	if (e != CURLE_OK)
		return sg_fail("%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(e));
	if (*status == 404 || *status == 410)
		return 0;
	if (*status != 200 && *status != 206)
		return sg_fail("%s: HTTP status %ld", url, *status);
	if (*status == 206 && !b->offset)
		return sg_fail("%s: 206 to a request without a range", url);
	return 0;
}

static int http_get(void *ctx, const char *rel, uint64_t max, struct sg_buf *out)
{
	struct body b = { .mem = out, .room = max, .limit = max, .what = "it may have" };
	long status;

	if (get(ctx, rel, &b, &status) < 0)
		return -1;
	return status == 404 || status == 410 ? 1 : 0;
}

static int http_get_file(void *ctx, const char *rel, uint64_t offset, uint64_t max, int fd)
{
	struct body b = {
		.fd = fd, .offset = offset, .room = max - offset, .limit = max, .what = "signed"
	};
	struct sg_tuf_http *h = ctx;
	long status;

	if (get(h, rel, &b, &status) < 0)
		return -1;
	if (status == 404 || status == 410)
		return sg_fail("%s/%s: the repository does not have it", h->base, rel);
	if (b.skip) /* a 200 shorter than what we had */
		return sg_fail("%s/%s: shorter than the bytes already fetched", h->base, rel);
	return 0;
}

int sg_tuf_is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

int sg_tuf_http_transport(struct sg_tuf_http *h, const char *base, const char *ca_file,
			  struct sg_tuf_transport *t)
{
	size_t n = strlen(base);

	memset(h, 0, sizeof(*h));
	while (n && base[n - 1] == '/')
		n--;
	if (!sg_tuf_is_url(base))
		return sg_fail("%s: not an http:// or https:// URL", base);
	if (!(h->base = strndup(base, n)) || (ca_file && !(h->ca_file = strdup(ca_file))) ||
	    !(h->curl = curl_easy_init())) {
		sg_tuf_http_free(h);
		return sg_fail("out of memory");
	}
	t->get = http_get;
	t->get_file = http_get_file;
	t->ctx = h;
	return 0;
}

void sg_tuf_http_free(struct sg_tuf_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->base);
	free(h->ca_file);
	memset(h, 0, sizeof(*h));
}
