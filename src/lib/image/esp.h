/* esp.h - EFI system partition images with signet's A/B layout:
 *
 *   EFI/BOOT/BOOTX64.EFI          the default boot loader (optional)
 *   EFI/signet/A/, EFI/signet/B/  one slot each (either may be absent):
 *       uki.efi (optional), sidecar.sqfs, sidecar.verity, sidecar.roothash,
 *       sidecar.roothash.p7s (optional: the root hash signed)
 *
 * The image is a FAT filesystem made by mtools (mformat, mmd, mcopy):
 * no loop device, no root. Everything that varies is pinned: the volume
 * serial number is given, every time stamp is 1980-01-01 00:00 UTC (the
 * FAT epoch, through SOURCE_DATE_EPOCH), files are copied in a fixed
 * order, so equal inputs give byte-identical images. The image is
 * written under a temporary name and renamed when complete.
 */
#ifndef SIGNET_ESP_H
#define SIGNET_ESP_H

#include <stdint.h>

#define SG_ESP_SIZE_MIN_MIB 8
#define SG_ESP_SIZE_MAX_MIB 4096

struct sg_esp_opts {
	const char *out;
	uint32_t size_mib;	 /* image size */
	uint32_t serial;	 /* FAT volume serial number */
	const char *label;	 /* volume label, at most 11 characters */
	const char *boot;	 /* file for EFI/BOOT/BOOTX64.EFI, or NULL */
	const char *slot_dir[2]; /* directories for slots A and B, or NULL */
	unsigned mode;		 /* 0: as created (0666 less the umask); else the
				  * image's mode, set before anything is copied
				  * into it (0600 for an ESP whose UKI holds a key) */
};

/* Defaults: 64 MiB, label "ESP", serial 0x5349474e ("SIGN"). */
void sg_esp_opts_init(struct sg_esp_opts *o);

/* Checks that dir holds the files of a slot and nothing else: the three
 * sidecar files, and uki.efi and sidecar.roothash.p7s when present. */
int sg_esp_check_slot_dir(const char *dir);

int sg_esp_build(const struct sg_esp_opts *o);

#endif
