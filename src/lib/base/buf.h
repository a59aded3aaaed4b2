/* buf.h - a growable byte buffer.
 *
 * Buffers that may hold secrets are released with sg_buf_wipe(), which
 * clears every byte ever allocated before freeing; growth copies through
 * a wiped reallocation for the same reason.
 */
#ifndef SIGNET_BUF_H
#define SIGNET_BUF_H

#include <stddef.h>
#include <stdint.h>

struct sg_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* clang-format off */
#define SG_BUF_INIT { NULL, 0, 0 }
/* clang-format on */

/* Makes room for at least `extra` more bytes. 0, or -1 on overflow/OOM. */
int sg_buf_reserve(struct sg_buf *b, size_t extra);

int sg_buf_append(struct sg_buf *b, const void *data, size_t len);
int sg_buf_append_str(struct sg_buf *b, const char *s);
int sg_buf_append_byte(struct sg_buf *b, uint8_t c);
int sg_buf_printf(struct sg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* NUL-terminates without counting the NUL in len. */
int sg_buf_terminate(struct sg_buf *b);

/* Makes room in the array *v (of *cap elements of size bytes, len of them
 * used) for one more: when full, doubles *cap (from 8), refusing sizes
 * that overflow. realloc moves the old block without wiping it, so this
 * is for arrays that never hold secrets (pointers, offsets, ranges).
 * 0, or -1 ("out of memory") leaving *v and *cap as they were. */
int sg_array_grow(void **v, size_t *cap, size_t len, size_t size);

/* Frees the buffer; sg_buf_wipe() clears it first. Both reset to empty. */
void sg_buf_free(struct sg_buf *b);
void sg_buf_wipe(struct sg_buf *b);

#endif
