/* fleetboot.c - the boot artifacts of a fleet build (fleetboot.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base64.h"
#include "crypto.h"
#include "elfdeps.h"
#include "err.h"
#include "esp.h"
#include "fileio.h"
#include "fleetboot.h"
#include "fleetout.h"
#include "fleetrootfs.h"
#include "fleetbuild.h"
#include "hex.h"
#include "image.h"
#include "keyfile.h"
#include "path.h"
#include "pcr7.h"
#include "pe.h"
#include "provision.h"
#include "sbkeys.h"
#include "uki.h"
#include "verity.h"
#include "x509cert.h"

#define BOOT_MAX_INPUT (1u << 31)
#define BOOT_MAX_SMALL (1u << 20)
#define BOOT_MAX_MODULES 64
#define SIGNER_KEY "verity/signer.key.age" /* in KEYS */
#define SIGNER_CERT "verity/signer.pem"	   /* in KEYS and in state/ */
#define SIGNER_DAYS 7300		   /* 20 years: a root of trust, not a leaf */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int sg_fleet_boot_host(const struct sg_fleet_host *h)
{
	return !(h->roles & SG_FLEET_AUTHORITY);
}

/* ---- the sidecar ---- */

static int make_image(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	return sg_fleet_pinned_read(dir, sg_json_get(in, "image"), out, BOOT_MAX_INPUT);
}

/* The image's tree (appended to tree, when not NULL) and root hash (in
 * hex), which must be the pinned one. */
static int sidecar_tree(const struct sg_json *in, const char *dir, struct sg_buf *tree, char *hex)
{
	const struct sg_json *pin = sg_json_get(in, "image");
	const char *sum = sg_json_string(sg_json_get(pin, "sha256"), NULL);
	struct sg_buf img = SG_BUF_INIT, t = SG_BUF_INIT;
	struct sg_verity_params p;
	struct sg_verity_info info;
	uint8_t digest[SG_SHA256_LEN];
	char want[2 * SG_VERITY_DIGEST_MAX + 8];
	size_t n;
	int rc = -1;

	if (!sum || sg_hex_decode(sum, strlen(sum), digest, sizeof(digest), &n) < 0 ||
	    n != sizeof(digest))
		return sg_fail("job inputs: the sidecar image needs a sha256");
	if (sg_fleet_pinned_roothash(dir, sg_json_get(in, "roothash"), want, sizeof(want), &n) < 0 ||
	    sg_fleet_pinned_read(dir, pin, &img, BOOT_MAX_INPUT) < 0)
		goto out;
	sg_verity_params_init(&p);
	if (sg_image_verity_salt_uuid(digest, &p, 0, 0) < 0 ||
	    sg_verity_format_mem(img.data, img.len, "sidecar.sqfs", &p, &t, &info) < 0)
		goto out;
	sg_verity_hex(info.root, info.root_size, hex);
	if (strcasecmp(hex, want) != 0) {
		sg_fail("sidecar.roothash: pins %s, the image's root hash is %s", want, hex);
		goto out;
	}
	rc = tree ? sg_buf_append(tree, t.data, t.len) : 0;
out:
	sg_buf_free(&img);
	sg_buf_free(&t);
	return rc;
}

static int make_verity(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];

	return sidecar_tree(in, dir, out, hex);
}

static int make_roothash(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	char hex[2 * SG_VERITY_DIGEST_MAX + 1];

	if (sidecar_tree(in, dir, NULL, hex) < 0)
		return -1;
	return sg_buf_append_str(out, hex);
}

/* ---- the sysroot, as signet-init's closure sees it ---- */

/* Files of an sg_elf_fs: "/init" is signet-init, every other absolute
 * path P the pinned input "sysroot" P. */
struct sysroot {
	const struct sg_json *files; /* {"sysroot/...": pin} */
	const struct sg_json *init;  /* pin */
	const char *dir;
};

