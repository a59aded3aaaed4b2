/* TUF metadata (tufmeta.h): the keyid and a signature computed by an
 * independent implementation (Python's json with sort_keys and the
 * cryptography package, over RFC 8032's first test key), the threshold
 * counting distinct keys, every refusal of the reader, and the
 * delegation patterns (TUF's '*' is one path component). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "hex.h"
#include "json.h"
#include "tufmeta.h"

#define SEED "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define PUB "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define KEYID "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916"
/* Python: sk.sign(json.dumps(signed, sort_keys=True, separators=(",", ":"))) */
#define SIG                                                                        \
	"7a8dd9d7c7a262ae73113c955956b30680f13ae3e82309e728602d4b46e65cbc23eb679e" \
	"04f2cf9f6d403815430843bff564e001557a7422addeda627d1cab0b"
#define TS_SIGNED                                                                  \
	"{\"_type\":\"timestamp\",\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{" \
	"\"snapshot.json\":{\"version\":2}},\"spec_version\":\"1.0.31\",\"version\":3}"

static struct sg_tuf_key the_key(void)
{
	struct sg_tuf_key k = { .keyid = (char *)KEYID, .usable = 1 };
	size_t n;
	sg_hex_decode(PUB, 64, k.pub, 32, &n);
	return k;
}

static int parse(const char *text, enum sg_tuf_type t, struct sg_tuf_meta *m)
{
	return sg_tuf_meta_parse(text, strlen(text), t, sg_tuf_type_name(t), "test.json", m);
}

static void test_keyid_and_python_signature(void)
{
	uint8_t pub[32];
	char id[SG_TUF_KEYID_LEN + 1];
	size_t n;
	char *doc = NULL;

	sg_hex_decode(PUB, 64, pub, 32, &n);
	CHECK(sg_tuf_keyid(pub, id) == 0);
	CHECK_STR(id, KEYID);

	CHECK(asprintf(&doc, "{\"signatures\":[{\"keyid\":\"%s\",\"sig\":\"%s\"}],\"signed\":%s}",
		       KEYID, SIG, TS_SIGNED) > 0);
	struct sg_tuf_meta m;
	struct sg_tuf_key k = the_key();
	char *ids[] = { (char *)KEYID };
	struct sg_tuf_rolekeys rk = { ids, 1, 1 };
	CHECK(parse(doc, SG_TUF_TIMESTAMP, &m) == 0);
	CHECK(m.version == 3 && m.nmeta == 1 && m.meta[0].version == 2);
	CHECK(sg_tuf_meta_verify(&m, &k, 1, &rk, "ts") == 0);
	sg_tuf_meta_free(&m);

	/* one signature byte changed: not signed */
	char *p = strstr(doc, SIG);
	p[10] = p[10] == '0' ? '1' : '0';
	CHECK(parse(doc, SG_TUF_TIMESTAMP, &m) == 0);
	CHECK(sg_tuf_meta_verify(&m, &k, 1, &rk, "ts") < 0);
	CHECK(strstr(sg_errmsg(), "signed by 0 of the 1") != NULL);
	sg_tuf_meta_free(&m);
	free(doc);
}

/* Signed here, read back, verified; the same key under two keyids
 * counts once toward a threshold of two. */
static void test_sign_threshold(void)
{
	struct sg_tuf_signer s;
	struct sg_buf file = SG_BUF_INIT;
	struct sg_tuf_meta m;
	size_t n;

	sg_hex_decode(SEED, 64, s.seed, 32, &n);
	sg_hex_decode(PUB, 64, s.pub, 32, &n);
	struct sg_json *signed_obj = NULL;
	CHECK(sg_json_parse(TS_SIGNED, strlen(TS_SIGNED), &signed_obj) == 0);
	CHECK(sg_tuf_sign(signed_obj, &s, 1, &file) == 0);
	CHECK(file.len && file.data[file.len - 1] == '\n');
	/* Ed25519 is deterministic: the Python signature, exactly */
	CHECK(memmem(file.data, file.len, SIG, strlen(SIG)) != NULL);
	CHECK(sg_tuf_meta_parse((const char *)file.data, file.len, SG_TUF_TIMESTAMP, "timestamp",
				"t", &m) == 0);
	struct sg_tuf_key keys[2] = { the_key(), the_key() };
	keys[1].keyid = (char *)"other-id";
	char *ids[] = { (char *)KEYID, (char *)"other-id" };
	struct sg_tuf_rolekeys two = { ids, 2, 2 }, one = { ids, 2, 1 };
	CHECK(sg_tuf_meta_verify(&m, keys, 2, &one, "t") == 0);
	CHECK(sg_tuf_meta_verify(&m, keys, 2, &two, "t") < 0);
	/* a key of another type never counts */
	keys[0].usable = 0;
	CHECK(sg_tuf_meta_verify(&m, keys, 2, &one, "t") < 0);
	sg_tuf_meta_free(&m);
	sg_json_free(signed_obj);
	sg_buf_free(&file);
}

