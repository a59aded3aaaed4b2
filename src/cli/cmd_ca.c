/* cmd_ca.c - signet ca: the organisation's certificate authority.
 *
 * Each subcommand parses its options, then hands the work to ca.c.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authority.h"
#include "ca.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"

#define BATCH_MAX (64u << 20)

/* A growing list of names taken from comma-separated options. */
struct names {
	struct sg_name *v;
	size_t n, cap;
};

static void names_free(struct names *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Room for one more name in l. */
static int names_reserve(struct names *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct sg_name *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return sg_fail("out of memory");
		l->v = v;
		l->cap = cap;
	}
	return 0;
}

static int names_add(struct names *l, int any, enum sg_name_type type, const char *s)
{
	if (names_reserve(l) < 0)
		return -1;
	if ((any ? sg_name_parse_any(s, &l->v[l->n]) : sg_name_parse(type, s, &l->v[l->n])) < 0)
		return -1;
	l->n++;
	return 0;
}

/* Adds every item of a comma-separated list (empty items refused). */
static int names_add_list(struct names *l, enum sg_name_type type, const char *list)
{
	char *copy = strdup(list), *p, *save = NULL;
	int rc = 0;

	if (!copy)
		return sg_fail("out of memory");
	if (!*list || list[strlen(list) - 1] == ',' || list[0] == ',' || strstr(list, ",,"))
		rc = sg_fail("'%s': empty name in list", list);
	for (p = strtok_r(copy, ",", &save); rc == 0 && p; p = strtok_r(NULL, ",", &save))
		rc = names_add(l, 0, type, p);
	free(copy);
	return rc;
}

/* Appends the names of src to l. */
static int names_append(struct names *l, const struct names *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (names_reserve(l) < 0)
			return -1;
		l->v[l->n++] = src->v[i];
	}
	return 0;
}

/* ---- the options the subcommands share ---- */

enum { OPT_REASON = 2000, OPT_REUSE_KEY };

/* The values of the options of revoke, crl, list, renew and trust, and
 * those init and issue share: each command's option table says which
 * it takes. The key options unlock the CA key (auth_option's -i and
 * --passphrase-file), for the commands that sign. */
struct ca_args {
	const char *dir, *out; /* --dir; crl's -o */
	int days, reason, reuse_key;
	struct auth_opts key;
};

/* The cli_option_fn of a struct ca_args, and the tail of init's and
 * issue's. */
static int ca_option(void *ctx, int c, const char *arg)
{
	struct ca_args *a = ctx;

	switch (c) {
	case 'd': a->dir = arg; return 0;
	case 'o': a->out = arg; return 0;
	case 'y': return cli_parse_days("--days", arg, &a->days);
	case OPT_REASON: return sg_ca_reason_parse(arg, &a->reason) < 0 ? cli_lib_error() : 0;
	case OPT_REUSE_KEY: a->reuse_key = 1; return 0;
	default: return auth_option_only(&a->key, c, arg);
	}
}

static int need_dir(const struct ca_args *a)
{
	return a->dir ? 0 : cli_usage("--dir is required");
}

/* --alg: the algorithms of a new CA or leaf key (rsa2048 is minica's). */
static int parse_alg(const char *arg, enum sg_ca_alg *alg)
{
	if (sg_ca_alg_parse(arg, alg) < 0 || *alg == SG_CA_RSA2048)
		return cli_error("unknown algorithm '%s' (ecdsa-p256, ecdsa-p384, ed25519, rsa3072)",
				 arg);
	return 0;
}

/* ---- the CA key ---- */

/* The options that unlock an encrypted CA key, for the commands that sign:
 * --passphrase-file and -i are authority.c's (same meaning as for the
 * domain root key). */
/* clang-format off */
#define KEY_LONG_OPTIONS                                                          \
	{ "passphrase-file", required_argument, NULL, AUTH_OPT_PASSPHRASE_FILE }, \
	{ "identity", required_argument, NULL, 'i' }
/* clang-format on */

#define KEY_HELP                                                                         \
	"  --passphrase-file F  the CA key's passphrase (first line of F), when it is\n" \
	"                       encrypted; otherwise asked on the terminal\n"            \
	"  -i, --identity FILE  an age identity the CA key is encrypted to\n"

