/* auditlog.h - the domain's audit log: a hash chain of signed receipts
 * (PER, the provenance of every authority operation).
 *
 * DOMAIN/log/audit.log holds one line per operation, each the JCS form of
 *     {"record": R, "receipt": SIG}
 * R = {"version": "0.1", "domain_id", "seq": n (from 0), "prev": <hex
 *      SHA-256 of the previous line's bytes without its newline; 64 zeros
 *      for seq 0>, "op", "time", "inputs": {name: <hex sha256>},
 *      "outputs": {name: <hex sha256>}, "claim": <snapshot-id | null>}
 * SIG is the root key's signature over R (kind "receipt", signed.h);
 * "claim" is the environment claim in force when the operation ran.
 * DOMAIN/log/head.json = {"head": {"domain_id", "seq", "hash": <hex
 * SHA-256 of the last line>}, "signature": SIG (kind "log-head")} pins
 * the end of the chain, so deleting the last records is seen too.
 *
 * Verification re-reads every line: canonical bytes (an edit that keeps
 * the JSON valid still changes the bytes), seq in order, prev chaining,
 * times never going back, each receipt signed by the domain's root key,
 * and the head matching the last line. What it cannot see: the whole log
 * and head rolled back together to an earlier signed state (keep a copy
 * of the head elsewhere to detect that).
 *
 * Appending verifies the log first and refuses to extend a broken one;
 * the log and then the head are each replaced atomically.
 */
#ifndef SIGNET_AUDITLOG_H
#define SIGNET_AUDITLOG_H

#include <stdint.h>
#include <time.h>

#include "domain.h"
#include "json.h"

struct sg_log_state {
	uint64_t records;
	char last_hash[65];
	char claim[64]; /* claim in force after the last record, "" if none */
};

/* Adds name: hex SHA-256 of the file / bytes to a hashes object. */
int sg_hashes_add_file(struct sg_json *hashes, const char *name, const char *path);
int sg_hashes_add_data(struct sg_json *hashes, const char *name, const void *data, size_t len);

/* Appends a record for op. inputs and outputs (hash objects, may be
 * NULL for none) are owned by the call. claim is the snapshot-id of an
 * environment claim this operation puts in force, or NULL to keep the
 * one in force. *line_out, when given, receives the appended entry. */
int sg_auditlog_append(const struct sg_domain *d, const uint8_t seed[32], const char *op,
		       time_t now, struct sg_json *inputs, struct sg_json *outputs,
		       const char *claim, struct sg_json **line_out);

/* Verifies the whole log and its head. */
int sg_auditlog_verify(const struct sg_domain *d, struct sg_log_state *st);

#endif
