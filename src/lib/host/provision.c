#include "provision.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "authenticode.h"
#include "bundle.h"
#include "cpio.h"
#include "elfdeps.h"
#include "err.h"
#include "fileio.h"
#include "hostcfg.h"
#include "initcfg.h"
#include "json.h"
#include "pe.h"
#include "uki.h"

#define PROVISION_MAX_INPUT (1ull << 31)
#define HOST_KEY_PATH "/etc/signet/ssh_host_ed25519_key"

/* The host document, checked by signet-init's own rules, as JCS. */
static int host_json(const struct sg_provision_mem *m, struct sg_buf *out, struct sg_host_cfg *cfg)
{
	if (sg_json_canonical(m->config, out) < 0 ||
	    sg_host_cfg_parse((const char *)out->data, out->len, cfg) < 0)
		return sg_fail_prefix(m->config_name);
	return 0;
}

/* One line per trusted root hash, each a well-formed hex digest. */
static int root_hash_list(const struct sg_provision_mem *p, struct sg_buf *out)
{
	for (size_t i = 0; i < p->nroot_hashes; i++) {
		uint8_t root[SG_VERITY_DIGEST_MAX];
		size_t n;
		const char *h = p->root_hashes[i];

		if (sg_init_roothash_parse(h, strlen(h), root, &n) < 0)
			return sg_fail("root hash '%.80s': %s", h, sg_errmsg());
		if (sg_buf_printf(out, "%s\n", h) < 0)
			return -1;
	}
	return 0;
}

static int check_cert(const struct sg_provision_blob *b)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	X509 *x = bio && b->len <= INT32_MAX ? PEM_read_bio_X509(bio, NULL, NULL, (void *)"") : NULL;

	BIO_free(bio);
	if (!x)
		return sg_fail("%s: not a PEM certificate", b->name);
	X509_free(x);
	return 0;
}

int sg_provision_check_authorized_keys(const char *path, const uint8_t *data, size_t len)
{
	const char *s = (const char *)data, *end = s + len;
	unsigned line = 0, keys = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *t = s;
		int found = 0;

		line++;
		while (t < e && (*t == ' ' || *t == '\t'))
			t++;
		if (t < e && *t != '#') {
			/* The key type may follow options ("from=..." etc.). */
			for (const char *w = t; w < e; w++)
				if ((w == t || w[-1] == ' ' || w[-1] == '\t') &&
				    ((e - w > 4 && !strncmp(w, "ssh-", 4)) ||
				     (e - w > 11 && !strncmp(w, "ecdsa-sha2-", 11)) ||
				     (e - w > 3 && !strncmp(w, "sk-", 3))))
					found = 1;
			if (!found)
				return sg_fail("%s:%u: not a public key line", path, line);
			keys++;
		}
		s = nl ? nl + 1 : end;
	}
	if (!keys)
		return sg_fail("%s: holds no public key", path);
	return 0;
}

static int check_authorized_keys(const struct sg_provision_blob *b)
{
	return sg_provision_check_authorized_keys(b->name, b->data, b->len);
}

static int check_host_key(const struct sg_provision_blob *b)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";

	if (b->len < sizeof(begin) - 1 || memcmp(b->data, begin, sizeof(begin) - 1) != 0)
		return sg_fail("%s: not an OpenSSH private key (ssh-keygen -t ed25519)", b->name);
	return 0;
}

/* Adds b at dest with mode perm, when it is given and check accepts it. */
static int add_blob(struct sg_cpio *c, const struct sg_provision_blob *b, const char *dest,
		    mode_t perm, int (*check)(const struct sg_provision_blob *))
{
	if (!b->data)
		return 0;
	if (check && check(b) < 0)
		return -1;
	return sg_cpio_add_data(c, dest, b->data, b->len, perm);
}

static int add_modules(const struct sg_provision_mem *p, struct sg_cpio *c)
{
	struct sg_buf list = SG_BUF_INIT;
	char dest[300];
	int rc = -1;

	for (size_t i = 0; i < p->nmodules; i++) {
		const char *base = p->modules[i].name;
		size_t n = strlen(base);

		if (n < 4 || strcmp(base + n - 3, ".ko") != 0 || n > 200 || strchr(base, '/')) {
			sg_fail("module %.200s: expected a file NAME.ko", base);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(p->modules[j].name, base)) {
				sg_fail("module %.200s: listed twice", base);
				goto out;
			}
		}
		snprintf(dest, sizeof(dest), "/lib/modules/%s", base);
		if (sg_cpio_add_data(c, dest, p->modules[i].data, p->modules[i].len,
				     p->modules[i].mode & 07777) < 0 ||
		    sg_buf_printf(&list, "%s\n", dest) < 0)
			goto out;
	}
	rc = sg_cpio_add_data(c, "/etc/signet/modules", list.data ? list.data : (const uint8_t *)"",
			      list.len, 0644);
out:
	sg_buf_free(&list);
	return rc;
}

