/* fleetrootfs.c - a host's rootfs image (fleetrootfs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "fleetlock.h"
#include "fleetout.h"
#include "fleetrootfs.h"
#include "hex.h"
#include "hostcfg.h"
#include "image.h"
#include "luksimg.h"
#include "ocitree.h"
#include "path.h"
#include "verity.h"

#define ROOTFS_MAX (1ull << 32)

int sg_fleet_rootfs_is_image(const struct sg_fleet *f, const char *name)
{
	char in[SG_PATH_MAX];
	int n = snprintf(in, sizeof(in), "rootfs/%s/index.json", name);

	return n > 0 && (size_t)n < sizeof(in) && sg_fleet_input(f, in) != NULL;
}

/* ---- the job inputs ---- */

static int set_pin(struct sg_json *o, const char *key, const struct sg_fleet *f, const char *name)
{
	struct sg_json *v = sg_fleet_pinned_json(f, name);

	return v ? sg_json_set(o, key, v) : -1;
}

/* {"name": NAME, "layout": {"rootfs/NAME/...": pin, ...},
 *  "roothash": pin}: what the three jobs are made from. */
static struct sg_json *rootfs_inputs(const struct sg_fleet *f, const char *name)
{
	struct sg_json *o = sg_json_new_object(), *layout = sg_json_new_object();
	char prefix[SG_PATH_MAX], root[SG_PATH_MAX];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "rootfs/%s/", name);

	snprintf(root, sizeof(root), "rootfs/%s.roothash", name);
	if (!o || !layout)
		goto fail;
	for (size_t i = 0; i < f->ninputs; i++)
		if (!strncmp(f->inputs[i].name, prefix, n) &&
		    set_pin(layout, f->inputs[i].name, f, f->inputs[i].name) < 0)
			goto fail;
	if (sg_json_set(o, "name", sg_json_new_string(name)) < 0 ||
	    sg_json_set(o, "layout", layout) < 0) {
		layout = NULL;
		goto fail;
	}
	layout = NULL;
	if (set_pin(o, "roothash", f, root) < 0)
		goto fail;
	return o;
fail:
	sg_json_free(layout);
	sg_json_free(o);
	return NULL;
}

int sg_fleet_rootfs_hash_pin(const struct sg_fleet *f, const struct sg_fleet_host *h,
			     struct sg_json **pin)
{
	char name[SG_PATH_MAX];

	*pin = NULL;
	if (!h->rootfs || !sg_fleet_rootfs_is_image(f, h->rootfs))
		return 0;
	snprintf(name, sizeof(name), "rootfs/%s.roothash", h->rootfs);
	return (*pin = sg_fleet_pinned_json(f, name)) ? 0 : -1;
}

/* The pinned root hash, checked as a sha256 one: into hex (lowercase). */
static int pinned_hash(const struct sg_json *pin, const char *dir,
		       char hex[2 * SG_VERITY_DIGEST_MAX + 1])
{
	const char *name = sg_json_string(sg_json_get(pin, "name"), NULL);
	size_t n;

	if (sg_fleet_pinned_roothash(dir, pin, hex, 2 * SG_VERITY_DIGEST_MAX + 1, &n) < 0 || n != 32)
		return sg_fail("%s: not a sha256 root hash (64 hex digits)", name ? name : "rootfs");
	return 0;
}