/* Opens the CA in dir for a change (its transaction) and loads its issuing key, decrypting it with the
 * passphrase (from k's file or the terminal) or k's identities when it is
 * encrypted (prints the error). */
static struct sg_ca *open_with_key(const char *dir, struct auth_opts *k)
{
	struct sg_buf pass = SG_BUF_INIT;
	struct sg_ca *ca;
	int storage, rc = 0;

	auth_protect_memory();
	if (!(ca = sg_ca_open(dir, SG_CA_WRITE)) || (storage = sg_ca_key_storage(ca)) < 0)
		goto fail;
	if (storage == SG_CA_KEY_PASSPHRASE && (k->passphrase_file || k->ids.n == 0)) {
		if (k->passphrase_file)
			rc = cli_read_passphrase_file(k->passphrase_file, &pass);
		else
			rc = cli_read_passphrase_tty("CA key passphrase: ", 0, &pass);
		if (rc == 0)
			rc = sg_age_identities_add_passphrase(&k->ids, pass.data, pass.len);
		sg_buf_wipe(&pass);
		if (rc < 0)
			goto fail;
	} else if (storage == SG_CA_KEY_RECIPIENTS && k->ids.n == 0) {
		cli_error("%s: the CA key is encrypted to age recipients: give -i IDENTITY",
			  sg_ca_key_path(ca));
		sg_ca_close(ca);
		return NULL;
	}
	if (sg_ca_load_key(ca, &k->ids) < 0)
		goto fail;
	return ca;
fail:
	cli_lib_error();
	sg_ca_close(ca);
	return NULL;
}

/* ---- init ---- */

static const char init_usage[] =
	"Usage: signet ca init --dir DIR [--name NAME] [--alg ALG] [--permit-dns SUFFIX]...\n"
	"                      [--permit-ip CIDR]... [--intermediate] [--days N]\n"
	"                      [--passphrase-file F | --passphrase | -r age1...]\n"
	"\n"
	"Creates a certificate authority in DIR: the root certificate DIR/ca.pem\n"
	"(the anchor to distribute) and its key DIR/root/ca-key.pem (0600). With a\n"
	"passphrase or recipients, the CA keys are stored only age-encrypted:\n"
	"DIR/root/ca-key.pem.age (and DIR/intermediate/key.pem.age), armored.\n"
	"\n"
	"  --dir DIR            the CA directory (created if missing)\n"
	"  --name NAME          the root's common name (default: signet root CA <hex>)\n"
	"  --alg ALG            ecdsa-p256 (default), ecdsa-p384, ed25519, rsa3072\n"
	"  --permit-dns SUFFIX  only names under SUFFIX (\".x\" for subdomains only);\n"
	"                       repeatable; also permits mailboxes and URIs there\n"
	"  --permit-ip CIDR     only addresses in CIDR; repeatable\n"
	"                       (with either, every other kind of name is excluded)\n"
	"  --intermediate       an intermediate (pathlen 0, same constraints) signs\n"
	"                       leaves and CRLs, so root/ca-key.pem can go offline\n"
	"  --days N             validity of the CA certificates (default 3650)\n"
	"  --passphrase-file F  encrypt the CA keys to the passphrase in F (scrypt)\n"
	"  --passphrase         encrypt the CA keys to a passphrase asked on the\n"
	"                       terminal\n"
	"  -r, --recipient R    encrypt the CA keys to the age public key R\n"
	"                       (repeatable)\n";

/* Fills rs from --passphrase-file / --passphrase (prints the error). */
static int init_passphrase(const char *file, struct sg_age_recipients *rs)
{
	struct sg_buf pass = SG_BUF_INIT;
	int rc = file ? cli_read_passphrase_file(file, &pass)
		      : cli_read_passphrase_tty("New CA key passphrase: ", 1, &pass);

	if (rc == 0)
		rc = sg_age_recipients_add_passphrase(rs, pass.data, pass.len,
						      SG_AGE_SCRYPT_DEFAULT_WORK_FACTOR);
	sg_buf_wipe(&pass);
	if (rc < 0) {
		cli_lib_error();
		return -1;
	}
	return 0;
}

