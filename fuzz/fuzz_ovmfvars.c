/* fuzz_ovmfvars.c - the OVMF variable store parser on arbitrary bytes.
 *
 * Whatever it accepts must walk cleanly, take a new variable when there
 * is room, and parse again with that variable found and the ones before
 * it still there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ovmfvars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sg_efi_time t = { 2024, 1, 2, 3, 4, 5 };
	struct sg_ovmf_store s, r;
	struct sg_ovmf_var v;
	size_t cur = 0, before = 0, after = 0;

	if (sg_ovmf_parse(&s, data, size, "fuzz") < 0)
		return 0;
	while (sg_ovmf_next(&s, &cur, &v)) {
		if (v.offset + v.size > s.end || v.data + v.data_size > s.img + s.end)
			abort();
		before++;
	}
	if (sg_ovmf_set(&s, "Fuzz", sg_efi_global_variable_guid, 7, &t, "xyz", 3) == 0) {
		if (sg_ovmf_parse(&r, s.img, s.len, "again") < 0)
			abort();
		if (sg_ovmf_find(&r, "Fuzz", sg_efi_global_variable_guid, &v) != 1 ||
		    v.data_size != 3 || memcmp(v.data, "xyz", 3) != 0)
			abort();
		cur = 0;
		while (sg_ovmf_next(&r, &cur, &v))
			after++;
		if (after != before + 1)
			abort();
		sg_ovmf_free(&r);
	}
	sg_ovmf_free(&s);
	return 0;
}
