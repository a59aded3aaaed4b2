/* cmd_image.c - signet image: reproducible squashfs sidecar and rootfs
 * images with their dm-verity tree and (signed) root hash. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "image.h"
#include "ocilayout.h"
#include "ocitree.h"
#include "verity.h"

static const char build_help[] =
	"Usage: signet image build {--from DIR | --from-oci LAYOUT[:TAG] [--bundle]} -o IMAGE\n"
	"                          [--verity HASHFILE]\n"
	"                          [--root-hash-file F] [--key KEY --cert CERT --root-hash-sig SIG]\n"
	"\n"
	"Packs DIR into a squashfs image with mksquashfs, every varying input\n"
	"pinned (owners root, times 0, no xattrs), so two builds of the same tree\n"
	"are byte-identical. With --verity, also writes its dm-verity hash tree\n"
	"as veritysetup lays it out (superblock, sha256, 4096-byte blocks) and\n"
	"prints the root hash; the salt defaults to SHA-256 of the image and the\n"
	"UUID is derived from the salt, so the tree is reproducible too. The\n"
	"outputs must be in one directory; they appear together and only when all\n"
	"of them were written, even after a crash (one transaction on the\n"
	"directory, under DIR/.txn/ while they are made).\n"
	"\n"
	"With --from-oci, the tree is the root filesystem of an OCI image, as\n"
	"`signet oci unpack` writes it (every blob checked first), and owners,\n"
	"times and xattrs are kept as the image fixes them: the build is just as\n"
	"reproducible. It needs root (for the owners). With --bundle, the image\n"
	"is an OCI runtime bundle of it: config.json (as `signet oci\n"
	"runtime-config --rootfs` writes it) beside rootfs/, for crun to run\n"
	"read-only (a container of a host's \"run\" list, signet-init(8)).\n"
	"\n"
	"Options:\n"
	"  --from DIR             the directory to pack\n"
	"  --from-oci LAYOUT[:TAG] the OCI image to pack\n"
	"  --allow-devices        keep the image's device nodes (a rootfs image is\n"
	"                         mounted nodev: they are inert there)\n"
	"  --bundle               an OCI runtime bundle: config.json and rootfs/\n"
	"  -o, --output IMAGE     the squashfs image to write\n"
	"  --compress ALG         gzip (default), xz, zstd, lz4 or lzo\n"
	"  --verity HASHFILE      write the dm-verity hash tree to HASHFILE\n"
	"  --root-hash-file F     write the root hash (hex, no newline) to F\n"
	"  --salt HEX             verity salt in hex, '-' for none\n"
	"  --uuid UUID            verity superblock UUID\n"
	"  --key KEY, --cert CERT sign the root hash (PEM key and certificate)...\n"
	"  --root-hash-sig SIG    ...into SIG (detached DER PKCS#7, as the kernel's\n"
	"                         dm-verity root_hash_sig_key_desc expects)\n"
	"  -h, --help             show this help\n";

enum {
	OPT_FROM = 256,
	OPT_FROM_OCI,
	OPT_ALLOW_DEVICES,
	OPT_COMPRESS,
	OPT_VERITY,
	OPT_ROOT_FILE,
	OPT_SALT,
	OPT_UUID,
	OPT_KEY,
	OPT_CERT,
	OPT_SIG,
	OPT_BUNDLE
};

struct build_args {
	struct sg_image_opts o;
	struct sg_oci_layout_arg oci;
};

static int build_option(void *ctx, int c, const char *arg)
{
	static const char *const compressors[] = { "gzip", "xz", "zstd", "lz4", "lzo" };
	struct build_args *a = ctx;
	struct sg_image_opts *o = &a->o;

	switch (c) {
	case OPT_FROM: o->from = arg; return 0;
	case OPT_FROM_OCI:
		if (sg_oci_layout_arg_parse(arg, &a->oci) < 0)
			return cli_usage("--from-oci: %s", sg_errmsg());
		o->oci_layout = a->oci.dir;
		o->oci_tag = a->oci.tag[0] ? a->oci.tag : NULL;
		return 0;
	case OPT_ALLOW_DEVICES: o->oci_flags |= SG_OCI_ALLOW_DEVICES; return 0;
	case OPT_BUNDLE: o->bundle = 1; return 0;
	case 'o': o->image = arg; return 0;
	case OPT_VERITY: o->verity = arg; return 0;
	case OPT_ROOT_FILE: o->root_hash = arg; return 0;
	case OPT_KEY: o->key = arg; return 0;
	case OPT_CERT: o->cert = arg; return 0;
	case OPT_SIG: o->sig = arg; return 0;
	case OPT_COMPRESS:
		for (size_t i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++)
			if (!strcmp(arg, compressors[i])) {
				o->compress = arg;
				return 0;
			}
		return cli_usage("--compress: gzip, xz, zstd, lz4 or lzo");
	case OPT_SALT:
		if (sg_verity_parse_salt(&o->params, arg) < 0)
			return cli_lib_error();
		o->salt_given = 1;
		return 0;
	case OPT_UUID:
		if (sg_verity_parse_uuid(&o->params, arg) < 0)
			return cli_lib_error();
		o->uuid_given = 1;
		return 0;
	default: return CLI_EXIT_USAGE;
	}
}

/* The options that only make sense together. */
static int build_check(const struct sg_image_opts *o)
{
	if (!o->from == !o->oci_layout || !o->image)
		return cli_usage("-o IMAGE and one of --from DIR and --from-oci LAYOUT are required");
	if ((o->root_hash || o->sig || o->salt_given || o->uuid_given) && !o->verity)
		return cli_usage("--root-hash-file, --root-hash-sig, --salt and --uuid need --verity");
	if (o->oci_flags && !o->oci_layout)
		return cli_usage("--allow-devices goes with --from-oci");
	if (o->bundle && !o->oci_layout)
		return cli_usage("--bundle goes with --from-oci");
	if ((o->key || o->cert || o->sig) && !(o->key && o->cert && o->sig))
		return cli_usage("--key, --cert and --root-hash-sig go together");
	return 0;
}

