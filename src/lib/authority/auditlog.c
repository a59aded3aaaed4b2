#include "auditlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "timestamp.h"

#define LOG_FILE "log/audit.log"
#define HEAD_FILE "log/head.json"
#define MAX_LOG (256u * 1024 * 1024)
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static int hex64_valid(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int sg_hashes_add_data(struct sg_json *hashes, const char *name, const void *data, size_t len)
{
	char hex[65];

	if (sg_sha256_hex(data, len, hex) < 0)
		return -1;
	return sg_json_set(hashes, name, sg_json_new_string(hex));
}

int sg_hashes_add_file(struct sg_json *hashes, const char *name, const char *path)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_read_file(path, &b, MAX_LOG);

	if (rc == 0)
		rc = sg_hashes_add_data(hashes, name, b.data, b.len);
	sg_buf_free(&b);
	return rc;
}

static int check_hashes(const struct sg_json *h, const char *what, const char *key)
{
	if (!h || h->kind != SG_JSON_OBJECT)
		return sg_fail("%s: %s is not an object", what, key);
	for (size_t i = 0; i < h->u.object.len; i++) {
		size_t len;
		const char *v = sg_json_string(h->u.object.members[i].value, &len);

		if (!v || !hex64_valid(v))
			return sg_fail("%s: %s.%s is not a lowercase hex SHA-256", what, key,
				       h->u.object.members[i].key);
	}
	return 0;
}

/* Parses a line that must be canonical JSON (a log line, as written). */
static struct sg_json *parse_canonical(const char *what, const char *line, size_t len)
{
	struct sg_json *j = NULL;
	struct sg_buf canon = SG_BUF_INIT;

	if (sg_json_parse_flags(line, len, SG_JSON_MODEL, &j) < 0) {
		sg_fail_prefix(what);
		return NULL;
	}
	if (sg_json_canonical(j, &canon) < 0 || canon.len != len || memcmp(canon.data, line, len)) {
		sg_fail("%s: not in canonical form (edited)", what);
		sg_json_free(j);
		j = NULL;
	}
	sg_buf_free(&canon);
	return j;
}

/* The record's place in the chain: seq, prev and the domain. */
static int check_chain(const struct sg_domain *d, const char *what, const struct sg_json *r,
		       uint64_t seq, const char *prev)
{
	const struct sg_json *n = sg_json_get(r, "seq");
	const char *s;

	if (n->kind != SG_JSON_INT || n->u.integer < 0)
		return sg_fail("%s: seq is not a non-negative integer", what);
	if ((uint64_t)n->u.integer != seq)
		return sg_fail("%s: seq %" PRId64 " where %" PRIu64
			       " was expected (a record was deleted or reordered)",
			       what, n->u.integer, seq);
	if (!(s = sg_obj_string(r, "prev", what, NULL)))
		return -1;
	if (strcmp(s, prev) != 0)
		return sg_fail("%s: prev does not match the hash of the line before (a record was "
			       "deleted, reordered or edited)",
			       what);
	if (!(s = sg_obj_string(r, "domain_id", what, NULL)))
		return -1;
	if (strcmp(s, d->id) != 0)
		return sg_fail("%s: record of another domain %s", what, s);
	return 0;
}

/* version, op, a time not before the record before's, the hashes. */
static int check_body(const char *what, const struct sg_json *r, struct sg_log_state *st)
{
	const char *s;
	time_t t;

	if (!sg_obj_string(r, "version", what, NULL) || !sg_obj_string(r, "op", what, NULL))
		return -1;
	s = sg_obj_string(r, "time", what, NULL);
	if (!s || sg_time_parse(s, strlen(s), what, &t) < 0)
		return -1;
	if (t < st->last_time)
		return sg_fail("%s: time %s is earlier than the record before (reordered)", what, s);
	st->last_time = t;
	if (check_hashes(sg_json_get(r, "inputs"), what, "inputs") < 0 ||
	    check_hashes(sg_json_get(r, "outputs"), what, "outputs") < 0)
		return -1;
	return 0;
}

/* The receipt: the root key's signature over the record. */
static int check_receipt(const struct sg_domain *d, const char *what, const struct sg_json *j)
{
	char *why;

	if (sg_signature_check("receipt", sg_json_get(j, "record"), sg_json_get(j, "receipt"),
			       d->pub, what) == 0)
		return 0;
	why = strdup(sg_errmsg());
	sg_fail("%s (the record was edited)", why ? why : "receipt does not verify");
	free(why);
	return -1;
}

