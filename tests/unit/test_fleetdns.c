/* test_fleetdns.c - the fleet's DNS (fleetdns.h): an example-like fleet
 * in memory, issue into a fresh repository and DNS directory, the jobs
 * of every host made into a build tree, the zones signed; then the real
 * peers on what was made: nsd-checkconf, nsd-checkzone, unbound-checkconf,
 * ldns-verify-zone (chained to the resolvers' anchor) and ldns-key2ds.
 * Then the jobs' properties: make deterministic, inputs that follow
 * exactly what the records come from (an app host's console does not
 * reach them, its address does), a resolver without the anchor refused. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "fleetca_sample.h"
#include "fleetdns.h"
#include "json.h"
#include "path.h"

#define SSH2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFf7D7XyO+Zee/lyBcFUyVl7Nywh92JtAj/qisbVzMOz"
#define EPOCH 1700000000 /* 2023-11-14T22:13:20Z */
#define AT "20231115000000"

/* The base fleet with doc's from replaced by to (doc NULL: as it is). */
static int parse_edited(const char *doc, const char *from, const char *to, struct sg_fleet *f)
{
	return parse_fleet(NULL, doc, from, to, f);
}

static char tmp[] = "/tmp/test_fleetdns.XXXXXX";
static char repo[600], dns_dir[600], build[600], build2[600];

/* Every job of every host, made into dir/<path>. */
static int build_all(const struct sg_fleet *f, const char *dir, size_t *njobs)
{
	struct sg_fleet_ctx c = { .f = f, .repo = repo, .epoch = EPOCH };
	struct sg_buf paths = SG_BUF_INIT;
	int rc = make_jobs(&c, sg_fleet_dns_jobs, dir, &paths);

	*njobs = 0;
	for (size_t i = 0; i < paths.len; i++)
		*njobs += paths.data[i] == '\n';
	sg_buf_free(&paths);
	return rc;
}

/* The canonical inputs of every job of host, one line each. */
static void host_inputs(const struct sg_fleet *f, const char *host, struct sg_buf *out)
{
	struct sg_fleet_ctx c = { .f = f, .repo = repo, .epoch = EPOCH };
	struct sg_fleet_jobs jobs = { 0 };

	CHECK(sg_fleet_dns_jobs(&c, sg_fleet_host(f, host), &jobs) == 0);
	for (size_t k = 0; k < jobs.n; k++) {
		sg_buf_printf(out, "%s %s ", jobs.v[k].kind, jobs.v[k].path);
		sg_json_canonical(jobs.v[k].inputs, out);
		sg_buf_append_byte(out, '\n');
	}
	sg_fleet_jobs_free(&jobs);
}

/* The inputs of the job at path of host, canonical. */
static void job_inputs(const struct sg_fleet *f, const char *host, const char *path,
		       struct sg_buf *out)
{
	struct sg_buf all = SG_BUF_INIT;
	const char *at;

	host_inputs(f, host, &all);
	sg_buf_terminate(&all);
	at = strstr((const char *)all.data, path);
	if (at) {
		const char *nl = strchr(at, '\n');
		sg_buf_append(out, at, (size_t)(nl - at));
	}
	sg_buf_free(&all);
}

static int file_has(const char *path, const char *needle)
{
	struct sg_buf b = SG_BUF_INIT;
	int has = 0;

	if (sg_read_file(path, &b, 1 << 24) == 0 && sg_buf_terminate(&b) == 0)
		has = strstr((const char *)b.data, needle) != NULL;
	sg_buf_free(&b);
	return has;
}

static int same_file(const char *a, const char *b)
{
	struct sg_buf x = SG_BUF_INIT, y = SG_BUF_INIT;
	int same = sg_read_file(a, &x, 1 << 24) == 0 && sg_read_file(b, &y, 1 << 24) == 0 &&
		   x.len == y.len && memcmp(x.data, y.data, x.len) == 0;

	sg_buf_free(&x);
	sg_buf_free(&y);
	return same;
}

