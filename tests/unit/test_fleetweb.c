/* test_fleetweb.c - the fleet's web hosts (fleetweb.h): the CA issued
 * into a fresh repository, every host's web jobs made (twice: the same
 * bytes), then the real peer: nginx -t on the built directory, run as
 * the configuration says (nginx -e stderr -p DIR -c DIR/nginx.conf)
 * after the host's keys are unsealed into DIR/keys/, and nothing
 * outside DIR named; a missing certificate in state/ refused. */
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetca.h"
#include "fleetca_sample.h"
#include "fleetweb.h"
#include "path.h"

#define EPOCH 1700000000

static char tmp[] = "/tmp/test_fleetweb.XXXXXX";
static char repo[600], ca_dir[600], build[600];

/* Every web job of every host made into dir; "KIND PATH" a line into
 * paths. */
static int build_all(const struct sg_fleet *f, const char *dir, struct sg_buf *paths)
{
	struct sg_fleet_ctx c = { .f = f, .repo = repo, .epoch = EPOCH };

	return make_jobs(&c, sg_fleet_web_jobs, dir, paths);
}

static const char expect_paths[] = "certificate hosts/web1/nginx/tls/ca.crt\n"
				   "sops-secret hosts/web1/nginx/secrets/ca.key.sops.yaml\n"
				   "certificate hosts/web1/nginx/tls/status.crt\n"
				   "sops-secret hosts/web1/nginx/secrets/status.key.sops.yaml\n"
				   "certificate hosts/web1/nginx/tls/www.crt\n"
				   "sops-secret hosts/web1/nginx/secrets/www.key.sops.yaml\n"
				   "ca-certificate hosts/web1/nginx/tls/ca.pem\n"
				   "crl hosts/web1/nginx/tls/crl.pem\n"
				   "nginx.conf hosts/web1/nginx/nginx.conf\n";