int sg_fleet_rootfs_config(const struct sg_json *boot, const struct sg_json *pin,
			   const char *inputs_dir, struct sg_json **out)
{
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];

	*out = NULL;
	if (!boot)
		return sg_fail("job inputs: no host document");
	if (pin && pinned_hash(pin, inputs_dir, hex) < 0)
		return -1;
	if (!(*out = sg_json_clone(boot)) ||
	    (pin && sg_json_set(*out, "rootfs_hash", sg_json_new_string(hex)) < 0)) {
		sg_json_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- making the image ---- */

/* The last image made, by the SHA-256 of its inputs' JCS: the three
 * jobs of one rootfs follow each other (sorted by path), so one slot
 * makes the image once per build run. */
static struct {
	char key[65];
	struct sg_buf image, tree;
	char root[65];
} last;

static int inputs_key(const struct sg_json *in, char key[65])
{
	struct sg_buf b = SG_BUF_INIT;
	uint8_t d[SG_SHA256_LEN];
	int rc = -1;

	if (sg_json_canonical(in, &b) == 0 && sg_sha256(b.data, b.len, d) == 0) {
		sg_hex_encode(d, sizeof(d), key, SG_HEX_LOWER);
		key[64] = '\0';
		rc = 0;
	}
	sg_buf_free(&b);
	return rc;
}

/* Every file of the layout in dir has the SHA-256 its pin names. */
static int layout_check(const struct sg_json *layout, const char *dir)
{
	if (!layout || layout->kind != SG_JSON_OBJECT || layout->u.object.len == 0)
		return sg_fail("job inputs: a rootfs image needs its layout's files");
	for (size_t i = 0; i < layout->u.object.len; i++) {
		const struct sg_json *pin = layout->u.object.members[i].value;
		const char *name = sg_json_string(sg_json_get(pin, "name"), NULL);
		const char *want = sg_json_string(sg_json_get(pin, "sha256"), NULL);
		char path[SG_PATH_MAX], hex[65];
		uint8_t d[32];
		uint64_t size;

		if (!name || !want || !sg_fleet_input_name_ok(name))
			return sg_fail("job inputs: a pinned input needs a name and a sha256");
		if (sg_path_join(path, sizeof(path), dir, name) < 0 ||
		    sg_fleet_file_sha256(path, d, &size) < 0)
			return -1;
		sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
		hex[64] = '\0';
		if (strcmp(hex, want) != 0)
			return sg_fail("%s: SHA-256 %s, the job names %s", path, hex, want);
	}
	return 0;
}

/* signet image build --from-oci DIR/rootfs/NAME --allow-devices into a
 * directory of its own under TMPDIR, read back into last. */
static int build_image(const char *dir, const char *name)
{
	const char *tmpdir = getenv("TMPDIR");
	char tmp[SG_PATH_MAX], layout[SG_PATH_MAX], img[SG_PATH_MAX], tree[SG_PATH_MAX];
	struct sg_image_opts o;
	struct sg_verity_info info;
	int rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s/signet-rootfs-XXXXXX",
		     tmpdir && *tmpdir ? tmpdir : "/tmp") >= (int)sizeof(tmp) ||
	    snprintf(layout, sizeof(layout), "%s/rootfs/%s", dir, name) >= (int)sizeof(layout))
		return sg_fail("%s: path too long", dir);
	if (!mkdtemp(tmp))
		return sg_fail_errno("%s", tmp);
	if (sg_path_join(img, sizeof(img), tmp, "rootfs.sqfs") < 0 ||
	    sg_path_join(tree, sizeof(tree), tmp, "rootfs.verity") < 0)
		goto out;
	sg_image_opts_init(&o);
	o.oci_layout = layout;
	o.oci_flags = SG_OCI_ALLOW_DEVICES;
	o.image = img;
	o.verity = tree;
	if (sg_image_build(&o, &info) < 0 || sg_read_file(img, &last.image, ROOTFS_MAX) < 0 ||
	    sg_read_file(tree, &last.tree, ROOTFS_MAX) < 0)
		goto out;
	sg_verity_hex(info.root, info.root_size, last.root);
	rc = 0;
out:
	if (sg_remove_tree(tmp) < 0)
		rc = -1;
	return rc;
}

