/* cmd_oci.c - signet oci: OCI images and what is made from them. */
#include "cli.h"
#include "commands.h"

int cmd_oci(int argc, char **argv)
{
	static const struct cli_command table[] = {
		{ "runtime-config", cmd_oci_runtime_config,
		  "an OCI runtime bundle's config.json from an image's config" },
	};

	return cli_dispatch(table, sizeof(table) / sizeof(table[0]), "signet oci", argc, argv);
}
