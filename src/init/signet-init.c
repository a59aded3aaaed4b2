/* signet-init.c - the initrd's PID 1: finds the boot slot on the ESP,
 * puts the slot's sidecar image behind dm-verity with a root hash baked
 * into the initrd, mounts it read-only under a tmpfs overlay and
 * switches root into it. No shell, no script.
 *
 * The initrd holds:
 *   /etc/signet/sidecar.roothash  trusted root hashes, one per line
 *   /etc/signet/sidecar-signer.pem  or a certificate whose signatures
 *                                 (sidecar.roothash.p7s) make one trusted
 *   /etc/signet/modules           kernel modules to load, one path a line
 * and the ESP holds, for slot S, EFI/signet/S/sidecar.sqfs,
 * sidecar.verity (veritysetup's layout, with superblock) and
 * sidecar.roothash (which trusted hash the image has).
 *
 * When no slot verifies, the boot is refused: a message on the console
 * and a reboot after signet.reboot_delay seconds. Only with Secure Boot
 * off and signet.insecure given may it fall back to /bin/sh, when the
 * initrd has one. The decisions that can be made off-line (command
 * line, lists, the verity table, the dm requests) live in libsignet's
 * initcfg module; this file is the glue to the kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "blockdev.h"
#include "buf.h"
#include "console.h"
#include "container.h"
#include "err.h"
#include "fileio.h"
#include "hostcfg.h"
#include "initcfg.h"
#include "recovery.h"
#include "unlock.h"
#include "verity.h"
#include "veritydev.h"

#define TRUSTED_ROOTS "/etc/signet/sidecar.roothash"
#define SIGNER_CERT "/etc/signet/sidecar-signer.pem"
#define MODULE_LIST "/etc/signet/modules"
#define HOST_CONFIG "/etc/signet/host.json"
#define RUN_DIR "/run/signet"
#define ESP_DIR RUN_DIR "/esp"
#define NEW_ROOT "/newroot"
#define SIDECAR_DIR RUN_DIR "/sidecar"
#define DISK_DIR RUN_DIR "/disk"
#define ROOTFS_LOWER RUN_DIR "/rootfs"
#define ROOTFS_DM "signet-rootfs"
#define ROOTFS_NODE "/dev/signet-rootfs"
#define SIDECAR_IN_ROOT "/initos/sidecar"
#define EFIVAR_SB "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

static int mount_api(const char *src, const char *dir, const char *type, unsigned long flags,
		     const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, flags, opts) < 0 && errno != EBUSY)
		return sg_fail_errno("mount %s on %s", type, dir);
	return 0;
}

static int mount_api_filesystems(void)
{
	const unsigned long nosuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (mount_api("proc", "/proc", "proc", nosuid, NULL) < 0 ||
	    mount_api("sysfs", "/sys", "sysfs", nosuid, NULL) < 0 ||
	    mount_api("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") < 0 ||
	    mount_api("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return -1;
	mkdir(RUN_DIR, 0700);
	return 0;
}

static int read_small(const char *path, struct sg_buf *b)
{
	b->len = 0;
	return sg_read_file(path, b, 1 << 20);
}

/* A module that does not load is reported, not fatal: efivarfs, for
 * one, refuses machines without EFI, and whatever a missing module was
 * needed for fails later with its own message. */
static int load_module(const char *path, void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0) {
		say("warning: module %s: %s", path, strerror(errno));
		return 0;
	}
	if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		say("warning: module %s not loaded: %s", path, strerror(errno));
	close(fd);
	return 0;
}

static int load_modules(void)
{
	struct sg_buf list = SG_BUF_INIT;
	int rc;

	if (access(MODULE_LIST, F_OK) < 0)
		return 0;
	if (read_small(MODULE_LIST, &list) < 0)
		return -1;
	rc = sg_init_modules_parse((const char *)list.data, list.len, load_module, NULL);
	sg_buf_free(&list);
	if (rc < 0)
		return sg_fail_prefix(MODULE_LIST);
	return 0;
}

