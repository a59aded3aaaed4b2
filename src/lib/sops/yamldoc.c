#include "yamldoc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "err.h"
#include "json.h"

/* Alias expansion may copy at most this many nodes in all. */
#define ALIAS_BUDGET 1000000

/* ---- positions: libyaml counts lines and characters ---- */

struct pos {
	size_t line, col;
};

static int pos_lt(struct pos a, struct pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static struct pos mark_pos(yaml_mark_t m)
{
	struct pos p = { m.line, m.column };
	return p;
}

struct range {
	struct pos start, end;
	int block; /* literal or folded: a comment may follow its header */
};

struct comment {
	struct pos at;
	int inl;	  /* something other than blanks precedes it on its line */
	const char *text; /* after the '#' */
	size_t len;
};

struct anchor {
	char *name;
	const struct sg_sops_node *node;
	struct sg_sops_node *owned; /* a key's node, which no tree holds */
};

struct reader {
	const char *name;
	const char *text;
	size_t len;
	yaml_parser_t parser;
	struct range *ranges;
	size_t nranges, ranges_cap;
	struct comment *comments;
	size_t ncomments, comments_cap, ci;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t budget;
};

static int fail_at(const struct reader *r, struct pos p, const char *what)
{
	return sg_fail("%s: line %zu, column %zu: %s", r->name, p.line + 1, p.col + 1, what);
}

static int parser_error(const struct reader *r)
{
	const yaml_parser_t *p = &r->parser;

	if (p->error == YAML_MEMORY_ERROR)
		return sg_fail("out of memory");
	return sg_fail("%s: line %zu, column %zu: %s%s%s", r->name, p->problem_mark.line + 1,
		       p->problem_mark.column + 1, p->problem ? p->problem : "invalid YAML",
		       p->context ? " " : "", p->context ? p->context : "");
}

static int next_event(struct reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev))
		return parser_error(r);
	return 0;
}

/* Pass 1: where the scalars are (a '#' inside one is not a comment),
 * and that the stream holds at most one document. */
