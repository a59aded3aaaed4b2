#include "sops.h"

#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armor.h"
#include "base64.h"
#include "crypto.h"
#include "err.h"
#include "io.h"
#include "json.h"
#include "yamldoc.h"

/* sops's MACOnlyEncryptedInitialization: SHA-256("sops"). */
static const uint8_t mac_only_init[32] = {
	0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34,
	0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f,
	0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
};

int sg_sops_format_parse(const char *name, enum sg_sops_format *out)
{
	if (!strcmp(name, "yaml") || !strcmp(name, "yml"))
		*out = SG_SOPS_YAML;
	else if (!strcmp(name, "json"))
		*out = SG_SOPS_JSON;
	else if (!strcmp(name, "dotenv") || !strcmp(name, "env"))
		*out = SG_SOPS_DOTENV;
	else if (!strcmp(name, "binary"))
		*out = SG_SOPS_BINARY;
	else
		return sg_fail("unknown format \"%s\" (yaml, json, dotenv or binary)", name);
	return 0;
}

enum sg_sops_format sg_sops_format_for_path(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && !strcmp(dot, ".json"))
		return SG_SOPS_JSON;
	if (dot && !strcmp(dot, ".env"))
		return SG_SOPS_DOTENV;
	if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")))
		return SG_SOPS_YAML;
	return SG_SOPS_BINARY;
}

static char *dup_str(const char *s)
{
	char *p = s ? strdup(s) : NULL;

	if (s && !p)
		sg_fail("out of memory");
	return p;
}

void sg_sops_meta_free(struct sg_sops_meta *m)
{
	for (size_t i = 0; i < m->nage; i++) {
		free(m->age[i].recipient);
		free(m->age[i].enc);
	}
	free(m->age);
	free(m->lastmodified);
	free(m->mac);
	free(m->version);
	free(m->unencrypted_suffix);
	free(m->encrypted_suffix);
	free(m->unencrypted_regex);
	free(m->encrypted_regex);
	memset(m, 0, sizeof(*m));
}

int sg_sops_meta_set_rule(struct sg_sops_meta *m, char **rule, const char *value)
{
	char *copy = dup_str(value);

	if (value && !copy)
		return -1;
	free(m->unencrypted_suffix);
	free(m->encrypted_suffix);
	free(m->unencrypted_regex);
	free(m->encrypted_regex);
	m->unencrypted_suffix = m->encrypted_suffix = m->unencrypted_regex = m->encrypted_regex =
		NULL;
	if (rule)
		*rule = copy;
	else
		free(copy);
	return 0;
}

/* ---- RFC 3339 as Go formats it back ---- */

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Go's time.Parse(RFC3339, s).Format(RFC3339): fractions dropped, a zero
 * offset written as Z. */
static int canonical_time(const char *s, char out[32])
{
	size_t len = strlen(s), i = 19;
	int ok = len >= 20;

	for (size_t k = 0; ok && k < 19; k++) {
		const char want = "0000-00-00T00:00:00"[k];
		ok = want == '0' ? (s[k] >= '0' && s[k] <= '9') : s[k] == want;
	}
	if (ok && two(s + 5) >= 1 && two(s + 5) <= 12 && two(s + 8) >= 1 && two(s + 8) <= 31 &&
	    two(s + 11) < 24 && two(s + 14) < 60 && two(s + 17) < 61) {
		if (s[i] == '.') {
			i++;
			if (!(s[i] >= '0' && s[i] <= '9'))
				ok = 0;
			while (s[i] >= '0' && s[i] <= '9')
				i++;
		}
	} else {
		ok = 0;
	}
	if (ok && s[i] == 'Z' && i + 1 == len) {
		memcpy(out, s, 19);
		strcpy(out + 19, "Z");
		return 0;
	}
	if (ok && (s[i] == '+' || s[i] == '-') && i + 6 == len && s[i + 3] == ':' &&
	    s[i + 1] >= '0' && s[i + 1] <= '9' && s[i + 2] >= '0' && s[i + 2] <= '9' &&
	    s[i + 4] >= '0' && s[i + 4] <= '9' && s[i + 5] >= '0' && s[i + 5] <= '9' &&
	    two(s + i + 1) < 24 && two(s + i + 4) < 60) {
		memcpy(out, s, 19);
		if (two(s + i + 1) == 0 && two(s + i + 4) == 0)
			strcpy(out + 19, "Z");
		else
			memcpy(out + 19, s + i, 7);
		return 0;
	}
	return sg_fail("sops metadata: lastmodified \"%s\" is not an RFC 3339 time", s);
}

static int now_rfc3339(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return sg_fail("cannot format the current time");
	return 0;
}

/* ---- ENC[] values ---- */

void sg_sops_enc_free(struct sg_sops_enc *e)
{
	if (e->data) {
		sg_wipe(e->data, e->len);
		free(e->data);
	}
	memset(e, 0, sizeof(*e));
}

/* The text between `prefix` at s[*i] and the next `stop` character. */
static int enc_field(const char *s, size_t len, size_t *i, const char *prefix, char stop,
		     const char **f, size_t *flen)
{
	size_t pl = strlen(prefix), k;

	if (len - *i < pl || memcmp(s + *i, prefix, pl) != 0)
		return -1;
	*i += pl;
	for (k = *i; k < len && s[k] != stop; k++)
		;
	if (k == len || k == *i)
		return -1;
	*f = s + *i;
	*flen = k - *i;
	*i = k;
	return 0;
}

int sg_sops_enc_parse(const char *s, size_t len, struct sg_sops_enc *e)
{
	const char *data, *iv, *tag, *type;
	size_t dl, il, tl, yl, i = 0, n;

	memset(e, 0, sizeof(*e));
	if (enc_field(s, len, &i, "ENC[AES256_GCM,data:", ',', &data, &dl) < 0 ||
	    enc_field(s, len, &i, ",iv:", ',', &iv, &il) < 0 ||
	    enc_field(s, len, &i, ",tag:", ',', &tag, &tl) < 0 ||
	    enc_field(s, len, &i, ",type:", ']', &type, &yl) < 0 || i + 1 != len)
		return sg_fail("not an ENC[AES256_GCM,data:...,iv:...,tag:...,type:...] value");
	if (yl >= sizeof(e->type))
		return sg_fail("ENC value: unknown type");
	memcpy(e->type, type, yl);
	e->type[yl] = 0;
	if (!(e->data = malloc(sg_b64_decoded_max(dl) + 1)))
		return sg_fail("out of memory");
	if (sg_b64_decode(data, dl, e->data, sg_b64_decoded_max(dl) + 1, &e->len, SG_B64_PAD) < 0) {
		sg_sops_enc_free(e);
		return sg_fail("ENC value: data is not valid base64");
	}
	if (sg_b64_decode(iv, il, e->iv, sizeof(e->iv), &e->iv_len, SG_B64_PAD) < 0 || !e->iv_len) {
		sg_sops_enc_free(e);
		return sg_fail("ENC value: iv is not valid base64 (or too long)");
	}
	if (sg_b64_decode(tag, tl, e->tag, sizeof(e->tag), &n, SG_B64_PAD) < 0 || n != 16) {
		sg_sops_enc_free(e);
		return sg_fail("ENC value: tag is not 16 bytes of base64");
	}
	return 0;
}

