/* runtime.c - an OCI runtime configuration from an image config
 * (runtime.h). */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "path.h"

#define MAX_VOLUMES 64
#define MAX_LABELS 256
#define MAX_KEY 256
#define MAX_GROUPS 64

static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" };
static const char *const masked[] = {
	"/proc/acpi",	       "/proc/asound",	   "/proc/kcore",	"/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	       "/sys/firmware",
};
static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					"/proc/sysrq-trigger" };

/* The standard mounts: destination, type, source, options. */
static const struct {
	const char *dest, *type, *source;
	const char *opts[6];
} std_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
	{ "/dev/pts",
	  "devpts",
	  "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
	{ "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
};

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* s for a message, which is one line: a placeholder when s has a
 * control character. */
static const char *shown(const char *s)
{
	return has_control(s) ? "(with control characters)" : s;
}

/* A string member of obj (pre and key name it): *s NULL when absent or null; refused when not
 * a string, with a NUL, or longer than SG_OCI_RT_MAX_STR. */
static int get_str(const char *name, const char *pre, const struct sg_json *obj, const char *key,
		   const char **s)
{
	const struct sg_json *v = sg_json_get(obj, key);

	*s = NULL;
	if (!v || v->kind == SG_JSON_NULL)
		return 0;
	if (v->kind != SG_JSON_STRING)
		return sg_fail("%s: %s%s: not a string", name, pre, key);
	if (strlen(v->u.string.data) != v->u.string.len)
		return sg_fail("%s: %s%s: a NUL character", name, pre, key);
	if (v->u.string.len > SG_OCI_RT_MAX_STR)
		return sg_fail("%s: %s%s: longer than %d bytes", name, pre, key, SG_OCI_RT_MAX_STR);
	*s = v->u.string.data;
	return 0;
}

/* A list of strings (absent or null: empty), each checked as above,
 * appended to arr. */
static int str_list(const char *name, const struct sg_json *obj, const char *key, struct sg_json *arr)
{
	const struct sg_json *v = sg_json_get(obj, key);

	if (!v || v->kind == SG_JSON_NULL)
		return 0;
	if (v->kind != SG_JSON_ARRAY)
		return sg_fail("%s: config.%s: not a list", name, key);
	if (v->u.array.len > SG_OCI_RT_MAX_LIST)
		return sg_fail("%s: config.%s: more than %d entries", name, key, SG_OCI_RT_MAX_LIST);
	for (size_t i = 0; i < v->u.array.len; i++) {
		const struct sg_json *e = v->u.array.items[i];
		if (e->kind != SG_JSON_STRING)
			return sg_fail("%s: config.%s[%zu]: not a string", name, key, i);
		if (strlen(e->u.string.data) != e->u.string.len)
			return sg_fail("%s: config.%s[%zu]: a NUL character", name, key, i);
		if (e->u.string.len > SG_OCI_RT_MAX_STR)
			return sg_fail("%s: config.%s[%zu]: longer than %d bytes", name, key, i,
				       SG_OCI_RT_MAX_STR);
		if (sg_json_append(arr, sg_json_new_stringn(e->u.string.data, e->u.string.len)) < 0)
			return -1;
	}
	return 0;
}

static struct sg_json *str_array(const char *const *list, size_t n)
{
	struct sg_json *a = sg_json_new_array();

	for (size_t i = 0; a && i < n && list[i]; i++)
		if (sg_json_append(a, sg_json_new_string(list[i])) < 0) {
			sg_json_free(a);
			return NULL;
		}
	return a;
}

static int args_of(const char *name, const struct sg_json *cfg, struct sg_json *args)
{
	if (str_list(name, cfg, "Entrypoint", args) < 0 || str_list(name, cfg, "Cmd", args) < 0)
		return -1;
	if (args->u.array.len == 0)
		return sg_fail("%s: config: neither Entrypoint nor Cmd: nothing to run", name);
	if (args->u.array.len > SG_OCI_RT_MAX_LIST)
		return sg_fail("%s: config: Entrypoint and Cmd: more than %d arguments", name,
			       SG_OCI_RT_MAX_LIST);
	if (args->u.array.items[0]->u.string.len == 0)
		return sg_fail("%s: config: the program to run (the first of Entrypoint and Cmd) "
			       "is empty",
			       name);
	return 0;
}

/* Env, after a default PATH when it has none, and before HOME (the
 * user's home in the image's passwd) when it has none and home is set. */
static int env_of(const char *name, const struct sg_json *cfg, const char *home, struct sg_json *env)
{
	struct sg_json *list = sg_json_new_array();
	int have_path = 0, have_home = 0, rc = -1;
	struct sg_buf h = SG_BUF_INIT;

	if (!list || str_list(name, cfg, "Env", list) < 0)
		goto out;
	for (size_t i = 0; i < list->u.array.len; i++) {
		const char *e = list->u.array.items[i]->u.string.data;
		const char *eq = strchr(e, '=');
		if (!eq) {
			sg_fail("%s: config.Env[%zu]: no '=' (an entry is NAME=VALUE)", name, i);
			goto out;
		}
		if (eq == e) {
			sg_fail("%s: config.Env[%zu]: an empty name", name, i);
			goto out;
		}
		for (size_t k = 0; k < i; k++) {
			const char *o = list->u.array.items[k]->u.string.data;
			if (!strncmp(o, e, (size_t)(eq - e) + 1)) {
				sg_fail("%s: config.Env[%zu]: its name is set before, in Env[%zu]",
					name, i, k);
				goto out;
			}
		}
		if (!strncmp(e, "PATH=", 5))
			have_path = 1;
		if (!strncmp(e, "HOME=", 5))
			have_home = 1;
	}
	if (!have_path && sg_json_append(env, sg_json_new_string(SG_OCI_RT_DEFAULT_PATH)) < 0)
		goto out;
	for (size_t i = 0; i < list->u.array.len; i++)
		if (sg_json_append(env, sg_json_clone(list->u.array.items[i])) < 0)
			goto out;
	if (!have_home && home[0] &&
	    (sg_buf_printf(&h, "HOME=%s", home) < 0 || sg_buf_terminate(&h) < 0 ||
	     sg_json_append(env, sg_json_new_string((const char *)h.data)) < 0))
		goto out;
	rc = 0;
out:
	sg_buf_free(&h);
	sg_json_free(list);
	return rc;
}

/* A decimal id from 0 to 2^32 - 2 (-1 means "none" to the kernel). */
static int id_of(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 4294967294LL)
		return -1;
	*out = v;
	return 0;
}

