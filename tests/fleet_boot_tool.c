/* fleet_boot_tool.c - drives fleetboot.h for tests/suites/fleet-boot.sh
 * until the build runs its producer (fleetbuild.c's producers[]):
 *   fleet_boot_tool build REPO INPUTS OUT   every host's boot jobs, made
 *                                           into OUT with a manifest.json
 *                                           of fleetbuild.h's shape
 *   fleet_boot_tool sign REPO BUILD KEYS OUT  sg_fleet_boot_sign */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "fleetboot.h"
#include "fleetbuild.h"
#include "hex.h"
#include "path.h"

static int mkparents(const char *path)
{
	char tmp[SG_PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return 0;
}

static int build(struct sg_fleet *f, const char *repo, const char *inputs, const char *out)
{
	struct sg_fleet_ctx c = { f, repo, 0, inputs };
	struct sg_fleet_jobs jobs = { 0 };
	struct sg_json *m = sg_json_new_object(), *arts = sg_json_new_array();
	struct sg_buf text = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1;

	for (size_t i = 0; i < f->nhosts; i++)
		if (sg_fleet_boot_jobs(&c, &f->hosts[i], &jobs) < 0)
			goto out;
	for (size_t i = 0; i < jobs.n; i++) {
		struct sg_fleet_job *j = &jobs.v[i];
		struct sg_buf b = SG_BUF_INIT;
		struct sg_json *a;
		uint8_t d[32];
		char hex[65], in[65];
		int dup = 0;

		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(jobs.v[k].path, j->path);
		if (dup)
			continue;
		if (sg_fleet_job_make(&c, j, &b) < 0 || sg_sha256(b.data, b.len, d) < 0 ||
		    sg_fleet_job_digest(j, in) < 0 ||
		    sg_path_join(path, sizeof(path), out, j->path) < 0 || mkparents(path) < 0 ||
		    sg_write_file_atomic(path, b.data, b.len, 0644, 0) < 0) {
			sg_buf_free(&b);
			goto out;
		}
		sg_hex_encode(d, 32, hex, SG_HEX_LOWER);
		a = sg_json_new_object();
		sg_json_set(a, "path", sg_json_new_string(j->path));
		sg_json_set(a, "host", sg_json_new_string(j->host));
		sg_json_set(a, "kind", sg_json_new_string(j->kind));
		sg_json_set(a, "size", sg_json_new_int((int64_t)b.len));
		sg_json_set(a, "sha256", sg_json_new_string(hex));
		sg_json_set(a, "inputs", sg_json_new_string(in));
		sg_json_append(arts, a);
		sg_buf_free(&b);
	}
	sg_json_set(m, "version", sg_json_new_string("0.1"));
	sg_json_set(m, "artifacts", arts);
	arts = NULL;
	if (sg_json_canonical(m, &text) < 0 ||
	    sg_path_join(path, sizeof(path), out, "manifest.json") < 0 ||
	    sg_write_file_atomic(path, text.data, text.len, 0644, 0) < 0)
		goto out;
	rc = 0;
out:
	sg_json_free(arts);
	sg_json_free(m);
	sg_buf_free(&text);
	sg_fleet_jobs_free(&jobs);
	return rc;
}

int main(int argc, char **argv)
{
	struct sg_fleet f;
	struct sg_buf diag = SG_BUF_INIT, report = SG_BUF_INIT;
	int rc = -1;

	if (argc != 5 && argc != 6) {
		fprintf(stderr,
			"usage: fleet_boot_tool build REPO INPUTS OUT | sign REPO BUILD KEYS OUT\n");
		return 2;
	}
	memset(&f, 0, sizeof(f));
	if (sg_fleet_load(argv[2], &f, &diag) == 0) {
		if (!strcmp(argv[1], "build") && argc == 5)
			rc = build(&f, argv[2], argv[3], argv[4]);
		else if (!strcmp(argv[1], "sign") && argc == 6)
			rc = sg_fleet_boot_sign(&f, argv[3], argv[4], argv[5], &report);
	}
	if (rc < 0)
		fprintf(stderr, "fleet_boot_tool: %s\n", sg_errmsg());
	else
		fwrite(report.data ? (const char *)report.data : "", 1, report.len, stdout);
	sg_fleet_free(&f);
	sg_buf_free(&diag);
	sg_buf_free(&report);
	return rc < 0 ? 1 : 0;
}
