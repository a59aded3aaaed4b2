#include "elfdeps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "endian.h"
#include "err.h"
#include "path.h"

/* --- the parser: one ELF64 little-endian x86-64 file in memory --- */

/* The ELF constants are glibc's <elf.h>; the sizes are those of the
 * on-disk structures, read field by field (little-endian). */
#define EHDR_SIZE sizeof(Elf64_Ehdr)
#define PHDR_SIZE sizeof(Elf64_Phdr)
#define DYN_SIZE sizeof(Elf64_Dyn)

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz, memsz;
};

/* 1 when [off, off + size) lies inside a buffer of len bytes. */
static int in_bounds(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

static void read_phdr(const uint8_t *p, struct phdr *ph)
{
	ph->type = sg_get_le32(p);
	ph->offset = sg_get_le64(p + 8);
	ph->vaddr = sg_get_le64(p + 16);
	ph->filesz = sg_get_le64(p + 32);
	ph->memsz = sg_get_le64(p + 40);
}

/* e_ident and the fixed header fields ld.so checks, in its order. */
static int parse_header(const uint8_t *d, size_t len, const char *name, struct sg_elf *e)
{
	uint16_t machine, ehsize;

	if (len < 4 || memcmp(d, "\177ELF", 4) != 0)
		return sg_fail("%s: not an ELF file (no \\177ELF magic)", name);
	if (len < EI_NIDENT)
		return sg_fail("%s: ELF identification is truncated (%zu bytes)", name, len);
	if (d[EI_CLASS] == ELFCLASS32) {
		sg_fail("%s: ELF32 object: only ELF64 little-endian x86-64 is supported", name);
		return SG_ELF_OTHER_ABI;
	}
	if (d[EI_CLASS] != ELFCLASS64)
		return sg_fail("%s: ELF class %u is neither ELF32 nor ELF64", name, d[EI_CLASS]);
	if (d[EI_DATA] != ELFDATA2LSB)
		return sg_fail("%s: ELF data encoding %u is not little-endian: only ELF64 little-endian x86-64 is supported",
			       name, d[EI_DATA]);
	if (d[EI_VERSION] != EV_CURRENT)
		return sg_fail("%s: ELF identification version %u is not 1", name, d[EI_VERSION]);
	if (d[EI_OSABI] != ELFOSABI_SYSV && d[EI_OSABI] != ELFOSABI_GNU)
		return sg_fail("%s: ELF OS ABI %u is neither System V (0) nor GNU (3)", name,
			       d[EI_OSABI]);
	if (len < EHDR_SIZE)
		return sg_fail("%s: ELF header is truncated (%zu of 64 bytes)", name, len);
	machine = sg_get_le16(d + 18);
	if (machine != EM_X86_64) {
		sg_fail("%s: ELF machine %u is not x86-64 (62): only ELF64 little-endian x86-64 is supported",
			name, machine);
		return SG_ELF_OTHER_ABI;
	}
	if (sg_get_le32(d + 20) != EV_CURRENT)
		return sg_fail("%s: ELF version %u is not 1", name, sg_get_le32(d + 20));
	e->type = sg_get_le16(d + 16);
	if (e->type != SG_ELF_ET_EXEC && e->type != SG_ELF_ET_DYN)
		return sg_fail("%s: ELF type %u is neither ET_EXEC (2) nor ET_DYN (3)", name,
			       e->type);
	ehsize = sg_get_le16(d + 52);
	if (ehsize != EHDR_SIZE)
		return sg_fail("%s: ELF e_ehsize %u is not 64", name, ehsize);
	return 0;
}

/* A string of the dynamic string table. */
static int dyn_string(const uint8_t *strtab, uint64_t strsz, uint64_t off, const char *what,
		      const char *name, const char **out)
{
	if (off >= strsz)
		return sg_fail("%s: ELF %s string offset 0x%llx lies beyond DT_STRSZ (%llu bytes)",
			       name, what, (unsigned long long)off, (unsigned long long)strsz);
	if (!memchr(strtab + off, 0, (size_t)(strsz - off)))
		return sg_fail("%s: ELF %s string at 0x%llx is not NUL-terminated within DT_STRSZ",
			       name, what, (unsigned long long)off);
	*out = (const char *)strtab + off;
	return 0;
}

/* The tags that may appear at most once, indexing dyn_scan.val. */
enum { ONCE_STRTAB, ONCE_STRSZ, ONCE_SONAME, ONCE_RUNPATH, ONCE_RPATH, ONCE_N };

static const struct {
	uint64_t tag;
	const char *name;
} once_tags[ONCE_N] = {
	{ DT_STRTAB, "DT_STRTAB" },   { DT_STRSZ, "DT_STRSZ" }, { DT_SONAME, "DT_SONAME" },
	{ DT_RUNPATH, "DT_RUNPATH" }, { DT_RPATH, "DT_RPATH" },
};

#define HAVE(k) (1u << (k))

struct dyn_scan {
	uint64_t val[ONCE_N];
	unsigned have; /* HAVE(k) once once_tags[k] is seen */
	size_t nneeded;
};

/* First pass over the dynamic entries: the single-valued tags, the
 * DT_NEEDED count, and the DT_NULL that must end the table. */
static int scan_dynamic(const uint8_t *dyn, size_t count, const char *name, struct dyn_scan *s,
			uint64_t *flags_1)
{
	for (size_t i = 0; i < count; i++) {
		uint64_t tag = sg_get_le64(dyn + i * DYN_SIZE);
		uint64_t val = sg_get_le64(dyn + i * DYN_SIZE + 8);

		if (tag == DT_NULL)
			return 0;
		if (tag == DT_NEEDED)
			s->nneeded++;
		if (tag == DT_FLAGS_1)
			*flags_1 = val;
		for (unsigned k = 0; k < ONCE_N; k++) {
			if (once_tags[k].tag != tag)
				continue;
			if (s->have & HAVE(k))
				return sg_fail("%s: ELF PT_DYNAMIC has more than one %s", name,
					       once_tags[k].name);
			s->have |= HAVE(k);
			s->val[k] = val;
		}
	}
	return sg_fail("%s: ELF PT_DYNAMIC has no DT_NULL entry to end it", name);
}

/* The file offset of the string table: a PT_LOAD segment's file contents
 * must hold all of [DT_STRTAB, DT_STRTAB + DT_STRSZ). */
static int map_strtab(const uint8_t *phdrs, unsigned phnum, const struct dyn_scan *s,
		      const char *name, uint64_t *off)
{
	uint64_t addr = s->val[ONCE_STRTAB], size = s->val[ONCE_STRSZ];

	for (unsigned i = 0; i < phnum; i++) {
		struct phdr ph;

		read_phdr(phdrs + (size_t)i * PHDR_SIZE, &ph);
		if (ph.type != PT_LOAD || addr < ph.vaddr)
			continue;
		if (addr - ph.vaddr <= ph.filesz && size <= ph.filesz - (addr - ph.vaddr)) {
			*off = ph.offset + (addr - ph.vaddr);
			return 0;
		}
	}
	return sg_fail("%s: ELF DT_STRTAB 0x%llx (%llu bytes) lies in no PT_LOAD segment's file contents",
		       name, (unsigned long long)addr, (unsigned long long)size);
}

static int parse_dynamic(struct sg_elf *e, const uint8_t *d, const struct phdr *dyn,
			 const uint8_t *phdrs, unsigned phnum, const char *name)
{
	const uint8_t *tab = d + dyn->offset, *strtab;
	size_t count = (size_t)(dyn->filesz / DYN_SIZE), k = 0;
	const char **strings[ONCE_N] = { NULL, NULL, &e->soname, &e->runpath, &e->rpath };
	struct dyn_scan s;
	uint64_t stroff = 0;

	memset(&s, 0, sizeof(s));
	if (scan_dynamic(tab, count, name, &s, &e->flags_1) < 0)
		return -1;
	if (!s.nneeded && !(s.have & (HAVE(ONCE_SONAME) | HAVE(ONCE_RUNPATH) | HAVE(ONCE_RPATH))))
		return 0;
	if ((s.have & (HAVE(ONCE_STRTAB) | HAVE(ONCE_STRSZ))) !=
	    (HAVE(ONCE_STRTAB) | HAVE(ONCE_STRSZ)))
		return sg_fail("%s: ELF PT_DYNAMIC names strings but lacks DT_STRTAB or DT_STRSZ",
			       name);
	if (map_strtab(phdrs, phnum, &s, name, &stroff) < 0)
		return -1;
	/* Inside a PT_LOAD's file contents, so inside d. */
	strtab = d + stroff;
	for (unsigned t = ONCE_SONAME; t < ONCE_N; t++)
		if ((s.have & HAVE(t)) && dyn_string(strtab, s.val[ONCE_STRSZ], s.val[t],
						     once_tags[t].name, name, strings[t]) < 0)
			return -1;
	if (!s.nneeded)
		return 0;
	if (!(e->needed = calloc(s.nneeded, sizeof(*e->needed))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < count && k < s.nneeded; i++) {
		uint64_t tag = sg_get_le64(tab + i * DYN_SIZE);
		uint64_t val = sg_get_le64(tab + i * DYN_SIZE + 8);

		if (tag != DT_NEEDED)
			continue;
		if (dyn_string(strtab, s.val[ONCE_STRSZ], val, "DT_NEEDED", name, &e->needed[k]) < 0)
			return -1;
		if (!e->needed[k][0])
			return sg_fail("%s: ELF DT_NEEDED entry %zu is an empty name", name, k + 1);
		e->nneeded = ++k;
	}
	return 0;
}

/* The program headers: PT_LOAD, PT_INTERP and PT_DYNAMIC inside the file,
 * at most one of the latter two. */
static int parse_phdrs(struct sg_elf *e, const uint8_t *d, size_t len, const char *name)
{
	uint64_t phoff = sg_get_le64(d + 32);
	uint16_t phentsize = sg_get_le16(d + 54), phnum = sg_get_le16(d + 56);
	struct phdr dyn = { 0, 0, 0, 0, 0 };
	int interps = 0;

	if (phnum == PN_XNUM)
		return sg_fail("%s: ELF e_phnum is PN_XNUM (over 65534 program headers): not supported",
			       name);
	if (phnum && phentsize != PHDR_SIZE)
		return sg_fail("%s: ELF e_phentsize %u is not 56", name, phentsize);
	if (!in_bounds(len, phoff, (uint64_t)phnum * PHDR_SIZE))
		return sg_fail("%s: ELF program headers (%u at 0x%llx) extend beyond the end of the file",
			       name, phnum, (unsigned long long)phoff);
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr ph;

		read_phdr(d + phoff + (size_t)i * PHDR_SIZE, &ph);
		if (ph.type != PT_LOAD && ph.type != PT_INTERP && ph.type != PT_DYNAMIC)
			continue;
		if (!in_bounds(len, ph.offset, ph.filesz))
			return sg_fail("%s: ELF program header %u (type %u) extends beyond the end of the file",
				       name, i, ph.type);
		if (ph.type == PT_LOAD && ph.filesz > ph.memsz)
			return sg_fail("%s: ELF PT_LOAD %u has p_filesz above p_memsz", name, i);
		if (ph.type == PT_INTERP) {
			const char *s = (const char *)d + ph.offset;

			if (interps++)
				return sg_fail("%s: ELF has more than one PT_INTERP", name);
			if (ph.filesz < 2 || s[ph.filesz - 1] != '\0' || !s[0])
				return sg_fail("%s: ELF PT_INTERP is not a NUL-terminated path",
					       name);
			e->interp = s;
		}
		if (ph.type == PT_DYNAMIC) {
			if (e->dynamic)
				return sg_fail("%s: ELF has more than one PT_DYNAMIC", name);
			if (ph.filesz % DYN_SIZE)
				return sg_fail("%s: ELF PT_DYNAMIC size %llu is not a multiple of 16",
					       name, (unsigned long long)ph.filesz);
			e->dynamic = 1;
			dyn = ph;
		}
	}
	if (!e->dynamic)
		return 0;
	return parse_dynamic(e, d, &dyn, d + phoff, phnum, name);
}

int sg_elf_parse(struct sg_elf *e, const uint8_t *data, size_t len, const char *name)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if ((rc = parse_header(data, len, name, e)) != 0 ||
	    (rc = parse_phdrs(e, data, len, name)) != 0) {
		sg_elf_free(e);
		return rc;
	}
	return 0;
}

