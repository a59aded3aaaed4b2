/* test_dam - the Domain Authority Manifest (dam.h): a DAM built from a
 * fixed seed (its exact JCS), signed, then a table of mutations of the
 * DAM file, each with the sg_dam_result and the exact message that
 * sg_dam_verify must give: every shape rule, the signature, the DomainID
 * (derived and expected), expiry and issue time at the second. Then
 * sg_dam_build's refusals and sg_dam_role_valid's boundaries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "check.h"
#include "crypto.h"
#include "dam.h"
#include "err.h"
#include "json.h"
#include "jsonedit.h"
#include "signed.h"

#define T0 ((time_t)1767225600)	     /* 2026-01-01T00:00:00Z */
#define EXPIRES ((time_t)1798761600) /* 2027-01-01T00:00:00Z */

static uint8_t seed[32], pub[32], seed2[32], pub2[32], signer[32];
static char id[SG_DOMAIN_ID_LEN + 1], id2[SG_DOMAIN_ID_LEN + 1];
static char pub_b64[64], pub2_b64[64];

static const char *const roles2[] = { "domain_root", "dam_signer" };

static struct sg_dam_params params(void)
{
	struct sg_dam_params p = {
		.domain_id = id,
		.root_public_key = pub,
		.issued_at = T0,
		.expires = 1,
		.expires_at = EXPIRES,
		.roles = roles2,
		.nroles = 2,
		.human_name = "Example",
		.dns_claim = "example.org",
		.signer_keys = (const uint8_t(*)[32])signer,
		.nsigner_keys = 1,
	};
	return p;
}

/* %I the DomainID, %J the other one, %K the other public key */
static const char *expand(const char *t)
{
	static char out[2][1024];
	static int k;
	char *o;

	if (!t)
		return NULL;
	k ^= 1;
	o = out[k];
	for (; *t; t++) {
		if (*t == '%' && (t[1] == 'I' || t[1] == 'J' || t[1] == 'K')) {
			const char *s = t[1] == 'I' ? id : t[1] == 'J' ? id2 : pub2_b64;
			memcpy(o, s, strlen(s));
			o += strlen(s);
			t++;
		} else {
			*o++ = *t;
		}
	}
	*o = 0;
	return out[k];
}

struct row {
	const char *name;
	const char *path, *json; /* one edit of the DAM file; json NULL removes */
	int resign;		 /* 1: re-sign by the seed, 2: by the other seed */
	time_t now;		 /* 0: T0 */
	int expect;		 /* 1: expect_domain is the DAM's own, 2: the other */
	enum sg_dam_result want;
	const char *msg;
};

