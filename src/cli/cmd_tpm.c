/* cmd_tpm.c - signet tpm: seal and unseal secrets in a TPM2 under a PCR
 * policy, and read PCRs. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "tpm.h"

#define TPM_OPTIONS_HELP                                                                     \
	"  -T, --tcti CONF        TCTI to reach the TPM (default " SG_TPM_DEFAULT_TCTI ",\n" \
	"                         e.g. swtpm:host=127.0.0.1,port=2321)\n"                    \
	"  -p, --pcr LIST         sha256 PCRs of the policy, e.g. 7 or 0,7 (default 7)\n"

static const char seal_help[] =
	"Usage: signet tpm seal [--tcti CONF] [--pcr 7] [--handle 0x81000010] [--in FILE|-]\n"
	"                       [--pcr-value N:HEX]... [--force]\n"
	"\n"
	"Seals a secret of 1 to 64 bytes (read from FILE, or standard input by\n"
	"default) in the TPM, under the owner hierarchy's standard ECC P-256\n"
	"storage key, with a policy that allows unsealing only while the PCRs\n"
	"hold the values they hold now, and makes it persistent at the handle.\n"
	"With --pcr-value, the policy is computed for the value given for PCR N\n"
	"instead (predicted, e.g. for a new Secure Boot db); the other PCRs of\n"
	"the list keep their current values.\n"
	"A replacement (--force) goes through the handle's twin, H + 0x00400000\n"
	"(reserved for it), so that a crash leaves the old or the new secret;\n"
	"H is therefore one of 0x81000000-0x813fffff.\n"
	"Prints the handle and the policy digest; never the secret.\n"
	"\n"
	"Options:\n" TPM_OPTIONS_HELP
	"  -H, --handle H         persistent handle (default 0x81000010)\n"
	"  -i, --in FILE          the secret (- for standard input, the default)\n"
	"  -V, --pcr-value N:HEX  seal to this sha256 value of PCR N (repeatable)\n"
	"  -f, --force            replace an object already at the handle\n"
	"  -h, --help             show this help\n";

static const char unseal_help[] =
	"Usage: signet tpm unseal [--tcti CONF] [--pcr 7] [--handle 0x81000010] [-o OUT]\n"
	"\n"
	"Unseals the secret at the handle with a policy session over the PCRs as\n"
	"they are now, and writes it to OUT (mode 0600, atomically) or standard\n"
	"output. The TPM refuses when a PCR differs from the sealed policy.\n"
	"\n"
	"Options:\n" TPM_OPTIONS_HELP
	"  -H, --handle H         persistent handle (default 0x81000010)\n"
	"  -o, --out OUT          output file (default standard output)\n"
	"  -h, --help             show this help\n";

static const char pcr_help[] =
	"Usage: signet tpm pcr [--tcti CONF] [--pcr LIST] [--policy]\n"
	"\n"
	"Prints the current sha256 value of each PCR in LIST, one \"N: HEX\" line\n"
	"each; with --policy, the TPM2_PolicyPCR digest over them instead (what\n"
	"seal would put in the object's authPolicy now).\n"
	"\n"
	"Options:\n" TPM_OPTIONS_HELP
	"  --policy               print the PolicyPCR digest over LIST\n"
	"  -h, --help             show this help\n";

struct tpm_opts {
	const char *tcti;
	const char *in;
	const char *out;
	uint32_t pcrs;
	uint32_t handle;
	uint32_t given;		/* PCRs with a --pcr-value */
	uint8_t values[24][32]; /* their values */
	int force;
	int policy;
};

enum { OPT_POLICY = 256 };

/* The options every subcommand has; each adds its own to them. */
/* clang-format off */
#define TPM_LONG_OPTIONS \
	{ "tcti", required_argument, NULL, 'T' }, \
	{ "pcr", required_argument, NULL, 'p' }
/* clang-format on */

static void tpm_defaults(struct tpm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pcrs = SG_TPM_DEFAULT_PCRS;
	o->handle = SG_TPM_DEFAULT_HANDLE;
	o->in = "-";
}