/* Checks one line (its bytes, without the newline) as record seq. */
static int check_line(const struct sg_domain *d, const char *what, const char *line, size_t len,
		      uint64_t seq, const char *prev, struct sg_log_state *st)
{
	static const char *const line_req[] = { "record", "receipt", NULL };
	static const char *const rec_req[] = { "version", "domain_id", "seq",	  "prev",  "op",
					       "time",	  "inputs",    "outputs", "claim", NULL };
	struct sg_json *j = parse_canonical(what, line, len);
	const struct sg_json *r = sg_json_get(j, "record");
	const char *claim;
	int is_null, rc = -1;

	if (!j || sg_obj_members(j, what, line_req, NULL) < 0 ||
	    sg_obj_members(r, what, rec_req, NULL) < 0 || check_chain(d, what, r, seq, prev) < 0 ||
	    check_body(what, r, st) < 0)
		goto out;
	claim = sg_obj_string(r, "claim", what, &is_null);
	if ((!claim && !is_null) || check_receipt(d, what, j) < 0)
		goto out;
	if (claim && strlen(claim) >= sizeof(st->claim)) {
		sg_fail("%s: claim id too long", what);
		goto out;
	}
	snprintf(st->claim, sizeof(st->claim), "%s", claim ? claim : "");
	rc = 0;
out:
	sg_json_free(j);
	return rc;
}

static int check_head(const struct sg_domain *d, const char *path, const struct sg_log_state *st)
{
	static const char *const req[] = { "head", "signature", NULL };
	static const char *const head_req[] = { "domain_id", "seq", "hash", NULL };
	struct sg_buf text = SG_BUF_INIT;
	struct sg_json *j = NULL;
	const struct sg_json *h, *n;
	const char *s;
	int rc = -1;

	if (sg_read_file(path, &text, 65536) < 0 ||
	    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, &j) < 0) {
		sg_fail_prefix(path);
		goto out;
	}
	if (sg_obj_members(j, path, req, NULL) < 0)
		goto out;
	h = sg_json_get(j, "head");
	if (sg_obj_members(h, path, head_req, NULL) < 0)
		goto out;
	if (sg_signature_check("log-head", h, sg_json_get(j, "signature"), d->pub, path) < 0)
		goto out;
	s = sg_obj_string(h, "domain_id", path, NULL);
	if (!s)
		goto out;
	if (strcmp(s, d->id) != 0) {
		sg_fail("%s: head of another domain", path);
		goto out;
	}
	n = sg_json_get(h, "seq");
	if (n->kind != SG_JSON_INT || n->u.integer < 0 || (uint64_t)n->u.integer + 1 != st->records) {
		sg_fail("%s: the head names record %" PRId64 " but the log ends at record %" PRId64
			" (records deleted or added at the end)",
			path, n->kind == SG_JSON_INT ? n->u.integer : -1, (int64_t)st->records - 1);
		goto out;
	}
	s = sg_obj_string(h, "hash", path, NULL);
	if (!s)
		goto out;
	if (strcmp(s, st->last_hash) != 0) {
		sg_fail("%s: the head's hash is not the last record's (last record edited)", path);
		goto out;
	}
	rc = 0;
out:
	sg_json_free(j);
	sg_buf_free(&text);
	return rc;
}

/* Verifies the log held in text (path for messages). */
static int verify_text(const struct sg_domain *d, const char *path, const struct sg_buf *text,
		       struct sg_log_state *st)
{
	const char *p = (const char *)text->data, *end = p + text->len;
	char what[4200];

	memset(st, 0, sizeof(*st));
	strcpy(st->last_hash, ZERO_HASH);
	if (text->len == 0)
		return sg_fail("%s: empty log (the genesis record is missing)", path);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char prev[65];

		snprintf(what, sizeof(what), "%s line %" PRIu64, path, st->records + 1);
		if (!nl)
			return sg_fail("%s: no newline at the end (truncated)", what);
		strcpy(prev, st->last_hash);
		if (check_line(d, what, p, (size_t)(nl - p), st->records, prev, st) < 0)
			return -1;
		if (sg_sha256_hex(p, (size_t)(nl - p), st->last_hash) < 0)
			return -1;
		st->records++;
		p = nl + 1;
	}
	return 0;
}