struct init_args {
	struct ca_args ca;
	struct sg_ca_init_opts o;
	struct sg_age_recipients rs;
	const char **dns, **ip; /* room for every argument */
	const char *pass_file;
	int ask;
};

static int init_option(void *ctx, int c, const char *arg)
{
	struct init_args *a = ctx;

	switch (c) {
	case 'n': a->o.name = arg; return 0;
	case 'a': return parse_alg(arg, &a->o.alg);
	case 'D': a->dns[a->o.n_permit_dns++] = arg; return 0;
	case 'I': a->ip[a->o.n_permit_ip++] = arg; return 0;
	case 'i': a->o.intermediate = 1; return 0; /* --intermediate; init has no -i */
	case 'P': a->pass_file = arg; return 0;
	case 'p': a->ask = 1; return 0;
	case 'r': return auth_add_recipient(&a->rs, arg) < 0 ? CLI_EXIT_FAIL : 0;
	default: return ca_option(&a->ca, c, arg);
	}
}

static int init_run(struct init_args *a)
{
	int rc;

	if ((rc = need_dir(&a->ca)) != 0)
		return rc;
	if ((a->pass_file != NULL) + a->ask + (a->rs.n > 0) > 1)
		return cli_usage("give one of --passphrase-file, --passphrase and -r");
	if ((a->pass_file || a->ask) && init_passphrase(a->pass_file, &a->rs) < 0)
		return CLI_EXIT_FAIL;
	a->o.dir = a->ca.dir;
	a->o.days = a->ca.days;
	a->o.permit_dns = a->dns;
	a->o.permit_ip = a->ip;
	a->o.recipients = &a->rs;
	if (sg_ca_init(&a->o) < 0)
		return cli_lib_error();
	printf("%s/ca.pem\n", a->o.dir);
	return CLI_EXIT_OK;
}

static int ca_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "alg", required_argument, NULL, 'a' },
		{ "permit-dns", required_argument, NULL, 'D' },
		{ "permit-ip", required_argument, NULL, 'I' },
		{ "intermediate", no_argument, NULL, 'i' },
		{ "days", required_argument, NULL, 'y' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "passphrase", no_argument, NULL, 'p' },
		{ "recipient", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { init_usage, "r:", longopts, 0, 0 };
	struct init_args a = { .o = { .alg = SG_CA_ECDSA_P256 } };
	int rc;

	a.dns = calloc((size_t)argc, sizeof(*a.dns));
	a.ip = calloc((size_t)argc, sizeof(*a.ip));
	if (!a.dns || !a.ip)
		rc = cli_error("out of memory");
	else if ((rc = cli_parse(&opts, argc, argv, init_option, &a)) == CLI_RUN)
		rc = init_run(&a);
	sg_age_recipients_free(&a.rs);
	free(a.dns);
	free(a.ip);
	return rc;
}

/* ---- issue ---- */

static const char issue_usage[] =
	"Usage: signet ca issue --dir DIR --domains A[,B...] [--ip-addresses IP,...]\n"
	"                       [--email ADDR,...] [--uri URI,...] [--client] [--days N]\n"
	"                       [--alg ALG] [--csr FILE]\n"
	"       signet ca issue --dir DIR --batch FILE [--client] [--days N] [--alg ALG]\n"
	"\n"
	"Issues a certificate into DIR/<first name>/cert.pem (the leaf, then the\n"
	"intermediate) with its new key in DIR/<first name>/key.pem (0600); a '*'\n"
	"in the first name becomes '_'. Never overwrites: an existing directory is\n"
	"an error (a name already issued is renewed, not issued again). Names\n"
	"outside the CA's constraints are refused before anything is written.\n"
	"The leaf and its line in DIR/index.txt appear together or not at all.\n"
	"\n"
	"  --domains LIST       DNS names (a wildcard only as *.name); the first\n"
	"                       name is the common name and the directory\n"
	"  --ip-addresses LIST  IPv4/IPv6 addresses\n"
	"  --email LIST         mailboxes (local@domain)\n"
	"  --uri LIST           URIs (scheme://host/...)\n"
	"  --client             a client certificate (clientAuth) instead of serverAuth\n"
	"  --days N             validity (default 397)\n"
	"  --alg ALG            the new key: ecdsa-p256 (default), ecdsa-p384, ed25519,\n"
	"                       rsa3072\n"
	"  --csr FILE           sign this CSR (PEM or DER) instead of making a key;\n"
	"                       names from the options, else from the CSR's SAN\n"
	"  --batch FILE         one certificate per line: names separated by commas\n"
	"                       (the kind of each is guessed); '#' starts a comment.\n"
	"                       Every line is checked before any is issued, and\n"
	"                       all are issued or none.\n" KEY_HELP;

