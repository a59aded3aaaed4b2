/* test_ociruntime.c - the runtime configuration from an image config
 * (runtime.h): vectors of image configs and the fields they give
 * (process.args by the image spec's Entrypoint and Cmd rules, env with
 * its default PATH, cwd, user, volumes, annotations), the fixed parts
 * (namespaces with and without the host's network, capabilities, root),
 * the same bytes twice, and each refusal with its one line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "json.h"
#include "runtime.h"

/* The strings of array a joined by '|'. */
static void joined(const struct sg_json *a, char *out, size_t cap)
{
	size_t at = 0;

	out[0] = '\0';
	if (!a || a->kind != SG_JSON_ARRAY) {
		snprintf(out, cap, "(none)");
		return;
	}
	for (size_t i = 0; i < a->u.array.len && at < cap; i++) {
		const char *s = sg_json_string(a->u.array.items[i], NULL);
		at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? "|" : "", s ? s : "?");
	}
}

#define PATH SG_OCI_RT_DEFAULT_PATH

static const struct {
	const char *config;
	const char *args, *env, *cwd;
	int64_t uid, gid;
} vectors[] = {
	/* Entrypoint and Cmd: both, one, the other, empty lists, null */
	{ "{\"config\":{\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"]}}",
	  "/bin/sh|-c|echo hi", PATH, "/", 0, 0 },
	{ "{\"config\":{\"Entrypoint\":[\"/app\"]}}", "/app", PATH, "/", 0, 0 },
	{ "{\"config\":{\"Cmd\":[\"/bin/true\",\"x\"]}}", "/bin/true|x", PATH, "/", 0, 0 },
	{ "{\"config\":{\"Entrypoint\":[],\"Cmd\":[\"/c\"]}}", "/c", PATH, "/", 0, 0 },
	{ "{\"config\":{\"Entrypoint\":null,\"Cmd\":[\"/c\",\"\"]}}", "/c|", PATH, "/", 0, 0 },
	{ "{\"config\":{\"Entrypoint\":[\"/e\"],\"Cmd\":null}}", "/e", PATH, "/", 0, 0 },
	/* env: the default PATH first when none; the image's own PATH kept */
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Env\":[\"A=1\",\"B=x=y\",\"C=\"]}}", "/c",
	  PATH "|A=1|B=x=y|C=", "/", 0, 0 },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Env\":[\"A=1\",\"PATH=/x\"]}}", "/c", "A=1|PATH=/x", "/",
	  0, 0 },
	/* cwd */
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"WorkingDir\":\"/srv/app\"}}", "/c", PATH, "/srv/app", 0,
	  0 },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"WorkingDir\":\"\"}}", "/c", PATH, "/", 0, 0 },
	/* user */
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"1000\"}}", "/c", PATH, "/", 1000, 0 },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"1000:100\"}}", "/c", PATH, "/", 1000, 100 },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"4294967294:0\"}}", "/c", PATH, "/",
	  4294967294LL, 0 },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"\"}}", "/c", PATH, "/", 0, 0 },
	/* what the conversion ignores, and a whole umoci config */
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"ExposedPorts\":{\"80/tcp\":{}}},\"created\":\"x\","
	  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
	  "/c", PATH, "/", 0, 0 },
	{ "{\"created\":\"2026-12-04T21:23:31.640467571Z\",\"architecture\":\"amd64\",\"os\":"
	  "\"linux\",\"config\":{\"User\":\"1000:1000\",\"Env\":[\"FOO=bar\"],\"Entrypoint\":[\"/"
	  "bin/sh\"],\"Cmd\":[\"-c\",\"id\"],\"WorkingDir\":\"/tmp\"},\"rootfs\":{\"type\":"
	  "\"layers\",\"diff_ids\":[]}}",
	  "/bin/sh|-c|id", PATH "|FOO=bar", "/tmp", 1000, 1000 },
};

