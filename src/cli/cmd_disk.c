/* cmd_disk.c - signet disk: LUKS2 persistent disk images with ext4
 * inside, built as regular files without device-mapper, and the check
 * that a key opens one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "luksimg.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char build_help[] =
	"Usage: signet disk build --from DIR -o DISK.img [--size MIB] [--sector-size 512|4096]\n"
	"                         [--passphrase-file F]... [--key-file F]... [--new-key-file OUT]\n"
	"                         [--label L] [--uuid UUID] [--pbkdf argon2id|pbkdf2]\n"
	"                         [--pbkdf-memory KIB] [--pbkdf-iterations N | --iter-time MS]\n"
	"                         [--force]\n"
	"\n"
	"Makes an ext4 file system of DIR with mkfs.ext4 -d (reproducible: UUID and\n"
	"hash seed derived from the LUKS2 UUID, every time stamp SOURCE_DATE_EPOCH\n"
	"or 1), and writes it encrypted in a LUKS2 image (aes-xts-plain64, a random\n"
	"512-bit volume key) that cryptsetup and dm-crypt open, without using\n"
	"device-mapper: libcryptsetup writes the header and keyslots, signet the\n"
	"data segment. One keyslot per passphrase file (its first line), key file\n"
	"(its raw bytes, 16 to 8192) and new key; at least one is needed. The image\n"
	"(mode 0600) is the file system plus 16 MiB of header. It and the new key\n"
	"file (which must be in its directory) appear together and only when\n"
	"complete, even after a crash (one transaction on the directory, under\n"
	"DIR/.txn/ while they are made); existing files are not replaced without\n"
	"--force.\n"
	"\n"
	"Options:\n"
	"  --from DIR             the directory to put in the file system\n"
	"  -o, --output DISK.img  the image to write\n"
	"  --size MIB             file system size (default " STR(SG_LUKSIMG_DEFAULT_MIB) ", at least "
	STR(SG_LUKSIMG_MIN_MIB) ")\n"
	"  --sector-size N        encryption sector, 512 (default) or 4096 bytes\n"
	"  --passphrase-file F    a keyslot for the passphrase on F's first line\n"
	"  --key-file F           a keyslot for F's bytes (a high-entropy key: pbkdf2,\n"
	"                         1000 iterations)\n"
	"  --new-key-file OUT     generate a 32-byte key into OUT (0600, in DISK.img's\n"
	"                         directory) with a keyslot\n"
	"  --label L              LUKS2 and ext4 label (up to 16 characters)\n"
	"  --uuid UUID            LUKS2 UUID (default random); the ext4 UUID follows it\n"
	"  --pbkdf KDF            passphrase keyslots: argon2id (default) or pbkdf2\n"
	"  --pbkdf-memory KIB     argon2id memory (default " STR(SG_LUKSIMG_ARGON2_MEMORY_KIB) ", for a 512 MiB guest)\n"
	"  --pbkdf-iterations N   argon2id time cost (default 4) or pbkdf2 iterations\n"
	"                         (default 600000)\n"
	"  --iter-time MS         benchmark the passphrase KDF to MS on this machine\n"
	"  -f, --force            replace DISK.img and OUT if they exist\n"
	"  -h, --help             show this help\n";

static const char check_help[] =
	"Usage: signet disk check (--passphrase-file F | --key-file F) DISK.img\n"
	"\n"
	"Exits 0 and prints the keyslot when the passphrase (F's first line) or\n"
	"the key (F's bytes) opens a keyslot of the LUKS2 image; nothing is\n"
	"activated, so no device-mapper is needed.\n"
	"\n"
	"Options:\n"
	"  --passphrase-file F    the passphrase on F's first line\n"
	"  --key-file F           the key: all of F's bytes\n"
	"  -h, --help             show this help\n";

enum { OPT_FROM = 256, OPT_SIZE, OPT_SECTOR, OPT_PASS, OPT_KEY, OPT_NEW_KEY, OPT_LABEL, OPT_UUID,
       OPT_PBKDF, OPT_MEMORY, OPT_ITER, OPT_ITER_TIME };

static const struct option build_options[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "output", required_argument, NULL, 'o' },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sector-size", required_argument, NULL, OPT_SECTOR },
	{ "passphrase-file", required_argument, NULL, OPT_PASS },
	{ "key-file", required_argument, NULL, OPT_KEY },
	{ "new-key-file", required_argument, NULL, OPT_NEW_KEY },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "uuid", required_argument, NULL, OPT_UUID },
	{ "pbkdf", required_argument, NULL, OPT_PBKDF },
	{ "pbkdf-memory", required_argument, NULL, OPT_MEMORY },
	{ "pbkdf-iterations", required_argument, NULL, OPT_ITER },
	{ "iter-time", required_argument, NULL, OPT_ITER_TIME },
	{ "force", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option check_options[] = {
	{ "passphrase-file", required_argument, NULL, OPT_PASS },
	{ "key-file", required_argument, NULL, OPT_KEY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The secrets named on the command line, read once options are parsed. */
struct secrets {
	struct sg_luksimg_secret s[SG_LUKSIMG_MAX_SLOTS];
	struct sg_buf buf[SG_LUKSIMG_MAX_SLOTS];
	size_t n;
};