/* One batch line: comma- or blank-separated names. */
static int batch_line(char *line, struct names *l)
{
	char *save = NULL;

	for (char *p = strtok_r(line, ", \t\r", &save); p; p = strtok_r(NULL, ", \t\r", &save))
		if (names_add(l, 1, SG_NAME_DNS, p) < 0)
			return -1;
	return 0;
}

static void batch_free(struct names *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		names_free(&v[i]);
	free(v);
}

/* A new empty list at the end of *v (*n lists, room for *cap). */
static struct names *batch_next(struct names **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c2 = *cap ? *cap * 2 : 64;
		struct names *g = realloc(*v, c2 * sizeof(*g));
		if (!g) {
			sg_fail("out of memory");
			return NULL;
		}
		*v = g;
		*cap = c2;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	return &(*v)[(*n)++];
}

/* The lists of names of the lines of text (NUL-terminated, changed in
 * place), blank lines and comments skipped. */
static int batch_parse(const char *path, char *text, struct names **v, size_t *n)
{
	size_t cap = 0, lineno = 0;
	char *next;

	for (char *line = text; line && *line; line = next) {
		char *nl = strchr(line, '\n'), *hash;
		struct names *l;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		if (strspn(line, " \t\r") == strlen(line))
			continue;
		if (!(l = batch_next(v, n, &cap)))
			return -1;
		if (batch_line(line, l) < 0) {
			char where[PATH_MAX + 32];
			snprintf(where, sizeof(where), "%s: line %zu", path, lineno);
			sg_fail_prefix(where);
			return -1;
		}
	}
	if (*n == 0)
		return sg_fail("%s: no names in the batch file", path);
	return 0;
}

static int read_batch(const char *path, struct names **out, size_t *n)
{
	struct sg_buf b = SG_BUF_INIT;
	struct names *v = NULL;
	int rc = -1;

	*n = 0;
	if (sg_read_file(path, &b, BATCH_MAX) < 0)
		return -1;
	if (b.len && memchr(b.data, '\0', b.len))
		sg_fail("%s: binary data in a batch file", path);
	else
		rc = batch_parse(path, (char *)b.data, &v, n);
	sg_buf_free(&b);
	if (rc < 0) {
		batch_free(v, *n);
		v = NULL;
		*n = 0;
	}
	*out = v;
	return rc;
}

/* The batch file's lines as requests like tmpl, issued by
 * sg_ca_issue_batch(): every certificate of the batch, or none. */