/* The bytes sops encrypts and MACs for a scalar (Go's forms). */
static int plaintext_of(const struct sg_sops_node *v, struct sg_buf *out, const char **type)
{
	char num[400];

	switch (v->kind) {
	case SG_SOPS_STR: *type = "str"; return sg_buf_append(out, v->str, v->len);
	case SG_SOPS_COMMENT: *type = "comment"; return sg_buf_append(out, v->str, v->len);
	case SG_SOPS_INT: *type = "int"; return sg_buf_printf(out, "%" PRId64, v->integer);
	case SG_SOPS_FLOAT:
		*type = "float";
		sg_go_format_float_f(v->number, num);
		return sg_buf_append_str(out, num);
	case SG_SOPS_BOOL:
		*type = "bool";
		return sg_buf_append_str(out, v->boolean ? "True" : "False");
	default: return sg_fail("value cannot be encrypted");
	}
}

/* One AES-256-GCM operation. With a cache, the keyed context for sops's
 * 32-byte IVs is made once per document (creating one per value would
 * dominate the cost of small values); the caller frees it. */
static int aead(struct sg_aead **cache, int seal, const uint8_t key[SG_SOPS_KEY_LEN],
		const uint8_t *iv, size_t iv_len, const char *aad, const uint8_t *in, size_t len,
		uint8_t *out)
{
	struct sg_aead *a;
	int rc;

	if (cache && iv_len == SG_SOPS_IV_LEN) {
		if (!*cache && !(*cache = sg_aead_new(SG_AES256_GCM, key, SG_SOPS_IV_LEN)))
			return -1;
		a = *cache;
	} else if (!(a = sg_aead_new(SG_AES256_GCM, key, iv_len))) {
		return -1;
	}
	rc = seal ? sg_aead_seal(a, iv, aad, strlen(aad), in, len, out)
		  : sg_aead_open(a, iv, aad, strlen(aad), in, len, out);
	if (!cache || a != *cache)
		sg_aead_free(a);
	return rc;
}

static int encrypt_value(struct sg_aead **cache, const uint8_t key[SG_SOPS_KEY_LEN],
			 const char *aad, const struct sg_sops_node *v, struct sg_buf *out)
{
	struct sg_buf pt = SG_BUF_INIT;
	const char *type = NULL;
	uint8_t iv[SG_SOPS_IV_LEN], *ct = NULL;
	int rc = -1;

	if (plaintext_of(v, &pt, &type) < 0)
		goto out;
	if (sg_random(iv, sizeof(iv)) < 0 || !(ct = malloc(pt.len + SG_AEAD_TAG_LEN))) {
		if (!ct)
			sg_fail("out of memory");
		goto out;
	}
	if (aead(cache, 1, key, iv, sizeof(iv), aad, pt.len ? pt.data : (const uint8_t *)"", pt.len,
		 ct) < 0)
		goto out;
	if (sg_buf_append_str(out, "ENC[AES256_GCM,data:") < 0 ||
	    sg_b64_encode_buf(out, ct, pt.len, SG_B64_PAD) < 0 || sg_buf_append_str(out, ",iv:") < 0 ||
	    sg_b64_encode_buf(out, iv, sizeof(iv), SG_B64_PAD) < 0 ||
	    sg_buf_append_str(out, ",tag:") < 0 ||
	    sg_b64_encode_buf(out, ct + pt.len, SG_AEAD_TAG_LEN, SG_B64_PAD) < 0 ||
	    sg_buf_printf(out, ",type:%s]", type) < 0)
		goto out;
	rc = 0;
out:
	free(ct);
	sg_buf_wipe(&pt);
	return rc;
}

static int decrypt_value(struct sg_aead **cache, const uint8_t key[SG_SOPS_KEY_LEN],
			 const char *aad, const char *s, size_t len, struct sg_sops_node **out)
{
	struct sg_sops_enc e;
	uint8_t *buf = NULL, *pt;
	const char *t;
	int rc = -1;

	*out = NULL;
	if (sg_sops_enc_parse(s, len, &e) < 0)
		return -1;
	if (!(buf = malloc(e.len + SG_AEAD_TAG_LEN + 1))) {
		sg_sops_enc_free(&e);
		return sg_fail("out of memory");
	}
	memcpy(buf, e.data, e.len);
	memcpy(buf + e.len, e.tag, SG_AEAD_TAG_LEN);
	pt = malloc(e.len + 1);
	if (!pt) {
		sg_fail("out of memory");
		goto out;
	}
	if (aead(cache, 0, key, e.iv, e.iv_len, aad, buf, e.len + SG_AEAD_TAG_LEN, pt) < 0) {
		sg_fail("authentication failed");
		goto out_pt;
	}
	pt[e.len] = 0;
	t = e.type;
	if (!strcmp(t, "str") || !strcmp(t, "bytes")) {
		*out = sg_sops_new_str(SG_SOPS_STR, (const char *)pt, e.len);
	} else if (!strcmp(t, "comment")) {
		*out = sg_sops_new_str(SG_SOPS_COMMENT, (const char *)pt, e.len);
	} else if (!strcmp(t, "int") || !strcmp(t, "int64")) {
		int64_t v;
		if (sg_go_parse_int((const char *)pt, e.len, &v) < 0)
			sg_fail("decrypted int is not an integer");
		else if ((*out = sg_sops_new(SG_SOPS_INT)))
			(*out)->integer = v;
	} else if (!strcmp(t, "float")) {
		double v;
		if (sg_go_parse_float((const char *)pt, e.len, &v) < 0)
			sg_fail("decrypted float is not a number");
		else if ((*out = sg_sops_new(SG_SOPS_FLOAT)))
			(*out)->number = v;
	} else if (!strcmp(t, "bool")) {
		int v;
		if (sg_go_parse_bool((const char *)pt, e.len, &v) < 0)
			sg_fail("decrypted bool is not a boolean");
		else if ((*out = sg_sops_new(SG_SOPS_BOOL)))
			(*out)->boolean = v;
	} else {
		sg_fail("unknown datatype %s", t);
	}
	rc = *out ? 0 : -1;
out_pt:
	sg_wipe(pt, e.len);
	free(pt);
out:
	free(buf);
	sg_sops_enc_free(&e);
	return rc;
}

