#include "ca.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
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

#define CA_FILE_MAX (1u << 20)
#define INDEX_MAX (64u << 20)
#define BACKDATE 300 /* seconds: tolerate clocks a little behind ours */
#define PATHBUF 4096

#define ROOT_CERT "ca.pem"
#define ROOT_DIR "root"
#define ROOT_KEY "root/ca-key.pem"
#define INT_DIR "intermediate"
#define INT_CERT "intermediate/cert.pem"
#define INT_KEY "intermediate/key.pem"
#define INDEX "index.txt"
#define INDEX_ATTR "index.txt.attr"
#define CRLNUMBER "crlnumber"

/* Entries of a CA directory that no leaf directory may take. */
static const char *const reserved[] = { ROOT_CERT, ROOT_DIR, INT_DIR, INDEX, INDEX_ATTR, CRLNUMBER };

enum { EKU_SERVER = 1, EKU_CLIENT = 2 };

struct sg_ca {
	char *dir;
	int lockfd;
	X509 *root;
	X509 *issuer;		 /* the root, or the intermediate */
	STACK_OF(X509) *chain;	 /* certificates between leaf and root */
	EVP_PKEY *key;		 /* the issuer's key, when loaded */
	struct sg_ca_index index;
};

/* ---- small helpers ---- */

static int path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATHBUF, "%s/%s", dir, name);

	if (n < 0 || n >= PATHBUF)
		return sg_fail("%s/%s: path too long", dir, name);
	return 0;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Keeps OpenSSL's own reason for the failure after ours. */
static int ossl_fail(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	if (!e)
		return sg_fail("%s", what);
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return sg_fail("%s (%s)", what, buf);
}

int sg_ca_alg_parse(const char *s, enum sg_ca_alg *alg)
{
	static const struct {
		const char *name;
		enum sg_ca_alg alg;
	} algs[] = {
		{ "ecdsa-p256", SG_CA_ECDSA_P256 }, { "ecdsa-p384", SG_CA_ECDSA_P384 },
		{ "ed25519", SG_CA_ED25519 },	    { "rsa3072", SG_CA_RSA3072 },
		{ "rsa2048", SG_CA_RSA2048 },
	};

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcasecmp(s, algs[i].name) == 0) {
			*alg = algs[i].alg;
			return 0;
		}
	return sg_fail("unknown algorithm '%s' (ecdsa-p256, ecdsa-p384, ed25519, rsa3072)", s);
}

static EVP_PKEY *keygen(enum sg_ca_alg alg)
{
	EVP_PKEY *k = NULL;

	switch (alg) {
	case SG_CA_ECDSA_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case SG_CA_ECDSA_P384:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case SG_CA_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case SG_CA_RSA3072:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case SG_CA_RSA2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	}
	if (!k)
		ossl_fail("key generation failed");
	return k;
}

/* The digest a key signs certificates with (NULL for Ed25519). */
static const EVP_MD *sign_md(EVP_PKEY *k)
{
	if (EVP_PKEY_is_a(k, "ED25519") || EVP_PKEY_is_a(k, "ED448"))
		return NULL;
	if (EVP_PKEY_is_a(k, "EC")) {
		int bits = EVP_PKEY_get_bits(k);
		return bits > 384 ? EVP_sha512() : bits > 256 ? EVP_sha384() : EVP_sha256();
	}
	return EVP_sha256();
}

/* Public keys signet will certify. */
static int key_acceptable(EVP_PKEY *k, const char *what)
{
	if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bits(k) < 2048)
			return sg_fail("%s: RSA key of %d bits (at least 2048)", what, EVP_PKEY_get_bits(k));
		return 0;
	}
	if (EVP_PKEY_is_a(k, "EC")) {
		char group[64];
		size_t n;
		if (!EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &n) ||
		    (strcmp(group, "prime256v1") && strcmp(group, "secp384r1") && strcmp(group, "secp521r1")))
			return sg_fail("%s: EC key not on P-256, P-384 or P-521", what);
		return 0;
	}
	if (EVP_PKEY_is_a(k, "ED25519"))
		return 0;
	return sg_fail("%s: unsupported key type (RSA, ECDSA or Ed25519)", what);
}

static int is_rsa(EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "RSA");
}

/* PEM of a private key (PKCS#8), wiped by the caller. */
static int key_pem(EVP_PKEY *k, struct sg_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -1;

	if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1) {
		n = BIO_get_mem_data(b, &data);
		rc = sg_buf_append(out, data, (size_t)n);
		OPENSSL_cleanse(data, (size_t)n);
	} else {
		ossl_fail("cannot encode private key");
	}
	BIO_free(b);
	return rc;
}

static int cert_pem(X509 *x, struct sg_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -1;

	if (b && PEM_write_bio_X509(b, x) == 1) {
		n = BIO_get_mem_data(b, &data);
		rc = sg_buf_append(out, data, (size_t)n);
	} else {
		ossl_fail("cannot encode certificate");
	}
	BIO_free(b);
	return rc;
}

static X509 *read_cert(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	X509 *x = NULL;
	BIO *bio;

	if (sg_read_file(path, &b, CA_FILE_MAX) < 0)
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	sg_buf_free(&b);
	if (!x) {
		ERR_clear_error();
		sg_fail("%s: not a PEM certificate", path);
	}
	return x;
}

static EVP_PKEY *read_key(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	EVP_PKEY *k = NULL;
	BIO *bio;

	if (sg_read_file(path, &b, CA_FILE_MAX) < 0)
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio)
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	sg_buf_wipe(&b);
	if (!k) {
		ERR_clear_error();
		sg_fail("%s: not a PEM private key (or it is encrypted)", path);
	}
	return k;
}

/* ---- building certificates ---- */

static int set_random_serial(X509 *x, char hex[SG_CA_SERIAL_MAX + 1])
{
	uint8_t b[16];
	BIGNUM *bn;
	char *h;
	int ok;

	if (sg_random(b, sizeof(b)) < 0)
		return -1;
	b[0] &= 0x7f; /* positive */
	b[0] |= 0x01; /* and never zero */
	bn = BN_bin2bn(b, sizeof(b), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	h = ok ? BN_bn2hex(bn) : NULL;
	if (h && hex) {
		snprintf(hex, SG_CA_SERIAL_MAX + 1, "%s%s", strlen(h) % 2 ? "0" : "", h);
	}
	OPENSSL_free(h);
	BN_free(bn);
	return ok && h ? 0 : ossl_fail("cannot set serial number");
}

static int add_ext(X509 *x, int nid, void *value, int crit)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) != 1)
		return ossl_fail("cannot add certificate extension");
	return 0;
}

