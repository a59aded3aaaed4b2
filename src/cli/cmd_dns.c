/* cmd_dns.c - signet dns: the organisation's own DNSSEC root.
 *
 * Thin front end over dnszone, dnsanchor and dnsrec: option parsing,
 * output to stdout or an atomically written file, one error line.
 */
#include <getopt.h>
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

/* "30", "30d", "12h", "90s", "45m": a duration in seconds. */
static int parse_duration(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned long long mul = 86400;

	if (end == s)
		return -1;
	if (*end == 'd')
		mul = 86400, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 's')
		mul = 1, end++;
	if (*end || v == 0 || v > UINT32_MAX / mul)
		return -1;
	*out = (uint32_t)(v * mul);
	return 0;
}

/* --now: a Unix time in seconds (for tests and planning). */
static int parse_now(const char *cmd, const char *s, time_t *now)
{
	unsigned long long v;

	if (cli_parse_uint(s, (unsigned long long)INT64_MAX, &v) < 0)
		return cli_usage_error(cmd, "--now must be a Unix time in seconds, not '%s'", s);
	*now = (time_t)v;
	return 0;
}

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
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
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "alg", required_argument, NULL, 'a' },
		{ "ns", required_argument, NULL, 'n' },	 { "help", no_argument, NULL, 'h' },
		{ "age-recipient", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *ns[MAX_NS], *rcpt[MAX_RECIPIENTS];
	size_t nns = 0, nrcpt = 0;
	int alg = 13, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'a':
			if ((alg = sg_dns_alg_from_name(optarg)) < 0)
				return cli_usage_error("signet dns init", "unknown algorithm '%s'",
						       optarg);
			break;
		case 'n':
			if (nns == MAX_NS)
				return cli_usage_error("signet dns init", "too many --ns");
			ns[nns++] = optarg;
			break;
		case 'r':
			if (nrcpt == MAX_RECIPIENTS)
				return cli_usage_error("signet dns init", "too many --age-recipient");
			rcpt[nrcpt++] = optarg;
			break;
		case 'h':
			return cli_help(init_help);
		default:
			return cli_usage_error("signet dns init", "bad option");
		}
	}
	if (!dir || optind != argc)
		return cli_usage_error("signet dns init", "--dir is required");
	if (nns == 0)
		ns[nns++] = "ns.root.=127.0.0.1";
	if (sg_dns_init(dir, alg, ns, nns, rcpt, nrcpt) < 0)
		return cli_lib_error();
	printf("initialised private root in %s\n", dir);
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
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "zone", required_argument, NULL, 'z' },
		{ "ns", required_argument, NULL, 'n' },	 { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *zone = NULL, *ns[MAX_NS];
	size_t nns = 0;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'n':
			if (nns == MAX_NS)
				return cli_usage_error("signet dns add-zone", "too many --ns");
			ns[nns++] = optarg;
			break;
		case 'h':
			return cli_help(add_zone_help);
		default:
			return cli_usage_error("signet dns add-zone", "bad option");
		}
	}
	if (!dir || !zone || nns == 0 || optind != argc)
		return cli_usage_error("signet dns add-zone", "--dir, --zone and --ns are required");
	if (sg_dns_add_zone(dir, zone, ns, nns) < 0)
		return cli_lib_error();
	printf("added zone %s\n", zone);
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

static int dns_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },      { "nsec3", no_argument, NULL, '3' },
		{ "validity", required_argument, NULL, 'v' }, { "refresh", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },	      { "threads", required_argument, NULL, 't' },
		{ "now", required_argument, NULL, 'N' },      { "help", no_argument, NULL, 'h' },
		{ "age-identity", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_dns_sign_opts o = { .validity = 30 * 86400, .refresh = 10 * 86400 };
	struct sg_age_identities ids = { 0 };
	const char *idfiles[MAX_RECIPIENTS];
	size_t nidfiles = 0;
	struct sg_buf report = SG_BUF_INIT;
	const char *dir = NULL;
	int c, rc;

	o.now = time(NULL);
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case '3':
			o.nsec3 = 1;
			break;
		case 'v':
			if (parse_duration(optarg, &o.validity) < 0)
				return cli_usage_error("signet dns sign", "bad --validity '%s'", optarg);
			break;
		case 'r':
			if (parse_duration(optarg, &o.refresh) < 0)
				return cli_usage_error("signet dns sign", "bad --refresh '%s'", optarg);
			break;
		case 'f':
			o.force = 1;
			break;
		case 't': {
			unsigned long long v;
			if (cli_parse_uint(optarg, 8, &v) < 0 || v < 1)
				return cli_usage_error("signet dns sign", "--threads is 1..8, not '%s'",
						       optarg);
			o.threads = (int)v;
			break;
		}
		case 'N': /* for tests: pretend it is this Unix time */
			if (parse_now("signet dns sign", optarg, &o.now))
				return CLI_EXIT_USAGE;
			break;
		case 'i':
			if (nidfiles == MAX_RECIPIENTS)
				return cli_usage_error("signet dns sign", "too many --age-identity");
			idfiles[nidfiles++] = optarg;
			break;
		case 'h':
			return cli_help(sign_help);
		default:
			return cli_usage_error("signet dns sign", "bad option");
		}
	}
	if (!dir || optind != argc)
		return cli_usage_error("signet dns sign", "--dir is required");
	for (size_t i = 0; i < nidfiles; i++) {
		struct sg_buf text = SG_BUF_INIT;
		rc = sg_read_file(idfiles[i], &text, 1 << 20);
		if (rc == 0)
			rc = sg_age_identities_parse(&ids, idfiles[i], (const char *)text.data, text.len);
		sg_buf_wipe(&text);
		if (rc < 0) {
			sg_age_identities_free(&ids);
			return cli_lib_error();
		}
	}
	o.ids = &ids;
	rc = sg_dns_sign(dir, &o, &report);
	sg_age_identities_free(&ids);
	if (rc < 0) {
		sg_buf_free(&report);
		return cli_lib_error();
	}
	rc = emit(NULL, &report);
	sg_buf_free(&report);
	return rc;
}

