/* fuzz_ca_names - the name and range parsers a CA applies to its input:
 * never crash, and a name they accept parses again to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "x509name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[SG_NAME_MAX + 8], out[64];
	struct sg_name n, again;
	struct sg_cidr c, c2;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sg_name_parse_any(s, &n) == 0) {
		/* The normalised form is stable and of the same kind. */
		if (sg_name_parse(n.type, n.text, &again) < 0 || strcmp(again.text, n.text) != 0)
			abort();
		if (n.type == SG_NAME_DNS &&
		    !sg_dns_within(n.text, n.text[0] == '*' ? n.text + 2 : n.text))
			abort();
	}
	if (sg_name_cidr(s, &c) == 0) {
		sg_name_cidr_format(&c, out);
		if (sg_name_cidr(out, &c2) < 0 || memcmp(&c, &c2, sizeof(c)) != 0)
			abort();
		if (!sg_ip_within(c.addr, c.len, &c))
			abort();
	}
	sg_errclear();
	return 0;
}
