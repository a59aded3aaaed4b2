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

static int names_add(struct names *l, int any, enum sg_name_type type, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct sg_name *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return sg_fail("out of memory");
		l->v = v;
		l->cap = cap;
	}
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

static int parse_days(const char *cmd, const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 1 || v > 36500)
		return cli_usage_error(cmd, "--days must be a whole number of days from 1 to 36500");
	*out = (int)v;
	return 0;
}

static int is_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-help"))
			return 1;
	return 0;
}

/* ---- the CA key ---- */

/* The options that unlock an encrypted CA key, for the commands that sign:
 * --passphrase-file and -i are authority.c's (same meaning as for the
 * domain root key). */
#define KEY_LONG_OPTIONS                                                          \
	{ "passphrase-file", required_argument, NULL, AUTH_OPT_PASSPHRASE_FILE }, \
	{ "identity", required_argument, NULL, 'i' }

#define KEY_HELP                                                                     \
	"  --passphrase-file F  the CA key's passphrase (first line of F), when it is\n" \
	"                       encrypted; otherwise asked on the terminal\n"          \
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

static int ca_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },   { "name", required_argument, NULL, 'n' },
		{ "alg", required_argument, NULL, 'a' },   { "permit-dns", required_argument, NULL, 'D' },
		{ "permit-ip", required_argument, NULL, 'I' }, { "intermediate", no_argument, NULL, 'i' },
		{ "days", required_argument, NULL, 'y' },  { "help", no_argument, NULL, 'h' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "passphrase", no_argument, NULL, 'p' },
		{ "recipient", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_ca_init_opts o = { .alg = SG_CA_ECDSA_P256 };
	struct sg_age_recipients rs = { 0 };
	const char **dns = calloc((size_t)argc, sizeof(*dns)), **ip = calloc((size_t)argc, sizeof(*ip));
	const char *pass_file = NULL;
	int c, rc = CLI_EXIT_USAGE, ask = 0;

	if (!dns || !ip)
		goto out;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hr:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dir = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'a':
			if (sg_ca_alg_parse(optarg, &o.alg) < 0 || o.alg == SG_CA_RSA2048) {
				rc = cli_error("unknown algorithm '%s' (ecdsa-p256, ecdsa-p384, ed25519, rsa3072)", optarg);
				goto out;
			}
			break;
		case 'D':
			dns[o.n_permit_dns++] = optarg;
			break;
		case 'I':
			ip[o.n_permit_ip++] = optarg;
			break;
		case 'i':
			o.intermediate = 1;
			break;
		case 'y':
			if (parse_days("signet ca init", optarg, &o.days))
				goto out;
			break;
		case 'P':
			pass_file = optarg;
			break;
		case 'p':
			ask = 1;
			break;
		case 'r':
			if (auth_add_recipient(&rs, optarg) < 0) {
				rc = CLI_EXIT_FAIL;
				goto out;
			}
			break;
		case 'h':
			rc = cli_help(init_usage);
			goto out;
		default:
			rc = cli_usage_error("signet ca init", "bad option");
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("signet ca init", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!o.dir) {
		rc = cli_usage_error("signet ca init", "--dir is required");
		goto out;
	}
	if ((pass_file != NULL) + ask + (rs.n > 0) > 1) {
		rc = cli_usage_error("signet ca init",
				     "give one of --passphrase-file, --passphrase and -r");
		goto out;
	}
	if ((pass_file || ask) && init_passphrase(pass_file, &rs) < 0) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	o.permit_dns = dns;
	o.permit_ip = ip;
	o.recipients = &rs;
	if (sg_ca_init(&o) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	printf("%s/ca.pem\n", o.dir);
	rc = CLI_EXIT_OK;
out:
	sg_age_recipients_free(&rs);
	free(dns);
	free(ip);
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
	"                       all are issued or none.\n"
	KEY_HELP;

/* One batch line: comma- or blank-separated names. */
static int batch_line(char *line, struct names *l)
{
	char *save = NULL;

	for (char *p = strtok_r(line, ", \t\r", &save); p; p = strtok_r(NULL, ", \t\r", &save))
		if (names_add(l, 1, SG_NAME_DNS, p) < 0)
			return -1;
	return 0;
}

static int read_batch(const char *path, struct names **out, size_t *n)
{
	struct sg_buf b = SG_BUF_INIT;
	struct names *v = NULL;
	size_t cap = 0, lineno = 0;
	char *line, *save = NULL;
	int rc = -1;

	*n = 0;
	if (sg_read_file(path, &b, BATCH_MAX) < 0)
		return -1;
	if (memchr(b.data, '\0', b.len)) {
		sg_fail("%s: binary data in a batch file", path);
		goto out;
	}
	for (char *p = (char *)b.data; p && *p; p = save) {
		char *nl = strchr(p, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line = p;
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r") == strlen(line))
			continue;
		if (*n == cap) {
			size_t c2 = cap ? cap * 2 : 64;
			struct names *g = realloc(v, c2 * sizeof(*g));
			if (!g) {
				sg_fail("out of memory");
				goto out;
			}
			v = g;
			cap = c2;
		}
		memset(&v[*n], 0, sizeof(v[*n]));
		(*n)++;
		if (batch_line(line, &v[*n - 1]) < 0) {
			char where[PATH_MAX + 32];
			snprintf(where, sizeof(where), "%s: line %zu", path, lineno);
			sg_fail_prefix(where);
			goto out;
		}
	}
	if (*n == 0) {
		sg_fail("%s: no names in the batch file", path);
		goto out;
	}
	rc = 0;
out:
	sg_buf_free(&b);
	if (rc < 0) {
		for (size_t i = 0; i < *n; i++)
			names_free(&v[i]);
		free(v);
		v = NULL;
		*n = 0;
	}
	*out = v;
	return rc;
}

/* Checks every line first, then issues them all in one transaction:
 * every certificate of the batch, or (after a failure or a crash) none. */
static int issue_batch(struct sg_ca *ca, const char *path, const struct sg_ca_request *tmpl)
{
	struct names *v = NULL;
	size_t n = 0, done = 0;
	int rc = CLI_EXIT_FAIL;

	if (read_batch(path, &v, &n) < 0)
		return cli_lib_error();
	for (size_t i = 0; i < n; i++) {
		struct sg_ca_request r = *tmpl;
		r.names = v[i].v;
		r.n = v[i].n;
		if (sg_ca_check_request(ca, &r) < 0) {
			char where[PATH_MAX + 32];
			snprintf(where, sizeof(where), "%s: entry %zu", path, i + 1);
			sg_fail_prefix(where);
			cli_lib_error();
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[j].v[0].text, v[i].v[0].text) == 0) {
				cli_error("%s: entries %zu and %zu both start with '%s'", path, j + 1, i + 1,
					  v[i].v[0].text);
				goto out;
			}
	}
	for (done = 0; done < n; done++) {
		struct sg_ca_request r = *tmpl;
		r.names = v[done].v;
		r.n = v[done].n;
		if (sg_ca_issue(ca, &r, NULL) < 0) {
			cli_error("%s (entry %zu; nothing issued)", sg_errmsg(), done + 1);
			goto out;
		}
	}
	if (sg_ca_commit(ca) < 0) {
		cli_lib_error();
		goto out;
	}
	printf("%zu certificates issued\n", n);
	rc = CLI_EXIT_OK;
out:
	for (size_t i = 0; i < n; i++)
		names_free(&v[i]);
	free(v);
	return rc;
}

static int ca_issue(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },   { "domains", required_argument, NULL, 'D' },
		{ "ip-addresses", required_argument, NULL, 'I' }, { "email", required_argument, NULL, 'E' },
		{ "uri", required_argument, NULL, 'U' },   { "client", no_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'y' },  { "alg", required_argument, NULL, 'a' },
		{ "csr", required_argument, NULL, 'r' },   { "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },	   KEY_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "signet ca issue", *dir = NULL, *batch = NULL;
	struct auth_opts k = { 0 };
	struct names dns = { 0 }, ips = { 0 }, emails = { 0 }, uris = { 0 }, all = { 0 };
	struct sg_ca_request r = { .alg = SG_CA_ECDSA_P256 };
	struct sg_ca *ca = NULL;
	char leaf[SG_NAME_MAX];
	int c, rc = CLI_EXIT_USAGE;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hi:", opts, NULL)) != -1) {
		int hit = auth_option(&k, c, optarg);

		if (hit < 0) {
			rc = CLI_EXIT_FAIL;
			goto out;
		}
		if (hit)
			continue;
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'D':
			if (names_add_list(&dns, SG_NAME_DNS, optarg) < 0)
				goto fail;
			break;
		case 'I':
			if (names_add_list(&ips, SG_NAME_IP, optarg) < 0)
				goto fail;
			break;
		case 'E':
			if (names_add_list(&emails, SG_NAME_EMAIL, optarg) < 0)
				goto fail;
			break;
		case 'U':
			if (names_add_list(&uris, SG_NAME_URI, optarg) < 0)
				goto fail;
			break;
		case 'c':
			r.client = 1;
			break;
		case 'y':
			if (parse_days(cmd, optarg, &r.days))
				goto out;
			break;
		case 'a':
			if (sg_ca_alg_parse(optarg, &r.alg) < 0 || r.alg == SG_CA_RSA2048) {
				rc = cli_error("unknown algorithm '%s' (ecdsa-p256, ecdsa-p384, ed25519, rsa3072)", optarg);
				goto out;
			}
			break;
		case 'r':
			r.csr = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			rc = cli_help(issue_usage);
			goto out;
		default:
			rc = cli_usage_error(cmd, "bad option");
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!dir) {
		rc = cli_usage_error(cmd, "--dir is required");
		goto out;
	}
	struct names *parts[] = { &dns, &ips, &emails, &uris };
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < parts[i]->n; j++) {
			if (all.n == all.cap) {
				size_t cap = all.cap ? all.cap * 2 : 8;
				struct sg_name *v = realloc(all.v, cap * sizeof(*v));
				if (!v) {
					sg_fail("out of memory");
					goto fail;
				}
				all.v = v;
				all.cap = cap;
			}
			all.v[all.n++] = parts[i]->v[j];
		}
	if (batch && (all.n || r.csr)) {
		rc = cli_usage_error(cmd, "--batch takes its names from the file (no names, no --csr)");
		goto out;
	}
	if (!batch && !all.n && !r.csr) {
		rc = cli_usage_error(cmd, "give the names: --domains, --ip-addresses, --email or --uri");
		goto out;
	}
	if (!(ca = open_with_key(dir, &k))) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	if (batch) {
		rc = issue_batch(ca, batch, &r);
		goto out;
	}
	r.names = all.v;
	r.n = all.n;
	if (sg_ca_issue(ca, &r, leaf) < 0 || sg_ca_commit(ca) < 0)
		goto fail;
	printf("%s/%s/cert.pem\n", dir, leaf);
	rc = CLI_EXIT_OK;
	goto out;
fail:
	rc = cli_lib_error();
out:
	sg_ca_close(ca);
	auth_opts_free(&k);
	names_free(&dns);
	names_free(&ips);
	names_free(&emails);
	names_free(&uris);
	names_free(&all);
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
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "signet ca revoke", *dir = NULL;
	int c, reason = 0, rc;
	struct sg_ca *ca;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'r':
			if (sg_ca_reason_parse(optarg, &reason) < 0)
				return cli_lib_error();
			break;
		case 'h':
			return cli_help(revoke_usage);
		default:
			return cli_usage_error(cmd, "bad option");
		}
	}
	if (!dir)
		return cli_usage_error(cmd, "--dir is required");
	if (optind != argc - 1)
		return cli_usage_error(cmd, "give one serial number or certificate file");
	if (!(ca = sg_ca_open(dir, SG_CA_WRITE)))
		return cli_lib_error();
	rc = sg_ca_revoke(ca, argv[optind], reason) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	sg_ca_close(ca);
	return rc;
}

