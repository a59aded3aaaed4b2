/* authenticode.h: sbsign's Authenticode on a hand-made PE32+ image
 * whose length is no multiple of 8 (so the signed image is padded),
 * signed with a fixed RSA key and certificate (embedded below: the same
 * bytes every run). The image hash is the one sbsign 0.9.x computes for
 * the same image (PEER_DIGEST, read from an sbsign-signed copy with
 * osslsigncode); a deterministic signature is reproducible byte for
 * byte; the signed layout (padding, WIN_CERTIFICATE, directory entry,
 * CheckSum) is checked field by field; then one row per way a signed
 * image can be wrong, each with its message, and the signing refusals. */
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode.h"
#include "buf.h"
#include "check.h"
#include "endian.h"
#include "err.h"
#include "pe.h"
#include "pe_sample.h"

#define IMG_LEN 0x5fc
#define CERTDIR (OPT_OFF + 112 + 4 * 8)

/* sbsign --key k1 --cert c1 on the image below: its SpcIndirectData hash. */
#define PEER_DIGEST "0F89B991348EC709079F4F4DA48FDBC828CC62389F6068CD67E12F87E5CBE953"

static const char key1_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			       "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDFRJkF3CO/9XCd\n"
			       "kLanWeEsHDigrZ1oso4mV7z53Jt8n1IA/1uQC+eZeMADUeQBzx4+531Ob5Q/93VR\n"
			       "YJc2PM3XUT98YHrpCdZE56SDIlzBF9HCFIg/MojBXgi9kwHR1GL3TiLUuKhFZzDB\n"
			       "dt6KmBb8IIj4D0Z3bz+hENBLYMEleWYj42yDxD0m7a82JCLhghKJWY1p7jQWBOgq\n"
			       "T6t0kPTj/AxZ8BQdc4XyYkvVERt0QPxOfWBsW3aNzBle9ir0MgQPdnO3APP8D1p3\n"
			       "iydGHE9acog15v7Lo8mi3GS1jJgzCBUZe/rO0qqwsL9X3LvW0O69jXWL1gLiQXAj\n"
			       "VMCJoH+pAgMBAAECggEAXu9F41OPotxoH3Qa6wvuuQ8102HqLI4tqdc0m1ynOYDk\n"
			       "8pTxyC9qfGnnolFhNNur1yMJo1tAUc5x18Fv1ArMFxDDSESYMhlpVEzUV8WMNOMV\n"
			       "L904uo1D0idCdpVOXWBkZlbknVHmrUvdY2Wk8LcD7L9tm0+inmzcBtP0IiqEmVbr\n"
			       "RQ3Qlnn4iK1avkx6UEOjxpEzTjoa6xtFs3wICpL8wAXL+DcnpAHQAwwDSi66VoXR\n"
			       "lIokxMONeVxxVnCRn+eENQ/ZPVzBzkr69bBA1OgvSBOPsZG+BAXLp8OR0bOJPBkW\n"
			       "AJp+H5cbGUAActpd5RfK1xaKLPODCw1OIVE7++eazwKBgQD4cNh1cQ+UPgz5/DMK\n"
			       "2T65oYJSOlkF8NEVpm/cqTPsgs67Ni2P711G05yKb06w3Rgmkr0V16LRIQH6b1SG\n"
			       "rlWQfdAg8BU5pkElqT7k7Tt7bmB9V+Cqx2svAGLtk05Vm11qnmQyHY/PI8xvKj7j\n"
			       "PYaDHz7tWy5zRRbuAIQYowzHCwKBgQDLRSgl4FL/kUtVwVYfcvaCXEv7/0OdAMCb\n"
			       "F2x4ybDs53T/HHQlSxKIcMGObCB+eX/atcy5SWxRYEpS/XaU3g7nk+fdNiU64nrG\n"
			       "j+C/c0Dv+MIhW57iA4hf44hsiPqSDxc3GVFiDgOcJJ5VIXBWUwrTZIlPz5BXyTij\n"
			       "Yq/zZ/l0mwKBgArnCNi+iWx7/J3Lz4GeXv5OdCWfoeB83PASSb5pPnoWk3PrwLwc\n"
			       "SP+esbPxhoaEbVbkAaA/wkljJW8UC6WNaPvaSZPodUX+YcWBU90/++hCw8E8ZgOY\n"
			       "lL+PSMgcOsfO9Z6ELOl2GqWAcKxAMlpOjOScLmrEIZm1Yng3VZSvMxRZAoGADciW\n"
			       "vFrFxga4MQx3JpLJHHXdwSzCDPdsGBgyhs5GbQoU6OepCI5ap13eAiZa3binbtE9\n"
			       "HKNZ8Pqyj4YYcGfOYu2on1t4ktGgua4v80uBb8RShaiM0Y6jxLzNF28Cbr0POfFB\n"
			       "j4Cbxg7FncgysefXqBX9KahNhWZjrNCYVc0LIVkCgYEA640GKZDNoXaNulO+HAv9\n"
			       "s6jiRjqRqbr8AH9/P6ib02sDFWP8M9d7w1+9VCztahWwAx3H+jEDDwdJisPxNDXG\n"
			       "q1szB0nlzmcqWLMDhH85gJbBOMILYF9l1tB9TqUBLXoUpEA710CDigj6yB3KNr9B\n"
			       "6n86yy9nHapTXRWHTPRgh5w=\n"
			       "-----END PRIVATE KEY-----\n";
