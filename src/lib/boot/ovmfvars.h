/* ovmfvars.h - OVMF's UEFI variable store, read and written offline.
 *
 * An OVMF_VARS.fd file is an EDK2 firmware volume (EFI_FIRMWARE_VOLUME_
 * HEADER, signature "_FVH", file system GUID EFI_SYSTEM_NV_DATA_FV,
 * 16-bit header checksum) whose body starts with an authenticated
 * variable store (VARIABLE_STORE_HEADER with gEfiAuthenticatedVariable-
 * Guid, formatted 0x5A, healthy 0xFE). Variables follow one after the
 * other, each an AUTHENTICATED_VARIABLE_HEADER (60 bytes, StartId
 * 0x55AA), the UTF-16LE name with its NUL, the data, then 0xFF padding
 * to 4 bytes; the first header without StartId ends the list and the
 * rest of the store is erased flash (0xFF). A variable is live while
 * its State is VAR_ADDED (0x3F); it is superseded by clearing the
 * VAR_DELETED bit, as the firmware does, and the new value appended.
 *
 * sg_ovmf_parse() refuses anything that is not such a store and any
 * variable that overruns it; the functions that change the store work
 * on the parsed copy, and the caller writes it out (atomically).
 *
 * Enrollment writes PK, KEK (EFI_GLOBAL_VARIABLE) and db (EFI_IMAGE_
 * SECURITY_DATABASE) as NV|BS|RT|TIME_BASED_AUTHENTICATED_WRITE_ACCESS
 * with the given timestamp, plus SecureBootEnable = 1 and CustomMode = 0
 * (NV|BS): EDK2's AuthVariableLib then starts in user mode with Secure
 * Boot on and computes SetupMode = 0 and SecureBoot = 1 itself.
 */
#ifndef SIGNET_OVMFVARS_H
#define SIGNET_OVMFVARS_H

#include <stddef.h>
#include <stdint.h>

#define SG_EFI_VAR_NON_VOLATILE 0x01u
#define SG_EFI_VAR_BOOTSERVICE_ACCESS 0x02u
#define SG_EFI_VAR_RUNTIME_ACCESS 0x04u
#define SG_EFI_VAR_TIME_BASED_AUTH 0x20u

#define SG_OVMF_VAR_ADDED 0x3F
#define SG_OVMF_VAR_HEADER_SIZE 60
#define SG_OVMF_NAME_MAX 128 /* characters, NUL included */

/* An EFI_TIME as the variable header stores it (always UTC, no zone). */
struct sg_efi_time {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
};

struct sg_ovmf_store {
	uint8_t *img; /* the whole file, owned */
	size_t len;
	size_t vars; /* offset of the first variable header */
	size_t end;  /* end of the variable store */
	size_t free; /* offset of the first free (erased) byte */
};

/* clang-format off */
#define SG_OVMF_STORE_INIT { NULL, 0, 0, 0, 0 }
/* clang-format on */

/* One variable as found in the store; pointers into the store's image. */
struct sg_ovmf_var {
	size_t offset; /* of the header */
	size_t size;   /* header, name, data and padding */
	uint8_t state;
	uint32_t attributes;
	uint64_t monotonic_count;
	struct sg_efi_time time;
	uint32_t pubkey_index;
	uint8_t guid[16];
	char name[SG_OVMF_NAME_MAX]; /* the name, non-ASCII as '?', maybe cut */
	size_t name_size;	     /* bytes of UTF-16LE name with its NUL, as stored */
	const uint8_t *data;
	size_t data_size;
};

/* Copies img and checks it is an OVMF authenticated variable store with
 * well-formed variables; what is the file called is for messages. */
int sg_ovmf_parse(struct sg_ovmf_store *s, const uint8_t *img, size_t len, const char *what);
void sg_ovmf_free(struct sg_ovmf_store *s);

/* Iterates over every variable header, deleted ones too: *cursor starts
 * at 0. Returns 1 with v filled, 0 at the end. */
int sg_ovmf_next(const struct sg_ovmf_store *s, size_t *cursor, struct sg_ovmf_var *v);

/* Finds the live variable name (ASCII) in namespace guid: 1 found, 0 not. */
int sg_ovmf_find(const struct sg_ovmf_store *s, const char *name, const uint8_t guid[16],
		 struct sg_ovmf_var *v);

/* Sets name (ASCII) in guid: live copies are marked deleted and the new
 * value appended. Refuses when the store has no room left. */
int sg_ovmf_set(struct sg_ovmf_store *s, const char *name, const uint8_t guid[16],
		uint32_t attributes, const struct sg_efi_time *t, const void *data, size_t len);

/* Checks data is a sequence of EFI_SIGNATURE_LISTs holding X.509 (DER)
 * certificates or SHA-256 hashes, with at least one entry (exactly one
 * when single, as PK requires); what names it in messages. */
int sg_esl_check(const uint8_t *esl, size_t len, int single, const char *what);

/* Finds the EFI_SIGNATURE_LIST data after an EFI_VARIABLE_AUTHENTICATION_2
 * header (a signed .auth update); t receives the update's timestamp. */
int sg_auth_payload(const uint8_t *auth, size_t len, const char *what, size_t *esl_off,
		    struct sg_efi_time *t);

/* The UTC calendar time of a Unix time. */
int sg_efi_time_from_unix(long long secs, struct sg_efi_time *t);

/* Writes PK, KEK and db (checked signature lists) and turns Secure Boot
 * on, as described above. */
int sg_ovmf_enroll(struct sg_ovmf_store *s, const uint8_t *pk, size_t pk_len, const uint8_t *kek,
		   size_t kek_len, const uint8_t *db, size_t db_len, const struct sg_efi_time *t);

/* The namespaces involved, in the on-disk (mixed-endian) byte order. */
extern const uint8_t sg_efi_global_variable_guid[16];
extern const uint8_t sg_efi_image_security_db_guid[16];
extern const uint8_t sg_efi_secure_boot_enable_guid[16];
extern const uint8_t sg_efi_custom_mode_guid[16];

#endif
