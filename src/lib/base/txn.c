#include "txn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"

#define STAGE_DIR ".txn"
#define JOURNAL_HEADER "signet-txn 1\n"
#define MAX_JOURNAL ((size_t)16 << 20)
#define MAX_STAGED_READ ((size_t)1 << 30)

/* A path relative to the state directory: plain components only. */
static int check_rel(const char *rel)
{
	const char *s = rel;

	if (!*rel || strchr(rel, '\n'))
		return sg_fail("transaction path '%s': empty or has a newline", rel);
	if (strncmp(rel, STAGE_DIR, strlen(STAGE_DIR)) == 0 &&
	    (rel[strlen(STAGE_DIR)] == '/' || rel[strlen(STAGE_DIR)] == '\0'))
		return sg_fail("transaction path '%s': inside the staging directory", rel);
	for (;;) {
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return sg_fail("transaction path '%s': empty, '.' or '..' component", rel);
		if (!s[n])
			return 0;
		s += n + 1;
	}
}

static char *join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0) {
		sg_fail("out of memory");
		return NULL;
	}
	return p;
}

static char *stage_path(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/" STAGE_DIR "/%s", dir, name) < 0) {
		sg_fail("out of memory");
		return NULL;
	}
	return p;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return sg_fail_errno("%s", path);
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = sg_fail_errno("%s: fsync of directory", path);
	close(fd);
	return rc;
}

/* The parent directory of path (a fresh string). */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *p = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");

	if (!p)
		sg_fail("out of memory");
	return p;
}

/* Directories touched while applying, fsync'ed once each at the end. */
struct dirset {
	char **v;
	size_t n;
};

static int dirset_add(struct dirset *s, const char *target)
{
	char *d = parent_of(target), **nv;

	if (!d)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], d) == 0) {
			free(d);
			return 0;
		}
	if (!(nv = realloc(s->v, (s->n + 1) * sizeof(*nv)))) {
		free(d);
		return sg_fail("out of memory");
	}
	s->v = nv;
	s->v[s->n++] = d;
	return 0;
}

static int dirset_sync_free(struct dirset *s)
{
	int rc = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (rc == 0 && fsync_dir(s->v[i]) < 0)
			rc = -1;
		free(s->v[i]);
	}
	free(s->v);
	return rc;
}

/* Makes directory path and its missing parents (with mode): stat()s
 * up to the first that exists and mkdir()s only below it, so a long
 * absolute path, or a journal applied again, costs no mkdir. */
static int make_dir(const char *path, mode_t mode)
{
	struct stat st;
	char *parent;
	int rc = 0;

	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : sg_fail("%s: not a directory", path);
	if (errno != ENOENT)
		return sg_fail_errno("%s", path);
	if (!(parent = parent_of(path)))
		return -1;
	if (*parent && strcmp(parent, "."))
		rc = make_dir(parent, mode);
	free(parent);
	if (rc == 0 && mkdir(path, mode) < 0 && errno != EEXIST)
		rc = sg_fail_errno("%s: cannot create directory", path);
	return rc;
}

static int make_parent(const char *target)
{
	char *d = parent_of(target);
	int rc;

	if (!d)
		return -1;
	rc = make_dir(d, 0755);
	free(d);
	return rc;
}

/* One journal line: "w MODE NAME REL", "d MODE REL" or "r REL". */
static int apply_line(const char *dir, const char *line, struct dirset *touched)
{
	char op, name[32], *target = NULL, *staged = NULL;
	unsigned mode = 0;
	int used = 0, rc = -1;

	if (sscanf(line, "w %o %31s %n", &mode, name, &used) == 2 && used)
		op = 'w';
	else if (sscanf(line, "d %o %n", &mode, &used) == 1 && used)
		op = 'd';
	else if (line[0] == 'r' && line[1] == ' ')
		op = 'r', used = 2;
	else
		return sg_fail("%s/" STAGE_DIR "/journal: bad line '%.40s'", dir, line);
	if (check_rel(line + used) < 0 || mode > 07777) {
		sg_fail_prefix(dir);
		return -1;
	}
	if (!(target = join(dir, line + used)))
		return -1;
	switch (op) {
	case 'w':
		if (!(staged = stage_path(dir, name)))
			goto out;
		/* a staged file already moved was applied by an earlier try */
		if (access(staged, F_OK) < 0 && errno == ENOENT)
			break;
		if (make_parent(target) < 0)
			goto out;
		if (rename(staged, target) < 0 && errno != ENOENT) {
			sg_fail_errno("%s", target);
			goto out;
		}
		break;
	case 'd':
		if (make_dir(target, (mode_t)mode) < 0)
			goto out;
		break;
	case 'r':
		if (unlink(target) < 0 && errno != ENOENT) {
			sg_fail_errno("%s: cannot remove", target);
			goto out;
		}
		break;
	}
	rc = dirset_add(touched, target);
out:
	free(target);
	free(staged);
	return rc;
}

