/* The armor decoder: any input decodes or fails cleanly; what decodes
 * re-encodes to a canonical armor that decodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "armor.h"
#include "buf.h"
#include "err.h"
#include "io.h"

/* Decodes armored bytes into out; 0 or -1. */
static int decode(const uint8_t *data, size_t size, struct sg_buf *out)
{
	struct sg_mem_source m;
	struct sg_bufreader br;
	struct sg_armor_reader ar;
	struct sg_reader r;
	uint8_t chunk[4096];
	ssize_t n;
	int rc = 0;

	if (sg_bufreader_init(&br, sg_mem_reader(&m, data, size)) < 0)
		return -1;
	sg_armor_reader_init(&ar, &br);
	r = sg_armor_reader_as_reader(&ar);
	while ((n = r.read(r.ctx, chunk, sizeof(chunk))) > 0)
		sg_buf_append(out, chunk, (size_t)n);
	if (n < 0)
		rc = -1;
	sg_bufreader_free(&br);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_buf plain = SG_BUF_INIT, armored = SG_BUF_INIT, again = SG_BUF_INIT;

	if (decode(data, size, &plain) == 0) {
		struct sg_armor_writer aw;
		struct sg_writer w;

		sg_armor_writer_init(&aw, sg_buf_writer(&armored));
		w = sg_armor_writer_as_writer(&aw);
		if (sg_write(&w, plain.data ? plain.data : (const uint8_t *)"", plain.len) == 0 &&
		    sg_writer_close(&w) == 0) {
			if (decode(armored.data, armored.len, &again) != 0 || again.len != plain.len ||
			    (plain.len && memcmp(again.data, plain.data, plain.len) != 0))
				abort();
		}
		sg_armor_writer_free(&aw);
	}
	sg_buf_free(&plain);
	sg_buf_free(&armored);
	sg_buf_free(&again);
	return 0;
}
