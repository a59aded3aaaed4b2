/* test_fleetbuild.c - the fleet build (fleetbuild.h): the job digest
 * against vectors computed outside signet (Python's hashlib over the
 * bytes fleetbuild.h names), the plan against a base of each kind, a
 * build into a scratch directory made again with nothing to do, a
 * crashed build's leftover removed, and the manifest's shape checks. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleet_sample.h"
#include "fleetbuild.h"

static void check_digest(void)
{
	static const struct {
		const char *kind, *inputs, *hex;
	} v[] = {
		{ "host-document", "{\"b\": \"x\", \"a\": 1}",
		  "b2b51a06ef81867e5f48fd2396eef94c0841e54c9e3b0e2f535a6360c534e2ff" },
		{ "zone", "[ ]", "f2c49b5ad7f81c0c4ba09c9b8b73b1d82ffbd12c6b6ed62e95fec74c99f6a3dd" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sg_fleet_job j = { .make = NULL };
		char hex[65];
		snprintf(j.kind, sizeof(j.kind), "%s", v[i].kind);
		CHECK(sg_json_parse(v[i].inputs, strlen(v[i].inputs), &j.inputs) == 0);
		CHECK(sg_fleet_job_digest(&j, hex) == 0);
		CHECK_STR(hex, v[i].hex);
		sg_json_free(j.inputs);
	}
}

/* The change the plan gives path, or "" when it lists no such path. */
static const char *change_of(const struct sg_json *plan, const char *path)
{
	for (size_t i = 0; i < plan->u.array.len; i++)
		if (strcmp(sg_json_get(plan->u.array.items[i], "path")->u.string.data, path) == 0)
			return sg_json_get(plan->u.array.items[i], "change")->u.string.data;
	return "";
}

/* The sample's repository: only what its producers read from state/
 * (the DNS anchor its resolver gets). */
static char repo[600];

/* host.json for each of the 4 hosts; for web1 nginx.conf, its
 * certificate, sealed key, the CA and the CRL; for dns1 nsd.conf, 2 zones,
 * unbound.conf and root.ds */
#define NJOBS 14

static int plan_of(const char *doc, const char *from, const char *to, const struct sg_json *base,
		   struct sg_json **plan)
{
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;
	struct sg_fleet_ctx c = { .f = &f, .repo = repo, .epoch = 1796000000 };
	int rc = parse_edited(doc, from, to, &f, &diag);

	if (rc == 0)
		rc = sg_fleet_plan(&c, base, plan);
	sg_fleet_free(&f);
	sg_buf_free(&diag);
	return rc;
}

static void check_plan(const char *out)
{
	struct sg_json *m = NULL, *plan = NULL;

	/* against nothing: everything added, sorted by path */
	CHECK(plan_of(NULL, NULL, NULL, NULL, &plan) == 0 && plan->u.array.len == NJOBS);
	CHECK_STR(change_of(plan, "hosts/app1/host.json"), "added");
	CHECK(strcmp(sg_json_get(plan->u.array.items[0], "path")->u.string.data,
		     sg_json_get(plan->u.array.items[1], "path")->u.string.data) < 0);
	sg_json_free(plan);
	/* against the build: one host's edit changes that host only */
	CHECK(sg_fleet_manifest_read(out, &m) == 0);
	CHECK(plan_of("hosts/app1.yaml", "pcrs: [7]", "pcrs: [7, 0]", m, &plan) == 0);
	CHECK_STR(change_of(plan, "hosts/app1/host.json"), "changed");
	CHECK_STR(change_of(plan, "hosts/web1/host.json"), "unchanged");
	sg_json_free(plan);
	/* a host gone: its artifacts removed; a new one: added */
	CHECK(plan_of("hosts/app9.yaml", NULL,
		      "version: \"0.1\"\nhost: app9\nroles: [app]\naddresses: [127.10.0.39]\n"
		      "ssh_host_key: " SSH "\n",
		      m, &plan) == 0);
	CHECK_STR(change_of(plan, "hosts/app9/host.json"), "added");
	sg_json_free(plan);
	sg_json_free(m);
}

