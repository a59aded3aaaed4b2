/* fleetlock.c - the build's outside inputs (fleetlock.h). */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "fileio.h"
#include "fleetlock.h"
#include "hex.h"
#include "path.h"
#include "sopsdoc.h"
#include "yamldoc.h"

int sg_fleet_file_sha256(const char *path, uint8_t digest[32], uint64_t *size)
{
	static uint8_t chunk[1 << 20];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t n;

	*size = 0;
	if (fd < 0) {
		EVP_MD_CTX_free(md);
		return sg_fail_errno("%s", path);
	}
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		sg_fail("%s: cannot hash", path);
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (!EVP_DigestUpdate(md, chunk, (size_t)n)) {
			sg_fail("%s: cannot hash", path);
			goto out;
		}
		*size += (uint64_t)n;
	}
	if (n < 0)
		sg_fail_errno("%s", path);
	else if (!EVP_DigestFinal_ex(md, digest, NULL))
		sg_fail("%s: cannot hash", path);
	else
		rc = 0;
out:
	close(fd);
	EVP_MD_CTX_free(md);
	return rc;
}

static void hex64(const uint8_t d[32], char out[65])
{
	sg_hex_encode(d, 32, out, SG_HEX_LOWER);
	out[64] = '\0';
}

int sg_fleet_inputs_check(const struct sg_fleet *f, const char *dir, struct sg_buf *diag)
{
	size_t start = diag->len, bad = 0;

	for (size_t i = 0; i < f->ninputs; i++) {
		const struct sg_fleet_input *in = &f->inputs[i];
		char path[SG_PATH_MAX], got[65], want[65];
		uint8_t d[32];
		uint64_t size;
		bad++;
		hex64(in->sha256, want);
		if (!dir)
			sg_buf_printf(diag, "fleet.lock:%u: input '%s': no inputs directory given\n",
				      in->line, in->name);
		else if (sg_path_join(path, sizeof(path), dir, in->name) < 0 ||
			 sg_fleet_file_sha256(path, d, &size) < 0)
			sg_buf_printf(diag, "fleet.lock:%u: input '%s': %s\n", in->line, in->name,
				      sg_errmsg());
		else if (hex64(d, got), size != in->size || memcmp(d, in->sha256, 32) != 0)
			sg_buf_printf(diag,
				      "fleet.lock:%u: input '%s': %s has %llu bytes and SHA-256 %s, "
				      "the lock pins %llu bytes and %s\n",
				      in->line, in->name, path, (unsigned long long)size, got,
				      (unsigned long long)in->size, want);
		else
			bad--;
	}
	if (!bad)
		return 0;
	return sg_fail("%.*s", (int)strcspn((const char *)diag->data + start, "\n"),
		       (const char *)diag->data + start);
}

/* ---- writing the lock ---- */

static struct {
	char **v;
	size_t n, cap;
	size_t root;
	int failed;
} found;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (sg_array_grow((void **)&found.v, &found.cap, found.n + 1, sizeof(*found.v)) < 0 ||
	    !(found.v[found.n] = strdup(path + found.root))) {
		found.failed = 1;
		return 1;
	}
	found.n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct sg_sops_node *str_node(const char *s)
{
	return sg_sops_new_str(SG_SOPS_STR, s, strlen(s));
}

/* {sha256, size, source} of the file at dir/name. */
static struct sg_sops_node *input_node(const struct sg_fleet *f, const char *dir, const char *name)
{
	struct sg_sops_node *m = sg_sops_new(SG_SOPS_MAP), *size = sg_sops_new(SG_SOPS_INT);
	const struct sg_fleet_input *old = sg_fleet_input(f, name);
	char path[SG_PATH_MAX], hex[65];
	uint8_t d[32];
	uint64_t n;

	if (!m || !size || sg_path_join(path, sizeof(path), dir, name) < 0 ||
	    sg_fleet_file_sha256(path, d, &n) < 0)
		goto fail;
	hex64(d, hex);
	size->integer = (int64_t)n;
	if (sg_sops_push(m, "sha256", 6, str_node(hex)) < 0 || sg_sops_push(m, "size", 4, size) < 0)
		goto fail_m;
	if (old && old->source && sg_sops_push(m, "source", 6, str_node(old->source)) < 0)
		goto fail_m;
	return m;
fail:
	sg_sops_free(size);
fail_m:
	sg_sops_free(m);
	return NULL;
}

static struct sg_sops_node *lock_doc(const struct sg_fleet *f, const char *dir)
{
	static const char head[] =
		" Every outside input of a build, pinned by SHA-256 (signet fleet lock).";
	struct sg_sops_node *doc = sg_sops_new(SG_SOPS_MAP), *inputs = sg_sops_new(SG_SOPS_MAP);

	if (!doc || !inputs ||
	    sg_sops_push(doc, NULL, 0, sg_sops_new_str(SG_SOPS_COMMENT, head, sizeof(head) - 1)) < 0 ||
	    sg_sops_push(doc, "version", 7, str_node("0.1")) < 0)
		goto fail;
	for (size_t i = 0; i < found.n; i++) {
		if (!sg_fleet_input_name_ok(found.v[i])) {
			sg_fail("%s/%s: not an input name ([a-z0-9._-] components)", dir, found.v[i]);
			goto fail;
		}
		if (sg_sops_push(inputs, found.v[i], strlen(found.v[i]),
				 input_node(f, dir, found.v[i])) < 0)
			goto fail;
	}
	if (sg_sops_push(doc, "inputs", 6, inputs) < 0)
		inputs = NULL;
	else
		return doc;
fail:
	sg_sops_free(inputs);
	sg_sops_free(doc);
	return NULL;
}

int sg_fleet_lock_write(const struct sg_fleet *f, const char *repo, const char *dir, size_t *n)
{
	struct sg_sops_node *doc = NULL;
	struct sg_buf text = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1;

	memset(&found, 0, sizeof(found));
	found.root = strlen(dir) + (dir[strlen(dir) - 1] == '/' ? 0 : 1);
	if (nftw(dir, collect, 16, FTW_PHYS) != 0 || found.failed) {
		sg_fail_errno("%s", dir);
		goto out;
	}
	qsort(found.v, found.n, sizeof(*found.v), cmp_str);
	if (!(doc = lock_doc(f, dir)) || sg_yaml_write(doc, &text) < 0 ||
	    sg_path_join(path, sizeof(path), repo, "fleet.lock") < 0 ||
	    sg_write_file_atomic(path, text.data, text.len, 0644, 0) < 0)
		goto out;
	*n = found.n;
	rc = 0;
out:
	for (size_t i = 0; i < found.n; i++)
		free(found.v[i]);
	free(found.v);
	memset(&found, 0, sizeof(found));
	sg_sops_free(doc);
	sg_buf_free(&text);
	return rc;
}
