/* luksimg.h - LUKS2 disk images built as regular files, with no
 * device-mapper: an ext4 file system made from a directory, inside a
 * LUKS2 container that the host's initrd opens with libcryptsetup and
 * dm-crypt (with a key unsealed from the TPM, or a passphrase).
 *
 * The image is what `cryptsetup luksFormat` followed by writing the file
 * system through the opened dm-crypt device would have left:
 *   [0, 16 MiB)    the LUKS2 header and keyslot areas, written by
 *                  libcryptsetup (crypt_format with aes-xts-plain64 and a
 *                  fresh 64-byte volume key from OpenSSL's CSPRNG; one
 *                  keyslot per passphrase or key, added by volume key);
 *   [16 MiB, end)  the data segment (LUKS2 "dynamic" length: the rest of
 *                  the file), the ext4 image encrypted here.
 *
 * The one format written by hand is dm-crypt's aes-xts-plain64. Each
 * encryption sector (the segment's sector_size, 512 bytes by default or
 * 4096) is one XTS data unit under the 64-byte volume key (AES-256 key 1
 * then key 2), and its tweak is the plain64 IV: the little-endian 64-bit
 * sector number, zero-padded to 16 bytes. That number counts 512-byte
 * sectors from the start of the data segment (LUKS2's iv_tweak is 0)
 * whatever the encryption sector size: the 4096-byte sector at byte 8192
 * of the segment has IV 16, not 2. Sources:
 *   - Linux, Documentation/admin-guide/device-mapper/dm-crypt.rst, on
 *     iv_large_sectors: "IV generators will use sector number counted in
 *     <sector_size> units instead of default 512 bytes sectors. For
 *     example, if <sector_size> is 4096 bytes, plain64 IV for the second
 *     sector will be 8 (without flag) and 1 if iv_large_sectors is
 *     present."
 *   - Linux, drivers/md/dm-crypt.c, crypt_convert_block_skcipher():
 *     iv_sector = cc_sector (in 512-byte units), shifted right by
 *     sector_shift only when CRYPT_IV_LARGE_SECTORS is set.
 *   - cryptsetup 2.x (2.6.1 here): LUKS2_activate()
 *     (lib/luks2/luks2_json_metadata.c) builds the crypt target from the
 *     caller's flags and the header's persistent flags, and
 *     iv_large_sectors is not among those (persistent_flags[]:
 *     allow-discards, same-cpu-crypt, submit-from-crypt-cpus, no-journal,
 *     ...); get_dm_crypt_params() (lib/libdevmapper.c) writes
 *     "iv_large_sectors" only for CRYPT_ACTIVATE_IV_LARGE_SECTORS, which
 *     the cryptsetup command sets only for --iv-large-sectors ("Only for
 *     plain", src/cryptsetup.c) and the library only for BITLK
 *     (lib/bitlk/bitlk.c). So LUKS2 never uses large-sector IVs.
 * A program that activates the image through libcryptsetup could still
 * pass CRYPT_ACTIVATE_IV_LARGE_SECTORS itself. With 512-byte sectors, the
 * default here, the two numberings are the same and the image opens
 * whatever the flags; 4096-byte sectors (fewer, faster XTS units) rely on
 * the rule above, which no dm-crypt on this machine can confirm.
 *
 * The file system is reproducible: mkfs.ext4 -d with 4096-byte blocks,
 * 256-byte inodes, the root directory owned by 0:0, its UUID and
 * directory hash seed derived from the LUKS2 UUID, and every time stamp
 * (the superblock's through E2FSPROGS_FAKE_TIME, the inodes' - which
 * mkfs copies from the tree - through debugfs) set to SOURCE_DATE_EPOCH,
 * or 1 when that is unset (e2fsprogs reads 0 as "no fake time"). Two
 * builds with the same UUID of trees with the same names, contents,
 * modes, owners and extended attributes give byte-identical plaintext;
 * the header and the ciphertext differ (random volume key and salts).
 * Feature flags come from mke2fs.conf. A name holding a newline is
 * refused: debugfs reads one command a line.
 *
 * Key derivation, for a disk opened in a qemu guest under TCG emulation
 * with 512 MiB of RAM (benchmarks on this machine would say nothing of
 * that guest, so no benchmark is run unless asked for):
 *   - passphrases: argon2id with 64 MiB, 4 iterations, 4 lanes (fewer
 *     when this machine has fewer CPUs), or pbkdf2-sha256 with 600000
 *     iterations; costs may be given, or --iter-time benchmarks here;
 *   - keys (high-entropy bytes, e.g. a secret sealed in the TPM): pbkdf2-
 *     sha256 with 1000 iterations, the minimum, as systemd-cryptenroll
 *     does for TPM2 keys; so a key must be at least 16 bytes.
 *
 * The image and its new key file (which must be in the image's
 * directory) are one transaction on that directory (txn.h): both are
 * made under DIR/.txn/ (0600, fsync'ed), and the journal's rename makes
 * them appear together, so no failure or crash leaves an image whose only
 * key is lost, or a key for an image that never landed; what a crash
 * left in DIR/.txn/ is finished or dropped by the next build there.
 * Outputs never replace an existing file unless forced; the unencrypted
 * file system lives in an unnamed file (O_TMPFILE) while it is encrypted.
 * A failure leaves no output and no temporary file. Keys and passphrases
 * are wiped.
 */
