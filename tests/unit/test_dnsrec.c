/* dnsrec.h: SSHFP records byte for byte as `ssh-keygen -r HOST` prints
 * them (the expected lines below are its output for the keys given),
 * SSHFP algorithms 1 2 3 4 6 with SHA-1 then SHA-256, the key blob's
 * structure checked field by field, every refusal with its line number;
 * TLSA "3 1 1" of the certificate's SPKI (expected digest from
 * `openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum`)
 * from PEM and DER, the port range, and what is not a certificate. */
#include <stdlib.h>

#include "base64.h"
#include "buf.h"
#include "check.h"
#include "dnsrec.h"
#include "err.h"

#define ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINNz+fz033iEtlZWI0TBjvMkblJc8Nu6H4PoxOWoLSYW"
#define ED_OUT(h)                                                      \
	h " IN SSHFP 4 1 9bc2a701298cb05455c224d47634009a1636ac04\n" h \
	  " IN SSHFP 4 2 31eef2e5b59afdfa70c6888d8a71ed31ebefbe9d3c89af2fa713e00d86738960\n"
#define EC                                                                                        \
	"ecdsa-sha2-nistp256 "                                                                    \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI+2vtuOiil1wAAGyOOnKWPlwlbIEmKJo4S" \
	"uqIjpLTQiXsJlQ98IW0oJwDSyRFrZzQhHg9CZ4H5YSyZSnUn/LRU="
#define EC_OUT                                                      \
	"h IN SSHFP 3 1 a6be3d707a17c78a75f4df23a3c871987ff1bd4a\n" \
	"h IN SSHFP 3 2 583dd842d2eb1b31dc74ae5ef9fa372d456396a460125dbcbc61cb1de22a593b\n"
#define RSA                                                                                       \
	"ssh-rsa "                                                                                \
	"AAAAB3NzaC1yc2EAAAADAQABAAAAgQCnhVUpOzKFeRMJYVH+bQ8LHVbY1AJxMPbOzSU1/z4dx5DZbPKXFXR8ZVN" \
	"sPUspG44V2CAIvDz0qXHI6MDHU4DUYv4z15ctmLplW7WjkDT6MGFa/xyLWz0V+PXnnnGBxlf+XqUeX3XJau4Mn"  \
	"0flSmkQ2TYNeVfm/3J2gnUucq7kCw=="
#define RSA_OUT                                                     \
	"h IN SSHFP 1 1 ae78cdf20e92b0810ef3557356419aa55009104a\n" \
	"h IN SSHFP 1 2 edcc2c77209156ada15c130a01452cbef31376957541170306efd2f72eae34eb\n"
/* Synthetic blobs (digests from Python's hashlib): Ed448 of bytes 0..56,
 * DSA with the four one-byte fields 1 2 3 4. */
#define ED448                                                                                    \
	"ssh-ed448 AAAACXNzaC1lZDQ0OAAAADkAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYn" \
	"KCkqKywtLi8wMTIzNDU2Nzg="
#define ED448_OUT                                                   \
	"h IN SSHFP 6 1 4220d1cf76bcb30beb99d5042e86f965559f7740\n" \
	"h IN SSHFP 6 2 6d4d8ffcb6ca5098e50e51695ec8388c4912d6516308136c8ba00640fbef080e\n"
#define DSS "ssh-dss AAAAB3NzaC1kc3MAAAABAQAAAAECAAAAAQMAAAABBA=="
#define DSS_OUT                                                     \
	"h IN SSHFP 2 1 3beaf5a0081aefca3187a783089057f1dc5d31a3\n" \
	"h IN SSHFP 2 2 2d9727b794b7fded080bf14dc74c21abc1552da3255abdc4012ab3cc6991d1c4\n"

