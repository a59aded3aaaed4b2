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

int main(void)
{
	const char *env = getenv("SIGNET_SLOT");
	char slot[8] = "?", id[64] = "-", sidecar[64] = "-";
	struct timespec ts;
	struct statfs fs;
	FILE *f = fopen("/run/signet/slot", "r");
	int writable = 0;

	if (f) {
		if (!fgets(slot, sizeof(slot), f))
			strcpy(slot, "?");
		fclose(f);
	}
	f = fopen("/etc/sidecar-id", "r");
	if (f) {
		if (!fgets(id, sizeof(id), f))
			strcpy(id, "-");
		id[strcspn(id, "\n")] = '\0';
		fclose(f);
	}
	f = fopen("/run/signet/sidecar/etc/sidecar-id", "r");
	if (f) {
		if (!fgets(sidecar, sizeof(sidecar), f))
			strcpy(sidecar, "-");
		sidecar[strcspn(sidecar, "\n")] = '\0';
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	f = fopen("/written-by-marker", "w");
	if (f && fputs("x", f) >= 0 && fclose(f) == 0)
		writable = 1;
	printf("SIGNET-ROOTFS-OK pid=%d slot=%s env=%s overlay=%s writable=%d id=%s sidecar=%s"
	       " uptime=%.3f\n",
	       (int)getpid(), slot, env ? env : "-",
	       statfs("/", &fs) == 0 && fs.f_type == OVERLAYFS_MAGIC ? "yes" : "no", writable,
	       id, sidecar, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
