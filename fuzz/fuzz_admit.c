/* fuzz_admit - the whole admission path of signet host admit: a bundle
 * decrypted with a fixed age identity (sg_bundle_open: SOPS metadata,
 * the age stanza, the MAC, the header and the contents' shape), then
 * every rule of sg_admit_evaluate.
 *
 * The first byte chooses the mode, the rest is the input:
 *   even  a bundle, as signet host admit reads it;
 *   odd   a bundle in clear ({asl_sops_bundle: {header..., contents}},
 *         YAML or JSON, as `signet bundle open --reveal` prints it),
 *         its header and contents straight to sg_admit_evaluate: a
 *         fuzzer rarely makes a ciphertext the MAC accepts, so this is
 *         how it reaches the rules. Bit 1 of the first byte is the
 *         answer to the intent's confirmation.
 * The host root is made once, in a scratch directory, holding the
 * admission of admit_prior.sops.yaml (made by the signet binary, like
 * the corpus, whose rotated domain rotates from that one), so the replay
 * and rotation rules have something to find. Evaluation writes nothing,
 * so every input sees the same host; time is fixed.
 *
 * Whatever sg_admit_evaluate accepts must have passed every rule: the
 * plan names the header's domain and a policy hash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "age.h"
#include "bundle.h"
#include "domain.h"
#include "err.h"
#include "fileio.h"
#include "fixedrand.h"
#include "json.h"
#include "sopsdoc.h"
#include "yamldoc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The identity every bundle of the corpus is encrypted to. */
static const char identity[] =
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n";
static const unsigned char prior[] = {
#include "admit_prior.inc"
};
/* A day after the corpus was sealed. */
static const time_t now = 1767409445;

static struct sg_age_identities ids;
static char host_root[] = "/tmp/signet-fuzz-admit-XXXXXX";
static const struct sg_admit_limits limits = {
	.max_days = SG_ADMIT_DEFAULT_MAX_DAYS,
	.has_max_bytes = 1,
	.max_bytes = 2000000000000ull,
	.allow_permanent = 0,
};

/* The corpus predates rule 20 (a host admits only what is addressed to
 * its Common domain): a bundle that names no admission.target_domain is
 * addressed here to this host's, so the rules after 20 (replay, rotation)
 * stay reachable. A missing target's refusal is bundle.sh's to test. */
static struct sg_json *addressed(const struct sg_json *contents, const char *common)
{
	struct sg_json *c = sg_json_clone(contents);
	const struct sg_json *adm = c ? sg_json_get(c, "admission") : NULL;

	if (adm && adm->kind == SG_JSON_OBJECT && !sg_json_get(adm, "target_domain") &&
	    sg_json_set((struct sg_json *)adm, "target_domain", sg_json_new_string(common)) < 0)
		sg_errclear();
	return c;
}

static char common[SG_DOMAIN_ID_LEN + 1];

static int say_yes(const struct sg_admit_plan *plan, void *ctx)
{
	(void)plan;
	(void)ctx;
	return 1;
}

static int say_no(const struct sg_admit_plan *plan, void *ctx)
{
	(void)plan;
	(void)ctx;
	return 0;
}

