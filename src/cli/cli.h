/* cli.h - what every signet subcommand shares: the dispatch table type,
 * error and usage printing, and reading passphrases.
 *
 * Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error.
 * Subcommands parse their own options with getopt_long and print their
 * help for -h/--help.
 */
#ifndef SIGNET_CLI_H
#define SIGNET_CLI_H

#include <stddef.h>

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

/* Parses a decimal number from 0 to max (no sign, nothing after it). */
int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out);

/* Reads a passphrase from the controlling terminal without echo; with
 * confirm, asks twice and requires both to match. */
int cli_read_passphrase_tty(const char *prompt, int confirm, struct sg_buf *out);
/* Reads a passphrase from a file: its first line, without the newline. */
int cli_read_passphrase_file(const char *path, struct sg_buf *out);

/* Removes uncommitted temporary files on SIGINT/SIGTERM/SIGHUP. */
void cli_install_signal_cleanup(void);

#endif