/* 1 with Secure Boot on, 0 when off or when there is no EFI firmware. */
static int secure_boot_state(void)
{
	struct sg_buf v = SG_BUF_INIT;
	int on = 0;

	if (access("/sys/firmware/efi", F_OK) < 0)
		return 0;
	mount("efivarfs", "/sys/firmware/efi/efivars", "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	      NULL);
	if (read_small(EFIVAR_SB, &v) == 0)
		on = sg_init_secureboot_parse(v.data, v.len) == 1;
	sg_buf_free(&v);
	return on;
}

/* Mounts dev as vfat read-only on ESP_DIR when it holds EFI/signet. */
static int try_esp(const char *dev)
{
	if (mount(dev, ESP_DIR, "vfat", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "shortname=mixed") < 0)
		return -1;
	if (access(ESP_DIR "/EFI/signet", F_OK) == 0)
		return 0;
	umount(ESP_DIR);
	return -1;
}

static int esp_matches(const char *dev, void *arg)
{
	(void)arg;
	return try_esp(dev) == 0;
}

/* Probes the block devices the kernel knows (whole disks and partitions). */
static int probe_esp(void)
{
	char dev[300];

	return blockdev_find(esp_matches, NULL, dev, sizeof(dev)) ? 0 : -1;
}

static int find_esp(const struct sg_init_cmdline *cfg)
{
	double end = now() + cfg->wait;

	mkdir(ESP_DIR, 0700);
	for (;;) {
		if (cfg->esp[0] ? try_esp(cfg->esp) == 0 : probe_esp() == 0)
			return 0;
		if (now() >= end)
			break;
		usleep(100 * 1000);
	}
	if (cfg->esp[0])
		return sg_fail("ESP %s: no FAT filesystem with EFI/signet after %u s", cfg->esp,
			       cfg->wait);
	return sg_fail("no block device holds a FAT filesystem with EFI/signet after %u s",
		       cfg->wait);
}

struct slot_paths {
	char dir[128], sqfs[160], verity[160], roothash[160], sig[170];
	char dm_name[32], dm_node[64], lower[64], rw[64];
};

static void slot_paths_init(struct slot_paths *s, char slot)
{
	snprintf(s->dir, sizeof(s->dir), ESP_DIR "/EFI/signet/%c", slot);
	snprintf(s->sqfs, sizeof(s->sqfs), "%s/sidecar.sqfs", s->dir);
	snprintf(s->verity, sizeof(s->verity), "%s/sidecar.verity", s->dir);
	snprintf(s->roothash, sizeof(s->roothash), "%s/sidecar.roothash", s->dir);
	snprintf(s->sig, sizeof(s->sig), "%s/sidecar.roothash.p7s", s->dir);
	snprintf(s->dm_name, sizeof(s->dm_name), "signet-sidecar-%c", slot);
	snprintf(s->dm_node, sizeof(s->dm_node), "/dev/signet-sidecar-%c", slot);
	snprintf(s->lower, sizeof(s->lower), RUN_DIR "/lower-%c", slot);
	snprintf(s->rw, sizeof(s->rw), RUN_DIR "/rw-%c", slot);
}

/* 0 when the slot's signature file is a valid signature of root by the
 * organisation's certificate baked into the initrd. */
static int root_signed(const struct slot_paths *s, const uint8_t *root, size_t root_size)
{
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];
	struct sg_buf sig = SG_BUF_INIT;
	int rc;

	if (access(SIGNER_CERT, F_OK) < 0 || access(s->sig, F_OK) < 0)
		return -1;
	if (read_small(s->sig, &sig) < 0)
		return -1;
	sg_verity_hex(root, root_size, hex);
	rc = sg_verity_verify_sig(SIGNER_CERT, hex, sig.data, sig.len);
	sg_buf_free(&sig);
	return rc < 0 ? sg_fail_prefix(s->sig) : 0;
}

/* The slot's root hash, accepted only when the initrd lists it, or
 * when it is signed by the certificate the initrd holds. */
