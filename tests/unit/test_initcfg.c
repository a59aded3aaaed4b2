/* initcfg: signet-init's command line, lists, verity target and dm
 * requests. The verity target is checked against the example table of
 * the kernel's Documentation/admin-guide/device-mapper/verity.rst. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/dm-ioctl.h>

#include "check.h"
#include "initcfg.h"
#include "verity.h"

static int parse(const char *s, struct sg_init_cmdline *c)
{
	sg_init_cmdline_defaults(c);
	return sg_init_cmdline_parse(s, strlen(s), c);
}

static void test_cmdline(void)
{
	struct sg_init_cmdline c;

	CHECK(parse("", &c) == 0);
	CHECK(c.slot == 'A' && c.esp[0] == '\0' && c.check == SG_INIT_CHECK_FULL);
	CHECK_STR(c.init, "/sbin/init");
	CHECK(c.insecure == 0 && c.reboot_delay == 10 && c.wait == 10);

	CHECK(parse("BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet signet.slot=B console=ttyS0\n", &c) ==
	      0);
	CHECK(c.slot == 'B');
	CHECK(parse("signet.slot=B signet.slot=A", &c) == 0 && c.slot == 'A'); /* last wins */
	CHECK(parse("signet.esp=/dev/vda1 signet.init=/usr/lib/systemd/systemd", &c) == 0);
	CHECK_STR(c.esp, "/dev/vda1");
	CHECK_STR(c.init, "/usr/lib/systemd/systemd");
	CHECK(parse("signet.insecure", &c) == 0 && c.insecure == 1);
	CHECK(parse("signet.insecure=1 signet.insecure=0", &c) == 0 && c.insecure == 0);
	CHECK(parse("signet.check=lazy", &c) == 0 && c.check == SG_INIT_CHECK_LAZY);
	CHECK(parse("signet.reboot_delay=0 signet.wait=3600", &c) == 0);
	CHECK(c.reboot_delay == 0 && c.wait == 3600);
	/* Quotes as the kernel allows them; blanks inside are kept. */
	CHECK(parse("foo=\"a b c\" signet.init=\"/sbin/my init\"\tsignet.slot=B", &c) == 0);
	CHECK_STR(c.init, "/sbin/my init");
	CHECK(c.slot == 'B');
	/* Words of others may be long; ours may not. */
	{
		char big[3000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "other=", 6);
		CHECK(parse(big, &c) == 0);
		memcpy(big, "signet.init=/", 13);
		CHECK(parse(big, &c) == -1);
	}

	CHECK(parse("signet.slot=C", &c) == -1);
	CHECK(parse("signet.slot=a", &c) == -1);
	CHECK(parse("signet.slot", &c) == -1);
	CHECK(parse("signet.slto=B", &c) == -1);
	CHECK(parse("signet.=1", &c) == -1);
	CHECK(parse("signet.esp=vda1", &c) == -1);
	CHECK(parse("signet.esp=/dev/", &c) == -1);
	CHECK(parse("signet.esp=/dev/../etc/shadow", &c) == -1);
	CHECK(parse("signet.init=sbin/init", &c) == -1);
	CHECK(parse("signet.init=/sbin/..", &c) == -1);
	CHECK(parse("signet.init=//init", &c) == -1);
	CHECK(parse("signet.check=some", &c) == -1);
	CHECK(parse("signet.insecure=yes", &c) == -1);
	CHECK(parse("signet.wait=3601", &c) == -1);
	CHECK(parse("signet.wait=-1", &c) == -1);
	CHECK(parse("signet.wait=", &c) == -1);
	CHECK(parse("signet.reboot_delay=99999999999999999999", &c) == -1);
	CHECK(parse("signet.slot=\"B", &c) == -1);
	sg_init_cmdline_defaults(&c);
	CHECK(sg_init_cmdline_parse("signet.slot=B\0x", 15, &c) == -1);
	/* A failed parse may have applied earlier words, never a bad value. */
	CHECK(parse("signet.slot=B signet.slot=Z", &c) == -1 && c.slot == 'B');

	CHECK(sg_init_other_slot('A') == 'B' && sg_init_other_slot('B') == 'A');
}

struct collected {
	char paths[8][SG_INIT_PATH_MAX];
	int n;
};

