/* cmd_domain.c - signet domain: genesis of an offline authority's
 * domain, its DomainID, its description, and root key rotation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "authop.h"
#include "authority.h"
#include "cli.h"
#include "commands.h"
#include "dam.h"
#include "domain.h"
#include "err.h"
#include "timestamp.h"
#include "txn.h"

static const char init_help[] =
	"Usage: signet domain init [--home DIR] [--name NAME] [--dns-claim NAME]\n"
	"                          [--expires TIME] (--passphrase-file F | -r age1...)\n"
	"\n"
	"Creates a domain: an Ed25519 root key pair whose private key is stored\n"
	"only age-encrypted (keys/root.key.age, to the passphrase via scrypt or to\n"
	"the recipients), the DomainID, the authority layout, a first environment\n"
	"claim, the first signed DAM (roles [domain_root]) and the genesis record\n"
	"of the audit log, all in one commit. Refused when the home has a current\n"
	"domain already. Prints the DomainID.\n"
	"\n"
	"Options:\n"
	"  --home DIR             authority home (default $SIGNET_HOME, else\n"
	"                         /asl-auth-host)\n"
	"  --name NAME            human name of the domain (default \"domain\")\n"
	"  --dns-claim NAME       the DAM's dns_claim (default null)\n"
	"  --expires TIME         the first DAM's expires_at (default null)\n"
	"  --passphrase-file F    encrypt the root key to the passphrase in F\n"
	"  -r, --recipient age1.. encrypt the root key to this recipient (repeatable)\n"
	"  --work-factor N        scrypt work factor for a passphrase (default 18)\n"
	"  -h, --help             show this help\n"
	"Without -r or --passphrase-file the passphrase is asked on the terminal.\n";

static const char id_help[] =
	"Usage: signet domain id [--home DIR] [--domain ID] [--short]\n"
	"\n"
	"Prints the DomainID of the current domain (recomputed from its root\n"
	"public key), or its 12-character short form.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP "  --short                print the short form\n"
	"  -h, --help             show this help\n";

static const char show_help[] =
	"Usage: signet domain show [--home DIR] [--domain ID] [--json]\n"
	"\n"
	"Describes the domain: name, DomainID, root public key, how the root key\n"
	"is protected, the current DAM, the audit log (verified) and the\n"
	"environment claim in force.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP "  --json                 one JSON object instead of text\n"
	"  -h, --help             show this help\n";

static const char rotate_help[] =
	"Usage: signet domain rotate [--home DIR] [--domain ID] [key options]\n"
	"                            (--new-passphrase-file F | -r age1...)\n"
	"\n"
	"Replaces the domain's root key: creates a new domain (new key, new\n"
	"DomainID, its claim, DAM and log) and a rotation statement signed by\n"
	"both the old and the new root key (domains/<old>/superseded.json and\n"
	"domains/<new>/dam/rotation.json). The old domain's log records the\n"
	"rotation; the new domain becomes the home's current domain. All in one\n"
	"commit; a domain rotated already is refused. Prints the new DomainID.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP AUTH_KEY_HELP
	"  --new-passphrase-file F  encrypt the new root key to this passphrase\n"
	"  -r, --recipient age1..   or to this recipient (repeatable)\n"
	"  --work-factor N        scrypt work factor for a passphrase (default 18)\n"
	"  -h, --help             show this help\n";

static const char verify_rotation_help[] =
	"Usage: signet domain verify-rotation [--from ID] FILE\n"
	"\n"
	"Checks a rotation statement (superseded.json, dam/rotation.json): both\n"
	"DomainIDs derive from their keys, the old root key's cross-signature and\n"
	"the new key's signature verify, and with --from the statement rotates\n"
	"away from domain ID. Prints the new DomainID.\n"
	"\n"
	"Options:\n"
	"  --from ID              the DomainID that must be rotated from\n"
	"  -h, --help             show this help\n";

enum {
	OPT_NAME = 2000,
	OPT_DNS,
	OPT_EXPIRES,
	OPT_WORK,
	OPT_SHORT,
	OPT_JSON,
	OPT_NEW_PASS,
};

/* Fills rs with a passphrase from pass_file, or asks on the terminal,
 * when no recipient was given. */
static int key_recipients(struct sg_age_recipients *rs, const char *pass_file, unsigned work)
{
	struct sg_buf pass = SG_BUF_INIT;
	int rc;

	if (rs->n && !pass_file)
		return 0;
	if (pass_file)
		rc = cli_read_passphrase_file(pass_file, &pass);
	else
		rc = cli_read_passphrase_tty("New root key passphrase: ", 1, &pass);
	if (rc == 0)
		rc = sg_age_recipients_add_passphrase(rs, pass.data, pass.len, work);
	sg_buf_wipe(&pass);
	return rc;
}

