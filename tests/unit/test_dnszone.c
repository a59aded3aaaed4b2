/* test_dnszone - name server specs as a table (name canonicalised,
 * address and port, each refusal's message); then a tiny DNS directory
 * (the root and example., Ed25519) signed at a fixed time on one thread:
 * the report lines, the signed files' header (input hash, expiry, serial
 * = the signing time), the records signing adds (DNSKEY, RRSIG, NSEC or
 * NSEC3, the root's NS, glue and DS of example.), the up-to-date skip,
 * the check report (ok, the refresh window's edge, expired), and each refusal of a zone file with its exact
 * message, leaving the signed files as they were; last, an RFC 5011
 * rollover of example.'s KSK at fixed times (rollover()). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dnszone.h"
#include "err.h"
#include "fileio.h"

#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY 86400

static const struct {
	const char *spec;
	const char *name, *addr;
	unsigned port;
	const char *err; /* NULL: accepted */
} ns_cases[] = {
	{ "ns1.example", "ns1.example.", "", 0, NULL },
	{ "NS1.Example.", "ns1.example.", "", 0, NULL },
	{ "ns1.example=192.0.2.1", "ns1.example.", "192.0.2.1", 0, NULL },
	{ "ns1.example=192.0.2.1@53", "ns1.example.", "192.0.2.1", 53, NULL },
	{ "ns1.example=192.0.2.1@1", "ns1.example.", "192.0.2.1", 1, NULL },
	{ "ns1.example=192.0.2.1@65535", "ns1.example.", "192.0.2.1", 65535, NULL },
	{ "ns1.example=2001:db8::1", "ns1.example.", "2001:db8::1", 0, NULL },
	{ "ns1.example=2001:db8::1@5353", "ns1.example.", "2001:db8::1", 5353, NULL },
	{ "ns1.example=192.0.2.1@0", NULL, NULL, 0,
	  "name server 'ns1.example=192.0.2.1@0': bad port '0'" },
	{ "ns1.example=192.0.2.1@65536", NULL, NULL, 0,
	  "name server 'ns1.example=192.0.2.1@65536': bad port '65536'" },
	{ "ns1.example=192.0.2.1@", NULL, NULL, 0,
	  "name server 'ns1.example=192.0.2.1@': bad port ''" },
	{ "ns1.example=192.0.2.1@53x", NULL, NULL, 0,
	  "name server 'ns1.example=192.0.2.1@53x': bad port '53x'" },
	{ "ns1.example=192.0.2.1@99999999999999999999", NULL, NULL, 0,
	  "name server 'ns1.example=192.0.2.1@99999999999999999999': bad port "
	  "'99999999999999999999'" },
	{ "ns1.example=", NULL, NULL, 0, "name server 'ns1.example=': '' is not an IP address" },
	{ "ns1.example=192.0.2", NULL, NULL, 0,
	  "name server 'ns1.example=192.0.2': '192.0.2' is not an IP address" },
	{ "ns1.example=ns2.example", NULL, NULL, 0,
	  "name server 'ns1.example=ns2.example': 'ns2.example' is not an IP address" },
	{ ".", NULL, NULL, 0, "name server '.': the root is not a host name" },
	{ ".=192.0.2.1", NULL, NULL, 0, "name server '.=192.0.2.1': the root is not a host name" },
	{ "", NULL, NULL, 0, "name server: '': not a valid domain name (length)" },
	{ "=192.0.2.1", NULL, NULL, 0, "name server: '': not a valid domain name (length)" },
	{ "ns1..example", NULL, NULL, 0,
	  "name server: 'ns1..example': not a valid domain name (empty label)" },
	{ "ns 1.example", NULL, NULL, 0,
	  "name server: 'ns 1.example': not a valid domain name (character 0x20)" },
	{ "ns1.example@53", NULL, NULL, 0,
	  "name server: 'ns1.example@53': not a valid domain name (character 0x40)" },
};

static char dir[] = "/tmp/signet-test-dnszone-XXXXXX";