static const struct {
	const char *config, *error;
} refusals[] = {
	{ "[]", "c.json: not an image config" },
	{ "{", "c.json: line 1" },
	{ "{\"os\":\"windows\",\"config\":{\"Cmd\":[\"/c\"]}}", "c.json: os 'windows' is not linux" },
	{ "{}", "c.json: config: neither Entrypoint nor Cmd: nothing to run" },
	{ "{\"config\":{\"Entrypoint\":[],\"Cmd\":[]}}", "neither Entrypoint nor Cmd" },
	{ "{\"config\":[]}", "c.json: config: not an object" },
	{ "{\"config\":{\"Cmd\":\"/c\"}}", "c.json: config.Cmd: not a list" },
	{ "{\"config\":{\"Cmd\":[1]}}", "c.json: config.Cmd[0]: not a string" },
	{ "{\"config\":{\"Cmd\":[\"/c\\u0000x\"]}}", "c.json: config.Cmd[0]: a NUL character" },
	{ "{\"config\":{\"Entrypoint\":[\"\"],\"Cmd\":[\"x\"]}}", "is empty" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Env\":[\"NOEQUALS\"]}}", "c.json: config.Env[0]: no '='" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Env\":[\"=v\"]}}", "config.Env[0]: an empty name" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Env\":[\"A=1\",\"A=2\"]}}",
	  "config.Env[1]: its name is set before, in Env[0]" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Env\":[\"A=\\u0000\"]}}",
	  "config.Env[0]: a NUL character" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"nobody\"}}", "config.User: not a numeric uid" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"1000:staff\"}}", "config.User: not a numeric" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"4294967295\"}}", "config.User: not a numeric" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"-1\"}}", "config.User: not a numeric" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"1:\"}}", "config.User: not user[:group]" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\":1\"}}", "config.User: not user[:group]" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"1:2:3\"}}", "config.User: not user[:group]" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"a\\nb\"}}", "config.User: not user[:group]" },
	{ "{\"os\":\"li\\nux\",\"config\":{\"Cmd\":[\"/c\"]}}", "os '(with control characters)'" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"/a\\n\":{},\"/a\\n/\":{}}}}",
	  "'(with control characters)' twice" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"User\":5}}", "config.User: not a string" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"WorkingDir\":\"app\"}}",
	  "config.WorkingDir: not an absolute path" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"/proc/x\":{}}}}", "under /proc, /sys" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"/dev\":{}}}}", "under /proc, /sys" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"/\":{}}}}", "config.Volumes[0]: not an" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"data\":{}}}}", "config.Volumes[0]: not an" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"/a/../b\":{}}}}", "config.Volumes[0]" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":{\"/a\":{},\"/a/\":{}}}}", "'/a' twice" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Volumes\":[\"/a\"]}}", "config.Volumes: not an object" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Labels\":{\"a\":1}}}", "config.Labels[0]: not a string" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"Labels\":{\"\":\"x\"}}}", "config.Labels[0]: a key" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"StopSignal\":\"SIG TERM\"}}",
	  "config.StopSignal: not a signal" },
	{ "{\"config\":{\"Cmd\":[\"/c\"],\"StopSignal\":\"99\"}}", "config.StopSignal: not a" },
	{ "{\"architecture\":\"amd 64\",\"config\":{\"Cmd\":[\"/c\"]}}",
	  "c.json: architecture: not a word" },
};

static struct sg_json *convert(const char *text, const struct sg_oci_runtime_opts *o)
{
	struct sg_json *spec = NULL;

	if (sg_oci_runtime_config("c.json", text, strlen(text), o, &spec) < 0) {
		fprintf(stderr, "  %s: %s\n", text, sg_errmsg());
		return NULL;
	}
	return spec;
}

static void check_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct sg_json *spec = convert(vectors[i].config, NULL);
		const struct sg_json *p = sg_json_get(spec, "process"),
				     *user = sg_json_get(p, "user");
		const struct sg_json *uid = sg_json_get(user, "uid"), *gid = sg_json_get(user, "gid");
		const char *cwd = sg_json_string(sg_json_get(p, "cwd"), NULL);
		char got[1024];

		CHECK(spec != NULL);
		if (!spec)
			continue;
		joined(sg_json_get(p, "args"), got, sizeof(got));
		CHECK_STR(got, vectors[i].args);
		joined(sg_json_get(p, "env"), got, sizeof(got));
		CHECK_STR(got, vectors[i].env);
		CHECK(cwd && !strcmp(cwd, vectors[i].cwd));
		CHECK(uid && uid->kind == SG_JSON_INT && uid->u.integer == vectors[i].uid);
		CHECK(gid && gid->kind == SG_JSON_INT && gid->u.integer == vectors[i].gid);
		sg_json_free(spec);
	}
}