/* One line of passwd or group split at ':' into at most max fields;
 * the count. */
static size_t fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* Calls fn(ctx, fields, count) for each line of text (a copy is split)
 * that is not empty or a comment, until fn returns non-zero. */
static int each_line(const char *text, size_t len, size_t max,
		     int (*fn)(void *ctx, char **f, size_t n), void *ctx)
{
	char *copy, *line, *next, *f[8];
	int rc = 0;

	if (!text || !len)
		return 0;
	if (!(copy = malloc(len + 1)))
		return sg_fail("out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line && !rc; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		rc = fn(ctx, f, fields(line, f, max));
	}
	free(copy);
	return rc;
}

struct pw_find {
	const char *want; /* a name, or the uid's digits */
	int64_t want_id;  /* -1: want is a name */
	int found;
	int64_t uid, gid;
	char name[MAX_KEY + 1], home[SG_PATH_MAX];
};

static int pw_match(void *ctx, char **f, size_t n)
{
	struct pw_find *p = ctx;
	int64_t uid, gid;

	if (n < 4 || id_of(f[2], strlen(f[2]), &uid) < 0 || id_of(f[3], strlen(f[3]), &gid) < 0)
		return 0; /* a line that is not an entry, skipped as libcontainer does */
	if (p->want_id >= 0 ? uid != p->want_id : strcmp(f[0], p->want) != 0)
		return 0;
	p->found = 1;
	p->uid = uid;
	p->gid = gid;
	if (strlen(f[0]) <= MAX_KEY)
		memcpy(p->name, f[0], strlen(f[0]) + 1);
	/* HOME only from an absolute path of valid UTF-8 without control
	 * characters (the file is the image's, untrusted) */
	if (n >= 6 && f[5][0] == '/' && strlen(f[5]) < sizeof(p->home) &&
	    sg_utf8_valid(f[5], strlen(f[5])) && !has_control(f[5]))
		memcpy(p->home, f[5], strlen(f[5]) + 1);
	return 1;
}

