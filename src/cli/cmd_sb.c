/* cmd_sb.c - signet sb: Secure Boot keys and Authenticode signatures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "authenticode.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "pcr7.h"
#include "sbkeys.h"

#define MAX_PE_SIZE (1ull << 31) /* PE offsets are 32-bit */

static const char sign_help[] =
	"Usage: signet sb sign --key KEY --cert CERT [--deterministic] [-o OUT] PE\n"
	"\n"
	"Signs a PE/COFF image (EFI application, kernel, UKI) with Authenticode as\n"
	"sbsign does: SHA-256 image hash, PKCS#7 SignedData appended as a\n"
	"WIN_CERTIFICATE, certificate directory and PE checksum updated.\n"
	"\n"
	"  -k, --key KEY        PEM private key (e.g. db.key)\n"
	"  -c, --cert CERT      certificate of the key, PEM or DER (e.g. db.crt)\n"
	"  -d, --deterministic  leave out signingTime: same inputs, same bytes\n"
	"  -o, --output OUT     where to write the signed image (default PE.signed)\n"
	"  -h, --help           show this help\n";

static const char verify_help[] =
	"Usage: signet sb verify --cert CERT PE\n"
	"\n"
	"Checks a PE image's Authenticode signature: the image hash against the\n"
	"signed one, and the PKCS#7 signature against CERT (the signer or one of\n"
	"its issuers). Prints the image hash; exits 1 when anything fails.\n"
	"\n"
	"  -c, --cert CERT  trusted certificate, PEM or DER\n"
	"  -h, --help       show this help\n";

static const char pcr7_help[] =
	"Usage: signet sb pcr7 --dir DIR\n"
	"\n"
	"Prints the TPM PCR 7 (sha256) that UEFI firmware holding exactly the keys\n"
	"of DIR (signet sb keygen, enrolled by signet sb enroll: PK, KEK, db, no\n"
	"dbx) measures when it boots an image signed by DIR's db key: the value to\n"
	"seal a disk key to before the machine first boots.\n"
	"\n"
	"  -d, --dir DIR  the keys' directory (PK.esl, KEK.esl, db.esl)\n"
	"  -h, --help     show this help\n";

static const char keygen_help[] =
	"Usage: signet sb keygen --dir DIR [--cn NAME] [--days N] [--alg rsa2048|rsa3072|rsa4096]\n"
	"                        [--timestamp RFC3339] [--owner-guid GUID] [--reuse-keys]\n"
	"\n"
	"Makes the Secure Boot key hierarchy in DIR, in efitools' layout: for each\n"
	"of PK, KEK and db a key (.key, PEM, mode 0600), a self-signed certificate\n"
	"(.crt PEM, .cer DER), an EFI signature list (.esl) and a signed update\n"
	"(.auth: PK signed by PK, KEK by PK, db by KEK). The owner GUID is kept in\n"
	"DIR/GUID. The same keys and --timestamp give the same .esl and .auth bytes.\n"
	"\n"
	"  --dir DIR            output directory (created if missing)\n"
	"  --cn NAME            common name prefix (default \"signet\")\n"
	"  --days N             certificate validity (default 3650)\n"
	"  --alg ALG            rsa2048 (default), rsa3072 or rsa4096\n"
	"  --timestamp TIME     time of the .auth updates, YYYY-MM-DDTHH:MM:SSZ\n"
	"                       (default now); also the certificates' notBefore\n"
	"  --owner-guid GUID    signature owner (default DIR/GUID, else random)\n"
	"  --reuse-keys         keep DIR's existing keys and certificates; only\n"
	"                       rewrite the .esl and .auth files\n"
	"  -h, --help           show this help\n";

/* sbsign and sbverify permute their arguments, so they honour -h/--help
 * even after the image; signet's options end at the image (a leading '+'),
 * so help is looked for first, up to a "--". */
static int sb_parse(const struct cli_opts *opts, int argc, char **argv, cli_option_fn *on_option,
		    void *ctx)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return cli_help(opts->help);
	return cli_parse(opts, argc, argv, on_option, ctx);
}

/* What sign and verify take: sbsign's and sbverify's spellings. */
struct sign_args {
	const char *key, *cert, *output;
	int deterministic;
};

static int sign_option(void *ctx, int c, const char *arg)
{
	struct sign_args *a = ctx;

	switch (c) {
	case 'k': a->key = arg; break;
	case 'c': a->cert = arg; break;
	case 'd': a->deterministic = 1; break;
	case 'o': a->output = arg; break;
	}
	return 0;
}

