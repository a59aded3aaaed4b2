/* cmd_policy.c - signet policy: check a domain policy and compute its
 * hash as docs/design.md defines it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "authority.h"
#include "bundle.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "policy.h"

static const char hash_help[] =
	"Usage: signet policy hash FILE\n"
	"\n"
	"Prints the policy hash of FILE: lowercase hex SHA-256 of the RFC 8785\n"
	"canonical form of the policy without its policy_hash member. The policy\n"
	"is checked first (see signet policy check); a carried policy_hash is\n"
	"ignored for hashing but must match when present.\n"
	"\n"
	"Options:\n"
	"  -h, --help             show this help\n";

static const char check_help[] =
	"Usage: signet policy check [--json] FILE\n"
	"\n"
	"Checks a domain policy: capabilities from the fixed vocabulary\n"
	"(store_blocks, publish_private_encrypted, import_foreign_artifacts),\n"
	"storage limits (integers, \"1_000_000\", sizes with units B, KB..EB,\n"
	"KiB..EiB), federation flags, no unknown members, and a carried\n"
	"policy_hash equal to the computed one. Prints the policy normalised.\n"
	"\n"
	"Options:\n"
	"  --json                 print the normalised policy as JSON\n"
	"  -h, --help             show this help\n";

/* Reads a policy document (.yaml/.yml as YAML, else JSON) into the
 * JSON model. */
static int load_policy(const char *path, struct sg_json **out)
{
	return sg_bundle_read_model(path, out);
}

static int load_checked(const char *path, struct sg_json **j, struct sg_policy *p)
{
	if (load_policy(path, j) < 0) {
		cli_lib_error();
		return -1;
	}
	if (sg_policy_check(*j, path, p) < 0) {
		sg_json_free(*j);
		*j = NULL;
		cli_lib_error();
		return -1;
	}
	return 0;
}

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

/* --json, the only option */
static int set_flag(void *flag, int c, const char *arg)
{
	(void)c;
	(void)arg;
	*(int *)flag = 1;
	return 0;
}

static int policy_hash(int argc, char **argv)
{
	const struct cli_opts opts = { hash_help, "", NULL, 1, 1 };
	struct sg_json *j = NULL;
	struct sg_policy p;
	int rc = cli_parse(&opts, argc, argv, NULL, NULL);

	if (rc != CLI_RUN)
		return rc;
	if (load_checked(argv[optind], &j, &p) < 0)
		return CLI_EXIT_FAIL;
	printf("%s\n", p.hash);
	sg_json_free(j);
	return CLI_EXIT_OK;
}
static int policy_check(int argc, char **argv)
{
	struct sg_json *j = NULL, *out = NULL, *caps, *st, *fed;
	struct sg_buf text = SG_BUF_INIT;
	struct sg_policy p;
	const struct cli_opts opts = { check_help, "", json_opts, 1, 1 };
	int json = 0, rc = cli_parse(&opts, argc, argv, set_flag, &json);

	if (rc != CLI_RUN)
		return rc;
	if (load_checked(argv[optind], &j, &p) < 0)
		return CLI_EXIT_FAIL;
	out = sg_json_new_object();
	caps = sg_json_new_array();
	if (sg_json_set(out, "policy_hash", sg_json_new_string(p.hash)) < 0 ||
	    sg_json_set(out, "policy_hash_carried", sg_json_new_bool(p.has_hash)) < 0 ||
	    sg_json_set(out, "capabilities", caps) < 0)
		goto fail;
	for (size_t i = 0; sg_capability_names[i]; i++)
		if ((p.capabilities & (1u << i)) &&
		    sg_json_append(caps, sg_json_new_string(sg_capability_names[i])) < 0)
			goto fail;
	st = sg_json_new_object();
	if (sg_json_set(out, "storage", st) < 0 ||
	    sg_json_set(st, "max_blocks", sg_json_new_null()) < 0 ||
	    sg_json_set(st, "max_bytes", sg_json_new_null()) < 0)
		goto fail;
	/* 64-bit values may exceed the model's integers: decimal strings. */
	if (p.has_max_blocks) {
		char b[24];

		snprintf(b, sizeof(b), "%" PRIu64, p.max_blocks);
		if (sg_json_set(st, "max_blocks", sg_json_new_string(b)) < 0)
			goto fail;
	}
	if (p.has_max_bytes) {
		char b[24];

		snprintf(b, sizeof(b), "%" PRIu64, p.max_bytes);
		if (sg_json_set(st, "max_bytes", sg_json_new_string(b)) < 0)
			goto fail;
	}
	fed = sg_json_new_object();
	if (sg_json_set(out, "federation", fed) < 0 ||
	    sg_json_set(fed, "allow_inbound", sg_json_new_bool(p.has_federation && p.allow_inbound)) < 0 ||
	    sg_json_set(fed, "allow_outbound", sg_json_new_bool(p.has_federation && p.allow_outbound)) < 0)
		goto fail;
	if (json) {
		if (sg_json_write(out, &text, 2) < 0)
			goto fail;
		printf("%.*s\n", (int)text.len, (const char *)text.data);
	} else {
		printf("%s: policy OK\n", argv[optind]);
		printf("policy hash:    %s%s\n", p.hash, p.has_hash ? " (carried, matches)" : "");
		printf("capabilities:  ");
		for (size_t i = 0; sg_capability_names[i]; i++)
			if (p.capabilities & (1u << i))
				printf(" %s", sg_capability_names[i]);
		printf("\n");
		if (p.has_max_blocks)
			printf("max blocks:     %" PRIu64 "\n", p.max_blocks);
		if (p.has_max_bytes)
			printf("max bytes:      %" PRIu64 "\n", p.max_bytes);
		printf("federation:     inbound %s, outbound %s\n",
		       p.has_federation && p.allow_inbound ? "allowed" : "denied",
		       p.has_federation && p.allow_outbound ? "allowed" : "denied");
	}
	sg_buf_free(&text);
	sg_json_free(out);
	sg_json_free(j);
	return CLI_EXIT_OK;
fail:
	sg_buf_free(&text);
	sg_json_free(out);
	sg_json_free(j);
	return cli_lib_error();
}

int cmd_policy(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "check", policy_check, "check a domain policy" },
		{ "hash", policy_hash, "print a policy's hash" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet policy", argc, argv);
}
