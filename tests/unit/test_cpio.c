/* cpio.h: deterministic newc archives. An archive built from data,
 * symlinks, nodes and a replaced entry is compared byte for byte with
 * one assembled here from the newc format (110-byte header of 8-digit
 * hex fields, the name NUL-terminated and padded to 4, the data padded
 * to 4): sorted paths, implicit 0755 parents, inodes from 1, nlink 2 +
 * subdirectories, owners and times 0, "TRAILER!!!". Then the refusals
 * with their messages, and that gzip and zstd output is reproducible. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "check.h"
#include "cpio.h"
#include "err.h"

/* One newc entry, as the format defines it. */
static void entry(struct sg_buf *o, uint32_t ino, uint32_t mode, uint32_t nlink, const char *data,
		  size_t size, uint32_t rmaj, uint32_t rmin, const char *name)
{
	size_t ns = strlen(name) + 1;

	sg_buf_printf(o, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode,
		      0u, 0u, nlink, 0u, (uint32_t)size, 0u, 0u, rmaj, rmin, (uint32_t)ns, 0u);
	sg_buf_append(o, name, ns);
	while (o->len % 4)
		sg_buf_append_byte(o, 0);
	sg_buf_append(o, data, size);
	while (o->len % 4)
		sg_buf_append_byte(o, 0);
}

static const struct {
	const char *what, *msg;
} refused[] = {
	{ "data ../x", "archive path '../x': '..' not allowed" },
	{ "data /", "archive path '/': names no entry" },
	{ "data mode", "file f: mode 10644 has more than permission bits" },
	{ "link empty", "symlink l: target is empty or too long" },
	{ "node type", "device node n: type 'p' is neither 'c' nor 'b'" },
	{ "node mode", "device node n: mode 20666 has more than permission bits" },
	{ "compress", "compression 'xz': not gzip, zstd or none" },
	{ "parent file", "archive path 'f/x': its parent is not a directory" },
};

static int refuse(size_t i, struct sg_cpio *c)
{
	struct sg_buf b = SG_BUF_INIT;
	enum sg_cpio_compress comp = SG_CPIO_GZIP;
	int rc;

	switch (i) {
	case 0: return sg_cpio_add_data(c, "../x", "", 0, 0644);
	case 1: return sg_cpio_add_data(c, "/", "", 0, 0644);
	case 2: return sg_cpio_add_data(c, "f", "", 0, 010644);
	case 3: return sg_cpio_add_symlink(c, "l", "");
	case 4: return sg_cpio_add_node(c, "n", 'p', 1, 3, 0666);
	case 5: return sg_cpio_add_node(c, "n", 'c', 1, 3, 020666);
	case 6: rc = sg_cpio_parse_compress("xz", &comp); return comp == SG_CPIO_GZIP ? rc : 0;
	case 7:
		if (sg_cpio_add_data(c, "f", "x", 1, 0644) < 0 ||
		    sg_cpio_add_data(c, "f/x", "y", 1, 0644) < 0)
			return 0;
		CHECK(sg_buf_append_str(&b, "kept") == 0);
		rc = sg_cpio_write_buf(c, "t", SG_CPIO_NONE, &b);
		CHECK(b.len == 4); /* nothing appended */
		sg_buf_free(&b);
		return rc;
	}
	return 0;
}

int main(void)
{
	struct sg_cpio c = SG_CPIO_INIT;
	struct sg_buf got = SG_BUF_INIT, want = SG_BUF_INIT;
	enum sg_cpio_compress comp;

	/* added out of order, one path twice (the last wins), a '/' prefix */
	CHECK(sg_cpio_add_data(&c, "/etc/b/f", "first", 5, 0600) == 0);
	CHECK(sg_cpio_add_data(&c, "init", "#!\n", 3, 0755) == 0);
	CHECK(sg_cpio_add_symlink(&c, "bin", "usr/bin") == 0);
	CHECK(sg_cpio_add_node(&c, "dev/console", 'c', 5, 1, 0600) == 0);
	CHECK(sg_cpio_add_data(&c, "etc//b/./f", "second!", 7, 0640) == 0);
	CHECK(sg_cpio_add_data(&c, "etc/a", "", 0, 0644) == 0);
	CHECK(sg_cpio_add_node(&c, "dev/sda", 'b', 8, 0, 0660) == 0);
	CHECK(sg_cpio_write_buf(&c, "t", SG_CPIO_NONE, &got) == 0);
	entry(&want, 1, S_IFLNK | 0777, 1, "usr/bin", 7, 0, 0, "bin");
	entry(&want, 2, S_IFDIR | 0755, 2, "", 0, 0, 0, "dev");
	entry(&want, 3, S_IFCHR | 0600, 1, "", 0, 5, 1, "dev/console");
	entry(&want, 4, S_IFBLK | 0660, 1, "", 0, 8, 0, "dev/sda");
	entry(&want, 5, S_IFDIR | 0755, 3, "", 0, 0, 0, "etc"); /* etc/b below */
	entry(&want, 6, S_IFREG | 0644, 1, "", 0, 0, 0, "etc/a");
	entry(&want, 7, S_IFDIR | 0755, 2, "", 0, 0, 0, "etc/b");
	entry(&want, 8, S_IFREG | 0640, 1, "second!", 7, 0, 0, "etc/b/f");
	entry(&want, 9, S_IFREG | 0755, 1, "#!\n", 3, 0, 0, "init");
	entry(&want, 0, 0, 1, "", 0, 0, 0, "TRAILER!!!");
	CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
	/* written again: the same bytes */
	sg_buf_free(&got);
	CHECK(sg_cpio_write_buf(&c, "t", SG_CPIO_NONE, &got) == 0);
	CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
	/* compressed: reproducible; gzip with no name and mtime 0 */
	for (int z = 0; z < 2; z++) {
		struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;
		enum sg_cpio_compress k = z ? SG_CPIO_ZSTD : SG_CPIO_GZIP;
		CHECK(sg_cpio_write_buf(&c, "t", k, &a) == 0 &&
		      sg_cpio_write_buf(&c, "t", k, &b) == 0);
		CHECK(a.len > 10 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		if (!z)
			CHECK(a.len > 10 &&
			      memcmp(a.data, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8) == 0);
		else
			CHECK(a.len > 4 && memcmp(a.data, "\x28\xb5\x2f\xfd", 4) == 0);
		sg_buf_free(&a);
		sg_buf_free(&b);
	}
	sg_cpio_free(&c);
	sg_buf_free(&got);
	sg_buf_free(&want);

	/* the empty archive is the trailer alone */
	CHECK(sg_cpio_write_buf(&c, "t", SG_CPIO_NONE, &got) == 0);
	entry(&want, 0, 0, 1, "", 0, 0, 0, "TRAILER!!!");
	CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
	sg_buf_free(&got);
	sg_buf_free(&want);

	CHECK(sg_cpio_parse_compress("gzip", &comp) == 0 && comp == SG_CPIO_GZIP);
	CHECK(sg_cpio_parse_compress("zstd", &comp) == 0 && comp == SG_CPIO_ZSTD);
	CHECK(sg_cpio_parse_compress("none", &comp) == 0 && comp == SG_CPIO_NONE);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		sg_errclear();
		CHECK(refuse(i, &c) == -1);
		if (strcmp(sg_errmsg(), refused[i].msg) != 0)
			fprintf(stderr, "  %s: %s\n", refused[i].what, sg_errmsg());
		CHECK_STR(sg_errmsg(), refused[i].msg);
		sg_cpio_free(&c);
	}
	return check_done();
}
