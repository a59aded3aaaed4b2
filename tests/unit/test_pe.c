/* test_pe.c - the PE reader's rules on a hand-made PE32+ image, and the
 * Authenticode hash against the ranges computed independently here. */
#include <stdint.h>
#include <string.h>

#include "authenticode.h"
#include "check.h"
#include "crypto.h"
#include "err.h"
#include "pe.h"
#include "pe_sample.h"

#define IMG_LEN 0x600

static uint8_t img[IMG_LEN + 16];

static void put16(size_t off, uint16_t v)
{
	sg_put_le16(img + off, v);
}

static void put32(size_t off, uint32_t v)
{
	sg_put_le32(img + off, v);
}

/* pe_sample.h's image with a CheckSum set (the hash must skip it) and
 * 0x10 bytes of trailing data. */
static void make_image(void)
{
	memset(img, 0, sizeof(img));
	pe_sample(img, IMG_LEN);
	put32(OPT_OFF + 64, 0xdeadbeef); /* CheckSum */
}

static int parse_fails_with(size_t len, const char *rule)
{
	struct sg_pe pe;

	sg_errclear();
	if (sg_pe_parse(&pe, img, len, "t.efi") == 0)
		return 0;
	if (!strstr(sg_errmsg(), rule) || strncmp(sg_errmsg(), "t.efi: ", 7) != 0) {
		fprintf(stderr, "unexpected error: %s\n", sg_errmsg());
		return 0;
	}
	return 1;
}

static void test_parse(void)
{
	struct sg_pe pe;

	make_image();
	CHECK(sg_pe_parse(&pe, img, IMG_LEN, "t.efi") == 0);
	CHECK(pe.magic == SG_PE_MAGIC_PE32PLUS);
	CHECK(pe.nsections == 2);
	CHECK(pe.checksum == 0xdeadbeef);
	CHECK(pe.checksum_offset == OPT_OFF + 64);
	CHECK(pe.certdir_offset == OPT_OFF + 112 + 32);
	CHECK(pe.cert_size == 0);
	CHECK(pe.file_alignment == 0x200 && pe.section_alignment == 0x1000);
	CHECK_STR(pe.sections[1].name, ".data");
	CHECK(sg_pe_find_section(&pe, ".data") == &pe.sections[1]);
	CHECK(sg_pe_find_section(&pe, ".bss") == NULL);

	CHECK(parse_fails_with(10, "shorter than a DOS header"));
	img[0] = 'X';
	CHECK(parse_fails_with(IMG_LEN, "no MZ signature"));
	make_image();
	put32(0x3c, IMG_LEN - 8);
	CHECK(parse_fails_with(IMG_LEN, "e_lfanew"));
	make_image();
	img[PE_OFF + 1] = 'X';
	CHECK(parse_fails_with(IMG_LEN, "no PE signature"));
	make_image();
	put16(OPT_OFF, 0x107);
	CHECK(parse_fails_with(IMG_LEN, "neither PE32"));
	make_image();
	put32(OPT_OFF + 108, 17);
	CHECK(parse_fails_with(IMG_LEN, "NumberOfRvaAndSizes"));
	make_image();
	put16(PE_OFF + 20, 200);
	put32(OPT_OFF + 108, 16);
	CHECK(parse_fails_with(IMG_LEN, "do not fit in the optional header"));
	make_image();
	put32(OPT_OFF + 36, 0x300);
	CHECK(parse_fails_with(IMG_LEN, "FileAlignment"));
	make_image();
	put32(OPT_OFF + 60, 0x100);
	CHECK(parse_fails_with(IMG_LEN, "SizeOfHeaders"));
	make_image();
	CHECK(parse_fails_with(0x500, "section 2 (.data) raw data ends beyond"));
	make_image();
	put32(SEC_OFF + 60, 0x100);
	CHECK(parse_fails_with(IMG_LEN, "overlaps the headers"));
	make_image();
	put32(SEC_OFF + 56, 0xffffffff);
	CHECK(parse_fails_with(IMG_LEN, "raw data ends beyond"));
	make_image();
	put16(PE_OFF + 6, 0xffff);
	CHECK(parse_fails_with(IMG_LEN, "more than the limit"));
	make_image();
	put32(OPT_OFF + 112 + 32, 0x5f8);
	put32(OPT_OFF + 112 + 36, 0x10);
	CHECK(parse_fails_with(IMG_LEN, "certificate table"));
	make_image();
	put32(OPT_OFF + 112 + 32, 0x100);
	put32(OPT_OFF + 112 + 36, 0x10);
	CHECK(parse_fails_with(IMG_LEN, "overlaps the headers"));
}

