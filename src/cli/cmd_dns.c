/* cmd_dns.c - signet dns: the organisation's own DNSSEC root.
 *
 * Thin front end over dnszone, dnsanchor and dnsrec: option parsing,
 * output to stdout or an atomically written file, one error line.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "dnsanchor.h"
#include "dnskeys.h"
#include "dnsrec.h"
#include "dnszone.h"
#include "err.h"
#include "fileio.h"

#define MAX_NS 32
#define MAX_RECIPIENTS 16

/* Writes out to path atomically, or to stdout when path is NULL. */
static int emit(const char *path, const struct sg_buf *out)
{
	if (path) {
		if (sg_write_file_atomic(path, out->data, out->len, 0644, 0) < 0)
			return cli_lib_error();
		return CLI_EXIT_OK;
	}
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len)
		return cli_error("writing standard output failed");
	return fflush(stdout) ? cli_error("writing standard output failed") : CLI_EXIT_OK;
}

/* Emits out (see emit) unless rc is the exit code of an error already
 * reported while making it; frees out either way. */
static int emit_free(int rc, const char *path, struct sg_buf *out)
{
	if (rc == CLI_EXIT_OK)
		rc = emit(path, out);
	sg_buf_free(out);
	return rc;
}

/* Every option of every dns command; each command's table says which it
 * takes, so one callback stores them all. */
enum {
	OPT_DIR = 256,
	OPT_ALG,
	OPT_NS,
	OPT_AGE_RECIPIENT,
	OPT_ZONE,
	OPT_NSEC3,
	OPT_VALIDITY,
	OPT_REFRESH,
	OPT_FORCE,
	OPT_THREADS,
	OPT_NOW,
	OPT_AGE_IDENTITY,
	OPT_FORMAT,
	OPT_PORT,
	OPT_LISTEN,
	OPT_STATE,
	OPT_AUTHORITY,
	OPT_ANCHOR_FILE,
	OPT_AUTO_ANCHOR,
	OPT_HOST,
	OPT_PROTO,
};

struct dns_args {
	const char *dir, *zone, *format, *output, *state, *authority, *anchor, *host, *proto;
	const char *ns[MAX_NS], *rcpt[MAX_RECIPIENTS], *idfiles[MAX_RECIPIENTS];
	size_t nns, nrcpt, nidfiles;
	int alg;
	unsigned long long port;
	int64_t now;
	struct sg_dns_sign_opts sign;	  /* sign's options; check's --refresh */
	struct sg_dns_server_opts server; /* config's */
};

/* The defaults every command starts from. */
static void dns_args_init(struct dns_args *a)
{
	memset(a, 0, sizeof(*a));
	a->format = "unbound";
	a->proto = "tcp";
	a->alg = 13;
	a->now = time(NULL);
	a->sign.validity = 30 * 86400;
	a->sign.refresh = 10 * 86400;
	a->server.listen = "127.0.0.1";
}

/* Appends a repeatable option's value to list (cap entries). */
static int push(const char **list, size_t *n, size_t cap, const char *what, const char *arg)
{
	if (*n == cap)
		return cli_usage("too many %s", what);
	list[(*n)++] = arg;
	return 0;
}

