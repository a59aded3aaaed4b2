/* base64.h - RFC 4648 standard-alphabet base64, decoded strictly.
 *
 * The decoder accepts only canonical encodings: no characters outside
 * the alphabet, no whitespace, padding exactly as the mode requires and
 * zero bits in the unused low bits of the last character. age (unpadded)
 * and SOPS (padded) both depend on that strictness.
 */
#ifndef SIGNET_BASE64_H
#define SIGNET_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum sg_b64_pad { SG_B64_NOPAD = 0, SG_B64_PAD = 1 };

/* Length of the encoding of n bytes (without a NUL). */
size_t sg_b64_encoded_len(size_t n, enum sg_b64_pad pad);

/* Writes the encoding of in[0..n) to out, NUL-terminated; out must hold
 * sg_b64_encoded_len(n, pad) + 1 bytes. Returns the encoded length. */
size_t sg_b64_encode(const void *in, size_t n, char *out, enum sg_b64_pad pad);

/* Appends the encoding to b (not NUL-counted). */
int sg_b64_encode_buf(struct sg_buf *b, const void *in, size_t n, enum sg_b64_pad pad);

/* Upper bound on the decoded size of len characters. */
size_t sg_b64_decoded_max(size_t len);

/* Decodes in[0..len) into out (cap bytes), setting *outlen. -1 with an
 * error message for any non-canonical or invalid input. */
int sg_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  enum sg_b64_pad pad);

#endif
