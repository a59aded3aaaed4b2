/* The OCI layer tree (ocitree.h) on any input: the input is up to four
 * tars, split at the line "--layer--\n", applied one after another as
 * the layers of an image. The tree must refuse or take each, keep its
 * count consistent, and leave the staging directory empty when freed
 * (every staged file belongs to a name until that name goes). */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "ocitree.h"
#include "tar.h"

#define SPLIT "--layer--\n"

static int stage_fd = -1;

static int stage_is_empty(void)
{
	int fd = dup(stage_fd), empty = 1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d)
		abort();
	rewinddir(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_oci_tree *t;
	size_t off = 0;

	if (stage_fd < 0) {
		char dir[] = "stage.XXXXXX"; /* in the scratch directory run-fuzzer.sh runs in */

		if (!mkdtemp(dir) || (stage_fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
			abort();
	}
	if (!(t = sg_oci_tree_new(stage_fd, SG_OCI_ALLOW_DEVICES)))
		abort();
	for (int layer = 0; layer < 4 && off <= size; layer++) {
		const uint8_t *end = memmem(data + off, size - off, SPLIT, strlen(SPLIT));
		size_t len = end ? (size_t)(end - (data + off)) : size - off;
		struct sg_mem_source m;
		struct sg_tar *tr;
		int r;

		if (sg_tar_open(&tr, sg_mem_reader(&m, data + off, len), "l.tar") < 0)
			abort();
		r = sg_oci_tree_apply(t, tr, "l.tar");
		sg_tar_close(tr);
		if (r < 0) {
			if (strncmp(sg_errmsg(), "l.tar: ", 7) != 0 || strchr(sg_errmsg(), '\n'))
				abort();
			break;
		}
		if (sg_oci_tree_count(t) > SG_OCI_TREE_MAX_NODES)
			abort();
		off += len + strlen(SPLIT);
	}
	sg_oci_tree_free(t);
	if (!stage_is_empty())
		abort();
	return 0;
}
