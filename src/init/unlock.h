/* unlock.h - the persistent disk: find its LUKS2 device, open it with
 * a key unsealed from the TPM2 or with a passphrase (libcryptsetup,
 * the kernel's dm-crypt), and mount it.
 */
#ifndef SIGNET_INIT_UNLOCK_H
#define SIGNET_INIT_UNLOCK_H

#include <stddef.h>

#include "hostcfg.h"

/* Finds the disk (by device or LUKS UUID, waiting up to wait seconds
 * for it to appear) and checks its LUKS2 header. The device's path
 * goes to dev (at least SG_HOST_PATH_MAX bytes). */
int disk_find(const struct sg_host_cfg *cfg, unsigned wait, char *dev);

/* Opens the disk with the secret sealed in the TPM at the configured
 * handle, under the configured PCRs as they are now. On a refusal the
 * PCRs' current values are logged, for re-sealing. */
int disk_unlock_tpm(const struct sg_host_cfg *cfg, const char *dev);

/* Opens the disk with a passphrase (or key) of len bytes. */
int disk_unlock_key(const struct sg_host_cfg *cfg, const char *dev, const char *key, size_t len);

/* Mounts the opened disk read-write on dir. */
int disk_mount(const struct sg_host_cfg *cfg, const char *dir);

#endif
