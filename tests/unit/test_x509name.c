/* Name validation and constraint matching, table-driven. The matching
 * rows follow OpenSSL's nc_dns/nc_email/nc_uri and RFC 5280 4.2.1.10. */
#include <stdlib.h>

#include "check.h"
#include "err.h"
#include "x509name.h"

static const struct {
	const char *name;
	int wildcard;
	const char *want; /* NULL: refused */
} dns_cases[] = {
	{ "example.com", 0, "example.com" },
	{ "WWW.Example.COM", 0, "www.example.com" },
	{ "localhost", 0, "localhost" },
	{ "a-b.c-d.example", 0, "a-b.c-d.example" },
	{ "xn--bcher-kva.example", 0, "xn--bcher-kva.example" },
	{ "*.example.com", 1, "*.example.com" },
	{ "*.example.com", 0, NULL },
	{ "*", 1, NULL },
	{ "*.", 1, NULL },
	{ "a.*.example.com", 1, NULL },
	{ "*a.example.com", 1, NULL },
	{ "example.com.", 0, NULL },
	{ ".example.com", 0, NULL },
	{ "a..b", 0, NULL },
	{ "-a.example", 0, NULL },
	{ "a-.example", 0, NULL },
	{ "under_score.example", 0, NULL },
	{ "sp ace.example", 0, NULL },
	{ "b\xc3\xbc"
	  "cher.example",
	  0, NULL },
	{ "", 0, NULL },
	{ "192.0.2.1", 0, NULL },
	{ "0123456789012345678901234567890123456789012345678901234567890123.example", 0, NULL },
	{ "012345678901234567890123456789012345678901234567890123456789012.example", 0,
	  "012345678901234567890123456789012345678901234567890123456789012.example" },
};

static const struct {
	const char *name, *base;
	int want;
} dns_within[] = {
	{ "example.com", "example.com", 1 },
	{ "www.example.com", "example.com", 1 },
	{ "a.b.example.com", "example.com", 1 },
	{ "WWW.EXAMPLE.COM", "example.com", 1 },
	{ "badexample.com", "example.com", 0 },
	{ "example.com", ".example.com", 0 },
	{ "www.example.com", ".example.com", 1 },
	{ "*.example.com", "example.com", 1 },
	{ "example.org", "example.com", 0 },
	{ "com", "example.com", 0 },
	{ "anything.at.all", "", 1 },
};

static const struct {
	const char *email, *base;
	int want;
} email_within[] = {
	{ "ops@example.com", "example.com", 1 },      { "ops@EXAMPLE.com", "example.com", 1 },
	{ "ops@mail.example.com", "example.com", 0 }, { "ops@mail.example.com", ".example.com", 1 },
	{ "ops@example.com", ".example.com", 0 },     { "ops@example.com", "ops@example.com", 1 },
	{ "Ops@example.com", "ops@example.com", 0 },  { "ops@evil.com", "example.com", 0 },
};

static const struct {
	const char *uri;
	const char *host; /* NULL: refused */
} uris[] = {
	{ "https://www.example.com/path", "www.example.com" },
	{ "spiffe://mesh.example.com/ns/a", "mesh.example.com" },
	{ "https://Host.Example:8443/", "host.example" },
	{ "https://[2001:db8::1]:443/", "2001:db8::1" },
	{ "https://192.0.2.1/", "192.0.2.1" },
	{ "https://user@host.example/", NULL },
	{ "host.example/path", NULL },
	{ "://host.example", NULL },
	{ "https:///path", NULL },
	{ "https://bad_host/", NULL },
	{ "https://host.example/a b", NULL },
	{ "1http://host.example/", NULL },
};

static const struct {
	const char *cidr;
	int ok;
	const char *formatted;
} cidrs[] = {
	{ "10.0.0.0/8", 1, "10.0.0.0/8" }, { "10.0.0.1", 1, "10.0.0.1/32" },
	{ "0.0.0.0/0", 1, "0.0.0.0/0" },   { "fd00::/8", 1, "fd00::/8" },
	{ "::1", 1, "::1/128" },	   { "10.0.0.1/8", 0, NULL },
	{ "10.0.0.0/33", 0, NULL },	   { "10.0.0.0/", 0, NULL },
	{ "10.0.0.0/-1", 0, NULL },	   { "10.0.0/8", 0, NULL },
	{ "fd00::/129", 0, NULL },	   { "host/8", 0, NULL },
	{ "010.0.0.0/8", 0, NULL },
};

