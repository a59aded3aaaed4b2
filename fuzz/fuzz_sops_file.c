/* fuzz_sops_file - what signet sops -d does with a file it is given, in
 * every store (YAML, JSON, dotenv, binary): the metadata reader, the
 * data key unwrapped with a fixed age identity, every value decrypted
 * and the MAC verified; and the .sops.yaml reader of sops -e.
 *
 * The first byte chooses: bits 0-1 the store, bit 2 whether the rest is
 * an encrypted file or a .sops.yaml (its rule for a fixed path). The
 * identity is that of the first recipient of tests/vectors/sops/, files
 * the real sops wrote, which are the corpus with what signet wrote to
 * the same recipient; so a fuzzer starts from files whose MAC verifies.
 * A file that decrypts must write out in its store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"
#include "buf.h"
#include "err.h"
#include "fixedrand.h"
#include "sops.h"
#include "sopsdoc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char identity[] =
	"AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P\n";
static struct sg_age_identities ids;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sg_age_identities_parse(&ids, "fuzz", identity, sizeof(identity) - 1) < 0)
		abort();
	return 0;
}

static void decrypt(enum sg_sops_format f, const char *text, size_t len)
{
	struct sg_sops_node *doc = NULL;
	struct sg_sops_meta meta = { 0 };
	struct sg_buf out = SG_BUF_INIT;
	uint8_t key[SG_SOPS_KEY_LEN];

	if (sg_sops_read_encrypted(f, "fuzz", text, len, &doc, &meta) == 0 &&
	    sg_sops_unwrap_key(&meta, &ids, key) == 0 && sg_sops_decrypt(doc, &meta, key) == 0 &&
	    sg_sops_write(f, doc, NULL, &out) < 0 && f != SG_SOPS_YAML)
		abort(); /* only YAML refuses a decrypted string (not UTF-8) */
	sg_buf_wipe(&out);
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sg_sops_format formats[] = { SG_SOPS_YAML, SG_SOPS_JSON, SG_SOPS_DOTENV,
						       SG_SOPS_BINARY };

	if (size < 1 || size > 65536)
		return 0;
	sg_fuzz_fixed_rand();
	if (data[0] & 4) {
		struct sg_sops_rule r = { 0 };
		if (sg_sops_config_rule("fuzz", (const char *)data + 1, size - 1,
					"secrets/app/x.yaml", &r) == 0)
			sg_sops_rule_free(&r);
	} else {
		decrypt(formats[data[0] & 3], (const char *)data + 1, size - 1);
	}
	sg_errclear();
	return 0;
}
