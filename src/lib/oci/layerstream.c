/* layerstream.c - an OCI layer blob read as its tar (layerstream.h). */
#include "layerstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "crypto.h"
#include "err.h"
#include "hex.h"
#include "path.h"

#define IN_SIZE (1u << 17)

struct sg_oci_layer {
	char path[SG_PATH_MAX];
	struct sg_oci_desc desc;
	char diff_id[65];
	int fd;
	struct sg_digest *blob_md, *tar_md;
	uint64_t blob_read;
	uint8_t *in;
	size_t in_pos, in_len;
	int in_eof;
	z_stream z;
	int z_ready, z_member_end;
	ZSTD_DCtx *zstd;
	size_t zstd_ret; /* 0 when the last frame read was whole */
};

/* Refills the input buffer from the blob when it is empty; hashes and
 * counts what it reads. */
static int fill(struct sg_oci_layer *l)
{
	ssize_t n;

	if (l->in_pos < l->in_len || l->in_eof)
		return 0;
	do
		n = read(l->fd, l->in, IN_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sg_fail_errno("%s", l->path);
	l->in_pos = 0;
	l->in_len = (size_t)n;
	l->in_eof = n == 0;
	l->blob_read += (uint64_t)n;
	if (l->blob_read > l->desc.size)
		return sg_fail("%s: more than the %llu bytes its descriptor says", l->path,
			       (unsigned long long)l->desc.size);
	return sg_digest_update(l->blob_md, l->in, (size_t)n);
}

static ssize_t read_plain(struct sg_oci_layer *l, uint8_t *buf, size_t len)
{
	size_t n;

	if (fill(l) < 0)
		return -1;
	n = l->in_len - l->in_pos < len ? l->in_len - l->in_pos : len;
	memcpy(buf, l->in + l->in_pos, n);
	l->in_pos += n;
	return (ssize_t)n;
}

static ssize_t read_gzip(struct sg_oci_layer *l, uint8_t *buf, size_t len)
{
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	l->z.next_out = buf;
	l->z.avail_out = (uInt)len;
	while (l->z.avail_out == len) {
		int r;

		if (fill(l) < 0)
			return -1;
		if (l->in_pos == l->in_len) {
			if (!l->z_member_end)
				return sg_fail("%s: the gzip stream is truncated", l->path);
			break;
		}
		if (l->z_member_end) {
			/* gzip(1) reads members one after another as one stream */
			if (inflateReset(&l->z) != Z_OK)
				return sg_fail("%s: gzip: cannot reset", l->path);
			l->z_member_end = 0;
		}
		l->z.next_in = l->in + l->in_pos;
		l->z.avail_in = (uInt)(l->in_len - l->in_pos);
		r = inflate(&l->z, Z_NO_FLUSH);
		l->in_pos = l->in_len - l->z.avail_in;
		if (r == Z_STREAM_END)
			l->z_member_end = 1;
		else if (r != Z_OK && r != Z_BUF_ERROR)
			return sg_fail("%s: not a gzip stream, or a corrupt one (%s)", l->path,
				       l->z.msg ? l->z.msg : "inflate failed");
	}
	return (ssize_t)(len - l->z.avail_out);
}

static ssize_t read_zstd(struct sg_oci_layer *l, uint8_t *buf, size_t len)
{
	ZSTD_outBuffer out = { buf, len, 0 };

	while (out.pos == 0) {
		ZSTD_inBuffer in;

		if (fill(l) < 0)
			return -1;
		if (l->in_pos == l->in_len) {
			if (l->zstd_ret != 0)
				return sg_fail("%s: the zstd stream is truncated", l->path);
			break;
		}
		in = (ZSTD_inBuffer){ l->in, l->in_len, l->in_pos };
		l->zstd_ret = ZSTD_decompressStream(l->zstd, &out, &in);
		l->in_pos = in.pos;
		if (ZSTD_isError(l->zstd_ret))
			return sg_fail("%s: not a zstd stream, or a corrupt one (%s)", l->path,
				       ZSTD_getErrorName(l->zstd_ret));
	}
	return (ssize_t)out.pos;
}

static ssize_t layer_read(void *ctx, uint8_t *buf, size_t len)
{
	struct sg_oci_layer *l = ctx;
	ssize_t n;

	switch (l->desc.compression) {
	case SG_OCI_GZIP: n = read_gzip(l, buf, len); break;
	case SG_OCI_ZSTD: n = read_zstd(l, buf, len); break;
	default: n = read_plain(l, buf, len); break;
	}
	if (n > 0 && sg_digest_update(l->tar_md, buf, (size_t)n) < 0)
		return -1;
	return n;
}

struct sg_reader sg_oci_layer_reader(struct sg_oci_layer *l)
{
	return (struct sg_reader){ .read = layer_read, .ctx = l };
}

const char *sg_oci_layer_path(const struct sg_oci_layer *l)
{
	return l->path;
}

int sg_oci_layer_open(struct sg_oci_layer **out, const char *dir, const struct sg_oci_desc *d,
		      const char *diff_id)
{
	struct sg_oci_layer *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return sg_fail("out of memory");
	l->fd = -1;
	l->desc = *d;
	memcpy(l->diff_id, diff_id, sizeof(l->diff_id));
	if (sg_oci_blob_path(dir, d, l->path, sizeof(l->path)) < 0)
		goto fail;
	if ((l->fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		sg_fail_errno("%s", l->path);
		goto fail;
	}
	if (!(l->in = malloc(IN_SIZE)) || !(l->blob_md = sg_digest_new("SHA256")) ||
	    !(l->tar_md = sg_digest_new("SHA256"))) {
		sg_fail("out of memory");
		goto fail;
	}
	if (d->compression == SG_OCI_GZIP) {
		if (inflateInit2(&l->z, 16 + MAX_WBITS) != Z_OK) {
			sg_fail("%s: gzip: cannot start", l->path);
			goto fail;
		}
		l->z_ready = 1;
	} else if (d->compression == SG_OCI_ZSTD && !(l->zstd = ZSTD_createDCtx())) {
		sg_fail("out of memory");
		goto fail;
	}
	*out = l;
	return 0;
fail:
	sg_oci_layer_close(l);
	return -1;
}

static int check_sum(const struct sg_oci_layer *l, struct sg_digest *md, const char *want,
		     const char *what)
{
	uint8_t sum[SG_SHA256_LEN];
	char hex[65];

	if (sg_digest_final(md, sum) < 0)
		return -1;
	sg_hex_encode(sum, sizeof(sum), hex, SG_HEX_LOWER);
	if (strcmp(hex, want) != 0)
		return sg_fail("%s: %s is sha256:%s, not sha256:%s", l->path, what, hex, want);
	return 0;
}

int sg_oci_layer_finish(struct sg_oci_layer *l)
{
	uint8_t buf[65536];
	ssize_t n;

	/* the tar's padding after its end: a read gives 0 only at the
	 * blob's end, after a whole gzip member or zstd frame */
	while ((n = layer_read(l, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		return -1;
	if (l->blob_read != l->desc.size)
		return sg_fail("%s: %llu bytes, its descriptor says %llu", l->path,
			       (unsigned long long)l->blob_read, (unsigned long long)l->desc.size);
	if (check_sum(l, l->blob_md, l->desc.hex, "its digest") < 0 ||
	    check_sum(l, l->tar_md, l->diff_id, "the digest of its tar (its diff_id)") < 0)
		return -1;
	return 0;
}

void sg_oci_layer_close(struct sg_oci_layer *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	if (l->z_ready)
		inflateEnd(&l->z);
	ZSTD_freeDCtx(l->zstd);
	sg_digest_free(l->blob_md);
	sg_digest_free(l->tar_md);
	free(l->in);
	free(l);
}
