/* cmd_fleet.c - signet fleet: the fleet repository (signet-fleet(5)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "fleetattest.h"
#include "fleetbuild.h"
#include "fleetctl.h"
#include "fleetdoc.h"
#include "fleetinit.h"
#include "fleetlock.h"
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

static const char build_help[] =
	"Usage: signet fleet build [-C DIR] --out OUT [--inputs DIR] [--json]\n"
	"\n"
	"Makes every host's artifacts from the repository's documents and\n"
	"state/ into OUT, with OUT/manifest.json listing each (path, host, kind,\n"
	"size, sha256, and the digest of its inputs). The build's time is the\n"
	"commit's (SOURCE_DATE_EPOCH, when set, wins); the same commit gives the\n"
	"same bytes on any machine, in any directory, under any TZ, umask or\n"
	"locale. An artifact whose inputs did not change since the build in OUT\n"
	"is taken from it. OUT is replaced in one rename when the build is\n"
	"complete. Every input fleet.lock pins must be in the inputs directory\n"
	"with its pinned SHA-256, or nothing is built.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --out OUT              where the build goes\n"
	"  --inputs DIR           the outside inputs, by their names in fleet.lock\n"
	"  --json                 print the manifest and what was made or reused\n"
	"  -h, --help             show this help\n";

static const char plan_help[] =
	"Usage: signet fleet plan [-C DIR] [--against ATTESTATION | --build OUT] [--json]\n"
	"\n"
	"Says, per host and artifact, what a build would change against an\n"
	"attestation or the build in OUT: added, changed, unchanged or removed,\n"
	"judged by the digest of each artifact's inputs. Without either, every\n"
	"artifact is added. Nothing is made or written.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --against ATTESTATION  a builder's attestation (signature checked)\n"
	"  --build OUT            a build's manifest\n"
	"  --json                 a JSON list of {host, kind, path, change}\n"
	"  -h, --help             show this help\n";

static const char attest_help[] =
	"Usage: signet fleet attest [-C DIR] --builder NAME --key KEY --build OUT -o FILE\n"
	"\n"
	"Hashes every artifact of the build in OUT again and writes the list,\n"
	"signed with the builder's own key (an Ed25519 PEM whose public key is\n"
	"the builder's attestation_key in hosts/NAME.yaml), to FILE.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --builder NAME         the builder (a host of role builder)\n"
	"  --key KEY              its attestation key\n"
	"  --build OUT            the build\n"
	"  -o, --output FILE      the attestation (not overwritten)\n"
	"  -h, --help             show this help\n";

static const char lock_help[] =
	"Usage: signet fleet lock [-C DIR] --inputs DIR\n"
	"\n"
	"Rewrites fleet.lock to pin every regular file under the inputs\n"
	"directory by its path there (an input name: [a-z0-9._-] components),\n"
	"its size and SHA-256. An input already pinned keeps its source.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --inputs DIR           the outside inputs\n"
	"  -h, --help             show this help\n";

static const char compare_help[] =
	"Usage: signet fleet compare [-C DIR] ATTESTATION ATTESTATION\n"
	"\n"
	"Checks that two builders agree: both attestations verify with their\n"
	"builders' keys, come from two different builders, name the same clean\n"
	"commit and list the same artifacts byte for byte. Prints one line per\n"
	"difference and exits 1 when they do not agree.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  -h, --help             show this help\n";

static const char issue_help[] =
	"Usage: signet fleet issue [-C DIR] --keys KEYS\n"
	"\n"
	"On the control plane, before a build: makes in KEYS what the fleet's\n"
	"documents need and KEYS lacks (the CA, each web and ca service's\n"
	"certificate, the DNS root and zone keys; private keys encrypted to\n"
	"KEYS/operator.key), and writes the public parts into the repository's\n"
	"state/ (state/ca/, state/certs/, state/secrets/<host>/ sealed to each\n"
	"host, state/dns/root.ds), to be committed\n"
	"before the builders build. One line per thing made; a second run makes\n"
	"nothing.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --keys KEYS            the control plane's keys (signet-fleet(5))\n"
	"  -h, --help             show this help\n";

static const char client_help[] =
	"Usage: signet fleet client [-C DIR] --keys KEYS --out DIR WHO\n"
	"\n"
	"Issues a client certificate of the fleet's CA to a person, named\n"
	"WHO@<dns.hosts> (e.g. operator@example.internal), for the services\n"
	"that ask for client certificates: DIR/WHO.crt and DIR/WHO.key (0600).\n"
	"Issuing again makes a new key and revokes the old certificate (the\n"
	"repository's state/ca/crl.pem changes: commit it).\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --keys KEYS            the control plane's keys\n"
	"  --out DIR              where the certificate and key go\n"
	"  -h, --help             show this help\n";

static const char sign_help[] =
	"Usage: signet fleet sign [-C DIR] --keys KEYS --build OUT --out SIGNED ATT ATT\n"
	"\n"
	"On the control plane, after two builders built the same commit: checks\n"
	"that their attestations ATT and ATT agree (as signet fleet compare) and\n"
	"that the build in OUT is exactly what they list, then writes the signed\n"
	"release to SIGNED: the manifest, both attestations, every artifact\n"
	"(each checked against its SHA-256) and every zone signed with the keys\n"
	"of KEYS/dns at the build's time. SIGNED is replaced in one rename when\n"
	"it is complete; nothing is written when a check fails.\n"
	"\n"
	"Options:\n"
	"  -C DIR                 the repository (default: the current directory)\n"
	"  --keys KEYS            the control plane's keys\n"
	"  --build OUT            the builders' build (either one's)\n"
	"  --out SIGNED           where the signed release goes\n"
	"  -h, --help             show this help\n";

enum {
	OPT_KEYS = 256,
	OPT_OUT,
	OPT_JSON,
	OPT_AGAINST,
	OPT_BUILD,
	OPT_BUILDER,
	OPT_KEY,
	OPT_INPUTS
};

/* What the build-side commands take. */
struct fleet_args {
	const char *dir, *out, *against, *build, *builder, *key, *output, *inputs, *keys;
	int json;
};

