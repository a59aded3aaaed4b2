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

static void child(const char *const *argv, const char *const *env_extra, int out)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	for (; env_extra && *env_extra; env_extra++)
		putenv((char *)*env_extra);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int sg_run(const char *const *argv, const char *const *env_extra, const char *what)
{
	struct sg_buf msg = SG_BUF_INIT;
	int pipefd[2], status = 0, rc = -1;
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
		child(argv, env_extra, pipefd[1]);
	close(pipefd[1]);
	while ((n = read(pipefd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* Keep the tail: the last line is what explains a failure. */
		if (msg.len > 65536)
			msg.len = 0;
		if (sg_buf_append(&msg, chunk, (size_t)n) < 0)
			break;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else
		sg_fail("%s: %s failed: %.300s", what, argv[0], last_line(&msg));
	sg_buf_free(&msg);
	return rc;
}
