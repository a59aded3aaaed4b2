/* initcfg.h - the decisions signet-init (the initrd's PID 1) makes, as
 * pure functions that can be tested on the host.
 *
 * The kernel command line is a list of words separated by blanks; a
 * word may hold double-quoted parts (key="a b"), as the kernel's own
 * parser allows. signet-init reads only the words whose key starts
 * with "signet."; any other word belongs to the kernel or the rootfs
 * and is ignored. An unknown signet.* key, a bad value, a NUL byte or
 * an unterminated quote is an error (a typo must not silently change
 * how a host boots). When a key is repeated the last one wins, as for
 * kernel parameters.
 *
 *   signet.slot=A|B         slot tried first (default A); the other is
 *                           the fallback
 *   signet.esp=/dev/NAME    block device holding the ESP (default: every
 *                           block device is probed for EFI/signet)
 *   signet.init=/PATH       program run as PID 1 in the new root
 *                           (default /sbin/init)
 *   signet.check=full|lazy  full (default): every block of the sidecar
 *                           is read through dm-verity before switching
 *                           root, so a corrupted slot is refused at boot
 *                           and the other slot is tried; lazy: blocks
 *                           are checked when read
 *   signet.insecure[=1|0]   with Secure Boot off, a verification failure
 *                           drops to /bin/sh when the initrd has one
 *                           instead of rebooting
 *   signet.reboot_delay=N   seconds shown before rebooting on refusal
 *                           (default 10, at most 3600)
 *   signet.wait=N           seconds to wait for the ESP device to appear
 *                           (default 10, at most 3600)
 *
 * The trusted root hashes are baked into the (signed) initrd, one hex
 * digest per line; a slot's sidecar.roothash on the ESP names the one
 * its image has, and is accepted only when it is in that list. The
 * module list is one absolute path per line; '#' starts a comment.
 *
 * The device-mapper requests are laid out here too (struct dm_ioctl,
 * then one struct dm_target_spec and its parameter string), as the
 * kernel's drivers/md/dm-ioctl.c reads them.
 */
#ifndef SIGNET_INITCFG_H
#define SIGNET_INITCFG_H

#include <stddef.h>
#include <stdint.h>

#include "verity.h"

#define SG_INIT_PATH_MAX 256

enum sg_init_check { SG_INIT_CHECK_FULL, SG_INIT_CHECK_LAZY };

struct sg_init_cmdline {
	char slot;		    /* 'A' or 'B' */
	char esp[SG_INIT_PATH_MAX]; /* "" means probe every block device */
	char init[SG_INIT_PATH_MAX];
	enum sg_init_check check;
	int insecure;
	unsigned reboot_delay; /* seconds */
	unsigned wait;	       /* seconds */
};

/* Fills the defaults listed above. */
void sg_init_cmdline_defaults(struct sg_init_cmdline *c);

/* Parses len bytes of a kernel command line (as /proc/cmdline, a final
 * newline allowed) over the values already in c. */
int sg_init_cmdline_parse(const char *cmdline, size_t len, struct sg_init_cmdline *c);

/* 1 when the path v holds no ".." component after its first byte and no
 * "//": a path signet-init takes from its configuration (command line,
 * host.json) must say plainly where it goes. */
int sg_init_path_plain(const char *v);

/* The slot tried when slot fails: 'B' for 'A' and 'A' for 'B'. */
char sg_init_other_slot(char slot);

/* Calls fn for each module path of the list (len bytes); stops at the
 * first error fn returns. Paths must be absolute and shorter than
 * SG_INIT_PATH_MAX. */
int sg_init_modules_parse(const char *text, size_t len, int (*fn)(const char *path, void *arg),
			  void *arg);

/* Parses a slot's root hash file (hex digits, trailing blanks or a
 * newline allowed) into root. */
int sg_init_roothash_parse(const char *text, size_t len, uint8_t root[SG_VERITY_DIGEST_MAX],
			   size_t *root_size);

/* 1 when root is one of the digests listed in trusted (len bytes, one
 * hex digest per line, '#' comments), 0 when not, -1 on a malformed
 * list. */
int sg_init_roothash_trusted(const char *trusted, size_t len, const uint8_t *root, size_t root_size);

/* Formats the parameters of a "verity" target for a hash device laid
 * out by veritysetup (superblock, then the tree from hash block 1
 * unless p->no_superblock) into out:
 * "1 DATA HASH DBS HBS BLOCKS START ALG ROOT SALT". */
int sg_init_verity_target(const struct sg_verity_params *p, const char *data_dev,
			  const char *hash_dev, const uint8_t *root, size_t root_size, char *out,
			  size_t outsz);

/* Lays out a device-mapper ioctl request in buf (bufsz bytes, 8-aligned):
 * the header with version 4.0.0, the device name and flags, and when
 * target is not NULL one target of sectors 512-byte sectors from 0 with
 * its parameter string (for DM_TABLE_LOAD). */
int sg_dm_request(void *buf, size_t bufsz, const char *name, uint32_t flags, const char *target,
		  uint64_t sectors, const char *params);

/* Reads the SecureBoot EFI variable as efivarfs returns it (4 bytes of
 * attributes, then one byte): 1 on, 0 off, -1 malformed. */
int sg_init_secureboot_parse(const uint8_t *var, size_t len);

#endif
