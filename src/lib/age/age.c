#include "age.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armor.h"
#include "base64.h"
#include "bech32.h"
#include "crypto.h"
#include "err.h"
#include "stream.h"

#define VERSION_LINE "age-encryption.org/v1"
#define X25519_LABEL "age-encryption.org/v1/X25519"
#define SCRYPT_LABEL "age-encryption.org/v1/scrypt"
#define RECIPIENT_HRP "age"
#define IDENTITY_HRP "age-secret-key-"
#define BODY_COLUMNS 64
#define WRAPPED_KEY_LEN (SG_AGE_FILE_KEY_LEN + SG_AEAD_TAG_LEN)
#define STREAM_NONCE_LEN 16
/* Bounds on what a header may hold, so a hostile file cannot make us
 * allocate without limit. Real headers are a few hundred bytes. */
#define HEADER_LINE_MAX 16384
#define HEADER_MAX (1u << 20)
#define STANZAS_MAX 4096

/* --- lists --------------------------------------------------------------- */

static void identity_wipe(struct sg_age_identity *id)
{
	sg_buf_wipe(&id->passphrase);
	sg_wipe(id, sizeof(*id));
}

void sg_age_identities_free(struct sg_age_identities *l)
{
	for (size_t i = 0; i < l->n; i++)
		identity_wipe(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void sg_age_recipients_free(struct sg_age_recipients *l)
{
	for (size_t i = 0; i < l->n; i++)
		sg_buf_wipe(&l->v[i].passphrase);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct sg_age_identity *identities_push(struct sg_age_identities *l)
{
	struct sg_age_identity *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v) {
		sg_fail("out of memory");
		return NULL;
	}
	l->v = v;
	memset(&v[l->n], 0, sizeof(*v));
	return &v[l->n++];
}

static struct sg_age_recipient *recipients_push(struct sg_age_recipients *l)
{
	struct sg_age_recipient *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v) {
		sg_fail("out of memory");
		return NULL;
	}
	l->v = v;
	memset(&v[l->n], 0, sizeof(*v));
	return &v[l->n++];
}

int sg_age_identities_add_passphrase(struct sg_age_identities *l, const void *pass, size_t len)
{
	struct sg_age_identity *id = identities_push(l);

	if (!id)
		return -1;
	id->kind = SG_AGE_SCRYPT;
	return sg_buf_append(&id->passphrase, pass, len);
}

int sg_age_recipients_add_passphrase(struct sg_age_recipients *l, const void *pass, size_t len,
				     unsigned work_factor)
{
	struct sg_age_recipient *r = recipients_push(l);

	if (!r)
		return -1;
	r->kind = SG_AGE_SCRYPT;
	r->work_factor = work_factor;
	return sg_buf_append(&r->passphrase, pass, len);
}

/* --- keys ---------------------------------------------------------------- */

int sg_age_identity_generate(struct sg_age_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->kind = SG_AGE_X25519;
	return sg_x25519_keygen(id->secret, id->public);
}

int sg_age_identity_encode(const struct sg_age_identity *id, struct sg_buf *out)
{
	return sg_bech32_encode(out, IDENTITY_HRP, id->secret, 32, 1);
}

int sg_age_recipient_encode(const uint8_t public_key[32], struct sg_buf *out)
{
	return sg_bech32_encode(out, RECIPIENT_HRP, public_key, 32, 0);
}

/* Decodes a bech32 key with the expected hrp into 32 bytes. */
static int decode_key(const char *s, size_t len, const char *want_hrp, uint8_t key[32])
{
	char hrp[32];
	uint8_t data[64];
	size_t n;

	if (sg_bech32_decode(s, len, hrp, sizeof(hrp), data, sizeof(data), &n) < 0)
		return -1;
	if (strcmp(hrp, want_hrp) != 0 || n != 32) {
		sg_wipe(data, sizeof(data));
		return sg_fail("not an age %s",
			       strcmp(want_hrp, RECIPIENT_HRP) ? "identity" : "recipient");
	}
	memcpy(key, data, 32);
	sg_wipe(data, sizeof(data));
	return 0;
}

static int starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

int sg_age_recipients_add(struct sg_age_recipients *l, const char *s, size_t len)
{
	struct sg_age_recipient *r;
	uint8_t key[32];

	if (starts_with(s, len, "ssh-") || starts_with(s, len, "ecdsa-"))
		return sg_fail("SSH recipients are not supported");
	if (starts_with(s, len, "age1") && memchr(s, '1', len) != s + 3)
		return sg_fail("plugin recipients are not supported");
	if (decode_key(s, len, RECIPIENT_HRP, key) < 0) {
		char what[128];
		snprintf(what, sizeof(what), "invalid recipient '%.*s'", (int)(len > 80 ? 80 : len),
			 s);
		return sg_fail_prefix(what);
	}
	if (!(r = recipients_push(l)))
		return -1;
	r->kind = SG_AGE_X25519;
	memcpy(r->public, key, 32);
	return 0;
}

/* Calls fn on each line of text that is not blank or a '#' comment. */
static int each_line(const char *name, const char *text, size_t len,
		     int (*fn)(void *ctx, const char *line, size_t n), void *ctx)
{
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;
		const char *line = text + pos;

		lineno++;
		pos = end + 1;
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if (fn(ctx, line, n) < 0) {
			char where[512];
			snprintf(where, sizeof(where), "%s: line %zu", name, lineno);
			return sg_fail_prefix(where);
		}
	}
	return 0;
}

