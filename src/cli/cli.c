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

__attribute__((format(printf, 2, 0))) static void vusage(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nRun '%s --help' for usage.\n", cmd);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(cmd, fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage(cli_command(), fmt, ap);
	va_end(ap);
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

/* The command path the dispatch tables have walked: "signet policy hash". */
static char command_path[128] = "signet";

const char *cli_command(void)
{
	return command_path;
}

static int run_command(const struct cli_command *c, const char *prefix, int argc, char **argv)
{
	snprintf(command_path, sizeof(command_path), "%s %s", prefix, c->name);
	return c->run(argc, argv);
}

int cli_dispatch(const struct cli_command *table, size_t n, const char *prefix, int argc, char **argv)
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
				return run_command(&table[i], prefix, 2, help_argv);
		return cli_usage_error(prefix, "unknown command '%s'", argv[2]);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		print_table(stdout, table, n, prefix);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], table[i].name) == 0)
			return run_command(&table[i], prefix, argc - 1, argv + 1);
	return cli_usage_error(prefix, "unknown command '%s'", argv[1]);
}

/* getopt_long's option table for opts: its longopts and "help"; -1 when
 * it does not fit. */
static int long_table(const struct option *longopts, struct option *t, size_t cap)
{
	static const struct option help = { "help", no_argument, NULL, 'h' };
	size_t n = 0;

	for (; longopts && longopts[n].name; n++) {
		if (n + 2 >= cap)
			return -1;
		t[n] = longopts[n];
	}
	t[n] = help;
	memset(&t[n + 1], 0, sizeof(t[0]));
	return 0;
}

/* The long option of table that getopt just refused, if argv[optind - 1]
 * is one: "--name" or "--name=VALUE" of an option whose val is optopt
 * (optopt is 0 for a name no option has). */
static const char *refused_long(const struct option *table, char **argv, size_t *len)
{
	const char *arg = optind > 1 ? argv[optind - 1] : "";

	if (strncmp(arg, "--", 2))
		return NULL;
	*len = strcspn(arg, "=");
	if (optopt == 0)
		return arg;
	for (size_t i = 0; table[i].name; i++)
		if (table[i].val == optopt && strlen(table[i].name) == *len - 2 &&
		    !strncmp(table[i].name, arg + 2, *len - 2))
			return arg;
	return NULL;
}

/* One usage line for what getopt refused (c is '?' or ':'). */
static int refuse_option(const struct option *table, char **argv, int c)
{
	size_t len = 0;
	const char *name = refused_long(table, argv, &len);

	if (c == ':')
		return name ? cli_usage("option '%.*s' needs a value", (int)len, name)
			    : cli_usage("option '-%c' needs a value", optopt);
	if (name && optopt)
		return cli_usage("option '%.*s' takes no value", (int)len, name);
	if (name)
		return cli_usage("unknown option '%.*s'", (int)len, name);
	return cli_usage("unknown option '-%c'", optopt);
}

/* The next option (optarg set), 0 when the options are done and the
 * operand count is allowed, or a negative value after the help or a
 * usage error. A loop left before its end is not taken up again. */
#define GETOPT_HELP (-1)
#define GETOPT_USAGE (-2)
static int next_option(const struct cli_opts *opts, int argc, char **argv)
{
	static const struct cli_opts *active;
	static struct option table[64];
	static char shortopts[64];
	int c, plus, operands;

	if (opts != active) {
		/* a new loop: getopt's state starts over, it prints nothing */
		plus = opts->shortopts && opts->shortopts[0] == '+';
		snprintf(shortopts, sizeof(shortopts), "%s:h%s", plus ? "+" : "",
			 opts->shortopts ? opts->shortopts + plus : "");
		if (long_table(opts->longopts, table, sizeof(table) / sizeof(table[0])) < 0) {
			cli_error("%s: too many options", cli_command());
			return GETOPT_USAGE;
		}
		active = opts;
		optind = 0;
		opterr = 0;
	}
	c = getopt_long(argc, argv, shortopts, table, NULL);
	if (c > 0 && c != 'h' && c != '?' && c != ':')
		return c;
	active = NULL;
	if (c == '?' || c == ':') {
		refuse_option(table, argv, c);
		return GETOPT_USAGE;
	}
	if (c == 'h') {
		cli_help(opts->help);
		return GETOPT_HELP;
	}
	operands = argc - optind;
	if (operands < opts->min_operands) {
		if (operands)
			cli_usage("expected at least %d operands", opts->min_operands);
		else
			cli_usage("missing operand");
		return GETOPT_USAGE;
	}
	if (opts->max_operands >= 0 && operands > opts->max_operands) {
		cli_usage("unexpected operand '%s'", argv[optind + opts->max_operands]);
		return GETOPT_USAGE;
	}
	return 0;
}

