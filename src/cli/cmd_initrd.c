/* cmd_initrd.c - signet initrd: reproducible initramfs archives. */
#include <getopt.h>
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "DEST:c:5:1" */
static int add_node(struct sg_cpio *c, const char *spec)
{
	char dest[4096], type;
	unsigned maj, min;
	int used = 0;
	const char *colon = strchr(spec, ':');

	if (!colon || (size_t)(colon - spec) >= sizeof(dest))
		return sg_fail("--mknod '%.200s': expected DEST:c|b:MAJOR:MINOR", spec);
	memcpy(dest, spec, (size_t)(colon - spec));
	dest[colon - spec] = '\0';
	if (sscanf(colon + 1, "%c:%u:%u%n", &type, &maj, &min, &used) != 3 || colon[1 + used])
		return sg_fail("--mknod '%.200s': expected DEST:c|b:MAJOR:MINOR", spec);
	return sg_cpio_add_node(c, dest, type, maj, min, 0600);
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

static int initrd_build(int argc, char **argv)
{
	const char *cmd = "signet initrd build";
	const char *from = NULL, *out = NULL;
	enum sg_cpio_compress comp = SG_CPIO_GZIP;
	struct sg_cpio c = SG_CPIO_INIT;
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	int ch, adds = 0, rc = CLI_EXIT_FAIL;

	/* First pass: options that do not depend on order. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "ho:", build_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cli_help(build_help);
		case OPT_FROM:
			if (from)
				return cli_usage_error(cmd, "--from given twice");
			from = optarg;
			break;
		case OPT_ADD:
		case OPT_ADD_ELF:
		case OPT_MKNOD:
			adds++;
			break;
		case OPT_COMPRESS:
			if (sg_cpio_parse_compress(optarg, &comp) < 0)
				return cli_lib_error();
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!out)
		return cli_usage_error(cmd, "-o FILE is required");
	if (!from && !adds)
		return cli_usage_error(cmd, "nothing to archive: give --from, --add or --add-elf");
	if (from && sg_cpio_add_tree(&c, from) < 0)
		goto fail;
	/* Second pass: additions in command-line order, later ones winning. */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "ho:", build_options, NULL)) != -1) {
		if (ch == OPT_ADD && add_spec(&c, optarg) < 0)
			goto fail;
		if (ch == OPT_ADD_ELF && add_elf(&c, &set, optarg) < 0)
			goto fail;
		if (ch == OPT_MKNOD && add_node(&c, optarg) < 0)
			goto fail;
	}
	if (sg_cpio_write_file(&c, out, comp, NULL) < 0)
		goto fail;
	rc = CLI_EXIT_OK;
	goto done;
fail:
	cli_lib_error();
done:
	sg_elfdeps_free(&set);
	sg_cpio_free(&c);
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