/* last made from in, the root hash checked against the pinned one. */
static int rootfs_image(const struct sg_json *in, const char *dir)
{
	const char *name = sg_json_string(sg_json_get(in, "name"), NULL);
	char key[65], want[2 * SG_VERITY_DIGEST_MAX + 1];

	if (!name)
		return sg_fail("job inputs: a rootfs image needs a name");
	if (inputs_key(in, key) < 0)
		return -1;
	if (strcmp(key, last.key) == 0)
		return 0;
	last.key[0] = '\0';
	sg_buf_free(&last.image);
	sg_buf_free(&last.tree);
	if (!dir)
		return sg_fail("rootfs '%s': no inputs directory (--inputs DIR)", name);
	if (pinned_hash(sg_json_get(in, "roothash"), dir, want) < 0 ||
	    layout_check(sg_json_get(in, "layout"), dir) < 0 || build_image(dir, name) < 0)
		return -1;
	if (strcasecmp(want, last.root) != 0)
		return sg_fail("rootfs/%s.roothash: pins %s, the image's root hash is %s", name,
			       want, last.root);
	memcpy(last.key, key, sizeof(key));
	return 0;
}

static int make_image(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	return rootfs_image(in, dir) < 0 ? -1 : sg_buf_append(out, last.image.data, last.image.len);
}

static int make_verity(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	return rootfs_image(in, dir) < 0 ? -1 : sg_buf_append(out, last.tree.data, last.tree.len);
}

static int make_roothash(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	return rootfs_image(in, dir) < 0 ? -1 : sg_buf_append_str(out, last.root);
}

/* ---- the producer ---- */

int sg_fleet_rootfs_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
			 struct sg_fleet_jobs *jobs)
{
	static const struct {
		const char *kind, *ext;
		sg_fleet_make_pinned_fn *make;
	} arts[] = {
		{ "rootfs-image", "sqfs", make_image },
		{ "rootfs-verity", "verity", make_verity },
		{ "rootfs-roothash", "roothash", make_roothash },
	};
	char rel[SG_PATH_MAX];

	if (!h->rootfs || !sg_fleet_rootfs_is_image(c->f, h->rootfs))
		return 0;
	for (size_t i = 0; i < sizeof(arts) / sizeof(arts[0]); i++) {
		snprintf(rel, sizeof(rel), "rootfs/%s.%s", h->rootfs, arts[i].ext);
		if (sg_fleet_jobs_add_shared(jobs, arts[i].kind, rel,
					     rootfs_inputs(c->f, h->rootfs), NULL, arts[i].make) < 0)
			return -1;
	}
	return 0;
}

/* ---- the first-install disk, on the control plane ---- */

/* KEYS/hosts/<h>/disk.key into key (made when missing). */
static int disk_key(const char *path, struct sg_buf *key, struct sg_buf *report)
{
	uint8_t k[SG_LUKSIMG_NEW_KEY_LEN];
	int rc;

	if (access(path, F_OK) == 0)
		return sg_read_file(path, key, SG_LUKSIMG_KEY_MAX);
	if (sg_random(k, sizeof(k)) < 0)
		return -1;
	rc = sg_write_file_atomic(path, k, sizeof(k), 0600, 0);
	if (rc == 0)
		rc = sg_buf_append(key, k, sizeof(k));
	sg_wipe(k, sizeof(k));
	return rc < 0 ? -1 : sg_buf_printf(report, "made %s\n", path);
}

/* DIR/initos/NAME.sqfs and .verity: hard links to OUT/shared/rootfs's;
 * their size in *bytes. */
