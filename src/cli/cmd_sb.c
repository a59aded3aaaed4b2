/* cmd_sb.c - signet sb: Secure Boot keys and Authenticode signatures. */
#include <errno.h>
#include <getopt.h>
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

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

static int sb_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "deterministic", no_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyf = NULL, *certf = NULL, *outf = NULL;
	struct sg_buf img = SG_BUF_INIT, out = SG_BUF_INIT;
	char *defout = NULL;
	int det = 0, c, rc = CLI_EXIT_FAIL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	if (wants_help(argc, argv))
		return cli_help(sign_help);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+k:c:do:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyf = optarg; break;
		case 'c': certf = optarg; break;
		case 'd': det = 1; break;
		case 'o': outf = optarg; break;
		default: return cli_usage_error("signet sb sign", "unknown option");
		}
	}
	if (!keyf || !certf)
		return cli_usage_error("signet sb sign", "--key and --cert are required");
	if (optind != argc - 1)
		return cli_usage_error("signet sb sign", "expected exactly one PE image");
	if (!outf) {
		if (asprintf(&defout, "%s.signed", argv[optind]) < 0)
			return cli_error("out of memory");
		outf = defout;
	}
	if (!(key = sg_sb_load_key(keyf)) || !(cert = sg_sb_load_cert(certf)) ||
	    sg_read_file(argv[optind], &img, MAX_PE_SIZE) ||
	    sg_authenticode_sign(img.data, img.len, argv[optind], key, cert, det, &out) ||
	    sg_write_file_atomic(outf, out.data, out.len, 0644, 0)) {
		rc = cli_lib_error();
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(defout);
	sg_buf_free(&img);
	sg_buf_free(&out);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

static int sb_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *certf = NULL;
	struct sg_buf img = SG_BUF_INIT;
	uint8_t digest[32];
	X509 *cert = NULL;
	int c, rc = CLI_EXIT_FAIL;

	if (wants_help(argc, argv))
		return cli_help(verify_help);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (c != 'c')
			return cli_usage_error("signet sb verify", "unknown option");
		certf = optarg;
	}
	if (!certf)
		return cli_usage_error("signet sb verify", "--cert is required");
	if (optind != argc - 1)
		return cli_usage_error("signet sb verify", "expected exactly one PE image");
	if (!(cert = sg_sb_load_cert(certf)) || sg_read_file(argv[optind], &img, MAX_PE_SIZE) ||
	    sg_authenticode_verify(img.data, img.len, argv[optind], cert, digest)) {
		rc = cli_lib_error();
		goto out;
	}
	printf("image hash: ");
	for (int i = 0; i < 32; i++)
		printf("%02x", digest[i]);
	printf("\nSignature verification OK\n");
	rc = CLI_EXIT_OK;
out:
	sg_buf_free(&img);
	X509_free(cert);
	return rc;
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

static int sb_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "cn", required_argument, NULL, 'n' },
		{ "days", required_argument, NULL, 'y' },
		{ "alg", required_argument, NULL, 'a' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "owner-guid", required_argument, NULL, 'g' },
		{ "reuse-keys", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *cn = "signet", *alg = "rsa2048", *ts = NULL, *guidopt = NULL;
	struct sb_level lv[3] = {
		{ "PK", NULL, NULL }, { "KEK", NULL, NULL }, { "db", NULL, NULL },
	};
	struct sg_buf esl = SG_BUF_INIT, auth = SG_BUF_INIT;
	uint8_t guid[SG_GUID_LEN], efit[SG_EFI_TIME_LEN];
	int days = 3650, bits, reuse = 0, c, rc = CLI_EXIT_FAIL;
	time_t when = time(NULL);
	char *end;

	if (wants_help(argc, argv))
		return cli_help(keygen_help);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': dir = optarg; break;
		case 'n': cn = optarg; break;
		case 'a': alg = optarg; break;
		case 't': ts = optarg; break;
		case 'g': guidopt = optarg; break;
		case 'r': reuse = 1; break;
		case 'y':
			errno = 0;
			days = (int)strtol(optarg, &end, 10);
			if (errno || *end || days < 1 || days > 36500)
				return cli_usage_error("signet sb keygen",
						       "--days must be 1..36500");
			break;
		default: return cli_usage_error("signet sb keygen", "unknown option");
		}
	}
	if (!dir)
		return cli_usage_error("signet sb keygen", "--dir is required");
	if (optind != argc)
		return cli_usage_error("signet sb keygen", "unexpected argument '%s'", argv[optind]);
	if (!strcmp(alg, "rsa2048"))
		bits = 2048;
	else if (!strcmp(alg, "rsa3072"))
		bits = 3072;
	else if (!strcmp(alg, "rsa4096"))
		bits = 4096;
	else
		return cli_usage_error("signet sb keygen", "--alg must be rsa2048, rsa3072 or rsa4096");
	if (ts && sg_parse_rfc3339(ts, &when))
		return cli_lib_error();
	if (mkdir(dir, 0755) && errno != EEXIST)
		return cli_error("%s: cannot create directory: %s", dir, strerror(errno));

	/* Everything is made in memory first; files are written only when
	 * all of it succeeded. */
	for (int i = 0; i < 3; i++) {
		char name[256];

		if (reuse) {
			if (load_level(dir, &lv[i]))
				goto fail;
			continue;
		}
		snprintf(name, sizeof(name), "%s %s", cn, lv[i].name);
		if (!(lv[i].key = sg_sb_rsa_keygen(bits)) ||
		    !(lv[i].cert = sg_sb_self_signed(lv[i].key, name, when, days)))
			goto fail;
	}
	if (owner_guid(dir, guidopt, reuse, guid))
		goto fail;
	sg_sb_efi_time(when, efit);
	for (int i = 0; i < 3; i++) {
		/* PK signs itself and KEK; KEK signs db. */
		const struct sb_level *signer = &lv[i == 2 ? 1 : 0];

		if (!reuse && write_key_files(dir, &lv[i]))
			goto fail;
		if (sg_sb_esl(lv[i].cert, guid, &esl) ||
		    sg_sb_auth(lv[i].name, esl.data, esl.len, efit, signer->key, signer->cert,
			       &auth) ||
		    write_in(dir, lv[i].name, ".esl", esl.data, esl.len, 0644) ||
		    write_in(dir, lv[i].name, ".auth", auth.data, auth.len, 0644))
			goto fail;
	}
	if (commit_staged())
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	abort_staged();
	rc = cli_lib_error();
out:
	for (int i = 0; i < 3; i++) {
		EVP_PKEY_free(lv[i].key);
		X509_free(lv[i].cert);
	}
	sg_buf_free(&esl);
	sg_buf_free(&auth);
	return rc;
}

static const struct cli_command sb_commands[] = {
	{ "keygen", sb_keygen, "make PK, KEK and db keys, certificates, .esl and .auth" },
	{ "sign", sb_sign, "Authenticode-sign a PE image" },
	{ "verify", sb_verify, "check a PE image's Authenticode signature" },
	{ "enroll", cmd_sb_enroll, "write PK, KEK and db into an OVMF variable store" },
};

int cmd_sb(int argc, char **argv)
{
	return cli_dispatch(sb_commands, sizeof(sb_commands) / sizeof(sb_commands[0]), "signet sb",
			    argc, argv);
}
