#include "uki.h"

#include <stdlib.h>
#include <string.h>

#include "authenticode.h"
#include "crypto.h"
#include "err.h"
#include "pcr7.h"

#define SECTION_HEADER_SIZE 40
#define SCN_INITIALIZED_DATA 0x00000040u
#define SCN_MEM_READ 0x40000000u
#define COFF_SYMTAB 8 /* PointerToSymbolTable, after the signature */
#define COFF_NSYMS 12
#define OPT_SIZE_OF_INIT_DATA 8
#define OPT_SIZE_OF_IMAGE 56
#define SBAT_HEADER "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Appends the SBAT lines of text (up to a NUL) other than the "sbat,"
 * header line and lines already present. */
static int sbat_add_lines(struct sg_buf *out, const uint8_t *text, size_t len)
{
	size_t i = 0;

	while (i < len && text[i]) {
		size_t j = i;

		while (j < len && text[j] && text[j] != '\n')
			j++;
		if (j > i && !(j - i >= 5 && memcmp(text + i, "sbat,", 5) == 0)) {
			int dup = 0;

			for (size_t k = 0; k + (j - i) <= out->len && !dup; k++)
				dup = (k == 0 || out->data[k - 1] == '\n') &&
				      memcmp(out->data + k, text + i, j - i) == 0 &&
				      k + (j - i) < out->len && out->data[k + (j - i)] == '\n';
			if (!dup &&
			    (sg_buf_append(out, text + i, j - i) || sg_buf_append_byte(out, '\n')))
				return -1;
		}
		i = j < len && text[j] == '\n' ? j + 1 : j;
	}
	return 0;
}

/* Merges an SBAT text into the stub's .sbat section in place, as ukify
 * does: one "sbat," header, the stub's entries, then the new ones. */
static int merge_sbat(const struct sg_pe *pe, const struct sg_pe_section *s, uint8_t *img,
		      size_t section_index, const struct sg_uki_section *add, const char *name)
{
	struct sg_buf m = SG_BUF_INIT;
	uint32_t room = s->raw_size;
	uint8_t *hdr;
	int rc = -1;

	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct sg_pe_section *o = &pe->sections[i];

		if (o->virtual_address > s->virtual_address &&
		    o->virtual_address - s->virtual_address < room)
			room = o->virtual_address - s->virtual_address;
	}
	if (sg_buf_append_str(&m, SBAT_HEADER) ||
	    sbat_add_lines(&m, pe->data + s->raw_ptr,
			   s->virtual_size < s->raw_size ? s->virtual_size : s->raw_size) ||
	    sbat_add_lines(&m, add->data, add->len) || sg_buf_append_byte(&m, 0))
		goto out;
	if (m.len > room) {
		sg_fail("%s: merged .sbat (%zu bytes) does not fit the stub's .sbat section (%u bytes)",
			name, m.len, room);
		goto out;
	}
	memcpy(img + s->raw_ptr, m.data, m.len);
	memset(img + s->raw_ptr + m.len, 0, s->raw_size - m.len);
	hdr = img + pe->sections_offset + section_index * SECTION_HEADER_SIZE;
	sg_put_le32(hdr + 8, (uint32_t)m.len);
	rc = 0;
out:
	sg_buf_free(&m);
	return rc;
}

static int check_new_sections(const struct sg_pe *pe, const char *name,
			      const struct sg_uki_section *sections, size_t n, size_t *added)
{
	*added = 0;
	for (size_t i = 0; i < n; i++) {
		const char *sn = sections[i].name;

		if (strlen(sn) == 0 || strlen(sn) > 8)
			return sg_fail("section name '%s' is not 1 to 8 bytes", sn);
		if (sections[i].len == 0)
			return sg_fail("section %s would be empty", sn);
		if (sections[i].len > UINT32_MAX)
			return sg_fail("section %s is larger than 4 GiB", sn);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(sections[j].name, sn))
				return sg_fail("section %s given twice", sn);
		if (sg_pe_find_section(pe, sn)) {
			if (strcmp(sn, ".sbat") != 0)
				return sg_fail("%s: stub already has a %s section", name, sn);
			continue;
		}
		(*added)++;
	}
	if (pe->nsections + *added > SG_PE_MAX_SECTIONS)
		return sg_fail("%s: too many sections", name);
	if (pe->sections_offset + (pe->nsections + *added) * SECTION_HEADER_SIZE > pe->size_of_headers)
		return sg_fail("%s: stub's headers (SizeOfHeaders 0x%x) have no room for %zu more section headers",
			       name, pe->size_of_headers, *added);
	/* The new headers go right after the table: that space must be free. */
	for (size_t i = pe->sections_offset + pe->nsections * SECTION_HEADER_SIZE;
	     i < pe->sections_offset + (pe->nsections + *added) * SECTION_HEADER_SIZE; i++)
		if (pe->data[i])
			return sg_fail("%s: stub's headers after the section table are not empty",
				       name);
	return 0;
}

