/* base32.h - RFC 4648 base32 in the form DomainIDs use: lowercase
 * alphabet "a-z2-7", no padding.
 *
 * The decoder is strict: only lowercase alphabet characters, a length
 * that a whole number of bytes produces (no padding, so lengths 1, 3 and
 * 6 mod 8 are refused), and zero bits in the unused low bits of the last
 * character, so every byte string has exactly one accepted encoding.
 */
#ifndef SIGNET_BASE32_H
#define SIGNET_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Length of the encoding of n bytes (without a NUL). */
size_t sg_b32_encoded_len(size_t n);

/* Writes the encoding of in[0..n) to out, NUL-terminated; out must hold
 * sg_b32_encoded_len(n) + 1 bytes. Returns the encoded length. */
size_t sg_b32_encode(const void *in, size_t n, char *out);

/* Decodes in[0..len) into out (cap bytes), setting *outlen. -1 with an
 * error message for any non-canonical or invalid input. */
int sg_b32_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

#endif
