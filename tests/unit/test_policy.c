/* test_policy - sizes with units, the capability vocabulary, the policy
 * hash of the bundle spec's example (fixed against Python's JCS in the
 * authority suite), and RFC 3339 timestamps. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "policy.h"
#include "timestamp.h"

static int size_of(const char *json, int units, uint64_t *out)
{
	struct sg_json *j;
	int rc;

	if (sg_json_parse(json, strlen(json), &j) < 0)
		return -1;
	rc = sg_policy_size(j, units, "test", out);
	sg_json_free(j);
	return rc;
}

static int check_policy(const char *json, struct sg_policy *p)
{
	struct sg_json *j;
	int rc;

	if (sg_json_parse_flags(json, strlen(json), SG_JSON_MODEL, &j) < 0)
		return -1;
	rc = sg_policy_check(j, "test", p);
	sg_json_free(j);
	return rc;
}

int main(void)
{
	struct sg_policy p;
	uint64_t v;
	time_t t;
	char ts[SG_TIME_LEN + 1];

	CHECK(size_of("\"5TB\"", 1, &v) == 0 && v == 5000000000000ull);
	CHECK(size_of("\"5TiB\"", 1, &v) == 0 && v == 5ull << 40);
	CHECK(size_of("\"1_000_000\"", 0, &v) == 0 && v == 1000000);
	CHECK(size_of("\"2TB\"", 1, &v) == 0 && v == 2000000000000ull);
	CHECK(size_of("\"512B\"", 1, &v) == 0 && v == 512);
	CHECK(size_of("\"1KiB\"", 1, &v) == 0 && v == 1024);
	CHECK(size_of("\"15EiB\"", 1, &v) == 0 && v == 15ull << 60);
	CHECK(size_of("42", 0, &v) == 0 && v == 42);
	CHECK(size_of("\"18446744073709551615\"", 0, &v) == 0 && v == UINT64_MAX);
	CHECK(size_of("\"18446744073709551616\"", 0, &v) < 0);
	CHECK(size_of("\"16EiB\"", 1, &v) < 0);
	CHECK(size_of("\"5TB\"", 0, &v) < 0);
	CHECK(size_of("\"5 TB\"", 1, &v) < 0);
	CHECK(size_of("\"5tb\"", 1, &v) < 0);
	CHECK(size_of("\"_5\"", 1, &v) < 0);
	CHECK(size_of("\"5_\"", 1, &v) < 0);
	CHECK(size_of("\"1__0\"", 1, &v) < 0);
	CHECK(size_of("\"TB\"", 1, &v) < 0);
	CHECK(size_of("-1", 1, &v) < 0);
	CHECK(size_of("true", 1, &v) < 0);

	CHECK(check_policy("{\"requested_capabilities\":[\"store_blocks\",\"publish_private_"
			   "encrypted\",\"import_foreign_artifacts\"],\"requested_storage\":{"
			   "\"max_blocks\":\"1_000_000\",\"max_bytes\":\"5TB\"},\"federation\":"
			   "{\"allow_inbound\":false,\"allow_outbound\":true}}",
			   &p) == 0);
	CHECK(p.capabilities == 7 && p.max_blocks == 1000000 && p.max_bytes == 5000000000000ull);
	CHECK(!p.allow_inbound && p.allow_outbound && !p.has_hash);
	/* The hash is over the members as written, with policy_hash removed. */
	CHECK(check_policy("{\"requested_capabilities\":[]}", &p) == 0);
	/* sha256sum of the 29 bytes {"requested_capabilities":[]} */
	CHECK_STR(p.hash, "c8d79c04bd57a1f2065b0525b270e7fabcc2078a5942899efe6057f872410b28");
	CHECK(check_policy("{\"requested_capabilities\":[\"store_blocks\",\"store_blocks\"]}", &p) <
	      0);
	CHECK(check_policy("{\"requested_capabilities\":[\"fly\"]}", &p) < 0);
	CHECK(check_policy("{\"requested_capabilities\":[],\"x\":1}", &p) < 0);
	CHECK(check_policy("{\"requested_capabilities\":[],\"federation\":{\"allow_inbound\":true}}",
			   &p) < 0);

	CHECK(sg_time_parse("2026-01-31T23:59:59Z", 20, "t", &t) == 0);
	CHECK(sg_time_format(t, ts) == 0);
	CHECK_STR(ts, "2026-01-31T23:59:59Z");
	CHECK(sg_time_parse("1970-01-01T00:00:00Z", 20, "t", &t) == 0 && t == 0);
	CHECK(sg_time_parse("2026-02-29T00:00:00Z", 20, "t", &t) < 0);
	CHECK(sg_time_parse("2026-01-01T00:00:00+00:00", 25, "t", &t) < 0);
	CHECK(sg_time_parse("2026-01-01t00:00:00Z", 20, "t", &t) < 0);
	CHECK(sg_time_parse("2026-01-01T24:00:00Z", 20, "t", &t) < 0);
	return check_done();
}
