#include "verity.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "endian.h"
#include "err.h"
#include "hex.h"
#include "fileio.h"

#define VERITY_MAX_LEVELS 63
#define VERITY_MAX_THREADS 64
/* Input bytes one worker hashes per turn: large enough for sequential
 * reads, small enough to keep memory bounded. */
#define VERITY_CHUNK_BYTES (2u << 20)

static const uint8_t sb_signature[8] = { 'v', 'e', 'r', 'i', 't', 'y', 0, 0 };

void sg_verity_params_init(struct sg_verity_params *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->hash_name, "sha256");
	p->hash_type = 1;
	p->data_block_size = 4096;
	p->hash_block_size = 4096;
}

int sg_verity_random_salt_uuid(struct sg_verity_params *p)
{
	p->salt_size = 32;
	if (sg_random(p->salt, p->salt_size) < 0 || sg_random(p->uuid, sizeof(p->uuid)) < 0)
		return -1;
	sg_uuid_mark_v4(p->uuid);
	return 0;
}

/* Decodes exactly strlen(hex) / 2 bytes; -1 on odd length, a non-hex
 * character or more than max bytes. */
static int hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	return sg_hex_decode(hex, strlen(hex), out, max, len);
}

void sg_verity_hex(const uint8_t *in, size_t len, char *out)
{
	sg_hex_encode(in, len, out, SG_HEX_LOWER);
}

int sg_verity_parse_salt(struct sg_verity_params *p, const char *hex)
{
	if (strcmp(hex, "-") == 0) {
		p->salt_size = 0;
		return 0;
	}
	if (hex_decode(hex, p->salt, sizeof(p->salt), &p->salt_size) < 0)
		return sg_fail("salt '%.80s': not an even number of hex digits of at most %d bytes",
			       hex, SG_VERITY_SALT_MAX);
	return 0;
}

int sg_verity_parse_uuid(struct sg_verity_params *p, const char *s)
{
	return sg_uuid_parse(s, p->uuid);
}

void sg_verity_uuid_str(const uint8_t u[16], char out[37])
{
	sg_uuid_format(u, out);
}

/* veritysetup's rule: a power of two from 512 bytes to 512 KiB. */
static int block_size_ok(uint64_t n)
{
	return n >= 512 && n <= 512 * 1024 && (n & (n - 1)) == 0;
}

int sg_verity_parse_block_size(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || !block_size_ok(n))
		return sg_fail("block size '%.40s': not a power of two from 512 to 524288", s);
	*out = (uint32_t)n;
	return 0;
}

int sg_verity_parse_root(const char *hex, uint8_t *out, size_t *len)
{
	if (hex_decode(hex, out, SG_VERITY_DIGEST_MAX, len) < 0 || *len == 0)
		return sg_fail("root hash '%.140s': not hex digits of a digest", hex);
	return 0;
}

/* The digest named by p, fetched once and shared by the threads. */
static EVP_MD *fetch_md(const char *name)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);

	if (!md) {
		ERR_clear_error();
		sg_fail("hash algorithm '%s' not supported", name);
		return NULL;
	}
	if (EVP_MD_get_size(md) <= 0 || EVP_MD_get_size(md) > SG_VERITY_DIGEST_MAX ||
	    (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF)) {
		EVP_MD_free(md);
		sg_fail("hash algorithm '%s' not usable for dm-verity", name);
		return NULL;
	}
	return md;
}

int sg_verity_check_params(const struct sg_verity_params *p)
{
	EVP_MD *md;

	if (p->hash_type > 1)
		return sg_fail("verity hash type %" PRIu32 " not supported (0 or 1)", p->hash_type);
	if (!block_size_ok(p->data_block_size))
		return sg_fail("data block size %" PRIu32 ": not a power of two from 512 to 524288",
			       p->data_block_size);
	if (!block_size_ok(p->hash_block_size))
		return sg_fail("hash block size %" PRIu32 ": not a power of two from 512 to 524288",
			       p->hash_block_size);
	if (p->salt_size > SG_VERITY_SALT_MAX)
		return sg_fail("salt of %zu bytes: at most %d allowed", p->salt_size,
			       SG_VERITY_SALT_MAX);
	if (!(md = fetch_md(p->hash_name)))
		return -1;
	if ((size_t)EVP_MD_get_size(md) * 2 > p->hash_block_size) {
		EVP_MD_free(md);
		return sg_fail("hash block size %" PRIu32 " holds fewer than two %s digests",
			       p->hash_block_size, p->hash_name);
	}
	EVP_MD_free(md);
	return 0;
}

