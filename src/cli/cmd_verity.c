/* cmd_verity.c - signet verity: dm-verity hash trees and root hash
 * signatures, compatible with veritysetup and the kernel. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "verity.h"

static const char format_help[] =
	"Usage: signet verity format [options] DATA HASH\n"
	"\n"
	"Writes the dm-verity hash tree of DATA to HASH, byte for byte as\n"
	"'veritysetup format' does, and prints the parameters and root hash.\n"
	"Levels are hashed in parallel; memory use does not grow with DATA.\n"
	"A partial last data block is not covered (as veritysetup).\n"
	"\n"
	"Options:\n"
	"  --salt HEX             salt in hex, '-' for none (default: 32 random bytes)\n"
	"  --uuid UUID            superblock UUID (default: random)\n"
	"  --data-block-size N    data block size in bytes (default 4096)\n"
	"  --hash-block-size N    hash block size in bytes (default 4096)\n"
	"  --data-blocks N        hash only the first N data blocks\n"
	"  --hash ALG             digest (default sha256)\n"
	"  --format N             1 (default) or 0 for the Chrome OS layout\n"
	"  --no-superblock        write no superblock; the tree starts at offset 0\n"
	"  --root-hash-file F     also write the root hash (hex, no newline) to F\n"
	"  --threads N            worker threads (default: one per CPU)\n"
	"  -h, --help             show this help\n";

static const char verify_help[] =
	"Usage: signet verity verify [options] DATA HASH ROOTHASH\n"
	"\n"
	"Recomputes the hash tree of DATA and checks it against HASH and the\n"
	"hex ROOTHASH, naming the first block that does not match. Parameters\n"
	"come from HASH's superblock; with --no-superblock give them as for\n"
	"format.\n"
	"\n"
	"Options:\n"
	"  --no-superblock, --salt HEX, --data-block-size N, --hash-block-size N,\n"
	"  --data-blocks N, --hash ALG, --format N   as for format\n"
	"  --threads N            worker threads (default: one per CPU)\n"
	"  -h, --help             show this help\n";

static const char sign_help[] =
	"Usage: signet verity sign --key KEY --cert CERT --root-hash HEX -o SIG\n"
	"\n"
	"Signs the lowercase hex root hash with KEY (PEM) as a detached DER\n"
	"PKCS#7 signature without attributes or certificates: the form the\n"
	"kernel checks for dm-verity root_hash_sig_key_desc and veritysetup's\n"
	"--root-hash-signature.\n"
	"\n"
	"Options:\n"
	"  --key KEY              private key (PEM or DER, unencrypted)\n"
	"  --cert CERT            its certificate (PEM or DER)\n"
	"  --root-hash HEX        the root hash\n"
	"  --root-hash-file F     or read it from F\n"
	"  -o, --output SIG       where to write the signature\n"
	"  -h, --help             show this help\n";

static const char verify_sig_help[] =
	"Usage: signet verity verify-sig --cert CERT --root-hash HEX SIG\n"
	"\n"
	"Checks that SIG is a PKCS#7 signature by CERT's key over the lowercase\n"
	"hex root hash.\n"
	"\n"
	"Options:\n"
	"  --cert CERT            the signer's certificate (PEM or DER)\n"
	"  --root-hash HEX        the root hash\n"
	"  --root-hash-file F     or read it from F\n"
	"  -h, --help             show this help\n";

enum {
	OPT_SALT = 256,
	OPT_UUID,
	OPT_DATA_BS,
	OPT_HASH_BS,
	OPT_DATA_BLOCKS,
	OPT_HASH,
	OPT_FORMAT,
	OPT_NO_SB,
	OPT_ROOT_FILE,
	OPT_THREADS,
	OPT_KEY,
	OPT_CERT,
	OPT_ROOT,
};

static const struct option tree_options[] = {
	{ "salt", required_argument, NULL, OPT_SALT },
	{ "uuid", required_argument, NULL, OPT_UUID },
	{ "data-block-size", required_argument, NULL, OPT_DATA_BS },
	{ "hash-block-size", required_argument, NULL, OPT_HASH_BS },
	{ "data-blocks", required_argument, NULL, OPT_DATA_BLOCKS },
	{ "hash", required_argument, NULL, OPT_HASH },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "no-superblock", no_argument, NULL, OPT_NO_SB },
	{ "root-hash-file", required_argument, NULL, OPT_ROOT_FILE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ NULL, 0, NULL, 0 },
};

/* Options shared by format and verify. */
struct tree_args {
	struct sg_verity_params p;
	int have_salt, have_uuid;
	const char *root_file;
	unsigned threads;
};

