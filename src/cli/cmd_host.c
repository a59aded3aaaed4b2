/* cmd_host.c - signet host: admit ASL SOPS bundles on an admitting host,
 * and show what was admitted. The rules and their exit codes are
 * admit.h's. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "authority.h"
#include "bundle.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "policy.h"
#include "timestamp.h"

#define MAX_BUNDLE ((size_t)64 << 20)

static const char admit_help[] =
	"Usage: signet host admit [--host-root DIR] [-i IDENTITY]... [--yes]\n"
	"           [--lease-max-days N] [--lease-max-bytes SIZE] [--permanent]\n"
	"           [--destroy] FILE\n"
	"\n"
	"Admits the domain of an ASL SOPS bundle, applying the validation rules of\n"
	"the bundle spec (section 9) in order, each with its own exit code:\n"
	"  10 decrypt explicitly (identities as sops reads them, and -i); the MAC\n"
	"     covers the plaintext header, so a tampered header stops here\n"
	"  11 the DAM signature\n"
	"  12 the DomainID recomputed from the root public key\n"
	"  13 the DomainID matched exactly: header, authority.domain, DAM\n"
	"  14 the policy hash\n"
	"  15 the admission intent: present, shown and confirmed on the terminal\n"
	"     (or --yes); asked last, once every other rule has passed\n"
	"  16 the courtesy lease limits, strictly (nothing is trimmed)\n"
	"  17 the DAM has expired\n"
	"  18 replay: this bundle_id, or this domain with this policy hash, was\n"
	"     already admitted\n"
	"  19 a rotated domain without a valid cross-signature from the key this\n"
	"     host admitted, or a domain this host saw rotated away from\n"
	"A refused bundle changes nothing under the host root. The root private\n"
	"key the bundle carries is never stored.\n"
	"\n"
	"Options:\n"
	"  --host-root DIR        the host root (default /var/lib/signet)\n"
	"  -i, --identity FILE    an age identity file (repeatable)\n"
	"  -y, --yes              confirm the intent without asking\n"
	"  --lease-max-days N     longest courtesy lease granted (default 365)\n"
	"  --lease-max-bytes SIZE largest lease storage granted (e.g. 2TB; default\n"
	"                         no limit)\n"
	"  --permanent            offer permanent admission (mode: permanent)\n"
	"  --destroy              remove FILE after a successful admission\n"
	"  -h, --help             show this help\n";

static const char status_help[] =
	"Usage: signet host status [--host-root DIR]\n"
	"\n"
	"Lists the admitted domains with their lease, its expiry and the DAM's.\n"
	"\n"
	"Options:\n"
	"  --host-root DIR        the host root (default /var/lib/signet)\n"
	"  -h, --help             show this help\n";

static const char leases_help[] =
	"Usage: signet host leases [--host-root DIR]\n"
	"\n"
	"Lists the leases: domain, mode, granted, expiry, storage, state.\n"
	"\n"
	"Options:\n"
	"  --host-root DIR        the host root (default /var/lib/signet)\n"
	"  -h, --help             show this help\n";

enum { OPT_HOST_ROOT = 3000, OPT_MAX_DAYS, OPT_MAX_BYTES, OPT_PERMANENT, OPT_DESTROY };

struct confirm_ctx {
	int yes;
	int no_tty;
};

static void print_lease(FILE *f, const struct sg_admit_plan *p)
{
	if (p->req.permanent)
		fprintf(f, "lease:      permanent\n");
	else
		fprintf(f, "lease:      courtesy, %llu days\n", (unsigned long long)p->lease_days);
	if (p->has_lease_bytes)
		fprintf(f, "storage:    %llu bytes\n", (unsigned long long)p->lease_bytes);
}

/* Rule 6: the intent shown on the terminal and confirmed by a person. */
static int confirm_intent(const struct sg_admit_plan *p, void *vctx)
{
	struct confirm_ctx *ctx = vctx;
	char answer[32];
	FILE *tty;

	if (ctx->yes)
		return 1;
	tty = fopen("/dev/tty", "r+");
	if (!tty) {
		ctx->no_tty = 1;
		return 0;
	}
	fprintf(tty, "domain:     %s\npurpose:    %s\nbundle:     %s\n", p->domain_id,
		p->h.purpose, p->h.bundle_id);
	print_lease(tty, p);
	fprintf(tty, "intent:\n  %s%s", p->req.intent,
		p->req.intent[strlen(p->req.intent) - 1] == '\n' ? "" : "\n");
	fprintf(tty, "Admit this domain? [y/N] ");
	fflush(tty);
	if (!fgets(answer, sizeof(answer), tty)) {
		fclose(tty);
		return 0;
	}
	fclose(tty);
	return !strcmp(answer, "y\n") || !strcmp(answer, "yes\n") || !strcmp(answer, "Y\n");
}

