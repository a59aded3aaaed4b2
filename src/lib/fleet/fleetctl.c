/* fleetctl.c - the control plane's steps (fleetctl.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "age.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "fleetattest.h"
#include "fleetboot.h"
#include "fleetbuild.h"
#include "fleetca.h"
#include "fleetctl.h"
#include "fleetdns.h"
#include "fleetout.h"
#include "hex.h"
#include "json.h"
#include "path.h"

#define IDENTITY_MAX (1u << 16)
#define ARTIFACT_MAX (1ull << 32)
#define ATTESTATION_MAX (1u << 26)

/* KEYS/operator.key's identities (none when there is no such file). */
static int operator_identities(const char *keys, struct sg_age_identities *ids)
{
	struct sg_buf text = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc;

	if (sg_path_join(path, sizeof(path), keys, "operator.key") < 0)
		return -1;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	rc = sg_read_file(path, &text, IDENTITY_MAX) < 0 ||
			     sg_age_identities_parse(ids, path, (const char *)text.data, text.len) < 0
		     ? -1
		     : 0;
	sg_buf_wipe(&text);
	return rc;
}

/* The recipients of the identities: what keys are encrypted to at rest. */
static int recipients_of(const struct sg_age_identities *ids, struct sg_age_recipients *rs)
{
	for (size_t i = 0; i < ids->n; i++) {
		struct sg_buf s = SG_BUF_INIT;
		int rc = sg_age_recipient_encode(ids->v[i].public, &s) < 0 ||
			 sg_age_recipients_add(rs, (const char *)s.data, s.len) < 0;
		sg_buf_free(&s);
		if (rc)
			return -1;
	}
	return 0;
}

int sg_fleet_operator(const char *keys, struct sg_age_identities *ids, struct sg_age_recipients *rs)
{
	return operator_identities(keys, ids) < 0 || recipients_of(ids, rs) < 0 ? -1 : 0;
}

int sg_fleet_issue(const struct sg_fleet *f, const char *repo, const char *keys, int64_t now,
		   struct sg_buf *report)
{
	struct sg_age_identities ids = { 0 };
	struct sg_age_recipients rs = { 0 };
	char dns[SG_PATH_MAX], ca[SG_PATH_MAX];
	int rc = -1;

	if (sg_path_join(dns, sizeof(dns), keys, "dns") < 0 ||
	    sg_path_join(ca, sizeof(ca), keys, "ca") < 0 || sg_fleet_operator(keys, &ids, &rs) < 0)
		goto out;
	/* the certificates first: the zones' TLSA records are made from them */
	if (sg_fleet_ca_issue(f, repo, ca, &rs, &ids, now, report) < 0 ||
	    sg_fleet_boot_issue(f, repo, keys, &rs, now, report) < 0)
		goto out;
	rc = sg_fleet_dns_issue(f, repo, dns, &rs, report);
out:
	sg_age_identities_free(&ids);
	sg_age_recipients_free(&rs);
	return rc;
}

int sg_fleet_client(const struct sg_fleet *f, const char *repo, const char *keys, const char *who,
		    const char *out_dir, struct sg_buf *report)
{
	struct sg_age_identities ids = { 0 };
	char ca[SG_PATH_MAX];
	int rc = -1;

	if (sg_path_join(ca, sizeof(ca), keys, "ca") == 0 && operator_identities(keys, &ids) == 0)
		rc = sg_fleet_ca_client(f, repo, ca, &ids, who, out_dir, report);
	sg_age_identities_free(&ids);
	return rc;
}

/* ---- sign ---- */

/* The build's manifest says what the attestation says. */
static int build_is_attested(const char *build, const struct sg_json *m, const struct sg_json *att,
			     const char *att_path)
{
	static const char *const keys[] = { "version", "commit", "dirty", "epoch", "artifacts" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!sg_json_equal(sg_json_get(m, keys[i]), sg_json_get(att, keys[i])))
			return sg_fail("%s/manifest.json: its %s is not the one %s attests", build,
				       keys[i], att_path);
	return 0;
}

/* BUILD/<path> into fresh/<path>, refused unless it has the listed
 * SHA-256. */
static int copy_artifact(const char *build, const char *fresh, const struct sg_json *a)
{
	const char *rel = sg_json_string(sg_json_get(a, "path"), NULL);
	const char *want = sg_json_string(sg_json_get(a, "sha256"), NULL);
	struct sg_buf data = SG_BUF_INIT;
	char path[SG_PATH_MAX], hex[65];
	uint8_t d[SG_SHA256_LEN];
	int rc = -1;

	if (!rel || !want || sg_path_join(path, sizeof(path), build, rel) < 0 ||
	    sg_read_file(path, &data, ARTIFACT_MAX) < 0 || sg_sha256(data.data, data.len, d) < 0)
		goto out;
	sg_hex_encode(d, sizeof(d), hex, SG_HEX_LOWER);
	hex[64] = '\0';
	if (strcmp(hex, want) != 0) {
		sg_fail("%s: SHA-256 %s, the attestations say %s", path, hex, want);
		goto out;
	}
	rc = sg_fleet_artifact_write(fresh, rel, &data);
out:
	sg_buf_free(&data);
	return rc;
}

