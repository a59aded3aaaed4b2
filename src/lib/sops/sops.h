/* sops.h - SOPS 3.x encrypted documents with age master keys.
 *
 * A SOPS file is a YAML, JSON or dotenv document whose values are each
 * encrypted with AES-256-GCM under one random 32-byte data key:
 *
 *   ENC[AES256_GCM,data:<b64>,iv:<b64 of 32 bytes>,tag:<b64>,type:<t>]
 *
 * with t one of str, int, float, bool, comment (int64 and bytes are read
 * too). The AAD of a value is the keys of the mappings on its path
 * joined by ':' plus a trailing ':' (list positions add nothing; a
 * top-level comment has AAD ":"). Plaintexts are Go's forms: ints in
 * decimal, floats by strconv.FormatFloat(f, 'f', -1, 64), bools "True"
 * and "False". Nulls are never encrypted and empty strings stay empty.
 *
 * Which values are encrypted: all, except under a key ending in the
 * unencrypted suffix (default "_unencrypted"); or with an encrypted
 * suffix, only those under a key ending in it; or with an (un)encrypted
 * regex, those under a key matching (not matching) it. Exactly one rule
 * is kept in the metadata. The regexes are POSIX extended expressions,
 * which agree with Go's RE2 on the usual patterns (^, $, |, classes).
 *
 * The MAC is SHA-512 over the plaintext of every non-null, non-comment
 * value in document order (with mac_only_encrypted, over the encrypted
 * ones only, after a fixed 32-byte prefix), in uppercase hex, encrypted
 * as a str value with the lastmodified time (RFC 3339) as its AAD.
 * Decryption refuses a file whose MAC does not match: values, their
 * order, unencrypted values and lastmodified are all covered.
 *
 * The data key is age-encrypted, armored, once per recipient, in the
 * metadata's "age" list. Metadata is written as sops 3.9 writes it: in
 * YAML and JSON a "sops" mapping (kms, gcp_kms, azure_kv, hc_vault, age,
 * lastmodified, mac, pgp, the rule, mac_only_encrypted, version), in
 * dotenv flattened "sops_"-prefixed keys in sorted order.
 *
 * All int functions return 0 on success and -1 with sg_errmsg() set.
 */
#ifndef SIGNET_SOPS_H
#define SIGNET_SOPS_H

#include <stddef.h>
#include <stdint.h>

#include "age.h"
#include "buf.h"
#include "sopsdoc.h"

#define SG_SOPS_KEY_LEN 32
#define SG_SOPS_IV_LEN 32
#define SG_SOPS_VERSION "3.9.4"
#define SG_SOPS_DEFAULT_UNENCRYPTED_SUFFIX "_unencrypted"

/* BINARY is sops's store for other files: the whole plaintext is the
 * string value "data" of a JSON document. */
enum sg_sops_format { SG_SOPS_YAML, SG_SOPS_JSON, SG_SOPS_DOTENV, SG_SOPS_BINARY };

/* "yaml", "json", "dotenv" (also "env"), "binary". */
int sg_sops_format_parse(const char *name, enum sg_sops_format *out);
/* By extension, as sops: .yaml/.yml -> YAML, .json -> JSON, .env ->
 * dotenv, anything else binary. */
enum sg_sops_format sg_sops_format_for_path(const char *path);

struct sg_sops_age_key {
	char *recipient;
	char *enc; /* armored age file holding the data key */
};

struct sg_sops_meta {
	struct sg_sops_age_key *age;
	size_t nage;
	char *lastmodified;
	char *mac;
	char *version;
	char *unencrypted_suffix, *encrypted_suffix;
	char *unencrypted_regex, *encrypted_regex;
	int mac_only_encrypted;
};

void sg_sops_meta_free(struct sg_sops_meta *m);
/* Sets one rule (which may be NULL for "none"); the other three are
 * cleared. Copies the string. */
