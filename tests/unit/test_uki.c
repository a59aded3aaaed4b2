/* test_uki.c - a unified kernel image built from a hand-made PE32+ stub
 * equals the image assembled here byte for byte (section headers, raw
 * offsets at FileAlignment, addresses at SectionAlignment, the stub's
 * symbol table dropped, the .sbat merge, NumberOfSections,
 * SizeOfInitializedData, SizeOfImage, CheckSum); each refusal has its
 * message; inspect reads the image back and predicts PCR 11 as the
 * stub's version measures it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "err.h"
#include "pe.h"
#include "uki.h"

#define PE_OFF 0x80
#define OPT_OFF (PE_OFF + 24)
#define OPT_SIZE (112 + 16 * 8)
#define SEC_OFF (OPT_OFF + OPT_SIZE) /* 0x188: three headers end at 0x200 */
#define HDRS 0x400		     /* room for 12 more headers */
#define SYMTAB 0xa00		     /* the stub's COFF symbol table */
#define STUB_LEN (SYMTAB + 0x20)
#define INIT_DATA 0x400 /* the stub's SizeOfInitializedData */
#define SCN_RO_DATA 0x40000040u

#define SBAT_HEADER "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
#define STUB_SBAT_LINE "systemd-stub,1,The systemd Developers,254,systemd,https://systemd.io/\n"

static uint8_t stub[STUB_LEN];

static void put16(uint8_t *p, size_t off, uint16_t v)
{
	sg_put_le16(p + off, v);
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	sg_put_le32(p + off, v);
}

static void section(uint8_t *img, unsigned i, const char *name, uint32_t vsize, uint32_t va,
		    uint32_t raw_size, uint32_t raw_ptr)
{
	uint8_t *h = img + SEC_OFF + i * 40;

	memcpy(h, name, strlen(name));
	put32(h, 8, vsize);
	put32(h, 12, va);
	put32(h, 16, raw_size);
	put32(h, 20, raw_ptr);
	put32(h, 36, 0x60000020u);
}

static void pe_headers(uint8_t *img, uint16_t nsec, uint32_t size_of_headers, uint32_t size_of_image)
{
	img[0] = 'M';
	img[1] = 'Z';
	put32(img, 0x3c, PE_OFF);
	memcpy(img + PE_OFF, "PE\0\0", 4);
	put16(img, PE_OFF + 4, 0x8664);
	put16(img, PE_OFF + 6, nsec);
	put16(img, PE_OFF + 20, OPT_SIZE);
	put16(img, OPT_OFF, 0x20b);
	put32(img, OPT_OFF + 8, INIT_DATA);
	put32(img, OPT_OFF + 32, 0x1000); /* SectionAlignment */
	put32(img, OPT_OFF + 36, 0x200);  /* FileAlignment */
	put32(img, OPT_OFF + 56, size_of_image);
	put32(img, OPT_OFF + 60, size_of_headers);
	put32(img, OPT_OFF + 64, 0x1234); /* CheckSum, recomputed */
	put32(img, OPT_OFF + 108, 16);
}

/* .text (VirtualSize 0x300 past its 0x200 raw bytes), .sbat, .sdmagic
 * holding magic; a symbol table and its strings after the sections. */
static void make_stub(const char *magic)
{
	memset(stub, 0, sizeof(stub));
	pe_headers(stub, 3, HDRS, 0x4000);
	put32(stub, PE_OFF + 12, SYMTAB);
	put32(stub, PE_OFF + 16, 2);
	section(stub, 0, ".text", 0x300, 0x1000, 0x200, 0x400);
	section(stub, 1, ".sbat", sizeof(SBAT_HEADER STUB_SBAT_LINE) - 1, 0x2000, 0x200, 0x600);
	section(stub, 2, ".sdmagic", (uint32_t)strlen(magic) + 1, 0x3000, 0x200, 0x800);
	for (size_t i = 0x400; i < 0x600; i++)
		stub[i] = (uint8_t)(i * 13 + 1);
	/* raw bytes past the .sbat's VirtualSize, which a merge clears */
	memset(stub + 0x600, 0xaa, 0x200);
	memcpy(stub + 0x600, SBAT_HEADER STUB_SBAT_LINE, sizeof(SBAT_HEADER STUB_SBAT_LINE) - 1);
	memcpy(stub + 0x800, magic, strlen(magic));
	memset(stub + SYMTAB, 0xee, STUB_LEN - SYMTAB);
}