static int scan_scalars(struct reader *r)
{
	yaml_event_t ev;
	int docs = 0, done = 0;

	while (!done) {
		if (next_event(r, &ev) < 0)
			return -1;
		if (ev.type == YAML_SCALAR_EVENT) {
			if (sg_array_grow((void **)&r->ranges, &r->ranges_cap, r->nranges,
					  sizeof(*r->ranges)) < 0) {
				yaml_event_delete(&ev);
				return -1;
			}
			r->ranges[r->nranges].start = mark_pos(ev.start_mark);
			r->ranges[r->nranges].block =
				ev.data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
				ev.data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
			r->ranges[r->nranges++].end = mark_pos(ev.end_mark);
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			struct pos p = mark_pos(ev.start_mark);
			yaml_event_delete(&ev);
			return fail_at(r, p, "more than one YAML document (not supported)");
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	return 0;
}

/* The length of a line break at s[i] as libyaml counts them (LF, CR,
 * CRLF, NEL, LS, PS), or 0. */
static size_t break_len(const char *s, size_t len, size_t i)
{
	const uint8_t *u = (const uint8_t *)s;

	if (u[i] == '\n')
		return 1;
	if (u[i] == '\r')
		return i + 1 < len && u[i + 1] == '\n' ? 2 : 1;
	if (u[i] == 0xc2 && i + 1 < len && u[i + 1] == 0x85)
		return 2;
	if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
		return 3;
	return 0;
}

static int scan_comments(struct reader *r)
{
	const char *s = r->text;
	size_t len = r->len, i = 0, ri = 0;
	struct pos p = { 0, 0 };
	int content = 0, blank_before = 1;

	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		size_t bl = break_len(s, len, i);
		uint8_t c = (uint8_t)s[i];

		if (bl) {
			i += bl;
			p.line++;
			p.col = 0;
			content = 0;
			blank_before = 1;
			continue;
		}
		while (ri < r->nranges && !pos_lt(p, r->ranges[ri].end))
			ri++;
		if (c == '#' && blank_before &&
		    !(ri < r->nranges && !pos_lt(p, r->ranges[ri].start) &&
		      !(r->ranges[ri].block && p.line == r->ranges[ri].start.line))) {
			size_t start = i + 1, end = start;
			struct comment *cm;

			while (end < len && !break_len(s, len, end))
				end++;
			if (sg_array_grow((void **)&r->comments, &r->comments_cap, r->ncomments,
					  sizeof(*r->comments)) < 0)
				return -1;
			cm = &r->comments[r->ncomments++];
			cm->at = p;
			cm->inl = content;
			cm->text = s + start;
			cm->len = end - start;
			while (cm->len &&
			       (cm->text[cm->len - 1] == ' ' || cm->text[cm->len - 1] == '\t'))
				cm->len--;
			/* the rest of the line is the comment: skip to the break */
			for (; i < end; i++)
				if (((uint8_t)s[i] & 0xc0) != 0x80)
					p.col++;
			continue;
		}
		blank_before = c == ' ' || c == '\t';
		if (!blank_before)
			content = 1;
		i++;
		while (i < len && ((uint8_t)s[i] & 0xc0) == 0x80)
			i++;
		p.col++;
	}
	return 0;
}

/* Moves the comments before `upto` into container c. With min_col >= 0
 * (a block ending), stops at the first comment indented less: it belongs
 * to an enclosing block. A comment on the line where the last value
 * ended goes before that entry, marked inline. */
static int flush_comments(struct reader *r, struct sg_sops_node *c, struct pos upto, long min_col,
			  const long last_line[2])
{
	while (r->ci < r->ncomments && pos_lt(r->comments[r->ci].at, upto)) {
		const struct comment *cm = &r->comments[r->ci];
		struct sg_sops_node *node;

		if (min_col >= 0 && (long)cm->at.col < min_col)
			break;
		node = sg_sops_new_str(SG_SOPS_COMMENT, cm->text, cm->len);
		if (!node)
			return -1;
		r->ci++;
		if (cm->inl &&
		    (last_line[0] == (long)cm->at.line || last_line[1] == (long)cm->at.line) &&
		    c->n && c->items[c->n - 1].value->kind != SG_SOPS_COMMENT) {
			size_t at = c->n - 1;
			/* after any inline comments already placed before it */
			node->inline_comment = 1;
			if (sg_sops_insert(c, at, NULL, 0, node) < 0)
				return -1;
		} else if (sg_sops_push(c, NULL, 0, node) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- scalars ---- */

static int all_digits(const char *s, size_t len, const char *set)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr(set, s[i]) || !s[i])
			return 0;
	return 1;
}

/* go-yaml's float pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int yaml_float_lexeme(const char *s, size_t len)
{
	size_t i = 0, d = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d++;
		if (!d)
			return 0;
	} else {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d++;
		if (!d)
			return 0;
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		d = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d++;
		if (!d)
			return 0;
	}
	return i == len;
}

static int is_one_of(const char *s, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return 1;
	return 0;
}

/* Go's strconv.ParseInt(s, 0, 64) on s without underscores. */
static int go_int_base0(const char *s, size_t len, int64_t *out)
{
	char buf[80], *end;
	size_t i = 0, o = 0;
	int neg = 0, base = 10;
	unsigned long long v;

	if (len >= sizeof(buf))
		return -1;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (len - i >= 2 && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		base = strchr("xX", s[i + 1]) ? 16 : strchr("oO", s[i + 1]) ? 8 : 2;
		i += 2;
	} else if (len - i >= 2 && s[i] == '0') {
		base = 8;
		i++;
	}
	for (; i < len; i++) {
		if (s[i] == '_')
			continue;
		buf[o++] = s[i];
	}
	buf[o] = 0;
	if (!o || !all_digits(buf, o,
			      base == 16  ? "0123456789abcdefABCDEF"
			      : base == 8 ? "01234567"
			      : base == 2 ? "01"
					  : "0123456789"))
		return -1;
	errno = 0;
	v = strtoull(buf, &end, base);
	if (errno || *end)
		return -1;
	if (neg ? v > (unsigned long long)INT64_MAX + 1 : v > (unsigned long long)INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static const char *const null_words[] = { "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };
static const char *const old_bools[] = { "y", "Y",  "yes", "Yes", "YES", "on",	"On",  "ON", "n",
					 "N", "no", "No",  "NO",  "off", "Off", "OFF", NULL };

/* A plain scalar's value as go-yaml v3 resolves it into a sops tree. */
static struct sg_sops_node *resolve_plain(const char *s, size_t len)
{
	struct sg_sops_node *n;
	int64_t iv;

	if (len == 0 || is_one_of(s, len, null_words))
		return sg_sops_new(SG_SOPS_NULL);
	if (is_one_of(s, len, true_words) || is_one_of(s, len, false_words)) {
		if ((n = sg_sops_new(SG_SOPS_BOOL)))
			n->boolean = s[0] == 't' || s[0] == 'T';
		return n;
	}
	if (strchr("+-.0123456789", s[0])) {
		static const char *const inf[] = { ".inf",  ".Inf",  ".INF", "+.inf",
						   "+.Inf", "+.INF", NULL };
		static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
		static const char *const nan_words[] = { ".nan", ".NaN", ".NAN", NULL };
		char clean[400];
		size_t o = 0;

		if (is_one_of(s, len, inf) || is_one_of(s, len, ninf) ||
		    is_one_of(s, len, nan_words)) {
			if ((n = sg_sops_new(SG_SOPS_FLOAT)))
				n->number = is_one_of(s, len, nan_words) ? NAN
					    : is_one_of(s, len, inf)	 ? INFINITY
									 : -INFINITY;
			return n;
		}
		if (s[0] == '.') {
			/* go-yaml: a '.' that is not .inf/.nan may be a float */
			double d;
			if (sg_go_parse_float(s, len, &d) == 0 && (n = sg_sops_new(SG_SOPS_FLOAT))) {
				n->number = d;
				return n;
			}
			return sg_sops_new_str(SG_SOPS_STR, s, len);
		}
		if (go_int_base0(s, len, &iv) == 0) {
			if ((n = sg_sops_new(SG_SOPS_INT)))
				n->integer = iv;
			return n;
		}
		for (size_t i = 0; i < len && o < sizeof(clean) - 1; i++)
			if (s[i] != '_')
				clean[o++] = s[i];
		if (len < sizeof(clean) && yaml_float_lexeme(clean, o)) {
			double d;
			if (sg_go_parse_float(clean, o, &d) == 0 && (n = sg_sops_new(SG_SOPS_FLOAT))) {
				n->number = d;
				return n;
			}
		}
	}
	return sg_sops_new_str(SG_SOPS_STR, s, len);
}

static struct sg_sops_node *scalar_node(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;

	if (tag && strcmp(tag, "tag:yaml.org,2002:str") == 0)
		return sg_sops_new_str(SG_SOPS_STR, v, len);
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
	    (tag && !strncmp(tag, "tag:yaml.org,2002:", 18)))
		return resolve_plain(v, len);
	return sg_sops_new_str(SG_SOPS_STR, v, len);
}

/* ---- anchors ---- */

static size_t count_nodes(const struct sg_sops_node *n, size_t limit)
{
	size_t c = 1;

	for (size_t i = 0; i < n->n && c <= limit; i++)
		c += count_nodes(n->items[i].value, limit - c);
	return c;
}

static int add_anchor(struct reader *r, const yaml_char_t *name, const struct sg_sops_node *node)
{
	char *copy;

	if (!name)
		return 0;
	if (sg_array_grow((void **)&r->anchors, &r->anchors_cap, r->nanchors, sizeof(*r->anchors)) < 0)
		return -1;
	if (!(copy = strdup((const char *)name)))
		return sg_fail("out of memory");
	r->anchors[r->nanchors].name = copy;
	r->anchors[r->nanchors].owned = NULL;
	r->anchors[r->nanchors++].node = node;
	return 0;
}

/* An anchor on a mapping key ("&k key: v"): the key is remembered as the
 * scalar it is, so that a later "*k" (as a key or a value) reads back as
 * go-yaml and libyaml read it; like every anchor, it is not written out
 * (aliases are expanded). */
static int add_key_anchor(struct reader *r, const yaml_event_t *k)
{
	struct sg_sops_node *n;

	if (!k->data.scalar.anchor)
		return 0;
	if (!(n = scalar_node(k)))
		return -1;
	if (add_anchor(r, k->data.scalar.anchor, n) < 0) {
		sg_sops_wipe(n);
		return -1;
	}
	r->anchors[r->nanchors - 1].owned = n;
	return 0;
}

static int height(const struct sg_sops_node *n)
{
	int h = 0;

	for (size_t i = 0; i < n->n; i++) {
		int k = 1 + height(n->items[i].value);
		if (k > h)
			h = k;
	}
	return h;
}

/* A copy of the anchored node, if it stays within the depth limit at
 * depth and the expansion budget. */
static struct sg_sops_node *alias_node(struct reader *r, const yaml_event_t *ev, int depth)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t c;

	for (size_t i = r->nanchors; i-- > 0;) {
		if (strcmp(r->anchors[i].name, name) != 0)
			continue;
		if (depth + height(r->anchors[i].node) > SG_SOPS_MAX_DEPTH) {
			fail_at(r, mark_pos(ev->start_mark), "nested too deeply");
			return NULL;
		}
		c = count_nodes(r->anchors[i].node, r->budget);
		if (c > r->budget) {
			fail_at(r, mark_pos(ev->start_mark), "aliases expand to too many nodes");
			return NULL;
		}
		r->budget -= c;
		return sg_sops_clone(r->anchors[i].node);
	}
	fail_at(r, mark_pos(ev->start_mark), "alias to an unknown anchor");
	return NULL;
}

/* ---- pass 2: the tree ---- */

static int parse_node(struct reader *r, yaml_event_t *ev, int depth, struct sg_sops_node **out,
		      struct pos *end);

/* Frees *alias and fails at the key event k. */
static int refuse_key(struct reader *r, const yaml_event_t *k, struct sg_sops_node **alias,
		      const char *what)
{
	sg_sops_free(*alias);
	*alias = NULL;
	return fail_at(r, mark_pos(k->start_mark), what);
}

/* The key of a mapping entry whose key event is k: a scalar's text, or
 * an alias to a string (*alias, which the caller frees). Refused when
 * it is not a string, is in map already or is not UTF-8 text. */
static int map_key(struct reader *r, const yaml_event_t *k, int depth, const struct sg_sops_node *map,
		   const char **key, size_t *klen, struct sg_sops_node **alias)
{
	*alias = NULL;
	if (k->type == YAML_SCALAR_EVENT) {
		*key = (const char *)k->data.scalar.value;
		*klen = k->data.scalar.length;
	} else if (k->type == YAML_ALIAS_EVENT) {
		if (!(*alias = alias_node(r, k, depth)))
			return -1;
		if ((*alias)->kind == SG_SOPS_MAP || (*alias)->kind == SG_SOPS_LIST || !(*alias)->str)
			return refuse_key(r, k, alias, "keys must be strings");
		*key = (*alias)->str;
		*klen = (*alias)->len;
	} else {
		return fail_at(r, mark_pos(k->start_mark), "complex keys are not supported");
	}
	for (size_t i = 0; i < map->n; i++) {
		if (map->items[i].key && map->items[i].key_len == *klen &&
		    memcmp(map->items[i].key, *key, *klen) == 0)
			return refuse_key(r, k, alias, "duplicate key");
	}
	if (memchr(*key, 0, *klen) || !sg_utf8_valid(*key, *klen))
		return refuse_key(r, k, alias, "key is not valid UTF-8 text");
	if (k->type == YAML_SCALAR_EVENT && add_key_anchor(r, k) < 0)
		return -1;
	return 0;
}

/* One key: value entry of a mapping, its key event k read: the key,
 * then the value, pushed onto map. last_line[] takes the lines where
 * the value starts and ends. */
static int map_entry(struct reader *r, const yaml_event_t *k, int depth, struct sg_sops_node *map,
		     long last_line[2])
{
	struct sg_sops_node *alias, *val = NULL;
	const char *key = NULL; /* map_key sets key and klen when it succeeds */
	size_t klen = 0;
	yaml_event_t v;
	struct pos vend;
	int rc = -1;

	if (map_key(r, k, depth, map, &key, &klen, &alias) < 0)
		return -1;
	if (next_event(r, &v) < 0)
		goto out;
	last_line[0] = (long)v.start_mark.line;
	if (parse_node(r, &v, depth + 1, &val, &vend) < 0 || sg_sops_push(map, key, klen, val) < 0)
		goto out;
	map->items[map->n - 1].line = (unsigned)k->start_mark.line + 1;
	last_line[1] = (long)vend.line;
	rc = 0;
out:
	sg_sops_free(alias);
	return rc;
}

static int parse_map(struct reader *r, yaml_event_t *start, int depth, struct sg_sops_node **out,
		     struct pos *end)
{
	struct sg_sops_node *map = sg_sops_new(SG_SOPS_MAP);
	long col = -1, last_line[2] = { -1, -1 };
	/* everything before a flow collection's closing bracket is inside it */
	int flow = start->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
	yaml_event_t k;

	if (!map)
		return -1;
	for (;;) {
		if (next_event(r, &k) < 0)
			goto fail;
		if (k.type == YAML_MAPPING_END_EVENT) {
			*end = mark_pos(k.end_mark);
			yaml_event_delete(&k);
			if (flush_comments(r, map, *end,
					   flow	     ? -1
					   : col < 0 ? 0
						     : col,
					   last_line) < 0)
				goto fail;
			*out = map;
			return 0;
		}
		if (flush_comments(r, map, mark_pos(k.start_mark), -1, last_line) < 0)
			goto fail_k;
		if (col < 0)
			col = (long)k.start_mark.column;
		if (map_entry(r, &k, depth, map, last_line) < 0)
			goto fail_k;
		yaml_event_delete(&k);
	}
fail_k:
	yaml_event_delete(&k);
fail:
	sg_sops_wipe(map);
	return -1;
}

static int parse_list(struct reader *r, yaml_event_t *start, int depth, struct sg_sops_node **out,
		      struct pos *end)
{
	struct sg_sops_node *list = sg_sops_new(SG_SOPS_LIST), *val;
	long col = start->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
			   ? -1
			   : (long)start->start_mark.column,
	     last_line[2] = { -1, -1 };
	yaml_event_t ev;
	struct pos vend;

	if (!list)
		return -1;
	for (;;) {
		if (next_event(r, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			*end = mark_pos(ev.end_mark);
			yaml_event_delete(&ev);
			if (flush_comments(r, list, *end, col, last_line) < 0)
				goto fail;
			*out = list;
			return 0;
		}
		if (flush_comments(r, list, mark_pos(ev.start_mark), -1, last_line) < 0) {
			yaml_event_delete(&ev);
			goto fail;
		}
		last_line[0] = (long)ev.start_mark.line;
		if (parse_node(r, &ev, depth + 1, &val, &vend) < 0 ||
		    sg_sops_push(list, NULL, 0, val) < 0)
			goto fail;
		list->items[list->n - 1].line = val->line;
		last_line[1] = (long)vend.line;
	}
fail:
	sg_sops_wipe(list);
	return -1;
}

/* Consumes ev (and, for a collection, everything up to its end). */
static int parse_node(struct reader *r, yaml_event_t *ev, int depth, struct sg_sops_node **out,
		      struct pos *end)
{
	const yaml_char_t *anchor = NULL;
	int rc = -1;

	*out = NULL;
	if (depth > SG_SOPS_MAX_DEPTH) {
		fail_at(r, mark_pos(ev->start_mark), "nested too deeply");
		yaml_event_delete(ev);
		return -1;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		*end = mark_pos(ev->end_mark);
		if (!sg_utf8_valid((const char *)ev->data.scalar.value, ev->data.scalar.length))
			fail_at(r, mark_pos(ev->start_mark), "invalid UTF-8");
		else if ((*out = scalar_node(ev)))
			rc = 0;
		break;
	case YAML_ALIAS_EVENT:
		*end = mark_pos(ev->end_mark);
		if ((*out = alias_node(r, ev, depth)))
			rc = 0;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		rc = parse_map(r, ev, depth, out, end);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		rc = parse_list(r, ev, depth, out, end);
		break;
	default: fail_at(r, mark_pos(ev->start_mark), "unexpected YAML event"); break;
	}
	if (rc == 0)
		(*out)->line = (unsigned)ev->start_mark.line + 1;
	if (rc == 0 && anchor && add_anchor(r, anchor, *out) < 0) {
		sg_sops_wipe(*out);
		*out = NULL;
		rc = -1;
	}
	yaml_event_delete(ev);
	return rc;
}

static int parse_document(struct reader *r, struct sg_sops_node **out)
{
	struct sg_sops_node *root = NULL;
	yaml_event_t ev;
	struct pos end = { (size_t)-1, 0 };
	static const long none[2] = { -1, -1 };

	for (;;) {
		if (next_event(r, &ev) < 0)
			goto fail;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_MAPPING_START_EVENT) {
			if (parse_node(r, &ev, 0, &root, &end) < 0)
				goto fail;
			continue;
		}
		if (ev.type == YAML_SEQUENCE_START_EVENT) {
			fail_at(r, mark_pos(ev.start_mark),
				"YAML documents that are sequences are not supported");
			yaml_event_delete(&ev);
			goto fail;
		}
		if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT) {
			int null_doc = ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0 &&
				       ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			struct pos p = mark_pos(ev.start_mark);
			yaml_event_delete(&ev);
			if (!null_doc) {
				fail_at(r, p, "YAML documents that are values are not supported");
				goto fail;
			}
			continue;
		}
		yaml_event_delete(&ev);
	}
	if (!root && !(root = sg_sops_new(SG_SOPS_MAP)))
		return -1;
	end.line = (size_t)-1;
	if (flush_comments(r, root, end, -1, none) < 0)
		goto fail;
	*out = root;
	return 0;
fail:
	sg_sops_wipe(root);
	return -1;
}

static void reader_free(struct reader *r)
{
	free(r->ranges);
	free(r->comments);
	for (size_t i = 0; i < r->nanchors; i++) {
		free(r->anchors[i].name);
		sg_sops_wipe(r->anchors[i].owned);
	}
	free(r->anchors);
}

int sg_yaml_read(const char *name, const char *text, size_t len, struct sg_sops_node **out)
{
	struct reader r;
	int rc = -1;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.text = text;
	r.len = len;
	r.budget = ALIAS_BUDGET;
	if (!yaml_parser_initialize(&r.parser))
		return sg_fail("out of memory");
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
	rc = scan_scalars(&r);
	yaml_parser_delete(&r.parser);
	if (rc == 0)
		rc = scan_comments(&r);
	if (rc == 0) {
		if (!yaml_parser_initialize(&r.parser)) {
			reader_free(&r);
			return sg_fail("out of memory");
		}
		yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
		rc = parse_document(&r, out);
		yaml_parser_delete(&r.parser);
	}
	reader_free(&r);
	return rc;
}

/* ---- writing ---- */

enum style { PLAIN, SINGLE, DOUBLE, LITERAL };

/* Decodes one code point; -1 for invalid UTF-8. */
static int next_cp(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	uint32_t c = s[*i];
	size_t n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 9;

	if (n == 9 || *i + n >= len + (n ? 0 : 1))
		return -1;
	if (n)
		c &= 0x3f >> n;
	for (size_t k = 1; k <= n; k++)
		c = c << 6 | (s[*i + k] & 0x3f);
	*i += n + 1;
	*cp = c;
	return 0;
}

static int printable(uint32_t c)
{
	return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd && c != 0xfeff && c != 0x2028 && c != 0x2029) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

static int looks_timestamp(const char *s, size_t len)
{
	if (len < 5 || !all_digits(s, 4, "0123456789") || s[4] != '-')
		return 0;
	return all_digits(s, len, "0123456789-:.TtZz+ ");
}

/* go-yaml's base-60 float check: [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)? */
static int looks_base60(const char *s, size_t len)
{
	size_t i = 0;
	int groups = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	while (i < len && s[i] == ':') {
		size_t d = 0;
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9' && d < 2)
			i++, d++;
		if (!d || (d == 2 && s[i - 2] > '5'))
			return 0;
		groups++;
	}
	if (!groups)
		return 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			i++;
	}
	return i == len;
}

static int reads_as_other_type(const char *s, size_t len)
{
	struct sg_sops_node *n = resolve_plain(s, len);
	int other = !n || n->kind != SG_SOPS_STR;

	sg_sops_free(n);
	return other || is_one_of(s, len, old_bools) || looks_base60(s, len) ||
	       looks_timestamp(s, len);
}

static int choose_style(const char *s, size_t len, int is_key, enum style *st)
{
	const uint8_t *u = (const uint8_t *)s;
	int special = 0, newline = 0, plain = 1;
	size_t i = 0;

	while (i < len) {
		uint32_t c;
		if (next_cp(u, len, &i, &c) < 0)
			return sg_fail("a string is not valid UTF-8");
		if (c == '\n')
			newline = 1;
		else if (!printable(c))
			special = 1;
	}
	if (len == 0 || reads_as_other_type(s, len)) {
		*st = DOUBLE;
		return 0;
	}
	if (newline) {
		int ok = !special && !is_key && s[0] != ' ' && s[0] != '\n' && s[len - 1] != ' ';
		for (i = 0; ok && i + 1 < len; i++)
			if (s[i] == ' ' && s[i + 1] == '\n')
				ok = 0;
		*st = ok ? LITERAL : DOUBLE;
		return 0;
	}
	if (special) {
		*st = DOUBLE;
		return 0;
	}
	if (s[0] == ' ' || s[len - 1] == ' ' || strchr("#,[]{}&*!|>'\"%@`", s[0]) ||
	    (strchr("-?:", s[0]) && (len == 1 || s[1] == ' ')) ||
	    (len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3))) || s[len - 1] == ':')
		plain = 0;
	for (i = 0; plain && i < len; i++) {
		if (s[i] == ':' && i + 1 < len && s[i + 1] == ' ')
			plain = 0;
		if (s[i] == '#' && i > 0 && s[i - 1] == ' ')
			plain = 0;
	}
	*st = plain ? PLAIN : SINGLE;
	return 0;
}