void sg_elf_free(struct sg_elf *e)
{
	free(e->needed);
	e->needed = NULL;
	e->nneeded = 0;
}

/* --- the closure: ld.so's search, over an sg_elf_fs --- */

#define NONE ((size_t)-1)
#define PATH_CAP 4096
#define DEFAULT_INTERP "/lib64/ld-linux-x86-64.so.2"
#define DST_LIB "lib/x86_64-linux-gnu"

static const char *const system_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib",
	"/usr/lib",
};

struct obj {
	char *path, *src;		/* in the target; on the host */
	char *torigin, *horigin;	/* $ORIGIN in the target and on the host */
	char *soname, *runpath, *rpath; /* rpath NULL when runpath is set */
	char **needed;
	size_t nneeded;
	char **names; /* the names it was loaded under */
	size_t nnames;
	uint64_t flags_1, dev, ino;
	size_t loader; /* the object whose need loaded it, or NONE */
	int queued;    /* its own needs are to be loaded */
};

struct run {
	const struct sg_elf_fs *fs;
	const char *root; /* the root's host path, for messages */
	struct obj *o;
	size_t n, cap;
	struct sg_elfdeps out; /* this run's files, in load order */
};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void obj_free(struct obj *o)
{
	free(o->path);
	free(o->src);
	free(o->torigin);
	free(o->horigin);
	free(o->soname);
	free(o->runpath);
	free(o->rpath);
	strv_free(o->needed, o->nneeded);
	strv_free(o->names, o->nnames);
}

