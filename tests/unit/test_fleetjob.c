/* test_fleetjob.c - jobs (fleetjob.h): a job's path under its host, the
 * limits on path and kind (inputs freed when refused), and state/ read
 * as present, absent or unreadable. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleetjob.h"

static int noop(const struct sg_json *in, struct sg_buf *out)
{
	(void)in;
	(void)out;
	return 0;
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
	sg_remove_tree(tmp);
	return check_done();
}
