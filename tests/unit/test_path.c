/* path.h: lexical cleaning as the header states it: components joined
 * by single '/', no leading/trailing/doubled '/', no ".", ".." refused
 * or resolved (none above the top), empty results and results that do
 * not fit in cap refused, naming `what`. */
#include "check.h"
#include "err.h"
#include "path.h"

#define R SG_PATH_REFUSE_DOTDOT
#define D SG_PATH_RESOLVE_DOTDOT

static const struct {
	const char *in;
	enum sg_path_dotdot dotdot;
	size_t cap;
	const char *out; /* NULL: refused */
	const char *msg; /* the refusal's message */
} cases[] = {
	{ "/usr//lib/./x", R, 64, "usr/lib/x", NULL }, /* the header's example */
	{ "/usr//lib/./x", D, 64, "usr/lib/x", NULL },
	{ "a", R, 64, "a", NULL },
	{ "a/b/c", R, 64, "a/b/c", NULL },
	{ "///a///b///", R, 64, "a/b", NULL },
	{ "./a/./b/.", R, 64, "a/b", NULL },
	{ ".a/..b/...", R, 64, ".a/..b/...", NULL }, /* dots that are names */
	{ "a/b..", R, 64, "a/b..", NULL },
	{ "a\\b", R, 64, "a\\b", NULL }, /* only '/' separates */
	{ "a/..", R, 64, NULL, "p 'a/..': '..' not allowed" },
	{ "../a", R, 64, NULL, "p '../a': '..' not allowed" },
	{ "a/../b", R, 64, NULL, "p 'a/../b': '..' not allowed" },
	{ "a/b/../c", D, 64, "a/c", NULL },
	{ "a/b/c/../../d", D, 64, "a/d", NULL },
	{ "../a", D, 64, "a", NULL }, /* none above the top */
	{ "/../../a/..//../b", D, 64, "b", NULL },
	{ "aa/bb/..", D, 64, "aa", NULL },
	{ "a/..", D, 64, NULL, "p 'a/..': names no entry" },
	{ "", R, 64, NULL, "p '': names no entry" },
	{ "/", R, 64, NULL, "p '/': names no entry" },
	{ "//.//./", D, 64, NULL, "p '//.//./': names no entry" },
	{ ".", R, 64, NULL, "p '.': names no entry" },
	{ "..", D, 64, NULL, "p '..': names no entry" },
	/* cap counts the NUL: the result is 5 bytes with it. */
	{ "ab/c", R, 6, "ab/c", NULL },
	{ "ab/c", R, 5, "ab/c", NULL },
	{ "ab/c", R, 4, NULL, "p 'ab/c': too long" },
	{ "abcd", R, 6, "abcd", NULL },
	{ "abcd", R, 5, "abcd", NULL }, /* was refused: the first component was given a '/' */
	{ "/a", R, 2, "a", NULL },
	{ "/a", R, 1, NULL, "p '/a': too long" },
	{ "/x/abc/../y", D, 6, "x/y", NULL }, /* "x/abc" must fit on the way */
	{ "/x/abc/../y", D, 5, NULL, "p '/x/abc/../y': too long" },
	{ "abcd", R, 4, NULL, "p 'abcd': too long" },
	{ "abcd", R, 0, NULL, "p 'abcd': too long" },
};

/* sg_path_join: one '/', a result of exactly cap - 1 bytes fits, one
 * more is refused with an empty out. */
static const struct {
	const char *dir, *name;
	size_t cap;
	const char *out, *msg;
} joins[] = {
	{ "a", "b", 64, "a/b", NULL },
	{ "a/", "b", 64, "a/b", NULL },
	{ "/", "etc", 64, "/etc", NULL },
	{ "dir", "x/y", 8, "dir/x/y", NULL },
	{ "dir", "x/yz", 8, NULL, "dir/x/yz: path too long" },
	{ "", "name", 64, "/name", NULL },
};

static void path_joins(void)
{
	for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		char out[64];
		int rc;

		memset(out, '#', sizeof(out));
		sg_errclear();
		rc = sg_path_join(out, joins[i].cap, joins[i].dir, joins[i].name);
		if (joins[i].out) {
			CHECK(rc == 0 && strcmp(out, joins[i].out) == 0);
		} else {
			CHECK(rc == -1 && out[0] == '\0');
			CHECK_STR(sg_errmsg(), joins[i].msg);
		}
		CHECK(joins[i].cap >= sizeof(out) || out[joins[i].cap] == '#');
	}
}

int main(void)
{
	path_joins();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		int rc;

		memset(out, '#', sizeof(out));
		sg_errclear();
		rc = sg_path_clean(cases[i].in, cases[i].dotdot, out, cases[i].cap, "p");
		if (cases[i].out) {
			CHECK(rc == 0);
			CHECK(rc == 0 && strcmp(out, cases[i].out) == 0);
		} else {
			CHECK(rc == -1);
			CHECK_STR(sg_errmsg(), cases[i].msg);
		}
		/* Nothing is written past cap. */
		CHECK(cases[i].cap >= sizeof(out) || out[cases[i].cap] == '#');
	}
	return check_done();
}
