/* pe.h - a bounds-checked reader of PE/COFF images (PE32 and PE32+).
 *
 * sg_pe_parse() reads the DOS header, the PE signature, the COFF file
 * header, the optional header (magic 0x10b or 0x20b) with its data
 * directories, and the section table, from a buffer the caller owns and
 * keeps alive. Every offset and size is checked against the buffer before
 * it is used: a successful parse guarantees that the headers, the section
 * table and every section's raw data lie inside the buffer, that the
 * section table ends within SizeOfHeaders, and that a non-empty
 * certificate table (data directory 4, whose address is a FILE offset)
 * lies inside the buffer after the headers. On failure the error names
 * the object and the rule broken ("<name>: PE section 3 raw data ends
 * beyond the end of the file").
 *
 * The reader never writes to the image; sg_put_le16/32 are for callers
 * that patch a copy (checksum, certificate directory).
 */
#ifndef SIGNET_PE_H
#define SIGNET_PE_H

#include <stddef.h>
#include <stdint.h>

#include "endian.h"

#define SG_PE_MAGIC_PE32 0x10b
#define SG_PE_MAGIC_PE32PLUS 0x20b
#define SG_PE_DIR_SECURITY 4  /* the certificate table */
#define SG_PE_MAX_SECTIONS 96 /* the PE/COFF limit for images */

struct sg_pe_section {
	char name[9]; /* NUL-terminated (names are at most 8 bytes) */
	uint32_t virtual_size;
	uint32_t virtual_address;
	uint32_t raw_size; /* SizeOfRawData */
	uint32_t raw_ptr;  /* PointerToRawData (file offset) */
	uint32_t characteristics;
};

struct sg_pe {
	const uint8_t *data;
	size_t len;

	uint32_t pe_offset; /* e_lfanew: offset of "PE\0\0" */
	uint16_t machine;
	uint16_t nsections;
	uint32_t timestamp;
	uint16_t opt_size; /* SizeOfOptionalHeader */
	uint16_t characteristics;

	uint16_t magic;		/* SG_PE_MAGIC_PE32 or SG_PE_MAGIC_PE32PLUS */
	size_t opt_offset;	/* file offset of the optional header */
	size_t checksum_offset; /* file offset of CheckSum */
	uint32_t checksum;
	uint32_t section_alignment;
	uint32_t file_alignment;
	uint32_t size_of_image;
	uint32_t size_of_headers;
	uint16_t subsystem;

	uint32_t ndirs;	       /* NumberOfRvaAndSizes (at most 16) */
	size_t dirs_offset;    /* file offset of data directory 0 */
	size_t certdir_offset; /* file offset of directory 4, 0 when absent */
	uint32_t cert_offset;  /* certificate table: file offset ... */
	uint32_t cert_size;    /* ... and size; both 0 when unsigned */

	size_t sections_offset; /* file offset of the section table */
	struct sg_pe_section sections[SG_PE_MAX_SECTIONS];
};

/* Parses data[0..len) as a PE image; name is used in error messages. */
int sg_pe_parse(struct sg_pe *pe, const uint8_t *data, size_t len, const char *name);

/* The section called name (exact, at most 8 bytes), or NULL. */
const struct sg_pe_section *sg_pe_find_section(const struct sg_pe *pe, const char *name);

/* The 16-bit folding sum of the PE checksum over len bytes (an odd final
 * byte counts alone), continuing from sum. */
uint16_t sg_pe_csum_fold(uint16_t sum, const uint8_t *p, size_t len);

/* The PE CheckSum of img[0..len) (the CheckSum field itself skipped), as
 * sbsign and the PE specification compute it: folded sum plus length. */
uint32_t sg_pe_checksum(const uint8_t *img, size_t len, size_t checksum_offset);

/* PE fields are little-endian: see endian.h. */

#endif
