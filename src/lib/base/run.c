#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"

/* The last non-empty line of a tool's output, for the error message. */
static const char *last_line(struct sg_buf *b)
{
	char *s, *nl;

	if (sg_buf_terminate(b) < 0 || b->len == 0)
		return "no output";
	s = (char *)b->data;
	while (b->len && (s[b->len - 1] == '\n' || s[b->len - 1] == ' ' || s[b->len - 1] == '\r'))
		s[--b->len] = '\0';
	if (b->len == 0)
		return "no output";
	nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

/* The child: standard input /dev/null, standard output to out and
 * standard error to err (each /dev/null when < 0). */
static void child(const char *const *argv, const char *const *env_extra, int out, int err)
{
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, 0);
		if (out < 0)
			dup2(null, 1);
	}
	if (null >= 0 && err < 0)
		dup2(null, 2);
	if (out >= 0)
		dup2(out, 1);
	if (err >= 0)
		dup2(err, 2);
	for (; env_extra && *env_extra; env_extra++)
		putenv((char *)*env_extra);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* What run_collect keeps of what the child prints. */
enum collect { COLLECT_ERR, COLLECT_BOTH, COLLECT_OUT };

/* Runs argv with what it prints collected in msg, as `what` says. Only
 * the tail is kept beyond keep bytes. Returns the exit status as
 * waitpid() gives it, or -1 when it could not be run. */
static int run_collect(const char *const *argv, const char *const *env_extra, enum collect what,
		       size_t keep, struct sg_buf *msg)
{
	int pipefd[2], status = 0;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return sg_fail_errno("pipe");
	if ((pid = fork()) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return sg_fail_errno("fork");
	}
	if (pid == 0)
		child(argv, env_extra, what == COLLECT_ERR ? -1 : pipefd[1],
		      what == COLLECT_OUT ? -1 : pipefd[1]);
	close(pipefd[1]);
	while ((n = read(pipefd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* Keep the tail: the last line is what explains a failure. */
		if (msg->len > keep)
			msg->len = 0;
		if (sg_buf_append(msg, chunk, (size_t)n) < 0)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int sg_run(const char *const *argv, const char *const *env_extra, const char *what)
{
	struct sg_buf msg = SG_BUF_INIT;
	int status = run_collect(argv, env_extra, COLLECT_BOTH, 65536, &msg), rc = -1;

	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else if (status >= 0)
		sg_fail("%s: %s failed: %.300s", what, argv[0], last_line(&msg));
	sg_buf_free(&msg);
	return rc;
}

int sg_run_stderr(const char *const *argv, const char *const *env_extra, const char *what,
		  struct sg_buf *err)
{
	int status = run_collect(argv, env_extra, COLLECT_ERR, 1 << 20, err);

	if (status < 0)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return sg_fail("%s: %s failed: %.300s", what, argv[0], last_line(err));
}

int sg_run_stdout(const char *const *argv, const char *const *env_extra, const char *what,
		  struct sg_buf *out)
{
	int status = run_collect(argv, env_extra, COLLECT_OUT, (size_t)-1, out);

	if (status < 0)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return sg_fail("%s: %s failed (exit %d)", what, argv[0],
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
