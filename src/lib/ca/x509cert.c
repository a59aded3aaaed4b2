#include "x509cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"

#define BACKDATE 300 /* seconds: tolerate clocks a little behind ours */

/* Keeps OpenSSL's own reason for the failure after ours. */
int sg_x509_fail(const char *what)
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

EVP_PKEY *sg_x509_keygen(enum sg_ca_alg alg)
{
	EVP_PKEY *k = NULL;

	switch (alg) {
	case SG_CA_ECDSA_P256: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
	case SG_CA_ECDSA_P384: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
	case SG_CA_ED25519: k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	case SG_CA_RSA3072: k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072); break;
	case SG_CA_RSA2048: k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
	}
	if (!k)
		sg_x509_fail("key generation failed");
	return k;
}

/* The digest a key signs certificates with (NULL for Ed25519). */
const EVP_MD *sg_x509_sign_md(EVP_PKEY *k)
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
int sg_x509_key_acceptable(EVP_PKEY *k, const char *what)
{
	if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bits(k) < 2048)
			return sg_fail("%s: RSA key of %d bits (at least 2048)", what,
				       EVP_PKEY_get_bits(k));
		return 0;
	}
	if (EVP_PKEY_is_a(k, "EC")) {
		char group[64];
		size_t n;
		if (!EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &n) ||
		    (strcmp(group, "prime256v1") && strcmp(group, "secp384r1") &&
		     strcmp(group, "secp521r1")))
			return sg_fail("%s: EC key not on P-256, P-384 or P-521", what);
		return 0;
	}
	if (EVP_PKEY_is_a(k, "ED25519"))
		return 0;
	return sg_fail("%s: unsupported key type (RSA, ECDSA or Ed25519)", what);
}

int sg_x509_is_rsa(EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "RSA");
}

/* PEM of a private key (PKCS#8), wiped by the caller. */
int sg_x509_key_pem(EVP_PKEY *k, struct sg_buf *out)
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
		sg_x509_fail("cannot encode private key");
	}
	BIO_free(b);
	return rc;
}

int sg_x509_cert_pem(X509 *x, struct sg_buf *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -1;

	if (b && PEM_write_bio_X509(b, x) == 1) {
		n = BIO_get_mem_data(b, &data);
		rc = sg_buf_append(out, data, (size_t)n);
	} else {
		sg_x509_fail("cannot encode certificate");
	}
	BIO_free(b);
	return rc;
}

X509 *sg_x509_read_cert(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	X509 *x = NULL;
	BIO *bio;

	if (sg_read_file(path, &b, SG_X509_FILE_MAX) < 0)
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	sg_buf_free(&b);
	if (!x) {
		ERR_clear_error();
		sg_fail("%s: not a PEM certificate", path);
	}
	return x;
}

EVP_PKEY *sg_x509_key_from_pem(const uint8_t *pem, size_t len, const char *name)
{
	BIO *bio = len <= INT_MAX ? BIO_new_mem_buf(pem ? pem : (const uint8_t *)"", (int)len) : NULL;
	/* "" as the passphrase: an encrypted key fails instead of prompting */
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;

	BIO_free(bio);
	if (!k) {
		ERR_clear_error();
		sg_fail("%s: not a PEM private key (or it is encrypted)", name);
	}
	return k;
}

EVP_PKEY *sg_x509_read_key(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	EVP_PKEY *k = NULL;

	if (sg_read_file(path, &b, SG_X509_FILE_MAX) < 0)
		return NULL;
	k = sg_x509_key_from_pem(b.data, b.len, path);
	sg_buf_wipe(&b);
	return k;
}

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
	return ok && h ? 0 : sg_x509_fail("cannot set serial number");
}

static int add_ext(X509 *x, int nid, void *value, int crit)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) != 1)
		return sg_x509_fail("cannot add certificate extension");
	return 0;
}

static int add_basic_constraints(X509 *x, int ca, int pathlen)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	int rc = -1;

	if (!bc)
		return sg_x509_fail("out of memory");
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
		return sg_x509_fail("out of memory");
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
		return sg_x509_fail("out of memory");
	if ((which & SG_X509_EKU_SERVER) && !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)))
		goto out;
	if ((which & SG_X509_EKU_CLIENT) && !sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)))
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

	if (ski && X509_pubkey_digest(x, EVP_sha1(), md, &n) == 1 &&
	    ASN1_OCTET_STRING_set(ski, md, (int)n))
		rc = add_ext(x, NID_subject_key_identifier, ski, 0);
	else
		sg_x509_fail("cannot compute subject key identifier");
	ASN1_OCTET_STRING_free(ski);
	return rc;
}

