/* test_hostcfg.c - host.json, as signet-init reads it: every member,
 * the defaults, and one refusal per rule, by its message. */
#include <string.h>

#include "check.h"
#include "err.h"
#include "hostcfg.h"

static int parse(const char *text, struct sg_host_cfg *c)
{
	return sg_host_cfg_parse(text, strlen(text), c);
}

/* The text is refused with a message containing want. */
static int refused(const char *text, const char *want)
{
	struct sg_host_cfg c;

	if (parse(text, &c) == 0)
		return 0;
	if (!strstr(sg_errmsg(), want)) {
		fprintf(stderr, "  %s\n  -> %s (wanted %s)\n", text, sg_errmsg(), want);
		return 0;
	}
	return 1;
}

static void test_full(void)
{
	struct sg_host_cfg c;
	const char *t =
		"{\"version\":\"0.1\",\"host\":\"web1\",\"disk\":{\"device\":\"/dev/vdb\","
		"\"name\":\"data\",\"fs\":\"btrfs\",\"tpm\":{\"handle\":\"0x81000020\",\"pcrs\":[0,7]}},"
		"\"rootfs\":\"debian-12\",\"rootfs_hash\":"
		"\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
		"\"init\":\"/lib/systemd/systemd\","
		"\"console\":{\"prompt_seconds\":0,\"passphrase_seconds\":30},"
		"\"recovery\":{\"interface\":\"eth0\",\"address\":\"10.0.2.15/24\","
		"\"gateway\":\"10.0.2.2\",\"ssh_port\":2222}}";
	static const uint8_t addr[4] = { 10, 0, 2, 15 }, gw[4] = { 10, 0, 2, 2 };

	CHECK(parse(t, &c) == 0);
	CHECK_STR(c.host, "web1");
	CHECK(c.has_disk && c.has_tpm && c.has_net && c.has_gateway);
	CHECK_STR(c.disk_device, "/dev/vdb");
	CHECK_STR(c.disk_uuid, "");
	CHECK_STR(c.disk_name, "data");
	CHECK(c.disk_fs == SG_HOST_FS_BTRFS);
	CHECK(c.tpm_handle == 0x81000020u && c.tpm_pcrs == ((1u << 0) | (1u << 7)));
	CHECK_STR(c.rootfs, "debian-12");
	CHECK(c.has_rootfs_hash && c.rootfs_hash[0] == 0x00 && c.rootfs_hash[1] == 0x11 &&
	      c.rootfs_hash[31] == 0xff);
	CHECK_STR(c.init, "/lib/systemd/systemd");
	CHECK(c.prompt_seconds == 0 && c.passphrase_seconds == 30);
	CHECK_STR(c.net_interface, "eth0");
	CHECK_MEM(c.net_address, addr, 4);
	CHECK_MEM(c.net_gateway, gw, 4);
	CHECK(c.net_prefix == 24 && c.ssh_port == 2222);
}

static void test_defaults(void)
{
	struct sg_host_cfg c;

	CHECK(parse("{\"version\":\"0.1\"}", &c) == 0);
	CHECK(!c.has_disk && !c.has_tpm && !c.has_net && !c.rootfs[0]);
	CHECK_STR(c.disk_name, "signet-disk");
	CHECK_STR(c.init, "/sbin/init");
	CHECK(c.prompt_seconds == 2 && c.passphrase_seconds == 120 && c.ssh_port == 22);
	/* A tpm object alone takes the default handle and PCR 7. */
	CHECK(parse("{\"version\":\"0.1\",\"disk\":{\"uuid\":\"ce4a0c2c-bd62-48cd-a53f-c116cb91645c\","
		    "\"tpm\":{}}}",
		    &c) == 0);
	CHECK(c.has_tpm && c.tpm_handle == 0x81000010u && c.tpm_pcrs == 1u << 7);
	CHECK_STR(c.disk_uuid, "ce4a0c2c-bd62-48cd-a53f-c116cb91645c");
	CHECK(c.disk_fs == SG_HOST_FS_EXT4);
}

