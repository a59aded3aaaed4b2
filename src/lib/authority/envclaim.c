#include "envclaim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base32.h"
#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "hex.h"
#include "timestamp.h"

int sg_sha256_file_hex(const char *path, char out[65])
{
	struct sg_digest *dg = sg_digest_new("SHA256");
	uint8_t buf[65536], d[SG_SHA256_LEN];
	ssize_t n;
	int fd, rc = -1;

	if (!dg)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sg_digest_free(dg);
		return sg_fail_errno("%s: cannot open", path);
	}
	while ((n = sg_read_full(fd, buf, sizeof(buf))) > 0)
		if (sg_digest_update(dg, buf, (size_t)n) < 0)
			goto out;
	if (n < 0) {
		sg_fail_errno("%s: cannot read", path);
		goto out;
	}
	if (sg_digest_final(dg, d) < 0)
		goto out;
	sg_hex_encode(d, sizeof(d), out, SG_HEX_LOWER);
	rc = 0;
out:
	close(fd);
	sg_digest_free(dg);
	return rc;
}

static int set_file_hash(struct sg_json *o, const char *key, const char *path)
{
	char hex[65];

	if (sg_sha256_file_hex(path, hex) < 0)
		return -1;
	return sg_json_set(o, key, sg_json_new_string(hex));
}

static int set_data_hash(struct sg_json *o, const char *key, const void *data, size_t len)
{
	char hex[65];

	if (sg_sha256_hex(data, len, hex) < 0)
		return -1;
	return sg_json_set(o, key, sg_json_new_string(hex));
}

static struct sg_json *measure_os(void)
{
	struct sg_json *os = sg_json_new_object();
	struct sg_buf cmdline = SG_BUF_INIT;
	struct utsname u;
	int rc = -1;

	if (!os)
		return NULL;
	if (uname(&u) < 0) {
		sg_fail_errno("uname");
		goto out;
	}
	if (sg_read_file("/proc/cmdline", &cmdline, 1 << 20) < 0)
		goto out;
	if (set_file_hash(os, "os_release_sha256",
			  access("/etc/os-release", R_OK) == 0 ? "/etc/os-release"
							       : "/usr/lib/os-release") < 0 ||
	    sg_json_set(os, "kernel_release", sg_json_new_string(u.release)) < 0 ||
	    set_data_hash(os, "kernel_release_sha256", u.release, strlen(u.release)) < 0 ||
	    set_data_hash(os, "cmdline_sha256", cmdline.data, cmdline.len) < 0)
		goto out;
	rc = 0;
out:
	sg_buf_free(&cmdline);
	if (rc < 0) {
		sg_json_free(os);
		return NULL;
	}
	return os;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shared libraries mapped into this process (libcrypto, libc, ...),
 * from /proc/self/maps: [{"path", "sha256"}] sorted by path. */
static struct sg_json *measure_libraries(void)
{
	struct sg_buf maps = SG_BUF_INIT;
	struct sg_json *libs = sg_json_new_array();
	char **paths = NULL, *save = NULL, *line;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (!libs || sg_read_file("/proc/self/maps", &maps, 64u << 20) < 0 ||
	    sg_buf_terminate(&maps) < 0)
		goto out;
	for (line = strtok_r((char *)maps.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *path = strchr(line, '/');
		int seen = 0;

		/* Only file mappings of shared objects; the executable itself
		 * is measured on its own. */
		if (!path || !strstr(path, ".so") || strstr(path, " (deleted)"))
			continue;
		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(paths[i], path) == 0;
		if (seen)
			continue;
		if (n == cap) {
			char **v = realloc(paths, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!v) {
				sg_fail("out of memory");
				goto out;
			}
			paths = v;
		}
		paths[n++] = path;
	}
	if (n)
		qsort(paths, n, sizeof(*paths), by_string);
	for (size_t i = 0; i < n; i++) {
		struct sg_json *e = sg_json_new_object();

		if (sg_json_append(libs, e) < 0 ||
		    sg_json_set(e, "path", sg_json_new_string(paths[i])) < 0 ||
		    set_file_hash(e, "sha256", paths[i]) < 0)
			goto out;
	}
	rc = 0;
out:
	free(paths);
	sg_buf_free(&maps);
	if (rc < 0) {
		sg_json_free(libs);
		return NULL;
	}
	return libs;
}

static struct sg_json *measure_signet(void)
{
	struct sg_json *s = sg_json_new_object();

	if (!s || sg_json_set(s, "version", sg_json_new_string(SIGNET_VERSION)) < 0 ||
	    set_file_hash(s, "sha256", "/proc/self/exe") < 0 ||
	    sg_json_set(s, "libraries", measure_libraries()) < 0) {
		sg_json_free(s);
		return NULL;
	}
	return s;
}

static struct sg_json *tool_entry(const char *name, const char *path)
{
	struct sg_json *t = sg_json_new_object();

