/* run.h: a tool's exit status decides, its input is /dev/null, extra
 * environment reaches it, and a failure names the job and the tool and
 * quotes the last line it printed (stdout or stderr for sg_run, stderr
 * only for sg_run_stderr, which hands all of its stderr back). The tools
 * are sh and coreutils, which every system that builds signet has. */
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "run.h"

static const char *const with_x[] = { "SG_RUN_TEST_X=fixed value", NULL };

static const struct {
	const char *script; /* given to sh -c; NULL: run a tool that is not there */
	const char *const *env;
	const char *msg;    /* sg_run's error; NULL: it succeeds */
	const char *errout; /* what sg_run_stderr collects */
	const char *errmsg; /* sg_run_stderr's error; NULL: it succeeds */
} cases[] = {
	{ "exit 0", NULL, NULL, "", NULL },
	{ "exit 1", NULL, "job: sh failed: no output", "", "job: sh failed: no output" },
	{ "exit 255", NULL, "job: sh failed: no output", "", "job: sh failed: no output" },
	{ "kill -9 $$", NULL, "job: sh failed: no output", "", "job: sh failed: no output" },
	/* The last line wins, from either stream for sg_run. */
	{ "echo one; echo two >&2; exit 3", NULL, "job: sh failed: two", "two\n",
	  "job: sh failed: two" },
	{ "echo one >&2; echo two; exit 3", NULL, "job: sh failed: two", "one\n",
	  "job: sh failed: one" },
	/* Trailing blank lines, spaces and CRs are not the last line. */
	{ "echo 'the reason' >&2; printf '\\n \\r\\n\\n' >&2; exit 1", NULL,
	  "job: sh failed: the reason", "the reason\n \r\n\n", "job: sh failed: the reason" },
	{ "printf '\\n\\n' >&2; exit 1", NULL, "job: sh failed: no output", "\n\n",
	  "job: sh failed: no output" },
	/* Output is captured, not a failure by itself. */
	{ "echo chatter; echo warning >&2", NULL, NULL, "warning\n", NULL },
	/* Standard input is /dev/null. */
	{ "[ /proc/self/fd/0 -ef /dev/null ] || { echo stdin; exit 1; }", NULL, NULL, "", NULL },
	/* Extra environment is added... */
	{ "[ \"$SG_RUN_TEST_X\" = 'fixed value' ] || { echo no env >&2; exit 1; }", with_x, NULL,
	  "", NULL },
	/* ...and only when given. */
	{ "[ -z \"$SG_RUN_TEST_X\" ] || { echo env leaked >&2; exit 1; }", NULL, NULL, "", NULL },
	/* The environment the caller has is kept. */
	{ "[ \"$SG_RUN_TEST_KEPT\" = yes ] || { echo env lost >&2; exit 1; }", NULL, NULL, "", NULL },
	/* A tool that is not there. */
	{ NULL, NULL,
	  "job: signet-no-such-tool failed: cannot run signet-no-such-tool: No such file or directory",
	  "cannot run signet-no-such-tool: No such file or directory\n",
	  "job: signet-no-such-tool failed: cannot run signet-no-such-tool: No such file or directory" },
};

int main(void)
{
	struct sg_buf err = SG_BUF_INIT;

	CHECK(setenv("SG_RUN_TEST_KEPT", "yes", 1) == 0);
	/* Our own standard input is a pipe with data in it, so a child that
	 * inherited it would be seen. */
	{
		int p[2];
		CHECK(pipe(p) == 0 && write(p[1], "input\n", 6) == 6);
		CHECK(close(p[1]) == 0 && dup2(p[0], 0) == 0 && close(p[0]) == 0);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *sh[] = { "sh", "-c", cases[i].script, NULL };
		const char *none[] = { "signet-no-such-tool", NULL };
		const char *const *argv = cases[i].script ? sh : none;
		int rc;

		sg_errclear();
		rc = sg_run(argv, cases[i].env, "job");
		if (cases[i].msg) {
			CHECK(rc == -1);
			CHECK_STR(sg_errmsg(), cases[i].msg);
		} else {
			CHECK(rc == 0);
		}

		sg_errclear();
		rc = sg_run_stderr(argv, cases[i].env, "job", &err);
		CHECK(rc == (cases[i].errmsg ? -1 : 0));
		if (cases[i].errmsg)
			CHECK_STR(sg_errmsg(), cases[i].errmsg);
		/* On failure the buffer was trimmed for the message; compare
		 * the untouched part. */
		CHECK(err.len <= strlen(cases[i].errout));
		CHECK(memcmp(err.data ? (char *)err.data : "", cases[i].errout, err.len) == 0);
		if (!cases[i].errmsg)
			CHECK(err.len == strlen(cases[i].errout));
		sg_buf_free(&err);
	}

	/* Long output: the last line survives the tail kept; sg_run_stderr
	 * keeps up to 1 MiB and it ends with what was printed last. */
	{
		const char *big[] = { "sh", "-c",
				      "yes 0123456789 | head -c 200000; echo; echo final; exit 1",
				      NULL };
		const char *bigerr[] = { "sh", "-c",
					 "yes 0123456789 | head -c 3000000 >&2; echo final >&2",
					 NULL };
		CHECK(sg_run(big, NULL, "job") == -1);
		CHECK_STR(sg_errmsg(), "job: sh failed: final");
		CHECK(sg_run_stderr(bigerr, NULL, "job", &err) == 0);
		CHECK(err.len > 4096 && err.len <= (1 << 20) + 4096 + 6);
		CHECK(err.len > 6 && memcmp(err.data + err.len - 6, "final\n", 6) == 0);
		sg_buf_free(&err);
	}
	/* The quoted line is cut at 300 characters. */
	{
		const char *longline[] = { "sh", "-c", "printf '%0400d\\n' 0; exit 1", NULL };
		CHECK(sg_run(longline, NULL, "job") == -1);
		CHECK(strlen(sg_errmsg()) == strlen("job: sh failed: ") + 300);
	}
	/* sg_run_stdout: standard output only, all of it; stderr dropped. */
	{
		const char *out[] = { "sh", "-c", "echo one; echo noise >&2; printf two", NULL };
		const char *fail[] = { "sh", "-c", "echo partial; exit 4", NULL };
		struct sg_buf o = SG_BUF_INIT;
		CHECK(sg_run_stdout(out, NULL, "job", &o) == 0);
		CHECK(o.len == 7 && memcmp(o.data, "one\ntwo", 7) == 0);
		sg_buf_free(&o);
		CHECK(sg_run_stdout(fail, NULL, "job", &o) == -1);
		CHECK_STR(sg_errmsg(), "job: sh failed (exit 4)");
		sg_buf_free(&o);
	}
	return check_done();
}