static const char cert1_pem[] = /* CN=unit-signer, extendedKeyUsage codeSigning */
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDJDCCAgygAwIBAgIUGjNnBobmXe5vtdcSAEgHCSSflaEwDQYJKoZIhvcNAQEL\n"
	"BQAwFjEUMBIGA1UEAwwLdW5pdC1zaWduZXIwIBcNMjYxMjAzMTczMjE1WhgPMjEy\n"
	"NjExMDkxNzMyMTVaMBYxFDASBgNVBAMMC3VuaXQtc2lnbmVyMIIBIjANBgkqhkiG\n"
	"9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxUSZBdwjv/VwnZC2p1nhLBw4oK2daLKOJle8\n"
	"+dybfJ9SAP9bkAvnmXjAA1HkAc8ePud9Tm+UP/d1UWCXNjzN11E/fGB66QnWROek\n"
	"gyJcwRfRwhSIPzKIwV4IvZMB0dRi904i1LioRWcwwXbeipgW/CCI+A9Gd28/oRDQ\n"
	"S2DBJXlmI+Nsg8Q9Ju2vNiQi4YISiVmNae40FgToKk+rdJD04/wMWfAUHXOF8mJL\n"
	"1REbdED8Tn1gbFt2jcwZXvYq9DIED3ZztwDz/A9ad4snRhxPWnKINeb+y6PJotxk\n"
	"tYyYMwgVGXv6ztKqsLC/V9y71tDuvY11i9YC4kFwI1TAiaB/qQIDAQABo2gwZjAd\n"
	"BgNVHQ4EFgQUPO5aEUu4pySrvwww4mtf8VvjCywwHwYDVR0jBBgwFoAUPO5aEUu4\n"
	"pySrvwww4mtf8VvjCywwDwYDVR0TAQH/BAUwAwEB/zATBgNVHSUEDDAKBggrBgEF\n"
	"BQcDAzANBgkqhkiG9w0BAQsFAAOCAQEAoCiVEADbGZEWZAE6joymtuozb0V7Jv6T\n"
	"tlw+fpRHHdSfANhfclHV/eno/o52G8DUiYlFTIRZ57+02goZ13G0SS4giYCDj7XM\n"
	"JlnRbKiT6szACWw/zQsrEEcLjmND0vW/2M2ztN9SO9mpw/aQrAa3YhVnnhPOoyyP\n"
	"Lj+M8s2PqH8KxsrXKwQ3XjCls8ZUCj9OV7iE8qWEMozGz26MEMi96QfE59eWikQP\n"
	"xI5Pf24fMMQtV8X/wsEHHp5joS8CumPhBk/PkachdRlJkNdYkMV8aGCVSleOLYyQ\n"
	"t1341whVrFVMoWdn7+DN80oQyW3qIG+8s2XLZqLyJfV13m9eTcGllw==\n"
	"-----END CERTIFICATE-----\n";
