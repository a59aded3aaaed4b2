#include "unlock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libcryptsetup.h>

#include "blockdev.h"
#include "buf.h"
#include "console.h"
#include "err.h"
#include "hex.h"
#include "tpm.h"

/* libcryptsetup's errors become signet-init's console lines. */
static void log_crypt(int level, const char *msg, void *arg)
{
	size_t n = strlen(msg);

	(void)arg;
	if (level != CRYPT_LOG_ERROR)
		return;
	while (n && msg[n - 1] == '\n')
		n--;
	say("cryptsetup: %.*s", (int)n, msg);
}

/* Opens dev's LUKS2 header into *cd. */
static int luks_load(const char *dev, struct crypt_device **cd)
{
	int r;

	/* Without udev, libdevmapper must make the /dev/mapper nodes itself
	 * instead of waiting for udev to confirm them. */
	setenv("DM_DISABLE_UDEV", "1", 1);
	mkdir("/run/cryptsetup", 0700);
	crypt_set_log_callback(NULL, log_crypt, NULL);
	if ((r = crypt_init(cd, dev)) < 0)
		return sg_fail("%s: %s", dev, strerror(-r));
	crypt_set_log_callback(*cd, log_crypt, NULL);
	if ((r = crypt_load(*cd, CRYPT_LUKS2, NULL)) < 0) {
		crypt_free(*cd);
		*cd = NULL;
		return sg_fail("%s: no LUKS2 header (%s)", dev, strerror(-r));
	}
	return 0;
}

/* 1 when the block device dev holds a LUKS2 header with the UUID arg. */
static int has_uuid(const char *dev, void *arg)
{
	struct crypt_device *cd;
	const char *u;
	int match;

	crypt_set_log_callback(NULL, NULL, NULL);
	if (crypt_init(&cd, dev) < 0)
		return 0;
	match = crypt_load(cd, CRYPT_LUKS2, NULL) == 0 && (u = crypt_get_uuid(cd)) &&
		strcmp(u, (const char *)arg) == 0;
	crypt_free(cd);
	return match;
}

int disk_find(const struct sg_host_cfg *cfg, unsigned wait, char *dev)
{
	double end = now() + wait;
	struct crypt_device *cd;

	for (;;) {
		if (cfg->disk_device[0]) {
			snprintf(dev, SG_HOST_PATH_MAX, "%s", cfg->disk_device);
			if (access(dev, F_OK) == 0)
				break;
		} else if (blockdev_find(has_uuid, (void *)cfg->disk_uuid, dev, SG_HOST_PATH_MAX)) {
			break;
		}
		if (now() >= end) {
			if (cfg->disk_device[0])
				return sg_fail("disk %s did not appear in %u s", cfg->disk_device,
					       wait);
			return sg_fail("no block device holds the LUKS2 disk %s after %u s",
				       cfg->disk_uuid, wait);
		}
		usleep(100 * 1000);
	}
	if (luks_load(dev, &cd) < 0)
		return -1;
	crypt_free(cd);
	return 0;
}

int disk_unlock_key(const struct sg_host_cfg *cfg, const char *dev, const char *key, size_t len)
{
	struct crypt_device *cd;
	int r;

	if (luks_load(dev, &cd) < 0)
		return -1;
	r = crypt_activate_by_passphrase(cd, cfg->disk_name, CRYPT_ANY_SLOT, key, len, 0);
	crypt_free(cd);
	if (r == -EPERM)
		return sg_fail("%s: no key slot opens with this key", dev);
	if (r < 0)
		return sg_fail("%s: activating %s: %s", dev, cfg->disk_name, strerror(-r));
	return 0;
}

/* Logs the current value of each configured PCR: what a control plane
 * needs to seal the disk key to this machine's measurements. */
static void log_pcrs(struct sg_tpm *t, uint32_t pcrs)
{
	for (unsigned i = 0; i < 24; i++) {
		uint8_t v[32];
		char hex[65];

		if (!(pcrs & (1u << i)))
			continue;
		if (sg_tpm_pcr_read(t, i, v) < 0) {
			say("PCR %u: %s", i, sg_errmsg());
			continue;
		}
		sg_hex_encode(v, sizeof(v), hex, SG_HEX_LOWER);
		say("PCR %u is now %s", i, hex);
	}
}

int disk_unlock_tpm(const struct sg_host_cfg *cfg, const char *dev)
{
	struct sg_tpm *t;
	struct sg_buf secret = SG_BUF_INIT;
	char why[512];
	int rc;

	if (sg_tpm_open(&t, SG_TPM_DEFAULT_TCTI) < 0)
		return -1;
	if (sg_tpm_unseal(t, cfg->tpm_pcrs, cfg->tpm_handle, &secret) < 0) {
		snprintf(why, sizeof(why), "%s", sg_errmsg());
		log_pcrs(t, cfg->tpm_pcrs);
		sg_tpm_close(t);
		return sg_fail("TPM: %s", why);
	}
	sg_tpm_close(t);
	rc = disk_unlock_key(cfg, dev, (const char *)secret.data, secret.len);
	sg_buf_wipe(&secret);
	return rc;
}

/* The /dev node of the device-mapper device name: devtmpfs makes
 * /dev/dm-N; without udev nobody makes /dev/mapper/NAME. */
static int dm_node(const char *name, char *node, size_t cap)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int found = 0;

	if (!d)
		return sg_fail_errno("/sys/block");
	while (!found && (e = readdir(d))) {
		char path[300], buf[SG_HOST_NAME_MAX + 2];
		FILE *f;

		if (strncmp(e->d_name, "dm-", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%.200s/dm/name", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, name) == 0) {
				snprintf(node, cap, "/dev/%.200s", e->d_name);
				found = 1;
			}
		}
		fclose(f);
	}
	closedir(d);
	return found ? 0 : sg_fail("device-mapper device %s not found in /sys/block", name);
}

int disk_mount(const struct sg_host_cfg *cfg, const char *dir)
{
	const char *fs = cfg->disk_fs == SG_HOST_FS_BTRFS ? "btrfs" : "ext4";
	char node[256];

	if (dm_node(cfg->disk_name, node, sizeof(node)) < 0)
		return -1;
	mkdir(dir, 0700);
	if (mount(node, dir, fs, MS_NOSUID | MS_NODEV, NULL) < 0)
		return sg_fail_errno("mount %s (%s, %s) on %s", node, cfg->disk_name, fs, dir);
	return 0;
}