static int sys_open(void *ctx, const char *path, struct sg_elf_file *f)
{
	const struct sysroot *s = ctx;
	const struct sg_json *pin;
	struct sg_buf *b;
	const char *sum;
	char name[SG_PATH_MAX];
	int n;

	if (!strcmp(path, "/init")) {
		pin = s->init;
	} else {
		n = snprintf(name, sizeof(name), "sysroot%s", path);
		if (n < 0 || (size_t)n >= sizeof(name) || path[0] != '/')
			return 1;
		if (!(pin = sg_json_get(s->files, name)))
			return 1;
	}
	sum = sg_json_string(sg_json_get(pin, "sha256"), NULL);
	if (!sum || strlen(sum) < 16)
		return sg_fail("job inputs: %s has no sha256", path);
	if (!(b = calloc(1, sizeof(*b))))
		return sg_fail("out of memory");
	if (sg_fleet_pinned_read(s->dir, pin, b, BOOT_MAX_INPUT) < 0) {
		sg_buf_free(b);
		free(b);
		return -1;
	}
	memset(f, 0, sizeof(*f));
	f->data = b->data ? b->data : (const uint8_t *)"";
	f->len = b->len;
	/* Equal contents are one file, as a file under two names is. */
	f->dev = 1;
	f->ino = strtoull((char[17]){ sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6],
				      sum[7], sum[8], sum[9], sum[10], sum[11], sum[12], sum[13],
				      sum[14], sum[15], 0 },
			  NULL, 16);
	f->handle = b;
	return 0;
}

static void sys_close(void *ctx, struct sg_elf_file *f)
{
	(void)ctx;
	sg_buf_free(f->handle);
	free(f->handle);
	f->handle = NULL;
}

static char *sys_real(void *ctx, const char *path)
{
	char *r = strdup(path);

	(void)ctx;
	if (!r)
		sg_fail("out of memory");
	return r;
}

/* ---- the unsigned UKI ---- */

struct uki_bufs {
	struct sg_buf kernel, stub, order, mods[BOOT_MAX_MODULES];
	struct sg_provision_blob blobs[BOOT_MAX_MODULES];
	size_t nmods;
};

static void uki_bufs_free(struct uki_bufs *u)
{
	sg_buf_free(&u->kernel);
	sg_buf_free(&u->stub);
	sg_buf_free(&u->order);
	for (size_t i = 0; i < BOOT_MAX_MODULES; i++)
		sg_buf_free(&u->mods[i]);
}

/* The modules in the order modules.order lists them; every pinned
 * module must be listed, once. */
static int read_modules(const struct sg_json *in, const char *dir, struct uki_bufs *u)
{
	const struct sg_json *mods = sg_json_get(in, "modules");
	const char *s, *end;
	size_t listed = 0;

	if (!mods || mods->kind != SG_JSON_OBJECT)
		return sg_fail("job inputs: no modules");
	if (sg_fleet_pinned_read(dir, sg_json_get(in, "modules_order"), &u->order, BOOT_MAX_SMALL) < 0)
		return -1;
	s = (const char *)u->order.data;
	end = s + u->order.len;
	while (s && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)((nl ? nl : end) - s);
		const struct sg_json *pin;
		char name[160];
		int n;

		if (len) {
			n = snprintf(name, sizeof(name), "modules/%.*s", (int)len, s);
			if (n < 0 || (size_t)n >= sizeof(name) || memchr(s, '/', len))
				return sg_fail("modules.order: '%.*s' is not a NAME.ko", (int)len, s);
			if (!(pin = sg_json_get(mods, name)))
				return sg_fail("modules.order: %s is not pinned", name);
			if (u->nmods == BOOT_MAX_MODULES)
				return sg_fail("modules.order: more than %d modules",
					       BOOT_MAX_MODULES);
			if (sg_fleet_pinned_read(dir, pin, &u->mods[u->nmods], BOOT_MAX_INPUT) < 0)
				return -1;
			u->blobs[u->nmods].name = sg_json_string(sg_json_get(pin, "name"), NULL) + 8;
			u->blobs[u->nmods].data = u->mods[u->nmods].data ? u->mods[u->nmods].data
									 : (const uint8_t *)"";
			u->blobs[u->nmods].len = u->mods[u->nmods].len;
			u->blobs[u->nmods].mode = 0644;
			u->nmods++;
			listed++;
		}
		s = nl ? nl + 1 : NULL;
	}
	if (listed != mods->u.object.len)
		return sg_fail("modules.order: lists %zu modules, %zu are pinned under modules/",
			       listed, mods->u.object.len);
	return 0;
}

static int blob_of(struct sg_buf *b, const char *name, struct sg_provision_blob *out)
{
	out->name = name;
	out->data = b->data ? b->data : (const uint8_t *)"";
	out->len = b->len;
	return 0;
}

/* The system archive (provision.h) of the last UKI made, by the SHA-256
 * of the inputs it comes from: every host of a fleet boots the same
 * signet-init, libraries and modules, so a build compresses them once
 * instead of once a host (that was nine tenths of a UKI's time). A
 * cache only: the value is a function of the key, so a UKI is the same
 * bytes with or without it. */
static struct {
	uint8_t key[SG_SHA256_LEN];
	struct sg_buf archive;
} system_memo;

