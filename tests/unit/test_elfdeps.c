/* test_elfdeps.c - the ELF reader's rules on hand-made ELF64 images, and
 * ld.so's search (RPATH, RUNPATH, $ORIGIN, system directories, skipped
 * ELF32 files, one file under two names) over a file system in memory. */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "elfdeps.h"
#include "endian.h"
#include "err.h"

/* The image: one PT_LOAD maps the whole file at BASE; PT_INTERP, the
 * dynamic table and the string table sit at fixed offsets in it. */
#define IMG 0x1000
#define BASE 0x10000
#define PH_OFF 64
#define INTERP_OFF 0x200
#define DYN_OFF 0x300
#define STR_OFF 0x800

struct spec {
	uint16_t type; /* 0: ET_DYN */
	const char *interp;
	const char *soname, *runpath, *rpath;
	const char *needed[8];
	uint64_t flags_1;
	int is_static; /* no PT_DYNAMIC */
};

static uint8_t img[IMG];

static void put16(size_t off, uint16_t v)
{
	sg_put_le16(img + off, v);
}

static void put64(size_t off, uint64_t v)
{
	sg_put_le64(img + off, v);
}

/* Appends s to the string table; returns its offset in the table. */
static uint64_t add_str(size_t *strsz, const char *s)
{
	uint64_t off = *strsz;

	memcpy(img + STR_OFF + off, s, strlen(s) + 1);
	*strsz += strlen(s) + 1;
	return off;
}

static void put_dyn(size_t *n, uint64_t tag, uint64_t val)
{
	put64(DYN_OFF + *n * 16, tag);
	put64(DYN_OFF + *n * 16 + 8, val);
	(*n)++;
}

static void put_phdr(unsigned i, uint32_t type, uint64_t off, uint64_t filesz)
{
	size_t p = PH_OFF + (size_t)i * 56;

	sg_put_le32(img + p, type);
	put64(p + 8, off);
	put64(p + 16, BASE + off);
	put64(p + 24, BASE + off);
	put64(p + 32, filesz);
	put64(p + 40, filesz);
}

/* Builds img from s. */
static void build(const struct spec *s)
{
	size_t strsz = 1, ndyn = 0;
	unsigned nph = 0;

	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF\2\1\1", 7);
	put16(16, s->type ? s->type : SG_ELF_ET_DYN);
	put16(18, 62);
	sg_put_le32(img + 20, 1);
	put64(32, PH_OFF);
	put16(52, 64);
	put16(54, 56);
	put_phdr(nph++, 1, 0, IMG);
	if (s->interp) {
		memcpy(img + INTERP_OFF, s->interp, strlen(s->interp) + 1);
		put_phdr(nph++, 3, INTERP_OFF, strlen(s->interp) + 1);
	}
	if (!s->is_static) {
		for (size_t i = 0; i < 8 && s->needed[i]; i++)
			put_dyn(&ndyn, DT_NEEDED, add_str(&strsz, s->needed[i]));
		if (s->soname)
			put_dyn(&ndyn, DT_SONAME, add_str(&strsz, s->soname));
		if (s->runpath)
			put_dyn(&ndyn, DT_RUNPATH, add_str(&strsz, s->runpath));
		if (s->rpath)
			put_dyn(&ndyn, DT_RPATH, add_str(&strsz, s->rpath));
		if (s->flags_1)
			put_dyn(&ndyn, DT_FLAGS_1, s->flags_1);
		put_dyn(&ndyn, DT_STRTAB, BASE + STR_OFF);
		put_dyn(&ndyn, DT_STRSZ, strsz);
		put_dyn(&ndyn, 0, 0);
		put_phdr(nph++, 2, DYN_OFF, ndyn * 16);
	}
	put16(56, (uint16_t)nph);
}

/* Offset of the value of the dynamic entry tag. */
static size_t dyn_val(uint64_t tag)
{
	for (size_t off = DYN_OFF; off < STR_OFF; off += 16)
		if (sg_get_le64(img + off) == tag)
			return off + 8;
	return 0;
}

