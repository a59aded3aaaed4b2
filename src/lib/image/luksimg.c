#include "luksimg.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libcryptsetup.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "run.h"
#include "txn.h"

#define MIB (1024u * 1024u)
#define CHUNK (1u << 20)
#define TIME_MAX 2147483647LL /* ext4 seconds without the epoch bits */

void sg_luksimg_opts_init(struct sg_luksimg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->size_mib = SG_LUKSIMG_DEFAULT_MIB;
	o->sector_size = 512;
	o->pbkdf = "argon2id";
	o->mkfs = "mkfs.ext4";
	o->debugfs = "debugfs";
}

/* ---- aes-xts-plain64 ------------------------------------------------ */

void sg_luksimg_plain64_iv(uint64_t off, uint8_t iv[16])
{
	uint64_t n = off / 512;

	memset(iv, 0, 16);
	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(n >> (8 * i));
}

int sg_luksimg_xts(const uint8_t key[SG_LUKSIMG_VOLUME_KEY_LEN], uint32_t sector_size, uint64_t off,
		   const uint8_t *in, uint8_t *out, size_t len, int encrypt)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t iv[16];
	int n, rc = -1;

	if ((sector_size != 512 && sector_size != 4096) || len % sector_size || off % sector_size)
		return sg_fail("aes-xts-plain64: %zu bytes at %llu are not whole %u-byte sectors",
			       len, (unsigned long long)off, sector_size);
	if (!(ctx = EVP_CIPHER_CTX_new()) ||
	    !EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key, NULL, encrypt)) {
		sg_fail("aes-xts-plain64: cannot set the key");
		goto done;
	}
	/* One XTS data unit per sector, its tweak the plain64 IV. */
	for (size_t done = 0; done < len; done += sector_size) {
		sg_luksimg_plain64_iv(off + done, iv);
		if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, encrypt) ||
		    !EVP_CipherUpdate(ctx, out + done, &n, in + done, (int)sector_size) ||
		    n != (int)sector_size) {
			sg_fail("aes-xts-plain64: the cipher failed at byte %llu",
				(unsigned long long)(off + done));
			goto done;
		}
	}
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* ---- options -------------------------------------------------------- */

static int is_argon2(const struct sg_luksimg_opts *o)
{
	return strcmp(o->pbkdf, "argon2id") == 0;
}

static int check_secret(const struct sg_luksimg_secret *s)
{
	if (s->kind == SG_LUKSIMG_KEY && (s->len < SG_LUKSIMG_KEY_MIN || s->len > SG_LUKSIMG_KEY_MAX))
		return sg_fail("%s: a key file holds %d to %d bytes (it gets the minimal KDF), not %zu",
			       s->name, SG_LUKSIMG_KEY_MIN, SG_LUKSIMG_KEY_MAX, s->len);
	if (s->kind == SG_LUKSIMG_PASSPHRASE && (s->len == 0 || s->len > SG_LUKSIMG_PASSPHRASE_MAX))
		return sg_fail("%s: a passphrase holds 1 to %d bytes, not %zu", s->name,
			       SG_LUKSIMG_PASSPHRASE_MAX, s->len);
	return 0;
}

