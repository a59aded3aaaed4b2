/* cmd_dam.c - signet dam: issue and verify Domain Authority Manifests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authop.h"
#include "authority.h"
#include "base64.h"
#include "cli.h"
#include "commands.h"
#include "dam.h"
#include "err.h"
#include "timestamp.h"

/* dam verify's exit codes, one per rule (1: unreadable or malformed). */
#define EXIT_DAM_SIGNATURE 3
#define EXIT_DAM_DOMAIN 4
#define EXIT_DAM_EXPIRED 5

static const char issue_help[] =
	"Usage: signet dam issue [--home DIR] [--domain ID] [key options]\n"
	"                        [--expires TIME | --expires-days N] [--role ROLE]...\n"
	"                        [--name NAME] [--dns-claim NAME] [--signer-key B64]...\n"
	"                        [-o FILE]\n"
	"\n"
	"Issues a new DAM for the domain, signed by its root key, as the next\n"
	"dam/NNNN.dam.json, and records it in the audit log (one commit); then\n"
	"writes a copy in FILE. Prints the DAM file's path.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP AUTH_KEY_HELP
	"  --expires TIME         expires_at (RFC 3339 UTC, e.g. 2030-01-01T00:00:00Z)\n"
	"  --expires-days N       expires_at N days from now (default: never, null)\n"
	"  --role ROLE            a role ([a-z0-9_]+, repeatable; default domain_root)\n"
	"  --name NAME            metadata.human_name (default: the domain's name)\n"
	"  --dns-claim NAME       metadata.dns_claim (default null)\n"
	"  --signer-key B64       a DAM signer's Ed25519 public key, base64 (repeatable)\n"
	"  -o, --output FILE      also write the DAM file to FILE\n"
	"  -h, --help             show this help\n";

static const char verify_help[] =
	"Usage: signet dam verify [--domain ID] [--at TIME] FILE\n"
	"\n"
	"Verifies a DAM file ({\"dam\": ..., \"dam_signature\": ...}): its shape, the\n"
	"Ed25519 signature by its root_public_key, that domain_id derives from\n"
	"root_public_key (and is ID when --domain is given), and that it has not\n"
	"expired. Exit status: 0 valid, 1 unreadable or malformed, 3 bad\n"
	"signature, 4 DomainID mismatch, 5 expired or not yet valid.\n"
	"\n"
	"Options:\n"
	"  --domain ID            the DomainID the DAM must carry\n"
	"  --at TIME              verify as of TIME instead of now\n"
	"  -h, --help             show this help\n";

enum {
	OPT_EXPIRES = 2000,
	OPT_EXPIRES_DAYS,
	OPT_ROLE,
	OPT_NAME,
	OPT_DNS,
	OPT_SIGNER,
	OPT_AT,
};

#define MAX_ROLES 32
#define MAX_SIGNERS 32

static int parse_days(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || end == s || v < 1 || v > 36500)
		return -1;
	*out = v;
	return 0;
}

