/* keyfile.h - secret files (private keys) kept age-encrypted at rest.
 *
 * Contract. A sealed key file is an age file whose payload is the secret
 * (a PEM private key, a raw seed): to scrypt passphrases or X25519
 * recipients, armored when asked so PEM-like files stay text. Sealing
 * writes it 0600 through sg_write_file_atomic() without clobbering.
 * Opening decrypts with identities into a caller's sg_buf, which the
 * caller wipes with sg_buf_wipe(); no plaintext reaches the disk. A
 * failure names the file and age's reason ("incorrect passphrase", "no
 * identity matched any of the file's recipients").
 */
#ifndef SIGNET_KEYFILE_H
#define SIGNET_KEYFILE_H

#include <stddef.h>

#include "age.h"
#include "buf.h"

/* Encrypts secret to rs into out (armored when armor). */
int sg_keyfile_seal(const struct sg_age_recipients *rs, const void *secret, size_t len, int armor,
		    struct sg_buf *out);

/* Seals secret into a new file path (0600, never overwriting). */
int sg_keyfile_write(const char *path, const struct sg_age_recipients *rs, const void *secret,
		     size_t len, int armor);

/* 1 when the file at path is encrypted to a passphrase, 0 when to
 * recipients, -1 when it cannot be read or is not an age file. */
int sg_keyfile_wants_passphrase(const char *path);

/* Decrypts the file at path (at most max bytes) into secret. */
int sg_keyfile_open(const char *path, const struct sg_age_identities *ids, size_t max,
		    struct sg_buf *secret);

#endif