static int read_log(const struct sg_domain *d, char **path, struct sg_buf *text, int *exists)
{
	struct stat sb;

	*path = sg_domain_path(d, LOG_FILE);
	if (!*path)
		return -1;
	*exists = stat(*path, &sb) == 0;
	if (!*exists)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", *path);
	return sg_read_file(*path, text, MAX_LOG);
}

static int check_head_of(const struct sg_domain *d, const struct sg_log_state *st)
{
	char *head = sg_domain_path(d, HEAD_FILE);
	int rc = head ? check_head(d, head, st) : -1;

	free(head);
	return rc;
}

/* Reads d's log once and verifies those bytes and the head: what is
 * then walked is exactly what was verified. */
static int read_verified(const struct sg_domain *d, struct sg_buf *text, struct sg_log_state *st)
{
	char *path = NULL;
	int exists, rc = -1;

	if (read_log(d, &path, text, &exists) < 0)
		goto out;
	if (!exists) {
		sg_fail("%s: no audit log", path);
		goto out;
	}
	if (verify_text(d, path, text, st) < 0 || check_head_of(d, st) < 0)
		goto out;
	rc = 0;
out:
	free(path);
	return rc;
}

int sg_auditlog_verify(const struct sg_domain *d, struct sg_log_state *st)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = read_verified(d, &text, st);

	sg_buf_free(&text);
	return rc;
}

static struct sg_json *signed_pair(const char *name, struct sg_json *obj, const char *signame,
				   const char *kind, const uint8_t seed[32])
{
	struct sg_json *p = sg_json_new_object();

	if (!p || !obj) {
		sg_json_free(p);
		sg_json_free(obj);
		return NULL;
	}
	if (sg_json_set(p, signame, sg_signature_make(kind, obj, seed, 0)) < 0 ||
	    sg_json_set(p, name, obj) < 0) {
		sg_json_free(p);
		return NULL;
	}
	return p;
}

/* The head file's text for the log state st. */
static int head_text(const struct sg_domain *d, const uint8_t seed[32],
		     const struct sg_log_state *st, struct sg_buf *text)
{
	struct sg_json *h = sg_json_new_object(), *f;
	int rc = -1;

	if (!h || sg_json_set(h, "domain_id", sg_json_new_string(d->id)) < 0 ||
	    sg_json_set(h, "seq", sg_json_new_int((int64_t)st->records - 1)) < 0 ||
	    sg_json_set(h, "hash", sg_json_new_string(st->last_hash)) < 0) {
		sg_json_free(h);
		return -1;
	}
	f = signed_pair("head", h, "signature", "log-head", seed);
	if (f && sg_json_canonical(f, text) == 0 && sg_buf_append_byte(text, '\n') == 0)
		rc = 0;
	sg_json_free(f);
	return rc;
}

/* The record's line (JCS, with its newline) chained after st, which is
 * advanced past it. inputs and outputs move into the record. */
static int record_line(const struct sg_domain *d, const uint8_t seed[32], struct sg_log_entry *e,
		       struct sg_log_state *st, struct sg_buf *line)
{
	struct sg_json *r = sg_json_new_object(), *signed_line = NULL;
	char ts[SG_TIME_LEN + 1];
	const char *claim = e->claim ? e->claim : st->claim[0] ? st->claim : NULL;
	int bad, rc = -1;