static int msg_is(const char *want)
{
	if (strcmp(sg_errmsg(), want) != 0) {
		fprintf(stderr, "  got:  %s\n  want: %s\n", sg_errmsg(), want);
		return 0;
	}
	return 1;
}

static void read_into(const char *path, struct sg_buf *b)
{
	sg_buf_free(b);
	if (sg_read_file(path, b, 1 << 22) < 0)
		sg_buf_free(b);
	CHECK(sg_buf_append_byte(b, '\0') == 0);
	b->len--;
}

/* The number of lines of text with a record of type (" IN\tTYPE\t") owned by owner. */
static int count(const struct sg_buf *text, const char *owner, const char *type)
{
	char want[128];
	int n = 0;
	size_t ol = strlen(owner);

	snprintf(want, sizeof(want), "\tIN\t%s\t", type);
	for (const char *l = (const char *)text->data; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *hit = memmem(l, len, want, strlen(want));

		if (hit && strncmp(l, owner, ol) == 0 && (l[ol] == '\t' || l[ol] == ' '))
			n++;
		l = nl ? nl + 1 : NULL;
	}
	return n;
}

static int sign(const struct sg_dns_sign_opts *o, struct sg_buf *report)
{
	sg_buf_free(report);
	sg_errclear();
	return sg_dns_sign(dir, o, report);
}

/* sg_dns_rollover(dir, zone, step, now, force, report) with a fresh
 * report and error; the report is NUL-terminated. */
static int roll(const char *zone, enum sg_dns_roll_step step, time_t now, int force,
		struct sg_buf *report)
{
	int rc;

	sg_buf_free(report);
	sg_errclear();
	rc = sg_dns_rollover(dir, zone, step, now, force, report);
	CHECK(sg_buf_append_byte(report, '\0') == 0);
	report->len--;
	return rc;
}

static int report_is(const struct sg_buf *report, const char *want)
{
	if (strcmp((const char *)report->data, want) != 0) {
		fprintf(stderr, "  got:  %s\n  want: %s\n", (const char *)report->data, want);
		return 0;
	}
	return 1;
}

/* The lines of text with a DNSKEY of these flags ("257 3 15 ..."). */
static int dnskeys_with_flags(const struct sg_buf *text, unsigned flags)
{
	char want[32];
	int n = 0;

	snprintf(want, sizeof(want), "\tDNSKEY\t%u ", flags);
	for (const char *l = (const char *)text->data; (l = strstr(l, want)); l++)
		n++;
	return n;
}

/* An RFC 5011 rollover of example.'s KSK at fixed times: status, each
 * step refused out of order or inside the hold-down (dns.conf untouched)
 * with its message, then start, revoke and finish with their reports, the
 * signed zone's DNSKEY set at each stage (the new key beside the old, the
 * old one with the REVOKE bit, then gone). */