static int add_basic_constraints(X509 *x, int ca, int pathlen)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	int rc = -1;

	if (!bc)
		return ossl_fail("out of memory");
	bc->ca = ca ? 0xff : 0;
	if (ca && pathlen >= 0) {
		bc->pathlen = ASN1_INTEGER_new();
		if (!bc->pathlen || !ASN1_INTEGER_set(bc->pathlen, pathlen))
			goto out;
	}
	rc = add_ext(x, NID_basic_constraints, bc, 1);
out:
	BASIC_CONSTRAINTS_free(bc);
	return rc;
}

/* bits: digitalSignature 0, keyEncipherment 2, keyCertSign 5, cRLSign 6 */
static int add_key_usage(X509 *x, const int *bits, size_t n)
{
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	int rc = -1;

	if (!ku)
		return ossl_fail("out of memory");
	for (size_t i = 0; i < n; i++)
		if (!ASN1_BIT_STRING_set_bit(ku, bits[i], 1))
			goto out;
	rc = add_ext(x, NID_key_usage, ku, 1);
out:
	ASN1_BIT_STRING_free(ku);
	return rc;
}

static int add_eku(X509 *x, int which)
{
	EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
	int rc = -1;

	if (!eku)
		return ossl_fail("out of memory");
	if ((which & EKU_SERVER) && !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)))
		goto out;
	if ((which & EKU_CLIENT) && !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)))
		goto out;
	rc = add_ext(x, NID_ext_key_usage, eku, 0);
out:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return rc;
}

/* SKI: SHA-1 of the subject public key bits (RFC 5280 method 1). */
static int add_ski(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	int rc = -1;

	if (ski && X509_pubkey_digest(x, EVP_sha1(), md, &n) == 1 && ASN1_OCTET_STRING_set(ski, md, (int)n))
		rc = add_ext(x, NID_subject_key_identifier, ski, 0);
	else
		ossl_fail("cannot compute subject key identifier");
	ASN1_OCTET_STRING_free(ski);
	return rc;
}

/* AKI: the issuer's SKI, or the hash of its key when it carries none. */
static AUTHORITY_KEYID *issuer_akid(X509 *issuer)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!akid || !(akid->keyid = ASN1_OCTET_STRING_new()))
		goto fail;
	if (ski) {
		if (!ASN1_OCTET_STRING_set(akid->keyid, ski->data, ski->length))
			goto fail;
	} else if (X509_pubkey_digest(issuer, EVP_sha1(), md, &n) != 1 ||
		   !ASN1_OCTET_STRING_set(akid->keyid, md, (int)n)) {
		goto fail;
	}
	return akid;
fail:
	AUTHORITY_KEYID_free(akid);
	ossl_fail("cannot compute authority key identifier");
	return NULL;
}

static int add_aki(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *akid = issuer_akid(issuer);
	int rc;

	if (!akid)
		return -1;
	rc = add_ext(x, NID_authority_key_identifier, akid, 0);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static GENERAL_NAME *ia5_name(int type, const char *s)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *v = ASN1_IA5STRING_new();

	if (!gn || !v || !ASN1_STRING_set(v, s, (int)strlen(s))) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(v);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, type, v);
	return gn;
}

static GENERAL_NAME *octet_name(const uint8_t *b, size_t n)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();

	if (!gn || !v || !ASN1_OCTET_STRING_set(v, b, (int)n)) {
		GENERAL_NAME_free(gn);
		ASN1_OCTET_STRING_free(v);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, GEN_IPADD, v);
	return gn;
}

static GENERAL_NAME *general_name(const struct sg_name *nm)
{
	switch (nm->type) {
	case SG_NAME_DNS:
		return ia5_name(GEN_DNS, nm->text);
	case SG_NAME_IP:
		return octet_name(nm->ip, nm->iplen);
	case SG_NAME_EMAIL:
		return ia5_name(GEN_EMAIL, nm->text);
	case SG_NAME_URI:
		return ia5_name(GEN_URI, nm->text);
	}
	return NULL;
}

static int add_san(X509 *x, const struct sg_name *names, size_t n, int critical)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int rc = -1;

	if (!gens)
		return ossl_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		GENERAL_NAME *gn = general_name(&names[i]);
		if (!gn || !sk_GENERAL_NAME_push(gens, gn)) {
			GENERAL_NAME_free(gn);
			ossl_fail("cannot encode subjectAltName");
			goto out;
		}
	}
	rc = add_ext(x, NID_subject_alt_name, gens, critical);
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

static int set_cn(X509_NAME *name, const char *cn)
{
	if (!X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn,
					-1, -1, 0))
		return ossl_fail("cannot set common name");
	return 0;
}

/* A certificate with subject CN (may be NULL: empty subject), validity
 * [now - BACKDATE, not_after], the subject's key, issuer's name. */