static void test_refusals(void)
{
	CHECK(refused("", "line 1"));
	CHECK(refused("[]", "$: must be an object"));
	CHECK(refused("{}", "$.version: missing"));
	CHECK(refused("{\"version\":\"0.2\"}", "$.version: must be \"0.1\""));
	CHECK(refused("{\"version\":\"0.1\",\"rootf\":\"x\"}", "$.rootf: unknown member"));
	CHECK(refused("{\"version\":\"0.1\",\"version\":\"0.1\"}", "duplicate"));
	CHECK(refused("{\"version\":\"0.1\",\"rootfs\":\"debian\"}", "$.rootfs: needs a \"disk\""));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{}}", "exactly one of"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\","
		      "\"uuid\":\"ce4a0c2c-bd62-48cd-a53f-c116cb91645c\"}}",
		      "exactly one of"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/tmp/x\"}}", "below /dev/"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/../x\"}}", "'..'"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"uuid\":\"CE4A0C2C-BD62-48CD-A53F-C116CB91645C\"}}",
		      "$.disk.uuid: must be a UUID"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"fs\":\"xfs\"}}",
		      "$.disk.fs"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"name\":\"a/b\"}}",
		      "$.disk.name: only letters"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"tpm\":{\"handle\":\"0x80000001\"}}}",
		      "$.disk.tpm.handle"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"tpm\":{\"handle\":\"0x8100001\"}}}",
		      "$.disk.tpm.handle"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"tpm\":{\"pcrs\":[24]}}}",
		      "$.disk.tpm.pcrs[0]"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"tpm\":{\"pcrs\":[7,7]}}}",
		      "listed twice"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\",\"tpm\":{\"pcrs\":[]}}}",
		      "non-empty"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\"},\"rootfs\":\"..\"}",
		      "$.rootfs: must not start"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\"},\"rootfs\":\"a/b\"}",
		      "$.rootfs: only letters"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\"},\"rootfs_hash\":"
		      "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}",
		      "$.rootfs_hash: needs a \"rootfs\""));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\"},\"rootfs\":\"d\","
		      "\"rootfs_hash\":\"0011\"}",
		      "$.rootfs_hash: must be a sha256 root hash"));
	CHECK(refused("{\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\"},\"rootfs\":\"d\","
		      "\"rootfs_hash\":"
		      "\"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\"}",
		      "$.rootfs_hash: must be a sha256 root hash"));
	CHECK(refused("{\"version\":\"0.1\",\"init\":\"sbin/init\"}", "$.init: must be an absolute"));
	CHECK(refused("{\"version\":\"0.1\",\"console\":{\"prompt_seconds\":61}}", "from 0 to 60"));
	CHECK(refused("{\"version\":\"0.1\",\"console\":{\"passphrase_seconds\":0}}",
		      "from 1 to 3600"));
	CHECK(refused("{\"version\":\"0.1\",\"console\":{\"prompt_seconds\":1.5}}", "line 1"));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"interface\":\"eth0\"}}", "go together"));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"interface\":\"eth0\",\"address\":\"10.0.2.15\"}}",
		      "prefix length"));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"interface\":\"eth0\",\"address\":\"10.0.2.256/24\"}}",
		      "prefix length"));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"interface\":\"eth0\",\"address\":\"10.0.02.1/24\"}}",
		      "prefix length"));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"interface\":\"eth0\",\"address\":\"10.0.2.1/33\"}}",
		      "prefix length"));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"gateway\":\"10.0.2.2\"}}",
		      "needs an \"address\""));
	CHECK(refused("{\"version\":\"0.1\",\"recovery\":{\"ssh_port\":0}}", "from 1 to 65535"));
	CHECK(refused("{\"version\":\"0.1\",\"host\":\"a\\u0000b\"}", "without NUL"));
}

#define H1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define H2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define DISK "\"version\":\"0.1\",\"disk\":{\"device\":\"/dev/vdb\"},"
#define ROOT DISK "\"rootfs\":\"debian\",\"rootfs_hash\":\"" H1 "\","

/* The run list: containers in order, a sysroot as rootfs + rootfs_hash. */
static void test_run(void)
{
	struct sg_host_cfg c;

	CHECK(parse("{" ROOT "\"run\":[{\"image\":\"hello\",\"as\":\"container\",\"hash\":\"" H2
		    "\"},{\"as\":\"container\",\"hash\":\"" H1 "\",\"image\":\"web-1.2\"}]}",
		    &c) == 0);
	CHECK(c.n_containers == 2);
	CHECK_STR(c.containers[0].name, "hello");
	CHECK(c.containers[0].hash[0] == 0xff && c.containers[0].hash[31] == 0x00);
	CHECK_STR(c.containers[1].name, "web-1.2");
	CHECK(c.containers[1].hash[0] == 0x00 && c.containers[1].hash[31] == 0xff);
	CHECK_STR(c.rootfs, "debian");
	/* "as": "sysroot" is rootfs + rootfs_hash, before or after the containers. */
	CHECK(parse("{" DISK "\"run\":[{\"image\":\"a\",\"as\":\"container\",\"hash\":\"" H1
		    "\"},{\"image\":\"deb\",\"as\":\"sysroot\",\"hash\":\"" H2 "\"}]}",
		    &c) == 0);
	CHECK(c.n_containers == 1 && c.has_rootfs_hash && c.rootfs_hash[0] == 0xff);
	CHECK_STR(c.rootfs, "deb");
	CHECK_STR(c.containers[0].name, "a");
	CHECK(parse("{" ROOT "\"run\":[]}", &c) == 0 && c.n_containers == 0);
	CHECK(parse("{\"version\":\"0.1\"}", &c) == 0 && c.n_containers == 0);
}

