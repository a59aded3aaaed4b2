/* fuzz_tuf - the TUF metadata reader and the client workflow
 * (tufmeta.h, tufclient.h).
 *
 * The first byte chooses:
 *   0-3  the rest is one metadata file of that type (root, timestamp,
 *        snapshot, targets), read, verified against the harness key, and
 *        its delegations matched against a path;
 *   4, 5 the rest is a repository: records of [name length (1 byte)]
 *        [name][content length (2 bytes, big-endian)][content], served by
 *        a transport in memory to a client whose trusted root (made here
 *        once) gives every top-level role the harness key; it refreshes,
 *        finds the target hosts/a/x and downloads it. With 5, every record
 *        that reads as {"signed": ...} is signed here with that key
 *        first, so the fuzzer, which cannot forge Ed25519, reaches every
 *        check after the signatures' (versions, pins, lengths, hashes,
 *        expiry, delegations).
 * The trusted directory is a scratch directory emptied before each run;
 * the clock is fixed (SIGNET_NOW).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "tufclient.h"
#include "tufmeta.h"

#define MAX_FILES 16

struct file {
	char name[256];
	struct sg_buf data;
};

struct repo {
	struct file f[MAX_FILES];
	size_t n;
};

static struct sg_tuf_signer key;
static char dir[] = "/tmp/fuzz_tuf.XXXXXX", trusted[96], root_path[96], out_path[96];

static const struct file *find(const struct repo *r, const char *rel)
{
	if (strncmp(rel, "metadata/", 9) && strncmp(rel, "targets/", 8))
		return NULL;
	const char *name = rel + (rel[0] == 'm' ? 9 : 8);
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].name, name))
			return &r->f[i];
	return NULL;
}

static int mem_get(void *ctx, const char *rel, uint64_t max, struct sg_buf *out)
{
	const struct file *f = find(ctx, rel);
	if (!f)
		return 1;
	if (f->data.len > max)
		return sg_fail("%s: too long", rel);
	return sg_buf_append(out, f->data.data, f->data.len);
}

static int mem_get_file(void *ctx, const char *rel, uint64_t offset, uint64_t max, int fd)
{
	const struct file *f = find(ctx, rel);
	if (!f)
		return sg_fail("%s: absent", rel);
	if (offset > f->data.len)
		return 0;
	size_t n = f->data.len - (size_t)offset;
	if (n > max - offset)
		return sg_fail("%s: more than signed", rel);
	return sg_write_all(fd, f->data.data + offset, n);
}

static void make_root(void)
{
	static const char *const roles[] = { "root", "timestamp", "snapshot", "targets" };
	char id[SG_TUF_KEYID_LEN + 1];
	struct sg_buf b = SG_BUF_INIT;
	struct sg_json *s = sg_tuf_signed_new(SG_TUF_ROOT, 1, 4102444800 /* 2100 */);
	struct sg_json *keys = sg_json_new_object(), *r = sg_json_new_object();

	sg_tuf_keyid(key.pub, id);
	sg_json_set(s, "consistent_snapshot", sg_json_new_bool(1));
	sg_json_set(keys, id, sg_tuf_key_object(key.pub));
	sg_json_set(s, "keys", keys);
	for (int i = 0; i < 4; i++) {
		struct sg_json *role = sg_json_new_object(), *ids = sg_json_new_array();
		sg_json_append(ids, sg_json_new_string(id));
		sg_json_set(role, "keyids", ids);
		sg_json_set(role, "threshold", sg_json_new_int(1));
		sg_json_set(r, roles[i], role);
	}
	sg_json_set(s, "roles", r);
	if (sg_tuf_sign(s, &key, 1, &b) < 0 ||
	    sg_write_file_atomic(root_path, b.data, b.len, 0644, 0) < 0)
		abort();
	sg_json_free(s);
	sg_buf_free(&b);
}