static void check_refusals(void)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct sg_json *spec = NULL;
		const char *t = refusals[i].config;
		int rc = sg_oci_runtime_config("c.json", t, strlen(t), NULL, &spec);

		CHECK(rc == -1 && spec == NULL);
		CHECK(strstr(sg_errmsg(), refusals[i].error) != NULL);
		CHECK(strchr(sg_errmsg(), '\n') == NULL);
		if (rc == 0 || !strstr(sg_errmsg(), refusals[i].error))
			fprintf(stderr, "  %s: got '%s'\n", t, rc ? sg_errmsg() : "success");
		sg_json_free(spec);
	}
}

/* The namespaces' types joined, with and without the host's network. */
static void check_fixed(void)
{
	static const struct sg_oci_runtime_opts host = { "web-1", 1, NULL };
	const char *t = "{\"config\":{\"Cmd\":[\"/c\"]}}";
	struct sg_json *a = convert(t, NULL), *b = convert(t, &host);
	const struct sg_json *ns, *root = sg_json_get(a, "root"),
				  *caps = sg_json_get(sg_json_get(a, "process"), "capabilities");
	char got[512];
	size_t at = 0;
	const char *s;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	ns = sg_json_get(sg_json_get(a, "linux"), "namespaces");
	for (size_t i = 0; ns && i < ns->u.array.len; i++)
		at += (size_t)snprintf(got + at, sizeof(got) - at, "%s ",
				       sg_json_string(sg_json_get(ns->u.array.items[i], "type"),
						      NULL));
	CHECK_STR(got, "pid network ipc uts mount ");
	at = 0;
	got[0] = '\0';
	ns = sg_json_get(sg_json_get(b, "linux"), "namespaces");
	for (size_t i = 0; ns && i < ns->u.array.len; i++)
		at += (size_t)snprintf(got + at, sizeof(got) - at, "%s ",
				       sg_json_string(sg_json_get(ns->u.array.items[i], "type"),
						      NULL));
	CHECK_STR(got, "pid ipc uts mount ");
	CHECK((s = sg_json_string(sg_json_get(a, "hostname"), NULL)) &&
	      !strcmp(s, SG_OCI_RT_DEFAULT_HOSTNAME));
	CHECK((s = sg_json_string(sg_json_get(b, "hostname"), NULL)) && !strcmp(s, "web-1"));
	CHECK((s = sg_json_string(sg_json_get(a, "ociVersion"), NULL)) && !strcmp(s, "1.0.2"));
	CHECK((s = sg_json_string(sg_json_get(root, "path"), NULL)) && !strcmp(s, "rootfs"));
	CHECK(sg_json_get(root, "readonly") && sg_json_get(root, "readonly")->u.boolean == 1);
	joined(sg_json_get(caps, "bounding"), got, sizeof(got));
	CHECK_STR(got, "CAP_AUDIT_WRITE|CAP_KILL|CAP_NET_BIND_SERVICE");
	CHECK(sg_json_get(caps, "inheritable") == NULL && sg_json_get(caps, "ambient") == NULL);
	CHECK(sg_json_get(sg_json_get(a, "process"), "noNewPrivileges")->u.boolean == 1);
	CHECK(sg_json_get(sg_json_get(a, "process"), "terminal")->u.boolean == 0);
	CHECK(sg_json_get(a, "annotations") == NULL);
out:
	sg_json_free(a);
	sg_json_free(b);
}

/* Volumes sorted as tmpfs mounts after the six standard ones; labels
 * and the image's own annotations, keys sorted, the image's winning. */
