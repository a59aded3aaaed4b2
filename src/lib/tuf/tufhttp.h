/* tufhttp.h - a TUF transport over HTTP(S) with libcurl: a repository at
 * a base URL (any static web server or CDN).
 *
 * get() is a GET of BASE/rel: 200 gives the body (more than max bytes
 * stops the transfer, an error), 404 and 410 say the file does not
 * exist, any other status is an error naming it. get_file() asks for
 * "Range: bytes=OFFSET-" when continuing: a 206 must start at OFFSET; a
 * server that ignores the range (200) has its first OFFSET bytes skipped.
 * The bytes written are at most max - offset: one more stops the transfer
 * with an error, so an endless answer ends at the signed length.
 * Integrity comes from TUF, not from the transport: plain HTTP is
 * allowed; HTTPS is verified against ca_file alone when it is given,
 * else the system's store. Redirects are followed (5 at most) on the
 * same protocols; nothing is sent but the GET.
 */
#ifndef SIGNET_TUFHTTP_H
#define SIGNET_TUFHTTP_H

#include "tufclient.h"

struct sg_tuf_http {
	char *base; /* without a trailing '/' */
	char *ca_file;
	const char *unix_socket; /* when set: connect there, not to the URL's
				  * host (curl's --unix-socket) */
	void *curl;
};

/* 1 when s is an http:// or https:// URL. */
int sg_tuf_is_url(const char *s);

int sg_tuf_http_transport(struct sg_tuf_http *h, const char *base, const char *ca_file,
			  struct sg_tuf_transport *t);
void sg_tuf_http_free(struct sg_tuf_http *h);

#endif