int sg_luksimg_check_opts(const struct sg_luksimg_opts *o)
{
	size_t slots = o->n_secrets + (o->new_key_file ? 1 : 0);

	if (!o->from || !o->out)
		return sg_fail("a disk image needs a directory and an output");
	if (o->size_mib < SG_LUKSIMG_MIN_MIB || o->size_mib > SG_LUKSIMG_MAX_MIB)
		return sg_fail("--size %u: from %u MiB (the smallest ext4 with a journal) to %u MiB",
			       o->size_mib, SG_LUKSIMG_MIN_MIB, SG_LUKSIMG_MAX_MIB);
	if (o->sector_size != 512 && o->sector_size != 4096)
		return sg_fail("--sector-size %u: 512 or 4096", o->sector_size);
	if (slots == 0)
		return sg_fail("%s: a disk needs a passphrase file, a key file or a new key file",
			       o->out);
	if (slots > SG_LUKSIMG_MAX_SLOTS)
		return sg_fail("%s: %zu keyslots asked for, LUKS2 has %d", o->out, slots,
			       SG_LUKSIMG_MAX_SLOTS);
	for (size_t i = 0; i < o->n_secrets; i++)
		if (check_secret(&o->secrets[i]) < 0)
			return -1;
	if (o->label) {
		if (strlen(o->label) > SG_LUKSIMG_LABEL_MAX)
			return sg_fail("--label '%.40s': at most %d bytes (ext4's limit)", o->label,
				       SG_LUKSIMG_LABEL_MAX);
		for (const char *p = o->label; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				return sg_fail("--label: printable ASCII only");
	}
	if (strcmp(o->pbkdf, "argon2id") && strcmp(o->pbkdf, "pbkdf2"))
		return sg_fail("--pbkdf %.40s: argon2id or pbkdf2", o->pbkdf);
	if (o->pbkdf_memory_kib && !is_argon2(o))
		return sg_fail("--pbkdf-memory is argon2id's memory cost, not pbkdf2's");
	if (o->pbkdf_memory_kib && (o->pbkdf_memory_kib < SG_LUKSIMG_ARGON2_MEMORY_MIN ||
				    o->pbkdf_memory_kib > SG_LUKSIMG_ARGON2_MEMORY_MAX))
		return sg_fail("--pbkdf-memory %u: from %u to %u KiB", o->pbkdf_memory_kib,
			       SG_LUKSIMG_ARGON2_MEMORY_MIN, SG_LUKSIMG_ARGON2_MEMORY_MAX);
	if (o->pbkdf_iterations && o->iter_time_ms)
		return sg_fail(
			"--pbkdf-iterations fixes the cost, --iter-time benchmarks it: not both");
	if (o->pbkdf_iterations && is_argon2(o) && o->pbkdf_iterations < SG_LUKSIMG_ARGON2_ITERATIONS)
		return sg_fail("--pbkdf-iterations %u: argon2id needs at least %d",
			       o->pbkdf_iterations, SG_LUKSIMG_ARGON2_ITERATIONS);
	if (o->pbkdf_iterations && !is_argon2(o) && o->pbkdf_iterations < SG_LUKSIMG_PBKDF2_MIN)
		return sg_fail("--pbkdf-iterations %u: pbkdf2 needs at least %d",
			       o->pbkdf_iterations, SG_LUKSIMG_PBKDF2_MIN);
	if (o->iter_time_ms > SG_LUKSIMG_ITER_TIME_MAX)
		return sg_fail("--iter-time %u: at most %d ms", o->iter_time_ms,
			       SG_LUKSIMG_ITER_TIME_MAX);
	if (o->new_key_file && strcmp(o->new_key_file, o->out) == 0)
		return sg_fail("%s: the new key file and the image are one file", o->out);
	return 0;
}

/* SOURCE_DATE_EPOCH, or 1: the time stamp of everything in the file
 * system. */
static int fixed_time(long long *t)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	*t = 1;
	if (!s || !*s)
		return 0;
	errno = 0;
	*t = strtoll(s, &end, 10);
	if (errno || *end || *t < 1 || *t > TIME_MAX)
		return sg_fail("SOURCE_DATE_EPOCH '%.40s': not a number of seconds from 1 to %lld",
			       s, TIME_MAX);
	return 0;
}

/* ---- libcryptsetup -------------------------------------------------- */

/* libcryptsetup's last error line: it would print it on stderr itself. */
static char cs_msg[256];

static void cs_log(int level, const char *msg, void *usrptr)
{
	size_t n;

	(void)usrptr;
	if (level != CRYPT_LOG_ERROR || !msg)
		return;
	snprintf(cs_msg, sizeof(cs_msg), "%s", msg);
	n = strlen(cs_msg);
	while (n && (cs_msg[n - 1] == '\n' || cs_msg[n - 1] == '.' || cs_msg[n - 1] == ' '))
		cs_msg[--n] = '\0';
}

static void cs_quiet(void)
{
	cs_msg[0] = '\0';
	crypt_set_log_callback(NULL, cs_log, NULL);
}

static int cs_fail(const char *path, const char *what, int r)
{
	return sg_fail("%s: %s: %s", path, what, cs_msg[0] ? cs_msg : strerror(-r));
}

