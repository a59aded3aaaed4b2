/* dnsrec.h - DNS records that publish keys of the organisation's hosts,
 * ready to paste into a zone file.
 *
 * SSHFP (RFC 4255, 6594, 7479): from OpenSSH public key lines, the same
 * records as `ssh-keygen -r HOST` (SHA-1 then SHA-256 of the key blob;
 * RSA 1, ECDSA 3, Ed25519 4). TLSA (RFC 6698, 7671): DANE-EE "3 1 1",
 * the SHA-256 of the certificate's SubjectPublicKeyInfo.
 */
#ifndef SIGNET_DNSREC_H
#define SIGNET_DNSREC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends the SSHFP records for every key line of text (a .pub file or
 * authorized_keys-style list); name is used in error messages. */
int sg_dns_sshfp(const char *host, const char *text, size_t len, const char *name,
		 struct sg_buf *out);

/* Appends "_PORT._PROTO.HOST. IN TLSA 3 1 1 <hex>" for the first
 * certificate of a PEM or DER file. */
int sg_dns_tlsa(const char *host, unsigned port, const char *proto, const uint8_t *cert, size_t len,
		const char *name, struct sg_buf *out);

#endif