static X509 *new_cert(const char *cn, X509 *issuer, EVP_PKEY *pub, time_t not_after,
		      char serial[SG_CA_SERIAL_MAX + 1])
{
	X509 *x = X509_new();
	time_t now = time(NULL);

	if (!x || !X509_set_version(x, X509_VERSION_3) || set_random_serial(x, serial) < 0)
		goto fail;
	if (cn && set_cn(X509_get_subject_name(x), cn) < 0)
		goto fail;
	if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x)) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, -BACKDATE, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &not_after) || !X509_set_pubkey(x, pub)) {
		ossl_fail("cannot fill certificate");
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

static int sign_cert(X509 *x, EVP_PKEY *key)
{
	if (X509_sign(x, key, sign_md(key)) <= 0)
		return ossl_fail("signing the certificate failed");
	return 0;
}

/* ---- name constraints ---- */

static int add_subtree(STACK_OF(GENERAL_SUBTREE) *st, GENERAL_NAME *gn)
{
	GENERAL_SUBTREE *t = gn ? GENERAL_SUBTREE_new() : NULL;

	if (!t) {
		GENERAL_NAME_free(gn);
		return ossl_fail("out of memory");
	}
	GENERAL_NAME_free(t->base);
	t->base = gn;
	if (!sk_GENERAL_SUBTREE_push(st, t)) {
		GENERAL_SUBTREE_free(t);
		return ossl_fail("out of memory");
	}
	return 0;
}

/* Each DNS suffix also permits mailboxes and URIs on those hosts, and
 * what is not permitted is excluded: a CA constrained to example.com
 * signs nothing for an address, and one constrained to 10.0.0.0/8
 * nothing for a DNS name. */
static NAME_CONSTRAINTS *build_constraints(char **dns, size_t ndns, const struct sg_cidr *ip, size_t nip)
{
	NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
	static const uint8_t zero[32];
	char dotted[SG_NAME_MAX + 1];

	if (!nc || !(nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null()))
		goto fail;
	for (size_t i = 0; i < ndns; i++) {
		if (add_subtree(nc->permittedSubtrees, ia5_name(GEN_DNS, dns[i])) < 0)
			goto fail;
	}
	for (size_t i = 0; i < nip; i++) {
		uint8_t b[32];
		memcpy(b, ip[i].addr, ip[i].len);
		memcpy(b + ip[i].len, ip[i].mask, ip[i].len);
		if (add_subtree(nc->permittedSubtrees, octet_name(b, ip[i].len * 2)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < ndns; i++) {
		int types[] = { GEN_EMAIL, GEN_URI };
		for (size_t t = 0; t < 2; t++) {
			if (add_subtree(nc->permittedSubtrees, ia5_name(types[t], dns[i])) < 0)
				goto fail;
			if (dns[i][0] == '.')
				continue;
			snprintf(dotted, sizeof(dotted), ".%s", dns[i]);
			if (add_subtree(nc->permittedSubtrees, ia5_name(types[t], dotted)) < 0)
				goto fail;
		}
	}
	if (!(nc->excludedSubtrees = sk_GENERAL_SUBTREE_new_null()))
		goto fail;
	if (nip == 0 && (add_subtree(nc->excludedSubtrees, octet_name(zero, 8)) < 0 ||
			 add_subtree(nc->excludedSubtrees, octet_name(zero, 32)) < 0))
		goto fail;
	if (ndns == 0 && add_subtree(nc->excludedSubtrees, ia5_name(GEN_DNS, "")) < 0)
		goto fail;
	return nc;
fail:
	NAME_CONSTRAINTS_free(nc);
	ossl_fail("cannot build name constraints");
	return NULL;
}

static int ia5_text(const ASN1_IA5STRING *s, char *out)
{
	if (s->length < 0 || s->length >= SG_NAME_MAX || memchr(s->data, '\0', (size_t)s->length))
		return -1;
	memcpy(out, s->data, (size_t)s->length);
	out[s->length] = '\0';
	return 0;
}

/* 1 when the name matches the subtree's base (same type), 0 when not,
 * -1 when the types differ. */
static int subtree_match(const struct sg_name *nm, const GENERAL_NAME *base)
{
	char b[SG_NAME_MAX], host[SG_NAME_MAX];

	switch (nm->type) {
	case SG_NAME_DNS:
		if (base->type != GEN_DNS || ia5_text(base->d.dNSName, b) < 0)
			return -1;
		return sg_dns_within(nm->text, b);
	case SG_NAME_EMAIL:
		if (base->type != GEN_EMAIL || ia5_text(base->d.rfc822Name, b) < 0)
			return -1;
		return sg_email_within(nm->text, b);
	case SG_NAME_URI:
		if (base->type != GEN_URI || ia5_text(base->d.uniformResourceIdentifier, b) < 0)
			return -1;
		if (sg_name_uri(nm->text, host) < 0)
			return 0;
		return sg_uri_within(host, b);
	case SG_NAME_IP: {
		const ASN1_OCTET_STRING *o = base->d.iPAddress;
		struct sg_cidr c;
		if (base->type != GEN_IPADD || (o->length != 8 && o->length != 32))
			return -1;
		c.len = (size_t)o->length / 2;
		memcpy(c.addr, o->data, c.len);
		memcpy(c.mask, o->data + c.len, c.len);
		for (size_t i = 0; i < c.len; i++)
			c.addr[i] &= c.mask[i];
		return sg_ip_within(nm->ip, nm->iplen, &c);
	}
	}
	return -1;
}

static const char *type_word(enum sg_name_type t)
{
	switch (t) {
	case SG_NAME_DNS:
		return "DNS name";
	case SG_NAME_IP:
		return "IP address";
	case SG_NAME_EMAIL:
		return "email";
	case SG_NAME_URI:
		return "URI";
	}
	return "name";
}

/* The permitted subtrees of one CA certificate, for the message. */
static void describe_permitted(const NAME_CONSTRAINTS *nc, char *out, size_t cap)
{
	size_t used = 0;
	char b[SG_NAME_MAX];

	out[0] = '\0';
	for (int i = 0; nc->permittedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;
		if (gn->type == GEN_DNS && ia5_text(gn->d.dNSName, b) == 0) {
		} else if (gn->type == GEN_IPADD && (gn->d.iPAddress->length == 8 || gn->d.iPAddress->length == 32)) {
			struct sg_cidr c;
			c.len = (size_t)gn->d.iPAddress->length / 2;
			memcpy(c.addr, gn->d.iPAddress->data, c.len);
			memcpy(c.mask, gn->d.iPAddress->data + c.len, c.len);
			sg_name_cidr_format(&c, b);
		} else {
			continue;
		}
		int n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", b);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(out, cap, "nothing of that kind");
}

/* Refuses a name outside one CA certificate's constraints. A name whose
 * kind the CA permits nothing of is refused too, whatever RFC 5280 would
 * let through, so a constrained CA only vouches for what it lists. */
static int check_name_against(const struct sg_name *nm, X509 *ca_cert)
{
	NAME_CONSTRAINTS *nc = X509_get_ext_d2i(ca_cert, NID_name_constraints, NULL, NULL);
	int any_permitted = 0, typed = 0, ok = 0, rc = 0;
	char subj[256], allowed[512];

	if (!nc)
		return 0;
	for (int i = 0; nc->permittedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
		int m = subtree_match(nm, sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base);
		any_permitted = 1;
		if (m >= 0)
			typed = 1;
		if (m == 1)
			ok = 1;
	}
	X509_NAME_oneline(X509_get_subject_name(ca_cert), subj, sizeof(subj));
	if (any_permitted && !ok) {
		describe_permitted(nc, allowed, sizeof(allowed));
		rc = typed ? sg_fail("%s '%s' is outside the CA's name constraints (%s permits %s)",
				     type_word(nm->type), nm->text, subj, allowed)
			   : sg_fail("%s '%s' is outside the CA's name constraints (%s permits no %s)",
				     type_word(nm->type), nm->text, subj, type_word(nm->type));
	}
	for (int i = 0; !rc && nc->excludedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees); i++)
		if (subtree_match(nm, sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, i)->base) == 1)
			rc = sg_fail("%s '%s' is excluded by the CA's name constraints (%s)",
				     type_word(nm->type), nm->text, subj);
	NAME_CONSTRAINTS_free(nc);
	return rc;
}

static int chain_constrained(struct sg_ca *ca)
{
	return X509_get_ext_by_NID(ca->root, NID_name_constraints, -1) >= 0 ||
	       X509_get_ext_by_NID(ca->issuer, NID_name_constraints, -1) >= 0;
}

/* Every name against the issuer and the root (the only CAs of a chain
 * signet builds). */
static int check_names_chain(const struct sg_name *names, size_t n, X509 *issuer, X509 *root)
{
	for (size_t i = 0; i < n; i++) {
		if (check_name_against(&names[i], issuer) < 0)
			return -1;
		if (root && root != issuer && check_name_against(&names[i], root) < 0)
			return -1;
	}
	return 0;
}

/* The final gate: OpenSSL's own verifier must accept the certificate
 * (signature, validity, name constraints, purpose) before it is
 * written anywhere. */
static int verify_leaf(X509 *leaf, X509 *root, STACK_OF(X509) *chain, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;

	if (!store || !ctx || X509_STORE_add_cert(store, root) != 1 ||
	    X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
		ossl_fail("cannot set up verification");
		goto out;
	}
	if (purpose)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	if (X509_verify_cert(ctx) == 1)
		rc = 0;
	else
		sg_fail("the new certificate does not verify against the CA chain: %s",
			X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	ERR_clear_error();
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

/* ---- CA certificates ---- */

static X509 *make_ca_cert(const char *cn, X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, int pathlen,
			  NAME_CONSTRAINTS *nc, time_t not_after)
{
	static const int ku[] = { 0, 5, 6 }; /* digitalSignature, keyCertSign, cRLSign */
	X509 *x = new_cert(cn, issuer, pub, not_after, NULL);

	if (!x)
		return NULL;
	if (add_basic_constraints(x, 1, pathlen) < 0 || add_key_usage(x, ku, 3) < 0 || add_ski(x) < 0 ||
	    add_aki(x, issuer ? issuer : x) < 0 || (nc && add_ext(x, NID_name_constraints, nc, 1) < 0) ||
	    sign_cert(x, ikey) < 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Paths created by a command, removed again if it fails. */
struct undo {
	char path[16][PATHBUF];
	int is_dir[16];
	int n;
};

static void undo_add(struct undo *u, const char *path, int is_dir)
{
	if (u->n < 16) {
		snprintf(u->path[u->n], PATHBUF, "%s", path);
		u->is_dir[u->n++] = is_dir;
	}
}

static void undo_run(struct undo *u)
{
	while (u->n > 0) {
		u->n--;
		if (u->is_dir[u->n])
			rmdir(u->path[u->n]);
		else
			unlink(u->path[u->n]);
	}
}

static int make_dir(struct undo *u, const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? sg_fail("%s: already exists, not overwriting", path)
				       : sg_fail_errno("%s", path);
	undo_add(u, path, 1);
	return 0;
}

static int write_new(struct undo *u, const char *path, const void *data, size_t len, mode_t mode)
{
	if (sg_write_file_atomic(path, data, len, mode, SG_ATOMIC_NO_CLOBBER) < 0)
		return -1;
	undo_add(u, path, 0);
	return 0;
}

static int write_cert_file(struct undo *u, const char *path, X509 *leaf, STACK_OF(X509) *chain)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = cert_pem(leaf, &b);

	for (int i = 0; rc == 0 && chain && i < sk_X509_num(chain); i++)
		rc = cert_pem(sk_X509_value(chain, i), &b);
	if (rc == 0)
		rc = u ? write_new(u, path, b.data, b.len, 0644)
		       : sg_write_file_atomic(path, b.data, b.len, 0644, 0);
	sg_buf_free(&b);
	return rc;
}

static int write_key_file(struct undo *u, const char *path, EVP_PKEY *k, int clobber)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = key_pem(k, &b);

	if (rc == 0)
		rc = clobber ? sg_write_file_atomic(path, b.data, b.len, 0600, 0)
			     : write_new(u, path, b.data, b.len, 0600);
	sg_buf_wipe(&b);
	return rc;
}

static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sg_fail_errno("%s", dir);
	if (flock(fd, LOCK_EX) < 0) {
		sg_fail_errno("%s: lock", dir);
		close(fd);
		return -1;
	}
	return fd;
}

int sg_ca_init(const struct sg_ca_init_opts *o)
{
	char **dns = NULL, cn[256], icn[300], path[PATHBUF];
	struct sg_cidr *ip = NULL;
	NAME_CONSTRAINTS *nc = NULL;
	EVP_PKEY *rkey = NULL, *ikey = NULL;
	X509 *root = NULL, *inter = NULL;
	struct undo u = { .n = 0 };
	int rc = -1, lockfd = -1, days = o->days > 0 ? o->days : SG_CA_DEFAULT_ROOT_DAYS;
	time_t not_after = time(NULL) + (time_t)days * 86400;

	/* Everything the options say is checked before anything exists. */
	if (o->days > 36500)
		return sg_fail("--days %d: more than 100 years", o->days);
	if (o->name && (!*o->name || strlen(o->name) > 64))
		return sg_fail("--name must be 1-64 characters");
	dns = calloc(o->n_permit_dns + 1, sizeof(*dns));
	ip = calloc(o->n_permit_ip + 1, sizeof(*ip));
	if (!dns || !ip) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->n_permit_dns; i++) {
		const char *s = o->permit_dns[i];
		char buf[SG_NAME_MAX + 1];
		if (!(dns[i] = calloc(1, SG_NAME_MAX + 1)))
			goto out;
		if (sg_name_dns(s[0] == '.' ? s + 1 : s, 0, buf + 1) < 0) {
			sg_fail_prefix("--permit-dns");
			goto out;
		}
		buf[0] = '.';
		strcpy(dns[i], s[0] == '.' ? buf : buf + 1);
	}
	for (size_t i = 0; i < o->n_permit_ip; i++)
		if (sg_name_cidr(o->permit_ip[i], &ip[i]) < 0) {
			sg_fail_prefix("--permit-ip");
			goto out;
		}
	if (o->n_permit_dns + o->n_permit_ip &&
	    !(nc = build_constraints(dns, o->n_permit_dns, ip, o->n_permit_ip)))
		goto out;
	if (o->name) {
		snprintf(cn, sizeof(cn), "%s", o->name);
	} else {
		uint8_t r[3];
		if (sg_random(r, 3) < 0)
			goto out;
		snprintf(cn, sizeof(cn), "signet root CA %02x%02x%02x", r[0], r[1], r[2]);
	}
	snprintf(icn, sizeof(icn), "%.55s intermediate", cn);

	if (mkdir(o->dir, 0755) == 0)
		undo_add(&u, o->dir, 1);
	else if (errno != EEXIST) {
		sg_fail_errno("%s", o->dir);
		goto out;
	}
	if ((lockfd = lock_dir(o->dir)) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (path_join(path, o->dir, reserved[i]) < 0)
			goto out;
		if (exists(path)) {
			sg_fail("%s: a CA already exists here (%s), not overwriting", o->dir, path);
			goto out;
		}
	}

	if (!(rkey = keygen(o->alg)) || !(root = make_ca_cert(cn, NULL, rkey, rkey, o->intermediate ? 1 : 0, nc, not_after)))
		goto out;
	if (o->intermediate) {
		if (!(ikey = keygen(o->alg)) ||
		    !(inter = make_ca_cert(icn, root, rkey, ikey, 0, nc, not_after)))
			goto out;
	}

	if (path_join(path, o->dir, ROOT_DIR) < 0 || make_dir(&u, path, 0700) < 0 ||
	    path_join(path, o->dir, ROOT_KEY) < 0 || write_key_file(&u, path, rkey, 0) < 0)
		goto out;
	if (inter && (path_join(path, o->dir, INT_DIR) < 0 || make_dir(&u, path, 0700) < 0 ||
		      path_join(path, o->dir, INT_KEY) < 0 || write_key_file(&u, path, ikey, 0) < 0 ||
		      path_join(path, o->dir, INT_CERT) < 0 || write_cert_file(&u, path, inter, NULL) < 0))
		goto out;
	if (path_join(path, o->dir, INDEX) < 0 || write_new(&u, path, "", 0, 0644) < 0 ||
	    path_join(path, o->dir, INDEX_ATTR) < 0 ||
	    write_new(&u, path, "unique_subject = no\n", 20, 0644) < 0)
		goto out;
	/* ca.pem last: its presence is what makes the directory a CA. */
	if (path_join(path, o->dir, ROOT_CERT) < 0 || write_cert_file(&u, path, root, NULL) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		undo_run(&u);
	if (lockfd >= 0)
		close(lockfd);
	for (size_t i = 0; dns && i < o->n_permit_dns; i++)
		free(dns[i]);
	free(dns);
	free(ip);
	NAME_CONSTRAINTS_free(nc);
	EVP_PKEY_free(rkey);
	EVP_PKEY_free(ikey);
	X509_free(root);
	X509_free(inter);
	return rc;
}

/* ---- an open CA ---- */

void sg_ca_close(struct sg_ca *ca)
{
	if (!ca)
		return;
	if (ca->lockfd >= 0)
		close(ca->lockfd);
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

struct sg_ca *sg_ca_open(const char *dir, int need_key)
{
	struct sg_ca *ca = calloc(1, sizeof(*ca));
	char path[PATHBUF], kpath[PATHBUF];
	struct sg_buf b = SG_BUF_INIT;

	if (!ca) {
		sg_fail("out of memory");
		return NULL;
	}
	ca->lockfd = -1;
	if (!(ca->dir = strdup(dir)) || !(ca->chain = sk_X509_new_null())) {
		sg_fail("out of memory");
		goto fail;
	}
	if (path_join(path, dir, ROOT_CERT) < 0)
		goto fail;
	if (!exists(path)) {
		sg_fail("%s: no CA here (%s missing; run 'signet ca init')", dir, path);
		goto fail;
	}
	if ((ca->lockfd = lock_dir(dir)) < 0 || !(ca->root = read_cert(path)))
		goto fail;
	if (X509_check_ca(ca->root) != 1 || check_signed_by(ca->root, ca->root, path, "itself") < 0) {
		sg_fail("%s: not a self-signed CA certificate", path);
		goto fail;
	}
	ca->issuer = ca->root;
	if (path_join(path, dir, INT_CERT) < 0 || path_join(kpath, dir, ROOT_KEY) < 0)
		goto fail;
	if (exists(path)) {
		char rpath[PATHBUF];
		if (!(ca->issuer = read_cert(path)))
			goto fail;
		snprintf(rpath, sizeof(rpath), "%s/%s", dir, ROOT_CERT);
		if (X509_check_ca(ca->issuer) != 1 || check_signed_by(ca->issuer, ca->root, path, rpath) < 0) {
			sg_fail("%s: not a CA certificate signed by %s", path, rpath);
			goto fail;
		}
		if (!sk_X509_push(ca->chain, ca->issuer)) {
			sg_fail("out of memory");
			goto fail;
		}
		if (path_join(kpath, dir, INT_KEY) < 0)
			goto fail;
	}
	if (need_key) {
		if (!(ca->key = read_key(kpath)))
			goto fail;
		if (X509_check_private_key(ca->issuer, ca->key) != 1) {
			ERR_clear_error();
			sg_fail("%s: key does not match the issuing CA certificate", kpath);
			goto fail;
		}
	}
	if (path_join(path, dir, INDEX) < 0)
		goto fail;
	if (exists(path)) {
		if (sg_read_file(path, &b, INDEX_MAX) < 0 ||
		    sg_ca_index_parse(b.data, b.len, path, &ca->index) < 0)
			goto fail;
	}
	sg_buf_free(&b);
	return ca;
fail:
	sg_buf_free(&b);
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

int sg_ca_save(struct sg_ca *ca)
{
	struct sg_buf b = SG_BUF_INIT;
	char path[PATHBUF];
	int rc;

	if (path_join(path, ca->dir, INDEX) < 0)
		return -1;
	rc = sg_ca_index_format(&ca->index, &b);
	if (rc == 0)
		rc = sg_write_file_atomic(path, b.data ? (void *)b.data : (void *)"", b.len, 0644, 0);
	sg_buf_free(&b);
	return rc;
}

/* The leaf directory for a first name: '*' becomes '_' as in minica. */
static int leaf_dir_name(const struct sg_name *first, char *out)
{
	size_t i;

	for (i = 0; first->text[i]; i++)
		out[i] = first->text[i] == '*' ? '_' : first->text[i];
	out[i] = '\0';
	if (first->type == SG_NAME_URI)
		return sg_fail("'%s': the first name must be a DNS name, an IP address or an email (it names the directory)",
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
	if (path_join(abs, ca->dir, rel) < 0)
		return -1;
	if (exists(abs))
		return sg_fail("%s: already exists, not overwriting (use 'signet ca renew %s')", abs, rel);
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
		rc = sg_fail("%s: the CSR has no subjectAltName; give the names with --domains", path);
		goto out;
	}
	gens = X509V3_EXT_d2i(X509v3_get_ext(exts, idx));
	if (!gens || !(*out = calloc((size_t)sk_GENERAL_NAME_num(gens) + 1, sizeof(**out)))) {
		rc = sg_fail("%s: unreadable subjectAltName", path);
		goto out;
	}
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char t[SG_NAME_MAX];
		enum sg_name_type type;
		if (g->type == GEN_IPADD) {
			if (g->d.iPAddress->length != 4 && g->d.iPAddress->length != 16) {
				rc = sg_fail("%s: bad IP address in subjectAltName", path);
				goto out;
			}
			sg_name_ip_format(g->d.iPAddress->data, (size_t)g->d.iPAddress->length, t);
			type = SG_NAME_IP;
		} else if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
			if (ia5_text(g->d.ia5, t) < 0) {
				rc = sg_fail("%s: bad name in subjectAltName", path);
				goto out;
			}
			type = g->type == GEN_DNS ? SG_NAME_DNS : g->type == GEN_EMAIL ? SG_NAME_EMAIL : SG_NAME_URI;
		} else {
			rc = sg_fail("%s: unsupported kind of name in subjectAltName", path);
			goto out;
		}
		if (sg_name_parse(type, t, &(*out)[*n]) < 0) {
			sg_fail_prefix(path);
			goto out;
		}
		(*n)++;
	}
	if (*n == 0) {
		rc = sg_fail("%s: empty subjectAltName", path);
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

	if (sg_read_file(path, &b, CA_FILE_MAX) < 0)
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio && !(req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL))) {
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
	if (key_acceptable(pub, path) < 0) {
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
			if ((*names)[i].type == (*names)[j].type && strcmp((*names)[i].text, (*names)[j].text) == 0)
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
		return sg_fail("a certificate valid %d days would outlive the issuing CA; use fewer --days", d);
	*not_after = end;
	return 0;
}

int sg_ca_check_request(struct sg_ca *ca, const struct sg_ca_request *r)
{
	X509_REQ *req;
	struct sg_name *owned;
	const struct sg_name *names;
	size_t n;
	char rel[SG_NAME_MAX], abs[PATHBUF];
	time_t na;
	int rc = -1;

	if (request_names(r, &req, &owned, &names, &n) == 0 && check_days(ca, r->days, &na) == 0 &&
	    check_names_chain(names, n, ca->issuer, ca->root) == 0 &&
	    check_leaf_dir(ca, &names[0], rel, abs) == 0)
		rc = 0;
	X509_REQ_free(req);
	free(owned);
	return rc;
}

/* A leaf: CN is the first name when it fits (else an empty subject and a
 * critical SAN, RFC 5280 4.2.1.6). An address makes no CN under a
 * constrained chain (ip_cn 0): OpenSSL checks a CN that looks like a host
 * name against the DNS constraints, which exclude every DNS name there. */
static X509 *make_leaf(X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, const struct sg_name *names,
		       size_t n, int eku, int key_encipherment, time_t not_after, int ip_cn,
		       char serial[SG_CA_SERIAL_MAX + 1])
{
	int ku[2] = { 0, 2 };
	int cn_fits = strlen(names[0].text) <= 64 && names[0].type != SG_NAME_URI &&
		      (ip_cn || names[0].type != SG_NAME_IP);
	X509 *x = new_cert(cn_fits ? names[0].text : NULL, issuer, pub, not_after, serial);

	if (!x)
		return NULL;
	if (add_basic_constraints(x, 0, -1) < 0 || add_key_usage(x, ku, key_encipherment ? 2 : 1) < 0 ||
	    add_eku(x, eku) < 0 || add_ski(x) < 0 || add_aki(x, issuer) < 0 ||
	    add_san(x, names, n, !cn_fits) < 0 || sign_cert(x, ikey) < 0) {
		X509_free(x);
		return NULL;
	}
	return x;
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
			return ossl_fail("bad notAfter");
		t = timegm(&tm);
	}
	sg_ca_time_format(t, e.expires);
	snprintf(e.serial, sizeof(e.serial), "%s", serial);
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	e.file = (char *)file;
	e.subject = subj;
	return sg_ca_index_add(&ca->index, &e);
}

int sg_ca_issue(struct sg_ca *ca, const struct sg_ca_request *r, char *leaf_out)
{
	X509_REQ *req = NULL;
	struct sg_name *owned = NULL;
	const struct sg_name *names;
	size_t n;
	char rel[SG_NAME_MAX], abs[PATHBUF], path[PATHBUF], serial[SG_CA_SERIAL_MAX + 1], file[PATHBUF];
	EVP_PKEY *key = NULL, *pub;
	X509 *leaf = NULL;
	struct undo u = { .n = 0 };
	time_t not_after = 0;
	int rc = -1;

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (request_names(r, &req, &owned, &names, &n) < 0 || check_days(ca, r->days, &not_after) < 0 ||
	    check_names_chain(names, n, ca->issuer, ca->root) < 0 ||
	    check_leaf_dir(ca, &names[0], rel, abs) < 0)
		goto out;
	if (req) {
		pub = X509_REQ_get0_pubkey(req);
	} else {
		if (!(key = keygen(r->alg)))
			goto out;
		pub = key;
	}
	if (!(leaf = make_leaf(ca->issuer, ca->key, pub, names, n, r->client ? EKU_CLIENT : EKU_SERVER,
			       is_rsa(pub), not_after, !chain_constrained(ca), serial)))
		goto out;
	if (verify_leaf(leaf, ca->root, ca->chain,
			r->client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER) < 0)
		goto out;
	if (make_dir(&u, abs, 0700) < 0)
		goto out;
	if (key && (path_join(path, abs, "key.pem") < 0 || write_key_file(&u, path, key, 0) < 0))
		goto out;
	if (path_join(path, abs, "cert.pem") < 0 || write_cert_file(&u, path, leaf, ca->chain) < 0)
		goto out;
	snprintf(file, sizeof(file), "%s/cert.pem", rel);
	if (record(ca, leaf, serial, file) < 0)
		goto out;
	if (leaf_out)
		snprintf(leaf_out, SG_NAME_MAX, "%s", rel);
	rc = 0;
out:
	if (rc < 0)
		undo_run(&u);
	X509_free(leaf);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	free(owned);
	return rc;
}

/* ---- revocation ---- */

static int serial_of(X509 *x, char out[SG_CA_SERIAL_MAX + 1])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	int rc = h ? sg_ca_serial_normalise(h, out) : ossl_fail("bad serial number");

	OPENSSL_free(h);
	BN_free(bn);
	return rc;
}

int sg_ca_revoke(struct sg_ca *ca, const char *arg, int reason)
{
	char serial[SG_CA_SERIAL_MAX + 1];
	struct sg_ca_entry *e;
	struct stat st;

	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
		X509 *x = read_cert(arg);
		int bad;
		if (!x)
			return -1;
		bad = X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca->issuer)) != 0 ||
		      X509_verify(x, X509_get0_pubkey(ca->issuer)) != 1;
		ERR_clear_error();
		if (bad || serial_of(x, serial) < 0) {
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
	return sg_ca_save(ca);
}

static int read_crlnumber(const char *path, BIGNUM **bn)
{
	struct sg_buf b = SG_BUF_INIT;
	size_t n;

	*bn = NULL;
	if (!exists(path)) {
		*bn = BN_new();
		return *bn && BN_one(*bn) ? 0 : ossl_fail("out of memory");
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
	    !X509_REVOKED_set_serialNumber(r, serial) || !ASN1_TIME_set_string_X509(when, e->revoked) ||
	    !X509_REVOKED_set_revocationDate(r, when))
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
	return ok ? 0 : ossl_fail("cannot add a revoked certificate to the CRL");
}

int sg_ca_crl(struct sg_ca *ca, const char *out, int days)
{
	char path[PATHBUF];
	BIGNUM *num = NULL;
	ASN1_INTEGER *crlnum = NULL;
	AUTHORITY_KEYID *akid = NULL;
	X509_CRL *crl = NULL;
	ASN1_TIME *t = NULL;
	BIO *bio = NULL;
	char *data, *hex = NULL;
	long len;
	int rc = -1, d = days > 0 ? days : SG_CA_DEFAULT_CRL_DAYS;
	time_t now = time(NULL);

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (days > 3650)
		return sg_fail("--days %d: a CRL valid more than 10 years", days);
	if (path_join(path, ca->dir, CRLNUMBER) < 0 || read_crlnumber(path, &num) < 0)
		goto out;
	if (!(crl = X509_CRL_new()) || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->issuer)) || !(t = ASN1_TIME_new()) ||
	    !X509_time_adj_ex(t, 0, 0, &now) || !X509_CRL_set1_lastUpdate(crl, t) ||
	    !X509_time_adj_ex(t, d, 0, &now) || !X509_CRL_set1_nextUpdate(crl, t)) {
		ossl_fail("cannot build the CRL");
		goto out;
	}
	for (size_t i = 0; i < ca->index.n; i++)
		if (ca->index.e[i].status == 'R' && add_revoked(crl, &ca->index.e[i]) < 0)
			goto out;
	if (!(crlnum = BN_to_ASN1_INTEGER(num, NULL)) || !(akid = issuer_akid(ca->issuer)) ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, crlnum, 0, 0) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0) != 1 || !X509_CRL_sort(crl)) {
		ossl_fail("cannot build the CRL");
		goto out;
	}
	if (X509_CRL_sign(crl, ca->key, sign_md(ca->key)) <= 0) {
		ossl_fail("signing the CRL failed");
		goto out;
	}
	if (!(bio = BIO_new(BIO_s_mem())) || PEM_write_bio_X509_CRL(bio, crl) != 1) {
		ossl_fail("cannot encode the CRL");
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (sg_write_file_atomic(out, data, (size_t)len, 0644, 0) < 0)
		goto out;
	/* The number just used is spent: the next CRL gets the next one. */
	if (!BN_add_word(num, 1) || !(hex = BN_bn2hex(num))) {
		ossl_fail("out of memory");
		goto out;
	}
	{
		char line[128];
		int n = snprintf(line, sizeof(line), "%s%s\n", strlen(hex) % 2 ? "0" : "", hex);
		if (sg_write_file_atomic(path, line, (size_t)n, 0644, 0) < 0)
			goto out;
	}
	rc = 0;
out:
	OPENSSL_free(hex);
	BIO_free(bio);
	ASN1_TIME_free(t);
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(crlnum);
	BN_free(num);
	X509_CRL_free(crl);
	return rc;
}

