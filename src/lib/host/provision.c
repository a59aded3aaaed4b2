#include "provision.h"

#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>

#include "bundle.h"
#include "cpio.h"
#include "elfdeps.h"
#include "err.h"
#include "fileio.h"
#include "hostcfg.h"
#include "initcfg.h"
#include "json.h"
#include "uki.h"

#define PROVISION_MAX_INPUT (1ull << 31)

/* The host document, checked by signet-init's own rules, as JCS. */
static int host_json(const char *path, struct sg_buf *out, struct sg_host_cfg *cfg)
{
	struct sg_json *doc = NULL;
	int rc;

	if (sg_bundle_read_model(path, &doc) < 0)
		return -1;
	rc = sg_json_canonical(doc, out);
	sg_json_free(doc);
	if (rc < 0 || sg_host_cfg_parse((const char *)out->data, out->len, cfg) < 0)
		return sg_fail_prefix(path);
	return 0;
}

/* One line per trusted root hash, each a well-formed hex digest. */
static int root_hash_list(const struct sg_provision *p, struct sg_buf *out)
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

static int check_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f)
		return sg_fail_errno("%s", path);
	x = PEM_read_X509(f, NULL, NULL, (void *)"");
	fclose(f);
	if (!x)
		return sg_fail("%s: not a PEM certificate", path);
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

static int check_authorized_keys(const char *path, const struct sg_buf *b)
{
	return sg_provision_check_authorized_keys(path, b->data, b->len);
}

static int check_host_key(const char *path, const struct sg_buf *b)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";

	if (b->len < sizeof(begin) - 1 || memcmp(b->data, begin, sizeof(begin) - 1) != 0)
		return sg_fail("%s: not an OpenSSH private key (ssh-keygen -t ed25519)", path);
	return 0;
}

/* Reads path and adds it at dest with mode perm. */
static int add_file_data(struct sg_cpio *c, const char *path, const char *dest, mode_t perm,
			 int (*check)(const char *, const struct sg_buf *))
{
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	if (sg_read_file(path, &b, 1 << 20) < 0)
		return -1;
	rc = (check && check(path, &b) < 0) ? -1 : sg_cpio_add_data(c, dest, b.data, b.len, perm);
	sg_buf_wipe(&b);
	return rc;
}

static int add_modules(const struct sg_provision *p, struct sg_cpio *c)
{
	struct sg_buf list = SG_BUF_INIT;
	char dest[300];
	int rc = -1;

	for (size_t i = 0; i < p->nmodules; i++) {
		const char *m = p->modules[i], *base = strrchr(m, '/');
		size_t n;

		base = base ? base + 1 : m;
		n = strlen(base);
		if (n < 4 || strcmp(base + n - 3, ".ko") != 0 || n > 200) {
			sg_fail("module %.200s: expected a file NAME.ko", m);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			const char *o = strrchr(p->modules[j], '/');

			if (!strcmp(o ? o + 1 : p->modules[j], base)) {
				sg_fail("module %.200s: listed twice", base);
				goto out;
			}
		}
		snprintf(dest, sizeof(dest), "/lib/modules/%s", base);
		if (sg_cpio_add_file(c, m, dest) < 0 || sg_buf_printf(&list, "%s\n", dest) < 0)
			goto out;
	}
	rc = sg_cpio_add_data(c, "/etc/signet/modules", list.data ? list.data : (const uint8_t *)"",
			      list.len, 0644);
out:
	sg_buf_free(&list);
	return rc;
}

static int build_initrd(const struct sg_provision *p, struct sg_buf *initrd)
{
	struct sg_cpio c = SG_CPIO_INIT;
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	struct sg_buf json = SG_BUF_INIT, roots = SG_BUF_INIT;
	struct sg_host_cfg cfg;
	int rc = -1;

	if (host_json(p->config, &json, &cfg) < 0 || root_hash_list(p, &roots) < 0)
		goto out;
	if (!roots.len && !p->signer_cert) {
		sg_fail("nothing to trust a sidecar by: give a root hash or a signer certificate");
		goto out;
	}
	if (cfg.has_disk && (!p->authorized_keys || !p->ssh_host_key)) {
		sg_fail("%s: a host with a disk can enter recovery: it needs authorized keys and an "
			"SSH host key",
			p->config);
		goto out;
	}
	if (p->signer_cert && check_cert(p->signer_cert) < 0)
		goto out;
	if (sg_cpio_add_elf(&c, &set, p->init, "/init") < 0)
		goto out;
	for (size_t i = 0; i < p->nlibs; i++)
		if (sg_cpio_add_elf(&c, &set, p->libs[i], p->libs[i]) < 0)
			goto out;
	if (add_modules(p, &c) < 0 ||
	    sg_cpio_add_data(&c, "/etc/signet/host.json", json.data, json.len, 0644) < 0 ||
	    (roots.len && sg_cpio_add_data(&c, "/etc/signet/sidecar.roothash", roots.data,
					   roots.len, 0644) < 0) ||
	    (p->signer_cert &&
	     add_file_data(&c, p->signer_cert, "/etc/signet/sidecar-signer.pem", 0644, NULL) < 0) ||
	    (p->authorized_keys && add_file_data(&c, p->authorized_keys, "/etc/signet/authorized_keys",
						 0644, check_authorized_keys) < 0) ||
	    (p->ssh_host_key && add_file_data(&c, p->ssh_host_key, "/etc/signet/ssh_host_ed25519_key",
					      0600, check_host_key) < 0) ||
	    sg_cpio_add_node(&c, "/dev/console", 'c', 5, 1, 0600) < 0)
		goto out;
	rc = sg_cpio_write_buf(&c, "initrd", SG_CPIO_GZIP, initrd);
out:
	sg_cpio_free(&c);
	sg_elfdeps_free(&set);
	sg_buf_free(&json);
	sg_buf_free(&roots);
	return rc;
}

int sg_provision_build(const struct sg_provision *p, struct sg_buf *initrd, struct sg_buf *uki)
{
	struct sg_buf stub = SG_BUF_INIT, kernel = SG_BUF_INIT, osrel = SG_BUF_INIT;
	struct sg_uki_parts parts;
	int rc = -1;

	if (build_initrd(p, initrd) < 0)
		return -1;
	if (sg_read_file(p->stub, &stub, PROVISION_MAX_INPUT) < 0 ||
	    sg_read_file(p->kernel, &kernel, PROVISION_MAX_INPUT) < 0 ||
	    (p->os_release && sg_read_file(p->os_release, &osrel, 1 << 20) < 0))
		goto out;
	memset(&parts, 0, sizeof(parts));
	parts.osrel = p->os_release ? osrel.data : NULL;
	parts.osrel_len = osrel.len;
	parts.cmdline = (const uint8_t *)p->cmdline;
	parts.cmdline_len = strlen(p->cmdline);
	parts.initrd = initrd->data;
	parts.initrd_len = initrd->len;
	parts.kernel = kernel.data;
	parts.kernel_len = kernel.len;
	rc = sg_uki_assemble(stub.data, stub.len, p->stub, &parts, p->key, p->cert,
			     p->deterministic, "UKI", uki);
out:
	sg_buf_free(&stub);
	sg_buf_free(&kernel);
	sg_buf_free(&osrel);
	return rc;
}
