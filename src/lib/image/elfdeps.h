/* elfdeps.h - what a dynamically linked ELF object needs at run time, and
 * where the dynamic loader of an initrd will look for it.
 *
 * Two layers, so that the parser can be fuzzed without a file system:
 *
 * sg_elf_parse() is a strict, bounds-checked reader of one ELF64
 * little-endian x86-64 file held in memory. It reads the ELF header, the
 * program headers, PT_INTERP, and from PT_DYNAMIC the entries DT_NEEDED,
 * DT_SONAME, DT_RUNPATH, DT_RPATH, DT_FLAGS_1, DT_STRTAB and DT_STRSZ;
 * DT_STRTAB's address is mapped to a file offset through the PT_LOAD
 * segment whose file contents hold the whole table. Every offset, size
 * and count is checked against the buffer before it is used, every
 * string must end with a NUL inside the table, and nothing is written.
 * On failure the one error line names the object and the rule broken
 * ("<name>: ELF DT_STRTAB 0x4000 (300 bytes) lies in no PT_LOAD
 * segment's file contents").
 *
 * sg_elfdeps_add() computes the run-time closure of one program or shared
 * library (the object, its PT_INTERP interpreter, and every library it
 * needs, recursively) as Debian bookworm's glibc 2.36 ld.so resolves it
 * in an initrd, that is with no /etc/ld.so.cache, no LD_LIBRARY_PATH and
 * no preloads. For each DT_NEEDED name, in breadth-first order (ld.so's
 * load order):
 *   - a name already loaded (as the path an object was found at, a name
 *     it was loaded under, or its DT_SONAME) is that object;
 *   - a name holding '/' is that path ($ORIGIN expanded), no search;
 *   - otherwise, when the object asking has no DT_RUNPATH, the DT_RPATH
 *     of that object, then of the one that loaded it, and so on up to the
 *     root (an object with DT_RUNPATH has no DT_RPATH for ld.so); then
 *     the asking object's DT_RUNPATH; then, unless it is linked with
 *     -z nodeflib, the system directories /lib/x86_64-linux-gnu,
 *     /usr/lib/x86_64-linux-gnu, /lib, /usr/lib (what `ld.so --help`
 *     prints as its system search path; /lib64 is not among them);
 *   - in those lists $ORIGIN and ${ORIGIN} are the directory of the
 *     object asking (for the root, of its real path on the host and of
 *     its destination in the target), $LIB is lib/x86_64-linux-gnu;
 *     $PLATFORM depends on the CPU and is refused, as is a relative or
 *     empty directory (relative to the working directory at run time)
 *     once the search reaches it;
 *   - a file found that is ELF32 or for another machine is skipped, as
 *     ld.so skips it; any other malformed file is an error;
 *   - a file found that is one already loaded (same device and inode)
 *     is that object, loaded under one more name.
 * The glibc-hwcaps, tls and x86_64 subdirectories ld.so also tries are
 * not searched: which of them apply depends on the CPU that boots, and
 * the base directory serves every x86-64 CPU. A shared library root
 * without PT_INTERP (a dlopen()ed module) is closed as loaded by the
 * x86-64 psABI interpreter /lib64/ld-linux-x86-64.so.2, whose soname then
 * satisfies libc.so.6's need; an object without DT_NEEDED (a static
 * program) needs nothing. setuid restrictions on $ORIGIN are not modelled.
 *
 * A name found nowhere is an error naming the root, the library and the
 * object that needs it. Each file is added once: sg_elfdeps_add() may be
 * called for several roots into one set, which keeps one entry per
 * target path and refuses two different files at the same path.
 */
#ifndef SIGNET_ELFDEPS_H
#define SIGNET_ELFDEPS_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#define SG_ELF_ET_EXEC ET_EXEC
#define SG_ELF_ET_DYN ET_DYN
#define SG_ELF_DF_1_NODEFLIB DF_1_NODEFLIB
#define SG_ELF_DF_1_PIE DF_1_PIE

/* sg_elf_parse()'s return for a well-formed ELF32 file or one for another
 * machine: ld.so skips such a file while searching. */
#define SG_ELF_OTHER_ABI 1

struct sg_elf {
	uint16_t type;	     /* SG_ELF_ET_EXEC or SG_ELF_ET_DYN */
	const char *interp;  /* PT_INTERP (into the buffer), or NULL */
	int dynamic;	     /* 1 when there is a PT_DYNAMIC segment */
	const char *soname;  /* DT_SONAME, DT_RUNPATH, DT_RPATH as written */
	const char *runpath; /* (into the buffer), each NULL when absent */
	const char *rpath;
	uint64_t flags_1; /* DT_FLAGS_1, 0 when absent */
	size_t nneeded;	  /* DT_NEEDED names, in order (into the buffer) */
	const char **needed;
};

/* Parses data[0..len), which must stay alive while e is used; name is for
 * error messages. 0 on success, SG_ELF_OTHER_ABI (error set) or -1. */
int sg_elf_parse(struct sg_elf *e, const uint8_t *data, size_t len, const char *name);
void sg_elf_free(struct sg_elf *e);

/* A file opened through sg_elf_fs. */
struct sg_elf_file {
	const uint8_t *data;
	size_t len;
	uint64_t dev, ino; /* identity: one file under two names */
	void *handle;	   /* the file system's own */
};

/* Where the closure's files come from. open follows symlinks; it returns
 * 0 with f filled, 1 when there is no file at path (ENOENT, ENOTDIR), or
 * -1 with the error set (a directory, unreadable, ...). real returns the
 * path without symlinks, malloc'ed (NULL and error set on failure): the
 * root's $ORIGIN on the host is its directory, as ld.so takes it from
 * /proc/self/exe. */
struct sg_elf_fs {
	int (*open)(void *ctx, const char *path, struct sg_elf_file *f);
	void (*close)(void *ctx, struct sg_elf_file *f);
	char *(*real)(void *ctx, const char *path);
	void *ctx;
};

/* The host's own file system (files mapped read-only). */
extern const struct sg_elf_fs sg_elf_host_fs;

/* One file of the target: path is absolute and normalised. When link is
 * NULL it is the contents of src (symlinks followed); otherwise it is the
 * same file as the earlier entry at path link, and belongs in the target
 * as a symlink to it so that ld.so loads it once. */
struct sg_elf_dep {
	char *path;
	char *src;
	char *link;
	uint64_t dev, ino;
};

struct sg_elfdeps {
	struct sg_elf_dep *d;
	size_t n, cap;
};

/* clang-format off */
#define SG_ELFDEPS_INIT { NULL, 0, 0 }
/* clang-format on */

/* Adds to set the closure of the object at src on the host, which goes at
 * target path dest (absolute): first the object, then its interpreter,
 * then its libraries in load order, each skipped when set has it already.
 * *first receives the index of the first entry added (when not NULL). On
 * failure set is left as it was. */
int sg_elfdeps_add(struct sg_elfdeps *set, const struct sg_elf_fs *fs, const char *src,
		   const char *dest, size_t *first);
void sg_elfdeps_free(struct sg_elfdeps *set);

#endif