static void dep_free(struct sg_elf_dep *d)
{
	free(d->path);
	free(d->src);
	free(d->link);
}

void sg_elfdeps_free(struct sg_elfdeps *set)
{
	for (size_t i = 0; i < set->n; i++)
		dep_free(&set->d[i]);
	free(set->d);
	set->d = NULL;
	set->n = set->cap = 0;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		obj_free(&r->o[i]);
	free(r->o);
	sg_elfdeps_free(&r->out);
}

/* strdup of s (NULL stays NULL); *ok cleared when memory runs out. */
static char *dup_or_null(const char *s, int *ok)
{
	char *c;

	if (!s)
		return NULL;
	if (!(c = strdup(s)))
		*ok = 0;
	return c;
}

static int add_name(struct obj *o, const char *name)
{
	char **nv = realloc(o->names, (o->nnames + 1) * sizeof(*nv));

	if (!nv)
		return sg_fail("out of memory");
	o->names = nv;
	if (!(o->names[o->nnames] = strdup(name)))
		return sg_fail("out of memory");
	o->nnames++;
	return 0;
}

/* The absolute path in (a leading '/' implied) without empty or "."
 * components, ".." removing the one before: paths in the target, whose
 * directories are all real ones. */
static int norm_abs(const char *in, char *out, size_t cap)
{
	out[0] = '/';
	return sg_path_clean(in, SG_PATH_RESOLVE_DOTDOT, out + 1, cap - 1, "path");
}