static int apply_journal(const char *dir, char *text)
{
	struct dirset touched = { NULL, 0 };
	int rc = 0;

	if (strncmp(text, JOURNAL_HEADER, strlen(JOURNAL_HEADER)) != 0)
		return sg_fail("%s/" STAGE_DIR "/journal: not a signet journal", dir);
	for (char *line = text + strlen(JOURNAL_HEADER); *line && rc == 0;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			return sg_fail("%s/" STAGE_DIR "/journal: last line unterminated", dir);
		*nl = '\0';
		rc = apply_line(dir, line, &touched);
		line = nl + 1;
	}
	if (dirset_sync_free(&touched) < 0)
		rc = -1;
	return rc;
}

/* Removes every file of DIR/.txn, then the directory. */
static int clear_stage(const char *dir)
{
	char *stage = join(dir, STAGE_DIR);
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (!stage)
		return -1;
	if (!(d = opendir(stage))) {
		rc = errno == ENOENT ? 0 : sg_fail_errno("%s", stage);
		free(stage);
		return rc;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
			rc = sg_fail_errno("%s/%s: cannot remove", stage, e->d_name);
	}
	closedir(d);
	if (rc == 0 && rmdir(stage) < 0 && errno != ENOENT)
		rc = sg_fail_errno("%s: cannot remove", stage);
	free(stage);
	return rc;
}

/* Under the exclusive lock: finish a committed transaction, drop an
 * uncommitted one. */
static int settle_locked(const char *dir)
{
	struct sg_buf text = SG_BUF_INIT;
	char *journal = stage_path(dir, "journal");
	int rc = -1;

	if (!journal)
		return -1;
	if (access(journal, F_OK) == 0) {
		if (sg_read_file(journal, &text, MAX_JOURNAL) < 0 ||
		    apply_journal(dir, (char *)text.data) < 0)
			goto out;
	} else if (errno != ENOENT) {
		sg_fail_errno("%s", journal);
		goto out;
	}
	rc = clear_stage(dir);
out:
	sg_buf_free(&text);
	free(journal);
	return rc;
}

static int lock_dir(const char *dir, int how)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sg_fail_errno("%s", dir);
	while (flock(fd, how) < 0) {
		if (errno == EINTR)
			continue;
		sg_fail_errno("%s: cannot lock", dir);
		close(fd);
		return -1;
	}
	return fd;
}

int sg_txn_begin(struct sg_txn *t, const char *dir)
{
	memset(t, 0, sizeof(*t));
	t->lock = -1;
	if (!(t->dir = strdup(dir)))
		return sg_fail("out of memory");
	if (make_dir(dir, 0755) < 0 || (t->lock = lock_dir(dir, LOCK_EX)) < 0 ||
	    settle_locked(dir) < 0) {
		sg_txn_end(t);
		return -1;
	}
	return 0;
}

/* Creates DIR/.txn on the first staged change. */
static int open_stage(struct sg_txn *t)
{
	char *stage;
	int rc = 0;

	if (t->journal.len)
		return 0;
	if (!(stage = join(t->dir, STAGE_DIR)))
		return -1;
	if (mkdir(stage, 0700) < 0)
		rc = sg_fail_errno("%s: cannot create", stage);
	else
		rc = fsync_dir(t->dir);
	free(stage);
	if (rc == 0)
		rc = sg_buf_append_str(&t->journal, JOURNAL_HEADER);
	return rc;
}

