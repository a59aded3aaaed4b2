/* test_admit - host-side admission (admit.h): one good bundle, sealed to a
 * fixed age identity from a domain of a fixed seed, and a table of
 * mutations of its clear header and contents, each with the
 * sg_admit_result (the exit code of `signet host admit`) and the exact
 * message it must give; every rule of admit.h, their order, and the
 * host states (no Common domain, an admission, a rotation) the rules
 * 20, 18 and 19 read. Then what sg_admit_commit writes (and never
 * writes), sg_admit_host_read, sg_admit_lease_state and sg_admit_init.
 *
 * Everything is fixed but the bundle ids sg_bundle_seal draws (messages
 * name them through %I and %J) and the temporary directory (%H). */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admit.h"
#include "age.h"
#include "base64.h"
#include "bundle.h"
#include "check.h"
#include "crypto.h"
#include "dam.h"
#include "domain.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "jsonedit.h"
#include "policy.h"
#include "signed.h"
#include "timestamp.h"

#define DAY 86400
#define T0 ((time_t)1767225600)	 /* 2026-01-01T00:00:00Z: the DAMs' issued_at */
#define NOW (T0 + DAY)		 /* when the bundles are sealed and admitted */
#define EXPIRES (T0 + 365 * DAY) /* the DAMs' expires_at: 2027-01-01T00:00:00Z */
#define NEW_ID "00000000-0000-4000-8000-000000000001"

static const char identity[] =
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n";

/* Domain A (the bundle's), B (A rotated), C (the hosts' Common domain). */
struct dom {
	uint8_t seed[32], pub[32];
	char id[SG_DOMAIN_ID_LEN + 1];
	char pub_b64[SG_KEY_B64_LEN + 1];
};
static struct dom A, B, C;

static char tmp[] = "/tmp/signet-test-admit-XXXXXX";
enum { H_FRESH, H_NOCOMMON, H_ADMITTED, H_ROTATED, H_TAMPERED, H_BADCOMMON, H_BADLEDGER, NHOSTS };
static const char *const host_names[NHOSTS] = { "fresh",    "nocommon",	 "admitted", "rotated",
						"tampered", "badcommon", "badledger" };
static char hosts[NHOSTS][512];

/* The two sealed bundles, opened: 0 of domain A, 1 of B with the
 * rotation statement A -> B. */
static struct sg_bundle_header hdr[2];
static struct sg_json *contents[2];
static struct sg_json *rot_ab; /* the statement, for a mutation */
static char policy_hash[65];

static const struct sg_admit_limits limits[3] = {
	{ .max_days = 365, .has_max_bytes = 1, .max_bytes = 2000000000000ull },
	{ .max_days = 365, .has_max_bytes = 1, .max_bytes = 2000000000000ull, .allow_permanent = 1 },
	{ .max_days = 365 },
};

static void make_dom(struct dom *d, uint8_t first)
{
	struct sg_buf b = SG_BUF_INIT;

	for (int i = 0; i < 32; i++)
		d->seed[i] = (uint8_t)(first + i);
	if (sg_ed25519_public(d->seed, d->pub) < 0 || sg_domain_id(d->pub, d->id) < 0 ||
	    sg_b64_encode_buf(&b, d->pub, 32, SG_B64_PAD) < 0 || b.len != SG_KEY_B64_LEN) {
		fprintf(stderr, "make_dom: %s\n", sg_errmsg());
		exit(1);
	}
	memcpy(d->pub_b64, b.data, b.len);
	d->pub_b64[b.len] = 0;
	sg_buf_free(&b);
}

static struct sg_json *parse(const char *text)
{
	struct sg_json *j = NULL;

	if (sg_json_parse_flags(text, strlen(text), SG_JSON_MODEL, &j) < 0) {
		fprintf(stderr, "parse %s: %s\n", text, sg_errmsg());
		exit(1);
	}
	return j;
}

static struct sg_json *dam_file(const struct dom *d)
{
	static const char *const roles[] = { "domain_root" };
	struct sg_dam_params p = {
		.domain_id = d->id,
		.root_public_key = d->pub,
		.issued_at = T0,
		.expires = 1,
		.expires_at = EXPIRES,
		.roles = roles,
		.nroles = 1,
		.human_name = "Test domain",
	};
	struct sg_json *dam = sg_dam_build(&p), *f = sg_dam_sign(dam, d->seed);

	sg_json_free(dam);
	return f;
}

/* Seals a bundle of d (with the rotation statement rot, or none) to the
 * fixed identity and opens it again. */