static int add_identity_line(void *ctx, const char *line, size_t n)
{
	struct sg_age_identities *l = ctx;
	struct sg_age_identity *id;
	uint8_t key[32];

	if (starts_with(line, n, "-----BEGIN") || starts_with(line, n, "ssh-"))
		return sg_fail("SSH identities are not supported");
	if (starts_with(line, n, "AGE-PLUGIN-"))
		return sg_fail("plugin identities are not supported");
	if (decode_key(line, n, IDENTITY_HRP, key) < 0)
		return sg_fail("not an age identity (AGE-SECRET-KEY-1...)");
	if (!(id = identities_push(l))) {
		sg_wipe(key, sizeof(key));
		return -1;
	}
	id->kind = SG_AGE_X25519;
	memcpy(id->secret, key, 32);
	sg_wipe(key, sizeof(key));
	return sg_x25519_public(id->secret, id->public);
}

int sg_age_identities_parse(struct sg_age_identities *l, const char *name, const char *text,
			    size_t len)
{
	size_t before = l->n;

	if (each_line(name, text, len, add_identity_line, l) < 0)
		return -1;
	if (l->n == before)
		return sg_fail("%s: no identities found", name);
	return 0;
}

static int add_recipient_line(void *ctx, const char *line, size_t n)
{
	return sg_age_recipients_add(ctx, line, n);
}

int sg_age_recipients_parse(struct sg_age_recipients *l, const char *name, const char *text,
			    size_t len)
{
	size_t before = l->n;

	if (each_line(name, text, len, add_recipient_line, l) < 0)
		return -1;
	if (l->n == before)
		return sg_fail("%s: no recipients found", name);
	return 0;
}

/* --- header -------------------------------------------------------------- */

struct stanza {
	char **args; /* args[0] is the type */
	size_t nargs;
	uint8_t *body;
	size_t bodylen;
};

struct header {
	struct stanza *stanzas;
	size_t n;
	struct sg_buf raw; /* the bytes the MAC covers: up to and including "---" */
	uint8_t mac[32];
};