static int write_double(struct sg_buf *o, const char *s, size_t len)
{
	size_t i = 0;
	int rc = sg_buf_append_byte(o, '"');

	while (i < len && rc == 0) {
		size_t at = i;
		uint32_t c;
		if (next_cp((const uint8_t *)s, len, &i, &c) < 0)
			return sg_fail("a string is not valid UTF-8");
		switch (c) {
		case 0: rc = sg_buf_append_str(o, "\\0"); break;
		case 7: rc = sg_buf_append_str(o, "\\a"); break;
		case 8: rc = sg_buf_append_str(o, "\\b"); break;
		case 9: rc = sg_buf_append_str(o, "\\t"); break;
		case 10: rc = sg_buf_append_str(o, "\\n"); break;
		case 11: rc = sg_buf_append_str(o, "\\v"); break;
		case 12: rc = sg_buf_append_str(o, "\\f"); break;
		case 13: rc = sg_buf_append_str(o, "\\r"); break;
		case 27: rc = sg_buf_append_str(o, "\\e"); break;
		case '"': rc = sg_buf_append_str(o, "\\\""); break;
		case '\\': rc = sg_buf_append_str(o, "\\\\"); break;
		case 0x85: rc = sg_buf_append_str(o, "\\N"); break;
		case 0xa0: rc = sg_buf_append_str(o, "\\_"); break;
		case 0x2028: rc = sg_buf_append_str(o, "\\L"); break;
		case 0x2029: rc = sg_buf_append_str(o, "\\P"); break;
		default:
			if (printable(c))
				rc = sg_buf_append(o, s + at, i - at);
			else if (c <= 0xff)
				rc = sg_buf_printf(o, "\\x%02X", c);
			else if (c <= 0xffff)
				rc = sg_buf_printf(o, "\\u%04X", c);
			else
				rc = sg_buf_printf(o, "\\U%08X", c);
		}
	}
	return rc ? -1 : sg_buf_append_byte(o, '"');
}