#define M "dam: "
static const struct row rows[] = {
	{ "the DAM as built", .want = SG_DAM_OK },
	{ "expecting its own domain", .expect = 1, .want = SG_DAM_OK },
	{ "a second before it expires", .now = EXPIRES - 1, .want = SG_DAM_OK },
	{ "never expiring, far on", "dam.expires_at", "null", 1, .now = EXPIRES * 2,
	  .want = SG_DAM_OK },
	{ "dns_claim null", "dam.metadata.dns_claim", "null", 1, .want = SG_DAM_OK },
	{ "without signer_keys", "dam.signer_keys", NULL, 1, .want = SG_DAM_OK },
	{ "a 64-character role", "dam.roles",
	  "[\"abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz0\"]", 1,
	  .want = SG_DAM_OK },
	{ "the signature naming its key", "dam_signature.public_key", "\"PUB\"", 0,
	  .want = SG_DAM_OK },

	/* the file's shape */
	{ "no dam_signature", "dam_signature", NULL, .want = SG_DAM_MALFORMED,
	  .msg = M "missing member \"dam_signature\"" },
	{ "an extra member of the file", "extra", "1", .want = SG_DAM_MALFORMED,
	  .msg = M "unknown member \"extra\"" },
	/* the DAM's shape (re-signed: the shape is checked first anyway) */
	{ "an unknown member", "dam.extra", "1", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "unknown member \"extra\"" },
	{ "no metadata", "dam.metadata", NULL, 1, .want = SG_DAM_MALFORMED,
	  .msg = M "missing member \"metadata\"" },
	{ "version 0.2", "dam.version", "\"0.2\"", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "unsupported DAM version \"0.2\"" },
	{ "version a number", "dam.version", "1", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "\"version\" is not a string" },
	{ "a domain_id of 51 characters", "dam.domain_id",
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "domain_id is not a DomainID (52 base32 characters)" },
	{ "a root_public_key of 31 bytes", "dam.root_public_key",
	  "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "key is not the padded base64 of 32 bytes" },
	{ "issued_at null", "dam.issued_at", "null", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "\"issued_at\" is not a string" },
	{ "issued_at not a timestamp", "dam.issued_at", "\"yesterday\"", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "issued_at: not an RFC 3339 UTC timestamp YYYY-MM-DDTHH:MM:SSZ" },
	{ "expires_at on February 30", "dam.expires_at", "\"2026-02-30T00:00:00Z\"", 1,
	  .want = SG_DAM_MALFORMED,
	  .msg = M "expires_at: 2026-02-30T00:00:00Z is not a valid date and time" },
	{ "expires_at = issued_at", "dam.expires_at", "\"2026-01-01T00:00:00Z\"", 1,
	  .want = SG_DAM_MALFORMED, .msg = M "expires_at is not after issued_at" },
	{ "no roles", "dam.roles", "[]", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "roles must be a non-empty array" },
	{ "roles not an array", "dam.roles", "\"domain_root\"", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "roles must be a non-empty array" },
	{ "an uppercase role", "dam.roles", "[\"domain_root\",\"Root\"]", 1,
	  .want = SG_DAM_MALFORMED, .msg = M "roles[1] is not a role name ([a-z0-9_]+)" },
	{ "a 65-character role", "dam.roles",
	  "[\"abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz01\"]", 1,
	  .want = SG_DAM_MALFORMED, .msg = M "roles[0] is not a role name ([a-z0-9_]+)" },
	{ "a role with a NUL", "dam.roles", "[\"a\\u0000b\"]", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "roles[0] is not a role name ([a-z0-9_]+)" },
	{ "a role twice", "dam.roles", "[\"a\",\"b\",\"a\"]", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "role \"a\" is listed twice" },
	{ "metadata with an extra member", "dam.metadata.extra", "1", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "unknown member \"extra\"" },
	{ "human_name null", "dam.metadata.human_name", "null", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "\"human_name\" is not a string" },
	{ "dns_claim a number", "dam.metadata.dns_claim", "1", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "\"dns_claim\" is not a string or null" },
	{ "signer_keys empty", "dam.signer_keys", "[]", 1, .want = SG_DAM_MALFORMED,
	  .msg = M "signer_keys must be a non-empty array" },
	{ "a signer key of another type", "dam.signer_keys.0", NULL, 0,
	  .want = SG_DAM_OK }, /* placeholder, replaced below */
	/* the signature */
	{ "a member changed, not re-signed", "dam.metadata.human_name", "\"Other\"",
	  .want = SG_DAM_BAD_SIGNATURE,
	  .msg = M "Ed25519 signature does not verify (ctx signet/v1/dam)" },
	{ "signed by another key", .resign = 2, .want = SG_DAM_BAD_SIGNATURE,
	  .msg = M "Ed25519 signature does not verify (ctx signet/v1/dam)" },
	{ "the signature naming another key", "dam_signature.public_key", "\"%K\"",
	  .want = SG_DAM_BAD_SIGNATURE, .msg = M "signature names a different public key" },
	{ "signed_bytes sha512", "dam_signature.signed_bytes", "\"sha512\"",
	  .want = SG_DAM_BAD_SIGNATURE, .msg = M "signed_bytes \"sha512\" is not sha256" },
	{ "a signature of 63 bytes", "dam_signature.signature",
	  "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"",
	  .want = SG_DAM_BAD_SIGNATURE, .msg = M "signature is not the padded base64 of 64 bytes" },
	/* the DomainID */
	{ "a domain_id of another key, re-signed", "dam.domain_id", "\"%J\"", 1,
	  .want = SG_DAM_DOMAIN_MISMATCH,
	  .msg = M "domain_id %J does not derive from root_public_key (which gives %I)" },
	{ "expecting another domain", .expect = 2, .want = SG_DAM_DOMAIN_MISMATCH,
	  .msg = M "domain_id %I is not the expected domain %J" },
	/* the time */
	{ "at expires_at", .now = EXPIRES, .want = SG_DAM_EXPIRED,
	  .msg = M "DAM expired at 2027-01-01T00:00:00Z" },
	{ "a second before issued_at", .now = T0 - 1, .want = SG_DAM_EXPIRED,
	  .msg = M "DAM is issued in the future (2026-01-01T00:00:00Z)" },
	{ "expired, and expecting another domain: the domain first", .now = EXPIRES, .expect = 2,
	  .want = SG_DAM_DOMAIN_MISMATCH, .msg = M "domain_id %I is not the expected domain %J" },
	{ "expired and not re-signed: the signature first", "dam.metadata.human_name", "\"Other\"",
	  .now = EXPIRES, .want = SG_DAM_BAD_SIGNATURE,
	  .msg = M "Ed25519 signature does not verify (ctx signet/v1/dam)" },
};

int main(void)
{
	struct sg_buf b = SG_BUF_INIT;
	struct sg_json *dam, *file;
	struct sg_dam_params p;
	static const char want_jcs_head[] = "{\"domain_id\":\"";
	char want_jcs[1024];

	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)(0x20 + i);
		seed2[i] = (uint8_t)(0x90 + i);
		signer[i] = (uint8_t)i;
	}
	if (sg_ed25519_public(seed, pub) < 0 || sg_ed25519_public(seed2, pub2) < 0 ||
	    sg_domain_id(pub, id) < 0 || sg_domain_id(pub2, id2) < 0)
		return 1;
	sg_b64_encode_buf(&b, pub, 32, SG_B64_PAD);
	sg_buf_terminate(&b);
	snprintf(pub_b64, sizeof(pub_b64), "%s", (char *)b.data);
	b.len = 0;
	sg_b64_encode_buf(&b, pub2, 32, SG_B64_PAD);
	sg_buf_terminate(&b);
	snprintf(pub2_b64, sizeof(pub2_b64), "%s", (char *)b.data);
	sg_buf_free(&b);

	/* the DAM as built: exactly dam.h's shape */
	p = params();
	dam = sg_dam_build(&p);
	CHECK(dam != NULL);
	CHECK(sg_json_canonical(dam, &b) == 0 && sg_buf_terminate(&b) == 0);
	snprintf(want_jcs, sizeof(want_jcs),
		 "%s%s\",\"expires_at\":\"2027-01-01T00:00:00Z\",\"issued_at\":\"2026-01-01T00:00:00Z\","
		 "\"metadata\":{\"dns_claim\":\"example.org\",\"human_name\":\"Example\"},"
		 "\"roles\":[\"domain_root\",\"dam_signer\"],\"root_public_key\":\"%s\","
		 "\"signer_keys\":[{\"encoding\":\"base64\",\"type\":\"ed25519\",\"value\":"
		 "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}],\"version\":\"0.1\"}",
		 want_jcs_head, id, pub_b64);
	CHECK_STR((char *)b.data, want_jcs);
	sg_buf_free(&b);
	file = sg_dam_sign(dam, seed);
	CHECK(file != NULL && file->kind == SG_JSON_OBJECT && file->u.object.len == 2);
	/* the signature does not name its key, and the DAM is a copy */
	CHECK(sg_json_get(sg_json_get(file, "dam_signature"), "public_key") == NULL);
	CHECK(sg_json_get(file, "dam") != dam);
	sg_json_free(dam);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct sg_json *f = sg_json_clone(file);
		const char *json = r->json;
		const char *msg = expand(r->msg);
		const char *expect = r->expect == 1 ? id : r->expect == 2 ? id2 : NULL;
		enum sg_dam_result got;

		if (!strcmp(r->name, "a signer key of another type")) {
			/* through the array: the first signer key's type */
			struct sg_json *k =
				sg_json_get(sg_json_get(f, "dam"), "signer_keys")->u.array.items[0];

			sg_json_set(k, "type", sg_json_new_string("x25519"));
			sg_json_set(f, "dam_signature",
				    sg_signature_make("dam", sg_json_get(f, "dam"), seed, 0));
			got = sg_dam_verify(f, "dam", T0, NULL);
			CHECK(got == SG_DAM_MALFORMED);
			CHECK_STR(sg_errmsg(), "dam: signer_keys[0] is not an ed25519 key in base64");
			sg_json_free(f);
			continue;
		}
		if (json && !strcmp(json, "\"PUB\"")) {
			char q[80];

			snprintf(q, sizeof(q), "\"%s\"", pub_b64);
			CHECK(json_edit(f, r->path, q) == 0);
		} else if (r->path) {
			CHECK(json_edit(f, r->path, expand(json)) == 0);
		}
		if (r->resign)
			sg_json_set(f, "dam_signature",
				    sg_signature_make("dam", sg_json_get(f, "dam"),
						      r->resign == 1 ? seed : seed2, 0));
		sg_errclear();
		got = sg_dam_verify(f, "dam", r->now ? r->now : T0, expect);
		if (got != r->want || (msg && strcmp(sg_errmsg(), msg)))
			fprintf(stderr, "row %zu (%s): got %d \"%s\"\n", i, r->name, got,
				sg_errmsg());
		CHECK(got == r->want);
		if (msg)
			CHECK_STR(sg_errmsg(), msg);
		if (r->want != SG_DAM_OK)
			CHECK(sg_errmsg()[0] != 0);
		/* sg_dam_verify_parts is the same check of the two halves */
		if (sg_json_get(f, "dam_signature") && !sg_json_get(f, "extra"))
			CHECK(sg_dam_verify_parts(sg_json_get(f, "dam"),
						  sg_json_get(f, "dam_signature"), "dam",
						  r->now ? r->now : T0, expect) == r->want);
		sg_json_free(f);
	}
	sg_json_free(file);

	/* sg_dam_build refuses what verification would */
	{
		static const char *const bad_role[] = { "Root" };
		static const char *const twice[] = { "a", "a" };
		struct sg_dam_params q;

		q = params();
		q.nroles = 0;
		sg_errclear();
		CHECK(sg_dam_build(&q) == NULL);
		CHECK_STR(sg_errmsg(), "new DAM: roles must be a non-empty array");
		q = params();
		q.roles = bad_role;
		q.nroles = 1;
		CHECK(sg_dam_build(&q) == NULL);
		CHECK_STR(sg_errmsg(), "new DAM: roles[0] is not a role name ([a-z0-9_]+)");
		q = params();
		q.roles = twice;
		CHECK(sg_dam_build(&q) == NULL);
		CHECK_STR(sg_errmsg(), "new DAM: role \"a\" is listed twice");
		q = params();
		q.expires_at = q.issued_at;
		CHECK(sg_dam_build(&q) == NULL);
		CHECK_STR(sg_errmsg(), "new DAM: expires_at is not after issued_at");
		q = params();
		q.domain_id = "short";
		CHECK(sg_dam_build(&q) == NULL);
		CHECK_STR(sg_errmsg(), "new DAM: domain_id is not a DomainID (52 base32 characters)");
		/* a DomainID of another key is a verification matter, not a shape one */
		q = params();
		q.domain_id = id2;
		q.expires = 0;
		q.dns_claim = NULL;
		q.nsigner_keys = 0;
		dam = sg_dam_build(&q);
		CHECK(dam != NULL && sg_json_get(dam, "signer_keys") == NULL &&
		      sg_json_get(dam, "expires_at")->kind == SG_JSON_NULL &&
		      sg_json_get(sg_json_get(dam, "metadata"), "dns_claim")->kind == SG_JSON_NULL);
		file = sg_dam_sign(dam, seed);
		CHECK(sg_dam_verify(file, "dam", T0, NULL) == SG_DAM_DOMAIN_MISMATCH);
		sg_json_free(file);
		sg_json_free(dam);
	}

	/* role names */
	CHECK(sg_dam_role_valid("a"));
	CHECK(sg_dam_role_valid("domain_root"));
	CHECK(sg_dam_role_valid("0_9"));
	CHECK(sg_dam_role_valid("abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz0"));
	CHECK(!sg_dam_role_valid("abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz01"));
	CHECK(!sg_dam_role_valid(""));
	CHECK(!sg_dam_role_valid("A"));
	CHECK(!sg_dam_role_valid("a-b"));
	CHECK(!sg_dam_role_valid("a b"));
	CHECK(!sg_dam_role_valid("\xc3\xa9"));
	return check_done();
}