static int parse_fails_with(size_t len, int want_rc, const char *msg)
{
	struct sg_elf e;
	int rc;

	sg_errclear();
	rc = sg_elf_parse(&e, img, len, "t.so");
	if (rc != want_rc || strcmp(sg_errmsg(), msg) != 0) {
		fprintf(stderr, "rc %d, message: %s\n  wanted %d: %s\n", rc, sg_errmsg(), want_rc,
			msg);
		return 0;
	}
	return 1;
}

static const struct spec prog = {
	.interp = "/lib64/ld-linux-x86-64.so.2",
	.soname = "libt.so.1",
	.runpath = "$ORIGIN/../lib:/opt/x",
	.rpath = "/old",
	.needed = { "libcrypto.so.3", "libc.so.6" },
	.flags_1 = 0x08000001,
};

static void test_parse(void)
{
	struct sg_elf e;

	build(&prog);
	CHECK(sg_elf_parse(&e, img, IMG, "t.so") == 0);
	CHECK(e.type == SG_ELF_ET_DYN && e.dynamic == 1);
	CHECK(e.interp && !strcmp(e.interp, "/lib64/ld-linux-x86-64.so.2"));
	CHECK(e.nneeded == 2);
	CHECK(e.nneeded == 2 && !strcmp(e.needed[0], "libcrypto.so.3") &&
	      !strcmp(e.needed[1], "libc.so.6"));
	CHECK(e.soname && !strcmp(e.soname, "libt.so.1"));
	CHECK(e.runpath && !strcmp(e.runpath, "$ORIGIN/../lib:/opt/x"));
	CHECK(e.rpath && !strcmp(e.rpath, "/old"));
	CHECK(e.flags_1 == 0x08000001);
	sg_elf_free(&e);

	/* A static program: no PT_DYNAMIC, nothing needed. */
	build(&(struct spec){ .type = SG_ELF_ET_EXEC, .is_static = 1 });
	CHECK(sg_elf_parse(&e, img, IMG, "t.so") == 0);
	CHECK(e.type == SG_ELF_ET_EXEC && !e.dynamic && !e.interp && e.nneeded == 0 && !e.needed);
	sg_elf_free(&e);

	/* Truncated. */
	build(&prog);
	CHECK(parse_fails_with(0, -1, "t.so: not an ELF file (no \\177ELF magic)"));
	CHECK(parse_fails_with(10, -1, "t.so: ELF identification is truncated (10 bytes)"));
	CHECK(parse_fails_with(40, -1, "t.so: ELF header is truncated (40 of 64 bytes)"));
	CHECK(parse_fails_with(
		100, -1, "t.so: ELF program headers (3 at 0x40) extend beyond the end of the file"));
	CHECK(parse_fails_with(0x900, -1,
			       "t.so: ELF program header 0 (type 1) extends beyond the end of the file"));
	img[1] = 'e';
	CHECK(parse_fails_with(IMG, -1, "t.so: not an ELF file (no \\177ELF magic)"));

	/* Bad class, encoding, machine, type. */
	build(&prog);
	img[4] = 1;
	CHECK(parse_fails_with(IMG, SG_ELF_OTHER_ABI,
			       "t.so: ELF32 object: only ELF64 little-endian x86-64 is supported"));
	img[4] = 3;
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF class 3 is neither ELF32 nor ELF64"));
	build(&prog);
	img[5] = 2;
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF data encoding 2 is not little-endian: only ELF64 little-endian x86-64 is supported"));
	build(&prog);
	img[7] = 9;
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF OS ABI 9 is neither System V (0) nor GNU (3)"));
	build(&prog);
	put16(18, 183);
	CHECK(parse_fails_with(
		IMG, SG_ELF_OTHER_ABI,
		"t.so: ELF machine 183 is not x86-64 (62): only ELF64 little-endian x86-64 is supported"));
	build(&prog);
	put16(16, 1);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF type 1 is neither ET_EXEC (2) nor ET_DYN (3)"));
	build(&prog);
	put16(54, 32);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF e_phentsize 32 is not 56"));

	/* Huge counts and sizes. */
	build(&prog);
	put16(56, 0xfffe);
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF program headers (65534 at 0x40) extend beyond the end of the file"));
	put16(56, 0xffff);
	CHECK(parse_fails_with(
		IMG, -1, "t.so: ELF e_phnum is PN_XNUM (over 65534 program headers): not supported"));
	build(&prog);
	put64(32, UINT64_MAX - 8);
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF program headers (3 at 0xfffffffffffffff7) extend beyond the end of the file"));
	build(&prog);
	put64(PH_OFF + 2 * 56 + 32, UINT64_MAX - 15); /* PT_DYNAMIC p_filesz */
	CHECK(parse_fails_with(IMG, -1,
			       "t.so: ELF program header 2 (type 2) extends beyond the end of the file"));
	build(&prog);
	put64(PH_OFF + 2 * 56 + 32, 0xcf0); /* all of the file after the table: no DT_NULL */
	memset(img + DYN_OFF + 8 * 16, 0xff, IMG - DYN_OFF - 8 * 16);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF PT_DYNAMIC has no DT_NULL entry to end it"));
	build(&prog);
	put64(PH_OFF + 2 * 56 + 32, 17);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF PT_DYNAMIC size 17 is not a multiple of 16"));
	build(&prog);
	put64(dyn_val(DT_STRSZ), UINT64_MAX);
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF DT_STRTAB 0x10800 (18446744073709551615 bytes) lies in no PT_LOAD segment's file contents"));

	/* DT_STRTAB outside any PT_LOAD's file contents. */
	build(&prog);
	put64(dyn_val(DT_STRTAB), 0x5000);
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF DT_STRTAB 0x5000 (63 bytes) lies in no PT_LOAD segment's file contents"));
	put64(dyn_val(DT_STRTAB), BASE + IMG - 10); /* starts inside, ends outside */
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF DT_STRTAB 0x10ff6 (63 bytes) lies in no PT_LOAD segment's file contents"));
	put64(dyn_val(DT_STRTAB), UINT64_MAX - 2);
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF DT_STRTAB 0xfffffffffffffffd (63 bytes) lies in no PT_LOAD segment's file contents"));
	build(&prog);
	put64(PH_OFF + 32, 0x700); /* the PT_LOAD's file part ends before the table */
	CHECK(parse_fails_with(
		IMG, -1,
		"t.so: ELF DT_STRTAB 0x10800 (63 bytes) lies in no PT_LOAD segment's file contents"));

	/* Unterminated and out-of-table strings. */
	build(&prog);
	put64(dyn_val(DT_STRSZ), 10); /* "\0libcrypto" without its NUL */
	CHECK(parse_fails_with(IMG, -1,
			       "t.so: ELF DT_SONAME string offset 0x1a lies beyond DT_STRSZ (10 bytes)"));
	build(&(struct spec){ .needed = { "libcrypto.so.3" } });
	put64(dyn_val(DT_STRSZ), 10);
	CHECK(parse_fails_with(
		IMG, -1, "t.so: ELF DT_NEEDED string at 0x1 is not NUL-terminated within DT_STRSZ"));
	build(&(struct spec){ .needed = { "a" } });
	put64(dyn_val(DT_NEEDED), 0);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF DT_NEEDED entry 1 is an empty name"));
	build(&(struct spec){ .needed = { "a" } });
	put64(dyn_val(DT_STRTAB) - 8, DT_RUNPATH); /* DT_STRTAB becomes DT_RUNPATH */
	CHECK(parse_fails_with(IMG, -1,
			       "t.so: ELF PT_DYNAMIC names strings but lacks DT_STRTAB or DT_STRSZ"));
	build(&(struct spec){ .needed = { "a" } });
	put64(dyn_val(DT_NEEDED) - 8, DT_STRTAB);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF PT_DYNAMIC has more than one DT_STRTAB"));

	/* PT_INTERP. */
	build(&prog);
	img[INTERP_OFF + strlen(prog.interp)] = 'x';
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF PT_INTERP is not a NUL-terminated path"));
	build(&prog);
	memcpy(img + PH_OFF + 2 * 56, img + PH_OFF + 56, 56);
	CHECK(parse_fails_with(IMG, -1, "t.so: ELF has more than one PT_INTERP"));
}