static void seal_open(const struct dom *d, const struct sg_json *rot, struct sg_age_identities *ids,
		      char *recipient, int which)
{
	char adm_text[512], bundle_id[SG_UUID_LEN + 1];
	struct sg_json *df = dam_file(d), *adm, *pol;
	struct sg_buf out = SG_BUF_INIT;
	struct sg_bundle_seal_params p;

	snprintf(adm_text, sizeof(adm_text),
		 "{\"target_domain\":\"%s\",\"mode\":\"courtesy\",\"intent\":\"store our blocks\","
		 "\"courtesy_lease\":{\"requested\":{\"duration_days\":30,\"storage_bytes\":\"1TB\","
		 "\"encrypted_only\":true}}}",
		 C.id);
	adm = parse(adm_text);
	pol = parse("{\"requested_capabilities\":[\"store_blocks\"],"
		    "\"requested_storage\":{\"max_bytes\":\"1TB\"}}");
	memset(&p, 0, sizeof(p));
	p.purpose = "admission";
	p.domain_id = d->id;
	p.root_public_key = d->pub;
	p.root_seed = d->seed;
	p.key_created_at = "2026-01-01T00:00:00Z";
	p.dam_file = df;
	p.rotation = rot;
	p.policy = pol;
	p.admission = adm;
	p.recipients = &recipient;
	p.nrecipients = 1;
	p.now = NOW;
	if (!df || sg_bundle_seal(&p, &out, bundle_id) < 0 ||
	    sg_bundle_open("bundle", (const char *)out.data, out.len, ids, &hdr[which],
			   &contents[which]) < 0 ||
	    strcmp(hdr[which].bundle_id, bundle_id) != 0) {
		fprintf(stderr, "seal_open: %s\n", sg_errmsg());
		exit(1);
	}
	if (which == 0) {
		struct sg_age_identities other = { 0 };
		struct sg_age_identity gen;
		struct sg_bundle_header h;
		struct sg_json *c = NULL;
		char *flip;

		/* rule 1 (exit 10) is sg_bundle_open's: another identity, or a
		 * header changed under the MAC, is refused */
		CHECK(sg_age_identity_generate(&gen) == 0);
		other.v = &gen;
		other.n = 1;
		sg_errclear();
		CHECK(sg_bundle_open("bundle", (const char *)out.data, out.len, &other, &h, &c) < 0 &&
		      !c && sg_errmsg()[0]);
		flip = strstr((char *)out.data, "purpose: admission");
		CHECK(flip != NULL);
		if (flip) {
			memcpy(flip, "purpose: recovery ", 18);
			sg_errclear();
			CHECK(sg_bundle_open("bundle", (const char *)out.data, out.len, ids, &h,
					     &c) < 0 &&
			      !c && sg_errmsg()[0]);
		}
		sg_wipe(&gen, sizeof(gen));
	}
	sg_buf_free(&out);
	sg_json_free(df);
	sg_json_free(adm);
	sg_json_free(pol);
}

/* The template t with its placeholders: %A %B %C the DomainIDs, %K B's
 * public key, %P the bundles' policy hash, %I the bundle id at hand,
 * %J bundle A's, %H the host root at hand, %R the rotation statement
 * A -> B (JCS). Returned in a static buffer, one of four. */
static const char *expand(const char *t, const char *bundle_id, const char *host)
{
	static struct sg_buf out[4];
	static int k;
	struct sg_buf *o;

	k = (k + 1) % 4;
	o = &out[k];
	if (!t) {
		sg_buf_free(o);
		return NULL;
	}
	o->len = 0;
	for (; *t; t++) {
		if (*t != '%' || !t[1]) {
			sg_buf_append_byte(o, (uint8_t)*t);
			continue;
		}
		switch (*++t) {
		case 'A': sg_buf_append_str(o, A.id); break;
		case 'B': sg_buf_append_str(o, B.id); break;
		case 'C': sg_buf_append_str(o, C.id); break;
		case 'K': sg_buf_append_str(o, B.pub_b64); break;
		case 'P': sg_buf_append_str(o, policy_hash); break;
		case 'I': sg_buf_append_str(o, bundle_id); break;
		case 'J': sg_buf_append_str(o, hdr[0].bundle_id); break;
		case 'H': sg_buf_append_str(o, host); break;
		case 'R': sg_json_canonical(rot_ab, o); break;
		default: sg_buf_append_byte(o, '%'); sg_buf_append_byte(o, (uint8_t)*t);
		}
	}
	sg_buf_terminate(o);
	return (const char *)o->data;
}

static void free_expanded(void)
{
	for (int i = 0; i < 4; i++)
		expand(NULL, NULL, NULL);
}

struct edit {
	const char *path, *json; /* json NULL: the member is removed */
};

struct row {
	const char *name;
	int bundle; /* 0: domain A's, 1: domain B's (rotated from A) */
	int host;
	struct edit e[3];
	int resign; /* re-sign authority.dam after the edits: 1 by A's seed, 2 by B's */
	int rehash; /* recompute policy.policy_hash after the edits */
	const char *hdr_domain, *hdr_bundle_id;
	int lim;    /* index in limits[] */
	time_t now; /* 0: NOW */
	int answer; /* the confirmation: 1 yes (0 no, -1 error) */
	enum sg_admit_result want;
	const char *msg; /* NULL for SG_ADMIT_OK */
	/* the plan of an admission */
	uint64_t days;
	int has_bytes;
	uint64_t bytes;
	int enc;
	const char *rotated_from, *dam_expires;
};

/* clang-format off */
#define TARGET_B { "admission.target_domain", "\"%B\"" }
#define NEW_POLICY { "policy.requested_capabilities", "[\"store_blocks\",\"import_foreign_artifacts\"]" }
/* clang-format on */
#define OKLEASE .days = 30, .has_bytes = 1, .bytes = 1000000000000ull, .enc = 1