static void stanza_free(struct stanza *s)
{
	for (size_t i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	free(s->body);
}

static void header_free(struct header *h)
{
	for (size_t i = 0; i < h->n; i++)
		stanza_free(&h->stanzas[i]);
	free(h->stanzas);
	sg_buf_free(&h->raw);
	memset(h, 0, sizeof(*h));
}

/* Splits "-> a b c" into arguments; each must be non-empty VCHARs. */
static int parse_stanza_args(struct stanza *s, const char *line, size_t n)
{
	size_t i = 3, start;

	if (n == 3)
		return sg_fail("stanza has no type");
	while (i <= n) {
		start = i;
		while (i < n && line[i] != ' ')
			i++;
		if (i == start)
			return sg_fail("stanza has an empty argument");
		for (size_t j = start; j < i; j++)
			if (line[j] < 33 || line[j] > 126)
				return sg_fail("stanza argument has an invalid character");
		char **args = realloc(s->args, (s->nargs + 1) * sizeof(*args));
		if (!args)
			return sg_fail("out of memory");
		s->args = args;
		if (!(s->args[s->nargs] = strndup(line + start, i - start)))
			return sg_fail("out of memory");
		s->nargs++;
		i++;
	}
	return 0;
}

/* A source of header lines: a bufreader, or memory (for the fuzzer). */
struct line_source {
	struct sg_bufreader *br;
	const uint8_t *mem;
	size_t memlen, mempos;
};

/* Reads one LF-terminated line into line (NUL-terminated, LF removed)
 * and appends the raw bytes to h->raw. */
static ssize_t header_line(struct line_source *src, struct header *h, char *line)
{
	ssize_t n;

	if (src->br) {
		n = sg_bufreader_line(src->br, (uint8_t *)line, HEADER_LINE_MAX, 0);
		if (n < 0)
			return -1;
	} else {
		const uint8_t *p = src->mem + src->mempos;
		const uint8_t *nl = memchr(p, '\n', src->memlen - src->mempos);
		if (!nl)
			return sg_fail("unexpected end of header");
		n = nl - p + 1;
		if (n > HEADER_LINE_MAX)
			return sg_fail("line too long");
		memcpy(line, p, (size_t)n);
		src->mempos += (size_t)n;
	}
	if (n == 0)
		return sg_fail("unexpected end of header");
	if (h->raw.len + (size_t)n > HEADER_MAX)
		return sg_fail("header larger than %u bytes", HEADER_MAX);
	if (sg_buf_append(&h->raw, line, (size_t)n) < 0)
		return -1;
	line[--n] = '\0';
	return n;
}

static int parse_stanza_body(struct line_source *src, struct header *h, struct stanza *s, char *line)
{
	for (;;) {
		ssize_t n = header_line(src, h, line);
		size_t got;
		uint8_t *body;

		if (n < 0)
			return -1;
		if (n > BODY_COLUMNS)
			return sg_fail("stanza body line longer than %d columns", BODY_COLUMNS);
		if (!(body = realloc(s->body, s->bodylen + 48 + 1)))
			return sg_fail("out of memory");
		s->body = body;
		if (sg_b64_decode(line, (size_t)n, s->body + s->bodylen, 48, &got, SG_B64_NOPAD) < 0)
			return sg_fail_prefix("stanza body");
		s->bodylen += got;
		if (n < BODY_COLUMNS)
			return 0;
	}
}

static int parse_mac_line(struct header *h, const char *line, size_t n)
{
	size_t got;

	/* The MAC covers the header up to "---"; drop " <mac>\n" from raw. */
	h->raw.len -= n + 1 - 3;
	if (n != 3 + 1 + 43 || line[3] != ' ')
		return sg_fail("malformed MAC line");
	if (sg_b64_decode(line + 4, 43, h->mac, sizeof(h->mac), &got, SG_B64_NOPAD) < 0 || got != 32)
		return sg_fail_prefix("malformed MAC");
	return 0;
}

static int parse_header(struct line_source *src, struct header *h)
{
	char *line = malloc(HEADER_LINE_MAX + 1);
	int rc = -1;
	ssize_t n;

	if (!line)
		return sg_fail("out of memory");
	n = header_line(src, h, line);
	if (n < 0)
		goto out;
	if (strcmp(line, VERSION_LINE) != 0) {
		sg_fail("not an age v1 file (missing '" VERSION_LINE "' line)");
		goto out;
	}
	for (;;) {
		if ((n = header_line(src, h, line)) < 0)
			goto out;
		if (strncmp(line, "---", 3) == 0) {
			rc = parse_mac_line(h, line, (size_t)n);
			break;
		}
		if (strncmp(line, "-> ", 3) != 0) {
			sg_fail("malformed header line (expected '-> ' or '---')");
			goto out;
		}
		if (h->n == STANZAS_MAX) {
			sg_fail("more than %d stanzas", STANZAS_MAX);
			goto out;
		}
		struct stanza *v = realloc(h->stanzas, (h->n + 1) * sizeof(*v));
		if (!v) {
			sg_fail("out of memory");
			goto out;
		}
		h->stanzas = v;
		memset(&v[h->n], 0, sizeof(*v));
		h->n++;
		if (parse_stanza_args(&v[h->n - 1], line, (size_t)n) < 0 ||
		    parse_stanza_body(src, h, &v[h->n - 1], line) < 0)
			goto out;
	}
	if (rc == 0 && h->n == 0)
		rc = sg_fail("no recipient stanzas");
	for (size_t i = 0; rc == 0 && i < h->n; i++)
		if (strcmp(h->stanzas[i].args[0], "scrypt") == 0 && h->n != 1)
			rc = sg_fail("an scrypt stanza must be the only stanza");
out:
	free(line);
	if (rc < 0 && strncmp(sg_errmsg(), "armor:", 6) != 0)
		sg_fail_prefix("invalid header");
	return rc;
}

int sg_age_header_check(const uint8_t *data, size_t len)
{
	struct line_source src = { NULL, data, len, 0 };
	struct header h = { 0 };
	int rc = parse_header(&src, &h);

	header_free(&h);
	return rc;
}

/* --- wrapping the file key ----------------------------------------------- */

static const uint8_t zero_nonce[12];

static int stanza_append(struct sg_buf *out, const char *args, const uint8_t *body, size_t len)
{
	char line[BODY_COLUMNS + 1];

	if (sg_buf_printf(out, "-> %s\n", args) < 0)
		return -1;
	/* Body in 64-column lines; the last one shorter (possibly empty). */
	for (size_t i = 0;; i += 48) {
		size_t take = len - i < 48 ? len - i : 48;
		size_t n = sg_b64_encode(body + i, take, line, SG_B64_NOPAD);
		if (sg_buf_append(out, line, n) < 0 || sg_buf_append_byte(out, '\n') < 0)
			return -1;
		if (take < 48)
			return 0;
	}
}

static int wrap_x25519(const struct sg_age_recipient *r, const uint8_t file_key[16],
		       struct sg_buf *out)
{
	uint8_t eph[32], share[32], shared[32], salt[64], key[32], body[WRAPPED_KEY_LEN];
	char args[64];
	int rc = -1;

	if (sg_x25519_keygen(eph, share) < 0 || sg_x25519(eph, r->public, shared) < 0)
		goto out;
	memcpy(salt, share, 32);
	memcpy(salt + 32, r->public, 32);
	if (sg_hkdf_sha256(shared, 32, salt, 64, X25519_LABEL, strlen(X25519_LABEL), key, 32) < 0 ||
	    sg_aead_seal1(SG_CHACHA20_POLY1305, key, zero_nonce, 12, NULL, 0, file_key,
			  SG_AGE_FILE_KEY_LEN, body) < 0)
		goto out;
	memcpy(args, "X25519 ", 7);
	sg_b64_encode(share, 32, args + 7, SG_B64_NOPAD);
	rc = stanza_append(out, args, body, sizeof(body));
out:
	sg_wipe(eph, sizeof(eph));
	sg_wipe(shared, sizeof(shared));
	sg_wipe(key, sizeof(key));
	return rc;
}

static int scrypt_key(const struct sg_buf *pass, const uint8_t salt[16], unsigned wf, uint8_t key[32])
{
	uint8_t full_salt[sizeof(SCRYPT_LABEL) - 1 + 16];

	memcpy(full_salt, SCRYPT_LABEL, sizeof(SCRYPT_LABEL) - 1);
	memcpy(full_salt + sizeof(SCRYPT_LABEL) - 1, salt, 16);
	return sg_scrypt(pass->data, pass->len, full_salt, sizeof(full_salt), wf, 8, 1, key, 32);
}

static int wrap_scrypt(const struct sg_age_recipient *r, const uint8_t file_key[16],
		       struct sg_buf *out)
{
	uint8_t salt[16], key[32], body[WRAPPED_KEY_LEN];
	char args[64];
	int rc = -1;

	if (r->work_factor < 1 || r->work_factor > SG_AGE_SCRYPT_MAX_WORK_FACTOR)
		return sg_fail("scrypt work factor must be between 1 and %d",
			       SG_AGE_SCRYPT_MAX_WORK_FACTOR);
	if (sg_random(salt, sizeof(salt)) < 0 ||
	    scrypt_key(&r->passphrase, salt, r->work_factor, key) < 0 ||
	    sg_aead_seal1(SG_CHACHA20_POLY1305, key, zero_nonce, 12, NULL, 0, file_key,
			  SG_AGE_FILE_KEY_LEN, body) < 0)
		goto out;
	memcpy(args, "scrypt ", 7);
	sg_b64_encode(salt, 16, args + 7, SG_B64_NOPAD);
	snprintf(args + 7 + 22, sizeof(args) - 29, " %u", r->work_factor);
	rc = stanza_append(out, args, body, sizeof(body));
out:
	sg_wipe(key, sizeof(key));
	return rc;
}

/* Result of trying one identity on one stanza. */
enum unwrap_result { UNWRAP_ERROR = -1, UNWRAP_NO_MATCH = 0, UNWRAP_OK = 1 };

static int decode_arg(const char *arg, uint8_t *out, size_t want, const char *what)
{
	size_t got;

	if (sg_b64_decode(arg, strlen(arg), out, want, &got, SG_B64_NOPAD) < 0 || got != want)
		return sg_fail("%s is not %zu bytes of canonical base64", what, want);
	return 0;
}

static enum unwrap_result open_body(const uint8_t key[32], const struct stanza *s,
				    uint8_t file_key[16])
{
	if (sg_aead_open1(SG_CHACHA20_POLY1305, key, zero_nonce, 12, NULL, 0, s->body, s->bodylen,
			  file_key) < 0) {
		sg_errclear();
		return UNWRAP_NO_MATCH; /* a wrong key is not an error: try the next */
	}
	return UNWRAP_OK;
}

static enum unwrap_result unwrap_x25519(const struct sg_age_identity *id, const struct stanza *s,
					uint8_t file_key[16])
{
	uint8_t share[32], shared[32], salt[64], key[32];
	enum unwrap_result rc;

	if (s->nargs != 2)
		return sg_fail("X25519 stanza must have exactly one argument");
	if (decode_arg(s->args[1], share, 32, "X25519 share") < 0)
		return UNWRAP_ERROR;
	if (s->bodylen != WRAPPED_KEY_LEN)
		return sg_fail("X25519 stanza body is not %d bytes", WRAPPED_KEY_LEN);
	if (sg_x25519(id->secret, share, shared) < 0)
		return UNWRAP_ERROR;
	memcpy(salt, share, 32);
	memcpy(salt + 32, id->public, 32);
	if (sg_hkdf_sha256(shared, 32, salt, 64, X25519_LABEL, strlen(X25519_LABEL), key, 32) < 0)
		rc = UNWRAP_ERROR;
	else
		rc = open_body(key, s, file_key);
	sg_wipe(shared, sizeof(shared));
	sg_wipe(key, sizeof(key));
	return rc;
}

/* The work factor: a decimal number without sign or leading zeros. */
static int parse_work_factor(const char *s, unsigned *wf)
{
	unsigned v = 0;

	if (!*s || *s == '0')
		return sg_fail("scrypt work factor is not a canonical decimal number");
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100)
			return sg_fail("scrypt work factor is not a canonical decimal number");
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > SG_AGE_SCRYPT_MAX_WORK_FACTOR)
		return sg_fail("scrypt work factor %u is above the limit of %d", v,
			       SG_AGE_SCRYPT_MAX_WORK_FACTOR);
	*wf = v;
	return 0;
}