/* --- a file system in memory --- */

struct ffile {
	const char *path, *real;
	uint8_t *data;
	size_t len;
	uint64_t ino;
};

static struct ffile files[32];
static size_t nfiles;

static void fs_reset(void)
{
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].data);
	nfiles = 0;
}

static void fs_put(const char *path, const char *real, uint64_t ino)
{
	struct ffile *f = &files[nfiles++];

	f->path = path;
	f->real = real;
	f->data = malloc(IMG);
	memcpy(f->data, img, IMG);
	f->len = IMG;
	f->ino = ino;
}

/* A file at path built from s, with its own inode. */
static void fs_add(const char *path, const struct spec *s)
{
	build(s);
	fs_put(path, NULL, 100 + nfiles);
}

/* path with "dir/.." pairs removed (the test's paths have no "." or "//"). */
static void lexical(const char *path, char *out, size_t cap)
{
	char *dots;

	snprintf(out, cap, "%s", path);
	while ((dots = strstr(out, "/../"))) {
		char *prev = dots;

		while (prev > out && *--prev != '/')
			;
		memmove(prev, dots + 3, strlen(dots + 3) + 1);
	}
}

static int fake_open(void *ctx, const char *path, struct sg_elf_file *f)
{
	char p[256];

	(void)ctx;
	lexical(path, p, sizeof(p));
	for (size_t i = 0; i < nfiles; i++) {
		if (strcmp(files[i].path, p))
			continue;
		f->data = files[i].data;
		f->len = files[i].len;
		f->dev = 1;
		f->ino = files[i].ino;
		return 0;
	}
	return 1;
}

