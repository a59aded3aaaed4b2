/* fleetctl.h - the control plane's two steps around a fleet build
 * (signet fleet issue, signet fleet sign): the only steps that use the
 * fleet's private keys. Builders hold none.
 *
 * KEYS, a directory outside the repository (signet fleet init makes the
 * example's), holds:
 *
 *   operator.key          the operator's age identity: every private
 *                         key below that issue makes is encrypted at
 *                         rest to it, and sign decrypts with it
 *   dns/                  the DNS directory (fleetdns.h): root and zone
 *                         keys, the signing state
 *   ca/                   the CA (fleetca.h): its root key, its index
 *   sb/db.key, db.crt     the Secure Boot db key (signet sb keygen
 *                         --dir KEYS/sb), for builds with UKIs
 *   verity/               the sidecar signer (fleetboot.h): its key
 *                         (signer.key.age) and certificate
 *   hosts/<h>/            what is made for each host once
 *
 * Issue runs before a build and writes into the repository's state/
 * only public things (anchors, certificates, secrets encrypted to their
 * hosts); the operator commits them, and the builders build that commit.
 * Sign runs after two builders agree: it refuses a build that is not
 * byte for byte what both attested, and writes the signed release.
 */
#ifndef SIGNET_FLEETCTL_H
#define SIGNET_FLEETCTL_H

#include <stdint.h>

#include "age.h"
#include "buf.h"
#include "fleetdoc.h"

/* KEYS/operator.key's identities (none when there is no such file) and
 * their recipients: what the control plane's keys are sealed to. */
int sg_fleet_operator(const char *keys, struct sg_age_identities *ids, struct sg_age_recipients *rs);

/* Makes in KEYS what is missing (the CA, the DNS directory and its
 * zones) and writes the matching public state into REPO/state/: the
 * CA's anchor and CRL, each web and ca service's certificate and its key
 * sealed to each of its hosts (fleetca.h), the sidecar signer's
 * certificate (fleetboot.h), then state/dns/root.ds (the
 * zones' TLSA records are made from the certificates);
 * one line per thing made in report, nothing when all exists (a second
 * run changes nothing). Each step is one transaction: after a failure
 * the steps before it are kept and a retry goes on from there. */
int sg_fleet_issue(const struct sg_fleet *f, const char *repo, const char *keys, int64_t now,
		   struct sg_buf *report);

/* A client certificate for a person, e.g. the operator, issued by the
 * fleet's CA as who@<dns.hosts> (fleetca.h: sg_fleet_ca_client): into
 * out_dir/<who>.crt and <who>.key (0600), for the services that ask for
 * client certificates. */
int sg_fleet_client(const struct sg_fleet *f, const char *repo, const char *keys, const char *who,
		    const char *out_dir, struct sg_buf *report);

/* The signed release of the build in BUILD, into OUT (made whole and
 * swapped in, fleetout.h):
 *
 *   OUT/manifest.json            the build's manifest
 *   OUT/attestations/<b>.json    both builders' attestations
 *   OUT/<path>                   every artifact of the build, each
 *                                checked against its SHA-256 as copied
 *   OUT/hosts/<h>/nsd/zones/<stem>.signed   every zone, signed
 *   OUT/hosts/<h>/boot/uki.efi   every host's UKI, its SSH host key
 *                                added and signed with KEYS/sb's db key
 *                                (fleetboot.h), 0600: it holds that key
 *   OUT/hosts/<h>/boot/pcrs      the PCR 7 and 11 it will measure
 *   OUT/hosts/<h>/boot/esp.img   its A/B ESP: that UKI and the sidecar
 *
 * Refuses (nothing written) unless att_a and att_b agree
 * (sg_fleet_compare) and the build's manifest lists exactly their
 * artifacts; zones are signed at the build's epoch (fleetdns.h), with
 * the keys of KEYS/dns decrypted by KEYS/operator.key. One line per
 * step in report; on failure report holds only the lines of the
 * comparison, when that is what failed. */
int sg_fleet_sign(const struct sg_fleet *f, const char *keys, const char *build, const char *att_a,
		  const char *att_b, const char *out, struct sg_buf *report);

#endif
