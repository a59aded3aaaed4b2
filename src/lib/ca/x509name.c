#include "x509name.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

#define DNS_MAX 253
#define LABEL_MAX 63
#define LOCAL_MAX 64

static int is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Checks one label [p, p+n). */
static int label_ok(const char *whole, const char *p, size_t n)
{
	if (n == 0)
		return sg_fail("DNS name '%s': empty label", whole);
	if (n > LABEL_MAX)
		return sg_fail("DNS name '%s': label longer than %d characters", whole, LABEL_MAX);
	for (size_t i = 0; i < n; i++)
		if (!is_ldh((unsigned char)p[i]))
			return sg_fail("DNS name '%s': character '%c' not allowed (letters, digits, '-')",
				       whole, isprint((unsigned char)p[i]) ? p[i] : '?');
	if (p[0] == '-' || p[n - 1] == '-')
		return sg_fail("DNS name '%s': label starts or ends with '-'", whole);
	return 0;
}

int sg_name_dns(const char *s, int allow_wildcard, char *out)
{
	size_t len = strlen(s);
	const char *p = s, *dot;
	uint8_t ip[16];
	size_t iplen;

	if (len == 0)
		return sg_fail("empty DNS name");
	if (len > DNS_MAX)
		return sg_fail("DNS name '%.40s...': longer than %d characters", s, DNS_MAX);
	if (s[len - 1] == '.')
		return sg_fail("DNS name '%s': trailing dot (write the name without it)", s);
	if (sg_name_ip(s, ip, &iplen) == 0)
		return sg_fail("'%s' is an IP address, not a DNS name (use --ip-addresses)", s);
	sg_errclear();
	if (s[0] == '*') {
		if (!allow_wildcard)
			return sg_fail("DNS name '%s': wildcard not allowed here", s);
		if (s[1] != '.' || s[2] == '\0')
			return sg_fail("DNS name '%s': a wildcard must be the whole leftmost label, as in *.example.com",
				       s);
		p = s + 2;
	}
	for (;;) {
		dot = strchr(p, '.');
		if (label_ok(s, p, dot ? (size_t)(dot - p) : strlen(p)) < 0)
			return -1;
		if (!dot)
			break;
		p = dot + 1;
	}
	for (size_t i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return 0;
}

int sg_name_ip(const char *s, uint8_t out[16], size_t *len)
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*len = 16;
		return 0;
	}
	return sg_fail("'%s': not an IPv4 or IPv6 address", s);
}

int sg_name_cidr(const char *s, struct sg_cidr *out)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long prefix;
	char *end;

	memset(out, 0, sizeof(*out));
	if (n >= sizeof(addr))
		return sg_fail("'%s': not an address range (addr/prefix)", s);
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (sg_name_ip(addr, out->addr, &out->len) < 0)
		return sg_fail("'%s': not an address range (addr/prefix)", s);
	prefix = (long)out->len * 8;
	if (slash) {
		if (!isdigit((unsigned char)slash[1]))
			return sg_fail("'%s': prefix length is not a number", s);
		prefix = strtol(slash + 1, &end, 10);
		if (*end || prefix < 0 || prefix > (long)out->len * 8 || end - slash > 4)
			return sg_fail("'%s': prefix length must be 0-%zu", s, out->len * 8);
	}
	for (size_t i = 0; i < out->len; i++) {
		long bits = prefix - (long)i * 8;
		out->mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		if (out->addr[i] & ~out->mask[i])
			return sg_fail("'%s': address has bits set beyond the /%ld prefix", s,
				       prefix);
	}
	return 0;
}

int sg_name_email(const char *s, char *out)
{
	const char *at = strrchr(s, '@');
	size_t local, len = strlen(s);

	if (len >= SG_NAME_MAX)
		return sg_fail("email '%.40s...': too long", s);
	if (!at)
		return sg_fail("email '%s': no '@'", s);
	local = (size_t)(at - s);
	if (local == 0 || local > LOCAL_MAX)
		return sg_fail("email '%s': local part must be 1-%d characters", s, LOCAL_MAX);
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || strchr("@\"(),:;<>[\\]", c))
			return sg_fail("email '%s': character not allowed in the local part", s);
	}
	if (s[0] == '.' || s[local - 1] == '.' || strstr(s, ".."))
		return sg_fail("email '%s': misplaced '.' in the local part", s);
	memcpy(out, s, local + 1);
	if (sg_name_dns(at + 1, 0, out + local + 1) < 0) {
		char what[SG_NAME_MAX + 16];
		snprintf(what, sizeof(what), "email '%s'", s);
		return sg_fail_prefix(what);
	}
	return 0;
}

