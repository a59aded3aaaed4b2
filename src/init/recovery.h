/* recovery.h - recovery mode: the sidecar alone, reachable over SSH
 * with the keys baked into the signed initrd, waiting for a remote
 * unlock.
 *
 * signet-init stays PID 1. It brings up the network the host's
 * configuration names, writes a strict sshd configuration of its own
 * (public keys only, the initrd's authorized_keys and host key) under
 * /run/signet/recovery, and runs the sidecar's /usr/sbin/sshd chrooted
 * into the sidecar, with /dev, /proc, /sys and /run bound in. An
 * operator unlocks the disk remotely by writing the passphrase to the
 * FIFO /run/signet/unlock (`ssh root@host 'cat >/run/signet/unlock'`);
 * once the disk is open, any write to the FIFO asks signet-init to look
 * for the rootfs again and continue the boot.
 */
#ifndef SIGNET_INIT_RECOVERY_H
#define SIGNET_INIT_RECOVERY_H

#include "hostcfg.h"

#define RECOVERY_DIR "/run/signet/recovery"
#define UNLOCK_FIFO "/run/signet/unlock"
#define AUTHORIZED_KEYS "/etc/signet/authorized_keys"
#define SSH_HOST_KEY "/etc/signet/ssh_host_ed25519_key"

/* Brings up lo and the configured interface, address and gateway. */
int net_up(const struct sg_host_cfg *cfg);

/* Starts sshd in the sidecar mounted at root; returns its pid. */
int sshd_start(const struct sg_host_cfg *cfg, const char *root);

/* Starts sshd in the sidecar mounted at root to stay while the rootfs
 * runs: in a mount namespace of its own (what the rootfs mounts or
 * unmounts does not reach it), with its keys on a tmpfs only it sees
 * (the rootfs cannot read them). Returns its pid once it has read what
 * it needs from the initrd. */
int sshd_start_beside(const struct sg_host_cfg *cfg, const char *root);

/* In a child that is to live beside the rootfs: a mount namespace of
 * its own (what the rootfs mounts does not reach it), a private tmpfs
 * on the sidecar's /run, /dev and /proc bound in. */
int sidecar_namespace(const char *root);

/* Then the sidecar moved onto / of that namespace and chrooted into,
 * not only chrooted into: once the rootfs's init runs, signet-init
 * removes the initramfs's files, and removing the emptied /run there
 * detaches what is mounted on it in every namespace (the sidecar at
 * /run/signet/sidecar among them). / itself is never removed. */
int sidecar_onto_root(const char *root);

/* Stops sshd (SIGTERM, then waits for it) and takes the binds out of
 * the sidecar at root. */
void sshd_stop(int pid, const char *root);

/* Binds dir (a mount made after sshd started, such as the disk) into
 * the sidecar at root, at the same path. */
int sshd_expose(const char *root, const char *dir);

/* Makes the unlock FIFO and waits for something to be written to it,
 * reaping orphans meanwhile. The bytes written (up to cap - 1, a final
 * newline removed) go to out, NUL-terminated; returns their count. The
 * caller wipes out. */
int unlock_wait(char *out, size_t cap);

#endif
