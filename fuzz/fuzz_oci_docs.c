/* The OCI index and manifest readers (ocilayout.h) on any text: what
 * they accept has sha256 digests of 64 lowercase hex digits, known media
 * types and at most SG_OCI_MAX_LAYERS layers; what they refuse has one
 * error line naming the document. The first byte picks the reader (and,
 * for the index, whether a tag is asked for). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ocilayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_desc(const struct sg_oci_desc *d)
{
	if (strlen(d->hex) != 64 || strspn(d->hex, "0123456789abcdef") != 64 || !d->media_type[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sg_oci_image img;
	const char *text = (const char *)data + 1;
	int rc;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		rc = sg_oci_manifest_parse("m.json", text, size - 1, &img);
		if (rc == 0) {
			check_desc(&img.config);
			if (img.nlayers > SG_OCI_MAX_LAYERS)
				abort();
			for (size_t i = 0; i < img.nlayers; i++)
				check_desc(&img.layers[i]);
		}
	} else {
		rc = sg_oci_index_find("index.json", text, size - 1, data[0] & 2 ? "t" : NULL,
				       &img.manifest);
		if (rc == 0)
			check_desc(&img.manifest);
	}
	if (rc < 0 &&
	    (strchr(sg_errmsg(), '\n') ||
	     strncmp(sg_errmsg(), data[0] & 1 ? "m.json" : "index.json", data[0] & 1 ? 6 : 10) != 0))
		abort();
	return 0;
}
