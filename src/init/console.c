#include "console.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

void say(const char *fmt, ...)
{
	va_list ap;

	fputs("signet-init: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left until end, 0 when past. */
static int ms_left(double end)
{
	double left = end - now();

	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Waits until fd 0 is readable or end passes: 1 readable, 0 not. */
static int wait_input(double end)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int ms;

	while ((ms = ms_left(end)) > 0) {
		int n = poll(&p, 1, ms);

		if (n > 0)
			return (p.revents & POLLIN) ? 1 : 0;
		if (n < 0 && errno != EINTR)
			return 0;
	}
	return 0;
}

int console_key(const char *prompt, const char *keys, unsigned seconds)
{
	struct termios saved, raw;
	double end = now() + seconds;
	int key = 0;

	if (seconds == 0 || tcgetattr(0, &saved) < 0)
		return 0;
	raw = saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &raw);
	tcflush(0, TCIFLUSH);
	say("%s (%u s)", prompt, seconds);
	while (!key && wait_input(end)) {
		char ch;

		if (read(0, &ch, 1) != 1)
			break;
		if (ch && strchr(keys, ch))
			key = (unsigned char)ch;
	}
	tcsetattr(0, TCSANOW, &saved);
	return key;
}

int console_secret(const char *prompt, char *out, size_t cap, unsigned seconds)
{
	struct termios saved, quiet;
	double end = now() + seconds;
	size_t len = 0;
	int have_tty = tcgetattr(0, &saved) == 0, rc = -1;

	if (have_tty) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ICANON | ECHONL;
		tcsetattr(0, TCSANOW, &quiet);
		tcflush(0, TCIFLUSH);
	}
	fprintf(stderr, "signet-init: %s", prompt);
	fflush(stderr);
	/* The terminal hands over whole lines; read them until the newline. */
	while (wait_input(end)) {
		char chunk[256];
		ssize_t n = read(0, chunk, sizeof(chunk));
		char *nl;

		if (n <= 0)
			break;
		nl = memchr(chunk, '\n', (size_t)n);
		if (nl)
			n = nl - chunk;
		if ((size_t)n >= cap - len) {
			OPENSSL_cleanse(chunk, sizeof(chunk));
			len = cap; /* too long: refused below */
			if (nl)
				break;
			continue;
		}
		memcpy(out + len, chunk, (size_t)n);
		len += (size_t)n;
		OPENSSL_cleanse(chunk, sizeof(chunk));
		if (nl) {
			/* A terminal in raw mode may send CR LF. */
			if (len && out[len - 1] == '\r')
				len--;
			out[len] = '\0';
			rc = (int)len;
			break;
		}
	}
	if (have_tty)
		tcsetattr(0, TCSANOW, &saved);
	if (rc < 0) {
		OPENSSL_cleanse(out, cap);
		fputc('\n', stderr);
	}
	return rc;
}
