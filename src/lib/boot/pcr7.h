/* pcr7.h - TPM PCR 7 (SHA-256 bank) predicted from the Secure Boot keys,
 * as UEFI firmware measures it (the TCG PC Client Platform Firmware
 * Profile's PCR 7 events; EDK2's Tcg2Dxe and DxeImageVerificationLib,
 * which OVMF runs).
 *
 * PCR 7 starts at zero and is extended, in this order, with the SHA-256
 * of each event's UEFI_VARIABLE_DATA (the variable's vendor GUID, the
 * UINT64 length of its name in UTF-16 characters, the UINT64 length of
 * its data, the name in UTF-16LE without its NUL, the data):
 *
 *   EV_EFI_VARIABLE_DRIVER_CONFIG  SecureBoot (one byte, 1), PK, KEK, db,
 *                                  dbx: the variables as enrolled (an
 *                                  absent one with no data)
 *   EV_SEPARATOR                   four zero bytes (hashed as they are),
 *                                  at ReadyToBoot, before any boot option
 *   EV_EFI_VARIABLE_AUTHORITY      "db" whose data is the one
 *                                  EFI_SIGNATURE_DATA (owner GUID and
 *                                  certificate) of db that verified the
 *                                  boot image; each entry once per boot
 *
 * So a fleet whose firmware holds exactly the keys of signet sb keygen
 * (enrolled by signet sb enroll: no dbx, no dbt, no dbr) and boots only
 * images signed by its db key has one PCR 7, known before any machine
 * boots: what the disk key is sealed to. Firmware that measures more
 * (a vendor's dbx, an option ROM verified by another db entry, a
 * debugger enabled) has another; that PCR 7 is read on the machine.
 * Checked against OVMF (Debian's 2022.11, Secure Boot build) booting a
 * UKI signed by the db key: tests/suites/init-disk.sh. */
#ifndef SIGNET_PCR7_H
#define SIGNET_PCR7_H

#include <stddef.h>
#include <stdint.h>

/* The enrolled variables as EFI_SIGNATURE_LISTs (dbx may be empty) and
 * the EFI_SIGNATURE_DATA that authorised the boot image. */
struct sg_pcr7_vars {
	const uint8_t *pk, *kek, *db, *dbx, *authority;
	size_t pk_len, kek_len, db_len, dbx_len, authority_len;
};

int sg_pcr7_predict(const struct sg_pcr7_vars *v, uint8_t pcr[32]);

/* A TPM's extend in the SHA-256 bank: pcr = SHA-256(pcr || digest). For
 * every prediction (PCR 7 here, PCR 11 in uki.c). */
int sg_pcr_extend(uint8_t pcr[32], const uint8_t digest[32]);

/* The first EFI_SIGNATURE_DATA of the EFI_SIGNATURE_LIST esl (signet's
 * db.esl holds one: the db certificate with its owner): a pointer into
 * esl. Fails on a list that is not whole. */
int sg_pcr7_first_signature(const uint8_t *esl, size_t len, const uint8_t **sig, size_t *sig_len);

/* The prediction from a directory of signet sb keygen: PK.esl, KEK.esl,
 * db.esl, no dbx, the image signed by db (db.esl's entry). */
int sg_pcr7_predict_dir(const char *dir, uint8_t pcr[32]);

#endif