static const struct row rows[] = {
	/* the good bundle and the lease it is granted */
	{ "the good bundle", .answer = 1, OKLEASE },
	{ "courtesy lease at the host's limit: 365 days",
	  .e = { { "admission.courtesy_lease.requested.duration_days", "365" } }, .answer = 1,
	  .days = 365, .has_bytes = 1, .bytes = 1000000000000ull, .enc = 1 },
	{ "no courtesy_lease: the host's limits, not encrypted_only",
	  .e = { { "admission.courtesy_lease", NULL } }, .answer = 1, .days = 365, .has_bytes = 1,
	  .bytes = 2000000000000ull },
	{ "storage at the host's limit: 2TB",
	  .e = { { "admission.courtesy_lease.requested.storage_bytes", "\"2TB\"" } }, .answer = 1,
	  .days = 30, .has_bytes = 1, .bytes = 2000000000000ull, .enc = 1 },
	{ "no byte limit: 2^53 - 1 bytes",
	  .e = { { "admission.courtesy_lease.requested.storage_bytes", "9007199254740991" } },
	  .lim = 2, .answer = 1, .days = 30, .has_bytes = 1, .bytes = 9007199254740991ull, .enc = 1 },
	{ "no byte limit and none asked",
	  .e = { { "admission.courtesy_lease.requested.storage_bytes", NULL } }, .lim = 2,
	  .answer = 1, .days = 30, .enc = 1 },
	{ "encrypted_only false",
	  .e = { { "admission.courtesy_lease.requested.encrypted_only", "false" } }, .answer = 1,
	  .days = 30, .has_bytes = 1, .bytes = 1000000000000ull },
	{ "permanent admission on a host that offers it",
	  .e = { { "admission.mode", "\"permanent\"" } }, .lim = 1, .answer = 1, .days = 0,
	  .has_bytes = 1, .bytes = 1000000000000ull, .enc = 1 },
	{ "another policy, its hash recomputed", .e = { NEW_POLICY }, .rehash = 1, .answer = 1,
	  OKLEASE },
	{ "a DAM that never expires, re-signed, ten years on",
	  .e = { { "authority.dam.expires_at", "null" } }, .resign = 1, .now = T0 + 3650 * DAY,
	  .answer = 1, OKLEASE, .dam_expires = "" },
	{ "now = the DAM's issued_at", .now = T0, .answer = 1, OKLEASE },
	{ "now = a second before the DAM expires", .now = EXPIRES - 1, .answer = 1, OKLEASE },

	/* 11: the DAM signature */
	{ "DAM changed, not re-signed", .e = { { "authority.dam.metadata.human_name", "\"Other\"" } },
	  .want = SG_ADMIT_DAM_SIGNATURE,
	  .msg = "bundle: authority.dam: Ed25519 signature does not verify (ctx signet/v1/dam)" },
	{ "DAM signed by another key", .resign = 2, .want = SG_ADMIT_DAM_SIGNATURE,
	  .msg = "bundle: authority.dam: Ed25519 signature does not verify (ctx signet/v1/dam)" },
	{ "dam_signature of another algorithm",
	  .e = { { "authority.dam_signature.algorithm", "\"rsa\"" } }, .want = SG_ADMIT_DAM_SIGNATURE,
	  .msg = "bundle: authority.dam: algorithm \"rsa\" is not ed25519" },
	{ "DAM with an unknown member, re-signed", .e = { { "authority.dam.extra", "1" } },
	  .resign = 1, .want = SG_ADMIT_DAM_SIGNATURE,
	  .msg = "bundle: authority.dam: unknown member \"extra\"" },
	{ "DAM expiring before it is issued, re-signed",
	  .e = { { "authority.dam.expires_at", "\"2025-12-31T00:00:00Z\"" } }, .resign = 1,
	  .want = SG_ADMIT_DAM_SIGNATURE,
	  .msg = "bundle: authority.dam: expires_at is not after issued_at" },

	/* 12: a DomainID that does not derive from its key */
	{ "the DAM's domain_id is B's, re-signed", .e = { { "authority.dam.domain_id", "\"%B\"" } },
	  .resign = 1, .want = SG_ADMIT_DOMAIN_ID,
	  .msg = "bundle: authority.dam: domain_id %B does not derive from root_public_key (which gives %A)" },
	{ "authority.domain.domain_id is B's", .e = { { "authority.domain.domain_id", "\"%B\"" } },
	  .want = SG_ADMIT_DOMAIN_ID,
	  .msg = "bundle: authority.domain.domain_id %B does not derive from its root_public_key (which gives %A)" },

	/* 13: one DomainID everywhere */
	{ "the header's domain_id is B's", .hdr_domain = "%B", .want = SG_ADMIT_DOMAIN_MATCH,
	  .msg = "bundle: the header's domain_id %B is not the root key's DomainID %A" },
	{ "authority.domain is B's (id and key)",
	  .e = { { "authority.domain.domain_id", "\"%B\"" },
		 { "authority.domain.root_public_key.value", "\"%K\"" } },
	  .want = SG_ADMIT_DOMAIN_MATCH,
	  .msg = "bundle: the header's domain_id %A is not the root key's DomainID %B" },
	{ "the DAM is B's own, signed by B",
	  .e = { { "authority.dam.domain_id", "\"%B\"" },
		 { "authority.dam.root_public_key", "\"%K\"" } },
	  .resign = 2, .want = SG_ADMIT_DOMAIN_MATCH,
	  .msg = "bundle: the DAM's domain_id %B is not the root key's DomainID %A" },

	/* 14: the policy and its hash */
	{ "policy changed, its hash kept", .e = { NEW_POLICY }, .want = SG_ADMIT_POLICY_HASH,
	  .msg = "bundle: policy: policy_hash %P does not match the policy (its hash is "
		 "e5458e3e2168fa7357bbdd09429c8d29523d1a514d6ace0e540feb54b3eca747)" },
	{ "policy_hash removed", .e = { { "policy.policy_hash", NULL } },
	  .want = SG_ADMIT_POLICY_HASH, .msg = "bundle: policy carries no policy_hash" },
	{ "an unknown capability, rehashed",
	  .e = { { "policy.requested_capabilities", "[\"fly\"]" } }, .rehash = 1,
	  .want = SG_ADMIT_POLICY_HASH, .msg = "bundle: policy: unknown capability \"fly\"" },

	/* 15: the intent, there and confirmed */
	{ "no intent", .e = { { "admission.intent", NULL } }, .want = SG_ADMIT_INTENT,
	  .msg = "bundle %I carries no admission intent: refused" },
	{ "an intent of blanks", .e = { { "admission.intent", "\" \\t\\r\\n\"" } },
	  .want = SG_ADMIT_INTENT, .msg = "bundle %I carries no admission intent: refused" },
	{ "a null intent", .e = { { "admission.intent", "null" } }, .want = SG_ADMIT_INTENT,
	  .msg = "bundle %I carries no admission intent: refused" },
	{ "no admission section", .e = { { "admission", NULL } }, .want = SG_ADMIT_INTENT,
	  .msg = "bundle %I carries no admission intent: refused" },
	{ "an admission section with an unknown member", .e = { { "admission.extra", "1" } },
	  .want = SG_ADMIT_INTENT, .msg = "bundle: admission: unknown member \"extra\"" },
	{ "intent not confirmed", .answer = 0, .want = SG_ADMIT_INTENT,
	  .msg = "bundle %I: admission intent not confirmed" },
	{ "the confirmation fails", .answer = -1, .want = SG_ADMIT_ERROR,
	  .msg = "confirm: no terminal" },

	/* 16: the lease limits */
	{ "courtesy lease of 366 days",
	  .e = { { "admission.courtesy_lease.requested.duration_days", "366" } },
	  .want = SG_ADMIT_LEASE,
	  .msg = "bundle %I: courtesy lease of 366 days exceeds this host's limit of 365 days" },
	{ "courtesy lease of 0 days",
	  .e = { { "admission.courtesy_lease.requested.duration_days", "0" } },
	  .want = SG_ADMIT_LEASE, .msg = "bundle %I: courtesy lease of 0 days" },
	{ "a byte more than the host's limit",
	  .e = { { "admission.courtesy_lease.requested.storage_bytes", "2000000000001" } },
	  .want = SG_ADMIT_LEASE,
	  .msg = "bundle %I: lease of 2000000000001 bytes exceeds this host's limit of 2000000000000 bytes" },
	{ "no byte limit: 2^53 bytes",
	  .e = { { "admission.courtesy_lease.requested.storage_bytes", "\"9007199254740992\"" } },
	  .lim = 2, .want = SG_ADMIT_LEASE,
	  .msg = "bundle %I: lease of 9007199254740992 bytes is beyond what a host records (2^53 - 1)" },
	{ "permanent admission on a host that does not offer it",
	  .e = { { "admission.mode", "\"permanent\"" } }, .want = SG_ADMIT_LEASE,
	  .msg = "bundle %I asks for permanent admission; this host offers courtesy leases only (--permanent to offer it)" },

	/* 17: the DAM's validity */
	{ "a second before the DAM's issued_at", .now = T0 - 1, .want = SG_ADMIT_EXPIRED,
	  .msg = "bundle: authority.dam: DAM is issued in the future (2026-01-01T00:00:00Z)" },
	{ "at the DAM's expires_at", .now = EXPIRES, .want = SG_ADMIT_EXPIRED,
	  .msg = "bundle: authority.dam: DAM expired at 2027-01-01T00:00:00Z" },
	{ "expired and a 0-day lease: the lease first",
	  .e = { { "admission.courtesy_lease.requested.duration_days", "0" } }, .now = EXPIRES,
	  .want = SG_ADMIT_LEASE, .msg = "bundle %I: courtesy lease of 0 days" },
	{ "expired and addressed elsewhere: the expiry first", .e = { TARGET_B }, .now = EXPIRES,
	  .want = SG_ADMIT_EXPIRED,
	  .msg = "bundle: authority.dam: DAM expired at 2027-01-01T00:00:00Z" },
	{ "expired, on a host with no Common domain: the expiry first", .host = H_NOCOMMON,
	  .now = EXPIRES, .want = SG_ADMIT_EXPIRED,
	  .msg = "bundle: authority.dam: DAM expired at 2027-01-01T00:00:00Z" },

	/* 20: the target */
	{ "addressed to another domain", .e = { TARGET_B }, .want = SG_ADMIT_TARGET,
	  .msg = "bundle %I targets domain %B, not this host's Common domain %C" },
	{ "addressed to no domain", .e = { { "admission.target_domain", NULL } },
	  .want = SG_ADMIT_TARGET,
	  .msg = "bundle %I names no admission.target_domain; this host admits only into its Common domain %C" },
	{ "a host with no Common domain", .host = H_NOCOMMON, .want = SG_ADMIT_TARGET,
	  .msg = "host root %H has no Common domain set (signet host init --common DOMAINID), so bundle %I "
		 "cannot be checked against its target" },
	{ "an admitted bundle, addressed elsewhere: the target first", .host = H_ADMITTED,
	  .e = { TARGET_B }, .want = SG_ADMIT_TARGET,
	  .msg = "bundle %I targets domain %B, not this host's Common domain %C" },

	/* 18: replay */
	{ "the admitted bundle again", .host = H_ADMITTED, .want = SG_ADMIT_REPLAY,
	  .msg = "replay: bundle %I was already admitted at 2026-01-02T00:00:00Z" },
	{ "another bundle of the admitted domain and policy", .host = H_ADMITTED,
	  .hdr_bundle_id = NEW_ID, .want = SG_ADMIT_REPLAY,
	  .msg = "replay: domain %A with policy %P was already admitted at 2026-01-02T00:00:00Z (bundle %J)" },
	{ "another bundle of the admitted domain, another policy", .host = H_ADMITTED,
	  .hdr_bundle_id = NEW_ID, .e = { NEW_POLICY }, .rehash = 1, .answer = 1, OKLEASE },
	{ "the rotated domain's admitted bundle: replay before rotation", .bundle = 1,
	  .host = H_ROTATED, .want = SG_ADMIT_REPLAY,
	  .msg = "replay: bundle %I was already admitted at 2026-01-02T00:00:00Z" },
	{ "the superseded domain's bundle again: replay before rotation", .host = H_ROTATED,
	  .want = SG_ADMIT_REPLAY,
	  .msg = "replay: bundle %I was already admitted at 2026-01-02T00:00:00Z" },

	/* 19: rotation */
	{ "rotated from the admitted domain", .bundle = 1, .host = H_ADMITTED, .answer = 1, OKLEASE,
	  .rotated_from = "%A" },
	{ "rotated from a domain this host never admitted", .bundle = 1, .want = SG_ADMIT_ROTATION,
	  .msg = "bundle: rotated from %A, which this host has not admitted: a rotated domain needs the "
		 "cross-signature of a key this host admitted" },
	{ "a rotation statement changed", .bundle = 1, .host = H_ADMITTED,
	  .e = { { "authority.rotation.rotation.rotated_at", "\"2026-01-01T13:00:00Z\"" } },
	  .want = SG_ADMIT_ROTATION,
	  .msg = "bundle: authority.rotation: old key's cross-signature: Ed25519 signature does not verify "
		 "(ctx signet/v1/rotation)" },
	{ "a rotation statement to another domain", .host = H_ADMITTED, .hdr_bundle_id = NEW_ID,
	  .e = { NEW_POLICY, { "authority.rotation", "%R" } }, .rehash = 1, .want = SG_ADMIT_ROTATION,
	  .msg = "bundle: authority.rotation rotates to %B, not to this domain %A" },
	{ "the admitted DAM's key is not the cross-signer", .bundle = 1, .host = H_TAMPERED,
	  .want = SG_ADMIT_ROTATION,
	  .msg = "bundle: the rotation is cross-signed by a key other than the one this host admitted for %A" },
	{ "a new bundle of a domain rotated away from", .host = H_ROTATED, .hdr_bundle_id = NEW_ID,
	  .e = { NEW_POLICY }, .rehash = 1, .want = SG_ADMIT_ROTATION,
	  .msg = "bundle: domain %A was rotated to %B on this host; its old key is not admitted again" },

	/* 1: the host root unreadable */
	{ "a Common domain file that is not a DomainID", .host = H_BADCOMMON, .want = SG_ADMIT_ERROR,
	  .msg = "%H/admission/common_domain: not a DomainID and a newline" },
	{ "a ledger line that is not an admission", .host = H_BADLEDGER, .want = SG_ADMIT_ERROR,
	  .msg = "%H/admission/ledger: line 1: missing member \"admitted_at\"" },
};