static void check_volumes_annotations(void)
{
	const char *t =
		"{\"os\":\"linux\",\"architecture\":\"arm64\",\"author\":\"Ann <a@b>\","
		"\"config\":{\"Cmd\":[\"/c\"],\"User\":\"7:8\",\"Volumes\":{\"/var/lib/x\":{},\"/data/\":{},"
		"\"/var\":{}},\"Labels\":{\"z\":\"last\",\"org.opencontainers.image.os\":"
		"\"beos\",\"a.b\":\"first\"},\"StopSignal\":\"SIGINT\"}}";
	struct sg_json *spec = convert(t, NULL);
	const struct sg_json *mounts = sg_json_get(spec, "mounts"),
			     *ann = sg_json_get(spec, "annotations");
	char got[1024];
	size_t at = 0;

	CHECK(spec && mounts && mounts->u.array.len == 9);
	if (!spec || !mounts || mounts->u.array.len != 9)
		goto out;
	for (size_t i = 0; i < mounts->u.array.len; i++) {
		const struct sg_json *m = mounts->u.array.items[i];
		at += (size_t)snprintf(got + at, sizeof(got) - at, "%s%s:%s", i ? " " : "",
				       sg_json_string(sg_json_get(m, "destination"), NULL),
				       sg_json_string(sg_json_get(m, "type"), NULL));
	}
	CHECK_STR(got, "/proc:proc /dev:tmpfs /dev/pts:devpts /dev/shm:tmpfs /dev/mqueue:mqueue "
		       "/sys:sysfs /data:tmpfs /var:tmpfs /var/lib/x:tmpfs");
	joined(sg_json_get(mounts->u.array.items[6], "options"), got, sizeof(got));
	CHECK_STR(got, "nosuid|nodev|mode=755|uid=7|gid=8");
	CHECK(ann && ann->u.object.len == 6);
	at = 0;
	got[0] = '\0';
	for (size_t i = 0; ann && i < ann->u.object.len; i++)
		at += (size_t)snprintf(got + at, sizeof(got) - at, "%s=%s;",
				       ann->u.object.members[i].key,
				       sg_json_string(ann->u.object.members[i].value, NULL));
	CHECK_STR(got, "a.b=first;org.opencontainers.image.architecture=arm64;"
		       "org.opencontainers.image.author=Ann <a@b>;"
		       "org.opencontainers.image.os=linux;"
		       "org.opencontainers.image.stopSignal=SIGINT;z=last;");
out:
	sg_json_free(spec);
}

/* The same image config gives the same bytes; options that differ do
 * not. */
static void check_deterministic(void)
{
	const char *t = "{\"config\":{\"Cmd\":[\"/c\"],\"Labels\":{\"b\":\"1\",\"a\":\"2\"},"
			"\"Volumes\":{\"/y\":{},\"/x\":{}}}}";
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT;
	struct sg_oci_runtime_opts bad = { "-bad", 0, NULL };

	CHECK(sg_oci_runtime_config_text("c.json", t, strlen(t), NULL, &a) == 0);
	CHECK(sg_oci_runtime_config_text("c.json", t, strlen(t), NULL, &b) == 0);
	CHECK(a.len == b.len && a.len > 0 && !memcmp(a.data, b.data, a.len));
	CHECK(a.len > 0 && a.data[a.len - 1] == '\n');
	sg_buf_free(&b);
	CHECK(sg_oci_runtime_config_text("c.json", t, strlen(t), &bad, &b) == -1);
	CHECK(strstr(sg_errmsg(), "hostname '-bad'") != NULL);
	CHECK(sg_oci_hostname_valid("web-1.example") && !sg_oci_hostname_valid("") &&
	      !sg_oci_hostname_valid("a b") && !sg_oci_hostname_valid(".x"));
	sg_buf_free(&a);
	sg_buf_free(&b);
}

