/* authority.c - options and files shared by the authority commands. */
#include "authority.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "crypto.h"
#include "envclaim.h"
#include "err.h"
#include "fileio.h"

#define MAX_JSON (16u << 20)

int auth_option(struct auth_opts *o, int c, const char *arg)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc;

	switch (c) {
	case AUTH_OPT_HOME:
		o->home = arg;
		return 1;
	case AUTH_OPT_DOMAIN:
		o->domain = arg;
		return 1;
	case AUTH_OPT_PASSPHRASE_FILE:
		o->passphrase_file = arg;
		return 1;
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
	default:
		return 0;
	}
}

int auth_open(const struct auth_opts *o, struct sg_domain *d)
{
	if (sg_domain_open(sg_home_default(o->home), o->domain, d) < 0) {
		cli_lib_error();
		return -1;
	}
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

int auth_read_json(const char *path, struct sg_json **out)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = sg_read_file(path, &text, MAX_JSON);

	if (rc == 0 &&
	    sg_json_parse_flags((const char *)text.data, text.len, SG_JSON_MODEL, out) < 0)
		rc = sg_fail_prefix(path);
	sg_buf_free(&text);
	return rc;
}

int auth_write_json(const char *path, const struct sg_json *j, mode_t mode, int flags)
{
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	if (sg_json_canonical(j, &text) == 0 && sg_buf_append_byte(&text, '\n') == 0)
		rc = sg_write_file_atomic(path, text.data, text.len, mode, flags);
	sg_buf_free(&text);
	return rc;
}

/* 1 when path holds exactly text, 0 otherwise. */
static int same_content(const char *path, const struct sg_buf *text)
{
	struct sg_buf old = SG_BUF_INIT;
	int same = sg_read_file(path, &old, MAX_JSON) == 0 && old.len == text->len &&
		   memcmp(old.data, text->data, old.len) == 0;

	sg_buf_free(&old);
	return same;
}

int auth_write_claim(const struct sg_domain *d, const uint8_t seed[32], time_t now,
		     char snap[17], char **path, int *created)
{
	struct sg_json *claim = sg_envclaim_build(d, now), *file = NULL;
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	*path = NULL;
	*created = 0;
	if (!claim || sg_envclaim_snapshot_id(claim, snap) < 0)
		goto out;
	file = sg_envclaim_sign(claim, seed);
	if (!file || asprintf(path, "%s/env-claims/%s.claim", d->home, snap) < 0) {
		*path = NULL;
		goto out;
	}
	if (sg_json_canonical(file, &text) < 0 || sg_buf_append_byte(&text, '\n') < 0)
		goto out;
	rc = sg_write_file_atomic(*path, text.data, text.len, 0644, SG_ATOMIC_NO_CLOBBER);
	if (rc == 0) {
		*created = 1;
	} else {
		/* The same environment measured in the same second is the same
		 * claim, byte for byte (Ed25519 is deterministic): keep it. */
		char *why = strdup(sg_errmsg());

		if (same_content(*path, &text)) {
			sg_errclear();
			rc = 0;
		} else {
			sg_fail("%s", why ? why : "out of memory");
		}
		free(why);
	}
out:
	if (rc < 0) {
		free(*path);
		*path = NULL;
	}
	sg_buf_free(&text);
	sg_json_free(claim);
	sg_json_free(file);
	return rc;
}

int auth_dam_path(const struct sg_domain *d, int next, char **path, unsigned *seq)
{
	char *dir = sg_domain_path(d, "dam");
	struct dirent *e;
	unsigned best = 0;
	DIR *dh;

	*path = NULL;
	if (!dir)
		return -1;
	dh = opendir(dir);
	if (!dh) {
		sg_fail_errno("%s", dir);
		free(dir);
		return -1;
	}
	while ((e = readdir(dh))) {
		unsigned n;
		char tail[16];

		if (strlen(e->d_name) == 13 &&
		    sscanf(e->d_name, "%4u.dam.%4s", &n, tail) == 2 && strcmp(tail, "json") == 0 &&
		    n > best)
			best = n;
	}
	closedir(dh);
	if (next)
		best++;
	*seq = best;
	if (best == 0) {
		free(dir);
		return 0;
	}
	if (best > 9999 || asprintf(path, "%s/%04u.dam.json", dir, best) < 0) {
		*path = NULL;
		free(dir);
		return sg_fail("%s: too many DAMs", d->dir);
	}
	free(dir);
	return 0;
}

int auth_add_recipient(struct sg_age_recipients *rs, const char *arg)
{
	if (sg_age_recipients_add(rs, arg, strlen(arg)) < 0) {
		cli_lib_error();
		return -1;
	}
	return 0;
}
