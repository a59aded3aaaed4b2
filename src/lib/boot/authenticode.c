#include "authenticode.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "err.h"

#define SPC_INDIRECT_DATA_OID "1.3.6.1.4.1.311.2.1.4"
#define SPC_PE_IMAGE_DATA_OID "1.3.6.1.4.1.311.2.1.15"
#define WIN_CERT_HEADER 8
#define MAX_REGIONS (3 + SG_PE_MAX_SECTIONS + 1)

/* SpcIndirectDataContent ::= SEQUENCE {
 *	data SpcAttributeTypeAndOptionalValue,
 *	messageDigest DigestInfo }
 * SpcAttributeTypeAndOptionalValue ::= SEQUENCE { type OID, value ANY OPTIONAL }
 * DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING } */
typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *value;
} SG_SPC_ATTR;

typedef struct {
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *digest;
} SG_SPC_DIGEST;

typedef struct {
	SG_SPC_ATTR *data;
	SG_SPC_DIGEST *digest;
} SG_SPC_IDC;

ASN1_SEQUENCE(SG_SPC_ATTR) = {
	ASN1_SIMPLE(SG_SPC_ATTR, type, ASN1_OBJECT),
	ASN1_OPT(SG_SPC_ATTR, value, ASN1_ANY),
} static_ASN1_SEQUENCE_END(SG_SPC_ATTR)

