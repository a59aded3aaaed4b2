/* test_fleetjob.c - jobs (fleetjob.h): a job's path under its host or
 * shared/, the limits on path and kind (inputs freed when refused),
 * state/ read as present, absent or unreadable, and pinned inputs read
 * only with the digest the lock gives them. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleet_sample.h"
#include "fleetjob.h"

static int copy_pinned(const struct sg_json *in, const char *dir, struct sg_buf *out)
{
	return sg_fleet_pinned_read(dir, in, out, 100);
}

static int noop(const struct sg_json *in, struct sg_buf *out)
{
	(void)in;
	(void)out;
	return 0;
}

/* A pinned input named by the sample lock, read back through the job's
 * make function; refused when absent, when the file changed, and when
 * the job names another digest. */
static void check_pinned(const char *tmp)
{
	struct sg_fleet f = { 0 };
	struct sg_buf diag = SG_BUF_INIT, b = SG_BUF_INIT;
	struct sg_fleet_jobs jobs = { 0 };
	struct sg_fleet_host h = { .name = (char *)"app1" };
	struct sg_json *v;
	char dir[600], p[700];

	CHECK(parse_edited(NULL, NULL, NULL, &f, &diag) == 0);
	CHECK(sg_fleet_pinned_json(&f, "stub") == NULL);
	v = sg_fleet_pinned_json(&f, "kernel");
	CHECK(v && strcmp(sg_json_string(sg_json_get(v, "sha256"), NULL), KERNEL_SUM) == 0);
	snprintf(dir, sizeof(dir), "%s/inputs", tmp);
	CHECK(sg_fleet_pinned_read(NULL, v, &b, 100) == -1);
	CHECK(sg_fleet_pinned_read(dir, v, &b, 100) == -1); /* missing */
	CHECK(mkdir(dir, 0755) == 0);
	snprintf(p, sizeof(p), "%s/kernel", dir);
	CHECK(sg_write_file_atomic(p, "kernel\n", 7, 0644, 0) == 0);
	b.len = 0;
	CHECK(sg_fleet_pinned_read(dir, v, &b, 100) == 0 && b.len == 7);
	b.len = 0;
	CHECK(sg_fleet_pinned_read(dir, v, &b, 3) == -1); /* larger than max */
	CHECK(sg_write_file_atomic(p, "kernel!", 7, 0644, 0) == 0);
	b.len = 0;
	CHECK(sg_fleet_pinned_read(dir, v, &b, 100) == -1 && strstr(sg_errmsg(), "the job names"));
	CHECK(sg_write_file_atomic(p, "kernel\n", 7, 0644, 0) == 0);
	sg_json_set(v, "sha256", sg_json_new_string(ROOTFS_SUM));
	b.len = 0;
	CHECK(sg_fleet_pinned_read(dir, v, &b, 100) == -1);
	sg_json_set(v, "name", sg_json_new_string("../kernel"));
	CHECK(sg_fleet_pinned_read(dir, v, &b, 100) == -1);
	sg_json_free(v);

	/* through a job: make_pinned gets the context's inputs directory */
	CHECK(sg_fleet_jobs_add_pinned(&jobs, &h, "uki", "boot/uki.efi",
				       sg_fleet_pinned_json(&f, "kernel"), copy_pinned) == 0);
	CHECK(sg_fleet_jobs_add_shared(&jobs, "sidecar", "sidecar.sqfs", sg_json_new_object(), noop,
				       NULL) == 0);
	CHECK(strcmp(jobs.v[1].path, "shared/sidecar.sqfs") == 0 && jobs.v[1].host[0] == '\0');
	{
		struct sg_fleet_ctx c = { .f = &f, .repo = tmp, .inputs = dir };
		b.len = 0;
		CHECK(sg_fleet_job_make(&c, &jobs.v[0], &b) == 0 && b.len == 7 &&
		      memcmp(b.data, "kernel\n", 7) == 0);
		c.inputs = NULL;
		CHECK(sg_fleet_job_make(&c, &jobs.v[0], &b) == -1);
	}
	sg_fleet_jobs_free(&jobs);
	sg_buf_free(&b);
	sg_buf_free(&diag);
	sg_fleet_free(&f);
}

int main(void)
{
	char tmp[] = "/tmp/test_fleetjob.XXXXXX", p[600], longrel[300];
	struct sg_fleet_host h = { .name = (char *)"web1" };
	struct sg_fleet_jobs jobs = { 0 };
	struct sg_fleet_ctx c = { .repo = tmp };
	struct sg_buf b = SG_BUF_INIT;

	CHECK(sg_fleet_jobs_add(&jobs, &h, "nginx.conf", "nginx/nginx.conf", sg_json_new_object(),
				noop) == 0);
	CHECK(jobs.n == 1 && strcmp(jobs.v[0].path, "hosts/web1/nginx/nginx.conf") == 0);
	CHECK(strcmp(jobs.v[0].host, "web1") == 0 && strcmp(jobs.v[0].kind, "nginx.conf") == 0);
	memset(longrel, 'a', sizeof(longrel) - 1);
	longrel[sizeof(longrel) - 1] = '\0';
	CHECK(sg_fleet_jobs_add(&jobs, &h, "k", longrel, sg_json_new_object(), noop) == -1 &&
	      jobs.n == 1);
	CHECK(sg_fleet_jobs_add(&jobs, &h, "a-kind-name-longer-than-32-bytes", "x",
				sg_json_new_object(), noop) == -1);
	CHECK(sg_fleet_jobs_add(&jobs, &h, "k", "x", NULL, noop) == -1 && jobs.n == 1);
	sg_fleet_jobs_free(&jobs);
	CHECK(jobs.n == 0 && jobs.v == NULL);

	CHECK(mkdtemp(tmp) != NULL);
	snprintf(p, sizeof(p), "%s/state", tmp);
	CHECK(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/state/ca.pem", tmp);
	CHECK(sg_write_file_atomic(p, "PEM", 3, 0644, 0) == 0);
	CHECK(sg_fleet_state_read(&c, "ca.pem", &b) == 1 && b.len == 3);
	sg_buf_free(&b);
	CHECK(sg_fleet_state_read(&c, "certs/www/cert.pem", &b) == 0 && b.len == 0);
	snprintf(p, sizeof(p), "%s/state/dir", tmp);
	CHECK(mkdir(p, 0755) == 0);
	CHECK(sg_fleet_state_read(&c, "dir", &b) == -1);
	sg_buf_free(&b);
	check_pinned(tmp);
	sg_remove_tree(tmp);
	return check_done();
}
