/* dnsanchor.h: the root anchor in every format, byte for byte, from a
 * directory whose dns.conf and DNSKEY files are written here (the keys
 * made once by ldns-keygen; the DS digests are ldns-key2ds -2's, the
 * revoked key's published tag that of its record with flags 385).
 * Active and published root KSKs are the anchor; revoked and removed
 * ones only in the XML, with a validUntil; ZSKs and other zones' keys
 * are never read (their files do not exist). Reading through a
 * transaction sees what it staged. Then the NSD and Unbound configs
 * exactly, and their refusals. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "dnsanchor.h"
#include "dnsconf.h"
#include "err.h"
#include "txn.h"

#define K1 \
	"2VK9hcjtwxW1yssCiByxjvC0BtLlGyZSJ+rg4vigmv/UhhclPjiD4IvBWnYYU6dBlF/06OJXZsulbFOIowDUHg=="
#define K2 "jpuWYkxm9HUbQ4ikgNJ1WbSyPbhJo2d1mY/JXIg+Vho="
#define K3 \
	"b8+OrzPAih7XXiaTIrBahdsp7XQqivYuJ/opLR3yaN5J/HRyZIeqAfmKG2SqLwNj0VFxY7OsMg29w/SlMj7qNg=="
#define K4 "cMOKo1LtNaBOhUHBvKajNMnCLu8vnDSndOnwIBqih1o="
#define D1 "F5BD5280A3BEC755DCBFDF1C93167C95D07FAAE61F0EE0551E6A1F6D7CBD6332"
#define D2 "75B42169F95F49402B5EE4F40062B2FA6E7CF4B01E8BFCC4FA2A1FBA599329F6"
#define D3 "02FA3D94FF3E8C14D44F1854DFDBEC9AF97332EA46762C0308337491D4B7D096"
#define D4 "18083774A08F805927B5485227C53F071CE68F76C16D100B7A612629932FEA88"

static const struct {
	const char *rel, *text;
} keyfiles[] = {
	{ "keys/K.+013+05847.key",
	  ".\tIN\tDNSKEY\t257 3 13 " K1 " ;{id = 5847 (ksk), size = 256b}\n" },
	{ "keys/K.+015+59590.key",
	  ".\tIN\tDNSKEY\t257 3 15 " K2 " ;{id = 59590 (ksk), size = 256b}\n" },
	{ "keys/K.+013+33706.key",
	  ".\tIN\tDNSKEY\t257 3 13 " K3 " ;{id = 33706 (ksk), size = 256b}\n" },
	{ "keys/K.+015+56354.key", ".\tIN\tDNSKEY\t257 3 15 " K4 "\n" },
	/* 11111 holds key 5847's record; 22222 and 33333 are not records (the
 * line number counts a last line without a newline too). */
	{ "keys/K.+013+11111.key", ".\tIN\tDNSKEY\t257 3 13 " K1 "\n" },
	{ "keys/K.+013+22222.key", "; comment\n\ngarbage\n" },
	{ "keys/K.+013+33333.key", "garbage" },
};

#define HEAD "signet-dns 1\nzone .\nns . ns.root. 127.0.0.1\n"
/* Every state; a root ZSK and another zone's KSK whose files are absent. */
#define ALL                                              \
	HEAD "zone example.org.\n"                       \
	     "key . 13 257 5847 active 1700000000\n"     \
	     "key . 13 256 4444 active 1700000000\n"     \
	     "key . 15 257 59590 published 1700086400\n" \
	     "key . 13 257 33706 revoked 1700172800\n"   \
	     "key example.org. 13 257 7777 active 1\n"   \
	     "key . 15 257 56354 removed 1700259200\n"

#define UNBOUND_HEAD \
	"; DNSSEC trust anchor of the private root (signet)\n; for unbound's trust-anchor-file\n"
#define UNBOUND \
	UNBOUND_HEAD ".\t86400\tIN\tDS\t5847 13 2 " D1 "\n.\t86400\tIN\tDS\t59590 15 2 " D2 "\n"