static void fake_close(void *ctx, struct sg_elf_file *f)
{
	(void)ctx;
	(void)f;
}

static char *fake_real(void *ctx, const char *path)
{
	(void)ctx;
	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i].path, path) && files[i].real)
			return strdup(files[i].real);
	return strdup(path);
}

static const struct sg_elf_fs fake_fs = { fake_open, fake_close, fake_real, NULL };

#define LD "/lib64/ld-linux-x86-64.so.2"
#define MA "/lib/x86_64-linux-gnu"
#define UMA "/usr/lib/x86_64-linux-gnu"

static void base_system(void)
{
	fs_reset();
	fs_add(LD, &(struct spec){ .soname = "ld-linux-x86-64.so.2" });
	fs_add(MA "/libc.so.6",
	       &(struct spec){ .soname = "libc.so.6", .needed = { "ld-linux-x86-64.so.2" } });
}

/* The closure of src at dest, as "path<src>" or "path->link" lines. */
static const char *closure(const char *src, const char *dest)
{
	static char out[2048];
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	size_t n = 0;

	sg_errclear();
	if (sg_elfdeps_add(&set, &fake_fs, src, dest, NULL) < 0) {
		snprintf(out, sizeof(out), "error: %s", sg_errmsg());
		return out;
	}
	out[0] = '\0';
	for (size_t i = 0; i < set.n; i++) {
		const struct sg_elf_dep *d = &set.d[i];

		if (d->link)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s->%s\n", d->path, d->link);
		else if (!strcmp(d->path, d->src))
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", d->path);
		else
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s<%s\n", d->path, d->src);
	}
	sg_elfdeps_free(&set);
	return out;
}

static int closure_is(const char *src, const char *dest, const char *want)
{
	const char *got = closure(src, dest);

	if (strcmp(got, want)) {
		fprintf(stderr, "closure of %s:\n%s  wanted:\n%s\n", src, got, want);
		return 0;
	}
	return 1;
}