static int system_key(const struct sg_json *in, uint8_t key[SG_SHA256_LEN])
{
	static const char *const names[] = { "init", "modules_order", "modules", "sysroot" };
	struct sg_json *o = sg_json_new_object();
	struct sg_buf canon = SG_BUF_INIT;
	int rc = -1;

	for (size_t i = 0; o && i < sizeof(names) / sizeof(names[0]); i++) {
		const struct sg_json *v = sg_json_get(in, names[i]);
		if (v && sg_json_set(o, names[i], sg_json_clone(v)) < 0)
			goto out;
	}
	if (o && sg_json_canonical(o, &canon) == 0 && sg_sha256(canon.data, canon.len, key) == 0)
		rc = 0;
out:
	sg_json_free(o);
	sg_buf_free(&canon);
	return rc;
}

/* m's system archive, made or from system_memo. */
static const struct sg_buf *system_archive(const struct sg_json *in, const struct sg_provision_mem *m)
{
	uint8_t key[SG_SHA256_LEN];

	if (system_key(in, key) < 0)
		return NULL;
	if (system_memo.archive.len && !memcmp(key, system_memo.key, sizeof(key)))
		return &system_memo.archive;
	sg_buf_free(&system_memo.archive);
	if (sg_provision_system_archive(m, &system_memo.archive) < 0) {
		sg_buf_free(&system_memo.archive);
		return NULL;
	}
	memcpy(system_memo.key, key, sizeof(key));
	return &system_memo.archive;
}

static int make_uki(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	static const char *const libs[] = { SG_PROVISION_DEFAULT_LIBS };
	struct uki_bufs u;
	struct sysroot root = { sg_json_get(in, "sysroot"), sg_json_get(in, "init"), dir };
	const struct sg_elf_fs fs = { sys_open, sys_close, sys_real, &root };
	struct sg_provision_mem m;
	struct sg_buf initrd = SG_BUF_INIT;
	char hex[2 * SG_VERITY_DIGEST_MAX + 8];
	const char *roots[1] = { hex };
	const char *ak, *signer;
	size_t ak_len = 0, signer_len = 0, rootlen;
	struct sg_json *config = NULL;
	int rc = -1;

	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	if (sg_fleet_rootfs_config(sg_json_get(in, "host"), sg_json_get(in, "rootfs_hash"), dir,
				   &config) < 0)
		return -1;
	m.config = config;
	m.config_name = sg_json_string(sg_json_get(in, "file"), NULL);
	m.cmdline = sg_json_string(sg_json_get(in, "cmdline"), NULL);
	ak = sg_json_string(sg_json_get(in, "authorized_keys"), &ak_len);
	signer = sg_json_string(sg_json_get(in, "signer"), &signer_len);
	if (!m.config || !m.config_name || !m.cmdline || !root.init ||
	    (root.files && root.files->kind != SG_JSON_OBJECT)) {
		sg_fail("job inputs: a UKI needs host, file, cmdline and init");
		goto out;
	}
	if (sg_fleet_pinned_read(dir, sg_json_get(in, "kernel"), &u.kernel, BOOT_MAX_INPUT) < 0 ||
	    sg_fleet_pinned_read(dir, sg_json_get(in, "stub"), &u.stub, BOOT_MAX_INPUT) < 0 ||
	    read_modules(in, dir, &u) < 0 ||
	    sg_fleet_pinned_roothash(dir, sg_json_get(in, "roothash"), hex, sizeof(hex), &rootlen) < 0)
		goto out;
	blob_of(&u.kernel, "kernel", &m.kernel);
	blob_of(&u.stub, "stub", &m.stub);
	m.fs = &fs;
	m.elf_mode = 0755;
	m.init = "/init";
	m.libs = libs;
	m.nlibs = sizeof(libs) / sizeof(libs[0]);
	m.modules = u.blobs;
	m.nmodules = u.nmods;
	m.root_hashes = roots;
	m.nroot_hashes = 1;
	if (ak) {
		m.authorized_keys.name = "state/authorized_keys";
		m.authorized_keys.data = (const uint8_t *)ak;
		m.authorized_keys.len = ak_len;
	}
	if (signer) {
		m.signer_cert.name = "state/" SIGNER_CERT;
		m.signer_cert.data = (const uint8_t *)signer;
		m.signer_cert.len = signer_len;
	}
	m.host_key_later = 1;
	if ((m.system_archive = system_archive(in, &m)))
		rc = sg_provision_build_mem(&m, &initrd, out);
out:
	sg_buf_free(&initrd);
	uki_bufs_free(&u);
	sg_json_free(config);
	return rc;
}