/* The directory part of path, malloc'ed ("/" for a file at the root). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static int push_dep(struct run *r, const char *path, const char *src, const char *link,
		    uint64_t dev, uint64_t ino)
{
	struct sg_elf_dep *d;
	int ok = 1;

	if (sg_array_grow((void **)&r->out.d, &r->out.cap, r->out.n, sizeof(*r->out.d)) < 0)
		return -1;
	d = &r->out.d[r->out.n];
	d->path = dup_or_null(path, &ok);
	d->src = dup_or_null(src, &ok);
	d->link = dup_or_null(link, &ok);
	d->dev = dev;
	d->ino = ino;
	r->out.n++;
	return ok ? 0 : sg_fail("out of memory");
}

/* Records a parsed object found at host path src, target path path. */
static int add_obj(struct run *r, const struct sg_elf *e, const struct sg_elf_file *f,
		   const char *path, const char *src, const char *horigin, size_t loader, int queued)
{
	struct obj *o;
	int ok = 1;

	if (sg_array_grow((void **)&r->o, &r->cap, r->n, sizeof(*r->o)) < 0)
		return -1;
	o = &r->o[r->n++];
	memset(o, 0, sizeof(*o));
	o->path = dup_or_null(path, &ok);
	o->src = dup_or_null(src, &ok);
	o->torigin = dir_of(path);
	o->horigin = horigin ? dup_or_null(horigin, &ok) : dir_of(src);
	o->soname = dup_or_null(e->soname, &ok);
	o->runpath = dup_or_null(e->runpath, &ok);
	o->rpath = e->runpath ? NULL : dup_or_null(e->rpath, &ok);
	o->flags_1 = e->flags_1;
	o->dev = f->dev;
	o->ino = f->ino;
	o->loader = loader;
	o->queued = queued;
	if (!o->torigin || !o->horigin)
		ok = 0;
	if (ok && e->nneeded && !(o->needed = calloc(e->nneeded, sizeof(*o->needed))))
		ok = 0;
	for (size_t i = 0; ok && i < e->nneeded; i++) {
		o->needed[i] = dup_or_null(e->needed[i], &ok);
		o->nneeded = i + 1;
	}
	if (!ok)
		return sg_fail("out of memory");
	return push_dep(r, path, src, NULL, f->dev, f->ino);
}

