#include "sopsdoc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "json.h"

/* ---- the tree ---- */

static char *copy_bytes(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (!p) {
		sg_fail("out of memory");
		return NULL;
	}
	if (len)
		memcpy(p, s, len);
	p[len] = 0;
	return p;
}

struct sg_sops_node *sg_sops_new(enum sg_sops_kind kind)
{
	struct sg_sops_node *n = calloc(1, sizeof(*n));

	if (!n) {
		sg_fail("out of memory");
		return NULL;
	}
	n->kind = kind;
	return n;
}

struct sg_sops_node *sg_sops_new_str(enum sg_sops_kind kind, const char *s, size_t len)
{
	struct sg_sops_node *n = sg_sops_new(kind);

	if (!n)
		return NULL;
	n->str = copy_bytes(s, len);
	if (!n->str) {
		free(n);
		return NULL;
	}
	n->len = len;
	return n;
}

static void free_node(struct sg_sops_node *n, int wipe)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->items[i].key) {
			if (wipe)
				sg_wipe(n->items[i].key, n->items[i].key_len);
			free(n->items[i].key);
		}
		free_node(n->items[i].value, wipe);
	}
	free(n->items);
	if (n->str) {
		if (wipe)
			sg_wipe(n->str, n->len);
		free(n->str);
	}
	if (wipe)
		sg_wipe(n, sizeof(*n));
	free(n);
}

void sg_sops_free(struct sg_sops_node *n)
{
	free_node(n, 0);
}

void sg_sops_wipe(struct sg_sops_node *n)
{
	free_node(n, 1);
}

int sg_sops_insert(struct sg_sops_node *c, size_t pos, const char *key, size_t key_len,
		   struct sg_sops_node *value)
{
	char *k = NULL;

	if (!value)
		return -1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct sg_sops_item *v = realloc(c->items, cap * sizeof(*v));
		if (!v) {
			sg_sops_free(value);
			return sg_fail("out of memory");
		}
		c->items = v;
		c->cap = cap;
	}
	if (key && !(k = copy_bytes(key, key_len))) {
		sg_sops_free(value);
		return -1;
	}
	if (pos > c->n)
		pos = c->n;
	memmove(&c->items[pos + 1], &c->items[pos], (c->n - pos) * sizeof(c->items[0]));
	c->items[pos].key = k;
	c->items[pos].key_len = key ? key_len : 0;
	c->items[pos].value = value;
	c->items[pos].line = 0;
	c->n++;
	return 0;
}

int sg_sops_push(struct sg_sops_node *c, const char *key, size_t key_len, struct sg_sops_node *value)
{
	return sg_sops_insert(c, c->n, key, key_len, value);
}

static ssize_t find_key(const struct sg_sops_node *map, const char *key)
{
	size_t len = strlen(key);

	if (!map || map->kind != SG_SOPS_MAP)
		return -1;
	for (size_t i = 0; i < map->n; i++) {
		const struct sg_sops_item *it = &map->items[i];
		if (it->key && it->key_len == len && memcmp(it->key, key, len) == 0)
			return (ssize_t)i;
	}
	return -1;
}

struct sg_sops_node *sg_sops_get(const struct sg_sops_node *map, const char *key)
{
	ssize_t i = find_key(map, key);

	return i < 0 ? NULL : map->items[i].value;
}

struct sg_sops_node *sg_sops_take(struct sg_sops_node *map, const char *key)
{
	ssize_t i = find_key(map, key);

	return i < 0 ? NULL : sg_sops_remove(map, (size_t)i);
}

struct sg_sops_node *sg_sops_remove(struct sg_sops_node *c, size_t i)
{
	struct sg_sops_node *v = c->items[i].value;

	free(c->items[i].key);
	memmove(&c->items[i], &c->items[i + 1], (c->n - i - 1) * sizeof(c->items[0]));
	c->n--;
	return v;
}

struct sg_sops_node *sg_sops_clone(const struct sg_sops_node *src)
{
	struct sg_sops_node *n = sg_sops_new(src->kind);

