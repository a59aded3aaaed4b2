/* cmd_host_provision.c - signet host provision: one host's signed UKI,
 * its configuration, keys and trusted root hashes in the initrd. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "fileio.h"
#include "provision.h"
#include "sbkeys.h"

#define DEFAULT_STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
#define DEFAULT_CMDLINE "console=tty0 console=ttyS0 panic=-1"

static const char provision_help[] =
	"Usage: signet host provision --config HOST.yaml --kernel VMLINUZ --init SIGNET-INIT\n"
	"                             [--module KO]... (--root-hash HEX... | --signer-cert PEM)\n"
	"                             [--authorized-keys FILE --ssh-host-key FILE]\n"
	"                             [--cmdline STR] [--stub STUB] [--os-release F] [--lib SO]...\n"
	"                             --key db.key --cert db.crt [--deterministic]\n"
	"                             [--initrd-out F] -o UKI.efi\n"
	"\n"
	"Builds, on the control plane, one host's unified kernel image: an initrd\n"
	"whose /init is signet-init (with the libraries it loads), holding the\n"
	"host document as /etc/signet/host.json (checked by signet-init's rules:\n"
	"the LUKS2 disk, its TPM handle and PCRs, the rootfs, console and recovery\n"
	"settings), the kernel modules to load in the order given, the trusted\n"
	"sidecar root hashes or the certificate that signs them, and the recovery\n"
	"SSH keys; then the kernel, that initrd and the command line in a UKI\n"
	"signed with the db key. Equal inputs give an equal initrd; with\n"
	"--deterministic, an equal UKI. See signet-init(8).\n"
	"\n"
	"Options:\n"
	"  --config HOST          the host document (YAML or JSON)\n"
	"  --kernel VMLINUZ       the kernel (.linux)\n"
	"  --init SIGNET-INIT     the signet-init binary\n"
	"  --module KO            a kernel module to load, dependencies first (repeatable)\n"
	"  --root-hash HEX        a trusted sidecar root hash (repeatable)\n"
	"  --signer-cert PEM      trust root hashes signed by this certificate\n"
	"  --authorized-keys F    public keys allowed in recovery (needed with a disk)\n"
	"  --ssh-host-key F       the recovery sshd's OpenSSH ed25519 key (needed with a disk)\n"
	"  --cmdline STR          kernel command line (default \"" DEFAULT_CMDLINE "\")\n"
	"  --stub STUB            systemd-stub (default " DEFAULT_STUB ")\n"
	"  --os-release F         os-release file (.osrel)\n"
	"  --lib SO               a library signet-init loads with dlopen(), instead of\n"
	"                         the default TCTI and libgcc_s (repeatable)\n"
	"  --key KEY, --cert CRT  the db key and certificate that sign the UKI\n"
	"  --deterministic        leave signingTime out of the signature\n"
	"  --initrd-out F         also write the initrd to F\n"
	"  -o, --output UKI.efi   where to write the signed image\n"
	"  -h, --help             show this help\n";

enum {
	OPT_CONFIG = 256,
	OPT_KERNEL,
	OPT_INIT,
	OPT_MODULE,
	OPT_ROOT_HASH,
	OPT_SIGNER,
	OPT_AUTH_KEYS,
	OPT_HOST_KEY,
	OPT_CMDLINE,
	OPT_STUB,
	OPT_OSREL,
	OPT_LIB,
	OPT_KEY,
	OPT_CERT,
	OPT_DET,
	OPT_INITRD_OUT,
};

struct provision_args {
	struct sg_provision p;
	const char *key, *cert, *out, *initrd_out;
};

/* Appends value to a bounded list of the provision request. */
static int push(const char **list, size_t *n, const char *value, const char *what)
{
	if (*n >= SG_PROVISION_MAX_LIST)
		return cli_usage("more than %d %s", SG_PROVISION_MAX_LIST, what);
	list[(*n)++] = value;
	return 0;
}