/* Opens and parses the file at host path src. 0 when parsed, 1 when
 * absent, SG_ELF_OTHER_ABI or -1 (error set); on 0 the caller closes f
 * and frees e. */
static int open_elf(struct run *r, const char *src, struct sg_elf_file *f, struct sg_elf *e)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = r->fs->open(r->fs->ctx, src, f)) != 0)
		return rc;
	if ((rc = sg_elf_parse(e, f->data, f->len, src)) != 0)
		r->fs->close(r->fs->ctx, f);
	return rc;
}

static void close_elf(struct run *r, struct sg_elf_file *f, struct sg_elf *e)
{
	sg_elf_free(e);
	r->fs->close(r->fs->ctx, f);
}

/* 1 when name is the object o for ld.so: its path, a name it was loaded
 * under, or its DT_SONAME. */
static int matches(const struct obj *o, const char *name)
{
	if (!strcmp(o->path, name) || (o->soname && !strcmp(o->soname, name)))
		return 1;
	for (size_t i = 0; i < o->nnames; i++)
		if (!strcmp(o->names[i], name))
			return 1;
	return 0;
}

/* 1 when s at p starts the token tok ($TOK or ${TOK}); *skip is its
 * length. */
static int is_dst(const char *p, const char *tok, size_t *skip)
{
	size_t n = strlen(tok);

	if (p[1] == '{' && !strncmp(p + 2, tok, n) && p[2 + n] == '}') {
		*skip = n + 3;
		return 1;
	}
	if (!strncmp(p + 1, tok, n) &&
	    !(p[1 + n] == '_' || (p[1 + n] >= 'a' && p[1 + n] <= 'z') ||
	      (p[1 + n] >= 'A' && p[1 + n] <= 'Z') || (p[1 + n] >= '0' && p[1 + n] <= '9'))) {
		*skip = n + 1;
		return 1;
	}
	return 0;
}

/* Expands the dynamic string tokens of s[0..len) with origin as $ORIGIN.
 * what names the list it came from, for messages. */
