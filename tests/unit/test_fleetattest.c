/* test_fleetattest.c - builders' attestations (fleetattest.h): two
 * builders' keys made here, one build attested by both and compared;
 * then one row per rule compare and attest enforce, each an edit of an
 * attestation or of the build and the exact first line it must give. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base64.h"
#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleet_sample.h"
#include "fleetattest.h"
#include "fleetbuild.h"

static char tmp[] = "/tmp/test_fleetattest.XXXXXX";
static char builder_doc[2][512];

static void path_in(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", tmp, rel);
}

/* The sample fleet with the builders b1 and b2 (their keys made). */
static int parse_fleet(struct sg_fleet *f)
{
	const char *names[NBASE + 2], *docs[NBASE + 2];
	size_t lens[NBASE + 2];
	struct sg_buf diag = SG_BUF_INIT;
	int rc;

	for (size_t i = 0; i < NBASE; i++)
		names[i] = base_names[i], docs[i] = base_docs[i];
	names[NBASE] = "hosts/b1.yaml", docs[NBASE] = builder_doc[0];
	names[NBASE + 1] = "hosts/b2.yaml", docs[NBASE + 1] = builder_doc[1];
	for (size_t i = 0; i < NBASE + 2; i++)
		lens[i] = strlen(docs[i]);
	rc = sg_fleet_parse(names, docs, lens, NBASE + 2, f, &diag);
	if (rc < 0)
		fprintf(stderr, "%.*s", (int)diag.len, (const char *)diag.data);
	sg_buf_free(&diag);
	return rc;
}

static void make_builders(void)
{
	for (int i = 0; i < 2; i++) {
		char key[600], b64[64];
		uint8_t pub[32];
		snprintf(key, sizeof(key), "%s/b%d.key", tmp, i + 1);
		CHECK(sg_fleet_builder_keygen(key, pub) == 0);
		b64[sg_b64_encode(pub, 32, b64, SG_B64_PAD)] = '\0';
		snprintf(builder_doc[i], sizeof(builder_doc[i]),
			 "version: \"0.1\"\nhost: b%d\nroles: [builder]\naddresses: [127.10.0.1%d]\n"
			 "ssh_host_key: " SSH "\nattestation_key: %s\n",
			 i + 1, i, b64);
	}
}

static char repo[600];

static void build(const struct sg_fleet *f, const char *rel)
{
	struct sg_fleet_source src = { .commit = "c0ffee", .dirty = 0, .epoch = 1796000000 };
	char out[600], inputs[600], p[700];
	struct sg_fleet_ctx c = { .f = f, .repo = repo, .epoch = 1796000000 };
	struct sg_fleet_built built;
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_json *m = NULL;

	path_in(inputs, sizeof(inputs), "inputs");
	c.inputs = inputs;
	mkdir(inputs, 0755);
	snprintf(p, sizeof(p), "%s/rootfs", inputs);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/kernel", inputs);
	sg_write_file_atomic(p, "kernel\n", 7, 0644, 0);
	snprintf(p, sizeof(p), "%s/rootfs/debian", inputs);
	sg_write_file_atomic(p, "rootfs\n", 7, 0644, 0);
	path_in(out, sizeof(out), rel);
	CHECK(sg_fleet_build(&c, &src, out, &m, &built, &diag) == 0);
	sg_json_free(m);
	sg_buf_free(&diag);
}

static void attest(const struct sg_fleet *f, const char *build_rel, const char *builder,
		   const char *out_rel)
{
	char b[600], key[600], out[600];
	struct sg_buf att = SG_BUF_INIT;

	path_in(b, sizeof(b), build_rel);
	snprintf(key, sizeof(key), "%s/%s.key", tmp, builder);
	path_in(out, sizeof(out), out_rel);
	CHECK(sg_fleet_attest(f, b, builder, key, &att) == 0);
	CHECK(sg_write_file_atomic(out, att.data, att.len, 0644, 0) == 0);
	sg_buf_free(&att);
}

