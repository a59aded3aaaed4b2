/* Bech32: any input decodes or fails cleanly; what decodes re-encodes to
 * the same string (lowercase, or uppercase when the input was). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bech32.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hrp[256];
	uint8_t out[1024];
	size_t n;

	if (sg_bech32_decode((const char *)data, size, hrp, sizeof(hrp), out, sizeof(out), &n) == 0) {
		struct sg_buf b = SG_BUF_INIT;
		int upper = 0;

		for (size_t i = 0; i < size; i++)
			upper |= data[i] >= 'A' && data[i] <= 'Z';
		if (sg_bech32_encode(&b, hrp, out, n, upper) == 0 &&
		    (b.len != size || memcmp(b.data, data, size) != 0))
			abort();
		sg_buf_free(&b);
	}
	return 0;
}
