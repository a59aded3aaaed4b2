/* authenticode.h - Authenticode signatures on PE images, as sbsign makes them.
 *
 * The image hash is SHA-256 over the byte ranges sbsign (sbsigntools
 * 0.9.x) hashes: the headers without the CheckSum field and without the
 * certificate-table directory entry, then every section with raw data in
 * order of PointerToRawData, then whatever follows the sections up to the
 * certificate table. Like sbsign, the signed image is zero-padded to a
 * multiple of 8 bytes and the padding is part of the hash, so that the
 * certificate table starts 8-byte aligned.
 *
 * A signature is a PKCS#7 SignedData whose content is an
 * SpcIndirectDataContent (OID 1.3.6.1.4.1.311.2.1.4) holding an
 * SpcPeImageData and the image hash; its signed attributes are the ones
 * sbsign emits (contentType, SMIMECapabilities, signingTime,
 * messageDigest), without signingTime when deterministic. It is stored as
 * a WIN_CERTIFICATE (revision 0x0200, type PKCS_SIGNED_DATA) at the end of
 * the file, the certificate directory points at it, and the PE CheckSum
 * is recomputed. RSA PKCS#1 v1.5 signing is deterministic, so a
 * deterministic signature is byte-for-byte reproducible.
 *
 * Verification recomputes the hash, compares it with the signed one and
 * checks the PKCS#7 signature against one trusted certificate (which may
 * be the signer itself or an issuer of it), accepting code-signing
 * certificates as sbverify does.
 */
#ifndef SIGNET_AUTHENTICODE_H
#define SIGNET_AUTHENTICODE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "pe.h"

#define SG_WIN_CERT_REVISION 0x0200
#define SG_WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002

/* The Authenticode SHA-256 of a parsed image. *data_size receives the
 * length of the image data the signature covers (a multiple of 8; it may
 * exceed pe->len by the zero padding, which is hashed). An image whose
 * sections overlap in the file is refused: its hash would change when
 * it is signed. */
int sg_authenticode_digest(const struct sg_pe *pe, const char *name, uint8_t digest[32],
			   size_t *data_size);

/* Signs an unsigned image; out receives the signed image. */
int sg_authenticode_sign(const uint8_t *img, size_t len, const char *name, EVP_PKEY *key,
			 X509 *cert, int deterministic, struct sg_buf *out);

/* Verifies the image's first signature against trusted. digest, if not
 * NULL, receives the recomputed image hash. */
int sg_authenticode_verify(const uint8_t *img, size_t len, const char *name, X509 *trusted,
			   uint8_t digest[32]);

#endif
