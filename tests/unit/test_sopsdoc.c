/* sopsdoc.h: the SOPS document tree, Go's number forms, and the JSON and
 * dotenv stores. Tables: floats in Go's three formats (strconv 'f' and
 * 'g' with precision -1, encoding/json); Go's ParseFloat/Atoi/ParseBool
 * forms accepted and refused; JSON documents read (every number a
 * float64, as sops's decoder makes it) and written exactly as
 * json.Indent with tabs does; dotenv documents both ways; every refusal
 * with its message. Then the tree operations.
 * Trees are compared as sopsdump.h's one-line dump. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "json.h"
#include "sopsdoc.h"
#include "sopsdump.h"

static int same_n(const struct sg_buf *b, const char *t, size_t n)
{
	return b->len == n && memcmp(b->data, t, n) == 0;
}

/* Go: FormatFloat(d, 'f', -1, 64), FormatFloat(d, 'g', -1, 64), and
 * what json.Marshal writes. */
static const struct {
	double d;
	const char *f, *g, *json;
} floats[] = {
	{ 0.0, "0", "0", "0" },
	{ -0.0, "-0", "-0", "-0" },
	{ 1.0, "1", "1", "1" },
	{ -1.5, "-1.5", "-1.5", "-1.5" },
	{ 0.1, "0.1", "0.1", "0.1" },
	{ 1.0 / 3, "0.3333333333333333", "0.3333333333333333", "0.3333333333333333" },
	{ 123456.0, "123456", "123456", "123456" },
	{ 1234567.0, "1234567", "1.234567e+06", "1234567" }, /* 'g': exponent >= 6 */
	{ 1e6, "1000000", "1e+06", "1000000" },
	{ 0.0001, "0.0001", "0.0001", "0.0001" },
	{ 0.00001, "0.00001", "1e-05", "0.00001" }, /* 'g': exponent < -4 */
	{ 0.000001, "0.000001", "1e-06", "0.000001" },
	{ 0.0000001, "0.0000001", "1e-07", "1e-7" }, /* json: below 1e-6 */
	{ 1e20, "100000000000000000000", "1e+20", "100000000000000000000" },
	{ 1e21, "1000000000000000000000", "1e+21", "1e+21" }, /* json: from 1e21 */
	{ 123e100,
	  "1230000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000",
	  "1.23e+102", "1.23e+102" },
	{ 9007199254740993.0, "9007199254740992", "9.007199254740992e+15", "9007199254740992" },
	{ 5e-324, NULL, "5e-324", "5e-324" },
	{ 1.7976931348623157e308, NULL, "1.7976931348623157e+308", "1.7976931348623157e+308" },
	{ INFINITY, "+Inf", "+Inf", "+Inf" },
	{ -INFINITY, "-Inf", "-Inf", "-Inf" },
	{ NAN, "NaN", "NaN", "NaN" },
};

static const struct {
	const char *s;
	size_t len; /* 0: strlen */
	int ok;
	double want;
} parse_floats[] = {
	{ "1e3", 0, 1, 1000 },
	{ "-2.5", 0, 1, -2.5 },
	{ "+2", 0, 1, 2 },
	{ ".5", 0, 1, 0.5 },
	{ "1e-400", 0, 1, 0 }, /* underflow is no error in Go */
	{ "1e400", 0, 0, 0 },  /* overflow is */
	{ "", 0, 0, 0 },
	{ " 1", 0, 0, 0 },
	{ "\t1", 0, 0, 0 },
	{ "\n1", 0, 0, 0 },
	{ "1 ", 0, 0, 0 },
	{ "1e", 0, 0, 0 },
	{ "x", 0, 0, 0 },
	{ "1\0"
	  "2",
	  3, 0, 0 },
};

static const struct {
	const char *s;
	size_t len; /* 0: strlen */
	int ok;
	int64_t want;
} parse_ints[] = {
	{ "0", 0, 1, 0 },
	{ "-42", 0, 1, -42 },
	{ "+7", 0, 1, 7 },
	{ "007", 0, 1, 7 },
	{ "9223372036854775807", 0, 1, INT64_MAX },
	{ "-9223372036854775808", 0, 1, INT64_MIN },
	{ "9223372036854775808", 0, 0, 0 },
	{ "-9223372036854775809", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ "-", 0, 0, 0 },
	{ "+", 0, 0, 0 },
	{ "4x", 0, 0, 0 },
	{ " 4", 0, 0, 0 },
	{ "0x10", 0, 0, 0 },
	{ "1_0", 0, 0, 0 },
	{ "1.0", 0, 0, 0 },
	{ "1\0"
	  "2",
	  3, 0, 0 },
	{ "0000000000000000000000000000001", 0, 1, 1 },	 /* 31 bytes */
	{ "00000000000000000000000000000001", 0, 0, 0 }, /* 32: past the buffer */
};