struct gr_find {
	const char *want; /* a group name, or NULL: the groups member lists */
	int64_t want_id;
	const char *member;
	int found;
	int64_t gid;
	int64_t extra[MAX_GROUPS];
	size_t nextra;
};

static int gr_match(void *ctx, char **f, size_t n)
{
	struct gr_find *g = ctx;
	int64_t gid;

	if (n < 3 || id_of(f[2], strlen(f[2]), &gid) < 0)
		return 0;
	if (g->want) {
		if (g->want_id >= 0 ? gid != g->want_id : strcmp(f[0], g->want) != 0)
			return 0;
		g->found = 1;
		g->gid = gid;
		return 1;
	}
	if (n < 4)
		return 0;
	for (char *m = f[3], *end; m; m = end) {
		end = strchr(m, ',');
		if (end)
			*end++ = '\0';
		if (strcmp(m, g->member) != 0)
			continue;
		for (size_t k = 0; k < g->nextra; k++)
			if (g->extra[k] == gid)
				return 0;
		if (g->nextra == MAX_GROUPS)
			return sg_fail("more than %d supplementary groups", MAX_GROUPS);
		g->extra[g->nextra++] = gid;
		return 0;
	}
	return 0;
}

/* User as libcontainer (runc, umoci) resolves it against the image's
 * passwd and group when they are given: "user[:group]", each a name or
 * a number; a number found in neither stands for itself. Without them,
 * numbers only. */
static int user_of(const char *name, const struct sg_json *cfg, const struct sg_oci_runtime_opts *o,
		   struct sg_json *process, char *home, size_t home_cap)
{
	const struct sg_oci_users *db = o->users;
	const char *u, *colon, *grp;
	char ubuf[MAX_KEY + 1];
	struct pw_find pw;
	struct gr_find gr;
	int64_t uid = 0, gid = 0;
	struct sg_json *user, *extra;
	size_t ulen;

	home[0] = '\0';
	memset(&gr, 0, sizeof(gr));
	if (get_str(name, "config.", cfg, "User", &u) < 0)
		return -1;
	if (!u || !*u)
		u = "0";
	colon = strchr(u, ':');
	ulen = colon ? (size_t)(colon - u) : strlen(u);
	grp = colon ? colon + 1 : NULL;
	if (ulen == 0 || ulen > MAX_KEY || (grp && (!*grp || strlen(grp) > MAX_KEY)) ||
	    strchr(grp ? grp : "", ':') || has_control(u))
		return sg_fail("%s: config.User: not user[:group] (each a name of at most %d bytes "
			       "or a number)",
			       name, MAX_KEY);
	memcpy(ubuf, u, ulen);
	ubuf[ulen] = '\0';
	if (!db) {
		if (id_of(ubuf, ulen, &uid) < 0 || (grp && id_of(grp, strlen(grp), &gid) < 0))
			return sg_fail("%s: config.User: not a numeric uid or uid:gid from 0 to "
				       "4294967294 (names are resolved only against the unpacked "
				       "image's /etc/passwd and /etc/group: give its rootfs)",
				       name);
	} else {
		memset(&pw, 0, sizeof(pw));
		pw.want = ubuf;
		if (id_of(ubuf, ulen, &pw.want_id) < 0)
			pw.want_id = -1;
		if (each_line((const char *)db->passwd.data, db->passwd.len, 7, pw_match, &pw) < 0)
			return -1;
		if (!pw.found && pw.want_id < 0)
			return sg_fail("%s: config.User: no user '%.64s' in the image's /etc/passwd",
				       name, ubuf);
		uid = pw.found ? pw.uid : pw.want_id;
		gid = pw.found ? pw.gid : 0;
		if (pw.found && pw.home[0] && strlen(pw.home) < home_cap)
			memcpy(home, pw.home, strlen(pw.home) + 1);
		gr.want = grp;
		gr.member = pw.name;
		if (grp && id_of(grp, strlen(grp), &gr.want_id) < 0)
			gr.want_id = -1;
		if ((grp || (pw.found && pw.name[0])) &&
		    each_line((const char *)db->group.data, db->group.len, 4, gr_match, &gr) < 0)
			return sg_fail_prefix(name);
		if (grp && !gr.found && gr.want_id < 0)
			return sg_fail("%s: config.User: no group '%.64s' in the image's /etc/group",
				       name, grp);
		if (grp)
			gid = gr.found ? gr.gid : gr.want_id;
	}
	user = sg_json_new_object();
	if (sg_json_set(process, "user", user) < 0 ||
	    sg_json_set(user, "uid", sg_json_new_int(uid)) < 0 ||
	    sg_json_set(user, "gid", sg_json_new_int(gid)) < 0)
		return -1;
	if (!gr.nextra)
		return 0;
	if (sg_json_set(user, "additionalGids", extra = sg_json_new_array()) < 0)
		return -1;
	for (size_t i = 0; i < gr.nextra; i++)
		if (sg_json_append(extra, sg_json_new_int(gr.extra[i])) < 0)
			return -1;
	return 0;
}