static void check_flow(const struct sg_fleet *f)
{
	struct sg_buf report = SG_BUF_INIT;
	char path[SG_PATH_MAX], p2[SG_PATH_MAX], ns1[SG_PATH_MAX];
	size_t njobs;

	/* issue: the directory, its zone, the anchor; then nothing more */
	CHECK(sg_fleet_dns_issue(f, repo, dns_dir, NULL, &report) == 0);
	sg_buf_terminate(&report);
	fprintf(stderr, "issue:\n%s", (const char *)report.data);
	CHECK(strstr((const char *)report.data, "DNS directory made") != NULL);
	CHECK(strstr((const char *)report.data, "zone example.internal. added") != NULL);
	CHECK(strstr((const char *)report.data, "state/dns/root.ds") != NULL);
	report.len = 0;
	CHECK(sg_fleet_dns_issue(f, repo, dns_dir, NULL, &report) == 0);
	CHECK(report.len == 0);
	tfmt(path, sizeof(path), "%s/state/dns/root.ds", repo);
	CHECK(file_has(path, "\tIN\tDS\t") && file_has(path, " 15 2 "));

	/* the www certificate is there, status's and ca's are not */
	tfmt(path, sizeof(path), "%s/state/certs/www", repo);
	CHECK(mkdir_p(path) == 0);
	CHECK(run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		  "-subj /CN=www.example.internal -days 2 -keyout %s/key.pem -out %s/cert.pem "
		  "2>/dev/null",
		  path, path) == 0);

	CHECK(build_all(f, build, &njobs) == 0);
	CHECK(njobs == 7); /* ns1: nsd.conf, 2 zones, unbound.conf, root.ds; res1: 2 */
	tfmt(ns1, sizeof(ns1), "%s/hosts/ns1", build);
	tfmt(path, sizeof(path), "%s/nsd/zones/example.internal.zone", ns1);
	CHECK(file_has(path, "www.example.internal.\t3600\tIN\tA\t127.10.0.80\n"));
	CHECK(file_has(path, "www.example.internal.\t3600\tIN\tAAAA\tfd00::80\n"));
	CHECK(file_has(path, "; no TLSA records: state/certs/status/cert.pem is missing\n"));
	CHECK(file_has(path, "; no TLSA records: state/certs/ca/cert.pem is missing\n"));
	CHECK(file_has(path, "app1.example.internal.\t3600\tIN\tSSHFP\t4 2 "));
	/* serial 1: the signer sets it (never below its time, always above
	 * the last), so that a new commit alone changes no zone */
	CHECK(file_has(path, "\tSOA\tns1.example.internal. hostmaster.example.internal. 1 "));
	tfmt(path, sizeof(path), "%s/nsd/zones/root.zone", ns1);
	CHECK(file_has(path, ".\t518400\tIN\tNS\tns1.example.internal.\n"));
	CHECK(!file_has(path, "\tA\t"));

	/* a copy of the keys and state, to sign the same build again below */
	CHECK(run("cp -a '%s' '%s/dns-copy'", dns_dir, tmp) == 0);

	/* sign into the build itself */
	report.len = 0;
	CHECK(sg_fleet_dns_sign(f, build, dns_dir, build, EPOCH, NULL, &report) == 0);
	sg_buf_terminate(&report);
	fprintf(stderr, "sign:\n%s", (const char *)report.data);
	if (report.len == 0)
		fprintf(stderr, "  %s\n", sg_errmsg());

	/* the peers */
	tfmt(path, sizeof(path), "%s/nsd", ns1);
	CHECK(run("cd '%s' && nsd-checkconf nsd.conf", path) == 0);
	CHECK(run("cd '%s' && nsd-checkzone . zones/root.signed >/dev/null", path) == 0);
	CHECK(run("cd '%s' && nsd-checkzone example.internal zones/example.internal.signed "
		  ">/dev/null",
		  path) == 0);
	tfmt(p2, sizeof(p2), "%s/unbound", ns1);
	CHECK(run("cd '%s' && unbound-checkconf unbound.conf >/dev/null", p2) == 0);
	tfmt(p2, sizeof(p2), "%s/hosts/res1/unbound", build);
	CHECK(run("cd '%s' && unbound-checkconf unbound.conf >/dev/null", p2) == 0);
	tfmt(p2, sizeof(p2), "%s/hosts/res1/unbound/unbound.conf", build);
	CHECK(file_has(p2, "\tinterface: 127.10.0.54\n") &&
	      file_has(p2, "\tstub-addr: 127.10.0.53@53\n"));
	tfmt(p2, sizeof(p2), "%s/hosts/ns1/unbound/unbound.conf", build);
	CHECK(file_has(p2, "\tinterface: 127.0.0.1\n") &&
	      file_has(p2, "\taccess-control: 127.10.0.0/24 allow\n"));
	/* every signed zone verifies, the root chained to the resolvers'
	 * anchor, the child to the root's DS of it */
	tfmt(p2, sizeof(p2), "%s/hosts/ns1/unbound/root.ds", build);
	CHECK(run("ldns-verify-zone -V 1 -t " AT " -k '%s' '%s/zones/root.signed'", p2, path) == 0);
	CHECK(run("ldns-verify-zone -V 1 -t " AT " '%s/zones/example.internal.signed'", path) == 0);
	tfmt(p2, sizeof(p2), "%s/zones/example.internal.signed", path);
	CHECK(file_has(p2, "\tSSHFP\t4 2 ") && file_has(p2, "\tTLSA\t3 1 1 "));
	CHECK(file_has(p2, "_443._tcp.www.example.internal."));
	CHECK(!file_has(p2, "_443._tcp.status.example.internal."));
	/* the anchor is the DS of the signed root's KSK (ldns-key2ds) */
	CHECK(run("cd '%s' && grep -P '\\tDNSKEY\\t257 ' zones/root.signed > ksk.key && "
		  "ldns-key2ds -n -2 ksk.key | awk '{print $4, $5, $6, toupper($7)}' > ksk.ds && "
		  "grep -v '^;' ../unbound/root.ds | awk '{print $4, $5, $6, $7}' | "
		  "cmp - ksk.ds",
		  path) == 0);

	/* signing the same build again changes nothing, to the byte */
	tfmt(p2, sizeof(p2), "cp -r '%s' '%s'", build, build2);
	CHECK(system(p2) == 0);
	report.len = 0;
	CHECK(sg_fleet_dns_sign(f, build, dns_dir, build, EPOCH, NULL, &report) == 0);
	sg_buf_terminate(&report);
	CHECK(strstr((const char *)report.data, "up to date") != NULL &&
	      strstr((const char *)report.data, ": signed ") == NULL &&
	      strstr((const char *)report.data, "from the build") == NULL);
	tfmt(path, sizeof(path), "%s/hosts/ns1/nsd/zones/root.signed", build);
	tfmt(p2, sizeof(p2), "%s/hosts/ns1/nsd/zones/root.signed", build2);
	CHECK(same_file(path, p2));
	/* the same keys and state, the same build: the same bytes (Ed25519
	 * signatures are deterministic) */
	tfmt(p2, sizeof(p2), "%s/dns-copy", tmp);
	tfmt(path, sizeof(path), "%s/out-copy", tmp);
	report.len = 0;
	CHECK(sg_fleet_dns_sign(f, build, p2, path, EPOCH, NULL, &report) == 0);
	for (int z = 0; z < 2; z++) {
		const char *rel = z ? "hosts/ns1/nsd/zones/example.internal.signed"
				    : "hosts/ns1/nsd/zones/root.signed";
		char a[SG_PATH_MAX], b[SG_PATH_MAX];
		tfmt(a, sizeof(a), "%s/%s", build, rel);
		tfmt(b, sizeof(b), "%s/%s", path, rel);
		CHECK(same_file(a, b));
	}
	sg_buf_free(&report);
}

