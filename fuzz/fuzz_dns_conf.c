/* dns.conf: any input parses or fails cleanly; what parses formats to a
 * text that parses to the same formatting (a fixed point). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_dnsconf c, again;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;

	if (sg_dnsconf_parse(&c, "fuzz", (const char *)data, size) < 0)
		return 0;
	if (sg_dnsconf_format(&c, &a) < 0)
		abort();
	if (sg_dnsconf_parse(&again, "fuzz", (const char *)a.data, a.len) < 0)
		abort();
	if (sg_dnsconf_format(&again, &b) < 0 || a.len != b.len || memcmp(a.data, b.data, a.len))
		abort();
	sg_dnsconf_free(&c);
	sg_dnsconf_free(&again);
	sg_buf_free(&a);
	sg_buf_free(&b);
	return 0;
}