static int cwd_of(const char *name, const struct sg_json *cfg, struct sg_json *process)
{
	const char *w;

	if (get_str(name, "config.", cfg, "WorkingDir", &w) < 0)
		return -1;
	if (!w || !*w)
		w = "/";
	if (w[0] != '/')
		return sg_fail("%s: config.WorkingDir: not an absolute path", name);
	if (strlen(w) >= SG_PATH_MAX)
		return sg_fail("%s: config.WorkingDir: longer than %d bytes", name, SG_PATH_MAX - 1);
	return sg_json_set(process, "cwd", sg_json_new_string(w));
}

static int process_of(const char *name, const struct sg_json *cfg,
		      const struct sg_oci_runtime_opts *o, struct sg_json *spec)
{
	struct sg_json *p = sg_json_new_object(), *args, *env, *c, *rl, *nofile;
	char home[SG_PATH_MAX];

	if (sg_json_set(spec, "process", p) < 0 ||
	    sg_json_set(p, "terminal", sg_json_new_bool(0)) < 0 ||
	    user_of(name, cfg, o, p, home, sizeof(home)) < 0 ||
	    sg_json_set(p, "args", args = sg_json_new_array()) < 0 ||
	    args_of(name, cfg, args) < 0 || sg_json_set(p, "env", env = sg_json_new_array()) < 0 ||
	    env_of(name, cfg, home, env) < 0 || cwd_of(name, cfg, p) < 0)
		return -1;
	c = sg_json_new_object();
	if (sg_json_set(p, "capabilities", c) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		static const char *const sets[] = { "bounding", "effective", "permitted" };
		if (sg_json_set(c, sets[i], str_array(caps, sizeof(caps) / sizeof(caps[0]))) < 0)
			return -1;
	}
	if (sg_json_set(p, "rlimits", rl = sg_json_new_array()) < 0 ||
	    sg_json_append(rl, nofile = sg_json_new_object()) < 0 ||
	    sg_json_set(nofile, "type", sg_json_new_string("RLIMIT_NOFILE")) < 0 ||
	    sg_json_set(nofile, "hard", sg_json_new_int(1024)) < 0 ||
	    sg_json_set(nofile, "soft", sg_json_new_int(1024)) < 0)
		return -1;
	return sg_json_set(p, "noNewPrivileges", sg_json_new_bool(1));
}