static int dns_option(void *ctx, int c, const char *arg)
{
	struct dns_args *a = ctx;

	switch (c) {
	case OPT_DIR: a->dir = arg; return 0;
	case OPT_ZONE: a->zone = arg; return 0;
	case OPT_FORMAT: a->format = arg; return 0;
	case 'o': a->output = arg; return 0;
	case OPT_LISTEN: a->server.listen = arg; return 0;
	case OPT_STATE: a->state = arg; return 0;
	case OPT_AUTHORITY: a->authority = arg; return 0;
	case OPT_ANCHOR_FILE: a->anchor = arg; return 0;
	case OPT_AUTO_ANCHOR: a->server.auto_anchor = 1; return 0;
	case OPT_HOST: a->host = arg; return 0;
	case OPT_NSEC3: a->sign.nsec3 = 1; return 0;
	case OPT_FORCE: a->sign.force = 1; return 0;
	case OPT_NS: return push(a->ns, &a->nns, MAX_NS, "--ns", arg);
	case OPT_AGE_RECIPIENT:
		return push(a->rcpt, &a->nrcpt, MAX_RECIPIENTS, "--age-recipient", arg);
	case OPT_AGE_IDENTITY:
		return push(a->idfiles, &a->nidfiles, MAX_RECIPIENTS, "--age-identity", arg);
	case OPT_VALIDITY: return cli_parse_duration("--validity", arg, &a->sign.validity);
	case OPT_REFRESH: return cli_parse_duration("--refresh", arg, &a->sign.refresh);
	/* for tests and planning: pretend it is this Unix time */
	case OPT_NOW: return cli_parse_unix_time("--now", arg, &a->now);
	case OPT_PORT: return cli_parse_number("--port", arg, 1, 65535, &a->port);
	case OPT_THREADS: {
		unsigned long long n;
		if (cli_parse_number("--threads", arg, 1, 8, &n))
			return CLI_EXIT_USAGE;
		a->sign.threads = (int)n;
		return 0;
	}
	case OPT_ALG:
		if ((a->alg = sg_dns_alg_from_name(arg)) < 0)
			return cli_usage("unknown algorithm '%s'", arg);
		return 0;
	case OPT_PROTO:
		if (strcmp(arg, "tcp") && strcmp(arg, "udp") && strcmp(arg, "sctp"))
			return cli_usage("bad --proto '%s'", arg);
		a->proto = arg;
		return 0;
	default: return 0; /* in no command's table */
	}
}

/* The option loop of a dns command into a (its defaults set first). */
static int dns_parse(const struct cli_opts *opts, int argc, char **argv, struct dns_args *a)
{
	dns_args_init(a);
	return cli_parse(opts, argc, argv, dns_option, a);
}

/* dns_parse for the commands whose one required option is --dir. */
static int dns_parse_dir(const struct cli_opts *opts, int argc, char **argv, struct dns_args *a)
{
	int rc = dns_parse(opts, argc, argv, a);

	if (rc == CLI_RUN && !a->dir)
		return cli_usage("--dir is required");
	return rc;
}

/* config, records and rollover name what they do in their first word
 * ("nsd", "tlsa", "start"), before any option. */
struct first_word {
	const char *const *names;
	int n;
	const char *none;	 /* the usage error when there is no word */
	const char *kind, *hint; /* "unknown KIND 'WORD'HINT" */
};

/* dns_parse, then the first word as the command was called (argv[1],
 * before getopt reorders argv): its index in w->names into *which. */
static int dns_parse_word(const struct cli_opts *opts, const struct first_word *w, int argc,
			  char **argv, struct dns_args *a, int *which)
{
	const char *word = argc > 1 ? argv[1] : NULL;
	int rc = dns_parse(opts, argc, argv, a);

	if (rc != CLI_RUN)
		return rc;
	for (*which = 0; word && *which < w->n; (*which)++)
		if (!strcmp(word, w->names[*which]))
			return CLI_RUN;
	if (!word)
		return cli_usage("%s", w->none);
	return cli_usage("unknown %s '%s'%s", w->kind, word, w->hint);
}

static const char init_help[] =
	"Usage: signet dns init --dir DIR [--alg ecdsap256|ed25519] [--ns NAME=ADDRESS]...\n"
	"                       [--age-recipient age1...]...\n"
	"\n"
	"Creates a private DNS root in DIR: its key-signing key (flags 257) and\n"
	"zone-signing key (256) in DIR/keys (private keys mode 0600), the root zone\n"
	"DIR/zones/root.zone and the state file DIR/dns.conf.\n"
	"\n"
	"  --dir DIR       the directory to create (or an empty one)\n"
	"  --alg ALG       ecdsap256 (algorithm 13, default) or ed25519 (15)\n"
	"  --ns NAME=ADDR  a root name server (default ns.root.=127.0.0.1)\n"
	"  --age-recipient R  keep every private key of DIR age-encrypted to R\n"
	"                  (K...private.age); sign then needs --age-identity\n";

