/* container.c - container mode (container.h). */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "err.h"
#include "recovery.h"
#include "veritydev.h"

#define CRUN "/usr/bin/crun"
#define CRUN_STATE "/run/crun"
#define BUNDLES "/run/containers"

/* The device-mapper name and node of container name. */
static void dm_names(const char *name, char *dm, size_t dm_cap, char *node, size_t node_cap)
{
	snprintf(dm, dm_cap, "signet-ctr-%s", name);
	snprintf(node, node_cap, "/dev/signet-ctr-%s", name);
}

/* The image of container c behind dm-verity, read whole: 0 when it
 * matches the root hash host.json holds. */
static int verify(const struct sg_host_container *c, const char *disk)
{
	char image[SG_HOST_PATH_MAX + 128], verity[SG_HOST_PATH_MAX + 128];
	char dm[SG_HOST_NAME_MAX + 16], node[SG_HOST_NAME_MAX + 24];

	snprintf(image, sizeof(image), "%s/initos/containers/%s.sqfs", disk, c->name);
	snprintf(verity, sizeof(verity), "%s/initos/containers/%s.verity", disk, c->name);
	dm_names(c->name, dm, sizeof(dm), node, sizeof(node));
	if (access(image, F_OK) < 0 || access(verity, F_OK) < 0)
		return sg_fail_errno("%s or its .verity", image);
	return verity_dev_open(image, verity, c->hash, sizeof(c->hash), dm, node, 1);
}

/* In the supervisor: the bundle of c mounted read-only in the sidecar. */
static int mount_bundle(const struct sg_host_container *c, const char *sidecar)
{
	char dir[SG_HOST_PATH_MAX + 128], dm[SG_HOST_NAME_MAX + 16], node[SG_HOST_NAME_MAX + 24];

	dm_names(c->name, dm, sizeof(dm), node, sizeof(node));
	snprintf(dir, sizeof(dir), "%s" BUNDLES "/%s", sidecar, c->name);
	mkdir(dir, 0755);
	if (mount(node, dir, "squashfs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
		return sg_fail_errno("container %s: mount squashfs %s on %s", c->name, node, dir);
	return 0;
}

/* In the supervisor: its mount namespace, the sidecar's /run, the API
 * filesystems and the bundles; then it is chrooted into the sidecar. */
static int supervisor_setup(const struct sg_host_cfg *host, const int *ok, const char *sidecar)
{
	char path[SG_HOST_PATH_MAX + 64];

	if (sidecar_namespace(sidecar) < 0)
		return sg_fail_prefix("containers");
	snprintf(path, sizeof(path), "%s" CRUN_STATE, sidecar);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s" BUNDLES, sidecar);
	mkdir(path, 0755);
	if (sshd_expose(sidecar, "/sys") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/sys/fs/cgroup", sidecar);
	if (mount("cgroup2", path, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		say("warning: containers: mount cgroup2 on %s: %s", path, strerror(errno));
	for (size_t i = 0; i < host->n_containers; i++)
		if (ok[i] && mount_bundle(&host->containers[i], sidecar) < 0)
			say("%s", sg_errmsg());
	/* (crun's pivot_root and mounts fail with EINVAL in a detached
	 * tree: see sidecar_onto_root) */
	return sidecar_onto_root(sidecar) < 0 ? sg_fail_prefix("containers") : 0;
}

/* In the supervisor, chrooted: crun running container c; its pid. */
static pid_t run_crun(const struct sg_host_container *c)
{
	char bundle[SG_HOST_NAME_MAX + 32];
	char *argv[] = { CRUN,	"--root",   CRUN_STATE, "--cgroup-manager=disabled",
			 "run", "--bundle", bundle,	(char *)c->name,
			 NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	pid_t pid;
	int null;

	snprintf(bundle, sizeof(bundle), BUNDLES "/%s", c->name);
	if ((pid = fork()) != 0)
		return pid;
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || dup2(null, 0) < 0) {
		say("container %s: /dev/null: %s", c->name, strerror(errno));
		_exit(127);
	}
	execve(CRUN, argv, envp);
	say("container %s: exec " CRUN ": %s", c->name, strerror(errno));
	_exit(127);
}

/* The supervisor: sets up, tells the parent on ready, runs every
 * verified container and says how each one ended. */
static void supervisor(const struct sg_host_cfg *host, const int *ok, const char *sidecar, int ready)
	__attribute__((noreturn));
static void supervisor(const struct sg_host_cfg *host, const int *ok, const char *sidecar, int ready)
{
	pid_t pids[SG_HOST_RUN_MAX] = { 0 }, pid;
	int running = 0, st;

	if (supervisor_setup(host, ok, sidecar) < 0) {
		say("%s", sg_errmsg());
		_exit(127);
	}
	if (write(ready, "1", 1) != 1)
		_exit(127);
	close(ready);
	for (size_t i = 0; i < host->n_containers; i++) {
		if (!ok[i])
			continue;
		if ((pids[i] = run_crun(&host->containers[i])) < 0)
			say("container %s: fork: %s", host->containers[i].name, strerror(errno));
		else
			running++;
	}
	while (running > 0 && (pid = wait(&st)) > 0) {
		for (size_t i = 0; i < host->n_containers; i++) {
			if (pids[i] != pid)
				continue;
			if (WIFEXITED(st))
				say("container %s exited with status %d", host->containers[i].name,
				    WEXITSTATUS(st));
			else
				say("container %s killed by signal %d", host->containers[i].name,
				    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			running--;
		}
	}
	_exit(0);
}

int containers_start(const struct sg_host_cfg *host, const char *disk, const char *sidecar)
{
	int ok[SG_HOST_RUN_MAX] = { 0 }, n = 0, p[2];
	char crun[SG_HOST_PATH_MAX + 32], c;
	pid_t pid;

	if (host->n_containers == 0)
		return 0;
	snprintf(crun, sizeof(crun), "%s" CRUN, sidecar);
	if (access(crun, X_OK) < 0) {
		say("containers not started: the sidecar has no " CRUN " (scripts/sidecar-tree "
		    "--crun)");
		return 0;
	}
	for (size_t i = 0; i < host->n_containers; i++) {
		if (verify(&host->containers[i], disk) < 0) {
			say("container %s refused: %s", host->containers[i].name, sg_errmsg());
			continue;
		}
		ok[i] = 1;
		n++;
	}
	if (n == 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		say("containers not started: pipe: %s", strerror(errno));
		return 0;
	}
	if ((pid = fork()) < 0) {
		say("containers not started: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (pid == 0) {
		close(p[0]);
		supervisor(host, ok, sidecar, p[1]);
	}
	close(p[1]);
	/* its namespace must be set up before the initrd is emptied */
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		say("containers not started: their supervisor failed");
		return 0;
	}
	close(p[0]);
	say("containers: %d verified, started by crun in the sidecar (supervisor pid %d)", n,
	    (int)pid);
	return n;
}
