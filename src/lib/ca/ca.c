#include "ca.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "keyfile.h"
#include "path.h"
#include "txn.h"
#include "x509cert.h"

#define INDEX_MAX (64u << 20)

#define ROOT_CERT "ca.pem"
#define ROOT_DIR "root"
#define ROOT_KEY "root/ca-key.pem"
#define INT_DIR "intermediate"
#define INT_CERT "intermediate/cert.pem"
#define INT_KEY "intermediate/key.pem"
#define SEALED ".age" /* suffix of a CA key age-encrypted at rest */
#define KEY_MAX (1u << 16)
#define INDEX "index.txt"
#define INDEX_ATTR "index.txt.attr"
#define CRLNUMBER "crlnumber"

/* Entries of a CA directory that no leaf directory may take. */
static const char *const reserved[] = {
	ROOT_CERT, ROOT_DIR, INT_DIR, INDEX, INDEX_ATTR, CRLNUMBER,
};

struct sg_ca {
	char *dir;
	int writing;	   /* opened with SG_CA_WRITE: txn is open */
	struct sg_txn txn; /* a writer's transaction, committed once */
	int readlock;	   /* a reader's shared lock, or -1 */
	X509 *root;
	X509 *issuer;		 /* the root, or the intermediate */
	STACK_OF(X509) * chain;	 /* certificates between leaf and root */
	EVP_PKEY *key;		 /* the issuer's key, when loaded */
	char kpath[SG_PATH_MAX]; /* the issuer's key file */
	int key_sealed;		 /* kpath is age-encrypted */
	struct sg_ca_index index;
	size_t loaded; /* entries read from disk; the rest are staged */
};

/* ---- small helpers ---- */

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Whether the chain carries name constraints at all. */
static int chain_constrained(struct sg_ca *ca)
{
	return X509_get_ext_by_NID(ca->root, NID_name_constraints, -1) >= 0 ||
	       X509_get_ext_by_NID(ca->issuer, NID_name_constraints, -1) >= 0;
}

/* ---- staging files (written at the transaction's commit) ---- */

static int stage_cert(struct sg_txn *t, const char *rel, X509 *leaf, STACK_OF(X509) * chain)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_x509_cert_pem(leaf, &b);

	for (int i = 0; rc == 0 && chain && i < sk_X509_num(chain); i++)
		rc = sg_x509_cert_pem(sk_X509_value(chain, i), &b);
	if (rc == 0)
		rc = sg_txn_write(t, rel, b.data, b.len, 0644);
	sg_buf_free(&b);
	return rc;
}

static int stage_key(struct sg_txn *t, const char *rel, EVP_PKEY *k)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_x509_key_pem(k, &b);

	if (rc == 0)
		rc = sg_txn_write(t, rel, b.data, b.len, 0600);
	sg_buf_wipe(&b);
	return rc;
}

/* A CA key: plain PEM at rel, or with recipients armored age of the PEM
 * at rel + ".age"; the plaintext PEM only ever exists in memory. */
static int stage_ca_key(struct sg_txn *t, const char *rel, EVP_PKEY *k,
			const struct sg_age_recipients *rs)
{
	struct sg_buf pem = SG_BUF_INIT, ct = SG_BUF_INIT;
	char sealed[SG_PATH_MAX];
	int rc;

	if (!rs || rs->n == 0)
		return stage_key(t, rel, k);
	snprintf(sealed, sizeof(sealed), "%s" SEALED, rel);
	rc = sg_x509_key_pem(k, &pem);
	if (rc == 0)
		rc = sg_keyfile_seal(rs, pem.data, pem.len, 1, &ct);
	sg_buf_wipe(&pem);
	if (rc == 0)
		rc = sg_txn_write(t, sealed, ct.data, ct.len, 0600);
	sg_buf_free(&ct);
	return rc;
}

/* The index in its file form, staged whole. */
static int stage_index(struct sg_txn *t, const struct sg_ca_index *idx)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_ca_index_format(idx, &b);

	if (rc == 0)
		rc = sg_txn_write(t, INDEX, b.data ? (void *)b.data : (void *)"", b.len, 0644);
	sg_buf_free(&b);
	return rc;
}

/* One permitted DNS subtree: a name, or ".name" for its subdomains only. */
static int permit_dns(const char *s, char **out)
{
	char buf[SG_NAME_MAX + 1];

	if (!(*out = calloc(1, SG_NAME_MAX + 1)))
		return sg_fail("out of memory");
	if (sg_name_dns(s[0] == '.' ? s + 1 : s, 0, buf + 1) < 0)
		return sg_fail_prefix("--permit-dns");
	buf[0] = '.';
	strcpy(*out, s[0] == '.' ? buf : buf + 1);
	return 0;
}

/* The name constraints of the options (*nc NULL when they permit
 * everything). */
static int init_constraints(const struct sg_ca_init_opts *o, NAME_CONSTRAINTS **nc)
{
	char **dns = calloc(o->n_permit_dns + 1, sizeof(*dns));
	struct sg_cidr *ip = calloc(o->n_permit_ip + 1, sizeof(*ip));
	int rc = -1;

	*nc = NULL;
	if (!dns || !ip) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->n_permit_dns; i++)
		if (permit_dns(o->permit_dns[i], &dns[i]) < 0)
			goto out;
	for (size_t i = 0; i < o->n_permit_ip; i++)
		if (sg_name_cidr(o->permit_ip[i], &ip[i]) < 0) {
			sg_fail_prefix("--permit-ip");
			goto out;
		}
	if (o->n_permit_dns + o->n_permit_ip &&
	    !(*nc = sg_x509_build_constraints(dns, o->n_permit_dns, ip, o->n_permit_ip)))
		goto out;
	rc = 0;
out:
	for (size_t i = 0; dns && i < o->n_permit_dns; i++)
		free(dns[i]);
	free(dns);
	free(ip);
	return rc;
}

/* The root's common name (the option's, or a random one) and the
 * intermediate's. */
static int init_names(const struct sg_ca_init_opts *o, char cn[256], char icn[300])
{
	if (o->name) {
		snprintf(cn, 256, "%s", o->name);
	} else {
		uint8_t r[3];
		if (sg_random(r, 3) < 0)
			return -1;
		snprintf(cn, 256, "signet root CA %02x%02x%02x", r[0], r[1], r[2]);
	}
	snprintf(icn, 300, "%.55s intermediate", cn);
	return 0;
}

/* Refuses a directory that holds any of a CA's files. */
static int check_no_ca(const char *dir)
{
	char path[SG_PATH_MAX];

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (sg_path_join(path, SG_PATH_MAX, dir, reserved[i]) < 0)
			return -1;
		if (exists(path))
			return sg_fail("%s: a CA already exists here (%s), not overwriting", dir,
				       path);
	}
	return 0;
}

/* The keys and certificates of a new CA (ikey and inter NULL without an
 * intermediate). */
