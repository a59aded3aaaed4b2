/* tar.c - tar archives read as a stream (tar.h). */
#include "tar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

/* ustar header fields: offset, length */
#define H_NAME 0, 100
#define H_MODE 100, 8
#define H_UID 108, 8
#define H_GID 116, 8
#define H_SIZE 124, 12
#define H_MTIME 136, 12
#define H_CHKSUM 148, 8
#define H_TYPE 156
#define H_LINK 157, 100
#define H_MAGIC 257
#define H_UNAME 265, 32
#define H_GNAME 297, 32
#define H_DEVMAJOR 329, 8
#define H_DEVMINOR 337, 8
#define H_PREFIX 345, 155

/* What pax records set; a field is set when its flag is. */
enum {
	P_PATH = 1,
	P_LINK = 2,
	P_SIZE = 4,
	P_UID = 8,
	P_GID = 16,
	P_MTIME = 32,
	P_UNAME = 64,
	P_GNAME = 128
};
struct pax {
	unsigned set;
	struct sg_buf path, link, uname, gname;
	uint64_t size, uid, gid;
	int64_t mtime;
	uint32_t mtime_nsec;
	struct sg_buf xnames, xvalues; /* NUL-ended names; values back to back */
	size_t xlen[SG_TAR_XATTRS_MAX], nx;
};

struct sg_tar {
	struct sg_bufreader in;
	const char *name;
	uint64_t off;	    /* bytes consumed */
	uint64_t left, pad; /* of the current entry's data, and its padding */
	unsigned long n;    /* entries returned */
	int ended;
	struct pax global, local;
	/* the current entry's strings */
	struct sg_buf path, link, uname, gname;
	struct sg_tar_xattr xattrs[SG_TAR_XATTRS_MAX];
};

static void pax_free(struct pax *p)
{
	sg_buf_free(&p->path);
	sg_buf_free(&p->link);
	sg_buf_free(&p->uname);
	sg_buf_free(&p->gname);
	sg_buf_free(&p->xnames);
	sg_buf_free(&p->xvalues);
	memset(p, 0, sizeof(*p));
}

int sg_tar_open(struct sg_tar **t, struct sg_reader in, const char *name)
{
	if (!(*t = calloc(1, sizeof(**t))))
		return sg_fail("out of memory");
	if (sg_bufreader_init(&(*t)->in, in) < 0) {
		free(*t);
		*t = NULL;
		return -1;
	}
	(*t)->name = name;
	return 0;
}

void sg_tar_close(struct sg_tar *t)
{
	if (!t)
		return;
	pax_free(&t->global);
	pax_free(&t->local);
	sg_buf_free(&t->path);
	sg_buf_free(&t->link);
	sg_buf_free(&t->uname);
	sg_buf_free(&t->gname);
	sg_bufreader_free(&t->in);
	free(t);
}

/* An error about entry n+1 (the one being read). */
static int fail_at(const struct sg_tar *t, uint64_t off, const char *rule)
{
	return sg_fail("%s: entry %lu at byte %llu: %s", t->name, t->n + 1, (unsigned long long)off,
		       rule);
}

/* Reads up to len bytes: fewer only at the end of input. */
static ssize_t read_full(struct sg_tar *t, uint8_t *buf, size_t len)
{
	ssize_t got = sg_bufreader_read(&t->in, buf, len);

	if (got > 0)
		t->off += (uint64_t)got;
	return got;
}

/* Skips len bytes of input, the data of entry n (or its padding);
 * -1 when the input ends first. */
static int skip(struct sg_tar *t, uint64_t len, unsigned long n)
{
	uint8_t buf[16384];

	while (len) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t got = read_full(t, buf, want);
		if (got < 0)
			return -1;
		if ((size_t)got < want)
			return sg_fail("%s: entry %lu: the input ends inside its data", t->name, n);
		len -= want;
	}
	return 0;
}

/* A numeric field: octal digits (leading spaces, ended by a space or
 * NUL), or GNU base-256 (first byte 0x80, the rest big-endian). */