static void remove_dir(void)
{
	sg_remove_tree(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memset(key.seed, 7, sizeof(key.seed));
	if (sg_ed25519_public(key.seed, key.pub) < 0 || !mkdtemp(dir))
		abort();
	atexit(remove_dir);
	snprintf(trusted, sizeof(trusted), "%s/trusted", dir);
	snprintf(root_path, sizeof(root_path), "%s/root.json", dir);
	snprintf(out_path, sizeof(out_path), "%s/target", dir);
	make_root();
	setenv("SIGNET_NOW", "2030-01-01T00:00:00Z", 1);
	return 0;
}

static void one_document(enum sg_tuf_type t, const uint8_t *data, size_t size)
{
	struct sg_tuf_meta m;
	struct sg_tuf_key k = { .keyid = (char *)"k", .usable = 1 };
	char *ids[] = { (char *)"k" };
	struct sg_tuf_rolekeys rk = { ids, 1, 1 };

	memcpy(k.pub, key.pub, 32);
	if (sg_tuf_meta_parse((const char *)data, size, t, sg_tuf_type_name(t), "f", &m) < 0)
		return;
	sg_tuf_meta_verify(&m, &k, 1, &rk, "f");
	for (size_t i = 0; i < m.ndelegations; i++)
		sg_tuf_delegation_matches(&m.delegations[i], "hosts/a/x");
	sg_tuf_meta_free(&m);
}

/* Replaces the file's signatures with one by the harness key. */
static void resign(struct file *f)
{
	struct sg_json *doc = NULL;
	struct sg_buf b = SG_BUF_INIT;

	if (sg_json_parse_flags((const char *)f->data.data, f->data.len, SG_JSON_MODEL, &doc) < 0)
		return;
	const struct sg_json *s = sg_json_get(doc, "signed");
	if (s && sg_tuf_sign(s, &key, 1, &b) == 0) {
		sg_buf_free(&f->data);
		f->data = b;
	} else {
		sg_buf_free(&b);
	}
	sg_json_free(doc);
}

static size_t read_repo(const uint8_t *p, size_t size, struct repo *r)
{
	size_t at = 0;
	while (r->n < MAX_FILES && at < size) {
		size_t nl = p[at++];
		if (at + nl + 2 > size)
			break;
		struct file *f = &r->f[r->n++];
		snprintf(f->name, sizeof(f->name), "%.*s", (int)nl, (const char *)p + at);
		at += nl;
		size_t cl = (size_t)p[at] << 8 | p[at + 1];
		at += 2;
		if (cl > size - at)
			cl = size - at;
		sg_buf_append(&f->data, p + at, cl);
		at += cl;
	}
	return r->n;
}

static void workflow(const uint8_t *data, size_t size, int sign)
{
	struct repo r = { 0 };
	struct sg_tuf_transport t = { mem_get, mem_get_file, &r };
	struct sg_tuf_client c;
	struct sg_tuf_meta holder;
	const struct sg_tuf_target *target;

	memset(&holder, 0, sizeof(holder));
	read_repo(data, size, &r);
	for (size_t i = 0; sign && i < r.n; i++)
		resign(&r.f[i]);
	sg_remove_tree(trusted);
	unlink(out_path);
	if (sg_tuf_client_open(&c, trusted, root_path, &t) == 0) {
		if (sg_tuf_refresh(&c) == 0 &&
		    sg_tuf_find_target(&c, "hosts/a/x", &holder, &target, NULL) == 0)
			sg_tuf_download(&c, target, out_path);
		sg_tuf_meta_free(&holder);
		sg_tuf_client_close(&c);
	}
	for (size_t i = 0; i < r.n; i++)
		sg_buf_free(&r.f[i].data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] < 4)
		one_document((enum sg_tuf_type)data[0], data + 1, size - 1);
	else if (data[0] == 4 || data[0] == 5)
		workflow(data + 1, size - 1, data[0] == 5);
	return 0;
}