static int issue_batch(struct sg_ca *ca, const char *path, const struct sg_ca_request *tmpl)
{
	struct sg_ca_request *reqs = NULL;
	struct names *v = NULL;
	size_t n = 0;
	int rc;

	if (read_batch(path, &v, &n) < 0)
		return cli_lib_error();
	if (!(reqs = calloc(n, sizeof(*reqs)))) {
		rc = cli_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		reqs[i] = *tmpl;
		reqs[i].names = v[i].v;
		reqs[i].n = v[i].n;
	}
	if (sg_ca_issue_batch(ca, reqs, n, path) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	printf("%zu certificates issued\n", n);
	rc = CLI_EXIT_OK;
out:
	free(reqs);
	batch_free(v, n);
	return rc;
}

struct issue_args {
	struct ca_args ca;
	struct names dns, ips, emails, uris;
	struct sg_ca_request r;
	const char *batch;
};

static int issue_names(struct names *l, enum sg_name_type type, const char *list)
{
	return names_add_list(l, type, list) < 0 ? cli_lib_error() : 0;
}

static int issue_option(void *ctx, int c, const char *arg)
{
	struct issue_args *a = ctx;

	switch (c) {
	case 'D': return issue_names(&a->dns, SG_NAME_DNS, arg);
	case 'I': return issue_names(&a->ips, SG_NAME_IP, arg);
	case 'E': return issue_names(&a->emails, SG_NAME_EMAIL, arg);
	case 'U': return issue_names(&a->uris, SG_NAME_URI, arg);
	case 'c': a->r.client = 1; return 0;
	case 'a': return parse_alg(arg, &a->r.alg);
	case 'r': a->r.csr = arg; return 0;
	case 'b': a->batch = arg; return 0;
	default: return ca_option(&a->ca, c, arg);
	}
}

/* The names of the request into all: the DNS names first (the first
 * name is the common name and the directory), then the addresses, the
 * mailboxes and the URIs; then whether names come from the options,
 * the CSR or the batch file. */
static int issue_collect(const struct issue_args *a, struct names *all)
{
	const struct names *parts[] = { &a->dns, &a->ips, &a->emails, &a->uris };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (names_append(all, parts[i]) < 0)
			return cli_lib_error();
	if (a->batch && (all->n || a->r.csr))
		return cli_usage("--batch takes its names from the file (no names, no --csr)");
	if (!a->batch && !all->n && !a->r.csr)
		return cli_usage("give the names: --domains, --ip-addresses, --email or --uri");
	return 0;
}

/* Issues the one certificate of r, or the batch file's, and commits. */
static int issue_run(struct issue_args *a)
{
	struct names all = { 0 };
	struct sg_ca *ca = NULL;
	char leaf[SG_NAME_MAX];
	int rc;

	if ((rc = need_dir(&a->ca)) != 0 || (rc = issue_collect(a, &all)) != 0)
		goto out;
	a->r.days = a->ca.days;
	rc = CLI_EXIT_FAIL;
	if (!(ca = open_with_key(a->ca.dir, &a->ca.key)))
		goto out;
	if (a->batch) {
		rc = issue_batch(ca, a->batch, &a->r);
		goto out;
	}
	a->r.names = all.v;
	a->r.n = all.n;
	if (sg_ca_issue(ca, &a->r, leaf) < 0 || sg_ca_commit(ca) < 0)
		rc = cli_lib_error();
	else {
		printf("%s/%s/cert.pem\n", a->ca.dir, leaf);
		rc = CLI_EXIT_OK;
	}
out:
	sg_ca_close(ca);
	names_free(&all);
	return rc;
}

static int ca_issue(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "domains", required_argument, NULL, 'D' },
		{ "ip-addresses", required_argument, NULL, 'I' },
		{ "email", required_argument, NULL, 'E' },
		{ "uri", required_argument, NULL, 'U' },
		{ "client", no_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'y' },
		{ "alg", required_argument, NULL, 'a' },
		{ "csr", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		KEY_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { issue_usage, "i:", longopts, 0, 0 };
	struct issue_args a = { .r = { .alg = SG_CA_ECDSA_P256 } };
	int rc = cli_parse(&opts, argc, argv, issue_option, &a);

	if (rc == CLI_RUN)
		rc = issue_run(&a);
	auth_opts_free(&a.ca.key);
	names_free(&a.dns);
	names_free(&a.ips);
	names_free(&a.emails);
	names_free(&a.uris);
	return rc;
}

/* ---- revoke, crl, list, renew, trust ---- */

static const char revoke_usage[] =
	"Usage: signet ca revoke --dir DIR SERIAL|CERTFILE [--reason REASON]\n"
	"\n"
	"Marks a certificate of this CA revoked in DIR/index.txt; the next\n"
	"'signet ca crl' lists it. REASON is one of unspecified (default),\n"
	"keyCompromise, CACompromise, affiliationChanged, superseded,\n"
	"cessationOfOperation.\n";

static int ca_revoke(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { revoke_usage, "", longopts, 1, 1 };
	struct ca_args a = { 0 };
	struct sg_ca *ca;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, ca_option, &a)) != CLI_RUN || (rc = need_dir(&a)) != 0)
		return rc;
	if (!(ca = sg_ca_open(a.dir, SG_CA_WRITE)))
		return cli_lib_error();
	rc = sg_ca_revoke(ca, argv[optind], a.reason) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	sg_ca_close(ca);
	return rc;
}

