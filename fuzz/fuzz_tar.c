/* The tar reader (tar.h) on any input: every entry it returns has a
 * non-empty path and link within the limits, its data reads back to
 * exactly its size, and the reader ends (0) or fails (-1) with one
 * error line naming the archive. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "io.h"
#include "tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_mem_source m;
	struct sg_tar *t;
	struct sg_tar_entry e;
	uint8_t buf[4096];
	int r;

	if (sg_tar_open(&t, sg_mem_reader(&m, data, size), "f.tar") < 0)
		return 0;
	while ((r = sg_tar_next(t, &e)) == 1) {
		uint64_t got = 0;
		ssize_t n;
		if (!e.path[0] || strlen(e.path) > SG_TAR_NAME_MAX ||
		    strlen(e.link) > SG_TAR_NAME_MAX || e.nxattrs > SG_TAR_XATTRS_MAX)
			abort();
		while ((n = sg_tar_read(t, buf, sizeof(buf))) > 0)
			got += (uint64_t)n;
		if (n == 0 && got != e.size)
			abort();
		if (got > size)
			abort();
	}
	if (r < 0 && (strncmp(sg_errmsg(), "f.tar: ", 7) != 0 || strchr(sg_errmsg(), '\n')))
		abort();
	sg_tar_close(t);
	return 0;
}
