/* fuzz_sops_dotenv - the dotenv and JSON readers of SOPS documents.
 *
 * A dotenv document that reads must write and read back to the same
 * text; a JSON document that reads must write (tab-indented, Go escapes)
 * to JSON that reads back and writes the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sopsdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_after_reread(int (*rd)(const char *, const char *, size_t, struct sg_sops_node **),
			      int (*wr)(const struct sg_sops_node *, struct sg_buf *),
			      const uint8_t *data, size_t size)
{
	struct sg_sops_node *doc, *again;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;

	if (rd("fuzz", (const char *)data, size, &doc) < 0)
		return;
	if (wr(doc, &a) < 0)
		abort();
	if (rd("fuzz", (const char *)a.data, a.len, &again) < 0 || wr(again, &b) < 0)
		abort();
	if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
		abort();
	sg_sops_free(doc);
	sg_sops_free(again);
	sg_buf_free(&a);
	sg_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	same_after_reread(sg_sops_dotenv_read, sg_sops_dotenv_write, data, size);
	same_after_reread(sg_sops_json_read, sg_sops_json_write, data, size);
	return 0;
}
