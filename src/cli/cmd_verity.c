/* cmd_verity.c - signet verity: dm-verity hash trees and root hash
 * signatures, compatible with veritysetup and the kernel. */
#include <errno.h>
#include <getopt.h>
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* What the option parsers return after printing --help (any other
 * non-zero value is the exit code of an error already reported). */
#define PARSED_HELP (-1)

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || n > max)
		return -1;
	*out = n;
	return 0;
}

/* Options shared by format and verify. */
struct tree_args {
	struct sg_verity_params p;
	int have_salt, have_uuid;
	const char *root_file;
	unsigned threads;
};

static int parse_tree_args(const char *cmd, const char *help, int argc, char **argv,
			   struct tree_args *a)
{
	uint64_t n;
	int c;

	sg_verity_params_init(&a->p);
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", tree_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_help(help);
			return PARSED_HELP;
		case OPT_SALT:
			if (sg_verity_parse_salt(&a->p, optarg) < 0)
				return cli_lib_error();
			a->have_salt = 1;
			break;
		case OPT_UUID:
			if (sg_verity_parse_uuid(&a->p, optarg) < 0)
				return cli_lib_error();
			a->have_uuid = 1;
			break;
		case OPT_DATA_BS:
			if (sg_verity_parse_block_size(optarg, &a->p.data_block_size) < 0)
				return cli_error("--data-block-size: %s", sg_errmsg());
			break;
		case OPT_HASH_BS:
			if (sg_verity_parse_block_size(optarg, &a->p.hash_block_size) < 0)
				return cli_error("--hash-block-size: %s", sg_errmsg());
			break;
		case OPT_DATA_BLOCKS:
			if (parse_u64(optarg, UINT64_MAX, &a->p.data_blocks) < 0 || !a->p.data_blocks)
				return cli_usage_error(cmd, "--data-blocks: '%s' is not a positive number",
						       optarg);
			break;
		case OPT_HASH:
			if (strlen(optarg) > SG_VERITY_HASH_NAME_MAX)
				return cli_usage_error(cmd, "--hash: name '%.40s' too long", optarg);
			strcpy(a->p.hash_name, optarg);
			break;
		case OPT_FORMAT:
			if (parse_u64(optarg, 1, &n) < 0)
				return cli_usage_error(cmd, "--format: '%s' is not 0 or 1", optarg);
			a->p.hash_type = (uint32_t)n;
			break;
		case OPT_NO_SB:
			a->p.no_superblock = 1;
			break;
		case OPT_ROOT_FILE:
			a->root_file = optarg;
			break;
		case OPT_THREADS:
			if (parse_u64(optarg, 64, &n) < 0 || n == 0)
				return cli_usage_error(cmd, "--threads: '%s' is not from 1 to 64", optarg);
			a->threads = (unsigned)n;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	return 0;
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

static int verity_format(int argc, char **argv)
{
	const char *cmd = "signet verity format";
	struct tree_args a = { 0 };
	struct sg_verity_info info;
	char root[2 * SG_VERITY_DIGEST_MAX + 1];
	int rc = parse_tree_args(cmd, format_help, argc, argv, &a);

	if (rc)
		return rc == PARSED_HELP ? CLI_EXIT_OK : rc;
	if (argc - optind != 2)
		return cli_usage_error(cmd, "expected DATA and HASH");
	{
		struct sg_verity_params fresh = a.p;
		if (sg_verity_random_salt_uuid(&fresh) < 0)
			return cli_lib_error();
		if (!a.have_salt) {
			memcpy(a.p.salt, fresh.salt, fresh.salt_size);
			a.p.salt_size = fresh.salt_size;
		}
		if (!a.have_uuid)
			memcpy(a.p.uuid, fresh.uuid, sizeof(a.p.uuid));
	}
	if (sg_verity_format(argv[optind], argv[optind + 1], &a.p, a.threads, &info) < 0)
		return cli_lib_error();
	sg_verity_hex(info.root, info.root_size, root);
	if (a.root_file && sg_write_file_atomic(a.root_file, root, strlen(root), 0644, 0) < 0)
		return cli_lib_error();
	print_header(argv[optind + 1], &a.p, &info);
	if (a.p.data_block_size > (uint32_t)sysconf(_SC_PAGESIZE))
		fprintf(stderr,
			"signet: warning: the kernel cannot activate a device whose data block size"
			" exceeds the page size (%ld)\n",
			sysconf(_SC_PAGESIZE));
	if (info.data_tail)
		fprintf(stderr,
			"signet: warning: the last %" PRIu64 " bytes of %s are not a whole data block"
			" and are not covered\n",
			info.data_tail, argv[optind]);
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
	const char *cmd = "signet verity verify";
	struct tree_args a = { 0 };
	uint8_t root[SG_VERITY_DIGEST_MAX];
	char hex[2 * SG_VERITY_DIGEST_MAX + 2];
	size_t root_len;
	int rc = parse_tree_args(cmd, verify_help, argc, argv, &a);

	if (rc)
		return rc == PARSED_HELP ? CLI_EXIT_OK : rc;
	if (a.have_uuid)
		return cli_usage_error(cmd, "--uuid is for format only");
	if (argc - optind != 3 && !(argc - optind == 2 && a.root_file))
		return cli_usage_error(cmd, "expected DATA, HASH and ROOTHASH");
	if (read_root_arg(argc - optind == 3 ? argv[optind + 2] : NULL, a.root_file, hex,
			  sizeof(hex)) < 0 ||
	    sg_verity_parse_root(hex, root, &root_len) < 0)
		return cli_lib_error();
	if (sg_verity_verify(argv[optind], argv[optind + 1], &a.p, root, root_len, a.threads,
			     NULL) < 0)
		return cli_lib_error();
	return CLI_EXIT_OK;
}

static const struct option sig_options[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "root-hash", required_argument, NULL, OPT_ROOT },
	{ "root-hash-file", required_argument, NULL, OPT_ROOT_FILE },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct sig_args {
	const char *key, *cert, *root, *root_file, *out;
};

static int parse_sig_args(const char *cmd, const char *help, int argc, char **argv,
			  struct sig_args *a)
{
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", sig_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_help(help);
			return PARSED_HELP;
		case OPT_KEY:
			a->key = optarg;
			break;
		case OPT_CERT:
			a->cert = optarg;
			break;
		case OPT_ROOT:
			a->root = optarg;
			break;
		case OPT_ROOT_FILE:
			a->root_file = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (!a->cert)
		return cli_usage_error(cmd, "--cert is required");
	if (!!a->root == !!a->root_file)
		return cli_usage_error(cmd, "give one of --root-hash and --root-hash-file");
	return 0;
}

static int verity_sign(int argc, char **argv)
{
	const char *cmd = "signet verity sign";
	struct sig_args a = { 0 };
	struct sg_buf sig = SG_BUF_INIT;
	char hex[2 * SG_VERITY_DIGEST_MAX + 2];
	int rc = parse_sig_args(cmd, sign_help, argc, argv, &a);

	if (rc)
		return rc == PARSED_HELP ? CLI_EXIT_OK : rc;
	if (!a.key || !a.out)
		return cli_usage_error(cmd, "--key and -o are required");
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
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
	const char *cmd = "signet verity verify-sig";
	struct sig_args a = { 0 };
	struct sg_buf sig = SG_BUF_INIT;
	char hex[2 * SG_VERITY_DIGEST_MAX + 2];
	int rc = parse_sig_args(cmd, verify_sig_help, argc, argv, &a);

	if (rc)
		return rc == PARSED_HELP ? CLI_EXIT_OK : rc;
	if (a.key || a.out)
		return cli_usage_error(cmd, "--key and -o are for sign");
	if (argc - optind != 1)
		return cli_usage_error(cmd, "expected one signature file");
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
