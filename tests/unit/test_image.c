/* test_image.c - the image builder's pure parts: defaults, the refusals
 * with their messages (nothing staged or left), the mksquashfs command
 * line, and the salt and UUID derived from the image, through a stand-in
 * mksquashfs script writing fixed bytes (the real tool runs in
 * tests/suites/image.sh). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "image.h"

static char dir[] = "/tmp/signet-test-image-XXXXXX";

static char *at(const char *rel)
{
	static char path[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, rel);
	return path[i];
}

static void put(const char *rel, const char *s)
{
	CHECK(sg_write_file_atomic(at(rel), s, strlen(s), 0755, 0) == 0);
}

/* Option sets refused; "D" stands for dir. */
static const struct {
	const char *image, *verity, *root, *sig, *key, *from;
	const char *msg;
} refusals[] = {
	{ "out/i", NULL, "out/r", NULL, NULL, "tree",
	  "a root hash or its signature needs the verity tree output" },
	{ "out/i", NULL, NULL, "out/s", "k", "tree",
	  "a root hash or its signature needs the verity tree output" },
	{ "out/i", "out/v", NULL, "out/s", NULL, "tree",
	  "signing the root hash needs a key and a certificate" },
	{ "out/i", NULL, NULL, NULL, NULL, "none", "D/none: No such file or directory" },
	{ "out/i", NULL, NULL, NULL, NULL, "file", "D/file: not a directory" },
	{ "out/", NULL, NULL, NULL, NULL, "tree", "D/out/: names a directory, not a file" },
	{ "out/..", NULL, NULL, NULL, NULL, "tree", "D/out/..: names a directory, not a file" },
	{ "out/i", "out/.", NULL, NULL, NULL, "tree", "D/out/.: names a directory, not a file" },
	{ "nodir/i", NULL, NULL, NULL, NULL, "tree",
	  "D/nodir/i: its directory D/nodir: No such file or directory" },
	{ "file/i", NULL, NULL, NULL, NULL, "tree",
	  "D/file/i: its directory D/file: Not a directory" },
	{ "out/i", "tree/v", NULL, NULL, NULL, "tree",
	  "D/tree/v: not in the image's directory D/out (the outputs appear together)" },
	{ "out/i", "out/i", NULL, NULL, NULL, "tree", "D/out/i: named twice among the outputs" },
	{ "out/i", "out/v", "out/v", NULL, NULL, "tree", "D/out/v: named twice among the outputs" },
};

static void expand(char *out, size_t n, const char *msg)
{
	size_t k = 0;

	for (; *msg && k + strlen(dir) + 1 < n; msg++) {
		if (*msg == 'D' && (msg[1] == '/')) {
			memcpy(out + k, dir, strlen(dir));
			k += strlen(dir);
		} else {
			out[k++] = *msg;
		}
	}
	out[k] = 0;
}

static const char *rel_or_null(const char *rel)
{
	return rel ? at(rel) : NULL;
}

static void test_refusals(void)
{
	struct sg_image_opts o;
	struct sg_verity_info info;
	char want[1024];

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		int rc, ok;

		sg_image_opts_init(&o);
		o.mksquashfs = at("bin/mksquashfs");
		o.from = at(refusals[i].from);
		o.image = at(refusals[i].image);
		o.verity = rel_or_null(refusals[i].verity);
		o.root_hash = rel_or_null(refusals[i].root);
		o.sig = rel_or_null(refusals[i].sig);
		o.key = o.cert = rel_or_null(refusals[i].key);
		unlink(at("log"));
		errno = 0;
		sg_errclear();
		rc = sg_image_build(&o, &info);
		expand(want, sizeof(want), refusals[i].msg);
		ok = rc == -1 && !strcmp(sg_errmsg(), want) && access(at("log"), F_OK) != 0 &&
		     access(at("out/.txn"), F_OK) != 0 && access(at("out/i"), F_OK) != 0;
		if (!ok)
			fprintf(stderr, "refusal %zu: %d %s\n", i, rc, sg_errmsg());
		CHECK(ok);
	}
	/* bad verity parameters are refused before anything runs */
	sg_image_opts_init(&o);
	o.mksquashfs = at("bin/mksquashfs");
	o.from = at("tree");
	o.image = at("out/i");
	o.params.data_block_size = 256;
	sg_errclear();
	CHECK(sg_image_build(&o, &info) == -1);
	CHECK_STR(sg_errmsg(), "data block size 256: not a power of two from 512 to 524288");
	CHECK(access(at("log"), F_OK) != 0);
}

