/* keyfile.c - secret files age-encrypted at rest, over age.c. */
#include "keyfile.h"

#include <stdlib.h>
#include <string.h>

#include "armor.h"
#include "err.h"
#include "fileio.h"
#include "io.h"

/* An age key file is small; anything larger is not one. */
#define KEYFILE_MAX (1u << 20)

int sg_keyfile_seal(const struct sg_age_recipients *rs, const void *secret, size_t len, int armor,
		    struct sg_buf *out)
{
	struct sg_mem_source src;
	struct sg_armor_writer aw;
	struct sg_writer w = sg_buf_writer(out);
	int rc;

	if (!rs || rs->n == 0)
		return sg_fail("no recipient to encrypt the key to");
	if (armor) {
		sg_armor_writer_init(&aw, w);
		w = sg_armor_writer_as_writer(&aw);
	}
	rc = sg_age_encrypt(rs, sg_mem_reader(&src, secret, len), w);
	if (rc == 0)
		rc = sg_writer_close(&w);
	if (armor)
		sg_armor_writer_free(&aw);
	return rc;
}

int sg_keyfile_write(const char *path, const struct sg_age_recipients *rs, const void *secret,
		     size_t len, int armor)
{
	struct sg_buf ct = SG_BUF_INIT;
	int rc = sg_keyfile_seal(rs, secret, len, armor, &ct);

	if (rc == 0)
		rc = sg_write_file_atomic(path, ct.data, ct.len, 0600, SG_ATOMIC_NO_CLOBBER);
	sg_buf_free(&ct);
	return rc;
}

/* Reads path and parses its age header; errors name the file. */
static int open_header(const char *path, struct sg_buf *ct, struct sg_mem_source *src,
		       struct sg_age_decryptor **dec)
{
	if (sg_read_file(path, ct, KEYFILE_MAX) < 0)
		return -1;
	if (sg_age_decrypt_open(dec, sg_mem_reader(src, ct->data, ct->len)) < 0)
		return sg_fail_prefix(path);
	return 0;
}

int sg_keyfile_wants_passphrase(const char *path)
{
	struct sg_buf ct = SG_BUF_INIT;
	struct sg_age_decryptor *dec = NULL;
	struct sg_mem_source src;
	int r = -1;

	if (open_header(path, &ct, &src, &dec) == 0)
		r = sg_age_decrypt_wants_passphrase(dec);
	sg_age_decrypt_free(dec);
	sg_buf_free(&ct);
	return r;
}

int sg_keyfile_open(const char *path, const struct sg_age_identities *ids, size_t max,
		    struct sg_buf *secret)
{
	struct sg_buf ct = SG_BUF_INIT, pt = SG_BUF_INIT;
	struct sg_age_decryptor *dec = NULL;
	struct sg_mem_source src;
	int rc = -1;

	if (open_header(path, &ct, &src, &dec) < 0)
		goto out;
	if (!ids || ids->n == 0) {
		sg_fail("%s: encrypted, and no passphrase or identity given", path);
		goto out;
	}
	if (sg_age_decrypt_unwrap(dec, ids) < 0 ||
	    sg_age_decrypt_payload(dec, sg_buf_writer(&pt)) < 0) {
		sg_fail_prefix(path);
		goto out;
	}
	if (pt.len > max) {
		sg_fail("%s: decrypted key larger than %zu bytes", path, max);
		goto out;
	}
	if (sg_buf_append(secret, pt.data, pt.len) < 0)
		goto out;
	rc = 0;
out:
	sg_age_decrypt_free(dec);
	sg_buf_wipe(&pt);
	sg_buf_free(&ct);
	return rc;
}