static int number(const uint8_t *h, size_t at, size_t len, uint64_t max, uint64_t *out)
{
	const uint8_t *f = h + at;
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] == 0x80) {
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return -1;
			v = v << 8 | f[i];
		}
	} else {
		while (i < len && f[i] == ' ')
			i++;
		for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
			if (v >> 61)
				return -1;
			v = v << 3 | (uint64_t)(f[i] - '0');
		}
		if (i < len && f[i] != ' ' && f[i] != '\0')
			return -1;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* A string field, not NUL-terminated when it fills the field. */
static size_t field_len(const uint8_t *h, size_t at, size_t len)
{
	const void *nul = memchr(h + at, '\0', len);

	return nul ? (size_t)((const uint8_t *)nul - (h + at)) : len;
}

static int set_field(struct sg_buf *b, const uint8_t *h, size_t at, size_t len)
{
	b->len = 0;
	return sg_buf_append(b, h + at, field_len(h, at, len)) < 0 || sg_buf_append(b, "", 1) < 0
		       ? -1
		       : 0;
}

/* The checksum: the header's bytes summed with the field as spaces,
 * unsigned (POSIX) or signed (some old tars). */
static int checksum_ok(const uint8_t *h)
{
	uint64_t want;
	long u = 0, s = 0;

	if (number(h, H_CHKSUM, 0777777, &want) < 0)
		return 0;
	for (size_t i = 0; i < SG_TAR_BLOCK; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : h[i];
		u += c;
		s += (signed char)c;
	}
	return (uint64_t)u == want || (s >= 0 && (uint64_t)s == want);
}

