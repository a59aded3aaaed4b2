/* timestamp.h - the one timestamp form of docs/design.md: RFC 3339 in UTC
 * with a "Z" and seconds precision, "YYYY-MM-DDTHH:MM:SSZ" (20 chars).
 *
 * The parser accepts exactly that form (no offsets, no fractions, no
 * lowercase t/z) and only dates that exist, so every instant has one
 * spelling and signed objects compare as strings.
 */
#ifndef SIGNET_TIMESTAMP_H
#define SIGNET_TIMESTAMP_H

#include <stddef.h>
#include <time.h>

#define SG_TIME_LEN 20

/* Writes t as a timestamp to out (SG_TIME_LEN + 1 bytes). */
int sg_time_format(time_t t, char out[SG_TIME_LEN + 1]);

/* The current time; SIGNET_NOW (a timestamp) overrides it so tests and
 * reproducible runs can fix the clock. */
int sg_time_now(time_t *out);

/* Parses s[0..len); what names the value in the error. */
int sg_time_parse(const char *s, size_t len, const char *what, time_t *out);

#endif