static void pbkdf_for(const struct sg_luksimg_opts *o, enum sg_luksimg_kind kind,
		      struct crypt_pbkdf_type *p)
{
	memset(p, 0, sizeof(*p));
	p->hash = "sha256";
	p->flags = CRYPT_PBKDF_NO_BENCHMARK;
	if (kind == SG_LUKSIMG_KEY) {
		p->type = CRYPT_KDF_PBKDF2;
		p->iterations = SG_LUKSIMG_PBKDF2_MIN;
		return;
	}
	if (is_argon2(o)) {
		p->type = CRYPT_KDF_ARGON2ID;
		p->iterations =
			o->pbkdf_iterations ? o->pbkdf_iterations : SG_LUKSIMG_ARGON2_ITERATIONS;
		p->max_memory_kb =
			o->pbkdf_memory_kib ? o->pbkdf_memory_kib : SG_LUKSIMG_ARGON2_MEMORY_KIB;
		p->parallel_threads = SG_LUKSIMG_ARGON2_LANES;
	} else {
		p->type = CRYPT_KDF_PBKDF2;
		p->iterations =
			o->pbkdf_iterations ? o->pbkdf_iterations : SG_LUKSIMG_PBKDF2_ITERATIONS;
	}
	if (o->iter_time_ms) {
		/* Benchmarked here: memory stays a cap, iterations are found. */
		p->flags = 0;
		p->iterations = 0;
		p->time_ms = o->iter_time_ms;
	}
}

/* Formats the file at path (already of its final size) and adds the
 * keyslots; the data offset and sector size are read back. */
static int format_luks(const struct sg_luksimg_opts *o, const char *path, const uint8_t *vk,
		       const uint8_t *new_key, struct sg_luksimg_info *info)
{
	struct crypt_pbkdf_type key_kdf, pass_kdf;
	struct crypt_params_luks2 params;
	struct crypt_device *cd = NULL;
	char uuid[37];
	int r, rc = -1;

	cs_quiet();
	pbkdf_for(o, SG_LUKSIMG_KEY, &key_kdf);
	pbkdf_for(o, SG_LUKSIMG_PASSPHRASE, &pass_kdf);
	memset(&params, 0, sizeof(params));
	params.pbkdf = &key_kdf; /* the digest of a random volume key needs no more */
	params.sector_size = o->sector_size;
	params.label = o->label;
	sg_uuid_format(o->uuid, uuid);
	if ((r = crypt_init(&cd, path)) < 0) {
		cs_fail(o->out, "libcryptsetup cannot open it", r);
		goto done;
	}
	if ((r = crypt_set_data_offset(cd, SG_LUKSIMG_DATA_OFFSET / 512)) < 0 ||
	    (r = crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", uuid, (const char *)vk,
			      SG_LUKSIMG_VOLUME_KEY_LEN, &params)) < 0) {
		cs_fail(o->out, "libcryptsetup cannot format it as LUKS2", r);
		goto done;
	}
	info->keyslots = 0;
	for (size_t i = 0; i <= o->n_secrets; i++) {
		const struct sg_luksimg_secret *s = i < o->n_secrets ? &o->secrets[i] : NULL;
		const char *name = s ? s->name : o->new_key_file;
		const uint8_t *data = s ? s->data : new_key;
		size_t len = s ? s->len : SG_LUKSIMG_NEW_KEY_LEN;

		if (!s && !new_key)
			break;
		r = crypt_set_pbkdf_type(cd, s && s->kind == SG_LUKSIMG_PASSPHRASE ? &pass_kdf
										   : &key_kdf);
		if (r >= 0)
			r = crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, (const char *)vk,
							    SG_LUKSIMG_VOLUME_KEY_LEN,
							    (const char *)data, len);
		/* Key slots first: opening with a TPM key then never runs the
		 * passphrase slots' argon2id, slow in a small or emulated host. */
		if (r >= 0 && !(s && s->kind == SG_LUKSIMG_PASSPHRASE))
			r = crypt_keyslot_set_priority(cd, r, CRYPT_SLOT_PRIORITY_PREFER);
		if (r < 0) {
			sg_fail("%s: libcryptsetup cannot add a keyslot for %s: %s", o->out, name,
				cs_msg[0] ? cs_msg : strerror(-r));
			goto done;
		}
		info->keyslots++;
	}
	info->data_offset = crypt_get_data_offset(cd) * 512;
	info->sector_size = (uint32_t)crypt_get_sector_size(cd);
	if (info->data_offset != SG_LUKSIMG_DATA_OFFSET || info->sector_size != o->sector_size) {
		sg_fail("%s: libcryptsetup put the data at %llu with %u-byte sectors, not %u and %u",
			o->out, (unsigned long long)info->data_offset, info->sector_size,
			SG_LUKSIMG_DATA_OFFSET, o->sector_size);
		goto done;
	}
	memcpy(info->uuid, uuid, sizeof(uuid));
	rc = 0;
