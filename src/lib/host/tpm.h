/* tpm.h - secrets sealed in a TPM2 under a PCR policy, kept at a
 * persistent handle (tss2-esys).
 *
 * Contract: sg_tpm_seal() stores up to SG_TPM_SECRET_MAX bytes in a
 * keyedhash object under the owner hierarchy's standard ECC P-256
 * storage primary (re-derived from the owner seed, never stored), whose
 * authPolicy is TPM2_PolicyPCR over the CURRENT sha256 values of the
 * chosen PCRs and whose userWithAuth is clear: only a policy session that
 * proves the same PCR values can unseal it. The object is made persistent
 * at an owner handle (0x81000000-0x817fffff); an occupied handle is
 * refused unless told to replace it. A replacement keeps, at every step,
 * the old object or the new one persistent at the handle or at its twin
 * (sg_tpm_twin(), the same handle in the upper half of the owner range;
 * seal takes handles of the lower half only, 0x81000000-0x813fffff),
 * so that a crash mid-way loses neither: the new object is made
 * persistent at the twin, the old one evicted, the new one made
 * persistent at the handle, the twin's copy evicted. The next seal at the
 * handle, with replace, clears what an interrupted one left at the twin;
 * the twin is therefore reserved: a seal with replace evicts a sealed
 * object found there. sg_tpm_unseal() runs the policy against the PCR
 * values of now, on the object at the handle or, when the handle is empty
 * and its twin holds sealed data, on the twin's (a replacement
 * interrupted after the eviction of the old object). The secret crosses the TPM interface
 * encrypted: sessions are salted with the persistent SRK at 0x81000001
 * when there is one (unseal then needs no owner auth), else with the
 * storage primary. Sealing needs the owner hierarchy with an empty auth,
 * as on a freshly provisioned machine. Errors are one line
 * each (sg_fail); a policy failure names the PCRs. Nothing prints: the
 * TSS's own logging is silenced unless TSS2_LOG is set.
 *
 * PCR sets are bitmasks (bit n = PCR n, n < 24), of the sha256 bank.
 */
#ifndef SIGNET_TPM_H
#define SIGNET_TPM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SG_TPM_SECRET_MAX 64
#define SG_TPM_DEFAULT_TCTI "device:/dev/tpmrm0"
#define SG_TPM_DEFAULT_HANDLE 0x81000010u
#define SG_TPM_DEFAULT_PCRS (1u << 7)

struct sg_tpm;

/* Connects through a TCTI configuration string ("device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321"; NULL means the default device). */
int sg_tpm_open(struct sg_tpm **out, const char *tcti);
void sg_tpm_close(struct sg_tpm *t);

/* Parses "7" or "0,2,7" into a PCR bitmask. */
int sg_tpm_parse_pcrs(const char *s, uint32_t *mask);
/* Parses a persistent owner handle ("0x81000010"). */
int sg_tpm_parse_handle(const char *s, uint32_t *handle);
/* Formats a PCR bitmask as "0,2,7" into out (at least 64 bytes). */
void sg_tpm_format_pcrs(uint32_t mask, char *out, size_t cap);

/* Reads the current sha256 value of one PCR. */
int sg_tpm_pcr_read(struct sg_tpm *t, unsigned pcr, uint8_t value[32]);

/* The TPM2_PolicyPCR digest over the current values of the PCRs in mask,
 * computed by the TPM in a trial session. */
int sg_tpm_policy_digest(struct sg_tpm *t, uint32_t mask, uint8_t digest[32]);

/* The same digest computed without a TPM, from the values the PCRs in
 * mask will hold (values[i] for the i-th PCR of mask, ascending): what a
 * control plane needs to predict a policy, e.g. for a new Secure Boot db. */
int sg_tpm_policy_predict(uint32_t mask, const uint8_t (*values)[32], uint8_t digest[32]);

/* The handle a seal keeps its new object at while it replaces the old:
 * handle | 0x00400000 (0x81000010 -> 0x81400010), for a handle of
 * 0x81000000-0x813fffff, the only ones seal takes. */
uint32_t sg_tpm_twin(uint32_t handle);

/* Seals secret (1..SG_TPM_SECRET_MAX bytes) to the current values of the
 * PCRs in mask, or to the policy digest given (from
 * sg_tpm_policy_predict()), persistent at handle. With replace, an object
 * already at handle is replaced (through the twin, as above), and a sealed
 * object at the twin evicted; otherwise an occupied handle, or a twin
 * holding sealed data, is refused. A twin holding anything else is
 * refused either way.
 * The policy digest sealed to is written to policy when it is not NULL. */
int sg_tpm_seal(struct sg_tpm *t, uint32_t mask, uint32_t handle, const uint8_t *secret, size_t len,
		int replace, const uint8_t *given, uint8_t policy[32]);

/* Unseals the object at handle with a PolicyPCR session over the PCRs in
 * mask as they are now. The secret is appended to out; release it with
 * sg_buf_wipe(). */
int sg_tpm_unseal(struct sg_tpm *t, uint32_t mask, uint32_t handle, struct sg_buf *out);

#endif