int sg_sops_encrypt_value(const uint8_t key[SG_SOPS_KEY_LEN], const char *aad,
			  const struct sg_sops_node *v, struct sg_buf *out)
{
	return encrypt_value(NULL, key, aad, v, out);
}

int sg_sops_decrypt_value(const uint8_t key[SG_SOPS_KEY_LEN], const char *aad, const char *s,
			  size_t len, struct sg_sops_node **out)
{
	return decrypt_value(NULL, key, aad, s, len, out);
}

/* ---- the tree walk ---- */

struct walk {
	const struct sg_sops_meta *meta;
	regex_t re;
	int have_re;
	const uint8_t *key;
	struct sg_aead *ctx; /* the keyed AES-GCM context, made on first use */
	int encrypt;
	struct sg_digest *mac;
	/* the path: keys of enclosing mappings */
	const char **path;
	size_t *path_len;
	size_t depth, cap;
};

static int has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len >= sl && memcmp(s + len - sl, suffix, sl) == 0;
}

/* sops's shouldBeEncrypted(), without the comment regexes. */
static int should_encrypt(const struct walk *w)
{
	const struct sg_sops_meta *m = w->meta;
	int enc = 1;

	if (m->unencrypted_suffix && *m->unencrypted_suffix) {
		for (size_t i = 0; i < w->depth; i++)
			if (has_suffix(w->path[i], w->path_len[i], m->unencrypted_suffix))
				return 0;
	}
	if (m->encrypted_suffix && *m->encrypted_suffix) {
		enc = 0;
		for (size_t i = 0; i < w->depth && !enc; i++)
			enc = has_suffix(w->path[i], w->path_len[i], m->encrypted_suffix);
	}
	if (w->have_re) {
		int unenc = m->unencrypted_regex && *m->unencrypted_regex, hit = 0;
		for (size_t i = 0; i < w->depth && !hit; i++)
			hit = regexec(&w->re, w->path[i], 0, NULL, 0) == 0;
		enc = unenc ? !hit : hit;
	}
	return enc;
}

static int aad_of(const struct walk *w, struct sg_buf *aad)
{
	aad->len = 0;
	for (size_t i = 0; i < w->depth; i++)
		if (sg_buf_append(aad, w->path[i], w->path_len[i]) < 0 ||
		    sg_buf_append_byte(aad, ':') < 0)
			return -1;
	if (w->depth == 0 && sg_buf_append_byte(aad, ':') < 0)
		return -1;
	return sg_buf_terminate(aad);
}

static int mac_value(struct walk *w, const struct sg_sops_node *v)
{
	struct sg_buf b = SG_BUF_INIT;
	const char *type;
	int rc;

	if (v->kind == SG_SOPS_COMMENT)
		return 0;
	rc = plaintext_of(v, &b, &type);
	if (rc == 0)
		rc = sg_digest_update(w->mac, b.data ? b.data : (const uint8_t *)"", b.len);
	sg_buf_wipe(&b);
	return rc;
}

static int path_fail(const struct sg_buf *aad, const char *what)
{
	return sg_fail("value at \"%s\": %s", aad->data ? (const char *)aad->data : ":", what);
}

static int leaf(struct walk *w, struct sg_sops_node **slot)
{
	struct sg_sops_node *v = *slot, *nv = NULL;
	struct sg_buf aad = SG_BUF_INIT, ct = SG_BUF_INIT;
	int enc = should_encrypt(w), rc = -1;

	if (aad_of(w, &aad) < 0)
		return -1;
	if (w->encrypt) {
		if ((!w->meta->mac_only_encrypted || enc) && mac_value(w, v) < 0)
			goto out;
		if (!enc || ((v->kind == SG_SOPS_STR || v->kind == SG_SOPS_COMMENT) && v->len == 0)) {
			rc = 0;
			goto out;
		}
		if (encrypt_value(&w->ctx, w->key, (const char *)aad.data, v, &ct) < 0)
			goto out;
		nv = sg_sops_new_str(v->kind == SG_SOPS_COMMENT ? SG_SOPS_COMMENT : SG_SOPS_STR,
				     (const char *)ct.data, ct.len);
	} else {
		if (enc && v->kind == SG_SOPS_COMMENT) {
			/* sops keeps a comment that does not decrypt as it is */
			if (v->len && decrypt_value(&w->ctx, w->key, (const char *)aad.data, v->str,
						    v->len, &nv) < 0) {
				sg_errclear();
				nv = NULL;
			}
			if (nv && nv->kind != SG_SOPS_COMMENT) {
				sg_sops_free(nv);
				nv = NULL;
			}
		} else if (enc) {
			if (v->kind != SG_SOPS_STR) {
				path_fail(&aad, "is not encrypted but the rules say it must be");
				goto out;
			}
			if (v->len && decrypt_value(&w->ctx, w->key, (const char *)aad.data, v->str,
						    v->len, &nv) < 0) {
				char msg[256];
				snprintf(msg, sizeof(msg), "cannot decrypt (%s)", sg_errmsg());
				path_fail(&aad, msg);
				goto out;
			}
		}
		if ((!w->meta->mac_only_encrypted || enc) && mac_value(w, nv ? nv : v) < 0)
			goto out;
	}
	if (nv) {
		nv->inline_comment = v->inline_comment;
		sg_sops_wipe(v);
		*slot = nv;
		nv = NULL;
	}
	rc = 0;
out:
	sg_sops_wipe(nv);
	sg_buf_wipe(&ct);
	sg_buf_free(&aad);
	return rc;
}