	if (!t || sg_json_set(t, "name", sg_json_new_string(name)) < 0)
		goto fail;
	if (!path) {
		if (sg_json_set(t, "path", sg_json_new_null()) < 0 ||
		    sg_json_set(t, "sha256", sg_json_new_null()) < 0)
			goto fail;
		return t;
	}
	if (sg_json_set(t, "path", sg_json_new_string(path)) < 0)
		goto fail;
	return t;
fail:
	sg_json_free(t);
	return NULL;
}

/* The first executable named name on $PATH (malloc'ed), or NULL. */
static char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;

	if (!path || !(copy = strdup(path)))
		return NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *p;
		struct stat st;

		if (asprintf(&p, "%s/%s", *dir ? dir : ".", name) < 0)
			break;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
			found = p;
			break;
		}
		free(p);
	}
	free(copy);
	return found;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int add_tool(struct sg_json *tools, const char *name, const char *shown, const char *real)
{
	struct sg_json *t = tool_entry(name, shown);

	if (sg_json_append(tools, t) < 0)
		return -1;
	if (real && set_file_hash(t, "sha256", real) < 0)
		return -1;
	return 0;
}

static struct sg_json *measure_tools(const struct sg_domain *d)
{
	static const char *const peers[] = { "age", "sops" };
	struct sg_json *tools = sg_json_new_array();
	struct dirent **list = NULL;
	char *dir = NULL;
	int n = 0, rc = -1;