static int slot_root(const struct slot_paths *s, const struct sg_buf *trusted, uint8_t *root,
		     size_t *root_size)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	if (read_small(s->roothash, &b) < 0)
		return -1;
	rc = sg_init_roothash_parse((const char *)b.data, b.len, root, root_size);
	sg_buf_free(&b);
	if (rc < 0)
		return sg_fail_prefix(s->roothash);
	rc = sg_init_roothash_trusted((const char *)trusted->data, trusted->len, root, *root_size);
	if (rc < 0)
		return sg_fail_prefix(TRUSTED_ROOTS);
	if (rc == 1)
		return 0;
	if (access(s->sig, F_OK) == 0 && access(SIGNER_CERT, F_OK) == 0)
		return root_signed(s, root, *root_size);
	return sg_fail("%s: root hash not among the initrd's trusted ones and not signed",
		       s->roothash);
}

/* Verity device, squashfs, overlay for slot: mounted on target, which
 * must hold the program must_run when it is not NULL. */
static int try_slot(char slot, const struct sg_init_cmdline *cfg, const struct sg_buf *trusted,
		    const char *target, const char *must_run)
{
	struct slot_paths s;
	uint8_t root[SG_VERITY_DIGEST_MAX];
	size_t root_size;
	char opts[512];

	slot_paths_init(&s, slot);
	if (slot_root(&s, trusted, root, &root_size) < 0 ||
	    verity_dev_open(s.sqfs, s.verity, root, root_size, s.dm_name, s.dm_node,
			    cfg->check == SG_INIT_CHECK_FULL) < 0)
		return -1;
	mkdir(s.lower, 0700);
	mkdir(s.rw, 0700);
	mkdir(target, 0755);
	if (mount(s.dm_node, s.lower, "squashfs", MS_RDONLY | MS_NODEV, NULL) < 0) {
		sg_fail_errno("mount squashfs %s", s.sqfs);
		goto fail_dm;
	}
	if (mount("tmpfs", s.rw, "tmpfs", MS_NODEV, "mode=0755") < 0) {
		sg_fail_errno("mount tmpfs %s", s.rw);
		goto fail_lower;
	}
	snprintf(opts, sizeof(opts), "%s/upper", s.rw);
	mkdir(opts, 0755);
	snprintf(opts, sizeof(opts), "%s/work", s.rw);
	mkdir(opts, 0755);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", s.lower, s.rw,
		 s.rw);
	if (mount("overlay", target, "overlay", MS_NODEV, opts) < 0) {
		sg_fail_errno("mount overlay on %s", target);
		goto fail_rw;
	}
	if (must_run) {
		snprintf(opts, sizeof(opts), "%s%s", target, must_run);
		if (access(opts, X_OK) < 0) {
			sg_fail_errno("%s in slot %c", must_run, slot);
			umount(target);
			goto fail_rw;
		}
	}
	return 0;
fail_rw:
	umount(s.rw);
fail_lower:
	umount(s.lower);
fail_dm:
	dm_remove(s.dm_name);
	return -1;
}

static int move_into_root(const char *from, const char *to_rel)
{
	char to[128];

	snprintf(to, sizeof(to), NEW_ROOT "%s", to_rel);
	mkdir(to, 0755);
	if (mount(from, to, NULL, MS_MOVE, NULL) < 0)
		return sg_fail_errno("moving %s to %s", from, to);
	return 0;
}

/* Removes everything in directory fd that lives on device dev (the
 * initramfs), not crossing into other filesystems: the initramfs is in
 * RAM and nothing will reach it after the switch. Best effort. */
