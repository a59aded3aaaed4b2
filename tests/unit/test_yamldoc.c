/* yamldoc.h: YAML documents as sops reads and writes them. One table of
 * documents: each is read, its tree compared with a compact dump (the
 * scalar types go-yaml v3 gives, each comment in the block and place the
 * header states), written in sops's style and compared byte for byte,
 * and the written text read and written again to the same bytes (the
 * fixed point fuzz_sops_yaml checks). Then the writer's string styles,
 * built from nodes; the one-value writer; and one row per refusal with
 * its exact message.
 * The dump is sopsdump.h's. */
#include <inttypes.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "sopsdoc.h"
#include "sopsdump.h"
#include "yamldoc.h"

#define SAME_AS_IN NULL

/* Documents: the text read, its tree, and what the writer makes of it
 * (SAME_AS_IN: the input itself). */
static const struct {
	const char *in, *tree, *out;
} docs[] = {
	/* the empty document, and one of only comments */
	{ "", "{}", "{}\n" },
	{ "{}\n", "{}", SAME_AS_IN },
	{ "# only\n", "{(# only)}", "# only\n{}\n" },
	/* scalar types as go-yaml v3 resolves plain scalars */
	{ "a:\n", "{a=~}", "a: null\n" },
	{ "a: ~\nb: null\nc: Null\nd: NULL\ne: nULL\n", "{a=~ b=~ c=~ d=~ e=\"nULL\"}",
	  "a: null\nb: null\nc: null\nd: null\ne: nULL\n" },
	{ "a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: tRUE\n",
	  "{a=T b=T c=T d=F e=F f=F g=\"tRUE\"}",
	  "a: true\nb: true\nc: true\nd: false\ne: false\nf: false\ng: tRUE\n" },
	/* YAML 1.1 booleans are strings in v3, written quoted so that a
	 * YAML 1.1 reader keeps them strings */
	{ "a: yes\nb: on\nc: n\n", "{a=\"yes\" b=\"on\" c=\"n\"}",
	  "a: \"yes\"\nb: \"on\"\nc: \"n\"\n" },
	{ "a: 0\nb: -17\nc: +5\nd: 0x1F\ne: 0o17\nf: 017\ng: 0b101\nh: 1_000\ni: -0x10\n",
	  "{a=i0 b=i-17 c=i5 d=i31 e=i15 f=i15 g=i5 h=i1000 i=i-16}",
	  "a: 0\nb: -17\nc: 5\nd: 31\ne: 15\nf: 15\ng: 5\nh: 1000\ni: -16\n" },
	{ "a: 9223372036854775807\nb: -9223372036854775808\n",
	  "{a=i9223372036854775807 b=i-9223372036854775808}", SAME_AS_IN },
	/* 09 is no Go octal, but a YAML float */
	{ "a: 09\n", "{a=f9}", "a: 9\n" },
	{ "a: 1.5\nb: 1e3\nc: .5\nd: -.5\ne: 1.\nf: 1_0.5\ng: 1000000.0\nh: 1.0\n",
	  "{a=f1.5 b=f1000 c=f0.5 d=f-0.5 e=f1 f=f10.5 g=f1e+06 h=f1}",
	  "a: 1.5\nb: 1000\nc: 0.5\nd: -0.5\ne: 1\nf: 10.5\ng: 1e+06\nh: 1\n" },
	{ "a: .inf\nb: -.Inf\nc: +.INF\nd: .NaN\ne: -0.0\n", "{a=f+Inf b=f-Inf c=f+Inf d=fNaN e=f-0}",
	  "a: .inf\nb: -.inf\nc: .inf\nd: .nan\ne: -0.0\n" },
	/* not numbers: strings, written back as they came */
	{ "a: 0x1p3\nb: 1e\nc: .5e\nd: 123abc\ne: +\nf: 1.2.3\n",
	  "{a=\"0x1p3\" b=\"1e\" c=\".5e\" d=\"123abc\" e=\"+\" f=\"1.2.3\"}", SAME_AS_IN },
	/* quoted and block scalars are strings whatever they hold */
	{ "a: \"1\"\nb: 'true'\nc: \"\"\nd: !!str 5\ne: |\n  x\n",
	  "{a=\"1\" b=\"true\" c=\"\" d=\"5\" e=\"x\n\"}",
	  "a: \"1\"\nb: \"true\"\nc: \"\"\nd: \"5\"\ne: |\n    x\n" },
	/* a standard tag on a quoted scalar resolves it */
	{ "a: !!int \"7\"\n", "{a=i7}", "a: 7\n" },
	/* nesting: sequences indented under their key, maps after "- " */
	{ "a:\n  b:\n    - 1\n    - c: 2\n      d: [x, {}]\n", "{a={b=[i1 {c=i2 d=[\"x\" {}]}]}}",
	  "a:\n    b:\n        - 1\n        - c: 2\n          d:\n            - x\n            - {}\n" },
	{ "a: []\nb: {}\n", "{a=[] b={}}", SAME_AS_IN },
	{ "a:\n    - - 1\n      - 2\n    - []\n", "{a=[[i1 i2] []]}", SAME_AS_IN },
	/* aliases are copies of their anchor */
	{ "a: &s k\n*s : 2\n", "{a=\"k\" k=i2}", "a: k\nk: 2\n" },
	/* an anchor on a key: the key's scalar, for an alias as key or value */
	{ "&k a: 1\nb: *k\n", "{a=i1 b=\"a\"}", "a: 1\nb: a\n" },
	{ "&k 7: x\nb: *k\n", "{7=\"x\" b=i7}", "\"7\": x\nb: 7\n" },
	{ "a: &x {k: [1, s]}\nb: *x\n", "{a={k=[i1 \"s\"]} b={k=[i1 \"s\"]}}",
	  "a:\n    k:\n        - 1\n        - s\nb:\n    k:\n        - 1\n        - s\n" },
	/* comments: before the entry that follows, in the innermost block */
	{ "# head\na: 1\n# mid\nb: 2\n# tail\n", "{(# head) a=i1 (# mid) b=i2 (# tail)}", SAME_AS_IN },
	{ "a: 1 # one\nb: 2\n", "{(!# one) a=i1 b=i2}", SAME_AS_IN },
	{ "a:\n    # in a\n    b: 1\n    # end of a\n# top\nc: 2\n",
	  "{a={(# in a) b=i1 (# end of a)} (# top) c=i2}", SAME_AS_IN },
	/* a comment at the end of a block indented less belongs outside */
	{ "a:\n    b: 1\n  # shallow\nc: 2\n", "{a={b=i1} (# shallow) c=i2}",
	  "a:\n    b: 1\n# shallow\nc: 2\n" },
	{ "a:\n    - 1\n    # between\n    - 2 # two\n    # last\n",
	  "{a=[i1 (# between) (!# two) i2 (# last)]}", SAME_AS_IN },
	/* '#' inside a scalar, or without a blank before it, is no comment */
	{ "a: 'x # y'\nb: x#y\nc: \"#\"\n", "{a=\"x # y\" b=\"x#y\" c=\"#\"}",
	  "a: 'x # y'\nb: x#y\nc: '#'\n" },
	{ "a: |\n    # not a comment\n    x\n", "{a=\"# not a comment\nx\n\"}", SAME_AS_IN },
	/* a comment after a block scalar's header is one */
	{ "a: | # hdr\n    x\n", "{(!# hdr) a=\"x\n\"}", "a: | # hdr\n    x\n" },
	/* an inline comment of an entry holding a block goes before it */
	{ "a: [1, 2] # c\nb: 3\n", "{(!# c) a=[i1 i2] b=i3}", "# c\na:\n    - 1\n    - 2\nb: 3\n" },
	/* a comment after "key:" before its block is inside the block; one
	 * after "- " before a map is the sequence's */
	{ "a: # on a\n    b: 1\n", "{a={(# on a) b=i1}}", "a:\n    # on a\n    b: 1\n" },
	{ "a:\n    - # c\n      b: 1\n", "{a=[(# c) {b=i1}]}", "a:\n    # c\n    - b: 1\n" },
	/* a map in a sequence whose first item is a comment: its first entry
	 * goes on the dash line, so the comment follows it */
	{ "a: [{\n    # c\n    b: 1, d: 2}]\n", "{a=[{(# c) b=i1 d=i2}]}",
	  "a:\n    - b: 1\n      # c\n      d: 2\n" },
	/* comments-only collections are written as flow collections over
	 * several lines, and read back into the same block */
	{ "a: {\n    # in\n    }\n", "{a={(# in)}}", SAME_AS_IN },
	{ "a: [\n    # x\n    # y\n    ]\n", "{a=[(# x) (# y)]}", SAME_AS_IN },
	/* fuzz/regressions/sops_yaml/inline-comment-after-comments-only-flow-
	 * sequence: the entry's inline comment goes after the closing
	 * bracket; after the opening one it read back inside the list */
	{ "a: &x {k: [1, 2./g, \"s\", null, 0o17e]}\nb: *x\nc: [\n    # inside\n    ] # i \"e\"",
	  "{a={k=[i1 \"2./g\" \"s\" ~ \"0o17e\"]} b={k=[i1 \"2./g\" \"s\" ~ \"0o17e\"]} (!# i \"e\") "
	  "c=[(# inside)]}",
	  "a:\n    k:\n        - 1\n        - 2./g\n        - s\n        - null\n        - 0o17e\n"
	  "b:\n    k:\n        - 1\n        - 2./g\n        - s\n        - null\n        - 0o17e\n"
	  "c: [\n    # inside\n    ] # i \"e\"\n" },
	/* line breaks libyaml counts: CRLF and CR alone */
	{ "a: 1\r\n# c\r\nb: 2\r\n", "{a=i1 (# c) b=i2}", "a: 1\n# c\nb: 2\n" },
	/* a byte order mark is skipped */
	{ "\xef\xbb\xbf# c\na: 1\n", "{(# c) a=i1}", "# c\na: 1\n" },
	/* trailing blanks of a comment are dropped */
	{ "# c \t\na: 1\n", "{(# c) a=i1}", "# c\na: 1\n" },
	/* explicit document markers, one document */
	{ "---\na: 1\n...\n", "{a=i1}", "a: 1\n" },
	{ "--- \n", "{}", "{}\n" },
};

