/* cpio.h - deterministic newc cpio archives, as the kernel's initramfs
 * unpacker reads them.
 *
 * An archive is a set of entries (directories, regular files, symlinks,
 * device nodes, FIFOs) keyed by their path inside the archive (relative,
 * no leading '/'). Adding an entry whose path exists replaces it; parents
 * that were never added are created as 0755 directories. The written
 * archive depends only on the paths, types, permission bits, contents,
 * link targets and device numbers: entries are sorted by path (so
 * parents come before children), owners are 0:0, times are 0, inode
 * numbers count up from 1 in that order, directories have nlink
 * 2 + their subdirectories and everything else 1 (hard links are stored
 * as separate files), and the archive ends with "TRAILER!!!".
 *
 * The output may be compressed with gzip (zlib, level 9, no name and
 * mtime 0 in the header) or zstd (libzstd, level 19, with checksum),
 * both of which the kernel unpacks; the compressors are deterministic
 * too, so equal inputs give byte-identical files.
 */
#ifndef SIGNET_CPIO_H
#define SIGNET_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct sg_elfdeps;

struct sg_cpio_entry;

struct sg_cpio {
	struct sg_cpio_entry *e;
	size_t n, cap;
	uint64_t seq;
};

enum sg_cpio_compress {
	SG_CPIO_NONE,
	SG_CPIO_GZIP,
	SG_CPIO_ZSTD,
};

/* clang-format off */
#define SG_CPIO_INIT { NULL, 0, 0, 0 }
/* clang-format on */

/* Adds everything below directory dir (not dir itself), recursively,
 * at the same relative paths; symlinks are stored, not followed. */
int sg_cpio_add_tree(struct sg_cpio *c, const char *dir);

/* Adds the file, symlink, node or directory tree src at archive path
 * dest (a leading '/' is ignored). */
int sg_cpio_add_path(struct sg_cpio *c, const char *src, const char *dest);

/* Adds the contents of the regular file src (symlinks followed), with its
 * permission bits, as a regular file at archive path dest. */
int sg_cpio_add_file(struct sg_cpio *c, const char *src, const char *dest);

/* Adds a symlink at archive path dest pointing to target. */
int sg_cpio_add_symlink(struct sg_cpio *c, const char *dest, const char *target);

/* Adds a regular file at archive path dest holding a copy of data[0..len)
 * with permission bits perm; the copy is wiped when the archive is freed. */
int sg_cpio_add_data(struct sg_cpio *c, const char *dest, const void *data, size_t len, mode_t perm);

/* Adds the ELF object src at dest with the closure ld.so will load for
 * it (sg_elfdeps_add on the host's files; set remembers what earlier
 * calls added, so shared libraries go in once). */
int sg_cpio_add_elf(struct sg_cpio *c, struct sg_elfdeps *set, const char *src, const char *dest);

/* The same with the closure's files read through fs (elfdeps.h) and
 * stored with permission bits perm, for objects that are not the host's
 * (a sysroot held in memory). */
struct sg_elf_fs;
int sg_cpio_add_elf_fs(struct sg_cpio *c, struct sg_elfdeps *set, const struct sg_elf_fs *fs,
		       const char *src, const char *dest, mode_t perm);

/* Adds a device node: type 'c' or 'b', with permission bits perm. */
int sg_cpio_add_node(struct sg_cpio *c, const char *dest, char type, unsigned major, unsigned minor,
		     mode_t perm);

/* Parses "gzip", "zstd" or "none". */
int sg_cpio_parse_compress(const char *name, enum sg_cpio_compress *out);

/* Writes the archive to path atomically; *entries receives the count
 * written (trailer excluded) when not NULL. */
int sg_cpio_write_file(struct sg_cpio *c, const char *path, enum sg_cpio_compress comp,
		       size_t *entries);

/* Appends the archive to out (name is for messages). */
int sg_cpio_write_buf(struct sg_cpio *c, const char *name, enum sg_cpio_compress comp,
		      struct sg_buf *out);

void sg_cpio_free(struct sg_cpio *c);

#endif
