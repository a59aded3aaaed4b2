/* txn.h - changes to a state directory that happen whole or not at all,
 * one at a time.
 *
 * A state directory (an authority home, a host root, a CA, a DNS tree)
 * is changed only inside a transaction. sg_txn_begin() locks the
 * directory (flock on the directory itself, exclusive, waiting for the
 * holder) and settles what an interrupted transaction left. Changes are
 * then staged: sg_txn_write() and sg_txn_append() put the whole new
 * content of a file in DIR/.txn/, sg_txn_mkdir() and sg_txn_remove()
 * note a directory to create or a file to remove; nothing outside .txn/
 * changes yet. sg_txn_commit() fsyncs the staged files and writes the
 * journal DIR/.txn/journal (temp, fsync, rename): that rename is the
 * commit point. It then applies the journal in order (a staged file is
 * renamed onto its target, parent directories made as needed), fsyncs
 * every directory it touched and removes the journal. sg_txn_end()
 * discards whatever was staged and not committed, and unlocks.
 *
 * After a crash: a journal on disk means the transaction committed; the
 * next sg_txn_begin() or sg_txn_settle() applies it again (a staged file
 * already moved is gone from .txn/, so applying twice changes nothing
 * more) and then removes it. No journal means it did not commit: the
 * staged files are removed. Either way the directory holds the old state
 * or the new one, never a mix, and a retry starts from one of them.
 *
 * Readers call sg_txn_read_begin(), which settles first (when the
 * directory is writable) and then holds a shared lock, so they never see
 * a transaction half-applied.
 *
 * sg_txn_stage() is for contents too large to hold in memory or written
 * by another program: it names the staged file, the caller makes it, and
 * the commit fsyncs it (and gives it its mode) before the journal.
 *
 * Paths given to the staging calls are relative to the directory, with
 * no "..", "." or empty component and no newline; the file names inside
 * .txn/ are the transaction's own. A file staged twice gets the content
 * staged last; sg_txn_append() appends to what is on disk or staged.
 * Staged contents are kept only on disk (mode as given), so a secret
 * staged 0600 is never wider. All int functions return 0 on success and
 * -1 with sg_errmsg() set.
 */
#ifndef SIGNET_TXN_H
#define SIGNET_TXN_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct sg_txn {
	char *dir;	       /* the state directory */
	int lock;	       /* its descriptor, flock'ed; -1 when not held */
	struct sg_buf journal; /* the journal lines staged so far */
	unsigned staged;       /* staged files, for their names */
	struct sg_buf made;    /* "MODE NAME" lines of the files the caller makes */
	int committed;
};

/* Locks dir (created 0755 if missing, with its parents) and settles an
 * interrupted transaction. */
int sg_txn_begin(struct sg_txn *t, const char *dir);

/* Stages the new content of DIR/rel with the given mode. */
int sg_txn_write(struct sg_txn *t, const char *rel, const void *data, size_t len, mode_t mode);

/* Stages DIR/rel with data appended to its current (or staged) content;
 * a missing file starts empty. */
int sg_txn_append(struct sg_txn *t, const char *rel, const void *data, size_t len, mode_t mode);

/* Reads DIR/rel as this transaction would leave it: the content staged
 * last, else the file on disk (at most max bytes). A file missing or
 * staged for removal fails (errno ENOENT). For a writer that reads back
 * what it staged. */
int sg_txn_read(struct sg_txn *t, const char *rel, struct sg_buf *out, size_t max);

/* Stages DIR/rel with a file the caller makes: *path (malloc'ed, the
 * caller frees it) is its name inside DIR/.txn/, where the caller (or a
 * program it runs) creates and writes it before sg_txn_commit(), which
 * fails if it is missing or not a regular file, and otherwise gives it
 * mode and fsyncs it. */
int sg_txn_stage(struct sg_txn *t, const char *rel, mode_t mode, char **path);

/* Stages the creation of directory DIR/rel (and its parents). */
int sg_txn_mkdir(struct sg_txn *t, const char *rel, mode_t mode);

/* Stages the removal of file DIR/rel (nothing if it is missing). */
int sg_txn_remove(struct sg_txn *t, const char *rel);

/* Commits and applies what was staged. */
int sg_txn_commit(struct sg_txn *t);

/* Discards an uncommitted transaction, unlocks and frees. Safe after a
 * failed begin and after commit. */
void sg_txn_end(struct sg_txn *t);

/* Applies an interrupted committed transaction of dir, or removes what
 * an uncommitted one staged; nothing when there is none or dir does not
 * exist. Takes the exclusive lock for the time it works. */
int sg_txn_settle(const char *dir);

/* For readers: settles dir when it is writable, then holds a shared lock
 * (*lock, -1 when dir does not exist) until sg_txn_read_end(). */
int sg_txn_read_begin(const char *dir, int *lock);
void sg_txn_read_end(int *lock);

#endif