/* The Authenticode ranges, written out for this image: headers without
 * CheckSum and the certificate entry, .text, .data, the 0x10 trailing
 * bytes, and zero padding to a multiple of 8 (none needed here, so one
 * more case below drops 3 bytes). */
static void expected_digest(size_t len, uint8_t out[32])
{
	struct sg_digest *d = sg_digest_new("SHA256");
	size_t cks = OPT_OFF + 64, cert = OPT_OFF + 112 + 32;
	static const uint8_t zeros[8];

	sg_digest_update(d, img, cks);
	sg_digest_update(d, img + cks + 4, cert - cks - 4);
	sg_digest_update(d, img + cert + 8, 0x200 - cert - 8);
	sg_digest_update(d, img + 0x200, 0x200);
	sg_digest_update(d, img + 0x400, 0x1f0);
	sg_digest_update(d, img + 0x5f0, len - 0x5f0);
	if (len % 8)
		sg_digest_update(d, zeros, 8 - len % 8);
	sg_digest_final(d, out);
	sg_digest_free(d);
}

static void test_digest(void)
{
	uint8_t got[32], want[32];
	size_t data_size = 0;
	struct sg_pe pe;

	make_image();
	CHECK(sg_pe_parse(&pe, img, IMG_LEN, "t.efi") == 0);
	CHECK(sg_authenticode_digest(&pe, "t.efi", got, &data_size) == 0);
	expected_digest(IMG_LEN, want);
	CHECK_MEM(got, want, 32);
	CHECK(data_size == IMG_LEN);

	/* CheckSum and the certificate entry are outside the hash. */
	put32(OPT_OFF + 64, 0x12345678);
	CHECK(sg_pe_parse(&pe, img, IMG_LEN, "t.efi") == 0);
	CHECK(sg_authenticode_digest(&pe, "t.efi", got, &data_size) == 0);
	CHECK_MEM(got, want, 32);
	img[0x300] ^= 1;
	CHECK(sg_authenticode_digest(&pe, "t.efi", got, &data_size) == 0);
	CHECK(memcmp(got, want, 32) != 0);

	/* An unaligned end is padded with zeros, which are hashed. */
	make_image();
	CHECK(sg_pe_parse(&pe, img, IMG_LEN - 3, "t.efi") == 0);
	CHECK(sg_authenticode_digest(&pe, "t.efi", got, &data_size) == 0);
	expected_digest(IMG_LEN - 3, want);
	CHECK_MEM(got, want, 32);
	CHECK(data_size == IMG_LEN);

	/* Fewer than five directories: no certificate entry to skip. */
	make_image();
	put32(OPT_OFF + 108, 4);
	CHECK(sg_pe_parse(&pe, img, IMG_LEN, "t.efi") == 0);
	CHECK(sg_authenticode_digest(&pe, "t.efi", got, &data_size) == -1);
}

static void test_checksum(void)
{
	/* Folding: 0xffff + 0x0002 carries into 0x0002; an odd byte alone. */
	static const uint8_t a[] = { 0xff, 0xff, 0x02, 0x00, 0x05 };

	CHECK(sg_pe_csum_fold(0, a, 4) == 0x0002);
	CHECK(sg_pe_csum_fold(0, a, 5) == 0x0007);
	make_image();
	/* The field itself does not count; the length does. */
	uint32_t c1 = sg_pe_checksum(img, IMG_LEN, OPT_OFF + 64);
	put32(OPT_OFF + 64, 0);
	CHECK(sg_pe_checksum(img, IMG_LEN, OPT_OFF + 64) == c1);
	img[0x300] ^= 1;
	CHECK(sg_pe_checksum(img, IMG_LEN, OPT_OFF + 64) != c1);
}

int main(void)
{
	test_parse();
	test_digest();
	test_checksum();
	return check_done();
}
