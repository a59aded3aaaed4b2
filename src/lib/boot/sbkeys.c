#include "sbkeys.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "err.h"
#include "hex.h"
#include "timestamp.h"
#include "fileio.h"
#include "pe.h"

#define MAX_PEM (1u << 20)

/* EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072 */
static const uint8_t cert_x509_guid[SG_GUID_LEN] = {
	0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
	0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72,
};
/* EFI_CERT_TYPE_PKCS7_GUID 4aafd29d-68df-49ee-8aa9-347d375665a7 */
static const uint8_t cert_pkcs7_guid[SG_GUID_LEN] = {
	0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
	0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7,
};
/* EFI_GLOBAL_VARIABLE 8be4df61-93ca-11d2-aa0d-00e098032b8c */
static const uint8_t global_variable_guid[SG_GUID_LEN] = {
	0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
	0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c,
};
/* EFI_IMAGE_SECURITY_DATABASE_GUID d719b2cb-3d3a-4596-a3bc-dad00e67656f */
static const uint8_t image_security_guid[SG_GUID_LEN] = {
	0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
	0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f,
};

#define EFI_VARIABLE_NON_VOLATILE 0x01
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x02
#define EFI_VARIABLE_RUNTIME_ACCESS 0x04
#define EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS 0x20
#define WIN_CERT_TYPE_EFI_GUID 0x0ef1
#define WIN_CERT_REVISION 0x0200

static int ssl_fail(const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256] = "";

	if (e)
		ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return sg_fail("%s%s%s", what, e ? ": " : "", msg);
}

EVP_PKEY *sg_sb_load_key(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (sg_read_file(path, &b, MAX_PEM))
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	sg_buf_wipe(&b);
	if (!key) {
		ERR_clear_error();
		sg_fail("%s: not an unencrypted PEM private key", path);
	}
	return key;
}

