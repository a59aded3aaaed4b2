/* relkeys.h - the TUF keys of a fleet's releases, in KEYS/release/.
 *
 *   root.key, targets.key, snapshot.key   the offline roles' keys
 *   hosts/<h>.key                         the key of host h's delegated
 *                                         role (host-<h>)
 *   timestamp.key                         the online timestamp key
 *
 * Each holds an Ed25519 seed as 64 hex digits and a newline. The offline
 * keys are sealed to the operator's age identity at rest (keyfile.h), as
 * every private key the control plane keeps; the timestamp key is a
 * plain 0600 file, because it is meant to be copied to the distribution
 * host, which re-signs the timestamp often (signet release timestamp).
 * Keys are only ever added, never replaced (a new file is refused when
 * one exists).
 */
#ifndef SIGNET_RELKEYS_H
#define SIGNET_RELKEYS_H

#include "age.h"
#include "buf.h"
#include "tufmeta.h"

/* Makes KEYS/release/NAME.key ("root", "hosts/web1", ...) unless it
 * exists, sealed to rs (plain when rs is NULL). 1 made, 0 there. */
int sg_release_key_make(const char *keys, const char *name, const struct sg_age_recipients *rs);

/* Reads KEYS/release/NAME.key (ids decrypt a sealed one). */
int sg_release_key_load(const char *keys, const char *name, const struct sg_age_identities *ids,
			struct sg_tuf_signer *out);

#endif