static const struct {
	const char *s;
	int ok, want;
} parse_bools[] = {
	{ "1", 1, 1 },	   { "t", 1, 1 },     { "T", 1, 1 },	{ "TRUE", 1, 1 }, { "true", 1, 1 },
	{ "True", 1, 1 },  { "0", 1, 0 },     { "f", 1, 0 },	{ "F", 1, 0 },	  { "FALSE", 1, 0 },
	{ "false", 1, 0 }, { "False", 1, 0 }, { "tRUE", 0, 0 }, { "yes", 0, 0 },  { "", 0, 0 },
	{ "truee", 0, 0 }, { "tru", 0, 0 },   { "2", 0, 0 },
};

/* JSON documents: the tree sops reads and the text it writes. */
static const struct {
	const char *in, *tree, *out;
} json_docs[] = {
	{ "{}", "{}", "{}\n" },
	{ " { } ", "{}", "{}\n" },
	{ "{\"a\":1}", "{a=f1}", "{\n\t\"a\": 1\n}\n" },
	{ "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\"},\"e\":[],\"f\":{}}",
	  "{a=f1 b=[T F ~] c={d=\"x\"} e=[] f={}}",
	  "{\n\t\"a\": 1,\n\t\"b\": [\n\t\ttrue,\n\t\tfalse,\n\t\tnull\n\t],\n\t\"c\": {\n\t\t\"d\": \"x\"\n\t},\n"
	  "\t\"e\": [],\n\t\"f\": {}\n}\n" },
	/* every number a float64: 2^53 + 1 rounds as sops rounds it */
	{ "{\"a\":9007199254740993,\"b\":1.5e300,\"c\":-0.0,\"d\":1E2,\"e\":0.0000001}",
	  "{a=f9.007199254740992e+15 b=f1.5e+300 c=f-0 d=f100 e=f1e-07}",
	  "{\n\t\"a\": 9007199254740992,\n\t\"b\": 1.5e+300,\n\t\"c\": -0,\n\t\"d\": 100,\n\t\"e\": 1e-7\n}\n" },
	/* Go's string escapes: HTML-safe, U+2028/9, \u00XX for controls */
	{ "{\"s\":\"<a&b>\\\"\\\\\\/\\n\\r\\t\\u0001\\u001f\\u007f\\u2028\\u2029\\u00e9\"}",
	  "{s=\"<a&b>\"\\/\n\r\t\x01\x1f\x7f\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\"}",
	  "{\n\t\"s\": \"\\u003ca\\u0026b\\u003e\\\"\\\\/\\n\\r\\t\\u0001\\u001f\x7f\\u2028\\u2029\xc3\xa9\"\n}\n" },
	/* keys keep their order and are escaped the same way */
	{ "{\"z\":1,\"<\":2,\"a\":3}", "{z=f1 <=f2 a=f3}",
	  "{\n\t\"z\": 1,\n\t\"\\u003c\": 2,\n\t\"a\": 3\n}\n" },
	{ "{\"a\":[[1],[[]]]}", "{a=[[f1] [[]]]}",
	  "{\n\t\"a\": [\n\t\t[\n\t\t\t1\n\t\t],\n\t\t[\n\t\t\t[]\n\t\t]\n\t]\n}\n" },
};

static const struct {
	const char *in, *msg;
} json_refused[] = {
	{ "[1]", "t: the document is not a JSON object (sops needs a top-level object)" },
	{ "\"s\"", "t: the document is not a JSON object (sops needs a top-level object)" },
	{ "null", "t: the document is not a JSON object (sops needs a top-level object)" },
	{ "", "t: " },
	{ "{\"a\":1,\"a\":2}", "t: " },
	{ "{\"a\":1,}", "t: " },
	{ "{\"a\":\"\xff\"}", "t: " },
	{ "{} {}", "t: " },
};

