#include "ovmfvars.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "endian.h"
#include "err.h"

/* A GUID in its on-disk order: the first three fields little-endian. */
/* clang-format off */
#define GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                       \
	{ (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff, (b) & 0xff, \
	  ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff, d0, d1, d2, d3, d4, d5, d6, d7 }
/* clang-format on */

static const uint8_t nv_data_fv_guid[16] =
	GUID(0xfff12b8du, 0x7696, 0x4c8b, 0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50);
static const uint8_t auth_variable_guid[16] =
	GUID(0xaaf32c78u, 0x947b, 0x439a, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92);
static const uint8_t plain_variable_guid[16] =
	GUID(0xddcf3616u, 0x3275, 0x4164, 0x98, 0xb6, 0xfe, 0x85, 0x70, 0x7f, 0xfe, 0x7d);
static const uint8_t cert_x509_guid[16] =
	GUID(0xa5c059a1u, 0x94e4, 0x4aa7, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72);
static const uint8_t cert_sha256_guid[16] =
	GUID(0xc1c41626u, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28);
static const uint8_t cert_pkcs7_guid[16] =
	GUID(0x4aafd29du, 0x68df, 0x49ee, 0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7);

const uint8_t sg_efi_global_variable_guid[16] =
	GUID(0x8be4df61u, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
const uint8_t sg_efi_image_security_db_guid[16] =
	GUID(0xd719b2cbu, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f);
const uint8_t sg_efi_secure_boot_enable_guid[16] =
	GUID(0xf0a30bc7u, 0xaf08, 0x4556, 0x99, 0xc4, 0x00, 0x10, 0x09, 0xc9, 0x3a, 0x44);
const uint8_t sg_efi_custom_mode_guid[16] =
	GUID(0xc076ec0cu, 0x7028, 0x4399, 0xa0, 0x72, 0x71, 0xee, 0x5c, 0x44, 0x8b, 0x9f);

#define FV_HEADER_MIN 56     /* EFI_FIRMWARE_VOLUME_HEADER without its block map */
#define STORE_HEADER_SIZE 28 /* VARIABLE_STORE_HEADER */
#define STORE_FORMATTED 0x5a
#define STORE_HEALTHY 0xfe
#define VAR_START_ID 0x55aa
#define VAR_DELETED 0xfd /* AND-ed into State */
#define VAR_IN_DELETED_TRANSITION 0xfe
#define ESL_HEADER_SIZE 28 /* EFI_SIGNATURE_LIST without its header and entries */
#define SIG_OWNER_SIZE 16  /* EFI_SIGNATURE_DATA's SignatureOwner */
#define WIN_CERT_TYPE_EFI_GUID 0x0ef1
#define WIN_CERT_REVISION 0x0200
#define EFI_TIME_SIZE 16

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The firmware volume header: signature, NV-data GUID, checksum, a block
 * map that fits, a length within the file. Returns the header length. */
static int check_fv(const uint8_t *img, size_t len, const char *what, size_t *hdr_len,
		    uint64_t *fv_len)
{
	uint16_t sum = 0;
	size_t hl, map;

	if (len < FV_HEADER_MIN + 8 || memcmp(img + 40, "_FVH", 4) != 0)
		return sg_fail("%s: not an OVMF variable store (no firmware volume signature _FVH)",
			       what);
	if (memcmp(img + 16, nv_data_fv_guid, 16) != 0)
		return sg_fail("%s: firmware volume is not an NV data volume (OVMF_VARS)", what);
	hl = sg_get_le16(img + 48);
	*fv_len = sg_get_le64(img + 32);
	if (hl < FV_HEADER_MIN + 8 || hl % 2 || hl > len)
		return sg_fail("%s: firmware volume header length %zu is invalid", what, hl);
	for (size_t i = 0; i < hl; i += 2)
		sum = (uint16_t)(sum + sg_get_le16(img + i));
	if (sum != 0)
		return sg_fail("%s: firmware volume header checksum is wrong", what);
	for (map = FV_HEADER_MIN;; map += 8) {
		if (map + 8 > hl)
			return sg_fail("%s: firmware volume block map is not terminated", what);
		if (sg_get_le32(img + map) == 0 && sg_get_le32(img + map + 4) == 0)
			break;
	}
	if (*fv_len > len || *fv_len < hl)
		return sg_fail("%s: firmware volume length %llu does not fit the %zu-byte file",
			       what, (unsigned long long)*fv_len, len);
	*hdr_len = hl;
	return 0;
}

/* Decodes the header at off; 0 when there is no variable there (the end). */
static int read_header(const struct sg_ovmf_store *s, size_t off, struct sg_ovmf_var *v)
{
	const uint8_t *h = s->img + off;
	uint32_t name_size, data_size;

	if (off >= s->end || s->end - off < SG_OVMF_VAR_HEADER_SIZE || sg_get_le16(h) != VAR_START_ID)
		return 0;
	memset(v, 0, sizeof(*v));
	v->offset = off;
	v->state = h[2];
	v->attributes = sg_get_le32(h + 4);
	v->monotonic_count = sg_get_le64(h + 8);
	v->time.year = sg_get_le16(h + 16);
	v->time.month = h[18];
	v->time.day = h[19];
	v->time.hour = h[20];
	v->time.minute = h[21];
	v->time.second = h[22];
	v->pubkey_index = sg_get_le32(h + 32);
	name_size = sg_get_le32(h + 36);
	data_size = sg_get_le32(h + 40);
	memcpy(v->guid, h + 44, 16);
	if ((uint64_t)name_size + data_size > s->end - off - SG_OVMF_VAR_HEADER_SIZE)
		return -1;
	v->name_size = name_size;
	v->data = h + SG_OVMF_VAR_HEADER_SIZE + name_size;
	v->data_size = data_size;
	v->size = align4(SG_OVMF_VAR_HEADER_SIZE + (size_t)name_size + data_size);
	if (v->size > s->end - off)
		v->size = s->end - off;
	for (size_t i = 0; i + 1 < SG_OVMF_NAME_MAX && 2 * i + 1 < name_size; i++) {
		uint16_t c = sg_get_le16(h + SG_OVMF_VAR_HEADER_SIZE + 2 * i);

		if (!c)
			break;
		v->name[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	/* A live variable's name is whole UTF-16 units ending in NUL. */
	if (v->state == SG_OVMF_VAR_ADDED &&
	    (name_size < 2 || name_size % 2 ||
	     sg_get_le16(h + SG_OVMF_VAR_HEADER_SIZE + name_size - 2) != 0))
		return -2;
	return 1;
}

int sg_ovmf_parse(struct sg_ovmf_store *s, const uint8_t *img, size_t len, const char *what)
{
	size_t hl = 0, st, off;
	uint64_t fv_len = 0;
	uint32_t size;
	struct sg_ovmf_var v;
	int r;

	memset(s, 0, sizeof(*s));
	if (check_fv(img, len, what, &hl, &fv_len) < 0)
		return -1;
	st = hl;
	if (fv_len - st < STORE_HEADER_SIZE)
		return sg_fail("%s: no room for a variable store header", what);
	if (memcmp(img + st, plain_variable_guid, 16) == 0)
		return sg_fail("%s: variable store is not authenticated (a non-Secure-Boot build)",
			       what);
	if (memcmp(img + st, auth_variable_guid, 16) != 0)
		return sg_fail("%s: not an OVMF variable store (no authenticated variable store GUID)",
			       what);
	size = sg_get_le32(img + st + 16);
	if (img[st + 20] != STORE_FORMATTED || img[st + 21] != STORE_HEALTHY)
		return sg_fail("%s: variable store is not formatted and healthy (format 0x%02x, state 0x%02x)",
			       what, img[st + 20], img[st + 21]);
	if (size < STORE_HEADER_SIZE || size > fv_len - st)
		return sg_fail("%s: variable store size %u does not fit the firmware volume", what,
			       (unsigned)size);
	if (!(s->img = malloc(len)))
		return sg_fail("out of memory");
	memcpy(s->img, img, len);
	s->len = len;
	s->vars = align4(st + STORE_HEADER_SIZE);
	s->end = st + size;
	/* Walk to the first free byte, checking every header on the way. */
	for (off = s->vars; (r = read_header(s, off, &v)) != 0; off += v.size) {
		if (r == -1) {
			sg_ovmf_free(s);
			return sg_fail("%s: variable at offset 0x%zx overruns the store", what, off);
		}
		if (r == -2) {
			sg_ovmf_free(s);
			return sg_fail("%s: variable at offset 0x%zx has a malformed name", what,
				       off);
		}
	}
	s->free = off < s->end ? off : s->end;
	/* Appending relies on erased flash: the firmware expects 0xFF here. */
	for (off = s->free; off < s->end; off++) {
		if (s->img[off] != 0xff) {
			sg_ovmf_free(s);
			return sg_fail("%s: free space at offset 0x%zx is not erased (0xFF)", what,
				       off);
		}
	}
	return 0;
}

void sg_ovmf_free(struct sg_ovmf_store *s)
{
	free(s->img);
	memset(s, 0, sizeof(*s));
}

int sg_ovmf_next(const struct sg_ovmf_store *s, size_t *cursor, struct sg_ovmf_var *v)
{
	size_t off = *cursor ? *cursor : s->vars;

	if (off >= s->free || read_header(s, off, v) <= 0)
		return 0;
	*cursor = off + v->size;
	return 1;
}

/* The whole stored name is exactly name (a cut copy does not count). */
static int same_name(const struct sg_ovmf_var *v, const char *name)
{
	return v->name_size == 2 * (strlen(name) + 1) && strcmp(v->name, name) == 0;
}

static int is_live(uint8_t state)
{
	return state == SG_OVMF_VAR_ADDED || state == (SG_OVMF_VAR_ADDED & VAR_IN_DELETED_TRANSITION);
}

int sg_ovmf_find(const struct sg_ovmf_store *s, const char *name, const uint8_t guid[16],
		 struct sg_ovmf_var *v)
{
	size_t cur = 0;

	while (sg_ovmf_next(s, &cur, v))
		if (is_live(v->state) && memcmp(v->guid, guid, 16) == 0 && same_name(v, name))
			return 1;
	return 0;
}

int sg_ovmf_set(struct sg_ovmf_store *s, const char *name, const uint8_t guid[16],
		uint32_t attributes, const struct sg_efi_time *t, const void *data, size_t len)
{
	size_t nlen = strlen(name), name_size = 2 * (nlen + 1), need, cur = 0;
	struct sg_ovmf_var v;
	uint8_t *h;

	if (!nlen || nlen >= SG_OVMF_NAME_MAX)
		return sg_fail("variable name '%.40s': empty or too long", name);
	for (size_t i = 0; i < nlen; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return sg_fail("variable name '%.40s': not printable ASCII", name);
	/* len is bounded first so that need cannot overflow. */
	need = len > s->end ? SIZE_MAX : align4(SG_OVMF_VAR_HEADER_SIZE + name_size + len);
	if (len > UINT32_MAX || need > s->end - s->free)
		return sg_fail("variable store too full: %s needs %zu bytes, %zu free", name,
			       len > s->end ? len : need, s->end - s->free);
	/* Supersede the old value the way the firmware does: clear a bit. */
	while (sg_ovmf_next(s, &cur, &v))
		if (is_live(v.state) && memcmp(v.guid, guid, 16) == 0 && same_name(&v, name))
			s->img[v.offset + 2] &= VAR_DELETED;
	h = s->img + s->free;
	memset(h, 0, SG_OVMF_VAR_HEADER_SIZE);
	sg_put_le16(h, VAR_START_ID);
	h[2] = SG_OVMF_VAR_ADDED;
	sg_put_le32(h + 4, attributes);
	if (t) {
		sg_put_le16(h + 16, t->year);
		h[18] = t->month;
		h[19] = t->day;
		h[20] = t->hour;
		h[21] = t->minute;
		h[22] = t->second;
	}
	sg_put_le32(h + 36, (uint32_t)name_size);
	sg_put_le32(h + 40, (uint32_t)len);
	memcpy(h + 44, guid, 16);
	for (size_t i = 0; i <= nlen; i++)
		sg_put_le16(h + SG_OVMF_VAR_HEADER_SIZE + 2 * i, (uint16_t)(unsigned char)name[i]);
	if (len)
		memcpy(h + SG_OVMF_VAR_HEADER_SIZE + name_size, data, len);
	/* The padding stays 0xFF, as erased flash. */
	s->free += need;
	return 0;
}

static int check_x509(const uint8_t *der, size_t len, const char *what, size_t off)
{
	const unsigned char *p = der;
	X509 *x;

	if (len > LONG_MAX || !(x = d2i_X509(NULL, &p, (long)len)))
		return sg_fail("%s: entry at offset %zu is not a DER X.509 certificate", what, off);
	X509_free(x);
	if (p != der + len)
		return sg_fail("%s: X.509 entry at offset %zu has trailing bytes", what, off);
	return 0;
}

int sg_esl_check(const uint8_t *esl, size_t len, int single, const char *what)
{
	size_t off = 0, entries = 0;

	if (!len)
		return sg_fail("%s: empty signature list", what);
	while (off < len) {
		uint32_t list_size, hdr_size, sig_size;
		int x509;

		if (len - off < ESL_HEADER_SIZE)
			return sg_fail("%s: truncated EFI_SIGNATURE_LIST at offset %zu", what, off);
		list_size = sg_get_le32(esl + off + 16);
		hdr_size = sg_get_le32(esl + off + 20);
		sig_size = sg_get_le32(esl + off + 24);
		if (list_size > len - off || list_size < ESL_HEADER_SIZE ||
		    hdr_size > list_size - ESL_HEADER_SIZE)
			return sg_fail("%s: EFI_SIGNATURE_LIST at offset %zu has an invalid size",
				       what, off);
		x509 = memcmp(esl + off, cert_x509_guid, 16) == 0;
		if (!x509 && memcmp(esl + off, cert_sha256_guid, 16) != 0)
			return sg_fail("%s: EFI_SIGNATURE_LIST at offset %zu is neither X.509 nor SHA-256",
				       what, off);
		if (hdr_size != 0 || sig_size <= SIG_OWNER_SIZE ||
		    (!x509 && sig_size != SIG_OWNER_SIZE + 32) ||
		    (list_size - ESL_HEADER_SIZE) % sig_size != 0 || list_size == ESL_HEADER_SIZE)
			return sg_fail("%s: EFI_SIGNATURE_LIST at offset %zu has inconsistent entry sizes",
				       what, off);
		for (size_t e = off + ESL_HEADER_SIZE; e < off + list_size; e += sig_size) {
			if (x509 && check_x509(esl + e + SIG_OWNER_SIZE, sig_size - SIG_OWNER_SIZE,
					       what, e + SIG_OWNER_SIZE) < 0)
				return -1;
			entries++;
		}
		off += list_size;
	}
	if (single && entries != 1)
		return sg_fail("%s: must hold exactly one certificate, holds %zu entries", what,
			       entries);
	return 0;
}

int sg_auth_payload(const uint8_t *auth, size_t len, const char *what, size_t *esl_off,
		    struct sg_efi_time *t)
{
	uint32_t win_len;

	/* EFI_TIME, then WIN_CERTIFICATE_UEFI_GUID: dwLength, wRevision,
	 * wCertificateType, CertType, then the PKCS#7 signature. */
	if (len < EFI_TIME_SIZE + 24)
		return sg_fail("%s: too short for an EFI_VARIABLE_AUTHENTICATION_2 header", what);
	win_len = sg_get_le32(auth + EFI_TIME_SIZE);
	if (sg_get_le16(auth + EFI_TIME_SIZE + 4) != WIN_CERT_REVISION ||
	    sg_get_le16(auth + EFI_TIME_SIZE + 6) != WIN_CERT_TYPE_EFI_GUID ||
	    memcmp(auth + EFI_TIME_SIZE + 8, cert_pkcs7_guid, 16) != 0)
		return sg_fail("%s: not an EFI_VARIABLE_AUTHENTICATION_2 (.auth) update", what);
	if (win_len < 24 || win_len > len - EFI_TIME_SIZE)
		return sg_fail("%s: authentication header length %u overruns the file", what,
			       (unsigned)win_len);
	t->year = sg_get_le16(auth);
	t->month = auth[2];
	t->day = auth[3];
	t->hour = auth[4];
	t->minute = auth[5];
	t->second = auth[6];
	*esl_off = EFI_TIME_SIZE + win_len;
	return 0;
}

int sg_efi_time_from_unix(long long secs, struct sg_efi_time *t)
{
	time_t tt = (time_t)secs;
	struct tm tm;

	if (secs < 0 || (long long)tt != secs || !gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999)
		return sg_fail("timestamp %lld: not a time from 1970 to 9999", secs);
	t->year = (uint16_t)(tm.tm_year + 1900);
	t->month = (uint8_t)(tm.tm_mon + 1);
	t->day = (uint8_t)tm.tm_mday;
	t->hour = (uint8_t)tm.tm_hour;
	t->minute = (uint8_t)tm.tm_min;
	t->second = (uint8_t)tm.tm_sec;
	return 0;
}

int sg_ovmf_enroll(struct sg_ovmf_store *s, const uint8_t *pk, size_t pk_len, const uint8_t *kek,
		   size_t kek_len, const uint8_t *db, size_t db_len, const struct sg_efi_time *t)
{
	const uint32_t auth = SG_EFI_VAR_NON_VOLATILE | SG_EFI_VAR_BOOTSERVICE_ACCESS |
			      SG_EFI_VAR_RUNTIME_ACCESS | SG_EFI_VAR_TIME_BASED_AUTH;
	const uint32_t nvbs = SG_EFI_VAR_NON_VOLATILE | SG_EFI_VAR_BOOTSERVICE_ACCESS;
	const uint8_t on = 1, off = 0;

	if (sg_esl_check(pk, pk_len, 1, "PK") < 0 || sg_esl_check(kek, kek_len, 0, "KEK") < 0 ||
	    sg_esl_check(db, db_len, 0, "db") < 0)
		return -1;
	/* KEK and db first, PK last: the order a firmware in setup mode needs. */
	if (sg_ovmf_set(s, "KEK", sg_efi_global_variable_guid, auth, t, kek, kek_len) < 0 ||
	    sg_ovmf_set(s, "db", sg_efi_image_security_db_guid, auth, t, db, db_len) < 0 ||
	    sg_ovmf_set(s, "PK", sg_efi_global_variable_guid, auth, t, pk, pk_len) < 0 ||
	    sg_ovmf_set(s, "SecureBootEnable", sg_efi_secure_boot_enable_guid, nvbs, NULL, &on, 1) <
		    0 ||
	    sg_ovmf_set(s, "CustomMode", sg_efi_custom_mode_guid, nvbs, NULL, &off, 1) < 0)
		return -1;
	return 0;
}