static int dam_issue(int argc, char **argv)
{
	static const struct option opts[] = {
		AUTH_LONG_OPTIONS,
		{ "expires", required_argument, NULL, OPT_EXPIRES },
		{ "expires-days", required_argument, NULL, OPT_EXPIRES_DAYS },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "dns-claim", required_argument, NULL, OPT_DNS },
		{ "signer-key", required_argument, NULL, OPT_SIGNER },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct auth_opts o = { 0 };
	const char *roles[MAX_ROLES], *output = NULL, *expires_arg = NULL;
	uint8_t signers[MAX_SIGNERS][32], seed[32];
	struct sg_dam_params p = { 0 };
	struct sg_domain d = { 0 };
	struct sg_json *dam = NULL;
	char *path = NULL;
	long days = 0;
	size_t n;
	int c, r, unlocked = 0, rc = CLI_EXIT_FAIL;
	time_t now;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hi:o:", opts, NULL)) != -1) {
		if (c == 'h') {
			rc = cli_help(issue_help);
			goto out;
		}
		r = auth_option(&o, c, optarg);
		if (r < 0)
			goto out;
		if (r == 1)
			continue;
		switch (c) {
		case OPT_EXPIRES: expires_arg = optarg; break;
		case OPT_EXPIRES_DAYS:
			if (parse_days(optarg, &days) < 0) {
				rc = cli_usage_error("signet dam issue", "bad --expires-days");
				goto out;
			}
			break;
		case OPT_ROLE:
			if (p.nroles == MAX_ROLES) {
				rc = cli_usage_error("signet dam issue", "too many roles");
				goto out;
			}
			roles[p.nroles++] = optarg;
			break;
		case OPT_NAME: p.human_name = optarg; break;
		case OPT_DNS: p.dns_claim = optarg; break;
		case OPT_SIGNER:
			if (p.nsigner_keys == MAX_SIGNERS ||
			    sg_b64_decode(optarg, strlen(optarg), signers[p.nsigner_keys], 32, &n,
					  SG_B64_PAD) < 0 ||
			    n != 32) {
				rc = cli_usage_error("signet dam issue",
						     "--signer-key is not the base64 of 32 bytes");
				goto out;
			}
			p.nsigner_keys++;
			break;
		case 'o': output = optarg; break;
		default: rc = cli_usage_error("signet dam issue", "bad option"); goto out;
		}
	}
	if (optind != argc) {
		rc = cli_usage_error("signet dam issue", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (expires_arg && days) {
		rc = cli_usage_error("signet dam issue", "give --expires or --expires-days");
		goto out;
	}
	if (sg_time_now(&now) < 0)
		goto lib_error;
	if (expires_arg) {
		if (sg_time_parse(expires_arg, strlen(expires_arg), "--expires", &p.expires_at) < 0)
			goto lib_error;
		if (p.expires_at <= now) {
			rc = cli_error("--expires %s is not in the future", expires_arg);
			goto out;
		}
		p.expires = 1;
	} else if (days) {
		p.expires = 1;
		p.expires_at = now + days * 86400;
	}
	if (auth_open(&o, &d) < 0)
		goto out;
	if (!p.nroles)
		roles[p.nroles++] = "domain_root";
	p.roles = roles;
	p.domain_id = d.id;
	p.root_public_key = d.pub;
	p.issued_at = now;
	p.signer_keys = (const uint8_t(*)[32])signers;
	if (!p.human_name)
		p.human_name = d.name;
	dam = sg_dam_build(&p);
	if (!dam)
		goto lib_error;
	if (auth_unlock(&o, &d, seed) < 0)
		goto out;
	unlocked = 1;
	if (sg_authop_dam_issue(&d, seed, dam, now, output, &path) < 0)
		goto lib_error;
	printf("%s\n", path);
	rc = CLI_EXIT_OK;
	goto out;
lib_error:
	rc = cli_lib_error();
out:
	if (unlocked)
		sg_wipe(seed, sizeof(seed));
	sg_json_free(dam);
	free(path);
	sg_domain_free(&d);
	auth_opts_free(&o);
	return rc;
}

static int dam_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *domain = NULL;
	struct sg_json *file = NULL;
	const struct sg_json *dam;
	const char *exp;
	time_t now;
	int c, have_at = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': return cli_help(verify_help);
		case 'd': domain = optarg; break;
		case OPT_AT:
			if (sg_time_parse(optarg, strlen(optarg), "--at", &now) < 0)
				return cli_lib_error();
			have_at = 1;
			break;
		default: return cli_usage_error("signet dam verify", "bad option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("signet dam verify", "expected one FILE");
	if (!have_at && sg_time_now(&now) < 0)
		return cli_lib_error();
	if (auth_read_json(argv[optind], &file) < 0)
		return cli_lib_error();
	switch (sg_dam_verify(file, argv[optind], now, domain)) {
	case SG_DAM_OK: break;
	case SG_DAM_MALFORMED: sg_json_free(file); return cli_lib_error();
	case SG_DAM_BAD_SIGNATURE: cli_lib_error(); sg_json_free(file); return EXIT_DAM_SIGNATURE;
	case SG_DAM_DOMAIN_MISMATCH: cli_lib_error(); sg_json_free(file); return EXIT_DAM_DOMAIN;
	case SG_DAM_EXPIRED: cli_lib_error(); sg_json_free(file); return EXIT_DAM_EXPIRED;
	}
	dam = sg_json_get(file, "dam");
	exp = sg_json_string(sg_json_get(dam, "expires_at"), NULL);
	printf("%s: valid DAM of domain %s, issued %s, expires %s\n", argv[optind],
	       sg_json_string(sg_json_get(dam, "domain_id"), NULL),
	       sg_json_string(sg_json_get(dam, "issued_at"), NULL), exp ? exp : "never");
	sg_json_free(file);
	return CLI_EXIT_OK;
}

int cmd_dam(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "issue", dam_issue, "issue a new signed DAM for the domain" },
		{ "verify", dam_verify, "verify a DAM file: signature, DomainID, expiry" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet dam", argc, argv);
}
