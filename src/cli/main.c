/* main.c - the signet command: a table of subcommands.
 *
 * Each subcommand lives in its own cmd_*.c and is one entry here.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static int cmd_version(int argc, char **argv)
{
	static const struct cli_opts opts = {
		"Usage: signet version\n\nPrints the version of signet.\n", NULL, NULL, 0, 0,
	};
	int rc = cli_parse(&opts, argc, argv, NULL, NULL);

	if (rc != CLI_RUN)
		return rc;
	printf("signet %s\n", SIGNET_VERSION);
	return CLI_EXIT_OK;
}

static const struct cli_command commands[] = {
	{ "age", cmd_age, "encrypt and decrypt files in the age v1 format" },
	{ "age-keygen", cmd_age_keygen, "generate an age identity, or print its recipient" },
	{ "bundle", cmd_bundle, "ASL SOPS bundles: seal, inspect, open" },
	{ "ca", cmd_ca, "the organisation's certificate authority (minica and beyond)" },
	{ "dam", cmd_dam, "Domain Authority Manifests: issue and verify" },
	{ "disk", cmd_disk, "LUKS2 disk images with ext4 inside, built without device-mapper" },
	{ "dns", cmd_dns, "the organisation's own DNSSEC root and zones" },
	{ "domain", cmd_domain, "offline authority domains: genesis, DomainID, rotation" },
	{ "env", cmd_env, "environment claims of the authority host" },
	{ "esp", cmd_esp, "EFI system partition images with the A/B slots" },
	{ "fleet", cmd_fleet, "the fleet repository: documents, builds, attestations" },
	{ "host", cmd_host, "admit domains from bundles on an admitting host" },
	{ "image", cmd_image, "reproducible squashfs images with dm-verity" },
	{ "oci", cmd_oci, "OCI images: registries, root filesystems, runtime bundles" },
	{ "initrd", cmd_initrd, "reproducible initramfs archives (newc cpio)" },
	{ "log", cmd_log, "the domain's audit log and receipts" },
	{ "policy", cmd_policy, "domain policies: check and hash" },
	{ "release", cmd_release, "the fleet's releases: TUF metadata, publishing" },
	{ "sb", cmd_sb, "Secure Boot keys and Authenticode signing" },
	{ "sops", cmd_sops, "encrypt and decrypt SOPS files (YAML, JSON, dotenv) with age keys" },
	{ "tpm", cmd_tpm, "seal and unseal secrets in a TPM2 under a PCR policy" },
	{ "uki", cmd_uki, "build and inspect unified kernel images" },
	{ "update", cmd_update, "a host's updates: check and fetch its release" },
	{ "verity", cmd_verity, "dm-verity hash trees and root hash signatures" },
	{ "version", cmd_version, "print the version" },
};

int main(int argc, char **argv)
{
	cli_install_signal_cleanup();
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
		return cmd_version(1, argv); /* the option itself is no option of version */
	return cli_dispatch(commands, sizeof(commands) / sizeof(commands[0]), "signet", argc, argv);
}
