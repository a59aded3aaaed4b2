/* runtime.h - an OCI runtime configuration (runtime-spec v1.0.2
 * config.md and config-linux.md, the config.json of a runtime bundle)
 * made from an OCI image configuration (image-spec config.md, by the
 * rules of conversion.md), for crun or runc to run.
 *
 * From the image's config:
 *   process.args   Entrypoint followed by Cmd; either may be absent or
 *                  empty (Cmd alone: its first entry is the program);
 *                  both empty is refused (nothing to run)
 *   process.env    Env, each "NAME=VALUE" with a non-empty NAME and no
 *                  NAME twice; a PATH (the usual default, as docker's and
 *                  umoci's) goes first when Env has none
 *   process.cwd    WorkingDir, absolute; "/" when absent or empty
 *   process.user   User, "user[:group]" (empty: "0"), resolved as
 *                  libcontainer (runc, umoci) does when opts->users holds
 *                  the unpacked image's /etc/passwd and /etc/group: a
 *                  name must be there; a number found there takes its
 *                  entry's primary gid (and HOME, appended to env when
 *                  Env has none), a number not found stands for itself
 *                  with gid 0; with no explicit group, the groups that
 *                  list the user's name as a member are additionalGids.
 *                  Without opts->users, numbers only ("uid", gid 0, or
 *                  "uid:gid"), names refused. The files are read
 *                  without following links (sg_oci_rootfs_users()): an
 *                  image's /etc/passwd that is a link out of it is
 *                  refused, never read
 *   mounts         each of Volumes a tmpfs (nosuid, nodev, mode 0755,
 *                  owned by process.user's uid and gid) at that path,
 *                  sorted by path, so the process can write where its
 *                  image says it writes under the read-only root;
 *                  paths under /proc, /sys or /dev, and "/", are refused
 *   annotations    Labels, then org.opencontainers.image.os,
 *                  .architecture, .variant, .author and .stopSignal from
 *                  the image (these win over a label of the same key);
 *                  keys sorted. ExposedPorts and created are ignored.
 * Refused as well: an os other than linux, strings with NUL or longer
 * than SG_OCI_RT_MAX_STR bytes, lists longer than SG_OCI_RT_MAX_LIST,
 * a StopSignal that is not a signal name or number. Each refusal is one
 * line "NAME: config.FIELD: rule".
 *
 * Fixed, as runc's and umoci's defaults (with CVE-2022-24769's fix):
 * root.path "rootfs", read-only; no terminal; noNewPrivileges; the
 * capabilities CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE in the
 * bounding, effective and permitted sets, none inheritable or ambient
 * (so a process of a uid other than 0 has none); RLIMIT_NOFILE 1024;
 * the mounts /proc, /dev (tmpfs), /dev/pts, /dev/shm, /dev/mqueue and
 * /sys (read-only); the pid, ipc, uts and mount namespaces, and a
 * network namespace of its own (loopback only: a container has no
 * network unless opts->host_network shares the host's); every device
 * denied in the device cgroup; runc's masked and read-only paths of
 * /proc and /sys.
 *
 * The output is deterministic: the same image config and options give
 * the same bytes (fixed member order, no time).
 */
#ifndef SIGNET_OCI_RUNTIME_H
#define SIGNET_OCI_RUNTIME_H

#include <stddef.h>

#include "buf.h"
#include "json.h"
#include "ocilayout.h"

#define SG_OCI_RT_VERSION "1.0.2"
#define SG_OCI_RT_MAX_STR 32768
#define SG_OCI_RT_MAX_LIST 1024
#define SG_OCI_RT_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SG_OCI_RT_DEFAULT_HOSTNAME "container"

/* The unpacked image's /etc/passwd and /etc/group (empty when absent). */
struct sg_oci_users {
	struct sg_buf passwd, group;
};

struct sg_oci_runtime_opts {
	const char *hostname; /* NULL: SG_OCI_RT_DEFAULT_HOSTNAME */
	int host_network;     /* share the host's network namespace */
	/* NULL: numeric users only. Otherwise names resolve against them. */
	const struct sg_oci_users *users;
};

/* Reads rootfs/etc/passwd and rootfs/etc/group into u without following
 * a symbolic link anywhere below rootfs: etc and each file are opened
 * with O_NOFOLLOW from the directory above, and must be a directory and
 * regular files of at most SG_OCI_RT_MAX_USERS bytes, each looked at
 * (fstatat, no link followed) before it is opened, so a device node is
 * refused without being opened. A missing etc or file reads as empty; a
 * link, a device or a FIFO is refused. Free u
 * with sg_oci_users_free() (also after a failure). */
#define SG_OCI_RT_MAX_USERS (1u << 20)
int sg_oci_rootfs_users(const char *rootfs, struct sg_oci_users *u);
void sg_oci_users_free(struct sg_oci_users *u);

/* The runtime configuration of the image config text (name for
 * messages) into *out, a tree the caller frees. opts may be NULL. */
int sg_oci_runtime_config(const char *name, const char *text, size_t len,
			  const struct sg_oci_runtime_opts *opts, struct sg_json **out);

/* 1 when s is a hostname this module takes: 1 to 63 letters, digits,
 * '-' and '.', starting with a letter or digit; 0 otherwise. */
int sg_oci_hostname_valid(const char *s);

/* The same configuration as config.json's text (two-space indent, a
 * final newline) appended to out. */
int sg_oci_runtime_config_text(const char *name, const char *text, size_t len,
			       const struct sg_oci_runtime_opts *opts, struct sg_buf *out);

/* The configuration text (as above) of an image: the config of layout
 * dir's tag (tag NULL: its only manifest), read with ocilayout.h's
 * checks, when dir is given; otherwise the image config blob in the
 * file config ("-": standard input). With rootfs (the image unpacked),
 * its users are read by sg_oci_rootfs_users() and replace opts->users. */
int sg_oci_runtime_load(const char *dir, const char *tag, const char *config, const char *rootfs,
			const struct sg_oci_runtime_opts *opts, struct sg_buf *out);

#endif