/* Where the new sections go, as they are appended. */
struct uki_layout {
	uint64_t va;	    /* the next section's virtual address */
	uint64_t init_data; /* SizeOfInitializedData */
	size_t nsec;	    /* sections in the table */
};

/* Where the stub's sections end: in the file (returned) and in memory
 * (*va, section-aligned). */
static uint64_t stub_end(const struct sg_pe *pe, uint64_t *va)
{
	uint64_t raw_end = pe->size_of_headers;

	*va = pe->size_of_image;
	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct sg_pe_section *s = &pe->sections[i];
		uint64_t vsize = s->virtual_size > s->raw_size ? s->virtual_size : s->raw_size;

		if (s->raw_size && (uint64_t)s->raw_ptr + s->raw_size > raw_end)
			raw_end = (uint64_t)s->raw_ptr + s->raw_size;
		if ((uint64_t)s->virtual_address + vsize > *va)
			*va = (uint64_t)s->virtual_address + vsize;
	}
	*va = align_up(*va, pe->section_alignment);
	return raw_end;
}

/* Merges the given sections the stub has already (.sbat) into out. */
static int merge_existing(struct sg_buf *out, const struct sg_pe *pe,
			  const struct sg_uki_section *sections, size_t n, const char *stub_name)
{
	for (unsigned i = 0; i < pe->nsections; i++) {
		for (size_t j = 0; j < n; j++)
			if (!strncmp(pe->sections[i].name, sections[j].name, 8) &&
			    merge_sbat(pe, &pe->sections[i], out->data, i, &sections[j], stub_name))
				return -1;
	}
	return 0;
}

/* Appends section u, file-aligned, and its header after the table's
 * last. */
static int append_section(struct sg_buf *out, const struct sg_pe *pe, const struct sg_uki_section *u,
			  struct uki_layout *l, const char *stub_name)
{
	uint64_t raw_ptr = align_up(out->len, pe->file_alignment);
	uint64_t raw_size = align_up(u->len, pe->file_alignment);
	uint8_t *h;

	if (raw_ptr + raw_size > UINT32_MAX || l->va + u->len > UINT32_MAX)
		return sg_fail("%s: unified kernel image would exceed 4 GiB", stub_name);
	if (sg_buf_reserve(out, (size_t)(raw_ptr + raw_size - out->len)))
		return -1;
	memset(out->data + out->len, 0, (size_t)(raw_ptr - out->len));
	memcpy(out->data + raw_ptr, u->data, u->len);
	memset(out->data + raw_ptr + u->len, 0, (size_t)(raw_size - u->len));
	out->len = (size_t)(raw_ptr + raw_size);

	h = out->data + pe->sections_offset + l->nsec * SECTION_HEADER_SIZE;
	memset(h, 0, SECTION_HEADER_SIZE);
	memcpy(h, u->name, strlen(u->name));
	sg_put_le32(h + 8, (uint32_t)u->len);
	sg_put_le32(h + 12, (uint32_t)l->va);
	sg_put_le32(h + 16, (uint32_t)raw_size);
	sg_put_le32(h + 20, (uint32_t)raw_ptr);
	sg_put_le32(h + 36, SCN_INITIALIZED_DATA | SCN_MEM_READ);
	l->nsec++;
	l->init_data += raw_size;
	l->va = align_up(l->va + u->len, pe->section_alignment);
	return 0;
}

/* The COFF and optional headers for the new layout, then the checksum. */
static int finish_headers(struct sg_buf *out, const struct sg_pe *pe, const struct uki_layout *l,
			  const char *stub_name)
{
	uint64_t size_of_image = l->va;
	size_t coff = pe->pe_offset + 4;

	if (size_of_image > UINT32_MAX || l->init_data > UINT32_MAX)
		return sg_fail("%s: unified kernel image would exceed 4 GiB", stub_name);
	sg_put_le16(out->data + coff + 2, (uint16_t)l->nsec);
	/* The symbol table was after the sections and is gone. */
	sg_put_le32(out->data + coff + COFF_SYMTAB, 0);
	sg_put_le32(out->data + coff + COFF_NSYMS, 0);
	sg_put_le32(out->data + pe->opt_offset + OPT_SIZE_OF_INIT_DATA, (uint32_t)l->init_data);
	sg_put_le32(out->data + pe->opt_offset + OPT_SIZE_OF_IMAGE, (uint32_t)size_of_image);
	sg_put_le32(out->data + pe->checksum_offset,
		    sg_pe_checksum(out->data, out->len, pe->checksum_offset));
	return 0;
}

