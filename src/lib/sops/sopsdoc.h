/* sopsdoc.h - the document tree SOPS works on, and its JSON and dotenv
 * presentations (YAML is in yamldoc.h; the name yaml.h is libyaml's).
 *
 * sops keeps a document as ordered branches whose items are key/value
 * pairs or comments, and lists whose entries are values or comments; a
 * comment is encrypted like a value. struct sg_json has no place for
 * comments, so SOPS documents get this tree of their own: a map or a
 * list is an array of items in document order; a map item has a key, a
 * list item has none; a comment is an item whose value has kind
 * SG_SOPS_COMMENT (and no key). Scalars keep the types sops gives them
 * (str, int, float, bool, null), and numbers follow Go's formatting,
 * because the MAC and the encrypted plaintexts are those strings.
 *
 * JSON (sops's JSON store): read with the strict json.h reader; every
 * number becomes a float as sops's Go decoder makes it (so integers
 * beyond 2^53 are rounded, as sops rounds them); written with tab
 * indentation as
 * json.Indent does, with Go's string escapes; comments are dropped.
 *
 * dotenv (sops's dotenv store): one KEY=VALUE per line, "#" lines are
 * comments, blank lines are skipped, "\n" in a value is a line feed.
 *
 * All int functions return 0 on success and -1 with sg_errmsg() set.
 */
#ifndef SIGNET_SOPSDOC_H
#define SIGNET_SOPSDOC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

/* Nesting deeper than this is refused by every reader. */
#define SG_SOPS_MAX_DEPTH 128

enum sg_sops_kind {
	SG_SOPS_NULL,
	SG_SOPS_BOOL,
	SG_SOPS_INT,
	SG_SOPS_FLOAT,
	SG_SOPS_STR,
	SG_SOPS_COMMENT, /* str holds the text after '#' */
	SG_SOPS_MAP,
	SG_SOPS_LIST,
};

struct sg_sops_node;

struct sg_sops_item {
	char *key; /* NUL-terminated; NULL for list entries and comments */
	size_t key_len;
	struct sg_sops_node *value;
	unsigned line; /* 1-based line of the key (of the value in a list), 0 if unknown */
};

struct sg_sops_node {
	enum sg_sops_kind kind;
	int boolean;
	int inline_comment; /* a comment written after a value on its line */
	int64_t integer;
	double number;
	char *str; /* STR, COMMENT: NUL-terminated, len bytes */
	size_t len;
	struct sg_sops_item *items; /* MAP, LIST: document order */
	size_t n, cap;
	unsigned line; /* 1-based line where the value starts in its YAML text, 0 if unknown */
};

/* Constructors: NULL with an error set when out of memory. */
struct sg_sops_node *sg_sops_new(enum sg_sops_kind kind);
struct sg_sops_node *sg_sops_new_str(enum sg_sops_kind kind, const char *s, size_t len);

/* A JSON tree as a document. Numbers become what sops reads (every
 * number a float64), or, for signed objects, what the data model holds
 * (integers; floats refused). NULL with the error set on failure. */
enum sg_sops_numbers { SG_SOPS_NUMBERS_SOPS, SG_SOPS_NUMBERS_MODEL };
struct sg_sops_node *sg_sops_from_json(const struct sg_json *j, enum sg_sops_numbers how);

/* Appends an item; takes ownership of value (freed on failure). key may
 * be NULL (list entry or comment). */
int sg_sops_push(struct sg_sops_node *container, const char *key, size_t key_len,
		 struct sg_sops_node *value);
/* Inserts at position pos (<= n), as sg_sops_push does at the end. */
int sg_sops_insert(struct sg_sops_node *container, size_t pos, const char *key, size_t key_len,
		   struct sg_sops_node *value);

/* The value of map[key] (not a comment), or NULL. */
struct sg_sops_node *sg_sops_get(const struct sg_sops_node *map, const char *key);
/* Removes and returns map[key] (the caller frees it), or NULL. */
struct sg_sops_node *sg_sops_take(struct sg_sops_node *map, const char *key);
/* Removes item i (< n) of a map or list and returns its value (the
 * caller frees it). */
struct sg_sops_node *sg_sops_remove(struct sg_sops_node *container, size_t i);

struct sg_sops_node *sg_sops_clone(const struct sg_sops_node *n);
/* Frees a tree; wipe clears every string and key first. NULL is allowed. */
void sg_sops_free(struct sg_sops_node *n);
void sg_sops_wipe(struct sg_sops_node *n);

/* Go's strconv.FormatFloat(d, 'f', -1, 64) and (d, 'g', -1, 64), and
 * encoding/json's float form: the shortest digits that read back to d.
 * out must hold 400 bytes. */
void sg_go_format_float_f(double d, char *out);
void sg_go_format_float_g(double d, char *out);
void sg_go_format_float_json(double d, char *out);

/* Parses Go's strconv.ParseFloat / Atoi / ParseBool forms; -1 when the
 * text is not one (no message set: the caller names the value). */
int sg_go_parse_float(const char *s, size_t len, double *out);
int sg_go_parse_int(const char *s, size_t len, int64_t *out);
int sg_go_parse_bool(const char *s, size_t len, int *out);

/* JSON: the document must be an object. name is for messages. */
int sg_sops_json_read(const char *name, const char *text, size_t len, struct sg_sops_node **out);
int sg_sops_json_write(const struct sg_sops_node *doc, struct sg_buf *out);
/* One value as sops's JSON store emits it (for --extract). */
int sg_sops_json_write_value(const struct sg_sops_node *v, struct sg_buf *out);

/* dotenv: a flat map of strings and comments. */
int sg_sops_dotenv_read(const char *name, const char *text, size_t len, struct sg_sops_node **out);
int sg_sops_dotenv_write(const struct sg_sops_node *doc, struct sg_buf *out);

#endif