static int write_single(struct sg_buf *o, const char *s, size_t len)
{
	int rc = sg_buf_append_byte(o, '\'');

	for (size_t i = 0; i < len && rc == 0; i++)
		rc = s[i] == '\'' ? sg_buf_append_str(o, "''") : sg_buf_append_byte(o, (uint8_t)s[i]);
	return rc ? -1 : sg_buf_append_byte(o, '\'');
}

static int put_spaces(struct sg_buf *o, int n)
{
	for (int i = 0; i < n; i++)
		if (sg_buf_append_byte(o, ' ') < 0)
			return -1;
	return 0;
}

/* A string key or value on the current line; literal blocks write their
 * header here and their body with write_literal_body(). */
static int write_string(struct sg_buf *o, const char *s, size_t len, int is_key, enum style *used)
{
	enum style st = DOUBLE;

	if (choose_style(s, len, is_key, &st) < 0)
		return -1;
	*used = st;
	switch (st) {
	case PLAIN: return sg_buf_append(o, s, len);
	case SINGLE: return write_single(o, s, len);
	case DOUBLE: return write_double(o, s, len);
	case LITERAL: {
		size_t trailing = 0;
		while (trailing < len && s[len - 1 - trailing] == '\n')
			trailing++;
		return sg_buf_append_str(o, trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+");
	}
	}
	return -1;
}

static int write_literal_body(struct sg_buf *o, const char *s, size_t len, int indent)
{
	size_t i = 0;

	/* the body: each line indented; the final line break(s) are the
	 * chomping indicator's business */
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (s + i)) : len - i;
		if (ll && put_spaces(o, indent) < 0)
			return -1;
		if (sg_buf_append(o, s + i, ll) < 0 || sg_buf_append_byte(o, '\n') < 0)
			return -1;
		i += ll + 1;
	}
	return 0;
}

