/* luksimg: aes-xts-plain64 against IEEE 1619-2007 vector 10 (XTS-AES-256)
 * and vectors made with python3-cryptography, dm-crypt's plain64 sector
 * numbering (512-byte units whatever the sector size), and the option
 * rules. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "err.h"
#include "hex.h"
#include "luksimg.h"

/* IEEE 1619-2007 annex B, vector 10: Key1, Key2, data unit sequence
 * number 0xff, 512 bytes of 00..ff twice. */
static const char v10_key[] = "2718281828459045235360287471352662497757247093699959574966967627"
			      "3141592653589793238462643383279502884197169399375105820974944592";
static const char v10_ct[] = "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
			     "5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
			     "5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
			     "c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
			     "2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
			     "b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
			     "93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
			     "583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
			     "84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
			     "505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
			     "9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
			     "a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
			     "6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
			     "645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
			     "1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
			     "773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";

/* python3-cryptography 38 (modes.XTS), key 00..3f, plaintext
 * (i * 7 + 3) & 0xff for i < 4096, at byte 8192 of the segment:
 * one 4096-byte sector with tweak 16, eight 512-byte sectors with tweaks
 * 16..23, and (what iv_large_sectors would give) one with tweak 2. */
static const char py_4k_head[] = "1144a3dd8f6068ad90adb765b6bd25b7072ac842759fcf58e2bbeba0c7cfa8a8";
static const char py_4k_sha[] = "3fcdd4587dc8ed727a8d5689d54abc260f3da13c71fe5a2b2f8ee3f49d9b368d";
static const char py_512x8_sha[] = "92c4d1f468799cc1920a68bcb5b6887640843e67764c4d12cd1ba8be021c07c3";
static const char py_large_iv_sha[] =
	"bb5e9d733e35309639838d1ba268cdd9041001040ea87f5badd4bab55b47d6f9";

static int sha_is(const uint8_t *data, size_t len, const char *hex)
{
	uint8_t d[SG_SHA256_LEN];
	char got[2 * SG_SHA256_LEN + 1];

	if (sg_sha256(data, len, d) < 0)
		return 0;
	sg_hex_encode(d, sizeof(d), got, SG_HEX_LOWER);
	return strcmp(got, hex) == 0;
}

static void test_vectors(void)
{
	uint8_t key[64], pt[4096], ct[4096], back[4096], want[512], iv[16];

	/* IEEE 1619 vector 10: the data unit number 0xff is the 512-byte
	 * sector at byte 0xff * 512 of the segment. */
	CHECK(check_unhex(v10_key, key) == 64);
	CHECK(check_unhex(v10_ct, want) == 512);
	for (int i = 0; i < 512; i++)
		pt[i] = (uint8_t)i;
	CHECK(sg_luksimg_xts(key, 512, 0xff * 512, pt, ct, 512, 1) == 0);
	CHECK_MEM(ct, want, 512);
	CHECK(sg_luksimg_xts(key, 512, 0xff * 512, ct, back, 512, 0) == 0);
	CHECK_MEM(back, pt, 512);
	/* In place, and the neighbouring sector differs. */
	memcpy(back, pt, 512);
	CHECK(sg_luksimg_xts(key, 512, 0xff * 512, back, back, 512, 1) == 0);
	CHECK_MEM(back, want, 512);
	CHECK(sg_luksimg_xts(key, 512, 0x100 * 512, pt, ct, 512, 1) == 0);
	CHECK(memcmp(ct, want, 512) != 0);

	/* 4096-byte sectors count their IV in 512-byte sectors. */
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 4096; i++)
		pt[i] = (uint8_t)((i * 7 + 3) & 0xff);
	CHECK(sg_luksimg_xts(key, 4096, 8192, pt, ct, 4096, 1) == 0);
	CHECK(check_unhex(py_4k_head, want) == 32);
	CHECK_MEM(ct, want, 32);
	CHECK(sha_is(ct, 4096, py_4k_sha));
	CHECK(!sha_is(ct, 4096, py_large_iv_sha));
	CHECK(sg_luksimg_xts(key, 4096, 8192, ct, back, 4096, 0) == 0);
	CHECK_MEM(back, pt, 4096);
	/* The same bytes as eight 512-byte sectors in one call. */
	CHECK(sg_luksimg_xts(key, 512, 8192, pt, ct, 4096, 1) == 0);
	CHECK(sha_is(ct, 4096, py_512x8_sha));
	/* ... and sector by sector. */
	for (int i = 0; i < 8; i++)
		CHECK(sg_luksimg_xts(key, 512, 8192 + 512 * (uint64_t)i, pt + 512 * i,
				     back + 512 * i, 512, 1) == 0);
	CHECK_MEM(back, ct, 4096);

	/* Whole sectors only. */
	CHECK(sg_luksimg_xts(key, 512, 0, pt, ct, 500, 1) < 0);
	CHECK(sg_luksimg_xts(key, 4096, 512, pt, ct, 4096, 1) < 0);
	CHECK(sg_luksimg_xts(key, 1024, 0, pt, ct, 1024, 1) < 0);
	/* OpenSSL refuses XTS with key 1 = key 2 (IEEE 1619 vectors 1-9). */
	memset(key, 7, sizeof(key));
	CHECK(sg_luksimg_xts(key, 512, 0, pt, ct, 512, 1) < 0);

	/* plain64: LE64(offset / 512), zero-padded to 16 bytes. */
	static const struct {
		uint64_t off;
		const char *iv;
	} ivs[] = {
		{ 0, "00000000000000000000000000000000" },
		{ 512, "01000000000000000000000000000000" },
		{ 4096, "08000000000000000000000000000000" }, /* the second 4096-byte sector */
		{ 8192, "10000000000000000000000000000000" },
		{ 0xff * 512, "ff000000000000000000000000000000" },
		{ 0x123456789a00ULL, "4d3c2b1a090000000000000000000000" },
		{ 0xffffffffffffffffULL & ~511ULL, "ffffffffffff7f000000000000000000" },
	};
	for (size_t i = 0; i < sizeof(ivs) / sizeof(ivs[0]); i++) {
		CHECK(check_unhex(ivs[i].iv, want) == 16);
		sg_luksimg_plain64_iv(ivs[i].off, iv);
		CHECK_MEM(iv, want, 16);
	}
}