/* An attestation with from replaced by to (in its text). */
static void edited(const char *rel, const char *from, const char *to, const char *out_rel)
{
	char in[600], out[600];
	struct sg_buf t = SG_BUF_INIT, o = SG_BUF_INIT;
	const char *at;

	path_in(in, sizeof(in), rel);
	path_in(out, sizeof(out), out_rel);
	CHECK(sg_read_file(in, &t, 1 << 20) == 0 && sg_buf_terminate(&t) == 0);
	at = strstr((const char *)t.data, from);
	CHECK(at != NULL);
	if (!at)
		at = (const char *)t.data;
	sg_buf_append(&o, t.data, (size_t)(at - (const char *)t.data));
	sg_buf_append_str(&o, to);
	sg_buf_append_str(&o, at + strlen(from));
	CHECK(sg_write_file_atomic(out, o.data, o.len, 0644, 0) == 0);
	sg_buf_free(&t);
	sg_buf_free(&o);
}

static const char *compare(const struct sg_fleet *f, const char *a, const char *b,
			   struct sg_buf *report)
{
	char pa[600], pb[600];

	path_in(pa, sizeof(pa), a);
	path_in(pb, sizeof(pb), b);
	report->len = 0;
	if (sg_fleet_compare(f, pa, pb, report) == 0)
		return NULL;
	return sg_errmsg();
}

int main(void)
{
	struct sg_fleet f;
	struct sg_buf report = SG_BUF_INIT, att = SG_BUF_INIT;
	static const struct {
		const char *from, *to, *want; /* an edit of b2's attestation */
	} rows[] = {
		{ "\"size\": 31", "\"size\": 32", "/b2.edited: Ed25519 signature does not verify" },
		{ "\"builder\": \"b2\"", "\"builder\": \"b9\"", "b9: not a builder of this fleet" },
		{ "\"builder\": \"b2\"", "\"builder\": \"web1\"",
		  "web1: not a builder of this fleet" },
		{ "\"dirty\": false", "\"dirty\": 0", "/b2.edited: builder, commit (strings), dirty" },
		{ "\"epoch\": 1796000000,", "", "/b2.edited: missing member \"epoch\"" },
	};
	char key[600], b[600];
	int rc;

	CHECK(mkdtemp(tmp) != NULL);
	CHECK(sample_repo(tmp, repo, sizeof(repo)) == 0);
	make_builders();
	rc = parse_fleet(&f);
	CHECK(rc == 0);
	if (rc != 0)
		return check_done();
	build(&f, "out1");
	build(&f, "out2");
	attest(&f, "out1", "b1", "b1.att");
	attest(&f, "out2", "b2", "b2.att");
	CHECK(compare(&f, "b1.att", "b2.att", &report) == NULL);
	CHECK(report.len &&
	      strncmp((const char *)report.data, "b1 and b2 agree: 16 artifacts, commit c0ffee\n",
		      report.len) == 0);
	/* one builder twice */
	CHECK(compare(&f, "b1.att", "b1.att", &report) &&
	      strcmp(sg_errmsg(), "both attestations are b1's: two builders must agree") == 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *err;
		edited("b2.att", rows[i].from, rows[i].to, "b2.edited");
		err = compare(&f, "b1.att", "b2.edited", &report);
		CHECK(err && strstr(err, rows[i].want));
		if (!err || !strstr(err, rows[i].want))
			fprintf(stderr, "  row %zu: wanted '%s', got '%s'\n", i, rows[i].want,
				err ? err : "(agreement)");
	}
	/* a different artifact, attested honestly: named */
	path_in(b, sizeof(b), "out2/hosts/app1/host.json");
	CHECK(sg_write_file_atomic(b, "{}", 2, 0644, 0) == 0);
	snprintf(key, sizeof(key), "%s/b2.key", tmp);
	path_in(b, sizeof(b), "out2");
	/* the build changed behind its manifest: attest refuses */
	CHECK(sg_fleet_attest(&f, b, "b2", key, &att) == -1 &&
	      strstr(sg_errmsg(), "its SHA-256 is not the manifest's"));
	/* the wrong key for the builder */
	path_in(b, sizeof(b), "out1");
	CHECK(sg_fleet_attest(&f, b, "b1", key, &att) == -1 && strstr(sg_errmsg(), "not b1's key"));
	CHECK(sg_fleet_builder_keygen(key, (uint8_t[32]){ 0 }) == -1);
	sg_buf_free(&att);
	sg_buf_free(&report);
	sg_fleet_free(&f);
	sg_remove_tree(tmp);
	return check_done();
}