/* Signs the image at pe into a->output. */
static int sign_image(const struct sign_args *a, const char *pe)
{
	struct sg_buf img = SG_BUF_INIT, out = SG_BUF_INIT;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = 0;

	if (!(key = sg_sb_load_key(a->key)) || !(cert = sg_sb_load_cert(a->cert)) ||
	    sg_read_file(pe, &img, MAX_PE_SIZE) ||
	    sg_authenticode_sign(img.data, img.len, pe, key, cert, a->deterministic, &out) ||
	    sg_write_file_atomic(a->output, out.data, out.len, 0644, 0))
		rc = -1;
	sg_buf_free(&img);
	sg_buf_free(&out);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

static int sb_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "deterministic", no_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { sign_help, "+k:c:do:", longopts, 1, 1 };
	struct sign_args a = { 0 };
	char *defout = NULL;
	int rc = sb_parse(&opts, argc, argv, sign_option, &a);

	if (rc != CLI_RUN)
		return rc;
	if (!a.key || !a.cert)
		return cli_usage("--key and --cert are required");
	if (!a.output) {
		if (asprintf(&defout, "%s.signed", argv[optind]) < 0)
			return cli_error("out of memory");
		a.output = defout;
	}
	rc = sign_image(&a, argv[optind]) ? cli_lib_error() : CLI_EXIT_OK;
	free(defout);
	return rc;
}

/* Checks the image at pe against cert_path; its hash into digest. */
static int verify_image(const char *cert_path, const char *pe, uint8_t digest[32])
{
	struct sg_buf img = SG_BUF_INIT;
	X509 *cert = NULL;
	int rc = 0;

	if (!(cert = sg_sb_load_cert(cert_path)) || sg_read_file(pe, &img, MAX_PE_SIZE) ||
	    sg_authenticode_verify(img.data, img.len, pe, cert, digest))
		rc = -1;
	sg_buf_free(&img);
	X509_free(cert);
	return rc;
}

static int sb_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { verify_help, "+c:", longopts, 1, 1 };
	struct sign_args a = { 0 };
	uint8_t digest[32];
	int rc = sb_parse(&opts, argc, argv, sign_option, &a);

	if (rc != CLI_RUN)
		return rc;
	if (!a.cert)
		return cli_usage("--cert is required");
	if (verify_image(a.cert, argv[optind], digest))
		return cli_lib_error();
	printf("image hash: ");
	for (int i = 0; i < 32; i++)
		printf("%02x", digest[i]);
	printf("\nSignature verification OK\n");
	return CLI_EXIT_OK;
}

static int dir_option(void *ctx, int c, const char *arg)
{
	(void)c;
	*(const char **)ctx = arg;
	return 0;
}

static int sb_pcr7(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { pcr7_help, "+d:", longopts, 0, 0 };
	const char *dir = NULL;
	uint8_t pcr[32];
	char hex[65];
	int rc = cli_parse(&opts, argc, argv, dir_option, &dir);

	if (rc != CLI_RUN)
		return rc;
	if (!dir)
		return cli_usage("--dir is required");
	if (sg_pcr7_predict_dir(dir, pcr) < 0)
		return cli_lib_error();
	sg_hex_encode(pcr, sizeof(pcr), hex, SG_HEX_LOWER);
	printf("%s\n", hex);
	return CLI_EXIT_OK;
}

/* One level of the hierarchy and the files it is written to. */
struct sb_level {
	const char *name; /* PK, KEK, db */
	EVP_PKEY *key;
	X509 *cert;
};

static char *path_in(const char *dir, const char *name, const char *ext)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s%s", dir, name, ext) < 0)
		return NULL;
	return p;
}

/* keygen's outputs are staged as temporary files and renamed into place
 * only once every one of them is written: a failure leaves DIR as it was. */
#define KEYGEN_FILES 16

static struct {
	struct sg_atomic a[KEYGEN_FILES];
	int n;
} staged;

static int write_in(const char *dir, const char *name, const char *ext, const void *data,
		    size_t len, mode_t mode)
{
	char *p = path_in(dir, name, ext);
	struct sg_atomic *a = &staged.a[staged.n];
	int rc = -1;

	if (!p)
		return sg_fail("out of memory");
	if (staged.n == KEYGEN_FILES) {
		sg_fail("%s: too many output files", p);
	} else if (sg_atomic_open(a, p, mode, 0) == 0) {
		if (sg_write_all(a->fd, data, len) == 0) {
			staged.n++;
			rc = 0;
		} else {
			sg_fail_prefix(p);
			sg_atomic_abort(a);
		}
	}
	free(p);
	return rc;
}