/* ---- the jobs ---- */

static int set_pin(struct sg_json *o, const char *key, const struct sg_fleet *f, const char *name)
{
	struct sg_json *v = sg_fleet_pinned_json(f, name);

	return v ? sg_json_set(o, key, v) : -1;
}

/* {name: pin} of every input under prefix. */
static struct sg_json *pins_under(const struct sg_fleet *f, const char *prefix)
{
	struct sg_json *o = sg_json_new_object();
	size_t n = strlen(prefix);

	for (size_t i = 0; o && i < f->ninputs; i++)
		if (!strncmp(f->inputs[i].name, prefix, n) &&
		    set_pin(o, f->inputs[i].name, f, f->inputs[i].name) < 0) {
			sg_json_free(o);
			return NULL;
		}
	return o;
}

/* {"image": pin, "roothash": pin}, or only the image's. */
static struct sg_json *sidecar_inputs(const struct sg_fleet *f, int with_root)
{
	struct sg_json *o = sg_json_new_object();

	if (!o || set_pin(o, "image", f, "sidecar.sqfs") < 0 ||
	    (with_root && set_pin(o, "roothash", f, "sidecar.roothash") < 0)) {
		sg_json_free(o);
		return NULL;
	}
	return o;
}

/* o[key] = the text of state/<rel>, when that file exists. */
static int set_state_text(const struct sg_fleet_ctx *c, struct sg_json *o, const char *key,
			  const char *rel)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc = sg_fleet_state_read(c, rel, &b);

	if (rc == 1)
		rc = sg_json_set(o, key,
				 sg_json_new_stringn(b.data ? (const char *)b.data : "", b.len));
	sg_buf_free(&b);
	return rc < 0 ? -1 : 0;
}

static struct sg_json *uki_inputs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h)
{
	const struct sg_fleet *f = c->f;
	struct sg_json *o = sg_json_new_object(), *rootfs = NULL;

	if (!o || set_pin(o, "kernel", f, "kernel") < 0 || set_pin(o, "stub", f, "stub") < 0 ||
	    set_pin(o, "init", f, "signet-init") < 0 ||
	    set_pin(o, "modules_order", f, "modules.order") < 0 ||
	    set_pin(o, "roothash", f, "sidecar.roothash") < 0 ||
	    sg_json_set(o, "modules", pins_under(f, "modules/")) < 0 ||
	    sg_json_set(o, "sysroot", pins_under(f, "sysroot/")) < 0 ||
	    sg_json_set(o, "host", sg_json_clone(h->boot)) < 0 ||
	    sg_json_set(o, "file", sg_json_new_string(h->file)) < 0 ||
	    sg_json_set(o, "cmdline", sg_json_new_string(h->cmdline ? h->cmdline : f->cmdline)) < 0 ||
	    set_state_text(c, o, "authorized_keys", "authorized_keys") < 0 ||
	    set_state_text(c, o, "signer", SIGNER_CERT) < 0 ||
	    sg_fleet_rootfs_hash_pin(f, h, &rootfs) < 0 ||
	    (rootfs && sg_json_set(o, "rootfs_hash", rootfs) < 0)) {
		sg_json_free(o);
		return NULL;
	}
	return o;
}

int sg_fleet_boot_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		       struct sg_fleet_jobs *jobs)
{
	/* a fleet whose lock pins no signet-init builds its configuration only */
	if (!sg_fleet_boot_host(h) || !sg_fleet_input(c->f, "signet-init"))
		return 0;
	if (sg_fleet_jobs_add_shared(jobs, "sidecar-image", "sidecar/sidecar.sqfs",
				     sidecar_inputs(c->f, 0), NULL, make_image) < 0 ||
	    sg_fleet_jobs_add_shared(jobs, "sidecar-verity", "sidecar/sidecar.verity",
				     sidecar_inputs(c->f, 1), NULL, make_verity) < 0 ||
	    sg_fleet_jobs_add_shared(jobs, "sidecar-roothash", "sidecar/sidecar.roothash",
				     sidecar_inputs(c->f, 1), NULL, make_roothash) < 0)
		return -1;
	return sg_fleet_jobs_add_pinned(jobs, h, "uki-unsigned", "boot/uki.unsigned.efi",
					uki_inputs(c, h), make_uki);
}

/* ---- signing, on the control plane ---- */

/* 0 when the OpenSSH private key's public key (stored in the clear in
 * the "openssh-key-v1" container) is the one of the line pub
 * ("ssh-ed25519 AAAA... comment"). */
