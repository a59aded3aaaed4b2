/* The age library through its C interface: in-memory round trips at the
 * chunk boundaries, key encodings, list parsing and the refusal rules
 * that the CLI suites cannot reach directly. */
#include <stdlib.h>

#include "age.h"
#include "check.h"
#include "crypto.h"
#include "io.h"

static int roundtrip(const struct sg_age_recipients *rs, const struct sg_age_identities *ids,
		     const uint8_t *plain, size_t len, struct sg_buf *sealed)
{
	struct sg_mem_source src, back;
	struct sg_buf opened = SG_BUF_INIT;
	int ok;

	sealed->len = 0;
	ok = sg_age_encrypt(rs, sg_mem_reader(&src, plain, len), sg_buf_writer(sealed)) == 0 &&
	     sg_age_decrypt(ids, sg_mem_reader(&back, sealed->data, sealed->len),
			    sg_buf_writer(&opened)) == 0 &&
	     opened.len == len && (len == 0 || memcmp(opened.data, plain, len) == 0);
	sg_buf_free(&opened);
	return ok;
}

int main(void)
{
	static const size_t sizes[] = { 0,     1,	   65535,	   65536,
					65537, 16 * 65536, 16 * 65536 + 1, 33 * 65536 - 1 };
	struct sg_age_identities ids = { 0 }, other = { 0 }, pw = { 0 };
	struct sg_age_recipients rs = { 0 }, rpw = { 0 };
	struct sg_age_identity id;
	struct sg_buf text = SG_BUF_INIT, rec = SG_BUF_INIT, sealed = SG_BUF_INIT;
	struct sg_mem_source src;
	uint8_t *plain = malloc(33 * 65536);

	for (size_t i = 0; i < 33 * 65536; i++)
		plain[i] = (uint8_t)(i * 131 + 7);

	/* A generated identity encodes, parses back, and yields its recipient. */
	CHECK(sg_age_identity_generate(&id) == 0);
	CHECK(sg_age_identity_encode(&id, &text) == 0);
	CHECK(strncmp((char *)text.data, "AGE-SECRET-KEY-1", 16) == 0 && text.len == 74);
	sg_buf_append_str(&text, "\n# a comment\n\n");
	CHECK(sg_age_identities_parse(&ids, "mem", (char *)text.data, text.len) == 0 && ids.n == 1);
	CHECK(memcmp(ids.v[0].public, id.public, 32) == 0);
	CHECK(sg_age_recipient_encode(id.public, &rec) == 0);
	CHECK(strncmp((char *)rec.data, "age1", 4) == 0 && rec.len == 62);
	CHECK(sg_age_recipients_add(&rs, (char *)rec.data, rec.len) == 0);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		CHECK(roundtrip(&rs, &ids, plain, sizes[i], &sealed));

	/* The wrong identity finds no match; a flipped payload byte fails. */
	{
		struct sg_age_identity o;
		struct sg_buf t = SG_BUF_INIT, out = SG_BUF_INIT;
		struct sg_mem_source m;

		sg_age_identity_generate(&o);
		sg_age_identity_encode(&o, &t);
		CHECK(sg_age_identities_parse(&other, "mem", (char *)t.data, t.len) == 0);
		CHECK(roundtrip(&rs, &ids, plain, 1000, &sealed));
		CHECK(sg_age_decrypt(&other, sg_mem_reader(&m, sealed.data, sealed.len),
				     sg_buf_writer(&out)) < 0);
		sealed.data[sealed.len - 20] ^= 1;
		CHECK(sg_age_decrypt(&ids, sg_mem_reader(&m, sealed.data, sealed.len),
				     sg_buf_writer(&out)) < 0);
		sg_buf_wipe(&t);
		sg_buf_free(&out);
	}

	/* Passphrases (a low work factor keeps the test fast); a passphrase
	 * recipient cannot be mixed with others. */
	CHECK(sg_age_recipients_add_passphrase(&rpw, "pw", 2, 10) == 0);
	CHECK(sg_age_identities_add_passphrase(&pw, "pw", 2) == 0);
	CHECK(roundtrip(&rpw, &pw, plain, 70000, &sealed));
	CHECK(sg_age_recipients_add(&rpw, (char *)rec.data, rec.len) == 0);
	sealed.len = 0;
	CHECK(sg_age_encrypt(&rpw, sg_mem_reader(&src, plain, 10), sg_buf_writer(&sealed)) < 0);
	sg_age_recipients_free(&rpw);
	/* Work factors above age's limit are refused when encrypting too. */
	CHECK(sg_age_recipients_add_passphrase(&rpw, "x", 1, 23) == 0);
	CHECK(sg_age_encrypt(&rpw, sg_mem_reader(&src, plain, 10), sg_buf_writer(&sealed)) < 0);

	/* Keys with the wrong prefix, checksum or length are refused. */
	CHECK(sg_age_recipients_add(&rs, "age1qqqq", 8) < 0);
	CHECK(sg_age_recipients_add(&rs, (char *)text.data, 74) < 0);
	CHECK(sg_age_recipients_add(&rs, "ssh-ed25519 AAAA", 16) < 0);
	CHECK(sg_age_identities_parse(&other, "mem", (char *)rec.data, rec.len) < 0);
	CHECK(sg_age_identities_parse(&other, "mem", "# only comments\n", 16) < 0);
	CHECK(sg_age_recipients_parse(&rs, "mem", "\n", 1) < 0);

	/* The header checker refuses what is not an age header. */
	CHECK(sg_age_header_check((const uint8_t *)"age-encryption.org/v1\n---\n", 26) < 0);
	CHECK(sg_age_header_check((const uint8_t *)"", 0) < 0);

	sg_wipe(&id, sizeof(id));
	sg_age_identities_free(&ids);
	sg_age_identities_free(&other);
	sg_age_identities_free(&pw);
	sg_age_recipients_free(&rs);
	sg_age_recipients_free(&rpw);
	sg_buf_wipe(&text);
	sg_buf_free(&rec);
	sg_buf_free(&sealed);
	free(plain);
	return check_done();
}
