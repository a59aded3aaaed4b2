/* stream.h - the age payload: STREAM over ChaCha20-Poly1305.
 *
 * The plaintext is cut into 64 KiB chunks, each sealed with a 12-byte
 * nonce made of an 11-byte big-endian chunk counter and a final-chunk
 * flag. The final chunk may be full, and may be empty only when the whole
 * payload is. Chunks are independent, so each batch of 16 is sealed or
 * opened on two threads (the second made for the first batch of two
 * chunks or more: a one-chunk payload makes no thread); output is handed
 * on only in whole batches whose every chunk authenticated.
 */
#ifndef SIGNET_STREAM_H
#define SIGNET_STREAM_H

#include <stdint.h>

#include "io.h"

#define SG_STREAM_CHUNK_SIZE 65536
#define SG_STREAM_KEY_LEN 32

/* Seals everything read from in and writes the sealed chunks to out. */
int sg_stream_encrypt(const uint8_t key[SG_STREAM_KEY_LEN], struct sg_reader in,
		      struct sg_writer out);

/* Opens the sealed chunks read from in (to its end) and writes the
 * plaintext to out; fails on any truncation, reordering or alteration. */
int sg_stream_decrypt(const uint8_t key[SG_STREAM_KEY_LEN], struct sg_reader in,
		      struct sg_writer out);

#endif