/* Private keys encrypted at rest to the operator's age recipient, and
 * the signing that decrypts them. */
static void check_encrypted(const struct sg_fleet *f)
{
	struct sg_age_identity id;
	struct sg_age_identities ids = { 0 };
	struct sg_age_recipients rs = { 0 };
	struct sg_buf text = SG_BUF_INIT, pub = SG_BUF_INIT, report = SG_BUF_INIT;
	char repo2[700], dir[700], out[700];

	tfmt(repo2, sizeof(repo2), "%s/repo2", tmp);
	tfmt(dir, sizeof(dir), "%s/keys/dns-age", tmp);
	tfmt(out, sizeof(out), "%s/out-age", tmp);
	CHECK(sg_age_identity_generate(&id) == 0 && sg_age_identity_encode(&id, &text) == 0 &&
	      sg_age_identities_parse(&ids, "id", (const char *)text.data, text.len) == 0 &&
	      sg_age_recipient_encode(id.public, &pub) == 0 &&
	      sg_age_recipients_add(&rs, (const char *)pub.data, pub.len) == 0);
	CHECK(mkdir(repo2, 0755) == 0);
	CHECK(sg_fleet_dns_issue(f, repo2, dir, &rs, &report) == 0);
	CHECK(run("ls '%s'/keys/*.private.age >/dev/null && ! ls '%s'/keys/*.private 2>/dev/null",
		  dir, dir) == 0);
	CHECK(sg_fleet_dns_sign(f, build, dir, out, EPOCH, NULL, &report) < 0);
	CHECK(sg_fleet_dns_sign(f, build, dir, out, EPOCH, &ids, &report) == 0);
	CHECK(run("ldns-verify-zone -V 1 -t " AT " -k '%s/state/dns/root.ds' "
		  "'%s/hosts/ns1/nsd/zones/root.signed'",
		  repo2, out) == 0);
	/* and another anchor does not verify it */
	CHECK(run("ldns-verify-zone -V 0 -t " AT " -k '%s/state/dns/root.ds' "
		  "'%s/hosts/ns1/nsd/zones/root.signed'",
		  repo, out) != 0);
	sg_wipe(&id, sizeof(id));
	sg_age_identities_free(&ids);
	sg_age_recipients_free(&rs);
	sg_buf_wipe(&text);
	sg_buf_free(&pub);
	sg_buf_free(&report);
}