	if (!tools || asprintf(&dir, "%s/tools", d->home) < 0)
		goto out;
	n = scandir(dir, &list, NULL, by_name);
	if (n < 0) {
		n = 0;
		if (errno != ENOENT) {
			sg_fail_errno("%s: cannot list", dir);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		char *p, *shown;
		struct stat st;
		int r = 0;

		if (asprintf(&p, "%s/%s", dir, list[i]->d_name) < 0)
			goto out;
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			if (asprintf(&shown, "tools/%s", list[i]->d_name) < 0) {
				free(p);
				goto out;
			}
			r = add_tool(tools, list[i]->d_name, shown, p);
			free(shown);
		}
		free(p);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		char *p = find_on_path(peers[i]);
		int r = add_tool(tools, peers[i], p, p);

		free(p);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(dir);
	if (rc < 0) {
		sg_json_free(tools);
		return NULL;
	}
	return tools;
}

struct tree_hash {
	struct sg_digest *dg;
	long long files, bytes;
};

static int hash_tree(struct tree_hash *th, const char *root, const char *rel)
{
	struct dirent **list = NULL;
	char *dir;
	int n, rc = -1;

	if (asprintf(&dir, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
		return sg_fail("out of memory");
	n = scandir(dir, &list, NULL, by_name);
	if (n < 0) {
		sg_fail_errno("%s: cannot list", dir);
		free(dir);
		return -1;
	}
	rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		const char *name = list[i]->d_name;
		char *r = NULL, *p = NULL, hex[65];
		struct stat st;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (asprintf(&r, "%s%s%s", rel, *rel ? "/" : "", name) < 0 ||
		    asprintf(&p, "%s/%s", root, r) < 0) {
			rc = sg_fail("out of memory");
		} else if (lstat(p, &st) < 0) {
			rc = sg_fail_errno("%s", p);
		} else if (S_ISDIR(st.st_mode)) {
			rc = hash_tree(th, root, r);
		} else if (!S_ISREG(st.st_mode)) {
			rc = sg_fail("%s: neither a file nor a directory in the store", p);
		} else if (sg_sha256_file_hex(p, hex) < 0 ||
			   sg_digest_update(th->dg, r, strlen(r) + 1) < 0 ||
			   sg_digest_update(th->dg, hex, 64) < 0 ||
			   sg_digest_update(th->dg, "\n", 1) < 0) {
			rc = -1;
		} else {
			th->files++;
			th->bytes += st.st_size;
		}
		free(r);
		free(p);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(dir);
	return rc;
}

static struct sg_json *measure_store(const struct sg_domain *d)
{
	struct tree_hash th = { sg_digest_new("SHA256"), 0, 0 };
	struct sg_json *s = NULL;
	uint8_t digest[SG_SHA256_LEN];
	char hex[65], *root = sg_domain_path(d, "store");

	if (!th.dg || !root)
		goto out;
	/* a domain being created has no store yet: it is empty */
	if ((access(root, F_OK) == 0 || errno != ENOENT) && hash_tree(&th, root, "") < 0)
		goto out;
	if (sg_digest_final(th.dg, digest) < 0)
		goto out;
	sg_hex_encode(digest, sizeof(digest), hex, SG_HEX_LOWER);
	s = sg_json_new_object();
	if (!s || sg_json_set(s, "files", sg_json_new_int(th.files)) < 0 ||
	    sg_json_set(s, "bytes", sg_json_new_int(th.bytes)) < 0 ||
	    sg_json_set(s, "sha256", sg_json_new_string(hex)) < 0) {
		sg_json_free(s);
		s = NULL;
	}
out:
	sg_digest_free(th.dg);
	free(root);
	return s;
}

struct sg_json *sg_envclaim_build(const struct sg_domain *d, time_t now)
{
	struct sg_json *c = sg_json_new_object();
	char ts[SG_TIME_LEN + 1];

	if (!c || sg_time_format(now, ts) < 0 ||
	    sg_json_set(c, "version", sg_json_new_string("0.1")) < 0 ||
	    sg_json_set(c, "domain_id", sg_json_new_string(d->id)) < 0 ||
	    sg_json_set(c, "created_at", sg_json_new_string(ts)) < 0 ||
	    sg_json_set(c, "os", measure_os()) < 0 || sg_json_set(c, "signet", measure_signet()) < 0 ||
	    sg_json_set(c, "tools", measure_tools(d)) < 0 ||
	    sg_json_set(c, "store", measure_store(d)) < 0) {
		sg_json_free(c);
		return NULL;
	}
	return c;
}

int sg_envclaim_snapshot_id(const struct sg_json *claim, char out[SG_SNAPSHOT_ID_LEN + 1])
{
	uint8_t digest[SG_SHA256_LEN];
	char b32[64];

	if (sg_signed_digest("env-claim", claim, digest) < 0)
		return -1;
	sg_b32_encode(digest, sizeof(digest), b32);
	memcpy(out, b32, SG_SNAPSHOT_ID_LEN);
	out[SG_SNAPSHOT_ID_LEN] = '\0';
	return 0;
}

struct sg_json *sg_envclaim_sign(const struct sg_json *claim, const uint8_t seed[32])
{
	struct sg_json *f = sg_json_new_object();

	if (!f || sg_json_set(f, "claim", sg_json_clone(claim)) < 0 ||
	    sg_json_set(f, "signature", sg_signature_make("env-claim", claim, seed, 0)) < 0) {
		sg_json_free(f);
		return NULL;
	}
	return f;
}

int sg_envclaim_file(const struct sg_domain *d, const uint8_t seed[32], time_t now,
		     char snap[SG_SNAPSHOT_ID_LEN + 1], struct sg_buf *text)
{
	struct sg_json *claim = sg_envclaim_build(d, now), *file = NULL;
	int rc = -1;

	if (claim && sg_envclaim_snapshot_id(claim, snap) == 0 &&
	    (file = sg_envclaim_sign(claim, seed)) && sg_json_canonical(file, text) == 0 &&
	    sg_buf_append_byte(text, '\n') == 0)
		rc = 0;
	sg_json_free(claim);
	sg_json_free(file);
	return rc;
}

int sg_envclaim_verify(const struct sg_json *file, const struct sg_domain *d, const char *what)
{
	static const char *const req[] = { "claim", "signature", NULL };
	static const char *const creq[] = { "version", "domain_id", "created_at", "os",
					    "signet",  "tools",	    "store",	  NULL };
	const struct sg_json *c;
	const char *id;

	if (sg_obj_members(file, what, req, NULL) < 0)
		return -1;
	c = sg_json_get(file, "claim");
	if (sg_obj_members(c, what, creq, NULL) < 0)
		return -1;
	id = sg_obj_string(c, "domain_id", what, NULL);
	if (!id)
		return -1;
	if (strcmp(id, d->id) != 0)
		return sg_fail("%s: claim of another domain (%s)", what, id);
	return sg_signature_check("env-claim", c, sg_json_get(file, "signature"), d->pub, what);
}

int sg_envclaim_compare(const struct sg_json *claim, const struct sg_json *now, const char *what)
{
	static const char *const sections[] = { "os", "signet", "tools", "store" };
	int rc = 0;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]) && rc == 0; i++) {
		struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;

		if (sg_json_canonical(sg_json_get(claim, sections[i]), &a) < 0 ||
		    sg_json_canonical(sg_json_get(now, sections[i]), &b) < 0)
			rc = sg_fail_prefix(what);
		else if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			rc = sg_fail("%s: the environment's %s differs from the claim", what,
				     sections[i]);
		sg_buf_free(&a);
		sg_buf_free(&b);
	}
	return rc;
}

int sg_envclaim_verify_file(const struct sg_domain *d, const char *path, int current, time_t now)
{
	struct sg_json *file = NULL, *now_claim = NULL;
	int rc = -1;

	if (sg_read_json_file(path, &file) < 0 || sg_envclaim_verify(file, d, path) < 0)
		goto out;
	if (current && (!(now_claim = sg_envclaim_build(d, now)) ||
			sg_envclaim_compare(sg_json_get(file, "claim"), now_claim, path) < 0))
		goto out;
	rc = 0;
out:
	sg_json_free(file);
	sg_json_free(now_claim);
	return rc;
}