	/* The hash objects move into the record first: freed with it. */
	bad = sg_json_set(r, "inputs", e->inputs ? e->inputs : sg_json_new_object()) < 0;
	bad |= sg_json_set(r, "outputs", e->outputs ? e->outputs : sg_json_new_object()) < 0;
	e->inputs = e->outputs = NULL;
	/* Two operations may read the clock in one order and take the
	 * home's lock in the other: a record is never dated before the one
	 * it follows. */
	if (bad || sg_time_format(e->now > st->last_time ? e->now : st->last_time, ts) < 0 ||
	    sg_json_set(r, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(r, "domain_id", sg_json_new_string(d->id)) < 0 ||
	    sg_json_set(r, "seq", sg_json_new_int((int64_t)st->records)) < 0 ||
	    sg_json_set(r, "prev", sg_json_new_string(st->last_hash)) < 0 ||
	    sg_json_set(r, "op", sg_json_new_string(e->op)) < 0 ||
	    sg_json_set(r, "time", sg_json_new_string(ts)) < 0 ||
	    sg_json_set(r, "claim", claim ? sg_json_new_string(claim) : sg_json_new_null()) < 0) {
		sg_json_free(r);
		return -1;
	}
	signed_line = signed_pair("record", r, "receipt", "receipt", seed);
	if (signed_line && sg_json_canonical(signed_line, line) == 0 &&
	    sg_sha256_hex(line->data, line->len, st->last_hash) == 0 &&
	    sg_buf_append_byte(line, '\n') == 0) {
		st->records++;
		rc = 0;
	}
	sg_json_free(signed_line);
	return rc;
}

/* Refuses a file that would replace another; *skip when the same bytes
 * are there and may be kept. */
static int check_artifact(const char *home, const struct sg_artifact *a, int *skip)
{
	struct sg_buf old = SG_BUF_INIT;
	char *path;
	int rc = 0;

	*skip = 0;
	if (asprintf(&path, "%s/%s", home, a->rel) < 0)
		return sg_fail("out of memory");
	if (access(path, F_OK) == 0) {
		/* Ed25519 is deterministic: the same claim measured in the
		 * same second is the same file, byte for byte. */
		if (a->keep_same && sg_read_file(path, &old, a->len + 1) == 0 &&
		    old.len == a->len && memcmp(old.data, a->data, a->len) == 0)
			*skip = 1;
		else
			rc = sg_fail("%s: exists; an authority file is never replaced", path);
	} else if (errno != ENOENT) {
		rc = sg_fail_errno("%s", path);
	}
	sg_buf_free(&old);
	free(path);
	return rc;
}

/* e's outputs: the hash of each named file; skip[i] set for a file
 * already there as it is (check_artifact). */
static int hash_outputs(const struct sg_domain *d, struct sg_log_entry *e, unsigned char *skip)
{
	if (!e->outputs && !(e->outputs = sg_json_new_object()))
		return -1;
	for (size_t i = 0; i < e->nfiles; i++) {
		int s;

		if (check_artifact(d->home, &e->files[i], &s) < 0 ||
		    (e->files[i].name && sg_hashes_add_data(e->outputs, e->files[i].name,
							    e->files[i].data, e->files[i].len) < 0))
			return -1;
		skip[i] = (unsigned char)s;
	}
	return 0;
}

/* The log before e: none for a genesis, else its text verified (and
 * its head), st its state. */
static int log_so_far(const struct sg_domain *d, const struct sg_log_entry *e, char **path,
		      struct sg_buf *text, struct sg_log_state *st)
{
	int exists;

	if (read_log(d, path, text, &exists) < 0)
		return -1;
	memset(st, 0, sizeof(*st));
	strcpy(st->last_hash, ZERO_HASH);
	if (e->genesis && exists)
		return sg_fail("%s: the domain has an audit log already", *path);
	if (!e->genesis && !exists)
		return sg_fail("%s: no audit log", *path);
	if (!e->genesis && (verify_text(d, *path, text, st) < 0 || check_head_of(d, st) < 0))
		return -1;
	return 0;
}

int sg_auditlog_stage(struct sg_txn *t, const struct sg_domain *d, const uint8_t seed[32],
		      struct sg_log_entry *e)
{
	struct sg_buf text = SG_BUF_INIT, line = SG_BUF_INIT, head = SG_BUF_INIT;
	struct sg_log_state st;
	char *log_rel = NULL, *head_rel = NULL, *path = NULL;
	unsigned char *skip = calloc(e->nfiles + 1, 1);
	int rc = -1;

