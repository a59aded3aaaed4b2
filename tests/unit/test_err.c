/* err.h: the message each setter leaves, the "unknown error" default,
 * the errno suffix (and errno preserved), prefixes stacking, and the
 * bound on the message length (truncated, never overrun). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "err.h"

enum op { CLEAR, FAIL, FAIL_ERRNO, PREFIX };

/* Each step acts on the thread's one message; want is it afterwards. */
static const struct {
	enum op op;
	const char *arg;
	int err;
	const char *want;
} steps[] = {
	{ CLEAR, NULL, 0, "unknown error" },
	{ PREFIX, "f.txt", 0, "f.txt: unknown error" },
	{ FAIL, "rule 7 broken", 0, "rule 7 broken" },
	{ PREFIX, "f.txt", 0, "f.txt: rule 7 broken" },
	{ PREFIX, "dir", 0, "dir: f.txt: rule 7 broken" },
	{ PREFIX, "", 0, ": dir: f.txt: rule 7 broken" },
	{ CLEAR, NULL, 0, "unknown error" },
	{ FAIL_ERRNO, "open x", ENOENT, "open x: No such file or directory" },
	{ PREFIX, "cmd", 0, "cmd: open x: No such file or directory" },
	{ FAIL_ERRNO, "write", EACCES, "write: Permission denied" },
	{ FAIL, "", 0, "unknown error" }, /* an empty message is none */
	{ FAIL, "x", 0, "x" },
	{ CLEAR, NULL, 0, "unknown error" },
};

static int apply(size_t i)
{
	switch (steps[i].op) {
	case CLEAR: sg_errclear(); return -1;
	case FAIL: return sg_fail("%s", steps[i].arg);
	case FAIL_ERRNO: errno = steps[i].err; return sg_fail_errno("%s", steps[i].arg);
	case PREFIX: return sg_fail_prefix(steps[i].arg);
	}
	return 0;
}

int main(void)
{
	char big[2000];
	const char *m;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		CHECK(apply(i) == -1);
		CHECK_STR(sg_errmsg(), steps[i].want);
		if (steps[i].op == FAIL_ERRNO)
			CHECK(errno == steps[i].err);
	}

	/* Bounds: a message, a prefix or both longer than the buffer are cut
	 * to fit; the prefix keeps its separator and the start of the
	 * message survives. */
	/* The exact bound: a message that with a prefix fills the buffer's
	 * last byte before the NUL, and one byte more. The buffer is 512. */
	{
		static const struct {
			size_t msglen, wantlen;
		} edge[] = { { 500, 503 }, { 508, 511 }, { 509, 511 }, { 510, 511 }, { 511, 511 } };
		for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
			memset(big, 'm', edge[i].msglen);
			big[edge[i].msglen] = '\0';
			sg_fail("%s", big);
			CHECK(strlen(sg_errmsg()) == edge[i].msglen);
			sg_fail_prefix("p");
			m = sg_errmsg();
			CHECK(strlen(m) == edge[i].wantlen);
			CHECK(strncmp(m, "p: ", 3) == 0 && strspn(m + 3, "m") == edge[i].wantlen - 3);
		}
	}

	/* printf-style formatting */
	CHECK(sg_fail("rule %d of %s", 7, "x") == -1);
	CHECK_STR(sg_errmsg(), "rule 7 of x");
	errno = ENOENT;
	CHECK(sg_fail_errno("%s %d", "open", 3) == -1);
	CHECK_STR(sg_errmsg(), "open 3: No such file or directory");

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sg_fail("%s", big);
	m = sg_errmsg();
	CHECK(strlen(m) > 100 && strlen(m) < sizeof(big) - 1);
	CHECK(strspn(m, "m") == strlen(m));
	CHECK(sg_fail_prefix("p") == -1);
	m = sg_errmsg();
	CHECK(strncmp(m, "p: mmm", 6) == 0);
	CHECK(strspn(m + 3, "m") == strlen(m + 3));
	{
		size_t cap = strlen(m) + 1; /* the buffer's size, as seen */
		memset(big, 'p', sizeof(big) - 1);
		sg_fail("short");
		CHECK(sg_fail_prefix(big) == -1);
		m = sg_errmsg();
		CHECK(strlen(m) < cap);
		CHECK(strlen(m) > 7 && strcmp(m + strlen(m) - 7, ": short") == 0);
		CHECK(strspn(m, "p") == strlen(m) - 7);
		sg_fail("%s", big);
		CHECK(sg_fail_prefix(big) == -1);
		m = sg_errmsg();
		CHECK(strlen(m) < cap);
		CHECK(strstr(m, ": ") != NULL);
		errno = ERANGE;
		sg_fail_errno("%s", big);
		CHECK(strlen(sg_errmsg()) < cap);
		CHECK(errno == ERANGE);
	}
	return check_done();
}
