#include "pe.h"

#include <string.h>

#include "err.h"

#define DOS_HEADER_SIZE 64
#define DOS_LFANEW 0x3c
#define COFF_HEADER_SIZE 20 /* after the 4-byte signature */
#define SECTION_HEADER_SIZE 40
#define MAX_DIRS 16

/* Offsets inside the optional header; the fields up to CheckSum are at
 * the same place in PE32 and PE32+. */
#define OPT_SECTION_ALIGNMENT 32
#define OPT_FILE_ALIGNMENT 36
#define OPT_SIZE_OF_IMAGE 56
#define OPT_SIZE_OF_HEADERS 60
#define OPT_CHECKSUM 64
#define OPT_SUBSYSTEM 68
#define OPT32_NDIRS 92
#define OPT64_NDIRS 108

/* 1 when [off, off + size) lies inside a buffer of len bytes. */
static int in_bounds(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

static int is_power_of_two(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int parse_coff(struct sg_pe *pe, const char *name)
{
	const uint8_t *d = pe->data;
	size_t coff;

	if (pe->len < DOS_HEADER_SIZE)
		return sg_fail("%s: not a PE image: shorter than a DOS header", name);
	if (d[0] != 'M' || d[1] != 'Z')
		return sg_fail("%s: not a PE image: no MZ signature", name);
	pe->pe_offset = sg_get_le32(d + DOS_LFANEW);
	if (!in_bounds(pe->len, pe->pe_offset, 4 + COFF_HEADER_SIZE))
		return sg_fail("%s: PE header offset 0x%x (e_lfanew) lies beyond the end of the file",
			       name, pe->pe_offset);
	if (memcmp(d + pe->pe_offset, "PE\0\0", 4) != 0)
		return sg_fail("%s: not a PE image: no PE signature at 0x%x", name, pe->pe_offset);
	coff = (size_t)pe->pe_offset + 4;
	pe->machine = sg_get_le16(d + coff);
	pe->nsections = sg_get_le16(d + coff + 2);
	pe->timestamp = sg_get_le32(d + coff + 4);
	pe->opt_size = sg_get_le16(d + coff + 16);
	pe->characteristics = sg_get_le16(d + coff + 18);
	pe->opt_offset = coff + COFF_HEADER_SIZE;
	if (pe->nsections > SG_PE_MAX_SECTIONS)
		return sg_fail("%s: PE image has %u sections, more than the limit of %d", name,
			       pe->nsections, SG_PE_MAX_SECTIONS);
	if (!in_bounds(pe->len, pe->opt_offset, pe->opt_size))
		return sg_fail("%s: PE optional header (%u bytes) extends beyond the end of the file",
			       name, pe->opt_size);
	return 0;
}

static int parse_optional(struct sg_pe *pe, const char *name)
{
	const uint8_t *o = pe->data + pe->opt_offset;
	size_t ndirs_at, fixed;

	if (pe->opt_size < 2)
		return sg_fail("%s: PE optional header is missing", name);
	pe->magic = sg_get_le16(o);
	if (pe->magic == SG_PE_MAGIC_PE32PLUS) {
		ndirs_at = OPT64_NDIRS;
	} else if (pe->magic == SG_PE_MAGIC_PE32) {
		ndirs_at = OPT32_NDIRS;
	} else {
		return sg_fail("%s: PE optional header magic 0x%x is neither PE32 (0x10b) nor PE32+ (0x20b)",
			       name, pe->magic);
	}
	fixed = ndirs_at + 4;
	if (pe->opt_size < fixed)
		return sg_fail("%s: PE optional header is %u bytes, shorter than the %zu fixed bytes",
			       name, pe->opt_size, fixed);
	pe->section_alignment = sg_get_le32(o + OPT_SECTION_ALIGNMENT);
	pe->file_alignment = sg_get_le32(o + OPT_FILE_ALIGNMENT);
	pe->size_of_image = sg_get_le32(o + OPT_SIZE_OF_IMAGE);
	pe->size_of_headers = sg_get_le32(o + OPT_SIZE_OF_HEADERS);
	pe->checksum = sg_get_le32(o + OPT_CHECKSUM);
	pe->checksum_offset = pe->opt_offset + OPT_CHECKSUM;
	pe->subsystem = sg_get_le16(o + OPT_SUBSYSTEM);
	pe->ndirs = sg_get_le32(o + ndirs_at);
	pe->dirs_offset = pe->opt_offset + fixed;

	if (!is_power_of_two(pe->file_alignment))
		return sg_fail("%s: PE FileAlignment 0x%x is not a power of two", name,
			       pe->file_alignment);
	if (!is_power_of_two(pe->section_alignment) || pe->section_alignment < pe->file_alignment)
		return sg_fail("%s: PE SectionAlignment 0x%x is not a power of two at least FileAlignment",
			       name, pe->section_alignment);
	if (pe->ndirs > MAX_DIRS)
		return sg_fail("%s: PE NumberOfRvaAndSizes %u exceeds %d", name, pe->ndirs, MAX_DIRS);
	if ((uint64_t)fixed + 8ull * pe->ndirs > pe->opt_size)
		return sg_fail("%s: PE data directories (%u) do not fit in the optional header",
			       name, pe->ndirs);
	return 0;
}

static int parse_cert_table(struct sg_pe *pe, const char *name, size_t headers_end)
{
	const uint8_t *e;

	pe->certdir_offset = 0;
	pe->cert_offset = pe->cert_size = 0;
	if (pe->ndirs <= SG_PE_DIR_SECURITY)
		return 0;
	pe->certdir_offset = pe->dirs_offset + 8 * SG_PE_DIR_SECURITY;
	e = pe->data + pe->certdir_offset;
	pe->cert_offset = sg_get_le32(e);
	pe->cert_size = sg_get_le32(e + 4);
	if (pe->cert_size == 0)
		return 0;
	/* Unlike every other directory, this one holds a file offset. */
	if (!in_bounds(pe->len, pe->cert_offset, pe->cert_size))
		return sg_fail("%s: PE certificate table (0x%x, %u bytes) extends beyond the end of the file",
			       name, pe->cert_offset, pe->cert_size);
	if (pe->cert_offset < headers_end)
		return sg_fail("%s: PE certificate table at 0x%x overlaps the headers", name,
			       pe->cert_offset);
	return 0;
}

static int parse_sections(struct sg_pe *pe, const char *name)
{
	size_t table_end;

	pe->sections_offset = pe->opt_offset + pe->opt_size;
	table_end = pe->sections_offset + (size_t)pe->nsections * SECTION_HEADER_SIZE;
	if (!in_bounds(pe->len, pe->sections_offset, table_end - pe->sections_offset))
		return sg_fail("%s: PE section table (%u entries) extends beyond the end of the file",
			       name, pe->nsections);
	if (pe->size_of_headers < table_end || pe->size_of_headers > pe->len)
		return sg_fail("%s: PE SizeOfHeaders 0x%x does not cover the section table or exceeds the file",
			       name, pe->size_of_headers);
	for (unsigned i = 0; i < pe->nsections; i++) {
		const uint8_t *h = pe->data + pe->sections_offset + (size_t)i * SECTION_HEADER_SIZE;
		struct sg_pe_section *s = &pe->sections[i];

		memcpy(s->name, h, 8);
		s->name[8] = '\0';
		s->virtual_size = sg_get_le32(h + 8);
		s->virtual_address = sg_get_le32(h + 12);
		s->raw_size = sg_get_le32(h + 16);
		s->raw_ptr = sg_get_le32(h + 20);
		s->characteristics = sg_get_le32(h + 36);
		if (s->raw_size == 0)
			continue;
		if (!in_bounds(pe->len, s->raw_ptr, s->raw_size))
			return sg_fail("%s: PE section %u (%s) raw data ends beyond the end of the file",
				       name, i + 1, s->name);
		if (s->raw_ptr < pe->size_of_headers)
			return sg_fail("%s: PE section %u (%s) raw data overlaps the headers", name,
				       i + 1, s->name);
	}
	return parse_cert_table(pe, name, pe->size_of_headers);
}

int sg_pe_parse(struct sg_pe *pe, const uint8_t *data, size_t len, const char *name)
{
	memset(pe, 0, sizeof(*pe));
	pe->data = data;
	pe->len = len;
	if (parse_coff(pe, name) || parse_optional(pe, name) || parse_sections(pe, name))
		return -1;
	return 0;
}

const struct sg_pe_section *sg_pe_find_section(const struct sg_pe *pe, const char *name)
{
	for (unsigned i = 0; i < pe->nsections; i++)
		if (strncmp(pe->sections[i].name, name, 8) == 0)
			return &pe->sections[i];
	return NULL;
}

uint16_t sg_pe_csum_fold(uint16_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 2 <= len; i += 2) {
		uint32_t s = (uint32_t)sum + sg_get_le16(p + i);

		sum = (uint16_t)((s >> 16) + (s & 0xffff));
	}
	if (i < len) {
		uint32_t s = (uint32_t)sum + p[i];

		sum = (uint16_t)((s >> 16) + (s & 0xffff));
	}
	return sum;
}

uint32_t sg_pe_checksum(const uint8_t *img, size_t len, size_t checksum_offset)
{
	uint16_t sum = sg_pe_csum_fold(0, img, checksum_offset);

	sum = sg_pe_csum_fold(sum, img + checksum_offset + 4, len - checksum_offset - 4);
	return (uint32_t)sum + (uint32_t)len;
}