struct new_ca {
	EVP_PKEY *rkey, *ikey;
	X509 *root, *inter;
};

static int init_make(const struct sg_ca_init_opts *o, NAME_CONSTRAINTS *nc, const char *cn,
		     const char *icn, time_t not_after, struct new_ca *c)
{
	/* The root's pathlen leaves room for the intermediate only. */
	if (!(c->rkey = sg_x509_keygen(o->alg)) ||
	    !(c->root = sg_x509_make_ca(cn, NULL, c->rkey, c->rkey, o->intermediate ? 1 : 0, nc,
					not_after)))
		return -1;
	if (o->intermediate &&
	    (!(c->ikey = sg_x509_keygen(o->alg)) ||
	     !(c->inter = sg_x509_make_ca(icn, c->root, c->rkey, c->ikey, 0, nc, not_after))))
		return -1;
	return 0;
}

/* Everything in one transaction: the commit is the moment the directory
 * becomes a CA, whole. */
static int init_stage(struct sg_txn *t, const struct sg_ca_init_opts *o, const struct new_ca *c)
{
	if (sg_txn_mkdir(t, ROOT_DIR, 0700) < 0 ||
	    stage_ca_key(t, ROOT_KEY, c->rkey, o->recipients) < 0)
		return -1;
	if (c->inter && (sg_txn_mkdir(t, INT_DIR, 0700) < 0 ||
			 stage_ca_key(t, INT_KEY, c->ikey, o->recipients) < 0 ||
			 stage_cert(t, INT_CERT, c->inter, NULL) < 0))
		return -1;
	if (sg_txn_write(t, INDEX, "", 0, 0644) < 0 ||
	    sg_txn_write(t, INDEX_ATTR, "unique_subject = no\n", 20, 0644) < 0 ||
	    stage_cert(t, ROOT_CERT, c->root, NULL) < 0)
		return -1;
	return sg_txn_commit(t);
}

int sg_ca_init(const struct sg_ca_init_opts *o)
{
	char cn[256], icn[300];
	NAME_CONSTRAINTS *nc = NULL;
	struct new_ca c = { NULL, NULL, NULL, NULL };
	struct sg_txn t = { .lock = -1 };
	int rc = -1, created = 0, days = o->days > 0 ? o->days : SG_CA_DEFAULT_ROOT_DAYS;
	time_t not_after = time(NULL) + (time_t)days * 86400;

	/* Everything the options say is checked before anything exists. */
	if (o->days > 36500)
		return sg_fail("--days %d: more than 100 years", o->days);
	if (o->name && (!*o->name || strlen(o->name) > 64))
		return sg_fail("--name must be 1-64 characters");
	if (init_constraints(o, &nc) < 0 || init_names(o, cn, icn) < 0)
		goto out;
	/* The directory is the transaction's: made (with its parents) and
	 * locked by sg_txn_begin, removed again when this fails and it was
	 * not there before. */
	created = !exists(o->dir);
	if (sg_txn_begin(&t, o->dir) < 0 || check_no_ca(o->dir) < 0 ||
	    init_make(o, nc, cn, icn, not_after, &c) < 0 || init_stage(&t, o, &c) < 0)
		goto out;
	rc = 0;
out:
	sg_txn_end(&t);
	if (rc < 0 && created)
		rmdir(o->dir);
	NAME_CONSTRAINTS_free(nc);
	EVP_PKEY_free(c.rkey);
	EVP_PKEY_free(c.ikey);
	X509_free(c.root);
	X509_free(c.inter);
	return rc;
}

/* ---- an open CA ---- */

void sg_ca_close(struct sg_ca *ca)
{
	if (!ca)
		return;
	/* a writer that did not commit leaves nothing */
	if (ca->writing)
		sg_txn_end(&ca->txn);
	sg_txn_read_end(&ca->readlock);
	if (ca->issuer != ca->root)
		X509_free(ca->issuer);
	X509_free(ca->root);
	sk_X509_free(ca->chain);
	EVP_PKEY_free(ca->key);
	sg_ca_index_free(&ca->index);
	free(ca->dir);
	free(ca);
}

static int check_signed_by(X509 *x, X509 *by, const char *path, const char *bypath)
{
	EVP_PKEY *pub = X509_get0_pubkey(by);

	if (!pub || X509_verify(x, pub) != 1) {
		ERR_clear_error();
		return sg_fail("%s: not signed by %s", path, bypath);
	}
	return 0;
}

/* The issuing key is kpath, or kpath.age when sealed; never both. */
static int find_key(struct sg_ca *ca, const char *kpath)
{
	char sealed[SG_PATH_MAX];

	if (snprintf(sealed, sizeof(sealed), "%s" SEALED, kpath) >= (int)sizeof(sealed))
		return sg_fail("%s: path too long", kpath);
	ca->key_sealed = exists(sealed);
	if (ca->key_sealed && exists(kpath))
		return sg_fail("%s: both a plain and an encrypted key (%s): remove the plain one",
			       kpath, sealed);
	snprintf(ca->kpath, sizeof(ca->kpath), "%s", ca->key_sealed ? sealed : kpath);
	return 0;
}

int sg_ca_key_storage(const struct sg_ca *ca)
{
	int wants;

	if (!ca->key_sealed)
		return SG_CA_KEY_PLAIN;
	if ((wants = sg_keyfile_wants_passphrase(ca->kpath)) < 0)
		return -1;
	return wants ? SG_CA_KEY_PASSPHRASE : SG_CA_KEY_RECIPIENTS;
}

const char *sg_ca_key_path(const struct sg_ca *ca)
{
	return ca->kpath;
}

int sg_ca_load_key(struct sg_ca *ca, const struct sg_age_identities *ids)
{
	struct sg_buf pem = SG_BUF_INIT;

	if (ca->key)
		return 0;
	if (!ca->key_sealed) {
		ca->key = sg_x509_read_key(ca->kpath);
	} else if (!ids || ids->n == 0) {
		return sg_fail("%s: the CA key is encrypted: give --passphrase-file or -i IDENTITY",
			       ca->kpath);
	} else {
		if (sg_keyfile_open(ca->kpath, ids, KEY_MAX, &pem) == 0)
			ca->key = sg_x509_key_from_pem(pem.data, pem.len, ca->kpath);
		sg_buf_wipe(&pem);
	}
	if (!ca->key)
		return -1;
	if (X509_check_private_key(ca->issuer, ca->key) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(ca->key);
		ca->key = NULL;
		return sg_fail("%s: key does not match the issuing CA certificate", ca->kpath);
	}
	return 0;
}

/* Locks dir for mode: a writer's transaction (which settles what a
 * crash left), a reader's shared lock (which settles first too); a
 * directory that does not exist is not created. */
static int ca_lock(struct sg_ca *ca, const char *dir, int mode)
{
	struct stat st;

	if (mode != SG_CA_WRITE)
		return sg_txn_read_begin(dir, &ca->readlock);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return sg_fail("%s: no CA here (run 'signet ca init')", dir);
	if (sg_txn_begin(&ca->txn, dir) < 0)
		return -1;
	ca->writing = 1;
	return 0;
}