/* How the writer spells a string value (the line "k: ..."). */
static const struct {
	const char *s;
	size_t len; /* 0: strlen(s) */
	const char *line;
} strings[] = {
	{ "plain", 0, "k: plain\n" },
	{ "", 0, "k: \"\"\n" },
	/* would read back as another type */
	{ "true", 0, "k: \"true\"\n" },
	{ "null", 0, "k: \"null\"\n" },
	{ "~", 0, "k: \"~\"\n" },
	{ "12", 0, "k: \"12\"\n" },
	{ "1.5", 0, "k: \"1.5\"\n" },
	{ ".inf", 0, "k: \".inf\"\n" },
	{ "Off", 0, "k: \"Off\"\n" },		    /* a YAML 1.1 bool */
	{ "12:30", 0, "k: \"12:30\"\n" },	    /* a base-60 float */
	{ "1:60", 0, "k: 1:60\n" },		    /* 60 is no base-60 digit pair */
	{ "2024-01-02", 0, "k: \"2024-01-02\"\n" }, /* a timestamp */
	/* cannot be plain: single-quoted, quotes doubled */
	{ "a: b", 0, "k: 'a: b'\n" },
	{ "a #b", 0, "k: 'a #b'\n" },
	{ "a#b", 0, "k: a#b\n" },
	{ "it's", 0, "k: it's\n" },
	{ "'q'", 0, "k: '''q'''\n" },
	{ " lead", 0, "k: ' lead'\n" },
	{ "trail ", 0, "k: 'trail '\n" },
	{ "x:", 0, "k: 'x:'\n" },
	{ "- x", 0, "k: '- x'\n" },
	{ "-x", 0, "k: -x\n" },
	{ "?", 0, "k: '?'\n" },
	{ "---", 0, "k: '---'\n" },
	{ "*a", 0, "k: '*a'\n" },
	{ "&a", 0, "k: '&a'\n" },
	{ "!t", 0, "k: '!t'\n" },
	{ "%d", 0, "k: '%d'\n" },
	{ "@x", 0, "k: '@x'\n" },
	{ "`x", 0, "k: '`x'\n" },
	{ "{x", 0, "k: '{x'\n" },
	{ "\"x", 0, "k: '\"x'\n" },
	{ "caf\xc3\xa9", 0, "k: caf\xc3\xa9\n" },
	/* control characters: double-quoted with escapes */
	{ "a\tb", 0, "k: \"a\\tb\"\n" },
	{ "\x01\x7f", 0, "k: \"\\x01\\x7F\"\n" },
	{ "a\0b", 3, "k: \"a\\0b\"\n" },
	{ "\x1b\r\\\"", 0, "k: \"\\e\\r\\\\\\\"\"\n" },
	{ "\xc2\x85\xc2\xa0\xe2\x80\xa8\xe2\x80\xa9", 0, "k: \"\\N\\_\\L\\P\"\n" },
	{ "\xef\xbb\xbf", 0, "k: \"\\uFEFF\"\n" },
	/* several lines: a literal block, its chomping from the trailing
	 * line breaks */
	{ "a\nb", 0, "k: |-\n    a\n    b\n" },
	{ "a\nb\n", 0, "k: |\n    a\n    b\n" },
	{ "a\n\nb\n\n", 0, "k: |+\n    a\n\n    b\n\n" },
	/* not expressible as a literal block: double-quoted */
	{ " a\nb", 0, "k: \" a\\nb\"\n" },
	{ "a \nb", 0, "k: \"a \\nb\"\n" },
	{ "a\nb ", 0, "k: \"a\\nb \"\n" },
	{ "a\n\tb", 0, "k: \"a\\n\\tb\"\n" },
	{ "\n", 0, "k: \"\\n\"\n" },
};

