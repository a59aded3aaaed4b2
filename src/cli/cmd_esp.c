/* cmd_esp.c - signet esp: EFI system partition images with the A/B
 * slot layout signet-init boots from. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "esp.h"

static const char build_help[] =
	"Usage: signet esp build -o IMAGE [--boot FILE] [--slot A|B:DIR]... [--size MIB]\n"
	"                        [--label NAME] [--serial HEX]\n"
	"\n"
	"Writes a FAT image (made with mtools, no loop device) holding\n"
	"EFI/BOOT/BOOTX64.EFI and the slots EFI/signet/A and EFI/signet/B.\n"
	"A slot directory holds sidecar.sqfs, sidecar.verity, sidecar.roothash\n"
	"(see signet image build) and optionally uki.efi, and nothing else.\n"
	"Time stamps are 1980-01-01 00:00 and the serial number is fixed, so\n"
	"equal inputs give byte-identical images.\n"
	"\n"
	"Options:\n"
	"  -o, --output IMAGE     the image to write\n"
	"  --boot FILE            copied to EFI/BOOT/BOOTX64.EFI (e.g. a signed UKI)\n"
	"  --slot S:DIR           the files of slot S (A or B) from DIR\n"
	"  --size MIB             image size in MiB (default 64, 8 to 4096)\n"
	"  --label NAME           volume label (default ESP)\n"
	"  --serial HEX           volume serial number (default 5349474e)\n"
	"  -h, --help             show this help\n";

enum { OPT_BOOT = 256, OPT_SLOT, OPT_SIZE, OPT_LABEL, OPT_SERIAL };

/* --slot S:DIR: slot A or B, each given once. */
static int build_slot(struct sg_esp_opts *o, const char *arg)
{
	int idx;

	if ((arg[0] != 'A' && arg[0] != 'B') || arg[1] != ':' || !arg[2])
		return cli_usage("--slot takes A:DIR or B:DIR");
	idx = arg[0] - 'A';
	if (o->slot_dir[idx])
		return cli_usage("slot %c given twice", arg[0]);
	o->slot_dir[idx] = arg + 2;
	return 0;
}

static int build_option(void *ctx, int c, const char *arg)
{
	struct sg_esp_opts *o = ctx;
	unsigned long long n;

	switch (c) {
	case 'o': o->out = arg; return 0;
	case OPT_BOOT: o->boot = arg; return 0;
	case OPT_LABEL: o->label = arg; return 0;
	case OPT_SLOT: return build_slot(o, arg);
	case OPT_SIZE:
		/* below the minimum is sg_esp_build's error, as before */
		if (cli_parse_number("--size", arg, 0, SG_ESP_SIZE_MAX_MIB, &n))
			return CLI_EXIT_USAGE;
		o->size_mib = (uint32_t)n;
		return 0;
	case OPT_SERIAL:
		if (cli_parse_hex("--serial", arg, 0xffffffffULL, &n))
			return CLI_EXIT_USAGE;
		o->serial = (uint32_t)n;
		return 0;
	default: return CLI_EXIT_USAGE;
	}
}

static int esp_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "boot", required_argument, NULL, OPT_BOOT },
		{ "slot", required_argument, NULL, OPT_SLOT },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { build_help, "o:", longopts, 0, 0 };
	struct sg_esp_opts o;
	int rc;

	sg_esp_opts_init(&o);
	if ((rc = cli_parse(&opts, argc, argv, build_option, &o)) != CLI_RUN)
		return rc;
	if (!o.out)
		return cli_usage("-o IMAGE is required");
	if (sg_esp_build(&o) < 0)
		return cli_lib_error();
	return CLI_EXIT_OK;
}

static const struct cli_command esp_commands[] = {
	{ "build", esp_build, "write an ESP image with the A/B slots (FAT, mtools)" },
};

int cmd_esp(int argc, char **argv)
{
	return cli_dispatch(esp_commands, sizeof(esp_commands) / sizeof(esp_commands[0]),
			    "signet esp", argc, argv);
}