static const char key2_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			       "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDFiRvfQJd2QXwU\n"
			       "42ERUGTzwvqfGzXvhcgM4Yp7YoOxcmdKuX9w53MiNkGhXLIQoCPaHNMaHU0A+0s3\n"
			       "+BeEkJMaMipn0MNF+t7QVh1z+EI+fgg9oANEOmZDQDTvKIOD1Q3WcjtXy0PG1mRR\n"
			       "jMIncI7HeY/6Nssq8/yFLsZxjOVT19ef5NsSyLR8X0SY1wTLUXUsvvLbRPNKopsk\n"
			       "HhpoJyDu0Ku9Qe/mJx6j/C0lyokpn/25nvAVHOPEvleum55lU2eYaXRePrgsySMG\n"
			       "LxFMuoHSgCDxJJzEO0BaIaOLZlaVfo4ppm2f0U8zI2zH+XQXjcWWzn0Jj900fI8A\n"
			       "ijWIoW7PAgMBAAECggEAC70KlXk6pvHcREeA0K0U2rF3ADZ3PY0XJsDOYGepyMUy\n"
			       "IywjyRtP6bQMsWCXSkqh5se4ucAM/+ZvAVvyVdPbkf5yK6opuIJgdEPxyx7xHNKT\n"
			       "fcoA97B6vDtYCfA/5HkoMdqm8SAonmvGGVyCeyKCsZLlPeq8pwhJtMZjT4Mea514\n"
			       "sALGUFmejL2EIW0p6gB+hpq3fz/caV2eC6pwfdwkT2cGoqKVfDeV1X3FPldJ9Ytg\n"
			       "OiTRiLHXXDT9hjEvV6RBz0aMxc86j9pG5En6m8TrsE+FnBkKEgMFLq60qhOVO6/h\n"
			       "9+3Az4tAdk7BCMiKm52M6rJJnxnTElJKJBsACGX7/QKBgQDv4Ets9aEE1T1jFYQJ\n"
			       "ze3B+Q3DqlELpiRw3LehDVw+5d5gAhZMXQrtLizjHmyTERVVjcfpKr/It9VgdKfN\n"
			       "Dr/TXMfBAcpxhpjMQ5leanoXiftz1kN2WfW7dTVk1+ys+SixIztPvjopb35sxxcZ\n"
			       "G+kmfNP4bxw2RJftInfHbYkrnQKBgQDS0DuCFreutX2nV6hYndn8bD10FRdKuKNo\n"
			       "vX3uPg7fkShTk2McM/KMKu6g9E1YBGezm40p2iK7AqHs3H+IUcV5YOlyITH1h0WO\n"
			       "Ca8tZSiOfMNCivIZKpo8tIzXrYKU/EQjTovvWuXc/jtgVXIW3139DTZ6pulvg5Ky\n"
			       "moV0fRpGWwKBgAciN3wFDgXTxaCVujiEbEaxfmxMO17KURkeJ0Pd3tlsAqH+TeV1\n"
			       "eua00dbrR7VT87t4nPJdOBjjBrB4p6jcgG3ru3EM+ZVIuHCSrhP1vK3Ih7bZL2Zs\n"
			       "pHcvtCfMmBhIzKH/9zqW4Knsy+i2PwSbJOLlIXSo8UDX52DA/qjqpAKtAoGBAIVO\n"
			       "i/LNLsXZmmWRdrDi0I9gWtPm6l2juCFpghJ/R6R0BA4la0zQRJYCJ/e7xJTd5D2d\n"
			       "JXzLpZ6gIYjIPhUTsE36zGQRPahHK+KPmSiZiTXhCxAvELx9Rh8RBOb1n1da1jOF\n"
			       "XdOzpRtD4IQgRA7WnHaCPmr81SxhBQjP0YhB+7V1AoGBAJ84N8Kzd8XdIww5iJ5Y\n"
			       "VT/80zaAfAW1PMdJvxNmypm5CVExTf4VAkmh3IP2yZuEjVHtpBWuZb3E4i2QvnbK\n"
			       "36Ny2SDGQjGewrh/IiAiCfdU/Smfepev+XWipVIfJOFawKlp2g91nXNxouYOU+bi\n"
			       "D1f/4HEHjed7KJbQzP513QN2\n"
			       "-----END PRIVATE KEY-----\n";