/* ---- renewal ---- */

/* The names of a certificate's subjectAltName. */
static int cert_names(X509 *x, struct sg_name **out, size_t *n, const char *path)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int rc = -1;

	*n = 0;
	*out = NULL;
	if (!gens || !(*out = calloc((size_t)sk_GENERAL_NAME_num(gens) + 1, sizeof(**out)))) {
		rc = sg_fail("%s: no subjectAltName to renew", path);
		goto out;
	}
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char t[SG_NAME_MAX];
		enum sg_name_type type;
		if (g->type == GEN_IPADD && (g->d.iPAddress->length == 4 || g->d.iPAddress->length == 16)) {
			sg_name_ip_format(g->d.iPAddress->data, (size_t)g->d.iPAddress->length, t);
			type = SG_NAME_IP;
		} else if ((g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) &&
			   ia5_text(g->d.ia5, t) == 0) {
			type = g->type == GEN_DNS ? SG_NAME_DNS : g->type == GEN_EMAIL ? SG_NAME_EMAIL : SG_NAME_URI;
		} else {
			rc = sg_fail("%s: unsupported name in subjectAltName", path);
			goto out;
		}
		if (sg_name_parse(type, t, &(*out)[(*n)++]) < 0) {
			sg_fail_prefix(path);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static int copy_file_new(const char *from, const char *to, mode_t mode)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_read_file(from, &b, CA_FILE_MAX);

	if (rc == 0)
		rc = sg_write_file_atomic(to, b.data, b.len, mode, SG_ATOMIC_NO_CLOBBER);
	sg_buf_wipe(&b);
	return rc;
}

