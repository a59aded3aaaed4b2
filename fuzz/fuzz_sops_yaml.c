/* fuzz_sops_yaml - the YAML reader and writer of SOPS documents.
 *
 * Whatever the reader accepts, the writer must write (unless a string is
 * not UTF-8, which the reader never produces), and what it writes must
 * read back and write again to the same text: the writer's output is a
 * fixed point. The document must also survive SOPS encryption through
 * text: encrypted, written, read and decrypted (MAC verified, every
 * comment decrypted in the block it came from), it writes as before.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fixedrand.h"
#include "sops.h"
#include "sopsdoc.h"
#include "yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void through_encryption(const struct sg_sops_node *doc, const struct sg_buf *want)
{
	static const uint8_t key[SG_SOPS_KEY_LEN] = { 7 };
	struct sg_sops_meta meta = { 0 };
	struct sg_sops_node *enc = sg_sops_clone(doc), *back = NULL;
	struct sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;

	if (!enc || sg_sops_meta_set_rule(&meta, &meta.unencrypted_suffix, "_unencrypted") < 0)
		abort();
	if (sg_sops_encrypt(enc, &meta, key, "2024-01-02T03:04:05Z") < 0 ||
	    sg_yaml_write(enc, &text) < 0)
		abort();
	if (sg_yaml_read("enc", (const char *)text.data, text.len, &back) < 0)
		abort();
	if (sg_sops_decrypt(back, &meta, key) < 0 || sg_yaml_write(back, &out) < 0)
		abort();
	if (out.len != want->len || (out.len && memcmp(out.data, want->data, out.len) != 0))
		abort();
	sg_sops_meta_free(&meta);
	sg_sops_free(enc);
	sg_sops_free(back);
	sg_buf_free(&text);
	sg_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_sops_node *doc, *again;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;

	sg_fuzz_fixed_rand(); /* the IVs of the encryption below */
	if (size > 65536 || sg_yaml_read("fuzz", (const char *)data, size, &doc) < 0)
		return 0;
	if (sg_yaml_write(doc, &a) < 0)
		abort();
	if (sg_yaml_read("fuzz", (const char *)a.data, a.len, &again) < 0)
		abort();
	if (sg_yaml_write(again, &b) < 0)
		abort();
	if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
		abort();
	through_encryption(again, &b);
	sg_sops_free(doc);
	sg_sops_free(again);
	sg_buf_free(&a);
	sg_buf_free(&b);
	return 0;
}
