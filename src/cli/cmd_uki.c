/* cmd_uki.c - signet uki: build and inspect unified kernel images. */
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

/* Help is honoured anywhere on the command line, as before the option
 * front: uki build stops at its first operand (a leading '+'). */
static int uki_parse(const struct cli_opts *opts, int argc, char **argv, cli_option_fn *on_option,
		     void *ctx)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return cli_help(opts->help);
	return cli_parse(opts, argc, argv, on_option, ctx);
}

static void hex(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", d[i]);
}

/* What build takes. */
struct build_args {
	const char *stub, *kernel, *cmdline, *osrel, *uname, *sbat, *key, *cert, *output;
	const char *initrds[MAX_INITRDS];
	size_t ninitrd;
	int deterministic;
};

static int build_option(void *ctx, int c, const char *arg)
{
	struct build_args *a = ctx;

	switch (c) {
	case 's': a->stub = arg; break;
	case 'l': a->kernel = arg; break;
	case 'c': a->cmdline = arg; break;
	case 'r': a->osrel = arg; break;
	case 'u': a->uname = arg; break;
	case 'b': a->sbat = arg; break;
	case 'o': a->output = arg; break;
	case 'k': a->key = arg; break;
	case 'C': a->cert = arg; break;
	case 'd': a->deterministic = 1; break;
	case 'i':
		if (a->ninitrd == MAX_INITRDS)
			return cli_usage("at most %d --initrd", MAX_INITRDS);
		a->initrds[a->ninitrd++] = arg;
		break;
	}
	return 0;
}

/* CLI_RUN, or the exit code. */
static int build_parse(struct build_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
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
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { build_help, "+o:", longopts, 0, 0 };
	int rc = uki_parse(&opts, argc, argv, build_option, a);

	if (rc != CLI_RUN)
		return rc;
	if (!a->kernel || !a->cmdline || !a->output)
		return cli_usage("--linux, --cmdline and -o are required");
	if (!a->key != !a->cert)
		return cli_usage("--key and --cert go together");
	return CLI_RUN;
}

/* The files build reads. */
struct build_inputs {
	struct sg_buf stub, kernel, initrd, cmdline, osrel, sbat;
};

static void inputs_free(struct build_inputs *in)
{
	sg_buf_free(&in->stub);
	sg_buf_free(&in->kernel);
	sg_buf_free(&in->initrd);
	sg_buf_free(&in->cmdline);
	sg_buf_free(&in->osrel);
	sg_buf_free(&in->sbat);
}

/* Concatenated archives, each starting 4-byte aligned: the kernel skips
 * the NUL padding between them. */
static int read_initrds(const struct build_args *a, struct sg_buf *initrd)
{
	struct sg_buf part = SG_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < a->ninitrd; i++) {
		while (rc == 0 && initrd->len % 4)
			rc = sg_buf_append_byte(initrd, 0);
		sg_buf_free(&part);
		if (rc == 0 && (sg_read_file(a->initrds[i], &part, UKI_MAX_INPUT) ||
				sg_buf_append(initrd, part.data, part.len)))
			rc = -1;
	}
	sg_buf_free(&part);
	return rc;
}

static int read_inputs(const struct build_args *a, struct build_inputs *in)
{
	if (sg_read_file(a->stub, &in->stub, UKI_MAX_INPUT) ||
	    sg_read_file(a->kernel, &in->kernel, UKI_MAX_INPUT))
		return -1;
	if (a->cmdline[0] == '@' ? sg_read_file(a->cmdline + 1, &in->cmdline, 1 << 20)
				 : sg_buf_append_str(&in->cmdline, a->cmdline))
		return -1;
	if ((a->osrel && sg_read_file(a->osrel, &in->osrel, 1 << 20)) ||
	    (a->sbat && sg_read_file(a->sbat, &in->sbat, 1 << 20)))
		return -1;
	return read_initrds(a, &in->initrd);
}

static void parts_of(const struct build_args *a, const struct build_inputs *in,
		     struct sg_uki_parts *parts)
{
	parts->osrel = a->osrel ? in->osrel.data : NULL;
	parts->osrel_len = in->osrel.len;
	parts->cmdline = in->cmdline.data ? in->cmdline.data : (const uint8_t *)"";
	parts->cmdline_len = in->cmdline.len;
	parts->uname = a->uname;
	parts->sbat = a->sbat ? in->sbat.data : NULL;
	parts->sbat_len = in->sbat.len;
	parts->initrd = in->initrd.data;
	parts->initrd_len = in->initrd.len;
	parts->kernel = in->kernel.data;
	parts->kernel_len = in->kernel.len;
}

/* Writes a->output: the UKI, signed when a names a key. */
static int build_image(const struct build_args *a)
{
	struct build_inputs in = { SG_BUF_INIT, SG_BUF_INIT, SG_BUF_INIT,
				   SG_BUF_INIT, SG_BUF_INIT, SG_BUF_INIT };
	struct sg_buf out = SG_BUF_INIT;
	struct sg_uki_parts parts;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = -1;

	if (a->key && (!(key = sg_sb_load_key(a->key)) || !(cert = sg_sb_load_cert(a->cert))))
		goto out;
	if (read_inputs(a, &in))
		goto out;
	parts_of(a, &in, &parts);
	if (sg_uki_assemble(in.stub.data, in.stub.len, a->stub, &parts, key, cert, a->deterministic,
			    a->output, &out) ||
	    sg_write_file_atomic(a->output, out.data, out.len, 0644, 0))
		goto out;
	rc = 0;
out:
	inputs_free(&in);
	sg_buf_free(&out);
	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

static int uki_build(int argc, char **argv)
{
	struct build_args a = { .stub = DEFAULT_STUB };
	int rc = build_parse(&a, argc, argv);

	if (rc != CLI_RUN)
		return rc;
	return build_image(&a) ? cli_lib_error() : CLI_EXIT_OK;
}

static void print_inspect(const struct sg_pe *pe, const struct sg_uki_info *info)
{
	if (info->stub_version)
		printf("stub: systemd-stub %u\n", info->stub_version);
	else
		printf("stub: unknown (all UKI sections assumed measured)\n");
	printf("%-9s %-10s %-10s %-10s %-10s %s\n", "section", "vaddr", "vsize", "offset",
	       "rawsize", "sha256");
	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct sg_pe_section *s = &pe->sections[i];

		printf("%-9s 0x%08x 0x%08x 0x%08x 0x%08x ", s->name, s->virtual_address,
		       s->virtual_size, s->raw_ptr, s->raw_size);
		hex(info->sha256[i], 32);
		printf("%s\n", info->measured[i] ? " *" : "");
	}
	printf("pcr11-sha256: ");
	hex(info->pcr11, 32);
	printf("\n");
}

static int uki_inspect(int argc, char **argv)
{
	const struct cli_opts opts = { inspect_help, "", NULL, 1, 1 };
	struct sg_buf img = SG_BUF_INIT;
	struct sg_uki_info *info = NULL;
	const char *path;
	struct sg_pe pe;
	int rc = uki_parse(&opts, argc, argv, NULL, NULL);

	if (rc != CLI_RUN)
		return rc;
	path = argv[optind];
	info = malloc(sizeof(*info));
	if (!info)
		return cli_error("out of memory");
	if (sg_read_file(path, &img, UKI_MAX_INPUT) || sg_pe_parse(&pe, img.data, img.len, path) ||
	    sg_uki_inspect(&pe, path, info)) {
		rc = cli_lib_error();
	} else {
		print_inspect(&pe, info);
		rc = CLI_EXIT_OK;
	}
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
