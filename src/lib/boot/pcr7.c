/* pcr7.c - PCR 7 predicted from the Secure Boot variables (pcr7.h). */
#include "pcr7.h"

#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "endian.h"
#include "err.h"
#include "fileio.h"
#include "path.h"
#include "sbkeys.h"

#define ESL_HEADER 28	   /* SignatureType, ListSize, HeaderSize, SignatureSize */
#define ESL_MAX (1u << 20) /* one signature list file */
#define VAR_NAME_MAX 16	   /* "SecureBoot" is the longest measured */

int sg_pcr_extend(uint8_t pcr[32], const uint8_t digest[32])
{
	uint8_t both[64];

	memcpy(both, pcr, 32);
	memcpy(both + 32, digest, 32);
	return sg_sha256(both, sizeof(both), pcr);
}

/* pcr extended with SHA-256(UEFI_VARIABLE_DATA of name = data). */
static int extend_var(uint8_t pcr[32], const char *name, const uint8_t *data, size_t len)
{
	uint8_t head[16 + 8 + 8 + 2 * VAR_NAME_MAX], d[32];
	size_t n = strlen(name), at = 0;
	const uint8_t *guid = sg_sb_vendor_guid(name);
	struct sg_digest *md;
	int ok;

	if (!guid || n > VAR_NAME_MAX)
		return sg_fail("PCR 7: '%s' is not a measured Secure Boot variable", name);
	memcpy(head, guid, 16);
	sg_put_le64(head + 16, n);
	sg_put_le64(head + 24, len);
	for (at = 32; *name; name++, at += 2) {
		head[at] = (uint8_t)*name;
		head[at + 1] = 0;
	}
	if (!(md = sg_digest_new("SHA256")))
		return -1;
	ok = sg_digest_update(md, head, at) == 0 &&
	     (len == 0 || sg_digest_update(md, data, len) == 0) && sg_digest_final(md, d) == 32;
	sg_digest_free(md);
	return ok ? sg_pcr_extend(pcr, d) : -1;
}

int sg_pcr7_predict(const struct sg_pcr7_vars *v, uint8_t pcr[32])
{
	static const uint8_t secure_boot_on = 1, separator[4] = { 0 };
	uint8_t d[32];

	memset(pcr, 0, 32);
	if (extend_var(pcr, "SecureBoot", &secure_boot_on, 1) < 0 ||
	    extend_var(pcr, "PK", v->pk, v->pk_len) < 0 ||
	    extend_var(pcr, "KEK", v->kek, v->kek_len) < 0 ||
	    extend_var(pcr, "db", v->db, v->db_len) < 0 ||
	    extend_var(pcr, "dbx", v->dbx, v->dbx_len) < 0 ||
	    sg_sha256(separator, sizeof(separator), d) < 0 || sg_pcr_extend(pcr, d) < 0)
		return -1;
	return extend_var(pcr, "db", v->authority, v->authority_len);
}

int sg_pcr7_first_signature(const uint8_t *esl, size_t len, const uint8_t **sig, size_t *sig_len)
{
	uint32_t list, header, size;

	if (len < ESL_HEADER)
		return sg_fail("EFI_SIGNATURE_LIST: %zu bytes, shorter than its header", len);
	list = sg_get_le32(esl + 16);
	header = sg_get_le32(esl + 20);
	size = sg_get_le32(esl + 24);
	/* owner GUID and at least one byte of signature; all inside the list */
	if (list > len || list < ESL_HEADER || size <= 16 ||
	    (uint64_t)ESL_HEADER + header + size > list)
		return sg_fail("EFI_SIGNATURE_LIST: sizes %u/%u/%u do not fit its %zu bytes", list,
			       header, size, len);
	*sig = esl + ESL_HEADER + header;
	*sig_len = size;
	return 0;
}

static int read_esl(const char *dir, const char *name, struct sg_buf *out)
{
	char path[SG_PATH_MAX];

	if (sg_path_join(path, sizeof(path), dir, name) < 0)
		return -1;
	return sg_read_file(path, out, ESL_MAX);
}

int sg_pcr7_predict_dir(const char *dir, uint8_t pcr[32])
{
	struct sg_buf pk = SG_BUF_INIT, kek = SG_BUF_INIT, db = SG_BUF_INIT;
	struct sg_pcr7_vars v = { 0 };
	int rc = -1;

	if (read_esl(dir, "PK.esl", &pk) < 0 || read_esl(dir, "KEK.esl", &kek) < 0 ||
	    read_esl(dir, "db.esl", &db) < 0)
		goto out;
	if (sg_pcr7_first_signature(db.data, db.len, &v.authority, &v.authority_len) < 0) {
		sg_fail("%s/db.esl: %s", dir, sg_errmsg());
		goto out;
	}
	v.pk = pk.data, v.pk_len = pk.len;
	v.kek = kek.data, v.kek_len = kek.len;
	v.db = db.data, v.db_len = db.len;
	rc = sg_pcr7_predict(&v, pcr);
out:
	sg_buf_free(&pk);
	sg_buf_free(&kek);
	sg_buf_free(&db);
	return rc;
}