int sg_name_uri(const char *s, char *host)
{
	const char *sep = strstr(s, "://"), *h, *end;
	size_t n;

	if (strlen(s) >= SG_NAME_MAX)
		return sg_fail("URI '%.40s...': too long", s);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return sg_fail("URI '%s': spaces and control or non-ASCII characters are not allowed",
				       s);
	if (!sep || sep == s || !isalpha((unsigned char)s[0]))
		return sg_fail("URI '%s': must be scheme://host[/path]", s);
	for (const char *p = s; p < sep; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+.-", *p))
			return sg_fail("URI '%s': bad scheme", s);
	h = sep + 3;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return sg_fail("URI '%s': unclosed '['", s);
		h++;
	} else {
		end = h + strcspn(h, ":/?#");
	}
	n = (size_t)(end - h);
	if (memchr(h, '@', n))
		return sg_fail("URI '%s': user information in a certificate URI is not allowed", s);
	if (n == 0 || n >= SG_NAME_MAX)
		return sg_fail("URI '%s': no host", s);
	char tmp[SG_NAME_MAX];
	uint8_t ip[16];
	size_t iplen;
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	if (sg_name_ip(tmp, ip, &iplen) == 0) {
		memcpy(host, tmp, n + 1);
		return 0;
	}
	sg_errclear();
	if (sg_name_dns(tmp, 0, host) < 0) {
		char what[SG_NAME_MAX + 16];
		snprintf(what, sizeof(what), "URI '%s'", s);
		return sg_fail_prefix(what);
	}
	return 0;
}

int sg_name_parse(enum sg_name_type type, const char *s, struct sg_name *out)
{
	char host[SG_NAME_MAX];

	memset(out, 0, sizeof(*out));
	out->type = type;
	if (strlen(s) >= SG_NAME_MAX)
		return sg_fail("name '%.40s...': too long", s);
	switch (type) {
	case SG_NAME_DNS: return sg_name_dns(s, 1, out->text);
	case SG_NAME_IP:
		if (sg_name_ip(s, out->ip, &out->iplen) < 0)
			return -1;
		sg_name_ip_format(out->ip, out->iplen, out->text);
		return 0;
	case SG_NAME_EMAIL: return sg_name_email(s, out->text);
	case SG_NAME_URI:
		if (sg_name_uri(s, host) < 0)
			return -1;
		strcpy(out->text, s);
		return 0;
	}
	return sg_fail("unknown name type");
}

int sg_name_parse_any(const char *s, struct sg_name *out)
{
	uint8_t ip[16];
	size_t iplen;

	if (sg_name_ip(s, ip, &iplen) == 0)
		return sg_name_parse(SG_NAME_IP, s, out);
	sg_errclear();
	if (strstr(s, "://"))
		return sg_name_parse(SG_NAME_URI, s, out);
	if (strchr(s, '@'))
		return sg_name_parse(SG_NAME_EMAIL, s, out);
	return sg_name_parse(SG_NAME_DNS, s, out);
}

void sg_name_ip_format(const uint8_t *ip, size_t len, char *out)
{
	if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, ip, out, 64))
		strcpy(out, "?");
}

void sg_name_cidr_format(const struct sg_cidr *c, char *out)
{
	int prefix = 0;

	for (size_t i = 0; i < c->len; i++)
		prefix += __builtin_popcount(c->mask[i]);
	sg_name_ip_format(c->addr, c->len, out);
	snprintf(out + strlen(out), 64 - strlen(out), "/%d", prefix);
}

/* 1 when s ends with suffix, compared without case. */
static int ends_with_nocase(const char *s, size_t slen, const char *suffix, size_t n)
{
	return slen >= n && strncasecmp(s + slen - n, suffix, n) == 0;
}

int sg_dns_within(const char *name, const char *base)
{
	size_t n = strlen(name), b = strlen(base);

	if (b == 0)
		return 1;
	if (!ends_with_nocase(name, n, base, b))
		return 0;
	if (n == b)
		return base[0] != '.';
	/* "example.com" covers "a.example.com" but not "badexample.com". */
	return base[0] == '.' || name[n - b - 1] == '.';
}

int sg_email_within(const char *email, const char *base)
{
	const char *at = strrchr(email, '@'), *bat = strchr(base, '@');
	const char *dom = at ? at + 1 : email;

	if (bat) /* a whole mailbox: local part exact, domain without case */
		return at && (size_t)(at - email) == (size_t)(bat - base) &&
		       strncmp(email, base, (size_t)(at - email)) == 0 &&
		       strcasecmp(dom, bat + 1) == 0;
	if (base[0] == '.')
		return ends_with_nocase(dom, strlen(dom), base, strlen(base)) &&
		       strlen(dom) > strlen(base);
	return strcasecmp(dom, base) == 0;
}

int sg_uri_within(const char *host, const char *base)
{
	if (base[0] == '.')
		return ends_with_nocase(host, strlen(host), base, strlen(base)) &&
		       strlen(host) > strlen(base);
	return strcasecmp(host, base) == 0;
}

int sg_ip_within(const uint8_t *ip, size_t len, const struct sg_cidr *range)
{
	if (len != range->len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((ip[i] & range->mask[i]) != range->addr[i])
			return 0;
	return 1;
}