static const char cert2_pem[] = /* CN=unit-other */
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDDTCCAfWgAwIBAgIUUK8kVgb4bjQDZfQlFrFYKEjb1LQwDQYJKoZIhvcNAQEL\n"
	"BQAwFTETMBEGA1UEAwwKdW5pdC1vdGhlcjAgFw0yNjEyMDMxNzMyMTVaGA8yMTI2\n"
	"MTEwOTE3MzIxNVowFTETMBEGA1UEAwwKdW5pdC1vdGhlcjCCASIwDQYJKoZIhvcN\n"
	"AQEBBQADggEPADCCAQoCggEBAMWJG99Al3ZBfBTjYRFQZPPC+p8bNe+FyAzhinti\n"
	"g7FyZ0q5f3DncyI2QaFcshCgI9oc0xodTQD7Szf4F4SQkxoyKmfQw0X63tBWHXP4\n"
	"Qj5+CD2gA0Q6ZkNANO8og4PVDdZyO1fLQ8bWZFGMwidwjsd5j/o2yyrz/IUuxnGM\n"
	"5VPX15/k2xLItHxfRJjXBMtRdSy+8ttE80qimyQeGmgnIO7Qq71B7+YnHqP8LSXK\n"
	"iSmf/bme8BUc48S+V66bnmVTZ5hpdF4+uCzJIwYvEUy6gdKAIPEknMQ7QFoho4tm\n"
	"VpV+jimmbZ/RTzMjbMf5dBeNxZbOfQmP3TR8jwCKNYihbs8CAwEAAaNTMFEwHQYD\n"
	"VR0OBBYEFNWogMVXVmZqCHK6MAXNdcmwBv8SMB8GA1UdIwQYMBaAFNWogMVXVmZq\n"
	"CHK6MAXNdcmwBv8SMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB\n"
	"AHjoh9Qj1UqR1lpl+e24ajvM17bhgKzfFtEx3+Gt2QZ3nOFqYgJFV1XtnrRfZ5IR\n"
	"L8R2MPPKj8f86Jg9i5WqoqgznlnEtcSuZKt8KG67bNtVowy22k32VN4BUd1f13Ff\n"
	"4dsOj+lQoIiY7bj4NvYCUgWSQQ3mZITTFfnEHjlz7htcJ0tKNNjiJTDDemaSpG3q\n"
	"2dTR0Ja4Ujt/M9NGA9JByYxZKzXGPjuetUxz5CkbvicZYe8ceOXh5AWRNfi0Y0MZ\n"
	"8HYn9TvP4FXAt+Amgr2VSd18/8b4dVieAihHfGXFtxY4ETVo04Fl1rGfk85dkcMI\n"
	"QX2+pupep+0v7W2HhdNsqeg=\n"
	"-----END CERTIFICATE-----\n";

static uint8_t img[IMG_LEN];

/* pe_sample.h's image, with 0xc bytes of trailing data. */
static void make_image(void)
{
	pe_sample(img, sizeof(img));
}

static EVP_PKEY *read_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

static X509 *read_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

/* Ways a signed image can be wrong: each edits a copy at off (from the
 * start, from the certificate table, or back from the end), and
 * verification says msg (a prefix when it ends in a blank). */
