/* veritydev.h - a verity device of signet-init: a squashfs image and
 * its hash tree (veritysetup's layout, with superblock), both files,
 * each on a read-only loop device, joined by a dm-verity target whose
 * root hash the caller trusts.
 *
 * The verity table comes from the superblock (initcfg.h checks it);
 * the kernel checks every block against the root hash as it is read, so
 * a corrupt image is found when the bad block is read, or at once when
 * the caller asks for the whole device to be read (a corrupt block
 * anywhere then refuses the image, before anything runs from it).
 */
#ifndef SIGNET_INIT_VERITYDEV_H
#define SIGNET_INIT_VERITYDEV_H

#include <stddef.h>
#include <stdint.h>

/* Creates the dm-verity device dm_name over image and its tree verity
 * with root (root_size bytes), and its node dm_node; with full, reads
 * it whole first. On failure nothing is left behind. */
int verity_dev_open(const char *image, const char *verity, const uint8_t *root, size_t root_size,
		    const char *dm_name, const char *dm_node, int full);

/* Removes the device-mapper device name, if there is one. */
void dm_remove(const char *name);

#endif