static void test_search(void)
{
	/* Breadth first, each once; libc's need of ld.so is the interpreter. */
	base_system();
	fs_add(UMA "/libA.so.1", &(struct spec){ .needed = { "libB.so.2", "libc.so.6" } });
	fs_add("/usr/lib/libB.so.2", &(struct spec){ .needed = { "libc.so.6" } });
	fs_add("/bin/prog", &(struct spec){ .interp = LD, .needed = { "libA.so.1", "libc.so.6" } });
	CHECK(closure_is("/bin/prog", "/bin/prog",
			 "/bin/prog\n" LD "\n" UMA "/libA.so.1\n" MA
			 "/libc.so.6\n/usr/lib/libB.so.2\n"));

	/* The system directories in order; an ELF32 file is skipped; /lib64
	 * is not searched. */
	fs_add("/lib/libB.so.2", &(struct spec){ 0 });
	CHECK(closure_is("/bin/prog", "/bin/prog",
			 "/bin/prog\n" LD "\n" UMA "/libA.so.1\n" MA "/libc.so.6\n/lib/libB.so.2\n"));
	fs_add(MA "/libB.so.2", &(struct spec){ 0 });
	files[nfiles - 1].data[4] = 1;
	fs_add("/lib64/libZ.so.1", &(struct spec){ 0 });
	CHECK(closure_is("/bin/prog", "/bin/prog",
			 "/bin/prog\n" LD "\n" UMA "/libA.so.1\n" MA "/libc.so.6\n/lib/libB.so.2\n"));
	fs_add("/bin/z", &(struct spec){ .interp = LD, .needed = { "libZ.so.1" } });
	CHECK(closure_is("/bin/z", "/bin/z",
			 "error: /bin/z: library libZ.so.1 not found (tried " MA ":" UMA
			 ":/lib:/usr/lib)"));

	/* A missing library is named with the object that needs it. */
	base_system();
	fs_add(UMA "/libA.so.1", &(struct spec){ .needed = { "libnope.so.7" } });
	fs_add("/bin/prog", &(struct spec){ .interp = LD, .needed = { "libA.so.1" } });
	CHECK(closure_is("/bin/prog", "/bin/prog",
			 "error: /bin/prog: library libnope.so.7 needed by " UMA
			 "/libA.so.1 not found (tried " MA ":" UMA ":/lib:/usr/lib)"));

	/* A malformed library where the search finds it is an error. */
	base_system();
	fs_add(MA "/libA.so.1", &(struct spec){ 0 });
	files[nfiles - 1].data[5] = 2;
	fs_add("/bin/prog", &(struct spec){ .interp = LD, .needed = { "libA.so.1" } });
	CHECK(closure_is("/bin/prog", "/bin/prog",
			 "error: /bin/prog: " MA "/libA.so.1: ELF data encoding 2 is not little-endian: "
			 "only ELF64 little-endian x86-64 is supported"));
	fs_add(MA "/libB.so.1", &(struct spec){ .type = SG_ELF_ET_EXEC });
	fs_add("/bin/p2", &(struct spec){ .interp = LD, .needed = { "libB.so.1" } });
	CHECK(closure_is("/bin/p2", "/bin/p2",
			 "error: /bin/p2: " MA "/libB.so.1: not a shared object (ELF type 2)"));

	/* A missing interpreter, a static program. */
	fs_reset();
	fs_add("/bin/prog", &(struct spec){ .interp = LD });
	CHECK(closure_is("/bin/prog", "/bin/prog", "error: /bin/prog: interpreter " LD " not found"));
	fs_add("/bin/static", &(struct spec){ .type = SG_ELF_ET_EXEC, .is_static = 1 });
	CHECK(closure_is("/bin/static", "/init", "/init</bin/static\n"));
	CHECK(closure_is("/bin/none", "/x", "error: /bin/none: No such file or directory"));
}