static void remove_tree(int fd, dev_t dev)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		int sub;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			sub = openat(dirfd(d), e->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				remove_tree(sub, dev);
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

/* Moves the API filesystems into the new root, makes it / and runs its
 * init. Returns only on failure. */
static int switch_root(const char *init, char slot)
{
	char slot_s[2] = { slot, '\0' };
	char *argv[] = { (char *)init, NULL };
	struct stat st, nst;

	if (sg_write_file_atomic(RUN_DIR "/slot", slot_s, 1, 0644, 0) < 0)
		return -1;
	if (move_into_root("/dev", "/dev") < 0 || move_into_root("/proc", "/proc") < 0 ||
	    move_into_root("/sys", "/sys") < 0 || move_into_root("/run", "/run") < 0)
		return -1;
	if (stat("/", &st) == 0 && stat(NEW_ROOT, &nst) == 0 && st.st_dev != nst.st_dev) {
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0)
			remove_tree(fd, st.st_dev);
	}
	if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return sg_fail_errno("switching root to %s", NEW_ROOT);
	setenv("SIGNET_SLOT", slot_s, 1);
	/* Set for libdevmapper in the initrd, where there is no udev; the
	 * rootfs may well have one. */
	unsetenv("DM_DISABLE_UDEV");
	execv(init, argv);
	return sg_fail_errno("exec %s", init);
}

/* Never returns: reboots after the delay, or runs /bin/sh when allowed. */
static void refuse(const struct sg_init_cmdline *cfg, int secure, const char *why)
	__attribute__((noreturn));