done:
	crypt_free(cd);
	return rc;
}

int sg_luksimg_check_key(const char *path, const struct sg_luksimg_secret *secret, int *slot)
{
	struct crypt_device *cd = NULL;
	int r;

	cs_quiet();
	if ((r = crypt_init(&cd, path)) < 0)
		return sg_fail("%s: %s", path, strerror(-r));
	if ((r = crypt_load(cd, CRYPT_LUKS2, NULL)) < 0) {
		crypt_free(cd);
		return sg_fail("%s: not a LUKS2 image", path);
	}
	/* No name: the key is checked, nothing is activated. */
	r = crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, (const char *)secret->data,
					 secret->len, 0);
	crypt_free(cd);
	if (r == -EPERM)
		return sg_fail("%s: no keyslot opens with %s", path, secret->name);
	if (r < 0)
		return cs_fail(path, "libcryptsetup cannot check the key", r);
	*slot = r;
	return 0;
}

/* ---- the file system ------------------------------------------------ */

/* An unnamed file in the directory of near, for the tools to reach as
 * /proc/self/fd/N (so not close-on-exec). O_TMPFILE where the file system
 * has it, else a temporary name removed at once. */
static int scratch_file(const char *near)
{
	char *copy = strdup(near), *tmpl = NULL, *dir;
	int fd = -1;

	if (!copy)
		return sg_fail("out of memory");
	dir = dirname(copy);
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) &&
	    asprintf(&tmpl, "%s/.signet-tmp-XXXXXX", dir) >= 0) {
		fd = mkstemp(tmpl);
		if (fd >= 0)
			unlink(tmpl);
	}
	if (fd < 0)
		sg_fail_errno("%s: cannot create a scratch file in %s", near, dir);
	free(tmpl);
	free(copy);
	return fd;
}

static void fd_path(int fd, char out[32])
{
	snprintf(out, 32, "/proc/self/fd/%d", fd);
}

/* UUIDs of the file system, derived from the LUKS2 UUID. */
static int derive_uuid(const uint8_t luks[16], const char *label, uint8_t out[16])
{
	uint8_t in[64], d[SG_SHA256_LEN];
	size_t n = strlen(label);

	memcpy(in, label, n);
	memcpy(in + n, luks, 16);
	if (sg_sha256(in, n + 16, d) < 0)
		return -1;
	memcpy(out, d, 16);
	sg_uuid_mark_v4(out);
	return 0;
}

static int make_fs(const struct sg_luksimg_opts *o, int fd, const char *fs_uuid,
		   const char *hash_seed, long long t)
{
	char path[32], ext[128], fake[48], sde[48], msg[400];
	const char *argv[24];
	const char *env[] = { fake, sde, NULL };
	int n = 0;

	fd_path(fd, path);
	snprintf(ext, sizeof(ext),
		 "root_owner=0:0,hash_seed=%s,lazy_itable_init=0,lazy_journal_init=0,nodiscard",
		 hash_seed);
	snprintf(fake, sizeof(fake), "E2FSPROGS_FAKE_TIME=%lld", t);
	snprintf(sde, sizeof(sde), "SOURCE_DATE_EPOCH=%lld", t);
	argv[n++] = o->mkfs;
	argv[n++] = "-q";
	argv[n++] = "-F";
	argv[n++] = "-t";
	argv[n++] = "ext4";
	argv[n++] = "-b";
	argv[n++] = "4096";
	argv[n++] = "-I";
	argv[n++] = "256";
	argv[n++] = "-U";
	argv[n++] = fs_uuid;
	argv[n++] = "-E";
	argv[n++] = ext;
	if (o->label) {
		argv[n++] = "-L";
		argv[n++] = o->label;
	}
	argv[n++] = "-d";
	argv[n++] = o->from;
	argv[n++] = path;
	argv[n] = NULL;
	if (sg_run(argv, env, o->out) == 0)
		return 0;
	/* A tree too large for --size is the one failure worth its own rule. */
	snprintf(msg, sizeof(msg), "%s", sg_errmsg());
	if (strstr(msg, "Could not allocate") || strstr(msg, "No space left")) {
		const char *why = strstr(msg, "failed: ");
		return sg_fail("%s: does not fit in a %u MiB file system (--size): %s", o->from,
			       o->size_mib, why ? why + 8 : msg);
	}
	return -1;
}