#define MAGIC_254 "#### LoaderInfo: systemd-stub 254.5-1 ####"

static const uint8_t osrel[] = "ID=signet\n";
static const uint8_t cmdline[] = "console=ttyS0";
static const uint8_t add_sbat[] =
	SBAT_HEADER STUB_SBAT_LINE "signet,1,Signet,1,signet,https://example.org/\n";
static uint8_t kernel[0x201]; /* one byte past a FileAlignment */

/* The image built from stub with .osrel .cmdline .sbat .linux, written
 * out from the PE rules rather than from the module's code. */
static void expected_image(struct sg_buf *e)
{
	static const char merged[] =
		SBAT_HEADER STUB_SBAT_LINE "signet,1,Signet,1,signet,https://example.org/\n";
	uint8_t *p;

	sg_buf_free(e);
	sg_buf_reserve(e, 0x1200);
	p = e->data;
	memset(p, 0, 0x1200);
	memcpy(p, stub, SYMTAB);
	put16(p, PE_OFF + 6, 6);
	put32(p, PE_OFF + 12, 0);
	put32(p, PE_OFF + 16, 0);
	put32(p, OPT_OFF + 8, INIT_DATA + 0x200 + 0x200 + 0x400);
	put32(p, OPT_OFF + 56, 0x7000);
	/* .sbat merged in place, NUL included in its VirtualSize */
	memset(p + 0x600, 0, 0x200);
	memcpy(p + 0x600, merged, sizeof(merged));
	put32(p, SEC_OFF + 40 + 8, sizeof(merged));
	section(p, 3, ".osrel", sizeof(osrel) - 1, 0x4000, 0x200, 0xa00);
	section(p, 4, ".cmdline", sizeof(cmdline) - 1, 0x5000, 0x200, 0xc00);
	section(p, 5, ".linux", sizeof(kernel), 0x6000, 0x400, 0xe00);
	for (unsigned i = 3; i < 6; i++)
		put32(p, SEC_OFF + i * 40 + 36, SCN_RO_DATA);
	memcpy(p + 0xa00, osrel, sizeof(osrel) - 1);
	memcpy(p + 0xc00, cmdline, sizeof(cmdline) - 1);
	memcpy(p + 0xe00, kernel, sizeof(kernel));
	e->len = 0x1200;
	put32(p, OPT_OFF + 64, sg_pe_checksum(p, e->len, OPT_OFF + 64));
}

static void test_build(void)
{
	const struct sg_uki_section secs[] = {
		{ ".osrel", osrel, sizeof(osrel) - 1 },
		{ ".cmdline", cmdline, sizeof(cmdline) - 1 },
		{ ".sbat", add_sbat, sizeof(add_sbat) - 1 },
		{ ".linux", kernel, sizeof(kernel) },
	};
	struct sg_buf out = SG_BUF_INIT, again = SG_BUF_INIT, want = SG_BUF_INIT;
	struct sg_pe pe;

	for (size_t i = 0; i < sizeof(kernel); i++)
		kernel[i] = (uint8_t)(i * 5 + 7);
	make_stub(MAGIC_254);
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", secs, 4, &out) == 0);
	expected_image(&want);
	CHECK(out.len == want.len);
	CHECK(out.len == want.len && memcmp(out.data, want.data, want.len) == 0);
	/* the same fields read back through the PE reader */
	CHECK(sg_pe_parse(&pe, out.data, out.len, "uki") == 0);
	CHECK(pe.nsections == 6 && pe.size_of_image == 0x7000);
	CHECK(pe.checksum == sg_pe_checksum(out.data, out.len, OPT_OFF + 64));
	CHECK(pe.sections[5].raw_ptr == 0xe00 && pe.sections[5].raw_size == 0x400);
	CHECK(pe.sections[5].virtual_address == 0x6000 && pe.sections[5].virtual_size == 0x201);
	CHECK(pe.sections[5].characteristics == SCN_RO_DATA);
	/* the stub is not changed; the same inputs give the same bytes */
	make_stub(MAGIC_254);
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", secs, 4, &again) == 0);
	CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	sg_buf_free(&out);
	sg_buf_free(&again);
	sg_buf_free(&want);
}

/* The stub's .sbat and what is added, merged: one header, the stub's
 * lines, then the new ones not already present. */