#define BIND_HEAD "# DNSSEC trust anchor of the private root (signet)\ntrust-anchors {\n"
#define XML_KEY(id, tag, alg, from, d, k)                                                    \
	"<KeyDigest id=\"K" #id "\" validFrom=\"" from "\">\n<KeyTag>" #tag                  \
	"</KeyTag>\n<Algorithm>" #alg "</Algorithm>\n<DigestType>2</DigestType>\n<Digest>" d \
	"</Digest>\n<PublicKey>" k "</PublicKey>\n<Flags>257</Flags>\n</KeyDigest>\n"
#define XML_RETIRED(tag, alg, until, d, k)                                                        \
	"<KeyDigest id=\"K" #tag "\" validFrom=\"1970-01-01T00:00:00+00:00\" validUntil=\"" until \
	"\">\n<KeyTag>" #tag "</KeyTag>\n<Algorithm>" #alg                                        \
	"</Algorithm>\n<DigestType>2</DigestType>\n<Digest>" d "</Digest>\n<PublicKey>" k         \
	"</PublicKey>\n<Flags>257</Flags>\n</KeyDigest>\n"
/* The id: SHA-256 of "DIGEST/STATE;" for each key in order (Python). */
#define XML_HEAD(id)                                                        \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TrustAnchor id=\"" id \
	"\" source=\"signet dns anchor\">\n<Zone>.</Zone>\n"

static const struct {
	const char *conf, *format;
	const char *out; /* NULL: refused with msg, "%s" the directory */
	const char *msg;
} cases[] = {
	{ ALL, "unbound", UNBOUND, NULL },
	{ ALL, "ds", ". IN DS 5847 13 2 " D1 "\n. IN DS 59590 15 2 " D2 "\n", NULL },
	{ ALL, "resolved",
	  "; DNSSEC trust anchor of the private root (signet)\n"
	  "; for /etc/dnssec-trust-anchors.d/root.positive\n"
	  ". IN DS 5847 13 2 " D1 "\n. IN DS 59590 15 2 " D2 "\n",
	  NULL },
	{ ALL, "bind",
	  BIND_HEAD "\t. initial-key 257 3 13 \"" K1 "\";\n\t. initial-key 257 3 15 \"" K2 "\";\n};\n",
	  NULL },
	{ ALL, "bind-static",
	  BIND_HEAD "\t. static-ds 5847 13 2 \"" D1 "\";\n\t. static-ds 59590 15 2 \"" D2 "\";\n};\n",
	  NULL },
	{ ALL, "xml",
	  XML_HEAD("06BDFA6D-74A1-D8FF-919C-7093EEEC80BB")
		  XML_KEY(05847, 5847, 13, "2023-11-14T22:13:20+00:00", D1, K1)
			  XML_KEY(59590, 59590, 15, "2023-11-15T22:13:20+00:00", D2, K2)
				  XML_RETIRED(33706, 13, "2023-11-16T22:13:20+00:00", D3, K3)
					  XML_RETIRED(56354, 15, "2023-11-17T22:13:20+00:00", D4,
						      K4) "</TrustAnchor>\n",
	  NULL },
	/* The revoked key alone: no anchor, but still in the XML. */
	{ HEAD "key . 13 257 33706 revoked 1700172800\n", "ds", NULL,
	  "%s/dns.conf: the root has no active key-signing key" },
	{ HEAD "key . 13 257 33706 revoked 1700172800\n", "xml",
	  XML_HEAD("3122C493-B2B4-E49B-A1EB-EAEEB685C0F7")
		  XML_RETIRED(33706, 13, "2023-11-16T22:13:20+00:00", D3, K3) "</TrustAnchor>\n",
	  NULL },
	{ HEAD, "unbound", NULL, "%s/dns.conf: the root has no active key-signing key" },
	{ HEAD "zone a.\nkey a. 13 257 5847 active 1\nkey . 13 256 5847 active 1\n", "unbound",
	  NULL, "%s/dns.conf: the root has no active key-signing key" },
	{ ALL, "json", NULL,
	  "unknown anchor format 'json' (unbound, bind, bind-static, ds, xml, resolved)" },
	{ ALL, "", NULL, "unknown anchor format '' (unbound, bind, bind-static, ds, xml, resolved)" },
	{ ALL, "UNBOUND", NULL,
	  "unknown anchor format 'UNBOUND' (unbound, bind, bind-static, ds, xml, resolved)" },
	{ HEAD "key . 13 257 1234 active 1\n", "ds", NULL, "%s/keys/K.+013+01234.key: missing key" },
	{ HEAD "key . 13 257 11111 published 1\n", "ds", NULL,
	  "%s/keys/K.+013+11111.key: not the DNSKEY of key 11111 (flags 257, algorithm 13)" },
	/* The right file, the wrong algorithm in dns.conf: the name differs. */
	{ HEAD "key . 15 257 5847 active 1\n", "ds", NULL, "%s/keys/K.+015+05847.key: missing key" },
	{ HEAD "key . 13 257 22222 active 1\n", "ds", NULL,
	  "%s/keys/K.+013+22222.key:3: Syntax error, could not parse the RR's TTL" },
	{ HEAD "key . 13 257 33333 active 1\n", "ds", NULL,
	  "%s/keys/K.+013+33333.key:1: Syntax error, could not parse the RR's TTL" },
	{ HEAD "key . 13 257 56354 active 1\n", "ds", NULL, "%s/keys/K.+013+56354.key: missing key" },
};

