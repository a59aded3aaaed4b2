/* dnsconf.h - the state of a signet DNS directory: D/dns.conf.
 *
 * The file records the zones (the private root "." first), the name
 * servers of each zone (name, address, port: the delegation written into
 * the root), and every DNSSEC key with its role and RFC 5011 state. It is
 * a line format, one record a line, '#' starts a comment:
 *
 *   signet-dns 1
 *   zone .
 *   ns ZONE NSNAME [ADDRESS [PORT]]
 *   key ZONE ALGORITHM FLAGS TAG STATE SINCE
 *   age-recipient age1...
 *
 * FLAGS is 257 (KSK) or 256 (ZSK); TAG is the key tag with the REVOKE
 * bit clear (it names the key files); STATE is published, active,
 * revoked or removed; SINCE is the Unix time the state began. The parser
 * refuses anything else with "FILE:LINE: rule"; sg_dnsconf_format()
 * writes what the parser reads back. With age recipients, every private
 * key is written age-encrypted to them (K...private.age) instead of in
 * plaintext.
 */
#ifndef SIGNET_DNSCONF_H
#define SIGNET_DNSCONF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SG_DNS_KSK 257
#define SG_DNS_ZSK 256
#define SG_DNS_REVOKE 0x80

enum sg_dns_key_state {
	SG_DNS_KEY_PUBLISHED, /* in the DNSKEY set, waiting for its hold-down */
	SG_DNS_KEY_ACTIVE,    /* in use: signs, and (a KSK) is a trust anchor */
	SG_DNS_KEY_REVOKED,   /* published with the REVOKE bit, self-signed */
	SG_DNS_KEY_REMOVED,   /* gone from the zone; files kept for the record */
};

struct sg_dns_ns {
	char *zone;    /* owning zone, canonical ("example.org.") */
	char *name;    /* name server host name */
	char *addr;    /* IPv4 or IPv6 address, or NULL (no glue) */
	unsigned port; /* 0 when not given */
};

struct sg_dns_key {
	char *zone;
	int alg;   /* DNSSEC algorithm number: 13 or 15 */
	int flags; /* SG_DNS_KSK or SG_DNS_ZSK, without REVOKE */
	unsigned tag;
	enum sg_dns_key_state state;
	int64_t since;
};

struct sg_dnsconf {
	char **zones;
	size_t nzones, zones_cap;
	struct sg_dns_ns *ns;
	size_t nns, ns_cap;
	struct sg_dns_key *keys;
	size_t nkeys, keys_cap;
	char **recipients; /* age recipients for private keys at rest */
	size_t nrecipients, recipients_cap;
};

/* Parses the text of a dns.conf; name is used in error messages. */
int sg_dnsconf_parse(struct sg_dnsconf *c, const char *name, const char *text, size_t len);
/* Reads DIR/dns.conf (the caller holds the directory's lock). */
int sg_dnsconf_load(struct sg_dnsconf *c, const char *dir);
/* Serialises c in the format above. */
int sg_dnsconf_format(const struct sg_dnsconf *c, struct sg_buf *out);
/* Every change to a DNS directory is one transaction on it (txn.h);
 * readers hold its shared lock (sg_txn_read_begin). This one opens the
 * transaction of an existing directory: only init creates one. */
struct sg_txn;
int sg_dnsconf_begin(struct sg_txn *t, const char *dir);
/* Stages DIR/dns.conf in t, the directory's transaction. */
int sg_dnsconf_stage(const struct sg_dnsconf *c, struct sg_txn *t);
void sg_dnsconf_free(struct sg_dnsconf *c);

/* Canonicalises a domain name (lowercase, trailing dot) into out (cap
 * bytes, at least 256); -1 when it is not a valid host-style name. */
int sg_dns_canon_name(const char *in, char *out, size_t cap);

/* Finders; NULL/-1 when absent. */
int sg_dnsconf_has_zone(const struct sg_dnsconf *c, const char *zone);
int sg_dnsconf_add_zone(struct sg_dnsconf *c, const char *zone);
int sg_dnsconf_add_ns(struct sg_dnsconf *c, const char *zone, const char *name, const char *addr,
		      unsigned port);
int sg_dnsconf_add_key(struct sg_dnsconf *c, const struct sg_dns_key *k);
/* Adds an age recipient after checking it parses. */
int sg_dnsconf_add_recipient(struct sg_dnsconf *c, const char *recipient);

const char *sg_dns_key_state_name(enum sg_dns_key_state s);

#endif
