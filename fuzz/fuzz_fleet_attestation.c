/* fuzz_fleet_attestation.c - the readers of a build's manifest and of a
 * builder's attestation (fleetbuild.h, fleetattest.h) on arbitrary
 * bytes. The first byte picks the reader ('M' the manifest, anything
 * else the attestation); the rest is the file. The fleet is
 * fleet_sample.h's with one builder, b1, whose key is the seed
 * 00 01 .. 1f (corpus/fleet_attestation/attestation is signed with it).
 *
 * Whatever is accepted must have the shape the callers rely on: every
 * artifact an object with string path (and, in a manifest, kind, sha256
 * and inputs), an attestation naming a builder of the fleet. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/fleet_sample.h"
#include "err.h"
#include "fleetattest.h"
#include "fleetbuild.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char builder[] = "version: \"0.1\"\nhost: b1\nroles: [builder]\n"
			      "addresses: [127.10.0.11]\nssh_host_key: " SSH "\n"
			      "attestation_key: A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n";

static int string_member(const struct sg_json *o, const char *key)
{
	const struct sg_json *v = o->kind == SG_JSON_OBJECT ? sg_json_get(o, key) : NULL;

	return v && v->kind == SG_JSON_STRING;
}

static void check_artifacts(const struct sg_json *doc, int manifest)
{
	const struct sg_json *a = sg_json_get(doc, "artifacts");

	if (!a || a->kind != SG_JSON_ARRAY)
		abort();
	for (size_t i = 0; i < a->u.array.len; i++)
		if (!string_member(a->u.array.items[i], "path") ||
		    (manifest && (!string_member(a->u.array.items[i], "kind") ||
				  !string_member(a->u.array.items[i], "sha256") ||
				  !string_member(a->u.array.items[i], "inputs"))))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sg_fleet f;
	static int ready;
	struct sg_json *doc = NULL;

	if (!ready) {
		struct sg_buf diag = SG_BUF_INIT;
		if (parse_edited("hosts/b1.yaml", NULL, builder, &f, &diag) < 0)
			abort();
		sg_buf_free(&diag);
		ready = 1;
	}
	if (size == 0)
		return 0;
	if (data[0] == 'M') {
		if (sg_fleet_manifest_parse("m", (const char *)data + 1, size - 1, &doc) == 0)
			check_artifacts(doc, 1);
	} else if (sg_fleet_attestation_parse(&f, "a", (const char *)data + 1, size - 1, &doc) == 0) {
		check_artifacts(doc, 0);
		if (!sg_fleet_host(&f, sg_json_get(doc, "builder")->u.string.data))
			abort();
	}
	sg_json_free(doc);
	return 0;
}