static const char crl_usage[] =
	"Usage: signet ca crl --dir DIR -o FILE [--days N]\n"
	"\n"
	"Signs a version 2 CRL of every revoked certificate with the issuing CA\n"
	"(the intermediate when there is one), with a CRL number (DIR/crlnumber)\n"
	"and the issuer's key identifier; nextUpdate is N days ahead (default 30).\n"
	"\n" KEY_HELP;

static int ca_crl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'y' },
		KEY_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { crl_usage, "o:i:", longopts, 0, 0 };
	struct ca_args a = { 0 };
	struct sg_ca *ca;
	int rc = cli_parse(&opts, argc, argv, ca_option, &a);

	if (rc != CLI_RUN)
		goto done;
	if (!a.dir || !a.out) {
		rc = cli_usage("--dir and -o are required");
		goto done;
	}
	rc = CLI_EXIT_FAIL;
	if (!(ca = open_with_key(a.dir, &a.key)))
		goto done;
	rc = sg_ca_crl(ca, a.out, a.days) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	sg_ca_close(ca);
done:
	auth_opts_free(&a.key);
	return rc;
}

static const char list_usage[] =
	"Usage: signet ca list --dir DIR\n"
	"\n"
	"Lists every certificate issued: status (valid, revoked, expired), serial,\n"
	"expiry (UTC), file and subject, and for revoked ones when and why.\n";

static void iso_time(const char *asn1, char *out, size_t cap)
{
	time_t t;
	struct tm tm;

	if (sg_ca_time_parse(asn1, &t) < 0) {
		snprintf(out, cap, "?");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line per certificate of idx: status, serial, expiry, file,
 * subject, and for a revoked one when and why. */
static void print_index(const struct sg_ca_index *idx, time_t now)
{
	for (size_t i = 0; i < idx->n; i++) {
		const struct sg_ca_entry *e = &idx->e[i];
		char exp[32], rev[32];
		time_t t = 0;
		const char *status = e->status == 'R' ? "revoked" : "valid";

		if (e->status != 'R' &&
		    (e->status == 'E' || (sg_ca_time_parse(e->expires, &t) == 0 && t < now)))
			status = "expired";
		iso_time(e->expires, exp, sizeof(exp));
		printf("%-7s %-34s %s %s %s", status, e->serial, exp, e->file, e->subject);
		if (e->status == 'R') {
			iso_time(e->revoked, rev, sizeof(rev));
			printf(" revoked=%s reason=%s", rev,
			       e->reason >= 0 ? sg_ca_reason_name(e->reason) : "unspecified");
		}
		putchar('\n');
	}
}

/* The front of the readers, list and trust: --dir and nothing else,
 * the CA opened for reading; NULL with *rc the exit code to return. */
static struct sg_ca *open_reader(const char *help, int argc, char **argv, struct ca_args *a, int *rc)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { help, "", longopts, 0, 0 };
	struct sg_ca *ca;

	if ((*rc = cli_parse(&opts, argc, argv, ca_option, a)) != CLI_RUN || (*rc = need_dir(a)) != 0)
		return NULL;
	if (!(ca = sg_ca_open(a->dir, SG_CA_READ)))
		*rc = cli_lib_error();
	return ca;
}

static int ca_list(int argc, char **argv)
{
	struct ca_args a = { 0 };
	struct sg_ca *ca;
	int rc;

	if (!(ca = open_reader(list_usage, argc, argv, &a, &rc)))
		return rc;
	print_index(sg_ca_index(ca), time(NULL));
	sg_ca_close(ca);
	return CLI_EXIT_OK;
}

static const char renew_usage[] =
	"Usage: signet ca renew --dir DIR NAME [--days N] [--reuse-key]\n"
	"\n"
	"Issues a new certificate for DIR/NAME with the same names and the same\n"
	"kind (server or client), under the CA's current constraints. By default\n"
	"a new key of the same algorithm replaces the old one (renewal is when a\n"
	"key gets rotated); --reuse-key keeps it (pinned keys, TLSA 3 1 1, or a\n"
	"leaf signed from a CSR). The previous files are kept as\n"
	"DIR/NAME/cert-<serial>.pem and key-<serial>.pem. The old certificate is\n"
	"not revoked, so services keep working until they reload; revoke it with\n"
	"'signet ca revoke --reason superseded' once they have.\n"
	"\n" KEY_HELP;

static int ca_renew(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'y' },
		{ "reuse-key", no_argument, NULL, OPT_REUSE_KEY },
		KEY_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { renew_usage, "i:", longopts, 1, 1 };
	struct ca_args a = { 0 };
	char serial[SG_CA_SERIAL_MAX + 1];
	struct sg_ca *ca;
	int rc = cli_parse(&opts, argc, argv, ca_option, &a);

	if (rc != CLI_RUN || (rc = need_dir(&a)) != 0)
		goto done;
	rc = CLI_EXIT_FAIL;
	if (!(ca = open_with_key(a.dir, &a.key)))
		goto done;
	rc = sg_ca_renew(ca, argv[optind], a.days, a.reuse_key, serial) < 0 ? cli_lib_error()
									    : CLI_EXIT_OK;
	if (rc == CLI_EXIT_OK)
		printf("%s/%s/cert.pem %s\n", a.dir, argv[optind], serial);
	sg_ca_close(ca);
done:
	auth_opts_free(&a.key);
	return rc;
}

