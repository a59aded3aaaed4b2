/* cmd_bundle.c - signet bundle: seal, inspect and open ASL SOPS bundles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authop.h"
#include "authority.h"
#include "bundle.h"
#include "cli.h"
#include "commands.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "timestamp.h"

static const char seal_help[] =
	"Usage: signet bundle seal [--home DIR] [--domain ID] [key options]\n"
	"           --purpose admission|rescue|recovery --policy P.yaml\n"
	"           [--admission A.yaml] [--note TEXT] [--artifact FILE]...\n"
	"           -r age1... [-r age1...] [-o FILE]\n"
	"\n"
	"Seals the domain's authority (root public and private key, current DAM\n"
	"and its signature, the rotation statement after a rotation), the policy\n"
	"(checked, policy_hash set) and the admission request into an ASL SOPS\n"
	"bundle: a SOPS YAML file whose header is in clear and whose contents are\n"
	"encrypted to the age recipients, the MAC covering both. The default\n"
	"output is HOME/sops-bundles/asl-<purpose>-<short DomainID>.sops.yaml; an\n"
	"existing file is never replaced (but for a bundle of this domain that no\n"
	"record names, left outside the home by an interrupted seal). The seal is\n"
	"recorded in the audit log.\n"
	"\n"
	"Options:\n" AUTH_OPTIONS_HELP AUTH_KEY_HELP
	"  --purpose P            admission, rescue or recovery (required)\n"
	"  --policy FILE          the domain policy, YAML or JSON (required)\n"
	"  --admission FILE       the admission request (target_domain, mode, intent,\n"
	"                         courtesy_lease), YAML or JSON\n"
	"  --note TEXT            human notes (optional.notes)\n"
	"  --artifact FILE        a seed artifact, inline (repeatable)\n"
	"  -r, --recipient R      an age recipient (repeatable, at least one)\n"
	"  -o, --output FILE      where to write the bundle\n"
	"  -h, --help             show this help\n";

static const char inspect_help[] =
	"Usage: signet bundle inspect FILE\n"
	"\n"
	"Shows a bundle's plaintext header and its recipients without any key.\n"
	"The MAC is not verified (that needs a key: signet bundle open).\n"
	"\n"
	"Options:\n"
	"  -h, --help             show this help\n";

static const char open_help[] =
	"Usage: signet bundle open [-i IDENTITY]... [--reveal] FILE\n"
	"\n"
	"Decrypts a bundle (the MAC over header and contents verified), checks\n"
	"its shape and prints it as YAML, the root private key redacted unless\n"
	"--reveal is given. Identities as sops reads them: $SOPS_AGE_KEY,\n"
	"$SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt; and -i files.\n"
	"\n"
	"Options:\n"
	"  -i, --identity FILE    an age identity file (repeatable)\n"
	"  --reveal               print the root private key\n"
	"  -h, --help             show this help\n";

enum { OPT_PURPOSE = 2000, OPT_POLICY, OPT_ADMISSION, OPT_NOTE, OPT_ARTIFACT, OPT_REVEAL };

struct seal_opts {
	struct auth_opts a;
	const char *purpose, *policy, *admission, *note, *output;
	const char **artifacts;
	size_t nartifacts;
	char **recipients;
	size_t nrecipients;
};

static int push_str(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

static int seal_option(void *ctx, int c, const char *arg)
{
	struct seal_opts *o = ctx;

	switch (c) {
	case OPT_PURPOSE: o->purpose = arg; return 0;
	case OPT_POLICY: o->policy = arg; return 0;
	case OPT_ADMISSION: o->admission = arg; return 0;
	case OPT_NOTE: o->note = arg; return 0;
	case 'o': o->output = arg; return 0;
	case OPT_ARTIFACT:
		return push_str(&o->artifacts, &o->nartifacts, arg) < 0 ? cli_error("out of memory")
									: 0;
	case 'r':
		return push_str((const char ***)&o->recipients, &o->nrecipients, arg) < 0
			       ? cli_error("out of memory")
			       : 0;
	default: return auth_option_only(&o->a, c, arg);
	}
}

/* CLI_RUN, or the exit code. */
static int seal_args(struct seal_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		AUTH_LONG_OPTIONS,
		{ "purpose", required_argument, NULL, OPT_PURPOSE },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "admission", required_argument, NULL, OPT_ADMISSION },
		{ "note", required_argument, NULL, OPT_NOTE },
		{ "artifact", required_argument, NULL, OPT_ARTIFACT },
		{ "recipient", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { seal_help, "i:r:o:", longopts, 0, 0 };
	int rc = cli_parse(&opts, argc, argv, seal_option, o);

	if (rc != CLI_RUN)
		return rc;
	if (!o->purpose || !sg_bundle_purpose_valid(o->purpose))
		return cli_usage("--purpose must be admission, rescue or recovery");
	if (!o->policy)
		return cli_usage("--policy FILE is required");
	if (!o->nrecipients)
		return cli_usage("at least one -r RECIPIENT is required");
	for (size_t i = 0; i < o->nrecipients; i++) {
		struct sg_age_recipients rs = { 0 };
		rc = auth_add_recipient(&rs, o->recipients[i]);
		sg_age_recipients_free(&rs);
		if (rc < 0)
			return CLI_EXIT_FAIL;
	}
	return CLI_RUN;
}