static void remove_host_root(void)
{
	sg_remove_tree(host_root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sg_bundle_header h;
	struct sg_json *contents = NULL;
	struct sg_json *addressed_prior;
	struct sg_admit_plan plan;
	int already;

	(void)argc;
	(void)argv;
	sg_fuzz_fixed_rand();
	if (sg_age_identities_parse(&ids, "fuzz", identity, sizeof(identity) - 1) < 0 ||
	    !mkdtemp(host_root))
		abort();
	atexit(remove_host_root);
	/* the host's Common domain is the prior bundle's own */
	if (sg_bundle_open("prior", (const char *)prior, sizeof(prior), &ids, &h, &contents) < 0)
		abort();
	memcpy(common, h.domain_id, sizeof(common));
	addressed_prior = addressed(contents, common);
	if (sg_admit_init(host_root, common, &already) < 0 ||
	    sg_admit_evaluate(host_root, &h, addressed_prior, &limits, now, say_yes, NULL, &plan) !=
		    SG_ADMIT_OK ||
	    sg_admit_commit(host_root, &plan) != SG_ADMIT_OK) {
		fprintf(stderr, "fuzz_admit: the prior admission fails: %s\n", sg_errmsg());
		abort();
	}
	sg_json_wipe(addressed_prior);
	sg_json_wipe(contents);
	return 0;
}

/* Copies the string member key of obj into out (cap bytes); 0 or -1. */
static int header_field(const struct sg_json *obj, const char *key, char *out, size_t cap)
{
	size_t len;
	const char *s = sg_json_string(sg_json_get(obj, key), &len);

	if (!s || len >= cap || memchr(s, 0, len))
		return -1;
	memcpy(out, s, len + 1);
	return 0;
}

/* The document in clear as a JSON model tree: JSON, else YAML. */
static struct sg_json *read_clear(const uint8_t *data, size_t size)
{
	struct sg_json *j = NULL;
	struct sg_sops_node *doc;
	const struct sg_sops_node *b;

	if (sg_json_parse_flags((const char *)data, size, SG_JSON_MODEL, &j) == 0)
		return j;
	if (sg_yaml_read("fuzz", (const char *)data, size, &doc) < 0)
		return NULL;
	b = sg_sops_get(doc, "asl_sops_bundle");
	if (b) {
		struct sg_json *inner = NULL;
		if (sg_bundle_node_to_json(b, "asl_sops_bundle", &inner) == 0) {
			j = sg_json_new_object();
			if (!j || sg_json_set(j, "asl_sops_bundle", inner) < 0) {
				sg_json_free(j);
				j = NULL;
			}
		}
	}
	sg_sops_wipe(doc);
	return j;
}

static void evaluate(const struct sg_bundle_header *h, const struct sg_json *given, int yes)
{
	struct sg_json *contents = addressed(given, common);
	struct sg_admit_plan plan;
	enum sg_admit_result r;

	r = sg_admit_evaluate(host_root, h, contents, &limits, now, yes ? say_yes : say_no, NULL,
			      &plan);
	sg_json_wipe(contents);
	if (r == SG_ADMIT_OK &&
	    (!yes || strcmp(plan.domain_id, h->domain_id) != 0 || strlen(plan.policy_hash) != 64))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_bundle_header h;
	struct sg_json *contents = NULL, *doc;
	const struct sg_json *b;

	if (size < 1 || size > 65536)
		return 0;
	sg_fuzz_fixed_rand();
	if (!(data[0] & 1)) {
		if (sg_bundle_open("fuzz", (const char *)data + 1, size - 1, &ids, &h, &contents) == 0)
			evaluate(&h, contents, 1);
		sg_json_wipe(contents);
		sg_errclear();
		return 0;
	}
	doc = read_clear(data + 1, size - 1);
	b = doc ? sg_json_get(doc, "asl_sops_bundle") : NULL;
	memset(&h, 0, sizeof(h));
	if (b && header_field(b, "version", h.version, sizeof(h.version)) == 0 &&
	    header_field(b, "bundle_id", h.bundle_id, sizeof(h.bundle_id)) == 0 &&
	    header_field(b, "created_at", h.created_at, sizeof(h.created_at)) == 0 &&
	    header_field(b, "purpose", h.purpose, sizeof(h.purpose)) == 0 &&
	    header_field(b, "domain_id", h.domain_id, sizeof(h.domain_id)) == 0 &&
	    sg_json_get(b, "contents"))
		evaluate(&h, sg_json_get(b, "contents"), data[0] & 2);
	sg_json_wipe(doc);
	sg_errclear();
	return 0;
}
