/* fixedrand.c - see fixedrand.h. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_METHOD: the one way to replace
				       the default context's generator in 3.0 */
#include "fixedrand.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto.h"

static uint64_t counter;

static int fixed_bytes(unsigned char *buf, int num)
{
	uint8_t block[SG_SHA256_LEN];

	for (int off = 0; off < num; off += SG_SHA256_LEN) {
		int n = num - off < SG_SHA256_LEN ? num - off : SG_SHA256_LEN;
		if (sg_sha256(&counter, sizeof(counter), block) < 0)
			abort();
		counter++;
		memcpy(buf + off, block, (size_t)n);
	}
	return 1;
}

static int fixed_status(void)
{
	return 1;
}

static const RAND_METHOD fixed = {
	.bytes = fixed_bytes,
	.pseudorand = fixed_bytes,
	.status = fixed_status,
};

void sg_fuzz_fixed_rand(void)
{
	static int installed;

	if (!installed && RAND_set_rand_method(&fixed) != 1)
		abort();
	installed = 1;
	counter = 0;
}
