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
 * Every file is written through sg_write_file_atomic(); nothing is ever
 * overwritten except by renew (which archives first), the index and
 * crlnumber. A command that fails leaves the directory as it found it.
 * Names are checked against the name constraints of every CA in the
 * chain before anything is generated or written, and every certificate
 * is verified with X509_verify_cert() against the chain before it is
 * written. Concurrent commands on one directory are serialised by an
 * exclusive flock() on the directory itself.
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

/* Creates a CA in dir (created if missing); refuses an existing CA. */
int sg_ca_init(const struct sg_ca_init_opts *o);

struct sg_ca;

/* Opens and checks the CA in dir; with need_key, loads the issuing
 * key too (a plain one only: see sg_ca_load_key()). Takes the
 * directory lock. */
struct sg_ca *sg_ca_open(const char *dir, int need_key);
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

/* Checks a request without writing anything: names present and valid
 * for the chain's constraints, leaf directory free. */
int sg_ca_check_request(struct sg_ca *ca, const struct sg_ca_request *r);

/* Issues one leaf into DIR/<first name>/ and records it in the index in
 * memory; the leaf directory (relative) is copied to leaf (may be NULL,
 * else SG_NAME_MAX bytes). Call sg_ca_save() afterwards. */
int sg_ca_issue(struct sg_ca *ca, const struct sg_ca_request *r, char *leaf);

/* Writes the index back (atomically). */
int sg_ca_save(struct sg_ca *ca);

/* Marks a certificate revoked: arg is a serial or a certificate file
 * issued by this CA. Saves the index. */
int sg_ca_revoke(struct sg_ca *ca, const char *arg, int reason);

/* Signs a v2 CRL of every revoked certificate, valid for days, into
 * path (PEM), and advances crlnumber. */
int sg_ca_crl(struct sg_ca *ca, const char *path, int days);

/* Renews DIR/<name>: same names and profile, a new key unless
 * reuse_key; the old cert.pem and key.pem are kept as
 * cert-<serial>.pem and key-<serial>.pem. Saves the index. */
int sg_ca_renew(struct sg_ca *ca, const char *name, int days, int reuse_key, char *serial_out);

/* The index as loaded (and updated). */
const struct sg_ca_index *sg_ca_index(const struct sg_ca *ca);
/* The CA directory and its paths. */
const char *sg_ca_dir(const struct sg_ca *ca);
/* Subject of the root (one line), for messages. */
int sg_ca_root_subject(const struct sg_ca *ca, char *out, size_t cap);

/* minica compatibility: issue a leaf for names into ./<first name>/ from
 * the root in key_path/cert_path, creating both (alg: ECDSA P-384 or
 * RSA 2048) when both are absent, as jsha/minica does. */
int sg_ca_minica(const char *key_path, const char *cert_path, enum sg_ca_alg alg,
		 const struct sg_name *names, size_t n);

#endif
