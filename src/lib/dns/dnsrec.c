#include "dnsrec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "crypto.h"
#include "dnsconf.h"
#include "err.h"

#define LINE_MAX_KEY 16384
#define LONG_MAX_CERT (1 << 20)

/* SSHFP algorithm number of an OpenSSH key type, 0 when unknown. */
static int sshfp_alg(const char *type, size_t n)
{
	if (n == 7 && !memcmp(type, "ssh-rsa", 7))
		return 1;
	if (n == 7 && !memcmp(type, "ssh-dss", 7))
		return 2;
	if (n > 11 && !memcmp(type, "ecdsa-sha2-", 11))
		return 3;
	if (n == 11 && !memcmp(type, "ssh-ed25519", 11))
		return 4;
	if (n == 9 && !memcmp(type, "ssh-ed448", 9))
		return 6;
	return 0;
}

static int hex_append(struct sg_buf *out, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sg_buf_printf(out, "%02x", d[i]) < 0)
			return -1;
	return 0;
}

/* The key blob is a sequence of SSH strings (RFC 4253 6.6): the type,
 * then the fields of the algorithm, and nothing after them. */
static int check_blob(const uint8_t *b, size_t n, int alg)
{
	static const int fields[] = { 0, 3, 5, 3, 2, 0, 2 }; /* by SSHFP algorithm */
	size_t pos = 0, last = 0;
	int count = 0;

	while (pos < n) {
		if (n - pos < 4)
			return -1;
		size_t len = ((size_t)b[pos] << 24) | ((size_t)b[pos + 1] << 16) |
			     ((size_t)b[pos + 2] << 8) | b[pos + 3];
		if (len > n - pos - 4 || len == 0)
			return -1;
		last = len;
		pos += 4 + len;
		count++;
	}
	if (count != fields[alg])
		return -1;
	if (alg == 4 && last != 32) /* Ed25519 public key */
		return -1;
	if (alg == 6 && last != 57) /* Ed448 public key */
		return -1;
	return 0;
}

/* One "TYPE BASE64 [comment]" line. */
static int sshfp_line(const char *host, char *line, const char *name, int lineno, struct sg_buf *out)
{
	char *save = NULL, *type = strtok_r(line, " \t", &save), *b64 = strtok_r(NULL, " \t", &save);
	uint8_t *blob = NULL, md[EVP_MAX_MD_SIZE];
	size_t bloblen, tlen;
	unsigned mdlen;
	int alg, rc = -1;

	if (!type || !b64)
		return sg_fail("%s:%d: not an OpenSSH public key line", name, lineno);
	if (!(blob = malloc(sg_b64_decoded_max(strlen(b64)) + 1)))
		return sg_fail("out of memory");
	if (sg_b64_decode(b64, strlen(b64), blob, sg_b64_decoded_max(strlen(b64)), &bloblen,
			  SG_B64_PAD) < 0) {
		sg_fail("%s:%d: key is not valid base64", name, lineno);
		goto out;
	}
	/* The blob starts with its own type string, which must agree. */
	if (bloblen < 4) {
		sg_fail("%s:%d: truncated key", name, lineno);
		goto out;
	}
	tlen = ((size_t)blob[0] << 24) | ((size_t)blob[1] << 16) | ((size_t)blob[2] << 8) | blob[3];
	if (tlen > bloblen - 4 || tlen != strlen(type) || memcmp(blob + 4, type, tlen)) {
		sg_fail("%s:%d: key type '%s' does not match the key data", name, lineno, type);
		goto out;
	}
	if (!(alg = sshfp_alg(type, tlen))) {
		sg_fail("%s:%d: key type '%s' has no SSHFP algorithm", name, lineno, type);
		goto out;
	}
	if (check_blob(blob, bloblen, alg) < 0) {
		sg_fail("%s:%d: malformed %s key", name, lineno, type);
		goto out;
	}
	static const char *const digests[] = { "SHA1", "SHA256" };
	for (int d = 0; d < 2; d++) {
		if (EVP_Digest(blob, bloblen, md, &mdlen, EVP_get_digestbyname(digests[d]), NULL) !=
		    1) {
			sg_fail("digest failed");
			goto out;
		}
		if (sg_buf_printf(out, "%s IN SSHFP %d %d ", host, alg, d + 1) < 0 ||
		    hex_append(out, md, mdlen) < 0 || sg_buf_append_str(out, "\n") < 0)
			goto out;
	}
	rc = 0;
out:
	free(blob);
	return rc;
}

int sg_dns_sshfp(const char *host, const char *text, size_t len, const char *name, struct sg_buf *out)
{
	char canon[256];
	size_t pos = 0;
	int lineno = 0, keys = 0;

	if (sg_dns_canon_name(host, canon, sizeof(canon)) < 0)
		return sg_fail_prefix("--host");
	if (memchr(text, '\0', len))
		return sg_fail("%s: binary data, not an OpenSSH public key", name);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line;

		lineno++;
		if (n > LINE_MAX_KEY)
			return sg_fail("%s:%d: line too long", name, lineno);
		if (!(line = strndup(text + pos, n)))
			return sg_fail("out of memory");
		pos += n + 1;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		int rc = 0;
		if (*p && *p != '#') {
			rc = sshfp_line(host, p, name, lineno, out);
			keys++;
		}
		free(line);
		if (rc < 0)
			return -1;
	}
	if (keys == 0)
		return sg_fail("%s: no public key", name);
	return 0;
}

int sg_dns_tlsa(const char *host, unsigned port, const char *proto, const uint8_t *cert, size_t len,
		const char *name, struct sg_buf *out)
{
	char canon[256];
	const unsigned char *p = cert;
	uint8_t md[SG_SHA256_LEN];
	unsigned char *spki = NULL;
	X509 *x = NULL;
	BIO *bio;
	int n, rc = -1;

	if (sg_dns_canon_name(host, canon, sizeof(canon)) < 0)
		return sg_fail_prefix("--host");
	if (port == 0 || port > 65535)
		return sg_fail("port %u out of range", port);
	if (len > LONG_MAX_CERT)
		return sg_fail("%s: too large for a certificate", name);
	bio = BIO_new_mem_buf(cert, (int)len);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (!x)
		x = d2i_X509(NULL, &p, (long)len);
	if (!x)
		return sg_fail("%s: not a PEM or DER X.509 certificate", name);
	n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (n <= 0 || sg_sha256(spki, (size_t)n, md) < 0) {
		sg_fail("%s: cannot encode the certificate's public key", name);
		goto out;
	}
	if (sg_buf_printf(out, "_%u._%s.%s IN TLSA 3 1 1 ", port, proto, canon) < 0 ||
	    hex_append(out, md, sizeof(md)) < 0 || sg_buf_append_str(out, "\n") < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_free(spki);
	X509_free(x);
	return rc;
}
