/* cmd_release.c - signet release: a fleet's releases as a TUF repository
 * (relrepo.h), made on the control plane and published to mirrors. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fleetdoc.h"
#include "reloci.h"
#include "relpublish.h"
#include "relrepo.h"
#include "timestamp.h"

#define REPO_HELP "  --repo REPO            the release repository (a TUF repository)\n"

static const char init_help[] =
	"Usage: signet release init --keys KEYS --repo REPO\n"
	"\n"
	"Makes the fleet's release keys that KEYS/release lacks: root, targets and\n"
	"snapshot sealed to KEYS/operator.key's identity, and the online timestamp\n"
	"key as a plain 0600 file (for the distribution host). When REPO has no\n"
	"root yet, writes its version 1 (REPO/metadata/1.root.json and root.json):\n"
	"the root hosts start from. Running it again changes nothing.\n"
	"\n"
	"Options:\n"
	"  --keys KEYS            the control plane's keys (signet fleet init)\n" REPO_HELP
	"  -h, --help             show this help\n";

static const char create_help[] =
	"Usage: signet release create [-C DIR] --keys KEYS --repo REPO --from SIGNED N\n"
	"\n"
	"Adds release N (a number above every release REPO lists) of the signed\n"
	"fleet build SIGNED (signet fleet sign's output) to REPO: for each host\n"
	"with files in it, the files of hosts/<host>/ (its UKI encrypted to the\n"
	"host's age recipient), the sidecar and its root filesystem as targets of\n"
	"its own delegated role host-<host>, and an index hosts/<host>/release.json;\n"
	"then targets, snapshot and timestamp. Contents already in REPO are stored\n"
	"once; an unchanged UKI keeps its encrypted file.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the fleet repository (default: .)\n"
	"  --keys KEYS            the control plane's keys\n" REPO_HELP
	"  --from SIGNED          the signed build\n"
	"  -h, --help             show this help\n";

static const char timestamp_help[] =
	"Usage: signet release timestamp --keys KEYS --repo REPO\n"
	"\n"
	"Signs a new timestamp (valid 7 days) over REPO's current snapshot with\n"
	"KEYS/release/timestamp.key alone: what the distribution host runs daily,\n"
	"so hosts see a fresh repository and refuse a frozen one.\n"
	"\n"
	"Options:\n"
	"  --keys KEYS            where release/timestamp.key is\n" REPO_HELP
	"  -h, --help             show this help\n";

static const char rotate_help[] =
	"Usage: signet release rotate --keys KEYS --repo REPO ROLE...\n"
	"\n"
	"Gives each ROLE (root, targets, snapshot, timestamp) a new key and writes\n"
	"root N+1 listing them, signed by the old root key and the new one, as\n"
	"TUF says a rotation must be; the roles below root whose keys changed are\n"
	"signed again as new versions. The old keys stay in KEYS/release as\n"
	"NAME.N.key. Publish afterwards: hosts step from root to root.\n"
	"\n"
	"Options:\n"
	"  --keys KEYS            the control plane's keys\n" REPO_HELP
	"  -h, --help             show this help\n";

static const char publish_help[] =
	"Usage: signet release publish --repo REPO --to DIR|oci://HOST[:PORT]/NAME\n"
	"\n"
	"Copies REPO's metadata and targets into DIR (a web server's root, a USB\n"
	"stick): only the files DIR lacks, root.json and timestamp.json last, so a\n"
	"reader sees the old release or the new one. Or into a registry's\n"
	"repository: every target as the blob its sha256 names, every metadata\n"
	"file as a one-layer manifest tagged with its name; only what the registry\n"
	"lacks is sent, the timestamp last. Prints what was sent.\n"
	"\n"
	"Options:\n" REPO_HELP "  --to DIR|oci://HOST/NAME  where the repository is published\n"
	"  --ca FILE              trust only this CA (PEM) for the registry\n"
	"  --plain-http           speak plain HTTP to the registry (loopback tests)\n"
	"  -h, --help             show this help\n";

enum { OPT_KEYS = 256, OPT_REPO, OPT_FROM, OPT_TO, OPT_CA, OPT_PLAIN_HTTP };

struct release_args {
	const char *dir, *keys, *repo, *from, *to, *ca;
	int plain_http;
};

static int release_option(void *ctx, int c, const char *arg)
{
	struct release_args *a = ctx;

	switch (c) {
	case 'C': a->dir = arg; return 0;
	case OPT_KEYS: a->keys = arg; return 0;
	case OPT_REPO: a->repo = arg; return 0;
	case OPT_FROM: a->from = arg; return 0;
	case OPT_TO: a->to = arg; return 0;
	case OPT_CA: a->ca = arg; return 0;
	case OPT_PLAIN_HTTP: a->plain_http = 1; return 0;
	default: return CLI_EXIT_USAGE;
	}
}

static const struct option longopts[] = {
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "repo", required_argument, NULL, OPT_REPO },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "plain-http", no_argument, NULL, OPT_PLAIN_HTTP },
	{ NULL, 0, NULL, 0 },
};

static int finish(int failed, struct sg_buf *report)
{
	int rc = failed ? cli_lib_error() : CLI_EXIT_OK;
	if (!failed)
		fwrite(report->data, 1, report->len, stdout);
	sg_buf_free(report);
	return rc;
}

typedef int keys_repo_fn(const char *keys, const char *repo, int64_t now, struct sg_buf *report);

/* A command of --keys and --repo alone: init, timestamp. */
static int keys_repo_command(const char *help, keys_repo_fn *fn, int argc, char **argv)
{
	const struct cli_opts opts = { help, "", longopts, 0, 0 };
	struct release_args a = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	time_t now;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, release_option, &a)) != CLI_RUN)
		return rc;
	if (!a.keys || !a.repo)
		return cli_usage("--keys and --repo are required");
	return finish(sg_time_now(&now) < 0 || fn(a.keys, a.repo, now, &report) < 0, &report);
}