static int confirm_calls;

static int confirm(const struct sg_admit_plan *plan, void *ctx)
{
	int answer = *(const int *)ctx;

	(void)plan;
	confirm_calls++;
	if (answer < 0)
		sg_fail("confirm: no terminal");
	return answer;
}

static int say_yes(const struct sg_admit_plan *plan, void *ctx)
{
	(void)plan;
	(void)ctx;
	return 1;
}

/* The contents of row r: a copy of its bundle's, with the edits. */
static struct sg_json *mutate(const struct row *r, struct sg_bundle_header *h)
{
	struct sg_json *c = sg_json_clone(contents[r->bundle]);
	const char *bid;

	*h = hdr[r->bundle];
	if (r->hdr_domain)
		snprintf(h->domain_id, sizeof(h->domain_id), "%s", expand(r->hdr_domain, "", ""));
	if (r->hdr_bundle_id)
		snprintf(h->bundle_id, sizeof(h->bundle_id), "%s", r->hdr_bundle_id);
	bid = h->bundle_id;
	for (int i = 0; i < 3 && r->e[i].path; i++)
		if (json_edit(c, r->e[i].path, expand(r->e[i].json, bid, "")) < 0) {
			fprintf(stderr, "%s: cannot edit %s\n", r->name, r->e[i].path);
			exit(1);
		}
	if (r->resign) {
		struct sg_json *auth = sg_json_get(c, "authority");
		const uint8_t *seed = r->resign == 1 ? A.seed : B.seed;

		sg_json_set(auth, "dam_signature",
			    sg_signature_make("dam", sg_json_get(auth, "dam"), seed, 0));
	}
	if (r->rehash) {
		struct sg_json *pol = sg_json_get(c, "policy");
		char hash[65];

		sg_json_remove(pol, "policy_hash");
		sg_policy_hash(pol, hash);
		sg_json_set(pol, "policy_hash", sg_json_new_string(hash));
	}
	return c;
}