static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int host_admit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
		{ "identity", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },
		{ "lease-max-days", required_argument, NULL, OPT_MAX_DAYS },
		{ "lease-max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "permanent", no_argument, NULL, OPT_PERMANENT },
		{ "destroy", no_argument, NULL, OPT_DESTROY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "signet host admit", *root = SG_DEFAULT_HOST_ROOT, *file;
	struct auth_opts a = { 0 };
	struct sg_admit_limits lim = { .max_days = SG_ADMIT_DEFAULT_MAX_DAYS };
	struct confirm_ctx ctx = { 0 };
	struct sg_bundle_header h;
	struct sg_admit_plan plan;
	struct sg_json *contents = NULL;
	struct sg_buf text = SG_BUF_INIT;
	enum sg_admit_result res;
	int c, destroy = 0, rc = CLI_EXIT_FAIL;
	time_t now;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hi:y", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			rc = cli_help(admit_help);
			goto out;
		case 'i':
			if (auth_option(&a, c, optarg) < 0)
				goto out;
			break;
		case 'y': ctx.yes = 1; break;
		case OPT_HOST_ROOT: root = optarg; break;
		case OPT_PERMANENT: lim.allow_permanent = 1; break;
		case OPT_DESTROY: destroy = 1; break;
		case OPT_MAX_DAYS:
			if (parse_count(optarg, &lim.max_days) < 0) {
				rc = cli_usage_error(cmd, "--lease-max-days: not a number of days");
				goto out;
			}
			break;
		case OPT_MAX_BYTES: {
			struct sg_json *v = sg_json_new_string(optarg);
			int r = v ? sg_policy_size(v, 1, "--lease-max-bytes", &lim.max_bytes) : -1;
			sg_json_free(v);
			if (r < 0) {
				rc = cli_usage_error(cmd, "%s", sg_errmsg());
				goto out;
			}
			lim.has_max_bytes = 1;
			break;
		}
		default:
			rc = cli_usage_error(cmd, "bad option");
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = cli_usage_error(cmd, "expected one FILE");
		goto out;
	}
	file = argv[optind];
	auth_protect_memory();
	if (sg_time_now(&now) < 0 || sg_read_file(file, &text, MAX_BUNDLE) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	/* 1. decrypt explicitly */
	if (sg_bundle_sops_identities(&a.ids) < 0 ||
	    sg_bundle_open(file, (const char *)text.data, text.len, &a.ids, &h, &contents) < 0) {
		cli_lib_error();
		rc = SG_ADMIT_DECRYPT;
		goto out;
	}
	res = sg_admit_evaluate(root, &h, contents, &lim, now, confirm_intent, &ctx, &plan);
	if (res == SG_ADMIT_OK)
		res = sg_admit_commit(root, &plan);
	if (res != SG_ADMIT_OK) {
		if (res == SG_ADMIT_INTENT && ctx.no_tty)
			cli_error("%s: no terminal to confirm the admission intent on (use --yes "
				  "after reading it with signet bundle open)", file);
		else
			cli_lib_error();
		rc = (int)res;
		goto out;
	}
	if (destroy && unlink(file) < 0) {
		rc = cli_error("%s: admitted, but the bundle could not be removed", file);
		goto out;
	}
	printf("admitted %s\n", plan.domain_id);
	print_lease(stdout, &plan);
	if (plan.lease_days) {
		char ts[SG_TIME_LEN + 1];
		if (sg_time_format(now + (time_t)plan.lease_days * 86400, ts) == 0)
			printf("expires:    %s\n", ts);
	}
	if (plan.rotated_from[0])
		printf("rotated from %s (cross-signature verified)\n", plan.rotated_from);
	if (destroy)
		printf("removed %s\n", file);
	rc = CLI_EXIT_OK;
out:
	sg_json_wipe(contents);
	sg_buf_free(&text);
	auth_opts_free(&a);
	return rc;
}

static int root_args(const char *cmd, const char *help, int argc, char **argv, const char **root)
{
	static const struct option opts[] = {
		{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*root = SG_DEFAULT_HOST_ROOT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(help), -1;
		if (c != OPT_HOST_ROOT)
			return cli_usage_error(cmd, "bad option");
		*root = optarg;
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int lease_filter(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n == SG_DOMAIN_ID_LEN + 5 && !strcmp(e->d_name + SG_DOMAIN_ID_LEN, ".json");
}

/* Prints every lease of the host root; status adds the stored DAM. */
static int list_leases(const char *root, int status)
{
	struct dirent **names = NULL;
	char *dir;
	time_t now;
	int n, rc = 0;

	if (sg_time_now(&now) < 0 || asprintf(&dir, "%s/admission/leases", root) < 0)
		return cli_lib_error();
	n = scandir(dir, &names, lease_filter, alphasort);
	if (n < 0) {
		free(dir);
		if (status) {
			printf("host root %s: no domain admitted\n", root);
			return CLI_EXIT_OK;
		}
		return cli_error("%s: no leases (no domain admitted)", root);
	}
	if (status)
		printf("host root %s: %d domain(s) admitted\n", root, n);
	for (int i = 0; i < n; i++) {
		char *path = NULL;
		struct sg_json *j = NULL, *l;
		const char *exp, *sup, *dexp;
		struct sg_json *bytes;
		time_t t;

		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0 || auth_read_json(path, &j) < 0 ||
		    !(l = sg_json_get(j, "lease"))) {
			rc = path ? cli_lib_error() : cli_error("out of memory");
			free(path);
			sg_json_free(j);
			break;
		}
		exp = sg_json_string(sg_json_get(l, "expires_at"), NULL);
		sup = sg_json_string(sg_json_get(l, "superseded_by"), NULL);
		dexp = sg_json_string(sg_json_get(l, "dam_expires_at"), NULL);
		bytes = sg_json_get(l, "storage_bytes");
		const char *state = sup ? "superseded"
				    : exp && sg_time_parse(exp, strlen(exp), "expires_at", &t) == 0 &&
						      now >= t
					    ? "expired"
					    : "active";
		if (status) {
			printf("%s\n", sg_json_string(sg_json_get(l, "domain_id"), NULL));
			printf("  lease:    %s, %s, granted %s, expires %s\n", state,
			       sg_json_string(sg_json_get(l, "mode"), NULL),
			       sg_json_string(sg_json_get(l, "granted_at"), NULL), exp ? exp : "never");
			if (bytes && bytes->kind == SG_JSON_INT)
				printf("  storage:  %lld bytes\n", (long long)bytes->u.integer);
			printf("  DAM:      expires %s\n", dexp ? dexp : "never");
			printf("  bundle:   %s\n", sg_json_string(sg_json_get(l, "bundle_id"), NULL));
			if (sup)
				printf("  superseded by %s (rotation)\n", sup);
		} else {
			char b[32] = "-";
			if (bytes && bytes->kind == SG_JSON_INT)
				snprintf(b, sizeof(b), "%lld", (long long)bytes->u.integer);
			printf("%s %s %s %s %s %s\n", sg_json_string(sg_json_get(l, "domain_id"), NULL),
			       sg_json_string(sg_json_get(l, "mode"), NULL),
			       sg_json_string(sg_json_get(l, "granted_at"), NULL), exp ? exp : "never",
			       b, state);
		}
		free(path);
		sg_json_free(j);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	return rc;
}

static int host_status(int argc, char **argv)
{
	const char *root;
	int rc = root_args("signet host status", status_help, argc, argv, &root);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	return list_leases(root, 1);
}

static int host_leases(int argc, char **argv)
{
	const char *root;
	int rc = root_args("signet host leases", leases_help, argc, argv, &root);

	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	return list_leases(root, 0);
}

int cmd_host(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "admit", host_admit, "admit a domain from an ASL SOPS bundle" },
		{ "leases", host_leases, "list the courtesy leases" },
		{ "provision", cmd_host_provision, "build a host's signed UKI (control plane)" },
		{ "status", host_status, "show the admitted domains and their leases" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet host", argc, argv);
}
