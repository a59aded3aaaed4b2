/* fleetca.h - the fleet's certificate authority: its directory, the
 * trust anchor and CRL in the repository, and the TLS certificates of
 * its web and CA services, their keys sealed to the hosts serving them.
 *
 * The CA directory (ca.h) lives outside the repository, e.g. KEYS/ca:
 * a root made from fleet.yaml's ca {name, algorithm, permit_dns,
 * permit_ip} (its name constraints), without an intermediate, so that
 * a service's chain is its leaf alone and one CRL (the root's) is all a
 * verifier needs (nginx's ssl_crl checks every CA of the chain). Its
 * key may be age-encrypted at rest (key_rs); the leaves are signed from
 * CSRs, so the directory never holds a service's or a person's key.
 *
 * What sg_fleet_ca_issue() keeps in the repository:
 *
 *   state/ca/ca.pem          the root certificate (PEM), the anchor
 *   state/ca/crl.pem         the root's CRL (PEM), valid 30 days; made
 *                            again when missing, when a certificate was
 *                            revoked, or when it expires within 10 days
 *   state/certs/<svc>/cert.pem
 *                            the service's certificate (leaf, PEM; no
 *                            intermediate): its names as DNS names, then
 *                            its hosts' addresses (host order, each
 *                            once) as IP names when the constraints
 *                            permit them
 *   state/secrets/<host>/<svc>.key.sops.yaml
 *                            for every host of the service: a SOPS YAML
 *                            document {tls_key: <the key, PEM>} encrypted
 *                            to the host's age_recipient (`signet sops
 *                            -d` with the host's identity reads it)
 *
 * A service's files change together, in one transaction on state/
 * (txn.h), so the certificate and the sealed keys always match.
 */
#ifndef SIGNET_FLEETCA_H
#define SIGNET_FLEETCA_H

#include <stdint.h>

#include "age.h"
#include "buf.h"
#include "fleetdoc.h"

#define SG_FLEET_CA_PEM "state/ca/ca.pem"
#define SG_FLEET_CA_CRL "state/ca/crl.pem"
#define SG_FLEET_RENEW_DAYS 30 /* a certificate expiring sooner is issued again */

/* Before a build: makes the CA in ca_dir when it holds none (sg_ca_init;
 * its key encrypted to key_rs's recipients when key_rs is not NULL and
 * not empty); writes state/ca/ca.pem when missing or different; for
 * every service of kind web or ca issues a certificate when
 * state/certs/<svc>/cert.pem is missing, is not the CA's, names other
 * names than the service's, expires within 30 days of now, or a host of
 * the service lacks its sealed key; then every valid leaf the CA holds
 * for the service's names but state/'s is revoked (superseded): the one
 * just replaced, and any a crash left valid. Then the CRL as above. ids decrypt an encrypted
 * CA key (may be NULL for a plain one). One line per thing made is
 * appended to report; a second run with nothing changed writes nothing
 * and reports nothing. Fails when a host of such a service has no
 * age_recipient, on a name the CA's constraints refuse (nothing of that
 * service is issued), and on what the CA layer refuses; each service is
 * its own transactions (the CA's, then state/'s, then the
 * revocation), so a failure leaves the services before it done and a
 * retry goes on from there: a leaf the CA issued whose state/ files
 * were not written, or one state/ replaced before a crash kept it from
 * being revoked, is revoked by the retry. */
int sg_fleet_ca_issue(const struct sg_fleet *f, const char *repo, const char *ca_dir,
		      const struct sg_age_recipients *key_rs, const struct sg_age_identities *ids,
		      int64_t now, struct sg_buf *report);

/* A client certificate for a person, for mutual TLS with the services
 * whose client_certificates is optional or required: the name is who
 * when it is a mailbox, else who@<the fleet's host zone> (the CA's
 * constraints permit mailboxes under its DNS suffixes), the CN that
 * name. Writes out_dir/<who>.crt (the certificate, 0644) and
 * out_dir/<who>.key (its key, PEM, 0600), each atomically, out_dir made
 * if missing; a person issued before gets a new key and certificate,
 * the old one revoked (superseded) and the CRL in REPO/state/ca/crl.pem
 * made again when repo is not NULL. Fails on a who that is not a plain
 * name ([A-Za-z0-9._-], or a mailbox) and on what the CA refuses. */
int sg_fleet_ca_client(const struct sg_fleet *f, const char *repo, const char *ca_dir,
		       const struct sg_age_identities *ids, const char *who, const char *out_dir,
		       struct sg_buf *report);

#endif
