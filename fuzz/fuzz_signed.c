/* fuzz_signed - the readers of the authority's signed objects: DAM
 * files, environment claims, the audit log with its receipts and head,
 * rotation statements (dam.h, envclaim.h, auditlog.h, domain.h over
 * signed.h).
 *
 * The first byte chooses what the rest is (its low three bits) and a
 * variant (bit 3):
 *   0 a DAM file, verified (variant: against the expected DomainID);
 *   1 a DAM, signed here by the domain's root key, then verified;
 *   2 an environment claim file, verified;
 *   3 a claim, signed here, then verified;
 *   4 an audit log, a NUL, its head.json, verified from files;
 *   5 audit records one per line, each signed here as a receipt
 *     (variant: its prev set to the hash of the line before) with a head
 *     signed here, verified from files;
 *   6 a rotation statement, verified (variant: rotating from the domain);
 *   7 a rotation, signed here by the old and the new root key, verified.
 * A fuzzer cannot forge Ed25519, so the modes that sign reach every check
 * after the signature's. The keys are those of the domain the signet
 * binary made for the corpus (it revealed them) and of the domain it
 * rotated to, so the corpus's own signatures verify too. The audit log's
 * domain directory is a scratch directory made once; time is fixed.
 *
 * What the harness signs with the domain's key must never fail for its
 * signature.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "buf.h"
#include "crypto.h"
#include "dam.h"
#include "domain.h"
#include "envclaim.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "signed.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t seed_a[32] = {
	0x58, 0x95, 0x35, 0x31, 0x06, 0x74, 0xf7, 0x77, 0x22, 0x24, 0xe4,
	0x74, 0x26, 0xfa, 0xa3, 0xbd, 0xba, 0x38, 0xb5, 0x08, 0x31, 0xdd,
	0x41, 0x18, 0x2d, 0x51, 0x65, 0xfd, 0xe8, 0xac, 0x06, 0xb3,
};
static const uint8_t seed_b[32] = {
	0x32, 0x92, 0x7a, 0x03, 0x1d, 0x12, 0x1c, 0x10, 0xa7, 0x54, 0xc4,
	0x10, 0x66, 0x12, 0x16, 0x48, 0xb6, 0x36, 0xe4, 0xc5, 0xcf, 0xa5,
	0x64, 0x1c, 0x2f, 0xcc, 0x41, 0x3c, 0x06, 0x44, 0x11, 0x68,
};
/* A day after the corpus was made. */
static const time_t now = 1767409445;

static char dir[] = "/tmp/signet-fuzz-signed-XXXXXX";
static char log_path[sizeof(dir) + 32], head_path[sizeof(dir) + 32];
static struct sg_domain dom;

static void remove_dir(void)
{
	sg_remove_tree(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char logdir[sizeof(dir) + 8];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(logdir, sizeof(logdir), "%s/log", dir);
	snprintf(log_path, sizeof(log_path), "%s/log/audit.log", dir);
	snprintf(head_path, sizeof(head_path), "%s/log/head.json", dir);
	if (mkdir(logdir, 0700) < 0 || sg_ed25519_public(seed_a, dom.pub) < 0 ||
	    sg_domain_id(dom.pub, dom.id) < 0)
		abort();
	dom.home = dir;
	dom.dir = dir;
	dom.name = "fuzz";
	strcpy(dom.key_created_at, "2026-01-02T03:04:05Z");
	return 0;
}

static struct sg_json *parse(const uint8_t *data, size_t size)
{
	struct sg_json *j = NULL;

	if (sg_json_parse_flags((const char *)data, size, SG_JSON_MODEL, &j) < 0)
		return NULL;
	return j;
}

static void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		abort();
}

/* A DAM signed here whose root_public_key is the key it is signed with
 * must not fail for its signature. */
static void dam_signed(const struct sg_json *dam)
{
	struct sg_json *file = sg_dam_sign(dam, seed_a);
	const char *key;
	uint8_t pub[32];

	if (!file)
		return;
	key = sg_json_string(sg_json_get(dam, "root_public_key"), NULL);
	if (sg_dam_verify(file, "fuzz", now, NULL) == SG_DAM_BAD_SIGNATURE &&
	    sg_json_key32(sg_json_get(dam, "root_public_key"), "k", pub) == 0 && key &&
	    memcmp(pub, dom.pub, 32) == 0)
		abort();
	sg_json_free(file);
}

static void claim_signed(const struct sg_json *claim)
{
	struct sg_json *file = sg_envclaim_sign(claim, seed_a);
	char id[SG_SNAPSHOT_ID_LEN + 1];

	if (!file)
		return;
	(void)sg_envclaim_verify(file, &dom, "fuzz");
	(void)sg_envclaim_snapshot_id(claim, id);
	sg_json_free(file);
}