static int collect(const char *path, void *arg)
{
	struct collected *c = arg;

	if (c->n == 8)
		return -1;
	strcpy(c->paths[c->n++], path);
	return 0;
}

static int modules(const char *text, struct collected *c)
{
	memset(c, 0, sizeof(*c));
	return sg_init_modules_parse(text, strlen(text), collect, c);
}

static void test_modules(void)
{
	struct collected c;

	CHECK(modules("# modules\n/lib/modules/dm-mod.ko\n\n  /lib/modules/dm-verity.ko  # verity\r\n"
		      "/lib/modules/loop.ko",
		      &c) == 0);
	CHECK(c.n == 3);
	CHECK_STR(c.paths[0], "/lib/modules/dm-mod.ko");
	CHECK_STR(c.paths[1], "/lib/modules/dm-verity.ko");
	CHECK_STR(c.paths[2], "/lib/modules/loop.ko");
	CHECK(modules("", &c) == 0 && c.n == 0);
	CHECK(modules("dm-mod.ko\n", &c) == -1);
	CHECK(modules("/a\n/b\n/c\n/d\n/e\n/f\n/g\n/h\n/i\n", &c) == -1); /* fn's error stops */
	{
		char big[400];

		memset(big, 'a', sizeof(big) - 1);
		big[0] = '/';
		big[sizeof(big) - 1] = '\0';
		CHECK(modules(big, &c) == -1);
	}
}

static const char root_hex[] = "4392712ba01368efdf14b05c76f9e4df0d53664630b5d48632ed17a137f39076";

static void test_roothash(void)
{
	uint8_t root[SG_VERITY_DIGEST_MAX];
	size_t n = 0;
	char list[512];

	CHECK(sg_init_roothash_parse(root_hex, strlen(root_hex), root, &n) == 0 && n == 32);
	CHECK(root[0] == 0x43 && root[31] == 0x76);
	CHECK(sg_init_roothash_parse("4392712BA01368EFDF14B05C76F9E4DF0D53664630B5D48632ED17A137F39076\n",
				     65, root, &n) == 0 &&
	      n == 32);
	CHECK(sg_init_roothash_parse("", 0, root, &n) == -1);
	CHECK(sg_init_roothash_parse("43927", 5, root, &n) == -1);
	CHECK(sg_init_roothash_parse("zz92712ba01368efdf14b05c76f9e4df0d53664630b5d48632ed17a137f39076",
				     64, root, &n) == -1);
	CHECK(sg_init_roothash_parse("43 92712ba01368efdf14b05c76f9e4df0d53664630b5d48632ed17a137f39076",
				     65, root, &n) == -1);

	snprintf(list, sizeof(list), "# trusted\n%s\n  %.64s # B\n", root_hex,
		 "1111111111111111111111111111111111111111111111111111111111111111");
	CHECK(sg_init_roothash_trusted(list, strlen(list), root, 32) == 1);
	root[5] ^= 1;
	CHECK(sg_init_roothash_trusted(list, strlen(list), root, 32) == 0);
	memset(root, 0x11, 32);
	CHECK(sg_init_roothash_trusted(list, strlen(list), root, 32) == 1);
	CHECK(sg_init_roothash_trusted(list, strlen(list), root, 31) == 0); /* prefix is not a match */
	CHECK(sg_init_roothash_trusted("", 0, root, 32) == 0);
	CHECK(sg_init_roothash_trusted("xyz\n", 4, root, 32) == -1);
}

