#include "recovery.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "console.h"
#include "err.h"
#include "fileio.h"

static void set_addr(struct sockaddr *sa, const uint8_t ip[4])
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, ip, 4);
	memcpy(sa, &sin, sizeof(sin));
}

static int if_up(int s, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

int net_up(const struct sg_host_cfg *cfg)
{
	struct ifreq ifr;
	uint8_t mask[4];
	uint32_t m = cfg->net_prefix ? 0xffffffffu << (32 - cfg->net_prefix) : 0;
	double end = now() + 10;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (s < 0)
		return sg_fail_errno("socket");
	if_up(s, "lo");
	if (!cfg->has_net) {
		close(s);
		return 0;
	}
	/* The driver may still be probing the device. */
	while (if_up(s, cfg->net_interface) < 0) {
		if (now() >= end) {
			sg_fail_errno("network interface %s", cfg->net_interface);
			goto out;
		}
		usleep(100 * 1000);
	}
	mask[0] = (uint8_t)(m >> 24), mask[1] = (uint8_t)(m >> 16);
	mask[2] = (uint8_t)(m >> 8), mask[3] = (uint8_t)m;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->net_interface);
	set_addr(&ifr.ifr_addr, cfg->net_address);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
		sg_fail_errno("%s: setting its address", cfg->net_interface);
		goto out;
	}
	set_addr(&ifr.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) {
		sg_fail_errno("%s: setting its netmask", cfg->net_interface);
		goto out;
	}
	if (cfg->has_gateway) {
		struct rtentry rt;
		static const uint8_t any[4];

		memset(&rt, 0, sizeof(rt));
		set_addr(&rt.rt_dst, any);
		set_addr(&rt.rt_genmask, any);
		set_addr(&rt.rt_gateway, cfg->net_gateway);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) {
			sg_fail_errno("default route via %u.%u.%u.%u", cfg->net_gateway[0],
				      cfg->net_gateway[1], cfg->net_gateway[2], cfg->net_gateway[3]);
			goto out;
		}
	}
	say("recovery network: %s %u.%u.%u.%u/%u", cfg->net_interface, cfg->net_address[0],
	    cfg->net_address[1], cfg->net_address[2], cfg->net_address[3], cfg->net_prefix);
	rc = 0;
out:
	close(s);
	return rc;
}

/* Copies an initrd file into the recovery directory, 0600. */
static int copy_secret(const char *from, const char *to)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	if (sg_read_file(from, &b, 1 << 20) < 0)
		return -1;
	rc = sg_write_file_atomic(to, b.data, b.len, 0600, 0);
	sg_buf_wipe(&b);
	return rc;
}

static int bind_into(const char *root, const char *dir)
{
	char to[SG_HOST_PATH_MAX + 16];

	snprintf(to, sizeof(to), "%s%s", root, dir);
	mkdir(to, 0755);
	if (mount(dir, to, NULL, MS_BIND, NULL) < 0)
		return sg_fail_errno("binding %s into the sidecar", dir);
	return 0;
}

/* Only public keys, only the keys the signed initrd holds, only root.
 * The files go to prefix RECOVERY_DIR (prefix "" or a sidecar's root,
 * where sshd sees them at RECOVERY_DIR). */
static int write_sshd_config(const struct sg_host_cfg *cfg, const char *prefix)
{
	char path[SG_HOST_PATH_MAX + 64];
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	sg_buf_printf(&b,
		      "# written by signet-init for recovery mode\n"
		      "Port %u\n"
		      "HostKey " RECOVERY_DIR "/ssh_host_ed25519_key\n"
		      "AuthorizedKeysFile " RECOVERY_DIR "/authorized_keys\n"
		      "AuthenticationMethods publickey\n"
		      "PubkeyAuthentication yes\n"
		      "PasswordAuthentication no\n"
		      "KbdInteractiveAuthentication no\n"
		      "PermitEmptyPasswords no\n"
		      "PermitRootLogin prohibit-password\n"
		      "AllowUsers root\n"
		      "UsePAM no\n"
		      "AllowTcpForwarding no\n"
		      "AllowAgentForwarding no\n"
		      "X11Forwarding no\n"
		      "PidFile none\n",
		      cfg->ssh_port);
	snprintf(path, sizeof(path), "%s" RECOVERY_DIR "/sshd_config", prefix);
	rc = sg_buf_terminate(&b) < 0 ? -1 : sg_write_file_atomic(path, b.data, b.len, 0600, 0);
	sg_buf_free(&b);
	return rc;
}

/* The keys and configuration for sshd under prefix (see above). */
static int write_sshd_files(const struct sg_host_cfg *cfg, const char *prefix)
{
	char dir[SG_HOST_PATH_MAX + 64], keys[SG_HOST_PATH_MAX + 96], host[SG_HOST_PATH_MAX + 96];

	snprintf(dir, sizeof(dir), "%s/run/signet", prefix);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s" RECOVERY_DIR, prefix);
	mkdir(dir, 0700);
	snprintf(keys, sizeof(keys), "%s/authorized_keys", dir);
	snprintf(host, sizeof(host), "%s/ssh_host_ed25519_key", dir);
	snprintf(dir, sizeof(dir), "%s/run/sshd", prefix);
	mkdir(dir, 0755); /* sshd's privilege separation directory */
	if (copy_secret(AUTHORIZED_KEYS, keys) < 0 || copy_secret(SSH_HOST_KEY, host) < 0 ||
	    write_sshd_config(cfg, prefix) < 0)
		return -1;
	return 0;
}