static int expand(const char *s, size_t len, const char *origin, const char *what,
		  const struct obj *o, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		const char *put = NULL;
		size_t skip = 0, plen;

		if (s[i] == '$') {
			if (is_dst(s + i, "ORIGIN", &skip))
				put = origin;
			else if (is_dst(s + i, "LIB", &skip))
				put = DST_LIB;
			else if (is_dst(s + i, "PLATFORM", &skip))
				return sg_fail("%s: %s uses $PLATFORM, which depends on the CPU",
					       o->src, what);
		}
		if (!put) {
			put = s + i;
			plen = 1;
			skip = 1;
		} else {
			plen = strlen(put);
		}
		if (skip > len - i)
			skip = len - i;
		if (n + plen + 1 > cap)
			return sg_fail("%s: %s: a path is too long", o->src, what);
		memcpy(out + n, put, plen);
		n += plen;
		i += skip;
	}
	out[n] = '\0';
	return 0;
}

/* Loads need `name` of object li from host file hpath, target tpath. 0
 * when loaded (or found to be loaded), 1 when absent, SG_ELF_OTHER_ABI
 * when ld.so would skip it, -1 on error. */
static int try_file(struct run *r, size_t li, const char *name, const char *tpath, const char *hpath)
{
	struct sg_elf_file f;
	struct sg_elf e;
	int rc = open_elf(r, hpath, &f, &e);

	if (rc != 0)
		return rc;
	if (e.type != SG_ELF_ET_DYN)
		rc = sg_fail("%s: not a shared object (ELF type %u)", hpath, e.type);
	else if (e.flags_1 & SG_ELF_DF_1_PIE)
		rc = sg_fail("%s: a position-independent executable, not a shared object", hpath);
	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		struct obj *o = &r->o[i];

		if (o->dev != f.dev || o->ino != f.ino)
			continue;
		/* ld.so's same-file check: one more name for a loaded object,
		 * and in the target a symlink to where it is. */
		rc = add_name(o, name);
		if (rc == 0 && strcmp(o->path, tpath))
			rc = push_dep(r, tpath, hpath, o->path, f.dev, f.ino);
		close_elf(r, &f, &e);
		return rc;
	}
	if (rc == 0)
		rc = add_obj(r, &e, &f, tpath, hpath, NULL, li, 1);
	if (rc == 0)
		rc = add_name(&r->o[r->n - 1], name);
	close_elf(r, &f, &e);
	return rc;
}

/* The directories a search tried, for the message when it fails. */
struct tried {
	char text[320];
	size_t len;
};

static void note_dir(struct tried *tried, const char *dir)
{
	size_t n = strlen(dir);

	if (tried->len + n + 2 >= sizeof(tried->text))
		return;
	if (tried->len)
		tried->text[tried->len++] = ':';
	memcpy(tried->text + tried->len, dir, n);
	tried->len += n;
	tried->text[tried->len] = '\0';
}

/* Tries name in one directory of a search list: (tdir, hdir) already
 * expanded. 0 found, 1 not there (or skipped), -1 error. */
static int try_dir(struct run *r, size_t li, const char *name, const char *tdir, const char *hdir,
		   const char *what, struct tried *tried)
{
	char raw[PATH_CAP], t[PATH_CAP], h[PATH_CAP];
	int rc;

	if (tdir[0] != '/')
		return sg_fail("%s: %s directory '%.200s' is relative to the working directory",
			       r->o[li].src, what, tdir);
	if ((size_t)snprintf(raw, sizeof(raw), "%s/%s", tdir, name) >= sizeof(raw) ||
	    (size_t)snprintf(h, sizeof(h), "%s/%s", hdir, name) >= sizeof(h))
		return sg_fail("%s: %s: path of %s too long", r->o[li].src, what, name);
	if (norm_abs(raw, t, sizeof(t)) < 0)
		return -1;
	*strrchr(t, '/') = '\0';
	note_dir(tried, t[0] ? t : "/");
	t[strlen(t)] = '/';
	rc = try_file(r, li, name, t, h);
	if (rc == SG_ELF_OTHER_ABI) {
		sg_errclear();
		return 1;
	}
	return rc;
}

/* Searches the colon-separated list of object oi (its DT_RPATH or
 * DT_RUNPATH) for a need of object li. */