static int dns_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "alg", required_argument, NULL, OPT_ALG },
		{ "ns", required_argument, NULL, OPT_NS },
		{ "age-recipient", required_argument, NULL, OPT_AGE_RECIPIENT },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { init_help, "", longopts, 0, 0 };
	struct dns_args a;
	int rc = dns_parse_dir(&opts, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	if (a.nns == 0)
		a.ns[a.nns++] = "ns.root.=127.0.0.1";
	if (sg_dns_init(a.dir, a.alg, a.ns, a.nns, a.rcpt, a.nrcpt) < 0)
		return cli_lib_error();
	printf("initialised private root in %s\n", a.dir);
	return CLI_EXIT_OK;
}

static const char add_zone_help[] =
	"Usage: signet dns add-zone --dir DIR --zone ZONE --ns NAME[=ADDRESS[@PORT]]...\n"
	"\n"
	"Adds ZONE below the private root: its KSK and ZSK, a starting master file\n"
	"DIR/zones/ZONE.zone (SOA, NS, addresses of in-zone name servers) and its\n"
	"delegation (NS, glue, DS of its KSK), which 'signet dns sign' writes into\n"
	"the root. A name server inside ZONE needs an ADDRESS (glue); @PORT tells\n"
	"resolvers configured by signet where it listens.\n";

static int dns_add_zone(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "ns", required_argument, NULL, OPT_NS },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { add_zone_help, "", longopts, 0, 0 };
	struct dns_args a;
	int rc = dns_parse(&opts, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	if (!a.dir || !a.zone || a.nns == 0)
		return cli_usage("--dir, --zone and --ns are required");
	if (sg_dns_add_zone(a.dir, a.zone, a.ns, a.nns) < 0)
		return cli_lib_error();
	printf("added zone %s\n", a.zone);
	return CLI_EXIT_OK;
}

static const char sign_help[] =
	"Usage: signet dns sign --dir DIR [--nsec3] [--validity DUR] [--refresh DUR]\n"
	"                       [--force] [--threads N] [--age-identity FILE]...\n"
	"\n"
	"Signs the root and every zone of DIR into DIR/signed/ZONE.signed (the root\n"
	"as root.signed), adding DNSKEYs and, to the root, each zone's delegation\n"
	"and DS. A zone whose input is unchanged and whose signatures do not expire\n"
	"within the refresh window is left as it is. Every signed file is committed\n"
	"together (one transaction on DIR), each signing raises the SOA serial, and\n"
	"a second signer waits for the first and starts from its result. Durations\n"
	"are N[dhms] (days when no unit).\n"
	"\n"
	"  --nsec3         NSEC3 (SHA-1, 0 iterations, no salt) instead of NSEC\n"
	"  --validity DUR  signature lifetime (default 30d)\n"
	"  --refresh DUR   re-sign when signatures expire within DUR (default 10d)\n"
	"  --force         re-sign every zone\n"
	"  --threads N     parallel signing workers, 1..8 (default: one per CPU)\n"
	"  --age-identity FILE  age identity file for age-encrypted private keys\n";

/* Reads the --age-identity files into ids. */
static int load_identities(const char *const *files, size_t n, struct sg_age_identities *ids)
{
	for (size_t i = 0; i < n; i++) {
		struct sg_buf text = SG_BUF_INIT;
		int rc = sg_read_file(files[i], &text, 1 << 20);

		if (rc == 0)
			rc = sg_age_identities_parse(ids, files[i], (const char *)text.data,
						     text.len);
		sg_buf_wipe(&text);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int dns_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "nsec3", no_argument, NULL, OPT_NSEC3 },
		{ "validity", required_argument, NULL, OPT_VALIDITY },
		{ "refresh", required_argument, NULL, OPT_REFRESH },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "age-identity", required_argument, NULL, OPT_AGE_IDENTITY },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { sign_help, "", longopts, 0, 0 };
	struct sg_age_identities ids = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	struct dns_args a;
	int rc = dns_parse_dir(&opts, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	a.sign.now = (time_t)a.now;
	a.sign.ids = &ids;
	if (load_identities(a.idfiles, a.nidfiles, &ids) < 0 ||
	    sg_dns_sign(a.dir, &a.sign, &report) < 0)
		rc = cli_lib_error();
	else
		rc = CLI_EXIT_OK;
	sg_age_identities_free(&ids);
	return emit_free(rc, NULL, &report);
}

