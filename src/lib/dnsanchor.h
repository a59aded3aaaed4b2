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

int sg_dns_anchor(const char *dir, const char *format, struct sg_buf *out);

struct sg_dns_server_opts {
	unsigned port;          /* port to listen on */
	const char *listen;     /* address to listen on */
	const char *state;      /* directory for pid, state files */
	const char *auth_addr;  /* unbound: the authority (NSD) */
	unsigned auth_port;
	const char *anchor;     /* unbound: trust-anchor-file path */
	int auto_anchor;        /* unbound: auto-trust-anchor-file (RFC 5011) */
};

int sg_dns_nsd_conf(const char *dir, const struct sg_dns_server_opts *o, struct sg_buf *out);
int sg_dns_unbound_conf(const char *dir, const struct sg_dns_server_opts *o, struct sg_buf *out);

#endif
