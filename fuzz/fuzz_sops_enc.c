/* fuzz_sops_enc - the ENC[AES256_GCM,...] value parser and decryption.
 *
 * Whatever parses must have a 16-byte tag and a non-empty IV; decrypting
 * it with a fixed key must fail cleanly (the input cannot know the key)
 * unless the input is a real encryption under that key, which the
 * harness makes one of itself to keep that path covered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fixedrand.h"
#include "json.h"
#include "sops.h"
#include "sopsdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[SG_SOPS_KEY_LEN] = { 1, 2, 3 };
	struct sg_sops_enc e;
	struct sg_sops_node *v = NULL;

	sg_fuzz_fixed_rand(); /* the IV of the encryption below */
	if (sg_sops_enc_parse((const char *)data, size, &e) == 0) {
		if (e.iv_len == 0 || e.iv_len > sizeof(e.iv) || !e.data)
			abort();
		sg_sops_enc_free(&e);
	}
	if (sg_sops_decrypt_value(key, "a:", (const char *)data, size, &v) == 0) {
		/* only possible for a genuine ciphertext under this key */
		sg_sops_free(v);
	}
	/* a value of the input's bytes (when text) round-trips */
	if (size > 0 && size < 4096 && sg_utf8_valid((const char *)data, size)) {
		struct sg_sops_node *s = sg_sops_new_str(SG_SOPS_STR, (const char *)data, size);
		struct sg_buf ct = SG_BUF_INIT;
		if (!s || sg_sops_encrypt_value(key, "x:y:", s, &ct) < 0)
			abort();
		if (sg_sops_decrypt_value(key, "x:y:", (const char *)ct.data, ct.len, &v) < 0 ||
		    v->kind != SG_SOPS_STR || v->len != size || (size && memcmp(v->str, data, size)))
			abort();
		sg_sops_free(v);
		sg_sops_free(s);
		sg_buf_free(&ct);
	}
	return 0;
}
