/* fuzz_init_cmdline.c - signet-init's kernel command line parser on
 * arbitrary bytes.
 *
 * Whatever it accepts must hold only valid values: a slot of A or B,
 * NUL-terminated paths of the right form, delays within bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "initcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_init_cmdline c;

	sg_init_cmdline_defaults(&c);
	if (sg_init_cmdline_parse((const char *)data, size, &c) < 0)
		return 0;
	if ((c.slot != 'A' && c.slot != 'B') || c.reboot_delay > 3600 || c.wait > 3600 ||
	    (c.check != SG_INIT_CHECK_FULL && c.check != SG_INIT_CHECK_LAZY) ||
	    (c.insecure != 0 && c.insecure != 1))
		abort();
	if (!memchr(c.init, '\0', sizeof(c.init)) || c.init[0] != '/' || strstr(c.init, "//"))
		abort();
	if (!memchr(c.esp, '\0', sizeof(c.esp)) || (c.esp[0] && strncmp(c.esp, "/dev/", 5) != 0))
		abort();
	return 0;
}