static int sidecar_has_sshd(const char *root)
{
	char sshd[SG_HOST_PATH_MAX + 32];

	snprintf(sshd, sizeof(sshd), "%s/usr/sbin/sshd", root);
	if (access(sshd, X_OK) < 0)
		return sg_fail_errno("the sidecar has no /usr/sbin/sshd");
	if (access(AUTHORIZED_KEYS, F_OK) < 0 || access(SSH_HOST_KEY, F_OK) < 0)
		return sg_fail("the initrd holds no " AUTHORIZED_KEYS " or " SSH_HOST_KEY);
	return 0;
}

/* In a child: becomes sshd chrooted into root. */
static void exec_sshd(const char *root) __attribute__((noreturn));
static void exec_sshd(const char *root)
{
	char *argv[] = { "/usr/sbin/sshd", "-D", "-e", "-f", RECOVERY_DIR "/sshd_config", NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

	if (chroot(root) < 0 || chdir("/") < 0) {
		say("chroot %s: %s", root, strerror(errno));
		_exit(127);
	}
	execve("/usr/sbin/sshd", argv, envp);
	say("exec /usr/sbin/sshd: %s", strerror(errno));
	_exit(127);
}

int sshd_start(const struct sg_host_cfg *cfg, const char *root)
{
	pid_t pid;

	if (sidecar_has_sshd(root) < 0 || write_sshd_files(cfg, "") < 0)
		return -1;
	if (bind_into(root, "/dev") < 0 || bind_into(root, "/proc") < 0 ||
	    bind_into(root, "/sys") < 0 || bind_into(root, "/run") < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return sg_fail_errno("fork");
	if (pid == 0)
		exec_sshd(root);
	say("recovery: sshd (pid %d) on port %u, public keys of %s only", (int)pid, cfg->ssh_port,
	    AUTHORIZED_KEYS);
	return (int)pid;
}

void sshd_stop(int pid, const char *root)
{
	static const char *const bound[] = { "/run/signet/disk", "/run", "/sys", "/proc", "/dev" };
	char dir[SG_HOST_PATH_MAX + 32];

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	/* The binds go before the API filesystems move into the new root. */
	for (size_t i = 0; i < sizeof(bound) / sizeof(bound[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", root, bound[i]);
		umount2(dir, MNT_DETACH);
	}
}

int sidecar_namespace(const char *root)
{
	char run[SG_HOST_PATH_MAX + 8];

	snprintf(run, sizeof(run), "%s/run", root);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sg_fail_errno("a mount namespace of its own");
	mkdir(run, 0755);
	if (mount("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return sg_fail_errno("mount tmpfs on %s", run);
	return bind_into(root, "/dev") < 0 || bind_into(root, "/proc") < 0 ? -1 : 0;
}

int sidecar_onto_root(const char *root)
{
	if (chdir(root) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return sg_fail_errno("moving the sidecar %s onto /", root);
	return 0;
}

/* The child's side of sshd_start_beside: the sidecar's namespace with
 * sshd's files on its /run; tells the parent on ready once the initrd's
 * files are read. */
static void sshd_beside_child(const struct sg_host_cfg *cfg, const char *root, int ready)
	__attribute__((noreturn));
static void sshd_beside_child(const struct sg_host_cfg *cfg, const char *root, int ready)
{
	if (sidecar_namespace(root) < 0 || write_sshd_files(cfg, root) < 0 ||
	    sidecar_onto_root(root) < 0) {
		say("sshd beside the rootfs: %s", sg_errmsg());
		_exit(127);
	}
	if (write(ready, "1", 1) != 1)
		_exit(127);
	close(ready);
	exec_sshd("/");
}

int sshd_start_beside(const struct sg_host_cfg *cfg, const char *root)
{
	int p[2];
	char c;
	pid_t pid;

	if (sidecar_has_sshd(root) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return sg_fail_errno("pipe");
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return sg_fail_errno("fork");
	}
	if (pid == 0) {
		close(p[0]);
		sshd_beside_child(cfg, root, p[1]);
	}
	close(p[1]);
	/* the initrd's keys must be read before the initrd is emptied */
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return sg_fail("sshd beside the rootfs did not start");
	}
	close(p[0]);
	say("sshd (pid %d) beside the rootfs on port %u, public keys of %s only", (int)pid,
	    cfg->ssh_port, AUTHORIZED_KEYS);
	return (int)pid;
}

int sshd_expose(const char *root, const char *dir)
{
	return bind_into(root, dir);
}

/* Reads what one writer wrote until it closed its end. */
static int read_fifo(int fd, char *out, size_t cap)
{
	size_t len = 0;
	int too_long = 0;

	for (;;) {
		char chunk[256];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 1000);
			continue;
		}
		if (n <= 0)
			break;
		if (!too_long && (size_t)n < cap - len) {
			memcpy(out + len, chunk, (size_t)n);
			len += (size_t)n;
		} else {
			too_long = 1;
		}
		OPENSSL_cleanse(chunk, sizeof(chunk));
	}
	if (too_long) {
		OPENSSL_cleanse(out, cap);
		return sg_fail(UNLOCK_FIFO ": more than %zu bytes written", cap - 1);
	}
	if (len && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
	return (int)len;
}

int unlock_wait(char *out, size_t cap)
{
	struct stat st;

	if (lstat(UNLOCK_FIFO, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		unlink(UNLOCK_FIFO);
		if (mkfifo(UNLOCK_FIFO, 0600) < 0)
			return sg_fail_errno(UNLOCK_FIFO);
	}
	{
		/* A fresh descriptor per call: poll reports a hang-up only
		 * after a writer came and went since the open. */
		int fd = open(UNLOCK_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC), n;
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (fd < 0)
			return sg_fail_errno(UNLOCK_FIFO);
		while ((n = poll(&p, 1, 1000)) == 0 || (n < 0 && errno == EINTR))
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		n = read_fifo(fd, out, cap);
		close(fd);
		return n;
	}
}