static int add_elf(const struct sg_provision_mem *p, struct sg_cpio *c, struct sg_elfdeps *set,
		   const char *src, const char *dest)
{
	if (p->fs)
		return sg_cpio_add_elf_fs(c, set, p->fs, src, dest, p->elf_mode);
	return sg_cpio_add_elf(c, set, src, dest);
}

int sg_provision_system_archive(const struct sg_provision_mem *p, struct sg_buf *out)
{
	struct sg_cpio c = SG_CPIO_INIT;
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	int rc = -1;

	if (add_elf(p, &c, &set, p->init, "/init") < 0)
		goto out;
	for (size_t i = 0; i < p->nlibs; i++)
		if (add_elf(p, &c, &set, p->libs[i], p->libs[i]) < 0)
			goto out;
	if (add_modules(p, &c) < 0 || sg_cpio_add_node(&c, "/dev/console", 'c', 5, 1, 0600) < 0)
		goto out;
	rc = sg_cpio_write_buf(&c, "initrd", SG_CPIO_GZIP, out);
out:
	sg_cpio_free(&c);
	sg_elfdeps_free(&set);
	return rc;
}

/* The host's own archive: its document, what it trusts, its keys. */
static int host_archive(const struct sg_provision_mem *p, const struct sg_buf *json,
			const struct sg_buf *roots, struct sg_buf *out)
{
	struct sg_cpio c = SG_CPIO_INIT;
	int rc = -1;

	if (sg_cpio_add_data(&c, "/etc/signet/host.json", json->data, json->len, 0644) == 0 &&
	    (!roots->len || sg_cpio_add_data(&c, "/etc/signet/sidecar.roothash", roots->data,
					     roots->len, 0644) == 0) &&
	    add_blob(&c, &p->signer_cert, "/etc/signet/sidecar-signer.pem", 0644, NULL) == 0 &&
	    add_blob(&c, &p->authorized_keys, "/etc/signet/authorized_keys", 0644,
		     check_authorized_keys) == 0 &&
	    add_blob(&c, &p->ssh_host_key, HOST_KEY_PATH, 0600, check_host_key) == 0)
		rc = sg_cpio_write_buf(&c, "initrd", SG_CPIO_GZIP, out);
	sg_cpio_free(&c);
	return rc;
}

static int build_initrd(const struct sg_provision_mem *p, struct sg_buf *initrd)
{
	struct sg_buf json = SG_BUF_INIT, roots = SG_BUF_INIT;
	struct sg_host_cfg cfg;
	int rc = -1;

	if (host_json(p, &json, &cfg) < 0 || root_hash_list(p, &roots) < 0)
		goto out;
	if (!roots.len && !p->signer_cert.data) {
		sg_fail("nothing to trust a sidecar by: give a root hash or a signer certificate");
		goto out;
	}
	if (cfg.has_disk &&
	    (!p->authorized_keys.data || (!p->ssh_host_key.data && !p->host_key_later))) {
		sg_fail("%s: a host with a disk can enter recovery: it needs authorized keys and an "
			"SSH host key",
			p->config_name);
		goto out;
	}
	if (p->signer_cert.data && check_cert(&p->signer_cert) < 0)
		goto out;
	if (p->system_archive) {
		if (sg_buf_append(initrd, p->system_archive->data, p->system_archive->len) < 0)
			goto out;
	} else if (sg_provision_system_archive(p, initrd) < 0) {
		goto out;
	}
	rc = host_archive(p, &json, &roots, initrd);
out:
	sg_buf_free(&json);
	sg_buf_free(&roots);
	return rc;
}

int sg_provision_build_mem(const struct sg_provision_mem *p, struct sg_buf *initrd, struct sg_buf *uki)
{
	struct sg_uki_parts parts;

	if (!p->cmdline || !p->kernel.data || !p->stub.data)
		return sg_fail("provision: a kernel, a stub and a command line are required");
	if (build_initrd(p, initrd) < 0)
		return -1;
	memset(&parts, 0, sizeof(parts));
	parts.osrel = p->os_release.data;
	parts.osrel_len = p->os_release.len;
	parts.cmdline = (const uint8_t *)p->cmdline;
	parts.cmdline_len = strlen(p->cmdline);
	parts.initrd = initrd->data;
	parts.initrd_len = initrd->len;
	parts.kernel = p->kernel.data;
	parts.kernel_len = p->kernel.len;
	return sg_uki_assemble(p->stub.data, p->stub.len, p->stub.name, &parts, p->key, p->cert,
			       p->deterministic, "UKI", uki);
}

/* Reads path into b (named after it), at most max bytes. */
static int read_blob(const char *path, struct sg_buf *buf, size_t max, struct sg_provision_blob *b)
{
	if (sg_read_file(path, buf, max) < 0)
		return -1;
	b->name = path;
	b->data = buf->data ? buf->data : (const uint8_t *)"";
	b->len = buf->len;
	return 0;
}

