/* json.h - the JSON data model, a strict RFC 8259 reader, RFC 8785
 * canonical output (JCS) and an ordinary writer.
 *
 * Two users share one tree type. Signed objects use the canonical model
 * of docs/design.md: objects, arrays, strings, booleans, null and integers with
 * |n| < 2^53, no floats, serialised by sg_json_canonical(). SOPS reads and
 * writes ordinary JSON documents, floats included, with members kept in
 * document order and each float's original lexeme kept so a round trip
 * reproduces it.
 *
 * The reader accepts exactly RFC 8259: no trailing commas, comments,
 * leading zeros, byte order mark, invalid UTF-8 or lone surrogates; no
 * duplicate member names; nesting at most SG_JSON_MAX_DEPTH deep. Errors
 * read "line L, column C: <rule>" (columns count characters, from 1).
 *
 * Strings are UTF-8 with an explicit length and may contain NUL; their
 * data is also NUL-terminated for convenience. Every string in a tree is
 * valid UTF-8: the reader and the builders refuse anything else.
 *
 * Ownership: a tree owns all its nodes. sg_json_set() and
 * sg_json_append() take ownership of the value in every case (it is freed
 * when they fail), and fail when it is NULL, so builder calls can be
 * nested without checks in between. All functions returning int give 0 on
 * success and -1 with sg_errmsg() set on failure.
 */
#ifndef SIGNET_JSON_H
#define SIGNET_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SG_JSON_MAX_DEPTH 128

/* The canonical model's integer bound: |n| <= 2^53 - 1. */
#define SG_JSON_MODEL_INT_MAX ((int64_t)9007199254740991)

enum sg_json_kind {
	SG_JSON_NULL,
	SG_JSON_BOOL,
	SG_JSON_INT,
	SG_JSON_FLOAT,
	SG_JSON_STRING,
	SG_JSON_ARRAY,
	SG_JSON_OBJECT,
};

struct sg_json;

struct sg_json_member {
	char *key; /* UTF-8, NUL-terminated, may contain NUL */
	size_t key_len;
	struct sg_json *value;
};

struct sg_json {
	enum sg_json_kind kind;
	union {
		int boolean; /* 0 or 1 */
		int64_t integer;
		struct {
			double value;
			char *lexeme; /* as read, or NULL when built */
		} number;
		struct {
			char *data;
			size_t len;
		} string;
		struct {
			struct sg_json **items;
			size_t len, cap;
		} array;
		struct {
			struct sg_json_member *members; /* document order */
			size_t len, cap;
		} object;
	} u;
};

/* Reader flags. SG_JSON_MODEL refuses, with their position, floats
 * (fraction or exponent), -0 and integers with |n| >= 2^53. */
#define SG_JSON_MODEL 1u

/* Reads one JSON text. Integers that fit in int64 become SG_JSON_INT;
 * other numbers, and -0 (to keep its sign), become SG_JSON_FLOAT with
 * their lexeme kept. Numbers beyond the double range are refused. Depth
 * counts containers: 128 nested arrays are read, 129 are refused; the
 * writers refuse the same trees, so what they write reads back. */
int sg_json_parse(const char *text, size_t len, struct sg_json **out);
int sg_json_parse_flags(const char *text, size_t len, unsigned flags, struct sg_json **out);

/* Builders: NULL with an error message on failure. Strings must be valid
 * UTF-8; sg_json_new_string() takes a NUL-terminated one. */
struct sg_json *sg_json_new_null(void);
struct sg_json *sg_json_new_bool(int value);
struct sg_json *sg_json_new_int(int64_t value);
struct sg_json *sg_json_new_float(double value);
struct sg_json *sg_json_new_string(const char *s);
struct sg_json *sg_json_new_stringn(const char *s, size_t len);
struct sg_json *sg_json_new_array(void);
struct sg_json *sg_json_new_object(void);

/* A deep copy, or NULL. */
struct sg_json *sg_json_clone(const struct sg_json *j);

/* Sets obj[key] = value: replaces an existing member in place (keeping
 * its position) or appends a new one. */
int sg_json_set(struct sg_json *obj, const char *key, struct sg_json *value);
int sg_json_setn(struct sg_json *obj, const char *key, size_t key_len, struct sg_json *value);

/* Appends value to an array. */
int sg_json_append(struct sg_json *arr, struct sg_json *value);

/* The member's value, or NULL when obj is not an object or lacks key. */
struct sg_json *sg_json_get(const struct sg_json *obj, const char *key);
struct sg_json *sg_json_getn(const struct sg_json *obj, const char *key, size_t key_len);

/* Removes and frees obj[key]. 1 when removed, 0 when absent. */
int sg_json_remove(struct sg_json *obj, const char *key);

/* The string's data (and length when len is not NULL), or NULL when j is
 * not a string. */
const char *sg_json_string(const struct sg_json *j, size_t *len);

/* Frees a tree; sg_json_wipe() clears every string, key and lexeme first
 * (use it for trees that held secrets). NULL is allowed. */
void sg_json_free(struct sg_json *j);
void sg_json_wipe(struct sg_json *j);

/* Appends the RFC 8785 canonical form of j to out: members sorted by the
 * UTF-16 code units of their names, minimal escaping, no whitespace.
 * Refuses floats and integers outside the canonical model, naming the
 * path of the offending value (e.g. "$.roles[2]"). */
int sg_json_canonical(const struct sg_json *j, struct sg_buf *out);

/* 1 when a and b are both present and have the same canonical form
 * (as above), 0 otherwise (also when either cannot be made canonical). */
int sg_json_equal(const struct sg_json *a, const struct sg_json *b);

/* Appends j in document order: compact when indent is 0, otherwise one
 * member or element per line indented by `indent` spaces per level.
 * Floats keep their lexeme, or take the shortest form that reads back to
 * the same double. No trailing newline. */
int sg_json_write(const struct sg_json *j, struct sg_buf *out, int indent);

/* 1 when s[0..len) is valid UTF-8 (no surrogates, overlongs or values
 * above U+10FFFF), 0 otherwise. */
int sg_utf8_valid(const char *s, size_t len);

#endif
