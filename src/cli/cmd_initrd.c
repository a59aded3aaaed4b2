/* cmd_initrd.c - signet initrd: reproducible initramfs archives. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "cpio.h"
#include "elfdeps.h"
#include "err.h"

static const char build_help[] =
	"Usage: signet initrd build [--from DIR] [--add SRC:DEST]... [--add-elf SRC[:DEST]]...\n"
	"                           [--mknod DEST:c|b:MAJ:MIN]... [--compress gzip|zstd|none] -o FILE\n"
	"\n"
	"Writes a newc cpio archive of DIR's contents (plus each SRC at DEST)\n"
	"that the kernel unpacks as an initramfs. The archive depends only on\n"
	"the names, types, permission bits, contents and link targets: entries\n"
	"are sorted, owned by 0:0, dated 0 and numbered in order, so two builds\n"
	"of the same tree are byte-identical.\n"
	"\n"
	"Options:\n"
	"  --from DIR             put everything below DIR at the archive root\n"
	"  --add SRC:DEST         put file, symlink or directory SRC at DEST\n"
	"                         (replacing what was there; parents are made 0755)\n"
	"  --add-elf SRC[:DEST]   put the ELF program or shared library SRC at DEST\n"
	"                         (default: SRC's absolute path) with its interpreter\n"
	"                         and every library it needs, recursively, as regular\n"
	"                         files where ld.so finds them without ld.so.cache:\n"
	"                         DT_RPATH, DT_RUNPATH ($ORIGIN: DEST's directory),\n"
	"                         /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,\n"
	"                         /lib, /usr/lib\n"
	"  --mknod DEST:T:MAJ:MIN a device node, T 'c' or 'b', mode 0600\n"
	"                         (e.g. dev/console:c:5:1)\n"
	"  --compress ALG         gzip (default), zstd or none\n"
	"  -o, --output FILE      the archive to write\n"
	"  -h, --help             show this help\n";

enum { OPT_FROM = 256, OPT_ADD, OPT_ADD_ELF, OPT_MKNOD, OPT_COMPRESS };

static const struct option build_options[] = {
	{ "from", required_argument, NULL, OPT_FROM },
	{ "add", required_argument, NULL, OPT_ADD },
	{ "add-elf", required_argument, NULL, OPT_ADD_ELF },
	{ "mknod", required_argument, NULL, OPT_MKNOD },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

/* "MAJ:MIN": two decimal numbers. */
static int parse_dev(const char *s, unsigned *maj, unsigned *min)
{
	const char *colon = strchr(s, ':');
	unsigned long long a, b;
	char major[16];

	if (!colon || (size_t)(colon - s) >= sizeof(major))
		return -1;
	memcpy(major, s, (size_t)(colon - s));
	major[colon - s] = '\0';
	if (cli_parse_uint(major, UINT_MAX, &a) < 0 || cli_parse_uint(colon + 1, UINT_MAX, &b) < 0)
		return -1;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return 0;
}

/* "DEST:c:5:1" */
static int add_node(struct sg_cpio *c, const char *spec)
{
	char dest[4096];
	unsigned maj, min;
	const char *colon = strchr(spec, ':');

	if (!colon || (size_t)(colon - spec) >= sizeof(dest) || !colon[1] || colon[2] != ':' ||
	    parse_dev(colon + 3, &maj, &min) < 0)
		return sg_fail("--mknod '%.200s': expected DEST:c|b:MAJOR:MINOR", spec);
	memcpy(dest, spec, (size_t)(colon - spec));
	dest[colon - spec] = '\0';
	return sg_cpio_add_node(c, dest, colon[1], maj, min, 0600);
}

/* "SRC:DEST"; the last ':' splits, so SRC may hold colons. */
static int add_spec(struct sg_cpio *c, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	char *src;
	int rc;

	if (!colon || colon == spec || !colon[1])
		return sg_fail("--add '%.200s': expected SRC:DEST", spec);
	if (!(src = strndup(spec, (size_t)(colon - spec))))
		return sg_fail("out of memory");
	rc = sg_cpio_add_path(c, src, colon + 1);
	free(src);
	return rc;
}

/* "SRC[:DEST]": SRC and the closure ld.so will load for it. The last ':'
 * splits, so a SRC with a colon needs DEST. */