static void run_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct sg_bundle_header h;
		struct sg_json *c = mutate(r, &h);
		struct sg_admit_plan plan;
		enum sg_admit_result got;
		const char *want_msg = expand(r->msg, h.bundle_id, hosts[r->host]);
		int answer = r->answer, want_calls;

		confirm_calls = 0;
		sg_errclear();
		got = sg_admit_evaluate(hosts[r->host], &h, c, &limits[r->lim],
					r->now ? r->now : NOW, confirm, &answer, &plan);
		want_calls = r->want == SG_ADMIT_OK || !strcmp(r->msg, "confirm: no terminal") ||
			     strstr(r->msg, "not confirmed") != NULL;
		if (got != r->want || (want_msg && strcmp(sg_errmsg(), want_msg)) ||
		    confirm_calls != want_calls)
			fprintf(stderr, "row %zu (%s): got %d \"%s\" (%d confirmations)\n", i,
				r->name, got, sg_errmsg(), confirm_calls);
		CHECK(got == r->want);
		if (want_msg)
			CHECK_STR(sg_errmsg(), want_msg);
		/* the confirmation is asked last, once every other rule passed */
		CHECK(confirm_calls == want_calls);
		if (r->want == SG_ADMIT_OK) {
			CHECK_STR(plan.domain_id, r->bundle ? B.id : A.id);
			CHECK_STR(plan.h.bundle_id, h.bundle_id);
			CHECK(strlen(plan.policy_hash) == 64);
			CHECK(r->rehash ? strcmp(plan.policy_hash, policy_hash) != 0
					: strcmp(plan.policy_hash, policy_hash) == 0);
			CHECK(plan.lease_days == r->days);
			CHECK(plan.has_lease_bytes == r->has_bytes);
			CHECK(plan.lease_bytes == r->bytes);
			CHECK(plan.encrypted_only == r->enc);
			CHECK(plan.now == (r->now ? r->now : NOW));
			CHECK_STR(plan.rotated_from,
				  r->rotated_from ? expand(r->rotated_from, "", "") : "");
			CHECK_STR(plan.dam_expires_at,
				  r->dam_expires ? r->dam_expires : "2027-01-01T00:00:00Z");
			CHECK(plan.dam && plan.dam_signature && plan.policy &&
			      (plan.rotation != NULL) == (r->bundle == 1));
			CHECK_STR(plan.req.intent, "store our blocks");
		}
		sg_json_wipe(c);
	}
}