X509 *sg_sb_load_cert(const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	X509 *cert = NULL;
	BIO *bio;

	if (sg_read_file(path, &b, MAX_PEM))
		return NULL;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (bio)
		cert = PEM_read_bio_X509(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (!cert) {
		const unsigned char *p = b.data;

		cert = d2i_X509(NULL, &p, (long)b.len);
	}
	sg_buf_free(&b);
	if (!cert) {
		ERR_clear_error();
		sg_fail("%s: not an X.509 certificate (PEM or DER)", path);
	}
	return cert;
}

/* The first three GUID fields are little-endian, the rest bytes. */
static const int guid_order[SG_GUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

int sg_guid_parse(const char *s, uint8_t guid[SG_GUID_LEN])
{
	uint8_t raw[SG_GUID_LEN];
	size_t n = 0;

	if (strlen(s) != SG_GUID_STR_LEN)
		return sg_fail("GUID '%s' is not 36 characters (8-4-4-4-12 hex digits)", s);
	for (size_t i = 0; i < SG_GUID_STR_LEN;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return sg_fail("GUID '%s' lacks a '-' at position %zu", s, i + 1);
			i++;
			continue;
		}
		hi = sg_hex_value(s[i]);
		lo = sg_hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return sg_fail("GUID '%s' has a non-hex digit", s);
		raw[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	for (int i = 0; i < SG_GUID_LEN; i++)
		guid[i] = raw[guid_order[i]];
	return 0;
}

void sg_guid_format(const uint8_t guid[SG_GUID_LEN], char out[SG_GUID_STR_LEN + 1])
{
	uint8_t raw[SG_GUID_LEN];
	char *p = out;

	for (int i = 0; i < SG_GUID_LEN; i++)
		raw[guid_order[i]] = guid[i];
	for (int i = 0; i < SG_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += snprintf(p, 3, "%02x", raw[i]);
	}
	*p = '\0';
}

int sg_guid_random(uint8_t guid[SG_GUID_LEN])
{
	if (sg_random(guid, SG_GUID_LEN))
		return -1;
	/* Version 4 in the high nibble of the third field (little-endian),
	 * RFC 4122 variant in byte 8. */
	guid[7] = (uint8_t)((guid[7] & 0x0f) | 0x40);
	guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
	return 0;
}

EVP_PKEY *sg_sb_rsa_keygen(int bits)
{
	EVP_PKEY *key;

	if (bits != 2048 && bits != 3072 && bits != 4096) {
		sg_fail("RSA key size %d is not 2048, 3072 or 4096", bits);
		return NULL;
	}
	key = EVP_RSA_gen((unsigned int)bits);
	if (!key)
		ssl_fail("RSA key generation failed");
	return key;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

X509 *sg_sb_self_signed(EVP_PKEY *key, const char *cn, time_t not_before, int days)
{
	X509 *cert = X509_new();
	X509_NAME *name = NULL;
	BIGNUM *serial = NULL;
	uint8_t rnd[16];

	if (!cert || sg_random(rnd, sizeof(rnd)))
		goto fail;
	rnd[0] &= 0x7f; /* positive */
	rnd[0] |= 0x01; /* and 16 bytes long */
	serial = BN_bin2bn(rnd, sizeof(rnd), NULL);
	name = X509_NAME_new();
	if (!serial || !name || !X509_set_version(cert, 2) ||
	    !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0) ||
	    !X509_set_subject_name(cert, name) || !X509_set_issuer_name(cert, name) ||
	    !X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &not_before) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, &not_before) ||
	    !X509_set_pubkey(cert, key) || !add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") ||
	    !add_ext(cert, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(cert, key, EVP_sha256()))
		goto fail;
	BN_free(serial);
	X509_NAME_free(name);
	return cert;
fail:
	ssl_fail("cannot make a self-signed certificate");
	BN_free(serial);
	X509_NAME_free(name);
	X509_free(cert);
	return NULL;
}

int sg_sb_esl(X509 *cert, const uint8_t owner[SG_GUID_LEN], struct sg_buf *out)
{
	uint8_t *der = NULL, hdr[28];
	int len = i2d_X509(cert, &der);
	uint32_t sig_size, list_size;

	if (len <= 0)
		return ssl_fail("cannot encode certificate");
	sig_size = SG_GUID_LEN + (uint32_t)len;
	list_size = sizeof(hdr) + sig_size;
	/* EFI_SIGNATURE_LIST: SignatureType, SignatureListSize,
	 * SignatureHeaderSize (0), SignatureSize; then one
	 * EFI_SIGNATURE_DATA: SignatureOwner and the DER certificate. */
	memcpy(hdr, cert_x509_guid, SG_GUID_LEN);
	sg_put_le32(hdr + 16, list_size);
	sg_put_le32(hdr + 20, 0);
	sg_put_le32(hdr + 24, sig_size);
	sg_buf_free(out);
	if (sg_buf_append(out, hdr, sizeof(hdr)) || sg_buf_append(out, owner, SG_GUID_LEN) ||
	    sg_buf_append(out, der, (size_t)len)) {
		OPENSSL_free(der);
		return -1;
	}
	OPENSSL_free(der);
	return 0;
}

void sg_sb_efi_time(time_t t, uint8_t out[SG_EFI_TIME_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	memset(out, 0, SG_EFI_TIME_LEN);
	sg_put_le16(out, (uint16_t)(tm.tm_year + 1900));
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)tm.tm_sec;
}

const uint8_t *sg_sb_vendor_guid(const char *var)
{
	if (!strcmp(var, "PK") || !strcmp(var, "KEK") || !strcmp(var, "SecureBoot"))
		return global_variable_guid;
	if (!strcmp(var, "db") || !strcmp(var, "dbx"))
		return image_security_guid;
	return NULL;
}

int sg_sb_auth(const char *var, const uint8_t *data, size_t len,
	       const uint8_t efi_time[SG_EFI_TIME_LEN], EVP_PKEY *key, X509 *cert, struct sg_buf *out)
{
	const uint8_t *vendor = sg_sb_vendor_guid(var);
	struct sg_buf msg = SG_BUF_INIT;
	uint8_t attrs[4], hdr[8], *der = NULL;
	PKCS7 *p7 = NULL;
	BIO *bio = NULL;
	int derlen, rc = -1;

	if (!vendor)
		return sg_fail("'%s' is not a Secure Boot variable (PK, KEK, db, dbx)", var);
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return sg_fail("%s: the signing key does not match the certificate", var);
	}
	/* Signed: the name in UTF-16LE without its NUL, the vendor GUID,
	 * the attributes, the timestamp, then the new contents. */
	for (const char *c = var; *c; c++)
		if (sg_buf_append_byte(&msg, (uint8_t)*c) || sg_buf_append_byte(&msg, 0))
			goto out;
	sg_put_le32(attrs, EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
				   EFI_VARIABLE_RUNTIME_ACCESS |
				   EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS);
	if (sg_buf_append(&msg, vendor, SG_GUID_LEN) || sg_buf_append(&msg, attrs, 4) ||
	    sg_buf_append(&msg, efi_time, SG_EFI_TIME_LEN) || sg_buf_append(&msg, data, len))
		goto out;
	bio = BIO_new_mem_buf(msg.data, (int)msg.len);
	if (!bio)
		goto fail;
	/* Detached, no signed attributes: the firmware verifies the
	 * SignedData over the bytes above, as sign-efi-sig-list makes it. */
	p7 = PKCS7_sign(cert, key, NULL, bio, PKCS7_BINARY | PKCS7_DETACHED | PKCS7_NOATTR);
	if (!p7)
		goto fail;
	/* CertData is the SignedData itself, not a ContentInfo. */
	derlen = i2d_PKCS7_SIGNED(p7->d.sign, &der);
	if (derlen <= 0)
		goto fail;
	sg_buf_free(out);
	sg_put_le32(hdr, (uint32_t)(8 + SG_GUID_LEN + derlen));
	sg_put_le16(hdr + 4, WIN_CERT_REVISION);
	sg_put_le16(hdr + 6, WIN_CERT_TYPE_EFI_GUID);
	if (sg_buf_append(out, efi_time, SG_EFI_TIME_LEN) || sg_buf_append(out, hdr, sizeof(hdr)) ||
	    sg_buf_append(out, cert_pkcs7_guid, SG_GUID_LEN) ||
	    sg_buf_append(out, der, (size_t)derlen) || sg_buf_append(out, data, len))
		goto out;
	rc = 0;
	goto out;
fail:
	ssl_fail("cannot sign the variable update");
out:
	if (rc)
		sg_buf_free(out);
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(bio);
	sg_buf_free(&msg);
	return rc;
}

int sg_parse_rfc3339(const char *s, time_t *out)
{
	return sg_time_parse(s, strlen(s), "time", out);
}
