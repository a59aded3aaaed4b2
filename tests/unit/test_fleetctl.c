/* test_fleetctl.c - the control plane's steps (fleetctl.h) on the
 * example fleet (sg_fleet_init): issue makes the DNS keys once and
 * writes the anchor; sign writes the release only from a build both
 * builders attested, one row per way a build or its words can differ,
 * and signs the same build to the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleetattest.h"
#include "fleetbuild.h"
#include "fleetctl.h"
#include "fleetinit.h"

#define EPOCH 1796000000

static char tmp[] = "/tmp/test_fleetctl.XXXXXX";
static char repo[600], keys[600];

static void at(char *out, size_t cap, const char *rel)
{
	if (snprintf(out, cap, "%s/%s", tmp, rel) >= (int)cap)
		abort();
}

/* A shell command, with $T the test's directory. */
static int sh(const char *cmd)
{
	return setenv("T", tmp, 1) == 0 ? system(cmd) : -1;
}

static void build(const struct sg_fleet *f, const char *rel)
{
	struct sg_fleet_source src = { .commit = "c0ffee", .epoch = EPOCH, .has_epoch = 1 };
	struct sg_fleet_ctx c = { .f = f, .repo = repo, .epoch = EPOCH };
	struct sg_fleet_built built;
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_json *m = NULL;
	char out[600];

	at(out, sizeof(out), rel);
	CHECK(sg_fleet_build(&c, &src, out, &m, &built, &diag) == 0);
	sg_json_free(m);
	sg_buf_free(&diag);
}

static void attest(const struct sg_fleet *f, const char *build_rel, const char *builder)
{
	struct sg_buf att = SG_BUF_INIT;
	char b[600], key[700], out[600];

	at(b, sizeof(b), build_rel);
	snprintf(key, sizeof(key), "%s/hosts/%s/attestation.key", keys, builder);
	snprintf(out, sizeof(out), "%s/%s.att", tmp, builder);
	CHECK(sg_fleet_attest(f, b, builder, key, &att) == 0);
	CHECK(sg_write_file_atomic(out, att.data, att.len, 0644, 0) == 0);
	sg_buf_free(&att);
}

/* sign with the attestations a and b of the build build_rel into
 * out_rel: NULL on success, else the error. */
static const char *sign(const struct sg_fleet *f, const char *build_rel, const char *a,
			const char *b, const char *out_rel)
{
	char pb[600], pa1[600], pa2[600], out[600];
	struct sg_buf report = SG_BUF_INIT;
	int rc;

	at(pb, sizeof(pb), build_rel);
	at(pa1, sizeof(pa1), a);
	at(pa2, sizeof(pa2), b);
	at(out, sizeof(out), out_rel);
	rc = sg_fleet_sign(f, keys, pb, pa1, pa2, out, &report);
	sg_buf_free(&report);
	return rc == 0 ? NULL : sg_errmsg();
}

static void check_issue(const struct sg_fleet *f)
{
	struct sg_buf report = SG_BUF_INIT;
	char path[700];

	CHECK(sg_fleet_issue(f, repo, keys, EPOCH, &report) == 0 && report.len > 0);
	snprintf(path, sizeof(path), "%s/state/dns/root.ds", repo);
	CHECK(access(path, F_OK) == 0);
	report.len = 0;
	CHECK(sg_fleet_issue(f, repo, keys, EPOCH, &report) == 0 && report.len == 0);
	sg_buf_free(&report);
}

int main(void)
{
	static const struct {
		const char *edit; /* a shell edit of the copy "bad" of the build */
		const char *want; /* in the error */
	} rows[] = {
		{ "sed -i 's/\"epoch\": 1796000000/\"epoch\": 1/' \"$T/bad/manifest.json\"",
		  "manifest.json: its epoch is not the one" },
		{ "echo '; more' >>\"$T/bad/hosts/ns1/nsd/zones/root.zone\"", "root.zone: SHA-256 " },
		{ "rm \"$T/bad/hosts/app1/host.json\"", "hosts/app1/host.json" },
	};
	struct sg_fleet f = { 0 };
	struct sg_buf diag = SG_BUF_INIT;
	char path[700], p2[700];
	const char *err;
	int rc;

	CHECK(mkdtemp(tmp) != NULL);
	at(repo, sizeof(repo), "fleet");
	at(keys, sizeof(keys), "fleet.keys");
	CHECK(sg_fleet_init(repo, keys, EPOCH) == 0);
	rc = sg_fleet_load(repo, &f, &diag);
	CHECK(rc == 0);
	if (rc != 0)
		return check_done();
	check_issue(&f);
	build(&f, "b1");
	build(&f, "b2");
	attest(&f, "b1", "bubo");
	attest(&f, "b2", "crucible");

	err = sign(&f, "b1", "bubo.att", "bubo.att", "signed");
	CHECK(err && strstr(err, "two builders must agree"));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		at(path, sizeof(path), "bad");
		sg_remove_tree(path);
		CHECK(sh("cp -a \"$T/b1\" \"$T/bad\"") == 0);
		CHECK(sh(rows[i].edit) == 0);
		err = sign(&f, "bad", "bubo.att", "crucible.att", "signed");
		CHECK(err && strstr(err, rows[i].want));
		if (!err || !strstr(err, rows[i].want))
			fprintf(stderr, "  row %zu: %s\n", i, err ? err : "(signed)");
		at(path, sizeof(path), "signed");
		CHECK(access(path, F_OK) < 0);
		at(path, sizeof(path), ".signed.signet-new");
		CHECK(access(path, F_OK) < 0);
	}

	/* the good build; then the same again, from the other build, into
	 * the same place: the same signed zones */
	CHECK(sign(&f, "b1", "bubo.att", "crucible.att", "signed") == NULL);
	CHECK(sh("cp \"$T/signed/hosts/ns1/nsd/zones/root.signed\" \"$T/root.first\"") == 0);
	CHECK(sign(&f, "b2", "crucible.att", "bubo.att", "signed") == NULL);
	CHECK(sh("cmp -s \"$T/signed/hosts/ns1/nsd/zones/root.signed\" \"$T/root.first\"") == 0);
	at(path, sizeof(path), "signed/attestations/bubo.json");
	CHECK(access(path, F_OK) == 0);

	/* without the DNS keys there is nothing to sign with */
	snprintf(path, sizeof(path), "%s/dns", keys);
	snprintf(p2, sizeof(p2), "%s/dns.away", keys);
	CHECK(rename(path, p2) == 0);
	err = sign(&f, "b1", "bubo.att", "crucible.att", "signed2");
	CHECK(err != NULL);
	at(path, sizeof(path), "signed2");
	CHECK(access(path, F_OK) < 0);

	sg_fleet_free(&f);
	sg_buf_free(&diag);
	sg_remove_tree(tmp);
	return check_done();
}