static void test_paths(void)
{
	/* DT_RUNPATH with $ORIGIN: the target's origin is DEST's directory,
	 * the host's is the real path's; ".." is resolved in the target. */
	base_system();
	fs_add("/opt/app/lib/libA.so.1", &(struct spec){ .needed = { "libc.so.6" } });
	fs_add("/opt/app/bin/prog", &(struct spec){ .interp = LD,
						    .runpath = "${ORIGIN}/../lib",
						    .needed = { "libA.so.1" } });
	build(&(struct spec){ .interp = LD, .runpath = "$ORIGIN/../lib", .needed = { "libA.so.1" } });
	fs_put("/usr/local/bin/alias", "/opt/app/bin/prog", 999);
	CHECK(closure_is("/opt/app/bin/prog", "/usr/bin/prog",
			 "/usr/bin/prog</opt/app/bin/prog\n" LD
			 "\n/usr/lib/libA.so.1</opt/app/bin/../lib/libA.so.1\n" MA "/libc.so.6\n"));
	CHECK(closure_is("/usr/local/bin/alias", "/usr/local/bin/alias",
			 "/usr/local/bin/alias\n" LD
			 "\n/usr/local/lib/libA.so.1</opt/app/bin/../lib/libA.so.1\n" MA
			 "/libc.so.6\n"));

	/* DT_RUNPATH comes before the system directories, for the asking
	 * object only; $LIB is lib/x86_64-linux-gnu. */
	fs_add("/opt/u/lib/x86_64-linux-gnu/libc.so.6", &(struct spec){ .soname = "libc.so.6" });
	fs_add("/bin/u",
	       &(struct spec){ .interp = LD, .runpath = "/opt/u/$LIB", .needed = { "libc.so.6" } });
	CHECK(closure_is("/bin/u", "/bin/u",
			 "/bin/u\n" LD "\n/opt/u/lib/x86_64-linux-gnu/libc.so.6\n"));

	/* DT_RPATH: inherited by the objects loaded through it that have no
	 * DT_RUNPATH, ignored where the object has DT_RUNPATH. */
	base_system();
	fs_add("/opt/r/libX.so.1", &(struct spec){ .needed = { "libc.so.6" } });
	fs_add("/opt/u/libX.so.1", &(struct spec){ .needed = { "libc.so.6" } });
	fs_add(UMA "/libA.so.1", &(struct spec){ .needed = { "libX.so.1" } });
	fs_add(UMA "/libB.so.1", &(struct spec){ .runpath = "/nowhere", .needed = { "libX.so.1" } });
	fs_add("/bin/r",
	       &(struct spec){ .interp = LD, .rpath = "/opt/r", .needed = { "libA.so.1" } });
	CHECK(closure_is("/bin/r", "/bin/r",
			 "/bin/r\n" LD "\n" UMA "/libA.so.1\n/opt/r/libX.so.1\n" MA "/libc.so.6\n"));
	fs_add("/bin/rb",
	       &(struct spec){ .interp = LD, .rpath = "/opt/r", .needed = { "libB.so.1" } });
	CHECK(closure_is("/bin/rb", "/bin/rb",
			 "error: /bin/rb: library libX.so.1 needed by " UMA
			 "/libB.so.1 not found (tried /nowhere:" MA ":" UMA ":/lib:/usr/lib)"));
	fs_add("/bin/ru", &(struct spec){ .interp = LD,
					  .rpath = "/opt/r",
					  .runpath = "/opt/u",
					  .needed = { "libX.so.1" } });
	CHECK(closure_is("/bin/ru", "/bin/ru",
			 "/bin/ru\n" LD "\n/opt/u/libX.so.1\n" MA "/libc.so.6\n"));

	/* -z nodeflib: no system directories. */
	fs_add("/bin/nd", &(struct spec){ .interp = LD,
					  .flags_1 = SG_ELF_DF_1_NODEFLIB,
					  .needed = { "libc.so.6" } });
	CHECK(closure_is("/bin/nd", "/bin/nd",
			 "error: /bin/nd: library libc.so.6 not found (tried nothing)"));

	/* What cannot be known before run time is refused. */
	fs_add("/bin/pl",
	       &(struct spec){ .interp = LD, .runpath = "/$PLATFORM", .needed = { "libc.so.6" } });
	CHECK(closure_is("/bin/pl", "/bin/pl",
			 "error: /bin/pl: DT_RUNPATH uses $PLATFORM, which depends on the CPU"));
	fs_add("/bin/rel",
	       &(struct spec){ .interp = LD, .runpath = "/opt/r:lib", .needed = { "libX.so.1" } });
	CHECK(closure_is("/bin/rel", "/bin/rel",
			 "/bin/rel\n" LD "\n/opt/r/libX.so.1\n" MA "/libc.so.6\n"));
	fs_add("/bin/rel2",
	       &(struct spec){ .interp = LD, .runpath = "/opt/none::/x", .needed = { "libc.so.6" } });
	CHECK(closure_is("/bin/rel2", "/bin/rel2",
			 "error: /bin/rel2: DT_RUNPATH directory '' is relative to the working directory"));

	/* A DT_NEEDED path: no search. */
	fs_add("/bin/lib/libP.so", &(struct spec){ 0 });
	fs_add("/bin/pa",
	       &(struct spec){ .interp = LD, .needed = { "$ORIGIN/lib/libP.so", "libc.so.6" } });
	CHECK(closure_is("/bin/pa", "/bin/pa",
			 "/bin/pa\n" LD "\n/bin/lib/libP.so\n" MA "/libc.so.6\n"));
}