static void refuse(const struct sg_init_cmdline *cfg, int secure, const char *why)
{
	say("REFUSED: %s", why);
	if (!secure && access("/bin/sh", X_OK) == 0) {
		char *argv[] = { "/bin/sh", NULL };

		say("insecure mode: starting /bin/sh");
		execv("/bin/sh", argv);
		say("cannot run /bin/sh: %s", strerror(errno));
	}
	say("rebooting in %u s", cfg->reboot_delay);
	sleep(cfg->reboot_delay);
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

/* 0 when the disk holds the rootfs: the directory /initos/<rootfs>, or
 * for a rootfs image /initos/<rootfs>.sqfs and its .verity. */
static int rootfs_ready(const struct sg_host_cfg *host)
{
	char path[SG_HOST_PATH_MAX + 64];

	if (!host->rootfs[0])
		return sg_fail("the host's configuration names no rootfs");
	snprintf(path, sizeof(path), DISK_DIR "/initos/%s%s", host->rootfs,
		 host->has_rootfs_hash ? ".sqfs" : "");
	if (access(path, F_OK) < 0)
		return sg_fail_errno("rootfs %s: %s", host->rootfs, path);
	snprintf(path, sizeof(path), DISK_DIR "/initos/%s.verity", host->rootfs);
	if (host->has_rootfs_hash && access(path, F_OK) < 0)
		return sg_fail_errno("rootfs %s: %s", host->rootfs, path);
	return 0;
}

/* 0 when init, resolved inside root as it will be once root is / (its
 * symlinks are absolute: Debian's /sbin/init -> /lib/systemd/systemd),
 * is an executable regular file. */
static int init_in_root(const char *root, const char *init)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	struct stat st;
	int rfd, fd, rc = 0;

	if ((rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return sg_fail_errno("%s", root);
	fd = (int)syscall(SYS_openat2, rfd, init + 1, &how, sizeof(how));
	close(rfd);
	if (fd < 0)
		return sg_fail_errno("the rootfs has no %s", init);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		rc = sg_fail("the rootfs's %s is not an executable file", init);
	close(fd);
	return rc;
}

static void unmount_rootfs(void)
{
	umount2(NEW_ROOT, MNT_DETACH);
	umount2(ROOTFS_LOWER, MNT_DETACH);
	dm_remove(ROOTFS_DM);
	unlink(ROOTFS_NODE);
}

/* The rootfs image behind dm-verity with the root hash the signed
 * initrd holds, read whole first (a flipped byte anywhere refuses it),
 * mounted read-only under an overlay whose upper layer is on the disk
 * (/state/<rootfs>, so what the rootfs writes stays), on NEW_ROOT. */
static int mount_rootfs_image(const struct sg_host_cfg *host)
{
	char image[SG_HOST_PATH_MAX + 64], verity[SG_HOST_PATH_MAX + 64];
	char state[SG_HOST_PATH_MAX + 64], opts[3 * SG_HOST_PATH_MAX + 256];

	snprintf(image, sizeof(image), DISK_DIR "/initos/%s.sqfs", host->rootfs);
	snprintf(verity, sizeof(verity), DISK_DIR "/initos/%s.verity", host->rootfs);
	if (verity_dev_open(image, verity, host->rootfs_hash, sizeof(host->rootfs_hash), ROOTFS_DM,
			    ROOTFS_NODE, 1) < 0)
		return -1;
	mkdir(ROOTFS_LOWER, 0700);
	if (mount(ROOTFS_NODE, ROOTFS_LOWER, "squashfs", MS_RDONLY | MS_NODEV, NULL) < 0) {
		sg_fail_errno("mount squashfs %s", image);
		unmount_rootfs();
		return -1;
	}
	mkdir(DISK_DIR "/state", 0755);
	snprintf(state, sizeof(state), DISK_DIR "/state/%s", host->rootfs);
	mkdir(state, 0755);
	snprintf(opts, sizeof(opts), "%s/upper", state);
	mkdir(opts, 0755);
	snprintf(opts, sizeof(opts), "%s/work", state);
	mkdir(opts, 0755);
	snprintf(opts, sizeof(opts), "lowerdir=" ROOTFS_LOWER ",upperdir=%s/upper,workdir=%s/work",
		 state, state);
	if (mount("overlay", NEW_ROOT, "overlay", MS_NODEV, opts) < 0) {
		sg_fail_errno("mount overlay of %s on " NEW_ROOT, image);
		unmount_rootfs();
		return -1;
	}
	return 0;
}

/* The rootfs on NEW_ROOT, its init checked; on failure nothing stays
 * mounted, so recovery may ask again. */
static int prepare_rootfs(const struct sg_host_cfg *host)
{
	char path[SG_HOST_PATH_MAX + 64];

	mkdir(NEW_ROOT, 0755);
	if (host->has_rootfs_hash) {
		if (mount_rootfs_image(host) < 0)
			return -1;
	} else {
		snprintf(path, sizeof(path), DISK_DIR "/initos/%s", host->rootfs);
		if (mount(path, NEW_ROOT, NULL, MS_BIND, NULL) < 0)
			return sg_fail_errno("binding %s on %s", path, NEW_ROOT);
	}
	if (init_in_root(NEW_ROOT, host->init) < 0) {
		unmount_rootfs();
		return -1;
	}
	return 0;
}

/* The sidecar stays beside a rootfs image: bound read-only at
 * /initos/sidecar in it, the network up as the host document says, its
 * sshd running in a mount namespace of its own, and the containers of
 * the host document started by its crun (container.h). Failures are
 * said, not fatal: the rootfs still runs. */
static void sidecar_beside(const struct sg_host_cfg *host)
{
	mkdir(NEW_ROOT "/initos", 0755);
	mkdir(NEW_ROOT SIDECAR_IN_ROOT, 0755);
	if (mount(SIDECAR_DIR, NEW_ROOT SIDECAR_IN_ROOT, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, NEW_ROOT SIDECAR_IN_ROOT, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		say("warning: binding the sidecar on " SIDECAR_IN_ROOT ": %s", strerror(errno));
	if (host->has_net && net_up(host) < 0)
		say("warning: %s", sg_errmsg());
	if (sshd_start_beside(host, SIDECAR_DIR) < 0)
		say("warning: %s", sg_errmsg());
	containers_start(host, DISK_DIR, SIDECAR_DIR);
}

struct boot {
	const struct sg_init_cmdline *cmd;
	const struct sg_host_cfg *host;
	char slot;
	int secure;
	double t0;
	char dev[SG_HOST_PATH_MAX]; /* the disk, "" when not found */
	int unlocked, mounted;
};

/* Mounts the opened disk and, when it holds the rootfs, switches into
 * it. Returns only when it cannot, with why recovery follows. */
static const char *continue_boot(struct boot *bt, int sshd)
{
	if (!bt->mounted) {
		if (disk_mount(bt->host, DISK_DIR) < 0) {
			say("%s", sg_errmsg());
			return "the disk does not mount";
		}
		bt->mounted = 1;
	}
	if (rootfs_ready(bt->host) < 0) {
		say("%s", sg_errmsg());
		return "the disk holds no rootfs to boot";
	}
	if (prepare_rootfs(bt->host) < 0) {
		say("%s", sg_errmsg());
		return "the rootfs does not verify or has no init";
	}
	sshd_stop(sshd, SIDECAR_DIR);
	if (bt->host->has_rootfs_hash)
		sidecar_beside(bt->host);
	say("switching root into rootfs %s after %.3f s", bt->host->rootfs, now() - bt->t0);
	switch_root(bt->host->init, bt->slot);
	refuse(bt->cmd, bt->secure, sg_errmsg());
}

/* Recovery: the sidecar alone, sshd with the initrd's keys, waiting for
 * a passphrase (or, once unlocked, a nudge) on the unlock FIFO. */
static void recovery(struct boot *bt, const char *why)
{
	char pass[1024];
	int sshd, n, exposed = 0;

	say("recovery mode: %s", why);
	if (net_up(bt->host) < 0)
		say("%s", sg_errmsg());
	if ((sshd = sshd_start(bt->host, SIDECAR_DIR)) < 0)
		refuse(bt->cmd, bt->secure, sg_errmsg());
	for (;;) {
		/* The operator works on the disk from the sidecar's shell. */
		if (bt->mounted && !exposed && sshd_expose(SIDECAR_DIR, DISK_DIR) == 0)
			exposed = 1;
		say("recovery: waiting on " UNLOCK_FIFO " for %s",
		    bt->unlocked ? "a request to continue" : "the disk's passphrase");
		if ((n = unlock_wait(pass, sizeof(pass))) < 0) {
			say("%s", sg_errmsg());
			continue;
		}
		if (!bt->unlocked && bt->dev[0]) {
			if (disk_unlock_key(bt->host, bt->dev, pass, (size_t)n) < 0)
				say("remote unlock refused: %s", sg_errmsg());
			else
				bt->unlocked = 1, say("disk %s unlocked remotely", bt->dev);
		}
		OPENSSL_cleanse(pass, sizeof(pass));
		if (bt->unlocked)
			say("recovery: %s", continue_boot(bt, sshd));
	}
}

/* The host has a persistent disk: the TPM or a passphrase opens it and
 * its rootfs gets the machine; 'r', a disk that stays locked or no
 * rootfs mean recovery. Never returns. */
static void boot_with_disk(struct boot *bt)
{
	const struct sg_host_cfg *host = bt->host;
	char prompt[SG_HOST_PATH_MAX + 64], pass[1024];
	int key, n;

	key = console_key("press c to unlock the disk with a passphrase, r for recovery", "cr",
			  host->prompt_seconds);
	if (key == 'r')
		say("recovery requested on the console");
	if (disk_find(host, bt->cmd->wait, bt->dev) < 0) {
		bt->dev[0] = '\0';
		recovery(bt, sg_errmsg());
	}
	if (key == 'r')
		recovery(bt, "asked for on the console");
	if (key != 'c' && host->has_tpm) {
		if (disk_unlock_tpm(host, bt->dev) == 0)
			bt->unlocked = 1, say("disk %s unlocked by the TPM", bt->dev);
		else
			say("TPM unlock refused: %s", sg_errmsg());
	}
	snprintf(prompt, sizeof(prompt), "passphrase for %s: ", bt->dev);
	for (int tries = 0; !bt->unlocked && tries < 3; tries++) {
		if ((n = console_secret(prompt, pass, sizeof(pass), host->passphrase_seconds)) < 0)
			break;
		if (disk_unlock_key(host, bt->dev, pass, (size_t)n) == 0)
			bt->unlocked = 1, say("disk %s unlocked by passphrase", bt->dev);
		else
			say("%s", sg_errmsg());
		OPENSSL_cleanse(pass, sizeof(pass));
	}
	if (!bt->unlocked)
		recovery(bt, "the disk stays locked");
	recovery(bt, continue_boot(bt, 0));
}

/* The host configuration baked into the initrd, when there is one. */
static int read_host_config(struct sg_host_cfg *host)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	sg_host_cfg_defaults(host);
	if (access(HOST_CONFIG, F_OK) < 0)
		return 0;
	if (read_small(HOST_CONFIG, &b) < 0)
		return -1;
	rc = sg_host_cfg_parse((const char *)b.data, b.len, host);
	sg_buf_free(&b);
	return rc < 0 ? sg_fail_prefix(HOST_CONFIG) : 0;
}

int main(int argc, char **argv)
{
	struct sg_init_cmdline cfg;
	struct sg_host_cfg host;
	struct sg_buf b = SG_BUF_INIT, trusted = SG_BUF_INIT;
	double t0 = now();
	int secure;
	char slots[2], why[600];

	(void)argv;
	if (getpid() != 1 || argc > 1) {
		fprintf(stderr,
			"Usage: signet-init (runs only as PID 1 in the initrd; see signet-init(8))\n");
		return 2;
	}
	sg_init_cmdline_defaults(&cfg);
	if (mount_api_filesystems() < 0)
		refuse(&cfg, 1, sg_errmsg());
	say("started %.3f s after boot", t0);
	if (read_small("/proc/cmdline", &b) < 0 ||
	    sg_init_cmdline_parse((const char *)b.data, b.len, &cfg) < 0)
		refuse(&cfg, 1, sg_errmsg());
	sg_buf_free(&b);
	secure = !cfg.insecure;
	if (load_modules() < 0)
		refuse(&cfg, secure || secure_boot_state(), sg_errmsg());
	/* A firmware that says Secure Boot is on overrides signet.insecure. */
	if (secure_boot_state())
		secure = 1;
	say("%s mode, slot %c first", secure ? "secure" : "insecure", cfg.slot);
	if (read_host_config(&host) < 0)
		refuse(&cfg, secure, sg_errmsg());
	/* Trust comes from the initrd: listed root hashes, a signer, or both. */
	if (access(TRUSTED_ROOTS, F_OK) == 0 && read_small(TRUSTED_ROOTS, &trusted) < 0)
		refuse(&cfg, secure, sg_errmsg());
	if (trusted.len == 0 && access(SIGNER_CERT, F_OK) < 0)
		refuse(&cfg, secure,
		       "the initrd trusts no root hash: neither " TRUSTED_ROOTS " nor " SIGNER_CERT);
	if (find_esp(&cfg) < 0)
		refuse(&cfg, secure, sg_errmsg());
	slots[0] = cfg.slot;
	slots[1] = sg_init_other_slot(cfg.slot);
	for (int i = 0; i < 2; i++) {
		/* Without a disk the sidecar is the root; with one it is
		 * mounted beside the rootfs. */
		const char *target = host.has_disk ? SIDECAR_DIR : NEW_ROOT;

		if (try_slot(slots[i], &cfg, &trusted, target, host.has_disk ? NULL : cfg.init) < 0) {
			say("slot %c refused: %s", slots[i], sg_errmsg());
			continue;
		}
		if (host.has_disk) {
			struct boot bt = {
				.cmd = &cfg, .host = &host, .slot = slots[i], .secure = secure, .t0 = t0
			};

			say("slot %c verified after %.3f s", slots[i], now() - t0);
			/* The recovery shell sees which slot booted, too. */
			if (sg_write_file_atomic(RUN_DIR "/slot", &slots[i], 1, 0644, 0) < 0)
				say("%s", sg_errmsg());
			boot_with_disk(&bt);
		}
		say("slot %c verified, switching root after %.3f s", slots[i], now() - t0);
		if (switch_root(cfg.init, slots[i]) < 0)
			refuse(&cfg, secure, sg_errmsg());
	}
	snprintf(why, sizeof(why), "no slot holds a sidecar matching a trusted root hash");
	refuse(&cfg, secure, why);
	return 1;
}
