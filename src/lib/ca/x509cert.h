/* x509cert.h - the certificates signet's CA signs, built and checked over
 * OpenSSL's X509 interfaces (used by ca.c; no files of a CA directory
 * are known here).
 *
 * Contract: keys are ECDSA P-256/P-384, Ed25519 or RSA (2048/3072);
 * every certificate is v3 with a random positive 127-bit serial, a
 * notBefore five minutes back, SKI and AKI (the issuer's SKI, or the hash
 * of its key). CA certificates carry critical basicConstraints (CA:TRUE,
 * pathlen) and keyUsage (keyCertSign, cRLSign), and optionally critical
 * name constraints; leaves carry CA:FALSE, digitalSignature (plus
 * keyEncipherment for RSA), the EKUs asked for and the SAN. Name
 * checking follows RFC 5280 4.2.1.10 as OpenSSL applies it
 * (x509name.h), stricter in one way: under a name-constrained CA a kind
 * of name it permits nothing of is refused. Errors carry OpenSSL's own
 * reason after ours.
 */
#ifndef SIGNET_X509CERT_H
#define SIGNET_X509CERT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "caindex.h"
#include "x509name.h"

#define SG_X509_FILE_MAX (1u << 20)

enum sg_ca_alg {
	SG_CA_ECDSA_P256,
	SG_CA_ECDSA_P384,
	SG_CA_ED25519,
	SG_CA_RSA3072,
	SG_CA_RSA2048, /* minica's RSA */
};

enum { SG_X509_EKU_SERVER = 1, SG_X509_EKU_CLIENT = 2 };

/* "ecdsa-p256", "ecdsa-p384", "ed25519", "rsa3072" (and "rsa2048"). */
int sg_ca_alg_parse(const char *s, enum sg_ca_alg *alg);

/* sg_fail(what), with OpenSSL's last error appended when there is one. */
int sg_x509_fail(const char *what);

EVP_PKEY *sg_x509_keygen(enum sg_ca_alg alg);
/* The digest a key signs with (NULL for Ed25519). */
const EVP_MD *sg_x509_sign_md(EVP_PKEY *k);
/* Refuses keys signet does not certify (RSA < 2048, other curves). */
int sg_x509_key_acceptable(EVP_PKEY *k, const char *what);
int sg_x509_is_rsa(EVP_PKEY *k);

/* PEM: private keys as PKCS#8 (the caller wipes out); certificates. */
int sg_x509_key_pem(EVP_PKEY *k, struct sg_buf *out);
int sg_x509_cert_pem(X509 *x, struct sg_buf *out);
/* The first certificate of a PEM file; any PEM private key (PKCS#8,
 * PKCS#1, SEC1), unencrypted. */
X509 *sg_x509_read_cert(const char *path);
EVP_PKEY *sg_x509_read_key(const char *path);
/* The same key from PEM text in memory (a key file decrypted from age;
 * name for the message). */
EVP_PKEY *sg_x509_key_from_pem(const uint8_t *pem, size_t len, const char *name);

/* The authority key identifier a certificate or CRL of issuer carries. */
AUTHORITY_KEYID *sg_x509_issuer_akid(X509 *issuer);

/* Name constraints for DNS suffixes and address ranges; with either,
 * mailboxes and URIs under the suffixes are permitted and every kind of
 * name not listed is excluded. */
NAME_CONSTRAINTS *sg_x509_build_constraints(char **dns, size_t ndns, const struct sg_cidr *ip,
					    size_t nip);
/* Copies an IA5String without NULs into out (SG_NAME_MAX bytes). */
int sg_x509_ia5_text(const ASN1_IA5STRING *s, char *out);

/* One name of a subjectAltName as signet's text (t, SG_NAME_MAX bytes)
 * and kind: an IPv4/IPv6 address, a DNS name, a mailbox or a URI. Sets
 * no error; the result says what is wrong, for the caller's message. */
enum sg_x509_gen_result {
	SG_X509_GEN_OK,
	SG_X509_GEN_BAD_IP,	 /* an address of neither 4 nor 16 bytes */
	SG_X509_GEN_BAD_TEXT,	 /* an IA5String holding a NUL or too long */
	SG_X509_GEN_UNSUPPORTED, /* another kind of name */
};
enum sg_x509_gen_result sg_x509_general_name(const GENERAL_NAME *g, enum sg_name_type *type, char *t);

/* Every name against the constraints of issuer and root (root may be
 * NULL or the issuer). */
int sg_x509_check_names(const struct sg_name *names, size_t n, X509 *issuer, X509 *root);
/* X509_verify_cert() of leaf up to root through chain, for a purpose
 * (X509_PURPOSE_SSL_SERVER/CLIENT). */
int sg_x509_verify_leaf(X509 *leaf, X509 *root, STACK_OF(X509) * chain, int purpose);

/* A CA certificate (self-signed when issuer is NULL; pathlen < 0 for
 * none), signed by ikey. */
X509 *sg_x509_make_ca(const char *cn, X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, int pathlen,
		      NAME_CONSTRAINTS *nc, time_t not_after);
/* A leaf for names (CN the first when it fits and, for an address, when
 * ip_cn), its serial in hex into serial. */
X509 *sg_x509_make_leaf(X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *pub, const struct sg_name *names,
			size_t n, int eku, int key_encipherment, time_t not_after, int ip_cn,
			char serial[SG_CA_SERIAL_MAX + 1]);
/* jsha/minica's root: CN "minica root ca <hex>", 100 years, pathlen 0. */
X509 *sg_x509_minica_root(EVP_PKEY *key);

/* The serial as the index writes it. */
int sg_x509_serial_hex(X509 *x, char out[SG_CA_SERIAL_MAX + 1]);
/* The names of a certificate's subjectAltName (calloc'ed). */
int sg_x509_cert_names(X509 *x, struct sg_name **out, size_t *n, const char *path);

#endif