static void rollover(const struct sg_dns_sign_opts *o, struct sg_buf *report, struct sg_buf *b,
		     const char *epath)
{
	struct sg_dns_sign_opts at = *o;
	struct sg_buf conf = SG_BUF_INIT;
	char want[512], cpath[4200];
	unsigned old_tag = 0, new_tag = 0;
	time_t t0 = NOW + DAY;

	snprintf(cpath, sizeof(cpath), "%s/dns.conf", dir);
	CHECK(roll("example", SG_DNS_ROLL_STATUS, t0, 0, report) == 0);
	CHECK(sscanf((const char *)report->data, "example.: active KSK %u\n", &old_tag) == 1);
	snprintf(want, sizeof(want), "example.: active KSK %u\nexample.: no rollover in progress\n",
		 old_tag);
	CHECK(report_is(report, want));

	/* out of order, or no such zone: refused, dns.conf as it was */
	read_into(cpath, &conf);
	CHECK(roll("example", SG_DNS_ROLL_REVOKE, t0, 1, report) < 0 &&
	      msg_is("example.: no new KSK published (run rollover start first)"));
	CHECK(roll("example", SG_DNS_ROLL_FINISH, t0, 1, report) < 0 &&
	      msg_is("example.: no revoked KSK to remove"));
	snprintf(want, sizeof(want), "%s/dns.conf: no zone other.", dir);
	CHECK(roll("other", SG_DNS_ROLL_START, t0, 0, report) < 0 && msg_is(want));
	CHECK(roll("exa mple", SG_DNS_ROLL_START, t0, 0, report) < 0 &&
	      strncmp(sg_errmsg(), "--zone: ", 8) == 0);
	read_into(cpath, b);
	CHECK(b->len == conf.len && memcmp(b->data, conf.data, b->len) == 0);

	/* start: a new KSK beside the old one */
	CHECK(roll("example", SG_DNS_ROLL_START, t0, 0, report) == 0);
	CHECK(sscanf((const char *)report->data, "example.: new KSK %u", &new_tag) == 1);
	CHECK(new_tag != old_tag);
	snprintf(want, sizeof(want),
		 "example.: new KSK %u published beside KSK %u; sign, then revoke after the "
		 "30-day hold-down\n",
		 new_tag, old_tag);
	CHECK(report_is(report, want));
	CHECK(roll("example", SG_DNS_ROLL_START, t0, 0, report) < 0 &&
	      msg_is("example.: a rollover is already in progress (see rollover status)"));
	at.now = t0;
	CHECK(sign(&at, report) == 0);
	read_into(epath, b);
	CHECK(dnskeys_with_flags(b, 257) == 2 && dnskeys_with_flags(b, 256) == 1 &&
	      dnskeys_with_flags(b, 385) == 0);

	/* the hold-down: 30 days from start, to the second */
	CHECK(roll("example", SG_DNS_ROLL_STATUS, t0 + 10 * DAY + 3600, 0, report) == 0);
	snprintf(want, sizeof(want),
		 "example.: active KSK %u\nexample.: new KSK %u published; in its RFC 5011 "
		 "hold-down (revoke the old key 19 days 23 h)\n",
		 old_tag, new_tag);
	CHECK(report_is(report, want));
	read_into(cpath, &conf);
	snprintf(want, sizeof(want),
		 "example.: KSK %u is still in its RFC 5011 hold-down for 0 days 0 h (--force to "
		 "override)",
		 new_tag);
	CHECK(roll("example", SG_DNS_ROLL_REVOKE, t0 + 30 * DAY - 1, 0, report) < 0 && msg_is(want));
	read_into(cpath, b);
	CHECK(b->len == conf.len && memcmp(b->data, conf.data, b->len) == 0);
	CHECK(roll("example", SG_DNS_ROLL_STATUS, t0 + 30 * DAY, 0, report) == 0);
	snprintf(want, sizeof(want),
		 "example.: active KSK %u\nexample.: new KSK %u published; hold-down over (revoke "
		 "the old key now)\n",
		 old_tag, new_tag);
	CHECK(report_is(report, want));

	/* revoke: the old key signs the set with the REVOKE bit */
	CHECK(roll("example", SG_DNS_ROLL_REVOKE, t0 + 30 * DAY, 0, report) == 0);
	snprintf(want, sizeof(want), "example.: KSK %u revoked, KSK %u active; sign now\n", old_tag,
		 new_tag);
	CHECK(report_is(report, want));
	at.now = t0 + 30 * DAY;
	CHECK(sign(&at, report) == 0);
	read_into(epath, b);
	CHECK(dnskeys_with_flags(b, 257) == 1 && dnskeys_with_flags(b, 385) == 1);
	CHECK(roll("example", SG_DNS_ROLL_STATUS, t0 + 30 * DAY, 0, report) == 0);
	snprintf(want, sizeof(want),
		 "example.: active KSK %u\nexample.: KSK %u revoked; remove it in 30 days 0 h\n",
		 new_tag, old_tag);
	CHECK(report_is(report, want));

	/* finish: refused a day early, forced, then the old key is gone */
	snprintf(want, sizeof(want),
		 "example.: keep revoked KSK %u published for 1 days 0 h more (--force to override)",
		 old_tag);
	CHECK(roll("example", SG_DNS_ROLL_FINISH, t0 + 59 * DAY, 0, report) < 0 && msg_is(want));
	CHECK(roll("example", SG_DNS_ROLL_FINISH, t0 + 59 * DAY, 1, report) == 0);
	snprintf(want, sizeof(want), "example.: KSK %u removed from the zone; sign now\n", old_tag);
	CHECK(report_is(report, want));
	at.now = t0 + 59 * DAY;
	CHECK(sign(&at, report) == 0);
	read_into(epath, b);
	CHECK(dnskeys_with_flags(b, 257) == 1 && dnskeys_with_flags(b, 385) == 0 &&
	      dnskeys_with_flags(b, 256) == 1);
	CHECK(roll("example", SG_DNS_ROLL_STATUS, t0 + 59 * DAY, 0, report) == 0);
	snprintf(want, sizeof(want), "example.: active KSK %u\nexample.: no rollover in progress\n",
		 new_tag);
	CHECK(report_is(report, want));
	sg_buf_free(&conf);
}

