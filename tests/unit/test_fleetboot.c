/* fleetboot.h's signing path on small inputs: an unsigned UKI made by
 * sg_provision_build_mem (the real systemd stub, fake kernel bytes, a
 * static init, no libraries) is the same twice, unsigned, without the
 * host key; sg_provision_add_host_key makes the same signed bytes twice,
 * which sbverify accepts with the db certificate, and its .initrd ends
 * with an uncompressed archive holding the key 0600. The real inputs and
 * the jobs are the fleet-boot suite's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "pe.h"
#include "provision.h"
#include "sbkeys.h"

#define STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
static const char host[] = "{\"version\":\"0.1\",\"host\":\"app1\",\"disk\":{\"device\":\"/dev/vdb\","
			   "\"fs\":\"ext4\"}}";
static const char hostkey[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n"
			      "-----END OPENSSH PRIVATE KEY-----\n";

static int build(struct sg_buf *uki)
{
	static const uint8_t kernel[4096] = { 'M', 'Z' };
	static const uint8_t mod[] = "not really a module\n";
	const char *roots[] = { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
	struct sg_provision_blob mods[] = { { "ext4.ko", mod, sizeof(mod), 0644 } };
	struct sg_buf stub = SG_BUF_INIT, initrd = SG_BUF_INIT;
	struct sg_provision_mem m;
	struct sg_json *doc = NULL;
	int rc;

	memset(&m, 0, sizeof(m));
	if (sg_read_file(STUB, &stub, 1 << 24) < 0 || sg_json_parse(host, strlen(host), &doc) < 0)
		return -1;
	m.config = doc;
	m.config_name = "app1";
	m.init = "/bin/busybox";
	m.modules = mods;
	m.nmodules = 1;
	m.root_hashes = roots;
	m.nroot_hashes = 1;
	m.authorized_keys =
		(struct sg_provision_blob){ "ak", (const uint8_t *)"ssh-ed25519 AAAA op\n", 20, 0 };
	m.host_key_later = 1;
	m.kernel = (struct sg_provision_blob){ "kernel", kernel, sizeof(kernel), 0 };
	m.stub = (struct sg_provision_blob){ STUB, stub.data, stub.len, 0 };
	m.cmdline = "console=ttyS0";
	rc = sg_provision_build_mem(&m, &initrd, uki);
	sg_json_free(doc);
	sg_buf_free(&stub);
	sg_buf_free(&initrd);
	return rc;
}

int main(void)
{
	char dir[] = "/tmp/test_fleetboot.XXXXXX", path[256], cmd[600];
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT, s1 = SG_BUF_INIT, s2 = SG_BUF_INIT;
	struct sg_pe pe;
	const struct sg_pe_section *ird;
	EVP_PKEY *key = sg_sb_rsa_keygen(2048);
	X509 *cert = key ? sg_sb_self_signed(key, "test db", 1700000000, 3650) : NULL;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(key && cert);
	CHECK(build(&a) == 0);
	CHECK(build(&b) == 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(sg_pe_parse(&pe, a.data, a.len, "uki") == 0 && pe.cert_size == 0);
	CHECK(!memmem(a.data, a.len, "b3BlbnNzaC1rZXktdjE", 19));
	/* Refused: not an OpenSSH key. */
	CHECK(sg_provision_add_host_key(a.data, a.len, "uki", (const uint8_t *)"x", 1, key, cert,
					&s1) == -1);
	CHECK(sg_provision_add_host_key(a.data, a.len, "uki", (const uint8_t *)hostkey,
					sizeof(hostkey) - 1, key, cert, &s1) == 0);
	CHECK(sg_provision_add_host_key(a.data, a.len, "uki", (const uint8_t *)hostkey,
					sizeof(hostkey) - 1, key, cert, &s2) == 0);
	CHECK(s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0);
	CHECK(sg_pe_parse(&pe, s1.data, s1.len, "signed") == 0 && pe.cert_size > 0);
	CHECK((ird = sg_pe_find_section(&pe, ".initrd")) != NULL);
	{
		const uint8_t *p = s1.data + ird->raw_ptr;
		const uint8_t *k =
			memmem(p, ird->virtual_size, "etc/signet/ssh_host_ed25519_key", 31);

		/* The entry's header: magic, then mode 0100600. */
		CHECK(k && k - p >= 110 && memcmp(k - 110, "070701", 6) == 0 &&
		      memcmp(k - 110 + 14, "00008180", 8) == 0);
		CHECK(memmem(p, ird->virtual_size, "b3BlbnNzaC1rZXktdjE", 19) != NULL);
	}
	/* A signed image is refused. */
	CHECK(sg_provision_add_host_key(s1.data, s1.len, "signed", (const uint8_t *)hostkey,
					sizeof(hostkey) - 1, key, cert, &b) == -1);
	snprintf(path, sizeof(path), "%s/db.crt", dir);
	CHECK((f = fopen(path, "w")) && PEM_write_X509(f, cert) == 1 && fclose(f) == 0);
	snprintf(path, sizeof(path), "%s/uki.efi", dir);
	CHECK(sg_write_file_atomic(path, s1.data, s1.len, 0600, 0) == 0);
	snprintf(cmd, sizeof(cmd), "sbverify --cert %s/db.crt %s >/dev/null 2>&1", dir, path);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	EVP_PKEY_free(key);
	X509_free(cert);
	sg_buf_free(&a);
	sg_buf_free(&b);
	sg_buf_wipe(&s1);
	sg_buf_wipe(&s2);
	return check_done();
}