static struct sg_json *mount_of(const char *dest, const char *type, const char *source,
				const char *const *opts, size_t nopts)
{
	struct sg_json *m = sg_json_new_object();

	if (sg_json_set(m, "destination", sg_json_new_string(dest)) < 0 ||
	    sg_json_set(m, "type", sg_json_new_string(type)) < 0 ||
	    sg_json_set(m, "source", sg_json_new_string(source)) < 0 ||
	    (nopts && opts[0] && sg_json_set(m, "options", str_array(opts, nopts)) < 0)) {
		sg_json_free(m);
		return NULL;
	}
	return m;
}

static int under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each of Volumes (an object whose keys are the paths) a tmpfs owned
 * by the process's uid and gid. */
static int volumes_of(const char *name, const struct sg_json *cfg, const struct sg_json *user,
		      struct sg_json *mounts)
{
	char uid[32], gid[32];
	const char *const vol_opts[] = { "nosuid", "nodev", "mode=755", uid, gid };
	const struct sg_json *v = sg_json_get(cfg, "Volumes");
	char *paths[MAX_VOLUMES];
	size_t n = 0;
	int rc = -1;

	if (!v || v->kind == SG_JSON_NULL)
		return 0;
	if (v->kind != SG_JSON_OBJECT)
		return sg_fail("%s: config.Volumes: not an object", name);
	if (v->u.object.len > MAX_VOLUMES)
		return sg_fail("%s: config.Volumes: more than %d", name, MAX_VOLUMES);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const struct sg_json_member *m = &v->u.object.members[i];
		char clean[SG_PATH_MAX];
		if (strlen(m->key) != m->key_len || m->key[0] != '/' || m->key_len >= SG_PATH_MAX ||
		    sg_path_clean(m->key, SG_PATH_REFUSE_DOTDOT, clean + 1, sizeof(clean) - 1,
				  "volume") < 0) {
			sg_fail("%s: config.Volumes[%zu]: not an absolute path without '..' (or "
				"'/' itself)",
				name, i);
			goto out;
		}
		clean[0] = '/';
		if (under(clean, "/proc") || under(clean, "/sys") || under(clean, "/dev")) {
			sg_fail("%s: config.Volumes: '%.200s' is under /proc, /sys or /dev", name,
				shown(clean));
			goto out;
		}
		for (size_t k = 0; k < n; k++)
			if (!strcmp(paths[k], clean)) {
				sg_fail("%s: config.Volumes: '%.200s' twice", name, shown(clean));
				goto out;
			}
		if (!(paths[n] = strdup(clean))) {
			sg_fail("out of memory");
			goto out;
		}
		n++;
	}
	qsort(paths, n, sizeof(paths[0]), cmp_str);
	snprintf(uid, sizeof(uid), "uid=%lld", (long long)sg_json_get(user, "uid")->u.integer);
	snprintf(gid, sizeof(gid), "gid=%lld", (long long)sg_json_get(user, "gid")->u.integer);
	for (size_t i = 0; i < n; i++)
		if (sg_json_append(mounts, mount_of(paths[i], "tmpfs", "tmpfs", vol_opts, 5)) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

static int mounts_of(const char *name, const struct sg_json *cfg, struct sg_json *spec)
{
	struct sg_json *mounts = sg_json_new_array();

	if (sg_json_set(spec, "mounts", mounts) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(std_mounts) / sizeof(std_mounts[0]); i++)
		if (sg_json_append(mounts, mount_of(std_mounts[i].dest, std_mounts[i].type,
						    std_mounts[i].source, std_mounts[i].opts, 6)) < 0)
			return -1;
	return volumes_of(name, cfg, sg_json_get(sg_json_get(spec, "process"), "user"), mounts);
}

/* A short printable ASCII value (an os, an architecture, a signal). */
static int word(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (*s <= 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

/* "SIGTERM", "SIGRTMIN+3", "TERM" or a number from 1 to 64. */
static int signal_valid(const char *s)
{
	int64_t n;

	if (id_of(s, strlen(s), &n) == 0)
		return n >= 1 && n <= 64;
	if (strlen(s) > 32 || !*s)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(s) && s[0] >= 'A' &&
	       s[0] <= 'Z';
}

static int annotations_of(const char *name, const struct sg_json *img, const struct sg_json *cfg,
			  struct sg_json *spec)
{
	static const char *const tops[] = { "os", "architecture", "variant", "author" };
	const struct sg_json *labels = sg_json_get(cfg, "Labels");
	struct sg_json *all = sg_json_new_object(), *ann = NULL;
	const char *s;
	char key[64];
	const char **keys = NULL;
	int rc = -1;

	if (!all)
		return -1;
	if (labels && labels->kind != SG_JSON_NULL) {
		if (labels->kind != SG_JSON_OBJECT) {
			sg_fail("%s: config.Labels: not an object", name);
			goto out;
		}
		if (labels->u.object.len > MAX_LABELS) {
			sg_fail("%s: config.Labels: more than %d", name, MAX_LABELS);
			goto out;
		}
		for (size_t i = 0; i < labels->u.object.len; i++) {
			const struct sg_json_member *m = &labels->u.object.members[i];
			if (strlen(m->key) != m->key_len || !m->key_len || m->key_len > MAX_KEY) {
				sg_fail("%s: config.Labels[%zu]: a key empty, longer than %d "
					"bytes or with a NUL",
					name, i, MAX_KEY);
				goto out;
			}
			if (m->value->kind != SG_JSON_STRING ||
			    strlen(m->value->u.string.data) != m->value->u.string.len ||
			    m->value->u.string.len > SG_OCI_RT_MAX_STR) {
				sg_fail("%s: config.Labels[%zu]: not a string, or one with a NUL "
					"or longer than %d bytes",
					name, i, SG_OCI_RT_MAX_STR);
				goto out;
			}
			if (sg_json_set(all, m->key, sg_json_clone(m->value)) < 0)
				goto out;
		}
	}
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		if (get_str(name, "", img, tops[i], &s) < 0)
			goto out;
		if (!s || !*s)
			continue;
		if (i < 3 && !word(s, 64)) {
			sg_fail("%s: %s: not a word of printable ASCII", name, tops[i]);
			goto out;
		}
		snprintf(key, sizeof(key), "org.opencontainers.image.%s", tops[i]);
		if (sg_json_set(all, key, sg_json_new_string(s)) < 0)
			goto out;
	}
	if (get_str(name, "config.", cfg, "StopSignal", &s) < 0)
		goto out;
	if (s && *s) {
		if (!signal_valid(s)) {
			sg_fail("%s: config.StopSignal: not a signal name or number", name);
			goto out;
		}
		if (sg_json_set(all, "org.opencontainers.image.stopSignal", sg_json_new_string(s)) < 0)
			goto out;
	}
	rc = 0;
	if (all->u.object.len == 0)
		goto out;
	rc = -1;
	if (!(keys = calloc(all->u.object.len, sizeof(*keys)))) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < all->u.object.len; i++)
		keys[i] = all->u.object.members[i].key;
	qsort(keys, all->u.object.len, sizeof(*keys), cmp_str);
	if (sg_json_set(spec, "annotations", ann = sg_json_new_object()) < 0)
		goto out;
	for (size_t i = 0; i < all->u.object.len; i++)
		if (sg_json_set(ann, keys[i], sg_json_clone(sg_json_get(all, keys[i]))) < 0)
			goto out;
	rc = 0;
out:
	free(keys);
	sg_json_free(all);
	return rc;
}

static int linux_of(const struct sg_oci_runtime_opts *o, struct sg_json *spec)
{
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount" };
	struct sg_json *lx = sg_json_new_object(), *res, *devs, *deny, *nss;

	if (sg_json_set(spec, "linux", lx) < 0 ||
	    sg_json_set(lx, "resources", res = sg_json_new_object()) < 0 ||
	    sg_json_set(res, "devices", devs = sg_json_new_array()) < 0 ||
	    sg_json_append(devs, deny = sg_json_new_object()) < 0 ||
	    sg_json_set(deny, "allow", sg_json_new_bool(0)) < 0 ||
	    sg_json_set(deny, "access", sg_json_new_string("rwm")) < 0 ||
	    sg_json_set(lx, "namespaces", nss = sg_json_new_array()) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		struct sg_json *e;
		if (o->host_network && !strcmp(ns[i], "network"))
			continue;
		if (sg_json_append(nss, e = sg_json_new_object()) < 0 ||
		    sg_json_set(e, "type", sg_json_new_string(ns[i])) < 0)
			return -1;
	}
	if (sg_json_set(lx, "maskedPaths", str_array(masked, sizeof(masked) / sizeof(masked[0]))) < 0 ||
	    sg_json_set(lx, "readonlyPaths",
			str_array(readonly, sizeof(readonly) / sizeof(readonly[0]))) < 0)
		return -1;
	return 0;
}

int sg_oci_hostname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-.") != n)
		return 0;
	return s[0] != '-' && s[0] != '.';
}