static int walk_node(struct walk *w, struct sg_sops_node **slot, int depth)
{
	struct sg_sops_node *n = *slot;

	if (depth > SG_SOPS_MAX_DEPTH)
		return sg_fail("document nested deeper than %d levels", SG_SOPS_MAX_DEPTH);
	switch (n->kind) {
	case SG_SOPS_NULL: return 0;
	case SG_SOPS_MAP:
	case SG_SOPS_LIST:
		for (size_t i = 0; i < n->n; i++) {
			struct sg_sops_item *it = &n->items[i];
			int pushed = 0;
			if (it->key && it->value->kind != SG_SOPS_COMMENT) {
				if (w->depth == w->cap) {
					size_t cap = w->cap ? w->cap * 2 : 16;
					const char **p = realloc(w->path, cap * sizeof(*p));
					size_t *pl;
					if (p)
						w->path = p;
					pl = p ? realloc(w->path_len, cap * sizeof(*pl)) : NULL;
					if (!pl)
						return sg_fail("out of memory");
					w->path_len = pl;
					w->cap = cap;
				}
				w->path[w->depth] = it->key;
				w->path_len[w->depth++] = it->key_len;
				pushed = 1;
			}
			int rc = walk_node(w, &it->value, depth + 1);
			if (pushed)
				w->depth--;
			if (rc < 0)
				return -1;
		}
		return 0;
	default: return leaf(w, slot);
	}
}

static int walk_init(struct walk *w, const struct sg_sops_meta *m, const uint8_t *key, int encrypt)
{
	const char *re;
	int rules = !!(m->unencrypted_suffix && *m->unencrypted_suffix) +
		    !!(m->encrypted_suffix && *m->encrypted_suffix) +
		    !!(m->unencrypted_regex && *m->unencrypted_regex) +
		    !!(m->encrypted_regex && *m->encrypted_regex);

	memset(w, 0, sizeof(*w));
	w->meta = m;
	w->key = key;
	w->encrypt = encrypt;
	if (rules > 1)
		return sg_fail("cannot use more than one of encrypted_suffix, unencrypted_suffix, "
			       "encrypted_regex or unencrypted_regex");
	re = m->encrypted_regex && *m->encrypted_regex ? m->encrypted_regex : m->unencrypted_regex;
	if (re && *re) {
		if (regcomp(&w->re, re, REG_EXTENDED | REG_NOSUB) != 0)
			return sg_fail("invalid regular expression \"%s\"", re);
		w->have_re = 1;
	}
	if (!(w->mac = sg_digest_new("SHA512"))) {
		if (w->have_re)
			regfree(&w->re);
		return -1;
	}
	if (m->mac_only_encrypted &&
	    sg_digest_update(w->mac, mac_only_init, sizeof(mac_only_init)) < 0)
		return -1;
	return 0;
}

static void walk_free(struct walk *w)
{
	sg_aead_free(w->ctx);
	if (w->have_re)
		regfree(&w->re);
	sg_digest_free(w->mac);
	free(w->path);
	free(w->path_len);
}

static int mac_hex(struct walk *w, char hex[2 * SG_SHA512_LEN + 1])
{
	uint8_t d[SG_SHA512_LEN];

	if (sg_digest_final(w->mac, d) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(d); i++)
		sprintf(hex + 2 * i, "%02X", d[i]);
	return 0;
}

int sg_sops_encrypt(struct sg_sops_node *doc, struct sg_sops_meta *meta,
		    const uint8_t key[SG_SOPS_KEY_LEN], const char *now)
{
	struct walk w;
	char hex[2 * SG_SHA512_LEN + 1], t[32];
	struct sg_sops_node macv = { .kind = SG_SOPS_STR };
	struct sg_buf enc = SG_BUF_INIT;
	int rc = -1;

	if (now) {
		if (canonical_time(now, t) < 0)
			return -1;
	} else if (now_rfc3339(t) < 0) {
		return -1;
	}
	if (walk_init(&w, meta, key, 1) < 0)
		return -1;
	if (walk_node(&w, &doc, 0) < 0 || mac_hex(&w, hex) < 0)
		goto out;
	macv.str = hex;
	macv.len = strlen(hex);
	if (sg_sops_encrypt_value(key, t, &macv, &enc) < 0 || sg_buf_terminate(&enc) < 0)
		goto out;
	free(meta->lastmodified);
	free(meta->mac);
	meta->lastmodified = dup_str(t);
	meta->mac = dup_str((const char *)enc.data);
	free(meta->version);
	meta->version = dup_str(SG_SOPS_VERSION);
	rc = meta->lastmodified && meta->mac && meta->version ? 0 : -1;
out:
	sg_buf_free(&enc);
	walk_free(&w);
	return rc;
}

int sg_sops_decrypt(struct sg_sops_node *doc, const struct sg_sops_meta *meta,
		    const uint8_t key[SG_SOPS_KEY_LEN])
{
	struct walk w;
	char hex[2 * SG_SHA512_LEN + 1], t[32];
	struct sg_sops_node *stored = NULL;
	int rc = -1;

	if (!meta->lastmodified || !meta->mac)
		return sg_fail("sops metadata: lastmodified or mac is missing");
	if (canonical_time(meta->lastmodified, t) < 0)
		return -1;
	if (walk_init(&w, meta, key, 0) < 0)
		return -1;
	if (walk_node(&w, &doc, 0) < 0 || mac_hex(&w, hex) < 0)
		goto out;
	if (sg_sops_decrypt_value(key, t, meta->mac, strlen(meta->mac), &stored) < 0) {
		sg_fail("MAC cannot be decrypted: the mac or lastmodified was altered (%s)",
			sg_errmsg());
		goto out;
	}
	if (stored->kind != SG_SOPS_STR || stored->len != strlen(hex) ||
	    !sg_ct_equal(stored->str, hex, stored->len)) {
		sg_fail("MAC mismatch: the file's values, their order or its metadata were altered");
		goto out;
	}
	rc = 0;
out:
	sg_sops_free(stored);
	walk_free(&w);
	return rc;
}

/* ---- the data key ---- */

