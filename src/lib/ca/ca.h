/* ca.h - the organisation's certificate authority, over OpenSSL's X509
 * interfaces.
 *
 * Contract. A CA directory holds:
 *   ca.pem                 the root certificate, the anchor to distribute
 *   root/ca-key.pem        the root key (0600); with an intermediate it
 *                          only signs the intermediate and can go offline
 *   intermediate/cert.pem  the name-constrained intermediate (pathlen 0)
 *   intermediate/key.pem   its key (0600), which signs leaves and CRLs
 * When init is given age recipients (a passphrase or age1 keys), each CA
 * key is instead root/ca-key.pem.age and intermediate/key.pem.age: the
 * PEM key age-encrypted and armored (keyfile.h), and the plaintext key
 * never touches the disk. Only the issuing key (the intermediate's when
 * there is one) is ever decrypted after init.
 *   index.txt              every certificate issued (caindex.h), in the
 *                          format `openssl ca` and `openssl ocsp` read
 *   crlnumber              the last CRL number, hex, as `openssl ca`
 *   <name>/cert.pem        a leaf then the intermediates (minica layout)
 *   <name>/key.pem         its key (0600)
 * Every change is one transaction on the directory (txn.h): a command
 * checks and computes everything first, stages every file it changes
 * and commits once, so a crash or a failure leaves the CA as it was or
 * with the whole change, never a leaf missing from the index or an index
 * naming a missing leaf. Nothing is ever overwritten except by renew
 * (which archives first), the index and crlnumber. Names are checked
 * against the name constraints of every CA in the chain before anything
 * is generated or staged, and every certificate is verified with
 * X509_verify_cert() against the chain. Commands on one directory are
 * serialised by the transaction's lock (readers share it), so the second
 * of two sees what the first did: a name already issued is refused.
 */
#ifndef SIGNET_CA_H
#define SIGNET_CA_H

#include <stddef.h>
#include <time.h>

#include "age.h"
#include "caindex.h"
#include "x509cert.h"
#include "x509name.h"

#define SG_CA_DEFAULT_ROOT_DAYS 3650
#define SG_CA_DEFAULT_LEAF_DAYS 397
#define SG_CA_DEFAULT_CRL_DAYS 30

struct sg_ca_init_opts {
	const char *dir;
	const char *name; /* root CN; NULL for "signet root CA <hex>" */
	enum sg_ca_alg alg;
	const char *const *permit_dns;
	size_t n_permit_dns;
	const char *const *permit_ip;
	size_t n_permit_ip;
	int intermediate;
	int days;
	/* Encrypt the CA keys to these at rest; NULL or empty: plain PEM. */
	const struct sg_age_recipients *recipients;
};

/* Creates a CA in dir (created if missing), in one transaction; refuses
 * an existing CA. */
int sg_ca_init(const struct sg_ca_init_opts *o);

struct sg_ca;

/* Opens and checks the CA in dir. SG_CA_READ holds the directory's
 * shared lock (for list, trust); SG_CA_WRITE opens its transaction
 * (exclusive), which issue, revoke, renew and crl need. Either settles
 * what an interrupted command left first. A directory that does not
 * exist is not created. */
enum { SG_CA_READ, SG_CA_WRITE };
struct sg_ca *sg_ca_open(const char *dir, int mode);
/* Closes; an uncommitted transaction is discarded. */
void sg_ca_close(struct sg_ca *ca);

/* How the issuing key is stored (-1: its file is unreadable). */
enum { SG_CA_KEY_PLAIN, SG_CA_KEY_PASSPHRASE, SG_CA_KEY_RECIPIENTS };
int sg_ca_key_storage(const struct sg_ca *ca);
/* The issuing key's file, for messages. */
const char *sg_ca_key_path(const struct sg_ca *ca);
/* Loads the issuing key and checks it against the issuing certificate;
 * an encrypted one is decrypted with ids (plaintext wiped after use). */
int sg_ca_load_key(struct sg_ca *ca, const struct sg_age_identities *ids);

