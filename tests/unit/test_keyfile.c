/* Key files sealed with age: passphrase and X25519 round trips, armor,
 * wrong passphrase / identity refused with nothing returned, no clobber,
 * size limit, files that are not age. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "keyfile.h"

static const char secret[] = "-----BEGIN PRIVATE KEY-----\nnot really a key\n"
			     "-----END PRIVATE KEY-----\n";

static int opens_to_secret(const char *path, const struct sg_age_identities *ids)
{
	struct sg_buf pt = SG_BUF_INIT;
	int ok = sg_keyfile_open(path, ids, 4096, &pt) == 0 && pt.len == sizeof(secret) - 1 &&
		 memcmp(pt.data, secret, pt.len) == 0;

	sg_buf_wipe(&pt);
	return ok;
}

/* Fails, with msg in the error, and leaves nothing in the output. */
static int refused(const char *path, const struct sg_age_identities *ids, size_t max, const char *msg)
{
	struct sg_buf pt = SG_BUF_INIT;
	int ok = sg_keyfile_open(path, ids, max, &pt) < 0 && pt.len == 0 &&
		 strstr(sg_errmsg(), msg) && strstr(sg_errmsg(), path);

	sg_buf_wipe(&pt);
	return ok;
}

int main(void)
{
	char dir[] = "/tmp/signet-test-keyfile-XXXXXX", pass_path[256], x_path[256], bad_path[256];
	struct sg_age_recipients pass_rs = { 0 }, x_rs = { 0 };
	struct sg_age_identities pass_ids = { 0 }, wrong_ids = { 0 }, x_ids = { 0 },
				 other_ids = { 0 }, none = { 0 };
	struct sg_age_identity id, other;
	struct sg_buf ct = SG_BUF_INIT, text = SG_BUF_INIT;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(pass_path, sizeof(pass_path), "%s/pass.pem.age", dir);
	snprintf(x_path, sizeof(x_path), "%s/x.pem.age", dir);
	snprintf(bad_path, sizeof(bad_path), "%s/plain.pem", dir);

	/* A small work factor keeps the test fast; 18 is the default. */
	CHECK(sg_age_recipients_add_passphrase(&pass_rs, "right", 5, 10) == 0);
	CHECK(sg_age_identities_add_passphrase(&pass_ids, "right", 5) == 0);
	CHECK(sg_age_identities_add_passphrase(&wrong_ids, "wrong", 5) == 0);

	/* Armored: text, and no byte of the secret in it. */
	CHECK(sg_keyfile_seal(&pass_rs, secret, sizeof(secret) - 1, 1, &ct) == 0);
	CHECK(ct.len > 35 && memcmp(ct.data, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35) == 0);
	CHECK(sg_buf_terminate(&ct) == 0 && !strstr((char *)ct.data, "not really"));
	sg_buf_free(&ct);

	CHECK(sg_keyfile_write(pass_path, &pass_rs, secret, sizeof(secret) - 1, 1) == 0);
	CHECK(stat(pass_path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(sg_keyfile_write(pass_path, &pass_rs, "x", 1, 1) < 0); /* never overwrites */
	CHECK(sg_keyfile_wants_passphrase(pass_path) == 1);
	CHECK(opens_to_secret(pass_path, &pass_ids));
	CHECK(refused(pass_path, &wrong_ids, 4096, "incorrect passphrase"));
	CHECK(refused(pass_path, &none, 4096, "no passphrase or identity"));
	CHECK(refused(pass_path, &pass_ids, 8, "larger than"));

	/* X25519, binary. */
	CHECK(sg_age_identity_generate(&id) == 0 && sg_age_identity_generate(&other) == 0);
	CHECK(sg_age_recipient_encode(id.public, &text) == 0);
	CHECK(sg_age_recipients_add(&x_rs, (char *)text.data, text.len) == 0);
	sg_buf_free(&text);
	CHECK(sg_age_identity_encode(&id, &text) == 0);
	CHECK(sg_age_identities_parse(&x_ids, "id", (char *)text.data, text.len) == 0);
	sg_buf_wipe(&text);
	CHECK(sg_age_identity_encode(&other, &text) == 0);
	CHECK(sg_age_identities_parse(&other_ids, "other", (char *)text.data, text.len) == 0);
	sg_buf_wipe(&text);
	CHECK(sg_keyfile_write(x_path, &x_rs, secret, sizeof(secret) - 1, 0) == 0);
	CHECK(sg_read_file(x_path, &ct, 4096) == 0 && ct.len > 21 &&
	      memcmp(ct.data, "age-encryption.org/v1", 21) == 0);
	sg_buf_free(&ct);
	CHECK(sg_keyfile_wants_passphrase(x_path) == 0);
	CHECK(opens_to_secret(x_path, &x_ids));
	CHECK(refused(x_path, &other_ids, 4096, "no identity matched"));
	CHECK(refused(x_path, &pass_ids, 4096, "no identity matched"));

	/* Not an age file; no recipients at all. */
	CHECK(sg_write_file_atomic(bad_path, secret, sizeof(secret) - 1, 0600, 0) == 0);
	CHECK(sg_keyfile_wants_passphrase(bad_path) < 0 && strstr(sg_errmsg(), bad_path));
	CHECK(refused(bad_path, &pass_ids, 4096, bad_path));
	CHECK(sg_keyfile_seal(&x_rs, secret, 1, 0, &ct) == 0);
	sg_buf_free(&ct);
	{
		struct sg_age_recipients empty = { 0 };
		CHECK(sg_keyfile_seal(&empty, secret, 1, 0, &ct) < 0 && ct.len == 0);
	}

	unlink(pass_path);
	unlink(x_path);
	unlink(bad_path);
	rmdir(dir);
	sg_age_recipients_free(&pass_rs);
	sg_age_recipients_free(&x_rs);
	sg_age_identities_free(&pass_ids);
	sg_age_identities_free(&wrong_ids);
	sg_age_identities_free(&x_ids);
	sg_age_identities_free(&other_ids);
	sg_wipe(&id, sizeof(id));
	sg_wipe(&other, sizeof(other));
	return check_done();
}