int sg_sops_wrap_key(struct sg_sops_meta *meta, char *const *recipients, size_t n,
		     const uint8_t key[SG_SOPS_KEY_LEN])
{
	struct sg_sops_age_key *keys = calloc(n ? n : 1, sizeof(*keys));
	size_t i;

	if (!keys)
		return sg_fail("out of memory");
	for (i = 0; i < n; i++) {
		struct sg_age_recipients rs = { 0 };
		struct sg_buf out = SG_BUF_INIT;
		struct sg_armor_writer aw;
		struct sg_mem_source src;
		struct sg_writer w;
		int rc;

		if (sg_age_recipients_add(&rs, recipients[i], strlen(recipients[i])) < 0) {
			sg_fail_prefix(recipients[i]);
			goto fail;
		}
		sg_armor_writer_init(&aw, sg_buf_writer(&out));
		w = sg_armor_writer_as_writer(&aw);
		rc = sg_age_encrypt(&rs, sg_mem_reader(&src, key, SG_SOPS_KEY_LEN), w);
		if (rc == 0)
			rc = sg_writer_close(&w);
		sg_armor_writer_free(&aw);
		sg_age_recipients_free(&rs);
		if (rc < 0 || sg_buf_terminate(&out) < 0) {
			sg_buf_free(&out);
			goto fail;
		}
		keys[i].enc = (char *)out.data;
		if (!(keys[i].recipient = dup_str(recipients[i])))
			goto fail;
	}
	for (size_t k = 0; k < meta->nage; k++) {
		free(meta->age[k].recipient);
		free(meta->age[k].enc);
	}
	free(meta->age);
	meta->age = keys;
	meta->nage = n;
	return 0;
fail:
	for (size_t k = 0; k <= i && k < n; k++) {
		free(keys[k].recipient);
		free(keys[k].enc);
	}
	free(keys);
	return -1;
}

int sg_sops_unwrap_key(const struct sg_sops_meta *meta, const struct sg_age_identities *ids,
		       uint8_t key[SG_SOPS_KEY_LEN])
{
	if (!meta->nage)
		return sg_fail("the file has no age recipients (other key types are not supported)");
	if (!ids->n)
		return sg_fail("no age identity: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY");
	/* A stanza meant for one of our identities must open: if it does
	 * not, say so rather than "no identity matched". */
	for (size_t i = 0; i < meta->nage; i++) {
		const struct sg_sops_age_key *k = &meta->age[i];
		struct sg_buf out = SG_BUF_INIT;
		struct sg_mem_source src;
		int mine = 0, rc;

		for (size_t j = 0; j < ids->n && !mine; j++) {
			struct sg_buf r = SG_BUF_INIT;
			if (ids->v[j].kind == SG_AGE_X25519 &&
			    sg_age_recipient_encode(ids->v[j].public, &r) == 0 && k->recipient &&
			    strlen(k->recipient) == r.len && !memcmp(r.data, k->recipient, r.len))
				mine = 1;
			sg_buf_free(&r);
		}
		if (!k->enc)
			continue;
		rc = sg_age_decrypt(ids, sg_mem_reader(&src, k->enc, strlen(k->enc)),
				    sg_buf_writer(&out));
		if (rc == 0 && out.len == SG_SOPS_KEY_LEN) {
			memcpy(key, out.data, SG_SOPS_KEY_LEN);
			sg_buf_wipe(&out);
			return 0;
		}
		if (rc == 0)
			sg_fail("the data key is %zu bytes, not 32", out.len);
		sg_buf_wipe(&out);
		if (mine) {
			char msg[256];
			snprintf(msg, sizeof(msg), "%s", sg_errmsg());
			return sg_fail("sops metadata: the age stanza for %s does not decrypt: %s",
				       k->recipient, msg);
		}
	}
	sg_errclear();
	return sg_fail("no age identity matches a recipient of the file (%zu tried)", meta->nage);
}

/* ---- metadata in the tree ---- */

static const char *node_text(const struct sg_sops_node *v, char buf[400])
{
	if (!v)
		return NULL;
	switch (v->kind) {
	case SG_SOPS_STR: return memchr(v->str, 0, v->len) ? NULL : v->str;
	case SG_SOPS_INT: snprintf(buf, 400, "%" PRId64, v->integer); return buf;
	case SG_SOPS_FLOAT: sg_go_format_float_g(v->number, buf); return buf;
	case SG_SOPS_BOOL: return v->boolean ? "true" : "false";
	default: return NULL;
	}
}

static int meta_string(const struct sg_sops_node *map, const char *key, char **out)
{
	const struct sg_sops_node *v = sg_sops_get(map, key);
	char buf[400];
	const char *s;

	if (!v || v->kind == SG_SOPS_NULL)
		return 0;
	if (!(s = node_text(v, buf)))
		return sg_fail("sops metadata: %s is not a string", key);
	free(*out);
	return (*out = dup_str(s)) ? 0 : -1;
}

static int meta_age_list(struct sg_sops_meta *m, const struct sg_sops_node *list)
{
	if (!list || list->kind == SG_SOPS_NULL)
		return 0;
	if (list->kind != SG_SOPS_LIST)
		return sg_fail("sops metadata: age is not a list");
	for (size_t i = 0; i < list->n; i++) {
		const struct sg_sops_node *e = list->items[i].value;
		struct sg_sops_age_key *v;
		if (e->kind == SG_SOPS_COMMENT)
			continue;
		if (e->kind != SG_SOPS_MAP)
			return sg_fail("sops metadata: an age entry is not a mapping");
		if (!(v = realloc(m->age, (m->nage + 1) * sizeof(*v))))
			return sg_fail("out of memory");
		m->age = v;
		memset(&v[m->nage], 0, sizeof(*v));
		m->nage++;
		if (meta_string(e, "recipient", &v[m->nage - 1].recipient) < 0 ||
		    meta_string(e, "enc", &v[m->nage - 1].enc) < 0)
			return -1;
		if (!v[m->nage - 1].recipient || !v[m->nage - 1].enc)
			return sg_fail("sops metadata: an age entry lacks recipient or enc");
	}
	return 0;
}

static int meta_finish(struct sg_sops_meta *m)
{
	int rules = !!m->unencrypted_suffix + !!m->encrypted_suffix + !!m->unencrypted_regex +
		    !!m->encrypted_regex;

	if (rules > 1)
		return sg_fail("sops metadata: more than one of encrypted_suffix, unencrypted_suffix, "
			       "encrypted_regex, unencrypted_regex");
	if (!m->lastmodified)
		return sg_fail("sops metadata: lastmodified is missing");
	if (!m->mac)
		return sg_fail("sops metadata: mac is missing");
	if (rules == 0 && !(m->unencrypted_suffix = dup_str(SG_SOPS_DEFAULT_UNENCRYPTED_SUFFIX)))
		return -1;
	return 0;
}

