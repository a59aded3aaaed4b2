/* dnsanchor.h - what resolvers and servers need from a signet DNS
 * directory: the root trust anchor in each resolver's format, and
 * configuration for NSD (authoritative) and Unbound (validating).
 *
 * The anchor is the DS (SHA-256) of every root KSK that is active or
 * published (a new KSK during an RFC 5011 rollover); revoked and removed
 * keys are left out, except in the XML, which keeps them with a
 * validUntil (RFC 9718). Formats:
 *   unbound     zone-file DS records, for trust-anchor-file
 *   ds          bare DS records
 *   bind        trust-anchors { . initial-key ...; };  (RFC 5011 managed)
 *   bind-static trust-anchors { . static-ds ...; };
 *   xml         RFC 9718 root-anchors.xml
 *   resolved    systemd-resolved dnssec-trust-anchors.d (.positive)
 * Unbound is configured to trust only this anchor, with no root hints
 * in use: stub zones point at the authority for "." and for each zone.
 */
#ifndef SIGNET_DNSANCHOR_H
#define SIGNET_DNSANCHOR_H

#include <time.h>

#include "buf.h"
#include "dnsconf.h"
#include "txn.h"

/* The anchor file a rollover keeps current, relative to DIR. */
#define SG_DNS_ANCHOR_FILE "anchors/root.anchor"

/* The anchor of DIR in format, read under the directory's shared lock. */
int sg_dns_anchor(const char *dir, const char *format, struct sg_buf *out);
/* The anchor of the key set c, the key files read through t (what a
 * transaction staged, e.g. a new KSK) or, t NULL, from DIR. */
int sg_dns_anchor_text(struct sg_txn *t, const char *dir, const struct sg_dnsconf *c,
		       const char *format, struct sg_buf *out);
/* Writes the unbound anchor to path (atomically), or, path NULL, to
 * DIR/anchors/root.anchor in a transaction on DIR. */
int sg_dns_anchor_save(const char *dir, const char *path);

struct sg_dns_server_opts {
	unsigned port;	       /* port to listen on */
	const char *listen;    /* address to listen on */
	const char *state;     /* directory for pid, state files */
	const char *auth_addr; /* unbound: the authority (NSD) */
	unsigned auth_port;
	const char *anchor; /* unbound: trust-anchor-file path */
	int auto_anchor;    /* unbound: auto-trust-anchor-file (RFC 5011) */
};

int sg_dns_nsd_conf(const char *dir, const struct sg_dns_server_opts *o, struct sg_buf *out);
int sg_dns_unbound_conf(const char *dir, const struct sg_dns_server_opts *o, struct sg_buf *out);

#endif