/* "N:HEX": the sha256 value PCR N is to hold. */
static int parse_pcr_value(const char *arg, struct tpm_opts *o)
{
	const char *colon = strchr(arg, ':');
	char digits[16] = ""; /* N, zero-terminated by the initialiser */
	unsigned long long n;
	size_t len;

	if (colon && (size_t)(colon - arg) < sizeof(digits))
		memcpy(digits, arg, (size_t)(colon - arg));
	if (cli_parse_uint(digits, 23, &n) < 0)
		return cli_usage("--pcr-value '%s': expected N:HEX with N in 0-23", arg);
	if (sg_hex_decode(colon + 1, strlen(colon + 1), o->values[n], 32, &len) < 0 || len != 32)
		return cli_usage("--pcr-value '%s': expected 64 hex digits (a sha256 value)", arg);
	o->given |= 1u << n;
	return 0;
}

/* Each subcommand's table holds only its own options, so only those
 * get here. */
static int tpm_option(void *ctx, int c, const char *arg)
{
	struct tpm_opts *o = ctx;

	switch (c) {
	case 'T': o->tcti = arg; return 0;
	case 'i': o->in = arg; return 0;
	case 'o': o->out = arg; return 0;
	case 'f': o->force = 1; return 0;
	case OPT_POLICY: o->policy = 1; return 0;
	case 'V': return parse_pcr_value(arg, o);
	case 'p':
		if (sg_tpm_parse_pcrs(arg, &o->pcrs) < 0)
			return cli_usage("%s", sg_errmsg());
		return 0;
	default: /* 'H' */
		if (sg_tpm_parse_handle(arg, &o->handle) < 0)
			return cli_usage("%s", sg_errmsg());
		return 0;
	}
}

/* The policy over the PCRs of o: given values where there are, current
 * values elsewhere. */
static int predict_policy(struct sg_tpm *t, const struct tpm_opts *o, uint8_t policy[32])
{
	uint8_t values[24][32];
	unsigned i, n = 0;

	for (i = 0; i < 24; i++) {
		if (!(o->pcrs & (1u << i)))
			continue;
		if (o->given & (1u << i))
			memcpy(values[n], o->values[i], 32);
		else if (sg_tpm_pcr_read(t, i, values[n]) < 0)
			return -1;
		n++;
	}
	return sg_tpm_policy_predict(o->pcrs, (const uint8_t(*)[32])values, policy);
}

/* The secret to seal, from o->in: 1 to SG_TPM_SECRET_MAX bytes. */
static int read_secret(const struct tpm_opts *o, struct sg_buf *secret)
{
	int from_stdin = strcmp(o->in, "-") == 0;

	if (sg_read_file(o->in, secret, SG_TPM_SECRET_MAX) < 0) {
		if (from_stdin && strncmp(sg_errmsg(), "-: ", 3) == 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", sg_errmsg() + 3);
			sg_fail("standard input: %s", msg);
		}
		return -1;
	}
	if (secret->len == 0)
		return sg_fail("%s: the secret is empty", from_stdin ? "standard input" : o->in);
	return 0;
}

/* Seals secret as o says; policy gets the object's authPolicy. */
static int seal(const struct tpm_opts *o, const struct sg_buf *secret, uint8_t policy[32])
{
	struct sg_tpm *t = NULL;
	int rc = -1;

	if (sg_tpm_open(&t, o->tcti) == 0 && (!o->given || predict_policy(t, o, policy) == 0))
		rc = sg_tpm_seal(t, o->pcrs, o->handle, secret->data, secret->len, o->force,
				 o->given ? policy : NULL, policy);
	sg_tpm_close(t);
	return rc;
}