static int key_is_hosts(const char *path, const struct sg_buf *key, const char *pub)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char magic[] = "openssh-key-v1";
	struct sg_buf b64 = SG_BUF_INIT;
	uint8_t *raw = NULL, want[512];
	const char *s = (const char *)key->data, *end = s + key->len, *p, *q;
	size_t n = 0, wn = 0, off;
	int rc = -1;

	if (!pub || !(p = strchr(pub, ' ')))
		return sg_fail("%s: the host document has no ssh_host_key", path);
	p++;
	q = p + strcspn(p, " \t\n");
	if (sg_b64_decode(p, (size_t)(q - p), want, sizeof(want), &wn, SG_B64_PAD) < 0)
		return sg_fail("%s: the host document's ssh_host_key is not base64", path);
	if (key->len < sizeof(begin) || memcmp(s, begin, sizeof(begin) - 1) != 0)
		return sg_fail("%s: not an OpenSSH private key", path);
	for (s += sizeof(begin) - 1; s < end && *s != '-'; s++)
		if (*s != '\n' && *s != '\r' && sg_buf_append_byte(&b64, (uint8_t)*s) < 0)
			goto out;
	if (!(raw = malloc(sg_b64_decoded_max(b64.len) + 1))) {
		sg_fail("out of memory");
		goto out;
	}
	if (sg_b64_decode((const char *)b64.data, b64.len, raw, sg_b64_decoded_max(b64.len) + 1, &n,
			  SG_B64_PAD) < 0 ||
	    n < sizeof(magic) || memcmp(raw, magic, sizeof(magic)) != 0) {
		sg_fail("%s: not an openssh-key-v1 private key", path);
		goto out;
	}
	/* ciphername, kdfname, kdfoptions (strings), nkeys (uint32), then
	 * the first public key (a string). */
	off = sizeof(magic);
	for (int i = 0; i < 5; i++) {
		uint32_t len;

		if (off + 4 > n) {
			sg_fail("%s: truncated openssh-key-v1 key", path);
			goto out;
		}
		len = get_be32(raw + off);
		off += 4;
		if (i == 3)
			continue; /* nkeys */
		if (len > n - off) {
			sg_fail("%s: truncated openssh-key-v1 key", path);
			goto out;
		}
		if (i == 4 && (len != wn || memcmp(raw + off, want, wn) != 0)) {
			sg_fail("%s: is not the key of the host document's ssh_host_key", path);
			goto out;
		}
		off += len;
	}
	rc = 0;
out:
	if (raw) {
		OPENSSL_cleanse(raw, n);
		free(raw);
	}
	sg_buf_wipe(&b64);
	return rc;
}

/* ---- the sidecar signer ---- */

/* KEYS/verity: a new RSA key and its self-signed certificate, the
 * certificate written first: a crash between the two leaves no key, so
 * the retry makes both again. */
static int signer_make(const struct sg_fleet *f, const char *keys,
		       const struct sg_age_recipients *rs, int64_t now, struct sg_buf *report)
{
	char kpath[SG_PATH_MAX], cpath[SG_PATH_MAX], cn[160];
	EVP_PKEY *key = sg_sb_rsa_keygen(3072);
	X509 *cert = NULL;
	struct sg_buf kp = SG_BUF_INIT, cp = SG_BUF_INIT;
	int rc = -1;

	snprintf(cn, sizeof(cn), "%.120s sidecar signer", f->organisation);
	if (!key || sg_path_join(kpath, sizeof(kpath), keys, SIGNER_KEY) < 0 ||
	    sg_path_join(cpath, sizeof(cpath), keys, SIGNER_CERT) < 0 ||
	    !(cert = sg_sb_self_signed(key, cn, (time_t)now, SIGNER_DAYS)) ||
	    sg_x509_key_pem(key, &kp) < 0 || sg_x509_cert_pem(cert, &cp) < 0 ||
	    sg_fleet_mkdirs_for(kpath) < 0 ||
	    sg_write_file_atomic(cpath, cp.data, cp.len, 0644, 0) < 0 ||
	    sg_keyfile_write(kpath, rs, kp.data, kp.len, 1) < 0)
		goto out;
	rc = sg_buf_printf(report, "%s: the sidecar signer made (%s)\n", kpath, cn);
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	sg_buf_wipe(&kp);
	sg_buf_free(&cp);
	return rc;
}