static const char check_help[] =
	"Usage: signet dns check --dir DIR [--refresh DUR]\n"
	"\n"
	"Reports, for every zone, how many signatures its signed file holds and\n"
	"when the first and last expire. Exits 1 when a zone is unsigned, expired\n"
	"or due for re-signing (within --refresh, default 10d).\n";

static int dns_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_buf report = SG_BUF_INIT;
	const char *dir = NULL;
	uint32_t refresh = 10 * 86400;
	time_t now = time(NULL);
	int c, problems = 0, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'r':
			if (parse_duration(optarg, &refresh) < 0)
				return cli_usage_error("signet dns check", "bad --refresh '%s'", optarg);
			break;
		case 'N':
			if (parse_now("signet dns check", optarg, &now))
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			return cli_help(check_help);
		default:
			return cli_usage_error("signet dns check", "bad option");
		}
	}
	if (!dir || optind != argc)
		return cli_usage_error("signet dns check", "--dir is required");
	if (sg_dns_check(dir, now, refresh, &report, &problems) < 0) {
		sg_buf_free(&report);
		return cli_lib_error();
	}
	rc = emit(NULL, &report);
	sg_buf_free(&report);
	if (rc == CLI_EXIT_OK && problems)
		return cli_error("%d zone(s) need signing (run 'signet dns sign --dir %s')", problems,
				 dir);
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
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_buf out = SG_BUF_INIT;
	const char *dir = NULL, *format = "unbound", *output = NULL;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			return cli_help(anchor_help);
		default:
			return cli_usage_error("signet dns anchor", "bad option");
		}
	}
	if (!dir || optind != argc)
		return cli_usage_error("signet dns anchor", "--dir is required");
	if (sg_dns_anchor(dir, format, &out) < 0) {
		sg_buf_free(&out);
		return cli_lib_error();
	}
	rc = emit(output, &out);
	sg_buf_free(&out);
	return rc;
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

static int dns_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "authority", required_argument, NULL, 'a' },
		{ "anchor-file", required_argument, NULL, 'A' },
		{ "auto-anchor", no_argument, NULL, 'U' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_dns_server_opts o = { .listen = "127.0.0.1" };
	struct sg_buf out = SG_BUF_INIT;
	const char *dir = NULL, *output = NULL, *authority = NULL, *anchor = NULL;
	char state[PATH_MAX], anchor_path[PATH_MAX], auth[128];
	int c, rc, unbound;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return argc < 2 ? cli_usage_error("signet dns config", "nsd or unbound?") :
				  cli_help(config_help);
	if (strcmp(argv[1], "nsd") && strcmp(argv[1], "unbound"))
		return cli_usage_error("signet dns config", "unknown server '%s' (nsd, unbound)",
				       argv[1]);
	unbound = !strcmp(argv[1], "unbound");
	state[0] = '\0';
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'p':
			if (parse_port(optarg, &o.port) < 0)
				return cli_usage_error("signet dns config", "bad --port '%s'", optarg);
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 's':
			snprintf(state, sizeof(state), "%s", optarg);
			break;
		case 'a':
			authority = optarg;
			break;
		case 'A':
			anchor = optarg;
			break;
		case 'U':
			o.auto_anchor = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			return cli_help(config_help);
		default:
			return cli_usage_error("signet dns config", "bad option");
		}
	}
	if (!dir || !o.port || optind != argc - 1)
		return cli_usage_error("signet dns config", "--dir and --port are required");
	if (unbound) {
		char *at;
		if (!authority || strlen(authority) >= sizeof(auth) || !(at = strrchr(authority, '@')))
			return cli_usage_error("signet dns config", "--authority ADDR@PORT is required");
		snprintf(auth, sizeof(auth), "%s", authority);
		at = strrchr(auth, '@');
		*at = '\0';
		if (parse_port(at + 1, &o.auth_port) < 0)
			return cli_usage_error("signet dns config", "bad port in --authority");
		o.auth_addr = auth;
	}
	if (!state[0])
		snprintf(state, sizeof(state), "%s/run", dir);
	if (mkdir(state, 0755) < 0 && access(state, F_OK) != 0)
		return cli_error("%s: cannot create the state directory", state);
	o.state = state;
	if (unbound) {
		char abs[PATH_MAX];
		/* The anchor file first, so the configuration never names a
		 * file that is not there; the default one, in DIR, through
		 * DIR's transaction. */
		if (sg_dns_anchor_save(dir, anchor) < 0)
			return cli_lib_error();
		if (!anchor) {
			snprintf(anchor_path, sizeof(anchor_path), "%s/" SG_DNS_ANCHOR_FILE, dir);
			anchor = anchor_path;
		}
		if (!realpath(anchor, abs))
			return cli_error("%s: cannot resolve path", anchor);
		o.anchor = abs;
		rc = sg_dns_unbound_conf(dir, &o, &out);
	} else {
		rc = sg_dns_nsd_conf(dir, &o, &out);
	}
	if (rc < 0) {
		sg_buf_free(&out);
		return cli_lib_error();
	}
	rc = emit(output, &out);
	sg_buf_free(&out);
	return rc;
}

