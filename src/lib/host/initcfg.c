#include "initcfg.h"

#include <stdio.h>
#include <string.h>

#include <linux/dm-ioctl.h>

#include "err.h"
#include "hex.h"

#define WORD_MAX 1024

void sg_init_cmdline_defaults(struct sg_init_cmdline *c)
{
	memset(c, 0, sizeof(*c));
	c->slot = 'A';
	strcpy(c->init, "/sbin/init");
	c->check = SG_INIT_CHECK_FULL;
	c->reboot_delay = 10;
	c->wait = 10;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n';
}

static int parse_seconds(const char *key, const char *v, unsigned *out)
{
	unsigned n = 0;

	if (!*v)
		return sg_fail("kernel command line: %s needs a number of seconds", key);
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return sg_fail("kernel command line: %s: not a number of seconds", key);
		n = n * 10 + (unsigned)(*v - '0');
		if (n > 3600)
			return sg_fail("kernel command line: %s: more than 3600 seconds", key);
	}
	*out = n;
	return 0;
}

int sg_init_path_plain(const char *v)
{
	size_t n = strlen(v);

	return !strstr(v, "/../") && !(n >= 3 && strcmp(v + n - 3, "/..") == 0) && !strstr(v, "//");
}

/* An absolute path without "..", "//" or blanks, short enough. */
static int parse_path(const char *key, const char *v, const char *prefix, char *out)
{
	size_t n = strlen(v);

	if (strncmp(v, prefix, strlen(prefix)) != 0 || n <= strlen(prefix))
		return sg_fail("kernel command line: %s must be a path below %s", key, prefix);
	if (n >= SG_INIT_PATH_MAX)
		return sg_fail("kernel command line: %s: path longer than %d bytes", key,
			       SG_INIT_PATH_MAX - 1);
	if (!sg_init_path_plain(v))
		return sg_fail("kernel command line: %s: path must not hold '..' or '//'", key);
	memcpy(out, v, n + 1);
	return 0;
}

/* One "signet.KEY[=VALUE]" word, the quotes already removed. */
static int parse_word(const char *w, struct sg_init_cmdline *c)
{
	const char *eq = strchr(w, '=');
	const char *v = eq ? eq + 1 : NULL;
	size_t klen = eq ? (size_t)(eq - w) : strlen(w);
	char key[64];

	if (klen >= sizeof(key))
		return sg_fail("kernel command line: unknown key '%.60s...'", w);
	memcpy(key, w, klen);
	key[klen] = '\0';
	if (strcmp(key, "signet.slot") == 0) {
		if (!v || (strcmp(v, "A") != 0 && strcmp(v, "B") != 0))
			return sg_fail("kernel command line: signet.slot must be A or B");
		c->slot = v[0];
	} else if (strcmp(key, "signet.esp") == 0) {
		return parse_path(key, v ? v : "", "/dev/", c->esp);
	} else if (strcmp(key, "signet.init") == 0) {
		return parse_path(key, v ? v : "", "/", c->init);
	} else if (strcmp(key, "signet.check") == 0) {
		if (v && strcmp(v, "full") == 0)
			c->check = SG_INIT_CHECK_FULL;
		else if (v && strcmp(v, "lazy") == 0)
			c->check = SG_INIT_CHECK_LAZY;
		else
			return sg_fail("kernel command line: signet.check must be full or lazy");
	} else if (strcmp(key, "signet.insecure") == 0) {
		if (!v || strcmp(v, "1") == 0)
			c->insecure = 1;
		else if (strcmp(v, "0") == 0)
			c->insecure = 0;
		else
			return sg_fail("kernel command line: signet.insecure takes 1 or 0");
	} else if (strcmp(key, "signet.reboot_delay") == 0) {
		return parse_seconds(key, v ? v : "", &c->reboot_delay);
	} else if (strcmp(key, "signet.wait") == 0) {
		return parse_seconds(key, v ? v : "", &c->wait);
	} else {
		return sg_fail("kernel command line: unknown key '%s'", key);
	}
	return 0;
}