static int meta_from_map(struct sg_sops_meta *m, const struct sg_sops_node *s)
{
	const struct sg_sops_node *v;

	if (s->kind != SG_SOPS_MAP)
		return sg_fail("sops metadata is not a mapping");
	if (meta_age_list(m, sg_sops_get(s, "age")) < 0)
		return -1;
	v = sg_sops_get(s, "key_groups");
	if (v && v->kind == SG_SOPS_LIST) {
		size_t groups = 0;
		for (size_t i = 0; i < v->n; i++) {
			const struct sg_sops_node *g = v->items[i].value;
			if (g->kind == SG_SOPS_COMMENT)
				continue;
			if (++groups > 1)
				return sg_fail(
					"sops metadata: several key groups (Shamir) are not supported");
			if (g->kind == SG_SOPS_MAP && meta_age_list(m, sg_sops_get(g, "age")) < 0)
				return -1;
		}
	}
	if (meta_string(s, "lastmodified", &m->lastmodified) < 0 ||
	    meta_string(s, "mac", &m->mac) < 0 || meta_string(s, "version", &m->version) < 0 ||
	    meta_string(s, "unencrypted_suffix", &m->unencrypted_suffix) < 0 ||
	    meta_string(s, "encrypted_suffix", &m->encrypted_suffix) < 0 ||
	    meta_string(s, "unencrypted_regex", &m->unencrypted_regex) < 0 ||
	    meta_string(s, "encrypted_regex", &m->encrypted_regex) < 0)
		return -1;
	if (sg_sops_get(s, "unencrypted_comment_regex") || sg_sops_get(s, "encrypted_comment_regex"))
		return sg_fail("sops metadata: comment regexes are not supported");
	v = sg_sops_get(s, "mac_only_encrypted");
	m->mac_only_encrypted = v && ((v->kind == SG_SOPS_BOOL && v->boolean) ||
				      (v->kind == SG_SOPS_STR && !strcmp(v->str, "true")));
	return meta_finish(m);
}

/* dotenv: sops_age__list_N__map_FIELD and sops_FIELD */
static int meta_from_dotenv(struct sg_sops_meta *m, struct sg_sops_node *doc)
{
	struct sg_sops_node *flat = sg_sops_new(SG_SOPS_MAP);
	size_t i = 0;
	int rc = -1;

	if (!flat)
		return -1;
	while (i < doc->n) {
		struct sg_sops_item *it = &doc->items[i];
		if (!it->key || strncmp(it->key, "sops_", 5) != 0) {
			i++;
			continue;
		}
		if (!strncmp(it->key, "sops_age__list_", 15)) {
			char *end;
			unsigned long idx = strtoul(it->key + 15, &end, 10);
			const char *field = !strncmp(end, "__map_", 6) ? end + 6 : NULL;
			if (end == it->key + 15 || !field || idx > 1000) {
				sg_fail("sops metadata: bad key %s", it->key);
				goto out;
			}
			if (idx >= m->nage) {
				struct sg_sops_age_key *v = realloc(m->age, (idx + 1) * sizeof(*v));
				if (!v) {
					sg_fail("out of memory");
					goto out;
				}
				memset(v + m->nage, 0, (idx + 1 - m->nage) * sizeof(*v));
				m->age = v;
				m->nage = idx + 1;
			}
			if (!strcmp(field, "recipient") || !strcmp(field, "enc")) {
				char **dst = !strcmp(field, "enc") ? &m->age[idx].enc
								   : &m->age[idx].recipient;
				free(*dst);
				if (!(*dst = dup_str(it->value->str)))
					goto out;
			}
		} else if (sg_sops_push(flat, it->key + 5, it->key_len - 5,
					sg_sops_clone(it->value)) < 0) {
			goto out;
		}
		/* by position: a key is not a C string (it may hold a NUL),
		 * so looking it up again might not find this item */
		sg_sops_wipe(sg_sops_remove(doc, i));
	}
	for (i = 0; i < m->nage; i++) {
		if (!m->age[i].recipient || !m->age[i].enc) {
			sg_fail("sops metadata: age entry %zu lacks recipient or enc", i);
			goto out;
		}
	}
	if (!flat->n && !m->nage) {
		sg_fail("sops metadata not found");
		goto out;
	}
	if (sg_sops_get(flat, "key_groups__list_0__map_age__list_0__map_enc")) {
		sg_fail("sops metadata: key groups in dotenv files are not supported");
		goto out;
	}
	rc = meta_from_map(m, flat);
out:
	sg_sops_free(flat);
	return rc;
}

int sg_sops_read_plain(enum sg_sops_format f, const char *name, const char *text, size_t len,
		       struct sg_sops_node **doc)
{
	switch (f) {
	case SG_SOPS_YAML: return sg_yaml_read(name, text, len, doc);
	case SG_SOPS_JSON: return sg_sops_json_read(name, text, len, doc);
	case SG_SOPS_DOTENV: return sg_sops_dotenv_read(name, text, len, doc);
	case SG_SOPS_BINARY: {
		struct sg_sops_node *d = sg_sops_new(SG_SOPS_MAP);
		if (!d || sg_sops_push(d, "data", 4,
				       sg_sops_new_str(SG_SOPS_STR, text ? text : "", len)) < 0) {
			sg_sops_free(d);
			return -1;
		}
		*doc = d;
		return 0;
	}
	}
	return sg_fail("unknown format");
}

int sg_sops_read_encrypted(enum sg_sops_format f, const char *name, const char *text, size_t len,
			   struct sg_sops_node **doc, struct sg_sops_meta *meta)
{
	struct sg_sops_node *s;
	int rc;

	memset(meta, 0, sizeof(*meta));
	if (f == SG_SOPS_BINARY)
		f = SG_SOPS_JSON; /* an encrypted binary file is JSON */
	if (sg_sops_read_plain(f, name, text, len, doc) < 0)
		return -1;
	if (f == SG_SOPS_DOTENV) {
		rc = meta_from_dotenv(meta, *doc);
	} else if (!(s = sg_sops_take(*doc, "sops"))) {
		rc = sg_fail("sops metadata not found");
	} else {
		rc = meta_from_map(meta, s);
		sg_sops_free(s);
	}
	if (rc < 0) {
		sg_fail_prefix(name);
		sg_sops_wipe(*doc);
		*doc = NULL;
		sg_sops_meta_free(meta);
	}
	return rc;
}

static int push_str(struct sg_sops_node *map, const char *key, const char *value)
{
	return sg_sops_push(map, key, strlen(key),
			    sg_sops_new_str(SG_SOPS_STR, value, strlen(value)));
}

/* The "sops" mapping as sops 3.9's stores.Metadata marshals it. */
static struct sg_sops_node *meta_to_map(const struct sg_sops_meta *m, enum sg_sops_format f)
{
	static const char *const empty_lists[] = { "kms", "gcp_kms", "azure_kv", "hc_vault" };
	struct sg_sops_node *s = sg_sops_new(SG_SOPS_MAP), *age = NULL, *b;
	enum sg_sops_kind empty = f == SG_SOPS_JSON ? SG_SOPS_NULL : SG_SOPS_LIST;
	int rc = 0;

