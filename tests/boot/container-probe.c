/* container-probe.c - the program of the test container images: proves
 * the runtime configuration signet made from the image's config was
 * applied by crun.
 *
 * Prints one line the boot suite looks for, with its uid and gid, its
 * arguments (joined by '|'), the GREETING of its environment, its pid
 * (1 in a pid namespace of its own), its hostname and whether / is
 * read-only. With the argument "stay" it then waits forever (a
 * service, seen from the sidecar's /proc); otherwise it exits 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char args[512] = "", host[65] = "?";
	const char *greeting = getenv("GREETING");
	int stay = 0, ro;
	size_t len = 0;

	for (int i = 0; i < argc; i++) {
		int n = snprintf(args + len, sizeof(args) - len, "%s%s", i ? "|" : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(args) - len)
			break;
		len += (size_t)n;
		if (i > 0 && strcmp(argv[i], "stay") == 0)
			stay = 1;
	}
	gethostname(host, sizeof(host) - 1);
	ro = access("/", W_OK) < 0;
	printf("SIGNET-CONTAINER-OK uid=%u gid=%u args=%s env=GREETING=%s pid=%d hostname=%s "
	       "root=%s\n",
	       (unsigned)getuid(), (unsigned)getgid(), args, greeting ? greeting : "(none)",
	       (int)getpid(), host, ro ? "ro" : "rw");
	fflush(stdout);
	if (!stay)
		return 0;
	for (;;)
		pause();
}