int sg_init_cmdline_parse(const char *cmdline, size_t len, struct sg_init_cmdline *c)
{
	char word[WORD_MAX];
	size_t i = 0;

	while (i < len) {
		size_t n = 0;
		int quoted = 0, overflow = 0;

		while (i < len && is_blank(cmdline[i]))
			i++;
		if (i == len)
			break;
		for (; i < len && (quoted || !is_blank(cmdline[i])); i++) {
			if (cmdline[i] == '\0')
				return sg_fail("kernel command line: NUL byte at offset %zu", i);
			if (cmdline[i] == '"') {
				quoted = !quoted;
				continue;
			}
			if (n + 1 < sizeof(word))
				word[n++] = cmdline[i];
			else
				overflow = 1;
		}
		if (quoted)
			return sg_fail("kernel command line: unterminated quote");
		word[n] = '\0';
		if (n < 7 || memcmp(word, "signet.", 7) != 0)
			continue;
		if (overflow)
			return sg_fail("kernel command line: '%.40s...' is longer than %d bytes",
				       word, WORD_MAX - 1);
		if (parse_word(word, c) < 0)
			return -1;
	}
	return 0;
}

char sg_init_other_slot(char slot)
{
	return slot == 'A' ? 'B' : 'A';
}

/* The next line of text without its newline; *pos moves past it. */
static size_t next_line(const char *text, size_t len, size_t *pos, const char **line)
{
	size_t start = *pos, end = start;

	while (end < len && text[end] != '\n')
		end++;
	*pos = end < len ? end + 1 : end;
	*line = text + start;
	return end - start;
}

/* Trims blanks and a '#' comment from a line. */
static size_t trim_line(const char **line, size_t n)
{
	const char *s = *line;
	const char *hash = memchr(s, '#', n);

	if (hash)
		n = (size_t)(hash - s);
	while (n && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	*line = s;
	return n;
}

int sg_init_modules_parse(const char *text, size_t len, int (*fn)(const char *path, void *arg),
			  void *arg)
{
	size_t pos = 0, lineno = 0;
	char path[SG_INIT_PATH_MAX];

	while (pos < len) {
		const char *line;
		size_t n = next_line(text, len, &pos, &line);

		lineno++;
		n = trim_line(&line, n);
		if (n == 0)
			continue;
		if (memchr(line, '\0', n))
			return sg_fail("module list line %zu: NUL byte", lineno);
		if (line[0] != '/')
			return sg_fail("module list line %zu: not an absolute path", lineno);
		if (n >= sizeof(path))
			return sg_fail("module list line %zu: path longer than %d bytes", lineno,
				       SG_INIT_PATH_MAX - 1);
		memcpy(path, line, n);
		path[n] = '\0';
		if (fn(path, arg) < 0)
			return -1;
	}
	return 0;
}

static int decode_digest(const char *s, size_t n, uint8_t *out, size_t *out_size)
{
	if (n == 0 || n % 2 || n / 2 > SG_VERITY_DIGEST_MAX || n / 2 < 16)
		return -1;
	return sg_hex_decode(s, n, out, SG_VERITY_DIGEST_MAX, out_size);
}

int sg_init_roothash_parse(const char *text, size_t len, uint8_t root[SG_VERITY_DIGEST_MAX],
			   size_t *root_size)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t' ||
		       text[len - 1] == '\r'))
		len--;
	if (decode_digest(text, len, root, root_size) < 0)
		return sg_fail("root hash file: expected the hex digits of a digest");
	return 0;
}

int sg_init_roothash_trusted(const char *trusted, size_t len, const uint8_t *root, size_t root_size)
{
	size_t pos = 0, lineno = 0;
	int found = 0;

	while (pos < len) {
		const char *line;
		size_t n = next_line(trusted, len, &pos, &line), size;
		uint8_t d[SG_VERITY_DIGEST_MAX];

		lineno++;
		n = trim_line(&line, n);
		if (n == 0)
			continue;
		if (decode_digest(line, n, d, &size) < 0)
			return sg_fail("trusted root hashes line %zu: not the hex digits of a digest",
				       lineno);
		if (size == root_size && memcmp(d, root, size) == 0)
			found = 1;
	}
	return found;
}