/* A host document with n containers c0, c1, ... into t. */
static void run_of(char *t, int n)
{
	char *p = t + sprintf(t, "{" ROOT "\"run\":[");

	for (int i = 0; i < n; i++)
		p += sprintf(p, "%s{\"image\":\"c%d\",\"as\":\"container\",\"hash\":\"" H1 "\"}",
			     i ? "," : "", i);
	strcpy(p, "]}");
}

static void test_run_refusals(void)
{
	char t[4096];

	CHECK(refused("{" ROOT "\"run\":{}}", "$.run: must be an array"));
	CHECK(refused("{" ROOT "\"run\":[\"hello\"]}", "$.run[0]: must be an object"));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a\",\"as\":\"container\"}]}",
		      "$.run[0]: needs \"image\", \"as\" and \"hash\""));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a\",\"hash\":\"" H1 "\"}]}", "$.run[0]: needs"));
	CHECK(refused("{" ROOT "\"run\":[{\"as\":\"container\",\"hash\":\"" H1 "\"}]}",
		      "$.run[0]: needs"));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a\",\"as\":\"container\",\"hash\":\"" H1
		      "\",\"args\":[]}]}",
		      "$.run[0].args: unknown member"));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a\",\"as\":\"vm\",\"hash\":\"" H1 "\"}]}",
		      "$.run[0].as: must be \"container\" or \"sysroot\""));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"../a\",\"as\":\"container\",\"hash\":\"" H1
		      "\"}]}",
		      "$.run[0].image: must not start"));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a/b\",\"as\":\"container\",\"hash\":\"" H1
		      "\"}]}",
		      "$.run[0].image: only letters"));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a\",\"as\":\"container\",\"hash\":\"0011\"}]}",
		      "$.run[0].hash: must be a sha256 root hash"));
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"a\",\"as\":\"container\",\"hash\":\"" H1
		      "\"},{\"image\":\"a\",\"as\":\"container\",\"hash\":\"" H2 "\"}]}",
		      "$.run[1].image: container 'a' listed twice"));
	/* Two sysroots, either way round. */
	CHECK(refused("{" ROOT "\"run\":[{\"image\":\"d\",\"as\":\"sysroot\",\"hash\":\"" H1 "\"}]}",
		      "$.run[0]: a second sysroot"));
	CHECK(refused("{" DISK "\"run\":[{\"image\":\"d\",\"as\":\"sysroot\",\"hash\":\"" H1
		      "\"}],\"rootfs\":\"e\"}",
		      "$.rootfs: given twice"));
	CHECK(refused("{" DISK "\"run\":[{\"image\":\"d\",\"as\":\"sysroot\",\"hash\":\"" H1
		      "\"}],\"rootfs_hash\":\"" H2 "\"}",
		      "$.rootfs_hash: given twice"));
	/* Containers need a rootfs image: the sidecar stays only beside one. */
	CHECK(refused("{" DISK "\"run\":[{\"image\":\"a\",\"as\":\"container\",\"hash\":\"" H1 "\"}]}",
		      "$.run: containers need a rootfs image"));
	CHECK(refused("{" DISK "\"rootfs\":\"d\",\"run\":[{\"image\":\"a\",\"as\":\"container\","
		      "\"hash\":\"" H1 "\"}]}",
		      "$.run: containers need a rootfs image"));
	/* At most SG_HOST_RUN_MAX containers. */
	{
		struct sg_host_cfg c;

		run_of(t, SG_HOST_RUN_MAX + 1);
		CHECK(refused(t, "$.run[8]: more than 8 containers"));
		run_of(t, SG_HOST_RUN_MAX);
		CHECK(parse(t, &c) == 0 && c.n_containers == SG_HOST_RUN_MAX);
		CHECK_STR(c.containers[7].name, "c7");
	}
}

int main(void)
{
	test_full();
	test_defaults();
	test_refusals();
	test_run();
	test_run_refusals();
	return check_done();
}
