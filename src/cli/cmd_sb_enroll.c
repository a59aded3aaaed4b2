/* cmd_sb_enroll.c - signet sb enroll: Secure Boot keys written offline
 * into a copy of OVMF's variable store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "ovmfvars.h"

#define TEMPLATE_MAX (64u << 20)
#define ESL_MAX (1u << 20)

static const char enroll_help[] =
	"Usage: signet sb enroll --template VARS.fd --dir DIR [--pk F] [--kek F] [--db F]\n"
	"                        [--timestamp UNIX] -o VARS.fd\n"
	"\n"
	"Copies an OVMF variable store (e.g. /usr/share/OVMF/OVMF_VARS_4M.fd from\n"
	"Debian's ovmf package) and writes into it, offline, the platform key PK,\n"
	"the key exchange key KEK and the signature database db, each as an\n"
	"EFI_SIGNATURE_LIST of X.509 certificates, then SecureBootEnable = 1 and\n"
	"CustomMode = 0: with the Secure Boot build of OVMF (OVMF_CODE_4M.secboot.fd)\n"
	"the firmware starts in user mode with Secure Boot on and runs only EFI\n"
	"binaries signed by a db key. Existing PK, KEK and db are replaced.\n"
	"\n"
	"Each key is read from DIR/NAME.esl (signet sb keygen, cert-to-efi-sig-list)\n"
	"or, when there is none, from DIR/NAME.auth (a signed update, whose\n"
	"signature list and timestamp are used).\n"
	"\n"
	"Options:\n"
	"  --template FILE     the OVMF variable store to start from (not changed)\n"
	"  --dir DIR           where PK, KEK and db .esl or .auth files are\n"
	"  --pk, --kek, --db F take that key's .esl or .auth file from F instead\n"
	"  --timestamp UNIX    the variables' time stamp, in seconds since 1970\n"
	"                      (default: the .auth's, else SOURCE_DATE_EPOCH, else now)\n"
	"  -o, --output FILE   the variable store to write\n"
	"  -h, --help          show this help\n";

enum { OPT_TEMPLATE = 256, OPT_DIR, OPT_PK, OPT_KEK, OPT_DB, OPT_TIMESTAMP };

static const struct option enroll_options[] = {
	{ "template", required_argument, NULL, OPT_TEMPLATE },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "pk", required_argument, NULL, OPT_PK },
	{ "kek", required_argument, NULL, OPT_KEK },
	{ "db", required_argument, NULL, OPT_DB },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct key_file {
	const char *name;   /* PK, KEK, db */
	const char *path;   /* from --pk etc., else found in DIR */
	struct sg_buf buf;
	size_t esl_off;     /* where the signature list starts in buf */
	int is_auth;
	struct sg_efi_time auth_time;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Reads the key's file: NAME.esl, else NAME.auth, in dir. */
static int load_key(struct key_file *k, const char *dir)
{
	char path[4096];
	struct stat st;
	const char *p = k->path;

	if (!p) {
		snprintf(path, sizeof(path), "%s/%s.esl", dir, k->name);
		if (stat(path, &st) < 0 && errno == ENOENT) {
			snprintf(path, sizeof(path), "%s/%s.auth", dir, k->name);
			if (stat(path, &st) < 0 && errno == ENOENT)
				return sg_fail("%s: neither %s.esl nor %s.auth found", dir, k->name,
					       k->name);
		}
		p = path;
	}
	if (sg_read_file(p, &k->buf, ESL_MAX) < 0)
		return -1;
	k->is_auth = ends_with(p, ".auth");
	if (k->is_auth && sg_auth_payload(k->buf.data, k->buf.len, p, &k->esl_off, &k->auth_time) < 0)
		return -1;
	return 0;
}

static int parse_timestamp(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || end == s || *end || *out < 0)
		return sg_fail("timestamp '%.40s': not a number of seconds since 1970", s);
	return 0;
}

int cmd_sb_enroll(int argc, char **argv)
{
	const char *cmd = "signet sb enroll";
	const char *tmpl = NULL, *dir = NULL, *out = NULL, *ts_arg = NULL;
	struct key_file keys[3] = { { .name = "PK" }, { .name = "KEK" }, { .name = "db" } };
	struct sg_buf tbuf = SG_BUF_INIT;
	struct sg_ovmf_store store = SG_OVMF_STORE_INIT;
	struct sg_efi_time t;
	long long secs;
	int ch, rc = CLI_EXIT_FAIL;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "ho:", enroll_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cli_help(enroll_help);
		case OPT_TEMPLATE:
			tmpl = optarg;
			break;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_PK:
		case OPT_KEK:
		case OPT_DB:
			keys[ch - OPT_PK].path = optarg;
			break;
		case OPT_TIMESTAMP:
			ts_arg = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!tmpl)
		return cli_usage_error(cmd, "--template FILE is required");
	if (!out)
		return cli_usage_error(cmd, "-o FILE is required");
	for (int i = 0; i < 3; i++)
		if (!keys[i].path && !dir)
			return cli_usage_error(cmd, "--dir DIR (or --%s FILE) is required",
					       i == 0 ? "pk" : i == 1 ? "kek" : "db");

	if (sg_read_file(tmpl, &tbuf, TEMPLATE_MAX) < 0 ||
	    sg_ovmf_parse(&store, tbuf.data, tbuf.len, tmpl) < 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		if (load_key(&keys[i], dir) < 0)
			goto fail;

	/* The time stamp: asked for, else the signed update's, else the
	 * build's (SOURCE_DATE_EPOCH), else now. */
	if (ts_arg) {
		if (parse_timestamp(ts_arg, &secs) < 0 || sg_efi_time_from_unix(secs, &t) < 0)
			goto fail;
	} else if (keys[0].is_auth) {
		t = keys[0].auth_time;
	} else if (getenv("SOURCE_DATE_EPOCH")) {
		if (parse_timestamp(getenv("SOURCE_DATE_EPOCH"), &secs) < 0 ||
		    sg_efi_time_from_unix(secs, &t) < 0) {
			sg_fail_prefix("SOURCE_DATE_EPOCH");
			goto fail;
		}
	} else if (sg_efi_time_from_unix((long long)time(NULL), &t) < 0) {
		goto fail;
	}

	if (sg_ovmf_enroll(&store, keys[0].buf.data + keys[0].esl_off, keys[0].buf.len - keys[0].esl_off,
			   keys[1].buf.data + keys[1].esl_off, keys[1].buf.len - keys[1].esl_off,
			   keys[2].buf.data + keys[2].esl_off, keys[2].buf.len - keys[2].esl_off,
			   &t) < 0)
		goto fail;
	if (sg_write_file_atomic(out, store.img, store.len, 0644, 0) < 0)
		goto fail;
	rc = CLI_EXIT_OK;
	goto done;
fail:
	cli_lib_error();
done:
	sg_ovmf_free(&store);
	sg_buf_free(&tbuf);
	for (int i = 0; i < 3; i++)
		sg_buf_free(&keys[i].buf);
	return rc;
}
