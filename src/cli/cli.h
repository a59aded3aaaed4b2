/* cli.h - what every signet subcommand shares: the dispatch table type,
 * error and usage printing, and reading passphrases.
 *
 * Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error.
 * Every subcommand parses its options through cli_parse(), which gives
 * all of them the same -h/--help, the same usage messages (naming the
 * command as the dispatch table found it) and the operand count check,
 * and its values through the cli_parse_* functions.
 */
#ifndef SIGNET_CLI_H
#define SIGNET_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Runs the command named by argv[1] from table; prefix names the parent
 * ("signet", "signet verity") in messages and in the generated help. */
int cli_dispatch(const struct cli_command *table, size_t n, const char *prefix, int argc,
		 char **argv);

/* Prints "signet: <message>" on stderr; returns CLI_EXIT_FAIL. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the library's last error the same way. */
int cli_lib_error(void);
/* Prints a usage error and a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a help text to stdout; returns CLI_EXIT_OK. */
int cli_help(const char *text);

/* The command being run, as the dispatch tables found it ("signet
 * policy hash"); "signet" before any dispatch. */
const char *cli_command(void);

/* What a subcommand accepts. shortopts is getopt's (a leading '+' stops
 * at the first operand), without "h"; longopts ends with a zeroed entry
 * and has no "help" (NULL for none). Operands: from min_operands to
 * max_operands (-1: any number). */
struct cli_opts {
	const char *help;
	const char *shortopts;
	const struct option *longopts;
	int min_operands, max_operands;
};

/* Called for each option c (optarg's value in arg) a command's loop
 * meets; returns 0, or an exit code after printing one error line (a
 * usage error: cli_usage()). */
typedef int cli_option_fn(void *ctx, int c, const char *arg);

/* The option loop of every subcommand: getopt_long started over with
 * opts, each option handed to on_option (NULL: the command has none but
 * -h), -h/--help printing opts->help, and one usage error for an unknown
 * option, a missing or unexpected value, or a wrong operand count.
 * Returns CLI_RUN when the command should go on, optind at its first
 * operand; otherwise the exit code to return (CLI_EXIT_OK after the
 * help). */
#define CLI_RUN (-1)
int cli_parse(const struct cli_opts *opts, int argc, char **argv, cli_option_fn *on_option,
	      void *ctx);
/* A usage error for the running command (cli_command()). */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Value parsers, for option values and operands. Each refuses with one
 * usage error naming what ("--days") and the value, and returns
 * CLI_EXIT_USAGE; or returns 0. */
/* A decimal number from min to max: digits only (no sign, no space). */
int cli_parse_number(const char *what, const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *out);
/* The same, in C's notation: decimal, 0x hex or 0 octal. */
int cli_parse_cnumber(const char *what, const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out);
/* A number in hex digits (a 0x prefix allowed, no sign, no space) from
 * 0 to max: a serial number, a handle. */
int cli_parse_hex(const char *what, const char *s, unsigned long long max, unsigned long long *out);
/* A validity in days, from 1 to 36500 (a hundred years). */
int cli_parse_days(const char *what, const char *s, int *out);
/* A duration: a number of days, or a number with d, h, m or s ("12h"),
 * from one second to UINT32_MAX seconds. */
int cli_parse_duration(const char *what, const char *s, uint32_t *out);
/* A time as a number of seconds since 1970 (UTC). */
int cli_parse_unix_time(const char *what, const char *s, int64_t *out);
/* Silent form of cli_parse_number from 0 to max, for callers that word
 * their own message: -1 when s is not such a number. */
int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out);

/* Reads a passphrase from the controlling terminal without echo; with
 * confirm, asks twice and requires both to match. */
int cli_read_passphrase_tty(const char *prompt, int confirm, struct sg_buf *out);
/* Reads a passphrase from a file: its first line, without the newline. */
int cli_read_passphrase_file(const char *path, struct sg_buf *out);

/* Removes uncommitted temporary files on SIGINT/SIGTERM/SIGHUP. */
void cli_install_signal_cleanup(void);

#endif