static void log_files(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct sg_log_state st;

	put_file(log_path, data, nul ? (size_t)(nul - data) : size);
	if (nul)
		put_file(head_path, nul + 1, size - (size_t)(nul + 1 - data));
	else
		unlink(head_path);
	(void)sg_auditlog_verify(&dom, &st);
}

/* One receipt line for record r (owned), its prev set to prev when
 * chain; appended to text, its hash into last. */
static int signed_line(struct sg_json *r, int chain, char last[65], struct sg_buf *text)
{
	struct sg_json *line = sg_json_new_object();
	size_t start = text->len;
	int rc = -1;

	if (chain && r->kind == SG_JSON_OBJECT &&
	    sg_json_set(r, "prev", sg_json_new_string(last)) < 0) {
		sg_json_free(r);
		goto out;
	}
	if (!line || sg_json_set(line, "receipt", sg_signature_make("receipt", r, seed_a, 0)) < 0) {
		sg_json_free(r);
		goto out;
	}
	if (sg_json_set(line, "record", r) < 0 || sg_json_canonical(line, text) < 0)
		goto out;
	if (sg_sha256_hex(text->data + start, text->len - start, last) < 0 ||
	    sg_buf_append_byte(text, '\n') < 0)
		goto out;
	rc = 0;
out:
	sg_json_free(line);
	return rc;
}

static void log_signed(const uint8_t *data, size_t size, int chain)
{
	struct sg_buf text = SG_BUF_INIT, head = SG_BUF_INIT;
	char last[65];
	int64_t n = 0;
	struct sg_json *h, *f;
	struct sg_log_state st;

	memset(last, '0', 64);
	last[64] = '\0';
	while (size) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - data) : size;
		struct sg_json *r = parse(data, len);

		if (!r || signed_line(r, chain, last, &text) < 0)
			goto out;
		n++;
		data += nl ? len + 1 : len;
		size -= nl ? len + 1 : len;
	}
	h = sg_json_new_object();
	if (!h || sg_json_set(h, "domain_id", sg_json_new_string(dom.id)) < 0 ||
	    sg_json_set(h, "seq", sg_json_new_int(n - 1)) < 0 ||
	    sg_json_set(h, "hash", sg_json_new_string(last)) < 0) {
		sg_json_free(h);
		goto out;
	}
	f = sg_json_new_object();
	if (f && sg_json_set(f, "signature", sg_signature_make("log-head", h, seed_a, 0)) == 0 &&
	    sg_json_set(f, "head", h) == 0 && sg_json_canonical(f, &head) == 0) {
		put_file(log_path, text.data, text.len);
		put_file(head_path, head.data, head.len);
		(void)sg_auditlog_verify(&dom, &st);
	} else if (!f) {
		sg_json_free(h);
	}
	sg_json_free(f);
out:
	sg_buf_free(&text);
	sg_buf_free(&head);
}

static void rotation_signed(const struct sg_json *rot)
{
	struct sg_json *stmt = sg_json_new_object();
	char to[SG_DOMAIN_ID_LEN + 1];

	if (stmt && sg_json_set(stmt, "rotation", sg_json_clone(rot)) == 0 &&
	    sg_json_set(stmt, "old_signature", sg_signature_make("rotation", rot, seed_a, 1)) == 0 &&
	    sg_json_set(stmt, "new_signature", sg_signature_make("rotation", rot, seed_b, 1)) == 0)
		(void)sg_rotation_verify(stmt, "fuzz", dom.id, to);
	sg_json_free(stmt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mode, variant;
	struct sg_json *j = NULL;
	char to[SG_DOMAIN_ID_LEN + 1];

	if (size < 1 || size > 65536)
		return 0;
	mode = data[0] & 7;
	variant = data[0] & 8;
	data++;
	size--;
	if (mode == 4) {
		log_files(data, size);
	} else if (mode == 5) {
		log_signed(data, size, variant);
	} else if ((j = parse(data, size))) {
		switch (mode) {
		case 0: (void)sg_dam_verify(j, "fuzz", now, variant ? dom.id : NULL); break;
		case 1: dam_signed(j); break;
		case 2: (void)sg_envclaim_verify(j, &dom, "fuzz"); break;
		case 3: claim_signed(j); break;
		case 6: (void)sg_rotation_verify(j, "fuzz", variant ? dom.id : NULL, to); break;
		case 7: rotation_signed(j); break;
		}
	}
	sg_json_free(j);
	sg_errclear();
	return 0;
}
