/* ociunpack.h - an OCI image's root filesystem written to a directory,
 * as `umoci raw unpack` writes it.
 *
 * sg_oci_unpack() opens the layout (ocilayout.h: the manifest and the
 * config checked before they are read), reads each layer through its
 * decompressor (layerstream.h) into the in-memory tree (ocitree.h) and,
 * only when every layer's size, digest and diff_id have been checked,
 * writes the tree. It is written into a new directory beside out
 * ("out.signet-XXXXXX", holding the tree and the staged file data),
 * synced, and renamed to out, so out is either absent or whole; a run
 * that was killed leaves that directory behind, which a retry does not
 * need (remove it at leisure). out must not exist.
 *
 * As root, owners are the layers'; as anyone else they are the
 * caller's (chown would fail), and device nodes cannot be made.
 */
#ifndef SIGNET_OCIUNPACK_H
#define SIGNET_OCIUNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "ocitree.h"

struct sg_oci_unpack_stats {
	size_t layers;
	size_t names; /* in the tree, directories included */
	char manifest[65];
};

/* The image tag names in the layout at layout (its only one when tag is
 * NULL) into out. flags: SG_OCI_ALLOW_DEVICES. st may be NULL. */
int sg_oci_unpack(const char *layout, const char *tag, const char *out, unsigned flags,
		  struct sg_oci_unpack_stats *st);

#endif