ASN1_SEQUENCE(SG_SPC_DIGEST) = {
	ASN1_SIMPLE(SG_SPC_DIGEST, alg, X509_ALGOR),
	ASN1_SIMPLE(SG_SPC_DIGEST, digest, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(SG_SPC_DIGEST)

ASN1_SEQUENCE(SG_SPC_IDC) = {
	ASN1_SIMPLE(SG_SPC_IDC, data, SG_SPC_ATTR),
	ASN1_SIMPLE(SG_SPC_IDC, digest, SG_SPC_DIGEST),
} static_ASN1_SEQUENCE_END(SG_SPC_IDC)

/* The SpcPeImageData that sbsign (and signtool) put in every signature:
 *	SEQUENCE {				30 25
 *	  flags BIT STRING (empty)		03 01 00
 *	  file [0] EXPLICIT SpcLink {		a0 20
 *	    file [2] EXPLICIT SpcString {	a2 1e
 *	      unicode [0] IMPLICIT BMPString	80 1c "<<<Obsolete>>>" } } } */
static const uint8_t pe_image_data_der[] = {
	0x30, 0x25, 0x03, 0x01, 0x00, 0xa0, 0x20, 0xa2, 0x1e, 0x80, 0x1c,
	0x00, 0x3c, 0x00, 0x3c, 0x00, 0x3c, 0x00, 0x4f, 0x00, 0x62, 0x00, 0x73, 0x00, 0x6f,
	0x00, 0x6c, 0x00, 0x65, 0x00, 0x74, 0x00, 0x65, 0x00, 0x3e, 0x00, 0x3e, 0x00, 0x3e,
};

struct region {
	uint64_t start, end;
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void sort_regions(struct region *r, size_t n)
{
	/* Insertion sort: stable, and n is at most 100. */
	for (size_t i = 1; i < n; i++) {
		struct region t = r[i];
		size_t j = i;

		while (j > 0 && r[j - 1].start > t.start) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = t;
	}
}

/* The ranges sbsign hashes when the image is vlen bytes long (the file,
 * or the file zero-padded), with the certificate table of cert_size
 * bytes at its end. Returns the region count; *data_size is the end of
 * the last region rounded up to 8. */
static size_t find_regions(const struct sg_pe *pe, uint64_t vlen, uint64_t cert_size,
			   struct region *r, uint64_t *data_size)
{
	uint64_t bytes;
	size_t n = 0;

	r[n++] = (struct region){ 0, pe->checksum_offset };
	r[n++] = (struct region){ pe->checksum_offset + 4, pe->certdir_offset };
	r[n++] = (struct region){ pe->certdir_offset + 8, pe->size_of_headers };
	bytes = pe->size_of_headers;
	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct sg_pe_section *s = &pe->sections[i];

		if (!s->raw_size)
			continue;
		r[n++] = (struct region){ s->raw_ptr, (uint64_t)s->raw_ptr + s->raw_size };
		bytes += s->raw_size;
	}
	sort_regions(r, n);
	/* Data after the sections: sbsign takes it from the sum of the
	 * hashed sizes, which is where the last section ends when the
	 * sections are contiguous. */
	if (bytes + cert_size < vlen)
		r[n++] = (struct region){ bytes, vlen - cert_size };
	*data_size = align_up(r[n - 1].end, 8);
	return n;
}

/* Hashes [start, end) of the image seen as zero-padded beyond its end. */
static int hash_region(struct sg_digest *d, const struct sg_pe *pe, const struct region *r)
{
	static const uint8_t zeros[4096];
	uint64_t start = r->start, end = r->end;

	if (start < pe->len) {
		uint64_t stop = end < pe->len ? end : pe->len;

		if (sg_digest_update(d, pe->data + start, stop - start))
			return -1;
		start = stop;
	}
	while (start < end) {
		uint64_t n = end - start < sizeof(zeros) ? end - start : sizeof(zeros);

		if (sg_digest_update(d, zeros, n))
			return -1;
		start += n;
	}
	return 0;
}

/* Sections whose file data overlap would be hashed twice, and the data
 * after them found from a sum of sizes larger than the file: such an
 * image's hash changes when it is signed (sbsign signs it and then fails
 * its own check, "Invalid section table?"). Refused, naming the pair. */
static int check_no_overlap(const struct sg_pe *pe, const char *name)
{
	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct sg_pe_section *a = &pe->sections[i];

		for (unsigned j = i + 1; a->raw_size && j < pe->nsections; j++) {
			const struct sg_pe_section *b = &pe->sections[j];

			if (b->raw_size && a->raw_ptr < (uint64_t)b->raw_ptr + b->raw_size &&
			    b->raw_ptr < (uint64_t)a->raw_ptr + a->raw_size)
				return sg_fail("%s: PE sections '%s' and '%s' overlap in the file",
					       name, a->name, b->name);
		}
	}
	return 0;
}

int sg_authenticode_digest(const struct sg_pe *pe, const char *name, uint8_t digest[32],
			   size_t *data_size)
{
	struct region r[MAX_REGIONS];
	uint64_t vlen = pe->len, dsize;
	struct sg_digest *d;
	size_t n;

	if (!pe->certdir_offset)
		return sg_fail("%s: PE optional header has no certificate table directory entry",
			       name);
	if (pe->cert_size && (uint64_t)pe->cert_offset + pe->cert_size != pe->len)
		return sg_fail("%s: PE certificate table is not at the end of the file", name);
	if (check_no_overlap(pe, name) < 0)
		return -1;
	n = find_regions(pe, vlen, pe->cert_size, r, &dsize);
	if (dsize > vlen) {
		/* sbsign pads the image to the aligned size and hashes again,
		 * so the padding becomes part of the trailing data. */
		vlen = dsize;
		n = find_regions(pe, vlen, pe->cert_size, r, &dsize);
	}
	if (dsize > SIZE_MAX / 2)
		return sg_fail("%s: PE image too large", name);
	d = sg_digest_new("SHA256");
	if (!d)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (hash_region(d, pe, &r[i])) {
			sg_digest_free(d);
			return -1;
		}
	}
	if (sg_digest_final(d, digest) < 0) {
		sg_digest_free(d);
		return -1;
	}
	sg_digest_free(d);
	*data_size = (size_t)dsize;
	return 0;
}

/* The PE checksum as sbsign computes it: the image data, then the
 * certificate table folded separately, plus the total length. */
static uint32_t pe_checksum(const uint8_t *img, size_t data_size, size_t checksum_offset,
			    const uint8_t *sig, size_t sigsize)
{
	uint16_t sum;

	sum = sg_pe_csum_fold(0, img, checksum_offset);
	sum = sg_pe_csum_fold(sum, img + checksum_offset + 4, data_size - checksum_offset - 4);
	sum = sg_pe_csum_fold(sum, sig, sigsize);
	return (uint32_t)sum + (uint32_t)data_size + (uint32_t)sigsize;
}

static int ssl_fail(const char *name, const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256] = "";

	if (e)
		ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return sg_fail("%s: %s%s%s", name, what, e ? ": " : "", msg);
}

