#include "hostcfg.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "initcfg.h"
#include "json.h"
#include "tpm.h"

void sg_host_cfg_defaults(struct sg_host_cfg *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->disk_name, "signet-disk");
	strcpy(c->init, "/sbin/init");
	c->prompt_seconds = 2;
	c->passphrase_seconds = 120;
	c->ssh_port = 22;
}

/* One member a parser knows: its name and the function reading it. */
struct member {
	const char *key;
	int (*read)(const struct sg_json *v, const char *path, struct sg_host_cfg *c);
};

/* Runs the reader of each member of obj; an unknown member is an error. */
static int read_object(const struct sg_json *obj, const char *path, const struct member *known,
		       struct sg_host_cfg *c)
{
	char sub[160];

	if (obj->kind != SG_JSON_OBJECT)
		return sg_fail("%s: must be an object", path);
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const struct sg_json_member *m = &obj->u.object.members[i];
		const struct member *k = known;

		while (k->key && (strlen(k->key) != m->key_len || memcmp(k->key, m->key, m->key_len)))
			k++;
		snprintf(sub, sizeof(sub), "%s.%.*s", path,
			 (int)(m->key_len > 64 ? 64 : m->key_len), m->key);
		if (!k->key)
			return sg_fail("%s: unknown member", sub);
		if (k->read(m->value, sub, c) < 0)
			return -1;
	}
	return 0;
}

/* A string without NUL of 1..cap-1 bytes copied to out. */
static int read_string(const struct sg_json *v, const char *path, char *out, size_t cap)
{
	size_t n;
	const char *s = sg_json_string(v, &n);

	if (!s)
		return sg_fail("%s: must be a string", path);
	if (n == 0 || n >= cap || memchr(s, '\0', n))
		return sg_fail("%s: must be 1 to %zu bytes without NUL", path, cap - 1);
	memcpy(out, s, n + 1);
	return 0;
}

/* A name that is one path component: letters, digits, '.', '_', '-',
 * not starting with '.' (so never "." or ".."). */