enum edit { FLIP, PUT16, PUT32, CUT, GROW };
enum from { START, TABLE, END };
static const struct {
	const char *what;
	enum edit how;
	enum from from;
	size_t off;
	uint32_t v;
	const char *msg;
} broken[] = {
	{ "a .text byte", FLIP, START, 0x210, 0,
	  "t: Authenticode image hash does not match the image (modified after signing)" },
	{ "the trailing data", FLIP, START, 0x5f8, 0,
	  "t: Authenticode image hash does not match the image (modified after signing)" },
	{ "the padding", FLIP, START, 0x5fd, 0,
	  "t: Authenticode image hash does not match the image (modified after signing)" },
	{ "a section header", FLIP, START, SEC_OFF + 8, 0,
	  "t: Authenticode image hash does not match the image (modified after signing)" },
	{ "the DOS header", FLIP, START, 0x40, 0,
	  "t: Authenticode image hash does not match the image (modified after signing)" },
	{ "no table", PUT32, START, CERTDIR + 4, 0,
	  "t: PE image is not signed (no certificate table)" },
	{ "revision 1", PUT16, TABLE, 4, 0x0100,
	  "t: WIN_CERTIFICATE is not revision 2.0 PKCS_SIGNED_DATA" },
	{ "type X509", PUT16, TABLE, 6, 0x0001,
	  "t: WIN_CERTIFICATE is not revision 2.0 PKCS_SIGNED_DATA" },
	{ "length 8", PUT32, TABLE, 0, 8,
	  "t: WIN_CERTIFICATE length 8 does not fit the certificate table" },
	{ "length 0", PUT32, TABLE, 0, 0,
	  "t: WIN_CERTIFICATE length 0 does not fit the certificate table" },
	{ "length past the table", PUT32, TABLE, 0, 0x10000,
	  "t: WIN_CERTIFICATE length 65536 does not fit the certificate table" },
	{ "not DER", FLIP, TABLE, 8, 0, "t: Authenticode signature is not PKCS#7 DER: " },
	{ "the RSA signature", FLIP, END, 16, 0,
	  "t: Authenticode signature does not verify against the certificate: " },
	{ "table cut short", CUT, END, 8, 0, "t: PE certificate table (0x600, " },
	{ "data after the table", GROW, END, 8, 0,
	  "t: PE certificate table is not at the end of the file" },
};

