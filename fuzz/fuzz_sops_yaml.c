/* fuzz_sops_yaml - the YAML reader and writer of SOPS documents.
 *
 * Whatever the reader accepts, the writer must write (unless a string is
 * not UTF-8, which the reader never produces), and what it writes must
 * read back and write again to the same text: the writer's output is a
 * fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sopsdoc.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_sops_node *doc, *again;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;

	if (size > 65536 || sg_yaml_read("fuzz", (const char *)data, size, &doc) < 0)
		return 0;
	if (sg_yaml_write(doc, &a) < 0)
		abort();
	if (sg_yaml_read("fuzz", (const char *)a.data, a.len, &again) < 0)
		abort();
	if (sg_yaml_write(again, &b) < 0)
		abort();
	if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
		abort();
	sg_sops_free(doc);
	sg_sops_free(again);
	sg_buf_free(&a);
	sg_buf_free(&b);
	return 0;
}