#ifndef SIGNET_LUKSIMG_H
#define SIGNET_LUKSIMG_H

#include <stddef.h>
#include <stdint.h>

#define SG_LUKSIMG_VOLUME_KEY_LEN 64 /* aes-xts-plain64 with AES-256 */
#define SG_LUKSIMG_NEW_KEY_LEN 32
#define SG_LUKSIMG_DATA_OFFSET (16u * 1024 * 1024)
#define SG_LUKSIMG_MIN_MIB 8 /* the smallest ext4 that mkfs gives a journal */
#define SG_LUKSIMG_MAX_MIB (1u << 20)
#define SG_LUKSIMG_DEFAULT_MIB 64
#define SG_LUKSIMG_MAX_SLOTS 32 /* LUKS2 keyslots */
#define SG_LUKSIMG_KEY_MIN 16
#define SG_LUKSIMG_KEY_MAX 8192
#define SG_LUKSIMG_PASSPHRASE_MAX 4096
#define SG_LUKSIMG_LABEL_MAX 16 /* ext4's s_volume_name */

/* Default and limit costs of the passphrase keyslots. */
#define SG_LUKSIMG_ARGON2_MEMORY_KIB 65536
#define SG_LUKSIMG_ARGON2_MEMORY_MIN 32
#define SG_LUKSIMG_ARGON2_MEMORY_MAX (4u * 1024 * 1024)
#define SG_LUKSIMG_ARGON2_ITERATIONS 4
#define SG_LUKSIMG_ARGON2_LANES 4
#define SG_LUKSIMG_PBKDF2_ITERATIONS 600000
#define SG_LUKSIMG_PBKDF2_MIN 1000 /* libcryptsetup's minimum, used for keys */
#define SG_LUKSIMG_ITER_TIME_MAX 60000

enum sg_luksimg_kind {
	SG_LUKSIMG_PASSPHRASE, /* typed by a person: a slow KDF */
	SG_LUKSIMG_KEY,	       /* raw high-entropy bytes: the minimal KDF */
};

/* One secret a keyslot opens with. The caller owns and wipes data. */
struct sg_luksimg_secret {
	const char *name; /* where it came from, for messages */
	enum sg_luksimg_kind kind;
	const uint8_t *data;
	size_t len;
};

struct sg_luksimg_opts {
	const char *from;     /* directory to put in the file system */
	const char *out;      /* the image to write */
	uint32_t size_mib;    /* the file system (the image is 16 MiB more) */
	uint32_t sector_size; /* 512 or 4096 */
	const struct sg_luksimg_secret *secrets;
	size_t n_secrets;
	const char *new_key_file; /* generate a 32-byte key here, with a keyslot (NULL: none) */
	const char *label;	  /* LUKS2 and ext4 label (NULL: none) */
	uint8_t uuid[16];	  /* LUKS2 UUID when uuid_given, else random */
	int uuid_given;
	const char *pbkdf;	   /* passphrase keyslots: "argon2id" or "pbkdf2" */
	uint32_t pbkdf_memory_kib; /* argon2id memory (0: default) */
	uint32_t pbkdf_iterations; /* iterations, time cost for argon2id (0: default) */
	uint32_t iter_time_ms;	   /* benchmark to this time instead (0: fixed costs) */
	int force;		   /* replace existing outputs */
	const char *mkfs;	   /* programs (defaults "mkfs.ext4", "debugfs") */
	const char *debugfs;
};

struct sg_luksimg_info {
	char uuid[37];	      /* LUKS2 UUID */
	char fs_uuid[37];     /* ext4 UUID */
	uint64_t data_offset; /* bytes */
	uint32_t sector_size;
	int keyslots;
};

/* Initialises o with the defaults (64 MiB, 512-byte sectors, argon2id). */
void sg_luksimg_opts_init(struct sg_luksimg_opts *o);

/* The option rules alone (sizes, costs, secrets, label), without I/O. */
int sg_luksimg_check_opts(const struct sg_luksimg_opts *o);

/* Builds the image o names. */
int sg_luksimg_build(const struct sg_luksimg_opts *o, struct sg_luksimg_info *info);

/* Whether secret opens a keyslot of the LUKS2 image at path (checked by
 * libcryptsetup without activating anything); *slot receives the
 * keyslot. -1 with an error naming the image and the secret otherwise. */
int sg_luksimg_check_key(const char *path, const struct sg_luksimg_secret *secret, int *slot);

/* dm-crypt's plain64 IV for the encryption sector at byte offset off of
 * the data segment (a multiple of 512): LE64(off / 512), zero-padded. */
void sg_luksimg_plain64_iv(uint64_t off, uint8_t iv[16]);

/* aes-xts-plain64 over len bytes (a multiple of sector_size) that start
 * at byte offset off of the data segment (a multiple of sector_size);
 * encrypt 1 encrypts, 0 decrypts. out may be in. */
int sg_luksimg_xts(const uint8_t key[SG_LUKSIMG_VOLUME_KEY_LEN], uint32_t sector_size, uint64_t off,
		   const uint8_t *in, uint8_t *out, size_t len, int encrypt);

#endif
