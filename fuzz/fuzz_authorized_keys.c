/* fuzz_authorized_keys.c - the authorized_keys check of host provision on
 * arbitrary bytes: it must not read out of bounds, and what it accepts
 * holds at least one line naming a key type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sg_provision_check_authorized_keys("fuzz", data, size) < 0)
		return 0;
	if (!memmem(data, size, "ssh-", 4) && !memmem(data, size, "ecdsa-sha2-", 11) &&
	    !memmem(data, size, "sk-", 3))
		abort();
	return 0;
}