static int search_list(struct run *r, size_t li, const char *name, size_t oi, const char *list,
		       const char *what, struct tried *tried)
{
	const struct obj *o = &r->o[oi];
	const char *p = list;

	for (;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char t[PATH_CAP], h[PATH_CAP];
		int rc;

		if (expand(p, n, o->torigin, what, o, t, sizeof(t)) < 0 ||
		    expand(p, n, o->horigin, what, o, h, sizeof(h)) < 0)
			return -1;
		/* An empty entry is the working directory (try_dir refuses it). */
		if ((rc = try_dir(r, li, name, t, h, what, tried)) != 1)
			return rc;
		if (!colon)
			return 1;
		p = colon + 1;
	}
}

/* ld.so's search for a name without '/' needed by object li. */
static int search(struct run *r, size_t li, const char *name, struct tried *tried)
{
	const struct obj *lo = &r->o[li];
	int rc;

	if (!lo->runpath) {
		for (size_t i = li; i != NONE; i = r->o[i].loader) {
			if (r->o[i].rpath &&
			    (rc = search_list(r, li, name, i, r->o[i].rpath, "DT_RPATH", tried)) != 1)
				return rc;
		}
	} else if ((rc = search_list(r, li, name, li, lo->runpath, "DT_RUNPATH", tried)) != 1) {
		return rc;
	}
	if (lo->flags_1 & SG_ELF_DF_1_NODEFLIB)
		return 1;
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		if ((rc = try_dir(r, li, name, system_dirs[i], system_dirs[i], "system", tried)) != 1)
			return rc;
	}
	return 1;
}

/* Loads need `name` of object li, unless it is loaded already. */
static int load_need(struct run *r, size_t li, const char *name)
{
	struct tried tried = { "", 0 };
	const char *by = li == 0 ? NULL : r->o[li].src;
	int rc;

	for (size_t i = 0; i < r->n; i++)
		if (matches(&r->o[i], name))
			return 0;
	if (strchr(name, '/')) {
		char raw[PATH_CAP], t[PATH_CAP], h[PATH_CAP];

		if (expand(name, strlen(name), r->o[li].torigin, "DT_NEEDED", &r->o[li], raw,
			   sizeof(raw)) < 0 ||
		    expand(name, strlen(name), r->o[li].horigin, "DT_NEEDED", &r->o[li], h,
			   sizeof(h)) < 0)
			return -1;
		if (raw[0] != '/')
			return sg_fail("%s: needs %.200s, a path relative to the working directory",
				       r->o[li].src, name);
		if (norm_abs(raw, t, sizeof(t)) < 0)
			return -1;
		note_dir(&tried, t);
		rc = try_file(r, li, name, t, h);
	} else {
		rc = search(r, li, name, &tried);
	}
	if (rc != 1)
		return rc;
	return sg_fail("%s: library %s%s%s not found (tried %s)", r->root, name,
		       by ? " needed by " : "", by ? by : "", tried.len ? tried.text : "nothing");
}

/* The interpreter of the root: loaded first, found by its path and its
 * DT_SONAME; it is self-contained, so its own needs are not loaded. */
static int load_interp(struct run *r, const char *interp)
{
	struct sg_elf_file f;
	struct sg_elf e;
	char t[PATH_CAP];
	int rc;

	if (interp[0] != '/')
		return sg_fail("%s: PT_INTERP %.200s is not an absolute path", r->root, interp);
	if (norm_abs(interp, t, sizeof(t)) < 0)
		return -1;
	if ((rc = open_elf(r, t, &f, &e)) != 0)
		return rc == 1 ? sg_fail("%s: interpreter %s not found", r->root, t) : -1;
	rc = add_obj(r, &e, &f, t, t, NULL, NONE, 0);
	if (rc == 0)
		rc = add_name(&r->o[r->n - 1], t);
	close_elf(r, &f, &e);
	return rc;
}