static int fleet_option(void *ctx, int c, const char *arg)
{
	struct fleet_args *a = ctx;

	switch (c) {
	case 'C': a->dir = arg; return 0;
	case 'o': a->output = arg; return 0;
	case OPT_OUT: a->out = arg; return 0;
	case OPT_JSON: a->json = 1; return 0;
	case OPT_AGAINST: a->against = arg; return 0;
	case OPT_BUILD: a->build = arg; return 0;
	case OPT_BUILDER: a->builder = arg; return 0;
	case OPT_KEY: a->key = arg; return 0;
	case OPT_INPUTS: a->inputs = arg; return 0;
	case OPT_KEYS: a->keys = arg; return 0;
	default: return CLI_EXIT_USAGE;
	}
}

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

/* The build's context: the checked documents and where the build's
 * time comes from (SOURCE_DATE_EPOCH, else the commit). */
static int open_ctx(const char *dir, struct sg_fleet *f, struct sg_fleet_source *src,
		    struct sg_fleet_ctx *c)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	unsigned long long t;

	if (load(dir, f) < 0)
		return -1;
	if (sg_fleet_source(dir, src) < 0)
		return cli_lib_error(), -1;
	if (sde && *sde) {
		if (cli_parse_uint(sde, 0xffffffffffULL, &t) < 0)
			return cli_error("SOURCE_DATE_EPOCH: not a number of seconds: %s", sde), -1;
		src->epoch = (int64_t)t;
		src->has_epoch = 1;
	}
	if (!src->has_epoch)
		return cli_error("%s: not a git commit: the build takes its time from the commit "
				 "(or SOURCE_DATE_EPOCH)",
				 dir),
		       -1;
	*c = (struct sg_fleet_ctx){ .f = f, .repo = dir, .epoch = src->epoch };
	return 0;
}

static int print_json(const struct sg_json *j)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_json_write(j, &b, 2) < 0 || sg_buf_append_byte(&b, '\n') < 0 ||
		 fwrite(b.data, 1, b.len, stdout) != b.len;

	sg_buf_free(&b);
	return rc ? cli_lib_error() : CLI_EXIT_OK;
}

