/* fuzz_json - the JSON reader, writer and canonical form.
 *
 * Whatever the reader accepts must write out (compact and indented) to
 * text it reads back to the same document, and the canonical form, when
 * the document is in the model, must be stable and read back in model
 * mode. Any disagreement aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct sg_json *j, int indent, const struct sg_buf *compact)
{
	struct sg_buf text = SG_BUF_INIT, again = SG_BUF_INIT;
	struct sg_json *k;

	if (sg_json_write(j, &text, indent) < 0)
		abort();
	if (sg_json_parse((const char *)text.data, text.len, &k) < 0)
		abort();
	if (sg_json_write(k, &again, 0) < 0)
		abort();
	if (again.len != compact->len || memcmp(again.data, compact->data, again.len) != 0)
		abort();
	sg_json_free(k);
	sg_buf_free(&text);
	sg_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_buf compact = SG_BUF_INIT, canon = SG_BUF_INIT, canon2 = SG_BUF_INIT;
	struct sg_json *j, *m;
	int in_model;

	if (sg_json_parse((const char *)data, size, &j) < 0) {
		/* Model mode is stricter: it can never accept what this refused. */
		if (sg_json_parse_flags((const char *)data, size, SG_JSON_MODEL, &m) == 0)
			abort();
		return 0;
	}
	if (sg_json_write(j, &compact, 0) < 0)
		abort();
	roundtrip(j, 0, &compact);
	roundtrip(j, 2, &compact);

	in_model = sg_json_canonical(j, &canon) == 0;
	if (sg_json_parse_flags((const char *)data, size, SG_JSON_MODEL, &m) == 0) {
		/* Model mode accepts exactly the documents that canonicalise. */
		if (!in_model)
			abort();
		sg_json_free(m);
	} else if (in_model) {
		abort();
	}
	if (in_model) {
		if (sg_json_parse_flags((const char *)canon.data, canon.len, SG_JSON_MODEL, &m) < 0)
			abort();
		if (sg_json_canonical(m, &canon2) < 0 || canon2.len != canon.len ||
		    memcmp(canon2.data, canon.data, canon.len) != 0)
			abort();
		sg_json_free(m);
	}
	sg_json_free(j);
	sg_buf_free(&compact);
	sg_buf_free(&canon);
	sg_buf_free(&canon2);
	return 0;
}
