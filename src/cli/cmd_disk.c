/* cmd_disk.c - signet disk: LUKS2 persistent disk images with ext4
 * inside, built as regular files without device-mapper, and the check
 * that a key opens one. */
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
	"  --size MIB             file system size (default " STR(SG_LUKSIMG_DEFAULT_MIB) ", at least " STR(
		SG_LUKSIMG_MIN_MIB) ")\n"
				    "  --sector-size N        encryption sector, 512 (default) or 4096 bytes\n"
				    "  --passphrase-file F    a keyslot for the passphrase on F's first line\n"
				    "  --key-file F           a keyslot for F's bytes (a high-entropy key: pbkdf2,\n"
				    "                         1000 iterations)\n"
				    "  --new-key-file OUT     generate a 32-byte key into OUT (0600, in DISK.img's\n"
				    "                         directory) with a keyslot\n"
				    "  --label L              LUKS2 and ext4 label (up to 16 characters)\n"
				    "  --uuid UUID            LUKS2 UUID (default random); the ext4 UUID follows it\n"
				    "  --pbkdf KDF            passphrase keyslots: argon2id (default) or pbkdf2\n"
				    "  --pbkdf-memory KIB     argon2id memory (default " STR(
					    SG_LUKSIMG_ARGON2_MEMORY_KIB) ", for a 512 MiB guest)\n"
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

enum {
	OPT_FROM = 256,
	OPT_SIZE,
	OPT_SECTOR,
	OPT_PASS,
	OPT_KEY,
	OPT_NEW_KEY,
	OPT_LABEL,
	OPT_UUID,
	OPT_PBKDF,
	OPT_MEMORY,
	OPT_ITER,
	OPT_ITER_TIME
};

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
	{ NULL, 0, NULL, 0 },
};

static const struct option check_options[] = {
	{ "passphrase-file", required_argument, NULL, OPT_PASS },
	{ "key-file", required_argument, NULL, OPT_KEY },
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
		int rc = s->kind == SG_LUKSIMG_PASSPHRASE
				 ? cli_read_passphrase_file(s->name, &x->buf[i])
				 : sg_read_file(s->name, &x->buf[i], SG_LUKSIMG_KEY_MAX);
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
	case OPT_SIZE: return &o->size_mib;
	case OPT_SECTOR: return &o->sector_size;
	case OPT_MEMORY: return &o->pbkdf_memory_kib;
	case OPT_ITER: return &o->pbkdf_iterations;
	default: return &o->iter_time_ms;
	}
}

/* A numeric option of build: any 32-bit number here, the library checks
 * each one's range. */
static int number_option(struct sg_luksimg_opts *o, int ch, const char *arg)
{
	char what[32] = "option";
	unsigned long long n;

	for (size_t i = 0; build_options[i].name; i++)
		if (build_options[i].val == ch)
			snprintf(what, sizeof(what), "--%s", build_options[i].name);
	if (cli_parse_number(what, arg, 0, UINT32_MAX, &n))
		return CLI_EXIT_USAGE;
	*number_field(o, ch) = (uint32_t)n;
	return 0;
}

/* What build and check take. */
struct disk_args {
	struct sg_luksimg_opts o;
	struct secrets x;
};

static int secret_option(struct secrets *x, int ch, const char *arg)
{
	if (add_secret(x, ch == OPT_PASS ? SG_LUKSIMG_PASSPHRASE : SG_LUKSIMG_KEY, arg) < 0)
		return cli_error("more than %d passphrase and key files", SG_LUKSIMG_MAX_SLOTS);
	return 0;
}

static int build_option(void *ctx, int ch, const char *arg)
{
	struct disk_args *a = ctx;

	switch (ch) {
	case OPT_FROM: a->o.from = arg; return 0;
	case 'o': a->o.out = arg; return 0;
	case OPT_NEW_KEY: a->o.new_key_file = arg; return 0;
	case OPT_LABEL: a->o.label = arg; return 0;
	case OPT_PBKDF: a->o.pbkdf = arg; return 0;
	case 'f': a->o.force = 1; return 0;
	case OPT_PASS:
	case OPT_KEY: return secret_option(&a->x, ch, arg);
	case OPT_UUID:
		if (sg_uuid_parse(arg, a->o.uuid) < 0)
			return cli_lib_error();
		a->o.uuid_given = 1;
		return 0;
	default: return number_option(&a->o, ch, arg);
	}
}

/* Reads the secrets and builds the image; the secrets are wiped. */
static int build_image(struct disk_args *a, struct sg_luksimg_info *info)
{
	int rc;

	a->o.secrets = a->x.s;
	a->o.n_secrets = a->x.n;
	rc = read_secrets(&a->x) < 0 ? -1 : sg_luksimg_build(&a->o, info);
	wipe_secrets(&a->x);
	return rc;
}

static int disk_build(int argc, char **argv)
{
	const struct cli_opts opts = { build_help, "fo:", build_options, 0, 0 };
	struct sg_luksimg_info info;
	struct disk_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	sg_luksimg_opts_init(&a.o);
	if ((rc = cli_parse(&opts, argc, argv, build_option, &a)) != CLI_RUN)
		return rc;
	if (!a.o.from || !a.o.out)
		return cli_usage("--from DIR and -o DISK.img are required");
	if (build_image(&a, &info) < 0)
		return cli_lib_error();
	printf("uuid: %s\n", info.uuid);
	printf("fs uuid: %s\n", info.fs_uuid);
	printf("data offset: %llu\n", (unsigned long long)info.data_offset);
	printf("sector size: %u\n", info.sector_size);
	printf("keyslots: %d\n", info.keyslots);
	return CLI_EXIT_OK;
}

static int check_option(void *ctx, int ch, const char *arg)
{
	struct secrets *x = ctx;

	if (x->n)
		return cli_usage("one --passphrase-file or --key-file");
	return secret_option(x, ch, arg);
}

static int disk_check(int argc, char **argv)
{
	const struct cli_opts opts = { check_help, "", check_options, 1, 1 };
	struct secrets x;
	int slot = -1, rc;

	memset(&x, 0, sizeof(x));
	if ((rc = cli_parse(&opts, argc, argv, check_option, &x)) != CLI_RUN)
		return rc;
	if (x.n != 1)
		return cli_usage("--passphrase-file F or --key-file F is required");
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