/* dotenv: the tree, and what the writer makes of it. */
static const struct {
	const char *in, *tree, *out;
} env_docs[] = {
	{ "", "{}", "" },
	{ "\n\n", "{}", "" },
	{ "A=1\n", "{A=\"1\"}", "A=1\n" },
	{ "A=1", "{A=\"1\"}", "A=1\n" }, /* the last line needs no line feed */
	{ "# c\nA=\nB=x=y\n\nC= sp \n", "{(# c) A=\"\" B=\"x=y\" C=\" sp \"}",
	  "# c\nA=\nB=x=y\nC= sp \n" },
	{ "A=a\\nb\\\\n\n", "{A=\"a\nb\\\n\"}", "A=a\\nb\\\\n\n" },
	{ "A=\\\n", "{A=\"\\\"}", "A=\\\n" }, /* a lone backslash at the end */
	{ "=v\n", "{=\"v\"}", "=v\n" },
	{ "#\n", "{(#)}", "#\n" },
	{ " A=1\n", "{ A=\"1\"}", " A=1\n" }, /* no trimming */
	{ "K=\xc3\xa9\n", "{K=\"\xc3\xa9\"}", "K=\xc3\xa9\n" },
};

static const struct {
	const char *in, *msg;
} env_refused[] = {
	{ "NOEQUALS\n", "t: line 1: not KEY=VALUE (no '=')" },
	{ "A=1\n\nB\n", "t: line 3: not KEY=VALUE (no '=')" },
	{ "A=1\nB=\xff\n", "t: line 2: invalid UTF-8" },
	{ "# \xc3\n", "t: line 1: invalid UTF-8" },
};

static void check_numbers(void)
{
	char out[400];

	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
		if (floats[i].f) {
			sg_go_format_float_f(floats[i].d, out);
			CHECK_STR(out, floats[i].f);
		}
		sg_go_format_float_g(floats[i].d, out);
		CHECK_STR(out, floats[i].g);
		sg_go_format_float_json(floats[i].d, out);
		CHECK_STR(out, floats[i].json);
	}
	/* the smallest denormal in 'f' is 5 followed by 323 zeros after
	 * "0.": the 400-byte buffer holds it */
	sg_go_format_float_f(5e-324, out);
	CHECK(strlen(out) == 2 + 323 + 1 && strncmp(out, "0.000", 5) == 0 && out[325] == '5');
	sg_go_format_float_f(1.7976931348623157e308, out);
	CHECK(strlen(out) == 309 && strncmp(out, "17976931348623157", 17) == 0);

	for (size_t i = 0; i < sizeof(parse_floats) / sizeof(parse_floats[0]); i++) {
		double d = -99;
		size_t len = parse_floats[i].len ? parse_floats[i].len : strlen(parse_floats[i].s);
		CHECK(sg_go_parse_float(parse_floats[i].s, len, &d) == (parse_floats[i].ok ? 0 : -1));
		if (parse_floats[i].ok)
			CHECK(d == parse_floats[i].want);
	}
	for (size_t i = 0; i < sizeof(parse_ints) / sizeof(parse_ints[0]); i++) {
		int64_t v = -99;
		size_t len = parse_ints[i].len ? parse_ints[i].len : strlen(parse_ints[i].s);
		CHECK(sg_go_parse_int(parse_ints[i].s, len, &v) == (parse_ints[i].ok ? 0 : -1));
		if (parse_ints[i].ok)
			CHECK(v == parse_ints[i].want);
	}
	for (size_t i = 0; i < sizeof(parse_bools) / sizeof(parse_bools[0]); i++) {
		int b = -99;
		CHECK(sg_go_parse_bool(parse_bools[i].s, strlen(parse_bools[i].s), &b) ==
		      (parse_bools[i].ok ? 0 : -1));
		CHECK(b == (parse_bools[i].ok ? parse_bools[i].want : -99));
	}
}