/* Inputs follow what the records come from. */
static void check_inputs(const struct sg_fleet *base)
{
	struct sg_fleet f;
	struct sg_buf a = SG_BUF_INIT, b = SG_BUF_INIT, c = SG_BUF_INIT;

	host_inputs(base, "ns1", &a);
	CHECK(parse_edited("hosts/app1.yaml", "prompt_seconds: 2", "prompt_seconds: 9", &f) == 0);
	host_inputs(&f, "ns1", &b);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	sg_fleet_free(&f);
	b.len = 0;

	job_inputs(base, "ns1", "nsd/zones/example.internal.zone", &a);
	CHECK(parse_edited("hosts/app1.yaml", "127.10.0.101", "127.10.0.111", &f) == 0);
	job_inputs(&f, "ns1", "nsd/zones/example.internal.zone", &b);
	CHECK(b.len > 0 && (a.len != b.len || memcmp(a.data, b.data, a.len)));
	/* the root's zone holds no host records: unchanged */
	a.len = b.len = 0;
	job_inputs(base, "ns1", "nsd/zones/root.zone", &a);
	job_inputs(&f, "ns1", "nsd/zones/root.zone", &b);
	CHECK(a.len > 0 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	sg_fleet_free(&f);

	/* an SSH key edit reaches the host zone too */
	CHECK(parse_edited("hosts/app1.yaml", SSH, SSH2, &f) == 0);
	job_inputs(&f, "ns1", "nsd/zones/example.internal.zone", &c);
	CHECK(c.len > 0 && (c.len != b.len || memcmp(c.data, b.data, c.len)));
	sg_fleet_free(&f);
	sg_buf_free(&a);
	sg_buf_free(&b);
	sg_buf_free(&c);
}

static void check_no_anchor(const struct sg_fleet *f)
{
	char empty[700];
	struct sg_fleet_ctx c = { .f = f, .repo = empty, .epoch = EPOCH };
	struct sg_fleet_jobs jobs = { 0 };

	tfmt(empty, sizeof(empty), "%s/empty", tmp);
	CHECK(mkdir(empty, 0755) == 0);
	CHECK(sg_fleet_dns_jobs(&c, sg_fleet_host(f, "res1"), &jobs) < 0);
	CHECK_STR(sg_errmsg(), "state/dns/root.ds: missing (run signet fleet issue)");
	/* an app host has no DNS jobs */
	CHECK(sg_fleet_dns_jobs(&c, sg_fleet_host(f, "app1"), &jobs) == 0 && jobs.n == 0);
	sg_fleet_jobs_free(&jobs);
}

int main(void)
{
	struct sg_fleet f;

	CHECK(mkdtemp(tmp) != NULL);
	tfmt(repo, sizeof(repo), "%s/repo", tmp);
	tfmt(dns_dir, sizeof(dns_dir), "%s/keys/dns", tmp);
	tfmt(build, sizeof(build), "%s/build", tmp);
	tfmt(build2, sizeof(build2), "%s/build2", tmp);
	CHECK(mkdir(repo, 0755) == 0);
	if (parse_edited(NULL, NULL, NULL, &f) < 0) {
		CHECK(0);
		sg_fleet_free(&f);
		return check_done();
	}
	check_flow(&f);
	check_encrypted(&f);
	check_inputs(&f);
	check_no_anchor(&f);
	sg_fleet_free(&f);
	if (check_failed == 0)
		sg_remove_tree(tmp);
	else
		fprintf(stderr, "kept %s\n", tmp);
	return check_done();
}