int sg_uki_build(const uint8_t *stub, size_t stub_len, const char *stub_name,
		 const struct sg_uki_section *sections, size_t n, struct sg_buf *out)
{
	struct sg_pe pe;
	struct uki_layout l;
	uint64_t raw_end;
	size_t added;

	if (sg_pe_parse(&pe, stub, stub_len, stub_name))
		return -1;
	if (pe.cert_size)
		return sg_fail("%s: stub is signed; build from the unsigned stub and sign the UKI",
			       stub_name);
	if (check_new_sections(&pe, stub_name, sections, n, &added))
		return -1;

	raw_end = stub_end(&pe, &l.va);
	sg_buf_free(out);
	if (sg_buf_append(out, stub, (size_t)raw_end))
		return -1;
	if (merge_existing(out, &pe, sections, n, stub_name))
		goto fail;

	l.nsec = pe.nsections;
	l.init_data = sg_get_le32(out->data + pe.opt_offset + OPT_SIZE_OF_INIT_DATA);
	for (size_t j = 0; j < n; j++) {
		if (sg_pe_find_section(&pe, sections[j].name))
			continue; /* merged above */
		if (append_section(out, &pe, &sections[j], &l, stub_name))
			goto fail;
	}
	if (finish_headers(out, &pe, &l, stub_name))
		goto fail;
	return 0;
fail:
	sg_buf_free(out);
	return -1;
}

int sg_uki_set_section(const uint8_t *img, size_t len, const char *name, const char *section,
		       const uint8_t *data, size_t dlen, struct sg_buf *out)
{
	struct sg_uki_section later[SG_PE_MAX_SECTIONS];
	struct sg_buf cut = SG_BUF_INIT;
	struct sg_pe pe;
	uint64_t init_data;
	size_t k, n = 0;
	int rc = -1;

	if (sg_pe_parse(&pe, img, len, name))
		return -1;
	if (pe.cert_size)
		return sg_fail("%s: is signed; its sections cannot change", name);
	for (k = 0; k < pe.nsections && strcmp(pe.sections[k].name, section) != 0; k++)
		;
	if (k == pe.nsections)
		return sg_fail("%s: has no %s section", name, section);
	/* Section k and those after it must be as sg_uki_build appends
	 * them: in file order, each right after the one before, the last
	 * ending the file. */
	for (size_t i = k; i < pe.nsections; i++) {
		const struct sg_pe_section *s = &pe.sections[i];
		uint64_t end = (uint64_t)s->raw_ptr + s->raw_size;

		if ((i > k && s->raw_ptr != pe.sections[i - 1].raw_ptr + pe.sections[i - 1].raw_size) ||
		    (i + 1 == pe.nsections && end != len) || s->virtual_size > s->raw_size)
			return sg_fail("%s: section %s is not laid out as a UKI's appended section",
				       name, s->name);
	}
	init_data = sg_get_le32(img + pe.opt_offset + OPT_SIZE_OF_INIT_DATA);
	for (size_t i = k; i < pe.nsections; i++) {
		const struct sg_pe_section *s = &pe.sections[i];

		later[n].name = s->name;
		later[n].data = i == k ? data : img + s->raw_ptr;
		later[n].len = i == k ? dlen : s->virtual_size;
		n++;
		init_data -= s->raw_size;
	}
	/* The image as it was before section k was appended. */
	if (sg_buf_append(&cut, img, pe.sections[k].raw_ptr))
		goto out;
	memset(cut.data + pe.sections_offset + k * SECTION_HEADER_SIZE, 0,
	       (pe.nsections - k) * SECTION_HEADER_SIZE);
	sg_put_le16(cut.data + pe.pe_offset + 4 + 2, (uint16_t)k);
	sg_put_le32(cut.data + pe.opt_offset + OPT_SIZE_OF_INIT_DATA, (uint32_t)init_data);
	sg_put_le32(cut.data + pe.opt_offset + OPT_SIZE_OF_IMAGE, pe.sections[k].virtual_address);
	rc = sg_uki_build(cut.data, cut.len, name, later, n, out);
out:
	sg_buf_wipe(&cut);
	return rc;
}

/* The systemd major version in the stub's .sdmagic
 * ("#### LoaderInfo: systemd-stub 252.39-1 ####"), or 0. */