/* Refused documents and their messages. */
static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *msg;
} refused[] = {
	{ "a: 1\na: 2\n", 0, "t: line 2, column 1: duplicate key" },
	{ "a: 1\nb:\n  a: 1\n  a: 2\n", 0, "t: line 4, column 3: duplicate key" },
	{ "k: 1\na: &s k\n*s : 2\n", 0, "t: line 3, column 1: duplicate key" },
	{ "a: *x\n", 0, "t: line 1, column 4: alias to an unknown anchor" },
	{ "&k a: 1\n*k : 2\n", 0, "t: line 2, column 1: duplicate key" },
	{ "a: &m {x: 1}\n*m : 2\n", 0, "t: line 2, column 1: keys must be strings" },
	{ "? [1]\n: 2\n", 0, "t: line 1, column 3: complex keys are not supported" },
	{ "\"a\\0b\": 1\n", 0, "t: line 1, column 1: key is not valid UTF-8 text" },
	{ "- 1\n", 0, "t: line 1, column 1: YAML documents that are sequences are not supported" },
	{ "hello\n", 0, "t: line 1, column 1: YAML documents that are values are not supported" },
	{ "~\n", 0, "t: line 1, column 1: YAML documents that are values are not supported" },
	{ "a: 1\n---\nb: 2\n", 0, "t: line 2, column 1: more than one YAML document (not supported)" },
	{ "a: [\n", 0,
	  "t: line 2, column 1: did not find expected node content while parsing a flow node" },
	{ "a: b: c\n", 0, "t: line 1, column 5: mapping values are not allowed in this context" },
	/* libyaml's reader reports no position: it stays line 1, column 1 */
	{ "a: \xff\n", 0, "t: line 1, column 1: invalid leading UTF-8 octet" },
};