static char seed_b64[2][SG_KEY_B64_LEN + 1];
static int seed_seen;

/* nftw: does a file under the host root hold a root private key? */
static int find_seed(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	struct sg_buf b = SG_BUF_INIT;

	(void)st;
	(void)f;
	if (flag == FTW_F && sg_read_file(path, &b, 1 << 20) == 0 && sg_buf_terminate(&b) == 0)
		for (int i = 0; i < 2; i++)
			if (strstr((const char *)b.data, seed_b64[i]))
				seed_seen = 1;
	sg_buf_free(&b);
	return 0;
}

static int holds(const char *host, const char *rel, const char *want)
{
	struct sg_buf b = SG_BUF_INIT;
	char path[1024];
	int same;

	snprintf(path, sizeof(path), "%s/%s", host, rel);
	same = sg_read_file(path, &b, 1 << 20) == 0 && b.len == strlen(want) &&
	       memcmp(b.data, want, b.len) == 0;
	sg_buf_free(&b);
	return same;
}

static int exists(const char *host, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", host, rel);
	return access(path, F_OK) == 0;
}

static void put(const char *host, const char *rel, const char *text)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", host, rel);
	CHECK(sg_write_file_atomic(path, text, strlen(text), 0644, 0) == 0);
}

/* Evaluates and commits bundle which (unmutated) on host. */
static void admit(int host, int which)
{
	struct sg_admit_plan plan;
	enum sg_admit_result r;

	r = sg_admit_evaluate(hosts[host], &hdr[which], contents[which], &limits[0], NOW, say_yes,
			      NULL, &plan);
	CHECK(r == SG_ADMIT_OK);
	if (r == SG_ADMIT_OK)
		CHECK(sg_admit_commit(hosts[host], &plan) == SG_ADMIT_OK);
	else
		fprintf(stderr, "admit %s: %s\n", host_names[host], sg_errmsg());
}

static void init_common(int host)
{
	int already = -1;

	CHECK(sg_admit_init(hosts[host], C.id, &already) == 0 && already == 0);
}

static const char *ledger_line(int which)
{
	static char line[512];

	snprintf(line, sizeof(line),
		 "{\"admitted_at\":\"2026-01-02T00:00:00Z\",\"bundle_id\":\"%s\",\"domain_id\":"
		 "\"%s\",\"policy_hash\":\"%s\"}\n",
		 hdr[which].bundle_id, which ? B.id : A.id, policy_hash);
	return line;
}

