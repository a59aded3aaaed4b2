/* cmd_oci_registry.c - signet oci pull and signet oci push: images from
 * and to a registry over the OCI distribution API (registry.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "commands.h"
#include "crypto.h"
#include "err.h"
#include "ocilayout.h"
#include "path.h"
#include "refname.h"
#include "registry.h"

#define REMOTE_OPTIONS_HELP                                                             \
	"  --ca FILE              trust only this CA (PEM) for the registry's TLS\n"    \
	"                         certificate (default: the system's trust store)\n"    \
	"  --cert FILE            a client certificate (PEM), for mutual TLS\n"         \
	"  --key FILE             its private key (PEM)\n"                              \
	"  --user NAME            basic authentication as NAME; the password is the\n"  \
	"                         first line of --password-file F, or else the\n"       \
	"                         environment's SIGNET_REGISTRY_PASSWORD; a registry\n" \
	"                         that answers with a Bearer challenge gets a token\n"  \
	"                         from its realm with them\n"                           \
	"  --password-file F      the password's file\n"                                \
	"  --plain-http           speak plain HTTP to the registry (for loopback\n"     \
	"                         tests; never over a network)\n"                       \
	"  -h, --help             show this help\n"

static const char pull_help[] =
	"Usage: signet oci pull [options] REF -o LAYOUT[:TAG]\n"
	"\n"
	"Fetches the image REF (HOST[:PORT]/NAME[:TAG][@sha256:HEX]) from its\n"
	"registry into the OCI image layout LAYOUT (created when missing), tagged\n"
	"TAG (default: REF's tag, else \"latest\"); the layout's other tags are kept.\n"
	"Of a multi-platform index, the linux/amd64 manifest is taken. The\n"
	"manifest's SHA-256 must be REF's digest when it names one. Each blob's\n"
	"size and SHA-256 are checked as it streams in; blobs already in LAYOUT are\n"
	"not fetched again, and a download that was cut off continues from where it\n"
	"stopped (blobs/sha256/HEX.partial). Prints the manifest's digest.\n"
	"\n"
	"Options:\n"
	"  -o, --output LAYOUT[:TAG]  the layout and the tag\n" REMOTE_OPTIONS_HELP;

static const char push_help[] =
	"Usage: signet oci push [options] LAYOUT[:TAG] REF\n"
	"\n"
	"Sends the image tagged TAG in the OCI image layout LAYOUT (its only one\n"
	"when no TAG is given) to REF (HOST[:PORT]/NAME[:TAG][@sha256:HEX]): the\n"
	"layers and config the registry lacks, then the manifest, under REF's tag\n"
	"(or its digest, which must then be the manifest's; with neither,\n"
	"\"latest\"). Prints the manifest's digest.\n"
	"\n"
	"Options:\n" REMOTE_OPTIONS_HELP;

enum { OPT_CA = 256, OPT_CERT, OPT_KEY, OPT_USER, OPT_PASSWORD_FILE, OPT_PLAIN_HTTP };

struct remote_args {
	struct sg_oci_remote r;
	const char *password_file, *output;
};

static int remote_option(void *ctx, int c, const char *arg)
{
	struct remote_args *a = ctx;

	switch (c) {
	case OPT_CA: a->r.ca_file = arg; break;
	case OPT_CERT: a->r.cert_file = arg; break;
	case OPT_KEY: a->r.key_file = arg; break;
	case OPT_USER: a->r.user = arg; break;
	case OPT_PASSWORD_FILE: a->password_file = arg; break;
	case OPT_PLAIN_HTTP: a->r.plain_http = 1; break;
	case 'o': a->output = arg; break;
	}
	return 0;
}

#define REMOTE_LONGOPTS                                                                           \
	{ "ca", required_argument, NULL, OPT_CA }, { "cert", required_argument, NULL, OPT_CERT }, \
		{ "key", required_argument, NULL, OPT_KEY },                                      \
		{ "user", required_argument, NULL, OPT_USER },                                    \
		{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },                  \
	{                                                                                         \
		"plain-http", no_argument, NULL, OPT_PLAIN_HTTP                                   \
	}

/* The password, from its file or the environment (wiped there), into
 * pass; the options' consistency checked. */