/* AKI: the issuer's SKI, or the hash of its key when it carries none. */
AUTHORITY_KEYID *sg_x509_issuer_akid(X509 *issuer)
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
	sg_x509_fail("cannot compute authority key identifier");
	return NULL;
}

static int add_aki(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *akid = sg_x509_issuer_akid(issuer);
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
	case SG_NAME_DNS: return ia5_name(GEN_DNS, nm->text);
	case SG_NAME_IP: return octet_name(nm->ip, nm->iplen);
	case SG_NAME_EMAIL: return ia5_name(GEN_EMAIL, nm->text);
	case SG_NAME_URI: return ia5_name(GEN_URI, nm->text);
	}
	return NULL;
}

static int add_san(X509 *x, const struct sg_name *names, size_t n, int critical)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int rc = -1;

	if (!gens)
		return sg_x509_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		GENERAL_NAME *gn = general_name(&names[i]);
		if (!gn || !sk_GENERAL_NAME_push(gens, gn)) {
			GENERAL_NAME_free(gn);
			sg_x509_fail("cannot encode subjectAltName");
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
	if (!X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0))
		return sg_x509_fail("cannot set common name");
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
	if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
					    : X509_get_subject_name(x)) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, -BACKDATE, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &not_after) || !X509_set_pubkey(x, pub)) {
		sg_x509_fail("cannot fill certificate");
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

static int sign_cert(X509 *x, EVP_PKEY *key)
{
	if (X509_sign(x, key, sg_x509_sign_md(key)) <= 0)
		return sg_x509_fail("signing the certificate failed");
	return 0;
}

static int add_subtree(STACK_OF(GENERAL_SUBTREE) * st, GENERAL_NAME *gn)
{
	GENERAL_SUBTREE *t = gn ? GENERAL_SUBTREE_new() : NULL;

	if (!t) {
		GENERAL_NAME_free(gn);
		return sg_x509_fail("out of memory");
	}
	GENERAL_NAME_free(t->base);
	t->base = gn;
	if (!sk_GENERAL_SUBTREE_push(st, t)) {
		GENERAL_SUBTREE_free(t);
		return sg_x509_fail("out of memory");
	}
	return 0;
}

/* Each DNS suffix also permits mailboxes and URIs on those hosts, and
 * what is not permitted is excluded: a CA constrained to example.com
 * signs nothing for an address, and one constrained to 10.0.0.0/8
 * nothing for a DNS name. */
NAME_CONSTRAINTS *sg_x509_build_constraints(char **dns, size_t ndns, const struct sg_cidr *ip,
					    size_t nip)
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
	sg_x509_fail("cannot build name constraints");
	return NULL;
}

int sg_x509_ia5_text(const ASN1_IA5STRING *s, char *out)
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
		if (base->type != GEN_DNS || sg_x509_ia5_text(base->d.dNSName, b) < 0)
			return -1;
		return sg_dns_within(nm->text, b);
	case SG_NAME_EMAIL:
		if (base->type != GEN_EMAIL || sg_x509_ia5_text(base->d.rfc822Name, b) < 0)
			return -1;
		return sg_email_within(nm->text, b);
	case SG_NAME_URI:
		if (base->type != GEN_URI ||
		    sg_x509_ia5_text(base->d.uniformResourceIdentifier, b) < 0)
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
	case SG_NAME_DNS: return "DNS name";
	case SG_NAME_IP: return "IP address";
	case SG_NAME_EMAIL: return "email";
	case SG_NAME_URI: return "URI";
	}
	return "name";
}

/* The permitted subtrees of one CA certificate, for the message. */
static void describe_permitted(const NAME_CONSTRAINTS *nc, char *out, size_t cap)
{
	size_t used = 0;
	char b[SG_NAME_MAX];

	out[0] = '\0';
	for (int i = 0; nc->permittedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees);
	     i++) {
		const GENERAL_NAME *gn = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;
		if (gn->type == GEN_DNS && sg_x509_ia5_text(gn->d.dNSName, b) == 0) {
		} else if (gn->type == GEN_IPADD &&
			   (gn->d.iPAddress->length == 8 || gn->d.iPAddress->length == 32)) {
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
	for (int i = 0; nc->permittedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees);
	     i++) {
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
	for (int i = 0;
	     !rc && nc->excludedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees); i++)
		if (subtree_match(nm, sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, i)->base) == 1)
			rc = sg_fail("%s '%s' is excluded by the CA's name constraints (%s)",
				     type_word(nm->type), nm->text, subj);
	NAME_CONSTRAINTS_free(nc);
	return rc;
}

/* Every name against the issuer and the root (the only CAs of a chain
 * signet builds). */