static int bundle_seal(int argc, char **argv)
{
	struct seal_opts o;
	struct sg_seal_files f;
	struct sg_domain d = { 0 };
	struct sg_seal s = { 0 };
	char *dest = NULL, id[SG_UUID_LEN + 1];
	uint8_t seed[32];
	time_t now;
	int rc, unlocked = 0;

	memset(&o, 0, sizeof(o));
	if ((rc = seal_args(&o, argc, argv)) != CLI_RUN)
		goto out;
	rc = CLI_EXIT_FAIL;
	if (auth_open(&o.a, &d) < 0)
		goto out;
	f = (struct sg_seal_files){ o.purpose,	 o.policy,     o.admission,  o.note,	   o.output,
				    o.artifacts, o.nartifacts, o.recipients, o.nrecipients };
	/* what can be refused is refused before the key is unlocked; the
	 * DAM and the destination are checked again under the home's lock */
	if (sg_time_now(&now) < 0 || sg_authop_seal_prepare(&d, &f, now, &s) < 0)
		goto lib_fail;
	if (auth_unlock(&o.a, &d, seed) < 0)
		goto out;
	unlocked = 1;
	if (sg_authop_seal(&d, seed, &s, &dest, id) < 0)
		goto lib_fail;
	printf("%s\n", dest);
	fprintf(stderr, "signet: sealed bundle %s (%s) for %s\n", id, o.purpose, d.id);
	rc = CLI_EXIT_OK;
	goto out;
lib_fail:
	rc = cli_lib_error();
out:
	if (unlocked)
		sg_wipe(seed, sizeof(seed));
	sg_seal_free(&s);
	free(dest);
	free(o.artifacts);
	free(o.recipients);
	sg_domain_free(&d);
	auth_opts_free(&o.a);
	return rc;
}

static int bundle_inspect(int argc, char **argv)
{
	struct sg_buf text = SG_BUF_INIT;
	const struct cli_opts opts = { inspect_help, "", NULL, 1, 1 };
	int rc = cli_parse(&opts, argc, argv, NULL, NULL);

	if (rc != CLI_RUN)
		return rc;
	if (sg_bundle_inspect_file(argv[optind], &text) < 0) {
		rc = cli_lib_error();
	} else {
		fwrite(text.data, 1, text.len, stdout);
		rc = CLI_EXIT_OK;
	}
	sg_buf_free(&text);
	return rc;
}

static int bundle_open(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "identity", required_argument, NULL, 'i' },
		{ "reveal", no_argument, NULL, OPT_REVEAL },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { open_help, "i:", longopts, 1, 1 };
	struct auth_flag_args a = { .flag_val = OPT_REVEAL };
	struct sg_buf out = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, auth_flag_option, &a)) != CLI_RUN)
		goto out;
	auth_protect_memory();
	if (sg_bundle_open_yaml(argv[optind], &a.auth.ids, a.flag, &out) < 0 ||
	    sg_write_all(STDOUT_FILENO, out.data, out.len) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	if (a.flag)
		fprintf(stderr, "signet: %s: the root private key is shown in clear\n", argv[optind]);
	rc = CLI_EXIT_OK;
out:
	sg_buf_wipe(&out);
	auth_opts_free(&a.auth);
	return rc;
}

int cmd_bundle(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "inspect", bundle_inspect, "show a bundle's header and recipients (no key)" },
		{ "open", bundle_open, "decrypt and show a bundle (root key redacted)" },
		{ "seal", bundle_seal,
		  "seal the domain's authority, policy and intent into a bundle" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet bundle", argc, argv);
}
