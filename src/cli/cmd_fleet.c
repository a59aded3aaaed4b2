/* cmd_fleet.c - signet fleet: the fleet repository (signet-fleet(5)). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fleetdoc.h"
#include "fleetinit.h"
#include "timestamp.h"

static const char init_help[] =
	"Usage: signet fleet init [--keys KEYS] DIR\n"
	"\n"
	"Writes a working example fleet into DIR (which must not exist): an\n"
	"offline authority, two builders (bubo, crucible), a DNS host, a CA and\n"
	"web host, two app hosts, on the loopback network 127.10.0.0/24. The\n"
	"keys that live outside any repository go to KEYS (default DIR.keys):\n"
	"the operator's age identity, the authority's new domain (its root key\n"
	"encrypted to the operator), and each host's SSH and age keys as the\n"
	"host would make them. DIR holds only their public parts.\n"
	"\n"
	"Options:\n"
	"  --keys KEYS            where the keys go (must not exist)\n"
	"  -h, --help             show this help\n";

static const char check_help[] =
	"Usage: signet fleet check [-C DIR]\n"
	"\n"
	"Reads every document of the fleet repository (fleet.yaml, fleet.lock,\n"
	"hosts/*.yaml, services/*.yaml) and checks every rule of\n"
	"signet-fleet(5). Each broken rule is one line FILE:LINE: RULE on\n"
	"standard error; the exit status is 1 when there is any.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  -h, --help             show this help\n";

enum { OPT_KEYS = 256 };

static int dir_option(void *ctx, int c, const char *arg)
{
	const char **dir = ctx;

	if (c != 'C' && c != OPT_KEYS)
		return CLI_EXIT_USAGE;
	*dir = arg;
	return 0;
}

static int fleet_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { init_help, "", longopts, 1, 1 };
	const char *keys = NULL;
	char keys_default[4096];
	time_t now;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, dir_option, &keys)) != CLI_RUN)
		return rc;
	if (!keys) {
		snprintf(keys_default, sizeof(keys_default), "%s.keys", argv[optind]);
		keys = keys_default;
	}
	if (sg_time_now(&now) < 0 || sg_fleet_init(argv[optind], keys, now) < 0)
		return cli_lib_error();
	printf("%s: the example fleet; its keys are in %s\n", argv[optind], keys);
	return CLI_EXIT_OK;
}

/* Loads the repository; on broken rules prints every line. */
static int load(const char *dir, struct sg_fleet *f)
{
	struct sg_buf diag = SG_BUF_INIT;
	int rc = sg_fleet_load(dir, f, &diag);

	if (rc < 0 && diag.len)
		fprintf(stderr, "%.*s", (int)diag.len, (const char *)diag.data);
	else if (rc < 0)
		cli_lib_error();
	sg_buf_free(&diag);
	return rc;
}

static int fleet_check(int argc, char **argv)
{
	const struct cli_opts opts = { check_help, "C:", NULL, 0, 0 };
	const char *dir = ".";
	struct sg_fleet f;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, dir_option, &dir)) != CLI_RUN)
		return rc;
	rc = load(dir, &f);
	if (rc == 0)
		printf("%s: %zu hosts, %zu services, %zu inputs: every rule holds\n", dir, f.nhosts,
		       f.nservices, f.ninputs);
	sg_fleet_free(&f);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static const struct cli_command fleet_commands[] = {
	{ "init", fleet_init, "write a working example fleet repository" },
	{ "check", fleet_check, "check every document of a fleet repository" },
};

int cmd_fleet(int argc, char **argv)
{
	return cli_dispatch(fleet_commands, sizeof(fleet_commands) / sizeof(fleet_commands[0]),
			    "signet fleet", argc, argv);
}