/* struct verity_sb: signature[8] version(le32) hash_type(le32) uuid[16]
 * algorithm[32] data_block_size(le32) hash_block_size(le32)
 * data_blocks(le64) salt_size(le16) pad[6] salt[256] pad[168]. */
enum {
	SB_VERSION = 8,
	SB_HASH_TYPE = 12,
	SB_UUID = 16,
	SB_ALGORITHM = 32,
	SB_DATA_BLOCK_SIZE = 64,
	SB_HASH_BLOCK_SIZE = 68,
	SB_DATA_BLOCKS = 72,
	SB_SALT_SIZE = 80,
	SB_SALT = 88,
};

int sg_verity_sb_encode(const struct sg_verity_params *p, uint8_t out[SG_VERITY_SB_SIZE])
{
	if (p->salt_size > SG_VERITY_SALT_MAX || strlen(p->hash_name) > SG_VERITY_HASH_NAME_MAX)
		return sg_fail("verity parameters do not fit a superblock");
	memset(out, 0, SG_VERITY_SB_SIZE);
	memcpy(out, sb_signature, sizeof(sb_signature));
	sg_put_le32(out + SB_VERSION, 1);
	sg_put_le32(out + SB_HASH_TYPE, p->hash_type);
	memcpy(out + SB_UUID, p->uuid, 16);
	memcpy(out + SB_ALGORITHM, p->hash_name, strlen(p->hash_name));
	sg_put_le32(out + SB_DATA_BLOCK_SIZE, p->data_block_size);
	sg_put_le32(out + SB_HASH_BLOCK_SIZE, p->hash_block_size);
	sg_put_le64(out + SB_DATA_BLOCKS, p->data_blocks);
	sg_put_le16(out + SB_SALT_SIZE, (uint16_t)p->salt_size);
	memcpy(out + SB_SALT, p->salt, p->salt_size);
	return 0;
}

int sg_verity_sb_decode(const uint8_t *buf, size_t len, struct sg_verity_params *p)
{
	uint32_t version;

	sg_verity_params_init(p);
	if (len < SG_VERITY_SB_SIZE)
		return sg_fail("verity superblock: %zu bytes, %d needed", len, SG_VERITY_SB_SIZE);
	if (memcmp(buf, sb_signature, sizeof(sb_signature)) != 0)
		return sg_fail("verity superblock: no \"verity\" signature");
	version = sg_get_le32(buf + SB_VERSION);
	if (version != 1)
		return sg_fail("verity superblock: version %" PRIu32 " not supported", version);
	p->hash_type = sg_get_le32(buf + SB_HASH_TYPE);
	memcpy(p->uuid, buf + SB_UUID, 16);
	memcpy(p->hash_name, buf + SB_ALGORITHM, SG_VERITY_HASH_NAME_MAX);
	p->hash_name[SG_VERITY_HASH_NAME_MAX] = '\0';
	p->data_block_size = sg_get_le32(buf + SB_DATA_BLOCK_SIZE);
	p->hash_block_size = sg_get_le32(buf + SB_HASH_BLOCK_SIZE);
	p->data_blocks = sg_get_le64(buf + SB_DATA_BLOCKS);
	p->salt_size = (size_t)buf[SB_SALT_SIZE] | (size_t)buf[SB_SALT_SIZE + 1] << 8;
	if (p->salt_size > SG_VERITY_SALT_MAX)
		return sg_fail("verity superblock: salt size %zu larger than %d", p->salt_size,
			       SG_VERITY_SALT_MAX);
	memcpy(p->salt, buf + SB_SALT, p->salt_size);
	if (p->data_blocks == 0)
		return sg_fail("verity superblock: no data blocks");
	if (sg_verity_check_params(p) < 0)
		return sg_fail_prefix("verity superblock");
	return 0;
}

/* Where each level of the tree lives, as cryptsetup's hash_levels(). */
struct layout {
	size_t digest_size;
	size_t stride;	    /* bytes per digest slot in a hash block */
	uint64_t per_block; /* digests per hash block */
	uint64_t offset;    /* tree start, in hash blocks */
	int levels;
	uint64_t level_block[VERITY_MAX_LEVELS]; /* first block, absolute */
	uint64_t level_size[VERITY_MAX_LEVELS];	 /* blocks */
	uint64_t end;				 /* one past the last tree block */
};

static unsigned bits_down(uint64_t u)
{
	unsigned i = 0;

	while ((u >> i) > 1)
		i++;
	return i;
}