static const char crl_usage[] =
	"Usage: signet ca crl --dir DIR -o FILE [--days N]\n"
	"\n"
	"Signs a version 2 CRL of every revoked certificate with the issuing CA\n"
	"(the intermediate when there is one), with a CRL number (DIR/crlnumber)\n"
	"and the issuer's key identifier; nextUpdate is N days ahead (default 30).\n"
	"\n"
	KEY_HELP;

static int ca_crl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		KEY_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "signet ca crl", *dir = NULL, *out = NULL;
	struct auth_opts k = { 0 };
	int c, days = 0, rc = CLI_EXIT_USAGE;
	struct sg_ca *ca;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:i:", opts, NULL)) != -1) {
		int hit = auth_option(&k, c, optarg);

		if (hit < 0) {
			rc = CLI_EXIT_FAIL;
			goto done;
		}
		if (hit)
			continue;
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'y':
			if (parse_days(cmd, optarg, &days))
				goto done;
			break;
		case 'h':
			rc = cli_help(crl_usage);
			goto done;
		default:
			rc = cli_usage_error(cmd, "bad option");
			goto done;
		}
	}
	if (!dir || !out) {
		rc = cli_usage_error(cmd, "--dir and -o are required");
		goto done;
	}
	if (optind < argc) {
		rc = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	rc = CLI_EXIT_FAIL;
	if (!(ca = open_with_key(dir, &k)))
		goto done;
	rc = sg_ca_crl(ca, out, days) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	sg_ca_close(ca);
done:
	auth_opts_free(&k);
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

static int ca_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	const struct sg_ca_index *idx;
	struct sg_ca *ca;
	time_t now = time(NULL);
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'h')
			return cli_help(list_usage);
		else
			return cli_usage_error("signet ca list", "bad option");
	}
	if (!dir || optind < argc)
		return cli_usage_error("signet ca list", "--dir is required, and nothing else");
	if (!(ca = sg_ca_open(dir, SG_CA_READ)))
		return cli_lib_error();
	idx = sg_ca_index(ca);
	for (size_t i = 0; i < idx->n; i++) {
		const struct sg_ca_entry *e = &idx->e[i];
		char exp[32], rev[32];
		time_t t = 0;
		const char *status = e->status == 'R' ? "revoked" : "valid";

		if (e->status != 'R' && (e->status == 'E' || (sg_ca_time_parse(e->expires, &t) == 0 && t < now)))
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
	"\n"
	KEY_HELP;

static int ca_renew(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'y' },
		{ "reuse-key", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		KEY_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "signet ca renew", *dir = NULL;
	struct auth_opts k = { 0 };
	int c, days = 0, reuse = 0, rc = CLI_EXIT_USAGE;
	char serial[SG_CA_SERIAL_MAX + 1];
	struct sg_ca *ca;

	optind = 0;
	while ((c = getopt_long(argc, argv, "hi:", opts, NULL)) != -1) {
		int hit = auth_option(&k, c, optarg);

		if (hit < 0) {
			rc = CLI_EXIT_FAIL;
			goto done;
		}
		if (hit)
			continue;
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'y':
			if (parse_days(cmd, optarg, &days))
				goto done;
			break;
		case 'k':
			reuse = 1;
			break;
		case 'h':
			rc = cli_help(renew_usage);
			goto done;
		default:
			rc = cli_usage_error(cmd, "bad option");
			goto done;
		}
	}
	if (!dir) {
		rc = cli_usage_error(cmd, "--dir is required");
		goto done;
	}
	if (optind != argc - 1) {
		rc = cli_usage_error(cmd, "give the leaf directory name (as in DIR/NAME)");
		goto done;
	}
	rc = CLI_EXIT_FAIL;
	if (!(ca = open_with_key(dir, &k)))
		goto done;
	rc = sg_ca_renew(ca, argv[optind], days, reuse, serial) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	if (rc == CLI_EXIT_OK)
		printf("%s/%s/cert.pem %s\n", dir, argv[optind], serial);
	sg_ca_close(ca);
done:
	auth_opts_free(&k);
	return rc;
}