static enum unwrap_result unwrap_scrypt(const struct sg_age_identity *id, const struct stanza *s,
					uint8_t file_key[16])
{
	uint8_t salt[16], key[32];
	enum unwrap_result rc;
	unsigned wf = 0;

	if (s->nargs != 3)
		return sg_fail("scrypt stanza must have exactly two arguments");
	if (decode_arg(s->args[1], salt, 16, "scrypt salt") < 0 ||
	    parse_work_factor(s->args[2], &wf) < 0)
		return UNWRAP_ERROR;
	if (s->bodylen != WRAPPED_KEY_LEN)
		return sg_fail("scrypt stanza body is not %d bytes", WRAPPED_KEY_LEN);
	if (scrypt_key(&id->passphrase, salt, wf, key) < 0)
		return UNWRAP_ERROR;
	rc = open_body(key, s, file_key);
	sg_wipe(key, sizeof(key));
	return rc;
}

static enum unwrap_result unwrap(const struct sg_age_identity *id, const struct stanza *s,
				 uint8_t file_key[16])
{
	if (id->kind == SG_AGE_X25519 && strcmp(s->args[0], "X25519") == 0)
		return unwrap_x25519(id, s, file_key);
	if (id->kind == SG_AGE_SCRYPT && strcmp(s->args[0], "scrypt") == 0)
		return unwrap_scrypt(id, s, file_key);
	return UNWRAP_NO_MATCH; /* unknown or other stanza types are skipped */
}

