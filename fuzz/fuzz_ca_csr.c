/* fuzz_ca_csr - the CSR reader of signet ca issue --csr and the checks
 * on the names it carries (ca.c: PEM or DER, the CSR's own signature,
 * the key, the subjectAltName; x509cert.c: the chain's name
 * constraints), through sg_ca_check_request, which writes nothing.
 *
 * The first byte chooses the mode, the rest is the input:
 *   even  the CSR file as given (PEM or DER);
 *   odd   a DER CSR, re-signed here with a fixed P-256 key before it is
 *         checked: a fuzzer cannot make a signature verify, so this is
 *         how its subjectAltName reaches the name checks.
 * The CA is made once in a scratch directory: an ECDSA root and a
 * name-constrained intermediate (example.com, 10.0.0.0/8), from a fixed
 * random stream. The CSR goes through a file there, as the command
 * reads it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "ca.h"
#include "domain.h"
#include "err.h"
#include "fileio.h"
#include "fixedrand.h"
#include "x509cert.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/signet-fuzz-csr-XXXXXX";
static char ca_dir[sizeof(dir) + 8], csr_path[sizeof(dir) + 8];
static struct sg_ca *ca;
static EVP_PKEY *key;

static void remove_dir(void)
{
	sg_ca_close(ca);
	sg_remove_tree(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dns[] = { "example.com" };
	static const char *const ip[] = { "10.0.0.0/8" };
	struct sg_ca_init_opts o = {
		.alg = SG_CA_ECDSA_P256,
		.name = "fuzz root",
		.permit_dns = dns,
		.n_permit_dns = 1,
		.permit_ip = ip,
		.n_permit_ip = 1,
		.intermediate = 1,
	};

	(void)argc;
	(void)argv;
	sg_fuzz_fixed_rand();
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(ca_dir, sizeof(ca_dir), "%s/ca", dir);
	snprintf(csr_path, sizeof(csr_path), "%s/csr", dir);
	o.dir = ca_dir;
	if (sg_ca_init(&o) < 0 || !(ca = sg_ca_open(ca_dir, 0)) ||
	    !(key = sg_x509_keygen(SG_CA_ECDSA_P256))) {
		fprintf(stderr, "fuzz_ca_csr: %s\n", sg_errmsg());
		abort();
	}
	return 0;
}

static void check(const uint8_t *data, size_t size)
{
	struct sg_ca_request r = { .csr = csr_path };
	FILE *f = fopen(csr_path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	(void)sg_ca_check_request(ca, &r);
}

static void resigned(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)size);
	unsigned char *der = NULL;
	int len;

	if (req && X509_REQ_set_pubkey(req, key) == 1 &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0 && (len = i2d_X509_REQ(req, &der)) > 0)
		check(der, (size_t)len);
	OPENSSL_free(der);
	X509_REQ_free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	sg_fuzz_fixed_rand(); /* ECDSA signing draws a nonce */
	if (data[0] & 1)
		resigned(data + 1, size - 1);
	else
		check(data + 1, size - 1);
	ERR_clear_error();
	sg_errclear();
	return 0;
}
