/* cmd_log.c - signet log: the domain's audit log and its receipts. */
#include <inttypes.h>
#include <stdio.h>

#include "auditlog.h"
#include "authority.h"
#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "txn.h"

static const char verify_help[] =
	"Usage: signet log verify [--home DIR] [--domain ID]\n"
	"\n"
	"Verifies the domain's audit log: every line canonical, records in\n"
	"sequence, each chained to the hash of the one before, times never going\n"
	"back, every receipt signed by the root key, and the signed head naming\n"
	"the last record. Names the first record that breaks a rule.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP "  -h, --help             show this help\n";

static const char show_help[] =
	"Usage: signet log show [--home DIR] [--domain ID]\n"
	"\n"
	"Verifies the log, then prints one line per record: seq, time, op, the\n"
	"claim in force and the outputs.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP "  -h, --help             show this help\n";

/* Both take --home and --domain and no operand. */
static int parse(const char *help, int argc, char **argv, struct auth_opts *o)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, AUTH_OPT_HOME },
		{ "domain", required_argument, NULL, AUTH_OPT_DOMAIN },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { help, "", longopts, 0, 0 };

	return cli_parse(&opts, argc, argv, auth_option_only, o);
}

static int log_verify(int argc, char **argv)
{
	struct auth_opts o = { 0 };
	struct sg_log_state st;
	struct sg_domain d;
	int lock = -1, rc = parse(verify_help, argc, argv, &o);

	if (rc != CLI_RUN)
		return rc;
	if (auth_open_read(&o, &d, &lock) < 0)
		return CLI_EXIT_FAIL;
	rc = sg_auditlog_verify(&d, &st);
	sg_txn_read_end(&lock);
	if (rc < 0) {
		sg_domain_free(&d);
		return cli_lib_error();
	}
	printf("%s: %" PRIu64 " records verified, head %s, claim in force %s\n", d.id, st.records,
	       st.last_hash, st.claim[0] ? st.claim : "none");
	sg_domain_free(&d);
	return CLI_EXIT_OK;
}

static int log_show(int argc, char **argv)
{
	struct auth_opts o = { 0 };
	struct sg_buf text = SG_BUF_INIT;
	struct sg_domain d;
	int lock = -1, rc = parse(show_help, argc, argv, &o);

	if (rc != CLI_RUN)
		return rc;
	if (auth_open_read(&o, &d, &lock) < 0)
		return CLI_EXIT_FAIL;
	/* the log shown is the one verified: read once, under the lock */
	rc = sg_auditlog_list(&d, &text);
	sg_txn_read_end(&lock);
	if (rc < 0) {
		rc = cli_lib_error();
	} else {
		fwrite(text.data, 1, text.len, stdout);
		rc = CLI_EXIT_OK;
	}
	sg_buf_free(&text);
	sg_domain_free(&d);
	return rc;
}

int cmd_log(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "show", log_show, "list the audit log's records" },
		{ "verify", log_verify, "verify the audit log's chain, receipts and head" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet log", argc, argv);
}
