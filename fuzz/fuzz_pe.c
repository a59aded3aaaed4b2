/* fuzz_pe.c - libFuzzer harness for the PE reader and what is built on
 * it: the Authenticode hash and signature parser, UKI inspection. */
#include <stddef.h>
#include <stdint.h>

#include "authenticode.h"
#include "err.h"
#include "fixedrand.h"
#include "pe.h"
#include "sbkeys.h"
#include "uki.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *trusted;
static struct sg_uki_info info;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY *key;

	/* the same key and certificate every run */
	sg_fuzz_fixed_rand();
	key = sg_sb_rsa_keygen(2048);

	(void)argc;
	(void)argv;
	if (key)
		trusted = sg_sb_self_signed(key, "fuzz", 0, 1);
	EVP_PKEY_free(key);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_pe pe;
	uint8_t digest[32];
	size_t data_size;

	if (sg_pe_parse(&pe, data, size, "fuzz") == 0) {
		(void)sg_pe_find_section(&pe, ".text");
		int small = 1;

		/* Inspection hashes VirtualSize bytes of each section; skip
		 * inputs that would spend the run hashing gigabytes of zeros. */
		for (unsigned i = 0; i < pe.nsections; i++)
			small &= pe.sections[i].virtual_size <= (1u << 24);
		if (small)
			(void)sg_uki_inspect(&pe, "fuzz", &info);
		if (sg_authenticode_digest(&pe, "fuzz", digest, &data_size) == 0 && pe.cert_size &&
		    trusted)
			(void)sg_authenticode_verify(data, size, "fuzz", trusted, NULL);
	}
	sg_errclear();
	return 0;
}