/* What init and rotate take for the (new) root key's protection. */
struct key_args {
	struct auth_opts auth;
	struct sg_age_recipients rs;
	struct sg_genesis g;
	const char *home, *pass_file;
	unsigned long long work;
};

static int key_option(void *ctx, int c, const char *arg)
{
	struct key_args *a = ctx;

	switch (c) {
	case 'r': return auth_add_recipient(&a->rs, arg) < 0 ? CLI_EXIT_FAIL : 0;
	case OPT_WORK:
		return cli_parse_number("--work-factor", arg, 1, SG_AGE_SCRYPT_MAX_WORK_FACTOR,
					&a->work);
	case OPT_NEW_PASS: a->pass_file = arg; return 0;
	default: return auth_option_only(&a->auth, c, arg);
	}
}

static int init_option(void *ctx, int c, const char *arg)
{
	struct key_args *a = ctx;

	switch (c) {
	case AUTH_OPT_HOME: a->home = arg; return 0;
	case OPT_NAME: a->g.name = arg; return 0;
	case OPT_DNS: a->g.dns_claim = arg; return 0;
	case AUTH_OPT_PASSPHRASE_FILE: a->pass_file = arg; return 0;
	case OPT_EXPIRES:
		if (sg_time_parse(arg, strlen(arg), "--expires", &a->g.expires_at) < 0)
			return cli_lib_error();
		a->g.expires = 1;
		return 0;
	default: return key_option(ctx, c, arg);
	}
}

static int domain_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, AUTH_OPT_HOME },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "dns-claim", required_argument, NULL, OPT_DNS },
		{ "expires", required_argument, NULL, OPT_EXPIRES },
		{ "passphrase-file", required_argument, NULL, AUTH_OPT_PASSPHRASE_FILE },
		{ "recipient", required_argument, NULL, 'r' },
		{ "work-factor", required_argument, NULL, OPT_WORK },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { init_help, "r:", longopts, 0, 0 };
	struct key_args a = { .g.name = "domain", .work = SG_AGE_SCRYPT_DEFAULT_WORK_FACTOR };
	char id[SG_DOMAIN_ID_LEN + 1];
	time_t now;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, init_option, &a)) != CLI_RUN)
		goto out;
	if (a.rs.n && a.pass_file) {
		rc = cli_usage("give -r or --passphrase-file, not both");
		goto out;
	}
	if (sg_time_now(&now) < 0 || key_recipients(&a.rs, a.pass_file, (unsigned)a.work) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	auth_protect_memory();
	if (sg_authop_init(sg_home_default(a.home), &a.g, &a.rs, now, id) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	printf("%s\n", id);
	rc = CLI_EXIT_OK;
out:
	sg_age_recipients_free(&a.rs);
	return rc;
}

static int domain_id(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, AUTH_OPT_HOME },
		{ "domain", required_argument, NULL, AUTH_OPT_DOMAIN },
		{ "short", no_argument, NULL, OPT_SHORT },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { id_help, "", longopts, 0, 0 };
	struct auth_flag_args a = { .flag_val = OPT_SHORT };
	struct sg_domain d;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, auth_flag_option, &a)) != CLI_RUN)
		return rc;
	if (auth_open(&a.auth, &d) < 0)
		return CLI_EXIT_FAIL;
	printf("%.*s\n", a.flag ? SG_DOMAIN_SHORT_LEN : SG_DOMAIN_ID_LEN, d.id);
	sg_domain_free(&d);
	return CLI_EXIT_OK;
}

/* domain show's text form of sg_domain_describe's object. */
static void print_info(const struct sg_json *info)
{
	const struct sg_json *dam = sg_json_get(info, "dam");
	const char *exp = sg_json_string(sg_json_get(dam, "expires_at"), NULL);
	const char *claim = sg_json_string(sg_json_get(info, "claim_in_force"), NULL);

	printf("name:             %s\n", sg_json_string(sg_json_get(info, "name"), NULL));
	printf("domain id:        %s\n", sg_json_string(sg_json_get(info, "domain_id"), NULL));
	printf("short id:         %s\n", sg_json_string(sg_json_get(info, "short_id"), NULL));
	printf("root public key:  %s (ed25519)\n",
	       sg_json_string(sg_json_get(info, "root_public_key"), NULL));
	printf("key created at:   %s\n", sg_json_string(sg_json_get(info, "key_created_at"), NULL));
	printf("root key at rest: age-encrypted to %s\n",
	       sg_json_string(sg_json_get(info, "root_key_protection"), NULL));
	printf("directory:        %s\n", sg_json_string(sg_json_get(info, "directory"), NULL));
	printf("current DAM:      %s (%s; issued %s, expires %s)\n",
	       sg_json_string(sg_json_get(dam, "path"), NULL),
	       sg_json_string(sg_json_get(dam, "status"), NULL),
	       sg_json_string(sg_json_get(dam, "issued_at"), NULL), exp ? exp : "never");
	printf("audit log:        %lld records, verified\n",
	       (long long)sg_json_get(info, "log_records")->u.integer);
	printf("claim in force:   %s\n", claim ? claim : "none");
}

