/* fleetinit.h - a working example fleet (signet fleet init).
 *
 * The repository (DIR) gets the example documents of signet-fleet(5):
 * an offline authority, two builders (bubo, crucible), a DNS host (ns1:
 * the private root and the organisation's zone, and a validating
 * resolver), a CA and web host (web1), two app hosts (app1, app2), on
 * the loopback network 127.10.0.0/24 so that the services can run on one
 * machine. The keys that exist outside any repository go to KEYS:
 *
 *   KEYS/operator.key                 the operator's age identity (0600)
 *   KEYS/operator_ed25519[.pub]       the operator's SSH key (recovery
 *                                     logins: DIR/state/authorized_keys)
 *   KEYS/authority/                   the authority's home: a new domain
 *                                     (signet domain init), its root key
 *                                     encrypted to the operator
 *   KEYS/hosts/<h>/ssh_host_ed25519_key[.pub]
 *   KEYS/hosts/<h>/age.key            (web and ca hosts)
 *   KEYS/hosts/<h>/attestation.key    (builders: fleetattest.h)
 *                                     what a real host makes for itself
 *                                     at installation; its public parts
 *                                     are in hosts/<h>.yaml
 *
 * Both are written under temporary names and renamed into place, KEYS
 * first: a crash leaves neither, or KEYS alone (then init refuses until
 * it is removed), or both. Refused when DIR or KEYS exists.
 */
#ifndef SIGNET_FLEETINIT_H
#define SIGNET_FLEETINIT_H

#include <time.h>

int sg_fleet_init(const char *dir, const char *keys, time_t now);

#endif