static const uint8_t key16[16] = "0123456789abcdef";

static struct sg_luksimg_secret secret(enum sg_luksimg_kind kind, const void *data, size_t len)
{
	struct sg_luksimg_secret s = { "secret", kind, data, len };
	return s;
}

/* opts is valid but for what f changes; the error must name want. */
static void refused(void (*f)(struct sg_luksimg_opts *), const char *want)
{
	struct sg_luksimg_secret s = secret(SG_LUKSIMG_KEY, key16, 16);
	struct sg_luksimg_opts o;

	sg_luksimg_opts_init(&o);
	o.from = "tree";
	o.out = "disk.img";
	o.secrets = &s;
	o.n_secrets = 1;
	f(&o);
	sg_errclear();
	CHECK(sg_luksimg_check_opts(&o) < 0);
	if (!strstr(sg_errmsg(), want))
		fprintf(stderr, "error '%s' does not name '%s'\n", sg_errmsg(), want);
	CHECK(strstr(sg_errmsg(), want) != NULL);
}

static void size7(struct sg_luksimg_opts *o)
{
	o->size_mib = 7;
}
static void size_huge(struct sg_luksimg_opts *o)
{
	o->size_mib = SG_LUKSIMG_MAX_MIB + 1;
}
static void sector1024(struct sg_luksimg_opts *o)
{
	o->sector_size = 1024;
}
static void no_secret(struct sg_luksimg_opts *o)
{
	o->n_secrets = 0;
}
static void short_key(struct sg_luksimg_opts *o)
{
	((struct sg_luksimg_secret *)o->secrets)->len = 15;
}
static void empty_pass(struct sg_luksimg_opts *o)
{
	struct sg_luksimg_secret *s = (struct sg_luksimg_secret *)o->secrets;
	s->kind = SG_LUKSIMG_PASSPHRASE;
	s->len = 0;
}
static void long_label(struct sg_luksimg_opts *o)
{
	o->label = "seventeen-chars-x";
}
static void tab_label(struct sg_luksimg_opts *o)
{
	o->label = "a\tb";
}
static void scrypt(struct sg_luksimg_opts *o)
{
	o->pbkdf = "scrypt";
}
static void pbkdf2_memory(struct sg_luksimg_opts *o)
{
	o->pbkdf = "pbkdf2";
	o->pbkdf_memory_kib = 1024;
}
static void argon_memory_low(struct sg_luksimg_opts *o)
{
	o->pbkdf_memory_kib = 31;
}
static void argon_iter_low(struct sg_luksimg_opts *o)
{
	o->pbkdf_iterations = 3;
}
static void pbkdf2_iter_low(struct sg_luksimg_opts *o)
{
	o->pbkdf = "pbkdf2";
	o->pbkdf_iterations = 999;
}
static void iter_and_time(struct sg_luksimg_opts *o)
{
	o->pbkdf_iterations = 10;
	o->iter_time_ms = 100;
}
static void iter_time_long(struct sg_luksimg_opts *o)
{
	o->iter_time_ms = SG_LUKSIMG_ITER_TIME_MAX + 1;
}
static void key_is_image(struct sg_luksimg_opts *o)
{
	o->new_key_file = "disk.img";
}
static void no_from(struct sg_luksimg_opts *o)
{
	o->from = NULL;
}