static int header_mac(const uint8_t file_key[16], const struct sg_buf *raw, uint8_t mac[32])
{
	uint8_t key[32];
	int rc = sg_hkdf_sha256(file_key, 16, NULL, 0, "header", 6, key, 32);

	if (rc == 0)
		rc = sg_hmac_sha256(key, 32, raw->data, raw->len, mac);
	sg_wipe(key, sizeof(key));
	return rc;
}

/* --- payload (STREAM) ---------------------------------------------------- */

static int payload_key(const uint8_t file_key[16], const uint8_t nonce[STREAM_NONCE_LEN],
		       uint8_t key[32])
{
	return sg_hkdf_sha256(file_key, 16, nonce, STREAM_NONCE_LEN, "payload", 7, key, 32);
}

static int encrypt_payload(const uint8_t file_key[16], struct sg_reader in, struct sg_writer out)
{
	uint8_t nonce[STREAM_NONCE_LEN], key[32];
	int rc = -1;

	if (sg_random(nonce, sizeof(nonce)) == 0 && payload_key(file_key, nonce, key) == 0 &&
	    sg_write(&out, nonce, sizeof(nonce)) == 0)
		rc = sg_stream_encrypt(key, in, out);
	sg_wipe(key, sizeof(key));
	return rc;
}

