/* cmd_esp.c - signet esp: EFI system partition images with the A/B
 * slot layout signet-init boots from. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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

static const struct option build_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "boot", required_argument, NULL, OPT_BOOT },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, base);
	return (errno || end == s || *end || s[0] == '-' || *out > max) ? -1 : 0;
}

static int esp_build(int argc, char **argv)
{
	const char *cmd = "signet esp build";
	struct sg_esp_opts o;
	unsigned long n;
	int ch, idx;

	sg_esp_opts_init(&o);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "ho:", build_options, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return cli_help(build_help);
		case 'o':
			o.out = optarg;
			break;
		case OPT_BOOT:
			o.boot = optarg;
			break;
		case OPT_SLOT:
			if ((optarg[0] != 'A' && optarg[0] != 'B') || optarg[1] != ':' || !optarg[2])
				return cli_usage_error(cmd, "--slot takes A:DIR or B:DIR");
			idx = optarg[0] - 'A';
			if (o.slot_dir[idx])
				return cli_usage_error(cmd, "slot %c given twice", optarg[0]);
			o.slot_dir[idx] = optarg + 2;
			break;
		case OPT_SIZE:
			if (parse_ulong(optarg, 10, SG_ESP_SIZE_MAX_MIB, &n) < 0)
				return cli_usage_error(cmd, "--size: a number of MiB up to %d",
						       SG_ESP_SIZE_MAX_MIB);
			o.size_mib = (uint32_t)n;
			break;
		case OPT_LABEL:
			o.label = optarg;
			break;
		case OPT_SERIAL:
			if (parse_ulong(optarg, 16, 0xffffffffUL, &n) < 0)
				return cli_usage_error(cmd, "--serial: up to 8 hex digits");
			o.serial = (uint32_t)n;
			break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o.out)
		return cli_usage_error(cmd, "-o IMAGE is required");
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