/* The numbers among them: --data-blocks, --format, --threads. */
static int tree_number(struct tree_args *a, int c, const char *arg)
{
	unsigned long long n;

	switch (c) {
	case OPT_DATA_BLOCKS:
		if (cli_parse_number("--data-blocks", arg, 1, UINT64_MAX, &n))
			return CLI_EXIT_USAGE;
		a->p.data_blocks = n;
		return 0;
	case OPT_FORMAT:
		if (cli_parse_number("--format", arg, 0, 1, &n))
			return CLI_EXIT_USAGE;
		a->p.hash_type = (uint32_t)n;
		return 0;
	default: /* OPT_THREADS */
		if (cli_parse_number("--threads", arg, 1, 64, &n))
			return CLI_EXIT_USAGE;
		a->threads = (unsigned)n;
		return 0;
	}
}

static int tree_option(void *ctx, int c, const char *arg)
{
	struct tree_args *a = ctx;

	switch (c) {
	case OPT_SALT:
		if (sg_verity_parse_salt(&a->p, arg) < 0)
			return cli_lib_error();
		a->have_salt = 1;
		return 0;
	case OPT_UUID:
		if (sg_verity_parse_uuid(&a->p, arg) < 0)
			return cli_lib_error();
		a->have_uuid = 1;
		return 0;
	case OPT_DATA_BS:
		if (sg_verity_parse_block_size(arg, &a->p.data_block_size) < 0)
			return cli_error("--data-block-size: %s", sg_errmsg());
		return 0;
	case OPT_HASH_BS:
		if (sg_verity_parse_block_size(arg, &a->p.hash_block_size) < 0)
			return cli_error("--hash-block-size: %s", sg_errmsg());
		return 0;
	case OPT_HASH:
		if (strlen(arg) > SG_VERITY_HASH_NAME_MAX)
			return cli_usage("--hash: name '%.40s' too long", arg);
		strcpy(a->p.hash_name, arg);
		return 0;
	case OPT_NO_SB: a->p.no_superblock = 1; return 0;
	case OPT_ROOT_FILE: a->root_file = arg; return 0;
	default: return tree_number(a, c, arg);
	}
}

/* format's and verify's option loop; the operands are theirs to check. */
static int parse_tree_args(const char *help, int argc, char **argv, struct tree_args *a)
{
	const struct cli_opts opts = { help, "", tree_options, 0, -1 };

	sg_verity_params_init(&a->p);
	return cli_parse(&opts, argc, argv, tree_option, a);
}

static void print_header(const char *hash_path, const struct sg_verity_params *p,
			 const struct sg_verity_info *info)
{
	char uuid[37] = "", salt[2 * SG_VERITY_SALT_MAX + 1], root[2 * SG_VERITY_DIGEST_MAX + 1];

	if (!p->no_superblock)
		sg_verity_uuid_str(p->uuid, uuid);
	if (p->salt_size)
		sg_verity_hex(p->salt, p->salt_size, salt);
	else
		strcpy(salt, "-");
	sg_verity_hex(info->root, info->root_size, root);
	/* The layout of veritysetup's report, so that scripts parse both. */
	printf("VERITY header information for %s\n", hash_path);
	printf("UUID:            \t%s\n", uuid);
	printf("Hash type:       \t%" PRIu32 "\n", p->hash_type);
	printf("Data blocks:     \t%" PRIu64 "\n", p->data_blocks);
	printf("Data block size: \t%" PRIu32 "\n", p->data_block_size);
	printf("Hash blocks:     \t%" PRIu64 "\n", info->hash_blocks);
	printf("Hash block size: \t%" PRIu32 "\n", p->hash_block_size);
	printf("Hash algorithm:  \t%s\n", p->hash_name);
	printf("Salt:            \t%s\n", salt);
	printf("Root hash:      \t%s\n", root);
	printf("Hash device size: \t%" PRIu64 " [bytes]\n", info->hash_device_size);
}