int sg_sops_meta_set_rule(struct sg_sops_meta *m, char **rule, const char *value);

/* A plaintext document. */
int sg_sops_read_plain(enum sg_sops_format f, const char *name, const char *text, size_t len,
		       struct sg_sops_node **doc);
/* An encrypted document: the tree without its metadata, and the metadata.
 * Fails with "sops metadata not found" for a plain document. */
int sg_sops_read_encrypted(enum sg_sops_format f, const char *name, const char *text, size_t len,
			   struct sg_sops_node **doc, struct sg_sops_meta *meta);
/* Writes doc, with the metadata appended when meta is not NULL. */
int sg_sops_write(enum sg_sops_format f, const struct sg_sops_node *doc,
		  const struct sg_sops_meta *meta, struct sg_buf *out);

/* Encrypts in place every value the rule selects, sets lastmodified to
 * now (or to `now` when not NULL, RFC 3339) and the encrypted MAC. */
int sg_sops_encrypt(struct sg_sops_node *doc, struct sg_sops_meta *meta,
		    const uint8_t key[SG_SOPS_KEY_LEN], const char *now);
/* Decrypts in place and verifies the MAC; on failure the tree is left
 * partly decrypted and must be wiped. */
int sg_sops_decrypt(struct sg_sops_node *doc, const struct sg_sops_meta *meta,
		    const uint8_t key[SG_SOPS_KEY_LEN]);

/* Replaces meta's age list with the data key encrypted to each recipient
 * ("age1..."). */
int sg_sops_wrap_key(struct sg_sops_meta *meta, char *const *recipients, size_t n,
		     const uint8_t key[SG_SOPS_KEY_LEN]);
/* Recovers the data key with one of the identities. */
int sg_sops_unwrap_key(const struct sg_sops_meta *meta, const struct sg_age_identities *ids,
		       uint8_t key[SG_SOPS_KEY_LEN]);

/* One ENC[...] value, parsed. */
struct sg_sops_enc {
	uint8_t *data; /* ciphertext, len bytes (malloc'ed) */
	size_t len;
	uint8_t iv[64];
	size_t iv_len;
	uint8_t tag[16];
	char type[16];
};
/* Parses s; 0 on success, -1 (message set) when s is not an ENC value. */
int sg_sops_enc_parse(const char *s, size_t len, struct sg_sops_enc *e);
void sg_sops_enc_free(struct sg_sops_enc *e);

/* Encrypts/decrypts one value (the sops known answer is a unit test). */
int sg_sops_encrypt_value(const uint8_t key[SG_SOPS_KEY_LEN], const char *aad,
			  const struct sg_sops_node *v, struct sg_buf *out);
/* *out is a new scalar (or comment) node. */
int sg_sops_decrypt_value(const uint8_t key[SG_SOPS_KEY_LEN], const char *aad, const char *s,
			  size_t len, struct sg_sops_node **out);

/* Extracts the value at a sops path such as ["a"]["b"][0]; NULL with an
 * error when absent. */
const struct sg_sops_node *sg_sops_extract(const struct sg_sops_node *doc, const char *path);

/* A creation rule of a .sops.yaml file: what `sops -e` uses when the
 * command line names no recipients. */
struct sg_sops_rule {
	char **age; /* recipients */
	size_t nage;
	char *unencrypted_suffix, *encrypted_suffix, *unencrypted_regex, *encrypted_regex;
	int mac_only_encrypted;
};
void sg_sops_rule_free(struct sg_sops_rule *r);
/* Picks the first rule of the config text (.sops.yaml, named name) whose
 * path_regex (POSIX extended) matches path, the file's path relative to
 * the config's directory, or that has none. Fails when no rule matches,
 * as sops does. Only age recipients are read (key_groups are refused). */
int sg_sops_config_rule(const char *name, const char *text, size_t len, const char *path,
			struct sg_sops_rule *out);

#endif
