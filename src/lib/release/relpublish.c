/* relpublish.c - a release repository copied to a mirror directory
 * (relpublish.h). */
#include "relpublish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "fleetout.h"
#include "path.h"

struct publish {
	const char *repo, *dest;
	unsigned long long copied, bytes, kept;
};

static int copy_file(const char *src, const char *dst, uint64_t *bytes)
{
	struct sg_atomic a;
	uint8_t chunk[1u << 16];
	int in, rc = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return sg_fail_errno("%s", src);
	if (sg_fleet_mkdirs_for(dst) < 0 || sg_atomic_open(&a, dst, 0644, 0) < 0) {
		close(in);
		return -1;
	}
	for (;;) {
		ssize_t n = sg_read_full(in, chunk, sizeof(chunk));
		if (n < 0)
			rc = sg_fail_errno("%s", src);
		if (n <= 0)
			break;
		if (sg_write_all(a.fd, chunk, (size_t)n) < 0) {
			rc = -1;
			break;
		}
		*bytes += (uint64_t)n;
	}
	close(in);
	if (rc < 0) {
		sg_atomic_abort(&a);
		return -1;
	}
	return sg_atomic_commit(&a);
}

/* Every file below rel that dest lacks; the two mutable names are left
 * for the end. */
static int publish_tree(struct publish *p, const char *rel)
{
	char dir[SG_PATH_MAX];
	struct dirent **ents = NULL;
	int n, rc = 0;

	snprintf(dir, sizeof(dir), "%s/%s", p->repo, rel);
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", dir);
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char sub[SG_PATH_MAX], src[SG_PATH_MAX], dst[SG_PATH_MAX];
		struct stat st;
		if (rc || e[0] == '.' ||
		    (!strcmp(rel, "metadata") &&
		     (!strcmp(e, "root.json") || !strcmp(e, "timestamp.json"))))
			continue;
		if (sg_path_join(sub, sizeof(sub), rel, e) < 0 ||
		    sg_path_join(src, sizeof(src), p->repo, sub) < 0 ||
		    sg_path_join(dst, sizeof(dst), p->dest, sub) < 0) {
			rc = -1;
		} else if (lstat(src, &st) < 0) {
			rc = sg_fail_errno("%s", src);
		} else if (S_ISDIR(st.st_mode)) {
			rc = publish_tree(p, sub);
		} else if (S_ISREG(st.st_mode)) {
			uint64_t b = 0;
			if (access(dst, F_OK) == 0) {
				p->kept++;
			} else if ((rc = copy_file(src, dst, &b)) == 0) {
				p->copied++;
				p->bytes += b;
			}
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int sg_release_publish(const char *repo, const char *dest, struct sg_buf *report)
{
	struct publish p = { .repo = repo, .dest = dest };
	static const char *const last[] = { "metadata/root.json", "metadata/timestamp.json" };

	if (publish_tree(&p, "targets") < 0 || publish_tree(&p, "metadata") < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		char src[SG_PATH_MAX], dst[SG_PATH_MAX];
		uint64_t b = 0;
		snprintf(src, sizeof(src), "%s/%s", repo, last[i]);
		snprintf(dst, sizeof(dst), "%s/%s", dest, last[i]);
		if (copy_file(src, dst, &b) < 0)
			return -1;
		p.copied++;
		p.bytes += b;
	}
	return sg_buf_printf(report, "%llu files copied (%llu bytes), %llu already there\n",
			     p.copied, p.bytes, p.kept);
}
