/* relpublish.h - a release repository (relrepo.h) copied to a mirror:
 * a directory that any static web server, CDN or USB stick serves.
 * (A registry is reloci.h's.)
 */
#ifndef SIGNET_RELPUBLISH_H
#define SIGNET_RELPUBLISH_H

#include "buf.h"

/* Copies REPO's metadata and targets into DEST: files DEST lacks (every
 * name but root.json and timestamp.json names one content for good), so
 * an unchanged artifact costs nothing; root.json, then timestamp.json
 * last. Reports the files and bytes copied and those already there. */
int sg_release_publish(const char *repo, const char *dest, struct sg_buf *report);

#endif