static int next_indent(int indent)
{
	return 4 * ((indent + 4) / 4);
}

static int write_comment_lines(struct sg_buf *o, const struct sg_sops_node *c, int indent,
			       int *on_dash_line)
{
	size_t i = 0;

	do {
		const char *nl = memchr(c->str + i, '\n', c->len - i);
		size_t ll = nl ? (size_t)(nl - (c->str + i)) : c->len - i;
		if (!*on_dash_line && put_spaces(o, indent) < 0)
			return -1;
		*on_dash_line = 0;
		if (sg_buf_append_byte(o, '#') < 0 || sg_buf_append(o, c->str + i, ll) < 0 ||
		    sg_buf_append_byte(o, '\n') < 0)
			return -1;
		i += ll + 1;
	} while (i < c->len);
	return 0;
}

static int write_inline_comments(struct sg_buf *o, const struct sg_sops_node *const *inl, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sg_sops_node *c = inl[i];
		if (sg_buf_append_str(o, " #") < 0)
			return -1;
		for (size_t k = 0; k < c->len; k++)
			if (sg_buf_append_byte(o, c->str[k] == '\n' ? ' ' : (uint8_t)c->str[k]) < 0)
				return -1;
	}
	return 0;
}

static int real_items(const struct sg_sops_node *n)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->items[i].value->kind != SG_SOPS_COMMENT)
			return 1;
	return 0;
}

