#include "json.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "hex.h"

/* ---- UTF-8 ---- */

/* Decodes the code point at s[*i] and advances *i; -1 for an invalid,
 * truncated, overlong or surrogate sequence. */
static int utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t k = *i, n, j;
	uint32_t c = s[k], min;

	if (c < 0x80) {
		*cp = c;
		*i = k + 1;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - k - 1 < n)
		return -1;
	for (j = 1; j <= n; j++) {
		uint8_t b = s[k + j];
		if ((b & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (b & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	*i = k + 1 + n;
	return 0;
}

static size_t utf8_put(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

int sg_utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (utf8_next(p, len, &i, &cp) < 0)
			return 0;
	}
	return 1;
}

/* The first UTF-16 code unit of cp: RFC 8785 sorts names by code units,
 * which puts supplementary characters (surrogates D800-DFFF) before
 * U+E000..U+FFFF, unlike code point or UTF-8 byte order. */
static uint32_t utf16_lead(uint32_t cp)
{
	return cp >= 0x10000 ? 0xd800 + ((cp - 0x10000) >> 10) : cp;
}

/* Orders two valid UTF-8 names by UTF-16 code units; 0 only when equal. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
	size_t i = 0, k = 0;

	while (i < alen && k < blen) {
		uint32_t ca, cb, la, lb;

		/* Names are validated before sorting; a stray byte still
		 * orders deterministically. */
		if (utf8_next(pa, alen, &i, &ca) < 0)
			ca = pa[i++];
		if (utf8_next(pb, blen, &k, &cb) < 0)
			cb = pb[k++];
		if (ca == cb)
			continue;
		la = utf16_lead(ca);
		lb = utf16_lead(cb);
		if (la != lb)
			return la < lb ? -1 : 1;
		return ca < cb ? -1 : 1;
	}
	return (i < alen) - (k < blen);
}