static void check_json(void)
{
	for (size_t i = 0; i < sizeof(json_docs) / sizeof(json_docs[0]); i++) {
		struct sg_sops_node *n = NULL;
		struct sg_buf d = SG_BUF_INIT, w = SG_BUF_INIT;
		CHECK(sg_sops_json_read("t", json_docs[i].in, strlen(json_docs[i].in), &n) == 0);
		if (!n)
			continue;
		CHECK(dump(&d, n) == 0 && same(&d, json_docs[i].tree));
		CHECK(sg_sops_json_write(n, &w) == 0 && same(&w, json_docs[i].out));
		sg_sops_free(n);
		sg_buf_free(&d);
		sg_buf_free(&w);
	}
	for (size_t i = 0; i < sizeof(json_refused) / sizeof(json_refused[0]); i++) {
		struct sg_sops_node *n = (struct sg_sops_node *)&n;
		const char *m = json_refused[i].msg;
		sg_errclear();
		CHECK(sg_sops_json_read("t", json_refused[i].in, strlen(json_refused[i].in), &n) ==
		      -1);
		CHECK(n == NULL);
		/* a full message, or the name's prefix before json.h's own */
		if (strlen(m) > 3)
			CHECK_STR(sg_errmsg(), m);
		else
			CHECK(strncmp(sg_errmsg(), m, 3) == 0 && strlen(sg_errmsg()) > 3);
	}
	/* the writer drops comments; a value alone; non-finite refused */
	{
		struct sg_sops_node *m = sg_sops_new(SG_SOPS_MAP), *l = sg_sops_new(SG_SOPS_LIST), *f;
		struct sg_buf w = SG_BUF_INIT;
		CHECK(m && l);
		CHECK(sg_sops_push(m, NULL, 0, sg_sops_new_str(SG_SOPS_COMMENT, "c", 1)) == 0);
		CHECK(sg_sops_push(l, NULL, 0, sg_sops_new_str(SG_SOPS_COMMENT, "c", 1)) == 0);
		CHECK(sg_sops_push(l, NULL, 0, sg_sops_new(SG_SOPS_INT)) == 0);
		CHECK(sg_sops_push(l, NULL, 0, sg_sops_new_str(SG_SOPS_COMMENT, "d", 1)) == 0);
		CHECK(sg_sops_push(m, "l", 1, l) == 0);
		CHECK(sg_sops_push(m, NULL, 0, sg_sops_new_str(SG_SOPS_COMMENT, "e", 1)) == 0);
		CHECK(sg_sops_json_write(m, &w) == 0 && same(&w, "{\n\t\"l\": [\n\t\t0\n\t]\n}\n"));
		sg_buf_free(&w);
		CHECK(sg_sops_json_write_value(l, &w) == 0 && same(&w, "[\n\t0\n]"));
		sg_buf_free(&w);
		CHECK(sg_sops_json_write_value(l->items[0].value, &w) == 0 && same(&w, "\"c\""));
		sg_buf_free(&w);
		CHECK((f = sg_sops_new(SG_SOPS_FLOAT)) != NULL);
		f->number = INFINITY;
		CHECK(sg_sops_push(l, NULL, 0, f) == 0);
		sg_errclear();
		CHECK(sg_sops_json_write(m, &w) == -1);
		CHECK_STR(sg_errmsg(), "JSON cannot hold the float inf");
		f->number = NAN;
		sg_errclear();
		CHECK(sg_sops_json_write_value(f, &w) == -1);
		CHECK_STR(sg_errmsg(), "JSON cannot hold the float nan");
		sg_buf_free(&w);
		sg_sops_free(m);
	}
	/* depth: SG_SOPS_MAX_DEPTH levels below the document write, one more
	 * is refused */
	for (int extra = 0; extra < 2; extra++) {
		struct sg_sops_node *top = sg_sops_new(SG_SOPS_LIST), *cur = top;
		struct sg_buf w = SG_BUF_INIT;
		for (int d = 0; d < SG_SOPS_MAX_DEPTH - 1 + extra; d++) {
			struct sg_sops_node *l = sg_sops_new(SG_SOPS_LIST);
			CHECK(l && sg_sops_push(cur, NULL, 0, l) == 0);
			cur = l;
		}
		CHECK(sg_sops_push(cur, NULL, 0, sg_sops_new(SG_SOPS_NULL)) == 0);
		sg_errclear();
		CHECK(sg_sops_json_write(top, &w) == (extra ? -1 : 0));
		if (extra)
			CHECK_STR(sg_errmsg(), "document nested deeper than 128 levels");
		sg_buf_free(&w);
		sg_sops_free(top);
	}
}