static void check_sign_verify(EVP_PKEY *k1, X509 *c1, EVP_PKEY *k2, X509 *c2)
{
	struct sg_buf s = SG_BUF_INIT, s2 = SG_BUF_INIT, tmp = SG_BUF_INIT;
	uint8_t d[32], vd[32], peer[32];
	size_t dsize = 0, ct;
	struct sg_pe pe;

	CHECK(check_unhex(PEER_DIGEST, peer) == 32);
	CHECK(sg_pe_parse(&pe, img, IMG_LEN, "t") == 0);
	CHECK(sg_authenticode_digest(&pe, "t", d, &dsize) == 0);
	CHECK_MEM(d, peer, 32);
	CHECK(dsize == 0x600); /* padded to 8 */

	CHECK(sg_authenticode_sign(img, IMG_LEN, "t", k1, c1, 1, &s) == 0);
	CHECK(sg_authenticode_sign(img, IMG_LEN, "t", k1, c1, 1, &s2) == 0);
	CHECK(s.len == s2.len && memcmp(s.data, s2.data, s.len) == 0);
	sg_buf_free(&s2);
	if (s.len < 0x608)
		return;
	/* the layout: image, zero padding, WIN_CERTIFICATE, padded to 8 */
	ct = 0x600;
	CHECK(s.len % 8 == 0);
	CHECK(memcmp(s.data + CERTDIR + 8, img + CERTDIR + 8, IMG_LEN - CERTDIR - 8) == 0);
	CHECK(memcmp(s.data, img, OPT_OFF + 64) == 0);
	CHECK(s.data[0x5fc] == 0 && s.data[0x5fd] == 0 && s.data[0x5fe] == 0 && s.data[0x5ff] == 0);
	CHECK(sg_get_le32(s.data + CERTDIR) == ct);
	CHECK(sg_get_le32(s.data + CERTDIR + 4) == s.len - ct);
	CHECK(sg_get_le32(s.data + ct) <= s.len - ct && sg_get_le32(s.data + ct) > s.len - ct - 8);
	CHECK(sg_get_le16(s.data + ct + 4) == SG_WIN_CERT_REVISION);
	CHECK(sg_get_le16(s.data + ct + 6) == SG_WIN_CERT_TYPE_PKCS_SIGNED_DATA);
	for (size_t i = ct + sg_get_le32(s.data + ct); i < s.len; i++)
		CHECK(s.data[i] == 0);
	CHECK(sg_get_le32(s.data + OPT_OFF + 64) == sg_pe_checksum(s.data, s.len, OPT_OFF + 64));

	/* it verifies, and the digest is the unsigned image's */
	memset(vd, 0, sizeof(vd));
	sg_errclear();
	CHECK(sg_authenticode_verify(s.data, s.len, "t", c1, vd) == 0);
	CHECK_MEM(vd, peer, 32);
	/* the CheckSum is outside the hash */
	CHECK(sg_buf_append(&tmp, s.data, s.len) == 0);
	sg_put_le32(tmp.data + OPT_OFF + 64, 0x12345678);
	CHECK(sg_authenticode_verify(tmp.data, tmp.len, "t", c1, NULL) == 0);
	sg_buf_free(&tmp);

	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		size_t off = broken[i].off, len = s.len;
		if (broken[i].from == TABLE)
			off += ct;
		else if (broken[i].from == END)
			off = s.len - off;
		CHECK(sg_buf_append(&tmp, s.data, s.len) == 0);
		CHECK(sg_buf_append(&tmp, "\0\0\0\0\0\0\0\0", 8) == 0);
		switch (broken[i].how) {
		case FLIP: tmp.data[off] ^= 0x01; break;
		case PUT16: sg_put_le16(tmp.data + off, (uint16_t)broken[i].v); break;
		case PUT32: sg_put_le32(tmp.data + off, broken[i].v); break;
		case CUT: len -= broken[i].off; break;
		case GROW: len += broken[i].off; break;
		}
		sg_errclear();
		CHECK(sg_authenticode_verify(tmp.data, len, "t", c1, NULL) == -1);
		if (broken[i].msg[strlen(broken[i].msg) - 1] == ' ')
			CHECK(strncmp(sg_errmsg(), broken[i].msg, strlen(broken[i].msg)) == 0);
		else
			CHECK_STR(sg_errmsg(), broken[i].msg);
		if (strncmp(sg_errmsg(), broken[i].msg, strlen(broken[i].msg)) != 0)
			fprintf(stderr, "  %s: %s\n", broken[i].what, sg_errmsg());
		sg_buf_free(&tmp);
	}
	/* another certificate is no trust anchor for it */
	sg_errclear();
	CHECK(sg_authenticode_verify(s.data, s.len, "t", c2, NULL) == -1);
	CHECK(strncmp(sg_errmsg(),
		      "t: Authenticode signature does not verify against the certificate: error:",
		      strlen("t: Authenticode signature does not verify against the certificate: error:")) ==
	      0);

	/* signing refusals leave out empty */
	CHECK(sg_buf_append_str(&tmp, "left over") == 0);
	sg_errclear();
	CHECK(sg_authenticode_sign(s.data, s.len, "t", k1, c1, 1, &tmp) == -1);
	CHECK_STR(sg_errmsg(), "t: PE image is already signed (it has a certificate table)");
	sg_errclear();
	CHECK(sg_authenticode_sign(img, IMG_LEN, "t", k2, c1, 1, &tmp) == -1);
	CHECK_STR(sg_errmsg(), "t: the signing key does not match the certificate");
	/* an unsigned image does not verify */
	sg_errclear();
	CHECK(sg_authenticode_verify(img, IMG_LEN, "t", c1, vd) == -1);
	CHECK_STR(sg_errmsg(), "t: PE image is not signed (no certificate table)");
	/* a non-deterministic signature (with signingTime) verifies too */
	CHECK(sg_authenticode_sign(img, IMG_LEN, "t", k1, c1, 0, &s2) == 0);
	CHECK(s2.len > s.len && sg_authenticode_verify(s2.data, s2.len, "t", c1, NULL) == 0);
	/* its WIN_CERTIFICATE length is unpadded, the entry zero-padded */
	CHECK(s2.len % 8 == 0 && sg_get_le32(s2.data + CERTDIR + 4) == s2.len - ct);
	for (size_t i = ct + sg_get_le32(s2.data + ct); i < s2.len; i++)
		CHECK(s2.data[i] == 0);
	sg_buf_free(&s2);
	sg_buf_free(&tmp);
	sg_buf_free(&s);
}

int main(int argc, char **argv)
{
	EVP_PKEY *k1, *k2;
	X509 *c1, *c2;

	make_image();
	if (argc == 2) { /* writes the image, for sbsign */
		FILE *f = fopen(argv[1], "wb");
		return !f || fwrite(img, 1, IMG_LEN, f) != IMG_LEN || fclose(f) != 0;
	}
	k1 = read_key(key1_pem);
	k2 = read_key(key2_pem);
	c1 = read_cert(cert1_pem);
	c2 = read_cert(cert2_pem);
	CHECK(k1 && k2 && c1 && c2);
	if (k1 && k2 && c1 && c2)
		check_sign_verify(k1, c1, k2, c2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	X509_free(c1);
	X509_free(c2);
	return check_done();
}