int main(void)
{
	char out[SG_NAME_MAX];
	struct sg_cidr c;
	struct sg_name n;

	for (size_t i = 0; i < sizeof(dns_cases) / sizeof(dns_cases[0]); i++) {
		int rc = sg_name_dns(dns_cases[i].name, dns_cases[i].wildcard, out);
		if (dns_cases[i].want) {
			CHECK(rc == 0);
			if (rc == 0)
				CHECK_STR(out, dns_cases[i].want);
		} else {
			CHECK(rc < 0);
			CHECK(strlen(sg_errmsg()) > 0);
		}
	}
	for (size_t i = 0; i < sizeof(dns_within) / sizeof(dns_within[0]); i++)
		CHECK(sg_dns_within(dns_within[i].name, dns_within[i].base) == dns_within[i].want);
	for (size_t i = 0; i < sizeof(email_within) / sizeof(email_within[0]); i++)
		CHECK(sg_email_within(email_within[i].email, email_within[i].base) ==
		      email_within[i].want);
	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		int rc = sg_name_uri(uris[i].uri, out);
		CHECK((rc == 0) == (uris[i].host != NULL));
		if (rc == 0 && uris[i].host)
			CHECK_STR(out, uris[i].host);
	}
	CHECK(sg_uri_within("mesh.example.com", ".example.com") == 1);
	CHECK(sg_uri_within("example.com", ".example.com") == 0);
	CHECK(sg_uri_within("example.com", "example.com") == 1);
	CHECK(sg_uri_within("a.example.com", "example.com") == 0);

	for (size_t i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++) {
		int rc = sg_name_cidr(cidrs[i].cidr, &c);
		CHECK((rc == 0) == cidrs[i].ok);
		if (rc == 0 && cidrs[i].formatted) {
			sg_name_cidr_format(&c, out);
			CHECK_STR(out, cidrs[i].formatted);
		}
	}
	CHECK(sg_name_cidr("10.0.0.0/8", &c) == 0);
	CHECK(sg_name_parse(SG_NAME_IP, "10.255.0.1", &n) == 0 && sg_ip_within(n.ip, n.iplen, &c));
	CHECK(sg_name_parse(SG_NAME_IP, "11.0.0.1", &n) == 0 && !sg_ip_within(n.ip, n.iplen, &c));
	CHECK(sg_name_parse(SG_NAME_IP, "::ffff:10.0.0.1", &n) == 0 &&
	      !sg_ip_within(n.ip, n.iplen, &c));
	CHECK(sg_name_parse(SG_NAME_IP, "1.2.3", &n) < 0);
	CHECK(sg_name_parse(SG_NAME_IP, "2001:db8::1", &n) == 0 && n.iplen == 16 &&
	      !strcmp(n.text, "2001:db8::1"));

	CHECK(sg_name_parse(SG_NAME_EMAIL, "Ops@Example.COM", &n) == 0 &&
	      !strcmp(n.text, "Ops@example.com"));
	CHECK(sg_name_parse(SG_NAME_EMAIL, "@example.com", &n) < 0);
	CHECK(sg_name_parse(SG_NAME_EMAIL, "a b@example.com", &n) < 0);
	CHECK(sg_name_parse(SG_NAME_EMAIL, "a..b@example.com", &n) < 0);
	CHECK(sg_name_parse(SG_NAME_EMAIL, "ops@bad_domain", &n) < 0);

	CHECK(sg_name_parse_any("192.0.2.1", &n) == 0 && n.type == SG_NAME_IP);
	CHECK(sg_name_parse_any("a@example.com", &n) == 0 && n.type == SG_NAME_EMAIL);
	CHECK(sg_name_parse_any("https://example.com/", &n) == 0 && n.type == SG_NAME_URI);
	CHECK(sg_name_parse_any("Example.com", &n) == 0 && n.type == SG_NAME_DNS &&
	      !strcmp(n.text, "example.com"));
	return check_done();
}