static const char trust_usage[] =
	"Usage: signet ca trust --dir DIR\n"
	"\n"
	"Prints how to install the CA's root certificate (DIR/ca.pem) as a trust\n"
	"anchor: Debian's system store, NSS (Firefox, Chromium) and Java.\n";

/* A file name for the anchor: the root's CN reduced to [a-z0-9-]. */
static void anchor_slug(const char *subj, char *slug, size_t cap)
{
	const char *cn = strstr(subj, "CN=");
	size_t j = 0;

	for (const char *p = cn ? cn + 3 : "signet-ca"; *p && *p != '/' && j + 1 < cap; p++) {
		char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			slug[j++] = ch;
		else if (j && slug[j - 1] != '-')
			slug[j++] = '-';
	}
	while (j && slug[j - 1] == '-')
		j--;
	slug[j] = '\0';
}

static void print_trust(const char *abs, const char *subj, const char *slug)
{
	printf("# Trust anchor: %s/ca.pem (%s)\n"
	       "# Check its fingerprint out of band first:\n"
	       "openssl x509 -in %s/ca.pem -noout -fingerprint -sha256\n"
	       "\n"
	       "# Debian/Ubuntu system store (OpenSSL, curl, GnuTLS, apt):\n"
	       "install -m 0644 %s/ca.pem /usr/local/share/ca-certificates/%s.crt\n"
	       "update-ca-certificates\n"
	       "\n"
	       "# NSS (Firefox, Chromium) for the current user:\n"
	       "certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\" -n \"%s\" -i %s/ca.pem\n"
	       "\n"
	       "# Java (JDK 9+; default store password 'changeit'):\n"
	       "keytool -importcert -noprompt -cacerts -alias %s -file %s/ca.pem\n",
	       abs, subj, abs, abs, slug, slug, abs, slug, abs);
}

static int ca_trust(int argc, char **argv)
{
	struct ca_args a = { 0 };
	char subj[512], abs[PATH_MAX], slug[64];
	struct sg_ca *ca;
	int rc;

	if (!(ca = open_reader(trust_usage, argc, argv, &a, &rc)))
		return rc;
	sg_ca_root_subject(ca, subj, sizeof(subj));
	sg_ca_close(ca);
	if (!realpath(a.dir, abs))
		snprintf(abs, sizeof(abs), "%s", a.dir);
	anchor_slug(subj, slug, sizeof(slug));
	print_trust(abs, subj, slug);
	return CLI_EXIT_OK;
}

/* ---- minica ---- */