static int write_block(struct sg_buf *o, const struct sg_sops_node *c, int indent, int on_dash_line,
		       int depth);

/* Writes value v after "key:" or "- " (the caller wrote that), to the end
 * of its last line. block_indent is where a literal body or a nested
 * block goes; after_dash: v follows "- " directly. Inline comments go
 * after a scalar on its line (the caller moves those of a block). */
static int write_value(struct sg_buf *o, const struct sg_sops_node *v, int block_indent,
		       int after_dash, const struct sg_sops_node *const *inl, size_t ninl, int depth)
{
	char num[400];
	enum style st = PLAIN;
	int rc = 0, coll = v->kind == SG_SOPS_MAP || v->kind == SG_SOPS_LIST;

	if (depth > SG_SOPS_MAX_DEPTH)
		return sg_fail("document nested deeper than %d levels", SG_SOPS_MAX_DEPTH);
	if (coll && real_items(v)) {
		if (!after_dash && sg_buf_append_byte(o, '\n') < 0)
			return -1;
		return write_block(o, v, block_indent, after_dash, depth + 1);
	}
	if (!after_dash && sg_buf_append_byte(o, ' ') < 0)
		return -1;
	if (coll && v->n) {
		/* only comments: a flow collection holding them, so that they
		 * read back into it. The entry's inline comments go after the
		 * closing bracket: after the opening one they would be inside
		 * the collection, read back as its comments (and, encrypted,
		 * under another path, so they would no longer decrypt). */
		int dash = 0;
		if (sg_buf_append_str(o, v->kind == SG_SOPS_MAP ? "{\n" : "[\n") < 0)
			return -1;
		for (size_t i = 0; i < v->n; i++)
			if (write_comment_lines(o, v->items[i].value, block_indent, &dash) < 0)
				return -1;
		if (put_spaces(o, block_indent) < 0 ||
		    sg_buf_append_str(o, v->kind == SG_SOPS_MAP ? "}" : "]") < 0 ||
		    write_inline_comments(o, inl, ninl) < 0 || sg_buf_append_byte(o, '\n') < 0)
			return -1;
		return 0;
	}
	switch (v->kind) {
	case SG_SOPS_NULL: rc = sg_buf_append_str(o, "null"); break;
	case SG_SOPS_BOOL: rc = sg_buf_append_str(o, v->boolean ? "true" : "false"); break;
	case SG_SOPS_INT: rc = sg_buf_printf(o, "%" PRId64, v->integer); break;
	case SG_SOPS_FLOAT:
		if (isnan(v->number))
			strcpy(num, ".nan");
		else if (isinf(v->number))
			strcpy(num, v->number < 0 ? "-.inf" : ".inf");
		else if (v->number == 0 && signbit(v->number))
			strcpy(num, "-0.0"); /* Go writes -0, which reads back as the int 0 */
		else
			sg_go_format_float_g(v->number, num);
		rc = sg_buf_append_str(o, num);
		break;
	case SG_SOPS_STR:
	case SG_SOPS_COMMENT: rc = write_string(o, v->str, v->len, 0, &st); break;
	case SG_SOPS_MAP: rc = sg_buf_append_str(o, "{}"); break;
	case SG_SOPS_LIST: rc = sg_buf_append_str(o, "[]"); break;
	}
	if (rc < 0 || write_inline_comments(o, inl, ninl) < 0 || sg_buf_append_byte(o, '\n') < 0)
		return -1;
	if (st == LITERAL && write_literal_body(o, v->str, v->len, block_indent) < 0)
		return -1;
	return 0;
}

