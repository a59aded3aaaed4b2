/* envclaim.h - environment claims: what the authority ran on.
 *
 * A claim records, at one instant, hashes of the operating system, of
 * the signet binary and the tools it relies on, and of the domain's
 * store, so every later operation can name the environment it ran in
 * (the audit log's "claim"). The claim object:
 *   {"version": "0.1", "domain_id", "created_at",
 *    "os": {"os_release_sha256", "kernel_release", "kernel_release_sha256",
 *           "cmdline_sha256"},
 *    "signet": {"version", "sha256",                  (/proc/self/exe)
 *               "libraries": [{"path", "sha256"}]},  (mapped .so files)
 *    "tools": [{"name", "path": <string | null>, "sha256": <hex | null>}],
 *    "store": {"files", "bytes", "sha256"}}
 * "tools" lists every regular file of HOME/tools (path "tools/<name>"),
 * in byte order of name, then the peer programs age and sops, in that
 * order, as found on $PATH (path and sha256 null when absent). The
 * store hash is SHA-256 over
 * "<relative path>\0<hex sha256 of the file>\n" for each regular file,
 * depth-first with each directory's entries in byte order; anything but
 * files and directories in the store is refused; a store not made yet
 * (the domain's genesis claim) is empty.
 *
 * The snapshot-id is the first 16 characters of the lowercase base32 of
 * SHA-256("signet/v1/env-claim\n" || JCS(claim)), the digest the
 * signature signs. The claim file HOME/env-claims/<snapshot-id>.claim is
 * the JCS form of {"claim": C, "signature": SIG} (kind "env-claim",
 * signed by the domain's root key).
 */
#ifndef SIGNET_ENVCLAIM_H
#define SIGNET_ENVCLAIM_H

#include <time.h>

#include "buf.h"
#include "domain.h"
#include "json.h"

#define SG_SNAPSHOT_ID_LEN 16

/* Measures the environment now. */
struct sg_json *sg_envclaim_build(const struct sg_domain *d, time_t now);

int sg_envclaim_snapshot_id(const struct sg_json *claim, char out[SG_SNAPSHOT_ID_LEN + 1]);

/* {"claim": copy, "signature": ...}. */
struct sg_json *sg_envclaim_sign(const struct sg_json *claim, const uint8_t seed[32]);

/* Measures now and signs: the claim file's text (JCS and a newline) for
 * HOME/env-claims/<snap>.claim. */
int sg_envclaim_file(const struct sg_domain *d, const uint8_t seed[32], time_t now,
		     char snap[SG_SNAPSHOT_ID_LEN + 1], struct sg_buf *text);

/* Checks a claim file's shape and signature by d's root key, and that
 * it is the claim of d. */
int sg_envclaim_verify(const struct sg_json *file, const struct sg_domain *d, const char *what);

/* Compares a claim with a fresh measurement; fails naming the first
 * section (os, signet, tools, store) that differs. */
int sg_envclaim_compare(const struct sg_json *claim, const struct sg_json *now, const char *what);

/* env verify: reads the claim file at path and checks it as
 * sg_envclaim_verify does; when current is set, also measures the
 * environment at now and compares as sg_envclaim_compare does. The
 * caller holds HOME's shared lock. Nothing is written. */
int sg_envclaim_verify_file(const struct sg_domain *d, const char *path, int current, time_t now);

/* Hex SHA-256 of a file's contents, streamed. */
int sg_sha256_file_hex(const char *path, char out[65]);

#endif