static int commit_staged(void)
{
	int rc = 0;

	for (int i = 0; i < staged.n; i++) {
		if (rc == 0)
			rc = sg_atomic_commit(&staged.a[i]);
		else
			sg_atomic_abort(&staged.a[i]);
	}
	staged.n = 0;
	return rc;
}

static void abort_staged(void)
{
	for (int i = 0; i < staged.n; i++)
		sg_atomic_abort(&staged.a[i]);
	staged.n = 0;
}

static int load_level(const char *dir, struct sb_level *l)
{
	char *kp = path_in(dir, l->name, ".key"), *cp = path_in(dir, l->name, ".crt");
	int rc = -1;

	if (kp && cp && (l->key = sg_sb_load_key(kp)) && (l->cert = sg_sb_load_cert(cp))) {
		if (X509_check_private_key(l->cert, l->key) == 1)
			rc = 0;
		else
			sg_fail("%s does not match %s", kp, cp);
		ERR_clear_error();
	}
	free(kp);
	free(cp);
	return rc;
}

static int bio_to_buf(BIO *bio, struct sg_buf *out)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	sg_buf_free(out);
	return n < 0 ? -1 : sg_buf_append(out, p, (size_t)n);
}

/* Writes .key, .crt and .cer of a freshly made level. */
static int write_key_files(const char *dir, const struct sb_level *l)
{
	struct sg_buf b = SG_BUF_INIT;
	BIO *bio = BIO_new(BIO_s_mem());
	uint8_t *der = NULL;
	int len, rc = -1;

	if (!bio || !PEM_write_bio_PrivateKey(bio, l->key, NULL, NULL, 0, NULL, NULL) ||
	    bio_to_buf(bio, &b))
		goto encode;
	if (write_in(dir, l->name, ".key", b.data, b.len, 0600))
		goto out;
	BIO_free(bio);
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_X509(bio, l->cert) || bio_to_buf(bio, &b))
		goto encode;
	if (write_in(dir, l->name, ".crt", b.data, b.len, 0644))
		goto out;
	len = i2d_X509(l->cert, &der);
	if (len <= 0)
		goto encode;
	if (write_in(dir, l->name, ".cer", der, (size_t)len, 0644))
		goto out;
	rc = 0;
	goto out;
encode:
	sg_fail("%s: cannot encode the %s key or certificate", dir, l->name);
out:
	OPENSSL_free(der);
	BIO_free(bio);
	sg_buf_wipe(&b);
	return rc;
}

static int owner_guid(const char *dir, const char *opt, int reuse, uint8_t guid[SG_GUID_LEN])
{
	char *p = path_in(dir, "GUID", "");
	struct sg_buf b = SG_BUF_INIT;
	char text[SG_GUID_STR_LEN + 2];
	int rc = -1;

	if (!p)
		return sg_fail("out of memory");
	if (opt) {
		rc = sg_guid_parse(opt, guid);
	} else if (access(p, F_OK) == 0 || reuse) {
		if (sg_read_file(p, &b, 256) == 0) {
			while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
				b.len--;
			if (sg_buf_terminate(&b) == 0)
				rc = sg_guid_parse((char *)b.data, guid);
			if (rc)
				sg_fail_prefix(p);
		}
		goto out;
	} else {
		rc = sg_guid_random(guid);
	}
	if (rc == 0) {
		sg_guid_format(guid, text);
		strcat(text, "\n");
		rc = write_in(dir, "GUID", "", text, strlen(text), 0644);
	}
out:
	sg_buf_free(&b);
	free(p);
	return rc;
}

/* What keygen takes; bits and when follow from alg and timestamp. */
struct keygen_args {
	const char *dir, *cn, *alg, *timestamp, *owner_guid;
	int days, reuse, bits;
	time_t when;
};

static int keygen_option(void *ctx, int c, const char *arg)
{
	struct keygen_args *a = ctx;

	switch (c) {
	case 'D': a->dir = arg; break;
	case 'n': a->cn = arg; break;
	case 'a': a->alg = arg; break;
	case 't': a->timestamp = arg; break;
	case 'g': a->owner_guid = arg; break;
	case 'r': a->reuse = 1; break;
	case 'y': return cli_parse_days("--days", arg, &a->days);
	}
	return 0;
}