static int remote_finish(struct remote_args *a, struct sg_buf *pass)
{
	char *env = getenv("SIGNET_REGISTRY_PASSWORD");

	if (a->r.key_file && !a->r.cert_file)
		return cli_usage("--key needs --cert");
	if (a->password_file && !a->r.user)
		return cli_usage("--password-file needs --user");
	if (a->r.user) {
		if (!*a->r.user || strchr(a->r.user, ':'))
			return cli_usage("--user '%s': empty or with a ':'", a->r.user);
		if (a->password_file) {
			if (cli_read_passphrase_file(a->password_file, pass) < 0)
				return cli_lib_error();
		} else if (env && *env) {
			if (sg_buf_append_str(pass, env) < 0)
				return cli_error("out of memory");
		} else {
			return cli_usage("--user needs --password-file or SIGNET_REGISTRY_PASSWORD");
		}
		if (sg_buf_terminate(pass) < 0)
			return cli_error("out of memory");
		a->r.password = (const char *)pass->data;
	}
	if (env) { /* used or not, it goes from this process's memory */
		sg_wipe(env, strlen(env));
		unsetenv("SIGNET_REGISTRY_PASSWORD");
	}
	return 0;
}

/* LAYOUT[:TAG], a usage error when it is not. */
static int split_layout(const char *arg, struct sg_oci_layout_arg *l)
{
	return sg_oci_layout_arg_parse(arg, l) < 0 ? cli_usage("%s", sg_errmsg()) : 0;
}

/* The credentials read, the image pulled or pushed, the password wiped
 * on every path; the manifest's digest printed. */
static int transfer(struct remote_args *a, const struct sg_oci_ref *ref,
		    const struct sg_oci_layout_arg *l, int push)
{
	struct sg_buf pass = SG_BUF_INIT;
	char digest[SG_OCI_DIGEST_LEN + 1];
	int rc = remote_finish(a, &pass);

	if (rc == 0 && (push ? sg_oci_push(l->dir, l->tag[0] ? l->tag : NULL, ref, &a->r, digest)
			     : sg_oci_pull(ref, &a->r, l->dir, l->tag, digest)) < 0)
		rc = cli_lib_error();
	sg_buf_wipe(&pass);
	if (rc == 0)
		printf("%s\n", digest);
	return rc;
}

int cmd_oci_pull(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		REMOTE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { pull_help, "o:", longopts, 1, 1 };
	struct remote_args a = { 0 };
	struct sg_oci_ref ref;
	static struct sg_oci_layout_arg l; /* large: not on the stack */
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, remote_option, &a)) != CLI_RUN)
		return rc;
	if (!a.output)
		return cli_usage("-o LAYOUT[:TAG] is required");
	if ((rc = split_layout(a.output, &l)) != 0)
		return rc;
	if (sg_oci_ref_parse(argv[optind], &ref) < 0)
		return cli_lib_error();
	if (!l.tag[0])
		snprintf(l.tag, sizeof(l.tag), "%s", ref.tag[0] ? ref.tag : "latest");
	a.r.ref_text = argv[optind];
	return transfer(&a, &ref, &l, 0);
}

int cmd_oci_push(int argc, char **argv)
{
	static const struct option longopts[] = {
		REMOTE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { push_help, "", longopts, 2, 2 };
	struct remote_args a = { 0 };
	struct sg_oci_ref ref;
	static struct sg_oci_layout_arg l; /* large: not on the stack */
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, remote_option, &a)) != CLI_RUN)
		return rc;
	if ((rc = split_layout(argv[optind], &l)) != 0)
		return rc;
	if (sg_oci_ref_parse(argv[optind + 1], &ref) < 0)
		return cli_lib_error();
	a.r.ref_text = argv[optind + 1];
	return transfer(&a, &ref, &l, 1);
}