static const char trust_usage[] =
	"Usage: signet ca trust --dir DIR\n"
	"\n"
	"Prints how to install the CA's root certificate (DIR/ca.pem) as a trust\n"
	"anchor: Debian's system store, NSS (Firefox, Chromium) and Java.\n";

static int ca_trust(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	char subj[512], abs[PATH_MAX], slug[64];
	struct sg_ca *ca;
	int c;
	size_t j = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'h')
			return cli_help(trust_usage);
		else
			return cli_usage_error("signet ca trust", "bad option");
	}
	if (!dir || optind < argc)
		return cli_usage_error("signet ca trust", "--dir is required, and nothing else");
	if (!(ca = sg_ca_open(dir, SG_CA_READ)))
		return cli_lib_error();
	sg_ca_root_subject(ca, subj, sizeof(subj));
	sg_ca_close(ca);
	if (!realpath(dir, abs))
		snprintf(abs, sizeof(abs), "%s", dir);
	/* A file name for the anchor: the CN, reduced to [a-z0-9-]. */
	const char *cn = strstr(subj, "CN=");
	for (const char *p = cn ? cn + 3 : "signet-ca"; *p && *p != '/' && j + 1 < sizeof(slug); p++) {
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

static int ca_minica(int argc, char **argv)
{
	const char *cmd = "signet ca minica", *key = "minica-key.pem", *cert = "minica.pem";
	const char *alg_s = "ecdsa", *domains = NULL, *ips = NULL;
	struct names l = { 0 };
	enum sg_ca_alg alg;
	int rc;

	if (is_help(argc, argv))
		return cli_help(minica_usage);
	for (int i = 1; i < argc; i++) {
		static const char *names[] = { "ca-key", "ca-cert", "ca-alg", "domains", "ip-addresses" };
		const char **vals[] = { &key, &cert, &alg_s, &domains, &ips };
		int hit = 0;
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return cli_usage_error(cmd, "Extra arguments: %s (maybe there are spaces in your domain list?)",
					       argv[i]);
		for (size_t k = 0; k < 5 && !hit; k++) {
			hit = minica_flag(argc, argv, &i, names[k], vals[k]);
			if (hit < 0)
				return cli_usage_error(cmd, "flag needs an argument: -%s", names[k]);
		}
		if (!hit)
			return cli_usage_error(cmd, "flag provided but not defined: %s", argv[i]);
	}
	if (!strcasecmp(alg_s, "ecdsa"))
		alg = SG_CA_ECDSA_P384;
	else if (!strcasecmp(alg_s, "rsa"))
		alg = SG_CA_RSA2048;
	else
		return cli_error("Unrecognized algorithm: %s (use RSA or ECDSA)", alg_s);
	if ((!domains || !*domains) && (!ips || !*ips))
		return cli_usage_error(cmd, "give -domains or -ip-addresses");
	if ((domains && *domains && names_add_list(&l, SG_NAME_DNS, domains) < 0) ||
	    (ips && *ips && names_add_list(&l, SG_NAME_IP, ips) < 0)) {
		names_free(&l);
		return cli_lib_error();
	}
	rc = sg_ca_minica(key, cert, alg, l.v, l.n) < 0 ? cli_lib_error() : CLI_EXIT_OK;
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
	return cli_dispatch(ca_commands, sizeof(ca_commands) / sizeof(ca_commands[0]), "signet ca", argc,
			    argv);
}
