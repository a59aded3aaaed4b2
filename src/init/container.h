/* container.h - container mode: the images of the host document's "run"
 * list with "as": "container", started by the sidecar's crun beside the
 * rootfs.
 *
 * Each container NAME is /initos/containers/NAME.sqfs on the disk (an
 * OCI runtime bundle, `signet image build --from-oci --bundle`: its
 * config.json and rootfs/) with its dm-verity tree NAME.verity. It runs
 * only when the whole image verifies against the root hash host.json
 * holds (the signed initrd's): signet-init reads all of it through
 * dm-verity first, so one flipped byte refuses it, with one line on the
 * console; the boot goes on without it.
 *
 * The verified containers are started by one supervisor process, a
 * child of signet-init that stays when the rootfs's init takes PID 1:
 * in a mount namespace of its own (the rootfs sees none of its mounts),
 * it mounts each bundle read-only (nosuid, nodev) at
 * /run/containers/NAME in the sidecar, on a tmpfs /run of its own that
 * also holds crun's state (/run/crun), binds /dev, /proc and /sys in,
 * mounts the cgroup2 hierarchy at /sys/fs/cgroup (crun reads the cgroup
 * layout from it), moves the sidecar onto / (so that nothing the
 * initramfs's removal detaches is under it) and runs, for each,
 *   /usr/bin/crun --root /run/crun --cgroup-manager=disabled
 *       run --bundle /run/containers/NAME NAME
 * with standard input /dev/null and standard output and error the
 * console, so what a container prints is on the console. Its exit is
 * said there ("container NAME exited with status N"). The cgroup manager
 * is disabled because the rootfs's systemd owns the cgroup tree: a
 * container has no cgroup of its own, so no resource limits and no
 * device cgroup (its /dev is the tmpfs crun fills with the usual
 * devices); the namespaces, capabilities, read-only root and
 * no_new_privs of its config.json are what confine it.
 */
#ifndef SIGNET_INIT_CONTAINER_H
#define SIGNET_INIT_CONTAINER_H

#include "hostcfg.h"

/* Verifies each container of host on the disk mounted at disk and, when
 * the sidecar at sidecar has crun, starts the verified ones there.
 * Failures are said on the console, never fatal; returns how many
 * containers were started. */
int containers_start(const struct sg_host_cfg *host, const char *disk, const char *sidecar);

#endif
