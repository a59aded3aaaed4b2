/* OVMF variable store: a store laid out by hand as EDK2 formats it, the
 * enrollment written into it and read back, every refusal, and Debian's
 * own templates when the ovmf package is installed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "fileio.h"
#include "ovmfvars.h"

#define FV_LEN 0x4000
#define HDR_LEN 0x48

static const uint8_t x509_guid[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
				       0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };
static const uint8_t owner[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_checksum(uint8_t *img)
{
	uint16_t sum = 0;

	le16(img + 50, 0);
	for (int i = 0; i < HDR_LEN; i += 2)
		sum = (uint16_t)(sum + (img[i] | img[i + 1] << 8));
	le16(img + 50, (uint16_t)(0x10000 - sum));
}

/* An empty store as OVMF's build lays it out: FV header with a block
 * map of FV_LEN/4096 blocks, then the authenticated store header. */
static void make_store(uint8_t *img, uint32_t store_size)
{
	static const uint8_t nv[16] = { 0x8d, 0x2b, 0xf1, 0xff, 0x96, 0x76, 0x8b, 0x4c,
					0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50 };
	static const uint8_t auth[16] = { 0x78, 0x2c, 0xf3, 0xaa, 0x7b, 0x94, 0x9a, 0x43,
					  0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92 };

	memset(img, 0xff, FV_LEN);
	memset(img, 0, HDR_LEN);
	memcpy(img + 16, nv, 16);
	le32(img + 32, FV_LEN);
	memcpy(img + 40, "_FVH", 4);
	le32(img + 44, 0x0004feff);
	le16(img + 48, HDR_LEN);
	img[55] = 2;
	le32(img + 56, FV_LEN / 4096);
	le32(img + 60, 4096);
	fix_checksum(img);
	memcpy(img + HDR_LEN, auth, 16);
	le32(img + HDR_LEN + 16, store_size);
	img[HDR_LEN + 20] = 0x5a;
	img[HDR_LEN + 21] = 0xfe;
	memset(img + HDR_LEN + 22, 0, 6);
}

/* A one-certificate EFI_SIGNATURE_LIST with a fresh self-signed cert. */
static void make_esl(struct sg_buf *esl, const char *cn)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *der = NULL;
	int dlen;
	uint8_t h[28];

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	dlen = i2d_X509(x, &der);
	CHECK(dlen > 0);
	memcpy(h, x509_guid, 16);
	le32(h + 16, (uint32_t)(28 + 16 + dlen));
	le32(h + 20, 0);
	le32(h + 24, (uint32_t)(16 + dlen));
	sg_buf_append(esl, h, 28);
	sg_buf_append(esl, owner, 16);
	sg_buf_append(esl, der, (size_t)dlen);
	OPENSSL_free(der);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(k);
}

static int parses(const uint8_t *img, size_t len)
{
	struct sg_ovmf_store s;
	int rc = sg_ovmf_parse(&s, img, len, "t");

	if (rc == 0)
		sg_ovmf_free(&s);
	return rc == 0;
}