int sg_fleet_boot_issue(const struct sg_fleet *f, const char *repo, const char *keys,
			const struct sg_age_recipients *rs, int64_t now, struct sg_buf *report)
{
	char kpath[SG_PATH_MAX], cpath[SG_PATH_MAX], spath[SG_PATH_MAX];
	struct sg_buf cert = SG_BUF_INIT;
	int rc = -1, w;

	if (sg_path_join(kpath, sizeof(kpath), keys, SIGNER_KEY) < 0 ||
	    sg_path_join(cpath, sizeof(cpath), keys, SIGNER_CERT) < 0 ||
	    snprintf(spath, sizeof(spath), "%s/state/%s", repo, SIGNER_CERT) >= (int)sizeof(spath))
		return sg_fail("%s: path too long", keys);
	if (!rs || rs->n == 0)
		return sg_fail("%s: no operator recipient to encrypt the sidecar signer's key to",
			       keys);
	if (access(kpath, F_OK) < 0 && signer_make(f, keys, rs, now, report) < 0)
		return -1;
	if (sg_read_file(cpath, &cert, BOOT_MAX_SMALL) < 0)
		goto out;
	if ((w = sg_fleet_write_if_changed(spath, cert.data, cert.len, 0644, BOOT_MAX_SMALL)) < 0)
		goto out;
	rc = w ? sg_buf_printf(report, "state/%s: the sidecar signer's certificate written\n",
			       SIGNER_CERT)
	       : 0;
out:
	sg_buf_free(&cert);
	return rc;
}

/* OUT/shared/sidecar/sidecar.roothash.p7s: the sidecar's root hash
 * signed by KEYS/verity's key (signet verity sign's form), for
 * signet-init's check against the certificate in the UKI. */
static int sign_roothash(const char *keys, const struct sg_age_identities *ids, const char *out,
			 struct sg_buf *report)
{
	char kpath[SG_PATH_MAX], cpath[SG_PATH_MAX], rpath[SG_PATH_MAX], spath[SG_PATH_MAX];
	char hex[65];
	struct sg_buf kp = SG_BUF_INIT, root = SG_BUF_INIT, sig = SG_BUF_INIT;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	uint8_t d[SG_SHA256_LEN];
	int rc = -1;

	if (sg_path_join(kpath, sizeof(kpath), keys, SIGNER_KEY) < 0 ||
	    sg_path_join(cpath, sizeof(cpath), keys, SIGNER_CERT) < 0 ||
	    sg_path_join(rpath, sizeof(rpath), out, "shared/sidecar/sidecar.roothash") < 0 ||
	    sg_path_join(spath, sizeof(spath), out, "shared/sidecar/sidecar.roothash.p7s") < 0)
		return -1;
	if (sg_keyfile_open(kpath, ids, BOOT_MAX_SMALL, &kp) < 0 ||
	    sg_read_file(rpath, &root, BOOT_MAX_SMALL) < 0 || !(cert = sg_x509_read_cert(cpath)))
		goto out;
	if (!(key = sg_x509_key_from_pem(kp.data, kp.len, kpath)) || sg_buf_append(&root, "", 1) < 0 ||
	    sg_verity_sign_key(key, cert, kpath, (const char *)root.data, &sig) < 0 ||
	    sg_sha256(sig.data, sig.len, d) < 0 ||
	    sg_write_file_atomic(spath, sig.data, sig.len, 0644, 0) < 0)
		goto out;
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	rc = sg_buf_printf(report, "signed shared/sidecar/sidecar.roothash.p7s %s\n", hex);
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	sg_buf_wipe(&kp);
	sg_buf_free(&root);
	sg_buf_free(&sig);
	return rc;
}

/* The signed UKI of host h: the unsigned one of the build (its digest
 * the manifest's) with the host's SSH key added, signed by key/cert;
 * into signed_ (wiped by the caller: it holds the key). */
