/* cmd_oci_runtime.c - signet oci runtime-config: an OCI runtime
 * bundle's config.json, for crun or runc, from an image's config
 * (runtime.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "ocilayout.h"
#include "path.h"
#include "runtime.h"

static const char help[] = "Usage: signet oci runtime-config [options] LAYOUT[:TAG] OUT\n"
			   "       signet oci runtime-config [options] --config FILE OUT\n"
			   "\n"
			   "Writes OUT, the config.json of an OCI runtime bundle (runtime spec\n"
			   "1.0.2) that runs the image as its config says: process.args from\n"
			   "Entrypoint and Cmd, env from Env (with a default PATH when it has\n"
			   "none), cwd from WorkingDir (default /), the numeric User uid[:gid]\n"
			   "(names are refused: the image's /etc/passwd is not read), a tmpfs at\n"
			   "each of Volumes, Labels and StopSignal as annotations; the root is\n"
			   "BUNDLE/rootfs, read-only; the standard mounts and namespaces, a\n"
			   "network namespace of its own (loopback only), three capabilities\n"
			   "(AUDIT_WRITE, KILL, NET_BIND_SERVICE), no new privileges, /proc and\n"
			   "/sys paths masked or read-only as runc's defaults. The image is the\n"
			   "manifest of the layout's TAG (or its only one), its blobs' sizes and\n"
			   "digests checked, or an image config blob in FILE ('-': standard\n"
			   "input). OUT '-' is standard output. The same image gives the same\n"
			   "bytes. Run the bundle with 'crun run --bundle BUNDLE NAME'.\n"
			   "\n"
			   "Options:\n"
			   "  --config FILE          an image config blob instead of a layout\n"
			   "  --hostname NAME        the container's hostname (default container)\n"
			   "  --host-network         share the host's network namespace\n"
			   "  -h, --help             show this help\n";

enum { OPT_CONFIG = 256, OPT_HOSTNAME, OPT_HOST_NETWORK, OPT_ROOTFS };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "host-network", no_argument, NULL, OPT_HOST_NETWORK },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *config, *rootfs;
	struct sg_oci_runtime_opts o;
};

static int on_option(void *ctx, int c, const char *arg)
{
	struct args *a = ctx;

	switch (c) {
	case OPT_CONFIG: a->config = arg; break;
	case OPT_HOSTNAME:
		if (!sg_oci_hostname_valid(arg))
			return cli_usage("--hostname '%s': not 1 to 63 letters, digits, '-' and "
					 "'.'",
					 arg);
		a->o.hostname = arg;
		break;
	case OPT_HOST_NETWORK: a->o.host_network = 1; break;
	case OPT_ROOTFS: a->rootfs = arg; break;
	}
	return 0;
}

int cmd_oci_runtime_config(int argc, char **argv)
{
	const struct cli_opts opts = { help, "", longopts, 1, 2 };
	struct args a = { NULL, NULL, { NULL, 0, NULL } };
	struct sg_buf out = SG_BUF_INIT;
	static struct sg_oci_layout_arg layout; /* large: not on the stack */
	const char *dest;
	int rc = cli_parse(&opts, argc, argv, on_option, &a);

	if (rc != CLI_RUN)
		return rc;
	if (argc - optind != (a.config ? 1 : 2))
		return cli_usage(a.config ? "with --config, one operand: OUT"
					  : "two operands: LAYOUT[:TAG] OUT");
	dest = argv[argc - 1];
	if (!a.config && sg_oci_layout_arg_parse(argv[optind], &layout) < 0)
		return cli_usage("%s", sg_errmsg());
	if (sg_oci_runtime_load(a.config ? NULL : layout.dir, layout.tag[0] ? layout.tag : NULL,
				a.config, a.rootfs, &a.o, &out) < 0) {
		rc = cli_lib_error();
		goto out;
	}
	if (!strcmp(dest, "-")) {
		int fd = STDOUT_FILENO;
		rc = sg_write_all(fd, out.data, out.len) < 0 ? cli_lib_error() : CLI_EXIT_OK;
		goto out;
	}
	rc = sg_write_file_atomic(dest, out.data, out.len, 0644, 0) < 0 ? cli_lib_error()
									: CLI_EXIT_OK;
out:
	sg_buf_free(&out);
	return rc;
}
