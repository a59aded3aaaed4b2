/* SSHFP from OpenSSH public key lines: any input yields records or one
 * clean error; every record line names the host and an SSHFP type. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_buf out = SG_BUF_INIT;

	if (sg_dns_sshfp("h.example", (const char *)data, size, "fuzz", &out) == 0) {
		if (out.len < 20 || memcmp(out.data, "h.example IN SSHFP ", 19))
			abort();
	}
	sg_buf_free(&out);
	return 0;
}
