/* fuzz_authenticode - the certificate table of a signed PE and the
 * Authenticode signature in it (authenticode.c over pe.c), against a
 * trusted certificate that really signed the image.
 *
 * The first byte chooses the mode, the rest is the input:
 *   0 mod 3  a PE image, verified; an unsigned one is also signed here
 *            (deterministic RSA PKCS#1 v1.5) and what is signed must
 *            verify, with the image hash the unsigned image has;
 *   1 mod 3  the certificate table of an image signed here at start-up:
 *            the input replaces it (the directory entry gives its
 *            length), so the WIN_CERTIFICATE and PKCS#7 readers meet a
 *            signature over an image hash that matches;
 *   2 mod 3  the PKCS#7 SignedData alone, wrapped here in a well-formed
 *            WIN_CERTIFICATE in that image.
 * Keys and the certificate come from a fixed random stream at start-up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "authenticode.h"
#include "buf.h"
#include "endian.h"
#include "err.h"
#include "fixedrand.h"
#include "pe.h"
#include "../tests/unit/pe_sample.h"
#include "sbkeys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IMG_LEN 0x600
#define WIN_CERT_HEADER 8

static EVP_PKEY *key;
static X509 *cert;
static struct sg_buf base = SG_BUF_INIT; /* the signed image */
static size_t cert_offset, certdir_offset;

/* tests/unit/pe_sample.h's image. */
static void make_image(uint8_t *img)
{
	pe_sample(img, IMG_LEN);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static uint8_t img[IMG_LEN];
	struct sg_pe pe;

	(void)argc;
	(void)argv;
	sg_fuzz_fixed_rand();
	make_image(img);
	/* valid from 2023 for a century, whenever this runs */
	if (!(key = sg_sb_rsa_keygen(2048)) ||
	    !(cert = sg_sb_self_signed(key, "fuzz", 1700000000, 36500)) ||
	    sg_authenticode_sign(img, sizeof(img), "fuzz", key, cert, 1, &base) < 0 ||
	    sg_pe_parse(&pe, base.data, base.len, "fuzz") < 0 || !pe.cert_size)
		abort();
	cert_offset = pe.cert_offset;
	certdir_offset = pe.certdir_offset;
	return 0;
}

/* The signed image with table as its certificate table. */
static void with_table(const uint8_t *table, size_t len)
{
	struct sg_buf img = SG_BUF_INIT;

	if (sg_buf_append(&img, base.data, cert_offset) < 0 || sg_buf_append(&img, table, len) < 0)
		abort();
	sg_put_le32(img.data + certdir_offset + 4, (uint32_t)len);
	(void)sg_authenticode_verify(img.data, img.len, "fuzz", cert, NULL);
	sg_buf_free(&img);
}

static void image(const uint8_t *data, size_t size)
{
	struct sg_buf signed_img = SG_BUF_INIT;
	uint8_t digest[32], again[32];
	size_t data_size;
	struct sg_pe pe;

	if (sg_authenticode_verify(data, size, "fuzz", cert, NULL) == 0 ||
	    sg_pe_parse(&pe, data, size, "fuzz") < 0 || pe.cert_size ||
	    sg_authenticode_digest(&pe, "fuzz", digest, &data_size) < 0 || data_size > (1u << 20))
		return;
	if (sg_authenticode_sign(data, size, "fuzz", key, cert, 1, &signed_img) == 0) {
		if (sg_authenticode_verify(signed_img.data, signed_img.len, "fuzz", cert, again) < 0 ||
		    memcmp(digest, again, 32) != 0)
			abort();
	}
	sg_buf_free(&signed_img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	sg_fuzz_fixed_rand();
	switch (data[0] % 3) {
	case 0: image(data + 1, size - 1); break;
	case 1: with_table(data + 1, size - 1); break;
	default: {
		struct sg_buf t = SG_BUF_INIT;
		uint8_t hdr[WIN_CERT_HEADER];
		size_t len = WIN_CERT_HEADER + size - 1;

		sg_put_le32(hdr, (uint32_t)len);
		sg_put_le16(hdr + 4, SG_WIN_CERT_REVISION);
		sg_put_le16(hdr + 6, SG_WIN_CERT_TYPE_PKCS_SIGNED_DATA);
		if (sg_buf_append(&t, hdr, sizeof(hdr)) < 0 ||
		    sg_buf_append(&t, data + 1, size - 1) < 0)
			abort();
		while (t.len % 8)
			if (sg_buf_append_byte(&t, 0) < 0)
				abort();
		with_table(t.data, t.len);
		sg_buf_free(&t);
	}
	}
	ERR_clear_error();
	sg_errclear();
	return 0;
}
