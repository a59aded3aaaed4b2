#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SG_ERR_MAX 512

static _Thread_local char errbuf[SG_ERR_MAX];

__attribute__((format(printf, 1, 0))) static void set_message(const char *fmt, va_list ap)
{
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
}

int sg_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return -1;
}

int sg_fail_errno(const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	len = strlen(errbuf);
	snprintf(errbuf + len, sizeof(errbuf) - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int sg_fail_prefix(const char *prefix)
{
	size_t plen = strlen(prefix), mlen;

	if (!errbuf[0])
		strcpy(errbuf, "unknown error");
	if (plen > SG_ERR_MAX / 2)
		plen = SG_ERR_MAX / 2;
	mlen = strlen(errbuf);
	if (plen + 2 + mlen >= SG_ERR_MAX)
		mlen = SG_ERR_MAX - plen - 3;
	memmove(errbuf + plen + 2, errbuf, mlen);
	errbuf[plen + 2 + mlen] = '\0';
	memcpy(errbuf, prefix, plen);
	errbuf[plen] = ':';
	errbuf[plen + 1] = ' ';
	return -1;
}

const char *sg_errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

void sg_errclear(void)
{
	errbuf[0] = '\0';
}