static int member_ptr_cmp(const void *x, const void *y)
{
	const struct sg_json_member *a = *(const struct sg_json_member *const *)x;
	const struct sg_json_member *b = *(const struct sg_json_member *const *)y;

	return name_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* Members of a non-empty obj in RFC 8785 order, as a malloc'd array of
 * pointers into it. */
static struct sg_json_member **sorted_members(const struct sg_json *obj)
{
	size_t n = obj->u.object.len, i;
	struct sg_json_member **v;

	if (n > SIZE_MAX / sizeof(*v) || !(v = malloc(n * sizeof(*v)))) {
		sg_fail("out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = &obj->u.object.members[i];
	qsort(v, n, sizeof(*v), member_ptr_cmp);
	return v;
}

static int same_name(const struct sg_json_member *a, const struct sg_json_member *b)
{
	return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* A name made safe for an error line: printable ASCII, at most 40 bytes. */
static void printable_name(const char *key, size_t len, char out[48])
{
	size_t i, n = len > 40 ? 40 : len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];
		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(out + n, len > n ? "..." : "");
}

/* ---- numbers in the C locale, whatever the program's locale ---- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static double c_strtod(const char *s)
{
	pthread_once(&c_locale_once, make_c_locale);
	if (c_locale)
		return strtod_l(s, NULL, c_locale);
	return strtod(s, NULL);
}

/* Shortest %.Ng form that reads back to d, always with a '.' or an
 * exponent so it reads back as a float. */
static int format_double(double d, char out[40])
{
	locale_t old = (locale_t)0;
	int prec;

	if (!isfinite(d))
		return sg_fail("JSON cannot represent a non-finite number");
	pthread_once(&c_locale_once, make_c_locale);
	if (c_locale)
		old = uselocale(c_locale);
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, d);
		if (c_strtod(out) == d)
			break;
	}
	if (c_locale)
		uselocale(old);
	if (!strpbrk(out, ".eE"))
		strcat(out, ".0");
	return 0;
}

/* ---- nodes ---- */

static struct sg_json *new_node(enum sg_json_kind kind)
{
	struct sg_json *j = calloc(1, sizeof(*j));

	if (!j) {
		sg_fail("out of memory");
		return NULL;
	}
	j->kind = kind;
	return j;
}

static void free_node(struct sg_json *j, int wipe)
{
	size_t i;

	if (!j)
		return;
	switch (j->kind) {
	case SG_JSON_FLOAT:
		if (wipe && j->u.number.lexeme)
			sg_wipe(j->u.number.lexeme, strlen(j->u.number.lexeme));
		free(j->u.number.lexeme);
		break;
	case SG_JSON_STRING:
		if (wipe)
			sg_wipe(j->u.string.data, j->u.string.len);
		free(j->u.string.data);
		break;
	case SG_JSON_ARRAY:
		for (i = 0; i < j->u.array.len; i++)
			free_node(j->u.array.items[i], wipe);
		free(j->u.array.items);
		break;
	case SG_JSON_OBJECT:
		for (i = 0; i < j->u.object.len; i++) {
			struct sg_json_member *m = &j->u.object.members[i];
			if (wipe)
				sg_wipe(m->key, m->key_len);
			free(m->key);
			free_node(m->value, wipe);
		}
		free(j->u.object.members);
		break;
	default: break;
	}
	if (wipe)
		sg_wipe(j, sizeof(*j));
	free(j);
}

void sg_json_free(struct sg_json *j)
{
	free_node(j, 0);
}

void sg_json_wipe(struct sg_json *j)
{
	free_node(j, 1);
}

struct sg_json *sg_json_new_null(void)
{
	return new_node(SG_JSON_NULL);
}

struct sg_json *sg_json_new_bool(int value)
{
	struct sg_json *j = new_node(SG_JSON_BOOL);

	if (j)
		j->u.boolean = value != 0;
	return j;
}

struct sg_json *sg_json_new_int(int64_t value)
{
	struct sg_json *j = new_node(SG_JSON_INT);

	if (j)
		j->u.integer = value;
	return j;
}

struct sg_json *sg_json_new_float(double value)
{
	struct sg_json *j;

	if (!isfinite(value)) {
		sg_fail("JSON cannot represent a non-finite number");
		return NULL;
	}
	j = new_node(SG_JSON_FLOAT);
	if (j)
		j->u.number.value = value;
	return j;
}

/* Copies len bytes plus a NUL terminator. */
static char *copy_bytes(const char *s, size_t len)
{
	char *p = len < SIZE_MAX ? malloc(len + 1) : NULL;

	if (!p) {
		sg_fail("out of memory");
		return NULL;
	}
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

struct sg_json *sg_json_new_stringn(const char *s, size_t len)
{
	struct sg_json *j;
	char *data;

	if (!sg_utf8_valid(s, len)) {
		sg_fail("JSON string is not valid UTF-8");
		return NULL;
	}
	if (!(data = copy_bytes(s, len)))
		return NULL;
	if (!(j = new_node(SG_JSON_STRING))) {
		free(data);
		return NULL;
	}
	j->u.string.data = data;
	j->u.string.len = len;
	return j;
}

struct sg_json *sg_json_new_string(const char *s)
{
	return sg_json_new_stringn(s, strlen(s));
}

struct sg_json *sg_json_new_array(void)
{
	return new_node(SG_JSON_ARRAY);
}

struct sg_json *sg_json_new_object(void)
{
	return new_node(SG_JSON_OBJECT);
}

/* Appends without taking ownership on failure. */
static int array_push(struct sg_json *arr, struct sg_json *value)
{
	void *items = arr->u.array.items;

	if (sg_array_grow(&items, &arr->u.array.cap, arr->u.array.len, sizeof(struct sg_json *)) < 0)
		return -1;
	arr->u.array.items = items;
	arr->u.array.items[arr->u.array.len++] = value;
	return 0;
}

/* Appends a member whose key is already allocated; takes neither on failure. */
static int object_push(struct sg_json *obj, char *key, size_t key_len, struct sg_json *value)
{
	void *members = obj->u.object.members;
	struct sg_json_member *m;

	if (sg_array_grow(&members, &obj->u.object.cap, obj->u.object.len,
			  sizeof(struct sg_json_member)) < 0)
		return -1;
	obj->u.object.members = members;
	m = &obj->u.object.members[obj->u.object.len++];
	m->key = key;
	m->key_len = key_len;
	m->value = value;
	return 0;
}

int sg_json_append(struct sg_json *arr, struct sg_json *value)
{
	if (!value)
		return -1;
	if (!arr || arr->kind != SG_JSON_ARRAY) {
		sg_json_free(value);
		return sg_fail("JSON append: not an array");
	}
	if (array_push(arr, value) < 0) {
		sg_json_free(value);
		return -1;
	}
	return 0;
}

static struct sg_json_member *find_member(const struct sg_json *obj, const char *key, size_t key_len)
{
	size_t i;

	if (!obj || obj->kind != SG_JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->u.object.len; i++) {
		struct sg_json_member *m = &obj->u.object.members[i];
		if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
			return m;
	}
	return NULL;
}

int sg_json_setn(struct sg_json *obj, const char *key, size_t key_len, struct sg_json *value)
{
	struct sg_json_member *m;
	char *copy;

	if (!value)
		return -1;
	if (!obj || obj->kind != SG_JSON_OBJECT) {
		sg_json_free(value);
		return sg_fail("JSON set: not an object");
	}
	if (!sg_utf8_valid(key, key_len)) {
		sg_json_free(value);
		return sg_fail("JSON member name is not valid UTF-8");
	}
	if ((m = find_member(obj, key, key_len))) {
		sg_json_free(m->value);
		m->value = value;
		return 0;
	}
	if (!(copy = copy_bytes(key, key_len))) {
		sg_json_free(value);
		return -1;
	}
	if (object_push(obj, copy, key_len, value) < 0) {
		free(copy);
		sg_json_free(value);
		return -1;
	}
	return 0;
}

int sg_json_set(struct sg_json *obj, const char *key, struct sg_json *value)
{
	return sg_json_setn(obj, key, strlen(key), value);
}

struct sg_json *sg_json_getn(const struct sg_json *obj, const char *key, size_t key_len)
{
	struct sg_json_member *m = find_member(obj, key, key_len);

	return m ? m->value : NULL;
}

struct sg_json *sg_json_get(const struct sg_json *obj, const char *key)
{
	return sg_json_getn(obj, key, strlen(key));
}

int sg_json_remove(struct sg_json *obj, const char *key)
{
	struct sg_json_member *m = find_member(obj, key, strlen(key));
	size_t i;

	if (!m)
		return 0;
	i = (size_t)(m - obj->u.object.members);
	free(m->key);
	sg_json_free(m->value);
	memmove(m, m + 1, (obj->u.object.len - i - 1) * sizeof(*m));
	obj->u.object.len--;
	return 1;
}

const char *sg_json_string(const struct sg_json *j, size_t *len)
{
	if (!j || j->kind != SG_JSON_STRING)
		return NULL;
	if (len)
		*len = j->u.string.len;
	return j->u.string.data;
}

struct sg_json *sg_json_clone(const struct sg_json *j)
{
	struct sg_json *c;
	size_t i;

	switch (j->kind) {
	case SG_JSON_NULL: return sg_json_new_null();
	case SG_JSON_BOOL: return sg_json_new_bool(j->u.boolean);
	case SG_JSON_INT: return sg_json_new_int(j->u.integer);
	case SG_JSON_FLOAT:
		if (!(c = sg_json_new_float(j->u.number.value)))
			return NULL;
		if (j->u.number.lexeme &&
		    !(c->u.number.lexeme =
			      copy_bytes(j->u.number.lexeme, strlen(j->u.number.lexeme)))) {
			sg_json_free(c);
			return NULL;
		}
		return c;
	case SG_JSON_STRING: return sg_json_new_stringn(j->u.string.data, j->u.string.len);
	case SG_JSON_ARRAY:
		if (!(c = sg_json_new_array()))
			return NULL;
		for (i = 0; i < j->u.array.len; i++)
			if (sg_json_append(c, sg_json_clone(j->u.array.items[i])) < 0)
				goto fail;
		return c;
	case SG_JSON_OBJECT:
		if (!(c = sg_json_new_object()))
			return NULL;
		for (i = 0; i < j->u.object.len; i++) {
			const struct sg_json_member *m = &j->u.object.members[i];
			if (sg_json_setn(c, m->key, m->key_len, sg_json_clone(m->value)) < 0)
				goto fail;
		}
		return c;
	}
	sg_fail("JSON value of unknown kind");
	return NULL;
fail:
	sg_json_free(c);
	return NULL;
}

/* ---- the reader ---- */

struct parser {
	const uint8_t *s;
	size_t len, pos;
	unsigned flags;
};

/* Fails with "line L, column C: <message>" for the byte at offset `at`. */
__attribute__((format(printf, 3, 4))) static int parse_error(const struct parser *ps, size_t at,
							     const char *fmt, ...)
{
	size_t line = 1, col = 1, i;
	char msg[256];
	va_list ap;

	for (i = 0; i < at && i < ps->len; i++) {
		if (ps->s[i] == '\n') {
			line++;
			col = 1;
		} else if ((ps->s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sg_fail("line %zu, column %zu: %s", line, col, msg);
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len) {
		uint8_t c = ps->s[ps->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->pos++;
	}
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Reads the four hex digits of a \u escape starting at the backslash. */
static int read_u_escape(const struct parser *ps, size_t at, uint32_t *unit)
{
	uint32_t v = 0;
	size_t i;

	if (ps->len - at < 6)
		return parse_error(ps, at, "truncated \\u escape");
	for (i = 2; i < 6; i++) {
		int h = sg_hex_value(ps->s[at + i]);
		if (h < 0)
			return parse_error(ps, at, "\\u escape needs four hex digits");
		v = v << 4 | (uint32_t)h;
	}
	*unit = v;
	return 0;
}

/* Decodes the \u escape at s[*at], a surrogate pair taking two, into
 * buf + *o; moves *at past it. */
static int decode_u_escape(const struct parser *ps, size_t *at, uint8_t *buf, size_t *o)
{
	const uint8_t *s = ps->s;
	size_t i = *at;
	uint32_t cp = 0, lo = 0;

	if (read_u_escape(ps, i, &cp) < 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return parse_error(ps, i, "lone low surrogate \\u%04X", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->len - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u')
			return parse_error(ps, i, "lone high surrogate \\u%04X", cp);
		if (read_u_escape(ps, i + 6, &lo) < 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return parse_error(ps, i, "lone high surrogate \\u%04X", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		i += 6;
	}
	*o += utf8_put(buf + *o, cp);
	*at = i + 6;
	return 0;
}

/* Decodes the escape whose backslash is at s[*at] into buf + *o; moves
 * *at past it. */
static int decode_escape(const struct parser *ps, size_t *at, uint8_t *buf, size_t *o)
{
	uint8_t e = ps->s[*at + 1], c;

	switch (e) {
	case '"':
	case '\\':
	case '/': c = e; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'n': c = '\n'; break;
	case 'r': c = '\r'; break;
	case 't': c = '\t'; break;
	case 'u': return decode_u_escape(ps, at, buf, o);
	default:
		if (e >= 0x20 && e < 0x7f)
			return parse_error(ps, *at, "invalid escape '\\%c' in string", e);
		return parse_error(ps, *at, "invalid escape in string");
	}
	buf[(*o)++] = c;
	*at += 2;
	return 0;
}

/* Decodes the character at s[*at] of a string (a byte, a UTF-8 sequence
 * or an escape) into buf + *o; moves *at past it. */
static int decode_char(const struct parser *ps, size_t *at, uint8_t *buf, size_t *o)
{
	const uint8_t *s = ps->s;
	size_t i = *at, k = i;
	uint32_t cp = 0;
	uint8_t c = s[i];

	if (c < 0x20)
		return parse_error(ps, i, "control character U+%04X must be escaped in a string", c);
	if (c == '\\')
		return decode_escape(ps, at, buf, o);
	if (c < 0x80) {
		buf[(*o)++] = c;
		*at = i + 1;
		return 0;
	}
	if (utf8_next(s, ps->len, &k, &cp) < 0)
		return parse_error(ps, i, "invalid UTF-8 in string");
	memcpy(buf + *o, s + i, k - i);
	*o += k - i;
	*at = k;
	return 0;
}

/* Reads the string whose opening quote is at ps->pos into a fresh
 * NUL-terminated allocation. */
static int parse_string(struct parser *ps, char **out, size_t *out_len)
{
	const uint8_t *s = ps->s;
	size_t start = ps->pos, i = start + 1, o = 0, cap;
	uint8_t *buf;

	/* First pass: find the closing quote, which bounds the decoded size
	 * (no escape decodes to more bytes than it spans). */
	while (i < ps->len && s[i] != '"')
		i += s[i] == '\\' ? 2 : 1;
	if (i >= ps->len)
		return parse_error(ps, start, "unterminated string");
	cap = i - start;
	if (!(buf = malloc(cap)))
		return sg_fail("out of memory");

	for (i = start + 1; s[i] != '"';) {
		if (decode_char(ps, &i, buf, &o) < 0) {
			sg_wipe(buf, cap);
			free(buf);
			return -1;
		}
	}
	buf[o] = '\0';
	ps->pos = i + 1;
	*out = (char *)buf;
	*out_len = o;
	return 0;
}

static int parse_literal(struct parser *ps, struct sg_json **out)
{
	static const struct {
		const char *text;
		enum sg_json_kind kind;
		int value;
	} lits[] = {
		{ "true", SG_JSON_BOOL, 1 },
		{ "false", SG_JSON_BOOL, 0 },
		{ "null", SG_JSON_NULL, 0 },
	};
	size_t i, n;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		n = strlen(lits[i].text);
		if (ps->len - ps->pos >= n && memcmp(ps->s + ps->pos, lits[i].text, n) == 0) {
			*out = lits[i].kind == SG_JSON_BOOL ? sg_json_new_bool(lits[i].value)
							    : sg_json_new_null();
			if (!*out)
				return -1;
			ps->pos += n;
			return 0;
		}
	}
	return parse_error(ps, ps->pos, "invalid literal (expected true, false or null)");
}

/* A number's lexeme: where it starts, where its digits start, where it
 * ends, its sign and whether it has a fraction or an exponent. */
struct number_lex {
	size_t start, digits, end;
	int neg, frac;
};

/* Scans the grammar of the number at ps->pos into n. */
static int scan_number(const struct parser *ps, struct number_lex *n)
{
	const uint8_t *s = ps->s;
	size_t p = ps->pos;

	n->start = p;
	n->neg = n->frac = 0;
	if (s[p] == '-') {
		n->neg = 1;
		p++;
	}
	if (p >= ps->len || !is_digit(s[p]))
		return parse_error(ps, p, "expected a digit after '-'");
	n->digits = p;
	if (s[p] == '0') {
		p++;
		if (p < ps->len && is_digit(s[p]))
			return parse_error(ps, p - 1, "leading zeros are not allowed");
	} else {
		while (p < ps->len && is_digit(s[p]))
			p++;
	}
	if (p < ps->len && s[p] == '.') {
		n->frac = 1;
		p++;
		if (p >= ps->len || !is_digit(s[p]))
			return parse_error(ps, p, "expected a digit after '.'");
		while (p < ps->len && is_digit(s[p]))
			p++;
	}
	if (p < ps->len && (s[p] == 'e' || s[p] == 'E')) {
		n->frac = 1;
		p++;
		if (p < ps->len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= ps->len || !is_digit(s[p]))
			return parse_error(ps, p, "expected a digit in the exponent");
		while (p < ps->len && is_digit(s[p]))
			p++;
	}
	n->end = p;
	return 0;
}

/* An integer lexeme as an integer node: 1 when made, 0 when it stays a
 * float (-0, beyond int64), -1 when it is outside the canonical model
 * or out of memory. */
static int number_int(const struct parser *ps, const struct number_lex *n, struct sg_json **out)
{
	const uint8_t *s = ps->s;
	uint64_t mag = 0;
	int overflow = 0;
	struct sg_json *j;

	for (size_t i = n->digits; i < n->end; i++) {
		unsigned d = s[i] - '0';
		if (mag > (UINT64_MAX - d) / 10) {
			overflow = 1;
			break;
		}
		mag = mag * 10 + d;
	}
	if (ps->flags & SG_JSON_MODEL) {
		if (overflow || mag > (uint64_t)SG_JSON_MODEL_INT_MAX)
			return parse_error(ps, n->start,
					   "integer outside the canonical model (|n| < 2^53)");
		if (n->neg && mag == 0)
			return parse_error(ps, n->start,
					   "-0 is not an integer of the canonical model");
	}
	/* -0 stays a float so that its sign survives a round trip. */
	if (overflow || (n->neg && mag == 0) || mag > (uint64_t)INT64_MAX + (uint64_t)n->neg)
		return 0;
	if (!(j = sg_json_new_int(0)))
		return -1;
	j->u.integer = n->neg ? -(int64_t)(mag - 1) - 1 : (int64_t)mag;
	*out = j;
	return 1;
}

static int parse_number(struct parser *ps, struct sg_json **out)
{
	struct number_lex n = { 0 }; /* scan_number fills it; gcc -O3 cannot see that */
	struct sg_json *j;
	char *lexeme;
	int made;

	if (scan_number(ps, &n) < 0)
		return -1;
	if (n.frac && (ps->flags & SG_JSON_MODEL))
		return parse_error(ps, n.start, "floats are not allowed in the canonical model");
	if (!n.frac && (made = number_int(ps, &n, out)) != 0) {
		if (made < 0)
			return -1;
		ps->pos = n.end;
		return 0;
	}

	if (!(lexeme = copy_bytes((const char *)ps->s + n.start, n.end - n.start)))
		return -1;
	if (!(j = new_node(SG_JSON_FLOAT))) {
		free(lexeme);
		return -1;
	}
	j->u.number.lexeme = lexeme;
	j->u.number.value = c_strtod(lexeme);
	if (!isfinite(j->u.number.value)) {
		sg_json_free(j);
		return parse_error(ps, n.start, "number is out of range");
	}
	*out = j;
	ps->pos = n.end;
	return 0;
}

static int parse_value(struct parser *ps, int depth, struct sg_json **out);

/* After an array element or object member: consumes a ',' (refusing a
 * trailing one before close) and returns 0 to read the next item, 1 at
 * close (left unconsumed), or -1 with the error set. */
static int after_item(struct parser *ps, char close)
{
	skip_ws(ps);
	if (ps->pos >= ps->len)
		return parse_error(ps, ps->pos, "unexpected end of input, expected ',' or '%c'",
				   close);
	if (ps->s[ps->pos] == close)
		return 1;
	if (ps->s[ps->pos] != ',')
		return parse_error(ps, ps->pos, "expected ',' or '%c'", close);
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->s[ps->pos] == close)
		return parse_error(ps, ps->pos, "trailing comma before '%c'", close);
	return 0;
}

static int parse_array(struct parser *ps, int depth, struct sg_json **out)
{
	struct sg_json *arr, *v;
	int rc;

	if (depth > SG_JSON_MAX_DEPTH)
		return parse_error(ps, ps->pos, "nesting deeper than %d levels", SG_JSON_MAX_DEPTH);
	if (!(arr = sg_json_new_array()))
		return -1;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->s[ps->pos] == ']') {
		ps->pos++;
		*out = arr;
		return 0;
	}
	for (;;) {
		if (parse_value(ps, depth, &v) < 0)
			goto fail;
		if (array_push(arr, v) < 0) {
			sg_json_wipe(v);
			goto fail;
		}
		rc = after_item(ps, ']');
		if (rc < 0)
			goto fail;
		if (rc > 0)
			break;
	}
	ps->pos++;
	*out = arr;
	return 0;
fail:
	sg_json_wipe(arr);
	return -1;
}

/* Refuses a repeated member name, pointing at its second occurrence.
 * Sorting keeps large objects at n log n. */
static int check_duplicates(const struct parser *ps, const struct sg_json *obj, const size_t *offsets)
{
	const struct sg_json_member *base = obj->u.object.members;
	struct sg_json_member **v;
	size_t i, n = obj->u.object.len;
	int rc = 0;

	if (n < 2)
		return 0;
	if (!(v = sorted_members(obj)))
		return -1;
	for (i = 1; i < n; i++) {
		if (same_name(v[i - 1], v[i])) {
			size_t a = (size_t)(v[i - 1] - base), b = (size_t)(v[i] - base);
			char name[48];

			printable_name(v[i]->key, v[i]->key_len, name);
			rc = parse_error(ps, offsets[a > b ? a : b], "duplicate member name \"%s\"",
					 name);
			break;
		}
	}
	free(v);
	return rc;
}

static int parse_object(struct parser *ps, int depth, struct sg_json **out)
{
	size_t *offsets = NULL, offsets_cap = 0, key_len;
	struct sg_json *obj, *v;
	char *key;
	int rc;

	if (depth > SG_JSON_MAX_DEPTH)
		return parse_error(ps, ps->pos, "nesting deeper than %d levels", SG_JSON_MAX_DEPTH);
	if (!(obj = sg_json_new_object()))
		return -1;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->s[ps->pos] == '}') {
		ps->pos++;
		*out = obj;
		return 0;
	}
	for (;;) {
		size_t at = ps->pos;
		void *grown = offsets;

		if (ps->pos >= ps->len) {
			parse_error(ps, ps->pos, "unexpected end of input, expected a member name");
			goto fail;
		}
		if (ps->s[ps->pos] != '"') {
			parse_error(ps, ps->pos, "expected a member name in double quotes");
			goto fail;
		}
		if (sg_array_grow(&grown, &offsets_cap, obj->u.object.len, sizeof(size_t)) < 0)
			goto fail;
		offsets = grown;
		if (parse_string(ps, &key, &key_len) < 0)
			goto fail;
		skip_ws(ps);
		if (ps->pos >= ps->len || ps->s[ps->pos] != ':') {
			sg_wipe(key, key_len);
			free(key);
			parse_error(ps, ps->pos, "expected ':'");
			goto fail;
		}
		ps->pos++;
		if (parse_value(ps, depth, &v) < 0) {
			sg_wipe(key, key_len);
			free(key);
			goto fail;
		}
		offsets[obj->u.object.len] = at;
		if (object_push(obj, key, key_len, v) < 0) {
			sg_wipe(key, key_len);
			free(key);
			sg_json_wipe(v);
			goto fail;
		}
		rc = after_item(ps, '}');
		if (rc < 0)
			goto fail;
		if (rc > 0)
			break;
	}
	if (check_duplicates(ps, obj, offsets) < 0)
		goto fail;
	ps->pos++;
	free(offsets);
	*out = obj;
	return 0;
fail:
	free(offsets);
	sg_json_wipe(obj);
	return -1;
}

static int parse_value(struct parser *ps, int depth, struct sg_json **out)
{
	char *data;
	size_t len;
	uint8_t c;

	skip_ws(ps);
	if (ps->pos >= ps->len)
		return parse_error(ps, ps->pos, "unexpected end of input, expected a value");
	c = ps->s[ps->pos];
	switch (c) {
	case '{': return parse_object(ps, depth + 1, out);
	case '[': return parse_array(ps, depth + 1, out);
	case '"':
		if (parse_string(ps, &data, &len) < 0)
			return -1;
		if (!(*out = new_node(SG_JSON_STRING))) {
			sg_wipe(data, len);
			free(data);
			return -1;
		}
		(*out)->u.string.data = data;
		(*out)->u.string.len = len;
		return 0;
	case 't':
	case 'f':
	case 'n': return parse_literal(ps, out);
	case '/': return parse_error(ps, ps->pos, "comments are not allowed");
	default:
		if (c == '-' || is_digit(c))
			return parse_number(ps, out);
		return parse_error(ps, ps->pos, "expected a value");
	}
}

int sg_json_parse_flags(const char *text, size_t len, unsigned flags, struct sg_json **out)
{
	struct parser ps = { (const uint8_t *)text, len, 0, flags };
	struct sg_json *v;

	*out = NULL;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return parse_error(&ps, 0, "a byte order mark is not allowed");
	if (parse_value(&ps, 0, &v) < 0)
		return -1;
	skip_ws(&ps);
	if (ps.pos != len) {
		sg_json_wipe(v);
		return parse_error(&ps, ps.pos, "unexpected text after the value");
	}
	*out = v;
	return 0;
}

int sg_json_parse(const char *text, size_t len, struct sg_json **out)
{
	return sg_json_parse_flags(text, len, 0, out);
}

/* ---- output ---- */

/* Where a value sits in the tree, for error messages ("$.a[2]"). */
struct path {
	const struct path *up;
	const struct sg_json_member *member; /* NULL for an array element */
	size_t index;
};

__attribute__((format(printf, 2, 3))) static int fail_at(const struct path *path, const char *fmt, ...)
{
	const struct path *frames[SG_JSON_MAX_DEPTH + 2];
	char where[256], msg[256], name[48];
	size_t n = 0, off;
	va_list ap;

	for (; path && n < sizeof(frames) / sizeof(frames[0]); path = path->up)
		frames[n++] = path;
	off = (size_t)snprintf(where, sizeof(where), "$");
	while (n-- > 0 && off < sizeof(where)) {
		if (frames[n]->member) {
			printable_name(frames[n]->member->key, frames[n]->member->key_len, name);
			off += (size_t)snprintf(where + off, sizeof(where) - off, ".%s", name);
		} else {
			off += (size_t)snprintf(where + off, sizeof(where) - off, "[%zu]",
						frames[n]->index);
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sg_fail("JSON value at %s: %s", where, msg);
}

/* RFC 8785 section 3.2.2.2: escape only '"', '\\' and the C0 controls,
 * using the short forms where JSON has them and \u00xx (lowercase)
 * otherwise; everything else, U+007F and non-ASCII included, is copied. */
static int put_string(struct sg_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	if (sg_buf_append_byte(out, '"') < 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"':
		case '\\': esc[1] = (char)c; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (sg_buf_append(out, s + run, i - run) < 0 || sg_buf_append(out, esc, elen) < 0)
			return -1;
		run = i + 1;
	}
	if (sg_buf_append(out, s + run, len - run) < 0)
		return -1;
	return sg_buf_append_byte(out, '"');
}

/* depth counts the containers around j, as the reader does. */
static int canonical_value(const struct sg_json *j, struct sg_buf *out, const struct path *path,
			   int depth)
{
	struct sg_json_member **sorted;
	struct path here;
	size_t i, n;
	int rc = 0;

	if ((j->kind == SG_JSON_ARRAY || j->kind == SG_JSON_OBJECT) && depth >= SG_JSON_MAX_DEPTH)
		return fail_at(path, "nesting deeper than %d levels", SG_JSON_MAX_DEPTH);
	switch (j->kind) {
	case SG_JSON_NULL: return sg_buf_append_str(out, "null");
	case SG_JSON_BOOL: return sg_buf_append_str(out, j->u.boolean ? "true" : "false");
	case SG_JSON_INT:
		if (j->u.integer > SG_JSON_MODEL_INT_MAX || j->u.integer < -SG_JSON_MODEL_INT_MAX)
			return fail_at(path,
				       "integer %" PRId64
				       " is outside the canonical model (|n| < 2^53)",
				       j->u.integer);
		return sg_buf_printf(out, "%" PRId64, j->u.integer);
	case SG_JSON_FLOAT: return fail_at(path, "floats are not allowed in the canonical model");
	case SG_JSON_STRING:
		if (!sg_utf8_valid(j->u.string.data, j->u.string.len))
			return fail_at(path, "string is not valid UTF-8");
		return put_string(out, j->u.string.data, j->u.string.len);
	case SG_JSON_ARRAY:
		if (sg_buf_append_byte(out, '[') < 0)
			return -1;
		here.up = path;
		here.member = NULL;
		for (i = 0; i < j->u.array.len; i++) {
			here.index = i;
			if ((i && sg_buf_append_byte(out, ',') < 0) ||
			    canonical_value(j->u.array.items[i], out, &here, depth + 1) < 0)
				return -1;
		}
		return sg_buf_append_byte(out, ']');
	case SG_JSON_OBJECT:
		n = j->u.object.len;
		if (n == 0)
			return sg_buf_append_str(out, "{}");
		for (i = 0; i < n; i++)
			if (!sg_utf8_valid(j->u.object.members[i].key, j->u.object.members[i].key_len))
				return fail_at(path, "member name is not valid UTF-8");
		if (!(sorted = sorted_members(j)))
			return -1;
		here.up = path;
		here.index = 0;
		if (sg_buf_append_byte(out, '{') < 0)
			rc = -1;
		for (i = 0; rc == 0 && i < n; i++) {
			here.member = sorted[i];
			if (i && same_name(sorted[i - 1], sorted[i]))
				rc = fail_at(&here, "duplicate member name");
			else if ((i && sg_buf_append_byte(out, ',') < 0) ||
				 put_string(out, sorted[i]->key, sorted[i]->key_len) < 0 ||
				 sg_buf_append_byte(out, ':') < 0 ||
				 canonical_value(sorted[i]->value, out, &here, depth + 1) < 0)
				rc = -1;
		}
		free(sorted);
		return rc < 0 ? -1 : sg_buf_append_byte(out, '}');
	}
	return fail_at(path, "value of unknown kind");
}

int sg_json_canonical(const struct sg_json *j, struct sg_buf *out)
{
	return canonical_value(j, out, NULL, 0);
}

static int put_newline(struct sg_buf *out, int indent, int level)
{
	size_t n = (size_t)indent * (size_t)level;

	if (sg_buf_append_byte(out, '\n') < 0 || sg_buf_reserve(out, n) < 0)
		return -1;
	memset(out->data + out->len, ' ', n);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/* depth counts the containers around j; it is also the indent level. */
static int write_value(const struct sg_json *j, struct sg_buf *out, int indent, int depth,
		       const struct path *path)
{
	struct path here = { path, NULL, 0 };
	char num[40];
	size_t i;

	if ((j->kind == SG_JSON_ARRAY || j->kind == SG_JSON_OBJECT) && depth >= SG_JSON_MAX_DEPTH)
		return fail_at(path, "nesting deeper than %d levels", SG_JSON_MAX_DEPTH);
	switch (j->kind) {
	case SG_JSON_NULL: return sg_buf_append_str(out, "null");
	case SG_JSON_BOOL: return sg_buf_append_str(out, j->u.boolean ? "true" : "false");
	case SG_JSON_INT: return sg_buf_printf(out, "%" PRId64, j->u.integer);
	case SG_JSON_FLOAT:
		if (j->u.number.lexeme)
			return sg_buf_append_str(out, j->u.number.lexeme);
		if (format_double(j->u.number.value, num) < 0)
			return fail_at(path, "%s", sg_errmsg());
		return sg_buf_append_str(out, num);
	case SG_JSON_STRING:
		if (!sg_utf8_valid(j->u.string.data, j->u.string.len))
			return fail_at(path, "string is not valid UTF-8");
		return put_string(out, j->u.string.data, j->u.string.len);
	case SG_JSON_ARRAY:
		if (j->u.array.len == 0)
			return sg_buf_append_str(out, "[]");
		if (sg_buf_append_byte(out, '[') < 0)
			return -1;
		for (i = 0; i < j->u.array.len; i++) {
			here.index = i;
			if ((i && sg_buf_append_byte(out, ',') < 0) ||
			    (indent && put_newline(out, indent, depth + 1) < 0) ||
			    write_value(j->u.array.items[i], out, indent, depth + 1, &here) < 0)
				return -1;
		}
		if (indent && put_newline(out, indent, depth) < 0)
			return -1;
		return sg_buf_append_byte(out, ']');
	case SG_JSON_OBJECT:
		if (j->u.object.len == 0)
			return sg_buf_append_str(out, "{}");
		if (sg_buf_append_byte(out, '{') < 0)
			return -1;
		for (i = 0; i < j->u.object.len; i++) {
			const struct sg_json_member *m = &j->u.object.members[i];

			here.member = m;
			if (!sg_utf8_valid(m->key, m->key_len))
				return fail_at(&here, "member name is not valid UTF-8");
			if ((i && sg_buf_append_byte(out, ',') < 0) ||
			    (indent && put_newline(out, indent, depth + 1) < 0) ||
			    put_string(out, m->key, m->key_len) < 0 ||
			    sg_buf_append_str(out, indent ? ": " : ":") < 0 ||
			    write_value(m->value, out, indent, depth + 1, &here) < 0)
				return -1;
		}
		if (indent && put_newline(out, indent, depth) < 0)
			return -1;
		return sg_buf_append_byte(out, '}');
	}
	return fail_at(path, "value of unknown kind");
}

int sg_json_write(const struct sg_json *j, struct sg_buf *out, int indent)
{
	if (indent < 0 || indent > 16)
		return sg_fail("JSON indent must be between 0 and 16");
	return write_value(j, out, indent, 0, NULL);
}

int sg_json_equal(const struct sg_json *a, const struct sg_json *b)
{
	struct sg_buf x = SG_BUF_INIT, y = SG_BUF_INIT;
	int same = a && b && sg_json_canonical(a, &x) == 0 && sg_json_canonical(b, &y) == 0 &&
		   x.len == y.len && memcmp(x.data, y.data, x.len) == 0;

	sg_buf_free(&x);
	sg_buf_free(&y);
	return same;
}