static int build(const char *name, const struct sg_json *img, const struct sg_oci_runtime_opts *o,
		 struct sg_json *spec)
{
	static const struct sg_json empty = { .kind = SG_JSON_OBJECT };
	const struct sg_json *cfg = sg_json_get(img, "config");
	const char *os;
	struct sg_json *root;

	if (img->kind != SG_JSON_OBJECT)
		return sg_fail("%s: not an image config (a JSON object)", name);
	if (get_str(name, "", img, "os", &os) < 0)
		return -1;
	if (os && strcmp(os, "linux") != 0)
		return sg_fail("%s: os '%.64s' is not linux", name, shown(os));
	if (!cfg || cfg->kind == SG_JSON_NULL)
		cfg = &empty;
	if (cfg->kind != SG_JSON_OBJECT)
		return sg_fail("%s: config: not an object", name);
	if (sg_json_set(spec, "ociVersion", sg_json_new_string(SG_OCI_RT_VERSION)) < 0 ||
	    process_of(name, cfg, o, spec) < 0 ||
	    sg_json_set(spec, "root", root = sg_json_new_object()) < 0 ||
	    sg_json_set(root, "path", sg_json_new_string("rootfs")) < 0 ||
	    sg_json_set(root, "readonly", sg_json_new_bool(1)) < 0 ||
	    sg_json_set(spec, "hostname",
			sg_json_new_string(o->hostname ? o->hostname : SG_OCI_RT_DEFAULT_HOSTNAME)) <
		    0 ||
	    mounts_of(name, cfg, spec) < 0 || annotations_of(name, img, cfg, spec) < 0)
		return -1;
	return linux_of(o, spec);
}

