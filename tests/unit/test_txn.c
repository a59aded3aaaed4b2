/* Transactions: staged changes apply whole at commit, nothing without it;
 * what a crash leaves (a journal half applied, staging without a journal)
 * is settled into the new or the old state; the lock excludes others. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "txn.h"

static char dir[] = "/tmp/signet-test-txn-XXXXXX";

static char *at(const char *rel)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, rel);
	return path[i];
}

/* The file's content equals s. */
static int holds(const char *rel, const char *s)
{
	struct sg_buf b = SG_BUF_INIT;
	int same = sg_read_file(at(rel), &b, 1 << 20) == 0 && b.len == strlen(s) &&
		   memcmp(b.data, s, b.len) == 0;

	sg_buf_free(&b);
	return same;
}

static int exists(const char *rel)
{
	return access(at(rel), F_OK) == 0;
}

static void put(const char *rel, const char *s)
{
	CHECK(sg_write_file_atomic(at(rel), s, strlen(s), 0600, 0) == 0);
}

static void commit_applies(void)
{
	struct sg_txn t;
	struct stat st;

	put("log", "one\n");
	put("old", "x");
	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_txn_mkdir(&t, "keys", 0700) == 0);
	CHECK(sg_txn_write(&t, "keys/k", "secret", 6, 0600) == 0);
	CHECK(sg_txn_write(&t, "a/b/c.json", "{}", 2, 0644) == 0);
	CHECK(sg_txn_append(&t, "log", "two\n", 4, 0644) == 0);
	CHECK(sg_txn_append(&t, "log", "three\n", 6, 0644) == 0);
	CHECK(sg_txn_append(&t, "new-log", "first\n", 6, 0644) == 0);
	CHECK(sg_txn_remove(&t, "old") == 0);
	CHECK(sg_txn_remove(&t, "never-was") == 0);
	/* nothing visible before the commit */
	CHECK(!exists("keys") && !exists("a") && holds("log", "one\n") && exists("old"));
	CHECK(sg_txn_commit(&t) == 0);
	sg_txn_end(&t);
	CHECK(stat(at("keys"), &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(stat(at("keys/k"), &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(stat(at("a/b/c.json"), &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(holds("keys/k", "secret") && holds("a/b/c.json", "{}"));
	CHECK(holds("log", "one\ntwo\nthree\n") && holds("new-log", "first\n"));
	CHECK(!exists("old") && !exists(".txn"));
}

static void end_without_commit_discards(void)
{
	struct sg_txn t;

	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_txn_write(&t, "log", "lost", 4, 0644) == 0);
	CHECK(sg_txn_write(&t, "z", "lost", 4, 0644) == 0);
	sg_txn_end(&t);
	CHECK(holds("log", "one\ntwo\nthree\n") && !exists("z") && !exists(".txn"));
	/* an empty transaction commits nothing */
	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_txn_commit(&t) == 0);
	CHECK(sg_txn_write(&t, "z", "late", 4, 0644) < 0);
	sg_txn_end(&t);
	CHECK(!exists(".txn") && !exists("z"));
}

/* A writer reads back what it staged, the disk where it staged nothing,
 * and nothing where it staged a removal. */
static void read_sees_staged(void)
{
	struct sg_buf b = SG_BUF_INIT;
	struct sg_txn t;

	put("r-disk", "on disk");
	put("r-gone", "to remove");
	CHECK(sg_txn_begin(&t, dir) == 0);
	/* before anything is staged: the disk */
	CHECK(sg_txn_read(&t, "r-disk", &b, 100) == 0 && b.len == 7 && !memcmp(b.data, "on disk", 7));
	sg_buf_free(&b);
	CHECK(sg_txn_write(&t, "r-disk", "staged", 6, 0644) == 0);
	CHECK(sg_txn_read(&t, "r-disk", &b, 100) == 0 && b.len == 6 && !memcmp(b.data, "staged", 6));
	sg_buf_free(&b);
	CHECK(sg_txn_read(&t, "log", &b, 100) == 0 && b.len == 14 &&
	      !memcmp(b.data, "one\ntwo\nthree\n", 14));
	sg_buf_free(&b);
	CHECK(sg_txn_remove(&t, "r-gone") == 0);
	CHECK(sg_txn_read(&t, "r-gone", &b, 100) < 0 && errno == ENOENT);
	CHECK(sg_txn_read(&t, "r-never", &b, 100) < 0 && errno == ENOENT);
	CHECK(sg_txn_read(&t, "../x", &b, 100) < 0);
	sg_txn_end(&t);
	CHECK(holds("r-disk", "on disk") && holds("r-gone", "to remove"));
	sg_buf_free(&b);
}

static void bad_paths_refused(void)
{
	static const char *const bad[] = { "",	    "/abs", "../up", "a/../b",	     "a//b",
					   "a/./b", "a/",   ".txn",  ".txn/journal", "new\nline",
					   NULL };
	struct sg_txn t;

	CHECK(sg_txn_begin(&t, dir) == 0);
	for (int i = 0; bad[i]; i++) {
		CHECK(sg_txn_write(&t, bad[i], "x", 1, 0644) < 0);
		CHECK(sg_txn_remove(&t, bad[i]) < 0);
	}
	CHECK(sg_txn_write(&t, ".txnx", "fine", 4, 0644) == 0);
	CHECK(sg_txn_commit(&t) == 0);
	sg_txn_end(&t);
	CHECK(holds(".txnx", "fine"));
}

/* A file the caller makes at the staged name (as a program writing to a
 * path would) lands with the mode asked for; one never made fails the
 * commit and leaves nothing. */
static void caller_made_file(void)
{
	struct sg_txn t;
	struct stat st;
	char *path = NULL;
	int fd;

	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_txn_stage(&t, "big/image", 0640, &path) == 0 && path);
	CHECK(sg_txn_write(&t, "image.key", "k", 1, 0600) == 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && write(fd, "large", 5) == 5 && close(fd) == 0);
	CHECK(!exists("big") && !exists("image.key"));
	CHECK(sg_txn_commit(&t) == 0);
	sg_txn_end(&t);
	free(path);
	CHECK(holds("big/image", "large") && holds("image.key", "k") && !exists(".txn"));
	CHECK(stat(at("big/image"), &st) == 0 && (st.st_mode & 0777) == 0640);

	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_txn_stage(&t, "never", 0644, &path) == 0);
	CHECK(sg_txn_write(&t, "image.key", "other", 5, 0600) == 0);
	CHECK(sg_txn_commit(&t) < 0);
	sg_txn_end(&t);
	free(path);
	CHECK(!exists("never") && holds("image.key", "k") && !exists(".txn"));
	CHECK(sg_txn_stage(&t, "x", 0644, &path) < 0 && !path);
}

/* A crash after the journal's rename, with f0 already moved into place
 * and f1 not yet: the next settle finishes it, once. */
static void committed_journal_is_finished(void)
{
	CHECK(mkdir(at(".txn"), 0700) == 0);
	put("p", "new-p"); /* f0, already applied */
	put(".txn/f1", "new-q");
	put(".txn/journal", "signet-txn 1\nw 644 f0 p\nw 640 f1 q/r\nr old2\nd 750 e\n");
	put("old2", "x");
	CHECK(sg_txn_settle(dir) == 0);
	CHECK(holds("p", "new-p") && holds("q/r", "new-q") && !exists("old2") && exists("e"));
	CHECK(!exists(".txn"));
	/* settling again changes nothing */
	CHECK(sg_txn_settle(dir) == 0);
	CHECK(holds("q/r", "new-q"));
}

/* A crash before the journal: staged files and a journal temp are
 * dropped, the old state stays. */
static void uncommitted_stage_is_dropped(void)
{
	int lock;

	CHECK(mkdir(at(".txn"), 0700) == 0);
	put(".txn/f0", "never");
	put(".txn/.signet-tmp-abc", "signet-txn 1\nw 644 f0 p\n");
	CHECK(sg_txn_read_begin(dir, &lock) == 0 && lock >= 0);
	sg_txn_read_end(&lock);
	CHECK(holds("p", "new-p") && !exists(".txn"));
}

static void bad_journal_refused(void)
{
	struct sg_txn t;

	CHECK(mkdir(at(".txn"), 0700) == 0);
	put(".txn/journal", "signet-txn 1\nw 644 f0 ../escape\n");
	CHECK(sg_txn_begin(&t, dir) < 0);
	sg_txn_end(&t);
	put(".txn/journal", "signet-txn 1\nx what\n");
	CHECK(sg_txn_settle(dir) < 0);
	put(".txn/journal", "not a journal\n");
	CHECK(sg_txn_settle(dir) < 0);
	put(".txn/journal", "signet-txn 1\nr unterminated");
	CHECK(sg_txn_settle(dir) < 0);
	CHECK(exists(".txn/journal"));
	CHECK(unlink(at(".txn/journal")) == 0 && rmdir(at(".txn")) == 0);
}

/* While one process holds the transaction, no one else gets the lock. */
static void lock_excludes(void)
{
	int ready[2], done[2], fd;
	struct sg_txn t;
	char c;
	pid_t pid;

	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	pid = fork();
	if (pid == 0) {
		int rc = sg_txn_begin(&t, dir);
		(void)!write(ready[1], "r", 1);
		(void)!read(done[0], &c, 1);
		sg_txn_end(&t);
		_exit(rc == 0 ? 0 : 1);
	}
	CHECK(read(ready[0], &c, 1) == 1);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK);
	CHECK(write(done[1], "d", 1) == 1);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
	close(fd);
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	commit_applies();
	end_without_commit_discards();
	read_sees_staged();
	bad_paths_refused();
	caller_made_file();
	committed_journal_is_finished();
	uncommitted_stage_is_dropped();
	bad_journal_refused();
	lock_excludes();
	/* a reader of a directory that does not exist holds nothing */
	int lock;
	CHECK(sg_txn_read_begin("/nonexistent/signet-txn", &lock) == 0 && lock == -1);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done();
}