static const char records_help[] =
	"Usage: signet dns records sshfp --host HOST KEYFILE...\n"
	"       signet dns records tlsa --host HOST --port N [--proto tcp|udp] CERT\n"
	"\n"
	"sshfp: SSHFP records (SHA-1 and SHA-256) for OpenSSH public keys, as\n"
	"'ssh-keygen -r HOST' prints them.\n"
	"tlsa: the DANE-EE TLSA record 3 1 1 (SHA-256 of the SubjectPublicKeyInfo)\n"
	"of a PEM or DER certificate, for _N._PROTO.HOST.\n";

static int dns_records(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "proto", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_buf out = SG_BUF_INIT;
	const char *host = NULL, *proto = "tcp";
	unsigned port = 0;
	int c, rc = 0, tlsa;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return argc < 2 ? cli_usage_error("signet dns records", "sshfp or tlsa?") :
				  cli_help(records_help);
	if (strcmp(argv[1], "sshfp") && strcmp(argv[1], "tlsa"))
		return cli_usage_error("signet dns records", "unknown record '%s' (sshfp, tlsa)",
				       argv[1]);
	tlsa = !strcmp(argv[1], "tlsa");
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			host = optarg;
			break;
		case 'p':
			if (parse_port(optarg, &port) < 0)
				return cli_usage_error("signet dns records", "bad --port '%s'", optarg);
			break;
		case 'P':
			if (strcmp(optarg, "tcp") && strcmp(optarg, "udp") && strcmp(optarg, "sctp"))
				return cli_usage_error("signet dns records", "bad --proto '%s'", optarg);
			proto = optarg;
			break;
		case 'h':
			return cli_help(records_help);
		default:
			return cli_usage_error("signet dns records", "bad option");
		}
	}
	argc--;
	argv++;
	if (!host || optind >= argc || (tlsa && (!port || optind != argc - 1)))
		return cli_usage_error("signet dns records",
				       tlsa ? "--host, --port and one CERT are required" :
					      "--host and a KEYFILE are required");
	for (int i = optind; rc == 0 && i < argc; i++) {
		struct sg_buf in = SG_BUF_INIT;
		rc = sg_read_file(argv[i], &in, 1 << 20);
		if (rc == 0)
			rc = tlsa ? sg_dns_tlsa(host, port, proto, in.data, in.len, argv[i], &out) :
				    sg_dns_sshfp(host, (const char *)in.data, in.len, argv[i], &out);
		sg_buf_free(&in);
	}
	if (rc < 0) {
		sg_buf_free(&out);
		return cli_lib_error();
	}
	rc = emit(NULL, &out);
	sg_buf_free(&out);
	return rc;
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
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "zone", required_argument, NULL, 'z' },
		{ "force", no_argument, NULL, 'f' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const steps[] = { "start", "status", "revoke", "finish" };
	struct sg_buf out = SG_BUF_INIT;
	const char *dir = NULL, *zone = ".";
	time_t now = time(NULL);
	int c, rc, force = 0, step = -1;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return argc < 2 ? cli_usage_error("signet dns rollover", "which step?") :
				  cli_help(rollover_help);
	for (int i = 0; i < 4; i++)
		if (!strcmp(argv[1], steps[i]))
			step = i;
	if (step < 0)
		return cli_usage_error("signet dns rollover", "unknown step '%s'", argv[1]);
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'N':
			if (parse_now("signet dns rollover", optarg, &now))
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			return cli_help(rollover_help);
		default:
			return cli_usage_error("signet dns rollover", "bad option");
		}
	}
	if (!dir || optind != argc - 1)
		return cli_usage_error("signet dns rollover", "--dir is required");
	if (sg_dns_rollover(dir, zone, (enum sg_dns_roll_step)step, now, force, &out) < 0) {
		sg_buf_free(&out);
		return cli_lib_error();
	}
	rc = emit(NULL, &out);
	sg_buf_free(&out);
	return rc;
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