static int add_elf(struct sg_cpio *c, struct sg_elfdeps *set, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	char *src, dest[4096];
	int rc = -1;

	if (colon == spec || (colon && !colon[1]))
		return sg_fail("--add-elf '%.200s': expected SRC[:DEST]", spec);
	if (!(src = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec)))
		return sg_fail("out of memory");
	if (colon) {
		snprintf(dest, sizeof(dest), "%s", colon + 1);
	} else if (src[0] == '/') {
		snprintf(dest, sizeof(dest), "%s", src);
	} else {
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd))) {
			sg_fail_errno("getcwd");
			goto out;
		}
		if ((size_t)snprintf(dest, sizeof(dest), "%s/%s", cwd, src) >= sizeof(dest)) {
			sg_fail("--add-elf '%.200s': path too long", spec);
			goto out;
		}
	}
	if (sg_cpio_add_elf(c, set, src, dest) < 0)
		goto out;
	rc = 0;
out:
	free(src);
	return rc;
}

/* An --add, --add-elf or --mknod: applied after --from, in command-line
 * order, later ones winning. */
struct addition {
	int option;
	const char *spec;
};

struct build_args {
	const char *from, *out;
	enum sg_cpio_compress comp;
	struct addition *adds; /* room for one per argument */
	size_t nadds;
};

static int build_option(void *ctx, int c, const char *arg)
{
	struct build_args *a = ctx;

	switch (c) {
	case OPT_FROM:
		if (a->from)
			return cli_usage("--from given twice");
		a->from = arg;
		return 0;
	case OPT_COMPRESS: return sg_cpio_parse_compress(arg, &a->comp) < 0 ? cli_lib_error() : 0;
	case 'o': a->out = arg; return 0;
	default: /* OPT_ADD, OPT_ADD_ELF, OPT_MKNOD */
		a->adds[a->nadds].option = c;
		a->adds[a->nadds++].spec = arg;
		return 0;
	}
}

static int build_parse(int argc, char **argv, struct build_args *a)
{
	const struct cli_opts opts = { build_help, "o:", build_options, 0, -1 };
	int rc = cli_parse(&opts, argc, argv, build_option, a);

	if (rc != CLI_RUN)
		return rc;
	if (optind != argc)
		return cli_usage("unexpected argument '%s'", argv[optind]);
	if (!a->out)
		return cli_usage("-o FILE is required");
	if (!a->from && !a->nadds)
		return cli_usage("nothing to archive: give --from, --add or --add-elf");
	return CLI_RUN;
}

/* Writes the archive a describes: --from's tree, then the additions. */
static int build(const struct build_args *a)
{
	struct sg_cpio c = SG_CPIO_INIT;
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	int rc = a->from ? sg_cpio_add_tree(&c, a->from) : 0;

	for (size_t i = 0; rc == 0 && i < a->nadds; i++) {
		const struct addition *add = &a->adds[i];

		if (add->option == OPT_ADD)
			rc = add_spec(&c, add->spec);
		else if (add->option == OPT_ADD_ELF)
			rc = add_elf(&c, &set, add->spec);
		else
			rc = add_node(&c, add->spec);
	}
	if (rc == 0)
		rc = sg_cpio_write_file(&c, a->out, a->comp, NULL);
	sg_elfdeps_free(&set);
	sg_cpio_free(&c);
	return rc;
}

static int initrd_build(int argc, char **argv)
{
	struct build_args a = { .comp = SG_CPIO_GZIP };
	int rc;

	/* each addition is an option with a value: argc bounds their count */
	if (!(a.adds = calloc((size_t)argc, sizeof(*a.adds))))
		return cli_error("out of memory");
	rc = build_parse(argc, argv, &a);
	if (rc == CLI_RUN)
		rc = build(&a) < 0 ? cli_lib_error() : CLI_EXIT_OK;
	free(a.adds);
	return rc;
}

static const struct cli_command initrd_commands[] = {
	{ "build", initrd_build, "write a reproducible initramfs (newc cpio)" },
};

int cmd_initrd(int argc, char **argv)
{
	return cli_dispatch(initrd_commands, sizeof(initrd_commands) / sizeof(initrd_commands[0]),
			    "signet initrd", argc, argv);
}
