/* fuzz_policy - the authority's readers: policy checking and hashing,
 * DAM verification, RFC 3339 timestamps and base32.
 *
 * The input is read as a JSON document in the canonical model and given
 * to the policy checker and the DAM verifier; the raw bytes also go to
 * the timestamp and base32 decoders. A policy that passes must hash the
 * same after a canonical round trip; base32 that decodes must encode back
 * to the same text; a timestamp that parses must format back to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base32.h"
#include "buf.h"
#include "dam.h"
#include "err.h"
#include "json.h"
#include "policy.h"
#include "timestamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void policy_roundtrip(const struct sg_json *j, const struct sg_policy *p)
{
	struct sg_buf canon = SG_BUF_INIT;
	struct sg_json *k;
	struct sg_policy q;

	if (sg_json_canonical(j, &canon) < 0)
		abort();
	if (sg_json_parse_flags((const char *)canon.data, canon.len, SG_JSON_MODEL, &k) < 0)
		abort();
	if (sg_policy_check(k, "fuzz", &q) < 0 || strcmp(p->hash, q.hash) != 0 ||
	    p->max_bytes != q.max_bytes || p->capabilities != q.capabilities)
		abort();
	sg_json_free(k);
	sg_buf_free(&canon);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_json *j;
	struct sg_policy p;
	uint8_t dec[256];
	char enc[512], ts[SG_TIME_LEN + 1];
	size_t n;
	time_t t;

	if (sg_json_parse_flags((const char *)data, size, SG_JSON_MODEL, &j) == 0) {
		if (sg_policy_check(j, "fuzz", &p) == 0)
			policy_roundtrip(j, &p);
		(void)sg_dam_verify(j, "fuzz", 1700000000, NULL);
		sg_json_free(j);
	}
	if (size < 300 && sg_b32_decode((const char *)data, size, dec, sizeof(dec), &n) == 0) {
		if (sg_b32_encode(dec, n, enc) != size || memcmp(enc, data, size) != 0)
			abort();
	}
	if (sg_time_parse((const char *)data, size, "fuzz", &t) == 0) {
		if (sg_time_format(t, ts) < 0 || memcmp(ts, data, SG_TIME_LEN) != 0)
			abort();
	}
	sg_errclear();
	return 0;
}