int sg_age_encrypt(const struct sg_age_recipients *rs, struct sg_reader in, struct sg_writer out)
{
	struct sg_buf hdr = SG_BUF_INIT;
	uint8_t file_key[SG_AGE_FILE_KEY_LEN], mac[32];
	char mac64[48];
	int rc = -1, scrypt = 0;

	if (rs->n == 0)
		return sg_fail("no recipients");
	for (size_t i = 0; i < rs->n; i++)
		scrypt |= rs->v[i].kind == SG_AGE_SCRYPT;
	if (scrypt && rs->n > 1)
		return sg_fail("a passphrase cannot be combined with other recipients");
	if (sg_random(file_key, sizeof(file_key)) < 0 ||
	    sg_buf_append_str(&hdr, VERSION_LINE "\n") < 0)
		goto out;
	for (size_t i = 0; i < rs->n; i++) {
		const struct sg_age_recipient *r = &rs->v[i];
		if ((r->kind == SG_AGE_X25519 ? wrap_x25519(r, file_key, &hdr)
					      : wrap_scrypt(r, file_key, &hdr)) < 0)
			goto out;
	}
	if (sg_buf_append_str(&hdr, "---") < 0 || header_mac(file_key, &hdr, mac) < 0)
		goto out;
	sg_b64_encode(mac, 32, mac64, SG_B64_NOPAD);
	if (sg_buf_printf(&hdr, " %s\n", mac64) < 0 || sg_write(&out, hdr.data, hdr.len) < 0)
		goto out;
	rc = encrypt_payload(file_key, in, out);
out:
	sg_wipe(file_key, sizeof(file_key));
	sg_buf_free(&hdr);
	return rc;
}