static void check_docs(void)
{
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct sg_sops_node *n = NULL, *again = NULL;
		struct sg_buf d = SG_BUF_INIT, w = SG_BUF_INIT, w2 = SG_BUF_INIT;
		const char *want = docs[i].out ? docs[i].out : docs[i].in;

		sg_errclear();
		CHECK(sg_yaml_read("t", docs[i].in, strlen(docs[i].in), &n) == 0);
		if (!n) {
			fprintf(stderr, "  doc %zu: %s\n", i, sg_errmsg());
			continue;
		}
		CHECK(dump(&d, n) == 0);
		CHECK(same(&d, docs[i].tree));
		CHECK(sg_yaml_write(n, &w) == 0);
		CHECK(same(&w, want));
		CHECK(sg_yaml_read("t", (const char *)w.data, w.len, &again) == 0);
		if (again) {
			CHECK(sg_yaml_write(again, &w2) == 0);
			CHECK(same(&w2, want));
		}
		sg_sops_free(n);
		sg_sops_free(again);
		sg_buf_free(&d);
		sg_buf_free(&w);
		sg_buf_free(&w2);
	}
}

static void check_strings(void)
{
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		struct sg_sops_node *doc = sg_sops_new(SG_SOPS_MAP), *back = NULL;
		size_t len = strings[i].len ? strings[i].len : strlen(strings[i].s);
		struct sg_buf w = SG_BUF_INIT;

		CHECK(doc && sg_sops_push(doc, "k", 1,
					  sg_sops_new_str(SG_SOPS_STR, strings[i].s, len)) == 0);
		CHECK(sg_yaml_write(doc, &w) == 0);
		CHECK(same(&w, strings[i].line));
		/* and it reads back as that string */
		CHECK(sg_yaml_read("t", (const char *)w.data, w.len, &back) == 0);
		CHECK(back && back->n == 1 && back->items[0].value->kind == SG_SOPS_STR &&
		      back->items[0].value->len == len &&
		      memcmp(back->items[0].value->str, strings[i].s, len) == 0);
		sg_sops_free(doc);
		sg_sops_free(back);
		sg_buf_free(&w);
	}
	/* a key is never a literal block */
	{
		struct sg_sops_node *doc = sg_sops_new(SG_SOPS_MAP);
		struct sg_buf w = SG_BUF_INIT;
		CHECK(doc && sg_sops_push(doc, "a\nb", 3, sg_sops_new(SG_SOPS_NULL)) == 0);
		CHECK(doc && sg_sops_push(doc, "true", 4, sg_sops_new(SG_SOPS_NULL)) == 0);
		CHECK(sg_yaml_write(doc, &w) == 0);
		CHECK(same(&w, "\"a\\nb\": null\n\"true\": null\n"));
		sg_sops_free(doc);
		sg_buf_free(&w);
	}
}

