/* age.h - the age v1 file format (C2SP age specification).
 *
 * Recipients and identities are X25519 keys (age1... / AGE-SECRET-KEY-1...)
 * or scrypt passphrases. Encryption and decryption stream in constant
 * memory. Decryption authenticates the header with its MAC before any
 * payload is read, and hands payload to the writer only in whole
 * authenticated chunks; the caller decides whether output is kept
 * (sg_atomic) when the last chunk authenticates.
 *
 * Post-quantum, plugin and SSH recipients are not supported: their
 * stanzas are skipped like any unknown stanza, as the spec requires.
 */
#ifndef SIGNET_AGE_H
#define SIGNET_AGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "io.h"

#define SG_AGE_FILE_KEY_LEN 16
#define SG_AGE_CHUNK_SIZE 65536
#define SG_AGE_SCRYPT_DEFAULT_WORK_FACTOR 18
/* Decryption refuses more, as age does: 2^22 scrypt takes 4 GiB. */
#define SG_AGE_SCRYPT_MAX_WORK_FACTOR 22

enum sg_age_kind { SG_AGE_X25519, SG_AGE_SCRYPT };

/* An identity (for decryption): an X25519 secret key or a passphrase. */
struct sg_age_identity {
	enum sg_age_kind kind;
	uint8_t secret[32];
	uint8_t public[32];
	struct sg_buf passphrase;
};

/* A recipient (for encryption): an X25519 public key or a passphrase. */
struct sg_age_recipient {
	enum sg_age_kind kind;
	uint8_t public[32];
	struct sg_buf passphrase;
	unsigned work_factor;
};

/* Growable lists; *_free wipes secrets. */
struct sg_age_identities {
	struct sg_age_identity *v;
	size_t n;
};
struct sg_age_recipients {
	struct sg_age_recipient *v;
	size_t n;
};
void sg_age_identities_free(struct sg_age_identities *l);
void sg_age_recipients_free(struct sg_age_recipients *l);

/* A fresh X25519 identity. */
int sg_age_identity_generate(struct sg_age_identity *id);
/* Adds a passphrase identity / recipient (the passphrase is copied). */
int sg_age_identities_add_passphrase(struct sg_age_identities *l, const void *pass, size_t len);
int sg_age_recipients_add_passphrase(struct sg_age_recipients *l, const void *pass, size_t len,
				     unsigned work_factor);

/* "AGE-SECRET-KEY-1..." and "age1..." encodings. */
int sg_age_identity_encode(const struct sg_age_identity *id, struct sg_buf *out);
int sg_age_recipient_encode(const uint8_t public_key[32], struct sg_buf *out);

/* Parses one recipient string ("age1...") and appends it. */
int sg_age_recipients_add(struct sg_age_recipients *l, const char *s, size_t len);
/* Parses an identity file's text (age-keygen format: comments with '#',
 * blank lines, one AGE-SECRET-KEY-1 per line). name is for messages. */
int sg_age_identities_parse(struct sg_age_identities *l, const char *name, const char *text,
			    size_t len);
/* Parses a recipients file (one age1 per line, '#' comments). */
int sg_age_recipients_parse(struct sg_age_recipients *l, const char *name, const char *text,
			    size_t len);

/* Encrypts everything read from in to out (which the caller closes). */
int sg_age_encrypt(const struct sg_age_recipients *rs, struct sg_reader in, struct sg_writer out);

/* Decryption in steps, so a front end can look at the header (does it
 * need a passphrase?) before choosing identities. */
struct sg_age_decryptor;
/* Reads and parses the header; armor is detected and removed. */
int sg_age_decrypt_open(struct sg_age_decryptor **d, struct sg_reader in);
/* 1 when the file is encrypted to a passphrase (an scrypt stanza). */
int sg_age_decrypt_wants_passphrase(const struct sg_age_decryptor *d);
/* Finds the file key with one of the identities and checks the MAC. */
int sg_age_decrypt_unwrap(struct sg_age_decryptor *d, const struct sg_age_identities *ids);
/* Streams the authenticated payload to out (which the caller closes). */
int sg_age_decrypt_payload(struct sg_age_decryptor *d, struct sg_writer out);
void sg_age_decrypt_free(struct sg_age_decryptor *d);

/* All of the above in one call. */
int sg_age_decrypt(const struct sg_age_identities *ids, struct sg_reader in, struct sg_writer out);

/* The header parser alone, for fuzzing: parses a whole binary header
 * from memory and checks its structure. */
int sg_age_header_check(const uint8_t *data, size_t len);

#endif
