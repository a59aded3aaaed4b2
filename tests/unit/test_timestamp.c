/* timestamp.h: the one spelling "YYYY-MM-DDTHH:MM:SSZ", both ways, and
 * every other spelling refused: offsets, fractions, lowercase, wrong
 * lengths and separators, dates and times that do not exist. The
 * instants are fixed (POSIX seconds, checked against date -u -d). */
#include <stdlib.h>

#include "check.h"
#include "err.h"
#include "timestamp.h"

static const struct {
	const char *s;
	long long t;
} good[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:01Z", 1 },
	{ "1969-12-31T23:59:59Z", -1 },		/* timegm's error value */
	{ "2000-02-29T12:00:00Z", 951825600 },	/* leap by 400 */
	{ "2024-02-29T23:59:59Z", 1709251199 }, /* leap by 4 */
	{ "2026-01-01T00:00:00Z", 1767225600 },
	{ "2038-01-19T03:14:07Z", 2147483647 },	    /* INT32_MAX */
	{ "2038-01-19T03:14:08Z", 2147483648LL },   /* past it */
	{ "9999-12-31T23:59:59Z", 253402300799LL }, /* the last one */
	{ "1000-01-01T00:00:00Z", -30610224000LL }, /* the first 4-digit year */
	{ "0999-12-31T23:59:59Z", -30610224001LL }, /* zero-padded years */
	{ "0000-01-01T00:00:00Z", -62167219200LL }, /* the first one */
	{ "0000-02-29T00:00:00Z", -62162121600LL }, /* year 0 is a leap year */
};

static const char *const bad[] = {
	"",
	"2026-01-01T00:00:00",	     /* no Z */
	"2026-01-01T00:00:00z",	     /* lowercase z */
	"2026-01-01t00:00:00Z",	     /* lowercase t */
	"2026-01-01 00:00:00Z",	     /* space for T */
	"2026-01-01T00:00:00+00:00", /* offset */
	"2026-01-01T00:00:00.0Z",    /* fraction */
	"2026-01-01T00:00:00ZZ",     /* trailing */
	" 2026-01-01T00:00:00Z",     /* leading */
	"2026-1-01T00:00:00Z",	     /* short month */
	"2026-01-01T0:00:00Z",
	"2026/01/01T00:00:00Z", /* separators */
	"2026-01-01T00-00-00Z",
	"20260101T000000Z0000", /* basic form, padded to 20 */
	"2026-0a-01T00:00:00Z", /* non-digit */
	"+026-01-01T00:00:00Z", /* sign */
	"2026-01-+1T00:00:00Z",
	"2026-00-01T00:00:00Z", /* month 0 */
	"2026-13-01T00:00:00Z", /* month 13 */
	"2026-01-00T00:00:00Z", /* day 0 */
	"2026-01-32T00:00:00Z",
	"2026-04-31T00:00:00Z", /* April has 30 */
	"2026-02-29T00:00:00Z", /* not a leap year */
	"1900-02-29T00:00:00Z", /* not leap by 100 */
	"2026-01-01T24:00:00Z", /* hour 24 */
	"2026-01-01T00:60:00Z",
	"2026-01-01T00:00:60Z", /* no leap seconds: one spelling */
	"2026-01-01T00:00:61Z",
};

int main(void)
{
	char out[SG_TIME_LEN + 1];
	time_t t;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = 12345;
		CHECK(sg_time_parse(good[i].s, strlen(good[i].s), "t", &t) == 0);
		CHECK((long long)t == good[i].t);
		CHECK(sg_time_format((time_t)good[i].t, out) == 0);
		CHECK_STR(out, good[i].s);
		/* len bounds the string: the same text with more after it. */
		{
			char longer[64];
			snprintf(longer, sizeof(longer), "%sX", good[i].s);
			CHECK(sg_time_parse(longer, SG_TIME_LEN, "t", &t) == 0);
			CHECK(sg_time_parse(longer, SG_TIME_LEN + 1, "t", &t) == -1);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 12345;
		CHECK(sg_time_parse(bad[i], strlen(bad[i]), "when", &t) == -1);
		CHECK(t == 12345);
		CHECK(strncmp(sg_errmsg(), "when: ", 6) == 0);
	}
	/* Out of RFC 3339's range. */
	CHECK(sg_time_format((time_t)253402300800LL, out) == -1); /* year 10000 */
	CHECK(sg_time_format((time_t)-62167219201LL, out) == -1); /* year -1 */

	/* SIGNET_NOW fixes the clock; a bad one is refused, naming it. */
	CHECK(setenv("SIGNET_NOW", "2026-01-01T00:00:00Z", 1) == 0);
	CHECK(sg_time_now(&t) == 0 && t == 1767225600);
	CHECK(setenv("SIGNET_NOW", "2026-01-01T00:00:00+01:00", 1) == 0);
	CHECK(sg_time_now(&t) == -1);
	CHECK(strncmp(sg_errmsg(), "SIGNET_NOW: ", 12) == 0);
	CHECK(setenv("SIGNET_NOW", "2026-02-30T00:00:00Z", 1) == 0);
	CHECK(sg_time_now(&t) == -1);
	/* Empty or unset: the real clock, read between two time() calls. */
	for (int unset = 0; unset < 2; unset++) {
		time_t before, after;
		CHECK(unset ? unsetenv("SIGNET_NOW") == 0 : setenv("SIGNET_NOW", "", 1) == 0);
		before = time(NULL);
		CHECK(sg_time_now(&t) == 0);
		after = time(NULL);
		CHECK(before <= t && t <= after);
	}
	return check_done();
}
