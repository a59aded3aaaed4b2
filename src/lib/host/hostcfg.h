/* hostcfg.h - the host's boot configuration, baked into its signed
 * initrd as /etc/signet/host.json by `signet host provision`, read by
 * signet-init.
 *
 * It is a JSON object of the data model (docs/design.md). Every member but
 * "version" is optional; an unknown member, a wrong type or a value out
 * of range is an error naming its path ("$.disk.tpm.handle: ..."), so a
 * typo cannot silently change how a host boots:
 *
 *   {"version": "0.1",
 *    "host": "web1",                         name, for messages
 *    "disk": {                               the LUKS2 persistent disk
 *      "device": "/dev/vdb",                 its block device, or
 *      "uuid": "<LUKS UUID>",                found by its LUKS2 UUID
 *      "name": "signet-disk",                device-mapper name
 *      "fs": "ext4",                         ext4 | btrfs
 *      "tpm": {"handle": "0x81000010",       key sealed in the TPM2 at
 *              "pcrs": [7]}},                this handle, to these PCRs
 *    "rootfs": "debian",                     /initos/<rootfs> on the disk
 *    "rootfs_hash": "<64 hex>",              or the verity image
 *                                            /initos/<rootfs>.sqfs (and
 *                                            .verity) with this root hash
 *    "run": [{"image": "hello",              images started beside the
 *             "as": "container",             rootfs: /initos/containers/
 *             "hash": "<64 hex>"}],          <image>.sqfs (and .verity), a
 *                                            runtime bundle with this root
 *                                            hash, run by the sidecar's crun;
 *                                            or "as": "sysroot", another
 *                                            spelling of "rootfs" and
 *                                            "rootfs_hash" (at most one)
 *    "init": "/sbin/init",                   run there as PID 1
 *    "console": {"prompt_seconds": 2,        window for 'c' / 'r'
 *                "passphrase_seconds": 120}, wait at the passphrase prompt
 *    "recovery": {"interface": "eth0",       recovery network and sshd
 *                 "address": "10.0.2.15/24",
 *                 "gateway": "10.0.2.2",
 *                 "ssh_port": 22}}
 *
 * Without "disk" the host has no persistent disk and boots into the
 * sidecar itself. With "disk" but without "rootfs", every boot is a
 * recovery boot once the disk is unlocked. Containers ("run" entries
 * "as": "container", at most SG_HOST_RUN_MAX, names distinct) need a
 * rootfs image (a "rootfs_hash"): the sidecar that runs them stays only
 * beside one. Every entry needs its "hash": only an image whose root
 * hash the signed initrd holds runs.
 */
#ifndef SIGNET_HOSTCFG_H
#define SIGNET_HOSTCFG_H

#include <stddef.h>
#include <stdint.h>

#define SG_HOST_NAME_MAX 64
#define SG_HOST_PATH_MAX 256
#define SG_HOST_RUN_MAX 8

/* A container image of the "run" list. */
struct sg_host_container {
	char name[SG_HOST_NAME_MAX]; /* /initos/containers/<name>.sqfs */
	uint8_t hash[32];	     /* its verity root hash */
};

enum sg_host_fs { SG_HOST_FS_EXT4, SG_HOST_FS_BTRFS };

struct sg_host_cfg {
	char host[SG_HOST_NAME_MAX];
	int has_disk;
	char disk_device[SG_HOST_PATH_MAX]; /* "" when found by uuid */
	char disk_uuid[40];		    /* "" when given by device */
	char disk_name[SG_HOST_NAME_MAX];   /* default "signet-disk" */
	enum sg_host_fs disk_fs;
	int has_tpm;
	uint32_t tpm_handle;	       /* persistent, 0x81000000-0x817fffff */
	uint32_t tpm_pcrs;	       /* bitmask of sha256 PCRs */
	char rootfs[SG_HOST_NAME_MAX]; /* "" for none */
	uint8_t rootfs_hash[32];       /* the verity image's root hash... */
	int has_rootfs_hash;	       /* ...when the rootfs is an image */
	struct sg_host_container containers[SG_HOST_RUN_MAX];
	size_t n_containers;
	char init[SG_HOST_PATH_MAX]; /* default "/sbin/init" */
	unsigned prompt_seconds;     /* default 2, at most 60 */
	unsigned passphrase_seconds; /* default 120, at most 3600 */
	int has_net;
	char net_interface[16];
	uint8_t net_address[4];
	unsigned net_prefix; /* 1..32 */
	int has_gateway;
	uint8_t net_gateway[4];
	unsigned ssh_port; /* default 22 */
};

/* Fills the defaults: no disk, no rootfs, no network. */
void sg_host_cfg_defaults(struct sg_host_cfg *c);

/* Parses len bytes of host.json into c (defaults first). */
int sg_host_cfg_parse(const char *text, size_t len, struct sg_host_cfg *c);

#endif
