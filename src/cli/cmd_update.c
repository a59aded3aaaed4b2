/* cmd_update.c - signet update: a host's side of the fleet's releases
 * (relupdate.h). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "relupdate.h"

#define SOURCE_HELP                                                                    \
	"  --trusted DIR          the host's trusted metadata (made when missing)\n"   \
	"  --root FILE            the root to start from when DIR has none (the one\n" \
	"                         baked into the host's UKI)\n"                        \
	"  --from MIRROR          the release repository: a directory (a mirror, a\n"  \
	"                         USB stick) or an http:// or https:// URL\n"          \
	"  --ca FILE              trust only this CA (PEM) for an https mirror\n"      \
	"  --host NAME            this host's name\n"

static const char check_help[] =
	"Usage: signet update check --trusted DIR [--root FILE] --from MIRROR --host NAME\n"
	"\n"
	"Brings the trusted TUF metadata in DIR up to date from MIRROR as the TUF\n"
	"client workflow says (root rotations, then timestamp, snapshot, targets;\n"
	"each refused on a bad signature, a version below the trusted one, a\n"
	"version its parent does not name, a wrong length or hash, or expiry), then\n"
	"finds this host's release through the delegation for it and prints it:\n"
	"one line HOST release N: K files, B bytes, then NAME LENGTH SHA256 KIND per\n"
	"file.\n"
	"\n"
	"Options:\n" SOURCE_HELP "  -h, --help             show this help\n";

static const char download_help[] =
	"Usage: signet update download --trusted DIR [--root FILE] --from MIRROR\n"
	"                              --host NAME --to DEST\n"
	"\n"
	"As signet update check, then fetches every file of the release into\n"
	"DEST/NAME: each read to at most its signed length into NAME.partial\n"
	"(a download cut off continues from there), and renamed only when its\n"
	"length and SHA-256 are those signed.\n"
	"\n"
	"Options:\n" SOURCE_HELP "  --to DEST              where the files go\n"
	"  -h, --help             show this help\n";

enum { OPT_TRUSTED = 256, OPT_ROOT, OPT_FROM, OPT_HOST, OPT_TO, OPT_CA, OPT_PLAIN_HTTP };

struct update_args {
	struct sg_update_src src;
	const char *to;
};

static int update_option(void *ctx, int c, const char *arg)
{
	struct update_args *a = ctx;

	switch (c) {
	case OPT_TRUSTED: a->src.trusted = arg; return 0;
	case OPT_ROOT: a->src.bootstrap_root = arg; return 0;
	case OPT_FROM: a->src.from = arg; return 0;
	case OPT_HOST: a->src.host = arg; return 0;
	case OPT_TO: a->to = arg; return 0;
	case OPT_CA: a->src.ca_file = arg; return 0;
	case OPT_PLAIN_HTTP: a->src.plain_http = 1; return 0;
	default: return CLI_EXIT_USAGE;
	}
}

static const struct option longopts[] = {
	{ "trusted", required_argument, NULL, OPT_TRUSTED },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "to", required_argument, NULL, OPT_TO },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "plain-http", no_argument, NULL, OPT_PLAIN_HTTP },
	{ NULL, 0, NULL, 0 },
};

static int run(const char *help, int want_to, int argc, char **argv)
{
	const struct cli_opts opts = { help, "", longopts, 0, 0 };
	struct update_args a = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	uint64_t release;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, update_option, &a)) != CLI_RUN)
		return rc;
	if (!a.src.trusted || !a.src.from || !a.src.host || (want_to && !a.to))
		return cli_usage("--trusted, --from, --host%s are required",
				 want_to ? " and --to" : "");
	if (!want_to && a.to)
		return cli_usage("--to is for signet update download");
	if (want_to ? sg_update_download(&a.src, a.to, &release, &report) < 0
		    : sg_update_check(&a.src, &release, &report) < 0)
		rc = cli_lib_error();
	else
		rc = fwrite(report.data, 1, report.len, stdout) == report.len ? CLI_EXIT_OK
									      : CLI_EXIT_FAIL;
	sg_buf_free(&report);
	return rc;
}

static int update_check(int argc, char **argv)
{
	return run(check_help, 0, argc, argv);
}

static int update_download(int argc, char **argv)
{
	return run(download_help, 1, argc, argv);
}

static const struct cli_command update_commands[] = {
	{ "check", update_check, "refresh the trusted metadata and show this host's release" },
	{ "download", update_download, "fetch this host's release, every file checked" },
};

int cmd_update(int argc, char **argv)
{
	return cli_dispatch(update_commands, sizeof(update_commands) / sizeof(update_commands[0]),
			    "signet update", argc, argv);
}