	if (!s)
		return NULL;
	for (size_t i = 0; i < 4 && rc == 0; i++)
		rc = sg_sops_push(s, empty_lists[i], strlen(empty_lists[i]), sg_sops_new(empty));
	if (rc == 0 &&
	    !(age = sg_sops_new(m->nage || f != SG_SOPS_JSON ? SG_SOPS_LIST : SG_SOPS_NULL)))
		rc = -1;
	for (size_t i = 0; i < m->nage && rc == 0; i++) {
		struct sg_sops_node *e = sg_sops_new(SG_SOPS_MAP);
		rc = e ? 0 : -1;
		if (rc == 0)
			rc = push_str(e, "recipient", m->age[i].recipient);
		if (rc == 0)
			rc = push_str(e, "enc", m->age[i].enc);
		if (rc == 0)
			rc = sg_sops_push(age, NULL, 0, e);
		else
			sg_sops_free(e);
	}
	if (rc == 0) {
		rc = sg_sops_push(s, "age", 3, age);
		age = NULL;
	}
	if (rc == 0)
		rc = push_str(s, "lastmodified", m->lastmodified ? m->lastmodified : "");
	if (rc == 0)
		rc = push_str(s, "mac", m->mac ? m->mac : "");
	if (rc == 0)
		rc = sg_sops_push(s, "pgp", 3, sg_sops_new(empty));
	if (rc == 0 && m->unencrypted_suffix)
		rc = push_str(s, "unencrypted_suffix", m->unencrypted_suffix);
	if (rc == 0 && m->encrypted_suffix)
		rc = push_str(s, "encrypted_suffix", m->encrypted_suffix);
	if (rc == 0 && m->unencrypted_regex)
		rc = push_str(s, "unencrypted_regex", m->unencrypted_regex);
	if (rc == 0 && m->encrypted_regex)
		rc = push_str(s, "encrypted_regex", m->encrypted_regex);
	if (rc == 0 && m->mac_only_encrypted) {
		if ((b = sg_sops_new(SG_SOPS_BOOL)))
			b->boolean = 1;
		rc = sg_sops_push(s, "mac_only_encrypted", 18, b);
	}
	if (rc == 0)
		rc = push_str(s, "version", m->version ? m->version : SG_SOPS_VERSION);
	sg_sops_free(age);
	if (rc < 0) {
		sg_sops_free(s);
		return NULL;
	}
	return s;
}

static int cmp_items(const void *a, const void *b)
{
	const struct sg_sops_item *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* dotenv: flattened, keys sorted, as sops's FlattenMetadata leaves them
 * (empty lists are null there and dropped). */
static int meta_to_dotenv(const struct sg_sops_meta *m, struct sg_sops_node *doc)
{
	struct sg_sops_node *flat = sg_sops_new(SG_SOPS_MAP);
	char key[96];
	int rc = flat ? 0 : -1;

	for (size_t i = 0; i < m->nage && rc == 0; i++) {
		snprintf(key, sizeof(key), "sops_age__list_%zu__map_enc", i);
		rc = push_str(flat, key, m->age[i].enc);
		snprintf(key, sizeof(key), "sops_age__list_%zu__map_recipient", i);
		if (rc == 0)
			rc = push_str(flat, key, m->age[i].recipient);
	}
	if (rc == 0)
		rc = push_str(flat, "sops_lastmodified", m->lastmodified ? m->lastmodified : "");
	if (rc == 0)
		rc = push_str(flat, "sops_mac", m->mac ? m->mac : "");
	if (rc == 0 && m->mac_only_encrypted)
		rc = push_str(flat, "sops_mac_only_encrypted", "true");
	if (rc == 0 && m->unencrypted_suffix)
		rc = push_str(flat, "sops_unencrypted_suffix", m->unencrypted_suffix);
	if (rc == 0 && m->encrypted_suffix)
		rc = push_str(flat, "sops_encrypted_suffix", m->encrypted_suffix);
	if (rc == 0 && m->unencrypted_regex)
		rc = push_str(flat, "sops_unencrypted_regex", m->unencrypted_regex);
	if (rc == 0 && m->encrypted_regex)
		rc = push_str(flat, "sops_encrypted_regex", m->encrypted_regex);
	if (rc == 0)
		rc = push_str(flat, "sops_version", m->version ? m->version : SG_SOPS_VERSION);
	if (rc == 0) {
		qsort(flat->items, flat->n, sizeof(flat->items[0]), cmp_items);
		for (size_t i = 0; i < flat->n && rc == 0; i++) {
			rc = sg_sops_push(doc, flat->items[i].key, flat->items[i].key_len,
					  flat->items[i].value);
			flat->items[i].value = sg_sops_new(SG_SOPS_NULL);
			if (!flat->items[i].value)
				rc = -1;
		}
	}
	sg_sops_free(flat);
	return rc;
}

int sg_sops_write(enum sg_sops_format f, const struct sg_sops_node *doc,
		  const struct sg_sops_meta *meta, struct sg_buf *out)
{
	struct sg_sops_node *copy;
	int rc;

	if (!meta) {
		switch (f) {
		case SG_SOPS_YAML: return sg_yaml_write(doc, out);
		case SG_SOPS_JSON: return sg_sops_json_write(doc, out);
		case SG_SOPS_DOTENV: return sg_sops_dotenv_write(doc, out);
		case SG_SOPS_BINARY: {
			const struct sg_sops_node *d = sg_sops_get(doc, "data");
			if (!d || d->kind != SG_SOPS_STR)
				return sg_fail(
					"no binary data found in the document (a string \"data\")");
			return sg_buf_append(out, d->str, d->len);
		}
		}
		return sg_fail("unknown format");
	}
	if (f == SG_SOPS_BINARY)
		f = SG_SOPS_JSON;
	/* a shallow view would do, but a copy keeps the input const */
	if (!(copy = sg_sops_clone(doc)))
		return -1;
	if (f == SG_SOPS_DOTENV) {
		rc = meta_to_dotenv(meta, copy);
	} else {
		struct sg_sops_node *s = meta_to_map(meta, f);
		rc = s ? sg_sops_push(copy, "sops", 4, s) : -1;
	}
	if (rc == 0)
		rc = sg_sops_write(f, copy, NULL, out);
	sg_sops_wipe(copy);
	return rc;
}

/* ---- --extract ---- */

const struct sg_sops_node *sg_sops_extract(const struct sg_sops_node *doc, const char *path)
{
	const struct sg_sops_node *cur = doc;
	const char *p = path;

	while (*p) {
		if (*p != '[') {
			sg_fail("--extract: expected '[' at \"%s\"", p);
			return NULL;
		}
		p++;
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			const char *end = strchr(p, q);
			const struct sg_sops_node *next = NULL;
			if (!end || end[1] != ']') {
				sg_fail("--extract: unterminated key in \"%s\"", path);
				return NULL;
			}
			if (cur->kind == SG_SOPS_MAP) {
				for (size_t i = 0; i < cur->n && !next; i++) {
					const struct sg_sops_item *it = &cur->items[i];
					if (it->key && it->key_len == (size_t)(end - p) &&
					    !memcmp(it->key, p, (size_t)(end - p)))
						next = it->value;
				}
			}
			if (!next) {
				sg_fail("--extract: component ['%.*s'] not found", (int)(end - p), p);
				return NULL;
			}
			cur = next;
			p = end + 2;
		} else {
			char *end;
			unsigned long idx = strtoul(p, &end, 10);
			size_t k = 0;
			const struct sg_sops_node *next = NULL;
			if (end == p || *end != ']') {
				sg_fail("--extract: bad index in \"%s\"", path);
				return NULL;
			}
			if (cur->kind != SG_SOPS_LIST) {
				sg_fail("--extract: component [%lu] is an index, but the value is not a list",
					idx);
				return NULL;
			}
			for (size_t i = 0; i < cur->n && !next; i++) {
				if (cur->items[i].value->kind == SG_SOPS_COMMENT)
					continue;
				if (k++ == idx)
					next = cur->items[i].value;
			}
			if (!next) {
				sg_fail("--extract: component [%lu] accesses out of bounds", idx);
				return NULL;
			}
			cur = next;
			p = end + 1;
		}
	}
	return cur;
}

