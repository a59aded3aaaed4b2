/* blockdev.h - the block devices the kernel knows, as signet-init
 * probes them (there is no udev, so no /dev/disk/by-* either). */
#ifndef SIGNET_INIT_BLOCKDEV_H
#define SIGNET_INIT_BLOCKDEV_H

#include <stddef.h>

/* Calls match with "/dev/NAME" for each disk and partition in
 * /sys/class/block (loop, device-mapper and RAM disks left out) until it
 * returns 1; the device that matched is copied to dev (cap bytes).
 * Returns 1 when one matched, 0 when none did. */
int blockdev_find(int (*match)(const char *dev, void *arg), void *arg, char *dev, size_t cap);

#endif
