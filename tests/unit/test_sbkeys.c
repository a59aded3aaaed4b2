/* test_sbkeys.c - GUIDs in EFI byte order, EFI_TIME, RFC 3339 times and
 * the EFI_SIGNATURE_LIST layout (UEFI 2.10, sections 8.2 and 32.4). */
#include <stdint.h>
#include <string.h>

#include <openssl/x509.h>

#include "check.h"
#include "err.h"
#include "sbkeys.h"

static void test_guid(void)
{
	/* EFI_GLOBAL_VARIABLE as the UEFI specification lays it out. */
	static const uint8_t global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					    0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
	uint8_t g[16], r[16];
	char s[SG_GUID_STR_LEN + 1];

	CHECK(sg_guid_parse("8be4df61-93ca-11d2-aa0d-00e098032b8c", g) == 0);
	CHECK_MEM(g, global, 16);
	sg_guid_format(g, s);
	CHECK_STR(s, "8be4df61-93ca-11d2-aa0d-00e098032b8c");
	CHECK(sg_guid_parse("8BE4DF61-93CA-11D2-AA0D-00E098032B8C", g) == 0);
	CHECK_MEM(g, global, 16);
	CHECK(sg_guid_parse("8be4df61-93ca-11d2-aa0d-00e098032b8", g) == -1);
	CHECK(sg_guid_parse("8be4df61x93ca-11d2-aa0d-00e098032b8c", g) == -1);
	CHECK(sg_guid_parse("8be4df61-93ca-11d2-aa0d-00e098032bxc", g) == -1);
	CHECK(sg_guid_random(r) == 0);
	sg_guid_format(r, s);
	CHECK(s[14] == '4');
	CHECK(strchr("89ab", s[19]) != NULL);
}

static void test_time(void)
{
	static const uint8_t want[16] = { 0xe9, 0x07, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t t[16];
	time_t when;

	CHECK(sg_parse_rfc3339("2025-01-02T03:04:05Z", &when) == 0);
	CHECK(when == 1735787045);
	sg_sb_efi_time(when, t);
	CHECK_MEM(t, want, 16);
	CHECK(sg_parse_rfc3339("2025-01-02 03:04:05", &when) == -1);
	CHECK(sg_parse_rfc3339("2025-01-02T03:04:05+01:00", &when) == -1);
	CHECK(sg_parse_rfc3339("2025-02-30T00:00:00Z", &when) == -1);
	CHECK(sg_parse_rfc3339("2025-13-01T00:00:00Z", &when) == -1);
	CHECK(sg_parse_rfc3339("2025-01-02T24:00:00Z", &when) == -1);
	CHECK(sg_parse_rfc3339("2025-01-02T03:04:05Zjunk", &when) == -1);
}

static void test_esl_and_auth(void)
{
	EVP_PKEY *key = sg_sb_rsa_keygen(2048), *other = sg_sb_rsa_keygen(2048);
	X509 *cert = key ? sg_sb_self_signed(key, "unit", 0, 1) : NULL;
	struct sg_buf esl = SG_BUF_INIT, a1 = SG_BUF_INIT, a2 = SG_BUF_INIT;
	uint8_t owner[16], t[16];
	int derlen;

	CHECK(key && other && cert);
	if (!key || !other || !cert)
		return;
	derlen = i2d_X509(cert, NULL);
	memset(owner, 0x5a, sizeof(owner));
	CHECK(sg_sb_esl(cert, owner, &esl) == 0);
	CHECK(esl.len == 28 + 16 + (size_t)derlen);
	CHECK(esl.data[0] == 0xa1 && esl.data[3] == 0xa5); /* EFI_CERT_X509_GUID */
	CHECK(esl.data[16] == (uint8_t)esl.len && esl.data[17] == (uint8_t)(esl.len >> 8));
	CHECK(esl.data[20] == 0); /* SignatureHeaderSize */
	CHECK(esl.data[24] == (uint8_t)(16 + derlen));
	CHECK_MEM(esl.data + 28, owner, 16);

	sg_sb_efi_time(1735787045, t);
	CHECK(sg_sb_auth("db", esl.data, esl.len, t, key, cert, &a1) == 0);
	CHECK(sg_sb_auth("db", esl.data, esl.len, t, key, cert, &a2) == 0);
	CHECK(a1.len == a2.len && memcmp(a1.data, a2.data, a1.len) == 0);
	CHECK_MEM(a1.data, t, 16);
	CHECK(a1.data[20] == 0x00 && a1.data[21] == 0x02); /* revision 2.0 */
	CHECK(a1.data[22] == 0xf1 && a1.data[23] == 0x0e); /* WIN_CERT_TYPE_EFI_GUID */
	CHECK(a1.len > esl.len && memcmp(a1.data + a1.len - esl.len, esl.data, esl.len) == 0);
	CHECK(sg_sb_auth("KEK", esl.data, esl.len, t, key, cert, &a2) == 0);
	CHECK(a1.len != a2.len || memcmp(a1.data, a2.data, a1.len) != 0);
	CHECK(sg_sb_auth("MokList", esl.data, esl.len, t, key, cert, &a2) == -1);
	CHECK(sg_sb_auth("db", esl.data, esl.len, t, other, cert, &a2) == -1);

	sg_buf_free(&esl);
	sg_buf_free(&a1);
	sg_buf_free(&a2);
	X509_free(cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

int main(void)
{
	test_guid();
	test_time();
	test_esl_and_auth();
	return check_done();
}