	if (!n)
		return NULL;
	n->boolean = src->boolean;
	n->inline_comment = src->inline_comment;
	n->integer = src->integer;
	n->number = src->number;
	n->line = src->line;
	if (src->str) {
		if (!(n->str = copy_bytes(src->str, src->len))) {
			free(n);
			return NULL;
		}
		n->len = src->len;
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct sg_sops_item *it = &src->items[i];
		if (sg_sops_push(n, it->key, it->key_len, sg_sops_clone(it->value)) < 0) {
			sg_sops_free(n);
			return NULL;
		}
		n->items[n->n - 1].line = it->line;
	}
	return n;
}

/* ---- Go's number forms ---- */

/* The shortest decimal digits of d > 0 that read back to d: digits in
 * dig (NUL-terminated, no leading zero) and the position of the decimal
 * point relative to their start (d = 0.DIGITS x 10^dp). */
static void shortest_digits(double d, char dig[24], int *dp)
{
	char buf[40], *e;
	int p, nd = 0;

	for (p = 0; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	for (e = buf; *e && *e != 'e'; e++)
		if (*e >= '0' && *e <= '9')
			dig[nd++] = *e;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = 0;
	*dp = atoi(e + 1) + 1;
}

static int special_float(double d, char *out, const char *inf, const char *nan)
{
	if (isnan(d)) {
		strcpy(out, nan);
		return 1;
	}
	if (isinf(d)) {
		sprintf(out, "%c%s", d < 0 ? '-' : '+', inf);
		return 1;
	}
	return 0;
}

static void format_f(int neg, const char *dig, int dp, char *out)
{
	int nd = (int)strlen(dig), i;
	char *o = out;

	if (neg)
		*o++ = '-';
	if (dp <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (i = 0; i < -dp; i++)
			*o++ = '0';
		memcpy(o, dig, (size_t)nd);
		o += nd;
	} else if (dp >= nd) {
		memcpy(o, dig, (size_t)nd);
		o += nd;
		for (i = nd; i < dp; i++)
			*o++ = '0';
	} else {
		memcpy(o, dig, (size_t)dp);
		o += dp;
		*o++ = '.';
		memcpy(o, dig + dp, (size_t)(nd - dp));
		o += nd - dp;
	}
	*o = 0;
}

static void format_e(int neg, const char *dig, int dp, char *out, int min_exp_digits)
{
	int nd = (int)strlen(dig), x = dp - 1;
	char *o = out;

	if (neg)
		*o++ = '-';
	*o++ = dig[0];
	if (nd > 1) {
		*o++ = '.';
		memcpy(o, dig + 1, (size_t)(nd - 1));
		o += nd - 1;
	}
	*o++ = 'e';
	*o++ = x < 0 ? '-' : '+';
	sprintf(o, "%0*d", min_exp_digits, x < 0 ? -x : x);
}

void sg_go_format_float_f(double d, char *out)
{
	char dig[24];
	int dp;

	if (special_float(d, out, "Inf", "NaN"))
		return;
	if (d == 0) {
		strcpy(out, signbit(d) ? "-0" : "0");
		return;
	}
	shortest_digits(fabs(d), dig, &dp);
	format_f(d < 0, dig, dp, out);
}

void sg_go_format_float_g(double d, char *out)
{
	char dig[24];
	int dp, x;

	if (special_float(d, out, "Inf", "NaN"))
		return;
	if (d == 0) {
		strcpy(out, signbit(d) ? "-0" : "0");
		return;
	}
	shortest_digits(fabs(d), dig, &dp);
	x = dp - 1;
	/* Go uses precision 6 for this choice when formatting shortest. */
	if (x < -4 || x >= 6)
		format_e(d < 0, dig, dp, out, 2);
	else
		format_f(d < 0, dig, dp, out);
}

void sg_go_format_float_json(double d, char *out)
{
	char dig[24];
	int dp;
	double a = fabs(d);

	if (special_float(d, out, "Inf", "NaN"))
		return;
	if (d == 0) {
		strcpy(out, signbit(d) ? "-0" : "0");
		return;
	}
	shortest_digits(a, dig, &dp);
	if (a < 1e-6 || a >= 1e21)
		format_e(d < 0, dig, dp, out, 1);
	else
		format_f(d < 0, dig, dp, out);
}

int sg_go_parse_float(const char *s, size_t len, double *out)
{
	char buf[400], *end;

	if (len == 0 || len >= sizeof(buf) || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' ||
	    memchr(s, 0, len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	errno = 0;
	*out = strtod(buf, &end);
	if (*end || (errno == ERANGE && isinf(*out)))
		return -1;
	return 0;
}

int sg_go_parse_int(const char *s, size_t len, int64_t *out)
{
	char buf[32], *end;
	size_t i = 0;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	if (s[0] == '+' || s[0] == '-')
		i = 1;
	if (i == len)
		return -1;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return errno || *end ? -1 : 0;
}

int sg_go_parse_bool(const char *s, size_t len, int *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < 6; i++) {
		if (strlen(yes[i]) == len && memcmp(yes[i], s, len) == 0) {
			*out = 1;
			return 0;
		}
		if (strlen(no[i]) == len && memcmp(no[i], s, len) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* ---- JSON ---- */

struct sg_sops_node *sg_sops_from_json(const struct sg_json *j, enum sg_sops_numbers how)
{
	struct sg_sops_node *n;

	switch (j->kind) {
	case SG_JSON_NULL: return sg_sops_new(SG_SOPS_NULL);
	case SG_JSON_BOOL:
		if ((n = sg_sops_new(SG_SOPS_BOOL)))
			n->boolean = j->u.boolean;
		return n;
	case SG_JSON_INT:
		if (how == SG_SOPS_NUMBERS_MODEL) {
			if ((n = sg_sops_new(SG_SOPS_INT)))
				n->integer = j->u.integer;
			return n;
		}
		/* sops's decoder reads every number as a float64, and its MAC
		 * and plaintexts are that float's digits: so must ours be */
		if ((n = sg_sops_new(SG_SOPS_FLOAT)))
			n->number = (double)j->u.integer;
		return n;
	case SG_JSON_FLOAT:
		if (how == SG_SOPS_NUMBERS_MODEL) {
			sg_fail("floats are not in the data model");
			return NULL;
		}
		if ((n = sg_sops_new(SG_SOPS_FLOAT)))
			n->number = j->u.number.value;
		return n;
	case SG_JSON_STRING: return sg_sops_new_str(SG_SOPS_STR, j->u.string.data, j->u.string.len);
	case SG_JSON_ARRAY:
		if (!(n = sg_sops_new(SG_SOPS_LIST)))
			return NULL;
		for (size_t i = 0; i < j->u.array.len; i++) {
			/* push takes the value, NULL included (it then fails) */
			if (sg_sops_push(n, NULL, 0, sg_sops_from_json(j->u.array.items[i], how)) <
			    0) {
				sg_sops_wipe(n);
				return NULL;
			}
		}
		return n;
	case SG_JSON_OBJECT:
		if (!(n = sg_sops_new(SG_SOPS_MAP)))
			return NULL;
		for (size_t i = 0; i < j->u.object.len; i++) {
			const struct sg_json_member *m = &j->u.object.members[i];
			if (sg_sops_push(n, m->key, m->key_len, sg_sops_from_json(m->value, how)) <
			    0) {
				sg_sops_wipe(n);
				return NULL;
			}
		}
		return n;
	}
	sg_fail("unknown JSON value");
	return NULL;
}

int sg_sops_json_read(const char *name, const char *text, size_t len, struct sg_sops_node **out)
{
	struct sg_json *j = NULL;

	*out = NULL;
	if (sg_json_parse(text, len, &j) < 0)
		return sg_fail_prefix(name);
	if (j->kind != SG_JSON_OBJECT) {
		sg_json_wipe(j);
		return sg_fail("%s: the document is not a JSON object (sops needs a top-level object)",
			       name);
	}
	*out = sg_sops_from_json(j, SG_SOPS_NUMBERS_SOPS);
	sg_json_wipe(j);
	return *out ? 0 : -1;
}

/* A string as Go's encoding/json writes it (HTML-safe escaping). */
static int json_string(struct sg_buf *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int rc = sg_buf_append_byte(o, '"');

	for (size_t i = 0; i < len && rc == 0; i++) {
		uint8_t c = (uint8_t)s[i];
		switch (c) {
		case '"': rc = sg_buf_append_str(o, "\\\""); continue;
		case '\\': rc = sg_buf_append_str(o, "\\\\"); continue;
		case '\n': rc = sg_buf_append_str(o, "\\n"); continue;
		case '\r': rc = sg_buf_append_str(o, "\\r"); continue;
		case '\t': rc = sg_buf_append_str(o, "\\t"); continue;
		default: break;
		}
		if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
			rc = sg_buf_append_str(o, e);
		} else if (c == 0xe2 && i + 2 < len && (uint8_t)s[i + 1] == 0x80 &&
			   ((uint8_t)s[i + 2] == 0xa8 || (uint8_t)s[i + 2] == 0xa9)) {
			rc = sg_buf_append_str(o, (uint8_t)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else {
			rc = sg_buf_append_byte(o, c);
		}
	}
	return rc ? -1 : sg_buf_append_byte(o, '"');
}

static int json_tabs(struct sg_buf *o, int depth)
{
	if (sg_buf_append_byte(o, '\n') < 0)
		return -1;
	for (int i = 0; i < depth; i++)
		if (sg_buf_append_byte(o, '\t') < 0)
			return -1;
	return 0;
}

static int json_value(const struct sg_sops_node *v, struct sg_buf *o, int depth)
{
	char num[400];
	int first = 1, container = v->kind == SG_SOPS_MAP || v->kind == SG_SOPS_LIST;

	if (depth > SG_SOPS_MAX_DEPTH)
		return sg_fail("document nested deeper than %d levels", SG_SOPS_MAX_DEPTH);
	switch (v->kind) {
	case SG_SOPS_NULL: return sg_buf_append_str(o, "null");
	case SG_SOPS_BOOL: return sg_buf_append_str(o, v->boolean ? "true" : "false");
	case SG_SOPS_INT: return sg_buf_printf(o, "%" PRId64, v->integer);
	case SG_SOPS_FLOAT:
		if (!isfinite(v->number))
			return sg_fail("JSON cannot hold the float %g", v->number);
		sg_go_format_float_json(v->number, num);
		return sg_buf_append_str(o, num);
	case SG_SOPS_STR:
	case SG_SOPS_COMMENT: return json_string(o, v->str, v->len);
	case SG_SOPS_MAP:
	case SG_SOPS_LIST: break;
	}
	if (!container)
		return sg_fail("unknown value");
	if (sg_buf_append_byte(o, v->kind == SG_SOPS_MAP ? '{' : '[') < 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct sg_sops_item *it = &v->items[i];
		if (it->value->kind == SG_SOPS_COMMENT)
			continue;
		if ((!first && sg_buf_append_byte(o, ',') < 0) || json_tabs(o, depth + 1) < 0)
			return -1;
		first = 0;
		if (v->kind == SG_SOPS_MAP &&
		    (json_string(o, it->key, it->key_len) < 0 || sg_buf_append_str(o, ": ") < 0))
			return -1;
		if (json_value(it->value, o, depth + 1) < 0)
			return -1;
	}
	if (!first && json_tabs(o, depth) < 0)
		return -1;
	return sg_buf_append_byte(o, v->kind == SG_SOPS_MAP ? '}' : ']');
}

int sg_sops_json_write(const struct sg_sops_node *doc, struct sg_buf *out)
{
	if (json_value(doc, out, 0) < 0)
		return -1;
	return sg_buf_append_byte(out, '\n');
}

int sg_sops_json_write_value(const struct sg_sops_node *v, struct sg_buf *out)
{
	return json_value(v, out, 0);
}

/* ---- dotenv ---- */

int sg_sops_dotenv_read(const char *name, const char *text, size_t len, struct sg_sops_node **out)
{
	struct sg_sops_node *doc = sg_sops_new(SG_SOPS_MAP);
	size_t pos = 0, lineno = 0;

	*out = NULL;
	if (!doc)
		return -1;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos), *eq;
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		struct sg_sops_node *v;
		struct sg_buf val = SG_BUF_INIT;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll == 0)
			continue;
		if (!sg_utf8_valid(line, ll)) {
			sg_sops_wipe(doc);
			return sg_fail("%s: line %zu: invalid UTF-8", name, lineno);
		}
		if (line[0] == '#') {
			if (sg_sops_push(doc, NULL, 0,
					 sg_sops_new_str(SG_SOPS_COMMENT, line + 1, ll - 1)) < 0)
				goto fail;
			continue;
		}
		eq = memchr(line, '=', ll);
		if (!eq) {
			sg_sops_wipe(doc);
			return sg_fail("%s: line %zu: not KEY=VALUE (no '=')", name, lineno);
		}
		for (const char *p = eq + 1; p < line + ll; p++) {
			int rc;
			if (p + 1 < line + ll && p[0] == '\\' && p[1] == 'n') {
				rc = sg_buf_append_byte(&val, '\n');
				p++;
			} else {
				rc = sg_buf_append_byte(&val, (uint8_t)*p);
			}
			if (rc < 0) {
				sg_buf_wipe(&val);
				goto fail;
			}
		}
		v = sg_sops_new_str(SG_SOPS_STR, val.data ? (const char *)val.data : "", val.len);
		sg_buf_wipe(&val);
		if (sg_sops_push(doc, line, (size_t)(eq - line), v) < 0)
			goto fail;
	}
	*out = doc;
	return 0;
fail:
	sg_sops_wipe(doc);
	return -1;
}

int sg_sops_dotenv_write(const struct sg_sops_node *doc, struct sg_buf *out)
{
	char num[400];

	for (size_t i = 0; i < doc->n; i++) {
		const struct sg_sops_item *it = &doc->items[i];
		const struct sg_sops_node *v = it->value;
		int rc = 0;

		if (v->kind == SG_SOPS_COMMENT) {
			if (sg_buf_append_byte(out, '#') < 0 ||
			    sg_buf_append(out, v->str, v->len) < 0 ||
			    sg_buf_append_byte(out, '\n') < 0)
				return -1;
			continue;
		}
		if (v->kind == SG_SOPS_MAP || v->kind == SG_SOPS_LIST)
			return sg_fail("cannot use complex value in dotenv file: key %s", it->key);
		if (sg_buf_append(out, it->key, it->key_len) < 0 || sg_buf_append_byte(out, '=') < 0)
			return -1;
		switch (v->kind) {
		case SG_SOPS_NULL: rc = sg_buf_append_str(out, "<nil>"); break;
		case SG_SOPS_BOOL:
			rc = sg_buf_append_str(out, v->boolean ? "true" : "false");
			break;
		case SG_SOPS_INT: rc = sg_buf_printf(out, "%" PRId64, v->integer); break;
		case SG_SOPS_FLOAT:
			sg_go_format_float_f(v->number, num);
			rc = sg_buf_append_str(out, num);
			break;
		default:
			for (size_t k = 0; k < v->len && rc == 0; k++)
				rc = v->str[k] == '\n' ? sg_buf_append_str(out, "\\n")
						       : sg_buf_append_byte(out, (uint8_t)v->str[k]);
			break;
		}
		if (rc < 0 || sg_buf_append_byte(out, '\n') < 0)
			return -1;
	}
	return 0;
}