static void test_build(void)
{
	struct sg_image_opts o;
	struct sg_verity_info info;
	struct sg_verity_params p;
	struct sg_buf b = SG_BUF_INIT;
	uint8_t img[8192], salt[32], d[32], in[18 + 32];
	char want[2048], hex[65];

	sg_image_opts_init(&o);
	CHECK(!strcmp(o.compress, "gzip") && !strcmp(o.mksquashfs, "mksquashfs"));
	CHECK(!strcmp(o.params.hash_name, "sha256") && o.params.data_block_size == 4096 &&
	      o.params.hash_block_size == 4096 && o.params.hash_type == 1);
	CHECK(!o.salt_given && !o.uuid_given && !o.verity && !o.sig);

	o.mksquashfs = at("bin/mksquashfs");
	o.compress = "zstd";
	o.from = at("tree");
	o.image = at("out/i.sqfs");
	o.verity = at("out/./i.verity"); /* the same directory, spelt otherwise */
	o.root_hash = at("out/i.roothash");
	CHECK(sg_image_build(&o, &info) == 0);
	CHECK(sg_read_file(at("log"), &b, 1 << 16) == 0 && sg_buf_terminate(&b) == 0);
	snprintf(want, sizeof(want), "%s %s/tree %s/out/.txn/", at("bin/mksquashfs"), dir, dir);
	CHECK(b.data && !strncmp((char *)b.data, want, strlen(want)));
	CHECK(b.data &&
	      strstr((char *)b.data, " -noappend -reproducible -all-root -mkfs-time 0 -all-time 0"
				     " -no-xattrs -no-progress -quiet -comp zstd\n") != NULL);
	sg_buf_free(&b);

	/* salt = SHA-256(image), UUID = SHA-256("signet verity uuid" || salt) v4 */
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i % 251);
	sg_sha256(img, sizeof(img), salt);
	memcpy(in, "signet verity uuid", 18);
	memcpy(in + 18, salt, 32);
	sg_sha256(in, sizeof(in), d);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x40);
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);
	CHECK(sg_read_file(at("out/i.sqfs"), &b, 1 << 16) == 0 && b.len == sizeof(img) &&
	      memcmp(b.data, img, sizeof(img)) == 0);
	sg_buf_free(&b);
	CHECK(sg_read_file(at("out/i.verity"), &b, 1 << 16) == 0);
	CHECK(sg_verity_sb_decode(b.data, b.len, &p) == 0);
	CHECK(p.salt_size == 32 && memcmp(p.salt, salt, 32) == 0);
	CHECK_MEM(p.uuid, d, 16);
	CHECK(p.data_blocks == 2);
	sg_buf_free(&b);
	sg_verity_hex(info.root, info.root_size, hex);
	CHECK(sg_read_file(at("out/i.roothash"), &b, 1 << 16) == 0 && b.len == 64 &&
	      memcmp(b.data, hex, 64) == 0);
	sg_buf_free(&b);
	CHECK(access(at("out/.txn"), F_OK) != 0);

	/* a salt and UUID given are kept */
	sg_image_opts_init(&o);
	o.mksquashfs = at("bin/mksquashfs");
	o.from = at("tree");
	o.image = at("out/j.sqfs");
	o.verity = at("out/j.verity");
	o.salt_given = o.uuid_given = 1;
	o.params.salt_size = 1;
	o.params.salt[0] = 0x5a;
	memset(o.params.uuid, 0x11, 16);
	CHECK(sg_image_build(&o, &info) == 0);
	CHECK(sg_read_file(at("out/j.verity"), &b, 1 << 16) == 0);
	CHECK(sg_verity_sb_decode(b.data, b.len, &p) == 0);
	CHECK(p.salt_size == 1 && p.salt[0] == 0x5a && p.uuid[0] == 0x11 && p.uuid[15] == 0x11);
	sg_buf_free(&b);

	/* the tool fails: nothing appears, the old image stays */
	sg_image_opts_init(&o);
	o.mksquashfs = at("bin/mksquashfs");
	o.compress = "fail";
	o.from = at("tree");
	o.image = at("out/i.sqfs");
	o.verity = at("out/i.verity");
	sg_errclear();
	CHECK(sg_image_build(&o, &info) == -1);
	snprintf(want, sizeof(want), "%s: %s failed: no such compressor", at("out/i.sqfs"),
		 at("bin/mksquashfs"));
	CHECK_STR(sg_errmsg(), want);
	CHECK(sg_read_file(at("out/i.sqfs"), &b, 1 << 16) == 0 && b.len == sizeof(img));
	sg_buf_free(&b);
	CHECK(access(at("out/.txn"), F_OK) != 0);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir))
		return 1;
	CHECK(mkdir(at("bin"), 0700) == 0 && mkdir(at("tree"), 0700) == 0 &&
	      mkdir(at("out"), 0700) == 0);
	put("file", "x");
	snprintf(cmd, sizeof(cmd),
		 "#!/bin/sh\n"
		 "echo \"$0 $*\" >> '%s/log'\n"
		 "for a; do [ \"$a\" = fail ] && { echo 'no such compressor' >&2; exit 1; }; done\n"
		 "cat '%s/pattern' > \"$2\"\n",
		 dir, dir);
	put("bin/mksquashfs", cmd);
	{
		uint8_t pat[8192];

		for (size_t i = 0; i < sizeof(pat); i++)
			pat[i] = (uint8_t)(i % 251);
		CHECK(sg_write_file_atomic(at("pattern"), pat, sizeof(pat), 0644, 0) == 0);
	}
	test_refusals();
	test_build();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	return check_done();
}
