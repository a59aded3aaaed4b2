/* dnszone.h - a signet DNS directory: the private root, its zones, and
 * their signing with ldns.
 *
 * Layout of DIR: dns.conf (see dnsconf.h), keys/ (see dnskeys.h),
 * zones/root.zone and zones/<zone>.zone (plain master files the user
 * edits), signed/root.signed and signed/<zone>.signed (what NSD serves).
 *
 * Signing reads every zone file with ldns, refuses syntax errors (with
 * file and line), DNSSEC records, names outside the zone and zone files
 * the root does not delegate; adds the DNSKEYs, and to the root the
 * delegations (NS, glue, DS of each zone's KSKs); builds NSEC or NSEC3
 * (RFC 9276: SHA-1, no iterations, no salt) with ldns, and signs every
 * RRset with ldns_sign_public() on all cores, each worker process with its own
 * key list. Nothing is staged until every zone has been read and every
 * key loaded, and every signed file of one run commits together. A signed file starts
 * with "; signet-dns input <sha256> expire <unix time> ..." (also the
 * options and SOA serial it was signed with; the next serial is always
 * higher, RFC 1982): a zone whose
 * input is unchanged and whose signatures do not expire within the
 * refresh window is left as it is.
 *
 * Every change to DIR (init, add-zone, sign, a rollover step) is one
 * transaction on it (txn.h): computed first, staged, committed once, so a
 * crash leaves the old state or the new one; the lock makes a second
 * command wait and start from the first one's result. Readers (check,
 * rollover status, anchor, config) hold the shared lock.
 */
#ifndef SIGNET_DNSZONE_H
#define SIGNET_DNSZONE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "age.h"
#include "buf.h"

/* Splits "NAME[=ADDRESS[@PORT]]"; canonicalises the name. */
int sg_dns_parse_ns(const char *spec, char name[256], char addr[64], unsigned *port);

/* Creates DIR (or fills an existing one without dns.conf) with a root
 * zone, its KSK and ZSK, in one transaction. ns lists the root's
 * name servers as NAME=ADDRESS specs (at least one). With recipients
 * (age1...), every private key of DIR is kept age-encrypted to them. */
int sg_dns_init(const char *dir, int alg, const char *const *ns, size_t nns,
		const char *const *recipients, size_t nrecipients);

/* Adds zone with its keys, a starting master file and its delegation;
 * a zone already there (or one inside the other) is refused. */
int sg_dns_add_zone(const char *dir, const char *zone, const char *const *ns, size_t nns);

struct sg_dns_sign_opts {
	int nsec3;
	uint32_t validity; /* seconds a signature is valid */
	uint32_t refresh;  /* re-sign when signatures expire within this */
	int force;	   /* re-sign even when up to date */
	int threads;	   /* 0: one per online CPU */
	time_t now;
	const struct sg_age_identities *ids; /* for age-encrypted keys */
};

/* Signs every zone that needs it; appends one line per zone to report. */
int sg_dns_sign(const char *dir, const struct sg_dns_sign_opts *o, struct sg_buf *report);

/* Reports, per zone, when its signatures expire. *problems counts zones
 * unsigned, stale, expired or due for refresh. */
int sg_dns_check(const char *dir, time_t now, uint32_t refresh, struct sg_buf *report, int *problems);

/* The signed file and zone file of a zone. */
void sg_dns_zone_file(const char *dir, const char *zone, char *out, size_t cap);
void sg_dns_signed_file(const char *dir, const char *zone, char *out, size_t cap);

/* KSK rollover by RFC 5011 for zone (the root, or any zone, where the DS
 * in the root follows instead). start: a new KSK is published and signs
 * the DNSKEY set beside the active one. revoke: once the new key has been
 * published for the hold-down (30 days; force skips the wait), the old
 * KSK is published with the REVOKE bit and signs the set itself, and the
 * new one becomes active. finish: after the hold-down again, the revoked
 * key leaves the zone. Each step records state in dns.conf (start also
 * the new key's files) and rewrites DIR/anchors/root.anchor when it
 * exists, in one transaction; run sign afterwards. status describes
 * where the rollover is. */
#define SG_DNS_HOLD_DOWN (30 * 86400)
enum sg_dns_roll_step {
	SG_DNS_ROLL_START,
	SG_DNS_ROLL_STATUS,
	SG_DNS_ROLL_REVOKE,
	SG_DNS_ROLL_FINISH
};
int sg_dns_rollover(const char *dir, const char *zone, enum sg_dns_roll_step step, time_t now,
		    int force, struct sg_buf *report);

#endif
