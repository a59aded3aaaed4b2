#include "cpio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <openssl/crypto.h>

#include "elfdeps.h"
#include "err.h"
#include "fileio.h"
#include "io.h"
#include "path.h"

#define NEWC_MAGIC "070701"
#define NEWC_HEADER_LEN 110
#define CPIO_PATH_MAX 4096
#define GZIP_LEVEL 9
#define ZSTD_LEVEL 19
#define IO_CHUNK 65536

struct sg_cpio_entry {
	char *path;    /* inside the archive, normalized */
	char *src;     /* regular file: where the contents come from */
	char *target;  /* symlink target */
	uint8_t *data; /* regular file: or its contents, held here */
	uint32_t mode; /* type and permission bits */
	uint32_t rmajor, rminor;
	uint64_t size;
	uint64_t seq; /* order of addition: the later entry wins */
	uint32_t nlink;
	int implicit; /* a parent made up for a deeper entry */
};

static void entry_free(struct sg_cpio_entry *e)
{
	free(e->path);
	free(e->src);
	free(e->target);
	/* Contents held in memory may be keys (an SSH host key). */
	if (e->data)
		OPENSSL_clear_free(e->data, (size_t)e->size);
}

void sg_cpio_free(struct sg_cpio *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_free(&c->e[i]);
	free(c->e);
	c->e = NULL;
	c->n = c->cap = 0;
}

/* Archive path of dest: no leading or doubled '/', no "." components;
 * ".." and an empty result are refused. */
static int normalize(const char *dest, char *out, size_t cap)
{
	return sg_path_clean(dest, SG_PATH_REFUSE_DOTDOT, out, cap, "archive path");
}

static struct sg_cpio_entry *new_entry(struct sg_cpio *c, const char *path)
{
	struct sg_cpio_entry *e;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct sg_cpio_entry *ne = realloc(c->e, cap * sizeof(*ne));
		if (!ne) {
			sg_fail("out of memory");
			return NULL;
		}
		c->e = ne;
		c->cap = cap;
	}
	e = &c->e[c->n];
	memset(e, 0, sizeof(*e));
	if (!(e->path = strdup(path))) {
		sg_fail("out of memory");
		return NULL;
	}
	e->seq = c->seq++;
	c->n++;
	return e;
}

/* Implicit 0755 directories for every proper prefix of path. */
static int add_parents(struct sg_cpio *c, const char *path)
{
	char buf[CPIO_PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
		struct sg_cpio_entry *e;

		*s = '\0';
		if (!(e = new_entry(c, buf)))
			return -1;
		e->mode = S_IFDIR | 0755;
		e->implicit = 1;
		*s = '/';
	}
	return 0;
}