static char inputs[600];

static int build_sample(const char *out, struct sg_fleet_built *built)
{
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;
	struct sg_fleet_source src = { .commit = "c0ffee", .dirty = 0, .epoch = 1796000000 };
	struct sg_fleet_ctx c = { .f = &f, .repo = repo, .epoch = 1796000000, .inputs = inputs };
	struct sg_json *m = NULL;
	int rc = parse_edited(NULL, NULL, NULL, &f, &diag);

	if (rc == 0)
		rc = sg_fleet_build(&c, &src, out, &m, built, &diag);
	sg_json_free(m);
	sg_fleet_free(&f);
	sg_buf_free(&diag);
	return rc;
}

static void check_build(const char *tmp)
{
	char out[512], path[700], fresh[600];
	struct sg_fleet_built built;
	struct sg_buf text = SG_BUF_INIT;
	struct stat st;

	snprintf(out, sizeof(out), "%s/a/b/out", tmp);
	/* the inputs the sample's lock pins */
	snprintf(inputs, sizeof(inputs), "%s/inputs", tmp);
	snprintf(path, sizeof(path), "%s/rootfs", inputs);
	CHECK(mkdir(inputs, 0755) == 0 && mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/kernel", inputs);
	CHECK(sg_write_file_atomic(path, "kernel\n", 7, 0644, 0) == 0);
	snprintf(path, sizeof(path), "%s/rootfs/debian", inputs);
	CHECK(sg_write_file_atomic(path, "rootfs\n", 7, 0644, 0) == 0);
	CHECK(build_sample(out, &built) == 0 && built.made == NJOBS && built.reused == 0);
	snprintf(path, sizeof(path), "%s/hosts/auth/host.json", out);
	CHECK(sg_read_file(path, &text, 4096) == 0);
	CHECK(text.len == 31 && memcmp(text.data, "{\"host\":\"auth\",\"version\":\"0.1\"}", 31) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	/* again: nothing to make */
	CHECK(build_sample(out, &built) == 0 && built.made == 0 && built.reused == NJOBS);
	/* a file changed behind the build's back is made again */
	CHECK(sg_write_file_atomic(path, "x", 1, 0644, 0) == 0);
	CHECK(build_sample(out, &built) == 0 && built.made == 1 && built.reused == NJOBS - 1);
	/* a crashed build's directory is removed by the next one */
	snprintf(fresh, sizeof(fresh), "%s/a/b/.out.signet-new", tmp);
	CHECK(mkdir(fresh, 0755) == 0);
	CHECK(build_sample(out, &built) == 0 && access(fresh, F_OK) < 0);
	check_plan(out);
	sg_buf_free(&text);
}

static void check_manifest_shape(const char *tmp)
{
	static const char *const bad[] = {
		"{}",
		"{\"version\": \"0.2\", \"artifacts\": []}",
		"{\"version\": \"0.1\", \"artifacts\": [{\"path\": \"a\"}]}",
		("{\"version\": \"0.1\", \"artifacts\": [{\"path\": 1, \"kind\": \"k\", "
		 "\"sha256\": \"s\", \"inputs\": \"i\"}]}"),
		"[1]",
	};
	char dir[512], path[600];
	struct sg_json *m = NULL;

	snprintf(dir, sizeof(dir), "%s/m", tmp);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	CHECK(mkdir(dir, 0755) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(sg_write_file_atomic(path, bad[i], strlen(bad[i]), 0644, 0) == 0);
		CHECK(sg_fleet_manifest_read(dir, &m) == -1 && m == NULL);
	}
}

int main(void)
{
	char tmp[] = "/tmp/test_fleetbuild.XXXXXX";

	CHECK(mkdtemp(tmp) != NULL);
	CHECK(sample_repo(tmp, repo, sizeof(repo)) == 0);
	check_digest();
	check_build(tmp);
	check_manifest_shape(tmp);
	sg_remove_tree(tmp);
	return check_done();
}