static unsigned stub_version(const struct sg_pe *pe)
{
	static const char tag[] = "systemd-stub ";
	const struct sg_pe_section *s = sg_pe_find_section(pe, ".sdmagic");
	const char *p, *end;
	unsigned v = 0;

	if (!s || !s->raw_size)
		return 0;
	p = (const char *)pe->data + s->raw_ptr;
	end = p + s->raw_size;
	for (; p + sizeof(tag) - 1 < end; p++)
		if (!memcmp(p, tag, sizeof(tag) - 1))
			break;
	if (p + sizeof(tag) - 1 >= end)
		return 0;
	for (p += sizeof(tag) - 1; p < end && *p >= '0' && *p <= '9' && v < 100000; p++)
		v = v * 10 + (unsigned)(*p - '0');
	return v;
}

/* SHA-256 of a section's VirtualSize bytes as loaded (zero-filled past
 * its raw data). */
static int section_hash(const struct sg_pe *pe, const struct sg_pe_section *s, uint8_t out[32])
{
	static const uint8_t zeros[4096];
	struct sg_digest *d = sg_digest_new("SHA256");
	uint32_t have = s->raw_size < s->virtual_size ? s->raw_size : s->virtual_size;
	uint32_t rest = s->virtual_size - have;

	if (!d || sg_digest_update(d, pe->data + s->raw_ptr, have))
		goto fail;
	while (rest) {
		uint32_t k = rest < sizeof(zeros) ? rest : (uint32_t)sizeof(zeros);

		if (sg_digest_update(d, zeros, k))
			goto fail;
		rest -= k;
	}
	if (sg_digest_final(d, out) < 0)
		goto fail;
	sg_digest_free(d);
	return 0;
fail:
	sg_digest_free(d);
	return -1;
}

int sg_uki_inspect(const struct sg_pe *pe, const char *name, struct sg_uki_info *info)
{
	/* The UKI sections in the order systemd-stub measures them, and the
	 * first stub version that does. */
	static const struct {
		const char *name;
		unsigned since;
	} order[] = {
		{ ".linux", 0 },   { ".osrel", 0 },   { ".cmdline", 0 }, { ".initrd", 0 },
		{ ".ucode", 255 }, { ".splash", 0 },  { ".dtb", 0 },	 { ".uname", 253 },
		{ ".sbat", 253 },  { ".pcrpkey", 0 },
	};

	memset(info, 0, sizeof(*info));
	info->stub_version = stub_version(pe);
	for (unsigned i = 0; i < pe->nsections; i++)
		if (section_hash(pe, &pe->sections[i], info->sha256[i]))
			return sg_fail_prefix(name);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		uint8_t nd[32];

		if (info->stub_version && info->stub_version < order[k].since)
			continue;
		for (unsigned i = 0; i < pe->nsections; i++) {
			if (strncmp(pe->sections[i].name, order[k].name, 8) != 0)
				continue;
			if (!pe->sections[i].virtual_size)
				break; /* the stub skips empty sections */
			if (sg_sha256(order[k].name, strlen(order[k].name) + 1, nd) ||
			    sg_pcr_extend(info->pcr11, nd) ||
			    sg_pcr_extend(info->pcr11, info->sha256[i]))
				return sg_fail_prefix(name);
			info->measured[i] = 1;
			break;
		}
	}
	return 0;
}

int sg_uki_assemble(const uint8_t *stub, size_t stub_len, const char *stub_name,
		    const struct sg_uki_parts *p, EVP_PKEY *key, X509 *cert, int deterministic,
		    const char *name, struct sg_buf *out)
{
	struct sg_uki_section secs[6];
	struct sg_buf img = SG_BUF_INIT;
	size_t n = 0;
	int rc;

	if (!p->kernel || !p->cmdline)
		return sg_fail("%s: a UKI needs a kernel and a command line", name);
	if (p->osrel)
		secs[n++] = (struct sg_uki_section){ ".osrel", p->osrel, p->osrel_len };
	secs[n++] = (struct sg_uki_section){ ".cmdline", p->cmdline, p->cmdline_len };
	if (p->uname)
		secs[n++] = (struct sg_uki_section){ ".uname", (const uint8_t *)p->uname,
						     strlen(p->uname) };
	if (p->sbat)
		secs[n++] = (struct sg_uki_section){ ".sbat", p->sbat, p->sbat_len };
	if (p->initrd && p->initrd_len)
		secs[n++] = (struct sg_uki_section){ ".initrd", p->initrd, p->initrd_len };
	secs[n++] = (struct sg_uki_section){ ".linux", p->kernel, p->kernel_len };
	if (!key)
		return sg_uki_build(stub, stub_len, stub_name, secs, n, out);
	/* Sign the image in memory: one write instead of two. */
	if (sg_uki_build(stub, stub_len, stub_name, secs, n, &img) < 0)
		return -1;
	rc = sg_authenticode_sign(img.data, img.len, name, key, cert, deterministic, out);
	sg_buf_free(&img);
	return rc;
}