/* The root, checked: a self-signed CA certificate. */
static int open_root(struct sg_ca *ca, const char *dir)
{
	char path[SG_PATH_MAX];

	if (sg_path_join(path, SG_PATH_MAX, dir, ROOT_CERT) < 0)
		return -1;
	if (!exists(path))
		return sg_fail("%s: no CA here (%s missing; run 'signet ca init')", dir, path);
	if (!(ca->root = sg_x509_read_cert(path)))
		return -1;
	if (X509_check_ca(ca->root) != 1 || check_signed_by(ca->root, ca->root, path, "itself") < 0)
		return sg_fail("%s: not a self-signed CA certificate", path);
	ca->issuer = ca->root;
	return 0;
}

/* The issuer: the intermediate when there is one (checked, and the
 * chain), else the root; its key file into kpath (SG_PATH_MAX). */
static int open_issuer(struct sg_ca *ca, const char *dir, char *kpath)
{
	char path[SG_PATH_MAX], rpath[SG_PATH_MAX];

	if (sg_path_join(path, SG_PATH_MAX, dir, INT_CERT) < 0 ||
	    sg_path_join(kpath, SG_PATH_MAX, dir, ROOT_KEY) < 0)
		return -1;
	if (!exists(path))
		return 0;
	if (!(ca->issuer = sg_x509_read_cert(path)))
		return -1;
	snprintf(rpath, sizeof(rpath), "%s/%s", dir, ROOT_CERT);
	if (X509_check_ca(ca->issuer) != 1 || check_signed_by(ca->issuer, ca->root, path, rpath) < 0)
		return sg_fail("%s: not a CA certificate signed by %s", path, rpath);
	if (!sk_X509_push(ca->chain, ca->issuer))
		return sg_fail("out of memory");
	return sg_path_join(kpath, SG_PATH_MAX, dir, INT_KEY);
}

/* The index, when the directory has one. */
static int open_index(struct sg_ca *ca, const char *dir)
{
	char path[SG_PATH_MAX];
	struct sg_buf b = SG_BUF_INIT;
	int rc = 0;

	if (sg_path_join(path, SG_PATH_MAX, dir, INDEX) < 0)
		return -1;
	if (exists(path) && (sg_read_file(path, &b, INDEX_MAX) < 0 ||
			     sg_ca_index_parse(b.data, b.len, path, &ca->index) < 0))
		rc = -1;
	sg_buf_free(&b);
	ca->loaded = ca->index.n;
	return rc;
}

struct sg_ca *sg_ca_open(const char *dir, int mode)
{
	struct sg_ca *ca = calloc(1, sizeof(*ca));
	char kpath[SG_PATH_MAX];

	if (!ca) {
		sg_fail("out of memory");
		return NULL;
	}
	ca->readlock = -1;
	if (!(ca->dir = strdup(dir)) || !(ca->chain = sk_X509_new_null())) {
		sg_fail("out of memory");
		goto fail;
	}
	if (ca_lock(ca, dir, mode) < 0 || open_root(ca, dir) < 0 ||
	    open_issuer(ca, dir, kpath) < 0 || find_key(ca, kpath) < 0 || open_index(ca, dir) < 0)
		goto fail;
	return ca;
fail:
	sg_ca_close(ca);
	return NULL;
}

const struct sg_ca_index *sg_ca_index(const struct sg_ca *ca)
{
	return &ca->index;
}

const char *sg_ca_dir(const struct sg_ca *ca)
{
	return ca->dir;
}

int sg_ca_root_subject(const struct sg_ca *ca, char *out, size_t cap)
{
	X509_NAME_oneline(X509_get_subject_name(ca->root), out, (int)cap);
	return 0;
}

/* Stages the index as it is in memory and commits the transaction. */
int sg_ca_commit(struct sg_ca *ca)
{
	if (!ca->writing)
		return sg_fail("%s: the CA was opened for reading", ca->dir);
	if (stage_index(&ca->txn, &ca->index) < 0)
		return -1;
	return sg_txn_commit(&ca->txn);
}

/* The leaf directory for a first name: '*' becomes '_' as in minica. */
static int leaf_dir_name(const struct sg_name *first, char *out)
{
	size_t i;

	for (i = 0; first->text[i]; i++)
		out[i] = first->text[i] == '*' ? '_' : first->text[i];
	out[i] = '\0';
	if (first->type == SG_NAME_URI)
		return sg_fail("'%s': the first name names the directory: make it a DNS name, an address or an email",
			       first->text);
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0 || strchr(out, '/'))
		return sg_fail("'%s': cannot name a directory", first->text);
	return 0;
}

static int check_leaf_dir(struct sg_ca *ca, const struct sg_name *first, char *rel, char *abs)
{
	if (leaf_dir_name(first, rel) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(rel, reserved[i]) == 0)
			return sg_fail("'%s' would collide with the CA's own %s/%s; list another name first",
				       first->text, ca->dir, reserved[i]);
	if (sg_path_join(abs, SG_PATH_MAX, ca->dir, rel) < 0)
		return -1;
	if (exists(abs))
		return sg_fail("%s: already exists, not overwriting (use 'signet ca renew %s')",
			       abs, rel);
	/* issued earlier in this transaction (a batch) */
	for (size_t i = ca->loaded; i < ca->index.n; i++)
		if (!strncmp(ca->index.e[i].file, rel, strlen(rel)) &&
		    ca->index.e[i].file[strlen(rel)] == '/')
			return sg_fail("%s: issued twice in one transaction", abs);
	return 0;
}

/* One name of a CSR's subjectAltName, parsed into out. */
static int gen_name(const GENERAL_NAME *g, struct sg_name *out, const char *path)
{
	char t[SG_NAME_MAX];
	enum sg_name_type type;

	switch (sg_x509_general_name(g, &type, t)) {
	case SG_X509_GEN_OK: break;
	case SG_X509_GEN_BAD_IP: return sg_fail("%s: bad IP address in subjectAltName", path);
	case SG_X509_GEN_BAD_TEXT: return sg_fail("%s: bad name in subjectAltName", path);
	default: return sg_fail("%s: unsupported kind of name in subjectAltName", path);
	}
	if (sg_name_parse(type, t, out) < 0)
		return sg_fail_prefix(path);
	return 0;
}