static void setup_hosts(void)
{
	char path[1024], ledger[1024];
	struct sg_admit_plan plan;
	struct sg_admit_host hr;
	struct sg_json *dam = NULL;
	struct sg_buf b = SG_BUF_INIT;
	int already;

	for (int i = 0; i < NHOSTS; i++)
		snprintf(hosts[i], sizeof(hosts[i]), "%s/%s", tmp, host_names[i]);

	/* sg_admit_init: the DomainID checked, set once, the same again a no-op */
	sg_errclear();
	CHECK(sg_admit_init(hosts[H_FRESH], "nonsense", &already) < 0);
	CHECK_STR(sg_errmsg(), "'nonsense': not a DomainID (52 characters of lowercase base32)");
	CHECK(!exists(hosts[H_FRESH], ""));
	init_common(H_FRESH);
	CHECK(holds(hosts[H_FRESH], "admission/common_domain", expand("%C\n", "", "")));
	CHECK(sg_admit_init(hosts[H_FRESH], C.id, &already) == 0 && already == 1);
	sg_errclear();
	CHECK(sg_admit_init(hosts[H_FRESH], A.id, &already) < 0 && already == 0);
	CHECK_STR(sg_errmsg(),
		  expand("host root %H: its Common domain is %C, set once; not changed to %A", "",
			 hosts[H_FRESH]));
	CHECK(holds(hosts[H_FRESH], "admission/common_domain", expand("%C\n", "", "")));

	CHECK(mkdir(hosts[H_NOCOMMON], 0700) == 0);

	/* an admission: every file it writes, and a host root read back */
	init_common(H_ADMITTED);
	CHECK(sg_admit_host_read(hosts[H_ADMITTED], &hr) == 0 && hr.n_leases == 0 &&
	      hr.n_admissions == 0 && !strcmp(hr.common, C.id));
	sg_admit_host_free(&hr);
	CHECK(sg_admit_evaluate(hosts[H_ADMITTED], &hdr[0], contents[0], &limits[0], NOW, say_yes,
				NULL, &plan) == SG_ADMIT_OK);
	/* evaluation writes nothing */
	CHECK(!exists(hosts[H_ADMITTED], "admission/ledger") && !exists(hosts[H_ADMITTED], "domains"));
	CHECK(sg_admit_commit(hosts[H_ADMITTED], &plan) == SG_ADMIT_OK);
	snprintf(ledger, sizeof(ledger), "%s", ledger_line(0));
	CHECK(holds(hosts[H_ADMITTED], "admission/ledger", ledger));
	snprintf(path, sizeof(path), "domains/%s/dam/dam.json", A.id);
	CHECK(exists(hosts[H_ADMITTED], path));
	snprintf(path, sizeof(path), "domains/%s/policies/%s.json", A.id, policy_hash);
	CHECK(exists(hosts[H_ADMITTED], path));
	snprintf(path, sizeof(path), "admission/records/%s.json", hdr[0].bundle_id);
	CHECK(exists(hosts[H_ADMITTED], path));
	snprintf(path, sizeof(path), "domains/%s/dam/rotation.json", A.id);
	CHECK(!exists(hosts[H_ADMITTED], path));
	CHECK(sg_admit_host_read(hosts[H_ADMITTED], &hr) == 0);
	CHECK(!strcmp(hr.common, C.id) && hr.n_leases == 1 && hr.n_admissions == 1);
	if (hr.n_leases == 1) {
		struct sg_admit_lease *l = &hr.leases[0];

		CHECK_STR(l->domain_id, A.id);
		CHECK_STR(l->bundle_id, hdr[0].bundle_id);
		CHECK_STR(l->mode, "courtesy");
		CHECK_STR(l->granted_at, "2026-01-02T00:00:00Z");
		CHECK_STR(l->expires_at, "2026-02-01T00:00:00Z");
		CHECK_STR(l->dam_expires_at, "2027-01-01T00:00:00Z");
		CHECK_STR(l->superseded_by, "");
		CHECK(l->has_bytes && l->bytes == 1000000000000ull && l->encrypted_only);
		CHECK_STR(sg_admit_lease_state(l, NOW), "active");
		CHECK_STR(sg_admit_lease_state(l, NOW + 30 * DAY - 1), "active");
		CHECK_STR(sg_admit_lease_state(l, NOW + 30 * DAY), "expired");
	}
	sg_admit_host_free(&hr);
	/* the same plan again: a replay, nothing written */
	sg_errclear();
	CHECK(sg_admit_commit(hosts[H_ADMITTED], &plan) == SG_ADMIT_REPLAY);
	CHECK_STR(sg_errmsg(),
		  expand("replay: bundle %J was already admitted at 2026-01-02T00:00:00Z", "", ""));
	CHECK(holds(hosts[H_ADMITTED], "admission/ledger", ledger));

	/* a rotation: the old lease superseded */
	init_common(H_ROTATED);
	admit(H_ROTATED, 0);
	admit(H_ROTATED, 1);
	strcat(ledger, ledger_line(1));
	CHECK(holds(hosts[H_ROTATED], "admission/ledger", ledger));
	snprintf(path, sizeof(path), "domains/%s/dam/rotation.json", B.id);
	CHECK(exists(hosts[H_ROTATED], path));
	CHECK(sg_admit_host_read(hosts[H_ROTATED], &hr) == 0 && hr.n_leases == 2 &&
	      hr.n_admissions == 2);
	for (size_t i = 0; i < hr.n_leases; i++) {
		struct sg_admit_lease *l = &hr.leases[i];
		int old = !strcmp(l->domain_id, A.id);

		CHECK(old || !strcmp(l->domain_id, B.id));
		CHECK_STR(l->superseded_by, old ? B.id : "");
		CHECK_STR(sg_admit_lease_state(l, NOW), old ? "superseded" : "active");
	}
	sg_admit_host_free(&hr);

	/* the root private keys are never written */
	CHECK(nftw(tmp, find_seed, 16, FTW_PHYS) == 0 && !seed_seen);
	/* ...and the test would see one */
	put(hosts[H_NOCOMMON], "probe", seed_b64[1]);
	CHECK(nftw(tmp, find_seed, 16, FTW_PHYS) == 0 && seed_seen);
	snprintf(path, sizeof(path), "%s/probe", hosts[H_NOCOMMON]);
	CHECK(unlink(path) == 0);

	/* A admitted, its stored DAM then naming another key */
	init_common(H_TAMPERED);
	admit(H_TAMPERED, 0);
	snprintf(path, sizeof(path), "%s/domains/%s/dam/dam.json", hosts[H_TAMPERED], A.id);
	CHECK(sg_read_file(path, &b, 1 << 20) == 0);
	CHECK(sg_json_parse_flags((const char *)b.data, b.len, SG_JSON_MODEL, &dam) == 0);
	sg_buf_free(&b);
	CHECK(dam && sg_json_set(sg_json_get(dam, "dam"), "root_public_key",
				 sg_json_new_string(B.pub_b64)) == 0);
	CHECK(sg_json_canonical(dam, &b) == 0);
	CHECK(sg_write_file_atomic(path, b.data, b.len, 0644, 0) == 0);
	sg_buf_free(&b);
	sg_json_free(dam);

	CHECK(mkdir(hosts[H_BADCOMMON], 0700) == 0);
	snprintf(path, sizeof(path), "%s/admission", hosts[H_BADCOMMON]);
	CHECK(mkdir(path, 0700) == 0);
	put(hosts[H_BADCOMMON], "admission/common_domain", "nonsense\n");
	sg_errclear();
	CHECK(sg_admit_host_read(hosts[H_BADCOMMON], &hr) < 0 && hr.leases == NULL);
	CHECK_STR(sg_errmsg(), expand("%H/admission/common_domain: not a DomainID and a newline",
				      "", hosts[H_BADCOMMON]));

	init_common(H_BADLEDGER);
	put(hosts[H_BADLEDGER], "admission/ledger", "{}\n");
}