int main(void)
{
	char name[256], addr[64], path[4096], rpath[4096], epath[4096], zpath[4096], want[3 * 4096];
	static const char *const root_ns[] = { "a.root-servers.test=192.0.2.53" };
	static const char *const ex_ns[] = { "ns1.example=192.0.2.1" };
	struct sg_buf report = SG_BUF_INIT, b = SG_BUF_INIT, root_signed = SG_BUF_INIT,
		      ex_signed = SG_BUF_INIT;
	struct sg_dns_sign_opts o = {
		.validity = 30 * DAY, .refresh = 7 * DAY, .threads = 1, .now = NOW
	};
	unsigned port;
	int problems;

	/* --- name server specs -------------------------------------------- */
	for (size_t i = 0; i < sizeof(ns_cases) / sizeof(ns_cases[0]); i++) {
		int rc;

		sg_errclear();
		strcpy(addr, "stale");
		port = 7;
		rc = sg_dns_parse_ns(ns_cases[i].spec, name, addr, &port);
		if (ns_cases[i].err) {
			CHECK(rc < 0 && msg_is(ns_cases[i].err));
		} else {
			CHECK(rc == 0 && strcmp(name, ns_cases[i].name) == 0 &&
			      strcmp(addr, ns_cases[i].addr) == 0 && port == ns_cases[i].port);
			if (rc < 0)
				fprintf(stderr, "  case %zu: %s\n", i, sg_errmsg());
		}
	}
	/* the spec's length: 511 bytes reach the name check, 512 do not */
	{
		char spec[513];

		memset(spec, 'a', 512);
		spec[511] = '\0';
		sg_errclear();
		CHECK(sg_dns_parse_ns(spec, name, addr, &port) < 0 &&
		      strstr(sg_errmsg(), "not a valid domain name (length)") != NULL);
		spec[511] = 'a';
		spec[512] = '\0';
		snprintf(want, sizeof(want), "name server '%.64s...': too long", spec);
		sg_errclear();
		CHECK(sg_dns_parse_ns(spec, name, addr, &port) < 0 && msg_is(want));
	}

	/* --- a directory, signed ------------------------------------------ */
	CHECK(mkdtemp(dir) != NULL);
	CHECK(sg_dns_init(dir, 15, root_ns, 1, NULL, 0) == 0);
	sg_errclear();
	CHECK(sg_dns_init(dir, 15, root_ns, 1, NULL, 0) < 0);
	snprintf(want, sizeof(want), "%s/dns.conf: already exists (this directory is initialised)",
		 dir);
	CHECK(msg_is(want));
	CHECK(sg_dns_add_zone(dir, "Example", ex_ns, 1) == 0);
	sg_errclear();
	CHECK(sg_dns_add_zone(dir, "www.example", ex_ns, 1) < 0);
	CHECK(msg_is("zone www.example.: example. is already a zone (one is inside the other)"));
	sg_errclear();
	CHECK(sg_dns_add_zone(dir, ".", ex_ns, 1) < 0);
	CHECK(msg_is("the root zone exists already; add-zone adds zones below it"));
	sg_errclear();
	CHECK(sg_dns_add_zone(dir, "other", NULL, 0) < 0);
	CHECK(msg_is("zone 'other.' needs at least one name server (--ns NAME=ADDRESS)"));
	sg_errclear();
	CHECK(sg_dns_add_zone(dir, "other", (const char *const[]){ "ns.other" }, 1) < 0);
	CHECK(msg_is("name server ns.other. is inside other. and needs an address (glue)"));

	sg_dns_signed_file(dir, ".", rpath, sizeof(rpath));
	sg_dns_signed_file(dir, "example.", epath, sizeof(epath));
	sg_dns_zone_file(dir, "example.", zpath, sizeof(zpath));
	snprintf(path, sizeof(path), "%s/signed/root.signed", dir);
	CHECK(strcmp(rpath, path) == 0);
	snprintf(path, sizeof(path), "%s/signed/example.signed", dir);
	CHECK(strcmp(epath, path) == 0);
	snprintf(path, sizeof(path), "%s/zones/example.zone", dir);
	CHECK(strcmp(zpath, path) == 0);

	/* our own zone file for example. */
	static const char good[] = "$TTL 3600\n"
				   "@\tIN\tSOA\tns1 hostmaster 5 1800 900 604800 3600\n"
				   "@\tIN\tNS\tns1\n"
				   "ns1\tIN\tA\t192.0.2.1\n"
				   "www\tIN\tA\t192.0.2.2\n";
	CHECK(sg_write_file_atomic(zpath, good, strlen(good), 0644, 0) == 0);

	/* validity must exceed the refresh window; nothing written */
	{
		struct sg_dns_sign_opts bad = o;

		bad.validity = bad.refresh;
		CHECK(sign(&bad, &report) < 0 &&
		      msg_is("signature validity (604800 s) must exceed the refresh window (604800 s)"));
		CHECK(access(rpath, F_OK) != 0 && report.len == 0);
	}

	CHECK(sign(&o, &report) == 0);
	snprintf(want, sizeof(want), ".: signed %s\nexample.: signed %s\n", rpath, epath);
	CHECK(report.len == strlen(want) && memcmp(report.data, want, report.len) == 0);
	read_into(rpath, &root_signed);
	read_into(epath, &ex_signed);
	/* header: input hash, expiry = now + validity, options, serial = now */
	{
		char hex[65];
		long long exp;
		int nsec3;
		unsigned validity, serial;

		CHECK(sscanf((char *)ex_signed.data,
			     "; signet-dns input %64[0-9a-f] expire %lld nsec3 %d validity %u serial %u",
			     hex, &exp, &nsec3, &validity, &serial) == 5);
		CHECK(strlen(hex) == 64 && exp == NOW + 30 * DAY && nsec3 == 0 &&
		      validity == 30 * DAY && serial == (unsigned)NOW);
	}
	/* example.: its records, its keys (KSK, ZSK), signatures, NSEC chain */
	CHECK(count(&ex_signed, "example.", "SOA") == 1);
	CHECK(count(&ex_signed, "example.", "NS") == 1);
	CHECK(count(&ex_signed, "www.example.", "A") == 1);
	CHECK(count(&ex_signed, "example.", "DNSKEY") == 2);
	CHECK(count(&ex_signed, "example.", "NSEC") == 1);
	CHECK(count(&ex_signed, "www.example.", "NSEC") == 1);
	CHECK(count(&ex_signed, "www.example.", "RRSIG") == 2); /* A, NSEC */
	CHECK(count(&ex_signed, "example.", "RRSIG") == 4);	/* SOA NS NSEC DNSKEY */
	CHECK(count(&ex_signed, "example.", "NSEC3") == 0);
	/* the root: its NS and glue, the delegation with glue and DS */
	CHECK(count(&root_signed, ".", "SOA") == 1 && count(&root_signed, ".", "DNSKEY") == 2);
	CHECK(count(&root_signed, ".", "NS") == 1 &&
	      count(&root_signed, "a.root-servers.test.", "A") == 1);
	CHECK(count(&root_signed, "example.", "NS") == 1 &&
	      count(&root_signed, "example.", "DS") >= 1);
	CHECK(count(&root_signed, "ns1.example.", "A") == 1);
	CHECK(count(&root_signed, "example.", "RRSIG") == 2); /* DS, NSEC; not NS */

	/* unchanged: up to date, files untouched */
	CHECK(sign(&o, &report) == 0);
	snprintf(want, sizeof(want), ".: up to date (%s)\nexample.: up to date (%s)\n", rpath, epath);
	CHECK(report.len == strlen(want) && memcmp(report.data, want, report.len) == 0);
	read_into(epath, &b);
	CHECK(b.len == ex_signed.len && memcmp(b.data, ex_signed.data, b.len) == 0);

	/* the check report: ok now, refresh due 24 days later, expired after 30 */
	sg_buf_free(&report);
	CHECK(sg_dns_check(dir, NOW, 7 * DAY, &report, &problems) == 0 && problems == 0);
	CHECK(report.len && strstr((char *)report.data, "(in 30 days)") &&
	      strstr((char *)report.data, ": ok\n"));
	/* the refresh window's edge: expiring in exactly 7 days is due, a
	 * second more is not */
	sg_buf_free(&report);
	CHECK(sg_dns_check(dir, NOW + 23 * DAY - 1, 7 * DAY, &report, &problems) == 0 &&
	      problems == 0);
	CHECK(report.len && strstr((char *)report.data, ": ok\n"));
	sg_buf_free(&report);
	CHECK(sg_dns_check(dir, NOW + 23 * DAY, 7 * DAY, &report, &problems) == 0 && problems == 2);
	CHECK(report.len && strstr((char *)report.data, ": refresh due\n"));
	sg_buf_free(&report);
	CHECK(sg_dns_check(dir, NOW + 24 * DAY, 7 * DAY, &report, &problems) == 0 && problems == 2);
	CHECK(report.len && strstr((char *)report.data, ": refresh due\n"));
	sg_buf_free(&report);
	CHECK(sg_dns_check(dir, NOW + 30 * DAY, 7 * DAY, &report, &problems) == 0 && problems == 2);
	CHECK(report.len && strstr((char *)report.data, ": EXPIRED\n"));

	/* forced, a second later, with NSEC3: the serial goes up */
	o.force = 1;
	o.nsec3 = 1;
	o.now = NOW + 1;
	CHECK(sign(&o, &report) == 0);
	read_into(epath, &b);
	CHECK(strstr((char *)b.data, " nsec3 1 ") && strstr((char *)b.data, " serial 1767225601\n"));
	CHECK(count(&b, "example.", "NSEC3PARAM") == 1 && count(&b, "example.", "NSEC") == 0);
	/* same second again: still above the last serial */
	CHECK(sign(&o, &report) == 0);
	read_into(epath, &b);
	CHECK(strstr((char *)b.data, " serial 1767225602\n") != NULL);
	read_into(rpath, &root_signed);
	read_into(epath, &ex_signed);

	/* --- refusals: each leaves every signed file as it was ------------ */
	{
		static const struct {
			const char *text;
			const char *err; /* after "<zone file>:" */
		} bad[] = {
			{ "", " empty or binary zone file" },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "www IN A 192.0.2.2\nwww.other. IN A 192.0.2.3\n",
			  "4: www.other. is outside zone example." },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "@ IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=\n",
			  "3: example.: DNSSEC records (DNSKEY, RRSIG, NSEC*, CDS) are added by "
			  "signet; remove them from the zone file" },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "www IN SOA ns1 hostmaster 5 1800 900 604800 3600\n",
			  "3: www.example.: SOA outside the zone apex example." },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "@ IN SOA ns1 hostmaster 6 1800 900 604800 3600\n",
			  "3: example.: second SOA record" },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "@ IN DS 1 15 2 0000000000000000000000000000000000000000000000000000000000000000\n",
			  "3: example.: a DS record at the apex belongs in the parent" },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "www CH A 192.0.2.2\n",
			  "3: www.example.: only class IN is served" },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "$INCLUDE other.zone\n",
			  "3: $INCLUDE is not supported" },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\n@ IN NS ns1\n"
			  "www IN A 192.0.2.256\n",
			  "3: Syntax error, could not parse the RR's rdata" },
			{ "@ IN NS ns1\nwww IN A 192.0.2.2\n", " no SOA record for example." },
			{ "@ IN SOA ns1 hostmaster 5 1800 900 604800 3600\nwww IN A 192.0.2.2\n",
			  " no NS record at the apex example." },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			CHECK(sg_write_file_atomic(zpath, bad[i].text, strlen(bad[i].text), 0644,
						   0) == 0);
			snprintf(want, sizeof(want), "%s:%s", zpath, bad[i].err);
			CHECK(sign(&o, &report) < 0 && msg_is(want));
			if (strcmp(sg_errmsg(), want) != 0)
				fprintf(stderr, "  case %zu\n", i);
			read_into(rpath, &b);
			CHECK(b.len == root_signed.len &&
			      memcmp(b.data, root_signed.data, b.len) == 0);
			read_into(epath, &b);
			CHECK(b.len == ex_signed.len && memcmp(b.data, ex_signed.data, b.len) == 0);
		}
		CHECK(sg_write_file_atomic(zpath, good, strlen(good), 0644, 0) == 0);
	}
	/* a name of a delegated zone in the root's file */
	{
		char root_zone[4096];
		struct sg_buf keep = SG_BUF_INIT;

		sg_dns_zone_file(dir, ".", root_zone, sizeof(root_zone));
		read_into(root_zone, &keep);
		b.len = 0;
		CHECK(sg_buf_append(&b, keep.data, keep.len) == 0 &&
		      sg_buf_append(&b, "www.example.\tIN\tA\t192.0.2.9\n", 28) == 0);
		CHECK(sg_write_file_atomic(root_zone, b.data, b.len, 0644, 0) == 0);
		CHECK(sign(&o, &report) < 0 && strstr(sg_errmsg(), root_zone) == sg_errmsg() &&
		      strstr(sg_errmsg(), ": www.example. is inside the delegated zone example. (put it "
					  "in that zone's file; delegations are added by signet)"));
		CHECK(sg_write_file_atomic(root_zone, keep.data, keep.len, 0644, 0) == 0);
		sg_buf_free(&keep);
	}
	/* a zone file the root does not delegate */
	snprintf(path, sizeof(path), "%s/zones/stray.zone", dir);
	CHECK(sg_write_file_atomic(path, good, strlen(good), 0644, 0) == 0);
	snprintf(want, sizeof(want),
		 "%s/zones/stray.zone: zone stray. is not delegated from the root (add it with "
		 "'signet dns add-zone')",
		 dir);
	CHECK(sign(&o, &report) < 0 && msg_is(want));
	CHECK(unlink(path) == 0);
	read_into(epath, &b);
	CHECK(b.len == ex_signed.len && memcmp(b.data, ex_signed.data, b.len) == 0);
	/* and all well again */
	CHECK(sign(&o, &report) == 0);

	rollover(&o, &report, &b, epath);

	sg_buf_free(&report);
	sg_buf_free(&b);
	sg_buf_free(&root_signed);
	sg_buf_free(&ex_signed);
	CHECK(sg_remove_tree(dir) == 0);
	return check_done();
}