/* The names of a CSR's subjectAltName extension. */
static int csr_names(X509_REQ *req, struct sg_name **out, size_t *n, const char *path)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens = NULL;
	int idx = exts ? X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1) : -1;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (idx < 0) {
		sg_fail("%s: the CSR has no subjectAltName; give the names with --domains", path);
		goto out;
	}
	gens = X509V3_EXT_d2i(X509v3_get_ext(exts, idx));
	if (!gens || !(*out = calloc((size_t)sk_GENERAL_NAME_num(gens) + 1, sizeof(**out)))) {
		sg_fail("%s: unreadable subjectAltName", path);
		goto out;
	}
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		if (gen_name(sk_GENERAL_NAME_value(gens, i), &(*out)[*n], path) < 0)
			goto out;
		(*n)++;
	}
	if (*n == 0) {
		sg_fail("%s: empty subjectAltName", path);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

static X509_REQ *read_csr(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	X509_REQ *req = NULL;
	BIO *bio;

	if (sg_read_file(path, &b, SG_X509_FILE_MAX) < 0)
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	/* "": an encrypted PEM fails rather than asks for a pass phrase */
	if (bio && !(req = PEM_read_bio_X509_REQ(bio, NULL, NULL, (void *)""))) {
		const unsigned char *p = b.data;
		ERR_clear_error();
		req = d2i_X509_REQ(NULL, &p, (long)b.len);
	}
	BIO_free(bio);
	sg_buf_free(&b);
	if (!req) {
		ERR_clear_error();
		sg_fail("%s: not a certificate signing request (PEM or DER)", path);
		return NULL;
	}
	EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
	if (!pub || X509_REQ_verify(req, pub) != 1) {
		ERR_clear_error();
		X509_REQ_free(req);
		sg_fail("%s: the CSR's signature does not verify", path);
		return NULL;
	}
	if (sg_x509_key_acceptable(pub, path) < 0) {
		X509_REQ_free(req);
		return NULL;
	}
	return req;
}

/* The names a request certifies: its own, or the CSR's. */
static int request_names(const struct sg_ca_request *r, X509_REQ **req, struct sg_name **owned,
			 const struct sg_name **names, size_t *n)
{
	*req = NULL;
	*owned = NULL;
	*names = r->names;
	*n = r->n;
	if (r->csr) {
		if (!(*req = read_csr(r->csr)))
			return -1;
		if (r->n == 0) {
			if (csr_names(*req, owned, n, r->csr) < 0)
				return -1;
			*names = *owned;
		}
	}
	if (*n == 0)
		return sg_fail("no names given (--domains, --ip-addresses, --email, --uri)");
	for (size_t i = 0; i < *n; i++)
		for (size_t j = 0; j < i; j++)
			if ((*names)[i].type == (*names)[j].type &&
			    strcmp((*names)[i].text, (*names)[j].text) == 0)
				return sg_fail("'%s' is listed twice", (*names)[i].text);
	return 0;
}

static int check_days(struct sg_ca *ca, int days, time_t *not_after)
{
	int d = days > 0 ? days : SG_CA_DEFAULT_LEAF_DAYS;
	time_t end = time(NULL) + (time_t)d * 86400;

	if (days > 36500)
		return sg_fail("--days %d: more than 100 years", days);
	if (X509_cmp_time(X509_get0_notAfter(ca->issuer), &end) < 0)
		return sg_fail("a certificate valid %d days would outlive the issuing CA; use fewer --days",
			       d);
	*not_after = end;
	return 0;
}

int sg_ca_check_request(struct sg_ca *ca, const struct sg_ca_request *r)
{
	X509_REQ *req;
	struct sg_name *owned;
	const struct sg_name *names;
	size_t n;
	char rel[SG_NAME_MAX], abs[SG_PATH_MAX];
	time_t na;
	int rc = -1;

	if (request_names(r, &req, &owned, &names, &n) == 0 && check_days(ca, r->days, &na) == 0 &&
	    sg_x509_check_names(names, n, ca->issuer, ca->root) == 0 &&
	    check_leaf_dir(ca, &names[0], rel, abs) == 0)
		rc = 0;
	X509_REQ_free(req);
	free(owned);
	return rc;
}

static int record(struct sg_ca *ca, X509 *x, const char *serial, const char *file)
{
	struct sg_ca_entry e;
	char subj[1024];
	time_t t;

	memset(&e, 0, sizeof(e));
	e.status = 'V';
	e.reason = SG_CA_NO_REASON;
	{
		struct tm tm;
		if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
			return sg_x509_fail("bad notAfter");
		t = timegm(&tm);
	}
	sg_ca_time_format(t, e.expires);
	snprintf(e.serial, sizeof(e.serial), "%s", serial);
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	e.file = (char *)file;
	e.subject = subj;
	return sg_ca_index_add(&ca->index, &e);
}

/* A fresh random serial that the index already holds would make two
 * certificates one in every CRL: refused (2^-128, but checked). */
static int check_serial_free(struct sg_ca *ca, const char *serial)
{
	if (sg_ca_index_find(&ca->index, serial))
		return sg_fail("serial %s: already in %s/%s; try again", serial, ca->dir, INDEX);
	return 0;
}

int sg_ca_issue(struct sg_ca *ca, const struct sg_ca_request *r, char *leaf_out)
{
	X509_REQ *req = NULL;
	struct sg_name *owned = NULL;
	const struct sg_name *names;
	size_t n;
	char rel[SG_NAME_MAX], abs[SG_PATH_MAX], serial[SG_CA_SERIAL_MAX + 1], file[SG_PATH_MAX];
	EVP_PKEY *key = NULL, *pub;
	X509 *leaf = NULL;
	time_t not_after = 0;
	int rc = -1;

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (!ca->writing)
		return sg_fail("%s: the CA was opened for reading", ca->dir);
	if (request_names(r, &req, &owned, &names, &n) < 0 ||
	    check_days(ca, r->days, &not_after) < 0 ||
	    sg_x509_check_names(names, n, ca->issuer, ca->root) < 0 ||
	    check_leaf_dir(ca, &names[0], rel, abs) < 0)
		goto out;
	if (req) {
		pub = X509_REQ_get0_pubkey(req);
	} else {
		if (!(key = sg_x509_keygen(r->alg)))
			goto out;
		pub = key;
	}
	if (!(leaf = sg_x509_make_leaf(ca->issuer, ca->key, pub, names, n,
				       r->client ? SG_X509_EKU_CLIENT : SG_X509_EKU_SERVER,
				       sg_x509_is_rsa(pub), not_after, !chain_constrained(ca),
				       serial)))
		goto out;
	if (sg_x509_verify_leaf(leaf, ca->root, ca->chain,
				r->client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER) < 0 ||
	    check_serial_free(ca, serial) < 0)
		goto out;
	/* Staged: the leaf appears with the index line at sg_ca_commit(). */
	if (sg_txn_mkdir(&ca->txn, rel, 0700) < 0)
		goto out;
	snprintf(file, sizeof(file), "%s/key.pem", rel);
	if (key && stage_key(&ca->txn, file, key) < 0)
		goto out;
	snprintf(file, sizeof(file), "%s/cert.pem", rel);
	if (stage_cert(&ca->txn, file, leaf, ca->chain) < 0 || record(ca, leaf, serial, file) < 0)
		goto out;
	if (leaf_out)
		snprintf(leaf_out, SG_NAME_MAX, "%s", rel);
	rc = 0;
out:
	X509_free(leaf);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	free(owned);
	return rc;
}

/* ---- a batch ---- */

/* Every request of a batch valid, and no two with the same first name. */
static int check_batch(struct sg_ca *ca, const struct sg_ca_request *reqs, size_t n, const char *src)
{
	for (size_t i = 0; i < n; i++) {
		if (sg_ca_check_request(ca, &reqs[i]) < 0) {
			char where[PATH_MAX + 32];
			snprintf(where, sizeof(where), "%s: entry %zu", src, i + 1);
			return sg_fail_prefix(where);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(reqs[j].names[0].text, reqs[i].names[0].text) == 0)
				return sg_fail("%s: entries %zu and %zu both start with '%s'", src,
					       j + 1, i + 1, reqs[i].names[0].text);
	}
	return 0;
}

int sg_ca_issue_batch(struct sg_ca *ca, const struct sg_ca_request *reqs, size_t n, const char *src)
{
	if (check_batch(ca, reqs, n, src) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sg_ca_issue(ca, &reqs[i], NULL) < 0) {
			char why[512];
			snprintf(why, sizeof(why), "%s", sg_errmsg());
			return sg_fail("%s (entry %zu; nothing issued)", why, i + 1);
		}
	return sg_ca_commit(ca);
}

/* ---- revocation ---- */

int sg_ca_revoke(struct sg_ca *ca, const char *arg, int reason)
{
	char serial[SG_CA_SERIAL_MAX + 1];
	struct sg_ca_entry *e;
	struct stat st;

	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
		X509 *x = sg_x509_read_cert(arg);
		int bad;
		if (!x)
			return -1;
		bad = X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca->issuer)) != 0 ||
		      X509_verify(x, X509_get0_pubkey(ca->issuer)) != 1;
		ERR_clear_error();
		if (bad || sg_x509_serial_hex(x, serial) < 0) {
			X509_free(x);
			return bad ? sg_fail("%s: not issued by this CA (%s)", arg, ca->dir) : -1;
		}
		X509_free(x);
	} else if (sg_ca_serial_normalise(arg, serial) < 0) {
		return sg_fail("'%s': neither a certificate file nor a serial number", arg);
	}
	if (!(e = sg_ca_index_find(&ca->index, serial)))
		return sg_fail("serial %s: not in %s/%s", serial, ca->dir, INDEX);
	if (e->status == 'R')
		return sg_fail("serial %s: already revoked at %s", serial, e->revoked);
	e->status = 'R';
	sg_ca_time_format(time(NULL), e->revoked);
	e->reason = reason;
	return sg_ca_commit(ca);
}

