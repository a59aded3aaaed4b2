/* cmd_dam.c - signet dam: issue and verify Domain Authority Manifests. */
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

struct issue_args {
	struct auth_opts auth;
	struct sg_dam_params p;
	const char *roles[MAX_ROLES], *output, *expires;
	uint8_t signers[MAX_SIGNERS][32];
	int days;
};

static int issue_option(void *ctx, int c, const char *arg)
{
	struct issue_args *a = ctx;
	size_t n;

	switch (c) {
	case OPT_EXPIRES: a->expires = arg; return 0;
	case OPT_EXPIRES_DAYS: return cli_parse_days("--expires-days", arg, &a->days);
	case OPT_NAME: a->p.human_name = arg; return 0;
	case OPT_DNS: a->p.dns_claim = arg; return 0;
	case 'o': a->output = arg; return 0;
	case OPT_ROLE:
		if (a->p.nroles == MAX_ROLES)
			return cli_usage("at most %d --role", MAX_ROLES);
		a->roles[a->p.nroles++] = arg;
		return 0;
	case OPT_SIGNER:
		if (a->p.nsigner_keys == MAX_SIGNERS ||
		    sg_b64_decode(arg, strlen(arg), a->signers[a->p.nsigner_keys], 32, &n,
				  SG_B64_PAD) < 0 ||
		    n != 32)
			return cli_usage("--signer-key is not the base64 of 32 bytes");
		a->p.nsigner_keys++;
		return 0;
	default: return auth_option_only(&a->auth, c, arg);
	}
}

/* The DAM's expiry from --expires or --expires-days. */
static int issue_expiry(struct issue_args *a, time_t now)
{
	if (a->expires && a->days)
		return cli_usage("give --expires or --expires-days");
	if (a->expires) {
		if (sg_time_parse(a->expires, strlen(a->expires), "--expires", &a->p.expires_at) < 0)
			return cli_lib_error();
		if (a->p.expires_at <= now)
			return cli_error("--expires %s is not in the future", a->expires);
		a->p.expires = 1;
	} else if (a->days) {
		a->p.expires = 1;
		a->p.expires_at = now + (time_t)a->days * 86400;
	}
	return 0;
}

static int dam_issue(int argc, char **argv)
{
	static const struct option longopts[] = {
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
	const struct cli_opts opts = { issue_help, "i:o:", longopts, 0, 0 };
	struct issue_args a = { 0 };
	struct sg_domain d = { 0 };
	struct sg_json *dam = NULL;
	uint8_t seed[32];
	char *path = NULL;
	int unlocked = 0, rc;
	time_t now;

	if ((rc = cli_parse(&opts, argc, argv, issue_option, &a)) != CLI_RUN)
		goto out;
	if (sg_time_now(&now) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	if ((rc = issue_expiry(&a, now)) != 0)
		goto out;
	rc = CLI_EXIT_FAIL;
	if (auth_open(&a.auth, &d) < 0)
		goto out;
	a.p.roles = a.roles;
	a.p.signer_keys = (const uint8_t(*)[32])a.signers;
	if (!(dam = sg_authop_dam_build(&d, &a.p, now))) {
		rc = cli_lib_error();
		goto out;
	}
	if (auth_unlock(&a.auth, &d, seed) < 0)
		goto out;
	unlocked = 1;
	if (sg_authop_dam_issue(&d, seed, dam, now, a.output, &path) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	printf("%s\n", path);
	rc = CLI_EXIT_OK;
out:
	if (unlocked)
		sg_wipe(seed, sizeof(seed));
	sg_json_free(dam);
	free(path);
	sg_domain_free(&d);
	auth_opts_free(&a.auth);
	return rc;
}

struct verify_args {
	const char *domain;
	time_t at;
	int have_at;
};

static int verify_option(void *ctx, int c, const char *arg)
{
	struct verify_args *a = ctx;

	if (c == 'd') {
		a->domain = arg;
		return 0;
	}
	if (sg_time_parse(arg, strlen(arg), "--at", &a->at) < 0)
		return cli_lib_error();
	a->have_at = 1;
	return 0;
}

static int dam_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, OPT_AT },
		{ NULL, 0, NULL, 0 },
	};
	/* the exit code of each result */
	static const int exit_of[] = {
		[SG_DAM_OK] = CLI_EXIT_OK,
		[SG_DAM_MALFORMED] = CLI_EXIT_FAIL,
		[SG_DAM_BAD_SIGNATURE] = EXIT_DAM_SIGNATURE,
		[SG_DAM_DOMAIN_MISMATCH] = EXIT_DAM_DOMAIN,
		[SG_DAM_EXPIRED] = EXIT_DAM_EXPIRED,
	};
	const struct cli_opts opts = { verify_help, "", longopts, 1, 1 };
	struct verify_args a = { 0 };
	struct sg_buf out = SG_BUF_INIT;
	enum sg_dam_result res;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, verify_option, &a)) != CLI_RUN)
		return rc;
	if (!a.have_at && sg_time_now(&a.at) < 0)
		return cli_lib_error();
	res = sg_dam_verify_file(argv[optind], a.at, a.domain, &out);
	if (res == SG_DAM_OK)
		fwrite(out.data, 1, out.len, stdout);
	else
		cli_lib_error();
	sg_buf_free(&out);
	return exit_of[res];
}

int cmd_dam(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "issue", dam_issue, "issue a new signed DAM for the domain" },
		{ "verify", dam_verify, "verify a DAM file: signature, DomainID, expiry" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet dam", argc, argv);
}