/* Trees the reader never makes: refused by the writer. */
static void check_write_refusals(void)
{
	struct sg_sops_node *doc = sg_sops_new(SG_SOPS_MAP), *deep, *cur;
	struct sg_buf w = SG_BUF_INIT;

	/* a string that is not UTF-8 */
	CHECK(doc && sg_sops_push(doc, "k", 1, sg_sops_new_str(SG_SOPS_STR, "\xff", 1)) == 0);
	sg_errclear();
	CHECK(sg_yaml_write(doc, &w) == -1);
	CHECK_STR(sg_errmsg(), "a string is not valid UTF-8");
	sg_sops_free(doc);
	sg_buf_free(&w);
	/* a truncated sequence at the end of a string */
	doc = sg_sops_new(SG_SOPS_MAP);
	CHECK(doc && sg_sops_push(doc, "k", 1, sg_sops_new_str(SG_SOPS_STR, "a\xc3", 2)) == 0);
	sg_errclear();
	CHECK(sg_yaml_write(doc, &w) == -1);
	CHECK_STR(sg_errmsg(), "a string is not valid UTF-8");
	sg_sops_free(doc);
	sg_buf_free(&w);
	/* a document that is not a mapping */
	doc = sg_sops_new(SG_SOPS_LIST);
	sg_errclear();
	CHECK(doc && sg_yaml_write(doc, &w) == -1);
	CHECK_STR(sg_errmsg(), "a YAML document must be a mapping");
	sg_sops_free(doc);
	sg_buf_free(&w);
	/* nesting: SG_SOPS_MAX_DEPTH maps inside the document write, one
	 * more is refused */
	for (int extra = 0; extra < 2; extra++) {
		deep = sg_sops_new(SG_SOPS_MAP);
		cur = deep;
		for (int d = 0; d < SG_SOPS_MAX_DEPTH + extra; d++) {
			struct sg_sops_node *m = sg_sops_new(SG_SOPS_MAP);
			CHECK(m && sg_sops_push(cur, "k", 1, m) == 0);
			cur = m;
		}
		CHECK(sg_sops_push(cur, "k", 1, sg_sops_new(SG_SOPS_INT)) == 0);
		sg_errclear();
		CHECK(sg_yaml_write(deep, &w) == (extra ? -1 : 0));
		if (extra)
			CHECK_STR(sg_errmsg(), "document nested deeper than 128 levels");
		sg_sops_free(deep);
		sg_buf_free(&w);
	}
}

