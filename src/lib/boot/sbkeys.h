/* sbkeys.h - UEFI Secure Boot keys: certificates, EFI_SIGNATURE_LISTs and
 * signed variable updates in efitools' formats.
 *
 * An .esl is one EFI_SIGNATURE_LIST of type EFI_CERT_X509_GUID holding
 * one DER certificate with an owner GUID, byte-identical to
 * cert-to-efi-sig-list's. An .auth is EFI_VARIABLE_AUTHENTICATION_2
 * (EFI_TIME, WIN_CERTIFICATE_UEFI_GUID of type EFI_CERT_TYPE_PKCS7_GUID
 * holding a PKCS#7 SignedData without signed attributes over
 * name || vendor GUID || attributes || timestamp || data) followed by the
 * data, byte-identical to sign-efi-sig-list's for the same key,
 * certificate and timestamp: RSA PKCS#1 v1.5 signatures are
 * deterministic, so the same inputs always give the same bytes.
 *
 * GUIDs are 16 bytes in EFI (mixed-endian) order.
 */
#ifndef SIGNET_SBKEYS_H
#define SIGNET_SBKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"

#define SG_GUID_LEN 16
#define SG_GUID_STR_LEN 36
#define SG_EFI_TIME_LEN 16

/* Reads a PEM private key (unencrypted). */
EVP_PKEY *sg_sb_load_key(const char *path);
/* Reads a certificate, PEM or DER. */
X509 *sg_sb_load_cert(const char *path);

/* "8be4df61-93ca-11d2-aa0d-00e098032b8c" <-> EFI byte order. */
int sg_guid_parse(const char *s, uint8_t guid[SG_GUID_LEN]);
void sg_guid_format(const uint8_t guid[SG_GUID_LEN], char out[SG_GUID_STR_LEN + 1]);
/* A random (version 4) GUID. */
int sg_guid_random(uint8_t guid[SG_GUID_LEN]);

/* A new RSA key of bits (2048, 3072 or 4096). */
EVP_PKEY *sg_sb_rsa_keygen(int bits);
/* A self-signed X.509v3 CA certificate "CN=cn" valid from not_before for
 * days, with a random serial, signed with SHA-256. */
X509 *sg_sb_self_signed(EVP_PKEY *key, const char *cn, time_t not_before, int days);

/* The EFI_SIGNATURE_LIST holding cert, owned by owner. */
int sg_sb_esl(X509 *cert, const uint8_t owner[SG_GUID_LEN], struct sg_buf *out);

/* EFI_TIME for a UTC time (nanoseconds, time zone and daylight 0). */
void sg_sb_efi_time(time_t t, uint8_t out[SG_EFI_TIME_LEN]);

/* The vendor GUID of a Secure Boot variable: EFI_GLOBAL_VARIABLE for
 * SecureBoot, PK and KEK, EFI_IMAGE_SECURITY_DATABASE for db and dbx;
 * NULL for any other name. */
const uint8_t *sg_sb_vendor_guid(const char *var);

/* The authenticated update of variable var ("PK", "KEK", "db", "dbx")
 * to data, signed by key/cert: AUTH_2 header then data. The vendor GUID
 * is EFI_GLOBAL_VARIABLE for PK and KEK and EFI_IMAGE_SECURITY_DATABASE
 * for db and dbx; attributes NV|BS|RT|TIME_BASED_AUTHENTICATED_WRITE. */
int sg_sb_auth(const char *var, const uint8_t *data, size_t len,
	       const uint8_t efi_time[SG_EFI_TIME_LEN], EVP_PKEY *key, X509 *cert,
	       struct sg_buf *out);

/* Parses an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ". */
int sg_parse_rfc3339(const char *s, time_t *out);

#endif
