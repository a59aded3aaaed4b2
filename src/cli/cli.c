#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"

#define PASSPHRASE_MAX 4096

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("signet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

int cli_lib_error(void)
{
	return cli_error("%s", sg_errmsg());
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun '%s --help' for usage.\n", cmd);
	return CLI_EXIT_USAGE;
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return CLI_EXIT_OK;
}

static void print_table(FILE *f, const struct cli_command *table, size_t n, const char *prefix)
{
	fprintf(f, "Usage: %s <command> [options]\n\nCommands:\n", prefix);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", table[i].name, table[i].summary);
	fprintf(f, "\nRun '%s <command> --help' for a command's options.\n", prefix);
}

int cli_dispatch(const struct cli_command *table, size_t n, const char *prefix, int argc,
		 char **argv)
{
	if (argc < 2) {
		print_table(stderr, table, n, prefix);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") && argc > 2) {
		/* "signet help age" is "signet age --help". */
		char *help_argv[] = { argv[2], (char *)"--help", NULL };
		for (size_t i = 0; i < n; i++)
			if (strcmp(argv[2], table[i].name) == 0)
				return table[i].run(2, help_argv);
		return cli_usage_error(prefix, "unknown command '%s'", argv[2]);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		print_table(stdout, table, n, prefix);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], table[i].name) == 0)
			return table[i].run(argc - 1, argv + 1);
	return cli_usage_error(prefix, "unknown command '%s'", argv[1]);
}

int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || end == s || *end || s[0] < '0' || s[0] > '9' || *out > max) ? -1 : 0;
}

/* Reads one line from fd into out, without the newline. */
static int read_line_fd(int fd, struct sg_buf *out)
{
	char c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sg_fail_errno("reading passphrase");
		if (n == 0 || c == '\n')
			break;
		if (out->len >= PASSPHRASE_MAX)
			return sg_fail("passphrase longer than %d bytes", PASSPHRASE_MAX);
		if (sg_buf_append_byte(out, (uint8_t)c) < 0)
			return -1;
	}
	if (out->len && out->data[out->len - 1] == '\r')
		out->data[--out->len] = '\0';
	return 0;
}

static int prompt_once(int fd, const char *prompt, struct sg_buf *out)
{
	struct termios old, quiet;
	int rc;

	if (tcgetattr(fd, &old) < 0)
		return sg_fail_errno("/dev/tty");
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		return sg_fail_errno("/dev/tty");
	rc = read_line_fd(fd, out);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		rc = -1;
	return rc;
}

int cli_read_passphrase_tty(const char *prompt, int confirm, struct sg_buf *out)
{
	struct sg_buf again = SG_BUF_INIT;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	int rc;

	if (fd < 0)
		return sg_fail("no terminal to ask for a passphrase (use --passphrase-file)");
	rc = prompt_once(fd, prompt, out);
	if (rc == 0 && confirm) {
		rc = prompt_once(fd, "Confirm passphrase: ", &again);
		if (rc == 0 && (again.len != out->len || !sg_ct_equal(again.data, out->data, out->len)))
			rc = sg_fail("passphrases didn't match");
	}
	sg_buf_wipe(&again);
	close(fd);
	return rc;
}

int cli_read_passphrase_file(const char *path, struct sg_buf *out)
{
	struct sg_buf all = SG_BUF_INIT;
	size_t n;
	uint8_t *nl;

	if (sg_read_file(path, &all, PASSPHRASE_MAX) < 0) {
		sg_buf_wipe(&all);
		return -1;
	}
	nl = all.len ? memchr(all.data, '\n', all.len) : NULL;
	n = nl ? (size_t)(nl - all.data) : all.len;
	if (n && all.data[n - 1] == '\r')
		n--;
	if (n == 0) {
		sg_buf_wipe(&all);
		return sg_fail("%s: empty passphrase", path);
	}
	int rc = sg_buf_append(out, all.data, n);
	sg_buf_wipe(&all);
	return rc;
}

static void on_signal(int sig)
{
	sg_atomic_cleanup_on_signal();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A mapped input file that shrank under us: say so in one line, remove
 * uncommitted outputs, and die of the signal. */
static void on_sigbus(int sig)
{
	static const char msg[] = "signet: an input file changed size while it was read\n";
	static atomic_flag reported = ATOMIC_FLAG_INIT;

	/* Both cipher threads may fault on the same file: one reports and
	 * ends the process, the other waits for that. */
	if (atomic_flag_test_and_set(&reported))
		for (;;)
			pause();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be said */
	}
	on_signal(sig);
}

void cli_install_signal_cleanup(void)
{
	signal(SIGBUS, on_sigbus);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
}
