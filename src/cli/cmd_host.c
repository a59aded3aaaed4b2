/* cmd_host.c - signet host: admit ASL SOPS bundles on an admitting host,
 * and show what was admitted. The rules and their exit codes are
 * admit.h's. */
#include <stdio.h>
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
	"  20 the target: admission.target_domain must be this host's Common\n"
	"     domain (signet host init --common); a bundle naming none, or a host\n"
	"     with none set, is refused\n"
	"  18 replay: this bundle_id, or this domain with this policy hash, was\n"
	"     already admitted (two admissions of one bundle at once: one wins)\n"
	"  19 a rotated domain without a valid cross-signature from the key this\n"
	"     host admitted, or a domain this host saw rotated away from\n"
	"A refused bundle changes nothing under the host root; an admitted one\n"
	"appears whole (domain, record, lease, ledger line) or, after a crash,\n"
	"not at all. The root private key the bundle carries is never stored.\n"
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

static const char init_help[] =
	"Usage: signet host init [--host-root DIR] --common DOMAINID\n"
	"\n"
	"Sets the Common domain this host admits into, once: host admit refuses\n"
	"(exit 20) a bundle whose admission.target_domain is another domain, and\n"
	"every bundle while none is set. Kept in DIR/admission/common_domain (the\n"
	"DomainID and a newline). The same DomainID again changes nothing; another\n"
	"one is refused.\n"
	"\n"
	"Options:\n"
	"  --host-root DIR        the host root (default /var/lib/signet; made if\n"
	"                         missing)\n"
	"  --common DOMAINID      the Common domain's DomainID\n"
	"  -h, --help             show this help\n";

static const char status_help[] =
	"Usage: signet host status [--host-root DIR]\n"
	"\n"
	"Shows the host's Common domain and lists the admitted domains with their\n"
	"lease, its expiry and the DAM's.\n"
	"\n"
	"Options:\n"
	"  --host-root DIR        the host root (default /var/lib/signet)\n"
	"  -h, --help             show this help\n";

static const char leases_help[] =
	"Usage: signet host leases [--host-root DIR]\n"
	"\n"
	"Lists the leases, one line each: domain, mode, granted, expiry, storage\n"
	"(bytes or -), encrypted-only or any (courtesy_lease.encrypted_only), state\n"
	"(active, expired, superseded).\n"
	"\n"
	"Options:\n"
	"  --host-root DIR        the host root (default /var/lib/signet)\n"
	"  -h, --help             show this help\n";

enum { OPT_HOST_ROOT = 3000, OPT_MAX_DAYS, OPT_MAX_BYTES, OPT_PERMANENT, OPT_DESTROY, OPT_COMMON };

struct confirm_ctx {
	int yes;
	int no_tty;
};

struct admit_args {
	struct auth_opts auth; /* only its -i identities */
	struct sg_admit_limits lim;
	struct confirm_ctx confirm;
	const char *root;
	int destroy;
};

