/* authority.h - what the authority command groups (domain, dam, env,
 * log) share: the --home/--domain options, unlocking the root key
 * (--passphrase-file, -i IDENTITY, or the terminal).
 */
#ifndef SIGNET_CLI_AUTHORITY_H
#define SIGNET_CLI_AUTHORITY_H

#include <getopt.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "age.h"
#include "domain.h"
#include "json.h"

enum {
	AUTH_OPT_HOME = 1000,
	AUTH_OPT_DOMAIN,
	AUTH_OPT_PASSPHRASE_FILE,
};

/* clang-format off */
#define AUTH_LONG_OPTIONS                                                        \
	{ "home", required_argument, NULL, AUTH_OPT_HOME },                      \
	{ "domain", required_argument, NULL, AUTH_OPT_DOMAIN },                  \
	{ "passphrase-file", required_argument, NULL, AUTH_OPT_PASSPHRASE_FILE }, \
	{ "identity", required_argument, NULL, 'i' }
/* clang-format on */

#define AUTH_OPTIONS_HELP                                                               \
	"  --home DIR             authority home (default $SIGNET_HOME, else\n"         \
	"                         /asl-auth-host)\n"                                    \
	"  --domain ID            the domain (a DomainID or a prefix of one; default\n" \
	"                         the home's current domain)\n"

#define AUTH_KEY_HELP                                                                \
	"  --passphrase-file F    the root key's passphrase (first line of F)\n"     \
	"  -i, --identity FILE    an age identity the root key is encrypted to\n"    \
	"                         (repeatable); otherwise the passphrase is asked\n" \
	"                         on the terminal\n"

struct auth_opts {
	const char *home;
	const char *domain;
	const char *passphrase_file;
	struct sg_age_identities ids;
};

/* Handles one of the shared options: 1 when c was one, 0 when not, -1
 * after printing an error. auth_option_only() is for a command with no
 * other options (a cli_option_fn): 0, or the exit code after printing an
 * error. */
int auth_option(struct auth_opts *o, int c, const char *arg);
int auth_option_only(void *auth_opts, int c, const char *arg);

/* A command with the shared options and one flag of its own (its val
 * in flag_val: --json, --short): auth_flag_option sets flag for it. */
struct auth_flag_args {
	struct auth_opts auth;
	int flag_val, flag;
};
int auth_flag_option(void *auth_flag_args, int c, const char *arg);

/* Opens the domain the options name (prints the error), after
 * finishing what an interrupted command left in the home (txn.h). For
 * a writer: its operation locks the home itself (authop.h). */
int auth_open(const struct auth_opts *o, struct sg_domain *d);

/* The same for a reader, which then holds the home's shared lock, so no
 * writer changes it while it reads, until sg_txn_read_end(lock). */
int auth_open_read(const struct auth_opts *o, struct sg_domain *d, int *lock);

/* Makes the process undumpable before it holds a private key. */
void auth_protect_memory(void);

/* Decrypts d's root key into seed (prints the error). */
int auth_unlock(struct auth_opts *o, const struct sg_domain *d, uint8_t seed[32]);

void auth_opts_free(struct auth_opts *o);

/* Reads recipients given with -r into rs (prints the error). */
int auth_add_recipient(struct sg_age_recipients *rs, const char *arg);

#endif