/* CLI_RUN with a filled in, or the exit code. */
static int keygen_parse(struct keygen_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "cn", required_argument, NULL, 'n' },
		{ "days", required_argument, NULL, 'y' },
		{ "alg", required_argument, NULL, 'a' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "owner-guid", required_argument, NULL, 'g' },
		{ "reuse-keys", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { keygen_help, "+", longopts, 0, 0 };
	int rc = sb_parse(&opts, argc, argv, keygen_option, a);

	if (rc != CLI_RUN)
		return rc;
	if (!a->dir)
		return cli_usage("--dir is required");
	if (!strcmp(a->alg, "rsa2048"))
		a->bits = 2048;
	else if (!strcmp(a->alg, "rsa3072"))
		a->bits = 3072;
	else if (!strcmp(a->alg, "rsa4096"))
		a->bits = 4096;
	else
		return cli_usage("--alg must be rsa2048, rsa3072 or rsa4096");
	if (a->timestamp && sg_parse_rfc3339(a->timestamp, &a->when))
		return cli_lib_error();
	return CLI_RUN;
}

/* The three levels' keys and certificates, made in memory or, with
 * --reuse-keys, loaded from the directory. */
static int keygen_levels(const struct keygen_args *a, struct sb_level lv[3])
{
	char name[256];

	for (int i = 0; i < 3; i++) {
		if (a->reuse) {
			if (load_level(a->dir, &lv[i]))
				return -1;
			continue;
		}
		snprintf(name, sizeof(name), "%s %s", a->cn, lv[i].name);
		if (!(lv[i].key = sg_sb_rsa_keygen(a->bits)) ||
		    !(lv[i].cert = sg_sb_self_signed(lv[i].key, name, a->when, a->days)))
			return -1;
	}
	return 0;
}

/* Stages each level's files: new keys and certificates, and the .esl
 * and .auth of its certificate. */
static int keygen_stage(const struct keygen_args *a, const struct sb_level lv[3])
{
	struct sg_buf esl = SG_BUF_INIT, auth = SG_BUF_INIT;
	uint8_t guid[SG_GUID_LEN], efit[SG_EFI_TIME_LEN];
	int rc = -1;

	if (owner_guid(a->dir, a->owner_guid, a->reuse, guid))
		return -1;
	sg_sb_efi_time(a->when, efit);
	for (int i = 0; i < 3; i++) {
		/* PK signs itself and KEK; KEK signs db. */
		const struct sb_level *signer = &lv[i == 2 ? 1 : 0];

		if ((!a->reuse && write_key_files(a->dir, &lv[i])) ||
		    sg_sb_esl(lv[i].cert, guid, &esl) ||
		    sg_sb_auth(lv[i].name, esl.data, esl.len, efit, signer->key, signer->cert, &auth) ||
		    write_in(a->dir, lv[i].name, ".esl", esl.data, esl.len, 0644) ||
		    write_in(a->dir, lv[i].name, ".auth", auth.data, auth.len, 0644))
			goto out;
	}
	rc = 0;
out:
	sg_buf_free(&esl);
	sg_buf_free(&auth);
	return rc;
}

/* Everything is made in memory and staged first; files are renamed
 * into place only when all of it succeeded. */
static int keygen_run(const struct keygen_args *a, struct sb_level lv[3])
{
	if (mkdir(a->dir, 0755) && errno != EEXIST)
		return sg_fail("%s: cannot create directory: %s", a->dir, strerror(errno));
	if (keygen_levels(a, lv) || keygen_stage(a, lv) || commit_staged()) {
		abort_staged();
		return -1;
	}
	return 0;
}

static int sb_keygen(int argc, char **argv)
{
	struct keygen_args a = { .cn = "signet", .alg = "rsa2048", .days = 3650, .when = time(NULL) };
	struct sb_level lv[3] = {
		{ "PK", NULL, NULL },
		{ "KEK", NULL, NULL },
		{ "db", NULL, NULL },
	};
	int rc = keygen_parse(&a, argc, argv);

	if (rc != CLI_RUN)
		return rc;
	rc = keygen_run(&a, lv) ? cli_lib_error() : CLI_EXIT_OK;
	for (int i = 0; i < 3; i++) {
		EVP_PKEY_free(lv[i].key);
		X509_free(lv[i].cert);
	}
	return rc;
}

static const struct cli_command sb_commands[] = {
	{ "keygen", sb_keygen, "make PK, KEK and db keys, certificates, .esl and .auth" },
	{ "sign", sb_sign, "Authenticode-sign a PE image" },
	{ "verify", sb_verify, "check a PE image's Authenticode signature" },
	{ "enroll", cmd_sb_enroll, "write PK, KEK and db into an OVMF variable store" },
	{ "pcr7", sb_pcr7, "the PCR 7 firmware with these keys measures" },
};

int cmd_sb(int argc, char **argv)
{
	return cli_dispatch(sb_commands, sizeof(sb_commands) / sizeof(sb_commands[0]), "signet sb",
			    argc, argv);
}