static int read_name(const struct sg_json *v, const char *path, char *out, size_t cap)
{
	if (read_string(v, path, out, cap) < 0)
		return -1;
	if (out[0] == '.' || out[0] == '-')
		return sg_fail("%s: must not start with '.' or '-'", path);
	for (const char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return sg_fail("%s: only letters, digits, '.', '_' and '-' are allowed",
				       path);
	return 0;
}

/* An absolute path without "..", "//" or blanks. */
static int read_path(const struct sg_json *v, const char *path, char *out, size_t cap)
{
	size_t n;

	if (read_string(v, path, out, cap) < 0)
		return -1;
	n = strlen(out);
	if (out[0] != '/' || n < 2)
		return sg_fail("%s: must be an absolute path", path);
	if (!sg_init_path_plain(out))
		return sg_fail("%s: must not hold '..' or '//'", path);
	for (const char *p = out; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',')
			return sg_fail("%s: must not hold blanks or commas", path);
	return 0;
}

static int read_uint(const struct sg_json *v, const char *path, unsigned lo, unsigned hi,
		     unsigned *out)
{
	if (v->kind != SG_JSON_INT || v->u.integer < lo || v->u.integer > hi)
		return sg_fail("%s: must be an integer from %u to %u", path, lo, hi);
	*out = (unsigned)v->u.integer;
	return 0;
}

/* Dotted-quad IPv4 address, each part 0-255 without leading zeros. */
static int parse_ipv4(const char *s, uint8_t out[4], const char **end)
{
	for (int i = 0; i < 4; i++) {
		unsigned n = 0;
		const char *start = s;

		while (*s >= '0' && *s <= '9' && s - start < 3)
			n = n * 10 + (unsigned)(*s++ - '0');
		if (s == start || n > 255 || (s - start > 1 && *start == '0'))
			return -1;
		out[i] = (uint8_t)n;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	*end = s;
	return 0;
}

static int r_version(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	const char *s = sg_json_string(v, NULL);

	(void)c;
	if (!s || strcmp(s, "0.1") != 0)
		return sg_fail("%s: must be \"0.1\"", path);
	return 0;
}

static int r_host(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_name(v, path, c->host, sizeof(c->host));
}

static int r_device(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (read_path(v, path, c->disk_device, sizeof(c->disk_device)) < 0)
		return -1;
	if (strncmp(c->disk_device, "/dev/", 5) != 0)
		return sg_fail("%s: must be a device below /dev/", path);
	return 0;
}

/* A UUID as cryptsetup prints it: 8-4-4-4-12 lowercase hex digits. */
static int r_uuid(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (read_string(v, path, c->disk_uuid, sizeof(c->disk_uuid)) < 0)
		return -1;
	if (strlen(c->disk_uuid) != 36)
		return sg_fail("%s: must be a UUID (8-4-4-4-12 lowercase hex digits)", path);
	for (int i = 0; i < 36; i++) {
		char ch = c->disk_uuid[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? ch != '-' : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return sg_fail("%s: must be a UUID (8-4-4-4-12 lowercase hex digits)", path);
	}
	return 0;
}

static int r_disk_name(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_name(v, path, c->disk_name, sizeof(c->disk_name));
}

static int r_fs(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	const char *s = sg_json_string(v, NULL);

	if (s && strcmp(s, "ext4") == 0)
		c->disk_fs = SG_HOST_FS_EXT4;
	else if (s && strcmp(s, "btrfs") == 0)
		c->disk_fs = SG_HOST_FS_BTRFS;
	else
		return sg_fail("%s: must be \"ext4\" or \"btrfs\"", path);
	return 0;
}

static int r_handle(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	const char *s = sg_json_string(v, NULL);

	if (!s)
		return sg_fail("%s: must be a string such as \"0x81000010\"", path);
	if (sg_tpm_parse_handle(s, &c->tpm_handle) < 0)
		return sg_fail_prefix(path);
	return 0;
}

static int r_pcrs(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (v->kind != SG_JSON_ARRAY || v->u.array.len == 0)
		return sg_fail("%s: must be a non-empty array of PCR numbers", path);
	c->tpm_pcrs = 0;
	for (size_t i = 0; i < v->u.array.len; i++) {
		const struct sg_json *p = v->u.array.items[i];

		if (p->kind != SG_JSON_INT || p->u.integer < 0 || p->u.integer > 23)
			return sg_fail("%s[%zu]: must be a PCR number from 0 to 23", path, i);
		if (c->tpm_pcrs & (1u << p->u.integer))
			return sg_fail("%s[%zu]: PCR %d listed twice", path, i, (int)p->u.integer);
		c->tpm_pcrs |= 1u << p->u.integer;
	}
	return 0;
}

static const struct member tpm_members[] = { { "handle", r_handle }, { "pcrs", r_pcrs }, { 0, 0 } };

static int r_tpm(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	c->has_tpm = 1;
	c->tpm_handle = 0x81000010u;
	c->tpm_pcrs = 1u << 7;
	return read_object(v, path, tpm_members, c);
}

static const struct member disk_members[] = {
	{ "device", r_device }, { "uuid", r_uuid }, { "name", r_disk_name },
	{ "fs", r_fs },		{ "tpm", r_tpm },   { 0, 0 },
};

static int r_disk(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (read_object(v, path, disk_members, c) < 0)
		return -1;
	if (!!c->disk_device[0] == !!c->disk_uuid[0])
		return sg_fail("%s: needs exactly one of \"device\" and \"uuid\"", path);
	c->has_disk = 1;
	return 0;
}

static int r_rootfs(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (c->rootfs[0])
		return sg_fail("%s: given twice (also as the \"run\" list's sysroot)", path);
	return read_name(v, path, c->rootfs, sizeof(c->rootfs));
}

/* A sha256 root hash: 64 lowercase hex digits into out. */
static int read_hash(const struct sg_json *v, const char *path, uint8_t out[32])
{
	char hex[2 * 32 + 2];
	size_t n;

	if (read_string(v, path, hex, sizeof(hex)) < 0)
		return -1;
	if (strlen(hex) != 2 * 32 || strspn(hex, "0123456789abcdef") != strlen(hex) ||
	    sg_hex_decode(hex, strlen(hex), out, 32, &n) < 0)
		return sg_fail("%s: must be a sha256 root hash, 64 lowercase hex digits", path);
	return 0;
}

static int r_rootfs_hash(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (c->has_rootfs_hash)
		return sg_fail("%s: given twice (also as the \"run\" list's sysroot)", path);
	if (read_hash(v, path, c->rootfs_hash) < 0)
		return -1;
	c->has_rootfs_hash = 1;
	return 0;
}

/* The value of member key of object obj, NULL when absent. */
static const struct sg_json *member_of(const struct sg_json *obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++) {
		const struct sg_json_member *m = &obj->u.object.members[i];

		if (strlen(key) == m->key_len && memcmp(key, m->key, m->key_len) == 0)
			return m->value;
	}
	return NULL;
}

/* One entry {"image", "as", "hash"}, all three required, no other
 * member: a container takes the next slot, a sysroot becomes the rootfs. */
static int read_run_entry(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	static const char *const known[] = { "image", "as", "hash" };
	struct sg_host_container *e = &c->containers[c->n_containers];
	const struct sg_json *image, *as, *hash;
	char sub[200];
	const char *s;

	if (v->kind != SG_JSON_OBJECT)
		return sg_fail("%s: must be an object", path);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const struct sg_json_member *m = &v->u.object.members[i];
		size_t k = 0;

		while (k < 3 &&
		       (strlen(known[k]) != m->key_len || memcmp(known[k], m->key, m->key_len) != 0))
			k++;
		if (k == 3)
			return sg_fail("%s.%.*s: unknown member", path,
				       (int)(m->key_len > 64 ? 64 : m->key_len), m->key);
	}
	image = member_of(v, "image"), as = member_of(v, "as"), hash = member_of(v, "hash");
	if (!image || !as || !hash)
		return sg_fail("%s: needs \"image\", \"as\" and \"hash\"", path);
	memset(e, 0, sizeof(*e));
	snprintf(sub, sizeof(sub), "%s.image", path);
	if (read_name(image, sub, e->name, sizeof(e->name)) < 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s.hash", path);
	if (read_hash(hash, sub, e->hash) < 0)
		return -1;
	s = sg_json_string(as, NULL);
	if (s && strcmp(s, "sysroot") == 0) {
		if (c->rootfs[0] || c->has_rootfs_hash)
			return sg_fail("%s: a second sysroot (\"rootfs\" names one already)", path);
		memcpy(c->rootfs, e->name, sizeof(c->rootfs));
		memcpy(c->rootfs_hash, e->hash, sizeof(c->rootfs_hash));
		c->has_rootfs_hash = 1;
		memset(e, 0, sizeof(*e));
		return 0;
	}
	if (!s || strcmp(s, "container") != 0)
		return sg_fail("%s.as: must be \"container\" or \"sysroot\"", path);
	for (size_t i = 0; i < c->n_containers; i++)
		if (strcmp(c->containers[i].name, e->name) == 0)
			return sg_fail("%s.image: container '%s' listed twice", path, e->name);
	c->n_containers++;
	return 0;
}

static int r_run(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	char sub[176];

	if (v->kind != SG_JSON_ARRAY)
		return sg_fail("%s: must be an array of {\"image\", \"as\", \"hash\"}", path);
	for (size_t i = 0; i < v->u.array.len; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (c->n_containers == SG_HOST_RUN_MAX)
			return sg_fail("%s: more than %d containers", sub, SG_HOST_RUN_MAX);
		if (read_run_entry(v->u.array.items[i], sub, c) < 0)
			return -1;
	}
	return 0;
}

static int r_init(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_path(v, path, c->init, sizeof(c->init));
}

static int r_prompt(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_uint(v, path, 0, 60, &c->prompt_seconds);
}

static int r_pass_wait(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_uint(v, path, 1, 3600, &c->passphrase_seconds);
}

static const struct member console_members[] = { { "prompt_seconds", r_prompt },
						 { "passphrase_seconds", r_pass_wait },
						 { 0, 0 } };

static int r_console(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_object(v, path, console_members, c);
}

static int r_interface(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_name(v, path, c->net_interface, sizeof(c->net_interface));
}

static int r_address(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	const char *s = sg_json_string(v, NULL), *end;
	unsigned prefix = 0;
	int digits = 0;

	if (!s || parse_ipv4(s, c->net_address, &end) < 0 || *end++ != '/')
		goto bad;
	for (; *end >= '0' && *end <= '9' && digits < 3; end++, digits++)
		prefix = prefix * 10 + (unsigned)(*end - '0');
	if (*end || digits == 0 || prefix < 1 || prefix > 32)
		goto bad;
	c->net_prefix = prefix;
	return 0;
bad:
	return sg_fail("%s: must be an IPv4 address with a prefix length, e.g. \"10.0.2.15/24\"",
		       path);
}

static int r_gateway(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	const char *s = sg_json_string(v, NULL), *end;

	if (!s || parse_ipv4(s, c->net_gateway, &end) < 0 || *end)
		return sg_fail("%s: must be an IPv4 address", path);
	c->has_gateway = 1;
	return 0;
}

static int r_ssh_port(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	return read_uint(v, path, 1, 65535, &c->ssh_port);
}

static const struct member recovery_members[] = {
	{ "interface", r_interface },
	{ "address", r_address },
	{ "gateway", r_gateway },
	{ "ssh_port", r_ssh_port },
	{ 0, 0 },
};

static int r_recovery(const struct sg_json *v, const char *path, struct sg_host_cfg *c)
{
	if (read_object(v, path, recovery_members, c) < 0)
		return -1;
	if (!c->net_interface[0] != !c->net_prefix)
		return sg_fail("%s: \"interface\" and \"address\" go together", path);
	if (c->has_gateway && !c->net_prefix)
		return sg_fail("%s: a \"gateway\" needs an \"address\"", path);
	c->has_net = c->net_prefix != 0;
	return 0;
}

static const struct member top_members[] = {
	{ "version", r_version },
	{ "host", r_host },
	{ "disk", r_disk },
	{ "rootfs", r_rootfs },
	{ "rootfs_hash", r_rootfs_hash },
	{ "run", r_run },
	{ "init", r_init },
	{ "console", r_console },
	{ "recovery", r_recovery },
	{ 0, 0 },
};

int sg_host_cfg_parse(const char *text, size_t len, struct sg_host_cfg *c)
{
	struct sg_json *doc = NULL;
	int rc;

	sg_host_cfg_defaults(c);
	if (sg_json_parse_flags(text, len, SG_JSON_MODEL, &doc) < 0)
		return -1;
	rc = read_object(doc, "$", top_members, c);
	if (rc == 0 && !sg_json_get(doc, "version"))
		rc = sg_fail("$.version: missing (must be \"0.1\")");
	if (rc == 0 && c->rootfs[0] && !c->has_disk)
		rc = sg_fail("$.rootfs: needs a \"disk\" to live on");
	if (rc == 0 && c->has_rootfs_hash && !c->rootfs[0])
		rc = sg_fail("$.rootfs_hash: needs a \"rootfs\" to name the image");
	if (rc == 0 && c->n_containers && !c->has_rootfs_hash)
		rc = sg_fail("$.run: containers need a rootfs image (\"rootfs_hash\"): the "
			     "sidecar that runs them stays only beside one");
	sg_json_free(doc);
	if (rc < 0)
		sg_host_cfg_defaults(c);
	return rc;
}