/* sg_sops_from_json with the data model's numbers: integers stay
 * integers, a float anywhere is refused. */
static void check_model_numbers(void)
{
	struct sg_json *j = NULL;
	struct sg_sops_node *n;
	struct sg_buf d = SG_BUF_INIT;
	static const char in[] = "{\"a\":9007199254740991,\"b\":[-1,{\"c\":0}]}";

	CHECK(sg_json_parse(in, strlen(in), &j) == 0);
	CHECK((n = sg_sops_from_json(j, SG_SOPS_NUMBERS_MODEL)) != NULL);
	CHECK(n && dump(&d, n) == 0 && same(&d, "{a=i9007199254740991 b=[i-1 {c=i0}]}"));
	sg_buf_free(&d);
	sg_sops_free(n);
	CHECK((n = sg_sops_from_json(j, SG_SOPS_NUMBERS_SOPS)) != NULL);
	CHECK(n && dump(&d, n) == 0 && same(&d, "{a=f9.007199254740991e+15 b=[f-1 {c=f0}]}"));
	sg_buf_free(&d);
	sg_sops_free(n);
	sg_json_free(j);
	static const char fl[] = "{\"a\":[1,{\"b\":1.5}]}";
	CHECK(sg_json_parse(fl, strlen(fl), &j) == 0);
	sg_errclear();
	CHECK(sg_sops_from_json(j, SG_SOPS_NUMBERS_MODEL) == NULL);
	CHECK_STR(sg_errmsg(), "floats are not in the data model");
	sg_json_free(j);
}

static void check_dotenv(void)
{
	for (size_t i = 0; i < sizeof(env_docs) / sizeof(env_docs[0]); i++) {
		struct sg_sops_node *n = NULL;
		struct sg_buf d = SG_BUF_INIT, w = SG_BUF_INIT;
		CHECK(sg_sops_dotenv_read("t", env_docs[i].in, strlen(env_docs[i].in), &n) == 0);
		if (!n)
			continue;
		CHECK(dump(&d, n) == 0 && same(&d, env_docs[i].tree));
		CHECK(sg_sops_dotenv_write(n, &w) == 0 && same(&w, env_docs[i].out));
		sg_sops_free(n);
		sg_buf_free(&d);
		sg_buf_free(&w);
	}
	for (size_t i = 0; i < sizeof(env_refused) / sizeof(env_refused[0]); i++) {
		struct sg_sops_node *n = (struct sg_sops_node *)&n;
		sg_errclear();
		CHECK(sg_sops_dotenv_read("t", env_refused[i].in, strlen(env_refused[i].in), &n) ==
		      -1);
		CHECK(n == NULL);
		CHECK_STR(sg_errmsg(), env_refused[i].msg);
	}
	/* the writer: each scalar type as sops's dotenv store prints it, and
	 * a nested value refused */
	{
		static const struct {
			enum sg_sops_kind kind;
			int64_t i;
			double d;
			const char *line;
		} vals[] = {
			{ SG_SOPS_NULL, 0, 0, "K=<nil>\n" },
			{ SG_SOPS_BOOL, 1, 0, "K=true\n" },
			{ SG_SOPS_BOOL, 0, 0, "K=false\n" },
			{ SG_SOPS_INT, INT64_MIN, 0, "K=-9223372036854775808\n" },
			{ SG_SOPS_FLOAT, 0, 1e21, "K=1000000000000000000000\n" },
			{ SG_SOPS_FLOAT, 0, 0.5, "K=0.5\n" },
		};
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			struct sg_sops_node *m = sg_sops_new(SG_SOPS_MAP),
					    *v = sg_sops_new(vals[i].kind);
			struct sg_buf w = SG_BUF_INIT;
			CHECK(m && v);
			v->boolean = (int)vals[i].i;
			v->integer = vals[i].i;
			v->number = vals[i].d;
			CHECK(sg_sops_push(m, "K", 1, v) == 0);
			CHECK(sg_sops_dotenv_write(m, &w) == 0 && same(&w, vals[i].line));
			sg_buf_free(&w);
			sg_sops_free(m);
		}
		for (int k = 0; k < 2; k++) {
			struct sg_sops_node *m = sg_sops_new(SG_SOPS_MAP);
			struct sg_buf w = SG_BUF_INIT;
			CHECK(sg_sops_push(m, "A", 1, sg_sops_new_str(SG_SOPS_STR, "1", 1)) == 0);
			CHECK(sg_sops_push(m, "nest", 4,
					   sg_sops_new(k ? SG_SOPS_LIST : SG_SOPS_MAP)) == 0);
			sg_errclear();
			CHECK(sg_sops_dotenv_write(m, &w) == -1);
			CHECK_STR(sg_errmsg(), "cannot use complex value in dotenv file: key nest");
			sg_buf_free(&w);
			sg_sops_free(m);
		}
	}
}