/* A mapping key and its ':'. A key of more than 128 bytes is written as
 * an explicit key, "? KEY" and then ':' on a line of its own, as go-yaml's
 * emitter does (yaml_emitter_check_simple_key): YAML reads an implicit
 * key of at most 1024 characters, so a longer one would not read back. */
static int write_key(struct sg_buf *o, const struct sg_sops_item *it, int indent)
{
	int explicit = it->key_len > 128;
	enum style st;

	if ((explicit && sg_buf_append_str(o, "? ") < 0) ||
	    write_string(o, it->key, it->key_len, 1, &st) < 0)
		return -1;
	if (explicit && (sg_buf_append_byte(o, '\n') < 0 || put_spaces(o, indent) < 0))
		return -1;
	return sg_buf_append_byte(o, ':');
}

/* A block mapping or sequence whose entries start at column indent;
 * on_dash_line: the first entry goes right after a "- " already written.
 * Comments are placed where the reader puts them back into this block:
 * none can precede the first entry on a dash line (they would belong to
 * the enclosing sequence), so those follow it; inline comments of an
 * entry whose value is a block become lines before the entry. */
static int write_block(struct sg_buf *o, const struct sg_sops_node *c, int indent, int on_dash_line,
		       int depth)
{
	const struct sg_sops_node **inl = NULL, **later = NULL;
	size_t ninl = 0, nlater = 0;
	int rc = 0, no_dash = 0;

	if (c->n && (!(inl = calloc(c->n, sizeof(*inl))) || !(later = calloc(c->n, sizeof(*later))))) {
		free(inl);
		return sg_fail("out of memory");
	}
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		const struct sg_sops_item *it = &c->items[i];
		const struct sg_sops_node *v = it->value;
		int block = (v->kind == SG_SOPS_MAP || v->kind == SG_SOPS_LIST) && real_items(v);

		if (v->kind == SG_SOPS_COMMENT) {
			if (v->inline_comment)
				inl[ninl++] = v;
			else if (on_dash_line)
				later[nlater++] = v;
			else
				rc = write_comment_lines(o, v, indent, &no_dash);
			continue;
		}
		if (block && ninl) {
			for (size_t k = 0; k < ninl && rc == 0; k++) {
				if (on_dash_line)
					later[nlater++] = inl[k];
				else
					rc = write_comment_lines(o, inl[k], indent, &no_dash);
			}
			ninl = 0;
		}
		if (rc == 0 && !on_dash_line)
			rc = put_spaces(o, indent);
		on_dash_line = 0;
		if (rc < 0)
			break;
		if (c->kind == SG_SOPS_MAP) {
			if (write_key(o, it, indent) < 0) {
				rc = -1;
				break;
			}
			rc = write_value(o, v, next_indent(indent), 0, inl, ninl, depth);
		} else {
			if (sg_buf_append_str(o, "- ") < 0) {
				rc = -1;
				break;
			}
			rc = write_value(o, v, indent + 2, 1, inl, ninl, depth);
		}
		ninl = 0;
		for (size_t k = 0; k < nlater && rc == 0; k++)
			rc = write_comment_lines(o, later[k], indent, &no_dash);
		nlater = 0;
	}
	/* inline comments with no entry after them end the block */
	for (size_t i = 0; i < ninl && rc == 0; i++)
		rc = write_comment_lines(o, inl[i], indent, &no_dash);
	free(inl);
	free(later);
	return rc;
}

int sg_yaml_write(const struct sg_sops_node *doc, struct sg_buf *out)
{
	if (doc->kind != SG_SOPS_MAP)
		return sg_fail("a YAML document must be a mapping");
	if (!real_items(doc)) {
		int dash = 0;
		for (size_t i = 0; i < doc->n; i++)
			if (write_comment_lines(out, doc->items[i].value, 0, &dash) < 0)
				return -1;
		return sg_buf_append_str(out, "{}\n");
	}
	return write_block(out, doc, 0, 0, 0);
}

int sg_yaml_write_value(const struct sg_sops_node *v, struct sg_buf *out)
{
	if ((v->kind == SG_SOPS_MAP || v->kind == SG_SOPS_LIST) && real_items(v))
		return write_block(out, v, 0, 0, 0);
	/* a scalar document: write_value writes a leading blank, dropped here */
	{
		struct sg_buf tmp = SG_BUF_INIT;
		int rc = write_value(&tmp, v, 4, 1, NULL, 0, 0);
		if (rc == 0)
			rc = sg_buf_append(out, tmp.data, tmp.len);
		sg_buf_wipe(&tmp);
		return rc;
	}
}