static int all_zero(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

/* ---- pax records ---- */

/* A decimal number of a pax value: digits only, at most max. */
static int pax_number(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

/* "SECONDS[.FRACTION]", SECONDS possibly negative. */
static int pax_time(const char *v, size_t len, int64_t *sec, uint32_t *nsec)
{
	const char *dot = memchr(v, '.', len);
	size_t il = dot ? (size_t)(dot - v) : len, neg = il && v[0] == '-';
	uint64_t s;
	uint32_t ns = 0;

	if (pax_number(v + neg, il - neg, (uint64_t)INT64_MAX, &s) < 0)
		return -1;
	if (dot) {
		size_t fl = len - il - 1;
		if (fl == 0)
			return -1;
		for (size_t i = 0; i < fl; i++) {
			if (dot[1 + i] < '0' || dot[1 + i] > '9')
				return -1;
			if (i < 9)
				ns = ns * 10 + (uint32_t)(dot[1 + i] - '0');
		}
		for (size_t i = fl; i < 9; i++)
			ns *= 10;
	}
	if (neg && ns) { /* -1.25 is 1.25 s before the epoch */
		*sec = -(int64_t)s - 1;
		*nsec = 1000000000u - ns;
	} else {
		*sec = neg ? -(int64_t)s : (int64_t)s;
		*nsec = ns;
	}
	return 0;
}

static int pax_string(struct sg_buf *b, const char *v, size_t len, size_t max)
{
	if (len > max || memchr(v, '\0', len))
		return -1;
	b->len = 0;
	return sg_buf_append(b, v, len) < 0 || sg_buf_append(b, "", 1) < 0 ? -1 : 0;
}

static int pax_xattr(struct pax *p, const char *name, size_t nlen, const char *v, size_t len)
{
	if (nlen == 0 || nlen > 255 || memchr(name, '\0', nlen) || len > SG_TAR_XATTR_MAX)
		return -1;
	/* a later record for the same name replaces the earlier one */
	for (size_t i = 0, at = 0; i < p->nx; i++) {
		const char *n = (const char *)p->xnames.data + at;
		if (strlen(n) == nlen && !memcmp(n, name, nlen))
			return -1; /* rare and ambiguous: refused rather than guessed */
		at += strlen(n) + 1;
	}
	if (p->nx == SG_TAR_XATTRS_MAX)
		return -1;
	if (sg_buf_append(&p->xnames, name, nlen) < 0 || sg_buf_append(&p->xnames, "", 1) < 0 ||
	    sg_buf_append(&p->xvalues, v, len) < 0)
		return -1;
	p->xlen[p->nx++] = len;
	return 0;
}

/* One record KEY=VALUE into p; unknown keys that do not change what
 * an entry is (comments, atime, ctime, charset, ...) are ignored. */
static int pax_record(struct pax *p, const char *key, size_t klen, const char *v, size_t len)
{
#define IS(s) (klen == sizeof(s) - 1 && !memcmp(key, s, klen))
	if (IS("path"))
		return p->set |= P_PATH, pax_string(&p->path, v, len, SG_TAR_NAME_MAX);
	if (IS("linkpath"))
		return p->set |= P_LINK, pax_string(&p->link, v, len, SG_TAR_NAME_MAX);
	if (IS("uname"))
		return p->set |= P_UNAME, pax_string(&p->uname, v, len, 255);
	if (IS("gname"))
		return p->set |= P_GNAME, pax_string(&p->gname, v, len, 255);
	if (IS("size"))
		return p->set |= P_SIZE, pax_number(v, len, (uint64_t)INT64_MAX, &p->size);
	if (IS("uid"))
		return p->set |= P_UID, pax_number(v, len, UINT32_MAX, &p->uid);
	if (IS("gid"))
		return p->set |= P_GID, pax_number(v, len, UINT32_MAX, &p->gid);
	if (IS("mtime"))
		return p->set |= P_MTIME, pax_time(v, len, &p->mtime, &p->mtime_nsec);
	if (klen > 13 && !memcmp(key, "SCHILY.xattr.", 13))
		return pax_xattr(p, key + 13, klen - 13, v, len);
	if (klen >= 11 && !memcmp(key, "GNU.sparse.", 11))
		return -1;
#undef IS
	return 0;
}

/* Parses an extended header's records ("LEN KEY=VALUE\n", LEN counting
 * the whole record) into p. */
static int pax_parse(struct sg_tar *t, uint64_t at, const char *d, size_t len, struct pax *p)
{
	size_t pos = 0;

	while (pos < len) {
		const char *rec = d + pos, *sp, *eq;
		uint64_t rl;
		size_t avail = len - pos;

		if (!(sp = memchr(rec, ' ', avail < 21 ? avail : 21)) ||
		    pax_number(rec, (size_t)(sp - rec), avail, &rl) < 0 ||
		    rl < (uint64_t)(sp - rec) + 3 || rec[rl - 1] != '\n')
			return fail_at(t, at, "a malformed pax record");
		if (!(eq = memchr(sp + 1, '=', (size_t)(rec + rl - 1 - (sp + 1)))) || eq == sp + 1)
			return fail_at(t, at, "a pax record without KEY=");
		if (pax_record(p, sp + 1, (size_t)(eq - sp - 1), eq + 1,
			       (size_t)(rec + rl - 1 - (eq + 1))) < 0)
			return fail_at(t, at,
				       "a pax record this reader refuses (bad value, sparse "
				       "file, or a repeated or oversized xattr)");
		pos += (size_t)rl;
	}
	return 0;
}

/* The data of a meta entry ('x', 'g', 'L', 'K') into b, padding skipped. */
static int meta_data(struct sg_tar *t, uint64_t size, uint64_t max, struct sg_buf *b)
{
	uint64_t at = t->off;
	ssize_t n;

	if (size > max)
		return fail_at(t, at, "an extended header larger than this reader takes");
	b->len = 0;
	if (sg_buf_reserve(b, (size_t)size + 1) < 0)
		return -1;
	if ((n = read_full(t, b->data, (size_t)size)) < 0)
		return -1;
	if ((uint64_t)n < size)
		return fail_at(t, at, "the input ends inside an extended header");
	b->len = (size_t)size;
	b->data[b->len] = '\0';
	return skip(t, (SG_TAR_BLOCK - size % SG_TAR_BLOCK) % SG_TAR_BLOCK, t->n + 1);
}

/* ---- entries ---- */

/* Skips the current entry's padding: 1, or 0 when the input ends inside
 * it (umoci 0.4.7 leaves its writer unclosed: no padding after the last
 * entry's data, no end blocks), or -1 for padding that is not zeros. */
static int skip_padding(struct sg_tar *t)
{
	uint8_t buf[SG_TAR_BLOCK];
	ssize_t got;

	if (!t->pad)
		return 1;
	if ((got = read_full(t, buf, (size_t)t->pad)) < 0)
		return -1;
	if (!all_zero(buf, (size_t)got))
		return sg_fail("%s: entry %lu at byte %llu: the padding after an entry's data is not "
			       "zeros",
			       t->name, t->n, (unsigned long long)(t->off - (uint64_t)got));
	return (uint64_t)got == t->pad;
}

/* Reads one header block: 1, or 0 at the end of the archive. */
static int read_header(struct sg_tar *t, uint8_t h[SG_TAR_BLOCK])
{
	ssize_t n = read_full(t, h, SG_TAR_BLOCK);

	if (n < 0)
		return -1;
	if (n == 0)
		return 0; /* the end at a header boundary (umoci 0.4.7) */
	if (n < SG_TAR_BLOCK)
		return fail_at(t, t->off - (uint64_t)n, "the input ends inside a header");
	if (!all_zero(h, SG_TAR_BLOCK))
		return 1;
	/* a zero block: the end, whether a second one follows or not */
	if ((n = read_full(t, h, SG_TAR_BLOCK)) < 0)
		return -1;
	if (n > 0 && (n < SG_TAR_BLOCK || !all_zero(h, SG_TAR_BLOCK)))
		return fail_at(t, t->off - (uint64_t)n, "a zero block not followed by another");
	return 0;
}

/* The GNU long name and link ('L', 'K') read so far for this entry. */
struct longnames {
	struct sg_buf name, link;
	int has_name, has_link;
};

/* Reads meta entries until a real one; its header into h. */
static int next_header(struct sg_tar *t, uint8_t h[SG_TAR_BLOCK], struct longnames *ln)
{
	for (;;) {
		uint64_t at = t->off, size;
		int r = read_header(t, h);
		struct sg_buf data = SG_BUF_INIT;

		if (r <= 0)
			return r;
		if (!checksum_ok(h))
			return fail_at(t, at, "the header's checksum does not match");
		if (number(h, H_SIZE, (uint64_t)INT64_MAX, &size) < 0)
			return fail_at(t, at, "the size field is not a number");
		switch (h[H_TYPE]) {
		case 'x':
		case 'g':
			r = meta_data(t, size, SG_TAR_PAX_MAX, &data);
			if (r == 0)
				r = pax_parse(t, at, (const char *)data.data, data.len,
					      h[H_TYPE] == 'x' ? &t->local : &t->global);
			if (r == 0 && h[H_TYPE] == 'g' && (t->global.set & (P_PATH | P_LINK | P_SIZE)))
				r = fail_at(t, at, "a global pax header names a path, link or size");
			break;
		case 'L':
		case 'K': {
			struct sg_buf *b = h[H_TYPE] == 'L' ? &ln->name : &ln->link;
			r = meta_data(t, size, SG_TAR_NAME_MAX + 1, b);
			if (r == 0) {
				b->len = strnlen((const char *)b->data, b->len);
				if (sg_buf_append(b, "", 1) < 0)
					r = -1;
				*(h[H_TYPE] == 'L' ? &ln->has_name : &ln->has_link) = 1;
			}
			break;
		}
		default: return 1;
		}
		sg_buf_free(&data);
		if (r < 0)
			return -1;
	}
}

static enum sg_tar_type entry_type(uint8_t c)
{
	switch (c) {
	case '\0':
	case '0':
	case '7': return SG_TAR_FILE;
	case '1': return SG_TAR_HARDLINK;
	case '2': return SG_TAR_SYMLINK;
	case '3': return SG_TAR_CHAR;
	case '4': return SG_TAR_BLOCK_DEV;
	case '5': return SG_TAR_DIR;
	case '6': return SG_TAR_FIFO;
	default: return 0;
	}
}

/* dst = src (a NUL-ended string). */
static int copy_str(struct sg_buf *dst, const struct sg_buf *src)
{
	dst->len = 0;
	return sg_buf_append(dst, src->data, src->len);
}

/* The entry's path: pax path, else the GNU long name, else prefix/name
 * (the prefix only in a POSIX ustar header). */
static int entry_path(struct sg_tar *t, const uint8_t *h, const struct longnames *ln)
{
	if (t->local.set & P_PATH)
		return copy_str(&t->path, &t->local.path);
	if (ln->has_name)
		return copy_str(&t->path, &ln->name);
	t->path.len = 0;
	if (!memcmp(h + H_MAGIC, "ustar\0", 6) && h[345]) {
		size_t pl = field_len(h, H_PREFIX);
		if (sg_buf_append(&t->path, h + 345, pl) < 0 || sg_buf_append(&t->path, "/", 1) < 0)
			return -1;
	}
	return sg_buf_append(&t->path, h, field_len(h, H_NAME)) < 0 ||
			       sg_buf_append(&t->path, "", 1) < 0
		       ? -1
		       : 0;
}

static int entry_link(struct sg_tar *t, const uint8_t *h, const struct longnames *ln)
{
	if (t->local.set & P_LINK)
		return copy_str(&t->link, &t->local.link);
	if (ln->has_link)
		return copy_str(&t->link, &ln->link);
	return set_field(&t->link, h, H_LINK);
}

/* A pax value from the entry's own header, else the global one. */
static const struct pax *pax_for(const struct sg_tar *t, unsigned flag)
{
	if (t->local.set & flag)
		return &t->local;
	return t->global.set & flag ? &t->global : NULL;
}

static int entry_numbers(struct sg_tar *t, const uint8_t *h, uint64_t at, struct sg_tar_entry *e)
{
	const struct pax *p;
	uint64_t mode, v;

	if (number(h, H_MODE, 07777777, &mode) < 0 || number(h, H_UID, UINT32_MAX, &e->uid) < 0 ||
	    number(h, H_GID, UINT32_MAX, &e->gid) < 0 ||
	    number(h, H_SIZE, (uint64_t)INT64_MAX, &e->size) < 0 ||
	    number(h, H_MTIME, (uint64_t)INT64_MAX, &v) < 0)
		return fail_at(t, at, "a numeric field is not a number or too large");
	e->mode = (uint32_t)(mode & 07777);
	e->mtime = (int64_t)v;
	e->mtime_nsec = 0;
	if ((p = pax_for(t, P_UID)))
		e->uid = p->uid;
	if ((p = pax_for(t, P_GID)))
		e->gid = p->gid;
	if ((p = pax_for(t, P_SIZE)))
		e->size = p->size;
	if ((p = pax_for(t, P_MTIME))) {
		e->mtime = p->mtime;
		e->mtime_nsec = p->mtime_nsec;
	}
	e->devmajor = e->devminor = 0;
	if (e->type == SG_TAR_CHAR || e->type == SG_TAR_BLOCK_DEV) {
		uint64_t ma, mi;
		if (number(h, H_DEVMAJOR, UINT32_MAX, &ma) < 0 ||
		    number(h, H_DEVMINOR, UINT32_MAX, &mi) < 0)
			return fail_at(t, at, "a device number is not a number");
		e->devmajor = (uint32_t)ma;
		e->devminor = (uint32_t)mi;
	}
	return 0;
}

static int entry_names(struct sg_tar *t, const uint8_t *h, struct sg_tar_entry *e)
{
	const struct pax *u = pax_for(t, P_UNAME), *g = pax_for(t, P_GNAME);

	if ((u ? copy_str(&t->uname, &u->uname) : set_field(&t->uname, h, H_UNAME)) < 0 ||
	    (g ? copy_str(&t->gname, &g->gname) : set_field(&t->gname, h, H_GNAME)) < 0)
		return -1;
	e->uname = (const char *)t->uname.data;
	e->gname = (const char *)t->gname.data;
	return 0;
}

/* The xattrs of the global header, then the entry's own. */
static void entry_xattrs(struct sg_tar *t, struct sg_tar_entry *e)
{
	const struct pax *ps[2] = { &t->global, &t->local };

	e->nxattrs = 0;
	for (size_t k = 0; k < 2; k++) {
		size_t at = 0, vat = 0;
		for (size_t i = 0; i < ps[k]->nx && e->nxattrs < SG_TAR_XATTRS_MAX; i++) {
			struct sg_tar_xattr *x = &t->xattrs[e->nxattrs++];
			x->name = (const char *)ps[k]->xnames.data + at;
			x->value = ps[k]->xvalues.data ? ps[k]->xvalues.data + vat
						       : (const uint8_t *)"";
			x->len = ps[k]->xlen[i];
			at += strlen(x->name) + 1;
			vat += x->len;
		}
	}
	e->xattrs = t->xattrs;
}

static int fill_entry(struct sg_tar *t, const uint8_t *h, uint64_t at, const struct longnames *ln,
		      struct sg_tar_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (!(e->type = entry_type(h[H_TYPE])))
		return fail_at(t, at,
			       "an entry type this reader refuses (sparse, multi-volume, ...)");
	if (entry_path(t, h, ln) < 0 || entry_link(t, h, ln) < 0 || entry_names(t, h, e) < 0 ||
	    entry_numbers(t, h, at, e) < 0)
		return -1;
	e->path = (const char *)t->path.data;
	e->link = (const char *)t->link.data;
	if (!e->path[0] || t->path.len - 1 > SG_TAR_NAME_MAX || t->link.len - 1 > SG_TAR_NAME_MAX)
		return fail_at(t, at, "an empty or too long name");
	if (e->type != SG_TAR_FILE && e->size && e->type != SG_TAR_HARDLINK)
		return fail_at(t, at, "data on an entry that is not a regular file");
	entry_xattrs(t, e);
	return 0;
}

int sg_tar_next(struct sg_tar *t, struct sg_tar_entry *e)
{
	uint8_t h[SG_TAR_BLOCK];
	struct longnames ln = { SG_BUF_INIT, SG_BUF_INIT, 0, 0 };
	int r;

	if (t->ended)
		return 0;
	if (skip(t, t->left, t->n) < 0 || (r = skip_padding(t)) < 0)
		return -1;
	t->left = t->pad = 0;
	if (r == 0) {
		t->ended = 1;
		return 0;
	}
	pax_free(&t->local);
	r = next_header(t, h, &ln);
	if (r > 0)
		r = fill_entry(t, h, t->off - SG_TAR_BLOCK, &ln, e) < 0 ? -1 : 1;
	sg_buf_free(&ln.name);
	sg_buf_free(&ln.link);
	if (r == 0)
		t->ended = 1;
	if (r <= 0)
		return r;
	/* a hard link's size is its data's (none, in what tar writes) */
	t->left = e->size;
	t->pad = (SG_TAR_BLOCK - e->size % SG_TAR_BLOCK) % SG_TAR_BLOCK;
	t->n++;
	return 1;
}

ssize_t sg_tar_read(struct sg_tar *t, uint8_t *buf, size_t len)
{
	ssize_t n;

	if (len > t->left)
		len = (size_t)t->left;
	if (len == 0)
		return 0;
	if ((n = read_full(t, buf, len)) < 0)
		return -1;
	if ((size_t)n < len)
		return sg_fail("%s: entry %lu: the input ends inside its data", t->name, t->n);
	t->left -= (uint64_t)n;
	return n;
}