static const struct {
	const char *host, *text;
	const char *out; /* NULL: refused with msg */
	const char *msg;
} sshfp[] = {
	/* The host is written as given (ssh-keygen does), only checked. */
	{ "Host.Example", ED " a@b\n", ED_OUT("Host.Example"), NULL },
	{ "h", ED, ED_OUT("h"), NULL }, /* no comment, no newline */
	{ "h", EC, EC_OUT, NULL },
	{ "h", RSA " r\n", RSA_OUT, NULL },
	{ "h", ED448, ED448_OUT, NULL },
	{ "h", DSS, DSS_OUT, NULL },
	{ "h", ED "\ttab comment\n", ED_OUT("h"), NULL },
	/* Blank lines, comments and leading blanks skipped; keys in order. */
	{ "h", "# keys\n\n  \t" EC "\n#" RSA "\n   \n" RSA " x y z\n", EC_OUT RSA_OUT, NULL },
	{ "bad host", ED, NULL, "--host: 'bad host': not a valid domain name (character 0x20)" },
	{ "a..b", ED, NULL, "--host: 'a..b': not a valid domain name (empty label)" },
	{ "h", "", NULL, "k.pub: no public key" },
	{ "h", "\n\n", NULL, "k.pub: no public key" },
	{ "h", "# only a comment\n  # and another", NULL, "k.pub: no public key" },
	{ "h", "ssh-ed25519\n", NULL, "k.pub:1: not an OpenSSH public key line" },
	{ "h", "\n#\n  ssh-ed25519   \n", NULL, "k.pub:3: not an OpenSSH public key line" },
	{ "h", "ssh-ed25519 AAAA*AAA", NULL, "k.pub:1: key is not valid base64" },
	{ "h", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE", NULL, "k.pub:1: key is not valid base64" },
	{ "h", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", NULL, "k.pub:1: malformed ssh-ed25519 key" },
	{ "h", "ssh-ed25519 AAA=", NULL, "k.pub:1: truncated key" },
	{ "h", "ssh-ed25519 AA==", NULL, "k.pub:1: truncated key" },
	{ "h", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAINNz+fz033iEtlZWI0TBjvMkblJc8Nu6H4PoxOWoLSYW", NULL,
	  "k.pub:1: key type 'ssh-rsa' does not match the key data" },
	/* A good key line, then a bad one: the number is the bad line's. */
	{ "h", ED "\n" EC "\nssh-rsa\n", NULL, "k.pub:3: not an OpenSSH public key line" },
};

/* Key blobs (hex) given as "TYPE base64(blob)". */
#define T_ED "0000000b7373682d65643235353139"
#define K32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
static const struct {
	const char *type, *blob, *msg;
} blobs[] = {
	{ "ssh-ed25519", T_ED "00000020" K32 "00", "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", T_ED "0000001f" K32, "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", T_ED "00000021" K32 "ff", "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", T_ED "00000021" K32, "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", T_ED "00000020" K32 "0000000100", "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", T_ED "00000000", "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", T_ED, "k.pub:1: malformed ssh-ed25519 key" },
	{ "ssh-ed25519", "0000000c7373682d65643235353139", /* type runs past the blob */
	  "k.pub:1: key type 'ssh-ed25519' does not match the key data" },
	{ "ssh-ed25519",
	  "0000000b7373682d65643235353138"
	  "00000020" K32,
	  "k.pub:1: key type 'ssh-ed25519' does not match the key data" },
	{ "ssh-foo", "000000077373682d666f6f0000000100",
	  "k.pub:1: key type 'ssh-foo' has no SSHFP algorithm" },
	{ "ecdsa-sha2-", "0000000b65636473612d736861322d0000000100",
	  "k.pub:1: key type 'ecdsa-sha2-' has no SSHFP algorithm" },
	{ "ssh-dss",
	  "000000077373682d647373"
	  "0000000101"
	  "0000000102"
	  "0000000103",
	  "k.pub:1: malformed ssh-dss key" },
	{ "ssh-rsa",
	  "000000077373682d727361"
	  "0000000101",
	  "k.pub:1: malformed ssh-rsa key" },
	{ "ssh-rsa",
	  "000000077373682d727361"
	  "00000000"
	  "0000000101", /* an empty field */
	  "k.pub:1: malformed ssh-rsa key" },
	{ "ecdsa-sha2-nistp256",
	  "0000001365636473612d736861322d6e69737470323536"
	  "0000000101"
	  "000000010201",
	  "k.pub:1: malformed ecdsa-sha2-nistp256 key" },
	{ "ssh-ed448",
	  "000000097373682d6564343438"
	  "00000020" K32,
	  "k.pub:1: malformed ssh-ed448 key" },
};

static void sshfp_table(void)
{
	for (size_t i = 0; i < sizeof(sshfp) / sizeof(sshfp[0]); i++) {
		struct sg_buf out = SG_BUF_INIT;
		int rc;

		sg_errclear();
		rc = sg_dns_sshfp(sshfp[i].host, sshfp[i].text, strlen(sshfp[i].text), "k.pub", &out);
		if (sshfp[i].out) {
			CHECK(rc == 0);
			CHECK(out.len == strlen(sshfp[i].out) &&
			      memcmp(out.data, sshfp[i].out, out.len) == 0);
		} else {
			CHECK(rc == -1);
			CHECK_STR(sg_errmsg(), sshfp[i].msg);
			if (strcmp(sg_errmsg(), sshfp[i].msg))
				fprintf(stderr, "  case %zu: %s\n", i, sg_errmsg());
		}
		sg_buf_free(&out);
	}
}

static void blob_table(void)
{
	for (size_t i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++) {
		uint8_t blob[256];
		size_t n = check_unhex(blobs[i].blob, blob);
		char line[512];
		struct sg_buf out = SG_BUF_INIT;
		size_t tl = strlen(blobs[i].type);

		memcpy(line, blobs[i].type, tl);
		line[tl] = ' ';
		sg_b64_encode(blob, n, line + tl + 1, SG_B64_PAD);
		sg_errclear();
		CHECK(sg_dns_sshfp("h", line, strlen(line), "k.pub", &out) == -1);
		CHECK_STR(sg_errmsg(), blobs[i].msg);
		if (strcmp(sg_errmsg(), blobs[i].msg))
			fprintf(stderr, "  blob %zu: %s\n", i, sg_errmsg());
		CHECK(out.len == 0);
		sg_buf_free(&out);
	}
}

/* A line of 16384 bytes is read (and found wanting); one more byte is
 * refused as too long. A NUL anywhere is binary data. Output appends. */
static void sshfp_bounds(void)
{
	size_t max = 16384;
	char *text = malloc(max + 2);
	struct sg_buf out = SG_BUF_INIT;

	memcpy(text, "ssh-ed25519 ", 12);
	memset(text + 12, 'A', max + 1 - 12);
	sg_errclear();
	CHECK(sg_dns_sshfp("h", text, max, "k.pub", &out) == -1);
	CHECK_STR(sg_errmsg(), "k.pub:1: key type 'ssh-ed25519' does not match the key data");
	sg_errclear();
	CHECK(sg_dns_sshfp("h", text, max + 1, "k.pub", &out) == -1);
	CHECK_STR(sg_errmsg(), "k.pub:1: line too long");
	text[max] = '\n';
	text[max + 1] = '#';
	sg_errclear();
	CHECK(sg_dns_sshfp("h", text, max + 2, "k.pub", &out) == -1);
	CHECK_STR(sg_errmsg(), "k.pub:1: key type 'ssh-ed25519' does not match the key data");
	free(text);

	static const char nul[] = ED "\0 x\n";
	sg_errclear();
	CHECK(sg_dns_sshfp("h", nul, sizeof(nul) - 1, "k.pub", &out) == -1);
	CHECK_STR(sg_errmsg(), "k.pub: binary data, not an OpenSSH public key");
	CHECK(out.len == 0);

	/* len bounds the text: the second key is not read. */
	static const char two[] = ED "\n" EC "\n";
	CHECK(sg_dns_sshfp("h", two, strlen(ED) + 1, "k.pub", &out) == 0);
	CHECK(sg_dns_sshfp("h", EC, strlen(EC), "k.pub", &out) == 0);
	static const char both[] = ED_OUT("h") EC_OUT;
	CHECK(out.len == strlen(both) && memcmp(out.data, both, out.len) == 0);
	sg_buf_free(&out);
}

static const char cert_pem[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIBbjCCAROgAwIBAgIUf13T/lj47hQQXsbIyvvrAvepesMwCgYIKoZIzj0EAwIw\n"
			       "DDEKMAgGA1UEAwwBdDAeFw0yNjEyMDMxNzI1MTZaFw0zNjExMzAxNzI1MTZaMAwx\n"
			       "CjAIBgNVBAMMAXQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASZ4dQAD1zcwb8Y\n"
			       "XdBNb+SIm2eOp5XCRnQIgtOdPlFxQX5MPp//yo8WrBQ01O0ZPHcfwIlgp/P0Gip5\n"
			       "5xLK1CTao1MwUTAdBgNVHQ4EFgQUTwHcZx0+Ao0FvdgvgxUV8SaQzjQwHwYDVR0j\n"
			       "BBgwFoAUTwHcZx0+Ao0FvdgvgxUV8SaQzjQwDwYDVR0TAQH/BAUwAwEB/zAKBggq\n"
			       "hkjOPQQDAgNJADBGAiEAvaOop/Xw+KS3HSWmo5Lq6s/Hr++FOEdrD+4xJKGU3GsC\n"
			       "IQChiEF9gSnsMNPFbRXbgGyDq70XjgDTgcupAvHvYAuTaQ==\n"
			       "-----END CERTIFICATE-----\n";
static const char cert_der_hex[] =
	"3082016e30820113a00302010202147f5dd3fe58f8ee14105ec6c8cafbeb02f7a97ac3300a06"
	"082a8648ce3d040302300c310a300806035504030c0174301e170d3236313230333137323531"
	"365a170d3336313133303137323531365a300c310a300806035504030c01743059301306072a"
	"8648ce3d020106082a8648ce3d0301070342000499e1d4000f5cdcc1bf185dd04d6fe4889b67"
	"8ea795c246740882d39d3e5171417e4c3e9fffca8f16ac1434d4ed193c771fc08960a7f3f41a"
	"2a79e712cad424daa3533051301d0603551d0e041604144f01dc671d3e028d05bdd82f831515"
	"f12690ce34301f0603551d230418301680144f01dc671d3e028d05bdd82f831515f12690ce34"
	"300f0603551d130101ff040530030101ff300a06082a8648ce3d0403020349003046022100bd"
	"a3a8a7f5f0f8a4b71d25a6a392eaeacfc7afef8538476b0fee3124a194dc6b022100a188417d"
	"8129ec30d3c56d15db806c83abbd178e00d381cba902f1ef600b9369";
#define SPKI "1e0561745a52cc89d1ab7461ccc72dd38eb1882e5916e00249d033e4b4b6336c"

enum { PEM, DER, DER_CUT, GARBAGE, EMPTY, PEM_TWICE };
static const struct {
	const char *host;
	unsigned port;
	const char *proto;
	int input;
	const char *out, *msg;
} tlsa[] = {
	{ "Host.Example", 443, "tcp", PEM, "_443._tcp.host.example. IN TLSA 3 1 1 " SPKI "\n", NULL },
	{ "host.example.", 443, "tcp", DER, "_443._tcp.host.example. IN TLSA 3 1 1 " SPKI "\n", NULL },
	{ "mx", 25, "tcp", PEM_TWICE, "_25._tcp.mx. IN TLSA 3 1 1 " SPKI "\n", NULL },
	{ "h", 1, "udp", PEM, "_1._udp.h. IN TLSA 3 1 1 " SPKI "\n", NULL },
	{ "h", 65535, "sctp", DER, "_65535._sctp.h. IN TLSA 3 1 1 " SPKI "\n", NULL },
	{ "h", 0, "tcp", PEM, NULL, "port 0 out of range" },
	{ "h", 65536, "tcp", PEM, NULL, "port 65536 out of range" },
	{ "h/x", 443, "tcp", PEM, NULL, "--host: 'h/x': not a valid domain name (character 0x2f)" },
	{ "", 443, "tcp", PEM, NULL, "--host: '': not a valid domain name (length)" },
	{ "h", 443, "tcp", DER_CUT, NULL, "c.crt: not a PEM or DER X.509 certificate" },
	{ "h", 443, "tcp", GARBAGE, NULL, "c.crt: not a PEM or DER X.509 certificate" },
	{ "h", 443, "tcp", EMPTY, NULL, "c.crt: not a PEM or DER X.509 certificate" },
};

static void tlsa_table(void)
{
	uint8_t der[512];
	size_t derlen = check_unhex(cert_der_hex, der);
	char twice[2 * sizeof(cert_pem)];

	snprintf(twice, sizeof(twice), "%s%s", cert_pem, cert_pem);
	for (size_t i = 0; i < sizeof(tlsa) / sizeof(tlsa[0]); i++) {
		const uint8_t *in = NULL;
		size_t len = 0;
		struct sg_buf out = SG_BUF_INIT;
		int rc;

		switch (tlsa[i].input) {
		case PEM: in = (const uint8_t *)cert_pem, len = strlen(cert_pem); break;
		case PEM_TWICE: in = (const uint8_t *)twice, len = strlen(twice); break;
		case DER: in = der, len = derlen; break;
		case DER_CUT: in = der, len = derlen - 1; break;
		case GARBAGE:
			in = (const uint8_t *)"-----BEGIN CERTIFICATE-----\nAAAA\n", len = 33;
			break;
		case EMPTY: in = (const uint8_t *)"", len = 0; break;
		}
		sg_errclear();
		rc = sg_dns_tlsa(tlsa[i].host, tlsa[i].port, tlsa[i].proto, in, len, "c.crt", &out);
		if (tlsa[i].out) {
			CHECK(rc == 0);
			CHECK(out.len == strlen(tlsa[i].out) &&
			      memcmp(out.data, tlsa[i].out, out.len) == 0);
		} else {
			CHECK(rc == -1);
			CHECK_STR(sg_errmsg(), tlsa[i].msg);
			if (strcmp(sg_errmsg(), tlsa[i].msg))
				fprintf(stderr, "  tlsa %zu: %s\n", i, sg_errmsg());
			CHECK(out.len == 0);
		}
		sg_buf_free(&out);
	}

	/* 1 MiB is the most read; one byte more is refused unread. */
	size_t big = (size_t)1 << 20;
	uint8_t *huge = calloc(1, big + 1);
	struct sg_buf out = SG_BUF_INIT;
	memcpy(huge, der, derlen);
	CHECK(sg_dns_tlsa("h", 443, "tcp", huge, big, "c.crt", &out) == 0);
	sg_errclear();
	CHECK(sg_dns_tlsa("h", 443, "tcp", huge, big + 1, "c.crt", &out) == -1);
	CHECK_STR(sg_errmsg(), "c.crt: too large for a certificate");
	static const char one[] = "_443._tcp.h. IN TLSA 3 1 1 " SPKI "\n";
	CHECK(out.len == strlen(one) && memcmp(out.data, one, out.len) == 0);
	free(huge);
	sg_buf_free(&out);
}

int main(void)
{
	sshfp_table();
	blob_table();
	sshfp_bounds();
	tlsa_table();
	return check_done();
}