static void check_refusals(void)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct sg_sops_node *n = (struct sg_sops_node *)&n;
		size_t len = refused[i].len ? refused[i].len : strlen(refused[i].in);

		sg_errclear();
		CHECK(sg_yaml_read("t", refused[i].in, len, &n) == -1);
		CHECK(n == NULL);
		if (strcmp(sg_errmsg(), refused[i].msg) != 0)
			fprintf(stderr, "  refusal %zu: got [%s]\n", i, sg_errmsg());
		CHECK_STR(sg_errmsg(), refused[i].msg);
	}
}

/* Nesting: SG_SOPS_MAX_DEPTH levels below the document are read, one
 * more is refused; so is an alias that would copy a node past it, and
 * aliases that would expand past the node budget. */
static void check_limits(void)
{
	struct sg_buf t = SG_BUF_INIT;
	struct sg_sops_node *n = NULL;

	for (int extra = 0; extra < 2; extra++) {
		int levels = SG_SOPS_MAX_DEPTH + extra;
		sg_buf_free(&t);
		CHECK(sg_buf_append_str(&t, "a: ") == 0);
		for (int d = 0; d < levels; d++)
			CHECK(sg_buf_append_byte(&t, '[') == 0);
		for (int d = 0; d < levels; d++)
			CHECK(sg_buf_append_byte(&t, ']') == 0);
		sg_errclear();
		CHECK(sg_yaml_read("t", (const char *)t.data, t.len, &n) == (extra ? -1 : 0));
		if (extra)
			CHECK_STR(sg_errmsg(), "t: line 1, column 132: nested too deeply");
		sg_sops_free(n);
	}
	/* an anchor reaching the limit, copied one level deeper */
	sg_buf_free(&t);
	CHECK(sg_buf_append_str(&t, "a: &x ") == 0);
	for (int d = 0; d < SG_SOPS_MAX_DEPTH; d++)
		CHECK(sg_buf_append_byte(&t, '[') == 0);
	for (int d = 0; d < SG_SOPS_MAX_DEPTH; d++)
		CHECK(sg_buf_append_byte(&t, ']') == 0);
	CHECK(sg_buf_append_str(&t, "\nb: *x\nc: [*x]\n") == 0);
	sg_errclear();
	CHECK(sg_yaml_read("t", (const char *)t.data, t.len, &n) == -1);
	CHECK_STR(sg_errmsg(), "t: line 3, column 5: nested too deeply");
	sg_sops_free(n);
	/* a billion laughs: each level ten aliases of the one before. The
	 * budget of 10^6 copied nodes is spent by 110 + 1110 + 11110 +
	 * 111110 for l1..l4 and seven copies of l4 (111111 nodes each) in
	 * l5: its eighth alias is refused */
	sg_buf_free(&t);
	CHECK(sg_buf_append_str(&t, "l0: &l0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n") == 0);
	for (int l = 1; l <= 5; l++)
		CHECK(sg_buf_printf(&t,
				    "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n",
				    l, l, l - 1, l - 1, l - 1, l - 1, l - 1, l - 1, l - 1, l - 1,
				    l - 1, l - 1) == 0);
	sg_errclear();
	CHECK(sg_yaml_read("t", (const char *)t.data, t.len, &n) == -1);
	CHECK_STR(sg_errmsg(), "t: line 6, column 45: aliases expand to too many nodes");
	sg_sops_free(n);
	sg_buf_free(&t);
}

