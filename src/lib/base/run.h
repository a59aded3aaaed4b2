/* run.h - running a peer tool (mksquashfs, mtools) as a child process.
 *
 * The tool's standard input is /dev/null and its output is captured,
 * not shown: on failure the error names the tool and quotes the last
 * line it printed. Extra environment variables (NAME=VALUE) may be
 * given, e.g. SOURCE_DATE_EPOCH for reproducible time stamps.
 */
#ifndef SIGNET_RUN_H
#define SIGNET_RUN_H

/* Runs argv (argv[0] looked up in PATH) with env_extra (NULL-terminated,
 * may be NULL) added to the environment; what names the job in the
 * error. 0 when the tool exits 0. */
int sg_run(const char *const *argv, const char *const *env_extra, const char *what);

struct sg_buf;

/* Like sg_run(), for tools that exit 0 after reporting errors (debugfs
 * -f): the tool's standard output is discarded and all of its standard
 * error (up to 1 MiB) is returned in err, for the caller to judge. */
int sg_run_stderr(const char *const *argv, const char *const *env_extra, const char *what,
		  struct sg_buf *err);

/* Runs argv for what it prints: all of its standard output appended to
 * out, its standard error discarded; 0 when it exits 0 (git rev-parse). */
int sg_run_stdout(const char *const *argv, const char *const *env_extra, const char *what,
		  struct sg_buf *out);

#endif