static const struct {
	const char *add;
	size_t add_len;
	const char *merged;
} sbat_cases[] = {
/* clang-format off */
#define S(a, m) { a, sizeof(a) - 1, SBAT_HEADER STUB_SBAT_LINE m }
	/* clang-format on */
	S(SBAT_HEADER STUB_SBAT_LINE "signet,1,S,1,s,u\n", "signet,1,S,1,s,u\n"),
	S(STUB_SBAT_LINE, ""),
	S("signet,1", "signet,1\n"),
	S("\n\nsignet,1\n\n", "signet,1\n"),
	S("a,1\n\0b,1\n", "a,1\n"),
	S("systemd-stub,1,The systemd Developers\n", "systemd-stub,1,The systemd Developers\n"),
	S("x,1\nx,1\n", "x,1\n"),
	S("sbat,2,other header\nsbatx,1\n", "sbatx,1\n"),
#undef S
};

static void test_sbat(void)
{
	struct sg_buf out = SG_BUF_INIT;
	struct sg_pe pe;
	char big[0x200];

	make_stub(MAGIC_254);
	for (size_t i = 0; i < sizeof(sbat_cases) / sizeof(sbat_cases[0]); i++) {
		const char *m = sbat_cases[i].merged;
		const struct sg_uki_section s[] = {
			{ ".sbat", (const uint8_t *)sbat_cases[i].add, sbat_cases[i].add_len },
			{ ".linux", kernel, 16 },
		};
		int ok = sg_uki_build(stub, STUB_LEN, "t.efi", s, 2, &out) == 0 &&
			 sg_pe_parse(&pe, out.data, out.len, "uki") == 0 && pe.nsections == 4 &&
			 pe.sections[1].virtual_size == strlen(m) + 1 &&
			 memcmp(out.data + 0x600, m, strlen(m) + 1) == 0;

		/* the rest of the raw section is zeroed */
		for (size_t k = 0x600 + strlen(m) + 1; ok && k < 0x800; k++)
			ok = out.data[k] == 0;
		if (!ok)
			fprintf(stderr, "sbat case %zu\n", i);
		CHECK(ok);
		sg_buf_free(&out);
	}

	/* The merge fills the 0x200 bytes exactly, then one byte too many. */
	{
		size_t base = sizeof(SBAT_HEADER STUB_SBAT_LINE) - 1;
		size_t line = 0x200 - base - 2; /* + '\n' + NUL */
		struct sg_uki_section s[] = { { ".sbat", (const uint8_t *)big, line } };

		memset(big, 'z', sizeof(big));
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 1, &out) == 0);
		CHECK(out.len == SYMTAB && out.data[0x7ff] == 0 && out.data[0x7fe] == '\n');
		sg_buf_free(&out);
		s[0].len = line + 1;
		sg_errclear();
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 1, &out) == -1);
		CHECK_STR(sg_errmsg(),
			  "t.efi: merged .sbat (513 bytes) does not fit the stub's .sbat section (512 bytes)");
		CHECK(out.len == 0 && out.data == NULL);
	}
}

/* Section lists the standard stub refuses. */
static const uint8_t one[1] = { 1 };
static const struct {
	struct sg_uki_section s[2];
	size_t n;
	const char *msg; /* NULL: built */
} refusals[] = {
	{ { { "", one, 1 } }, 1, "section name '' is not 1 to 8 bytes" },
	{ { { ".abcdefgh", one, 1 } }, 1, "section name '.abcdefgh' is not 1 to 8 bytes" },
	{ { { ".abcdefg", one, 1 } }, 1, NULL },
	{ { { "x", one, 1 } }, 1, NULL },
	{ { { ".osrel", one, 0 } }, 1, "section .osrel would be empty" },
	{ { { ".linux", one, (size_t)UINT32_MAX + 1 } }, 1, "section .linux is larger than 4 GiB" },
	{ { { ".linux", one, UINT32_MAX } }, 1, "t.efi: unified kernel image would exceed 4 GiB" },
	{ { { ".osrel", one, 1 }, { ".osrel", one, 1 } }, 2, "section .osrel given twice" },
	{ { { ".text", one, 1 } }, 1, "t.efi: stub already has a .text section" },
	{ { { ".sdmagic", one, 1 } }, 1, "t.efi: stub already has a .sdmagic section" },
	{ { { ".sdmagi", one, 1 } }, 1, NULL },
};

