/* console.h - signet-init's console: its messages, the boot prompt and
 * the passphrase prompt, on the terminal the kernel gave PID 1 as its
 * standard input and output (/dev/console).
 *
 * Input typed before a prompt appears is discarded, so a key pressed
 * long ago (or line noise) is never taken for an answer.
 */
#ifndef SIGNET_INIT_CONSOLE_H
#define SIGNET_INIT_CONSOLE_H

#include <stddef.h>

/* One line on the console, prefixed "signet-init: ". */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds since boot (CLOCK_MONOTONIC). */
double now(void);

/* Shows prompt and waits up to seconds for one of the characters of
 * keys; returns it, or 0 when the time ran out (or there is no
 * terminal). */
int console_key(const char *prompt, const char *keys, unsigned seconds);

/* Shows prompt and reads one line with echo off, for up to seconds.
 * The line (without its newline) goes to out, NUL-terminated; returns
 * its length, or -1 on timeout, end of input or a line longer than
 * cap - 1 bytes. The caller wipes out. */
int console_secret(const char *prompt, char *out, size_t cap, unsigned seconds);

#endif
