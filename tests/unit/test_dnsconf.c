/* test_dnsconf.c - the dns.conf model: names, parsing, errors with line
 * numbers, and format/parse round trips. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dnsconf.h"
#include "err.h"

static int parses(const char *text)
{
	struct sg_dnsconf c;
	int rc = sg_dnsconf_parse(&c, "t.conf", text, strlen(text));

	if (rc == 0)
		sg_dnsconf_free(&c);
	return rc == 0;
}

int main(void)
{
	char out[256];
	struct sg_dnsconf c;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;
	static const char good[] =
		"# comment\n"
		"signet-dns 1\n"
		"age-recipient age1e58wcfcqjx7wrffuypcwuwr5t4c2hgygg3pkugtm6apvhztxw3rsaavfpq\n"
		"zone .\n"
		"ns . ns.root. 127.0.0.1\n"
		"key . 13 257 10708 active 1795327458\n"
		"key . 13 256 604 active 1795327458\n"
		"zone example.org.   # trailing comment\n"
		"ns example.org. ns1.example.org. 2001:db8::1 5353\n"
		"ns example.org. ns.elsewhere.\n"
		"key example.org. 15 257 51885 revoked 7\n";

	CHECK(sg_dns_canon_name("Example.ORG", out, sizeof(out)) == 0);
	CHECK_STR(out, "example.org.");
	CHECK(sg_dns_canon_name(".", out, sizeof(out)) == 0);
	CHECK_STR(out, ".");
	CHECK(sg_dns_canon_name("_443._tcp.www.example.org.", out, sizeof(out)) == 0);
	CHECK(sg_dns_canon_name("a..b", out, sizeof(out)) < 0);
	CHECK(sg_dns_canon_name("a b", out, sizeof(out)) < 0);
	CHECK(sg_dns_canon_name("", out, sizeof(out)) < 0);
	CHECK(sg_dns_canon_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org",
				out, sizeof(out)) < 0); /* 64-octet label */

	CHECK(sg_dnsconf_parse(&c, "t.conf", good, strlen(good)) == 0);
	CHECK(c.nzones == 2 && c.nns == 3 && c.nkeys == 3 && c.nrecipients == 1);
	CHECK_STR(c.ns[1].addr, "2001:db8::1");
	CHECK(c.ns[1].port == 5353);
	CHECK(c.ns[2].addr == NULL);
	CHECK(c.keys[2].alg == 15 && c.keys[2].state == SG_DNS_KEY_REVOKED && c.keys[2].since == 7);
	CHECK(sg_dnsconf_format(&c, &a) == 0);
	sg_dnsconf_free(&c);
	CHECK(sg_dnsconf_parse(&c, "t2.conf", (const char *)a.data, a.len) == 0);
	CHECK(sg_dnsconf_format(&c, &b) == 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	sg_dnsconf_free(&c);

	CHECK(!parses(""));
	CHECK(!parses("zone .\n")); /* no header */
	CHECK(!parses("signet-dns 2\nzone .\n"));
	CHECK(!parses("signet-dns 1\nzone example.org.\n")); /* root first */
	CHECK(!parses("signet-dns 1\nzone .\nzone .\n"));
	CHECK(!parses("signet-dns 1\nzone .\nzone Example.org.\n"));	 /* not canonical */
	CHECK(!parses("signet-dns 1\nzone .\nns a.org. ns. 1.2.3.4\n")); /* undeclared zone */
	CHECK(!parses("signet-dns 1\nzone .\nns . ns. 1.2.3.400\n"));
	CHECK(!parses("signet-dns 1\nzone .\nns . ns. 1.2.3.4 0\n"));
	CHECK(!parses("signet-dns 1\nzone .\nkey . 8 257 1 active 0\n"));
	CHECK(!parses("signet-dns 1\nzone .\nkey . 13 385 1 active 0\n"));
	CHECK(!parses("signet-dns 1\nzone .\nkey . 13 257 65536 active 0\n"));
	CHECK(!parses("signet-dns 1\nzone .\nkey . 13 257 1 retired 0\n"));
	CHECK(!parses("signet-dns 1\nzone .\nkey . 13 257 1 active -1\n"));
	CHECK(!parses("signet-dns 1\nzone .\nkey . 13 257 1 active 0\nkey . 13 256 1 active 0\n"));
	CHECK(!parses("signet-dns 1\nzone .\nbogus\n"));
	CHECK(!parses("signet-dns 1\nage-recipient age1notarecipient\nzone .\n"));
	CHECK(parses("signet-dns 1\nzone .\n"));

	/* Errors name the file and the line. */
	static const char bad[] = "signet-dns 1\nzone .\n\nkey . 13 1 1 active 0\n";
	CHECK(sg_dnsconf_parse(&c, "x.conf", bad, strlen(bad)) < 0);
	CHECK(strncmp(sg_errmsg(), "x.conf:4: ", 10) == 0);

	sg_buf_free(&a);
	sg_buf_free(&b);
	return check_done();
}
