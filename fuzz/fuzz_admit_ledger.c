/* fuzz_admit_ledger - the host's readers: the replay ledger, a bundle's
 * plaintext header (SOPS YAML, no key) and the admission section.
 *
 * A ledger that parses must serialise back, line by line, to exactly the
 * input (every line is canonical JSON of its four members).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "bundle.h"
#include "buf.h"
#include "err.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ledger_roundtrip(const struct sg_ledger_entry *v, size_t n, const uint8_t *data,
			     size_t size)
{
	struct sg_buf out = SG_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		struct sg_json *e = sg_json_new_object();
		if (sg_json_set(e, "admitted_at", sg_json_new_string(v[i].admitted_at)) < 0 ||
		    sg_json_set(e, "bundle_id", sg_json_new_string(v[i].bundle_id)) < 0 ||
		    sg_json_set(e, "domain_id", sg_json_new_string(v[i].domain_id)) < 0 ||
		    sg_json_set(e, "policy_hash", sg_json_new_string(v[i].policy_hash)) < 0 ||
		    sg_json_canonical(e, &out) < 0 || sg_buf_append_byte(&out, '\n') < 0)
			abort();
		sg_json_free(e);
	}
	if (out.len != size || (size && memcmp(out.data, data, size)))
		abort();
	sg_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_ledger_entry *v;
	struct sg_bundle_header h;
	struct sg_sops_meta meta;
	struct sg_admission_req r;
	struct sg_json *j;
	size_t n;

	if (sg_admit_ledger_parse("fuzz", (const char *)data, size, &v, &n) == 0) {
		ledger_roundtrip(v, n, data, size);
		free(v);
	}
	memset(&meta, 0, sizeof(meta));
	if (sg_bundle_inspect("fuzz", (const char *)data, size, &h, &meta) == 0)
		sg_sops_meta_free(&meta);
	if (sg_json_parse_flags((const char *)data, size, SG_JSON_MODEL, &j) == 0) {
		(void)sg_bundle_check_admission(j, "fuzz", &r);
		sg_json_free(j);
	}
	sg_errclear();
	return 0;
}
