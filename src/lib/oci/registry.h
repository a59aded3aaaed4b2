/* registry.h - images pulled from and pushed to a registry over the OCI
 * distribution API (distribution-spec spec.md), with libcurl.
 *
 * sg_oci_pull() fetches REF's manifest (asking for the OCI and Docker
 * schema 2 manifest and index types; of an index, the linux/amd64
 * manifest), checks its SHA-256 against REF's @sha256: digest and the
 * registry's Docker-Content-Digest when given, then its config and
 * layers into the image layout at dir (created when missing): each blob
 * streamed into blobs/sha256/<hex>.partial, its size and SHA-256 checked,
 * then renamed to blobs/sha256/<hex>. A blob already there whose content
 * matches is not fetched again. A download cut off (a network error)
 * keeps its .partial, and the next pull asks for the rest with
 * "Range: bytes=N-": 206 continues it, 200 starts it over; a resumed
 * blob whose digest does not match is fetched once more from its start.
 * A blob with more or fewer bytes than its descriptor, or other bytes,
 * is refused and its .partial removed. The manifest is written last, then
 * index.json (atomically) with the manifest tagged `tag` (an entry of
 * that tag before it is replaced; other entries are kept), and
 * oci-layout when missing. Two pulls into one layout take turns on each
 * .partial (flock, its name checked to still be the locked file) and on
 * the layout directory while index.json is rewritten.
 *
 * sg_oci_push() reads the layout's manifest for tag (sg_oci_layout_open
 * checks it and its config), sends each layer and the config that the
 * registry lacks (HEAD, then POST and a monolithic PUT ?digest=), each
 * layer's SHA-256 checked as it is read, then PUTs the manifest with its
 * media type, under REF's tag (or its digest, which must be the
 * manifest's).
 *
 * Access is anonymous, or with a user and password (Basic, sent with
 * every request to the registry; when the registry answers 401 with a
 * Bearer challenge, the token dance of the distribution token spec:
 * the realm asked for a token with the same credentials, if any). TLS
 * is verified against ca_file alone when it is given (no system store),
 * otherwise against the system's; cert_file and key_file are a client
 * certificate for mutual TLS. Plain HTTP only with plain_http. Every
 * error is one line starting with REF as given and naming what failed
 * ("manifest: 404 MANIFEST_UNKNOWN manifest unknown").
 */
#ifndef SIGNET_REGISTRY_H
#define SIGNET_REGISTRY_H

#include <stdint.h>

#include "buf.h"
#include "refname.h"

struct sg_oci_remote {
	const char *ref_text; /* REF as given, for messages */
	int plain_http;
	const char *ca_file;		  /* NULL: the system's trust store */
	const char *cert_file, *key_file; /* NULL: no client certificate */
	const char *user, *password;	  /* NULL: anonymous */
	const char *unix_socket;	  /* connect to this socket instead of HOST
					   * (curl's --unix-socket); NULL: TCP */
};

/* Pulls ref into the layout dir under tag; the manifest's digest
 * ("sha256:<hex>") into digest. */
int sg_oci_pull(const struct sg_oci_ref *ref, const struct sg_oci_remote *r, const char *dir,
		const char *tag, char digest[SG_OCI_DIGEST_LEN + 1]);

/* Pushes the layout dir's manifest tagged tag (its only one when tag is
 * NULL) to ref; the manifest's digest into digest. */
int sg_oci_push(const char *dir, const char *tag, const struct sg_oci_ref *ref,
		const struct sg_oci_remote *r, char digest[SG_OCI_DIGEST_LEN + 1]);

/* A session with one repository of a registry, for blobs and manifests
 * one at a time (a release repository in a registry, reloci.h): the
 * same connection, credentials and token dance as pull and push. */
struct sg_oci_session;
int sg_oci_session_open(struct sg_oci_session **s, const struct sg_oci_ref *ref,
			const struct sg_oci_remote *r, int push);
void sg_oci_session_close(struct sg_oci_session *s);

/* Sends the file at path as the blob sha256:hex of size bytes (its
 * SHA-256 checked as it is read) unless the registry has it: 1 sent,
 * 0 there already. */
int sg_oci_session_put_blob(struct sg_oci_session *s, const char *path, const char *hex,
			    uint64_t size);

/* 1 when the registry has a manifest under tag, 0 when not. */
int sg_oci_session_has_manifest(struct sg_oci_session *s, const char *tag);

/* PUTs body, an OCI image manifest, under tag. */
int sg_oci_session_put_manifest(struct sg_oci_session *s, const char *tag, const struct sg_buf *body);

/* The manifest under tag into body: 0, or 1 when there is none. */
int sg_oci_session_get_manifest(struct sg_oci_session *s, const char *tag, struct sg_buf *body);

/* The blob sha256:hex from offset on: appended to fd (a 206 continues
 * it; a 200 to a range rewrites fd from its start) or into mem, at most
 * max bytes in all (more is an error). 0, or 1 when there is none. */
int sg_oci_session_get_blob(struct sg_oci_session *s, const char *hex, uint64_t offset,
			    uint64_t max, int fd, struct sg_buf *mem);

#endif
