/* fuzz_init_slot.c - what signet-init reads of a boot slot on the ESP,
 * which nothing authenticates: the root hash file, its check against the
 * initrd's trusted root hashes, and its detached PKCS#7 signature
 * checked with the initrd's signer certificate; and, from the same
 * place in signet-init, the initrd's module list and the SecureBoot EFI
 * variable.
 *
 * The first byte chooses (its low 3 bits): 0 a root hash file, checked
 * against a fixed trusted list (well formed, so the check never fails)
 * and written back as hex, which must parse to the same digest; 1 a
 * trusted list, against a fixed root; 2 a signature file over the fixed
 * root, with the fixed certificate; 3 a root hash file whose digest is
 * signed here with the certificate's key, which must verify, and must
 * not once the digest changes; 4 the SecureBoot variable; 5-7 a module
 * list, whose every path must be absolute and shorter than
 * SG_INIT_PATH_MAX. Seeds: root hashes of each digest length, a trusted
 * list, signatures made by `signet verity sign` with the key below.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "domain.h"
#include "fileio.h"
#include "fixedrand.h"
#include "initcfg.h"
#include "verity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A sidecar signer made for this harness (openssl ecparam/req). */
static const char key_pem[] = "-----BEGIN EC PRIVATE KEY-----\n"
			      "MHcCAQEEIIVzIHpI/g+VBDTiwbCgprIHkSQKEIC9aucYGKB8W/+VoAoGCCqGSM49\n"
			      "AwEHoUQDQgAEgZspES4z+pgrpRiA8JiBkDyzU03bX1d/je3K5LtwLlo7/is+HhT9\n"
			      "nWEEj4JO9WXMji4Misjo+2U32udrgqvGXA==\n"
			      "-----END EC PRIVATE KEY-----\n";
static const char cert_pem[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIBlDCCATmgAwIBAgIUet8jNLKIhwtQgWVWTNx91ikQMdEwCgYIKoZIzj0EAwIw\n"
			       "HjEcMBoGA1UEAwwTZnV6ei1zaWRlY2FyLXNpZ25lcjAgFw0yNjEyMDMxMzIzMzVa\n"
			       "GA8yMTI2MTEwOTEzMjMzNVowHjEcMBoGA1UEAwwTZnV6ei1zaWRlY2FyLXNpZ25l\n"
			       "cjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIGbKREuM/qYK6UYgPCYgZA8s1NN\n"
			       "219Xf43tyuS7cC5aO/4rPh4U/Z1hBI+CTvVlzI4uDIrI6PtlN9rna4KrxlyjUzBR\n"
			       "MB0GA1UdDgQWBBTKI1JxF1luICJduUN9ZErK2pBwbjAfBgNVHSMEGDAWgBTKI1Jx\n"
			       "F1luICJduUN9ZErK2pBwbjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kA\n"
			       "MEYCIQCqjqvKM2ZvcG1C/2Df0ULmJN8bsLQw/pO+BiuGj5mnuAIhAKdT5I1ZInZE\n"
			       "JDraWw/k3A/C8DRWh/m6qwzZh38bInSH\n"
			       "-----END CERTIFICATE-----\n";

/* The root the fixed signatures and list are about. */
static const char root_hex[] = "5c2e1a0f3d4b69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
static const char trusted[] = "# trusted root hashes\n"
			      "5c2e1a0f3d4b69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n"
			      "\n000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
			      "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n";

static char dir[] = "/tmp/signet-fuzz-slot-XXXXXX";
static char key_path[sizeof(dir) + 16], cert_path[sizeof(dir) + 16];

static void remove_dir(void)
{
	sg_remove_tree(dir);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	put_file(key_path, key_pem);
	put_file(cert_path, cert_pem);
	return 0;
}

static void root_file(const char *text, size_t len)
{
	uint8_t root[SG_VERITY_DIGEST_MAX], again[SG_VERITY_DIGEST_MAX];
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];
	size_t n, m;

	if (sg_init_roothash_parse(text, len, root, &n) < 0)
		return;
	if (n < 16 || n > SG_VERITY_DIGEST_MAX ||
	    sg_init_roothash_trusted(trusted, sizeof(trusted) - 1, root, n) < 0)
		abort();
	sg_verity_hex(root, n, hex);
	if (sg_init_roothash_parse(hex, strlen(hex), again, &m) < 0 || m != n ||
	    memcmp(root, again, n))
		abort();
}

/* What is signed here must verify, over that root and no other. */
static void signed_here(const char *text, size_t len)
{
	uint8_t root[SG_VERITY_DIGEST_MAX];
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];
	struct sg_buf sig = SG_BUF_INIT;
	size_t n;

	if (sg_init_roothash_parse(text, len, root, &n) < 0)
		return;
	sg_verity_hex(root, n, hex);
	if (sg_verity_sign(key_path, cert_path, hex, &sig) < 0 ||
	    sg_verity_verify_sig(cert_path, hex, sig.data, sig.len) < 0)
		abort();
	root[0] ^= 1;
	sg_verity_hex(root, n, hex);
	if (sg_verity_verify_sig(cert_path, hex, sig.data, sig.len) == 0)
		abort();
	sg_buf_free(&sig);
}

static int module(const char *path, void *arg)
{
	(void)arg;
	if (path[0] != '/' || strlen(path) >= SG_INIT_PATH_MAX)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	static const uint8_t root[32] = { 0x5c, 0x2e, 0x1a, 0x0f, 0x3d, 0x4b, 0x69, 0x78,
					  0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
					  0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
					  0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };

	if (size < 1 || size > 65536)
		return 0;
	size--;
	sg_fuzz_fixed_rand();
	switch (data[0] & 7) {
	case 0: root_file(text, size); break;
	case 1: (void)sg_init_roothash_trusted(text, size, root, sizeof(root)); break;
	case 2: (void)sg_verity_verify_sig(cert_path, root_hex, data + 1, size); break;
	case 3: signed_here(text, size); break;
	case 4: (void)sg_init_secureboot_parse(data + 1, size); break;
	default: (void)sg_init_modules_parse(text, size, module, NULL); break;
	}
	sg_errclear();
	return 0;
}