static int read_crlnumber(const char *path, BIGNUM **bn)
{
	struct sg_buf b = SG_BUF_INIT;
	size_t n;

	*bn = NULL;
	if (!exists(path)) {
		*bn = BN_new();
		return *bn && BN_one(*bn) ? 0 : sg_x509_fail("out of memory");
	}
	if (sg_read_file(path, &b, 128) < 0)
		return -1;
	n = b.len;
	while (n && (b.data[n - 1] == '\n' || b.data[n - 1] == '\r'))
		n--;
	b.data[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", b.data[i]))
			n = 0;
	if (n == 0 || !BN_hex2bn(bn, (char *)b.data)) {
		sg_buf_free(&b);
		return sg_fail("%s: not a hex CRL number", path);
	}
	sg_buf_free(&b);
	return 0;
}

static int add_revoked(X509_CRL *crl, const struct sg_ca_entry *e)
{
	X509_REVOKED *r = X509_REVOKED_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *when = ASN1_TIME_new();
	ASN1_ENUMERATED *why = NULL;
	int ok = 0;

	if (!r || !when || !BN_hex2bn(&bn, e->serial) || !(serial = BN_to_ASN1_INTEGER(bn, NULL)) ||
	    !X509_REVOKED_set_serialNumber(r, serial) ||
	    !ASN1_TIME_set_string_X509(when, e->revoked) || !X509_REVOKED_set_revocationDate(r, when))
		goto out;
	/* RFC 5280 5.3.1: the reason code "unspecified" SHOULD be absent. */
	if (e->reason > 0) {
		if (!(why = ASN1_ENUMERATED_new()) || !ASN1_ENUMERATED_set(why, e->reason) ||
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, why, 0, 0) != 1)
			goto out;
	}
	if (!X509_CRL_add0_revoked(crl, r))
		goto out;
	r = NULL;
	ok = 1;
out:
	X509_REVOKED_free(r);
	BN_free(bn);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(when);
	ASN1_ENUMERATED_free(why);
	return ok ? 0 : sg_x509_fail("cannot add a revoked certificate to the CRL");
}

/* The CRL file's path inside the CA directory, or "" when it is outside.
 * Its directory must exist (a number is not spent on a typing error), and
 * a CRL may not take the place of the CA's own files. */
static int crl_rel(struct sg_ca *ca, const char *out, char rel[SG_PATH_MAX])
{
	char top[PATH_MAX], where[PATH_MAX], *copy = strdup(out), *slash, *base;
	const char *parent, *sub;
	size_t n;
	int rc = 0;

	rel[0] = '\0';
	if (!copy)
		return sg_fail("out of memory");
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	parent = slash ? (*copy ? copy : "/") : ".";
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		rc = sg_fail("-o %s: not a file name", out);
		goto out;
	}
	if (!realpath(ca->dir, top)) {
		rc = sg_fail_errno("%s", ca->dir);
		goto out;
	}
	if (!realpath(parent, where)) {
		rc = sg_fail_errno("-o %s: %s", out, parent);
		goto out;
	}
	n = strlen(top);
	if (!strcmp(where, top))
		sub = "";
	else if (!strncmp(where, top, n) && where[n] == '/')
		sub = where + n + 1;
	else
		goto out;
	if (snprintf(rel, SG_PATH_MAX, "%s%s%s", sub, *sub ? "/" : "", base) >= SG_PATH_MAX) {
		rc = sg_fail("-o %s: path too long", out);
		goto out;
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t r = strlen(reserved[i]);
		if (!strncmp(rel, reserved[i], r) && (rel[r] == '\0' || rel[r] == '/'))
			rc = sg_fail("-o %s: that is the CA's own %s", out, reserved[i]);
	}
	if (!strncmp(rel, ".txn", 4) && (rel[4] == '\0' || rel[4] == '/'))
		rc = sg_fail("-o %s: inside the CA's staging directory", out);
out:
	if (rc < 0)
		rel[0] = '\0';
	free(copy);
	return rc;
}

/* A v2 CRL from the issuer of every revoked entry, valid d days from
 * now, unsigned. */
