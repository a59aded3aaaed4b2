/* The EFI_SIGNATURE_LIST reader of sb pcr7 (pcr7.h): any input is
 * refused or gives an entry wholly inside the list, whose prediction
 * then runs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pcr7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_pcr7_vars v = { 0 };
	uint8_t pcr[32];

	if (sg_pcr7_first_signature(data, size, &v.authority, &v.authority_len) < 0)
		return 0;
	if (v.authority < data || v.authority_len <= 16 ||
	    v.authority_len > size - (size_t)(v.authority - data))
		abort();
	v.db = data, v.db_len = size;
	if (sg_pcr7_predict(&v, pcr) < 0)
		abort();
	return 0;
}
