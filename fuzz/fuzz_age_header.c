/* The age header parser: any input is parsed without crashing, leaking
 * or reading out of bounds. Also runs the whole decryptor with a fixed
 * identity, which reaches stanza unwrapping and the payload reader. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "age.h"
#include "err.h"
#include "io.h"

static int discard(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] =
		"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n";
	struct sg_age_identities ids = { 0 };
	struct sg_mem_source m;

	sg_age_header_check(data, size);
	if (sg_age_identities_parse(&ids, "key", key, sizeof(key) - 1) == 0)
		sg_age_decrypt(&ids, sg_mem_reader(&m, data, size),
			       (struct sg_writer){ .write = discard });
	sg_age_identities_free(&ids);
	return 0;
}