static void check_flow(const struct sg_fleet *f, const struct sg_age_identities *ids)
{
	struct sg_buf report = SG_BUF_INIT, paths = SG_BUF_INIT, paths2 = SG_BUF_INIT;
	char dir[700], conf[700], build2[700];
	static const char *const svcs[] = { "ca", "status", "www" };

	CHECK(sg_fleet_ca_issue(f, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0);
	CHECK(build_all(f, build, &paths) == 0);
	CHECK(sg_buf_append_byte(&paths, '\0') == 0);
	if (strcmp((const char *)paths.data, expect_paths))
		fprintf(stderr, "jobs:\n%s", (const char *)paths.data);
	CHECK_STR((const char *)paths.data, expect_paths);
	/* a second build: the same bytes */
	tfmt(build2, sizeof(build2), "%s/build2", tmp);
	CHECK(build_all(f, build2, &paths2) == 0);
	CHECK(run("diff -r '%s' '%s'", build, build2) == 0);

	tfmt(dir, sizeof(dir), "%s/hosts/web1/nginx", build);
	tfmt(conf, sizeof(conf), "%s/nginx.conf", dir);
	CHECK(run("cmp -s '%s/tls/www.crt' '%s/state/certs/www/cert.pem'", dir, repo) == 0);
	CHECK(run("cmp -s '%s/tls/crl.pem' '%s/state/ca/crl.pem'", dir, repo) == 0);
	CHECK(run("cmp -s '%s/secrets/www.key.sops.yaml' "
		  "'%s/state/secrets/web1/www.key.sops.yaml'",
		  dir, repo) == 0);
	/* what the configuration says */
	CHECK(run("grep -q 'listen 127.10.0.80:443 ssl;' '%s'", conf) == 0);
	CHECK(run("grep -q 'listen \\[::1\\]:443 ssl;' '%s'", conf) == 0);
	CHECK(run("grep -q 'ssl_verify_client on;' '%s'", conf) == 0);
	CHECK(run("grep -q 'ssl_verify_client optional;' '%s'", conf) == 0);
	CHECK(run("grep -q 'proxy_pass http://127.10.0.101:8080;' '%s'", conf) == 0);
	CHECK(run("grep -q 'root /srv/www;' '%s'", conf) == 0);
	CHECK(run("grep -q 'ssl_protocols TLSv1.2 TLSv1.3;' '%s'", conf) == 0);
	/* the only absolute path is the static root */
	CHECK(run("grep -v '^[[:space:]]*#' '%s' | grep -v 'root /srv/www;' | "
		  "grep -Eq '(path|log|pid|ssl_[a-z_]+|alias|include|root) +/'",
		  conf) != 0);
	/* the host's part: keys unsealed into DIR/keys, then nginx -t */
	tfmt(build2, sizeof(build2), "%s/keys", dir);
	CHECK(mkdir(build2, 0700) == 0);
	for (size_t i = 0; i < 3; i++) {
		struct sg_buf pem = SG_BUF_INIT;
		char in[800], out[800];
		tfmt(in, sizeof(in), "%s/secrets/%s.key.sops.yaml", dir, svcs[i]);
		tfmt(out, sizeof(out), "%s/keys/%s.key", dir, svcs[i]);
		CHECK(unseal_key(in, ids, &pem) == 0);
		CHECK(sg_write_file_atomic(out, pem.data, pem.len, 0600, 0) == 0);
		sg_buf_wipe(&pem);
	}
	if (access("/usr/sbin/nginx", X_OK) == 0 || system("command -v nginx >/dev/null") == 0) {
		char log[800];
		tfmt(log, sizeof(log), "%s/nginx-t.log", tmp);
		CHECK(run("nginx -t -e stderr -p '%s' -c '%s' >'%s' 2>&1", dir, conf, log) == 0);
		CHECK(run("grep -q 'test is successful' '%s'", log) == 0);
		CHECK(run("grep -q '/var\\|/etc/nginx' '%s'", log) != 0);
		if (check_failed)
			run("cat '%s' >&2", log);
	} else {
		fprintf(stderr, "  nginx not installed: nginx -t skipped\n");
	}
	sg_buf_free(&report);
	sg_buf_free(&paths);
	sg_buf_free(&paths2);
}

/* A certificate missing from state/ is refused; a host serving no web
 * service has no jobs. */
static void check_missing(const struct sg_fleet *f)
{
	struct sg_fleet_ctx c = { .f = f, .repo = repo, .epoch = EPOCH };
	struct sg_fleet_jobs jobs = { 0 };

	CHECK(sg_fleet_web_jobs(&c, sg_fleet_host(f, "ns1"), &jobs) == 0 && jobs.n == 0);
	CHECK(run("mv '%s/state/certs/www/cert.pem' '%s/www.pem'", repo, tmp) == 0);
	CHECK(sg_fleet_web_jobs(&c, sg_fleet_host(f, "web1"), &jobs) < 0);
	CHECK_STR(sg_errmsg(), "state/certs/www/cert.pem: missing (run signet fleet issue)");
	sg_fleet_jobs_free(&jobs);
	CHECK(run("mv '%s/www.pem' '%s/state/certs/www/cert.pem'", tmp, repo) == 0);
}

int main(void)
{
	struct sg_fleet f;
	struct sg_age_identities ids = { 0 };
	struct sg_buf idtext = SG_BUF_INIT;
	char rcpt[100];

	CHECK(mkdtemp(tmp) != NULL);
	tfmt(repo, sizeof(repo), "%s/repo", tmp);
	tfmt(ca_dir, sizeof(ca_dir), "%s/keys/ca", tmp);
	tfmt(build, sizeof(build), "%s/build", tmp);
	CHECK(mkdir(repo, 0755) == 0);
	CHECK(test_identity(rcpt, &ids, &idtext) == 0);
	/* addresses nginx -t can bind: it binds every listen address */
	if (parse_fleet(rcpt, "hosts/web1.yaml", "\"fd00::80\"", "\"::1\"", &f) < 0) {
		CHECK(0);
		sg_fleet_free(&f);
		return check_done();
	}
	check_flow(&f, &ids);
	check_missing(&f);
	sg_fleet_free(&f);
	sg_age_identities_free(&ids);
	sg_buf_wipe(&idtext);
	if (check_failed == 0)
		sg_remove_tree(tmp);
	else
		fprintf(stderr, "kept %s\n", tmp);
	return check_done();
}
