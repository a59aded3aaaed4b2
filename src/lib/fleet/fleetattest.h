/* fleetattest.h - what a builder says it built, signed by its own key,
 * and the comparison of two builders' words (signet fleet attest,
 * signet fleet compare).
 *
 * A builder's key is an Ed25519 private key in a PKCS#8 PEM file (0600,
 * as `openssl genpkey -algorithm ed25519` writes it), kept on the
 * builder; its public key is the builder's `attestation_key` in
 * hosts/<builder>.yaml. A builder holds no other private key.
 *
 * An attestation is a JSON file:
 *
 *   {"attestation": {"version": "0.1", "builder": "bubo",
 *                    "commit": "<git commit>", "dirty": false,
 *                    "epoch": <the build's time>,
 *                    "artifacts": [{"path", "host", "kind", "size",
 *                                   "sha256", "inputs"}, ...]},
 *    "signature": {...}}
 *
 * the artifacts sorted by path, exactly the build's manifest
 * (fleetbuild.h) with the builder named; the signature is signet's
 * (signed.h) with the kind "fleet-attestation", over the attestation
 * object. Before signing, every artifact's file in the build is hashed
 * again: a builder attests what is on its disk, not what its manifest
 * says.
 */
#ifndef SIGNET_FLEETATTEST_H
#define SIGNET_FLEETATTEST_H

#include <stdint.h>

#include "buf.h"
#include "fleetdoc.h"

/* A new builder key at path (refused when path exists); its public key
 * into pub. */
int sg_fleet_builder_keygen(const char *path, uint8_t pub[32]);

/* The attestation of the build in build_dir by builder (a host of role
 * builder in f), signed with the key at key_path, which must be that
 * builder's attestation_key. Appended to out. */
int sg_fleet_attest(const struct sg_fleet *f, const char *build_dir, const char *builder,
		    const char *key_path, struct sg_buf *out);

/* Both attestations verify with their builders' keys (as f names them),
 * come from two different builders, name the same commit, neither
 * dirty, and list the same artifacts byte for byte (path, host, kind,
 * size, sha256, inputs). 0 when they agree, with one summary line in
 * report; -1 otherwise, one line per difference in report (the first
 * also the error). */
int sg_fleet_compare(const struct sg_fleet *f, const char *att_a, const char *att_b,
		     struct sg_buf *report);

/* Reads an attestation file and checks its signature by its builder;
 * *att gets the attestation object (the caller frees it). */
int sg_fleet_attestation_read(const struct sg_fleet *f, const char *path, struct sg_json **att);
/* The same from memory; name is used in messages. */
int sg_fleet_attestation_parse(const struct sg_fleet *f, const char *name, const char *text,
			       size_t len, struct sg_json **att);

#endif