static char dir[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* msg with its "%s", if any, replaced by the directory. */
static void subst(char *out, size_t cap, const char *msg)
{
	const char *p = strstr(msg, "%s");

	if (p)
		snprintf(out, cap, "%.*s%s%s", (int)(p - msg), msg, dir, p + 2);
	else
		snprintf(out, cap, "%s", msg);
}

static int same(const struct sg_buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

static void anchors(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sg_buf out = SG_BUF_INIT;
		char msg[512];
		int rc;

		put("dns.conf", cases[i].conf);
		sg_errclear();
		rc = sg_dns_anchor(dir, cases[i].format, &out);
		if (cases[i].out) {
			CHECK(rc == 0);
			CHECK(same(&out, cases[i].out));
			if (!same(&out, cases[i].out))
				fprintf(stderr, "  case %zu: %.*s\n", i, (int)out.len, out.data);
		} else {
			subst(msg, sizeof(msg), cases[i].msg);
			CHECK(rc == -1);
			CHECK_STR(sg_errmsg(), msg);
			if (strcmp(sg_errmsg(), msg))
				fprintf(stderr, "  case %zu: %s\n", i, sg_errmsg());
		}
		sg_buf_free(&out);
	}
}

/* A transaction's staged key file is read through it; the disk's is not
 * changed, so without the transaction the key is missing. */
static void through_txn(void)
{
	struct sg_txn t = { .lock = -1 };
	struct sg_dnsconf c;
	struct sg_buf out = SG_BUF_INIT;
	static const char conf[] = HEAD "key . 13 257 33706 active 1\n";
	static const char k3[] = ".\tIN\tDNSKEY\t257 3 13 " K3 "\n";
	char msg[256];

	put("dns.conf", conf);
	snprintf(msg, sizeof(msg), "%s/keys/K.+013+33706.key", dir);
	CHECK(unlink(msg) == 0);
	CHECK(sg_dnsconf_parse(&c, "dns.conf", conf, strlen(conf)) == 0);
	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_txn_write(&t, "keys/K.+013+33706.key", k3, strlen(k3), 0644) == 0);
	CHECK(sg_dns_anchor_text(&t, dir, &c, "ds", &out) == 0);
	CHECK(same(&out, ". IN DS 33706 13 2 " D3 "\n"));
	sg_buf_free(&out);
	sg_errclear();
	CHECK(sg_dns_anchor_text(NULL, dir, &c, "ds", &out) == -1);
	snprintf(msg, sizeof(msg), "%s/keys/K.+013+33706.key: missing key", dir);
	CHECK_STR(sg_errmsg(), msg);
	CHECK(out.len == 0);
	sg_txn_end(&t);
	sg_dnsconf_free(&c);
	put(keyfiles[2].rel, keyfiles[2].text);
}

static void check_file(const char *path, const char *text, mode_t mode)
{
	struct stat st;
	char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	CHECK(f != NULL);
	if (f) {
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
	}
	CHECK(n == strlen(text) && memcmp(buf, text, n) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == mode);
}