static const char minica_usage[] =
	"Usage: signet ca minica [-ca-key FILE] [-ca-cert FILE] [-ca-alg ecdsa|rsa]\n"
	"                        -domains A[,B...] [-ip-addresses IP,...]\n"
	"\n"
	"minica's command line and files: issues a key and certificate into\n"
	"./<first name>/key.pem and cert.pem from the root in -ca-key\n"
	"(default minica-key.pem) and -ca-cert (default minica.pem), creating the\n"
	"root first when both are absent. -ca-alg picks the algorithm of new keys:\n"
	"ecdsa (P-384, the default) or rsa (2048 bits). Roots from minica (any\n"
	"PKCS#1, SEC1 or PKCS#8 PEM key) keep working, and minica can use roots\n"
	"made here. Existing keys and certificates are never overwritten.\n";

/* Go's flag syntax: -name value, -name=value, --name value. */
static int minica_flag(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	a += a[1] == '-' ? 2 : 1;
	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* Go's flag package takes -help too. */
static int is_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-help"))
			return 1;
	return 0;
}

struct minica_args {
	const char *key, *cert, *alg, *domains, *ips;
};

/* minica's flags, in Go's syntax (so not cli_parse); the unknown one
 * gets the option front's message. */
static int minica_parse(int argc, char **argv, struct minica_args *a)
{
	static const char *const names[] = { "ca-key", "ca-cert", "ca-alg", "domains",
					     "ip-addresses" };
	const char **vals[] = { &a->key, &a->cert, &a->alg, &a->domains, &a->ips };

	for (int i = 1; i < argc; i++) {
		int hit = 0;
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return cli_usage("Extra arguments: %s (maybe there are spaces in your domain list?)",
					 argv[i]);
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !hit; k++) {
			hit = minica_flag(argc, argv, &i, names[k], vals[k]);
			if (hit < 0)
				return cli_usage("flag needs an argument: -%s", names[k]);
		}
		if (!hit)
			return cli_usage("unknown option '%.*s'", (int)strcspn(argv[i], "="),
					 argv[i]);
	}
	return 0;
}

/* -ca-alg: minica's two, any case. */
static int minica_alg(const char *s, enum sg_ca_alg *alg)
{
	if (!strcasecmp(s, "ecdsa"))
		*alg = SG_CA_ECDSA_P384;
	else if (!strcasecmp(s, "rsa"))
		*alg = SG_CA_RSA2048;
	else
		return cli_error("Unrecognized algorithm: %s (use RSA or ECDSA)", s);
	return 0;
}

static int ca_minica(int argc, char **argv)
{
	struct minica_args a = { .key = "minica-key.pem", .cert = "minica.pem", .alg = "ecdsa" };
	struct names l = { 0 };
	enum sg_ca_alg alg = SG_CA_ECDSA_P256; /* minica_alg sets it */
	int rc;

	if (is_help(argc, argv))
		return cli_help(minica_usage);
	if ((rc = minica_parse(argc, argv, &a)) != 0 || (rc = minica_alg(a.alg, &alg)) != 0)
		return rc;
	if ((!a.domains || !*a.domains) && (!a.ips || !*a.ips))
		return cli_usage("give -domains or -ip-addresses");
	if ((a.domains && *a.domains && names_add_list(&l, SG_NAME_DNS, a.domains) < 0) ||
	    (a.ips && *a.ips && names_add_list(&l, SG_NAME_IP, a.ips) < 0))
		rc = cli_lib_error();
	else
		rc = sg_ca_minica(a.key, a.cert, alg, l.v, l.n) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	names_free(&l);
	return rc;
}

static const struct cli_command ca_commands[] = {
	{ "init", ca_init, "create a CA (root, optional intermediate, name constraints)" },
	{ "issue", ca_issue, "issue a server or client certificate (or sign a CSR)" },
	{ "revoke", ca_revoke, "mark a certificate revoked" },
	{ "crl", ca_crl, "sign a CRL of the revoked certificates" },
	{ "list", ca_list, "list the certificates issued" },
	{ "renew", ca_renew, "issue a successor for a leaf" },
	{ "trust", ca_trust, "print how to install the root as a trust anchor" },
	{ "minica", ca_minica, "minica's command line and files" },
};

int cmd_ca(int argc, char **argv)
{
	return cli_dispatch(ca_commands, sizeof(ca_commands) / sizeof(ca_commands[0]), "signet ca",
			    argc, argv);
}
