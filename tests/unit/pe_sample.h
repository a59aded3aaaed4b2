/* pe_sample.h - the hand-made PE32+ image the PE and Authenticode tests
 * (test_pe, test_authenticode, fuzz_authenticode) start from: headers in
 * 0x200 bytes, .text at 0x200 (0x200 bytes), .data at 0x400 (0x1f0 bytes
 * raw), then whatever of len is left as trailing data. Every byte from
 * 0x200 on is a pattern (i * 7 + 3), so each range the hash covers holds
 * something.
 */
#ifndef SIGNET_TEST_PE_SAMPLE_H
#define SIGNET_TEST_PE_SAMPLE_H

#include <stdint.h>
#include <string.h>

#include "endian.h"

#define PE_OFF 0x80
#define OPT_OFF (PE_OFF + 24)
#define OPT_SIZE (112 + 16 * 8)
#define SEC_OFF (OPT_OFF + OPT_SIZE)

/* Writes the image into img[0..len) (len at least 0x5f0). */
static inline void pe_sample(uint8_t *img, size_t len)
{
	memset(img, 0, len);
	img[0] = 'M';
	img[1] = 'Z';
	sg_put_le32(img + 0x3c, PE_OFF);
	memcpy(img + PE_OFF, "PE\0\0", 4);
	sg_put_le16(img + PE_OFF + 4, 0x8664);
	sg_put_le16(img + PE_OFF + 6, 2);
	sg_put_le16(img + PE_OFF + 20, OPT_SIZE);
	sg_put_le16(img + OPT_OFF, 0x20b);
	sg_put_le32(img + OPT_OFF + 32, 0x1000); /* SectionAlignment */
	sg_put_le32(img + OPT_OFF + 36, 0x200);	 /* FileAlignment */
	sg_put_le32(img + OPT_OFF + 56, 0x3000); /* SizeOfImage */
	sg_put_le32(img + OPT_OFF + 60, 0x200);	 /* SizeOfHeaders */
	sg_put_le32(img + OPT_OFF + 108, 16);
	memcpy(img + SEC_OFF, ".text", 5);
	sg_put_le32(img + SEC_OFF + 8, 0x200);
	sg_put_le32(img + SEC_OFF + 12, 0x1000);
	sg_put_le32(img + SEC_OFF + 16, 0x200);
	sg_put_le32(img + SEC_OFF + 20, 0x200);
	memcpy(img + SEC_OFF + 40, ".data", 5);
	sg_put_le32(img + SEC_OFF + 48, 0x1f0);
	sg_put_le32(img + SEC_OFF + 52, 0x2000);
	sg_put_le32(img + SEC_OFF + 56, 0x1f0);
	sg_put_le32(img + SEC_OFF + 60, 0x400);
	for (size_t i = 0x200; i < len; i++)
		img[i] = (uint8_t)(i * 7 + 3);
}

#endif
