/* cmd_uki.c - signet uki: build and inspect unified kernel images. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authenticode.h"
#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "pe.h"
#include "sbkeys.h"
#include "uki.h"

#define DEFAULT_STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
#define UKI_MAX_INPUT (1ull << 31)
#define MAX_INITRDS 16

static const char build_help[] =
	"Usage: signet uki build [--stub STUB] --linux VMLINUZ [--initrd F]... --cmdline STR|@FILE\n"
	"                        [--os-release F] [--uname STR] [--sbat F]\n"
	"                        [--key KEY --cert CERT [--deterministic]] -o UKI.efi\n"
	"\n"
	"Builds a unified kernel image (UAPI UKI specification): the systemd EFI\n"
	"stub with .osrel, .cmdline, .uname, .initrd and .linux sections appended\n"
	"(in that order), aligned to the stub's SectionAlignment, SizeOfImage and\n"
	"CheckSum updated. The same inputs give the same bytes. With --key and\n"
	"--cert the image is also Authenticode-signed, as 'signet sb sign' does,\n"
	"in the same pass.\n"
	"\n"
	"  --stub STUB        systemd-stub (default " DEFAULT_STUB ")\n"
	"  --linux VMLINUZ    the kernel (.linux)\n"
	"  --initrd F         an initrd; several are concatenated (.initrd)\n"
	"  --cmdline STR      kernel command line, or @FILE for a file's bytes (.cmdline)\n"
	"  --os-release F     os-release file (.osrel)\n"
	"  --uname STR        kernel release, as uname -r prints it (.uname)\n"
	"  --sbat F           SBAT entries, merged into the stub's .sbat\n"
	"  --key KEY          sign with this PEM key (e.g. db.key) ...\n"
	"  --cert CERT        ... and its certificate (e.g. db.crt)\n"
	"  --deterministic    leave signingTime out of the signature\n"
	"  -o, --output OUT   where to write the image\n"
	"  -h, --help         show this help\n";

static const char inspect_help[] =
	"Usage: signet uki inspect UKI\n"
	"\n"
	"Lists the image's sections (virtual address, VirtualSize, file offset,\n"
	"SizeOfRawData, SHA-256 of the contents as loaded) and predicts TPM PCR 11\n"
	"(SHA-256 bank) as systemd-stub measures the UKI sections; '*' marks the\n"
	"measured ones.\n"
	"\n"
	"  -h, --help  show this help\n";

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

static void hex(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", d[i]);
}

static int uki_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stub", required_argument, NULL, 's' },
		{ "linux", required_argument, NULL, 'l' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "os-release", required_argument, NULL, 'r' },
		{ "uname", required_argument, NULL, 'u' },
		{ "sbat", required_argument, NULL, 'b' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'C' },
		{ "deterministic", no_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyf = NULL, *certf = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int det = 0;
	const char *stubf = DEFAULT_STUB, *linuxf = NULL, *cmdline = NULL, *osrelf = NULL;
	const char *uname_s = NULL, *sbatf = NULL, *outf = NULL, *initrds[MAX_INITRDS];
	struct sg_buf stub = SG_BUF_INIT, kernel = SG_BUF_INIT, initrd = SG_BUF_INIT;
	struct sg_buf cmd = SG_BUF_INIT, osrel = SG_BUF_INIT, sbat = SG_BUF_INIT;
	struct sg_buf part = SG_BUF_INIT, out = SG_BUF_INIT;
	struct sg_uki_parts parts;
	size_t ninitrd = 0;
	int c, rc = CLI_EXIT_FAIL;

	if (wants_help(argc, argv))
		return cli_help(build_help);
	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': stubf = optarg; break;
		case 'l': linuxf = optarg; break;
		case 'c': cmdline = optarg; break;
		case 'r': osrelf = optarg; break;
		case 'u': uname_s = optarg; break;
		case 'b': sbatf = optarg; break;
		case 'o': outf = optarg; break;
		case 'k': keyf = optarg; break;
		case 'C': certf = optarg; break;
		case 'd': det = 1; break;
		case 'i':
			if (ninitrd == MAX_INITRDS)
				return cli_usage_error("signet uki build", "at most %d --initrd",
						       MAX_INITRDS);
			initrds[ninitrd++] = optarg;
			break;
		default: return cli_usage_error("signet uki build", "unknown option");
		}
	}
	if (!linuxf || !cmdline || !outf)
		return cli_usage_error("signet uki build", "--linux, --cmdline and -o are required");
	if (optind != argc)
		return cli_usage_error("signet uki build", "unexpected argument '%s'", argv[optind]);
	if (!keyf != !certf)
		return cli_usage_error("signet uki build", "--key and --cert go together");
	if (keyf && (!(key = sg_sb_load_key(keyf)) || !(cert = sg_sb_load_cert(certf))))
		goto fail;

	if (sg_read_file(stubf, &stub, UKI_MAX_INPUT) ||
	    sg_read_file(linuxf, &kernel, UKI_MAX_INPUT))
		goto fail;
	if (cmdline[0] == '@') {
		if (sg_read_file(cmdline + 1, &cmd, 1 << 20))
			goto fail;
	} else if (sg_buf_append_str(&cmd, cmdline)) {
		goto fail;
	}
	if (osrelf && sg_read_file(osrelf, &osrel, 1 << 20))
		goto fail;
	if (sbatf && sg_read_file(sbatf, &sbat, 1 << 20))
		goto fail;
	for (size_t i = 0; i < ninitrd; i++) {
		/* Concatenated archives, each starting 4-byte aligned: the
		 * kernel skips the NUL padding between them. */
		while (initrd.len % 4)
			if (sg_buf_append_byte(&initrd, 0))
				goto fail;
		sg_buf_free(&part);
		if (sg_read_file(initrds[i], &part, UKI_MAX_INPUT) ||
		    sg_buf_append(&initrd, part.data, part.len))
			goto fail;
	}
	parts.osrel = osrelf ? osrel.data : NULL;
	parts.osrel_len = osrel.len;
	parts.cmdline = cmd.data ? cmd.data : (const uint8_t *)"";
	parts.cmdline_len = cmd.len;
	parts.uname = uname_s;
	parts.sbat = sbatf ? sbat.data : NULL;
	parts.sbat_len = sbat.len;
	parts.initrd = initrd.data;
	parts.initrd_len = initrd.len;
	parts.kernel = kernel.data;
	parts.kernel_len = kernel.len;
	if (sg_uki_assemble(stub.data, stub.len, stubf, &parts, key, cert, det, outf, &out))
		goto fail;
	if (sg_write_file_atomic(outf, out.data, out.len, 0644, 0))
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	rc = cli_lib_error();
out:
	sg_buf_free(&stub);
	sg_buf_free(&kernel);
	sg_buf_free(&initrd);
	sg_buf_free(&cmd);
	sg_buf_free(&osrel);
	sg_buf_free(&sbat);
	sg_buf_free(&part);
	sg_buf_free(&out);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