int sg_oci_runtime_config(const char *name, const char *text, size_t len,
			  const struct sg_oci_runtime_opts *opts, struct sg_json **out)
{
	static const struct sg_oci_runtime_opts none = { NULL, 0, NULL };
	struct sg_json *img = NULL, *spec;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (opts->hostname && !sg_oci_hostname_valid(opts->hostname))
		return sg_fail("hostname '%.64s': not 1 to 63 letters, digits, '-' and '.'",
			       shown(opts->hostname));
	if (len > SG_OCI_MAX_JSON)
		return sg_fail("%s: more than %u bytes", name, SG_OCI_MAX_JSON);
	if (sg_json_parse(text, len, &img) < 0) {
		sg_fail_prefix(name);
		return -1;
	}
	if (!(spec = sg_json_new_object()) || build(name, img, opts, spec) < 0) {
		sg_json_free(spec);
		sg_json_free(img);
		return -1;
	}
	sg_json_free(img);
	*out = spec;
	return 0;
}

int sg_oci_runtime_config_text(const char *name, const char *text, size_t len,
			       const struct sg_oci_runtime_opts *opts, struct sg_buf *out)
{
	struct sg_json *spec;
	int rc;

	if (sg_oci_runtime_config(name, text, len, opts, &spec) < 0)
		return -1;
	rc = sg_json_write(spec, out, 2) < 0 || sg_buf_append_byte(out, '\n') < 0 ? -1 : 0;
	sg_json_free(spec);
	return rc;
}

/* rootfs/etc/file into out; missing: empty. It is looked at before it
 * is opened, since opening a device node can act (a watchdog starts, a
 * tape rewinds): only a regular file is opened, without following a
 * link, and the file opened must be the one looked at. */