/* push, insert (a position past the end appends), get (skipping
 * comments), take, remove, clone. */
static void check_tree(void)
{
	struct sg_sops_node *m = sg_sops_new(SG_SOPS_MAP), *c, *v;
	struct sg_buf d = SG_BUF_INIT, d2 = SG_BUF_INIT;

	CHECK(m != NULL);
	CHECK(sg_sops_push(m, "b", 1, sg_sops_new_str(SG_SOPS_STR, "B", 1)) == 0);
	CHECK(sg_sops_insert(m, 0, "a", 1, sg_sops_new(SG_SOPS_NULL)) == 0);
	CHECK(sg_sops_insert(m, 99, "z", 1, sg_sops_new(SG_SOPS_BOOL)) == 0);
	CHECK(sg_sops_insert(m, 1, NULL, 0, sg_sops_new_str(SG_SOPS_COMMENT, "c", 1)) == 0);
	/* a key holding a NUL byte keeps its length */
	CHECK(sg_sops_push(m, "n\0x", 3, sg_sops_new(SG_SOPS_INT)) == 0);
	/* push takes a NULL value as a failure */
	CHECK(sg_sops_push(m, "q", 1, NULL) == -1);
	CHECK(dump(&d, m) == 0 && same_n(&d, "{a=~ (#c) b=\"B\" z=F n\0x=i0}", 27));
	CHECK(m->n == 5 && m->items[4].key_len == 3 && m->items[1].key == NULL);
	CHECK(sg_sops_get(m, "b") == m->items[2].value);
	CHECK(sg_sops_get(m, "c") == NULL);		    /* a comment's text is no key */
	CHECK(sg_sops_get(m, "n") == NULL);		    /* "n\0x" is not "n" */
	CHECK(sg_sops_get(m->items[2].value, "b") == NULL); /* not a map */
	CHECK(sg_sops_get(NULL, "b") == NULL);
	c = sg_sops_clone(m);
	CHECK(c && dump(&d2, c) == 0 && d2.len == d.len && memcmp(d2.data, d.data, d.len) == 0);
	CHECK(c && c->items[2].value->str != m->items[2].value->str);
	v = sg_sops_take(m, "b");
	CHECK(v && v->kind == SG_SOPS_STR && m->n == 4 && sg_sops_get(m, "b") == NULL);
	sg_sops_free(v);
	CHECK(sg_sops_take(m, "b") == NULL);
	v = sg_sops_remove(m, 0);
	CHECK(v && v->kind == SG_SOPS_NULL && m->n == 3 && m->items[0].value->kind == SG_SOPS_COMMENT);
	sg_sops_free(v);
	sg_buf_free(&d);
	CHECK(dump(&d, m) == 0 && same_n(&d, "{(#c) z=F n\0x=i0}", 17));
	/* the clone is untouched */
	CHECK(c && c->n == 5 && sg_sops_get(c, "b") != NULL);
	sg_buf_free(&d);
	sg_buf_free(&d2);
	sg_sops_free(m);
	sg_sops_wipe(c);
	sg_sops_free(NULL);
	sg_sops_wipe(NULL);
	/* new_str copies len bytes and NUL-terminates */
	v = sg_sops_new_str(SG_SOPS_STR, "abc", 2);
	CHECK(v && v->len == 2 && strcmp(v->str, "ab") == 0);
	sg_sops_free(v);
	v = sg_sops_new_str(SG_SOPS_STR, "", 0);
	CHECK(v && v->len == 0 && v->str && v->str[0] == 0);
	sg_sops_free(v);
}

int main(void)
{
	check_numbers();
	check_json();
	check_model_numbers();
	check_dotenv();
	check_tree();
	return check_done();
}