/* The debugfs commands that pin every time stamp of one inode. */
static int pin_commands(struct sg_buf *cmds, const char *path, long long t)
{
	static const char *const fields[] = { "atime", "mtime", "ctime", "crtime" };
	struct sg_buf q = SG_BUF_INIT;
	int rc = 0;

	/* debugfs quotes with "..." and doubles a quote inside. */
	for (const char *p = path; *p && rc == 0; p++)
		rc = *p == '"' ? sg_buf_append_str(&q, "\"\"") : sg_buf_append_byte(&q, (uint8_t)*p);
	if (rc == 0)
		rc = sg_buf_terminate(&q);
	for (size_t i = 0; rc == 0 && i < sizeof(fields) / sizeof(fields[0]); i++)
		rc = sg_buf_printf(cmds, "sif \"%s\" %s @%lld\nsif \"%s\" %s_extra 0\n",
				   (char *)q.data, fields[i], t, (char *)q.data, fields[i]);
	sg_buf_free(&q);
	return rc;
}

/* nftw() has no user pointer: the walk's state, for one walk at a time. */
static struct {
	struct sg_buf *cmds;
	size_t skip; /* strlen of the tree's own path */
	long long t;
} walk;

static int walk_entry(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *rel = fpath + walk.skip;

	(void)sb;
	(void)ftw;
	if (type == FTW_DNR || type == FTW_NS) {
		sg_fail_errno("%s: cannot read it", fpath);
		return 1;
	}
	if (strchr(rel, '\n')) {
		char shown[128];
		size_t i;

		/* Shown with the newline as '?', to keep the error one line. */
		for (i = 0; fpath[i] && i < sizeof(shown) - 1; i++)
			shown[i] = fpath[i] == '\n' ? '?' : fpath[i];
		shown[i] = '\0';
		sg_fail("%s: a name with a newline (debugfs, which sets the time stamps, reads one "
			"command a line)",
			shown);
		return 1;
	}
	return pin_commands(walk.cmds, *rel ? rel : "/", walk.t) < 0 ? 1 : 0;
}

/* The debugfs commands that set every time stamp in the file system to
 * t, mkfs -d having copied each file's from the tree. */
static int pin_commands_for_tree(const char *from, long long t, struct sg_buf *cmds)
{
	walk.cmds = cmds;
	/* Paths inside the file system: DIR's own path (less any trailing
	 * slash, all of "/") is cut off. */
	walk.skip = strlen(from);
	while (walk.skip > 0 && from[walk.skip - 1] == '/')
		walk.skip--;
	walk.t = t;
	if (pin_commands(cmds, "/lost+found", t) < 0 || nftw(from, walk_entry, 16, FTW_PHYS) != 0)
		return -1;
	return 0;
}

static int apply_pins(const struct sg_luksimg_opts *o, int fd, const struct sg_buf *cmds, long long t)
{
	struct sg_buf err = SG_BUF_INIT;
	char path[32], cmdpath[32], fake[48];
	const char *env[] = { fake, NULL };
	int mfd = -1, rc = -1;

	if ((mfd = memfd_create("signet-debugfs", 0)) < 0) {
		sg_fail_errno("memfd_create");
		goto done;
	}
	if (sg_write_all(mfd, cmds->data, cmds->len) < 0)
		goto done;
	fd_path(fd, path);
	fd_path(mfd, cmdpath);
	snprintf(fake, sizeof(fake), "E2FSPROGS_FAKE_TIME=%lld", t);
	const char *argv[] = { o->debugfs, "-w", "-f", cmdpath, path, NULL };
	if (sg_run_stderr(argv, env, o->out, &err) < 0 || sg_buf_terminate(&err) < 0)
		goto done;
	/* debugfs exits 0 after failed commands: any line but its banner
	 * ("debugfs 1.47.0 (5-Feb-2023)") is one. */
	for (char *line = (char *)err.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && strncmp(line, "debugfs ", 8) != 0) {
			sg_fail("%s: debugfs could not set the time stamps: %.200s", o->out, line);
			goto done;
		}
	}
	rc = 0;
