/* relupdate.h - a host's side of a release: its trusted TUF metadata
 * brought up to date from a mirror, its release found and fetched
 * (signet update check, signet update download).
 *
 * The mirror is a directory laid out as relrepo.h says (a USB stick, a
 * copy), the URL of one on a web server (tufhttp.h) or a registry
 * repository, oci://HOST/NAME (reloci.h); every file of it
 * is checked by TUF (tufclient.h), never trusted for being there. The host's release is the target
 * hosts/<host>/release.json, found through the delegations, so only the
 * role delegated for this host can name it: {"host", "release", "files"}
 * must name this host, and every file it lists must be a target of the
 * same role carrying the same release number and host.
 */
#ifndef SIGNET_RELUPDATE_H
#define SIGNET_RELUPDATE_H

#include <stdint.h>

#include "buf.h"

struct sg_update_src {
	const char *trusted;	    /* the trusted metadata directory */
	const char *bootstrap_root; /* root.json to start from, or NULL */
	const char *from;	    /* the mirror: a directory or an http(s) URL */
	const char *ca_file;	    /* for an https mirror; NULL: the system's */
	int plain_http;		    /* an oci:// registry spoken to in plain HTTP */
	const char *host;
};

/* Refreshes and reads the host's release: one line "HOST release N: K
 * files, B bytes" and one per file ("NAME LENGTH SHA256 KIND") into
 * report; its number into *release. */
int sg_update_check(const struct sg_update_src *s, uint64_t *release, struct sg_buf *report);

/* sg_update_check, then every file of the release into dir/NAME (made
 * when missing; each checked against its signed length and sha256
 * before it gets its name; a download cut off continues). */
int sg_update_download(const struct sg_update_src *s, const char *dir, uint64_t *release,
		       struct sg_buf *report);

#endif