static int add_secret(struct secrets *x, enum sg_luksimg_kind kind, const char *path)
{
	if (x->n == SG_LUKSIMG_MAX_SLOTS)
		return -1;
	x->s[x->n].name = path;
	x->s[x->n].kind = kind;
	x->n++;
	return 0;
}

/* A passphrase file gives its first line (as a person would type it); a
 * key file all of its bytes, as cryptsetup --key-file reads it. */
static int read_secrets(struct secrets *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct sg_luksimg_secret *s = &x->s[i];
		int rc = s->kind == SG_LUKSIMG_PASSPHRASE ?
				 cli_read_passphrase_file(s->name, &x->buf[i]) :
				 sg_read_file(s->name, &x->buf[i], SG_LUKSIMG_KEY_MAX);
		if (rc < 0)
			return -1;
		s->data = x->buf[i].data;
		s->len = x->buf[i].len;
	}
	return 0;
}

static void wipe_secrets(struct secrets *x)
{
	for (size_t i = 0; i < x->n; i++)
		sg_buf_wipe(&x->buf[i]);
}

/* Where each numeric option of build goes. */
static uint32_t *number_field(struct sg_luksimg_opts *o, int ch)
{
	switch (ch) {
	case OPT_SIZE:
		return &o->size_mib;
	case OPT_SECTOR:
		return &o->sector_size;
	case OPT_MEMORY:
		return &o->pbkdf_memory_kib;
	case OPT_ITER:
		return &o->pbkdf_iterations;
	default:
		return &o->iter_time_ms;
	}
}

static int disk_build(int argc, char **argv)
{
	const char *cmd = "signet disk build";
	struct sg_luksimg_opts o;
	struct sg_luksimg_info info;
	struct secrets x;
	unsigned long long n;
	int ch, idx = 0, rc;

	memset(&x, 0, sizeof(x));
	sg_luksimg_opts_init(&o);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "hfo:", build_options, &idx)) != -1) {
		switch (ch) {
		case 'h':
			return cli_help(build_help);
		case OPT_FROM:
			o.from = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case OPT_SIZE:
		case OPT_SECTOR:
		case OPT_MEMORY:
		case OPT_ITER:
		case OPT_ITER_TIME:
			if (cli_parse_uint(optarg, UINT32_MAX, &n) < 0)
				return cli_usage_error(cmd, "--%s: a whole number, not '%s'",
						       build_options[idx].name, optarg);
			*number_field(&o, ch) = (uint32_t)n;
			break;
		case OPT_PASS:
		case OPT_KEY:
			if (add_secret(&x, ch == OPT_PASS ? SG_LUKSIMG_PASSPHRASE : SG_LUKSIMG_KEY, optarg) < 0)
				return cli_error("more than %d passphrase and key files", SG_LUKSIMG_MAX_SLOTS);
			break;
		case OPT_NEW_KEY:
			o.new_key_file = optarg;
			break;
		case OPT_LABEL:
			o.label = optarg;
			break;
		case OPT_UUID:
			if (sg_uuid_parse(optarg, o.uuid) < 0)
				return cli_lib_error();
			o.uuid_given = 1;
			break;
		case OPT_PBKDF:
			o.pbkdf = optarg;
			break;
		case 'f':
			o.force = 1;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o.from || !o.out)
		return cli_usage_error(cmd, "--from DIR and -o DISK.img are required");
	o.secrets = x.s;
	o.n_secrets = x.n;
	rc = read_secrets(&x) < 0 ? -1 : sg_luksimg_build(&o, &info);
	wipe_secrets(&x);
	if (rc < 0)
		return cli_lib_error();
	printf("uuid: %s\n", info.uuid);
	printf("fs uuid: %s\n", info.fs_uuid);
	printf("data offset: %llu\n", (unsigned long long)info.data_offset);
	printf("sector size: %u\n", info.sector_size);
	printf("keyslots: %d\n", info.keyslots);
	return CLI_EXIT_OK;
}

static int disk_check(int argc, char **argv)
{
	const char *cmd = "signet disk check";
	struct secrets x;
	int ch, slot = -1, rc;

	memset(&x, 0, sizeof(x));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", check_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cli_help(check_help);
		case OPT_PASS:
		case OPT_KEY:
			if (x.n)
				return cli_usage_error(cmd, "one --passphrase-file or --key-file");
			add_secret(&x, ch == OPT_PASS ? SG_LUKSIMG_PASSPHRASE : SG_LUKSIMG_KEY, optarg);
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cmd, "one DISK.img is required");
	if (x.n != 1)
		return cli_usage_error(cmd, "--passphrase-file F or --key-file F is required");
	rc = read_secrets(&x) < 0 ? -1 : sg_luksimg_check_key(argv[optind], &x.s[0], &slot);
	wipe_secrets(&x);
	if (rc < 0)
		return cli_lib_error();
	printf("keyslot %d\n", slot);
	return CLI_EXIT_OK;
}

static const struct cli_command disk_commands[] = {
	{ "build", disk_build, "build a LUKS2 image of an ext4 file system (no device-mapper)" },
	{ "check", disk_check, "check that a passphrase or key opens a keyslot of an image" },
};

int cmd_disk(int argc, char **argv)
{
	return cli_dispatch(disk_commands, sizeof(disk_commands) / sizeof(disk_commands[0]),
			    "signet disk", argc, argv);
}
