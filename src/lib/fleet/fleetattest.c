/* fleetattest.c - builders' attestations (fleetattest.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "fleetattest.h"
#include "fleetbuild.h"
#include "hex.h"
#include "path.h"
#include "signed.h"

#define KIND "fleet-attestation"
#define KEY_MAX 4096
#define ATTESTATION_MAX (1u << 26)
#define ARTIFACT_MAX (1ull << 32)

int sg_fleet_builder_keygen(const char *path, uint8_t pub[32])
{
	uint8_t seed[SG_ED25519_SEED_LEN];
	EVP_PKEY *k = NULL;
	BIO *b = NULL;
	BUF_MEM *mem;
	int rc = -1;

	if (access(path, F_OK) == 0)
		return sg_fail("%s: already exists, not overwriting", path);
	if (sg_ed25519_keygen(seed, pub) < 0 ||
	    !(k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed))) ||
	    !(b = BIO_new(BIO_s_secmem())) ||
	    !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
		sg_fail("%s: cannot make an Ed25519 key", path);
		goto out;
	}
	BIO_get_mem_ptr(b, &mem);
	rc = sg_write_file_atomic(path, mem->data, mem->length, 0600, SG_ATOMIC_NO_CLOBBER);
out:
	sg_wipe(seed, sizeof(seed));
	BIO_free(b); /* a secure-memory BIO clears what it held */
	EVP_PKEY_free(k);
	return rc;
}

/* The seed of the Ed25519 key in a PEM file. */
static int builder_key_load(const char *path, uint8_t seed[SG_ED25519_SEED_LEN])
{
	struct sg_buf text = SG_BUF_INIT;
	EVP_PKEY *k = NULL;
	BIO *b = NULL;
	size_t n = SG_ED25519_SEED_LEN;
	int rc = -1;

	if (sg_read_file(path, &text, KEY_MAX) < 0)
		return -1;
	if (!(b = BIO_new_mem_buf(text.data, (int)text.len)) ||
	    !(k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) ||
	    EVP_PKEY_get_id(k) != EVP_PKEY_ED25519 || !EVP_PKEY_get_raw_private_key(k, seed, &n) ||
	    n != SG_ED25519_SEED_LEN)
		sg_fail("%s: not an Ed25519 private key (PEM)", path);
	else
		rc = 0;
	BIO_free(b);
	EVP_PKEY_free(k);
	sg_buf_wipe(&text);
	return rc;
}

/* Each artifact of the manifest hashed again from its file in dir. */
static int check_files(const char *dir, const struct sg_json *arts)
{
	for (size_t i = 0; i < arts->u.array.len; i++) {
		const struct sg_json *e = arts->u.array.items[i];
		const char *rel = sg_json_get(e, "path")->u.string.data,
			   *want = sg_json_get(e, "sha256")->u.string.data;
		struct sg_buf data = SG_BUF_INIT;
		char path[SG_PATH_MAX], hex[65];
		uint8_t d[SG_SHA256_LEN];
		int rc = sg_path_join(path, sizeof(path), dir, rel) < 0 ||
			 sg_read_file(path, &data, ARTIFACT_MAX) < 0 ||
			 sg_sha256(data.data, data.len, d) < 0;
		sg_buf_free(&data);
		if (rc)
			return -1;
		sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
		hex[64] = '\0';
		if (strcmp(hex, want) != 0)
			return sg_fail("%s: its SHA-256 is not the manifest's: the build was changed",
				       path);
	}
	return 0;
}

static const struct sg_fleet_host *builder_of(const struct sg_fleet *f, const char *name)
{
	const struct sg_fleet_host *h = sg_fleet_host(f, name);

	if (!h || !(h->roles & SG_FLEET_BUILDER) || !h->has_attestation_key) {
		sg_fail("%s: not a builder of this fleet (no hosts/%s.yaml with role builder)",
			name, name);
		return NULL;
	}
	return h;
}

static struct sg_json *attestation_object(const struct sg_json *m, const char *builder)
{
	static const char *const keep[] = { "version", "commit", "dirty", "epoch", "artifacts" };
	struct sg_json *a = sg_json_new_object();