static const char check_help[] =
	"Usage: signet dns check --dir DIR [--refresh DUR]\n"
	"\n"
	"Reports, for every zone, how many signatures its signed file holds and\n"
	"when the first and last expire. Exits 1 when a zone is unsigned, expired\n"
	"or due for re-signing (within --refresh, default 10d).\n";

static int dns_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "refresh", required_argument, NULL, OPT_REFRESH },
		{ "now", required_argument, NULL, OPT_NOW },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { check_help, "", longopts, 0, 0 };
	struct sg_buf report = SG_BUF_INIT;
	struct dns_args a;
	int problems = 0, rc = dns_parse_dir(&opts, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	rc = sg_dns_check(a.dir, (time_t)a.now, a.sign.refresh, &report, &problems) < 0
		     ? cli_lib_error()
		     : CLI_EXIT_OK;
	rc = emit_free(rc, NULL, &report);
	if (rc == CLI_EXIT_OK && problems)
		return cli_error("%d zone(s) need signing (run 'signet dns sign --dir %s')",
				 problems, a.dir);
	return rc;
}

static const char anchor_help[] =
	"Usage: signet dns anchor --dir DIR [--format FORMAT] [-o FILE]\n"
	"\n"
	"Prints the trust anchor of the private root: the DS (SHA-256) of each\n"
	"active or newly published root KSK. FORMAT is one of\n"
	"  unbound      zone-file DS records for unbound's trust-anchor-file (default)\n"
	"  bind         BIND trust-anchors { . initial-key ...; } (RFC 5011 managed)\n"
	"  bind-static  BIND trust-anchors { . static-ds ...; }\n"
	"  ds           plain DS records\n"
	"  xml          RFC 9718 root-anchors.xml\n"
	"  resolved     systemd-resolved dnssec-trust-anchors.d/root.positive\n";

static int dns_anchor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { anchor_help, "o:", longopts, 0, 0 };
	struct sg_buf out = SG_BUF_INIT;
	struct dns_args a;
	int rc = dns_parse_dir(&opts, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	rc = sg_dns_anchor(a.dir, a.format, &out) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	return emit_free(rc, a.output, &out);
}

static const char config_help[] =
	"Usage: signet dns config nsd --dir DIR --port P [--listen ADDR] [--state DIR] [-o FILE]\n"
	"       signet dns config unbound --dir DIR --port P --authority ADDR@PORT\n"
	"                 [--listen ADDR] [--state DIR] [--anchor-file FILE] [--auto-anchor]\n"
	"                 [-o FILE]\n"
	"\n"
	"nsd: an NSD configuration authoritative for the root and every zone of DIR,\n"
	"serving DIR/signed/*.signed on ADDR@P (default 127.0.0.1).\n"
	"unbound: an Unbound configuration validating with only the private root's\n"
	"anchor (written to --anchor-file, default DIR/anchors/root.anchor), with\n"
	"stub zones for the root and each zone pointing at the authority. No root\n"
	"hints or IANA anchor are used. --auto-anchor tracks the anchor by RFC 5011\n"
	"(auto-trust-anchor-file; the file must be writable by unbound).\n"
	"--state (default DIR/run) holds pid and state files.\n";

/* --authority ADDR@PORT into o; auth (cap bytes) holds the address. */
static int split_authority(const char *authority, char *auth, size_t cap,
			   struct sg_dns_server_opts *o)
{
	unsigned long long port;
	char *at;