int sg_ca_renew(struct sg_ca *ca, const char *name, int days, int reuse_key, char *serial_out)
{
	char dir[PATHBUF], cpath[PATHBUF], kpath[PATHBUF], arch[PATHBUF], old[SG_CA_SERIAL_MAX + 1];
	char serial[SG_CA_SERIAL_MAX + 1], file[PATHBUF];
	struct sg_name *names = NULL;
	size_t n = 0;
	X509 *oldx = NULL, *leaf = NULL;
	EVP_PKEY *key = NULL, *pub;
	time_t not_after = 0;
	uint32_t xku;
	int rc = -1, has_key, client;

	if (!ca->key)
		return sg_fail("%s: CA key not loaded", ca->dir);
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return sg_fail("'%s': not a leaf directory name", name);
	if (path_join(dir, ca->dir, name) < 0 || path_join(cpath, dir, "cert.pem") < 0 ||
	    path_join(kpath, dir, "key.pem") < 0)
		return -1;
	if (!(oldx = read_cert(cpath)))
		goto out;
	if (X509_NAME_cmp(X509_get_issuer_name(oldx), X509_get_subject_name(ca->issuer)) != 0) {
		sg_fail("%s: not issued by this CA's issuing certificate", cpath);
		goto out;
	}
	if (serial_of(oldx, old) < 0 || cert_names(oldx, &names, &n, cpath) < 0 ||
	    check_days(ca, days, &not_after) < 0 ||
	    check_names_chain(names, n, ca->issuer, ca->root) < 0)
		goto out;
	xku = X509_get_extended_key_usage(oldx);
	client = (xku & XKU_SSL_CLIENT) && !(xku & XKU_SSL_SERVER);
	has_key = exists(kpath);
	if (reuse_key) {
		pub = X509_get0_pubkey(oldx);
		if (!pub) {
			ossl_fail("cannot read the old public key");
			goto out;
		}
	} else {
		EVP_PKEY *oldpub = X509_get0_pubkey(oldx);
		enum sg_ca_alg alg = SG_CA_ECDSA_P256;
		if (!has_key) {
			sg_fail("%s: no key.pem (signed from a CSR): renew with --reuse-key or issue from a new CSR",
				dir);
			goto out;
		}
		if (EVP_PKEY_is_a(oldpub, "RSA"))
			alg = EVP_PKEY_get_bits(oldpub) > 2048 ? SG_CA_RSA3072 : SG_CA_RSA2048;
		else if (EVP_PKEY_is_a(oldpub, "ED25519"))
			alg = SG_CA_ED25519;
		else if (EVP_PKEY_is_a(oldpub, "EC") && EVP_PKEY_get_bits(oldpub) > 256)
			alg = SG_CA_ECDSA_P384;
		if (!(key = keygen(alg)))
			goto out;
		pub = key;
	}
	if (!(leaf = make_leaf(ca->issuer, ca->key, pub, names, n, client ? EKU_CLIENT : EKU_SERVER,
			       is_rsa(pub), not_after, !chain_constrained(ca), serial)) ||
	    verify_leaf(leaf, ca->root, ca->chain, client ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER) < 0)
		goto out;
	/* Archive first, so the old pair survives whatever happens next. */
	if (snprintf(arch, sizeof(arch), "%s/cert-%s.pem", dir, old) >= (int)sizeof(arch)) {
		sg_fail("%s: path too long", dir);
		goto out;
	}
	if (copy_file_new(cpath, arch, 0644) < 0)
		goto out;
	if (has_key && !reuse_key) {
		if (snprintf(arch, sizeof(arch), "%s/key-%s.pem", dir, old) >= (int)sizeof(arch)) {
			sg_fail("%s: path too long", dir);
			goto out;
		}
		if (copy_file_new(kpath, arch, 0600) < 0)
			goto out;
		if (write_key_file(NULL, kpath, key, 1) < 0)
			goto out;
	}
	if (write_cert_file(NULL, cpath, leaf, ca->chain) < 0)
		goto out;
	snprintf(file, sizeof(file), "%s/cert.pem", name);
	if (record(ca, leaf, serial, file) < 0 || sg_ca_save(ca) < 0)
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

/* ---- minica ---- */

/* A certificate as a reader of its file sees it: OpenSSL caches what it
 * derives from the extensions at first use, which for a certificate
 * built in memory may predate its last extensions. */
static X509 *reparse(X509 *x)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int n = i2d_X509(x, &der);
	X509 *y = NULL;

	if (n > 0) {
		p = der;
		y = d2i_X509(NULL, &p, n);
	}
	OPENSSL_free(der);
	X509_free(x);
	if (!y)
		ossl_fail("cannot re-read the certificate");
	return y;
}

