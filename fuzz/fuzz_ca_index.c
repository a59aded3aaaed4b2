/* fuzz_ca_index - the CA index parser: never crashes, and whatever it
 * accepts formats back to the same bytes and parses again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_ca_index idx = SG_CA_INDEX_INIT, again = SG_CA_INDEX_INIT;
	struct sg_buf out = SG_BUF_INIT;

	if (sg_ca_index_parse(data, size, "fuzz", &idx) == 0) {
		if (sg_ca_index_format(&idx, &out) < 0)
			abort();
		if (sg_ca_index_parse(out.data, out.len, "fuzz", &again) < 0 || again.n != idx.n)
			abort();
		/* Byte-identical unless the input spelt a serial differently. */
		struct sg_buf out2 = SG_BUF_INIT;
		if (sg_ca_index_format(&again, &out2) < 0 || out2.len != out.len ||
		    (out.len && memcmp(out.data, out2.data, out.len)))
			abort();
		for (size_t i = 0; i < idx.n; i++)
			if (!sg_ca_index_find(&idx, idx.e[i].serial))
				abort();
		sg_buf_free(&out2);
	}
	sg_buf_free(&out);
	sg_ca_index_free(&idx);
	sg_ca_index_free(&again);
	return 0;
}