/* ---- .sops.yaml ---- */

void sg_sops_rule_free(struct sg_sops_rule *r)
{
	for (size_t i = 0; i < r->nage; i++)
		free(r->age[i]);
	free(r->age);
	free(r->unencrypted_suffix);
	free(r->encrypted_suffix);
	free(r->unencrypted_regex);
	free(r->encrypted_regex);
	memset(r, 0, sizeof(*r));
}

static int rule_add_recipients(struct sg_sops_rule *r, const char *s)
{
	const char *p = s;

	while (*p) {
		size_t len = strcspn(p, ",\n");
		const char *q = p;
		size_t n = len;
		char **v;

		while (n && (*q == ' ' || *q == '\t')) {
			q++;
			n--;
		}
		while (n && (q[n - 1] == ' ' || q[n - 1] == '\t' || q[n - 1] == '\r'))
			n--;
		if (n) {
			if (!(v = realloc(r->age, (r->nage + 1) * sizeof(*v))))
				return sg_fail("out of memory");
			r->age = v;
			if (!(v[r->nage] = strndup(q, n)))
				return sg_fail("out of memory");
			r->nage++;
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

static int rule_from_map(const char *name, const struct sg_sops_node *m, struct sg_sops_rule *out)
{
	static const char *const keys[] = { "unencrypted_suffix", "encrypted_suffix",
					    "unencrypted_regex", "encrypted_regex" };
	char **dst[] = { &out->unencrypted_suffix, &out->encrypted_suffix, &out->unencrypted_regex,
			 &out->encrypted_regex };
	const struct sg_sops_node *v = sg_sops_get(m, "age"), *b;
	int rules = 0;

	if (sg_sops_get(m, "key_groups"))
		return sg_fail("%s: key_groups are not supported (use age: in the rule)", name);
	if (v && v->kind == SG_SOPS_STR && rule_add_recipients(out, v->str) < 0)
		return -1;
	if (v && v->kind == SG_SOPS_LIST) {
		for (size_t i = 0; i < v->n; i++)
			if (v->items[i].value->kind == SG_SOPS_STR &&
			    rule_add_recipients(out, v->items[i].value->str) < 0)
				return -1;
	}
	for (size_t i = 0; i < 4; i++) {
		v = sg_sops_get(m, keys[i]);
		if (!v || v->kind == SG_SOPS_NULL)
			continue;
		if (v->kind != SG_SOPS_STR)
			return sg_fail("%s: %s is not a string", name, keys[i]);
		if (!(*dst[i] = dup_str(v->str)))
			return -1;
		rules++;
	}
	if (rules > 1)
		return sg_fail("%s: a rule may set only one of encrypted_suffix, unencrypted_suffix, "
			       "encrypted_regex, unencrypted_regex",
			       name);
	b = sg_sops_get(m, "mac_only_encrypted");
	out->mac_only_encrypted = b && b->kind == SG_SOPS_BOOL && b->boolean;
	if (!out->nage)
		return sg_fail("%s: the matching creation rule has no age recipients", name);
	return 0;
}

int sg_sops_config_rule(const char *name, const char *text, size_t len, const char *path,
			struct sg_sops_rule *out)
{
	struct sg_sops_node *conf = NULL;
	const struct sg_sops_node *rules;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (sg_yaml_read(name, text, len, &conf) < 0)
		return -1;
	rules = sg_sops_get(conf, "creation_rules");
	if (!rules || rules->kind != SG_SOPS_LIST) {
		sg_fail("%s: no creation_rules", name);
		goto out;
	}
	for (size_t i = 0; i < rules->n; i++) {
		const struct sg_sops_node *r = rules->items[i].value, *re;
		int match = 1;

		if (r->kind == SG_SOPS_COMMENT)
			continue;
		if (r->kind != SG_SOPS_MAP) {
			sg_fail("%s: a creation rule is not a mapping", name);
			goto out;
		}
		re = sg_sops_get(r, "path_regex");
		if (re && re->kind == SG_SOPS_STR && re->len) {
			regex_t rx;
			if (regcomp(&rx, re->str, REG_EXTENDED | REG_NOSUB) != 0) {
				sg_fail("%s: invalid path_regex \"%s\"", name, re->str);
				goto out;
			}
			match = regexec(&rx, path, 0, NULL, 0) == 0;
			regfree(&rx);
		}
		if (match) {
			rc = rule_from_map(name, r, out);
			goto out;
		}
	}
	sg_fail("%s: no matching creation rules found for %s", name, path);
out:
	if (rc < 0)
		sg_sops_rule_free(out);
	sg_sops_free(conf);
	return rc;
}