static int read_etc(const char *rootfs, int etcfd, const char *file, struct sg_buf *out)
{
	struct stat st, fst;
	ssize_t n;
	int fd, rc = -1;

	if (fstatat(etcfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sg_fail_errno("%s/etc/%s", rootfs, file);
	if (S_ISLNK(st.st_mode))
		return sg_fail("%s/etc/%s: a symbolic link (not followed out of the image)", rootfs,
			       file);
	if (!S_ISREG(st.st_mode))
		return sg_fail("%s/etc/%s: not a regular file", rootfs, file);
	fd = openat(etcfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return sg_fail_errno("%s/etc/%s", rootfs, file);
	if (fstat(fd, &fst) < 0)
		sg_fail_errno("%s/etc/%s", rootfs, file);
	else if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino || !S_ISREG(fst.st_mode))
		sg_fail("%s/etc/%s: replaced while opened", rootfs, file);
	else if ((uint64_t)fst.st_size > SG_OCI_RT_MAX_USERS)
		sg_fail("%s/etc/%s: more than %u bytes", rootfs, file, SG_OCI_RT_MAX_USERS);
	else if (sg_buf_reserve(out, (size_t)fst.st_size + 1) < 0)
		sg_fail("out of memory");
	else if ((n = sg_read_full(fd, out->data, (size_t)fst.st_size + 1)) < 0)
		sg_fail_prefix(rootfs);
	else if ((size_t)n > (size_t)fst.st_size)
		sg_fail("%s/etc/%s: grew while read", rootfs, file);
	else {
		out->len = (size_t)n;
		rc = 0;
	}
	close(fd);
	return rc;
}

int sg_oci_rootfs_users(const char *rootfs, struct sg_oci_users *u)
{
	int root, etc, rc = -1;

	memset(u, 0, sizeof(*u));
	root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sg_fail_errno("%s", rootfs);
	etc = openat(root, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(root);
	if (etc < 0 && errno == ENOENT)
		return 0;
	if (etc < 0 && (errno == ELOOP || errno == ENOTDIR))
		return sg_fail("%s/etc: not a directory (a symbolic link is not followed out of "
			       "the image)",
			       rootfs);
	if (etc < 0)
		return sg_fail_errno("%s/etc", rootfs);
	if (read_etc(rootfs, etc, "passwd", &u->passwd) == 0 &&
	    read_etc(rootfs, etc, "group", &u->group) == 0)
		rc = 0;
	close(etc);
	return rc;
}

void sg_oci_users_free(struct sg_oci_users *u)
{
	sg_buf_free(&u->passwd);
	sg_buf_free(&u->group);
}

int sg_oci_runtime_load(const char *dir, const char *tag, const char *config, const char *rootfs,
			const struct sg_oci_runtime_opts *opts, struct sg_buf *out)
{
	struct sg_oci_runtime_opts o = { NULL, 0, NULL };
	struct sg_oci_users users;
	struct sg_oci_image img;
	struct sg_buf b = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1;

	memset(&users, 0, sizeof(users));
	if (opts)
		o = *opts;
	if (rootfs) {
		if (sg_oci_rootfs_users(rootfs, &users) < 0)
			goto out;
		o.users = &users;
	}
	if (dir) {
		if (sg_oci_layout_open(dir, tag, &img) < 0 ||
		    sg_oci_blob_path(dir, &img.config, path, sizeof(path)) < 0 ||
		    sg_oci_blob_read(dir, &img.config, &b) < 0)
			goto out;
	} else {
		if (strlen(config) >= sizeof(path)) {
			sg_fail("%.200s...: path too long", config);
			goto out;
		}
		memcpy(path, config, strlen(config) + 1);
		if (sg_read_file(config, &b, SG_OCI_MAX_JSON) < 0)
			goto out;
	}
	rc = sg_oci_runtime_config_text(path, b.data ? (const char *)b.data : "", b.len, &o, out);
out:
	sg_oci_users_free(&users);
	sg_buf_free(&b);
	return rc;
}
