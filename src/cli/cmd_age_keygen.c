/* cmd_age_keygen.c - `signet age-keygen`: age-keygen, flag for flag.
 *
 * The identity file has age-keygen's format (created and public-key
 * comments, then the secret key), is written 0600 and never replaces an
 * existing file.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "age.h"
#include "cli.h"
#include "commands.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"

static const char usage[] =
	"Usage:\n"
	"    signet age-keygen [-o OUTPUT]\n"
	"    signet age-keygen -y [-o OUTPUT] [INPUT]\n"
	"\n"
	"Options:\n"
	"    -o, --output OUTPUT  Write the result to OUTPUT (created 0600; an existing\n"
	"                         file is never overwritten).\n"
	"    -y                   Convert an identity file to a recipients file.\n"
	"\n"
	"Without -y, a new X25519 identity is generated; its public key (the\n"
	"recipient) is also printed on standard error when the output is not a\n"
	"terminal. INPUT defaults to standard input, OUTPUT to standard output.\n";

static int write_result(const char *path, const struct sg_buf *b, int flags)
{
	if (!path || strcmp(path, "-") == 0)
		return sg_write_all(STDOUT_FILENO, b->data, b->len);
	return sg_write_file_atomic(path, b->data, b->len, 0600, flags);
}

static int generate(const char *output)
{
	struct sg_age_identity id;
	struct sg_buf pub = SG_BUF_INIT, out = SG_BUF_INIT;
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc = -1;

	if (output && strcmp(output, "-") && access(output, F_OK) == 0) {
		sg_fail("%s: already exists, not overwriting", output);
		goto done;
	}
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (sg_age_identity_generate(&id) < 0 || sg_age_recipient_encode(id.public, &pub) < 0 ||
	    sg_buf_printf(&out, "# created: %s\n# public key: %s\n", created, (char *)pub.data) < 0 ||
	    sg_age_identity_encode(&id, &out) < 0 || sg_buf_append_byte(&out, '\n') < 0)
		goto done;
	if (write_result(output, &out, SG_ATOMIC_NO_CLOBBER) < 0)
		goto done;
	if ((output && strcmp(output, "-")) || !isatty(STDOUT_FILENO))
		fprintf(stderr, "Public key: %s\n", (char *)pub.data);
	rc = 0;
done:
	sg_wipe(&id, sizeof(id));
	sg_buf_wipe(&out);
	sg_buf_free(&pub);
	return rc;
}

static int convert(const char *input, const char *output)
{
	struct sg_age_identities ids = { 0 };
	struct sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;
	const char *name = input ? input : "-";
	int rc = -1;

	if (sg_read_file(name, &text, 1 << 20) < 0 ||
	    sg_age_identities_parse(&ids, strcmp(name, "-") ? name : "standard input",
				    (const char *)text.data, text.len) < 0)
		goto done;
	for (size_t i = 0; i < ids.n; i++)
		if (sg_age_recipient_encode(ids.v[i].public, &out) < 0 ||
		    sg_buf_append_byte(&out, '\n') < 0)
			goto done;
	rc = write_result(output, &out, 0);
done:
	sg_buf_wipe(&text);
	sg_buf_free(&out);
	sg_age_identities_free(&ids);
	return rc;
}

struct keygen_args {
	const char *output;
	int to_recipients;
};

static int keygen_option(void *ctx, int c, const char *arg)
{
	struct keygen_args *a = ctx;

	if (c == 'o')
		a->output = arg;
	else
		a->to_recipients = 1; /* -y */
	return 0;
}

int cmd_age_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { usage, "o:y", longopts, 0, 1 };
	struct keygen_args a = { 0 };
	int rc = cli_parse(&opts, argc, argv, keygen_option, &a);

	if (rc != CLI_RUN)
		return rc;
	/* INPUT is -y's: a new identity reads nothing */
	if (!a.to_recipients && optind < argc)
		return cli_usage("unexpected operand '%s'", argv[optind]);
	if ((a.to_recipients ? convert(optind < argc ? argv[optind] : NULL, a.output)
			     : generate(a.output)) < 0)
		return cli_lib_error();
	return CLI_EXIT_OK;
}