static void test_refusals(void)
{
	struct sg_buf out = SG_BUF_INIT;
	struct sg_pe pe;

	make_stub(MAGIC_254);
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		int rc;

		sg_errclear();
		rc = sg_uki_build(stub, STUB_LEN, "t.efi", refusals[i].s, refusals[i].n, &out);
		if (refusals[i].msg) {
			int ok = rc == -1 && !strcmp(sg_errmsg(), refusals[i].msg) &&
				 out.len == 0 && out.data == NULL;

			if (!ok)
				fprintf(stderr, "refusal %zu: %d %s\n", i, rc, sg_errmsg());
			CHECK(ok);
		} else {
			const char *name = refusals[i].s[0].name;

			CHECK(rc == 0 && sg_pe_parse(&pe, out.data, out.len, "uki") == 0 &&
			      pe.nsections == 4 && !strcmp(pe.sections[3].name, name) &&
			      out.len == SYMTAB + 0x200);
			/* an 8-byte name fills the field without a NUL */
			CHECK(rc == 0 &&
			      memcmp(out.data + SEC_OFF + 3 * 40, name, strlen(name)) == 0 &&
			      (strlen(name) == 8 || out.data[SEC_OFF + 3 * 40 + strlen(name)] == 0));
		}
		sg_buf_free(&out);
	}

	/* Room for exactly 12 more section headers in SizeOfHeaders 0x400. */
	{
		static char names[13][8];
		struct sg_uki_section s[13];

		for (int i = 0; i < 13; i++) {
			snprintf(names[i], sizeof(names[i]), ".s%d", i);
			s[i] = (struct sg_uki_section){ names[i], one, 1 };
		}
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 12, &out) == 0);
		CHECK(sg_pe_parse(&pe, out.data, out.len, "uki") == 0 && pe.nsections == 15);
		CHECK(out.len == SYMTAB + 12 * 0x200);
		CHECK(pe.sections[14].virtual_address == 0x4000 + 11 * 0x1000);
		CHECK(pe.size_of_image == 0x4000 + 12 * 0x1000);
		sg_buf_free(&out);
		sg_errclear();
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 13, &out) == -1);
		CHECK_STR(sg_errmsg(),
			  "t.efi: stub's headers (SizeOfHeaders 0x400) have no room for 13 more section headers");
		/* a .sbat merged in place needs no header */
		s[12].name = ".sbat";
		s[12].data = (const uint8_t *)"a,1\n";
		s[12].len = 4;
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 13, &out) == 0);
		sg_buf_free(&out);
	}
}

/* Stubs refused: signed, a used byte after the section table, not a PE. */
static void test_stub_refusals(void)
{
	const struct sg_uki_section s[] = { { ".linux", kernel, 16 } };
	struct sg_buf out = SG_BUF_INIT;
	static uint8_t many[0x1200];

	make_stub(MAGIC_254);
	put32(stub, OPT_OFF + 112 + 32, SYMTAB);
	put32(stub, OPT_OFF + 112 + 36, 0x20);
	sg_errclear();
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 1, &out) == -1);
	CHECK_STR(sg_errmsg(),
		  "t.efi: stub is signed; build from the unsigned stub and sign the UKI");

	make_stub(MAGIC_254);
	stub[SEC_OFF + 3 * 40 + 39] = 1;
	sg_errclear();
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 1, &out) == -1);
	CHECK_STR(sg_errmsg(), "t.efi: stub's headers after the section table are not empty");
	/* the byte just after the one new header is not looked at */
	make_stub(MAGIC_254);
	stub[SEC_OFF + 4 * 40] = 1;
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 1, &out) == 0);
	sg_buf_free(&out);

	make_stub(MAGIC_254);
	stub[0] = 'X';
	sg_errclear();
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", s, 1, &out) == -1);
	CHECK_STR(sg_errmsg(), "t.efi: not a PE image: no MZ signature");
	CHECK(out.len == 0 && out.data == NULL);

	/* 94 sections in the stub: two more make the limit of 96, three do not. */
	{
		const struct sg_uki_section three[] = { { ".a", one, 1 },
							{ ".b", one, 1 },
							{ ".c", one, 1 } };
		struct sg_pe pe;

		memset(many, 0, sizeof(many));
		pe_headers(many, 94, sizeof(many), 0x1000 * 95);
		for (unsigned i = 0; i < 94; i++) {
			char name[8];

			snprintf(name, sizeof(name), ".e%u", i);
			section(many, i, name, 0x10, 0x1000 * (i + 1), 0, 0);
		}
		CHECK(sg_uki_build(many, sizeof(many), "m.efi", three, 2, &out) == 0);
		CHECK(sg_pe_parse(&pe, out.data, out.len, "uki") == 0 && pe.nsections == 96);
		CHECK(pe.sections[95].raw_ptr == 0x1400 && pe.sections[95].virtual_address == 0x60000);
		sg_buf_free(&out);
		sg_errclear();
		CHECK(sg_uki_build(many, sizeof(many), "m.efi", three, 3, &out) == -1);
		CHECK_STR(sg_errmsg(), "m.efi: too many sections");
		sg_buf_free(&out);
	}
}

