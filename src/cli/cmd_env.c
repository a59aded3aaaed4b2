/* cmd_env.c - signet env: environment claims of the authority host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authop.h"
#include "authority.h"
#include "cli.h"
#include "commands.h"
#include "envclaim.h"
#include "err.h"
#include "timestamp.h"
#include "txn.h"

static const char claim_help[] =
	"Usage: signet env claim [--home DIR] [--domain ID] [key options]\n"
	"\n"
	"Measures the environment (hashes of /etc/os-release, the kernel release\n"
	"and /proc/cmdline; of the signet binary and the shared libraries it has\n"
	"loaded; of HOME/tools/* and the age and\n"
	"sops found on $PATH; of the domain's store), signs the claim with the\n"
	"root key, writes HOME/env-claims/<snapshot-id>.claim and puts it in\n"
	"force in the audit log. Prints the claim file's path.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP AUTH_KEY_HELP "  -h, --help             show this help\n";

static const char verify_help[] =
	"Usage: signet env verify [--home DIR] [--domain ID] [--current] FILE\n"
	"\n"
	"Verifies a claim file's signature by the domain's root key. With\n"
	"--current, also measures the environment now and names the first\n"
	"section (os, signet, tools, store) that differs from the claim.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP "  --current              compare with the environment now\n"
	"  -h, --help             show this help\n";

static int env_claim(int argc, char **argv)
{
	static const struct option longopts[] = { AUTH_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
	const struct cli_opts opts = { claim_help, "i:", longopts, 0, 0 };
	struct auth_opts o = { 0 };
	struct sg_domain d = { 0 };
	char *path = NULL;
	uint8_t seed[32];
	int unlocked = 0, rc = cli_parse(&opts, argc, argv, auth_option_only, &o);
	time_t now;

	if (rc != CLI_RUN)
		goto out;
	rc = CLI_EXIT_FAIL;
	if (sg_time_now(&now) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	if (auth_open(&o, &d) < 0 || auth_unlock(&o, &d, seed) < 0)
		goto out;
	unlocked = 1;
	if (sg_authop_env_claim(&d, seed, now, &path) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	printf("%s\n", path);
	rc = CLI_EXIT_OK;
out:
	if (unlocked)
		sg_wipe(seed, sizeof(seed));
	free(path);
	sg_domain_free(&d);
	auth_opts_free(&o);
	return rc;
}

static int env_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, AUTH_OPT_HOME },
		{ "domain", required_argument, NULL, AUTH_OPT_DOMAIN },
		{ "current", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { verify_help, "", longopts, 1, 1 };
	struct auth_flag_args a = { .flag_val = 'c' };
	struct sg_domain d = { 0 };
	int lock = -1, rc;
	time_t now = 0;

	if ((rc = cli_parse(&opts, argc, argv, auth_flag_option, &a)) != CLI_RUN)
		return rc;
	if (a.flag && sg_time_now(&now) < 0)
		return cli_lib_error();
	if (auth_open_read(&a.auth, &d, &lock) < 0)
		return CLI_EXIT_FAIL;
	rc = sg_envclaim_verify_file(&d, argv[optind], a.flag, now);
	sg_txn_read_end(&lock);
	if (rc < 0) {
		rc = cli_lib_error();
	} else {
		printf("%s: claim of domain %s signed by its root key%s\n", argv[optind], d.id,
		       a.flag ? ", environment unchanged" : "");
		rc = CLI_EXIT_OK;
	}
	sg_domain_free(&d);
	return rc;
}

int cmd_env(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "claim", env_claim, "measure, sign and record an environment claim" },
		{ "verify", env_verify, "verify an environment claim" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet env", argc, argv);
}