static int tpm_seal(int argc, char **argv)
{
	static const struct option longopts[] = {
		TPM_LONG_OPTIONS,
		{ "handle", required_argument, NULL, 'H' },
		{ "in", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "pcr-value", required_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { seal_help, "T:p:H:i:fV:", longopts, 0, 0 };
	struct sg_buf secret = SG_BUF_INIT;
	struct tpm_opts o;
	uint8_t policy[32];
	char hex[65], pcrs[64];
	int rc;

	tpm_defaults(&o);
	if ((rc = cli_parse(&opts, argc, argv, tpm_option, &o)) != CLI_RUN)
		return rc;
	if (o.given & ~o.pcrs)
		return cli_usage("--pcr-value names a PCR not in --pcr");
	if (read_secret(&o, &secret) < 0 || seal(&o, &secret, policy) < 0) {
		rc = cli_lib_error();
	} else {
		sg_hex_encode(policy, sizeof(policy), hex, SG_HEX_LOWER);
		sg_tpm_format_pcrs(o.pcrs, pcrs, sizeof(pcrs));
		printf("0x%08x: sealed %zu bytes to sha256 PCR %s, policy %s\n", o.handle,
		       secret.len, pcrs, hex);
		rc = CLI_EXIT_OK;
	}
	sg_buf_wipe(&secret);
	return rc;
}

/* Unseals the secret at o's handle into secret. */
static int unseal(const struct tpm_opts *o, struct sg_buf *secret)
{
	struct sg_tpm *t = NULL;
	int rc = -1;

	if (sg_tpm_open(&t, o->tcti) == 0)
		rc = sg_tpm_unseal(t, o->pcrs, o->handle, secret);
	sg_tpm_close(t);
	return rc;
}

/* Writes the secret to o->out (0600, atomically) or standard output. */
static int write_secret(const struct tpm_opts *o, const struct sg_buf *secret)
{
	if (o->out)
		return sg_write_file_atomic(o->out, secret->data, secret->len, 0600, 0);
	if (sg_write_all(1, secret->data, secret->len) < 0)
		return sg_fail_prefix("standard output");
	return 0;
}

static int tpm_unseal(int argc, char **argv)
{
	static const struct option longopts[] = {
		TPM_LONG_OPTIONS,
		{ "handle", required_argument, NULL, 'H' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { unseal_help, "T:p:H:o:", longopts, 0, 0 };
	struct sg_buf secret = SG_BUF_INIT;
	struct tpm_opts o;
	int rc;

	tpm_defaults(&o);
	if ((rc = cli_parse(&opts, argc, argv, tpm_option, &o)) != CLI_RUN)
		return rc;
	if (unseal(&o, &secret) < 0 || write_secret(&o, &secret) < 0)
		rc = cli_lib_error();
	else
		rc = CLI_EXIT_OK;
	sg_buf_wipe(&secret);
	return rc;
}

/* Prints each PCR of o's list, or with --policy the PolicyPCR digest
 * over them. */
static int print_pcrs(struct sg_tpm *t, const struct tpm_opts *o)
{
	uint8_t value[32];
	char hex[65];

	if (o->policy) {
		if (sg_tpm_policy_digest(t, o->pcrs, value) < 0)
			return -1;
		sg_hex_encode(value, sizeof(value), hex, SG_HEX_LOWER);
		printf("%s\n", hex);
		return 0;
	}
	for (unsigned i = 0; i < 24; i++) {
		if (!(o->pcrs & (1u << i)))
			continue;
		if (sg_tpm_pcr_read(t, i, value) < 0)
			return -1;
		sg_hex_encode(value, sizeof(value), hex, SG_HEX_LOWER);
		printf("%u: %s\n", i, hex);
	}
	return 0;
}

static int tpm_pcr(int argc, char **argv)
{
	static const struct option longopts[] = {
		TPM_LONG_OPTIONS,
		{ "policy", no_argument, NULL, OPT_POLICY },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { pcr_help, "T:p:", longopts, 0, 0 };
	struct sg_tpm *t = NULL;
	struct tpm_opts o;
	int rc;

	tpm_defaults(&o);
	if ((rc = cli_parse(&opts, argc, argv, tpm_option, &o)) != CLI_RUN)
		return rc;
	if (sg_tpm_open(&t, o.tcti) < 0 || print_pcrs(t, &o) < 0)
		rc = cli_lib_error();
	else
		rc = CLI_EXIT_OK;
	sg_tpm_close(t);
	return rc;
}

int cmd_tpm(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "pcr", tpm_pcr, "print sha256 PCR values or the PolicyPCR digest over them" },
		{ "seal", tpm_seal, "seal a secret to the current PCR values at a persistent handle" },
		{ "unseal", tpm_unseal, "unseal a secret if the PCRs still match" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet tpm", argc, argv);
}