	if (!a || sg_json_set(a, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(a, "builder", sg_json_new_string(builder)) < 0)
		goto fail;
	for (size_t i = 1; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (sg_json_set(a, keep[i], sg_json_clone(sg_json_get(m, keep[i]))) < 0)
			goto fail;
	return a;
fail:
	sg_json_free(a);
	return NULL;
}

int sg_fleet_attest(const struct sg_fleet *f, const char *build_dir, const char *builder,
		    const char *key_path, struct sg_buf *out)
{
	uint8_t seed[SG_ED25519_SEED_LEN], pub[SG_ED25519_PUB_LEN];
	const struct sg_fleet_host *h = builder_of(f, builder);
	struct sg_json *m = NULL, *att = NULL, *doc = NULL;
	int rc = -1;

	if (!h || sg_fleet_manifest_read(build_dir, &m) < 0)
		return -1;
	if (!sg_json_get(m, "commit") || !sg_json_get(m, "dirty") || !sg_json_get(m, "epoch")) {
		sg_json_free(m);
		return sg_fail("%s: the manifest lacks commit, dirty or epoch", build_dir);
	}
	if (check_files(build_dir, sg_json_get(m, "artifacts")) < 0 ||
	    builder_key_load(key_path, seed) < 0)
		goto out;
	if (sg_ed25519_public(seed, pub) < 0 || memcmp(pub, h->attestation_key, sizeof(pub)) != 0) {
		sg_fail("%s: not %s's key (its attestation_key in %s)", key_path, builder, h->file);
		goto out;
	}
	if (!(att = attestation_object(m, builder)) || !(doc = sg_json_new_object()) ||
	    sg_json_set(doc, "attestation", sg_json_clone(att)) < 0 ||
	    sg_json_set(doc, "signature", sg_signature_make(KIND, att, seed, 1)) < 0 ||
	    sg_json_write(doc, out, 2) < 0 || sg_buf_append_byte(out, '\n') < 0)
		goto out;
	rc = 0;
out:
	sg_wipe(seed, sizeof(seed));
	sg_json_free(m);
	sg_json_free(att);
	sg_json_free(doc);
	return rc;
}

static int kind_is(const struct sg_json *obj, const char *key, enum sg_json_kind kind)
{
	const struct sg_json *v = sg_json_get(obj, key);

	return v && v->kind == kind;
}

/* The members an attestation has and their types; each artifact an
 * object with a string path. */
static int attestation_shape(const struct sg_json *a, const char *path)
{
	static const char *const members[] = { "version", "builder",   "commit", "dirty",
					       "epoch",	  "artifacts", NULL };
	const struct sg_json *arts;

	if (sg_obj_members(a, path, members, NULL) < 0)
		return -1;
	if (!kind_is(a, "builder", SG_JSON_STRING) || !kind_is(a, "commit", SG_JSON_STRING) ||
	    !kind_is(a, "dirty", SG_JSON_BOOL) || !kind_is(a, "epoch", SG_JSON_INT) ||
	    !kind_is(a, "artifacts", SG_JSON_ARRAY))
		return sg_fail("%s: builder, commit (strings), dirty (boolean), epoch (integer), "
			       "artifacts (list) are required",
			       path);
	arts = sg_json_get(a, "artifacts");
	for (size_t i = 0; i < arts->u.array.len; i++)
		if (arts->u.array.items[i]->kind != SG_JSON_OBJECT ||
		    !kind_is(arts->u.array.items[i], "path", SG_JSON_STRING))
			return sg_fail("%s: artifact %zu has no path", path, i);
	return 0;
}

int sg_fleet_attestation_parse(const struct sg_fleet *f, const char *name, const char *text,
			       size_t len, struct sg_json **att)
{
	static const char *const members[] = { "attestation", "signature", NULL };
	struct sg_json *doc = NULL;
	const struct sg_json *a;
	const struct sg_fleet_host *h;
	int rc = -1;

	*att = NULL;
	if (sg_json_parse(text, len, &doc) < 0)
		return sg_fail_prefix(name);
	if (sg_obj_members(doc, name, members, NULL) < 0)
		goto out;
	a = sg_json_get(doc, "attestation");
	if (attestation_shape(a, name) < 0 ||
	    !(h = builder_of(f, sg_json_get(a, "builder")->u.string.data)) ||
	    sg_signature_check(KIND, a, sg_json_get(doc, "signature"), h->attestation_key, name) < 0)
		goto out;
	*att = sg_json_clone(a);
	rc = *att ? 0 : -1;
out:
	sg_json_free(doc);
	return rc;
}

int sg_fleet_attestation_read(const struct sg_fleet *f, const char *path, struct sg_json **att)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	*att = NULL;
	if (sg_read_file(path, &text, ATTESTATION_MAX) == 0)
		rc = sg_fleet_attestation_parse(f, path, (const char *)text.data, text.len, att);
	sg_buf_free(&text);
	return rc;
}

/* One line per artifact the two lists do not share byte for byte. */
static size_t diff_artifacts(const struct sg_json *x, const struct sg_json *y, const char *nx,
			     const char *ny, struct sg_buf *report)
{
	size_t diffs = 0;

	for (size_t i = 0; i < x->u.array.len || i < y->u.array.len; i++) {
		struct sg_buf cx = SG_BUF_INIT, cy = SG_BUF_INIT;
		const struct sg_json *ex = i < x->u.array.len ? x->u.array.items[i] : NULL,
				     *ey = i < y->u.array.len ? y->u.array.items[i] : NULL;
		const struct sg_json *p = sg_json_get(ex ? ex : ey, "path");
		if (ex)
			sg_json_canonical(ex, &cx);
		if (ey)
			sg_json_canonical(ey, &cy);
		if (cx.len != cy.len || memcmp(cx.data, cy.data, cx.len) != 0) {
			sg_buf_printf(report, "%s: %s and %s differ\n",
				      p && p->kind == SG_JSON_STRING ? p->u.string.data : "?", nx,
				      ny);
			diffs++;
		}
		sg_buf_free(&cx);
		sg_buf_free(&cy);
	}
	return diffs;
}

int sg_fleet_compare(const struct sg_fleet *f, const char *att_a, const char *att_b,
		     struct sg_buf *report)
{
	struct sg_json *a = NULL, *b = NULL;
	const char *na, *nb;
	size_t start = report->len, diffs = 0;
	int rc = -1;

