/* verity.h - dm-verity hash trees, superblocks and root hash signatures.
 *
 * The on-disk layout is the one veritysetup (cryptsetup, lib/verity)
 * writes and the kernel's dm-verity target reads: an optional 512-byte
 * superblock at offset 0 of the hash device, padded to one hash block,
 * then the hash tree with its top level first. Every tree block holds
 * the digests of up to 2^k blocks of the level below (k the largest
 * with 2^k digests fitting in a hash block), each in a slot rounded up
 * to a power of two (format 1) and zero-padded; a digest is
 * H(salt || block) for format 1 and H(block || salt) for format 0
 * (Chrome OS). The root hash is the digest of the top tree block, or of
 * the only data block when there is one. Given the same parameters
 * (salt, UUID, block sizes) the hash file is byte-identical to
 * veritysetup's.
 *
 * Trees are built and checked streaming (bounded memory whatever the
 * data size) with the work of each level spread over threads. A data
 * size that is not a multiple of the data block size is treated as
 * veritysetup does: the partial last block is not covered.
 *
 * Root hash signatures are detached PKCS#7 SignedData (DER, no signed
 * attributes, no certificates) over the lowercase hex root hash, which
 * is what the kernel checks for dm-verity's root_hash_sig_key_desc and
 * what `openssl smime -sign -binary -noattr -nocerts -outform DER`
 * produces.
 */
#ifndef SIGNET_VERITY_H
#define SIGNET_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"

#define SG_VERITY_SB_SIZE 512
#define SG_VERITY_SALT_MAX 256
#define SG_VERITY_DIGEST_MAX 64
#define SG_VERITY_HASH_NAME_MAX 32

struct sg_verity_params {
	char hash_name[SG_VERITY_HASH_NAME_MAX + 1]; /* OpenSSL digest name */
	uint32_t hash_type;			     /* 1 normal, 0 Chrome OS */
	uint32_t data_block_size;		     /* bytes, power of two in [512, 512 KiB] */
	uint32_t hash_block_size;
	uint64_t data_blocks; /* 0: as many as the data holds */
	uint8_t salt[SG_VERITY_SALT_MAX];
	size_t salt_size;
	uint8_t uuid[16];
	int no_superblock; /* tree at offset 0, no superblock */
};

/* What a format or verify produced, for printing. */
struct sg_verity_info {
	uint8_t root[SG_VERITY_DIGEST_MAX];
	size_t root_size;
	uint64_t hash_blocks;	   /* tree blocks, superblock not counted */
	uint64_t hash_device_size; /* bytes: superblock area plus tree */
	uint64_t data_tail;	   /* bytes of data after the last full block */
};

/* Defaults as veritysetup format: sha256, format 1, 4096/4096, empty
 * salt and UUID (the caller fills those; see sg_verity_random_salt_uuid). */
void sg_verity_params_init(struct sg_verity_params *p);

/* A fresh 32-byte salt and random (version 4) UUID. */
int sg_verity_random_salt_uuid(struct sg_verity_params *p);

/* Parses a salt in hex ("-" for none), a UUID string, a block size. */
int sg_verity_parse_salt(struct sg_verity_params *p, const char *hex);
int sg_verity_parse_uuid(struct sg_verity_params *p, const char *uuid);
int sg_verity_parse_block_size(const char *s, uint32_t *out);

/* Parses a root hash in hex (any case) into out; *len is its size. */
int sg_verity_parse_root(const char *hex, uint8_t *out, size_t *len);

/* Formats bytes as lowercase hex into out (2 * len + 1 bytes). */
void sg_verity_hex(const uint8_t *in, size_t len, char *out);

/* Formats a UUID in its canonical lowercase form into out (37 bytes). */
void sg_verity_uuid_str(const uint8_t uuid[16], char out[37]);

/* Checks block sizes, salt size, hash type and that the digest exists. */
int sg_verity_check_params(const struct sg_verity_params *p);

/* Encodes the superblock of p (little-endian, 512 bytes). */
int sg_verity_sb_encode(const struct sg_verity_params *p, uint8_t out[SG_VERITY_SB_SIZE]);

/* Decodes and checks a superblock as veritysetup does (signature,
 * version 1, hash type, block sizes, known digest, salt size); len may
 * be short, which is an error. Fills every field of p except
 * no_superblock (cleared). */
int sg_verity_sb_decode(const uint8_t *buf, size_t len, struct sg_verity_params *p);

/* Writes the hash tree of data_path (and the superblock unless
 * p->no_superblock) to hash_path atomically. p->data_blocks of 0 is set
 * from the data size. threads of 0 means one per online CPU. */
int sg_verity_format(const char *data_path, const char *hash_path, struct sg_verity_params *p,
		     unsigned threads, struct sg_verity_info *info);

/* The same over data[0..len) in memory (name for messages): the hash
 * file's bytes (superblock unless p->no_superblock, then the tree) are
 * appended to tree. Reads and writes no file (anonymous memory only);
 * tree is left as it was on failure but for its capacity. */
int sg_verity_format_mem(const uint8_t *data, size_t len, const char *name,
			 struct sg_verity_params *p, struct sg_buf *tree,
			 struct sg_verity_info *info);

/* Checks data_path against hash_path and the expected root hash. The
 * parameters are read from the superblock unless p->no_superblock, in
 * which case p must hold them. The error names the first bad block. */
int sg_verity_verify(const char *data_path, const char *hash_path, struct sg_verity_params *p,
		     const uint8_t *root, size_t root_size, unsigned threads,
		     struct sg_verity_info *info);

/* Signs root_hex (lowercased first) with the PEM key and PEM or DER
 * certificate; out receives the DER detached PKCS#7 signature. */
int sg_verity_sign(const char *key_path, const char *cert_path, const char *root_hex,
		   struct sg_buf *out);
/* The same with the key and certificate in memory (name for messages):
 * with an RSA key (PKCS#1 v1.5) the same key and root hash give the
 * same bytes. */
int sg_verity_sign_key(EVP_PKEY *key, X509 *cert, const char *name, const char *root_hex,
		       struct sg_buf *out);

/* Checks a DER (or PEM) detached PKCS#7 signature over root_hex
 * (lowercased) made by the key of cert_path. */
int sg_verity_verify_sig(const char *cert_path, const char *root_hex, const uint8_t *sig,
			 size_t sig_len);

#endif
