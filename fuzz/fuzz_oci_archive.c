/* The oci-archive reader (ociarchive.h) on any input: it takes the
 * input or refuses it with one line naming the archive, and writes
 * nothing but oci-layout, index.json and blobs/sha256/<hex> below its
 * directory (checked by listing it), which is emptied after each run. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "ociarchive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every name in dir is one a layout has; removes them. */
static void check_and_empty(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		abort();
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (depth == 0 && !strcmp(e->d_name, "blobs"))
			check_and_empty(path, 1);
		else if (depth == 1 && !strcmp(e->d_name, "sha256"))
			check_and_empty(path, 2);
		else if ((depth == 0 && strcmp(e->d_name, "oci-layout") &&
			  strcmp(e->d_name, "index.json")) ||
			 (depth == 1) || (depth == 2 && strlen(e->d_name) != 64))
			abort();
		if (e->d_type == DT_DIR ? rmdir(path) : unlink(path))
			abort();
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *archive = "in.tar", *dir = "layout";
	int r;

	if (sg_write_file_atomic(archive, data, size, 0600, 0) < 0 || mkdir(dir, 0700) < 0)
		abort();
	r = sg_oci_archive_extract(archive, dir);
	if (r < 0 && (strncmp(sg_errmsg(), "in.tar: ", 8) != 0 || strchr(sg_errmsg(), '\n')))
		abort();
	check_and_empty(dir, 0);
	if (rmdir(dir) < 0)
		abort();
	unlink(archive);
	return 0;
}