/* Lists at their bounds, and one past them. */
static void check_limits(void)
{
	struct sg_buf t = SG_BUF_INIT;
	struct sg_json *spec = NULL;
	char *big = malloc(SG_OCI_RT_MAX_STR + 2);

	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'a', SG_OCI_RT_MAX_STR + 1);
	big[SG_OCI_RT_MAX_STR + 1] = '\0';
	sg_buf_printf(&t, "{\"config\":{\"Cmd\":[\"/c\",\"%s\"]}}", big);
	CHECK(sg_oci_runtime_config("c.json", (char *)t.data, t.len, NULL, &spec) == -1);
	CHECK(strstr(sg_errmsg(), "config.Cmd[1]: longer than") != NULL);
	t.len = 0;
	sg_buf_append_str(&t, "{\"config\":{\"Cmd\":[\"/c\"");
	for (int i = 1; i < SG_OCI_RT_MAX_LIST; i++)
		sg_buf_append_str(&t, ",\"x\"");
	sg_buf_append_str(&t, "]}}");
	CHECK(sg_oci_runtime_config("c.json", (char *)t.data, t.len, NULL, &spec) == 0);
	sg_json_free(spec);
	spec = NULL;
	t.len -= 3;
	sg_buf_append_str(&t, ",\"x\"]}}");
	CHECK(sg_oci_runtime_config("c.json", (char *)t.data, t.len, NULL, &spec) == -1);
	CHECK(strstr(sg_errmsg(), "more than 1024 entries") != NULL);
	free(big);
	sg_buf_free(&t);
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# a comment\n"
			     "\n"
			     "broken line\n"
			     "bad:x:uid:1::/home/bad:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
			     "app:x:1000:1001::/home/app:/bin/sh\n"
			     "rel:x:1002:1002::home:/bin/sh";
static const char group[] = "root:x:0:\n"
			    "app:x:1001:\n"
			    "staff:x:50:app,other\n"
			    "wheel:x:10:app\n"
			    "audio:x:29:other\n"
			    "staff2:x:50:app\n";

/* User resolved against an image's passwd and group: uid, gid,
 * additionalGids and the env's last entry. */
static const struct {
	const char *user, *env;
	int64_t uid, gid;
	const char *extra, *last_env;
} users[] = {
	{ "app", NULL, 1000, 1001, "50 10 ", "HOME=/home/app" },
	{ "1000", NULL, 1000, 1001, "50 10 ", "HOME=/home/app" },
	{ "app:staff", NULL, 1000, 50, "", "HOME=/home/app" },
	{ "app:77", NULL, 1000, 77, "", "HOME=/home/app" },
	{ "app:0", NULL, 1000, 0, "", "HOME=/home/app" },
	{ "2000", NULL, 2000, 0, "", SG_OCI_RT_DEFAULT_PATH },
	{ "2000:app", NULL, 2000, 1001, "", SG_OCI_RT_DEFAULT_PATH },
	{ "", NULL, 0, 0, "", "HOME=/root" },
	{ "nobody", NULL, 65534, 65534, "", "HOME=/nonexistent" },
	{ "rel", NULL, 1002, 1002, "", SG_OCI_RT_DEFAULT_PATH }, /* a relative home is no HOME */
	{ "app", "\"HOME=/x\"", 1000, 1001, "50 10 ", "HOME=/x" },
};

static void check_users(void)
{
	struct sg_oci_users db;
	struct sg_oci_runtime_opts o = { NULL, 0, &db };
	char text[512], got[256];
	struct sg_json *spec = NULL;

	memset(&db, 0, sizeof(db));
	sg_buf_append_str(&db.passwd, passwd);
	sg_buf_append_str(&db.group, group);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		const struct sg_json *u, *env, *extra;
		size_t at = 0;

		snprintf(text, sizeof(text),
			 "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"%s\",\"Env\":[%s]}}",
			 users[i].user, users[i].env ? users[i].env : "");
		spec = convert(text, &o);
		CHECK(spec != NULL);
		if (!spec)
			continue;
		u = sg_json_get(sg_json_get(spec, "process"), "user");
		env = sg_json_get(sg_json_get(spec, "process"), "env");
		CHECK(sg_json_get(u, "uid")->u.integer == users[i].uid);
		CHECK(sg_json_get(u, "gid")->u.integer == users[i].gid);
		got[0] = '\0';
		extra = sg_json_get(u, "additionalGids");
		for (size_t k = 0; extra && k < extra->u.array.len; k++)
			at += (size_t)snprintf(got + at, sizeof(got) - at, "%lld ",
					       (long long)extra->u.array.items[k]->u.integer);
		CHECK_STR(got, users[i].extra);
		CHECK(env && env->u.array.len > 0 &&
		      !strcmp(sg_json_string(env->u.array.items[env->u.array.len - 1], NULL),
			      users[i].last_env));
		if (sg_json_get(u, "uid")->u.integer != users[i].uid)
			fprintf(stderr, "  user '%s'\n", users[i].user);
		sg_json_free(spec);
	}
	for (int i = 0; i < 2; i++) {
		const char *t = i ? "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"app:ghosts\"}}"
				  : "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"ghost\"}}";
		CHECK(sg_oci_runtime_config("c.json", t, strlen(t), &o, &spec) == -1);
		CHECK(strstr(sg_errmsg(), i ? "c.json: config.User: no group 'ghosts' in the "
					      "image's /etc/group"
					    : "c.json: config.User: no user 'ghost' in the image's "
					      "/etc/passwd") != NULL);
	}
	/* no passwd at all: numbers stand for themselves, names are unknown */
	sg_oci_users_free(&db);
	CHECK((spec = convert("{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"5\"}}", &o)) != NULL);
	sg_json_free(spec);
	text[0] = '\0';
	snprintf(text, sizeof(text), "{\"config\":{\"Cmd\":[\"/c\"],\"User\":\"x\"}}");
	CHECK(sg_oci_runtime_config("c.json", text, strlen(text), &o, &spec) == -1);
	CHECK(strstr(sg_errmsg(), "no user 'x'") != NULL);
}