static int provision_option(void *ctx, int c, const char *arg)
{
	struct provision_args *a = ctx;
	struct sg_provision *p = &a->p;

	switch (c) {
	case OPT_CONFIG: p->config = arg; return 0;
	case OPT_KERNEL: p->kernel = arg; return 0;
	case OPT_INIT: p->init = arg; return 0;
	case OPT_MODULE: return push(p->modules, &p->nmodules, arg, "modules");
	case OPT_ROOT_HASH: return push(p->root_hashes, &p->nroot_hashes, arg, "root hashes");
	case OPT_SIGNER: p->signer_cert = arg; return 0;
	case OPT_AUTH_KEYS: p->authorized_keys = arg; return 0;
	case OPT_HOST_KEY: p->ssh_host_key = arg; return 0;
	case OPT_CMDLINE: p->cmdline = arg; return 0;
	case OPT_STUB: p->stub = arg; return 0;
	case OPT_OSREL: p->os_release = arg; return 0;
	case OPT_LIB: return push(p->libs, &p->nlibs, arg, "libraries");
	case OPT_KEY: a->key = arg; return 0;
	case OPT_CERT: a->cert = arg; return 0;
	case OPT_DET: p->deterministic = 1; return 0;
	case OPT_INITRD_OUT: a->initrd_out = arg; return 0;
	default: a->out = arg; return 0; /* -o */
	}
}

/* The options every provision needs, and the default libraries when
 * no --lib was given. */
static int provision_complete(struct provision_args *a)
{
	static const char *const default_libs[] = { SG_PROVISION_DEFAULT_LIBS };
	struct sg_provision *p = &a->p;

	if (!p->config || !p->kernel || !p->init || !a->out)
		return cli_usage("--config, --kernel, --init and -o are required");
	if (!a->key || !a->cert)
		return cli_usage("--key and --cert are required: the UKI is signed");
	if (!p->nlibs)
		for (size_t i = 0; i < sizeof(default_libs) / sizeof(default_libs[0]); i++)
			p->libs[p->nlibs++] = default_libs[i];
	return 0;
}

/* Builds the initrd and the signed UKI into initrd and uki and writes
 * them: 0, or the exit code after one error line. */
static int provision(struct provision_args *a, struct sg_buf *initrd, struct sg_buf *uki)
{
	struct sg_provision *p = &a->p;

	if (!(p->key = sg_sb_load_key(a->key)) || !(p->cert = sg_sb_load_cert(a->cert)) ||
	    sg_provision_build(p, initrd, uki) < 0 ||
	    /* Both hold the recovery SSH host key when there is one. */
	    (a->initrd_out &&
	     sg_write_file_atomic(a->initrd_out, initrd->data, initrd->len, 0600, 0) < 0) ||
	    sg_write_file_atomic(a->out, uki->data, uki->len, p->ssh_host_key ? 0600 : 0644, 0) < 0)
		return cli_lib_error();
	return CLI_EXIT_OK;
}

int cmd_host_provision(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "init", required_argument, NULL, OPT_INIT },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "root-hash", required_argument, NULL, OPT_ROOT_HASH },
		{ "signer-cert", required_argument, NULL, OPT_SIGNER },
		{ "authorized-keys", required_argument, NULL, OPT_AUTH_KEYS },
		{ "ssh-host-key", required_argument, NULL, OPT_HOST_KEY },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "stub", required_argument, NULL, OPT_STUB },
		{ "os-release", required_argument, NULL, OPT_OSREL },
		{ "lib", required_argument, NULL, OPT_LIB },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "deterministic", no_argument, NULL, OPT_DET },
		{ "initrd-out", required_argument, NULL, OPT_INITRD_OUT },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_opts opts = { provision_help, "o:", longopts, 0, 0 };
	struct provision_args a = { .p = { .stub = DEFAULT_STUB, .cmdline = DEFAULT_CMDLINE } };
	struct sg_buf initrd = SG_BUF_INIT, uki = SG_BUF_INIT;
	int rc = cli_parse(&opts, argc, argv, provision_option, &a);

	if (rc == CLI_RUN && (rc = provision_complete(&a)) == 0 &&
	    (rc = provision(&a, &initrd, &uki)) == CLI_EXIT_OK)
		printf("%s: signed UKI for %s (initrd %zu bytes)\n", a.out, a.p.config, initrd.len);
	EVP_PKEY_free(a.p.key);
	X509_free(a.p.cert);
	sg_buf_wipe(&initrd);
	sg_buf_wipe(&uki);
	return rc;
}
