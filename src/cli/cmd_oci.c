/* cmd_oci.c - signet oci: OCI images, their layouts and registries. */
#include "cli.h"
#include "commands.h"

static const struct cli_command oci_commands[] = {
	{ "pull", cmd_oci_pull, "fetch an image from a registry into an OCI layout" },
	{ "push", cmd_oci_push, "send an OCI layout's image to a registry" },
};

int cmd_oci(int argc, char **argv)
{
	return cli_dispatch(oci_commands, sizeof(oci_commands) / sizeof(oci_commands[0]),
			    "signet oci", argc, argv);
}