int sg_x509_check_names(const struct sg_name *names, size_t n, X509 *issuer, X509 *root)
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
int sg_x509_verify_leaf(X509 *leaf, X509 *root, STACK_OF(X509) * chain, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;

	if (!store || !ctx || X509_STORE_add_cert(store, root) != 1 ||
	    X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
		sg_x509_fail("cannot set up verification");
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

X509 *sg_x509_make_ca(const char *cn, X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, int pathlen,
		      NAME_CONSTRAINTS *nc, time_t not_after)
{
	static const int ku[] = { 0, 5, 6 }; /* digitalSignature, keyCertSign, cRLSign */
	X509 *x = new_cert(cn, issuer, pub, not_after, NULL);

	if (!x)
		return NULL;
	if (add_basic_constraints(x, 1, pathlen) < 0 || add_key_usage(x, ku, 3) < 0 ||
	    add_ski(x) < 0 || add_aki(x, issuer ? issuer : x) < 0 ||
	    (nc && add_ext(x, NID_name_constraints, nc, 1) < 0) || sign_cert(x, ikey) < 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* A leaf: CN is the first name when it fits (else an empty subject and a
 * critical SAN, RFC 5280 4.2.1.6). An address makes no CN under a
 * constrained chain (ip_cn 0): OpenSSL checks a CN that looks like a host
 * name against the DNS constraints, which exclude every DNS name there. */
X509 *sg_x509_make_leaf(X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, const struct sg_name *names,
			size_t n, int eku, int key_encipherment, time_t not_after, int ip_cn,
			char serial[SG_CA_SERIAL_MAX + 1])
{
	int ku[2] = { 0, 2 };
	int cn_fits = strlen(names[0].text) <= 64 && names[0].type != SG_NAME_URI &&
		      (ip_cn || names[0].type != SG_NAME_IP);
	X509 *x = new_cert(cn_fits ? names[0].text : NULL, issuer, pub, not_after, serial);

	if (!x)
		return NULL;
	if (add_basic_constraints(x, 0, -1) < 0 ||
	    add_key_usage(x, ku, key_encipherment ? 2 : 1) < 0 || add_eku(x, eku) < 0 ||
	    add_ski(x) < 0 || add_aki(x, issuer) < 0 || add_san(x, names, n, !cn_fits) < 0 ||
	    sign_cert(x, ikey) < 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int sg_x509_serial_hex(X509 *x, char out[SG_CA_SERIAL_MAX + 1])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	int rc = h ? sg_ca_serial_normalise(h, out) : sg_x509_fail("bad serial number");

	OPENSSL_free(h);
	BN_free(bn);
	return rc;
}

enum sg_x509_gen_result sg_x509_general_name(const GENERAL_NAME *g, enum sg_name_type *type, char *t)
{
	if (g->type == GEN_IPADD) {
		if (g->d.iPAddress->length != 4 && g->d.iPAddress->length != 16)
			return SG_X509_GEN_BAD_IP;
		sg_name_ip_format(g->d.iPAddress->data, (size_t)g->d.iPAddress->length, t);
		*type = SG_NAME_IP;
		return SG_X509_GEN_OK;
	}
	if (g->type != GEN_DNS && g->type != GEN_EMAIL && g->type != GEN_URI)
		return SG_X509_GEN_UNSUPPORTED;
	if (sg_x509_ia5_text(g->d.ia5, t) < 0)
		return SG_X509_GEN_BAD_TEXT;
	*type = g->type == GEN_DNS     ? SG_NAME_DNS
		: g->type == GEN_EMAIL ? SG_NAME_EMAIL
				       : SG_NAME_URI;
	return SG_X509_GEN_OK;
}

/* The names of a certificate's subjectAltName. */
int sg_x509_cert_names(X509 *x, struct sg_name **out, size_t *n, const char *path)
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
		char t[SG_NAME_MAX];
		enum sg_name_type type;

		if (sg_x509_general_name(sk_GENERAL_NAME_value(gens, i), &type, t) != SG_X509_GEN_OK) {
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
		sg_x509_fail("cannot re-read the certificate");
	return y;
}

/* minica's root: CN "minica root ca <hex>", 100 years, pathlen 0,
 * digitalSignature + keyCertSign, serverAuth + clientAuth. */
X509 *sg_x509_minica_root(EVP_PKEY *key)
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
	    add_eku(x, SG_X509_EKU_SERVER | SG_X509_EKU_CLIENT) < 0 || add_ski(x) < 0 ||
	    add_aki(x, x) < 0 || sign_cert(x, key) < 0) {
		X509_free(x);
		return NULL;
	}
	return reparse(x);
}
