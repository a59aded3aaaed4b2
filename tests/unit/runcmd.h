/* runcmd.h - a shell command for the unit tests that drive a peer tool
 * or make a fixture (tar, umoci, openssl, nginx): run() formats it, runs
 * it with system(), and says on stderr what failed. */
#ifndef SIGNET_TEST_RUNCMD_H
#define SIGNET_TEST_RUNCMD_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((unused)) static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((unused)) static int run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "  failed (%d): %s\n", rc, cmd);
	return rc;
}

#endif