done:
	if (mfd >= 0)
		close(mfd);
	sg_buf_free(&err);
	return rc;
}

/* ---- encryption into the image -------------------------------------- */

static int encrypt_fs(const struct sg_luksimg_opts *o, int fs, int out, const uint8_t *vk,
		      uint64_t size)
{
	uint8_t *buf = malloc(CHUNK);
	int rc = -1;

	if (!buf)
		return sg_fail("out of memory");
	for (uint64_t off = 0; off < size; off += CHUNK) {
		size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		ssize_t got = pread(fs, buf, n, (off_t)off);

		if (got != (ssize_t)n) {
			sg_fail("%s: reading the file system back: %s", o->out,
				got < 0 ? strerror(errno) : "short read");
			goto done;
		}
		if (sg_luksimg_xts(vk, o->sector_size, off, buf, buf, n, 1) < 0)
			goto done;
		for (size_t w = 0; w < n;) {
			ssize_t put = pwrite(out, buf + w, n - w,
					     (off_t)(SG_LUKSIMG_DATA_OFFSET + off + w));
			if (put < 0 && errno == EINTR)
				continue;
			if (put <= 0) {
				sg_fail_errno("%s: write", o->out);
				goto done;
			}
			w += (size_t)put;
		}
	}
	rc = 0;
done:
	sg_wipe(buf, CHUNK);
	free(buf);
	return rc;
}

/* The outputs must not exist unless forced, and are regular files. */
static int check_output(const char *path, int force)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s", path);
	if (!S_ISREG(st.st_mode))
		return sg_fail("%s: exists and is not a regular file", path);
	if (!force)
		return sg_fail("%s: already exists, not overwriting (--force replaces it)", path);
	return 0;
}

/* path as its directory (malloc'ed) and its last component. */
static int split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	*dir = !slash	       ? strdup(".")
	       : slash == path ? strdup("/")
			       : strndup(path, (size_t)(slash - path));
	return *dir ? 0 : sg_fail("out of memory");
}

/* The outputs' directory and their names in it: the image and its new
 * key are one transaction on that directory, so both must be in it. */