/* A NID for an OID OpenSSL does not know, registered once. */
static int oid_nid(const char *oid, const char *sn)
{
	int nid = OBJ_txt2nid(oid);

	if (nid == NID_undef)
		nid = OBJ_create(oid, sn, sn);
	return nid;
}

/* DER of the SpcIndirectDataContent for an image hash. */
static int build_idc(const uint8_t digest[32], uint8_t **der, int *derlen)
{
	const unsigned char *p = pe_image_data_der;
	SG_SPC_IDC *idc = (SG_SPC_IDC *)ASN1_item_new(ASN1_ITEM_rptr(SG_SPC_IDC));
	int rc = -1;

	*der = NULL;
	if (!idc)
		return -1;
	idc->data->type = OBJ_txt2obj(SPC_PE_IMAGE_DATA_OID, 1);
	idc->data->value = d2i_ASN1_TYPE(NULL, &p, sizeof(pe_image_data_der));
	if (!idc->data->type || !idc->data->value ||
	    !X509_ALGOR_set0(idc->digest->alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !ASN1_OCTET_STRING_set(idc->digest->digest, digest, 32))
		goto out;
	*derlen = ASN1_item_i2d((ASN1_VALUE *)idc, der, ASN1_ITEM_rptr(SG_SPC_IDC));
	if (*derlen > 0)
		rc = 0;
out:
	ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(SG_SPC_IDC));
	return rc;
}

/* Where the content octets of a DER TLV start (the signature's
 * messageDigest covers them without tag and length). */
static int der_content(const uint8_t *der, long len, const uint8_t **content, long *clen)
{
	const unsigned char *p = der;
	int tag, xclass;
	long n;

	if (ASN1_get_object(&p, &n, &tag, &xclass, len) & 0x80)
		return -1;
	if (n > len - (p - der))
		return -1;
	*content = p;
	*clen = n;
	return 0;
}

/* The PKCS#7 SignedData over an SpcIndirectDataContent, DER-encoded. */
static int sign_idc(const uint8_t *idc_der, int idc_len, const char *name, EVP_PKEY *key,
		    X509 *cert, int deterministic, struct sg_buf *out)
{
	int idc_nid = oid_nid(SPC_INDIRECT_DATA_OID, "spcIndirectDataContext");
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const uint8_t *content;
	long clen;
	PKCS7 *p7 = NULL, *inner = NULL;
	PKCS7_SIGNER_INFO *si;
	ASN1_STRING *s = NULL;
	ASN1_TYPE *t = NULL;
	uint8_t *der = NULL;
	int derlen, rc = -1;

	if (idc_nid == NID_undef || der_content(idc_der, idc_len, &content, &clen))
		return ssl_fail(name, "cannot encode SpcIndirectDataContent");
	p7 = PKCS7_new();
	if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed))
		goto fail;
	/* Adds the signer, contentType and SMIMECapabilities. */
	si = PKCS7_sign_add_signer(p7, cert, key, EVP_sha256(), PKCS7_BINARY);
	if (!si)
		goto fail;
	if (!PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
					OBJ_nid2obj(idc_nid)))
		goto fail;
	if (!EVP_Digest(content, (size_t)clen, md, &mdlen, EVP_sha256(), NULL) ||
	    !PKCS7_add1_attrib_digest(si, md, (int)mdlen))
		goto fail;
	if (!deterministic && !PKCS7_add0_attrib_signing_time(si, NULL))
		goto fail;
	/* Signs the DER of the signed attributes; unlike PKCS7_dataFinal()
	 * this adds no signingTime of its own. */
	if (PKCS7_SIGNER_INFO_sign(si) != 1)
		goto fail;
	s = ASN1_STRING_new();
	t = ASN1_TYPE_new();
	if (!s || !t || !ASN1_STRING_set(s, idc_der, idc_len))
		goto fail;
	ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);
	s = NULL;
	/* The content is the SpcIndirectDataContent itself, not an OCTET
	 * STRING: a ContentInfo of type SPC_INDIRECT_DATA. */
	inner = PKCS7_new();
	if (!inner || !PKCS7_set0_type_other(inner, idc_nid, t))
		goto fail;
	t = NULL;
	if (!PKCS7_set_content(p7, inner))
		goto fail;
	inner = NULL;
	derlen = i2d_PKCS7(p7, &der);
	if (derlen <= 0)
		goto fail;
	sg_buf_free(out);
	if (sg_buf_append(out, der, (size_t)derlen))
		goto out;
	rc = 0;
	goto out;
