/* marker-init.c - the whole userspace of the Secure Boot test's initrd.
 *
 * Runs as PID 1: prints one marker line on the console, proving the
 * kernel got as far as the initramfs, then powers the machine off so
 * qemu exits. Built with `cc -static -Os`. */
#include <fcntl.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#ifndef MARKER
#define MARKER "SIGNET-BOOT-MARKER: init reached"
#endif

int main(void)
{
	static const char line[] = "\n" MARKER "\n";
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY);

	if (fd >= 0) {
		if (write(fd, line, strlen(line)) < 0)
			fd = -1; /* nothing else to report to */
		fsync(fd);
	}
	sync();
	reboot(RB_POWER_OFF);
	/* Not reached; PID 1 must not exit. */
	for (;;)
		pause();
}