static void test_verity_target(void)
{
	struct sg_verity_params p;
	uint8_t root[SG_VERITY_DIGEST_MAX];
	size_t n;
	char out[512];

	/* verity.rst: "0 2097152 verity 1 /dev/sda1 /dev/sda2 4096 4096
	 * 262144 1 sha256 4392...076 1234000...000". */
	sg_verity_params_init(&p);
	CHECK(sg_verity_parse_salt(&p,
				   "1234000000000000000000000000000000000000000000000000000000000000") ==
	      0);
	p.data_blocks = 262144;
	CHECK(sg_init_roothash_parse(root_hex, 64, root, &n) == 0);
	CHECK(sg_init_verity_target(&p, "/dev/sda1", "/dev/sda2", root, n, out, sizeof(out)) == 0);
	CHECK_STR(out, "1 /dev/sda1 /dev/sda2 4096 4096 262144 1 sha256 "
		       "4392712ba01368efdf14b05c76f9e4df0d53664630b5d48632ed17a137f39076 "
		       "1234000000000000000000000000000000000000000000000000000000000000");
	/* No superblock: the tree starts at block 0; no salt is "-". */
	p.no_superblock = 1;
	p.salt_size = 0;
	CHECK(sg_init_verity_target(&p, "7:0", "7:1", root, n, out, sizeof(out)) == 0);
	CHECK_STR(out, "1 7:0 7:1 4096 4096 262144 0 sha256 "
		       "4392712ba01368efdf14b05c76f9e4df0d53664630b5d48632ed17a137f39076 -");
	/* 512-byte hash blocks: the superblock fills block 0. */
	p.no_superblock = 0;
	p.hash_block_size = 512;
	CHECK(sg_init_verity_target(&p, "7:0", "7:1", root, n, out, sizeof(out)) == 0);
	CHECK(strstr(out, " 262144 1 sha256 ") != NULL);
	CHECK(sg_init_verity_target(&p, "7:0", "7:1", root, n, out, 40) == -1);
	CHECK(sg_init_verity_target(&p, "7:0 x", "7:1", root, n, out, sizeof(out)) == -1);
	CHECK(sg_init_verity_target(&p, "7:0", "7:1", root, 0, out, sizeof(out)) == -1);
	p.data_blocks = 0;
	CHECK(sg_init_verity_target(&p, "7:0", "7:1", root, n, out, sizeof(out)) == -1);
}

static void test_dm_request(void)
{
	uint64_t buf[512];
	struct dm_ioctl *io = (struct dm_ioctl *)buf;
	struct dm_target_spec *t = (struct dm_target_spec *)((char *)buf + sizeof(*io));
	const char *params = "1 7:0 7:1 4096 4096 81 1 sha256 ab -";

	CHECK(sg_dm_request(buf, sizeof(buf), "signet-sidecar-A", 0, NULL, 0, NULL) == 0);
	CHECK(io->version[0] == 4 && io->version[1] == 0 && io->version[2] == 0);
	CHECK(io->data_size == sizeof(buf) && io->data_start == sizeof(*io));
	CHECK(io->target_count == 0 && io->flags == 0);
	CHECK_STR(io->name, "signet-sidecar-A");

	CHECK(sg_dm_request(buf, sizeof(buf), "v", DM_READONLY_FLAG, "verity", 648, params) == 0);
	CHECK(io->target_count == 1 && io->flags == DM_READONLY_FLAG);
	CHECK(t->sector_start == 0 && t->length == 648 && t->status == 0);
	CHECK_STR(t->target_type, "verity");
	CHECK_STR((char *)(t + 1), params);
	CHECK(t->next == sizeof(*t) + ((strlen(params) + 1 + 7) & ~7u));
	CHECK(t->next % 8 == 0);

	CHECK(sg_dm_request(buf, sizeof(*io) + sizeof(*t) + 8, "v", 0, "verity", 8, params) == -1);
	CHECK(sg_dm_request(buf, sizeof(buf), "a/b", 0, NULL, 0, NULL) == -1);
	{
		char name[DM_NAME_LEN + 1];

		memset(name, 'n', DM_NAME_LEN);
		name[DM_NAME_LEN] = '\0';
		CHECK(sg_dm_request(buf, sizeof(buf), name, 0, NULL, 0, NULL) == -1);
		name[DM_NAME_LEN - 1] = '\0';
		CHECK(sg_dm_request(buf, sizeof(buf), name, 0, NULL, 0, NULL) == 0);
	}
}

static void test_secureboot(void)
{
	const uint8_t on[] = { 0x06, 0, 0, 0, 1 }, off[] = { 0x06, 0, 0, 0, 0 },
		      bad[] = { 6, 0, 0, 0, 2 };

	CHECK(sg_init_secureboot_parse(on, 5) == 1);
	CHECK(sg_init_secureboot_parse(off, 5) == 0);
	CHECK(sg_init_secureboot_parse(bad, 5) == -1);
	CHECK(sg_init_secureboot_parse(on, 4) == -1);
}

int main(void)
{
	test_cmdline();
	test_modules();
	test_roothash();
	test_verity_target();
	test_dm_request();
	test_secureboot();
	return check_done();
}
