/* test_tar.c - the tar reader (tar.h): archives GNU tar writes (gnu,
 * pax and ustar formats) of one tree, read back entry by entry and
 * compared with what the tree holds; then archives made here, header by
 * header, for what GNU tar does not write on its own (xattrs, an mtime
 * fraction, a global header, a missing end, a sparse file) and for what
 * must be refused, each with its one error line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "runcmd.h"
#include "err.h"
#include "fileio.h"
#include "io.h"
#include "tar.h"

static char tmp[] = "/tmp/test_tar.XXXXXX";

/* Every entry of the archive in data, one line each into out:
 * "TYPE PATH MODE UID GID SIZE MTIME[.NSEC] LINK DATA|XATTRS", or the
 * error. Returns sg_tar_next's last result. */
static int list(const uint8_t *data, size_t len, struct sg_buf *out)
{
	struct sg_mem_source m;
	struct sg_tar *t;
	struct sg_tar_entry e;
	int r;

	CHECK(sg_tar_open(&t, sg_mem_reader(&m, data, len), "t.tar") == 0);
	while ((r = sg_tar_next(t, &e)) == 1) {
		uint8_t buf[64];
		ssize_t n = sg_tar_read(t, buf, sizeof(buf) - 1);
		sg_buf_printf(out, "%c %s %o %llu %llu %llu %lld", (char)e.type, e.path, e.mode,
			      (unsigned long long)e.uid, (unsigned long long)e.gid,
			      (unsigned long long)e.size, (long long)e.mtime);
		if (e.mtime_nsec)
			sg_buf_printf(out, ".%09u", e.mtime_nsec);
		sg_buf_printf(out, " [%s]", e.link);
		if (n > 0)
			sg_buf_printf(out, " %.*s", (int)n, (const char *)buf);
		for (size_t i = 0; i < e.nxattrs; i++)
			sg_buf_printf(out, " %s=%.*s", e.xattrs[i].name, (int)e.xattrs[i].len,
				      (const char *)e.xattrs[i].value);
		if (e.type == SG_TAR_CHAR)
			sg_buf_printf(out, " dev %u,%u", e.devmajor, e.devminor);
		sg_buf_printf(out, "\n");
	}
	if (r < 0)
		sg_buf_printf(out, "error: %s\n", sg_errmsg());
	sg_tar_close(t);
	sg_buf_terminate(out);
	return r;
}

/* ---- archives GNU tar writes ---- */

static const char long_dir[] = "a-directory-whose-name-is-long-enough-to-need-the-prefix-field-"
			       "or-a-long-name-record";

static void make_tree(void)
{
	CHECK(run("cd '%s' && mkdir -p tree/%s tree/d && printf hello > tree/d/f && "
		  "printf 'x' > tree/%s/file-beyond-one-hundred-bytes-of-path && "
		  "ln -s ../d/f tree/d/link && ln tree/d/f tree/d/hard && mkfifo tree/d/fifo && "
		  "chmod 0750 tree/d && chmod 4755 tree/d/f && "
		  "touch -h -d @1700000000 tree/d/link && "
		  "find tree -exec touch -h -d @1700000000 {} +",
		  tmp, long_dir, long_dir) == 0);
}

static const char *const want_tree[] = {
	"5 tree/ 755 0 0 0 1700000000 []",
	"5 tree/a-directory-whose-name-is-long-enough-to-need-the-prefix-field-or-a-long-name-record/ "
	"755 0 0 0 1700000000 []",
	"0 tree/a-directory-whose-name-is-long-enough-to-need-the-prefix-field-or-a-long-name-record/"
	"file-beyond-one-hundred-bytes-of-path 644 0 0 1 1700000000 [] x",
	"5 tree/d/ 750 0 0 0 1700000000 []",
	"0 tree/d/f 4755 0 0 5 1700000000 [] hello",
	"6 tree/d/fifo 644 0 0 0 1700000000 []",
	"1 tree/d/hard 4755 0 0 0 1700000000 [tree/d/f]",
	"2 tree/d/link 777 0 0 0 1700000000 [../d/f]",
};

