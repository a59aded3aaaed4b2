/* cmd_oci.c - signet oci: OCI images, their layouts and registries, and
 * what is made from them (signet-oci(1)). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "ocilayout.h"
#include "ociunpack.h"

static const char unpack_help[] =
	"Usage: signet oci unpack [--allow-devices] LAYOUT[:TAG] DIR\n"
	"\n"
	"Writes the root filesystem of the image TAG names in the OCI image\n"
	"layout LAYOUT (its only image when TAG is left out), or in the\n"
	"oci-archive LAYOUT (a tar of a layout, as skopeo writes), into DIR, which\n"
	"must not exist: the layers in order, with their whiteouts and opaque\n"
	"directories, as `umoci raw unpack` writes them. Every blob's size and\n"
	"digest, and every layer's diff_id, is checked before anything is\n"
	"written; DIR appears whole or not at all. Nothing is written through\n"
	"a symbolic link: names that would be (or that are absolute, have a\n"
	"\"..\", hard-link outside the image, or are device nodes) are refused.\n"
	"As root, owners are the image's.\n"
	"\n"
	"Options:\n"
	"  --allow-devices        make character and block devices\n"
	"  -h, --help             show this help\n";

enum { OPT_ALLOW_DEVICES = 256 };

static int unpack_option(void *ctx, int c, const char *arg)
{
	unsigned *flags = ctx;

	(void)arg;
	if (c == OPT_ALLOW_DEVICES)
		*flags |= SG_OCI_ALLOW_DEVICES;
	return 0;
}

static int oci_unpack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow-devices", no_argument, NULL, OPT_ALLOW_DEVICES },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { unpack_help, "", longopts, 2, 2 };
	struct sg_oci_unpack_stats st;
	struct sg_oci_layout_arg ref;
	unsigned flags = 0;
	int rc;

	if ((rc = cli_parse(&opts, argc, argv, unpack_option, &flags)) != CLI_RUN)
		return rc;
	if (sg_oci_layout_arg_parse(argv[optind], &ref) < 0)
		return cli_lib_error();
	if (sg_oci_unpack(ref.dir, ref.tag[0] ? ref.tag : NULL, argv[optind + 1], flags, &st) < 0)
		return cli_lib_error();
	printf("manifest: sha256:%s\nlayers: %zu\nnames: %zu\n", st.manifest, st.layers, st.names);
	return CLI_EXIT_OK;
}

static const struct cli_command oci_commands[] = {
	{ "unpack", oci_unpack, "write an image's root filesystem into a directory" },
	{ "runtime-config", cmd_oci_runtime_config,
	  "an OCI runtime bundle's config.json from an image's config" },
	{ "pull", cmd_oci_pull, "fetch an image from a registry into an OCI layout" },
	{ "push", cmd_oci_push, "send an OCI layout's image to a registry" },
};

int cmd_oci(int argc, char **argv)
{
	return cli_dispatch(oci_commands, sizeof(oci_commands) / sizeof(oci_commands[0]),
			    "signet oci", argc, argv);
}