fail:
	rc = ssl_fail(name, "cannot make the PKCS#7 signature");
out:
	OPENSSL_free(der);
	ASN1_TYPE_free(t);
	ASN1_STRING_free(s);
	PKCS7_free(inner);
	PKCS7_free(p7);
	return rc;
}

int sg_authenticode_sign(const uint8_t *img, size_t len, const char *name, EVP_PKEY *key,
			 X509 *cert, int deterministic, struct sg_buf *out)
{
	struct sg_buf sig = SG_BUF_INIT;
	struct sg_pe pe;
	uint8_t digest[32], hdr[WIN_CERT_HEADER];
	uint8_t *idc = NULL;
	size_t data_size, tot, aligned;
	int idc_len, rc = -1;

	if (sg_pe_parse(&pe, img, len, name))
		return -1;
	if (pe.cert_size)
		return sg_fail("%s: PE image is already signed (it has a certificate table)", name);
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		return sg_fail("%s: the signing key does not match the certificate", name);
	}
	if (sg_authenticode_digest(&pe, name, digest, &data_size))
		return -1;
	if (build_idc(digest, &idc, &idc_len))
		return ssl_fail(name, "cannot encode SpcIndirectDataContent");
	if (sign_idc(idc, idc_len, name, key, cert, deterministic, &sig))
		goto out;

	tot = WIN_CERT_HEADER + sig.len;
	aligned = (size_t)align_up(tot, 8);
	if (aligned > UINT32_MAX || data_size > UINT32_MAX - aligned) {
		sg_fail("%s: signed image would exceed 4 GiB", name);
		goto out;
	}
	/* The image data, zero-padded to data_size, then the WIN_CERTIFICATE
	 * (its length unpadded, the entry padded to 8). */
	sg_buf_free(out);
	if (sg_buf_reserve(out, data_size + aligned))
		goto out;
	memcpy(out->data, img, len < data_size ? len : data_size);
	if (data_size > len)
		memset(out->data + len, 0, data_size - len);
	out->len = data_size;
	sg_put_le32(hdr, (uint32_t)tot);
	sg_put_le16(hdr + 4, SG_WIN_CERT_REVISION);
	sg_put_le16(hdr + 6, SG_WIN_CERT_TYPE_PKCS_SIGNED_DATA);
	if (sg_buf_append(out, hdr, sizeof(hdr)) || sg_buf_append(out, sig.data, sig.len))
		goto out;
	memset(out->data + out->len, 0, aligned - tot);
	out->len += aligned - tot;

	sg_put_le32(out->data + pe.certdir_offset, (uint32_t)data_size);
	sg_put_le32(out->data + pe.certdir_offset + 4, (uint32_t)aligned);
	sg_put_le32(out->data + pe.checksum_offset,
		    pe_checksum(out->data, data_size, pe.checksum_offset, out->data + data_size,
				aligned));
	rc = 0;
out:
	OPENSSL_free(idc);
	sg_buf_free(&sig);
	if (rc)
		sg_buf_free(out);
	return rc;
}

/* sbverify's rules: a certificate given with --cert is trusted even when
 * it is not self-signed, and code-signing certificates are accepted for
 * the S/MIME signing purpose PKCS7_verify() asks for. */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_INVALID_PURPOSE) {
		X509 *c = X509_STORE_CTX_get_current_cert(ctx);

		if (c && (X509_get_extended_key_usage(c) & XKU_CODE_SIGN))
			return 1;
	}
	return ok;
}