static void sha256_of(const void *p, size_t n, uint8_t out[32])
{
	sg_sha256(p, n, out);
}

static void extend(uint8_t pcr[32], const void *p, size_t n)
{
	uint8_t buf[64];

	memcpy(buf, pcr, 32);
	sha256_of(p, n, buf + 32);
	sha256_of(buf, 64, pcr);
}

/* Which sections each stub version measures, in the order measured. */
static const struct {
	const char *magic;
	unsigned version;
	const char *measured[8];
} versions[] = {
	{ "#### LoaderInfo: systemd-stub 252.39-1 ####",
	  252,
	  { ".linux", ".osrel", ".cmdline", ".initrd" } },
	{ "#### LoaderInfo: systemd-stub 253 ####",
	  253,
	  { ".linux", ".osrel", ".cmdline", ".initrd", ".uname", ".sbat" } },
	{ MAGIC_254, 254, { ".linux", ".osrel", ".cmdline", ".initrd", ".uname", ".sbat" } },
	{ "#### LoaderInfo: systemd-stub 255.1 ####",
	  255,
	  { ".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".uname", ".sbat" } },
	/* unknown: everything counts */
	{ "#### LoaderInfo: systemd-boot 256 ####",
	  0,
	  { ".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".uname", ".sbat" } },
	{ "systemd-stub x",
	  0,
	  { ".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".uname", ".sbat" } },
};

static void test_inspect(void)
{
	/* given out of the measuring order, to see that order applied */
	const struct sg_uki_section secs[] = {
		{ ".uname", (const uint8_t *)"6.1.0", 5 },
		{ ".osrel", osrel, sizeof(osrel) - 1 },
		{ ".cmdline", cmdline, sizeof(cmdline) - 1 },
		{ ".ucode", (const uint8_t *)"UC", 2 },
		{ ".sbat", (const uint8_t *)"signet,1\n", 9 },
		{ ".initrd", (const uint8_t *)"070701", 6 },
		{ ".linux", kernel, sizeof(kernel) },
		{ ".pcrsig", (const uint8_t *)"{}", 2 },
	};
	struct sg_buf out = SG_BUF_INIT;
	static struct sg_uki_info info;
	static struct sg_pe pe;

	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		uint8_t pcr[32] = { 0 }, h[32], text[0x300];
		int ok = 1;

		make_stub(versions[v].magic);
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", secs, 8, &out) == 0);
		CHECK(sg_pe_parse(&pe, out.data, out.len, "uki") == 0 && pe.nsections == 10);
		CHECK(sg_uki_inspect(&pe, "uki", &info) == 0);
		CHECK(info.stub_version == versions[v].version);
		for (const char *const *m = versions[v].measured; *m; m++) {
			const struct sg_pe_section *s = sg_pe_find_section(&pe, *m);

			extend(pcr, *m, strlen(*m) + 1);
			extend(pcr, out.data + s->raw_ptr, s->virtual_size);
		}
		CHECK_MEM(info.pcr11, pcr, 32);
		for (unsigned i = 0; i < pe.nsections; i++) {
			const struct sg_pe_section *s = &pe.sections[i];
			int want = 0;

			for (const char *const *m = versions[v].measured; *m; m++)
				want |= !strcmp(*m, s->name);
			ok &= info.measured[i] == want;
			if (i == 0)
				continue;
			sha256_of(out.data + s->raw_ptr, s->virtual_size, h);
			ok &= memcmp(info.sha256[i], h, 32) == 0;
		}
		/* .text: its raw 0x200 bytes, then zeros to VirtualSize 0x300 */
		memset(text, 0, sizeof(text));
		memcpy(text, out.data + 0x400, 0x200);
		sha256_of(text, sizeof(text), h);
		ok &= memcmp(info.sha256[0], h, 32) == 0;
		if (!ok)
			fprintf(stderr, "inspect version case %zu\n", v);
		CHECK(ok);
		sg_buf_free(&out);
	}

	/* An empty section is skipped. */
	{
		uint8_t pcr[32] = { 0 };
		const struct sg_pe_section *s;

		make_stub(MAGIC_254);
		CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", secs + 1, 2, &out) == 0);
		CHECK(sg_pe_parse(&pe, out.data, out.len, "uki") == 0);
		pe.sections[3].virtual_size = 0; /* .osrel */
		s = &pe.sections[4];
		CHECK(sg_uki_inspect(&pe, "uki", &info) == 0);
		CHECK(info.measured[3] == 0 && info.measured[4] == 1 && info.measured[1] == 1);
		extend(pcr, ".cmdline", 9);
		extend(pcr, out.data + s->raw_ptr, s->virtual_size);
		s = &pe.sections[1];
		extend(pcr, ".sbat", 6);
		extend(pcr, out.data + s->raw_ptr, s->virtual_size);
		CHECK_MEM(info.pcr11, pcr, 32);
		sg_buf_free(&out);
	}
	/* No UKI section: PCR 11 stays zero. */
	{
		static const uint8_t zero[32];

		make_stub("no magic here");
		CHECK(sg_pe_parse(&pe, stub, STUB_LEN, "t.efi") == 0);
		pe.sections[1].virtual_size = 0;
		CHECK(sg_uki_inspect(&pe, "t.efi", &info) == 0);
		CHECK(info.stub_version == 0);
		CHECK_MEM(info.pcr11, zero, 32);
	}
}

static void test_assemble(void)
{
	const struct sg_uki_section order[] = {
		{ ".osrel", osrel, sizeof(osrel) - 1 },
		{ ".cmdline", cmdline, sizeof(cmdline) - 1 },
		{ ".uname", (const uint8_t *)"6.1.0", 5 },
		{ ".sbat", (const uint8_t *)"signet,1\n", 9 },
		{ ".initrd", (const uint8_t *)"070701", 6 },
		{ ".linux", kernel, sizeof(kernel) },
	};
	struct sg_uki_parts p = {
		.osrel = osrel,
		.osrel_len = sizeof(osrel) - 1,
		.cmdline = cmdline,
		.cmdline_len = sizeof(cmdline) - 1,
		.uname = "6.1.0",
		.sbat = (const uint8_t *)"signet,1\n",
		.sbat_len = 9,
		.initrd = (const uint8_t *)"070701",
		.initrd_len = 6,
		.kernel = kernel,
		.kernel_len = sizeof(kernel),
	};
	struct sg_buf got = SG_BUF_INIT, want = SG_BUF_INIT;
	const struct sg_uki_section minimal[] = { order[1], order[5] };

	make_stub(MAGIC_254);
	CHECK(sg_uki_assemble(stub, STUB_LEN, "t.efi", &p, NULL, NULL, 1, "uki", &got) == 0);
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", order, 6, &want) == 0);
	CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	sg_buf_free(&got);
	sg_buf_free(&want);

	/* Everything optional left out, an initrd of length 0 among it. */
	p.osrel = NULL;
	p.uname = NULL;
	p.sbat = NULL;
	p.initrd_len = 0;
	CHECK(sg_uki_assemble(stub, STUB_LEN, "t.efi", &p, NULL, NULL, 1, "uki", &got) == 0);
	CHECK(sg_uki_build(stub, STUB_LEN, "t.efi", minimal, 2, &want) == 0);
	CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	sg_buf_free(&got);
	sg_buf_free(&want);

	p.kernel = NULL;
	sg_errclear();
	CHECK(sg_uki_assemble(stub, STUB_LEN, "t.efi", &p, NULL, NULL, 1, "uki", &got) == -1);
	CHECK_STR(sg_errmsg(), "uki: a UKI needs a kernel and a command line");
	p.kernel = kernel;
	p.cmdline = NULL;
	sg_errclear();
	CHECK(sg_uki_assemble(stub, STUB_LEN, "t.efi", &p, NULL, NULL, 1, "uki", &got) == -1);
	CHECK_STR(sg_errmsg(), "uki: a UKI needs a kernel and a command line");
	CHECK(got.len == 0);
}

int main(void)
{
	test_build();
	test_sbat();
	test_refusals();
	test_stub_refusals();
	test_inspect();
	test_assemble();
	return check_done();
}