	if (!authority || strlen(authority) >= cap || !strrchr(authority, '@'))
		return cli_usage("--authority ADDR@PORT is required");
	snprintf(auth, cap, "%s", authority);
	at = strrchr(auth, '@');
	*at = '\0';
	if (cli_parse_uint(at + 1, 65535, &port) < 0 || port == 0)
		return cli_usage("bad port in --authority");
	o->auth_addr = auth;
	o->auth_port = (unsigned)port;
	return 0;
}

/* The --state directory into state (cap bytes; default DIR/run), made
 * when it is missing. */
static int make_state(const struct dns_args *a, char *state, size_t cap)
{
	if (a->state)
		snprintf(state, cap, "%s", a->state);
	else
		snprintf(state, cap, "%s/run", a->dir);
	if (mkdir(state, 0755) < 0 && access(state, F_OK) != 0)
		return cli_error("%s: cannot create the state directory", state);
	return 0;
}

/* unbound's configuration into out, after the anchor file it names (the
 * default one, in DIR, through DIR's transaction), so that it never
 * names a file that is not there. */
static int unbound_conf(const char *dir, const char *anchor, struct sg_dns_server_opts *o,
			struct sg_buf *out)
{
	char path[PATH_MAX], abs[PATH_MAX];
	int rc;

	if (sg_dns_anchor_save(dir, anchor) < 0)
		return cli_lib_error();
	if (!anchor) {
		snprintf(path, sizeof(path), "%s/" SG_DNS_ANCHOR_FILE, dir);
		anchor = path;
	}
	if (!realpath(anchor, abs))
		return cli_error("%s: cannot resolve path", anchor);
	o->anchor = abs;
	rc = sg_dns_unbound_conf(dir, o, out) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	o->anchor = NULL;
	return rc;
}

static int dns_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "authority", required_argument, NULL, OPT_AUTHORITY },
		{ "anchor-file", required_argument, NULL, OPT_ANCHOR_FILE },
		{ "auto-anchor", no_argument, NULL, OPT_AUTO_ANCHOR },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const servers[] = { "nsd", "unbound" };
	static const struct first_word server = { servers, 2, "nsd or unbound?", "server",
						  " (nsd, unbound)" };
	const struct cli_opts opts = { config_help, "o:", longopts, 0, 1 };
	char state[PATH_MAX], auth[128];
	struct sg_buf out = SG_BUF_INIT;
	struct dns_args a;
	int unbound, rc = dns_parse_word(&opts, &server, argc, argv, &a, &unbound);

	if (rc != CLI_RUN)
		return rc;
	if (!a.dir || !a.port)
		return cli_usage("--dir and --port are required");
	a.server.port = (unsigned)a.port;
	if (unbound && split_authority(a.authority, auth, sizeof(auth), &a.server))
		return CLI_EXIT_USAGE;
	if (make_state(&a, state, sizeof(state)))
		return CLI_EXIT_FAIL;
	a.server.state = state;
	if (unbound)
		rc = unbound_conf(a.dir, a.anchor, &a.server, &out);
	else
		rc = sg_dns_nsd_conf(a.dir, &a.server, &out) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	return emit_free(rc, a.output, &out);
}

static const char records_help[] =
	"Usage: signet dns records sshfp --host HOST KEYFILE...\n"
	"       signet dns records tlsa --host HOST --port N [--proto tcp|udp] CERT\n"
	"\n"
	"sshfp: SSHFP records (SHA-1 and SHA-256) for OpenSSH public keys, as\n"
	"'ssh-keygen -r HOST' prints them.\n"
	"tlsa: the DANE-EE TLSA record 3 1 1 (SHA-256 of the SubjectPublicKeyInfo)\n"
	"of a PEM or DER certificate, for _N._PROTO.HOST.\n";

/* The records of each file: SSHFP of OpenSSH public keys, or TLSA of a
 * certificate. */