static void check_gnu_tar(const char *format)
{
	char path[700];
	struct sg_buf tar = SG_BUF_INIT, out = SG_BUF_INIT, want = SG_BUF_INIT;

	snprintf(path, sizeof(path), "%s/%s.tar", tmp, format);
	CHECK(run("cd '%s' && umask 022 && tar --format=%s --sort=name --owner=0 --group=0 "
		  "--numeric-owner -cf '%s' tree",
		  tmp, format, path) == 0);
	CHECK(sg_read_file(path, &tar, 1u << 20) == 0);
	CHECK(list(tar.data, tar.len, &out) == 0);
	for (size_t i = 0; i < sizeof(want_tree) / sizeof(want_tree[0]); i++)
		sg_buf_printf(&want, "%s\n", want_tree[i]);
	sg_buf_terminate(&want);
	CHECK_STR((const char *)out.data, (const char *)want.data);
	if (strcmp((const char *)out.data, (const char *)want.data))
		fprintf(stderr, "  %s: got\n%s  wanted\n%s", format, (const char *)out.data,
			(const char *)want.data);
	sg_buf_free(&tar);
	sg_buf_free(&out);
	sg_buf_free(&want);
}

/* ---- archives made here ---- */

static void octal(uint8_t *f, size_t len, unsigned long long v)
{
	snprintf((char *)f, len, "%0*llo", (int)len - 1, v);
}

/* A ustar header for name (type, size) with a valid checksum. */
static void header(uint8_t h[512], const char *name, char type, unsigned long long size)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, 1700000000);
	h[156] = (uint8_t)type;
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Appends an entry: header then data padded to 512. */
static void entry(struct sg_buf *b, const char *name, char type, const char *data, size_t len)
{
	uint8_t h[512] = { 0 };
	static const uint8_t zero[512];

	header(h, name, type, len);
	sg_buf_append(b, h, 512);
	sg_buf_append(b, data, len);
	sg_buf_append(b, zero, (512 - len % 512) % 512);
}

/* A pax record "LEN KEY=VALUE\n". */
static void record(struct sg_buf *b, const char *kv)
{
	size_t digits = 1, total;
	char num[32];

	for (;;) {
		total = strlen(kv) + 2 + digits;
		if ((size_t)snprintf(num, sizeof(num), "%zu", total) == digits)
			break;
		digits++;
	}
	sg_buf_printf(b, "%zu %s\n", total, kv);
}

static void end(struct sg_buf *b)
{
	static const uint8_t zero[1024];

	sg_buf_append(b, zero, sizeof(zero));
}

static const struct {
	const char *what, *want;
} cases[] = {
	{ "pax", "0 dir/renamed-by-pax 644 0 0 2 1700000000.500000000 [] hi user.k=v "
		 "security.capability=\\001\n" },
	{ "global", "0 a 644 0 0 1 1700000000 [] 1 user.g=1\n0 b 644 0 0 1 1700000000 [] 2 "
		    "user.g=1\n" },
	{ "no-end", "0 a 644 0 0 1 1700000000 [] 1\n" },
	{ "one-zero-block", "0 a 644 0 0 1 1700000000 [] 1\n" },
	{ "no-padding", "0 a 644 0 0 1 1700000000 [] 1\n0 b 644 0 0 1 1700000000 [] 2\n" },
	{ "bad-padding", "0 a 644 0 0 1 1700000000 [] 1\nerror: t.tar: entry 1 at byte 513: the "
			 "padding after an entry's data is not zeros\n" },
	{ "truncated", "0 a 644 0 0 1 1700000000 [] 1\nerror: t.tar: entry 2 at byte 1024: the input "
		       "ends inside a header\n" },
	{ "data-truncated",
	  "0 a 644 0 0 1 1700000000 []\nerror: t.tar: entry 1: the input ends inside its data\n" },
	{ "checksum", "error: t.tar: entry 1 at byte 0: the header's checksum does not match\n" },
	{ "sparse", "error: t.tar: entry 1 at byte 0: an entry type this reader refuses (sparse, "
		    "multi-volume, ...)\n" },
	{ "bad-record", "error: t.tar: entry 1 at byte 0: a malformed pax record\n" },
	{ "gnu-sparse-record", "error: t.tar: entry 1 at byte 0: a pax record this reader refuses "
			       "(bad value, sparse file, or a repeated or oversized xattr)\n" },
	{ "nul-in-path", "error: t.tar: entry 1 at byte 0: a pax record this reader refuses (bad "
			 "value, sparse file, or a repeated or oversized xattr)\n" },
	{ "global-path", "error: t.tar: entry 1 at byte 0: a global pax header names a path, link or "
			 "size\n" },
	{ "zero-then-junk", "error: t.tar: entry 1 at byte 512: a zero block not followed by "
			    "another\n" },
};