static int output_names(const struct sg_luksimg_opts *o, char **dir, const char **img,
			const char **key)
{
	struct stat a, b;
	char *kd = NULL;
	int rc = -1;

	*key = NULL;
	if (split_path(o->out, dir, img) < 0)
		return -1;
	if (!**img)
		return sg_fail("%s: names a directory, not an image", o->out);
	if (stat(*dir, &a) < 0 || !S_ISDIR(a.st_mode))
		return sg_fail_errno("%s: its directory %s", o->out, *dir);
	if (!o->new_key_file)
		return 0;
	if (split_path(o->new_key_file, &kd, key) < 0)
		return -1;
	if (stat(kd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		sg_fail("%s: the new key file must be in the image's directory %s (the two "
			"appear together)",
			o->new_key_file, *dir);
	else if (!**key || !strcmp(*key, *img))
		sg_fail("%s: the new key file must be another file than the image", o->new_key_file);
	else
		rc = 0;
	free(kd);
	return rc;
}

/* The image made at path (a staged name): sized, LUKS2-formatted by
 * libcryptsetup, the file system encrypted into its data segment. */
static int write_image(const struct sg_luksimg_opts *o, const char *path, int fs, const uint8_t *vk,
		       const uint8_t *new_key, uint64_t size, struct sg_luksimg_info *info)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = -1;

	if (fd < 0)
		return sg_fail_errno("%s", o->out);
	if (ftruncate(fd, (off_t)(SG_LUKSIMG_DATA_OFFSET + size)) < 0)
		sg_fail_errno("%s", o->out);
	else if (format_luks(o, path, vk, new_key, info) == 0 && encrypt_fs(o, fs, fd, vk, size) == 0)
		rc = 0;
	close(fd);
	return rc;
}

/* What a build makes on its way; the keys are wiped at its end. */
struct build {
	struct sg_luksimg_opts opts; /* the options, the UUID drawn */
	uint8_t vk[SG_LUKSIMG_VOLUME_KEY_LEN], new_key[SG_LUKSIMG_NEW_KEY_LEN];
	char fs_uuid[37], hash_seed[37];
	char *dir;		       /* the outputs' directory */
	const char *img_rel, *key_rel; /* their names in it */
	uint64_t size;
	struct sg_buf pins;
	int fs; /* the scratch file system */
	long long t0;
};

/* The volume's UUID (drawn unless given), the file system's UUID and
 * hash seed derived from it, the volume key and the new key drawn. */
static int draw_ids(struct build *b)
{
	uint8_t u[16];

	if (!b->opts.uuid_given) {
		if (sg_random(b->opts.uuid, sizeof(b->opts.uuid)) < 0)
			return -1;
		sg_uuid_mark_v4(b->opts.uuid);
	}
	if (derive_uuid(b->opts.uuid, "signet disk ext4 uuid", u) < 0)
		return -1;
	sg_uuid_format(u, b->fs_uuid);
	if (derive_uuid(b->opts.uuid, "signet disk ext4 hash seed", u) < 0)
		return -1;
	sg_uuid_format(u, b->hash_seed);
	if (sg_random(b->vk, sizeof(b->vk)) < 0 ||
	    (b->opts.new_key_file && sg_random(b->new_key, sizeof(b->new_key)) < 0))
		return -1;
	return 0;
}

/* The file system, made in a scratch file. The tree is walked first: a
 * name debugfs cannot take stops the build before anything is made. */
static int build_fs(struct build *b)
{
	const struct sg_luksimg_opts *o = &b->opts;

	if (pin_commands_for_tree(o->from, b->t0, &b->pins) < 0 || (b->fs = scratch_file(o->out)) < 0)
		return -1;
	if (ftruncate(b->fs, (off_t)b->size) < 0)
		return sg_fail_errno("%s: scratch file of %u MiB", o->out, o->size_mib);
	if (make_fs(o, b->fs, b->fs_uuid, b->hash_seed, b->t0) < 0 ||
	    apply_pins(o, b->fs, &b->pins, b->t0) < 0)
		return -1;
	return 0;
}

/* The image and its new key are staged in one transaction on their
 * directory: its commit is the one rename that makes both appear, so
 * no crash leaves an image whose only key was lost, or a key for an
 * image that never landed. The outputs are checked again under the
 * directory's lock. */
static int commit_outputs(struct build *b, struct sg_luksimg_info *info)
{
	const struct sg_luksimg_opts *o = &b->opts;
	char *staged = NULL;
	struct sg_txn t;
	int rc = -1;

	if (sg_txn_begin(&t, b->dir) < 0)
		return -1;
	if (check_output(o->out, o->force) == 0 &&
	    (!o->new_key_file || check_output(o->new_key_file, o->force) == 0) &&
	    sg_txn_stage(&t, b->img_rel, 0600, &staged) == 0 &&
	    write_image(o, staged, b->fs, b->vk, o->new_key_file ? b->new_key : NULL, b->size,
			info) == 0 &&
	    (!o->new_key_file ||
	     sg_txn_write(&t, b->key_rel, b->new_key, sizeof(b->new_key), 0600) == 0) &&
	    sg_txn_commit(&t) == 0)
		rc = 0;
	sg_txn_end(&t);
	free(staged);
	return rc;
}

int sg_luksimg_build(const struct sg_luksimg_opts *o, struct sg_luksimg_info *info)
{
	struct build b = { .opts = *o, .pins = SG_BUF_INIT, .fs = -1 };
	struct stat st;
	int rc = -1;

	b.size = (uint64_t)o->size_mib * MIB;
	memset(info, 0, sizeof(*info));
	if (sg_luksimg_check_opts(o) < 0 || fixed_time(&b.t0) < 0)
		return -1;
	if (stat(o->from, &st) < 0)
		return sg_fail_errno("%s", o->from);
	if (!S_ISDIR(st.st_mode))
		return sg_fail("%s: not a directory", o->from);
	if (output_names(o, &b.dir, &b.img_rel, &b.key_rel) == 0 &&
	    check_output(o->out, o->force) == 0 &&
	    (!o->new_key_file || check_output(o->new_key_file, o->force) == 0) &&
	    draw_ids(&b) == 0 && build_fs(&b) == 0 && commit_outputs(&b, info) == 0) {
		memcpy(info->fs_uuid, b.fs_uuid, sizeof(b.fs_uuid));
		rc = 0;
	}
	if (b.fs >= 0)
		close(b.fs);
	free(b.dir);
	sg_buf_free(&b.pins);
	sg_wipe(b.vk, sizeof(b.vk));
	sg_wipe(b.new_key, sizeof(b.new_key));
	return rc;
}