/* minica's root: CN "minica root ca <hex>", 100 years, pathlen 0,
 * digitalSignature + keyCertSign, serverAuth + clientAuth. */
static X509 *minica_root(EVP_PKEY *key)
{
	static const int ku[] = { 0, 5 };
	char cn[64];
	uint8_t r[3];
	time_t na = time(NULL) + (time_t)36524 * 86400;
	X509 *x;

	if (sg_random(r, 3) < 0)
		return NULL;
	snprintf(cn, sizeof(cn), "minica root ca %02x%02x%02x", r[0], r[1], r[2]);
	if (!(x = new_cert(cn, NULL, key, na, NULL)))
		return NULL;
	if (add_basic_constraints(x, 1, 0) < 0 || add_key_usage(x, ku, 2) < 0 ||
	    add_eku(x, EKU_SERVER | EKU_CLIENT) < 0 || add_ski(x) < 0 || add_aki(x, x) < 0 ||
	    sign_cert(x, key) < 0) {
		X509_free(x);
		return NULL;
	}
	return reparse(x);
}

int sg_ca_minica(const char *key_path, const char *cert_path, enum sg_ca_alg alg,
		 const struct sg_name *names, size_t n)
{
	int have_key = exists(key_path), have_cert = exists(cert_path), rc = -1;
	EVP_PKEY *ikey = NULL, *key = NULL;
	X509 *issuer = NULL, *leaf = NULL;
	struct undo u = { .n = 0 };
	char dir[SG_NAME_MAX], path[PATHBUF], serial[SG_CA_SERIAL_MAX + 1];
	time_t na = time(NULL) + (time_t)(2 * 365 + 30) * 86400;
	struct stat st;

	if (n == 0)
		return sg_fail("must specify at least one domain name or IP address");
	if (leaf_dir_name(&names[0], dir) < 0)
		return -1;
	if (have_key != have_cert)
		return sg_fail("%s: missing (but %s exists)", have_key ? cert_path : key_path,
			       have_key ? key_path : cert_path);
	if (have_key) {
		if (!(ikey = read_key(key_path)) || !(issuer = read_cert(cert_path)))
			goto out;
		if (X509_check_private_key(issuer, ikey) != 1) {
			ERR_clear_error();
			sg_fail("public key in CA certificate %s doesn't match private key in %s", cert_path,
				key_path);
			goto out;
		}
		if (X509_check_ca(issuer) != 1) {
			sg_fail("%s: not a CA certificate", cert_path);
			goto out;
		}
		if (check_names_chain(names, n, issuer, NULL) < 0)
			goto out;
	}
	/* minica keeps an existing leaf directory but never a key.pem in it. */
	if (snprintf(path, sizeof(path), "%s/key.pem", dir) >= (int)sizeof(path))
		goto out;
	if (exists(path) || (snprintf(path, sizeof(path), "%s/cert.pem", dir), exists(path))) {
		sg_fail("%s: already exists, not overwriting", path);
		goto out;
	}
	if (!have_key) {
		if (!(ikey = keygen(alg)) || !(issuer = minica_root(ikey)))
			goto out;
		if (write_key_file(&u, key_path, ikey, 0) < 0 || write_cert_file(&u, cert_path, issuer, NULL) < 0)
			goto out;
	}
	if (X509_cmp_time(X509_get0_notAfter(issuer), &na) < 0) {
		sg_fail("%s: expires before a new certificate would", cert_path);
		goto out;
	}
	if (!(key = keygen(alg)) ||
	    !(leaf = make_leaf(issuer, ikey, key, names, n, EKU_SERVER | EKU_CLIENT, 1, na, 1, serial)) ||
	    verify_leaf(leaf, issuer, NULL, X509_PURPOSE_SSL_SERVER) < 0)
		goto out;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			sg_fail("%s: exists and is not a directory", dir);
			goto out;
		}
	} else if (make_dir(&u, dir, 0700) < 0) {
		goto out;
	}
	if (snprintf(path, sizeof(path), "%s/key.pem", dir) < 0 || write_key_file(&u, path, key, 0) < 0 ||
	    snprintf(path, sizeof(path), "%s/cert.pem", dir) < 0 || write_cert_file(&u, path, leaf, NULL) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		undo_run(&u);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(key);
	X509_free(issuer);
	X509_free(leaf);
	return rc;
}
