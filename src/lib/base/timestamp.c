#include "timestamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int sg_time_format(time_t t, char out[SG_TIME_LEN + 1])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return sg_fail("time out of range for RFC 3339");
	/* Not strftime: its %Y does not pad years before 1000 to four
	 * digits, and RFC 3339's years are 0000-9999. */
	if (snprintf(out, SG_TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != SG_TIME_LEN)
		return sg_fail("cannot format time");
	return 0;
}

int sg_time_now(time_t *out)
{
	const char *fixed = getenv("SIGNET_NOW");

	if (fixed && *fixed)
		return sg_time_parse(fixed, strlen(fixed), "SIGNET_NOW", out);
	*out = time(NULL);
	return 0;
}

static int digits(const char *s, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int sg_time_parse(const char *s, size_t len, const char *what, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char again[SG_TIME_LEN + 1];
	time_t t;

	if (len != SG_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return sg_fail("%s: not an RFC 3339 UTC timestamp YYYY-MM-DDTHH:MM:SSZ", what);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	/* timegm() normalises 02-30 into March: a different spelling back
	 * means the date does not exist. Its error value -1 is also the
	 * instant 1969-12-31T23:59:59Z, so the spelling alone decides. */
	if (sg_time_format(t, again) < 0 || memcmp(again, s, SG_TIME_LEN) != 0)
		return sg_fail("%s: %.*s is not a valid date and time", what, (int)len, s);
	*out = t;
	return 0;
}