struct refusal {
	enum sg_tuf_type type;
	const char *signed_obj, *why;
};

#define T_ \
	"\"_type\":\"targets\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":\"2030-01-01T00:00:00Z\""
#define H_ "\"hashes\":{\"sha256\":\"" KEYID "\"}"

static const struct refusal refusals[] = {
	{ SG_TUF_TIMESTAMP, "{" T_ ",\"meta\":{}}", "_type is \"targets\"" },
	{ SG_TUF_TARGETS,
	  "{\"_type\":\"targets\",\"spec_version\":\"2.0.0\",\"version\":1,\"expires\":\"2030-01-01T00:"
	  "00:00Z\",\"targets\":{}}",
	  "not 1.x" },
	{ SG_TUF_TARGETS,
	  "{\"_type\":\"targets\",\"spec_version\":\"1.0.31\",\"version\":0,\"expires\":\"2030-01-01T00:"
	  "00:00Z\",\"targets\":{}}",
	  "out of range" },
	{ SG_TUF_TARGETS,
	  "{\"_type\":\"targets\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":\"2030-01-01 "
	  "00:00:00\",\"targets\":{}}",
	  "expires" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{\"a\":{\"length\":1,\"hashes\":{\"sha512\":\"00\"}}}}", "no sha256" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{\"a\":{\"length\":1,\"hashes\":{\"sha256\":\"" PUB "A\"}}}}",
	  "64 hex" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{\"a\":{\"length\":1,\"hashes\":{\"sha256\":"
	  "\"D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A\"}}}}",
	  "lowercase" },
	{ SG_TUF_TARGETS, "{" T_ ",\"targets\":{\"a\":{\"length\":-1," H_ "}}}", "out of range" },
	{ SG_TUF_TARGETS, "{" T_ ",\"targets\":{\"a\":{\"length\":1," H_ ",\"custom\":[]}}}",
	  "custom is not an object" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"../x\","
	  "\"keyids\":[],\"threshold\":1,\"terminating\":true,\"paths\":[\"*\"]}]}}",
	  "which a role may not have" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"snapshot\","
	  "\"keyids\":[],\"threshold\":1,\"terminating\":true,\"paths\":[\"*\"]}]}}",
	  "which a role may not have" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"a\","
	  "\"keyids\":[],\"threshold\":1,\"terminating\":true,\"paths\":[\"*\"],"
	  "\"path_hash_prefixes\":[\"ab\"]}]}}",
	  "exactly one of paths" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"a\","
	  "\"keyids\":[],\"threshold\":1,\"terminating\":true,\"paths\":[\"*\"]},{\"name\":\"a\","
	  "\"keyids\":[],\"threshold\":1,\"terminating\":true,\"paths\":[\"*\"]}]}}",
	  "delegated twice" },
	{ SG_TUF_TARGETS,
	  "{" T_ ",\"targets\":{},\"delegations\":{\"keys\":{},\"roles\":[{\"name\":\"a\","
	  "\"keyids\":[\"k\",\"k\"],\"threshold\":1,\"terminating\":true,\"paths\":[\"*\"]}]}}",
	  "twice" },
	{ SG_TUF_TIMESTAMP,
	  "{\"_type\":\"timestamp\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":\"2030-01-01T"
	  "00:00:00Z\",\"meta\":{\"snapshot.json\":{\"version\":1},\"x.json\":{\"version\":1}}}",
	  "snapshot.json only" },
	{ SG_TUF_SNAPSHOT,
	  "{\"_type\":\"snapshot\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":\"2030-01-01T"
	  "00:00:00Z\",\"meta\":{}}",
	  "lacks \"targets.json\"" },
	{ SG_TUF_ROOT,
	  "{\"_type\":\"root\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":\"2030-01-01T"
	  "00:00:00Z\",\"consistent_snapshot\":true,\"keys\":{},\"roles\":{\"root\":{\"keyids\":[],"
	  "\"threshold\":1}}}",
	  "lacks \"timestamp\"" },
	{ SG_TUF_ROOT,
	  "{\"_type\":\"root\",\"spec_version\":\"1.0.31\",\"version\":1,\"expires\":\"2030-01-01T"
	  "00:00:00Z\",\"consistent_snapshot\":true,\"keys\":{\"k\":{\"keytype\":\"ed25519\","
	  "\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"00\"}}},\"roles\":{}}",
	  "64 hex" },
};

static void test_refusals(void)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		char *doc = NULL;
		struct sg_tuf_meta m;
		CHECK(asprintf(&doc, "{\"signatures\":[],\"signed\":%s}", refusals[i].signed_obj) > 0);
		int rc = parse(doc, refusals[i].type, &m);
		CHECK(rc < 0);
		if (rc < 0 && !strstr(sg_errmsg(), refusals[i].why))
			fprintf(stderr, "refusal %zu: \"%s\" lacks \"%s\"\n", i, sg_errmsg(),
				refusals[i].why);
		CHECK(rc < 0 && strstr(sg_errmsg(), refusals[i].why));
		CHECK(rc < 0 && !strncmp(sg_errmsg(), "test.json: ", 11));
		if (rc == 0)
			sg_tuf_meta_free(&m);
		free(doc);
	}
	struct sg_tuf_meta m;
	/* the envelope: exactly two members, no duplicate signatures */
	CHECK(parse("{\"signatures\":[],\"signed\":{},\"x\":1}", SG_TUF_ROOT, &m) < 0);
	CHECK(parse("{\"signatures\":[{\"keyid\":\"a\",\"sig\":\"00\"},{\"keyid\":\"a\",\"sig\":"
		    "\"01\"}],\"signed\":{" T_ ",\"targets\":{}}}",
		    SG_TUF_TARGETS, &m) < 0);
	CHECK(strstr(sg_errmsg(), "two signatures by keyid a") != NULL);
	/* floats are outside the model */
	CHECK(parse("{\"signatures\":[],\"signed\":{" T_ ",\"targets\":{},\"x\":1.5}}",
		    SG_TUF_TARGETS, &m) < 0);
	/* unknown members of signed are kept, and an empty role is fine */
	CHECK(parse("{\"signatures\":[],\"signed\":{" T_ ",\"targets\":{},\"x-other\":\"y\"}}",
		    SG_TUF_TARGETS, &m) == 0);
	CHECK(sg_json_get(m.signed_obj, "x-other") != NULL);
	sg_tuf_meta_free(&m);
}

static void test_delegation_paths(void)
{
	char *paths[] = { (char *)"hosts/web1/*", (char *)"hosts/web1/*/*" };
	struct sg_tuf_delegation d = { .paths = paths, .npaths = 1 };

	CHECK(sg_tuf_delegation_matches(&d, "hosts/web1/uki.efi.age"));
	CHECK(!sg_tuf_delegation_matches(&d, "hosts/web1/boot/uki.efi.age"));
	CHECK(!sg_tuf_delegation_matches(&d, "hosts/web10/uki.efi.age"));
	CHECK(!sg_tuf_delegation_matches(&d, "hosts/web2/uki.efi.age"));
	d.npaths = 2;
	CHECK(sg_tuf_delegation_matches(&d, "hosts/web1/boot/uki.efi.age"));
	/* sha256("hosts/web1/a") starts with these hex digits */
	char *prefixes[] = { (char *)"zz", (char *)"" };
	struct sg_tuf_delegation h = { .prefixes = prefixes, .nprefixes = 1 };
	CHECK(!sg_tuf_delegation_matches(&h, "hosts/web1/a"));
	h.nprefixes = 2; /* the empty prefix matches every path */
	CHECK(sg_tuf_delegation_matches(&h, "hosts/web1/a"));
}

int main(void)
{
	test_keyid_and_python_signature();
	test_sign_threshold();
	test_refusals();
	test_delegation_paths();
	return check_done();
}
