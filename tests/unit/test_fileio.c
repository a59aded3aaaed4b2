/* Atomic writes: mode, no-clobber, abort and no temporary left behind. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".signet-tmp", 11) == 0)
			n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static int exists(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static int make_file(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* The first atomic write into a directory removes the temporaries of
 * processes that died (unlocked), not one still being written (locked)
 * nor a name mkostemp cannot have made. */
static void stale_temps_swept(void)
{
	char dir[] = "/tmp/signet-test-sweep-XXXXXX", path[256];
	int stale, live, other;

	CHECK(mkdtemp(dir) != NULL);
	CHECK((stale = make_file(dir, ".signet-tmp-AAAAAA")) >= 0);
	CHECK((live = make_file(dir, ".signet-tmp-BBBBBB")) >= 0);
	CHECK((other = make_file(dir, ".signet-tmp-CCCCCCC")) >= 0);
	CHECK(flock(live, LOCK_EX) == 0);
	close(stale);
	close(other);
	snprintf(path, sizeof(path), "%s/out", dir);
	CHECK(sg_write_file_atomic(path, "x", 1, 0600, 0) == 0);
	CHECK(!exists(dir, ".signet-tmp-AAAAAA"));
	CHECK(exists(dir, ".signet-tmp-BBBBBB"));
	CHECK(exists(dir, ".signet-tmp-CCCCCCC"));
	CHECK(count_entries(dir) == 3);
	close(live);
	const char *names[] = { ".signet-tmp-BBBBBB", ".signet-tmp-CCCCCCC", "out" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	char dir[] = "/tmp/signet-test-fileio-XXXXXX", path[256];
	struct sg_buf b = SG_BUF_INIT;
	struct sg_atomic a;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/secret", dir);

	CHECK(sg_write_file_atomic(path, "one", 3, 0600, SG_ATOMIC_NO_CLOBBER) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(sg_read_file(path, &b, 100) == 0 && b.len == 3 && memcmp(b.data, "one", 3) == 0);
	sg_buf_free(&b);

	/* No-clobber refuses and leaves the old contents. */
	CHECK(sg_write_file_atomic(path, "two", 3, 0600, SG_ATOMIC_NO_CLOBBER) < 0);
	CHECK(sg_read_file(path, &b, 100) == 0 && memcmp(b.data, "one", 3) == 0);
	sg_buf_free(&b);

	/* Replacing keeps the requested mode. */
	CHECK(sg_write_file_atomic(path, "three", 5, 0644, 0) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);

	/* An aborted write leaves the old file and no temporary. */
	CHECK(sg_atomic_open(&a, path, 0600, 0) == 0);
	CHECK(sg_write_all(a.fd, "partial", 7) == 0);
	sg_atomic_abort(&a);
	CHECK(sg_read_file(path, &b, 100) == 0 && b.len == 5 && memcmp(b.data, "three", 5) == 0);
	sg_buf_free(&b);
	CHECK(count_entries(dir) == 1);

	/* The size limit is enforced. */
	CHECK(sg_read_file(path, &b, 4) < 0);
	sg_buf_free(&b);
	CHECK(sg_read_file("/nonexistent/signet", &b, 4) < 0);
	sg_buf_free(&b);

	/* A missing directory fails cleanly. */
	CHECK(sg_write_file_atomic("/nonexistent/dir/x", "x", 1, 0600, 0) < 0);

	stale_temps_swept();

	unlink(path);
	rmdir(dir);
	return check_done();
}