static int image_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "from-oci", required_argument, NULL, OPT_FROM_OCI },
		{ "allow-devices", no_argument, NULL, OPT_ALLOW_DEVICES },
		{ "bundle", no_argument, NULL, OPT_BUNDLE },
		{ "output", required_argument, NULL, 'o' },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "verity", required_argument, NULL, OPT_VERITY },
		{ "root-hash-file", required_argument, NULL, OPT_ROOT_FILE },
		{ "salt", required_argument, NULL, OPT_SALT },
		{ "uuid", required_argument, NULL, OPT_UUID },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "root-hash-sig", required_argument, NULL, OPT_SIG },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { build_help, "o:", longopts, 0, 0 };
	static struct build_args a; /* the layout's path is large */
	struct sg_image_opts *o = &a.o;
	struct sg_verity_info info;
	char root[2 * SG_VERITY_DIGEST_MAX + 1];
	int rc;

	sg_image_opts_init(o);
	if ((rc = cli_parse(&opts, argc, argv, build_option, &a)) != CLI_RUN)
		return rc;
	if ((rc = build_check(o)) != 0)
		return rc;
	if (sg_image_build(o, &info) < 0)
		return cli_lib_error();
	if (o->verity) {
		sg_verity_hex(info.root, info.root_size, root);
		printf("root hash: %s\n", root);
		printf("data blocks: %llu\n", (unsigned long long)o->params.data_blocks);
		printf("hash device size: %llu\n", (unsigned long long)info.hash_device_size);
	}
	return CLI_EXIT_OK;
}

static const struct cli_command image_commands[] = {
	{ "build", image_build,
	  "pack a directory or an OCI image into a reproducible squashfs with dm-verity" },
};

int cmd_image(int argc, char **argv)
{
	return cli_dispatch(image_commands, sizeof(image_commands) / sizeof(image_commands[0]),
			    "signet image", argc, argv);
}