static int uki_inspect(int argc, char **argv)
{
	struct sg_buf img = SG_BUF_INIT;
	struct sg_uki_info *info = NULL;
	struct sg_pe pe;
	int rc = CLI_EXIT_FAIL;

	if (wants_help(argc, argv))
		return cli_help(inspect_help);
	if (argc != 2)
		return cli_usage_error("signet uki inspect", "expected exactly one image");
	info = malloc(sizeof(*info));
	if (!info)
		return cli_error("out of memory");
	if (sg_read_file(argv[1], &img, UKI_MAX_INPUT) ||
	    sg_pe_parse(&pe, img.data, img.len, argv[1]) ||
	    sg_uki_inspect(&pe, argv[1], info)) {
		rc = cli_lib_error();
		goto out;
	}
	if (info->stub_version)
		printf("stub: systemd-stub %u\n", info->stub_version);
	else
		printf("stub: unknown (all UKI sections assumed measured)\n");
	printf("%-9s %-10s %-10s %-10s %-10s %s\n", "section", "vaddr", "vsize", "offset",
	       "rawsize", "sha256");
	for (unsigned i = 0; i < pe.nsections; i++) {
		const struct sg_pe_section *s = &pe.sections[i];

		printf("%-9s 0x%08x 0x%08x 0x%08x 0x%08x ", s->name, s->virtual_address,
		       s->virtual_size, s->raw_ptr, s->raw_size);
		hex(info->sha256[i], 32);
		printf("%s\n", info->measured[i] ? " *" : "");
	}
	printf("pcr11-sha256: ");
	hex(info->pcr11, 32);
	printf("\n");
	rc = CLI_EXIT_OK;
out:
	free(info);
	sg_buf_free(&img);
	return rc;
}

static const struct cli_command uki_commands[] = {
	{ "build", uki_build, "build a unified kernel image from the systemd stub" },
	{ "inspect", uki_inspect, "list a UKI's sections, hashes and predicted PCR 11" },
};

int cmd_uki(int argc, char **argv)
{
	return cli_dispatch(uki_commands, sizeof(uki_commands) / sizeof(uki_commands[0]),
			    "signet uki", argc, argv);
}
