/* fleetweb.h - the fleet's web hosts: nginx serving the web and CA
 * services over TLS with the certificates of fleetca.h.
 *
 * A host serves a service when it is among the service's hosts and the
 * service's kind is web or ca. Its artifacts, under hosts/<host>/nginx/
 * (DIR below), all from one directory:
 *
 *   nginx.conf                 kind "nginx.conf": run as
 *                                nginx -e stderr -p DIR -c DIR/nginx.conf
 *                              as root or as any user who can read DIR
 *                              and write it (the pid file nginx.pid and
 *                              the *_temp directories are made in DIR;
 *                              errors go to stderr, no access log), so
 *                              nothing under /var or /etc is touched.
 *                              One server block per service (sorted by
 *                              name): listen <address>:<port> ssl on each
 *                              of the host's addresses, server_name the
 *                              service's names (sorted), TLS 1.2 and 1.3,
 *                              ssl_certificate tls/<svc>.crt,
 *                              ssl_certificate_key keys/<svc>.key; with
 *                              client_certificates optional or required,
 *                              ssl_verify_client optional|on against
 *                              tls/ca.pem and tls/crl.pem (depth 1: the
 *                              CA has no intermediate). A static service
 *                              serves its root, an upstream one is proxied
 *                              (Host, X-Forwarded-Proto and the client
 *                              certificate's X-Client-Verify and
 *                              X-Client-DN set, never the client's own),
 *                              the CA service serves /ca.pem and /crl.pem.
 *   tls/<svc>.crt              kind "certificate": the service's chain,
 *                              state/certs/<svc>/cert.pem
 *   tls/ca.pem, tls/crl.pem    kinds "ca-certificate", "crl":
 *                              state/ca/ca.pem and state/ca/crl.pem
 *   secrets/<svc>.key.sops.yaml
 *                              kind "sops-secret": the key sealed to this
 *                              host, state/secrets/<host>/<svc>.key.sops.yaml
 *
 * keys/<svc>.key is not an artifact: the host decrypts it at run time
 * from secrets/<svc>.key.sops.yaml with its own age identity, e.g.
 *   signet sops -d --extract '["tls_key"]' secrets/www.key.sops.yaml
 * into DIR/keys/www.key (0600), before it starts nginx. No private key
 * is ever in a build in clear.
 *
 * The make functions are pure (fleetjob.h): the configuration's inputs
 * are the host's addresses and the services' names, ports, roots,
 * upstreams and client policies; the copies' inputs are the state
 * files' contents.
 */
#ifndef SIGNET_FLEETWEB_H
#define SIGNET_FLEETWEB_H

#include "fleetdoc.h"
#include "fleetjob.h"

/* The producer of the artifacts above, for a host serving a web or ca
 * service (none for another host). Fails when a state file it copies is
 * missing ("state/certs/www/cert.pem: missing (run signet fleet
 * issue)"), or cannot be read; the jobs appended before a failure stay
 * in jobs (the caller frees them). */
int sg_fleet_web_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		      struct sg_fleet_jobs *jobs);

#endif