int main(void)
{
	struct sg_age_identities ids = { 0 };
	struct sg_buf rcpt = SG_BUF_INIT, sb = SG_BUF_INIT;
	struct sg_domain da, db;

	make_dom(&A, 0x10);
	make_dom(&B, 0x40);
	make_dom(&C, 0x70);
	for (int i = 0; i < 2; i++) {
		sb.len = 0;
		CHECK(sg_b64_encode_buf(&sb, i ? B.seed : A.seed, 32, SG_B64_PAD) == 0);
		memcpy(seed_b64[i], sb.data, SG_KEY_B64_LEN);
	}
	sg_buf_free(&sb);
	if (sg_age_identities_parse(&ids, "identity", identity, sizeof(identity) - 1) < 0 ||
	    sg_age_recipient_encode(ids.v[0].public, &rcpt) < 0 || sg_buf_terminate(&rcpt) < 0 ||
	    !mkdtemp(tmp)) {
		fprintf(stderr, "setup: %s\n", sg_errmsg());
		return 1;
	}
	memset(&da, 0, sizeof(da));
	memset(&db, 0, sizeof(db));
	memcpy(da.id, A.id, sizeof(da.id));
	memcpy(da.pub, A.pub, 32);
	memcpy(db.id, B.id, sizeof(db.id));
	memcpy(db.pub, B.pub, 32);
	rot_ab = sg_rotation_make(&da, A.seed, &db, B.seed, T0 + DAY / 2);
	CHECK(rot_ab != NULL);
	seal_open(&A, NULL, &ids, (char *)rcpt.data, 0);
	seal_open(&B, rot_ab, &ids, (char *)rcpt.data, 1);
	snprintf(policy_hash, sizeof(policy_hash), "%s",
		 sg_json_string(sg_json_get(sg_json_get(contents[0], "policy"), "policy_hash"), NULL));
	/* docs/design.md's policy hash of the bundles' policy (SHA-256 of its JCS) */
	CHECK_STR(policy_hash, "bbf4e8a01993497f66894b49859048443a40631e3dc34ca054268c85a2f3e58f");

	setup_hosts();
	run_table();
	/* nothing the table evaluated was written */
	CHECK(!exists(hosts[H_FRESH], "admission/ledger") && !exists(hosts[H_FRESH], "domains"));
	CHECK(!exists(hosts[H_NOCOMMON], "admission"));
	CHECK(holds(hosts[H_ADMITTED], "admission/ledger", ledger_line(0)));

	sg_remove_tree(tmp);
	sg_json_wipe(contents[0]);
	sg_json_wipe(contents[1]);
	sg_json_free(rot_ab);
	sg_age_identities_free(&ids);
	sg_buf_free(&rcpt);
	free_expanded();
	return check_done();
}