static int stage_file(struct sg_txn *t, const char *name, const void *data, size_t len, mode_t mode)
{
	char *path = stage_path(t->dir, name);
	int fd, rc = -1;

	if (!path)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		sg_fail_errno("%s", path);
		goto out;
	}
	if (sg_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		sg_fail_errno("%s", path);
		close(fd);
		goto out;
	}
	rc = close(fd) < 0 ? sg_fail_errno("%s", path) : 0;
out:
	free(path);
	return rc;
}

static int check_open(struct sg_txn *t, const char *rel)
{
	if (t->lock < 0 || t->committed)
		return sg_fail("%s: no transaction open", t->dir ? t->dir : "?");
	return check_rel(rel);
}

int sg_txn_write(struct sg_txn *t, const char *rel, const void *data, size_t len, mode_t mode)
{
	char name[32];

	if (check_open(t, rel) < 0 || open_stage(t) < 0)
		return -1;
	snprintf(name, sizeof(name), "f%u", t->staged++);
	if (stage_file(t, name, data, len, mode & 07777) < 0)
		return -1;
	return sg_buf_printf(&t->journal, "w %o %s %s\n", (unsigned)(mode & 07777), name, rel);
}

/* The staged name of the last write of rel in this transaction, or "". */
static void last_staged(const struct sg_txn *t, const char *rel, char name[32])
{
	const char *s = (const char *)t->journal.data, *end = s ? s + t->journal.len : NULL;
	size_t rl = strlen(rel);

	name[0] = '\0';
	if (!s) /* nothing staged yet (and no NULL + 0 arithmetic) */
		return;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		unsigned mode;
		char nm[32];
		int used = 0;

		if (!nl)
			break;
		if (sscanf(s, "w %o %31s %n", &mode, nm, &used) == 2 && used &&
		    (size_t)(nl - s - used) == rl && memcmp(s + used, rel, rl) == 0)
			memcpy(name, nm, sizeof(nm));
		else if (s[0] == 'r' && (size_t)(nl - s - 2) == rl && memcmp(s + 2, rel, rl) == 0)
			strcpy(name, "-");
		s = nl + 1;
	}
}

/* The content of rel as this transaction leaves it so far, into out:
 * staged last, else on disk; *found is 0 (out empty) when it is missing
 * or staged for removal. */
static int current(struct sg_txn *t, const char *rel, struct sg_buf *out, size_t max, int *found)
{
	char name[32], *path;
	int rc = 0;

	*found = 0;
	last_staged(t, rel, name);
	if (strcmp(name, "-") == 0)
		return 0;
	path = name[0] ? stage_path(t->dir, name) : join(t->dir, rel);
	if (!path)
		return -1;
	if (access(path, F_OK) == 0) {
		rc = sg_read_file(path, out, max);
		*found = rc == 0;
	} else if (errno != ENOENT) {
		rc = sg_fail_errno("%s", path);
	}
	free(path);
	return rc;
}