static int read_module(const char *path, struct sg_buf *buf, struct sg_provision_blob *b)
{
	const char *base = strrchr(path, '/');
	struct stat st;

	if (read_blob(path, buf, PROVISION_MAX_INPUT, b) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return sg_fail_errno("%s", path);
	b->name = base ? base + 1 : path;
	b->mode = st.st_mode & 07777;
	return 0;
}

int sg_provision_build(const struct sg_provision *p, struct sg_buf *initrd, struct sg_buf *uki)
{
	struct sg_provision_blob mods[SG_PROVISION_MAX_LIST];
	struct sg_buf mbuf[SG_PROVISION_MAX_LIST];
	/* stub, kernel, os-release, signer, authorized keys, host key */
	struct sg_buf b[6];
	struct sg_provision_mem m;
	struct sg_json *doc = NULL;
	int rc = -1;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < SG_PROVISION_MAX_LIST; i++)
		mbuf[i] = (struct sg_buf)SG_BUF_INIT;
	for (size_t i = 0; i < 6; i++)
		b[i] = (struct sg_buf)SG_BUF_INIT;
	if (p->nmodules > SG_PROVISION_MAX_LIST)
		return sg_fail("provision: too many modules");
	if (sg_bundle_read_model(p->config, &doc) < 0)
		goto out;
	m.config = doc;
	m.config_name = p->config;
	m.init = p->init;
	m.libs = p->libs;
	m.nlibs = p->nlibs;
	m.root_hashes = p->root_hashes;
	m.nroot_hashes = p->nroot_hashes;
	m.cmdline = p->cmdline;
	m.key = p->key;
	m.cert = p->cert;
	m.deterministic = p->deterministic;
	for (size_t i = 0; i < p->nmodules; i++)
		if (read_module(p->modules[i], &mbuf[i], &mods[i]) < 0)
			goto out;
	m.modules = mods;
	m.nmodules = p->nmodules;
	/* The host document's rules come first, as before the files. */
	{
		struct sg_buf json = SG_BUF_INIT;
		struct sg_host_cfg cfg;
		int bad = host_json(&m, &json, &cfg);

		sg_buf_free(&json);
		if (bad < 0)
			goto out;
	}
	if (read_blob(p->stub, &b[0], PROVISION_MAX_INPUT, &m.stub) < 0 ||
	    read_blob(p->kernel, &b[1], PROVISION_MAX_INPUT, &m.kernel) < 0 ||
	    (p->os_release && read_blob(p->os_release, &b[2], 1 << 20, &m.os_release) < 0) ||
	    (p->signer_cert && read_blob(p->signer_cert, &b[3], 1 << 20, &m.signer_cert) < 0) ||
	    (p->authorized_keys &&
	     read_blob(p->authorized_keys, &b[4], 1 << 20, &m.authorized_keys) < 0) ||
	    (p->ssh_host_key && read_blob(p->ssh_host_key, &b[5], 1 << 20, &m.ssh_host_key) < 0))
		goto out;
	rc = sg_provision_build_mem(&m, initrd, uki);
out:
	sg_json_free(doc);
	for (size_t i = 0; i < SG_PROVISION_MAX_LIST; i++)
		sg_buf_free(&mbuf[i]);
	for (size_t i = 0; i < 6; i++)
		sg_buf_wipe(&b[i]);
	return rc;
}

int sg_provision_add_host_key(const uint8_t *img, size_t len, const char *name,
			      const uint8_t *host_key, size_t host_key_len, EVP_PKEY *key,
			      X509 *cert, struct sg_buf *out)
{
	struct sg_provision_blob hk = { name, host_key, host_key_len, 0600 };
	struct sg_cpio c = SG_CPIO_INIT;
	struct sg_buf initrd = SG_BUF_INIT, uki = SG_BUF_INIT;
	const struct sg_pe_section *s;
	struct sg_pe pe;
	int rc = -1;

	if (check_host_key(&hk) < 0 || sg_pe_parse(&pe, img, len, name) < 0)
		return -1;
	if (!(s = sg_pe_find_section(&pe, ".initrd")))
		return sg_fail("%s: has no .initrd section", name);
	if (s->virtual_size > s->raw_size)
		return sg_fail("%s: .initrd is larger than its raw data", name);
	if (sg_buf_append(&initrd, img + s->raw_ptr, s->virtual_size) < 0)
		goto out;
	/* The kernel reads an uncompressed archive only at a 4-byte
	 * offset; the zeros before it are skipped. */
	while (initrd.len % 4)
		if (sg_buf_append_byte(&initrd, 0) < 0)
			goto out;
	if (sg_cpio_add_data(&c, HOST_KEY_PATH, host_key, host_key_len, 0600) < 0 ||
	    sg_cpio_write_buf(&c, "host key archive", SG_CPIO_NONE, &initrd) < 0 ||
	    sg_uki_set_section(img, len, name, ".initrd", initrd.data, initrd.len, &uki) < 0 ||
	    sg_authenticode_sign(uki.data, uki.len, name, key, cert, 1, out) < 0)
		goto out;
	rc = 0;
out:
	sg_cpio_free(&c);
	sg_buf_wipe(&initrd);
	sg_buf_wipe(&uki);
	return rc;
}