	if (!skip || asprintf(&log_rel, "domains/%s/" LOG_FILE, d->id) < 0 ||
	    asprintf(&head_rel, "domains/%s/" HEAD_FILE, d->id) < 0) {
		log_rel = head_rel = NULL;
		sg_fail("out of memory");
		goto out;
	}
	if (hash_outputs(d, e, skip) < 0 || log_so_far(d, e, &path, &text, &st) < 0 ||
	    record_line(d, seed, e, &st, &line) < 0 || head_text(d, seed, &st, &head) < 0)
		goto out;
	for (size_t i = 0; i < e->nfiles; i++)
		if (!skip[i] && sg_txn_write(t, e->files[i].rel, e->files[i].data, e->files[i].len,
					     e->files[i].mode) < 0)
			goto out;
	/* The log staged whole: the bytes just verified, then the record
	 * (under the home's lock nobody else changes them meanwhile). */
	if (sg_buf_append(&text, line.data, line.len) < 0 ||
	    sg_txn_write(t, log_rel, text.data, text.len, 0644) < 0 ||
	    sg_txn_write(t, head_rel, head.data, head.len, 0644) < 0)
		goto out;
	rc = 0;
out:
	sg_json_free(e->inputs);
	sg_json_free(e->outputs);
	e->inputs = e->outputs = NULL;
	sg_buf_free(&text);
	sg_buf_free(&line);
	sg_buf_free(&head);
	free(skip);
	free(log_rel);
	free(head_rel);
	free(path);
	return rc;
}

int sg_auditlog_commit(const struct sg_domain *d, const uint8_t seed[32], struct sg_log_entry *e)
{
	struct sg_txn t;
	int rc;

	if (sg_txn_begin(&t, d->home) < 0) {
		sg_json_free(e->inputs);
		sg_json_free(e->outputs);
		e->inputs = e->outputs = NULL;
		return -1;
	}
	rc = sg_auditlog_stage(&t, d, seed, e);
	if (rc == 0)
		rc = sg_txn_commit(&t);
	sg_txn_end(&t);
	return rc;
}

/* Calls fn for the record of each line of a verified log's text (every
 * line parses and has its members); stops at fn's first -1. */
static int each_record(const struct sg_buf *text, int (*fn)(const struct sg_json *r, void *ctx),
		       void *ctx)
{
	for (size_t pos = 0; pos < text->len;) {
		const uint8_t *nl = memchr(text->data + pos, '\n', text->len - pos);
		size_t len = (size_t)(nl - (text->data + pos));
		struct sg_json *j = NULL;
		int rc;

		if (sg_json_parse_flags((const char *)text->data + pos, len, SG_JSON_MODEL, &j) < 0)
			return -1;
		rc = fn(sg_json_get(j, "record"), ctx);
		sg_json_free(j);
		if (rc < 0)
			return -1;
		pos += len + 1;
	}
	return 0;
}

struct find_ctx {
	const char *hash;
	int64_t found;
};

static int find_in(const struct sg_json *r, void *vctx)
{
	struct find_ctx *ctx = vctx;
	const struct sg_json *outs = sg_json_get(r, "outputs");

	for (size_t i = 0; i < outs->u.object.len; i++) {
		const char *h = sg_json_string(outs->u.object.members[i].value, NULL);

		if (h && strcmp(h, ctx->hash) == 0)
			ctx->found = sg_json_get(r, "seq")->u.integer;
	}
	return 0;
}

int64_t sg_auditlog_find_output(const struct sg_domain *d, const char *hash)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_log_state st;
	struct find_ctx ctx = { hash, -1 };

	if (read_verified(d, &text, &st) < 0 || each_record(&text, find_in, &ctx) < 0)
		ctx.found = -2;
	sg_buf_free(&text);
	return ctx.found;
}

/* One listing line: seq, time, op, claim=, the outputs' names. */
static int list_line(const struct sg_json *r, void *out)
{
	const char *claim = sg_json_string(sg_json_get(r, "claim"), NULL);
	const struct sg_json *outs = sg_json_get(r, "outputs");

	if (sg_buf_printf(out, "%" PRId64 " %s %s claim=%s", sg_json_get(r, "seq")->u.integer,
			  sg_json_string(sg_json_get(r, "time"), NULL),
			  sg_json_string(sg_json_get(r, "op"), NULL), claim ? claim : "none") < 0)
		return -1;
	for (size_t i = 0; i < outs->u.object.len; i++)
		if (sg_buf_printf(out, " %s", outs->u.object.members[i].key) < 0)
			return -1;
	return sg_buf_append_byte(out, '\n');
}

int sg_auditlog_list(const struct sg_domain *d, struct sg_buf *out)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_log_state st;
	int rc = read_verified(d, &text, &st) == 0 ? each_record(&text, list_line, out) : -1;

	sg_buf_free(&text);
	return rc;
}
