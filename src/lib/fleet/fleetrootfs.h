/* fleetrootfs.h - a host's rootfs as a dm-verity image built from the
 * OCI image fleet.lock pins, addressed by its root hash.
 *
 * A host document's `rootfs: NAME` (fleetdoc.h) is pinned in the lock
 * in one of two ways:
 *
 *   rootfs/NAME                 one file (a tar the control plane puts
 *                               on the disk's /initos/NAME itself):
 *                               nothing is built, the host boots the
 *                               directory as it is
 *   rootfs/NAME/oci-layout      an OCI image layout holding one image
 *   rootfs/NAME/index.json      (index.json's only manifest, whatever
 *   rootfs/NAME/blobs/sha256/H its tag), every file pinned; each blob
 *                               is content-addressed and the unpacker
 *                               (ociunpack.h) checks its digest again
 *   rootfs/NAME.roothash        with the dm-verity root hash, hex, of
 *                               the image made from it (scripts/
 *                               fleet-inputs computes it with signet
 *                               image build)
 *
 * For a layout, the builders make once for the whole fleet, however
 * many hosts name it:
 *
 *   shared/rootfs/NAME.sqfs      "rootfs-image": signet image build
 *                                --from-oci LAYOUT --allow-devices, the
 *                                image reproducible (image.h): owners,
 *                                times and xattrs the image's own
 *   shared/rootfs/NAME.verity    "rootfs-verity": its hash tree (the
 *                                salt and UUID derived from the image)
 *   shared/rootfs/NAME.roothash  "rootfs-roothash": its root hash, hex
 *                                without newline
 *
 * each failing the build when the image's root hash is not the pinned
 * one. Every host naming the layout gets "rootfs_hash" (the pinned root
 * hash) in its host.json and in its UKI's host document: signet-init
 * then boots only /initos/NAME.sqfs with its .verity whose root hash it
 * is (hostcfg.h), so a host runs only a rootfs the control plane signed
 * for it. The root hash is pinned, not computed while the jobs are
 * listed, for the sidecar's reason (fleetboot.h): fleet plan and the
 * job digests read fleet.lock only, and a host's document can be made
 * again without making the image again.
 *
 * The three jobs have the same inputs (the layout's pins and the root
 * hash's): the image is made once per build run, kept in memory for the
 * next of them, and not at all when the previous build has it.
 */
#ifndef SIGNET_FLEETROOTFS_H
#define SIGNET_FLEETROOTFS_H

#include "buf.h"
#include "fleetdoc.h"
#include "fleetjob.h"
#include "json.h"

/* 1 when the lock pins rootfs/<name> as an OCI layout
 * (rootfs/<name>/index.json). */
int sg_fleet_rootfs_is_image(const struct sg_fleet *f, const char *name);

/* The producer: the three shared jobs of h's rootfs when it is a
 * layout, none otherwise. */
int sg_fleet_rootfs_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
			 struct sg_fleet_jobs *jobs);

/* The pin (sg_fleet_pinned_json) of h's rootfs root hash into *pin: 0
 * with *pin NULL when h names no layout rootfs, -1 on failure. */
int sg_fleet_rootfs_hash_pin(const struct sg_fleet *f, const struct sg_fleet_host *h,
			     struct sg_json **pin);

/* A copy of the host document boot with "rootfs_hash" set to the root
 * hash the pin names (read from inputs_dir, its SHA-256 checked), into
 * *out (the caller frees it). pin NULL: a plain copy. */
int sg_fleet_rootfs_config(const struct sg_json *boot, const struct sg_json *pin,
			   const char *inputs_dir, struct sg_json **out);

/* The control plane's step, in signet fleet sign, for a host h whose
 * rootfs is a layout: OUT/hosts/<h>/boot/disk.img, the host's
 * first-install LUKS2 disk (luksimg.h: ext4 in aes-xts-plain64) holding
 * /initos/<rootfs>.sqfs and .verity (OUT/shared/rootfs's, which must be
 * there), its LUKS2 UUID the host document's disk.uuid when it names
 * one, 0600; its one keyslot opens with the host's disk key KEYS/hosts/
 * <h>/disk.key (32 random bytes, 0600, made here when KEYS has none and
 * kept: the key the operator seals into the host's TPM, or types). The
 * volume key is random: each signing makes another image that the same
 * key opens. A host without an image rootfs or a disk: nothing. One
 * line per file in report ("made PATH SHA256"). */
int sg_fleet_rootfs_disk(const struct sg_fleet_host *h, const char *keys, const char *out,
			 struct sg_buf *report);

#endif
