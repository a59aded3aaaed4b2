/* cmd_sb_enroll.c - signet sb enroll: Secure Boot keys written offline
 * into a copy of OVMF's variable store. */
#include <errno.h>
#include <limits.h>
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
	{ NULL, 0, NULL, 0 },
};

struct key_file {
	const char *name; /* PK, KEK, db */
	const char *path; /* from --pk etc., else found in DIR */
	struct sg_buf buf;
	size_t esl_off; /* where the signature list starts in buf */
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

/* A time stamp of the command line or the environment is not a usage
 * error of its own: one error line, exit 1. */
static int parse_timestamp(const char *s, long long *out)
{
	unsigned long long v;

	if (cli_parse_uint(s, LLONG_MAX, &v) < 0)
		return sg_fail("timestamp '%.40s': not a number of seconds since 1970", s);
	*out = (long long)v;
	return 0;
}

/* What enroll takes. */
struct enroll_args {
	const char *tmpl, *dir, *out, *timestamp;
	struct key_file keys[3];
};

static int enroll_option(void *ctx, int c, const char *arg)
{
	struct enroll_args *a = ctx;

	switch (c) {
	case OPT_TEMPLATE: a->tmpl = arg; break;
	case OPT_DIR: a->dir = arg; break;
	case OPT_PK:
	case OPT_KEK:
	case OPT_DB: a->keys[c - OPT_PK].path = arg; break;
	case OPT_TIMESTAMP: a->timestamp = arg; break;
	case 'o': a->out = arg; break;
	}
	return 0;
}

/* CLI_RUN, or the exit code. */
static int enroll_parse(struct enroll_args *a, int argc, char **argv)
{
	const struct cli_opts opts = { enroll_help, "o:", enroll_options, 0, 0 };
	int rc = cli_parse(&opts, argc, argv, enroll_option, a);

	if (rc != CLI_RUN)
		return rc;
	if (!a->tmpl)
		return cli_usage("--template FILE is required");
	if (!a->out)
		return cli_usage("-o FILE is required");
	for (int i = 0; i < 3; i++)
		if (!a->keys[i].path && !a->dir)
			return cli_usage("--dir DIR (or --%s FILE) is required", i == 0	  ? "pk"
										 : i == 1 ? "kek"
											  : "db");
	return CLI_RUN;
}

/* The time stamp: asked for, else the signed update's, else the build's
 * (SOURCE_DATE_EPOCH), else now. */
static int enroll_time(const struct enroll_args *a, struct sg_efi_time *t)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long long secs = 0;

	if (a->timestamp)
		return parse_timestamp(a->timestamp, &secs) < 0 ? -1 : sg_efi_time_from_unix(secs, t);
	if (a->keys[0].is_auth) {
		*t = a->keys[0].auth_time;
		return 0;
	}
	if (sde) {
		if (parse_timestamp(sde, &secs) < 0 || sg_efi_time_from_unix(secs, t) < 0)
			return sg_fail_prefix("SOURCE_DATE_EPOCH");
		return 0;
	}
	return sg_efi_time_from_unix((long long)time(NULL), t);
}

/* The key's signature list: the file, or the payload of a signed update. */
#define ESL_OF(k) (k).buf.data + (k).esl_off, (k).buf.len - (k).esl_off

/* Writes a->out: the template with the keys enrolled. */
static int enroll(struct enroll_args *a)
{
	struct sg_buf tbuf = SG_BUF_INIT;
	struct sg_ovmf_store store = SG_OVMF_STORE_INIT;
	struct sg_efi_time t;
	int rc = -1;

	if (sg_read_file(a->tmpl, &tbuf, TEMPLATE_MAX) < 0 ||
	    sg_ovmf_parse(&store, tbuf.data, tbuf.len, a->tmpl) < 0)
		goto out;
	for (int i = 0; i < 3; i++)
		if (load_key(&a->keys[i], a->dir) < 0)
			goto out;
	if (enroll_time(a, &t) < 0 ||
	    sg_ovmf_enroll(&store, ESL_OF(a->keys[0]), ESL_OF(a->keys[1]), ESL_OF(a->keys[2]), &t) <
		    0 ||
	    sg_write_file_atomic(a->out, store.img, store.len, 0644, 0) < 0)
		goto out;
	rc = 0;
out:
	sg_ovmf_free(&store);
	sg_buf_free(&tbuf);
	return rc;
}

int cmd_sb_enroll(int argc, char **argv)
{
	struct enroll_args a = { .keys = { { .name = "PK" }, { .name = "KEK" }, { .name = "db" } } };
	int rc = enroll_parse(&a, argc, argv);

	if (rc != CLI_RUN)
		return rc;
	rc = enroll(&a) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	for (int i = 0; i < 3; i++)
		sg_buf_free(&a.keys[i].buf);
	return rc;
}