static void test_identity(void)
{
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	size_t first;

	/* One file under two names: a symlink to the first in the target. */
	base_system();
	fs_add(MA "/libQ.so.1", &(struct spec){ 0 });
	fs_put(UMA "/libQ.so.1.0", NULL, files[nfiles - 1].ino);
	fs_add("/bin/q", &(struct spec){ .interp = LD,
					 .needed = { "libQ.so.1", "libQ.so.1.0", "libQ.so.1.0" } });
	CHECK(closure_is("/bin/q", "/bin/q",
			 "/bin/q\n" LD "\n" MA "/libQ.so.1\n" UMA "/libQ.so.1.0->" MA "/libQ.so.1\n"));

	/* A shared library: closed as loaded by the psABI interpreter. */
	fs_add(UMA "/libtcti.so.0",
	       &(struct spec){ .soname = "libtcti.so.0", .needed = { "libc.so.6" } });
	CHECK(closure_is(UMA "/libtcti.so.0", UMA "/libtcti.so.0",
			 UMA "/libtcti.so.0\n" LD "\n" MA "/libc.so.6\n"));

	/* Several roots in one set: shared files once, in order. */
	CHECK(sg_elfdeps_add(&set, &fake_fs, "/bin/q", "/bin/q", &first) == 0 && first == 0);
	CHECK(set.n == 4);
	CHECK(sg_elfdeps_add(&set, &fake_fs, UMA "/libtcti.so.0", UMA "/libtcti.so.0", &first) == 0);
	CHECK(first == 4 && set.n == 6);
	CHECK(set.n == 6 && !strcmp(set.d[4].path, UMA "/libtcti.so.0") &&
	      !strcmp(set.d[5].path, MA "/libc.so.6"));
	CHECK(sg_elfdeps_add(&set, &fake_fs, "/bin/q", "/bin/q", &first) == 0);
	CHECK(first == 6 && set.n == 6);

	/* Another file at a path the set holds: refused, set unchanged. */
	fs_add("/opt/other/libc.so.6", &(struct spec){ .soname = "libc.so.6" });
	fs_add("/opt/other/prog",
	       &(struct spec){ .interp = LD, .runpath = "$ORIGIN", .needed = { "libc.so.6" } });
	CHECK(sg_elfdeps_add(&set, &fake_fs, "/opt/other/prog", MA "/prog", &first) == -1);
	CHECK_STR(sg_errmsg(), "/opt/other/prog: " MA "/libc.so.6 would be /opt/other/libc.so.6, "
			       "but is already " MA "/libc.so.6");
	CHECK(set.n == 6);
	sg_elfdeps_free(&set);
	fs_reset();
}

int main(void)
{
	test_parse();
	test_search();
	test_paths();
	test_identity();
	return check_done();
}
