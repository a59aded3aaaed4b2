/* ocitree.h - the root filesystem of an OCI image, built in memory from
 * its layers (image spec layer.md) and then written to a directory.
 *
 * Each layer's tar is read into a tree of its own, by path components,
 * then merged onto the tree of the layers below as the spec says: a
 * layer's whiteouts (".wh.NAME": NAME of the lower layers is gone) and
 * opaque markers (".wh..wh..opq": everything the lower layers have below
 * that directory is gone) apply to the lower layers first, wherever they
 * stand in the tar; then the layer's entries go on top, a directory over
 * a directory keeping what is below it, anything else replacing what was
 * there. Within one layer a later entry replaces an earlier one of the
 * same name, as tar extraction does.
 *
 * Nothing is resolved through a symbolic link, so nothing can be written
 * through one: an entry whose parent is a symlink or a file (in its own
 * layer or a lower one) is refused, as are absolute names, names with a
 * ".." component, a hard link whose target is not a non-directory
 * already in the tree, a bare ".wh." and whiteouts of "." or "..", other
 * ".wh..wh." names (AUFS's own, never in OCI layers), whiteouts with
 * something below them, and device nodes unless the caller allows them.
 * Names are cleaned as tar does: "./" components, doubled and trailing
 * "/" are dropped ("./etc//passwd" is "etc/passwd", "./" the root); "/"
 * alone is the root too (umoci's layers name it so), but any other name
 * that starts with "/" is refused.
 *
 * The data of regular files goes straight to files in a staging
 * directory the caller gives (one per inode, named by number), so memory
 * holds only the names and metadata. sg_oci_tree_write() then makes the
 * tree below an empty directory: directories with mkdirat() below
 * descriptors opened O_NOFOLLOW, every other inode made once in the
 * staging directory and hard-linked into each of its names; owners,
 * modes, xattrs and mtimes applied to each inode once and to each
 * directory after its entries (so its mtime stays the layer's).
 *
 * Errors are one line, "NAME: ENTRY: rule", NAME naming the layer.
 */
#ifndef SIGNET_OCITREE_H
#define SIGNET_OCITREE_H

#include <stddef.h>
#include <stdint.h>

#include "tar.h"

#define SG_OCI_TREE_MAX_NODES (4u << 20)

struct sg_oci_tree;

/* Owners: as the layers say when running as root; otherwise (like tar
 * for an ordinary user) the caller's own, as chown would fail. */
enum {
	SG_OCI_ALLOW_DEVICES = 1, /* make character and block devices */
};

/* An empty tree (an implied root directory, 0755, root's) whose file
 * data goes to stage_fd, a directory the caller made for it. */
struct sg_oci_tree *sg_oci_tree_new(int stage_fd, unsigned flags);
void sg_oci_tree_free(struct sg_oci_tree *t);

/* Reads one layer's tar from tr (name for messages) to its end and
 * merges it onto the tree. After -1 the tree may only be freed. */
int sg_oci_tree_apply(struct sg_oci_tree *t, struct sg_tar *tr, const char *name);

/* Makes the tree below root_fd (an empty directory, whose own metadata
 * becomes the tree root's). */
int sg_oci_tree_write(struct sg_oci_tree *t, int root_fd);

/* The number of names in the tree (directories included, the root not). */
size_t sg_oci_tree_count(const struct sg_oci_tree *t);

#endif