/* A random salt and UUID where the options gave none. */
static int fill_random(struct tree_args *a)
{
	struct sg_verity_params fresh = a->p;

	if (sg_verity_random_salt_uuid(&fresh) < 0)
		return -1;
	if (!a->have_salt) {
		memcpy(a->p.salt, fresh.salt, fresh.salt_size);
		a->p.salt_size = fresh.salt_size;
	}
	if (!a->have_uuid)
		memcpy(a->p.uuid, fresh.uuid, sizeof(a->p.uuid));
	return 0;
}

/* What format wrote but the kernel will not use as one expects. */
static void format_warnings(const char *data_path, const struct sg_verity_params *p,
			    const struct sg_verity_info *info)
{
	if (p->data_block_size > (uint32_t)sysconf(_SC_PAGESIZE))
		fprintf(stderr,
			"signet: warning: the kernel cannot activate a device whose data block size"
			" exceeds the page size (%ld)\n",
			sysconf(_SC_PAGESIZE));
	if (info->data_tail)
		fprintf(stderr,
			"signet: warning: the last %" PRIu64 " bytes of %s are not a whole data block"
			" and are not covered\n",
			info->data_tail, data_path);
}

static int verity_format(int argc, char **argv)
{
	struct tree_args a = { 0 };
	struct sg_verity_info info;
	char root[2 * SG_VERITY_DIGEST_MAX + 1];
	int rc = parse_tree_args(format_help, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	if (argc - optind != 2)
		return cli_usage("expected DATA and HASH");
	if (fill_random(&a) < 0 ||
	    sg_verity_format(argv[optind], argv[optind + 1], &a.p, a.threads, &info) < 0)
		return cli_lib_error();
	sg_verity_hex(info.root, info.root_size, root);
	if (a.root_file && sg_write_file_atomic(a.root_file, root, strlen(root), 0644, 0) < 0)
		return cli_lib_error();
	print_header(argv[optind + 1], &a.p, &info);
	format_warnings(argv[optind], &a.p, &info);
	return CLI_EXIT_OK;
}

/* Reads a root hash given inline or as the first line of a file. */
static int read_root_arg(const char *inline_hex, const char *file, char *out, size_t cap)
{
	struct sg_buf b = SG_BUF_INIT;
	size_t n;

	if (!file) {
		if (strlen(inline_hex) >= cap)
			return sg_fail("root hash '%.140s': too long", inline_hex);
		strcpy(out, inline_hex);
		return 0;
	}
	if (sg_read_file(file, &b, 4096) < 0)
		return -1;
	n = 0;
	while (n < b.len && b.data[n] != '\n' && b.data[n] != '\r')
		n++;
	if (n >= cap) {
		sg_buf_free(&b);
		return sg_fail("%s: root hash too long", file);
	}
	memcpy(out, b.data, n);
	out[n] = '\0';
	sg_buf_free(&b);
	return 0;
}

static int verity_verify(int argc, char **argv)
{
	struct tree_args a = { 0 };
	uint8_t root[SG_VERITY_DIGEST_MAX];
	char hex[2 * SG_VERITY_DIGEST_MAX + 2];
	size_t root_len;
	int rc = parse_tree_args(verify_help, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	if (a.have_uuid)
		return cli_usage("--uuid is for format only");
	if (argc - optind != 3 && !(argc - optind == 2 && a.root_file))
		return cli_usage("expected DATA, HASH and ROOTHASH");
	if (read_root_arg(argc - optind == 3 ? argv[optind + 2] : NULL, a.root_file, hex,
			  sizeof(hex)) < 0 ||
	    sg_verity_parse_root(hex, root, &root_len) < 0)
		return cli_lib_error();
	if (sg_verity_verify(argv[optind], argv[optind + 1], &a.p, root, root_len, a.threads, NULL) <
	    0)
		return cli_lib_error();
	return CLI_EXIT_OK;
}

static const struct option sig_options[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "root-hash", required_argument, NULL, OPT_ROOT },
	{ "root-hash-file", required_argument, NULL, OPT_ROOT_FILE },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

/* Options shared by sign and verify-sig. */
struct sig_args {
	const char *key, *cert, *root, *root_file, *out;
};

static int sig_option(void *ctx, int c, const char *arg)
{
	struct sig_args *a = ctx;

	switch (c) {
	case OPT_KEY: a->key = arg; return 0;
	case OPT_CERT: a->cert = arg; return 0;
	case OPT_ROOT: a->root = arg; return 0;
	case OPT_ROOT_FILE: a->root_file = arg; return 0;
	default: a->out = arg; return 0; /* -o */
	}
}

/* sign's and verify-sig's option loop and the options both require; the
 * operands are theirs to check. */
static int parse_sig_args(const char *help, int argc, char **argv, struct sig_args *a)
{
	const struct cli_opts opts = { help, "o:", sig_options, 0, -1 };
	int rc = cli_parse(&opts, argc, argv, sig_option, a);

	if (rc != CLI_RUN)
		return rc;
	if (!a->cert)
		return cli_usage("--cert is required");
	if (!!a->root == !!a->root_file)
		return cli_usage("give one of --root-hash and --root-hash-file");
	return CLI_RUN;
}

static int verity_sign(int argc, char **argv)
{
	struct sig_args a = { 0 };
	struct sg_buf sig = SG_BUF_INIT;
	char hex[2 * SG_VERITY_DIGEST_MAX + 2];
	int rc = parse_sig_args(sign_help, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	if (!a.key || !a.out)
		return cli_usage("--key and -o are required");
	if (optind != argc)
		return cli_usage("unexpected argument '%s'", argv[optind]);
	if (read_root_arg(a.root, a.root_file, hex, sizeof(hex)) < 0 ||
	    sg_verity_sign(a.key, a.cert, hex, &sig) < 0 ||
	    sg_write_file_atomic(a.out, sig.data, sig.len, 0644, 0) < 0) {
		sg_buf_free(&sig);
		return cli_lib_error();
	}
	sg_buf_free(&sig);
	return CLI_EXIT_OK;
}

static int verity_verify_sig(int argc, char **argv)
{
	struct sig_args a = { 0 };
	struct sg_buf sig = SG_BUF_INIT;
	char hex[2 * SG_VERITY_DIGEST_MAX + 2];
	int rc = parse_sig_args(verify_sig_help, argc, argv, &a);

	if (rc != CLI_RUN)
		return rc;
	if (a.key || a.out)
		return cli_usage("--key and -o are for sign");
	if (argc - optind != 1)
		return cli_usage("expected one signature file");
	if (read_root_arg(a.root, a.root_file, hex, sizeof(hex)) < 0 ||
	    sg_read_file(argv[optind], &sig, 1 << 20) < 0 ||
	    sg_verity_verify_sig(a.cert, hex, sig.data, sig.len) < 0) {
		sg_buf_free(&sig);
		return cli_lib_error();
	}
	sg_buf_free(&sig);
	printf("Signature verified: %s\n", argv[optind]);
	return CLI_EXIT_OK;
}

static const struct cli_command verity_commands[] = {
	{ "format", verity_format, "write the hash tree of a data image" },
	{ "sign", verity_sign, "sign a root hash (PKCS#7, as the kernel checks)" },
	{ "verify", verity_verify, "check a data image against its tree and root hash" },
	{ "verify-sig", verity_verify_sig, "check a root hash signature" },
};

int cmd_verity(int argc, char **argv)
{
	return cli_dispatch(verity_commands, sizeof(verity_commands) / sizeof(verity_commands[0]),
			    "signet verity", argc, argv);
}