/* The root object, at target path dest, then its interpreter. */
static int load_root(struct run *r, const char *src, const char *dest)
{
	struct sg_elf_file f;
	struct sg_elf e;
	char t[PATH_CAP], interp[PATH_CAP], *real, *horigin;
	int rc;

	if (norm_abs(dest, t, sizeof(t)) < 0)
		return -1;
	if ((rc = open_elf(r, src, &f, &e)) != 0)
		return rc == 1 ? sg_fail("%s: No such file or directory", src) : -1;
	interp[0] = '\0';
	if (e.interp || e.nneeded)
		snprintf(interp, sizeof(interp), "%s", e.interp ? e.interp : DEFAULT_INTERP);
	if (!(real = r->fs->real(r->fs->ctx, src))) {
		close_elf(r, &f, &e);
		return -1;
	}
	horigin = dir_of(real);
	free(real);
	rc = horigin ? add_obj(r, &e, &f, t, src, horigin, NONE, 1) : sg_fail("out of memory");
	free(horigin);
	close_elf(r, &f, &e);
	if (rc == 0 && interp[0])
		rc = load_interp(r, interp);
	return rc;
}

/* Moves the run's files not yet in set into it; refuses a path that set
 * has with another file. */
static int merge(struct sg_elfdeps *set, struct run *r)
{
	size_t start = set->n;

	for (size_t i = 0; i < r->out.n; i++) {
		struct sg_elf_dep *d = &r->out.d[i];
		size_t j;

		for (j = 0; j < set->n; j++)
			if (!strcmp(set->d[j].path, d->path))
				break;
		if (j < set->n) {
			if (set->d[j].dev == d->dev && set->d[j].ino == d->ino)
				continue;
			sg_fail("%s: %s would be %s, but is already %s", r->root, d->path, d->src,
				set->d[j].src);
			goto undo;
		}
		if (sg_array_grow((void **)&set->d, &set->cap, set->n, sizeof(*set->d)) < 0)
			goto undo;
		set->d[set->n++] = *d;
		memset(d, 0, sizeof(*d));
	}
	return 0;
undo:
	while (set->n > start)
		dep_free(&set->d[--set->n]);
	return -1;
}

int sg_elfdeps_add(struct sg_elfdeps *set, const struct sg_elf_fs *fs, const char *src,
		   const char *dest, size_t *first)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.fs = fs;
	r.root = src;
	rc = load_root(&r, src, dest);
	/* Breadth first, as ld.so loads: r.n grows while this runs. */
	for (size_t i = 0; rc == 0 && i < r.n; i++) {
		if (!r.o[i].queued)
			continue;
		for (size_t k = 0; rc == 0 && k < r.o[i].nneeded; k++)
			rc = load_need(&r, i, r.o[i].needed[k]);
	}
	if (first)
		*first = set->n;
	if (rc == 0)
		rc = merge(set, &r);
	run_free(&r);
	/* Every message names the root first, then the file concerned. */
	if (rc < 0 && (strncmp(sg_errmsg(), src, strlen(src)) || sg_errmsg()[strlen(src)] != ':'))
		sg_fail_prefix(src);
	return rc;
}

/* --- the host's file system --- */

static int host_open(void *ctx, const char *path, struct sg_elf_file *f)
{
	struct stat st;
	void *map;
	int fd;

	(void)ctx;
	memset(f, 0, sizeof(*f));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 1 : sg_fail_errno("%s", path);
	if (fstat(fd, &st) < 0) {
		sg_fail_errno("%s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sg_fail("%s: not a regular file", path);
	}
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	if (st.st_size == 0) {
		close(fd);
		f->data = (const uint8_t *)"";
		return 0;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return sg_fail("%s: too large to map", path);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return sg_fail_errno("%s: mmap", path);
	f->data = map;
	f->len = (size_t)st.st_size;
	f->handle = map;
	return 0;
}

static void host_close(void *ctx, struct sg_elf_file *f)
{
	(void)ctx;
	if (f->handle)
		munmap(f->handle, f->len);
	memset(f, 0, sizeof(*f));
}

static char *host_real(void *ctx, const char *path)
{
	char *p = realpath(path, NULL);

	(void)ctx;
	if (!p)
		sg_fail_errno("%s", path);
	return p;
}

const struct sg_elf_fs sg_elf_host_fs = { host_open, host_close, host_real, NULL };