static int check_idc(PKCS7 *p7, const char *name, const uint8_t digest[32], BIO **content)
{
	ASN1_OBJECT *want = OBJ_txt2obj(SPC_INDIRECT_DATA_OID, 1);
	PKCS7 *inner;
	const ASN1_STRING *s;
	const uint8_t *der, *c;
	long clen;
	SG_SPC_IDC *idc = NULL;
	int rc = -1;

	if (!want)
		return ssl_fail(name, "cannot make OID");
	if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !(inner = p7->d.sign->contents) ||
	    OBJ_cmp(inner->type, want) != 0 || !inner->d.other ||
	    inner->d.other->type != V_ASN1_SEQUENCE) {
		sg_fail("%s: Authenticode signature does not hold an SpcIndirectDataContent", name);
		goto out;
	}
	s = inner->d.other->value.sequence;
	der = ASN1_STRING_get0_data(s);
	{
		const unsigned char *p = der;

		idc = (SG_SPC_IDC *)ASN1_item_d2i(NULL, &p, ASN1_STRING_length(s),
						  ASN1_ITEM_rptr(SG_SPC_IDC));
	}
	if (!idc || der_content(der, ASN1_STRING_length(s), &c, &clen)) {
		ssl_fail(name, "Authenticode SpcIndirectDataContent is malformed");
		goto out;
	}
	if (OBJ_obj2nid(idc->digest->alg->algorithm) != NID_sha256 ||
	    ASN1_STRING_length(idc->digest->digest) != 32) {
		sg_fail("%s: Authenticode image hash is not SHA-256", name);
		goto out;
	}
	if (memcmp(ASN1_STRING_get0_data(idc->digest->digest), digest, 32) != 0) {
		sg_fail("%s: Authenticode image hash does not match the image (modified after signing)",
			name);
		goto out;
	}
	*content = BIO_new_mem_buf(c, (int)clen);
	if (!*content) {
		ssl_fail(name, "out of memory");
		goto out;
	}
	rc = 0;
out:
	ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(SG_SPC_IDC));
	ASN1_OBJECT_free(want);
	return rc;
}

int sg_authenticode_verify(const uint8_t *img, size_t len, const char *name, X509 *trusted,
			   uint8_t digest_out[32])
{
	struct sg_pe pe;
	uint8_t digest[32];
	size_t data_size;
	const uint8_t *wc, *p;
	uint32_t wlen;
	PKCS7 *p7 = NULL;
	X509_STORE *store = NULL;
	BIO *content = NULL;
	int rc = -1;

	if (sg_pe_parse(&pe, img, len, name) || sg_authenticode_digest(&pe, name, digest, &data_size))
		return -1;
	if (digest_out)
		memcpy(digest_out, digest, 32);
	if (!pe.cert_size)
		return sg_fail("%s: PE image is not signed (no certificate table)", name);
	if (pe.cert_offset % 8)
		return sg_fail("%s: PE certificate table at 0x%x is not 8-byte aligned", name,
			       pe.cert_offset);
	wc = img + pe.cert_offset;
	if (pe.cert_size < WIN_CERT_HEADER)
		return sg_fail("%s: PE certificate table is shorter than a WIN_CERTIFICATE header",
			       name);
	wlen = sg_get_le32(wc);
	if (wlen <= WIN_CERT_HEADER || wlen > pe.cert_size)
		return sg_fail("%s: WIN_CERTIFICATE length %u does not fit the certificate table",
			       name, wlen);
	if (sg_get_le16(wc + 4) != SG_WIN_CERT_REVISION ||
	    sg_get_le16(wc + 6) != SG_WIN_CERT_TYPE_PKCS_SIGNED_DATA)
		return sg_fail("%s: WIN_CERTIFICATE is not revision 2.0 PKCS_SIGNED_DATA", name);
	p = wc + WIN_CERT_HEADER;
	p7 = d2i_PKCS7(NULL, &p, (long)(wlen - WIN_CERT_HEADER));
	if (!p7)
		return ssl_fail(name, "Authenticode signature is not PKCS#7 DER");
	if (check_idc(p7, name, digest, &content))
		goto out;
	store = X509_STORE_new();
	if (!store || !X509_STORE_add_cert(store, trusted)) {
		ssl_fail(name, "cannot set up the certificate store");
		goto out;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_set_verify_cb(store, verify_cb);
	if (PKCS7_verify(p7, NULL, store, content, NULL, PKCS7_BINARY) != 1) {
		ssl_fail(name, "Authenticode signature does not verify against the certificate");
		goto out;
	}
	rc = 0;
out:
	BIO_free(content);
	X509_STORE_free(store);
	PKCS7_free(p7);
	return rc;
}
