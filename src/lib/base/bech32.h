/* bech32.h - BIP 173 Bech32, as age uses it for keys.
 *
 * Unlike BIP 173, no 90-character limit is applied (age does not apply
 * one). Mixed case is refused; the human-readable part is returned in
 * lowercase.
 */
#ifndef SIGNET_BECH32_H
#define SIGNET_BECH32_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends hrp "1" data checksum, lowercase, to out; with upper != 0 the
 * whole string is uppercased (as age secret keys are written). */
int sg_bech32_encode(struct sg_buf *out, const char *hrp, const uint8_t *data, size_t len, int upper);

/* Decodes s[0..slen). hrp receives the lowercase human-readable part
 * (hrpcap bytes including NUL); data receives up to cap bytes. */
int sg_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpcap, uint8_t *data,
		     size_t cap, size_t *len);

#endif
