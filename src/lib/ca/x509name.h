/* x509name.h - the names a certificate may carry, and the name-constraint
 * rules a CA applies before it signs.
 *
 * Contract: every function validates its input completely and fails with
 * one line naming the value and the rule it broke (DNS names are LDH
 * labels of 1-63 bytes, at most 253 in all, a wildcard only as the whole
 * leftmost label; IP addresses as inet_pton reads them; CIDR ranges
 * without host bits; mailboxes local@dns-name; URIs scheme://host...).
 * Constraint matching follows RFC 5280 section 4.2.1.10 as OpenSSL's
 * verifier applies it (nc_dns, nc_email, nc_uri, nc_ip), so a name this
 * module accepts is a name `openssl verify` accepts under the same
 * constraints. Nothing here touches files or prints.
 */
#ifndef SIGNET_X509NAME_H
#define SIGNET_X509NAME_H

#include <stddef.h>
#include <stdint.h>

enum sg_name_type { SG_NAME_DNS, SG_NAME_IP, SG_NAME_EMAIL, SG_NAME_URI };

#define SG_NAME_MAX 1024

struct sg_name {
	enum sg_name_type type;
	char text[SG_NAME_MAX]; /* normalised: DNS names lower-cased */
	uint8_t ip[16];		/* SG_NAME_IP: the address bytes */
	size_t iplen;		/* 4 or 16 */
};

/* An address range: iPAddress constraints carry address then mask. */
struct sg_cidr {
	uint8_t addr[16];
	uint8_t mask[16];
	size_t len; /* 4 or 16 */
};

/* Validates a DNS name (wildcard "*." prefix allowed when asked) and
 * writes its lower-case form into out (SG_NAME_MAX bytes). */
int sg_name_dns(const char *s, int allow_wildcard, char *out);

/* Parses an IPv4 or IPv6 address; *len is 4 or 16. */
int sg_name_ip(const char *s, uint8_t out[16], size_t *len);

/* Parses "addr/prefix" (or a bare address, a single host) into a range;
 * refuses host bits set beyond the prefix. */
int sg_name_cidr(const char *s, struct sg_cidr *out);

/* Validates local@domain; the domain is lower-cased in out. */
int sg_name_email(const char *s, char *out);

/* Validates scheme://host[:port][/path] and copies the host (lower-cased,
 * brackets of an IPv6 literal removed) into host (SG_NAME_MAX bytes). */
int sg_name_uri(const char *s, char *host);

/* Parses s as the given type into out. */
int sg_name_parse(enum sg_name_type type, const char *s, struct sg_name *out);

/* Guesses the type of a bare name (batch lines, CSRs): an IP when it
 * parses as one, a mailbox when it holds '@', a URI when it holds "://",
 * a DNS name otherwise; then parses it. */
int sg_name_parse_any(const char *s, struct sg_name *out);

/* Formats an address (4 or 16 bytes) into out (64 bytes). */
void sg_name_ip_format(const uint8_t *ip, size_t len, char *out);
/* Formats a range as addr/prefix into out (64 bytes). */
void sg_name_cidr_format(const struct sg_cidr *c, char *out);

/* Constraint matching, 1 when name falls within base, 0 otherwise.
 * DNS: base "example.com" covers it and every subdomain, ".example.com"
 * only subdomains, "" everything (OpenSSL's nc_dns). */
int sg_dns_within(const char *name, const char *base);
/* Mailbox within base: "a@b" exact, ".b" subdomains, "b" that host. */
int sg_email_within(const char *email, const char *base);
/* URI host within base: ".b" subdomains, "b" exactly that host. */
int sg_uri_within(const char *host, const char *base);
int sg_ip_within(const uint8_t *ip, size_t len, const struct sg_cidr *range);

#endif