static int fleet_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "inputs", required_argument, NULL, OPT_INPUTS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { build_help, "C:", longopts, 0, 0 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_fleet_source src;
	struct sg_fleet_ctx c;
	struct sg_fleet_built built;
	struct sg_json *m = NULL;
	struct sg_buf diag = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	if (!a.out)
		return cli_usage("--out OUT is required");
	rc = CLI_EXIT_FAIL;
	if (open_ctx(a.dir, &f, &src, &c) < 0)
		goto out;
	c.inputs = a.inputs;
	if (sg_fleet_build(&c, &src, a.out, &m, &built, &diag) < 0) {
		if (diag.len)
			fwrite(diag.data, 1, diag.len, stderr);
		else
			cli_lib_error();
		goto out;
	}
	if (a.json && (sg_json_set(m, "made", sg_json_new_int((int64_t)built.made)) < 0 ||
		       sg_json_set(m, "reused", sg_json_new_int((int64_t)built.reused)) < 0))
		rc = cli_lib_error();
	else if (a.json)
		rc = print_json(m);
	else
		rc = printf("%s: %zu artifacts (%zu made, %zu unchanged), commit %s%s\n", a.out,
			    built.made + built.reused, built.made, built.reused,
			    src.commit[0] ? src.commit : "(none)", src.dirty ? " (dirty)" : "") < 0;
out:
	sg_buf_free(&diag);
	sg_json_free(m);
	sg_fleet_free(&f);
	return rc;
}

static int fleet_lock(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inputs", required_argument, NULL, OPT_INPUTS },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { lock_help, "C:", longopts, 0, 0 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	size_t n = 0;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	if (!a.inputs)
		return cli_usage("--inputs DIR is required");
	rc = CLI_EXIT_FAIL;
	if (load(a.dir, &f) == 0 || f.organisation) /* a lock that pins what is gone is rewritten */
		rc = sg_fleet_lock_write(&f, a.dir, a.inputs, &n) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	if (rc == CLI_EXIT_OK)
		printf("%s/fleet.lock: %zu inputs pinned\n", a.dir, n);
	sg_fleet_free(&f);
	return rc;
}

/* The base a plan compares with: an attestation, a build, or nothing. */
static int plan_base(const struct fleet_args *a, const struct sg_fleet *f, struct sg_json **base)
{
	*base = NULL;
	if (a->against && a->build)
		return cli_usage("--against and --build exclude each other");
	if (a->against && sg_fleet_attestation_read(f, a->against, base) < 0)
		return cli_lib_error();
	if (a->build && sg_fleet_manifest_read(a->build, base) < 0)
		return cli_lib_error();
	return 0;
}

static int print_plan(const struct sg_json *plan)
{
	size_t counts[4] = { 0 };
	static const char *const changes[] = { "added", "changed", "unchanged", "removed" };

	for (size_t i = 0; i < plan->u.array.len; i++) {
		const struct sg_json *e = plan->u.array.items[i];
		const char *ch = sg_json_get(e, "change")->u.string.data;
		for (size_t k = 0; k < 4; k++)
			counts[k] += strcmp(ch, changes[k]) == 0;
		if (strcmp(ch, "unchanged") != 0)
			printf("%-9s %-12s %-16s %s\n", ch, sg_json_get(e, "host")->u.string.data,
			       sg_json_get(e, "kind")->u.string.data,
			       sg_json_get(e, "path")->u.string.data);
	}
	printf("%zu added, %zu changed, %zu unchanged, %zu removed\n", counts[0], counts[1],
	       counts[2], counts[3]);
	return CLI_EXIT_OK;
}

static int fleet_plan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "against", required_argument, NULL, OPT_AGAINST },
		{ "build", required_argument, NULL, OPT_BUILD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { plan_help, "C:", longopts, 0, 0 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_fleet_source src;
	struct sg_fleet_ctx c;
	struct sg_json *base = NULL, *plan = NULL;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	rc = CLI_EXIT_FAIL;
	if (open_ctx(a.dir, &f, &src, &c) < 0 || (rc = plan_base(&a, &f, &base)) != 0)
		goto out;
	if (sg_fleet_plan(&c, base, &plan) < 0)
		rc = cli_lib_error();
	else
		rc = a.json ? print_json(plan) : print_plan(plan);
out:
	sg_json_free(base);
	sg_json_free(plan);
	sg_fleet_free(&f);
	return rc;
}

static int fleet_attest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "builder", required_argument, NULL, OPT_BUILDER },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "build", required_argument, NULL, OPT_BUILD },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { attest_help, "C:o:", longopts, 0, 0 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_buf att = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	if (!a.builder || !a.key || !a.build || !a.output)
		return cli_usage("--builder, --key, --build and -o are required");
	rc = CLI_EXIT_FAIL;
	if (load(a.dir, &f) == 0)
		rc = sg_fleet_attest(&f, a.build, a.builder, a.key, &att) < 0 ||
				     sg_write_file_atomic(a.output, att.data, att.len, 0644,
							  SG_ATOMIC_NO_CLOBBER) < 0
			     ? cli_lib_error()
			     : CLI_EXIT_OK;
	sg_buf_free(&att);
	sg_fleet_free(&f);
	return rc;
}

