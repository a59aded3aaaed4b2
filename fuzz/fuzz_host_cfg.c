/* fuzz_host_cfg.c - the host boot configuration (host.json) reader on
 * arbitrary bytes.
 *
 * Whatever it accepts must hold only valid values: NUL-terminated names
 * and paths of the right form, one way to find the disk, a persistent
 * TPM handle, bounded delays and a prefix length from 1 to 32. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_host_cfg c;

	if (sg_host_cfg_parse((const char *)data, size, &c) < 0)
		return 0;
	if (!terminated(c.host, sizeof(c.host)) || !terminated(c.rootfs, sizeof(c.rootfs)) ||
	    !terminated(c.disk_device, sizeof(c.disk_device)) ||
	    !terminated(c.disk_uuid, sizeof(c.disk_uuid)) ||
	    !terminated(c.disk_name, sizeof(c.disk_name)) || !terminated(c.init, sizeof(c.init)) ||
	    !terminated(c.net_interface, sizeof(c.net_interface)))
		abort();
	if (c.init[0] != '/' || strstr(c.init, "//") || strstr(c.rootfs, "/") ||
	    c.rootfs[0] == '.' || !c.disk_name[0] || strchr(c.disk_name, '/'))
		abort();
	if (c.has_disk && !c.disk_device[0] == !c.disk_uuid[0])
		abort();
	if (c.rootfs[0] && !c.has_disk)
		abort();
	if (c.has_tpm && (c.tpm_handle < 0x81000000u || c.tpm_handle > 0x817fffffu ||
			  c.tpm_pcrs == 0 || c.tpm_pcrs >= 1u << 24))
		abort();
	if (c.prompt_seconds > 60 || c.passphrase_seconds < 1 || c.passphrase_seconds > 3600 ||
	    c.ssh_port < 1 || c.ssh_port > 65535 ||
	    (c.has_net && (c.net_prefix < 1 || c.net_prefix > 32)))
		abort();
	return 0;
}