int cli_parse(const struct cli_opts *opts, int argc, char **argv, cli_option_fn *on_option, void *ctx)
{
	int c, rc;

	while ((c = next_option(opts, argc, argv)) > 0) {
		/* without on_option, opts has no option that can get here */
		if (!on_option || (rc = on_option(ctx, c, optarg)) != 0)
			return on_option ? rc : CLI_EXIT_USAGE;
	}
	return c == 0 ? CLI_RUN : c == GETOPT_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || end == s || *end || s[0] < '0' || s[0] > '9' || *out > max) ? -1 : 0;
}

int cli_parse_number(const char *what, const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *out)
{
	if (cli_parse_uint(s, max, out) < 0 || *out < min)
		return cli_usage("%s must be a whole number from %llu to %llu, not '%.40s'", what,
				 min, max, s);
	return 0;
}

int cli_parse_cnumber(const char *what, const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] < '0' || s[0] > '9' || *out < min || *out > max)
		return cli_usage("%s must be a number from %llu to %llu (decimal, 0x hex or 0 octal), not '%.40s'",
				 what, min, max, s);
	return 0;
}

int cli_parse_hex(const char *what, const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 16);
	/* strtoull skips blanks and takes a sign: s must start with a digit
	 * (empty s ended at s) */
	if (errno || end == s || *end || !strchr("0123456789abcdefABCDEF", s[0]) || *out > max)
		return cli_usage("%s must be a hex number from 0 to %llx, not '%.40s'", what, max, s);
	return 0;
}

int cli_parse_days(const char *what, const char *s, int *out)
{
	unsigned long long v;

	if (cli_parse_number(what, s, 1, 36500, &v))
		return CLI_EXIT_USAGE;
	*out = (int)v;
	return 0;
}

int cli_parse_duration(const char *what, const char *s, uint32_t *out)
{
	static const struct {
		char unit;
		uint32_t seconds;
	} units[] = {
		{ 'd', 86400 },
		{ 'h', 3600 },
		{ 'm', 60 },
		{ 's', 1 },
	};
	size_t len = strlen(s);
	uint32_t mul = 86400;
	unsigned long long v;
	char digits[32];

	for (size_t i = 0; len > 1 && i < sizeof(units) / sizeof(units[0]); i++)
		if (s[len - 1] == units[i].unit) {
			mul = units[i].seconds;
			len--;
			break;
		}
	if (len >= sizeof(digits))
		len = sizeof(digits) - 1;
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (cli_parse_uint(digits, UINT32_MAX / mul, &v) < 0 || v == 0)
		return cli_usage("%s must be a duration (30, 30d, 12h, 45m, 90s), not '%.40s'",
				 what, s);
	*out = (uint32_t)(v * mul);
	return 0;
}

int cli_parse_unix_time(const char *what, const char *s, int64_t *out)
{
	unsigned long long v;

	if (cli_parse_uint(s, INT64_MAX, &v) < 0)
		return cli_usage("%s must be a Unix time in seconds, not '%.40s'", what, s);
	*out = (int64_t)v;
	return 0;
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
		if (rc == 0 &&
		    (again.len != out->len || !sg_ct_equal(again.data, out->data, out->len)))
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