/* One entry from what lstat says about src. */
static int add_stat(struct sg_cpio *c, const char *src, const char *path, const struct stat *st)
{
	struct sg_cpio_entry *e = new_entry(c, path);

	if (!e)
		return -1;
	e->mode = (uint32_t)(st->st_mode & (S_IFMT | 07777));
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		if ((uint64_t)st->st_size > 0xffffffffu)
			return sg_fail("%s: larger than the 4 GiB a newc entry can hold", src);
		e->size = (uint64_t)st->st_size;
		if (!(e->src = strdup(src)))
			return sg_fail("out of memory");
		break;
	case S_IFLNK: {
		char target[CPIO_PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return sg_fail_errno("%s: readlink", src);
		target[n] = '\0';
		e->size = (uint64_t)n;
		if (!(e->target = strdup(target)))
			return sg_fail("out of memory");
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
		e->rmajor = major(st->st_rdev);
		e->rminor = minor(st->st_rdev);
		break;
	case S_IFDIR:
	case S_IFIFO:
	case S_IFSOCK: break;
	default: return sg_fail("%s: file type not storable in cpio", src);
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Everything below fs_dir, stored under prefix ("" for the top). */
static int walk(struct sg_cpio *c, const char *fs_dir, const char *prefix)
{
	DIR *d = opendir(fs_dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (!d)
		return sg_fail_errno("%s", fs_dir);
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				sg_fail("out of memory");
				goto out;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			sg_fail("out of memory");
			goto out;
		}
		n++;
	}
	if (errno) {
		sg_fail_errno("%s: readdir", fs_dir);
		goto out;
	}
	/* Sorted so that errors, like the archive, do not depend on the
	 * order the file system lists entries in. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char src[CPIO_PATH_MAX], path[CPIO_PATH_MAX];
		struct stat st;

		if ((size_t)snprintf(src, sizeof(src), "%s/%s", fs_dir, names[i]) >= sizeof(src) ||
		    (size_t)snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "/" : "",
				     names[i]) >= sizeof(path)) {
			sg_fail("%s/%s: path too long", fs_dir, names[i]);
			goto out;
		}
		if (lstat(src, &st) < 0) {
			sg_fail_errno("%s", src);
			goto out;
		}
		if (add_stat(c, src, path, &st) < 0)
			goto out;
		if (S_ISDIR(st.st_mode) && walk(c, src, path) < 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int sg_cpio_add_tree(struct sg_cpio *c, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return sg_fail_errno("%s", dir);
	if (!S_ISDIR(st.st_mode))
		return sg_fail("%s: not a directory", dir);
	return walk(c, dir, "");
}

/* src at archive path dest: as it is (a directory with its tree), or with
 * follow, the contents of the regular file it leads to. */
static int add_src(struct sg_cpio *c, const char *src, const char *dest, int follow)
{
	char path[CPIO_PATH_MAX];
	struct stat st;

	if (normalize(dest, path, sizeof(path)) < 0)
		return -1;
	if ((follow ? stat(src, &st) : lstat(src, &st)) < 0)
		return sg_fail_errno("%s", src);
	if (follow && !S_ISREG(st.st_mode))
		return sg_fail("%s: not a regular file", src);
	if (add_parents(c, path) < 0 || add_stat(c, src, path, &st) < 0)
		return -1;
	return S_ISDIR(st.st_mode) ? walk(c, src, path) : 0;
}

int sg_cpio_add_path(struct sg_cpio *c, const char *src, const char *dest)
{
	return add_src(c, src, dest, 0);
}

int sg_cpio_add_file(struct sg_cpio *c, const char *src, const char *dest)
{
	return add_src(c, src, dest, 1);
}

int sg_cpio_add_symlink(struct sg_cpio *c, const char *dest, const char *target)
{
	char path[CPIO_PATH_MAX];
	struct sg_cpio_entry *e;
	size_t n = strlen(target);

	if (n == 0 || n >= CPIO_PATH_MAX)
		return sg_fail("symlink %.200s: target is empty or too long", dest);
	if (normalize(dest, path, sizeof(path)) < 0 || add_parents(c, path) < 0 ||
	    !(e = new_entry(c, path)))
		return -1;
	e->mode = S_IFLNK | 0777;
	e->size = n;
	if (!(e->target = strdup(target)))
		return sg_fail("out of memory");
	return 0;
}

int sg_cpio_add_data(struct sg_cpio *c, const char *dest, const void *data, size_t len, mode_t perm)
{
	char path[CPIO_PATH_MAX];
	struct sg_cpio_entry *e;

	if (perm & ~(mode_t)07777)
		return sg_fail("file %.200s: mode %o has more than permission bits", dest,
			       (unsigned)perm);
	if ((uint64_t)len > 0xffffffffu)
		return sg_fail("file %.200s: larger than the 4 GiB a newc entry can hold", dest);
	if (normalize(dest, path, sizeof(path)) < 0 || add_parents(c, path) < 0 ||
	    !(e = new_entry(c, path)))
		return -1;
	e->mode = (uint32_t)(S_IFREG | perm);
	e->size = len;
	/* One byte more, so an empty file still has a buffer of its own. */
	if (!(e->data = OPENSSL_malloc(len + 1)))
		return sg_fail("out of memory");
	memcpy(e->data, data, len);
	return 0;
}

int sg_cpio_add_elf(struct sg_cpio *c, struct sg_elfdeps *set, const char *src, const char *dest)
{
	size_t first;

	if (sg_elfdeps_add(set, &sg_elf_host_fs, src, dest, &first) < 0)
		return -1;
	for (size_t i = first; i < set->n; i++) {
		const struct sg_elf_dep *d = &set->d[i];

		if (d->link ? sg_cpio_add_symlink(c, d->path, d->link) < 0
			    : sg_cpio_add_file(c, d->src, d->path) < 0)
			return -1;
	}
	return 0;
}

int sg_cpio_add_elf_fs(struct sg_cpio *c, struct sg_elfdeps *set, const struct sg_elf_fs *fs,
		       const char *src, const char *dest, mode_t perm)
{
	size_t first;

	if (sg_elfdeps_add(set, fs, src, dest, &first) < 0)
		return -1;
	for (size_t i = first; i < set->n; i++) {
		const struct sg_elf_dep *d = &set->d[i];
		struct sg_elf_file f;
		int rc;

		if (d->link) {
			if (sg_cpio_add_symlink(c, d->path, d->link) < 0)
				return -1;
			continue;
		}
		if ((rc = fs->open(fs->ctx, d->src, &f)) != 0)
			return rc < 0 ? -1 : sg_fail("%.200s: no longer there", d->src);
		rc = sg_cpio_add_data(c, d->path, f.data, f.len, perm);
		fs->close(fs->ctx, &f);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int sg_cpio_add_node(struct sg_cpio *c, const char *dest, char type, unsigned maj, unsigned min,
		     mode_t perm)
{
	char path[CPIO_PATH_MAX];
	struct sg_cpio_entry *e;

	if (type != 'c' && type != 'b')
		return sg_fail("device node %.200s: type '%c' is neither 'c' nor 'b'", dest, type);
	if (perm & ~(mode_t)07777)
		return sg_fail("device node %.200s: mode %o has more than permission bits", dest,
			       (unsigned)perm);
	if (normalize(dest, path, sizeof(path)) < 0 || add_parents(c, path) < 0 ||
	    !(e = new_entry(c, path)))
		return -1;
	e->mode = (uint32_t)((type == 'c' ? S_IFCHR : S_IFBLK) | perm);
	e->rmajor = maj;
	e->rminor = min;
	return 0;
}

int sg_cpio_parse_compress(const char *name, enum sg_cpio_compress *out)
{
	if (!strcmp(name, "gzip"))
		*out = SG_CPIO_GZIP;
	else if (!strcmp(name, "zstd"))
		*out = SG_CPIO_ZSTD;
	else if (!strcmp(name, "none"))
		*out = SG_CPIO_NONE;
	else
		return sg_fail("compression '%.40s': not gzip, zstd or none", name);
	return 0;
}

static int cmp_entries(const void *a, const void *b)
{
	const struct sg_cpio_entry *x = a, *y = b;
	int r = strcmp(x->path, y->path);

	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct sg_cpio_entry *find(struct sg_cpio *c, const char *path)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(path, c->e[mid].path);
		if (r == 0)
			return &c->e[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Sorts, keeps one entry per path (the last explicit one, else a made-up
 * parent), checks that every parent is a directory and counts links. */
static int finalize(struct sg_cpio *c)
{
	size_t o = 0;

	if (c->n)
		qsort(c->e, c->n, sizeof(*c->e), cmp_entries);
	for (size_t i = 0; i < c->n;) {
		size_t j = i, keep = i;
		while (j < c->n && strcmp(c->e[j].path, c->e[i].path) == 0) {
			if (!c->e[j].implicit || c->e[keep].implicit)
				keep = j;
			j++;
		}
		for (size_t k = i; k < j; k++)
			if (k != keep)
				entry_free(&c->e[k]);
		c->e[o++] = c->e[keep];
		i = j;
	}
	c->n = o;
	for (size_t i = 0; i < c->n; i++)
		c->e[i].nlink = S_ISDIR(c->e[i].mode) ? 2 : 1;
	for (size_t i = 0; i < c->n; i++) {
		struct sg_cpio_entry *e = &c->e[i], *parent;
		const char *slash = strrchr(e->path, '/');
		char dir[CPIO_PATH_MAX];

		if (!slash)
			continue;
		/* A copy: the array is being searched, its keys must not move. */
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - e->path), e->path);
		parent = find(c, dir);
		if (!parent || !S_ISDIR(parent->mode))
			return sg_fail("archive path '%.200s': its parent is not a directory",
				       e->path);
		if (S_ISDIR(e->mode))
			parent->nlink++;
	}
	return 0;
}

/* --- output: a buffer in front of a plain, gzip or zstd file writer --- */

struct out {
	int fd;
	struct sg_buf *mem; /* when not NULL, the archive goes here instead */
	const char *name;
	enum sg_cpio_compress comp;
	z_stream z;
	int z_live;
	ZSTD_CCtx *zc;
	uint8_t *buf, *cbuf;
	size_t len, cbuf_len;
	uint64_t total;
};

static int out_sink(struct out *o, const uint8_t *data, size_t len)
{
	if (o->mem)
		return sg_buf_append(o->mem, data, len);
	return sg_write_all(o->fd, data, len) < 0 ? sg_fail_prefix(o->name) : 0;
}

static int gzip_push(struct out *o, const uint8_t *data, size_t len, int finish)
{
	o->z.next_in = (Bytef *)(uintptr_t)data;
	o->z.avail_in = (uInt)len;
	for (;;) {
		int r;

		o->z.next_out = o->cbuf;
		o->z.avail_out = (uInt)o->cbuf_len;
		r = deflate(&o->z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (r == Z_STREAM_ERROR)
			return sg_fail("%s: gzip compression failed", o->name);
		if (out_sink(o, o->cbuf, o->cbuf_len - o->z.avail_out) < 0)
			return -1;
		if (finish ? r == Z_STREAM_END : o->z.avail_in == 0 && o->z.avail_out != 0)
			return 0;
	}
}

static int zstd_push(struct out *o, const uint8_t *data, size_t len, int finish)
{
	ZSTD_inBuffer in = { data, len, 0 };

	for (;;) {
		ZSTD_outBuffer zo = { o->cbuf, o->cbuf_len, 0 };
		size_t left =
			ZSTD_compressStream2(o->zc, &zo, &in, finish ? ZSTD_e_end : ZSTD_e_continue);

		if (ZSTD_isError(left))
			return sg_fail("%s: zstd compression failed: %s", o->name,
				       ZSTD_getErrorName(left));
		if (out_sink(o, o->cbuf, zo.pos) < 0)
			return -1;
		if (finish ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int out_flush(struct out *o, int finish)
{
	int rc;

	switch (o->comp) {
	case SG_CPIO_GZIP: rc = gzip_push(o, o->buf, o->len, finish); break;
	case SG_CPIO_ZSTD: rc = zstd_push(o, o->buf, o->len, finish); break;
	default: rc = out_sink(o, o->buf, o->len);
	}
	o->len = 0;
	return rc;
}

static int out_write(struct out *o, const void *data, size_t len)
{
	const uint8_t *p = data;

	o->total += len;
	while (len) {
		size_t n = IO_CHUNK - o->len < len ? IO_CHUNK - o->len : len;
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		p += n;
		len -= n;
		if (o->len == IO_CHUNK && out_flush(o, 0) < 0)
			return -1;
	}
	return 0;
}

static int out_pad4(struct out *o)
{
	static const uint8_t zeros[4];

	return out_write(o, zeros, (4 - o->total % 4) % 4);
}

static int out_open(struct out *o, int fd, const char *name, enum sg_cpio_compress comp)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->name = name;
	o->comp = comp;
	o->cbuf_len = IO_CHUNK;
	if (!(o->buf = malloc(IO_CHUNK)) || !(o->cbuf = malloc(o->cbuf_len)))
		return sg_fail("out of memory");
	if (comp == SG_CPIO_GZIP) {
		/* windowBits 15 + 16: a gzip wrapper whose header has no name
		 * and mtime 0, so the output is reproducible. */
		if (deflateInit2(&o->z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
		    Z_OK)
			return sg_fail("gzip compressor failed to start");
		o->z_live = 1;
	} else if (comp == SG_CPIO_ZSTD) {
		if (!(o->zc = ZSTD_createCCtx()) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(o->zc, ZSTD_c_checksumFlag, 1)))
			return sg_fail("zstd compressor failed to start");
	}
	return 0;
}

static void out_close(struct out *o)
{
	if (o->z_live)
		deflateEnd(&o->z);
	ZSTD_freeCCtx(o->zc);
	free(o->buf);
	free(o->cbuf);
}

static int write_header(struct out *o, uint32_t ino, uint32_t mode, uint32_t nlink, uint64_t size,
			uint32_t rmajor, uint32_t rminor, const char *name)
{
	char h[NEWC_HEADER_LEN + 1];
	size_t namesize = strlen(name) + 1;

	/* magic ino mode uid gid nlink mtime filesize devmajor devminor
	 * rdevmajor rdevminor namesize check */
	snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", NEWC_MAGIC,
		 ino, mode, 0u, 0u, nlink, 0u, (uint32_t)size, 0u, 0u, rmajor, rminor,
		 (uint32_t)namesize, 0u);
	if (out_write(o, h, NEWC_HEADER_LEN) < 0 || out_write(o, name, namesize) < 0)
		return -1;
	return out_pad4(o);
}

/* Copies a regular file's contents, which must still have the size
 * recorded when it was added. */
static int write_contents(struct out *o, const struct sg_cpio_entry *e, uint8_t *buf)
{
	int fd = open(e->src, O_RDONLY | O_CLOEXEC);
	uint64_t left = e->size;
	ssize_t n;

	if (fd < 0)
		return sg_fail_errno("%s", e->src);
	while (left) {
		n = sg_read_full(fd, buf, left < IO_CHUNK ? (size_t)left : IO_CHUNK);
		if (n <= 0) {
			close(fd);
			return n < 0 ? sg_fail_prefix(e->src)
				     : sg_fail("%s: shrank while archived", e->src);
		}
		if (out_write(o, buf, (size_t)n) < 0) {
			close(fd);
			return -1;
		}
		left -= (uint64_t)n;
	}
	n = sg_read_full(fd, buf, 1);
	close(fd);
	if (n != 0)
		return n < 0 ? sg_fail_prefix(e->src) : sg_fail("%s: grew while archived", e->src);
	return out_pad4(o);
}

static int write_archive(struct sg_cpio *c, struct out *o)
{
	uint8_t *buf = malloc(IO_CHUNK);
	int rc = -1;

	if (!buf)
		return sg_fail("out of memory");
	for (size_t i = 0; i < c->n; i++) {
		const struct sg_cpio_entry *e = &c->e[i];

		if (write_header(o, (uint32_t)(i + 1), e->mode, e->nlink, e->size, e->rmajor,
				 e->rminor, e->path) < 0)
			goto out;
		if (e->src && write_contents(o, e, buf) < 0)
			goto out;
		if (e->data && (out_write(o, e->data, e->size) < 0 || out_pad4(o) < 0))
			goto out;
		if (e->target && (out_write(o, e->target, e->size) < 0 || out_pad4(o) < 0))
			goto out;
	}
	if (write_header(o, 0, 0, 1, 0, 0, 0, "TRAILER!!!") < 0 || out_flush(o, 1) < 0)
		goto out;
	rc = 0;
out:
	free(buf);
	return rc;
}

int sg_cpio_write_file(struct sg_cpio *c, const char *path, enum sg_cpio_compress comp,
		       size_t *entries)
{
	struct sg_atomic a;
	struct out o;
	int rc = -1;

	if (c->n > 0xfffffffeu)
		return sg_fail("%s: too many entries for newc", path);
	if (finalize(c) < 0)
		return -1;
	if (sg_atomic_open(&a, path, 0644, 0) < 0)
		return -1;
	if (out_open(&o, a.fd, path, comp) == 0 && write_archive(c, &o) == 0) {
		rc = sg_atomic_commit(&a);
		if (rc == 0 && entries)
			*entries = c->n;
	}
	out_close(&o);
	if (rc < 0)
		sg_atomic_abort(&a);
	return rc;
}

int sg_cpio_write_buf(struct sg_cpio *c, const char *name, enum sg_cpio_compress comp,
		      struct sg_buf *out)
{
	struct out o;
	size_t start = out->len;
	int rc = -1;

	if (c->n > 0xfffffffeu)
		return sg_fail("%s: too many entries for newc", name);
	if (finalize(c) < 0)
		return -1;
	if (out_open(&o, -1, name, comp) == 0) {
		o.mem = out;
		rc = write_archive(c, &o);
	}
	out_close(&o);
	if (rc < 0)
		out->len = start;
	return rc;
}
