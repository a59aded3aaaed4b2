/* err.h - one error message per thread, set where a rule is broken.
 *
 * Library functions never print. A function that fails calls sg_fail()
 * with one line naming the file or object and the rule it broke, and
 * returns -1; the front end prints sg_errmsg() once and exits non-zero.
 */
#ifndef SIGNET_ERR_H
#define SIGNET_ERR_H

#include <stdarg.h>

/* Sets the current error message (printf-style) and returns -1. */
int sg_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like sg_fail() but appends ": <strerror(errno)>" for the current errno. */
int sg_fail_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefixes the current message with "<prefix>: " (e.g. a file name). */
int sg_fail_prefix(const char *prefix);

/* The current message, or "unknown error" when none was set. */
const char *sg_errmsg(void);

/* Forgets the current message. */
void sg_errclear(void);

#endif
