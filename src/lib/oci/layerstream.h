/* layerstream.h - an OCI layer blob read as its tar, checked as it goes.
 *
 * Opens blobs/sha256/<hex> of a layer descriptor and reads it through
 * the decompressor its media type names (none, gzip with any number of
 * members as gzip(1) writes them, zstd with any number of frames),
 * hashing the blob as it is read and the tar it decompresses to.
 * sg_oci_layer_finish() reads the rest of both and checks the blob's
 * size and SHA-256 against the descriptor and the tar's SHA-256 against
 * the config's diff_id. Nothing read from a layer may be trusted, or
 * kept, before finish returns 0: the unpacker stages what it reads and
 * uses none of it until then.
 *
 * Errors are one line naming the blob's path: a blob larger than its
 * descriptor says (found as soon as it is read, so a huge blob is not
 * read to its end), a truncated or corrupt stream, data after the last
 * gzip member, a digest or diff_id that does not match.
 */
#ifndef SIGNET_LAYERSTREAM_H
#define SIGNET_LAYERSTREAM_H

#include "io.h"
#include "ocilayout.h"

struct sg_oci_layer;

/* The layer d of the layout at dir, whose tar's SHA-256 is diff_id
 * (lowercase hex). */
int sg_oci_layer_open(struct sg_oci_layer **l, const char *dir, const struct sg_oci_desc *d,
		      const char *diff_id);

/* The decompressed tar as a reader. */
struct sg_reader sg_oci_layer_reader(struct sg_oci_layer *l);

/* The path of the blob, for messages. */
const char *sg_oci_layer_path(const struct sg_oci_layer *l);

/* Reads what is left and checks size, digest and diff_id. */
int sg_oci_layer_finish(struct sg_oci_layer *l);

void sg_oci_layer_close(struct sg_oci_layer *l);

#endif
