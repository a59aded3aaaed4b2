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
 * Appending verifies the log first and refuses to extend a broken one.
 * An operation's files and its record are staged in one transaction on
 * the authority home (txn.h): the files, the log with the record
 * appended and the new head appear together at the commit or not at
 * all, and the home's lock makes two operations append one after the
 * other, the second chaining to the first's record.
 */
#ifndef SIGNET_AUDITLOG_H
#define SIGNET_AUDITLOG_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "domain.h"
#include "json.h"
#include "txn.h"

struct sg_log_state {
	uint64_t records;
	char last_hash[65];
	char claim[64];	  /* claim in force after the last record, "" if none */
	time_t last_time; /* the last record's time, 0 if none */
};

/* Adds name: hex SHA-256 of the file / bytes to a hashes object. */
int sg_hashes_add_file(struct sg_json *hashes, const char *name, const char *path);
int sg_hashes_add_data(struct sg_json *hashes, const char *name, const void *data, size_t len);

/* A file an operation puts into the authority home. */
struct sg_artifact {
	const char *rel;  /* its path relative to the home */
	const char *name; /* its name in the record's outputs; NULL: not named */
	const void *data;
	size_t len;
	mode_t mode;
	int keep_same; /* the same bytes already there are kept, not refused */
};

/* An operation's record. inputs and outputs are hash objects (NULL for
 * none) owned by the call, which sets them to NULL. files are staged
 * and each named one's hash joins outputs. claim is the snapshot-id of
 * an environment claim the operation puts in force, NULL to keep the
 * one in force. The record's time is now, or the last record's when
 * that is later (two operations may read the clock in one order and
 * lock the home in the other). genesis starts the domain's log (there must be none
 * yet); otherwise the log must exist and verify. */
struct sg_log_entry {
	const char *op;
	time_t now;
	struct sg_json *inputs, *outputs;
	const struct sg_artifact *files;
	size_t nfiles;
	const char *claim;
	int genesis;
};

/* In t, an open transaction on d's home: checks that no file replaces
 * an existing one (but for keep_same with the same bytes), verifies the
 * log, then stages the files, the log with the record appended and the
 * new head. Nothing is visible before sg_txn_commit(). One record per
 * domain per transaction (the log is read from disk). */
int sg_auditlog_stage(struct sg_txn *t, const struct sg_domain *d, const uint8_t seed[32],
		      struct sg_log_entry *e);

/* The same as a transaction of its own on d's home: locks it, stages,
 * commits once. The common case of an operation writing its files. */
int sg_auditlog_commit(const struct sg_domain *d, const uint8_t seed[32], struct sg_log_entry *e);

/* Searches d's log (verified first) for a record naming an output
 * whose hex SHA-256 is hash: the last such record's seq, -1 when none
 * does, -2 with the error set when the log does not verify. */
int64_t sg_auditlog_find_output(const struct sg_domain *d, const char *hash);

/* Verifies the whole log and its head. */
int sg_auditlog_verify(const struct sg_domain *d, struct sg_log_state *st);

/* signet log show's listing: reads d's log once, verifies those bytes
 * and the head as sg_auditlog_verify does, then appends to out one line
 * per record, "SEQ TIME OP claim=<id|none>" and " NAME" for each output,
 * each ending in a newline. Fails (-1, message set) when the log does
 * not verify or on no memory; out may then hold some lines. */
int sg_auditlog_list(const struct sg_domain *d, struct sg_buf *out);

#endif
