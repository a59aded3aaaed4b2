/* reloci.h - a release repository kept in an OCI registry (any registry
 * that speaks the distribution API), and read from one.
 *
 * oci://HOST[:PORT]/NAME names the registry's repository NAME. In it:
 *   - every target is the blob whose digest is the target's sha256 (TUF
 *     names it already: targets/DIR/SHA256.NAME), so a content stored
 *     for one release or host is stored and fetched once;
 *   - every metadata file (N.root.json, timestamp.json, N.host-web1.json,
 *     ...) is the only layer of an OCI image manifest (config: the empty
 *     descriptor; artifactType application/vnd.signet.tuf.metadata+json)
 *     tagged with the file's name, which is a valid tag.
 * Publishing sends the blobs the registry lacks, then the metadata whose
 * tag is missing, root.json and timestamp.json (which move) always, the
 * timestamp last. The transport reads a metadata file through its tag and
 * a target through its digest (continued with Range), every read bounded
 * as TUF says (tufclient.h); the registry's word is never trusted for the
 * bytes: TUF checks them.
 */
#ifndef SIGNET_RELOCI_H
#define SIGNET_RELOCI_H

#include "buf.h"
#include "registry.h"
#include "tufclient.h"

/* 1 when s starts with "oci://". */
int sg_release_is_oci(const char *s);

/* Publishes REPO (relrepo.h) to the registry repository url names. */
int sg_release_publish_oci(const char *repo, const char *url, const struct sg_oci_remote *r,
			   struct sg_buf *report);

struct sg_release_oci {
	struct sg_oci_ref ref;
	struct sg_oci_remote r;
	struct sg_oci_session *s;
};

/* A TUF transport over the registry repository url names. */
int sg_release_oci_transport(struct sg_release_oci *o, const char *url,
			     const struct sg_oci_remote *r, struct sg_tuf_transport *t);
void sg_release_oci_free(struct sg_release_oci *o);

#endif