static int sign_uki(const char *build, const char *keys, const struct sg_json *art,
		    const struct sg_fleet_host *h, EVP_PKEY *key, X509 *cert, struct sg_buf *signed_)
{
	const char *rel = sg_json_string(sg_json_get(art, "path"), NULL);
	const char *sum = sg_json_string(sg_json_get(art, "sha256"), NULL);
	struct sg_buf img = SG_BUF_INIT, hk = SG_BUF_INIT;
	char path[SG_PATH_MAX], kpath[SG_PATH_MAX], hex[65];
	uint8_t d[SG_SHA256_LEN];
	int rc = -1, n;

	if (!rel || !sum)
		return sg_fail("%s/manifest.json: uki-unsigned artifact without path or sha256",
			       build);
	n = snprintf(kpath, sizeof(kpath), "%s/hosts/%s/ssh_host_ed25519_key", keys, h->name);
	if (n < 0 || (size_t)n >= sizeof(kpath))
		return sg_fail("%s: path too long", keys);
	if (sg_path_join(path, sizeof(path), build, rel) < 0 ||
	    sg_read_file(path, &img, BOOT_MAX_INPUT) < 0 || sg_sha256(img.data, img.len, d) < 0)
		goto out;
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	if (strcmp(hex, sum) != 0) {
		sg_fail("%s: SHA-256 %s, the manifest lists %s", path, hex, sum);
		goto out;
	}
	if (sg_read_file(kpath, &hk, BOOT_MAX_SMALL) < 0 ||
	    key_is_hosts(kpath, &hk, h->ssh_host_key) < 0)
		goto out;
	rc = sg_provision_add_host_key(img.data, img.len, path, hk.data, hk.len, key, cert, signed_);
out:
	sg_buf_free(&img);
	sg_buf_wipe(&hk);
	return rc;
}

/* Writes OUT/hosts/<h>/boot/NAME unless it holds data already, and
 * reports it: "VERB hosts/<h>/boot/NAME SHA256" or "unchanged ...". */
static int write_boot_file(const char *out, const char *host, const char *name, const void *data,
			   size_t len, mode_t mode, const char *verb, struct sg_buf *report)
{
	char rel[SG_PATH_MAX], path[SG_PATH_MAX], hex[65];
	uint8_t d[SG_SHA256_LEN];
	int n = snprintf(rel, sizeof(rel), "hosts/%s/boot/%s", host, name), rc;

	if (n < 0 || (size_t)n >= sizeof(rel) || sg_path_join(path, sizeof(path), out, rel) < 0 ||
	    sg_sha256(data, len, d) < 0)
		return sg_fail("%s: path too long", out);
	if ((rc = sg_fleet_write_if_changed(path, data, len, mode, len + 1)) < 0)
		return -1;
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	return sg_buf_printf(report, "%s %s %s\n", rc ? verb : "unchanged", rel, hex);
}

/* OUT/hosts/<h>/boot/pcrs: the PCRs the host measures when it boots its
 * signed UKI, "7:HEX" then "11:HEX", as signet tpm seal --pcr-value
 * takes them: PCR 7 from the fleet's Secure Boot keys (pcr7.h), PCR 11
 * from the UKI's sections (uki.h, as systemd-stub extends it). */
static int write_pcrs(const char *out, const char *host, const uint8_t pcr7[32],
		      const struct sg_buf *uki, struct sg_buf *report)
{
	struct sg_uki_info *info = calloc(1, sizeof(*info));
	struct sg_pe pe;
	char text[160], h7[65], h11[65];
	int rc = -1;

	if (!info)
		return sg_fail("out of memory");
	if (sg_pe_parse(&pe, uki->data, uki->len, host) == 0 && sg_uki_inspect(&pe, host, info) == 0) {
		sg_hex_encode(pcr7, 32, h7, SG_HEX_LOWER);
		sg_hex_encode(info->pcr11, 32, h11, SG_HEX_LOWER);
		snprintf(text, sizeof(text), "7:%s\n11:%s\n", h7, h11);
		rc = write_boot_file(out, host, "pcrs", text, strlen(text), 0644, "predicted",
				     report);
	}
	free(info);
	return rc;
}

/* The ESP's size: its files and a sixteenth for FAT's tables, rounded
 * up to MiB, with 4 MiB to spare. */
static uint32_t esp_mib(const char *uki, const char *sidecar)
{
	static const char *const files[] = { "sidecar.sqfs", "sidecar.verity", "sidecar.roothash" };
	char path[SG_PATH_MAX];
	struct stat st;
	uint64_t bytes = stat(uki, &st) == 0 ? (uint64_t)st.st_size : 0, mib;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (sg_path_join(path, sizeof(path), sidecar, files[i]) == 0 && stat(path, &st) == 0)
			bytes += 2 * (uint64_t)st.st_size; /* slots A and B */
	mib = (bytes + (1u << 20) - 1) >> 20;
	mib += mib / 16 + 4;
	return mib < SG_ESP_SIZE_MIN_MIB ? SG_ESP_SIZE_MIN_MIB : (uint32_t)mib;
}

/* OUT/hosts/<h>/boot/esp.img: the host's A/B ESP (esp.h) with its signed
 * UKI as the default loader and the shared sidecar in both slots; 0600,
 * as its UKI holds the host's key. The volume serial is the first four
 * bytes of SHA-256("signet-esp:" host): fixed per host. */
