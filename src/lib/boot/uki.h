/* uki.h - unified kernel images (UAPI Group UKI specification).
 *
 * sg_uki_build() appends the given sections (.osrel, .cmdline, .uname,
 * .initrd, .linux, ...) to a copy of the systemd EFI stub, in the order
 * given: each one's raw data at the end of the file aligned to
 * FileAlignment, its virtual address after the stub's image aligned to
 * SectionAlignment, VirtualSize the exact content length, characteristics
 * initialized read-only data. NumberOfSections, SizeOfInitializedData,
 * SizeOfImage and CheckSum are updated. The stub's COFF symbol table (not
 * used by images, and otherwise an unhashed gap for Authenticode) and
 * anything else after its last section are dropped. A .sbat section is
 * merged into the stub's own .sbat in place (as ukify does) when the stub
 * has one. The same inputs always give the same bytes: nothing depends on
 * time or randomness. Signed stubs are refused.
 *
 * sg_uki_inspect() lists an image's sections with the SHA-256 of each
 * one's contents (VirtualSize bytes, as the stub measures them) and
 * predicts TPM PCR 11 (SHA-256 bank) as systemd-stub extends it: for each
 * UKI section present, in the specification's order, the section name
 * with its NUL, then the contents. Which sections count depends on the
 * stub version found in .sdmagic: before systemd 253 .uname and .sbat
 * are not measured, before 255 neither is .ucode.
 */
#ifndef SIGNET_UKI_H
#define SIGNET_UKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "pe.h"

struct sg_uki_section {
	const char *name; /* ".linux", at most 8 bytes */
	const uint8_t *data;
	size_t len;
};

int sg_uki_build(const uint8_t *stub, size_t stub_len, const char *stub_name,
		 const struct sg_uki_section *sections, size_t n, struct sg_buf *out);

/* The parts of a UKI; NULL (or len 0 for initrd) leaves a section out,
 * but linux and cmdline are required. */
struct sg_uki_parts {
	const uint8_t *osrel, *cmdline, *sbat, *initrd, *kernel;
	size_t osrel_len, cmdline_len, sbat_len, initrd_len, kernel_len;
	const char *uname;
};

/* Builds the UKI of parts with sections in the specification's order
 * (.osrel .cmdline .uname .sbat .initrd .linux) and, when key is not
 * NULL, Authenticode-signs it with key and cert (deterministic: no
 * signingTime) in the same pass. name is for messages. */
int sg_uki_assemble(const uint8_t *stub, size_t stub_len, const char *stub_name,
		    const struct sg_uki_parts *parts, EVP_PKEY *key, X509 *cert, int deterministic,
		    const char *name, struct sg_buf *out);

/* Replaces the contents of one section of an unsigned UKI made by
 * sg_uki_build (section and those after it appended in file order, as
 * sg_uki_build lays them out) with data[0..dlen), moving the sections
 * after it: out receives exactly what sg_uki_build would have made with
 * the new contents. Fails on a signed image, a missing section, or one
 * not laid out so. out is freed on failure. */
int sg_uki_set_section(const uint8_t *img, size_t len, const char *name, const char *section,
		       const uint8_t *data, size_t dlen, struct sg_buf *out);

struct sg_uki_info {
	unsigned stub_version;			/* systemd-stub major version, 0 if unknown */
	int measured[SG_PE_MAX_SECTIONS];	/* 1 when section i goes into PCR 11 */
	uint8_t sha256[SG_PE_MAX_SECTIONS][32]; /* of each section's contents */
	uint8_t pcr11[32];
};

int sg_uki_inspect(const struct sg_pe *pe, const char *name, struct sg_uki_info *info);

#endif