static int plan_layout(const struct sg_verity_params *p, size_t digest_size, struct layout *l)
{
	unsigned bits = bits_down(p->hash_block_size / digest_size);
	uint64_t pos, n = p->data_blocks;
	size_t full = 1;

	memset(l, 0, sizeof(*l));
	while (full < digest_size)
		full <<= 1;
	l->digest_size = digest_size;
	l->stride = p->hash_type == 1 ? full : digest_size;
	l->per_block = (uint64_t)1 << bits;
	l->offset = p->no_superblock
			    ? 0
			    : (SG_VERITY_SB_SIZE + p->hash_block_size - 1) / p->hash_block_size;
	if (n == 0)
		return sg_fail("no data blocks to hash");
	while (bits * (unsigned)l->levels < 64 && ((n - 1) >> (bits * (unsigned)l->levels)))
		l->levels++;
	if (l->levels > VERITY_MAX_LEVELS)
		return sg_fail("verity tree deeper than %d levels", VERITY_MAX_LEVELS);
	pos = l->offset;
	for (int i = l->levels - 1; i >= 0; i--) {
		unsigned shift = (unsigned)(i + 1) * bits;
		uint64_t s =
			shift >= 64 ? 1 : (n >> shift) + ((n & (((uint64_t)1 << shift) - 1)) != 0);
		l->level_block[i] = pos;
		l->level_size[i] = s;
		if (pos + s < pos)
			return sg_fail("verity hash area overflows");
		pos += s;
	}
	l->end = pos;
	if (pos > UINT64_MAX / p->hash_block_size)
		return sg_fail("verity hash area overflows");
	return 0;
}