static int disk_tree(const char *out, const char *dir, const char *name, uint64_t *bytes)
{
	static const char *const ext[] = { "sqfs", "verity" };
	char from[SG_PATH_MAX], to[SG_PATH_MAX];
	struct stat st;

	*bytes = 0;
	if (snprintf(to, sizeof(to), "%s/initos", dir) >= (int)sizeof(to) || mkdir(to, 0755) < 0)
		return sg_fail_errno("%s", to);
	for (size_t i = 0; i < 2; i++) {
		if (snprintf(from, sizeof(from), "%s/shared/rootfs/%s.%s", out, name, ext[i]) >=
			    (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/initos/%s.%s", dir, name, ext[i]) >= (int)sizeof(to))
			return sg_fail("%s: path too long", out);
		if (stat(from, &st) < 0 || link(from, to) < 0)
			return sg_fail_errno("%s", from);
		*bytes += (uint64_t)st.st_size;
	}
	return 0;
}

int sg_fleet_rootfs_disk(const struct sg_fleet_host *h, const char *keys, const char *out,
			 struct sg_buf *report)
{
	struct sg_host_cfg cfg;
	struct sg_buf canon = SG_BUF_INIT, key = SG_BUF_INIT;
	struct sg_luksimg_secret secret;
	struct sg_luksimg_opts o;
	struct sg_luksimg_info info;
	char kpath[SG_PATH_MAX], tmp[SG_PATH_MAX], path[SG_PATH_MAX], hex[65];
	uint8_t d[SG_SHA256_LEN];
	uint64_t bytes = 0, mib;
	size_t n;
	int rc = -1;

	if (!h->rootfs || !h->boot || !sg_json_get(h->boot, "disk"))
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s/shared/rootfs/%s.roothash", out, h->rootfs) >=
	    (int)sizeof(tmp))
		return sg_fail("%s: path too long", out);
	if (access(tmp, F_OK) < 0)
		return 0; /* not a layout rootfs: no image in the build */
	if (sg_json_canonical(h->boot, &canon) < 0 ||
	    sg_host_cfg_parse((const char *)canon.data, canon.len, &cfg) < 0)
		goto out;
	if (cfg.disk_fs != SG_HOST_FS_EXT4) {
		sg_fail("%s: disk.fs: the first-install disk is ext4 only", h->file);
		goto out;
	}
	if (snprintf(kpath, sizeof(kpath), "%s/hosts/%s/disk.key", keys, h->name) >=
		    (int)sizeof(kpath) ||
	    snprintf(path, sizeof(path), "%s/hosts/%s/boot/disk.img", out, h->name) >=
		    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.disk-XXXXXX", out) >= (int)sizeof(tmp)) {
		sg_fail("%s: path too long", keys);
		goto out;
	}
	if (disk_key(kpath, &key, report) < 0)
		goto out;
	if (!mkdtemp(tmp)) {
		sg_fail_errno("%s", tmp);
		goto out;
	}
	if (disk_tree(out, tmp, h->rootfs, &bytes) < 0)
		goto rm;
	/* the files, a sixteenth for ext4's tables and journal, 16 MiB to spare */
	mib = (bytes + (1u << 20) - 1) >> 20;
	mib += mib / 16 + 16;
	sg_luksimg_opts_init(&o);
	o.from = tmp;
	o.out = path;
	o.size_mib = mib < SG_LUKSIMG_MIN_MIB ? SG_LUKSIMG_MIN_MIB : (uint32_t)mib;
	secret.name = kpath;
	secret.kind = SG_LUKSIMG_KEY;
	secret.data = key.data;
	secret.len = key.len;
	o.secrets = &secret;
	o.n_secrets = 1;
	o.force = 1;
	if (cfg.disk_uuid[0]) {
		uint8_t u[16];
		char hexu[33];
		size_t k = 0;
		for (const char *c = cfg.disk_uuid; *c && k < 32; c++)
			if (*c != '-')
				hexu[k++] = *c;
		hexu[k] = '\0';
		if (sg_hex_decode(hexu, k, u, sizeof(u), &n) < 0 || n != 16) {
			sg_fail("%s: disk.uuid: not a UUID", h->file);
			goto rm;
		}
		memcpy(o.uuid, u, 16);
		o.uuid_given = 1;
	}
	if (sg_fleet_mkdirs_for(path) < 0 || sg_luksimg_build(&o, &info) < 0 ||
	    chmod(path, 0600) < 0 || sg_fleet_file_sha256(path, d, &bytes) < 0)
		goto rm;
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	hex[64] = '\0';
	rc = sg_buf_printf(report, "made hosts/%s/boot/disk.img %s\n", h->name, hex);
rm:
	if (sg_remove_tree(tmp) < 0)
		rc = -1;
out:
	sg_buf_free(&canon);
	sg_buf_wipe(&key);
	return rc;
}