static void test_options(void)
{
	struct sg_luksimg_secret many[SG_LUKSIMG_MAX_SLOTS + 1];
	struct sg_luksimg_opts o;

	sg_luksimg_opts_init(&o);
	CHECK(o.size_mib == 64 && o.sector_size == 512 && strcmp(o.pbkdf, "argon2id") == 0);
	o.from = "tree";
	o.out = "disk.img";
	/* A new key alone is enough, and so is one key or passphrase. */
	o.new_key_file = "new.key";
	CHECK(sg_luksimg_check_opts(&o) == 0);
	o.new_key_file = NULL;
	for (size_t i = 0; i < SG_LUKSIMG_MAX_SLOTS + 1; i++)
		many[i] = secret(i % 2 ? SG_LUKSIMG_PASSPHRASE : SG_LUKSIMG_KEY, key16, 16);
	o.secrets = many;
	o.n_secrets = 1;
	CHECK(sg_luksimg_check_opts(&o) == 0);
	o.n_secrets = SG_LUKSIMG_MAX_SLOTS;
	CHECK(sg_luksimg_check_opts(&o) == 0);
	o.new_key_file = "new.key"; /* 33 keyslots */
	CHECK(sg_luksimg_check_opts(&o) < 0);
	CHECK(strstr(sg_errmsg(), "LUKS2 has 32") != NULL);
	o.new_key_file = NULL;
	o.n_secrets = 2;
	/* The limits themselves pass. */
	o.size_mib = SG_LUKSIMG_MIN_MIB;
	o.sector_size = 4096;
	o.label = "sixteen-chars-ok";
	o.pbkdf_memory_kib = SG_LUKSIMG_ARGON2_MEMORY_MIN;
	o.pbkdf_iterations = SG_LUKSIMG_ARGON2_ITERATIONS;
	CHECK(sg_luksimg_check_opts(&o) == 0);
	o.pbkdf = "pbkdf2";
	o.pbkdf_memory_kib = 0;
	o.pbkdf_iterations = SG_LUKSIMG_PBKDF2_MIN;
	CHECK(sg_luksimg_check_opts(&o) == 0);
	o.pbkdf_iterations = 0;
	o.iter_time_ms = SG_LUKSIMG_ITER_TIME_MAX;
	CHECK(sg_luksimg_check_opts(&o) == 0);
	many[1].len = SG_LUKSIMG_PASSPHRASE_MAX + 1;
	CHECK(sg_luksimg_check_opts(&o) < 0);
	many[1].len = 1;
	many[0].len = SG_LUKSIMG_KEY_MAX + 1;
	CHECK(sg_luksimg_check_opts(&o) < 0);

	refused(size7, "--size 7");
	refused(size_huge, "--size");
	refused(sector1024, "--sector-size 1024");
	refused(no_secret, "disk.img: a disk needs a passphrase file, a key file or a new key file");
	refused(short_key, "secret: a key file holds 16 to 8192 bytes");
	refused(empty_pass, "secret: a passphrase holds 1 to 4096 bytes");
	refused(long_label, "--label");
	refused(tab_label, "printable");
	refused(scrypt, "--pbkdf scrypt");
	refused(pbkdf2_memory, "--pbkdf-memory");
	refused(argon_memory_low, "--pbkdf-memory 31");
	refused(argon_iter_low, "argon2id needs at least 4");
	refused(pbkdf2_iter_low, "pbkdf2 needs at least 1000");
	refused(iter_and_time, "not both");
	refused(iter_time_long, "--iter-time");
	refused(key_is_image, "one file");
	refused(no_from, "needs a directory");
}

static void test_uuid(void)
{
	uint8_t u[16];
	char s[SG_UUID_STR_LEN + 1];

	CHECK(sg_uuid_parse("12345678-9ABC-def0-1234-56789abcdef0", u) == 0);
	sg_uuid_format(u, s);
	CHECK_STR(s, "12345678-9abc-def0-1234-56789abcdef0");
	sg_uuid_mark_v4(u);
	sg_uuid_format(u, s);
	CHECK_STR(s, "12345678-9abc-4ef0-9234-56789abcdef0");
	CHECK(sg_uuid_parse("12345678-9abc-def0-1234-56789abcdef", u) < 0);
	CHECK(sg_uuid_parse("12345678x9abc-def0-1234-56789abcdef0", u) < 0);
	CHECK(sg_uuid_parse("12345678-9abc-def0-1234-56789abcdefg", u) < 0);
	CHECK(sg_uuid_parse("", u) < 0);
}

int main(void)
{
	test_vectors();
	test_options();
	test_uuid();
	return check_done();
}
