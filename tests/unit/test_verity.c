/* dm-verity: trees against vectors from veritysetup 2.6.1 (cryptsetup),
 * a tree rebuilt from first principles, the superblock round trip and
 * the parsers' edges. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "crypto.h"
#include "fileio.h"
#include "verity.h"

/* The data the vectors were made from. */
static void pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(((i * 7 + 3) & 0xff) ^ ((i >> 12) & 0xff));
}

static void fixed_params(struct sg_verity_params *p)
{
	sg_verity_params_init(p);
	CHECK(sg_verity_parse_salt(p,
				   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1") ==
	      0);
	CHECK(sg_verity_parse_uuid(p, "12345678-1234-1234-1234-123456789abc") == 0);
}

static int write_data(const char *path, size_t n)
{
	uint8_t *d = malloc(n);
	int rc;

	pattern(d, n);
	rc = sg_write_file_atomic(path, d, n, 0644, 0);
	free(d);
	return rc;
}

static void root_is(const struct sg_verity_info *info, const char *hex)
{
	char got[2 * SG_VERITY_DIGEST_MAX + 1];

	sg_verity_hex(info->root, info->root_size, got);
	CHECK_STR(got, hex);
}

int main(void)
{
	char dir[] = "/tmp/signet-test-verity-XXXXXX", data[256], hash[256];
	struct sg_verity_params p, q = { 0 }; /* q: read from the superblock */
	struct sg_verity_info info;
	struct sg_buf b = SG_BUF_INIT;
	uint8_t sb[SG_VERITY_SB_SIZE], digest[32], root[64];
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(hash, sizeof(hash), "%s/hash", dir);

	/* 16 KiB: one tree level; the root rebuilt by hand is
	 * H(salt || padded block of H(salt || data block) x 4). */
	CHECK(write_data(data, 16384) == 0);
	fixed_params(&p);
	CHECK(sg_verity_format(data, hash, &p, 2, &info) == 0);
	root_is(&info, "6af209073dd399268b5a434614e42c2140f5c6f6fe49e909b154c9447dbcbd3d");
	CHECK(info.hash_blocks == 1 && info.hash_device_size == 8192 && p.data_blocks == 4);
	{
		uint8_t blk[32 + 4096], top[32 + 4096];
		memcpy(blk, p.salt, 32);
		memcpy(top, p.salt, 32);
		memset(top + 32, 0, 4096);
		for (int i = 0; i < 4; i++) {
			uint8_t d[16384];
			pattern(d, sizeof(d));
			memcpy(blk + 32, d + 4096 * i, 4096);
			CHECK(sg_sha256(blk, sizeof(blk), top + 32 + 32 * i) == 0);
		}
		CHECK(sg_sha256(top, sizeof(top), digest) == 0);
		CHECK_MEM(digest, info.root, 32);
		CHECK(sg_read_file(hash, &b, 1 << 20) == 0 && b.len == 8192);
		CHECK_MEM(b.data + 4096, top + 32, 4096);
		sg_buf_free(&b);
	}
	CHECK(sg_verity_verify(data, hash, &q, info.root, 32, 1, NULL) == 0);

	/* 1 MiB + 12 KiB: two levels. */
	CHECK(write_data(data, 1048576 + 12288) == 0);
	fixed_params(&p);
	CHECK(sg_verity_format(data, hash, &p, 0, &info) == 0);
	root_is(&info, "33765f238fc61cc5eee30fe4fd37eec3077d91021a6f6abc865038c2103ea070");
	CHECK(info.hash_blocks == 4 && info.hash_device_size == 20480 && p.data_blocks == 259);
	CHECK(sg_read_file(hash, &b, 1 << 20) == 0 && b.len == 20480);
	CHECK(sg_sha256(b.data, b.len, digest) == 0);
	CHECK(check_unhex("937c04a8399a38d4e7aecf52020f037f77acff775219b4d7298630767f147514",
			  root) == 32);
	CHECK_MEM(digest, root, 32);
	/* The superblock as veritysetup wrote it decodes to our parameters. */
	CHECK(sg_verity_sb_decode(b.data, b.len, &q) == 0);
	CHECK(q.data_blocks == 259 && q.salt_size == 32 && q.hash_type == 1);
	CHECK_MEM(q.uuid, p.uuid, 16);
	CHECK_STR(q.hash_name, "sha256");
	CHECK(sg_verity_sb_encode(&q, sb) == 0);
	CHECK_MEM(sb, b.data, SG_VERITY_SB_SIZE);
	sg_buf_free(&b);

	/* Chrome OS format, sha512, 512-byte blocks. */
	fixed_params(&p);
	p.hash_type = 0;
	p.data_block_size = p.hash_block_size = 512;
	strcpy(p.hash_name, "sha512");
	CHECK(sg_verity_format(data, hash, &p, 3, &info) == 0);
	root_is(&info, "3701d5a805100ed21e1cb4c3bb5a83056d0c853a5fb7ea2c44160f2b9b889bb6"
		       "e6e6a1cc63edb4e010c879f3783a30086e35393fd7deb83d019fe993286c481f");
	CHECK(sg_verity_verify(data, hash, &q, info.root, 64, 0, NULL) == 0);
	info.root[0] ^= 1;
	CHECK(sg_verity_verify(data, hash, &q, info.root, 64, 0, NULL) < 0);

	/* Parsers. */
	CHECK(sg_verity_parse_salt(&p, "-") == 0 && p.salt_size == 0);
	CHECK(sg_verity_parse_salt(&p, "abc") < 0);
	CHECK(sg_verity_parse_salt(&p, "zz") < 0);
	CHECK(sg_verity_parse_uuid(&p, "12345678-1234-1234-1234-123456789abg") < 0);
	CHECK(sg_verity_parse_uuid(&p, "123456781234-1234-1234-123456789abcd") < 0);
	{
		uint32_t bs;
		CHECK(sg_verity_parse_block_size("512", &bs) == 0 && bs == 512);
		CHECK(sg_verity_parse_block_size("524288", &bs) == 0);
		CHECK(sg_verity_parse_block_size("1048576", &bs) < 0);
		CHECK(sg_verity_parse_block_size("768", &bs) < 0);
		CHECK(sg_verity_parse_block_size("256", &bs) < 0);
		CHECK(sg_verity_parse_block_size("-4096", &bs) < 0);
	}
	CHECK(sg_verity_parse_root("AbCd", root, &n) == 0 && n == 2 && root[0] == 0xab);
	CHECK(sg_verity_parse_root("", root, &n) < 0);
	/* Superblock edges. */
	fixed_params(&p);
	p.data_blocks = 1;
	CHECK(sg_verity_sb_encode(&p, sb) == 0);
	CHECK(sg_verity_sb_decode(sb, sizeof(sb) - 1, &q) < 0);
	sb[80] = 1, sb[81] = 1; /* salt size 257 */
	CHECK(sg_verity_sb_decode(sb, sizeof(sb), &q) < 0);

	unlink(data);
	unlink(hash);
	rmdir(dir);
	return check_done();
}