static void save(void)
{
	char path[256];

	put("dns.conf", ALL);
	snprintf(path, sizeof(path), "%s/out.anchor", dir);
	CHECK(sg_dns_anchor_save(dir, path) == 0);
	check_file(path, UNBOUND, 0644);
	CHECK(unlink(path) == 0);
	CHECK(sg_dns_anchor_save(dir, NULL) == 0);
	snprintf(path, sizeof(path), "%s/" SG_DNS_ANCHOR_FILE, dir);
	check_file(path, UNBOUND, 0644);
	/* A failure writes nothing. */
	CHECK(unlink(path) == 0);
	put("dns.conf", HEAD);
	CHECK(sg_dns_anchor_save(dir, NULL) == -1);
	CHECK(access(path, F_OK) == -1 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/out.anchor", dir);
	CHECK(sg_dns_anchor_save(dir, path) == -1);
	CHECK(access(path, F_OK) == -1 && errno == ENOENT);
}

#define NSD                                                                                 \
	"# NSD: authoritative for the private root and its zones (signet).\n"               \
	"# Run: nsd -d -c THIS_FILE\nserver:\n\tip-address: 127.0.0.2@5353\n\tport: 5353\n" \
	"\tusername: \"\"\n\tchroot: \"\"\n\tzonesdir: \"%s/signed\"\n\tdatabase: \"\"\n"   \
	"\tzonelistfile: \"%s/nsd-zone.list\"\n\txfrdfile: \"%s/nsd-xfrd.state\"\n"         \
	"\txfrdir: \"%s\"\n\tpidfile: \"%s/nsd.pid\"\n\thide-version: yes\n"                \
	"\trefuse-any: yes\n\tverbosity: 1\n\nremote-control:\n\tcontrol-enable: no\n"      \
	"\nzone:\n\tname: \".\"\n\tzonefile: \"root.signed\"\n"                             \
	"\nzone:\n\tname: \"example.org.\"\n\tzonefile: \"example.org.signed\"\n"           \
	"\nzone:\n\tname: \"b.test.\"\n\tzonefile: \"b.test.signed\"\n"
#define UNBOUND_CONF                                                                        \
	"# Unbound: validating resolver trusting only the private root (signet).\n"         \
	"# No root hints are used and no IANA anchor is configured: every\n"                \
	"# query goes to the stub zones below. Run: unbound -d -c THIS_FILE\n"              \
	"server:\n\tinterface: %s\n\tport: 53\n\taccess-control: 127.0.0.0/8 allow\n"       \
	"\taccess-control: ::1/128 allow\n\tdo-ip6: %s\n\tusername: \"\"\n\tchroot: \"\"\n" \
	"\tdirectory: \"%s\"\n\tpidfile: \"%s/unbound.pid\"\n\tuse-syslog: no\n"            \
	"\tlogfile: \"\"\n\tverbosity: 1\n\tmodule-config: \"validator iterator\"\n"        \
	"\t%s: \"/etc/a.anchor\"\n\tdo-not-query-localhost: no\n\tharden-glue: yes\n"       \
	"\tharden-dnssec-stripped: yes\n\tharden-below-nxdomain: yes\n"                     \
	"\tharden-algo-downgrade: yes\n\tval-clean-additional: yes\n"                       \
	"\tval-permissive-mode: no\n\tval-log-level: 2\n\taggressive-nsec: yes\n"           \
	"\tqname-minimisation: yes\n\nremote-control:\n\tcontrol-enable: no\n"              \
	"\nstub-zone:\n\tname: \".\"\n\tstub-addr: 127.0.0.2@5353\n"                        \
	"\nstub-zone:\n\tname: \"example.org.\"\n\tstub-addr: 192.0.2.1@5300\n"             \
	"\tstub-addr: 2001:db8::1@53\n"                                                     \
	"\nstub-zone:\n\tname: \"b.test.\"\n\tstub-addr: 127.0.0.2@5353\n"

static void configs(void)
{
	char adir[PATH_MAX], state[300], astate[PATH_MAX], bad[300], want[6 * PATH_MAX];
	struct sg_buf out = SG_BUF_INIT;
	struct sg_dns_server_opts o = { .port = 5353,
					.listen = "127.0.0.2",
					.auth_addr = "127.0.0.2",
					.auth_port = 5353,
					.anchor = "/etc/a.anchor" };

	put("dns.conf", HEAD "zone example.org.\nzone b.test.\n"
			     "ns example.org. ns1.example.org. 192.0.2.1 5300\n"
			     "ns example.org. ns2.example.org. 192.0.2.2\n"
			     "ns example.org. ns3.example.org.\n"
			     "ns example.org. ns4.example.org. 2001:db8::1 53\n"
			     "ns b.test. ns.b.test. 192.0.2.9\n");
	snprintf(state, sizeof(state), "%s/st", dir);
	CHECK(mkdir(state, 0700) == 0);
	CHECK(realpath(dir, adir) != NULL && realpath(state, astate) != NULL);
	/* Relative paths are written absolute. */
	CHECK(chdir(dir) == 0);
	o.state = "st";
	CHECK(sg_dns_nsd_conf(".", &o, &out) == 0);
	snprintf(want, sizeof(want), NSD, adir, astate, astate, astate, astate);
	CHECK(same(&out, want));
	sg_buf_free(&out);

	o.port = 53;
	o.listen = "::1";
	CHECK(sg_dns_unbound_conf(".", &o, &out) == 0);
	snprintf(want, sizeof(want), UNBOUND_CONF, "::1", "yes", astate, astate, "trust-anchor-file");
	CHECK(same(&out, want));
	if (!same(&out, want))
		fprintf(stderr, "%.*s\n", (int)out.len, out.data);
	sg_buf_free(&out);
	o.listen = "127.0.0.1";
	o.auto_anchor = 1;
	CHECK(sg_dns_unbound_conf(".", &o, &out) == 0);
	snprintf(want, sizeof(want), UNBOUND_CONF, "127.0.0.1", "no", astate, astate,
		 "auto-trust-anchor-file");
	CHECK(same(&out, want));
	sg_buf_free(&out);

	/* Refusals, each with nothing appended. */
	static const char *const anchors_bad[][2] = {
		{ "a.anchor", "anchor file 'a.anchor' must be an absolute path" },
		{ "/a\"b", "anchor file '/a\"b': quotes and newlines cannot be written to a config" },
		{ "/a\nb", "anchor file '/a\nb': quotes and newlines cannot be written to a config" },
		{ "/a\rb", "anchor file '/a\rb': quotes and newlines cannot be written to a config" },
	};
	for (size_t i = 0; i < sizeof(anchors_bad) / sizeof(anchors_bad[0]); i++) {
		o.anchor = anchors_bad[i][0];
		sg_errclear();
		CHECK(sg_dns_unbound_conf(".", &o, &out) == -1);
		CHECK_STR(sg_errmsg(), anchors_bad[i][1]);
		CHECK(out.len == 0);
		sg_buf_free(&out);
	}
	o.anchor = "/etc/a.anchor";
	snprintf(bad, sizeof(bad), "%s/q\"uote", dir);
	CHECK(mkdir(bad, 0700) == 0);
	o.state = "q\"uote";
	snprintf(want, sizeof(want),
		 "directory '%s/q\"uote': quotes and newlines cannot be written to a config", adir);
	sg_errclear();
	CHECK(sg_dns_nsd_conf(".", &o, &out) == -1);
	CHECK_STR(sg_errmsg(), want);
	sg_errclear();
	CHECK(sg_dns_unbound_conf(".", &o, &out) == -1);
	CHECK_STR(sg_errmsg(), want);
	CHECK(rmdir(bad) == 0);
	o.state = "missing";
	sg_errclear();
	CHECK(sg_dns_nsd_conf(".", &o, &out) == -1);
	CHECK_STR(sg_errmsg(), "missing: No such file or directory");
	o.state = "st";
	sg_errclear();
	CHECK(sg_dns_nsd_conf("nodir", &o, &out) == -1);
	CHECK_STR(sg_errmsg(), "nodir: No such file or directory");
	CHECK(out.len == 0);
	CHECK(chdir("/") == 0);
	CHECK(rmdir(state) == 0);
}

int main(void)
{
	char path[256];

	strcpy(dir, "/tmp/test_dnsanchor.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/keys", dir);
	CHECK(mkdir(path, 0700) == 0);
	for (size_t i = 0; i < sizeof(keyfiles) / sizeof(keyfiles[0]); i++)
		put(keyfiles[i].rel, keyfiles[i].text);
	anchors();
	through_txn();
	save();
	configs();
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	return check_done();
}