static int make_records(int tlsa, const struct dns_args *a, char **files, int n, struct sg_buf *out)
{
	int rc = 0;

	for (int i = 0; rc == 0 && i < n; i++) {
		struct sg_buf in = SG_BUF_INIT;

		rc = sg_read_file(files[i], &in, 1 << 20);
		if (rc == 0 && tlsa)
			rc = sg_dns_tlsa(a->host, (unsigned)a->port, a->proto, in.data, in.len,
					 files[i], out);
		else if (rc == 0)
			rc = sg_dns_sshfp(a->host, (const char *)in.data, in.len, files[i], out);
		sg_buf_free(&in);
	}
	return rc < 0 ? cli_lib_error() : CLI_EXIT_OK;
}

static int dns_records(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, OPT_HOST },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const kinds[] = { "sshfp", "tlsa" };
	static const struct first_word kind = { kinds, 2, "sshfp or tlsa?", "record",
						" (sshfp, tlsa)" };
	const struct cli_opts opts = { records_help, "", longopts, 0, -1 };
	struct sg_buf out = SG_BUF_INIT;
	struct dns_args a;
	int tlsa, files, rc = dns_parse_word(&opts, &kind, argc, argv, &a, &tlsa);

	if (rc != CLI_RUN)
		return rc;
	files = argc - optind - 1; /* the operands after the record's name */
	if (!a.host || files < 1 || (tlsa && (!a.port || files != 1)))
		return cli_usage("%s", tlsa ? "--host, --port and one CERT are required"
					    : "--host and a KEYFILE are required");
	rc = make_records(tlsa, &a, argv + optind + 1, files, &out);
	return emit_free(rc, NULL, &out);
}

static const char rollover_help[] =
	"Usage: signet dns rollover start|status|revoke|finish --dir DIR [--zone ZONE]\n"
	"                          [--force]\n"
	"\n"
	"KSK rollover by RFC 5011 (ZONE defaults to the root '.'):\n"
	"  start   generate a new KSK, published beside the active one\n"
	"  status  where the rollover is and when the next step may run\n"
	"  revoke  after the new key's 30-day hold-down: publish the old KSK with\n"
	"          the REVOKE bit (self-signed) and make the new one active\n"
	"  finish  30 days after revoking: remove the revoked key\n"
	"Each step records state in DIR/dns.conf and refreshes DIR/anchors/root.anchor\n"
	"when it exists, in one transaction with the new key's files; run 'signet dns\n"
	"sign' after it. --force skips the wait.\n";

static int dns_rollover(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "now", required_argument, NULL, OPT_NOW },
		{ NULL, 0, NULL, 0 },
	};
	/* in the order of enum sg_dns_roll_step */
	static const char *const steps[] = { "start", "status", "revoke", "finish" };
	static const struct first_word which = { steps, 4, "which step?", "step", "" };
	const struct cli_opts opts = { rollover_help, "", longopts, 0, 1 };
	struct sg_buf out = SG_BUF_INIT;
	struct dns_args a;
	int step, rc = dns_parse_word(&opts, &which, argc, argv, &a, &step);

	if (rc != CLI_RUN)
		return rc;
	if (!a.dir)
		return cli_usage("--dir is required");
	rc = sg_dns_rollover(a.dir, a.zone ? a.zone : ".", (enum sg_dns_roll_step)step,
			     (time_t)a.now, a.sign.force, &out) < 0
		     ? cli_lib_error()
		     : CLI_EXIT_OK;
	return emit_free(rc, NULL, &out);
}

static const struct cli_command dns_commands[] = {
	{ "init", dns_init, "create a private root with its keys" },
	{ "add-zone", dns_add_zone, "add a zone and its delegation" },
	{ "sign", dns_sign, "sign the root and every zone" },
	{ "check", dns_check, "report when signatures expire" },
	{ "anchor", dns_anchor, "print the root trust anchor" },
	{ "config", dns_config, "configuration for nsd or unbound" },
	{ "records", dns_records, "SSHFP and TLSA records" },
	{ "rollover", dns_rollover, "RFC 5011 KSK rollover" },
};

int cmd_dns(int argc, char **argv)
{
	return cli_dispatch(dns_commands, sizeof(dns_commands) / sizeof(dns_commands[0]),
			    "signet dns", argc, argv);
}