/* dir/name, copied from path. */
static int copy_file(const char *path, const char *dir, const char *name)
{
	struct sg_buf data = SG_BUF_INIT;
	int rc = sg_read_file(path, &data, ATTESTATION_MAX) < 0 ||
				 sg_fleet_artifact_write(dir, name, &data) < 0
			 ? -1
			 : 0;

	sg_buf_free(&data);
	return rc;
}

/* The report's lines from `from` on name files in fresh as they will be
 * named: in out. */
static int report_rename(struct sg_buf *report, size_t from, const char *fresh, const char *out)
{
	struct sg_buf b = SG_BUF_INIT;
	size_t flen = strlen(fresh), i = from;
	int rc = 0;

	while (rc == 0 && i < report->len) {
		if (report->len - i >= flen && memcmp(report->data + i, fresh, flen) == 0) {
			rc = sg_buf_append_str(&b, out);
			i += flen;
		} else {
			rc = sg_buf_append_byte(&b, report->data[i++]);
		}
	}
	report->len = from;
	if (rc == 0)
		rc = sg_buf_append(report, b.data, b.len);
	sg_buf_free(&b);
	return rc;
}

/* The attestations, the manifest and every artifact, into fresh. */
static int copy_build(const char *build, const struct sg_json *m, const char *const atts[2],
		      const struct sg_json *const objs[2], const char *fresh)
{
	const struct sg_json *list = sg_json_get(m, "artifacts");
	char path[SG_PATH_MAX], name[SG_PATH_MAX];

	for (int i = 0; i < 2; i++) {
		const char *b = sg_json_string(sg_json_get(objs[i], "builder"), NULL);
		int n = snprintf(name, sizeof(name), "attestations/%s.json", b ? b : "");
		if (!b || n < 0 || (size_t)n >= sizeof(name) || copy_file(atts[i], fresh, name) < 0)
			return -1;
	}
	if (sg_path_join(path, sizeof(path), build, "manifest.json") < 0 ||
	    copy_file(path, fresh, "manifest.json") < 0)
		return -1;
	for (size_t i = 0; i < list->u.array.len; i++)
		if (copy_artifact(build, fresh, list->u.array.items[i]) < 0)
			return -1;
	return 0;
}

/* The zones, signed into fresh with KEYS/dns. */
/* Every zone, signed at the build's epoch with the keys of KEYS/dns
 * (decrypted with ids). */
static int sign_zones(const struct sg_fleet *f, const char *keys, const char *build,
		      const struct sg_json *m, const struct sg_age_identities *ids,
		      const char *fresh, struct sg_buf *report)
{
	const struct sg_json *epoch = sg_json_get(m, "epoch");
	char dns[SG_PATH_MAX];

	if (sg_path_join(dns, sizeof(dns), keys, "dns") < 0)
		return -1;
	return sg_fleet_dns_sign(f, build, dns, fresh, epoch->u.integer, ids, report);
}

/* 1 when the manifest lists an artifact of this kind. */
static int has_kind(const struct sg_json *m, const char *kind)
{
	const struct sg_json *list = sg_json_get(m, "artifacts");

	for (size_t i = 0; i < list->u.array.len; i++) {
		const char *k = sg_json_string(sg_json_get(list->u.array.items[i], "kind"), NULL);
		if (k && strcmp(k, kind) == 0)
			return 1;
	}
	return 0;
}

/* The build is what both (agreeing) attestations list. */
static int check_build(const struct sg_fleet *f, const char *build, const char *const atts[2],
		       struct sg_json *objs[2], struct sg_json **m)
{
	for (int i = 0; i < 2; i++)
		if (sg_fleet_attestation_read(f, atts[i], &objs[i]) < 0)
			return -1;
	if (sg_fleet_manifest_read(build, m) < 0)
		return -1;
	return build_is_attested(build, *m, objs[0], atts[0]);
}

int sg_fleet_sign(const struct sg_fleet *f, const char *keys, const char *build, const char *att_a,
		  const char *att_b, const char *out, struct sg_buf *report)
{
	const char *const atts[2] = { att_a, att_b };
	struct sg_json *objs[2] = { NULL, NULL }, *m = NULL;
	struct sg_age_identities ids = { 0 };
	struct sg_fleet_outdir o;
	size_t len0 = report->len, len1;
	int rc = -1;

	o.lockfd = -1;
	o.fresh[0] = '\0';
	if (sg_fleet_compare(f, att_a, att_b, report) < 0)
		return -1; /* its lines say why */
	if (check_build(f, build, atts, objs, &m) < 0 || operator_identities(keys, &ids) < 0 ||
	    sg_fleet_outdir_open(out, &o) < 0)
		goto out;
	len1 = report->len;
	if (copy_build(build, m, atts, (const struct sg_json *const *)objs, o.fresh) < 0 ||
	    sign_zones(f, keys, build, m, &ids, o.fresh, report) < 0 ||
	    (has_kind(m, "uki-unsigned") &&
	     sg_fleet_boot_sign(f, build, keys, &ids, o.fresh, report) < 0) ||
	    report_rename(report, len1, o.fresh, out) < 0 || sg_fleet_dir_sync(o.fresh) < 0 ||
	    sg_fleet_outdir_commit(out, &o) < 0)
		goto out;
	rc = 0;
out:
	sg_fleet_outdir_close(&o, rc < 0);
	if (rc < 0)
		report->len = len0; /* the error says it; the lines before it do not */
	sg_age_identities_free(&ids);
	sg_json_free(objs[0]);
	sg_json_free(objs[1]);
	sg_json_free(m);
	return rc;
}