static void test_enroll(const uint8_t *img, const struct sg_buf *pk, const struct sg_buf *kek,
			const struct sg_buf *db)
{
	struct sg_ovmf_store s, r;
	struct sg_ovmf_var v;
	struct sg_efi_time t;
	size_t cur = 0, n = 0;

	CHECK(sg_efi_time_from_unix(1700000000, &t) == 0);
	CHECK(t.year == 2023 && t.month == 11 && t.day == 14 && t.hour == 22 && t.minute == 13 &&
	      t.second == 20);
	CHECK(sg_ovmf_parse(&s, img, FV_LEN, "t") == 0);
	CHECK(s.vars == 0x64 && s.free == 0x64 && s.end == FV_LEN);
	CHECK(sg_ovmf_find(&s, "PK", sg_efi_global_variable_guid, &v) == 0);
	CHECK(sg_ovmf_enroll(&s, pk->data, pk->len, kek->data, kek->len, db->data, db->len, &t) == 0);
	/* Read back through a fresh parse of the bytes. */
	CHECK(sg_ovmf_parse(&r, s.img, s.len, "enrolled") == 0);
	CHECK(sg_ovmf_find(&r, "PK", sg_efi_global_variable_guid, &v) == 1);
	CHECK(v.attributes == 0x27 && v.data_size == pk->len && v.state == 0x3f);
	CHECK_MEM(v.data, pk->data, pk->len);
	CHECK(v.time.year == 2023 && v.time.second == 20 && v.monotonic_count == 0);
	CHECK(sg_ovmf_find(&r, "KEK", sg_efi_global_variable_guid, &v) == 1);
	CHECK(v.data_size == kek->len);
	CHECK(sg_ovmf_find(&r, "db", sg_efi_image_security_db_guid, &v) == 1);
	CHECK(v.data_size == db->len && v.attributes == 0x27);
	CHECK(sg_ovmf_find(&r, "db", sg_efi_global_variable_guid, &v) == 0);
	CHECK(sg_ovmf_find(&r, "SecureBootEnable", sg_efi_secure_boot_enable_guid, &v) == 1);
	CHECK(v.attributes == 3 && v.data_size == 1 && v.data[0] == 1);
	CHECK(sg_ovmf_find(&r, "CustomMode", sg_efi_custom_mode_guid, &v) == 1);
	CHECK(v.data_size == 1 && v.data[0] == 0);
	/* Layout: header, UTF-16LE name, data, 0xFF to 4 bytes. */
	CHECK(r.img[0x64] == 0xaa && r.img[0x65] == 0x55);
	CHECK(memcmp(r.img + 0x64 + 60, "K\0E\0K\0\0\0", 8) == 0);
	while (sg_ovmf_next(&r, &cur, &v)) {
		CHECK(v.offset % 4 == 0);
		n++;
	}
	CHECK(n == 5);
	sg_ovmf_free(&r);

	/* Enrolling again supersedes: five deleted, five live. */
	CHECK(sg_ovmf_enroll(&s, pk->data, pk->len, kek->data, kek->len, db->data, db->len, &t) == 0);
	cur = n = 0;
	size_t deleted = 0;
	while (sg_ovmf_next(&s, &cur, &v)) {
		n++;
		deleted += v.state == 0x3d;
	}
	CHECK(n == 10 && deleted == 5);
	CHECK(sg_ovmf_find(&s, "PK", sg_efi_global_variable_guid, &v) == 1);
	CHECK(v.offset > 0x64 + 5 * 60);
	sg_ovmf_free(&s);

	/* PK must be one certificate; ESLs must be well formed. */
	struct sg_buf two = SG_BUF_INIT;
	sg_buf_append(&two, pk->data, pk->len);
	sg_buf_append(&two, kek->data, kek->len);
	CHECK(sg_esl_check(two.data, two.len, 0, "two") == 0);
	CHECK(sg_esl_check(two.data, two.len, 1, "two") < 0);
	CHECK(sg_esl_check(two.data, two.len - 1, 0, "cut") < 0);
	CHECK(sg_esl_check(pk->data, 0, 0, "empty") < 0);
	two.data[0] ^= 1; /* unknown signature type */
	CHECK(sg_esl_check(two.data, two.len, 0, "type") < 0);
	two.data[0] ^= 1;
	two.data[28 + 16 + 5] ^= 0xff; /* the certificate's DER broken */
	CHECK(sg_esl_check(two.data, two.len, 0, "der") < 0);
	sg_buf_free(&two);
	CHECK(sg_ovmf_parse(&s, img, FV_LEN, "t") == 0);
	CHECK(sg_ovmf_enroll(&s, kek->data, 3, kek->data, kek->len, db->data, db->len, &t) < 0);
	CHECK(s.free == s.vars); /* nothing written on refusal */
	sg_ovmf_free(&s);
}

static void test_refusals(uint8_t *img, const struct sg_buf *esl)
{
	uint8_t *bad = malloc(FV_LEN);
	struct sg_ovmf_store s;
	struct sg_efi_time t = { 2024, 1, 1, 0, 0, 0 };

	CHECK(parses(img, FV_LEN));
	CHECK(!parses(img, 60));
	memcpy(bad, img, FV_LEN);
	bad[40] = 'X'; /* signature */
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	bad[52] ^= 1; /* checksum */
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	bad[16] ^= 1; /* not the NV data FV */
	fix_checksum(bad);
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	le32(bad + 32, FV_LEN * 2); /* FV longer than the file */
	fix_checksum(bad);
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	le32(bad + 64, 1); /* block map not terminated within the header */
	le32(bad + 68, 1);
	fix_checksum(bad);
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	bad[HDR_LEN] = 0x16; /* the non-authenticated variable GUID */
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	bad[HDR_LEN + 21] = 0xff; /* not healthy */
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	le32(bad + HDR_LEN + 16, FV_LEN); /* store beyond the FV */
	CHECK(!parses(bad, FV_LEN));
	memcpy(bad, img, FV_LEN);
	bad[0x200] = 0; /* free space not erased */
	CHECK(!parses(bad, FV_LEN));

	/* A variable whose sizes overrun the store. */
	CHECK(sg_ovmf_parse(&s, img, FV_LEN, "t") == 0);
	CHECK(sg_ovmf_set(&s, "X", sg_efi_global_variable_guid, 7, &t, "ab", 2) == 0);
	memcpy(bad, s.img, FV_LEN);
	sg_ovmf_free(&s);
	CHECK(parses(bad, FV_LEN));
	le32(bad + 0x64 + 40, 0x7ffffff0u);
	CHECK(!parses(bad, FV_LEN));
	le32(bad + 0x64 + 40, 2);
	le32(bad + 0x64 + 36, 3); /* odd name size */
	CHECK(!parses(bad, FV_LEN));

	/* A store too small for the keys. */
	make_store(bad, 0x200);
	CHECK(sg_ovmf_parse(&s, bad, FV_LEN, "small") == 0);
	CHECK(sg_ovmf_enroll(&s, esl->data, esl->len, esl->data, esl->len, esl->data, esl->len, &t) <
	      0);
	CHECK(strstr(sg_errmsg(), "too full") != NULL);
	sg_ovmf_free(&s);
	free(bad);
}

