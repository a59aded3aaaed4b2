/* tar.h - tar archives read as a stream: the layers of OCI images.
 *
 * Reads what OCI layers are made of, as POSIX (pax, IEEE 1003.1-2008
 * "pax Interchange Format") and GNU tar write them: 512-byte ustar
 * headers (the name split at prefix, checksums summed unsigned or
 * signed as old tars did, numbers in octal or GNU base-256), pax
 * extended headers ('x', and 'g' whose records apply to every entry
 * after it) with path, linkpath, size, uid, gid, uname, gname, mtime
 * (with its fraction) and SCHILY.xattr.NAME, and GNU's long names ('L',
 * 'K'). Entries: regular files ('0', '\0', '7'), hard links, symbolic
 * links, character and block devices, directories, FIFOs. Sparse files
 * and the other GNU types are refused, as are pax records this reader
 * does not know the meaning of when they would change an entry
 * (GNU.sparse.*), a malformed record, a bad checksum, and numbers that
 * do not fit.
 *
 * The end is two zero blocks, one zero block then the end of input, or
 * the end of input at a header boundary (umoci 0.4.7 writes layers
 * without end-of-archive blocks); the end inside a header or an entry's
 * data is an error. Nothing here interprets names: the caller refuses
 * absolute names, "..", whiteouts and the rest (the OCI unpacker's
 * rules). Names and values are what the archive says, NUL-free: a NUL
 * inside a pax value is refused.
 *
 * Each error is one line, "NAME: entry N at byte OFF: rule", N counting
 * from 1, OFF the header's (or the record's) offset in the archive. The entry sg_tar_next fills, and every string in it,
 * stay valid until the next sg_tar_next or sg_tar_close.
 */
#ifndef SIGNET_TAR_H
#define SIGNET_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "io.h"

#define SG_TAR_BLOCK 512
#define SG_TAR_NAME_MAX 4096	      /* a path or link target, bytes */
#define SG_TAR_PAX_MAX (1u << 20)     /* one extended header, bytes */
#define SG_TAR_XATTRS_MAX 64	      /* per entry */
#define SG_TAR_XATTR_MAX (64u * 1024) /* one value, bytes */

enum sg_tar_type {
	SG_TAR_FILE = '0',
	SG_TAR_HARDLINK = '1',
	SG_TAR_SYMLINK = '2',
	SG_TAR_CHAR = '3',
	SG_TAR_BLOCK_DEV = '4',
	SG_TAR_DIR = '5',
	SG_TAR_FIFO = '6',
};

struct sg_tar_xattr {
	const char *name; /* "user.foo", "security.capability" */
	const uint8_t *value;
	size_t len;
};

struct sg_tar_entry {
	enum sg_tar_type type;
	const char *path; /* as the archive names it */
	const char *link; /* hard link or symlink target; "" otherwise */
	uint32_t mode;	  /* permission bits and setuid/setgid/sticky */
	uint64_t uid, gid;
	const char *uname, *gname; /* "" when the archive gives none */
	int64_t mtime;		   /* seconds since the epoch */
	uint32_t mtime_nsec;
	uint64_t size; /* of the data that follows (regular files only) */
	uint32_t devmajor, devminor;
	const struct sg_tar_xattr *xattrs;
	size_t nxattrs;
};

struct sg_tar;

/* A reader of the archive in (named name in messages). */
int sg_tar_open(struct sg_tar **t, struct sg_reader in, const char *name);

/* The next entry into e: 1, or 0 at the end of the archive, or -1. The
 * data of the entry before it that was not read is skipped. After -1
 * the reader only closes. */
int sg_tar_next(struct sg_tar *t, struct sg_tar_entry *e);

/* Reads up to len bytes of the current entry's data: the count, 0 at
 * its end, or -1 (the input ended inside it). */
ssize_t sg_tar_read(struct sg_tar *t, uint8_t *buf, size_t len);

void sg_tar_close(struct sg_tar *t);

#endif