static X509_CRL *crl_new(struct sg_ca *ca, int d)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = NULL;
	time_t now = time(NULL);
	int ok = crl && X509_CRL_set_version(crl, X509_CRL_VERSION_2) &&
		 X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->issuer)) &&
		 (t = ASN1_TIME_new()) && X509_time_adj_ex(t, 0, 0, &now) &&
		 X509_CRL_set1_lastUpdate(crl, t) && X509_time_adj_ex(t, d, 0, &now) &&
		 X509_CRL_set1_nextUpdate(crl, t);

	ASN1_TIME_free(t);
	if (!ok)
		sg_x509_fail("cannot build the CRL");
	for (size_t i = 0; ok && i < ca->index.n; i++)
		if (ca->index.e[i].status == 'R' && add_revoked(crl, &ca->index.e[i]) < 0)
			ok = 0;
	if (!ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* The CRL number and the authority key identifier, then the signature. */
static int crl_sign(struct sg_ca *ca, X509_CRL *crl, const BIGNUM *num)
{
	ASN1_INTEGER *crlnum = NULL;
	AUTHORITY_KEYID *akid = NULL;
	int rc = -1;

	if (!(crlnum = BN_to_ASN1_INTEGER(num, NULL)) || !(akid = sg_x509_issuer_akid(ca->issuer)) ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, crlnum, 0, 0) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0) != 1 ||
	    !X509_CRL_sort(crl))
		sg_x509_fail("cannot build the CRL");
	else if (X509_CRL_sign(crl, ca->key, sg_x509_sign_md(ca->key)) <= 0)
		sg_x509_fail("signing the CRL failed");
	else
		rc = 0;
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(crlnum);
	return rc;
}

/* The number just used is spent: the next CRL gets the next one,
 * staged in crlnumber. */
static int stage_next_crlnumber(struct sg_ca *ca, BIGNUM *num)
{
	char line[128], *hex = NULL;
	int n;

	if (!BN_add_word(num, 1) || !(hex = BN_bn2hex(num)))
		return sg_x509_fail("out of memory");
	n = snprintf(line, sizeof(line), "%s%s\n", strlen(hex) % 2 ? "0" : "", hex);
	OPENSSL_free(hex);
	return sg_txn_write(&ca->txn, CRLNUMBER, line, (size_t)n, 0644);
}