/* sg_yaml_write_value: one value as a document of its own. */
static void check_write_value(void)
{
	static const struct {
		const char *doc, *key, *out;
	} v[] = {
		{ "a: 1\n", "a", "1\n" },
		{ "a: x\n", "a", "x\n" },
		{ "a: 'true'\n", "a", "\"true\"\n" },
		{ "a: ~\n", "a", "null\n" },
		{ "a: |\n  l1\n  l2\n", "a", "|\n    l1\n    l2\n" },
		{ "a: {b: 1, c: [2]}\n", "a", "b: 1\nc:\n    - 2\n" },
		{ "a: [1, [2]]\n", "a", "- 1\n- - 2\n" },
		{ "a: {}\n", "a", "{}\n" },
		{ "a: []\n", "a", "[]\n" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sg_sops_node *n = NULL;
		struct sg_buf w = SG_BUF_INIT;
		CHECK(sg_yaml_read("t", v[i].doc, strlen(v[i].doc), &n) == 0);
		CHECK(n && sg_yaml_write_value(sg_sops_get(n, v[i].key), &w) == 0);
		CHECK(same(&w, v[i].out));
		sg_sops_free(n);
		sg_buf_free(&w);
	}
}

/* Where each key and value starts, for messages that name file:line
 * (the fleet's documents): keys of block and flow mappings, list
 * entries, a nested block on the line after its key, and an alias. */
static void check_lines(void)
{
	static const char doc[] = "# a comment\n"
				  "a: 1\n"
				  "b:\n"
				  "  c: &x [2, 3]\n"
				  "\n"
				  "  d:\n"
				  "    - e\n"
				  "    - {f: 4}\n"
				  "g: *x\n";
	struct sg_sops_node *n = NULL, *b, *d;

	CHECK(sg_yaml_read("t", doc, strlen(doc), &n) == 0);
	if (!n)
		return;
	CHECK(n->line == 2 && n->items[1].line == 2 && sg_sops_get(n, "a")->line == 2);
	b = sg_sops_get(n, "b");
	CHECK(b && b->line == 4 && n->items[2].line == 3);
	CHECK(b && b->items[0].line == 4 && b->items[0].value->items[1].line == 4);
	d = b ? sg_sops_get(b, "d") : NULL;
	CHECK(d && d->line == 7 && b->items[1].line == 6);
	CHECK(d && d->items[0].line == 7 && d->items[1].line == 8 &&
	      d->items[1].value->items[0].line == 8);
	CHECK(sg_sops_get(n, "g")->line == 9 && n->items[3].line == 9);
	sg_sops_free(n);
}

int main(void)
{
	check_docs();
	check_strings();
	check_write_refusals();
	check_refusals();
	check_limits();
	check_write_value();
	check_lines();
	return check_done();
}