/* The files are read from the unpacked rootfs without following links. */
static void check_rootfs_users(void)
{
	char tmp[] = "/tmp/test_ociruntime.XXXXXX", path[256], cmd[512];
	struct sg_oci_users db;

	CHECK(mkdtemp(tmp) != NULL);
	/* no etc: empty */
	CHECK(sg_oci_rootfs_users(tmp, &db) == 0 && db.passwd.len == 0 && db.group.len == 0);
	sg_oci_users_free(&db);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir etc && printf 'app:x:7:8::/:/bin/sh\\n' >etc/passwd && "
		 "echo 'g:x:8:' >etc/group",
		 tmp);
	CHECK(system(cmd) == 0);
	CHECK(sg_oci_rootfs_users(tmp, &db) == 0 && db.passwd.len == 21 && db.group.len == 7);
	sg_oci_users_free(&db);
	/* etc/passwd a link to a file outside: refused, not read */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && echo 'x:x:0:0::/:' >outside && rm etc/passwd && "
		 "ln -s ../../../../../../%s/outside etc/passwd",
		 tmp, tmp);
	CHECK(system(cmd) == 0);
	CHECK(sg_oci_rootfs_users(tmp, &db) == -1);
	CHECK(strstr(sg_errmsg(), "/etc/passwd: a symbolic link (not followed") != NULL);
	sg_oci_users_free(&db);
	/* a FIFO: refused without blocking */
	snprintf(cmd, sizeof(cmd), "cd %s && rm etc/passwd && mkfifo etc/passwd", tmp);
	CHECK(system(cmd) == 0);
	CHECK(sg_oci_rootfs_users(tmp, &db) == -1);
	CHECK(strstr(sg_errmsg(), "/etc/passwd: not a regular file") != NULL);
	sg_oci_users_free(&db);
	/* a device node (what umoci unpacks as root): refused without
	 * opening it (/dev/null's numbers; opening another could act) */
	snprintf(cmd, sizeof(cmd), "cd %s && rm etc/passwd && mknod etc/passwd c 1 3", tmp);
	if (system(cmd) == 0) {
		CHECK(sg_oci_rootfs_users(tmp, &db) == -1);
		CHECK(strstr(sg_errmsg(), "/etc/passwd: not a regular file") != NULL);
		sg_oci_users_free(&db);
	}
	/* etc itself a link */
	snprintf(cmd, sizeof(cmd), "cd %s && mv etc etc2 && mkdir real && ln -s real etc", tmp);
	CHECK(system(cmd) == 0);
	CHECK(sg_oci_rootfs_users(tmp, &db) == -1);
	CHECK(strstr(sg_errmsg(), "/etc: not a directory") != NULL);
	sg_oci_users_free(&db);
	snprintf(path, sizeof(path), "%s/none", tmp);
	CHECK(sg_oci_rootfs_users(path, &db) == -1);
	sg_oci_users_free(&db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	check_users();
	check_rootfs_users();
	check_vectors();
	check_refusals();
	check_fixed();
	check_volumes_annotations();
	check_deterministic();
	check_limits();
	return check_done();
}