int sg_ca_crl(struct sg_ca *ca, const char *out, int days)
{
	char path[SG_PATH_MAX], rel[SG_PATH_MAX], *data;
	BIGNUM *num = NULL;
	X509_CRL *crl = NULL;
	BIO *bio = NULL;
	long len;
	int rc = -1;

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (days > 3650)
		return sg_fail("--days %d: a CRL valid more than 10 years", days);
	if (!ca->writing)
		return sg_fail("%s: the CA was opened for reading", ca->dir);
	if (crl_rel(ca, out, rel) < 0 || sg_path_join(path, SG_PATH_MAX, ca->dir, CRLNUMBER) < 0 ||
	    read_crlnumber(path, &num) < 0 ||
	    !(crl = crl_new(ca, days > 0 ? days : SG_CA_DEFAULT_CRL_DAYS)) ||
	    crl_sign(ca, crl, num) < 0)
		goto out;
	if (!(bio = BIO_new(BIO_s_mem())) || PEM_write_bio_X509_CRL(bio, crl) != 1) {
		sg_x509_fail("cannot encode the CRL");
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (stage_next_crlnumber(ca, num) < 0)
		goto out;
	/* Inside the CA directory the CRL commits with its number. Outside,
	 * the number is committed first: a crash before the CRL is written
	 * skips a number, and no two CRLs ever carry the same one. */
	if (rel[0] && sg_txn_write(&ca->txn, rel, data, (size_t)len, 0644) < 0)
		goto out;
	if (sg_txn_commit(&ca->txn) < 0 ||
	    (!rel[0] && sg_write_file_atomic(out, data, (size_t)len, 0644, 0) < 0))
		goto out;
	rc = 0;
out:
	BIO_free(bio);
	BN_free(num);
	X509_CRL_free(crl);
	return rc;
}

/* ---- renewal ---- */

/* Stages a copy of DIR/from at DIR/to, which must not exist yet. */
static int stage_copy(struct sg_ca *ca, const char *from, const char *to, mode_t mode)
{
	struct sg_buf b = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc;

	if (sg_path_join(path, SG_PATH_MAX, ca->dir, to) < 0)
		return -1;
	if (exists(path))
		return sg_fail("%s: already exists, not overwriting", path);
	if (sg_path_join(path, SG_PATH_MAX, ca->dir, from) < 0)
		return -1;
	rc = sg_read_file(path, &b, SG_X509_FILE_MAX);
	if (rc == 0)
		rc = sg_txn_write(&ca->txn, to, b.data, b.len, mode);
	sg_buf_wipe(&b);
	return rc;
}

/* The leaf DIR/name's certificate, issued by this CA's issuer: its
 * serial into old and its names. */
static X509 *renew_old(struct sg_ca *ca, const char *cpath, char *old, struct sg_name **names,
		       size_t *n)
{
	X509 *oldx = sg_x509_read_cert(cpath);

	if (!oldx)
		return NULL;
	if (X509_NAME_cmp(X509_get_issuer_name(oldx), X509_get_subject_name(ca->issuer)) != 0 ||
	    X509_verify(oldx, X509_get0_pubkey(ca->issuer)) != 1) {
		ERR_clear_error();
		sg_fail("%s: not issued by this CA's issuing certificate", cpath);
	} else if (sg_x509_serial_hex(oldx, old) == 0 &&
		   sg_x509_cert_names(oldx, names, n, cpath) == 0) {
		return oldx;
	}
	X509_free(oldx);
	return NULL;
}

/* The algorithm of a public key, for a new key like it. */
static enum sg_ca_alg alg_like(EVP_PKEY *pub)
{
	if (EVP_PKEY_is_a(pub, "RSA"))
		return EVP_PKEY_get_bits(pub) > 2048 ? SG_CA_RSA3072 : SG_CA_RSA2048;
	if (EVP_PKEY_is_a(pub, "ED25519"))
		return SG_CA_ED25519;
	if (EVP_PKEY_is_a(pub, "EC") && EVP_PKEY_get_bits(pub) > 256)
		return SG_CA_ECDSA_P384;
	return SG_CA_ECDSA_P256;
}

/* The renewed leaf's public key: the old one with reuse_key, else a new
 * key like it (*key, which needs the old key.pem to replace). */
static EVP_PKEY *renew_key(X509 *oldx, int reuse_key, int has_key, const char *dir, EVP_PKEY **key)
{
	EVP_PKEY *oldpub = X509_get0_pubkey(oldx);

	*key = NULL;
	if (reuse_key) {
		if (!oldpub)
			sg_x509_fail("cannot read the old public key");
		return oldpub;
	}
	if (!has_key) {
		sg_fail("%s: no key.pem (signed from a CSR): renew with --reuse-key or issue from a new CSR",
			dir);
		return NULL;
	}
	return *key = sg_x509_keygen(alg_like(oldpub));
}

/* One transaction: the old pair archived, the new one (key: NULL to
 * keep the old key.pem) in place and the index naming both, or none of
 * it. */
static int renew_stage(struct sg_ca *ca, const char *name, const char *old, EVP_PKEY *key,
		       X509 *leaf, const char *serial)
{
	char arch[SG_PATH_MAX * 2], file[SG_PATH_MAX * 2], *copy;
	struct sg_ca_entry *e;

	snprintf(arch, sizeof(arch), "%s/cert-%s.pem", name, old);
	snprintf(file, sizeof(file), "%s/cert.pem", name);
	if (check_serial_free(ca, serial) < 0 || stage_copy(ca, file, arch, 0644) < 0)
		return -1;
	if (key) {
		snprintf(arch, sizeof(arch), "%s/key-%s.pem", name, old);
		snprintf(file, sizeof(file), "%s/key.pem", name);
		if (stage_copy(ca, file, arch, 0600) < 0 || stage_key(&ca->txn, file, key) < 0)
			return -1;
	}
	snprintf(file, sizeof(file), "%s/cert.pem", name);
	if (stage_cert(&ca->txn, file, leaf, ca->chain) < 0)
		return -1;
	/* The old entry now names its archived copy. */
	if ((e = sg_ca_index_find(&ca->index, old))) {
		snprintf(arch, sizeof(arch), "%s/cert-%s.pem", name, old);
		if (!(copy = strdup(arch)))
			return sg_fail("out of memory");
		free(e->file);
		e->file = copy;
	}
	if (record(ca, leaf, serial, file) < 0)
		return -1;
	return sg_ca_commit(ca);
}

int sg_ca_renew(struct sg_ca *ca, const char *name, int days, int reuse_key, char *serial_out)
{
	char dir[SG_PATH_MAX], cpath[SG_PATH_MAX], kpath[SG_PATH_MAX], old[SG_CA_SERIAL_MAX + 1];
	char serial[SG_CA_SERIAL_MAX + 1];
	struct sg_name *names = NULL;
	size_t n = 0;
	X509 *oldx = NULL, *leaf = NULL;
	EVP_PKEY *key = NULL, *pub;
	time_t not_after = 0;
	uint32_t xku;
	int rc = -1, has_key, client;

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (!ca->writing)
		return sg_fail("%s: the CA was opened for reading", ca->dir);
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return sg_fail("'%s': not a leaf directory name", name);
	if (sg_path_join(dir, SG_PATH_MAX, ca->dir, name) < 0 ||
	    sg_path_join(cpath, SG_PATH_MAX, dir, "cert.pem") < 0 ||
	    sg_path_join(kpath, SG_PATH_MAX, dir, "key.pem") < 0)
		return -1;
	if (!(oldx = renew_old(ca, cpath, old, &names, &n)) || check_days(ca, days, &not_after) < 0 ||
	    sg_x509_check_names(names, n, ca->issuer, ca->root) < 0)
		goto out;
	xku = X509_get_extended_key_usage(oldx);
	client = (xku & XKU_SSL_CLIENT) && !(xku & XKU_SSL_SERVER);
	has_key = exists(kpath);
	if (!(pub = renew_key(oldx, reuse_key, has_key, dir, &key)) ||
	    !(leaf = sg_x509_make_leaf(ca->issuer, ca->key, pub, names, n,
				       client ? SG_X509_EKU_CLIENT : SG_X509_EKU_SERVER,
				       sg_x509_is_rsa(pub), not_after, !chain_constrained(ca),
				       serial)) ||
	    sg_x509_verify_leaf(leaf, ca->root, ca->chain,
				client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER) < 0 ||
	    renew_stage(ca, name, old, key, leaf, serial) < 0)
		goto out;
	if (serial_out)
		snprintf(serial_out, SG_CA_SERIAL_MAX + 1, "%s", serial);
	rc = 0;
out:
	free(names);
	X509_free(oldx);
	X509_free(leaf);
	EVP_PKEY_free(key);
	return rc;
}

/* ---- reissue ---- */

int sg_ca_reissue(struct sg_ca *ca, const struct sg_ca_request *r, char *old_out, char *serial_out)
{
	X509_REQ *req = NULL;
	struct sg_name *owned = NULL, *oldnames = NULL;
	const struct sg_name *names;
	size_t n, oldn = 0;
	char rel[SG_NAME_MAX], dir[SG_PATH_MAX], cpath[SG_PATH_MAX], kpath[SG_PATH_MAX];
	char old[SG_CA_SERIAL_MAX + 1], serial[SG_CA_SERIAL_MAX + 1], arch[SG_PATH_MAX * 2];
	char krel[SG_PATH_MAX * 2];
	EVP_PKEY *key = NULL, *pub;
	X509 *oldx = NULL, *leaf = NULL;
	time_t not_after = 0;
	int rc = -1;

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (!ca->writing)
		return sg_fail("%s: the CA was opened for reading", ca->dir);
	if (request_names(r, &req, &owned, &names, &n) < 0 ||
	    check_days(ca, r->days, &not_after) < 0 ||
	    sg_x509_check_names(names, n, ca->issuer, ca->root) < 0 ||
	    leaf_dir_name(&names[0], rel) < 0)
		goto out;
	if (sg_path_join(dir, SG_PATH_MAX, ca->dir, rel) < 0 ||
	    sg_path_join(cpath, SG_PATH_MAX, dir, "cert.pem") < 0 ||
	    sg_path_join(kpath, SG_PATH_MAX, dir, "key.pem") < 0 ||
	    !(oldx = renew_old(ca, cpath, old, &oldnames, &oldn)))
		goto out;
	if (req) {
		pub = X509_REQ_get0_pubkey(req);
	} else {
		if (!(key = sg_x509_keygen(r->alg)))
			goto out;
		pub = key;
	}
	if (!(leaf = sg_x509_make_leaf(ca->issuer, ca->key, pub, names, n,
				       r->client ? SG_X509_EKU_CLIENT : SG_X509_EKU_SERVER,
				       sg_x509_is_rsa(pub), not_after, !chain_constrained(ca),
				       serial)) ||
	    sg_x509_verify_leaf(leaf, ca->root, ca->chain,
				r->client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER) < 0)
		goto out;
	/* From a CSR the old key.pem no longer matches: archived, removed. */
	if (!key && exists(kpath)) {
		snprintf(arch, sizeof(arch), "%s/key-%s.pem", rel, old);
		snprintf(krel, sizeof(krel), "%s/key.pem", rel);
		if (stage_copy(ca, krel, arch, 0600) < 0 || sg_txn_remove(&ca->txn, krel) < 0)
			goto out;
	}
	if (renew_stage(ca, rel, old, key, leaf, serial) < 0)
		goto out;
	if (old_out)
		snprintf(old_out, SG_CA_SERIAL_MAX + 1, "%s", old);
	if (serial_out)
		snprintf(serial_out, SG_CA_SERIAL_MAX + 1, "%s", serial);
	rc = 0;
out:
	X509_free(oldx);
	X509_free(leaf);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	free(owned);
	free(oldnames);
	return rc;
}

/* ---- minica ---- */

/* The directory part of path ("." when there is none) and its last
 * component, into dir and base (SG_PATH_MAX each). */
static int split_path(const char *path, char *dir, char *base)
{
	const char *slash = strrchr(path, '/');

	if (strlen(path) >= SG_PATH_MAX)
		return sg_fail("%s: path too long", path);
	if (!slash) {
		strcpy(dir, ".");
		strcpy(base, path);
	} else {
		snprintf(dir, SG_PATH_MAX, "%.*s", slash == path ? 1 : (int)(slash - path), path);
		strcpy(base, slash + 1);
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return sg_fail("%s: not a file name", path);
	return 0;
}

/* 1 when a and b are the same directory. */
static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* A new minica root: key and certificate in one transaction on their
 * directory when they share one, so a crash never leaves a key without
 * its certificate (which minica refuses); in two directories, the key
 * first, then the certificate. */
static int minica_save_root(const char *key_path, const char *cert_path, EVP_PKEY *k, X509 *root)
{
	char kdir[SG_PATH_MAX], kbase[SG_PATH_MAX], cdir[SG_PATH_MAX], cbase[SG_PATH_MAX];
	struct sg_buf b = SG_BUF_INIT;
	struct sg_txn t;
	int rc;

	if (split_path(key_path, kdir, kbase) < 0 || split_path(cert_path, cdir, cbase) < 0)
		return -1;
	if (!same_dir(kdir, cdir)) {
		rc = sg_x509_key_pem(k, &b);
		if (rc == 0)
			rc = sg_write_file_atomic(key_path, b.data, b.len, 0600,
						  SG_ATOMIC_NO_CLOBBER);
		sg_buf_wipe(&b);
		if (rc == 0)
			rc = sg_x509_cert_pem(root, &b);
		if (rc == 0)
			rc = sg_write_file_atomic(cert_path, b.data, b.len, 0644,
						  SG_ATOMIC_NO_CLOBBER);
		sg_buf_free(&b);
		return rc;
	}
	if (sg_txn_begin(&t, kdir) < 0)
		return -1;
	/* another minica may have made one while this one was generating */
	if (exists(key_path) || exists(cert_path))
		rc = sg_fail("%s: already exists, not overwriting",
			     exists(key_path) ? key_path : cert_path);
	else
		rc = stage_key(&t, kbase, k) < 0 || stage_cert(&t, cbase, root, NULL) < 0 ||
				     sg_txn_commit(&t) < 0
			     ? -1
			     : 0;
	sg_txn_end(&t);
	return rc;
}

/* The leaf in one transaction on the current directory: its directory
 * (kept when it exists, as minica does), key and certificate. */
static int minica_save_leaf(const char *dir, EVP_PKEY *key, X509 *leaf)
{
	char path[SG_PATH_MAX];
	struct sg_txn t;
	struct stat st;
	int rc = -1;

	if (sg_txn_begin(&t, ".") < 0)
		return -1;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		sg_fail("%s: exists and is not a directory", dir);
		goto out;
	}
	if (stat(dir, &st) < 0 && sg_txn_mkdir(&t, dir, 0700) < 0)
		goto out;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, i ? "cert.pem" : "key.pem");
		if (exists(path)) {
			sg_fail("%s: already exists, not overwriting", path);
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (stage_key(&t, path, key) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	if (stage_cert(&t, path, leaf, NULL) < 0 || sg_txn_commit(&t) < 0)
		goto out;
	rc = 0;
out:
	sg_txn_end(&t);
	return rc;
}

/* An existing minica root: its key, its certificate (a CA's, matching
 * the key) and the names within its constraints. */
static int minica_load_root(const char *key_path, const char *cert_path,
			    const struct sg_name *names, size_t n, EVP_PKEY **ikey, X509 **issuer)
{
	if (!(*ikey = sg_x509_read_key(key_path)) || !(*issuer = sg_x509_read_cert(cert_path)))
		return -1;
	if (X509_check_private_key(*issuer, *ikey) != 1) {
		ERR_clear_error();
		return sg_fail("public key in CA certificate %s doesn't match private key in %s",
			       cert_path, key_path);
	}
	if (X509_check_ca(*issuer) != 1)
		return sg_fail("%s: not a CA certificate", cert_path);
	return sg_x509_check_names(names, n, *issuer, NULL);
}

int sg_ca_minica(const char *key_path, const char *cert_path, enum sg_ca_alg alg,
		 const struct sg_name *names, size_t n)
{
	int have_key = exists(key_path), have_cert = exists(cert_path), rc = -1;
	EVP_PKEY *ikey = NULL, *key = NULL;
	X509 *issuer = NULL, *leaf = NULL;
	char dir[SG_NAME_MAX], path[SG_PATH_MAX], serial[SG_CA_SERIAL_MAX + 1];
	time_t na = time(NULL) + (time_t)(2 * 365 + 30) * 86400;

	if (n == 0)
		return sg_fail("must specify at least one domain name or IP address");
	if (leaf_dir_name(&names[0], dir) < 0)
		return -1;
	if (have_key != have_cert)
		return sg_fail("%s: missing (but %s exists)", have_key ? cert_path : key_path,
			       have_key ? key_path : cert_path);
	if (have_key && minica_load_root(key_path, cert_path, names, n, &ikey, &issuer) < 0)
		goto out;
	/* minica keeps an existing leaf directory but never a key.pem in it. */
	if (snprintf(path, sizeof(path), "%s/key.pem", dir) >= (int)sizeof(path))
		goto out;
	if (exists(path) || (snprintf(path, sizeof(path), "%s/cert.pem", dir), exists(path))) {
		sg_fail("%s: already exists, not overwriting", path);
		goto out;
	}
	if (!have_key && (!(ikey = sg_x509_keygen(alg)) || !(issuer = sg_x509_minica_root(ikey))))
		goto out;
	if (X509_cmp_time(X509_get0_notAfter(issuer), &na) < 0) {
		sg_fail("%s: expires before a new certificate would", cert_path);
		goto out;
	}
	if (!(key = sg_x509_keygen(alg)) ||
	    !(leaf = sg_x509_make_leaf(issuer, ikey, key, names, n,
				       SG_X509_EKU_SERVER | SG_X509_EKU_CLIENT, 1, na, 1, serial)) ||
	    sg_x509_verify_leaf(leaf, issuer, NULL, X509_PURPOSE_SSL_SERVER) < 0)
		goto out;
	/* The root first: a crash before the leaf leaves a root the retry
	 * issues from. */
	if ((!have_key && minica_save_root(key_path, cert_path, ikey, issuer) < 0) ||
	    minica_save_leaf(dir, key, leaf) < 0)
		goto out;
	rc = 0;
out:
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(key);
	X509_free(issuer);
	X509_free(leaf);
	return rc;
}