static int release_init(int argc, char **argv)
{
	return keys_repo_command(init_help, sg_release_init, argc, argv);
}

static int release_create(int argc, char **argv)
{
	const struct cli_opts opts = { create_help, "C:", longopts, 1, 1 };
	struct release_args a = { .dir = "." };
	struct sg_buf report = SG_BUF_INIT, diag = SG_BUF_INIT;
	struct sg_fleet f = { 0 };
	unsigned long long n;
	time_t now;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, release_option, &a)) != CLI_RUN)
		return rc;
	if (!a.keys || !a.repo || !a.from)
		return cli_usage("--keys, --repo and --from are required");
	if ((rc = cli_parse_number("release", argv[optind], 1, 9007199254740991ull, &n)) != 0)
		return rc;
	if (sg_fleet_load(a.dir, &f, &diag) < 0) {
		if (diag.len)
			fprintf(stderr, "%.*s", (int)diag.len, (const char *)diag.data);
		else
			cli_lib_error();
		sg_buf_free(&diag);
		sg_fleet_free(&f);
		return CLI_EXIT_FAIL;
	}
	rc = finish(sg_time_now(&now) < 0 ||
			    sg_release_create(&f, a.keys, a.from, a.repo, n, now, &report) < 0,
		    &report);
	sg_buf_free(&diag);
	sg_fleet_free(&f);
	return rc;
}

static int release_timestamp(int argc, char **argv)
{
	return keys_repo_command(timestamp_help, sg_release_timestamp, argc, argv);
}

static int release_rotate(int argc, char **argv)
{
	const struct cli_opts opts = { rotate_help, "", longopts, 1, -1 };
	struct release_args a = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	time_t now;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, release_option, &a)) != CLI_RUN)
		return rc;
	if (!a.keys || !a.repo)
		return cli_usage("--keys and --repo are required");
	return finish(sg_time_now(&now) < 0 ||
			      sg_release_rotate(a.keys, a.repo, (const char *const *)argv + optind,
						(size_t)(argc - optind), now, &report) < 0,
		      &report);
}

static int release_publish(int argc, char **argv)
{
	const struct cli_opts opts = { publish_help, "", longopts, 0, 0 };
	struct release_args a = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, release_option, &a)) != CLI_RUN)
		return rc;
	if (!a.repo || !a.to)
		return cli_usage("--repo and --to are required");
	if (sg_release_is_oci(a.to)) {
		struct sg_oci_remote r = { .ref_text = a.to,
					   .plain_http = a.plain_http,
					   .ca_file = a.ca };
		return finish(sg_release_publish_oci(a.repo, a.to, &r, &report) < 0, &report);
	}
	return finish(sg_release_publish(a.repo, a.to, &report) < 0, &report);
}

static const struct cli_command release_commands[] = {
	{ "init", release_init, "make the release keys and the first root" },
	{ "create", release_create, "add a release of a signed fleet build" },
	{ "timestamp", release_timestamp, "re-sign the timestamp (the online key)" },
	{ "rotate", release_rotate, "new keys for roles: a root rotation" },
	{ "publish", release_publish, "copy the repository to a mirror" },
};

int cmd_release(int argc, char **argv)
{
	return cli_dispatch(release_commands, sizeof(release_commands) / sizeof(release_commands[0]),
			    "signet release", argc, argv);
}