static int domain_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, AUTH_OPT_HOME },
		{ "domain", required_argument, NULL, AUTH_OPT_DOMAIN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { show_help, "", longopts, 0, 0 };
	struct auth_flag_args a = { .flag_val = OPT_JSON };
	struct sg_buf out = SG_BUF_INIT;
	struct sg_json *info;
	struct sg_domain d;
	int lock = -1, rc;
	time_t now;

	if ((rc = cli_parse(&opts, argc, argv, auth_flag_option, &a)) != CLI_RUN)
		return rc;
	if (sg_time_now(&now) < 0)
		return cli_lib_error();
	if (auth_open_read(&a.auth, &d, &lock) < 0)
		return CLI_EXIT_FAIL;
	info = sg_domain_describe(&d, now);
	sg_txn_read_end(&lock);
	sg_domain_free(&d);
	if (!info || (a.flag && sg_json_write(info, &out, 2) < 0)) {
		sg_json_free(info);
		return cli_lib_error();
	}
	if (a.flag)
		printf("%.*s\n", (int)out.len, (const char *)out.data);
	else
		print_info(info);
	sg_buf_free(&out);
	sg_json_free(info);
	return CLI_EXIT_OK;
}

static int domain_rotate(int argc, char **argv)
{
	static const struct option longopts[] = {
		AUTH_LONG_OPTIONS,
		{ "new-passphrase-file", required_argument, NULL, OPT_NEW_PASS },
		{ "recipient", required_argument, NULL, 'r' },
		{ "work-factor", required_argument, NULL, OPT_WORK },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { rotate_help, "i:r:", longopts, 0, 0 };
	struct key_args a = { .work = SG_AGE_SCRYPT_DEFAULT_WORK_FACTOR };
	struct sg_domain old = { 0 };
	char new_id[SG_DOMAIN_ID_LEN + 1];
	uint8_t old_seed[32];
	int unlocked = 0, rc;
	time_t now;

	if ((rc = cli_parse(&opts, argc, argv, key_option, &a)) != CLI_RUN)
		goto out;
	rc = CLI_EXIT_FAIL;
	if (a.rs.n && a.pass_file) {
		rc = cli_usage("give -r or --new-passphrase-file, not both");
		goto out;
	}
	if (auth_open(&a.auth, &old) < 0 || auth_unlock(&a.auth, &old, old_seed) < 0)
		goto out;
	unlocked = 1;
	if (sg_time_now(&now) < 0 || key_recipients(&a.rs, a.pass_file, (unsigned)a.work) < 0 ||
	    sg_authop_rotate(&old, old_seed, &a.rs, now, new_id) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	printf("%s\n", new_id);
	rc = CLI_EXIT_OK;
out:
	if (unlocked)
		sg_wipe(old_seed, sizeof(old_seed));
	sg_domain_free(&old);
	sg_age_recipients_free(&a.rs);
	auth_opts_free(&a.auth);
	return rc;
}

static int from_option(void *from, int c, const char *arg)
{
	(void)c;
	*(const char **)from = arg;
	return 0;
}

static int domain_verify_rotation(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { verify_rotation_help, "", longopts, 1, 1 };
	const char *from = NULL;
	struct sg_json *stmt = NULL;
	char to[SG_DOMAIN_ID_LEN + 1];
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, from_option, &from)) != CLI_RUN)
		return rc;
	if (sg_read_json_file(argv[optind], &stmt) < 0 ||
	    sg_rotation_verify(stmt, argv[optind], from, to) < 0) {
		sg_json_free(stmt);
		return cli_lib_error();
	}
	printf("%s\n", to);
	sg_json_free(stmt);
	return CLI_EXIT_OK;
}

int cmd_domain(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "id", domain_id, "print the DomainID" },
		{ "init", domain_init, "create a domain: root key, layout, DAM, log" },
		{ "rotate", domain_rotate, "replace the root key, cross-signed by the old one" },
		{ "show", domain_show, "describe the domain" },
		{ "verify-rotation", domain_verify_rotation,
		  "check a rotation statement's cross-signatures" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet domain", argc, argv);
}
