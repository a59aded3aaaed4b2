/* armor.h - the age ASCII armor: a strict subset of RFC 7468 PEM.
 *
 *   -----BEGIN AGE ENCRYPTED FILE-----
 *   <padded standard base64, 64 columns, last line 1..64 columns>
 *   -----END AGE ENCRYPTED FILE-----
 *
 * The decoder streams and is strict as the age specification requires:
 * whitespace is allowed only before the BEGIN line and after the END
 * line, lines end in LF or CRLF, every line but the last is exactly 64
 * columns, the base64 is canonical, and there are no PEM headers.
 */
#ifndef SIGNET_ARMOR_H
#define SIGNET_ARMOR_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

#define SG_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define SG_ARMOR_END "-----END AGE ENCRYPTED FILE-----"

/* 1 when the next bytes of r, after any whitespace, start an armored
 * file; 0 when not; -1 on a read error. Consumes nothing. */
int sg_armor_detect(struct sg_bufreader *r);

struct sg_armor_reader {
	struct sg_bufreader *src;
	uint8_t decoded[48];
	size_t pos, len;
	int state;	    /* 0: before BEGIN, 1: in the body, 2: after END */
	int last_line_seen; /* a short or padded line was read: END must follow */
};

void sg_armor_reader_init(struct sg_armor_reader *a, struct sg_bufreader *src);
/* The decoded bytes as a reader; errors are prefixed "armor: ". */
struct sg_reader sg_armor_reader_as_reader(struct sg_armor_reader *a);

struct sg_armor_writer {
	struct sg_writer dst;
	uint8_t pending[48];
	size_t npending;
	int started;
	uint8_t *lines; /* encoding buffer, reused across writes */
	size_t lines_cap;
};

void sg_armor_writer_init(struct sg_armor_writer *a, struct sg_writer dst);
/* Writes BEGIN on first use; close writes the last line and END. */
struct sg_writer sg_armor_writer_as_writer(struct sg_armor_writer *a);
void sg_armor_writer_free(struct sg_armor_writer *a);

#endif