static void print_lease(FILE *f, const struct sg_admit_plan *p)
{
	if (p->req.permanent)
		fprintf(f, "lease:      permanent\n");
	else
		fprintf(f, "lease:      courtesy, %llu days\n", (unsigned long long)p->lease_days);
	if (p->has_lease_bytes)
		fprintf(f, "storage:    %llu bytes\n", (unsigned long long)p->lease_bytes);
	if (p->encrypted_only)
		fprintf(f, "data:       encrypted only\n");
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
	fprintf(tty, "domain:     %s\npurpose:    %s\nbundle:     %s\n", p->domain_id, p->h.purpose,
		p->h.bundle_id);
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

/* --lease-max-bytes SIZE, in the policy's notation ("2TB"). */
static int parse_max_bytes(const char *arg, struct sg_admit_limits *lim)
{
	struct sg_json *v = sg_json_new_string(arg);
	int r = v ? sg_policy_size(v, 1, "--lease-max-bytes", &lim->max_bytes) : -1;

	sg_json_free(v);
	if (r < 0)
		return cli_usage("%s", sg_errmsg());
	lim->has_max_bytes = 1;
	return 0;
}

static int admit_option(void *ctx, int c, const char *arg)
{
	struct admit_args *a = ctx;
	unsigned long long days;

	switch (c) {
	case 'y': a->confirm.yes = 1; return 0;
	case OPT_HOST_ROOT: a->root = arg; return 0;
	case OPT_PERMANENT: a->lim.allow_permanent = 1; return 0;
	case OPT_DESTROY: a->destroy = 1; return 0;
	case OPT_MAX_BYTES: return parse_max_bytes(arg, &a->lim);
	case OPT_MAX_DAYS:
		if (cli_parse_uint(arg, UINT64_MAX, &days) < 0)
			return cli_usage("--lease-max-days: not a number of days");
		a->lim.max_days = days;
		return 0;
	default: return auth_option_only(&a->auth, c, arg);
	}
}

/* The exit code of an admission's result (admit.h's), after the one
 * error line of a refusal. */
static int admit_result(enum sg_admit_result res, const struct confirm_ctx *ctx, const char *file)
{
	if (res == SG_ADMIT_OK)
		return CLI_EXIT_OK;
	if (res == SG_ADMIT_INTENT && ctx->no_tty)
		cli_error("%s: no terminal to confirm the admission intent on (use --yes "
			  "after reading it with signet bundle open)",
			  file);
	else
		cli_lib_error();
	return (int)res;
}

/* Rule 1 (decrypt explicitly), the rules of sg_admit_evaluate, the
 * admission when every one passes, and the bundle's removal with
 * --destroy: 0, or the exit code after one error line. The contents,
 * the root private key among them, are wiped before it returns; what
 * the caller prints of plan is its own copy. */
static int admit(struct admit_args *a, const char *file, struct sg_admit_plan *plan)
{
	struct sg_bundle_header h;
	struct sg_json *contents = NULL;
	struct sg_buf text = SG_BUF_INIT;
	enum sg_admit_result res;
	int rc;
	time_t now;

	auth_protect_memory();
	if (sg_time_now(&now) < 0 || sg_read_file(file, &text, MAX_BUNDLE) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	if (sg_bundle_sops_identities(&a->auth.ids) < 0 ||
	    sg_bundle_open(file, (const char *)text.data, text.len, &a->auth.ids, &h, &contents) < 0) {
		cli_lib_error();
		rc = SG_ADMIT_DECRYPT;
		goto out;
	}
	res = sg_admit_evaluate(a->root, &h, contents, &a->lim, now, confirm_intent, &a->confirm,
				plan);
	if (res == SG_ADMIT_OK)
		res = sg_admit_commit(a->root, plan);
	rc = admit_result(res, &a->confirm, file);
	if (rc == CLI_EXIT_OK && a->destroy && unlink(file) < 0)
		rc = cli_error("%s: admitted, but the bundle could not be removed", file);
out:
	sg_json_wipe(contents);
	sg_buf_free(&text);
	return rc;
}

static void print_admitted(const struct sg_admit_plan *plan, const char *file, int destroyed)
{
	char ts[SG_TIME_LEN + 1];

	printf("admitted %s\n", plan->domain_id);
	print_lease(stdout, plan);
	if (plan->lease_days && sg_time_format(plan->now + (time_t)plan->lease_days * 86400, ts) == 0)
		printf("expires:    %s\n", ts);
	if (plan->rotated_from[0])
		printf("rotated from %s (cross-signature verified)\n", plan->rotated_from);
	if (destroyed)
		printf("removed %s\n", file);
}

static int host_admit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
		{ "identity", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },
		{ "lease-max-days", required_argument, NULL, OPT_MAX_DAYS },
		{ "lease-max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "permanent", no_argument, NULL, OPT_PERMANENT },
		{ "destroy", no_argument, NULL, OPT_DESTROY },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { admit_help, "i:y", longopts, 1, 1 };
	struct admit_args a = {
		.root = SG_DEFAULT_HOST_ROOT,
		.lim = { .max_days = SG_ADMIT_DEFAULT_MAX_DAYS },
	};
	struct sg_admit_plan plan;
	int rc = cli_parse(&opts, argc, argv, admit_option, &a);

	if (rc == CLI_RUN && (rc = admit(&a, argv[optind], &plan)) == CLI_EXIT_OK)
		print_admitted(&plan, argv[optind], a.destroy);
	auth_opts_free(&a.auth);
	return rc;
}

/* The options of init, status and leases. */
struct host_args {
	const char *root;
	const char *common;
};

static int host_option(void *ctx, int c, const char *arg)
{
	struct host_args *a = ctx;

	if (c == OPT_COMMON)
		a->common = arg;
	else
		a->root = arg;
	return 0;
}

static const struct option root_longopts[] = {
	{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
	{ NULL, 0, NULL, 0 },
};

static void print_status(const char *root, const struct sg_admit_host *h, time_t now)
{
	if (h->common[0])
		printf("host root %s: Common domain %s\n", root, h->common);
	else
		printf("host root %s: no Common domain set (signet host init --common)\n", root);
	if (!h->n_leases) {
		printf("host root %s: no domain admitted\n", root);
		return;
	}
	printf("host root %s: %zu domain(s) admitted\n", root, h->n_leases);
	for (size_t i = 0; i < h->n_leases; i++) {
		const struct sg_admit_lease *l = &h->leases[i];

		printf("%s\n", l->domain_id);
		printf("  lease:    %s, %s, granted %s, expires %s\n", sg_admit_lease_state(l, now),
		       l->mode, l->granted_at, l->expires_at[0] ? l->expires_at : "never");
		if (l->has_bytes)
			printf("  storage:  %llu bytes%s\n", (unsigned long long)l->bytes,
			       l->encrypted_only ? ", encrypted only" : "");
		else if (l->encrypted_only)
			printf("  storage:  encrypted only\n");
		printf("  DAM:      expires %s\n",
		       l->dam_expires_at[0] ? l->dam_expires_at : "never");
		printf("  bundle:   %s\n", l->bundle_id);
		if (l->superseded_by[0])
			printf("  superseded by %s (rotation)\n", l->superseded_by);
	}
}

static void print_leases(const struct sg_admit_host *h, time_t now)
{
	for (size_t i = 0; i < h->n_leases; i++) {
		const struct sg_admit_lease *l = &h->leases[i];
		char b[32] = "-";

		if (l->has_bytes)
			snprintf(b, sizeof(b), "%llu", (unsigned long long)l->bytes);
		printf("%s %s %s %s %s %s %s\n", l->domain_id, l->mode, l->granted_at,
		       l->expires_at[0] ? l->expires_at : "never", b,
		       l->encrypted_only ? "encrypted-only" : "any", sg_admit_lease_state(l, now));
	}
}

/* status, or the leases alone: both read the host root under its lock. */
static int show_host(const char *root, int status)
{
	struct sg_admit_host h;
	time_t now;
	int rc = CLI_EXIT_OK;

	if (sg_time_now(&now) < 0 || sg_admit_host_read(root, &h) < 0)
		return cli_lib_error();
	if (status)
		print_status(root, &h, now);
	else if (!h.n_leases)
		rc = cli_error("%s: no leases (no domain admitted)", root);
	else
		print_leases(&h, now);
	sg_admit_host_free(&h);
	return rc;
}

static int host_status(int argc, char **argv)
{
	const struct cli_opts opts = { status_help, NULL, root_longopts, 0, 0 };
	struct host_args a = { .root = SG_DEFAULT_HOST_ROOT };
	int rc = cli_parse(&opts, argc, argv, host_option, &a);

	return rc == CLI_RUN ? show_host(a.root, 1) : rc;
}

static int host_leases(int argc, char **argv)
{
	const struct cli_opts opts = { leases_help, NULL, root_longopts, 0, 0 };
	struct host_args a = { .root = SG_DEFAULT_HOST_ROOT };
	int rc = cli_parse(&opts, argc, argv, host_option, &a);

	return rc == CLI_RUN ? show_host(a.root, 0) : rc;
}

static int host_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host-root", required_argument, NULL, OPT_HOST_ROOT },
		{ "common", required_argument, NULL, OPT_COMMON },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { init_help, NULL, longopts, 0, 0 };
	struct host_args a = { .root = SG_DEFAULT_HOST_ROOT };
	int already, rc = cli_parse(&opts, argc, argv, host_option, &a);

	if (rc != CLI_RUN)
		return rc;
	if (!a.common)
		return cli_usage("--common DOMAINID is required");
	if (sg_admit_init(a.root, a.common, &already) < 0)
		return cli_lib_error();
	printf("host root %s: Common domain %s%s\n", a.root, a.common,
	       already ? " (already set)" : "");
	return CLI_EXIT_OK;
}

int cmd_host(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "admit", host_admit, "admit a domain from an ASL SOPS bundle" },
		{ "init", host_init, "set the Common domain this host admits into, once" },
		{ "leases", host_leases, "list the courtesy leases" },
		{ "provision", cmd_host_provision, "build a host's signed UKI (control plane)" },
		{ "status", host_status, "show the admitted domains and their leases" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet host", argc, argv);
}