int sg_init_verity_target(const struct sg_verity_params *p, const char *data_dev,
			  const char *hash_dev, const uint8_t *root, size_t root_size, char *out,
			  size_t outsz)
{
	char root_hex[2 * SG_VERITY_DIGEST_MAX + 1], salt_hex[2 * SG_VERITY_SALT_MAX + 1];
	uint64_t start = 0;
	int n;

	if (root_size == 0 || root_size > SG_VERITY_DIGEST_MAX || p->salt_size > SG_VERITY_SALT_MAX)
		return sg_fail("verity target: bad root hash or salt size");
	if (p->data_blocks == 0 || p->data_block_size < 512 || p->hash_block_size < 512)
		return sg_fail("verity target: no data blocks or bad block size");
	if (strpbrk(data_dev, " \t\n") || strpbrk(hash_dev, " \t\n") ||
	    strpbrk(p->hash_name, " \t\n"))
		return sg_fail("verity target: blank in a device or digest name");
	/* veritysetup pads the 512-byte superblock to one hash block. */
	if (!p->no_superblock)
		start = (SG_VERITY_SB_SIZE + p->hash_block_size - 1) / p->hash_block_size;
	sg_hex_encode(root, root_size, root_hex, SG_HEX_LOWER);
	if (p->salt_size)
		sg_hex_encode(p->salt, p->salt_size, salt_hex, SG_HEX_LOWER);
	else
		strcpy(salt_hex, "-");
	n = snprintf(out, outsz, "%u %s %s %u %u %llu %llu %s %s %s", p->hash_type, data_dev,
		     hash_dev, p->data_block_size, p->hash_block_size,
		     (unsigned long long)p->data_blocks, (unsigned long long)start, p->hash_name,
		     root_hex, salt_hex);
	if (n < 0 || (size_t)n >= outsz)
		return sg_fail("verity target: parameters longer than %zu bytes", outsz);
	return 0;
}

int sg_dm_request(void *buf, size_t bufsz, const char *name, uint32_t flags, const char *target,
		  uint64_t sectors, const char *params)
{
	struct dm_ioctl *io = buf;
	size_t need = sizeof(*io);

	if (strlen(name) >= DM_NAME_LEN || strchr(name, '/'))
		return sg_fail("device-mapper name '%.60s': too long or holds '/'", name);
	if (target) {
		size_t plen = strlen(params) + 1;

		if (strlen(target) >= DM_MAX_TYPE_NAME)
			return sg_fail("device-mapper target type '%.40s' too long", target);
		/* The kernel finds the next spec at an 8-aligned offset. */
		need += sizeof(struct dm_target_spec) + ((plen + 7) & ~(size_t)7);
	}
	if (need > bufsz || bufsz > UINT32_MAX)
		return sg_fail("device-mapper request for '%s' does not fit %zu bytes", name, bufsz);
	memset(buf, 0, bufsz);
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = (uint32_t)bufsz;
	io->data_start = sizeof(*io);
	io->flags = flags;
	strcpy(io->name, name);
	if (target) {
		struct dm_target_spec *t = (struct dm_target_spec *)((char *)buf + sizeof(*io));
		size_t plen = strlen(params) + 1;

		io->target_count = 1;
		t->sector_start = 0;
		t->length = sectors;
		t->status = 0;
		t->next = (uint32_t)(sizeof(*t) + ((plen + 7) & ~(size_t)7));
		strcpy(t->target_type, target);
		memcpy((char *)(t + 1), params, plen);
	}
	return 0;
}

int sg_init_secureboot_parse(const uint8_t *var, size_t len)
{
	if (len != 5 || var[4] > 1)
		return sg_fail("SecureBoot EFI variable: expected 4 attribute bytes and 0 or 1");
	return var[4];
}