	if (sg_fleet_attestation_read(f, att_a, &a) < 0 || sg_fleet_attestation_read(f, att_b, &b) < 0)
		goto out;
	na = sg_json_get(a, "builder")->u.string.data;
	nb = sg_json_get(b, "builder")->u.string.data;
	if (strcmp(na, nb) == 0)
		diffs += sg_buf_printf(report,
				       "both attestations are %s's: two builders must agree\n",
				       na) == 0;
	if (!sg_json_equal(sg_json_get(a, "commit"), sg_json_get(b, "commit")) ||
	    !sg_json_equal(sg_json_get(a, "epoch"), sg_json_get(b, "epoch")))
		diffs += sg_buf_printf(report, "%s and %s built different commits\n", na, nb) == 0;
	if (sg_json_get(a, "dirty")->u.boolean || sg_json_get(b, "dirty")->u.boolean)
		diffs += sg_buf_printf(report,
				       "a build of a working tree that is not its commit\n") == 0;
	diffs += diff_artifacts(sg_json_get(a, "artifacts"), sg_json_get(b, "artifacts"), na, nb,
				report);
	if (diffs) {
		sg_fail("%.*s", (int)strcspn((const char *)report->data + start, "\n"),
			(const char *)report->data + start);
		goto out;
	}
	sg_buf_printf(report, "%s and %s agree: %zu artifacts, commit %s\n", na, nb,
		      sg_json_get(a, "artifacts")->u.array.len,
		      sg_json_get(a, "commit")->u.string.data);
	rc = 0;
out:
	sg_json_free(a);
	sg_json_free(b);
	return rc;
}