/* --- decryption ---------------------------------------------------------- */

struct sg_age_decryptor {
	struct sg_bufreader outer; /* over the input */
	struct sg_armor_reader armor;
	struct sg_bufreader inner; /* over the armor decoder, when armored */
	struct sg_bufreader *br;   /* the one the age file is read from */
	struct header h;
	uint8_t file_key[SG_AGE_FILE_KEY_LEN];
	int unwrapped;
};

void sg_age_decrypt_free(struct sg_age_decryptor *d)
{
	if (!d)
		return;
	sg_bufreader_free(&d->outer);
	sg_bufreader_free(&d->inner);
	header_free(&d->h);
	sg_wipe(d, sizeof(*d));
	free(d);
}

int sg_age_decrypt_open(struct sg_age_decryptor **out, struct sg_reader in)
{
	struct sg_age_decryptor *d = calloc(1, sizeof(*d));
	struct line_source src = { 0 };
	int armored;

	*out = NULL;
	if (!d)
		return sg_fail("out of memory");
	if (sg_bufreader_init(&d->outer, in) < 0 || (armored = sg_armor_detect(&d->outer)) < 0)
		goto fail;
	d->br = &d->outer;
	if (armored) {
		sg_armor_reader_init(&d->armor, &d->outer);
		if (sg_bufreader_init(&d->inner, sg_armor_reader_as_reader(&d->armor)) < 0)
			goto fail;
		d->br = &d->inner;
	}
	src.br = d->br;
	if (parse_header(&src, &d->h) < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	sg_age_decrypt_free(d);
	return -1;
}

int sg_age_decrypt_wants_passphrase(const struct sg_age_decryptor *d)
{
	return d->h.n == 1 && strcmp(d->h.stanzas[0].args[0], "scrypt") == 0;
}

int sg_age_decrypt_unwrap(struct sg_age_decryptor *d, const struct sg_age_identities *ids)
{
	uint8_t mac[32];
	enum unwrap_result r = UNWRAP_NO_MATCH;

	for (size_t i = 0; i < ids->n && r == UNWRAP_NO_MATCH; i++)
		for (size_t j = 0; j < d->h.n && r == UNWRAP_NO_MATCH; j++)
			r = unwrap(&ids->v[i], &d->h.stanzas[j], d->file_key);
	if (r == UNWRAP_ERROR)
		return sg_fail_prefix("invalid header");
	if (r == UNWRAP_NO_MATCH)
		return sg_fail(sg_age_decrypt_wants_passphrase(d)
				       ? "incorrect passphrase"
				       : "no identity matched any of the file's recipients");
	if (header_mac(d->file_key, &d->h.raw, mac) < 0)
		return -1;
	if (!sg_ct_equal(mac, d->h.mac, 32))
		return sg_fail("header MAC mismatch: the header was altered");
	d->unwrapped = 1;
	return 0;
}

int sg_age_decrypt_payload(struct sg_age_decryptor *d, struct sg_writer out)
{
	uint8_t nonce[STREAM_NONCE_LEN], key[32];
	ssize_t n;
	int rc;

	if (!d->unwrapped)
		return sg_fail("file key not unwrapped");
	n = sg_bufreader_read(d->br, nonce, sizeof(nonce));
	if (n < 0)
		return -1;
	if (n != sizeof(nonce))
		return sg_fail("invalid header: file ends before the payload nonce");
	if (payload_key(d->file_key, nonce, key) < 0)
		return -1;
	rc = sg_stream_decrypt(key, sg_bufreader_as_reader(d->br), out);
	sg_wipe(key, sizeof(key));
	return rc;
}

int sg_age_decrypt(const struct sg_age_identities *ids, struct sg_reader in, struct sg_writer out)
{
	struct sg_age_decryptor *d;
	int rc;

	if (sg_age_decrypt_open(&d, in) < 0)
		return -1;
	rc = sg_age_decrypt_unwrap(d, ids);
	if (rc == 0)
		rc = sg_age_decrypt_payload(d, out);
	sg_age_decrypt_free(d);
	return rc;
}