static void test_auth(const struct sg_buf *esl)
{
	static const uint8_t pkcs7[16] = { 0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
					   0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7 };
	struct sg_buf a = SG_BUF_INIT;
	uint8_t hdr[16 + 24 + 5] = { 0xe8, 0x07, 3, 4, 5, 6, 7 };
	struct sg_efi_time t;
	size_t off = 0;

	le32(hdr + 16, 24 + 5);
	le16(hdr + 20, 0x0200);
	le16(hdr + 22, 0x0ef1);
	memcpy(hdr + 24, pkcs7, 16);
	sg_buf_append(&a, hdr, sizeof(hdr));
	sg_buf_append(&a, esl->data, esl->len);
	CHECK(sg_auth_payload(a.data, a.len, "a", &off, &t) == 0);
	CHECK(off == sizeof(hdr) && t.year == 2024 && t.month == 3 && t.second == 7);
	CHECK(sg_esl_check(a.data + off, a.len - off, 1, "a") == 0);
	le32(a.data + 16, 0x10000);
	CHECK(sg_auth_payload(a.data, a.len, "a", &off, &t) < 0);
	le32(a.data + 16, 24 + 5);
	a.data[22] = 0;
	CHECK(sg_auth_payload(a.data, a.len, "a", &off, &t) < 0);
	CHECK(sg_auth_payload(a.data, 20, "a", &off, &t) < 0);
	sg_buf_free(&a);
}

/* Debian's templates: the blank one is empty, the Microsoft one holds PK. */
static void test_debian(void)
{
	struct sg_buf b = SG_BUF_INIT;
	struct sg_ovmf_store s;
	struct sg_ovmf_var v;

	if (sg_read_file("/usr/share/OVMF/OVMF_VARS_4M.fd", &b, 1 << 24) < 0) {
		printf("ovmf not installed: Debian templates skipped\n");
		return;
	}
	CHECK(sg_ovmf_parse(&s, b.data, b.len, "OVMF_VARS_4M.fd") == 0);
	CHECK(s.free == s.vars && s.end == 0x40000);
	sg_ovmf_free(&s);
	sg_buf_free(&b);
	if (sg_read_file("/usr/share/OVMF/OVMF_VARS_4M.ms.fd", &b, 1 << 24) == 0) {
		CHECK(sg_ovmf_parse(&s, b.data, b.len, "OVMF_VARS_4M.ms.fd") == 0);
		CHECK(sg_ovmf_find(&s, "PK", sg_efi_global_variable_guid, &v) == 1);
		CHECK(v.attributes == 0x27 && sg_esl_check(v.data, v.data_size, 1, "PK") == 0);
		CHECK(sg_ovmf_find(&s, "db", sg_efi_image_security_db_guid, &v) == 1);
		CHECK(sg_esl_check(v.data, v.data_size, 0, "db") == 0);
		sg_ovmf_free(&s);
		sg_buf_free(&b);
	}
}

int main(void)
{
	uint8_t *img = malloc(FV_LEN);
	struct sg_buf pk = SG_BUF_INIT, kek = SG_BUF_INIT, db = SG_BUF_INIT;

	make_store(img, FV_LEN - HDR_LEN);
	make_esl(&pk, "PK");
	make_esl(&kek, "KEK");
	make_esl(&db, "db");
	CHECK(sg_esl_check(pk.data, pk.len, 1, "PK") == 0);
	test_enroll(img, &pk, &kek, &db);
	test_refusals(img, &pk);
	test_auth(&pk);
	test_debian();
	sg_buf_free(&pk);
	sg_buf_free(&kek);
	sg_buf_free(&db);
	free(img);
	return check_done();
}