int sg_txn_read(struct sg_txn *t, const char *rel, struct sg_buf *out, size_t max)
{
	int found;

	if (check_open(t, rel) < 0 || current(t, rel, out, max, &found) < 0)
		return -1;
	if (!found) {
		sg_fail("%s/%s: missing", t->dir, rel);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int sg_txn_append(struct sg_txn *t, const char *rel, const void *data, size_t len, mode_t mode)
{
	struct sg_buf cur = SG_BUF_INIT;
	int found, rc = -1;

	if (check_open(t, rel) < 0 || current(t, rel, &cur, MAX_STAGED_READ, &found) < 0)
		goto out;
	if (sg_buf_append(&cur, data, len) < 0)
		goto out;
	rc = sg_txn_write(t, rel, cur.data ? cur.data : (const uint8_t *)"", cur.len, mode);
out:
	sg_buf_wipe(&cur);
	return rc;
}

int sg_txn_stage(struct sg_txn *t, const char *rel, mode_t mode, char **path)
{
	char name[32];

	*path = NULL;
	if (check_open(t, rel) < 0 || open_stage(t) < 0)
		return -1;
	snprintf(name, sizeof(name), "f%u", t->staged++);
	if (!(*path = stage_path(t->dir, name)))
		return -1;
	if (sg_buf_printf(&t->made, "%o %s\n", (unsigned)(mode & 07777), name) < 0 ||
	    sg_buf_printf(&t->journal, "w %o %s %s\n", (unsigned)(mode & 07777), name, rel) < 0) {
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}

/* The files the caller made (sg_txn_stage): there, regular, given their
 * mode and on disk before the journal names them. */
static int sync_made(struct sg_txn *t)
{
	const char *s = (const char *)t->made.data, *end;

	if (!t->made.len)
		return 0;
	for (end = s + t->made.len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		char name[32], *path;
		unsigned mode;
		struct stat st;
		int fd, rc = 0;

		if (!nl || sscanf(s, "%o %31s", &mode, name) != 2)
			return sg_fail("%s: transaction state damaged", t->dir);
		if (!(path = stage_path(t->dir, name)))
			return -1;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			rc = sg_fail_errno("%s: the staged file was not made", path);
		else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			rc = sg_fail("%s: the staged file is not a regular file", path);
		else if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0)
			rc = sg_fail_errno("%s", path);
		if (fd >= 0)
			close(fd);
		free(path);
		if (rc < 0)
			return -1;
		s = nl + 1;
	}
	return 0;
}

int sg_txn_mkdir(struct sg_txn *t, const char *rel, mode_t mode)
{
	if (check_open(t, rel) < 0 || open_stage(t) < 0)
		return -1;
	return sg_buf_printf(&t->journal, "d %o %s\n", (unsigned)(mode & 07777), rel);
}

int sg_txn_remove(struct sg_txn *t, const char *rel)
{
	if (check_open(t, rel) < 0 || open_stage(t) < 0)
		return -1;
	return sg_buf_printf(&t->journal, "r %s\n", rel);
}

int sg_txn_commit(struct sg_txn *t)
{
	char *journal = NULL;
	int rc = -1;

	if (t->lock < 0 || t->committed)
		return sg_fail("%s: no transaction open", t->dir ? t->dir : "?");
	if (!t->journal.len) {
		t->committed = 1;
		return 0;
	}
	if (sync_made(t) < 0 || !(journal = stage_path(t->dir, "journal")) ||
	    sg_write_file_atomic(journal, t->journal.data, t->journal.len, 0600, 0) < 0)
		goto out;
	/* committed: from here a crash is finished by the next settle */
	t->committed = 1;
	if (sg_buf_terminate(&t->journal) < 0 ||
	    apply_journal(t->dir, (char *)t->journal.data) < 0 || clear_stage(t->dir) < 0)
		goto out;
	rc = 0;
out:
	free(journal);
	return rc;
}

void sg_txn_end(struct sg_txn *t)
{
	if (t->lock >= 0) {
		/* an uncommitted transaction leaves nothing; a committed one
		 * whose apply failed is finished by the next settle */
		if (!t->committed && t->journal.len)
			clear_stage(t->dir);
		close(t->lock);
	}
	sg_buf_free(&t->journal);
	sg_buf_free(&t->made);
	free(t->dir);
	memset(t, 0, sizeof(*t));
	t->lock = -1;
}

int sg_txn_settle(const char *dir)
{
	char *stage = join(dir, STAGE_DIR);
	int lock, rc;

	if (!stage)
		return -1;
	rc = access(stage, F_OK);
	free(stage);
	if (rc < 0)
		return 0;
	if ((lock = lock_dir(dir, LOCK_EX)) < 0)
		return -1;
	rc = settle_locked(dir);
	close(lock);
	return rc;
}

int sg_txn_read_begin(const char *dir, int *lock)
{
	*lock = -1;
	if (access(dir, F_OK) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", dir);
	if (access(dir, W_OK) == 0 && sg_txn_settle(dir) < 0)
		return -1;
	return (*lock = lock_dir(dir, LOCK_SH)) < 0 ? -1 : 0;
}

void sg_txn_read_end(int *lock)
{
	if (*lock >= 0)
		close(*lock);
	*lock = -1;
}
