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
/* policy check's text form. */
static void print_checked(const char *path, const struct sg_policy *p)
{
	printf("%s: policy OK\n", path);
	printf("policy hash:    %s%s\n", p->hash, p->has_hash ? " (carried, matches)" : "");
	printf("capabilities:  ");
	for (size_t i = 0; sg_capability_names[i]; i++)
		if (p->capabilities & (1u << i))
			printf(" %s", sg_capability_names[i]);
	printf("\n");
	if (p->has_max_blocks)
		printf("max blocks:     %" PRIu64 "\n", p->max_blocks);
	if (p->has_max_bytes)
		printf("max bytes:      %" PRIu64 "\n", p->max_bytes);
	printf("federation:     inbound %s, outbound %s\n",
	       p->has_federation && p->allow_inbound ? "allowed" : "denied",
	       p->has_federation && p->allow_outbound ? "allowed" : "denied");
}

static int policy_check(int argc, char **argv)
{
	const struct cli_opts opts = { check_help, "", json_opts, 1, 1 };
	struct sg_json *j = NULL, *out = NULL;
	struct sg_buf text = SG_BUF_INIT;
	struct sg_policy p;
	int json = 0, rc = cli_parse(&opts, argc, argv, set_flag, &json);

	if (rc != CLI_RUN)
		return rc;
	if (load_checked(argv[optind], &j, &p) < 0)
		return CLI_EXIT_FAIL;
	/* the normalised form is built either way: the text one fails alike */
	if (!(out = sg_policy_normalised(&p)) || (json && sg_json_write(out, &text, 2) < 0)) {
		rc = cli_lib_error();
		goto out;
	}
	if (json)
		printf("%.*s\n", (int)text.len, (const char *)text.data);
	else
		print_checked(argv[optind], &p);
	rc = CLI_EXIT_OK;
out:
	sg_buf_free(&text);
	sg_json_free(out);
	sg_json_free(j);
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "check", policy_check, "check a domain policy" },
		{ "hash", policy_hash, "print a policy's hash" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet policy", argc, argv);
}