struct sg_ca_request {
	const struct sg_name *names;
	size_t n;
	int client; /* clientAuth instead of serverAuth */
	int days;
	enum sg_ca_alg alg;
	const char *csr; /* sign this CSR instead of generating a key */
};

/* Checks a request without staging anything: names present and valid
 * for the chain's constraints, leaf directory free. */
int sg_ca_check_request(struct sg_ca *ca, const struct sg_ca_request *r);

/* Issues one leaf into DIR/<first name>/ (staged) and records it in the
 * index in memory; the leaf directory (relative) is copied to leaf (may
 * be NULL, else SG_NAME_MAX bytes). A name whose directory exists, or
 * that this transaction issued already, is refused. Nothing is on disk
 * until sg_ca_commit(); several calls commit together (a batch). */
int sg_ca_issue(struct sg_ca *ca, const struct sg_ca_request *r, char *leaf);

/* Issues the n requests of a batch (src names it in messages) in one
 * transaction: checks every request first (sg_ca_check_request(), and
 * no two with the same first name), then issues them all and commits.
 * Fails on the first request refused, naming its entry (1-based); then
 * nothing is committed and the caller closes ca, which discards what
 * was staged: every certificate of the batch, or (after a failure or a
 * crash) none. */
int sg_ca_issue_batch(struct sg_ca *ca, const struct sg_ca_request *reqs, size_t n, const char *src);

/* Stages the index and commits the transaction (SG_CA_WRITE). */
int sg_ca_commit(struct sg_ca *ca);

/* Marks a certificate revoked: arg is a serial or a certificate file
 * issued by this CA. Commits. */
int sg_ca_revoke(struct sg_ca *ca, const char *arg, int reason);

/* Signs a v2 CRL of every revoked certificate, valid for days, into
 * path (PEM), and advances crlnumber. A path inside the CA directory
 * commits with crlnumber; outside it, crlnumber commits first and the
 * CRL is written after, so a crash between skips a number (numbers
 * never repeat). The CA's own files are refused as path. */
int sg_ca_crl(struct sg_ca *ca, const char *path, int days);

/* Renews DIR/<name>: same names and profile, a new key unless
 * reuse_key; the old cert.pem and key.pem are kept as
 * cert-<serial>.pem and key-<serial>.pem. Commits. */
int sg_ca_renew(struct sg_ca *ca, const char *name, int days, int reuse_key, char *serial_out);

/* Issues r anew into DIR/<first name>/, where a leaf issued by this CA
 * already is: its names may differ from the old leaf's, its key is a
 * new one (or r's CSR's). As renew: the old cert.pem (and key.pem) kept
 * as cert-<serial>.pem (key-<serial>.pem), the index's old entry naming
 * the archive; a key.pem the new leaf does not use (from a CSR) is
 * archived and removed. The old certificate is not revoked. The old
 * and new serials into old and serial (either may be NULL). Commits;
 * on failure nothing is staged that the caller's close does not
 * discard. */
int sg_ca_reissue(struct sg_ca *ca, const struct sg_ca_request *r, char *old, char *serial);

/* The index as loaded (and updated). */
const struct sg_ca_index *sg_ca_index(const struct sg_ca *ca);
/* The CA directory and its paths. */
const char *sg_ca_dir(const struct sg_ca *ca);
/* Subject of the root (one line), for messages. */
int sg_ca_root_subject(const struct sg_ca *ca, char *out, size_t cap);

/* minica compatibility: issue a leaf for names into ./<first name>/ from
 * the root in key_path/cert_path, creating both (alg: ECDSA P-384 or
 * RSA 2048) when both are absent, as jsha/minica does. A new root is one
 * transaction on its directory (key and certificate in one directory;
 * in two, the key is written first), then the leaf is one on the
 * current directory: a crash leaves no half of either. */
int sg_ca_minica(const char *key_path, const char *cert_path, enum sg_ca_alg alg,
		 const struct sg_name *names, size_t n);

#endif