/* Reads exactly len bytes at off; a short file is an error. */
static int pread_full(int fd, void *buf, size_t len, uint64_t off, const char *name)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sg_fail_errno("%s: read at offset %" PRIu64, name, off);
		if (n == 0)
			return sg_fail("%s: ends before offset %" PRIu64, name, off + len);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off, const char *name)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sg_fail_errno("%s: write at offset %" PRIu64, name, off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* One level of the tree: hash src blocks into dst hash blocks (or, when
 * verifying, compare with the dst blocks already there). */
struct level_job {
	const struct sg_verity_params *p;
	const struct layout *l;
	const EVP_MD *md;
	int src_fd;
	const char *src_name;
	uint64_t src_off; /* bytes */
	uint32_t src_bs;
	uint64_t src_blocks;
	int dst_fd;
	const char *dst_name;
	uint64_t dst_off; /* bytes */
	uint64_t dst_blocks;
	int level;
	int verify;
	uint64_t chunk; /* dst blocks per turn */
	_Atomic uint64_t next;
	_Atomic uint64_t stop_after; /* no turns start beyond this dst block */
	pthread_mutex_t lock;
	int failed;
	uint64_t bad_at; /* lowest failing dst block, UINT64_MAX if none */
	char err[512];
};

static int hash_block(EVP_MD_CTX *ctx, const struct level_job *j, const uint8_t *data, uint8_t *out)
{
	const struct sg_verity_params *p = j->p;

	if (EVP_DigestInit_ex2(ctx, j->md, NULL) != 1 ||
	    (p->hash_type == 1 && EVP_DigestUpdate(ctx, p->salt, p->salt_size) != 1) ||
	    EVP_DigestUpdate(ctx, data, j->src_bs) != 1 ||
	    (p->hash_type == 0 && EVP_DigestUpdate(ctx, p->salt, p->salt_size) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		return sg_fail("%s digest failed", p->hash_name);
	return 0;
}

/* Records a failure at dst block `at`; the lowest one wins so that the
 * report names the first bad block whatever the thread timing. */
static void job_fail(struct level_job *j, uint64_t at)
{
	pthread_mutex_lock(&j->lock);
	if (!j->failed || at < j->bad_at) {
		j->failed = 1;
		j->bad_at = at;
		snprintf(j->err, sizeof(j->err), "%s", sg_errmsg());
	}
	pthread_mutex_unlock(&j->lock);
	if (atomic_load(&j->stop_after) > at)
		atomic_store(&j->stop_after, at);
}

/* Names the first difference between computed and stored hash blocks. */
static void report_mismatch(struct level_job *j, const uint8_t *mine, const uint8_t *theirs,
			    uint64_t first_dst, uint64_t nsrc, uint64_t first_src)
{
	uint32_t hbs = j->p->hash_block_size;
	uint64_t nbytes = (nsrc + j->l->per_block - 1) / j->l->per_block * hbs;
	uint64_t i = 0, blk, slot, src;

	while (i < nbytes && mine[i] == theirs[i])
		i++;
	blk = i / hbs;
	slot = (i % hbs) / j->l->stride;
	src = first_src + blk * j->l->per_block + slot;
	if (slot >= j->l->per_block || src >= first_src + nsrc ||
	    (i % hbs) % j->l->stride >= j->l->digest_size) {
		sg_fail("%s: hash block at offset %" PRIu64 " has non-zero padding", j->dst_name,
			j->dst_off + (first_dst + blk) * hbs);
	} else if (j->level == 0) {
		sg_fail("%s: data block %" PRIu64 " (offset %" PRIu64 ") does not match its hash",
			j->src_name, src, j->src_off + src * j->src_bs);
	} else {
		sg_fail("%s: hash block at offset %" PRIu64 " (level %d) does not match its hash",
			j->src_name, j->src_off + src * j->src_bs, j->level - 1);
	}
	job_fail(j, first_dst + blk);
}

static void *level_worker(void *arg)
{
	struct level_job *j = arg;
	uint32_t hbs = j->p->hash_block_size;
	size_t in_len = (size_t)(j->chunk * j->l->per_block * j->src_bs);
	size_t out_len = (size_t)(j->chunk * hbs);
	uint8_t *in = malloc(in_len), *out = malloc(out_len), *cmp = NULL;
	uint8_t digest[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (j->verify)
		cmp = malloc(out_len);
	if (!in || !out || !ctx || (j->verify && !cmp)) {
		sg_fail("out of memory");
		job_fail(j, 0);
		goto out;
	}
	for (;;) {
		uint64_t first = atomic_fetch_add(&j->next, j->chunk);
		if (first >= j->dst_blocks || first > atomic_load(&j->stop_after))
			break;
		uint64_t ndst = j->dst_blocks - first < j->chunk ? j->dst_blocks - first : j->chunk;
		uint64_t src0 = first * j->l->per_block;
		uint64_t nsrc = j->src_blocks - src0 < ndst * j->l->per_block
					? j->src_blocks - src0
					: ndst * j->l->per_block;

		if (pread_full(j->src_fd, in, (size_t)(nsrc * j->src_bs),
			       j->src_off + src0 * j->src_bs, j->src_name) < 0) {
			job_fail(j, first);
			break;
		}
		memset(out, 0, (size_t)(ndst * hbs));
		for (uint64_t k = 0; k < nsrc; k++) {
			if (hash_block(ctx, j, in + k * j->src_bs, digest) < 0) {
				job_fail(j, first);
				goto out;
			}
			memcpy(out + (k / j->l->per_block) * hbs +
				       (k % j->l->per_block) * j->l->stride,
			       digest, j->l->digest_size);
		}
		if (j->verify) {
			if (pread_full(j->dst_fd, cmp, (size_t)(ndst * hbs),
				       j->dst_off + first * hbs, j->dst_name) < 0) {
				job_fail(j, first);
				break;
			}
			if (memcmp(out, cmp, (size_t)(ndst * hbs)) != 0) {
				report_mismatch(j, out, cmp, first, nsrc, src0);
				break;
			}
		} else if (pwrite_full(j->dst_fd, out, (size_t)(ndst * hbs),
				       j->dst_off + first * hbs, j->dst_name) < 0) {
			job_fail(j, first);
			break;
		}
	}
out:
	EVP_MD_CTX_free(ctx);
	free(in);
	free(out);
	free(cmp);
	return NULL;
}

static unsigned thread_count(unsigned want, uint64_t turns)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (want == 0)
		want = cpus > 0 ? (unsigned)cpus : 1;
	if (want > VERITY_MAX_THREADS)
		want = VERITY_MAX_THREADS;
	if (turns < want)
		want = (unsigned)turns;
	return want ? want : 1;
}

static int run_level(struct level_job *j, unsigned threads)
{
	pthread_t tid[VERITY_MAX_THREADS];
	uint64_t in_per_dst = j->l->per_block * j->src_bs;
	unsigned n, started = 0;

	j->chunk = VERITY_CHUNK_BYTES / in_per_dst ? VERITY_CHUNK_BYTES / in_per_dst : 1;
	atomic_init(&j->next, 0);
	atomic_init(&j->stop_after, UINT64_MAX);
	j->failed = 0;
	j->bad_at = UINT64_MAX;
	n = thread_count(threads, (j->dst_blocks + j->chunk - 1) / j->chunk);
	if (pthread_mutex_init(&j->lock, NULL) != 0)
		return sg_fail("cannot create a mutex");
	if (n == 1) {
		level_worker(j);
	} else {
		for (; started < n; started++)
			if (pthread_create(&tid[started], NULL, level_worker, j) != 0)
				break;
		if (started == 0)
			level_worker(j);
		for (unsigned i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
	}
	pthread_mutex_destroy(&j->lock);
	if (j->failed)
		return sg_fail("%s", j->err);
	return 0;
}

/* Digest of one block read from fd at off, for the root. */
static int root_of(const struct level_job *proto, int fd, const char *name, uint64_t off,
		   uint32_t bs, uint8_t *root)
{
	struct level_job j = *proto;
	uint8_t *block = malloc(bs);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	j.src_bs = bs;
	if (!block || !ctx)
		sg_fail("out of memory");
	else if (pread_full(fd, block, bs, off, name) == 0)
		rc = hash_block(ctx, &j, block, root);
	EVP_MD_CTX_free(ctx);
	free(block);
	return rc;
}

/* Every level bottom-up, then the root. */
static int build_tree(const struct sg_verity_params *p, const struct layout *l, const EVP_MD *md,
		      int data_fd, const char *data_name, int hash_fd, const char *hash_name,
		      int verify, unsigned threads, uint8_t *root)
{
	struct level_job j;
	uint32_t hbs = p->hash_block_size;

	memset(&j, 0, sizeof(j));
	j.p = p;
	j.l = l;
	j.md = md;
	j.dst_fd = hash_fd;
	j.dst_name = hash_name;
	j.verify = verify;
	for (int i = 0; i < l->levels; i++) {
		j.level = i;
		if (i == 0) {
			j.src_fd = data_fd;
			j.src_name = data_name;
			j.src_off = 0;
			j.src_bs = p->data_block_size;
			j.src_blocks = p->data_blocks;
		} else {
			j.src_fd = hash_fd;
			j.src_name = hash_name;
			j.src_off = l->level_block[i - 1] * hbs;
			j.src_bs = hbs;
			j.src_blocks = l->level_size[i - 1];
		}
		j.dst_off = l->level_block[i] * hbs;
		j.dst_blocks = l->level_size[i];
		if (run_level(&j, threads) < 0)
			return -1;
	}
	if (l->levels)
		return root_of(&j, hash_fd, hash_name, l->level_block[l->levels - 1] * hbs, hbs,
			       root);
	return root_of(&j, data_fd, data_name, 0, p->data_block_size, root);
}

/* Size of a regular file or block device. */
static int input_size(int fd, const char *name, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sg_fail_errno("%s", name);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, size) < 0)
			return sg_fail_errno("%s: size of block device", name);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return sg_fail("%s: not a regular file or block device", name);
	*size = (uint64_t)st.st_size;
	return 0;
}

/* How many data blocks of size bytes p covers, and the bytes after them. */
static int data_blocks(const char *name, uint64_t size, const struct sg_verity_params *p,
		       uint64_t *tail, uint64_t *blocks)
{
	if (p->data_blocks == 0) {
		*blocks = size / p->data_block_size;
		if (*blocks == 0)
			return sg_fail("%s: %" PRIu64 " bytes, smaller than one %" PRIu32
				       "-byte data block",
				       name, size, p->data_block_size);
	} else {
		*blocks = p->data_blocks;
		if (size / p->data_block_size < p->data_blocks)
			return sg_fail("%s: %" PRIu64 " bytes, too small for %" PRIu64
				       " data blocks of %" PRIu32,
				       name, size, p->data_blocks, p->data_block_size);
	}
	*tail = size - *blocks * p->data_block_size;
	return 0;
}

static int open_data(const char *path, const struct sg_verity_params *p, uint64_t *tail,
		     uint64_t *blocks)
{
	uint64_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sg_fail_errno("%s", path);
	if (input_size(fd, path, &size) < 0 || data_blocks(path, size, p, tail, blocks) < 0) {
		close(fd);
		return -1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fd;
}

/* Whether path names the file open as fd (writing the tree there would
 * replace the data being hashed). */
static int same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static void fill_info(const struct sg_verity_params *p, const struct layout *l, uint64_t tail,
		      const uint8_t *root, struct sg_verity_info *info)
{
	if (!info)
		return;
	memset(info, 0, sizeof(*info));
	memcpy(info->root, root, l->digest_size);
	info->root_size = l->digest_size;
	info->hash_blocks = l->end - l->offset;
	info->hash_device_size = l->end * p->hash_block_size;
	info->data_tail = tail;
}

/* The superblock (unless p->no_superblock) and the tree into hash_fd. */
static int write_tree(const struct sg_verity_params *p, const struct layout *l, const EVP_MD *md,
		      int data_fd, const char *data_name, int hash_fd, const char *hash_name,
		      unsigned threads, uint8_t *root)
{
	if (!p->no_superblock) {
		size_t len = (size_t)(l->offset * p->hash_block_size);
		uint8_t *sb = calloc(1, len);
		int w;

		if (!sb)
			return sg_fail("out of memory");
		w = sg_verity_sb_encode(p, sb) < 0 ? -1 : pwrite_full(hash_fd, sb, len, 0, hash_name);
		free(sb);
		if (w < 0)
			return -1;
	}
	return build_tree(p, l, md, data_fd, data_name, hash_fd, hash_name, 0, threads, root);
}

int sg_verity_format(const char *data_path, const char *hash_path, struct sg_verity_params *p,
		     unsigned threads, struct sg_verity_info *info)
{
	struct sg_atomic out;
	struct layout l;
	uint8_t root[EVP_MAX_MD_SIZE];
	uint64_t tail = 0, blocks;
	EVP_MD *md = NULL;
	int data_fd, rc = -1, opened = 0;

	if (sg_verity_check_params(p) < 0)
		return -1;
	if ((data_fd = open_data(data_path, p, &tail, &blocks)) < 0)
		return -1;
	p->data_blocks = blocks;
	if (same_file(data_fd, hash_path)) {
		sg_fail("%s: is the data file; a tree appended to its data is not supported",
			hash_path);
		goto out;
	}
	if (!(md = fetch_md(p->hash_name)) || plan_layout(p, (size_t)EVP_MD_get_size(md), &l) < 0)
		goto out;
	if (sg_atomic_open(&out, hash_path, 0644, 0) < 0)
		goto out;
	opened = 1;
	if (!out.direct && ftruncate(out.fd, (off_t)(l.end * p->hash_block_size)) < 0) {
		sg_fail_errno("%s: cannot size the hash file", hash_path);
		goto out;
	}
	if (write_tree(p, &l, md, data_fd, data_path, out.fd, hash_path, threads, root) < 0)
		goto out;
	opened = 0;
	if (sg_atomic_commit(&out) < 0)
		goto out;
	fill_info(p, &l, tail, root, info);
	rc = 0;
out:
	if (opened)
		sg_atomic_abort(&out);
	EVP_MD_free(md);
	close(data_fd);
	return rc;
}

int sg_verity_format_mem(const uint8_t *data, size_t len, const char *name,
			 struct sg_verity_params *p, struct sg_buf *tree, struct sg_verity_info *info)
{
	struct layout l;
	uint8_t root[EVP_MAX_MD_SIZE];
	uint64_t tail = 0, blocks;
	EVP_MD *md = NULL;
	int data_fd = -1, hash_fd = -1, rc = -1;
	size_t size;

	if (sg_verity_check_params(p) < 0 || data_blocks(name, len, p, &tail, &blocks) < 0)
		return -1;
	p->data_blocks = blocks;
	if (!(md = fetch_md(p->hash_name)) || plan_layout(p, (size_t)EVP_MD_get_size(md), &l) < 0)
		goto out;
	size = (size_t)(l.end * p->hash_block_size);
	/* Anonymous memory, not files: the tree code reads and writes fds. */
	if ((data_fd = memfd_create("verity-data", MFD_CLOEXEC)) < 0 ||
	    (hash_fd = memfd_create("verity-tree", MFD_CLOEXEC)) < 0) {
		sg_fail_errno("%s: memfd_create", name);
		goto out;
	}
	if (pwrite_full(data_fd, data, len, 0, name) < 0 || ftruncate(hash_fd, (off_t)size) < 0 ||
	    write_tree(p, &l, md, data_fd, name, hash_fd, "verity tree", 0, root) < 0 ||
	    sg_buf_reserve(tree, size) < 0 ||
	    pread_full(hash_fd, tree->data + tree->len, size, 0, "verity tree") < 0)
		goto out;
	tree->len += size;
	fill_info(p, &l, tail, root, info);
	rc = 0;
out:
	if (data_fd >= 0)
		close(data_fd);
	if (hash_fd >= 0)
		close(hash_fd);
	EVP_MD_free(md);
	return rc;
}

int sg_verity_verify(const char *data_path, const char *hash_path, struct sg_verity_params *p,
		     const uint8_t *root, size_t root_size, unsigned threads,
		     struct sg_verity_info *info)
{
	struct layout l;
	uint8_t mine[EVP_MAX_MD_SIZE];
	uint64_t tail = 0, blocks, hash_size;
	EVP_MD *md = NULL;
	int data_fd = -1, hash_fd, rc = -1;

	if ((hash_fd = open(hash_path, O_RDONLY | O_CLOEXEC)) < 0)
		return sg_fail_errno("%s", hash_path);
	if (!p->no_superblock) {
		uint8_t sb[SG_VERITY_SB_SIZE];
		if (pread_full(hash_fd, sb, sizeof(sb), 0, hash_path) < 0)
			goto out;
		if (sg_verity_sb_decode(sb, sizeof(sb), p) < 0) {
			sg_fail_prefix(hash_path);
			goto out;
		}
	} else if (sg_verity_check_params(p) < 0) {
		goto out;
	}
	if ((data_fd = open_data(data_path, p, &tail, &blocks)) < 0)
		goto out;
	p->data_blocks = blocks;
	if (!(md = fetch_md(p->hash_name)) || plan_layout(p, (size_t)EVP_MD_get_size(md), &l) < 0)
		goto out;
	if (root_size != l.digest_size) {
		sg_fail("root hash of %zu bytes given, %s digests have %zu", root_size,
			p->hash_name, l.digest_size);
		goto out;
	}
	if (input_size(hash_fd, hash_path, &hash_size) < 0)
		goto out;
	if (hash_size < l.end * p->hash_block_size) {
		sg_fail("%s: %" PRIu64 " bytes, the hash tree needs %" PRIu64, hash_path, hash_size,
			l.end * p->hash_block_size);
		goto out;
	}
	if (build_tree(p, &l, md, data_fd, data_path, hash_fd, hash_path, 1, threads, mine) < 0)
		goto out;
	if (!sg_ct_equal(mine, root, root_size)) {
		if (l.levels == 0)
			sg_fail("%s: data block 0 (offset 0) does not match the root hash",
				data_path);
		else
			sg_fail("%s: top hash block (offset %" PRIu64
				") does not match the root hash",
				hash_path, l.level_block[l.levels - 1] * p->hash_block_size);
		goto out;
	}
	fill_info(p, &l, tail, mine, info);
	rc = 0;
out:
	EVP_MD_free(md);
	if (data_fd >= 0)
		close(data_fd);
	close(hash_fd);
	return rc;
}

/* --- root hash signatures ------------------------------------------------ */

static int root_text(const char *root_hex, char *out, size_t cap)
{
	size_t n = strlen(root_hex);

	if (n == 0 || n % 2 || n >= cap)
		return sg_fail("root hash '%.140s': not hex digits of a digest", root_hex);
	for (size_t i = 0; i < n; i++) {
		if (sg_hex_value(root_hex[i]) < 0)
			return sg_fail("root hash '%.140s': not hex digits of a digest", root_hex);
		out[i] = (char)(root_hex[i] >= 'A' && root_hex[i] <= 'F' ? root_hex[i] + 32
									 : root_hex[i]);
	}
	out[n] = '\0';
	return (int)n;
}

static BIO *open_bio(const char *path)
{
	BIO *b = BIO_new_file(path, "rb");

	if (!b) {
		ERR_clear_error();
		sg_fail_errno("%s", path);
	}
	return b;
}

static X509 *load_cert(const char *path)
{
	BIO *b = open_bio(path);
	X509 *x;

	if (!b)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, (void *)"");
	if (!x) {
		BIO_reset(b);
		x = d2i_X509_bio(b, NULL);
	}
	BIO_free(b);
	ERR_clear_error();
	if (!x)
		sg_fail("%s: not a PEM or DER X.509 certificate", path);
	return x;
}

static EVP_PKEY *load_key(const char *path)
{
	BIO *b = open_bio(path);
	EVP_PKEY *k;

	if (!b)
		return NULL;
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	if (!k) {
		BIO_reset(b);
		k = d2i_PrivateKey_bio(b, NULL);
	}
	BIO_free(b);
	ERR_clear_error();
	if (!k)
		sg_fail("%s: not an unencrypted PEM or DER private key", path);
	return k;
}

int sg_verity_sign_key(EVP_PKEY *key, X509 *cert, const char *name, const char *root_hex,
		       struct sg_buf *out)
{
	char text[2 * SG_VERITY_DIGEST_MAX + 1];
	BIO *in = NULL;
	PKCS7 *p7 = NULL;
	unsigned char *der = NULL;
	int n, len, rc = -1;

	if ((n = root_text(root_hex, text, sizeof(text))) < 0)
		return -1;
	if (X509_check_private_key(cert, key) != 1) {
		sg_fail("%s: the key does not belong to its certificate", name);
		goto out;
	}
	if (!(in = BIO_new_mem_buf(text, n)) ||
	    !(p7 = PKCS7_sign(cert, key, NULL, in,
			      PKCS7_DETACHED | PKCS7_BINARY | PKCS7_NOATTR | PKCS7_NOCERTS))) {
		sg_fail("%s: PKCS#7 signing failed", name);
		goto out;
	}
	if ((len = i2d_PKCS7(p7, &der)) <= 0) {
		sg_fail("PKCS#7 encoding failed");
		goto out;
	}
	out->len = 0;
	rc = sg_buf_append(out, der, (size_t)len);
out:
	ERR_clear_error();
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(in);
	return rc;
}

int sg_verity_sign(const char *key_path, const char *cert_path, const char *root_hex,
		   struct sg_buf *out)
{
	X509 *cert = load_cert(cert_path);
	EVP_PKEY *key = cert ? load_key(key_path) : NULL;
	int rc = key ? sg_verity_sign_key(key, cert, key_path, root_hex, out) : -1;

	EVP_PKEY_free(key);
	X509_free(cert);
	return rc;
}

/* 1 when OpenSSL has every digest algorithm the SignedData names.
 * PKCS7_verify() (OpenSSL 3.0.19) leaks the copy it makes of a memory
 * content BIO when it cannot set up a digest for one of them; such a
 * signature could not verify anyway. */
static int digests_known(PKCS7 *p7)
{
	STACK_OF(X509_ALGOR) *md = p7->d.sign ? p7->d.sign->md_algs : NULL;

	for (int i = 0; i < sk_X509_ALGOR_num(md); i++)
		if (!EVP_get_digestbyobj(sk_X509_ALGOR_value(md, i)->algorithm))
			return 0;
	return 1;
}

int sg_verity_verify_sig(const char *cert_path, const char *root_hex, const uint8_t *sig,
			 size_t sig_len)
{
	char text[2 * SG_VERITY_DIGEST_MAX + 1];
	X509 *cert = NULL;
	STACK_OF(X509) *signers = NULL;
	BIO *content = NULL, *sigbio = NULL;
	PKCS7 *p7 = NULL;
	const unsigned char *q = sig;
	int n, rc = -1;

	if ((n = root_text(root_hex, text, sizeof(text))) < 0)
		return -1;
	if (sig_len > INT32_MAX)
		return sg_fail("signature too large");
	p7 = d2i_PKCS7(NULL, &q, (long)sig_len);
	/* The "" pass phrase: a PEM with an encryption header must fail,
	 * not make OpenSSL ask for one on the terminal (signet-init reads
	 * this file from the ESP, which anyone may write). */
	if (!p7 && (sigbio = BIO_new_mem_buf(sig, (int)sig_len)))
		p7 = PEM_read_bio_PKCS7(sigbio, NULL, NULL, (void *)"");
	if (!p7 || !PKCS7_type_is_signed(p7)) {
		sg_fail("signature: not a DER or PEM PKCS#7 SignedData");
		goto out;
	}
	if (!digests_known(p7)) {
		sg_fail("signature: the SignedData names an unknown digest algorithm");
		goto out;
	}
	if (!(cert = load_cert(cert_path)))
		goto out;
	if (!(signers = sk_X509_new_null()) || !sk_X509_push(signers, cert)) {
		sg_fail("out of memory");
		goto out;
	}
	if (!(content = BIO_new_mem_buf(text, n)))
		goto out;
	/* The certificate given is the trust anchor: no chain building, and
	 * only it may be the signer. */
	if (PKCS7_verify(p7, signers, NULL, content, NULL,
			 PKCS7_NOVERIFY | PKCS7_NOINTERN | PKCS7_BINARY | PKCS7_NOCHAIN) != 1) {
		sg_fail("signature: does not verify over root hash %s with %s", text, cert_path);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	sk_X509_free(signers);
	X509_free(cert);
	BIO_free(content);
	BIO_free(sigbio);
	PKCS7_free(p7);
	return rc;
}
