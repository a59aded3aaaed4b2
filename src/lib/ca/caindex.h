/* caindex.h - the CA's database of issued certificates, in OpenSSL's
 * index.txt format so `openssl ca` and `openssl ocsp -index` read it too.
 *
 * Contract: one line per certificate, six tab-separated fields:
 *   status (V valid, R revoked, E expired)
 *   expiry time (ASN.1 UTCTime YYMMDDHHMMSSZ, or GeneralizedTime
 *     YYYYMMDDHHMMSSZ from 2050)
 *   revocation time[,reason] (empty unless R)
 *   serial (upper-case hex, even length)
 *   file (path of the certificate relative to the CA directory)
 *   subject (X509_NAME_oneline form, "/CN=...")
 * The parser accepts exactly what the formatter writes (and what
 * `openssl ca` writes for these reasons); anything else is refused with
 * the line number. Parsing then formatting gives the same bytes.
 */
#ifndef SIGNET_CAINDEX_H
#define SIGNET_CAINDEX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

#define SG_CA_SERIAL_MAX 40 /* hex digits: 20 bytes (RFC 5280) */
#define SG_CA_TIME_MAX 15   /* GeneralizedTime YYYYMMDDHHMMSSZ */
#define SG_CA_NO_REASON (-1)

struct sg_ca_entry {
	char status; /* 'V', 'R' or 'E' */
	char expires[SG_CA_TIME_MAX + 1];
	char revoked[SG_CA_TIME_MAX + 1]; /* "" unless status is 'R' */
	int reason;			  /* CRL reason code or SG_CA_NO_REASON */
	char serial[SG_CA_SERIAL_MAX + 1];
	char *file;
	char *subject;
};

struct sg_ca_index {
	struct sg_ca_entry *e;
	size_t n, cap;
};

/* clang-format off */
#define SG_CA_INDEX_INIT { NULL, 0, 0 }
/* clang-format on */

/* Parses an index; name (the file) prefixes errors. */
int sg_ca_index_parse(const uint8_t *data, size_t len, const char *name, struct sg_ca_index *out);
/* Appends the index in its file form to out. */
int sg_ca_index_format(const struct sg_ca_index *idx, struct sg_buf *out);
/* Appends a copy of e (its strings are duplicated). */
int sg_ca_index_add(struct sg_ca_index *idx, const struct sg_ca_entry *e);
/* The entry with this serial (hex, any case, colons allowed), or NULL. */
struct sg_ca_entry *sg_ca_index_find(struct sg_ca_index *idx, const char *serial);
void sg_ca_index_free(struct sg_ca_index *idx);

/* Normalises a serial written by a user (hex, any case, optional "0x"
 * and colons) to the index form; -1 when it is not hex. */
int sg_ca_serial_normalise(const char *in, char out[SG_CA_SERIAL_MAX + 1]);

/* ASN.1 time strings as the index writes them, to and from time_t. */
int sg_ca_time_parse(const char *s, time_t *out);
void sg_ca_time_format(time_t t, char out[SG_CA_TIME_MAX + 1]);

/* CRL reason names as `openssl ca -crl_reason` spells them (0-5). */
const char *sg_ca_reason_name(int reason);
/* Case-insensitive; also accepts kebab-case ("key-compromise"). */
int sg_ca_reason_parse(const char *s, int *reason);

#endif