static int fleet_compare(int argc, char **argv)
{
	const struct cli_opts opts = { compare_help, "C:", NULL, 2, 2 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	rc = CLI_EXIT_FAIL;
	if (load(a.dir, &f) == 0) {
		if (sg_fleet_compare(&f, argv[optind], argv[optind + 1], &report) == 0) {
			fwrite(report.data, 1, report.len, stdout);
			rc = CLI_EXIT_OK;
		} else if (report.len) {
			fwrite(report.data, 1, report.len, stderr);
		} else {
			cli_lib_error();
		}
	}
	sg_buf_free(&report);
	sg_fleet_free(&f);
	return rc;
}

/* Prints report (to stderr when failed), then the error unless the
 * report already holds it. */
static int print_report(struct sg_buf *report, int failed)
{
	fwrite(report->data, 1, report->len, failed ? stderr : stdout);
	if (failed && (sg_buf_append_byte(report, '\0') < 0 ||
		       !strstr((const char *)report->data, sg_errmsg())))
		return cli_lib_error();
	return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int fleet_issue(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { issue_help, "C:", longopts, 0, 0 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	time_t now;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	if (!a.keys)
		return cli_usage("--keys KEYS is required");
	rc = CLI_EXIT_FAIL;
	if (load(a.dir, &f) == 0) {
		if (sg_time_now(&now) < 0 || sg_fleet_issue(&f, a.dir, a.keys, now, &report) < 0)
			rc = cli_lib_error();
		else
			rc = print_report(&report, 0);
	}
	sg_buf_free(&report);
	sg_fleet_free(&f);
	return rc;
}

static int fleet_client(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { client_help, "C:", longopts, 1, 1 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	if (!a.keys || !a.out)
		return cli_usage("--keys and --out are required");
	rc = CLI_EXIT_FAIL;
	if (load(a.dir, &f) == 0)
		rc = sg_fleet_client(&f, a.dir, a.keys, argv[optind], a.out, &report) < 0
			     ? cli_lib_error()
			     : print_report(&report, 0);
	sg_buf_free(&report);
	sg_fleet_free(&f);
	return rc;
}

static int fleet_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "build", required_argument, NULL, OPT_BUILD },
		{ "out", required_argument, NULL, OPT_OUT },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { sign_help, "C:", longopts, 2, 2 };
	struct fleet_args a = { .dir = "." };
	struct sg_fleet f = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, fleet_option, &a)) != CLI_RUN)
		return rc;
	if (!a.keys || !a.build || !a.out)
		return cli_usage("--keys, --build and --out are required");
	rc = CLI_EXIT_FAIL;
	if (load(a.dir, &f) == 0)
		rc = print_report(&report, sg_fleet_sign(&f, a.keys, a.build, argv[optind],
							 argv[optind + 1], a.out, &report) < 0);
	sg_buf_free(&report);
	sg_fleet_free(&f);
	return rc;
}

static const struct cli_command fleet_commands[] = {
	{ "init", fleet_init, "write a working example fleet repository" },
	{ "check", fleet_check, "check every document of a fleet repository" },
	{ "plan", fleet_plan, "what a build would change, per host and artifact" },
	{ "lock", fleet_lock, "pin the build's outside inputs in fleet.lock" },
	{ "build", fleet_build, "make every host's artifacts, reproducibly" },
	{ "attest", fleet_attest, "sign the list of a build's artifacts as its builder" },
	{ "compare", fleet_compare, "check that two builders' attestations agree" },
	{ "issue", fleet_issue, "make the keys and public state a build needs" },
	{ "sign", fleet_sign, "sign what two agreeing builders built" },
	{ "client", fleet_client, "issue a person's client certificate" },
};

int cmd_fleet(int argc, char **argv)
{
	return cli_dispatch(fleet_commands, sizeof(fleet_commands) / sizeof(fleet_commands[0]),
			    "signet fleet", argc, argv);
}