static int write_esp(const char *out, const struct sg_fleet_host *h, struct sg_buf *report)
{
	char uki[SG_PATH_MAX], sidecar[SG_PATH_MAX], img[SG_PATH_MAX], seed[160];
	struct sg_esp_opts o;
	struct sg_buf b = SG_BUF_INIT;
	uint8_t d[SG_SHA256_LEN];
	int rc;

	snprintf(seed, sizeof(seed), "signet-esp:%s", h->name);
	if (sg_path_join(sidecar, sizeof(sidecar), out, "shared/sidecar") < 0 ||
	    snprintf(uki, sizeof(uki), "%s/hosts/%s/boot/uki.efi", out, h->name) >= (int)sizeof(uki) ||
	    snprintf(img, sizeof(img), "%s/hosts/%s/boot/esp.img", out, h->name) >= (int)sizeof(img) ||
	    sg_sha256(seed, strlen(seed), d) < 0)
		return sg_fail("%s: path too long", out);
	sg_esp_opts_init(&o);
	o.out = img;
	o.size_mib = esp_mib(uki, sidecar);
	o.serial = get_be32(d);
	o.boot = uki;
	o.slot_dir[0] = o.slot_dir[1] = sidecar;
	o.mode = 0600;
	if (sg_esp_build(&o) < 0 || sg_read_file(img, &b, BOOT_MAX_INPUT) < 0 ||
	    sg_sha256(b.data, b.len, d) < 0) {
		sg_buf_wipe(&b);
		return -1;
	}
	sg_buf_wipe(&b);
	sg_hex_encode(d, sizeof(d), seed, SG_HEX_LOWER);
	rc = sg_buf_printf(report, "made hosts/%s/boot/esp.img %s\n", h->name, seed);
	return rc;
}

static int sign_one(const struct sg_fleet *f, const char *build, const char *keys, const char *out,
		    const struct sg_json *art, EVP_PKEY *key, X509 *cert, const uint8_t pcr7[32],
		    struct sg_buf *report)
{
	const char *host = sg_json_string(sg_json_get(art, "host"), NULL);
	const struct sg_fleet_host *h = host ? sg_fleet_host(f, host) : NULL;
	struct sg_buf signed_ = SG_BUF_INIT;
	int rc;

	if (!h)
		return sg_fail("%s/manifest.json: uki-unsigned artifact of unknown host '%s'",
			       build, host ? host : "");
	/* The signed UKI holds the host key: 0600. */
	rc = -1;
	if (sign_uki(build, keys, art, h, key, cert, &signed_) == 0 &&
	    write_boot_file(out, h->name, "uki.efi", signed_.data, signed_.len, 0600, "signed",
			    report) == 0 &&
	    write_pcrs(out, h->name, pcr7, &signed_, report) == 0 && write_esp(out, h, report) == 0)
		rc = sg_fleet_rootfs_disk(h, keys, out, report);
	sg_buf_wipe(&signed_);
	return rc;
}

int sg_fleet_boot_sign(const struct sg_fleet *f, const char *build, const char *keys,
		       const struct sg_age_identities *ids, const char *out, struct sg_buf *report)
{
	struct sg_json *m = NULL;
	const struct sg_json *arts;
	char kp[SG_PATH_MAX], cp[SG_PATH_MAX], sb[SG_PATH_MAX];
	uint8_t pcr7[32];
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = -1;

	if (sg_fleet_manifest_read(build, &m) < 0)
		return -1;
	arts = sg_json_get(m, "artifacts");
	if (sg_path_join(kp, sizeof(kp), keys, "sb/db.key") < 0 ||
	    sg_path_join(cp, sizeof(cp), keys, "sb/db.crt") < 0 ||
	    sg_path_join(sb, sizeof(sb), keys, "sb") < 0 || !(key = sg_sb_load_key(kp)) ||
	    !(cert = sg_sb_load_cert(cp)) || sg_pcr7_predict_dir(sb, pcr7) < 0 ||
	    sign_roothash(keys, ids, out, report) < 0)
		goto out;
	for (size_t i = 0; arts && arts->kind == SG_JSON_ARRAY && i < arts->u.array.len; i++) {
		const struct sg_json *a = arts->u.array.items[i];
		const char *kind = sg_json_string(sg_json_get(a, "kind"), NULL);

		if (kind && !strcmp(kind, "uki-unsigned") &&
		    sign_one(f, build, keys, out, a, key, cert, pcr7, report) < 0)
			goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	sg_json_free(m);
	return rc;
}