static void make_case(const char *what, struct sg_buf *b)
{
	struct sg_buf x = SG_BUF_INIT;

	if (!strcmp(what, "pax")) {
		record(&x, "path=dir/renamed-by-pax");
		record(&x, "mtime=1700000000.5");
		record(&x, "SCHILY.xattr.user.k=v");
		record(&x, "SCHILY.xattr.security.capability=\001");
		entry(b, "PaxHeaders/x", 'x', (const char *)x.data, x.len);
		entry(b, "short-name", '0', "hi", 2);
		end(b);
	} else if (!strcmp(what, "global")) {
		record(&x, "SCHILY.xattr.user.g=1");
		entry(b, "GlobalHead", 'g', (const char *)x.data, x.len);
		entry(b, "a", '0', "1", 1);
		entry(b, "b", '0', "2", 1);
		end(b);
	} else if (!strcmp(what, "no-end")) {
		entry(b, "a", '0', "1", 1);
	} else if (!strcmp(what, "one-zero-block")) {
		entry(b, "a", '0', "1", 1);
		sg_buf_append(b, (const uint8_t[512]){ 0 }, 512);
	} else if (!strcmp(what, "no-padding")) {
		/* umoci 0.4.7: the last entry's data, then nothing */
		entry(b, "a", '0', "1", 1);
		entry(b, "b", '0', "2", 1);
		b->len = 1024 + 512 + 1;
	} else if (!strcmp(what, "bad-padding")) {
		entry(b, "a", '0', "1", 1);
		b->data[513] = 'x';
		end(b);
	} else if (!strcmp(what, "truncated")) {
		entry(b, "a", '0', "1", 1);
		entry(b, "b", '0', "2", 1);
		b->len = 1024 + 100;
	} else if (!strcmp(what, "data-truncated")) {
		entry(b, "a", '0', "1", 1);
		b->len = 512; /* the data is cut; the next call finds it */
	} else if (!strcmp(what, "checksum")) {
		entry(b, "a", '0', "1", 1);
		b->data[0] = 'b';
		end(b);
	} else if (!strcmp(what, "sparse")) {
		entry(b, "a", 'S', "", 0);
		end(b);
	} else if (!strcmp(what, "bad-record")) {
		sg_buf_printf(&x, "99 path=a\n");
		entry(b, "PaxHeaders/x", 'x', (const char *)x.data, x.len);
		entry(b, "a", '0', "1", 1);
		end(b);
	} else if (!strcmp(what, "gnu-sparse-record")) {
		record(&x, "GNU.sparse.size=10");
		entry(b, "PaxHeaders/x", 'x', (const char *)x.data, x.len);
		entry(b, "a", '0', "1", 1);
		end(b);
	} else if (!strcmp(what, "nul-in-path")) {
		sg_buf_append(&x, "12 path=a\0b\n", 12);
		entry(b, "PaxHeaders/x", 'x', (const char *)x.data, x.len);
		entry(b, "a", '0', "1", 1);
		end(b);
	} else if (!strcmp(what, "global-path")) {
		record(&x, "path=everything");
		entry(b, "GlobalHead", 'g', (const char *)x.data, x.len);
		entry(b, "a", '0', "1", 1);
		end(b);
	} else if (!strcmp(what, "zero-then-junk")) {
		sg_buf_append(b, (const uint8_t[512]){ 0 }, 512);
		entry(b, "a", '0', "1", 1);
	}
	sg_buf_free(&x);
}

/* The security.capability value is one byte 0x01: printed escaped. */
static void escape_ctl(struct sg_buf *out)
{
	struct sg_buf e = SG_BUF_INIT;

	for (size_t i = 0; i < out->len; i++)
		if (out->data[i] < 0x20 && out->data[i] != '\n')
			sg_buf_printf(&e, "\\%03o", out->data[i]);
		else
			sg_buf_append(&e, out->data + i, 1);
	sg_buf_terminate(&e);
	sg_buf_free(out);
	*out = e;
}

static void check_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sg_buf b = SG_BUF_INIT, out = SG_BUF_INIT;

		make_case(cases[i].what, &b);
		list(b.data, b.len, &out);
		escape_ctl(&out);
		CHECK_STR((const char *)out.data, cases[i].want);
		if (strcmp((const char *)out.data, cases[i].want))
			fprintf(stderr, "  %s: got '%s'\n  wanted '%s'\n", cases[i].what,
				(const char *)out.data, cases[i].want);
		sg_buf_free(&b);
		sg_buf_free(&out);
	}
}

int main(void)
{
	CHECK(mkdtemp(tmp) != NULL);
	make_tree();
	check_gnu_tar("gnu");
	check_gnu_tar("pax");
	check_gnu_tar("ustar");
	check_cases();
	if (check_failed == 0)
		run("rm -rf '%s'", tmp);
	return check_done();
}
