/* fleetdns.h - the fleet's DNS: its signing state, its DNS hosts'
 * artifacts, and the signing of its zones.
 *
 * The zones are the private root "." and fleet.yaml's dns.zones; the
 * name servers of a zone are the hosts of the dns services serving it,
 * each named <host>.<dns.hosts>. with its first address (port 53),
 * sorted by host name. The signing state is a signet DNS directory
 * (dnszone.h) outside the repository, e.g. KEYS/dns; its keys are
 * Ed25519 (algorithm 15), whose signatures are deterministic, so that
 * the same zones signed with the same keys at the same time give the
 * same bytes (ECDSA P-256, algorithm 13, signs with a random nonce; a
 * directory made elsewhere with it still works, only not byte for byte).
 *
 * The flow: sg_fleet_dns_issue() (control plane, before a build) makes
 * the directory and writes the public anchor into the repository; the
 * builders run the jobs of sg_fleet_dns_jobs() (unsigned zones, server
 * configuration); sg_fleet_dns_sign() (control plane, after the build)
 * signs the built zones.
 *
 * What a DNS host runs, from one directory each (the artifacts' paths
 * in the build, under hosts/<host>/):
 *
 *   nsd/nsd.conf               kind "nsd.conf": run as
 *                              cd nsd && nsd -c nsd.conf; every path in
 *                              it is relative to that directory
 *                              (zonesdir "."): zones/<stem>.signed,
 *                              nsd.pid, nsd-zone.list, nsd-xfrd.state.
 *                              Listens on every address of the host,
 *                              port 53.
 *   nsd/zones/<stem>.zone      kind "zone": the zone's unsigned master
 *                              file (<stem> "root" for ".", else the
 *                              zone's name), what the DNS directory's
 *                              zones/<stem>.zone holds for sg_dns_sign:
 *                              SOA (serial 1: the signer sets the
 *                              serial, never below its time and always
 *                              above the last, so a commit that changes
 *                              nothing in a zone changes no zone file),
 *                              apex NS,
 *                              then, sorted: in the dns.hosts zone every
 *                              host with addresses (A/AAAA, SSHFP of its
 *                              ssh_host_key); every web and ca service
 *                              name in the innermost zone holding it
 *                              (the root when none does): A/AAAA of its
 *                              hosts' addresses and TLSA
 *                              _<port>._tcp.<name> (3 1 1) of the first
 *                              certificate of state/certs/<service>/cert.pem
 *                              (none when that file is missing: the
 *                              inputs then name it under "missing").
 *                              DNSKEY, NSEC*, RRSIG and the root's
 *                              delegations (NS, glue, DS) are the
 *                              signer's.
 *   nsd/zones/<stem>.signed    written by sg_fleet_dns_sign into OUT,
 *                              beside the built files: nsd.conf plus
 *                              these is what the host serves.
 *   unbound/unbound.conf       kind "unbound.conf": run as
 *                              cd unbound && unbound -c unbound.conf
 *                              (directory "."): validating, trusting
 *                              only trust-anchor-file root.ds, no root
 *                              hints: a stub zone "." at the addresses
 *                              of the hosts serving the root, port 53.
 *                              Listens on the host's addresses, port 53,
 *                              unless the host is also authoritative
 *                              (NSD has those): then on 127.0.0.1, for
 *                              the host itself. Answers localhost and
 *                              the CA's permit_ip ranges.
 *   unbound/root.ds            kind "trust-anchor": state/dns/root.ds.
 *
 * Every make function is pure (fleetjob.h); the inputs hold the records'
 * sources (addresses, SSH keys, certificates as PEM text), so that a
 * host's boot settings never reach a DNS job's inputs.
 */
#ifndef SIGNET_FLEETDNS_H
#define SIGNET_FLEETDNS_H

#include <stdint.h>

#include "age.h"
#include "buf.h"
#include "fleetdoc.h"
#include "fleetjob.h"

/* The anchor the resolvers get, in the repository: the DS records
 * (SHA-256) of the root's active and published KSKs, in the zone-file
 * form Unbound's trust-anchor-file reads (dnsanchor.h "unbound"). */
#define SG_FLEET_ROOT_DS "state/dns/root.ds"

/* Before a build: when dns_dir has no dns.conf, makes it a DNS
 * directory (sg_dns_init: the root with its name servers, Ed25519 keys;
 * private keys age-encrypted to key_rs's X25519 recipients when key_rs
 * is not NULL and not empty); adds every zone of the fleet the directory
 * lacks (sg_dns_add_zone, its name servers); then writes
 * REPO/state/dns/root.ds (0644, atomically) when it is missing or
 * differs from the directory's anchor. One line per thing made is
 * appended to report; a second run makes nothing. Fails on a passphrase
 * recipient, and on what the dns layer refuses (a zone inside another);
 * each step is one transaction, so a failure leaves the steps before it
 * done and a retry goes on from there. */
int sg_fleet_dns_issue(const struct sg_fleet *f, const char *repo, const char *dns_dir,
		       const struct sg_age_recipients *key_rs, struct sg_buf *report);

/* The producer (fleetjob.h) of the DNS artifacts above: for a host with
 * role dns-authoritative in a dns service, nsd.conf and one zone file
 * per zone it serves; for a host with role dns-resolver, unbound.conf
 * and root.ds. Fails when a resolver's state/dns/root.ds is missing
 * ("state/dns/root.ds: missing (run signet fleet issue)"), or a
 * certificate file cannot be read. */
int sg_fleet_dns_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		      struct sg_fleet_jobs *jobs);

/* After a build: for every zone of the fleet, reads the built
 * BUILD/hosts/<h>/nsd/zones/<stem>.zone of each host serving it (they
 * must be identical), and in one transaction on dns_dir puts it into
 * zones/<stem>.zone and sets the zone's name servers in dns.conf to the
 * fleet's, where either differs; then signs (sg_dns_sign: NSEC3 per
 * RFC 9276, signatures valid from epoch - 1 h to epoch + 30 days, a
 * zone re-signed when its input changed or its signatures expire within
 * 10 days of epoch; ids decrypt age-encrypted keys, may be NULL) and
 * writes each signed zone to OUT/hosts/<h>/nsd/zones/<stem>.signed for
 * every host serving it (atomically, when different). OUT may be BUILD.
 * Signing the same build again changes nothing. Fails when a built
 * zone is missing or two hosts' differ, when dns_dir lacks a zone (run
 * issue), and on what sg_dns_sign refuses; the dns_dir update is
 * committed before signing, so after a signing failure a retry signs
 * the same input. One line per zone updated, signed and written is
 * appended to report. */
int sg_fleet_dns_sign(const struct sg_fleet *f, const char *build, const char *dns_dir,
		      const char *out, int64_t epoch, const struct sg_age_identities *ids,
		      struct sg_buf *report);

#endif
