/* authority.c - options and files shared by the authority commands. */
#include "authority.h"

#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "txn.h"

int auth_option(struct auth_opts *o, int c, const char *arg)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc;

	switch (c) {
	case AUTH_OPT_HOME: o->home = arg; return 1;
	case AUTH_OPT_DOMAIN: o->domain = arg; return 1;
	case AUTH_OPT_PASSPHRASE_FILE: o->passphrase_file = arg; return 1;
	case 'i':
		rc = sg_read_file(arg, &text, 1 << 20);
		if (rc == 0)
			rc = sg_age_identities_parse(&o->ids, arg, (const char *)text.data, text.len);
		sg_buf_wipe(&text);
		if (rc < 0) {
			cli_lib_error();
			return -1;
		}
		return 1;
	default: return 0;
	}
}

int auth_option_only(void *auth_opts, int c, const char *arg)
{
	int r = auth_option(auth_opts, c, arg);

	/* 0: an option the command's table has and its handler forgot */
	return r == 1 ? 0 : r < 0 ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
}

int auth_flag_option(void *ctx, int c, const char *arg)
{
	struct auth_flag_args *a = ctx;

	if (c != a->flag_val)
		return auth_option_only(&a->auth, c, arg);
	a->flag = 1;
	return 0;
}

int auth_open_read(const struct auth_opts *o, struct sg_domain *d, int *lock)
{
	if (sg_domain_open_read(sg_home_default(o->home), o->domain, d, lock) < 0) {
		cli_lib_error();
		return -1;
	}
	return 0;
}

int auth_open(const struct auth_opts *o, struct sg_domain *d)
{
	int lock;

	if (auth_open_read(o, d, &lock) < 0)
		return -1;
	sg_txn_read_end(&lock);
	return 0;
}

void auth_protect_memory(void)
{
	/* No core dump, no ptrace by other processes of the same user:
	 * this process is about to hold a root private key. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int auth_unlock(struct auth_opts *o, const struct sg_domain *d, uint8_t seed[32])
{
	struct sg_buf pass = SG_BUF_INIT;
	int wants = sg_domain_key_wants_passphrase(d), rc = -1;

	auth_protect_memory();
	if (wants < 0)
		goto fail;
	if (wants) {
		if (o->passphrase_file)
			rc = cli_read_passphrase_file(o->passphrase_file, &pass);
		else
			rc = cli_read_passphrase_tty("Root key passphrase: ", 0, &pass);
		if (rc == 0)
			rc = sg_age_identities_add_passphrase(&o->ids, pass.data, pass.len);
		sg_buf_wipe(&pass);
		if (rc < 0)
			goto fail;
	} else if (o->ids.n == 0) {
		cli_error("%s: the root key is encrypted to age recipients: give -i IDENTITY",
			  d->dir);
		return -1;
	}
	if (sg_domain_unlock(d, &o->ids, seed) < 0)
		goto fail;
	return 0;
fail:
	cli_lib_error();
	return -1;
}

void auth_opts_free(struct auth_opts *o)
{
	sg_age_identities_free(&o->ids);
}

int auth_add_recipient(struct sg_age_recipients *rs, const char *arg)
{
	if (sg_age_recipients_add(rs, arg, strlen(arg)) < 0) {
		cli_lib_error();
		return -1;
	}
	return 0;
}
