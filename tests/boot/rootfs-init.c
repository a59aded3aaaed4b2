/* rootfs-init.c - the test rootfs's init: proves it runs as PID 1 in the
 * root signet-init switched to, then powers the machine off.
 *
 * Prints one line the boot suite looks for: the slot signet-init chose
 * (its environment and /run/signet/slot must agree), the filesystem of
 * / (an overlay) and whether / is writable (the tmpfs upper layer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define OVERLAYFS_MAGIC 0x794c7630

/* The first line of path into out (cap bytes), or fallback. */
static void first_line(const char *path, char *out, size_t cap, const char *fallback)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(out, (int)cap, f))
		snprintf(out, cap, "%s", fallback);
	out[strcspn(out, "\n")] = '\0';
	if (f)
		fclose(f);
}

int main(void)
{
	const char *env = getenv("SIGNET_SLOT");
	char slot[8], id[64], sidecar[64];
	struct timespec ts;
	struct statfs fs;
	FILE *f;
	int writable = 0;

	first_line("/run/signet/slot", slot, sizeof(slot), "?");
	first_line("/etc/sidecar-id", id, sizeof(id), "-");
	first_line("/run/signet/sidecar/etc/sidecar-id", sidecar, sizeof(sidecar), "-");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	f = fopen("/written-by-marker", "w");
	if (f && fputs("x", f) >= 0 && fclose(f) == 0)
		writable = 1;
	printf("SIGNET-ROOTFS-OK pid=%d slot=%s env=%s overlay=%s writable=%d id=%s sidecar=%s"
	       " uptime=%.3f\n",
	       (int)getpid(), slot, env ? env : "-",
	       statfs("/", &fs) == 0 && fs.f_type == OVERLAYFS_MAGIC ? "yes" : "no", writable, id,
	       sidecar, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
