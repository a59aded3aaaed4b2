/* test_bundle - the pieces of bundles and admission that need no files:
 * YAML to the data model (ints, floats refused, comments dropped), UUIDv4
 * shape, the admission section's checks, and the replay ledger reader
 * (canonical lines only). */
#include <stdlib.h>
#include <string.h>

#include "admit.h"
#include "bundle.h"
#include "check.h"
#include "err.h"
#include "json.h"
#include "yamldoc.h"

static int yaml_model(const char *yaml, struct sg_json **out)
{
	struct sg_sops_node *doc;
	int rc;

	if (sg_yaml_read("t", yaml, strlen(yaml), &doc) < 0)
		return -1;
	rc = sg_bundle_node_to_json(doc, "t", out);
	sg_sops_free(doc);
	return rc;
}

static int admission(const char *json, struct sg_admission_req *r, struct sg_json **j)
{
	if (sg_json_parse_flags(json, strlen(json), SG_JSON_MODEL, j) < 0)
		return -1;
	return sg_bundle_check_admission(*j, "t", r);
}

static int ledger(const char *text)
{
	struct sg_ledger_entry *v;
	size_t n;
	int rc = sg_admit_ledger_parse("t", text, strlen(text), &v, &n);

	free(v);
	return rc < 0 ? -1 : (int)n;
}

#define ENTRY                                                                                               \
	"{\"admitted_at\":\"2026-01-01T00:00:00Z\",\"bundle_id\":\"4dbbf6bf-0b0e-46ef-95cf-e71f2f2cb28f\"," \
	"\"domain_id\":\"svjni7nzg6za6cjemspmjart2ushcta32h7yyt2nbywuqa6y4wgq\",\"policy_hash\":"           \
	"\"339eab58d098e50e467e585e1c5569a26b47312814d8af9a1efb90a8a05b5791\"}"

int main(void)
{
	struct sg_json *j = NULL;
	struct sg_buf canon = SG_BUF_INIT;
	struct sg_admission_req r;
	struct sg_sops_node *n;
	char id[SG_UUID_LEN + 1];

	/* YAML -> model: go-yaml's ints (1_000_000), strings kept, comments out */
	CHECK(yaml_model("# c\na: 1_000_000\nb: 5TB\nc: [x, true, null]\n", &j) == 0);
	CHECK(sg_json_canonical(j, &canon) == 0);
	CHECK(canon.len == strlen("{\"a\":1000000,\"b\":\"5TB\",\"c\":[\"x\",true,null]}") &&
	      memcmp(canon.data, "{\"a\":1000000,\"b\":\"5TB\",\"c\":[\"x\",true,null]}",
		     canon.len) == 0);
	/* and back to a tree that writes the same model */
	n = sg_sops_from_json(j, SG_SOPS_NUMBERS_MODEL);
	CHECK(n != NULL && n->kind == SG_SOPS_MAP && n->n == 3);
	sg_sops_free(n);
	sg_json_free(j);
	sg_buf_free(&canon);
	CHECK(yaml_model("a: 1.5\n", &j) < 0);
	CHECK(strstr(sg_errmsg(), "floats") != NULL);
	CHECK(yaml_model("a: 9007199254740992\n", &j) < 0);

	/* UUIDv4 */
	CHECK(sg_uuid4(id) == 0);
	CHECK(strlen(id) == 36 && id[14] == '4' && strchr("89ab", id[19]) && id[8] == '-');

	CHECK(sg_bundle_purpose_valid("rescue") && !sg_bundle_purpose_valid("Rescue"));

	/* the admission section */
	CHECK(admission("{\"mode\":\"courtesy\",\"intent\":\"x\",\"courtesy_lease\":{\"requested\":"
			"{\"duration_days\":180,\"storage_bytes\":\"2TB\",\"encrypted_only\":true}}}",
			&r, &j) == 0);
	CHECK(r.has_lease && r.days == 180 && r.bytes == 2000000000000ull && r.encrypted_only &&
	      !r.permanent && !strcmp(r.intent, "x"));
	sg_json_free(j);
	CHECK(admission("{\"mode\":\"permanent\"}", &r, &j) == 0 && r.permanent && !r.intent);
	sg_json_free(j);
	CHECK(admission("{\"mode\":\"forever\"}", &r, &j) < 0);
	sg_json_free(j);
	CHECK(admission("{\"intent\":\"x\",\"extra\":1}", &r, &j) < 0);
	sg_json_free(j);
	CHECK(admission("{\"courtesy_lease\":{\"requested\":{\"duration_days\":-1}}}", &r, &j) < 0);
	sg_json_free(j);
	CHECK(admission("{\"courtesy_lease\":{\"requested\":{\"storage_bytes\":\"2XB\"}}}", &r, &j) <
	      0);
	sg_json_free(j);
	CHECK(admission("{\"target_domain\":\"common\"}", &r, &j) < 0);
	sg_json_free(j);

	/* the replay ledger: canonical lines, newline-terminated */
	CHECK(ledger("") == 0);
	CHECK(ledger(ENTRY "\n") == 1);
	CHECK(ledger(ENTRY "\n" ENTRY "\n") == 2);
	CHECK(ledger(ENTRY) < 0);
	CHECK(ledger("{\"bundle_id\":\"x\"}\n") < 0);
	CHECK(ledger("{ \"admitted_at\":\"2026-01-01T00:00:00Z\"}\n") < 0);
	CHECK(ledger("\n") < 0);
	return check_done();
}
