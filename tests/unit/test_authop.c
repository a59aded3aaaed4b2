/* test_authop - each change of an authority home is one transaction with
 * its audit record: genesis, environment claim, DAM issue (and its copy),
 * bundle seal (inside and outside the home, over an interrupted seal's
 * file, never over another), rotation. After every step the log verifies
 * and its last record is the step's (op, claim, the outputs it names);
 * every refusal has its exact message and leaves the log as it was. The
 * age identity is fixed; the root keys are the module's own (random, so
 * only their shape and the records they sign are checked). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "authop.h"
#include "check.h"
#include "crypto.h"
#include "envclaim.h"
#include "err.h"
#include "fileio.h"
#include "json.h"

#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define POLICY "{\"requested_capabilities\":[]}"
#define EXPIRES ((time_t)1798761600) /* 2027-01-01T00:00:00Z */
#define DAY 86400

static char home[] = "/tmp/signet-test-authop-XXXXXX";
static char out_dir[] = "/tmp/signet-test-authop-out-XXXXXX";

static uint64_t records(const struct sg_domain *d)
{
	struct sg_log_state st;

	return sg_auditlog_verify(d, &st) == 0 ? st.records : 0;
}

/* The log's last record, parsed (NULL when the log does not verify). */
static struct sg_json *last_record(const struct sg_domain *d)
{
	struct sg_buf b = SG_BUF_INIT;
	struct sg_log_state st;
	struct sg_json *j = NULL;
	char *path = sg_domain_path(d, "log/audit.log");
	size_t end, start;

	if (path && sg_auditlog_verify(d, &st) == 0 && sg_read_file(path, &b, 1 << 22) == 0 &&
	    b.len > 1) {
		end = b.len - 1; /* the newline */
		start = end;
		while (start > 0 && b.data[start - 1] != '\n')
			start--;
		if (sg_json_parse((const char *)b.data + start, end - start, &j) < 0)
			j = NULL;
	}
	free(path);
	sg_buf_free(&b);
	return j;
}

static const char *rec_str(const struct sg_json *j, const char *key)
{
	return sg_json_string(sg_json_get(sg_json_get(j, "record"), key), NULL);
}

/* The last record is op, with claim in force ("" for null) and naming
 * output (NULL: anything). */
static int last_is(const struct sg_domain *d, const char *op, const char *claim, const char *output)
{
	struct sg_json *j = last_record(d);
	const struct sg_json *rec = sg_json_get(j, "record");
	const char *c = rec_str(j, "claim");
	int ok = j && rec_str(j, "op") && strcmp(rec_str(j, "op"), op) == 0 &&
		 strcmp(c ? c : "", claim) == 0 &&
		 (!output || sg_json_get(sg_json_get(rec, "outputs"), output) != NULL);

	sg_json_free(j);
	return ok;
}

static int file_is(const char *path, const void *data, size_t len)
{
	struct sg_buf b = SG_BUF_INIT;
	int same = sg_read_file(path, &b, 1 << 22) == 0 && b.len == len &&
		   memcmp(b.data, data, len) == 0;

	sg_buf_free(&b);
	return same;
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static char *dpath(const struct sg_domain *d, const char *rel)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, 512, "%s/%s", d->dir, rel);
	return p;
}

/* The message is a followed by b. */
static int msg_is(const char *a, const char *b)
{
	char want[1024];

	snprintf(want, sizeof(want), "%s%s", a, b);
	if (strcmp(sg_errmsg(), want) != 0) {
		fprintf(stderr, "  got:  %s\n  want: %s\n", sg_errmsg(), want);
		return 0;
	}
	return 1;
}

/* The string at k1.k2.k3 (k2, k3 NULL: fewer levels) of a JSON file is want. */
static int json_file_has(const char *path, const char *k1, const char *k2, const char *k3,
			 const char *want)
{
	struct sg_buf b = SG_BUF_INIT;
	struct sg_json *j = NULL, *v;
	const char *s;
	int ok = 0;

	if (sg_read_file(path, &b, 1 << 20) == 0 &&
	    sg_json_parse((const char *)b.data, b.len, &j) == 0) {
		v = sg_json_get(j, k1);
		if (k2)
			v = sg_json_get(v, k2);
		if (k3)
			v = sg_json_get(v, k3);
		s = sg_json_string(v, NULL);
		ok = s && strcmp(s, want) == 0;
	}
	sg_json_free(j);
	sg_buf_free(&b);
	return ok;
}

static int seal(const struct sg_domain *d, const uint8_t seed[32], char *const *rcpt,
		const struct sg_json *policy, const char *output, time_t now, char **dest)
{
	struct sg_seal s = { 0 };
	char bid[SG_UUID_LEN + 1];
	int rc;

	s.p.purpose = "rescue";
	s.p.policy = policy;
	s.p.recipients = rcpt;
	s.p.nrecipients = 1;
	s.p.now = now;
	s.inputs = sg_json_new_object();
	s.output = output;
	rc = sg_authop_seal(d, seed, &s, dest, bid);
	CHECK(s.inputs == NULL);
	if (rc == 0)
		CHECK(strlen(bid) == SG_UUID_LEN);
	return rc;
}

int main(void)
{
	struct sg_age_recipients rs = { 0 }, none = { 0 };
	struct sg_age_identities ids = { 0 };
	struct sg_age_identity id = { 0 };
	struct sg_buf text = SG_BUF_INIT, b = SG_BUF_INIT;
	struct sg_genesis g = {
		.name = "unit", .dns_claim = "unit.example", .expires = 1, .expires_at = EXPIRES
	};
	struct sg_domain d = { 0 }, nd = { 0 };
	struct sg_log_state st;
	struct sg_json *dam, *policy;
	struct sg_dam_params dp = { 0 };
	static const char *const roles[] = { "domain_root" };
	char did[SG_DOMAIN_ID_LEN + 1] = "", new_id[SG_DOMAIN_ID_LEN + 1] = "x";
	char snap[SG_SNAPSHOT_ID_LEN + 1], claim1[256], hex[65], path[512], *rcpt[1];
	char *p = NULL, *dest = NULL;
	uint8_t seed[32];

	CHECK(mkdtemp(home) != NULL && mkdtemp(out_dir) != NULL);
	for (int i = 0; i < 32; i++)
		id.secret[i] = (uint8_t)(0x40 + i);
	CHECK(sg_x25519_public(id.secret, id.public) == 0);
	CHECK(sg_age_recipient_encode(id.public, &text) == 0);
	CHECK(sg_age_recipients_add(&rs, (char *)text.data, text.len) == 0);
	rcpt[0] = strndup((char *)text.data, text.len);
	sg_buf_free(&text);
	CHECK(sg_age_identity_encode(&id, &text) == 0);
	CHECK(sg_age_identities_parse(&ids, "id", (char *)text.data, text.len) == 0);
	sg_buf_wipe(&text);
	sg_wipe(id.secret, sizeof(id.secret));

	/* --- genesis ------------------------------------------------------ */
	sg_errclear();
	CHECK(sg_authop_init(home, &g, &none, NOW, did) < 0);
	CHECK(msg_is("no recipient or passphrase to encrypt the root key to", ""));
	CHECK(did[0] == '\0' && sg_home_has_current(home) == 0);

	CHECK(sg_authop_init(home, &g, &rs, NOW, did) == 0);
	CHECK(strlen(did) == SG_DOMAIN_ID_LEN);
	CHECK(sg_domain_open(home, NULL, &d) == 0 && strcmp(d.id, did) == 0 && d.as_current);
	CHECK(sg_auditlog_verify(&d, &st) == 0 && st.records == 1 && st.last_time == NOW &&
	      strlen(st.claim) == SG_SNAPSHOT_ID_LEN);
	strcpy(snap, st.claim);
	CHECK(last_is(&d, "genesis", snap, "dam/0001.dam.json"));
	CHECK(last_is(&d, "genesis", snap, "keys/root.key.age"));
	CHECK(last_is(&d, "genesis", snap, "domain.json"));
	snprintf(claim1, sizeof(claim1), "env-claims/%s.claim", snap);
	CHECK(last_is(&d, "genesis", snap, claim1));
	snprintf(claim1, sizeof(claim1), "%s/env-claims/%s.claim", home, snap);
	CHECK(exists(claim1));
	CHECK(mode_of(dpath(&d, "keys/root.key.age")) == 0600);
	CHECK(mode_of(dpath(&d, "dam/0001.dam.json")) == 0644);
	CHECK(json_file_has(dpath(&d, "dam/0001.dam.json"), "dam", "metadata", "human_name", "unit"));
	CHECK(json_file_has(dpath(&d, "dam/0001.dam.json"), "dam", "metadata", "dns_claim",
			    "unit.example"));
	CHECK(json_file_has(dpath(&d, "dam/0001.dam.json"), "dam", "expires_at", NULL,
			    "2027-01-01T00:00:00Z"));
	CHECK(json_file_has(dpath(&d, "dam/0001.dam.json"), "dam", "issued_at", NULL,
			    "2026-01-01T00:00:00Z"));
	CHECK(!exists(dpath(&d, "dam/0002.dam.json")));
	snprintf(path, sizeof(path), "%s/.txn", home);
	CHECK(!exists(path));
	CHECK(sg_domain_unlock(&d, &ids, seed) == 0);

	/* a second genesis: refused, the home unchanged */
	sg_errclear();
	CHECK(sg_authop_init(home, &g, &rs, NOW, new_id) < 0);
	CHECK(msg_is(home, ": the home has a current domain already (signet domain id)"));
	CHECK(strcmp(new_id, "x") == 0 && records(&d) == 1);

	/* --- env claim ----------------------------------------------------- */
	/* the same environment in the same second: the same file, kept and put
	 * in force again by a record of its own */
	CHECK(sg_authop_env_claim(&d, seed, NOW, &p) == 0);
	CHECK(p && strcmp(p, claim1) == 0);
	CHECK(records(&d) == 2 && last_is(&d, "env-claim", snap, NULL));
	free(p);
	/* a second later: another claim, in force */
	CHECK(sg_authop_env_claim(&d, seed, NOW + 1, &p) == 0);
	CHECK(p && strcmp(p, claim1) != 0 && exists(p) && exists(claim1));
	CHECK(sg_auditlog_verify(&d, &st) == 0 && st.records == 3 && strcmp(st.claim, snap) != 0);
	snprintf(path, sizeof(path), "%s/env-claims/%s.claim", home, st.claim);
	CHECK(strcmp(p, path) == 0);
	strcpy(snap, st.claim);
	CHECK(last_is(&d, "env-claim", snap, NULL));
	free(p);
	p = NULL;

	/* --- dam issue ----------------------------------------------------- */
	dp.domain_id = d.id;
	dp.root_public_key = d.pub;
	dp.issued_at = NOW;
	dp.roles = roles;
	dp.nroles = 1;
	dp.human_name = "unit";
	dp.dns_claim = "issued.example"; /* what a rotation inherits: the last DAM's */
	dp.expires = 1;
	dp.expires_at = EXPIRES + DAY;
	CHECK((dam = sg_dam_build(&dp)) != NULL);
	snprintf(path, sizeof(path), "%s/copy.json", out_dir);
	CHECK(sg_authop_dam_issue(&d, seed, dam, NOW + 2, path, &p) == 0);
	CHECK(p && strcmp(p, dpath(&d, "dam/0002.dam.json")) == 0);
	CHECK(sg_read_file(p, &b, 1 << 20) == 0 && b.len > 1 && b.data[b.len - 1] == '\n');
	CHECK(file_is(path, b.data, b.len) && mode_of(path) == 0644);
	CHECK(sg_sha256_hex(b.data, b.len, hex) == 0 && sg_auditlog_find_output(&d, hex) == 3);
	CHECK(records(&d) == 4 && last_is(&d, "dam-issue", snap, "dam/0002.dam.json"));
	sg_buf_free(&b);
	free(p);
	/* a copy that cannot be written: the DAM is issued and recorded all
	 * the same, *path NULL, and the message says where it is */
	snprintf(path, sizeof(path), "%s/no/such/dir/copy.json", out_dir);
	sg_errclear();
	CHECK(sg_authop_dam_issue(&d, seed, dam, NOW + 2, path, &p) < 0);
	CHECK(p == NULL);
	CHECK(strstr(sg_errmsg(), "/no/such/dir/") != NULL);
	snprintf(claim1, sizeof(claim1), " (the DAM is issued and recorded as %s)",
		 dpath(&d, "dam/0003.dam.json"));
	CHECK(strlen(sg_errmsg()) > strlen(claim1) &&
	      strcmp(sg_errmsg() + strlen(sg_errmsg()) - strlen(claim1), claim1) == 0);
	CHECK(exists(dpath(&d, "dam/0003.dam.json")) && !exists(path));
	CHECK(records(&d) == 5 && last_is(&d, "dam-issue", snap, "dam/0003.dam.json"));

	/* --- seal ---------------------------------------------------------- */
	CHECK(sg_json_parse(POLICY, strlen(POLICY), &policy) == 0);
	{
		struct sg_seal s = { .p = { .purpose = "rescue" } };

		CHECK(sg_authop_seal_dest(&d, &s, &dest) == 0);
		snprintf(path, sizeof(path), "%s/sops-bundles/asl-rescue-%.*s.sops.yaml", home,
			 SG_DOMAIN_SHORT_LEN, d.id);
		CHECK(dest && strcmp(dest, path) == 0 && !exists(path));
		free(dest);
		dest = NULL;
	}
	/* into the home: staged with its record, named as its file */
	CHECK(seal(&d, seed, rcpt, policy, NULL, NOW + 10, &dest) == 0);
	CHECK(dest && strcmp(dest, path) == 0 && mode_of(path) == 0600);
	snprintf(claim1, sizeof(claim1), "asl-rescue-%.*s.sops.yaml", SG_DOMAIN_SHORT_LEN, d.id);
	CHECK(records(&d) == 6 && last_is(&d, "seal", snap, claim1));
	CHECK(sg_read_file(path, &b, 1 << 22) == 0 && sg_sha256_hex(b.data, b.len, hex) == 0 &&
	      sg_auditlog_find_output(&d, hex) == 5);
	sg_buf_free(&b);
	free(dest);
	/* the default destination again: a recorded bundle is never replaced */
	{
		struct sg_seal s = { .p = { .purpose = "rescue" } };

		sg_errclear();
		CHECK(sg_authop_seal_dest(&d, &s, &dest) < 0 && dest == NULL);
		CHECK(msg_is(path, ": exists; a bundle is never replaced (remove it or use -o)"));
	}
	sg_errclear();
	CHECK(seal(&d, seed, rcpt, policy, NULL, NOW + 10, &dest) < 0 && dest == NULL);
	CHECK(msg_is(path, ": exists; a bundle is never replaced (remove it or use -o)"));
	CHECK(records(&d) == 6);

	/* outside the home: written first, recorded by its hash */
	snprintf(path, sizeof(path), "%s/a.sops.yaml", out_dir);
	CHECK(seal(&d, seed, rcpt, policy, path, NOW + 10, &dest) == 0);
	CHECK(dest && strcmp(dest, path) == 0 && mode_of(path) == 0600);
	CHECK(records(&d) == 7 && last_is(&d, "seal", snap, "a.sops.yaml"));
	CHECK(sg_read_file(path, &b, 1 << 22) == 0 && sg_sha256_hex(b.data, b.len, hex) == 0 &&
	      sg_auditlog_find_output(&d, hex) == 6);
	free(dest);
	/* an interrupted seal's file (a bundle of this domain no record names)
	 * is sealed over; a recorded one and any other file are refused */
	CHECK(sg_buf_append(&b, "# interrupted\n", 14) == 0);
	snprintf(path, sizeof(path), "%s/b.sops.yaml", out_dir);
	CHECK(sg_write_file_atomic(path, b.data, b.len, 0600, 0) == 0);
	{
		struct sg_seal s = { .p = { .purpose = "rescue" }, .output = path };

		CHECK(sg_authop_seal_dest(&d, &s, &dest) == 0 && dest && strcmp(dest, path) == 0);
		free(dest);
	}
	CHECK(seal(&d, seed, rcpt, policy, path, NOW + 10, &dest) == 0 &&
	      !file_is(path, b.data, b.len));
	CHECK(records(&d) == 8 && last_is(&d, "seal", snap, "b.sops.yaml"));
	free(dest);
	sg_errclear();
	CHECK(seal(&d, seed, rcpt, policy, path, NOW + 10, &dest) < 0 && dest == NULL);
	CHECK(msg_is(path, ": exists; a bundle is never replaced (remove it or use -o)"));
	snprintf(path, sizeof(path), "%s/other", out_dir);
	CHECK(sg_write_file_atomic(path, "other\n", 6, 0600, 0) == 0);
	sg_errclear();
	CHECK(seal(&d, seed, rcpt, policy, path, NOW + 10, &dest) < 0 && dest == NULL);
	CHECK(msg_is(path, ": exists; a bundle is never replaced (remove it or use -o)"));
	CHECK(file_is(path, "other\n", 6) && records(&d) == 8);
	/* the interrupted bundle's bytes, kept for another domain below */
	snprintf(path, sizeof(path), "%s/c.sops.yaml", out_dir);
	CHECK(sg_write_file_atomic(path, b.data, b.len, 0600, 0) == 0);
	sg_buf_free(&b);

	/* --- rotate -------------------------------------------------------- */
	sg_errclear();
	CHECK(sg_authop_rotate(&d, seed, &none, NOW + 20, new_id) < 0);
	CHECK(msg_is("no recipient or passphrase to encrypt the new root key to", ""));
	CHECK(!sg_domain_superseded(&d) && records(&d) == 8);
	CHECK(sg_authop_rotate(&d, seed, &rs, NOW + 20, new_id) == 0);
	CHECK(strlen(new_id) == SG_DOMAIN_ID_LEN && strcmp(new_id, d.id) != 0);
	CHECK(sg_domain_superseded(&d) && records(&d) == 9 &&
	      last_is(&d, "rotate-out", snap, "superseded.json"));
	CHECK(sg_domain_open(home, NULL, &nd) == 0 && strcmp(nd.id, new_id) == 0);
	CHECK(sg_auditlog_verify(&nd, &st) == 0 && st.records == 1 && st.last_time == NOW + 20);
	CHECK(last_is(&nd, "rotate-in", st.claim, "dam/0001.dam.json"));
	CHECK(sg_read_file(dpath(&d, "superseded.json"), &b, 1 << 20) == 0);
	CHECK(file_is(dpath(&nd, "dam/rotation.json"), b.data, b.len));
	sg_buf_free(&b);
	/* the new DAM keeps the current one's (the last issued) name, DNS
	 * claim and expiry */
	CHECK(json_file_has(dpath(&nd, "dam/0001.dam.json"), "dam", "metadata", "human_name", "unit"));
	CHECK(json_file_has(dpath(&nd, "dam/0001.dam.json"), "dam", "metadata", "dns_claim",
			    "issued.example"));
	CHECK(json_file_has(dpath(&nd, "dam/0001.dam.json"), "dam", "expires_at", NULL,
			    "2027-01-02T00:00:00Z"));
	CHECK(json_file_has(dpath(&nd, "dam/0001.dam.json"), "dam", "issued_at", NULL,
			    "2026-01-01T00:00:20Z"));
	/* a second rotation of the old domain */
	strcpy(claim1, new_id);
	sg_errclear();
	CHECK(sg_authop_rotate(&d, seed, &rs, NOW + 30, new_id) < 0);
	CHECK(msg_is(d.dir, ": rotated already (superseded.json); the current domain is the new one"));
	CHECK(strcmp(new_id, claim1) == 0 && records(&d) == 9 && records(&nd) == 1);
	/* the old domain, opened as the current one, refuses every signature */
	sg_errclear();
	CHECK(sg_authop_env_claim(&d, seed, NOW + 30, &p) < 0 && p == NULL);
	CHECK(msg_is(d.dir, ": rotated meanwhile (superseded.json); run the command again for the "
			    "current domain"));
	sg_errclear();
	CHECK(sg_authop_dam_issue(&d, seed, dam, NOW + 30, NULL, &p) < 0 && p == NULL);
	CHECK(msg_is(d.dir, ": rotated meanwhile (superseded.json); run the command again for the "
			    "current domain"));
	sg_errclear();
	CHECK(seal(&d, seed, rcpt, policy, NULL, NOW + 10, &dest) < 0 && dest == NULL);
	CHECK(msg_is(d.dir, ": rotated meanwhile (superseded.json); run the command again for the "
			    "current domain"));
	CHECK(records(&d) == 9);
	/* the old domain's unrecorded bundle is no bundle of the new one */
	{
		uint8_t nseed[32];

		CHECK(sg_domain_unlock(&nd, &ids, nseed) == 0);
		snprintf(path, sizeof(path), "%s/c.sops.yaml", out_dir);
		sg_errclear();
		CHECK(seal(&nd, nseed, rcpt, policy, path, NOW + 40, &dest) < 0 && dest == NULL);
		CHECK(msg_is(path, ": exists; a bundle is never replaced (remove it or use -o)"));
		CHECK(records(&nd) == 1);
		/* the new domain seals with the rotation statement */
		CHECK(seal(&nd, nseed, rcpt, policy, NULL, NOW + 40, &dest) == 0 && records(&nd) == 2);
		free(dest);
		sg_wipe(nseed, sizeof(nseed));
	}

	sg_json_free(dam);
	sg_json_free(policy);
	sg_wipe(seed, sizeof(seed));
	free(rcpt[0]);
	sg_domain_free(&d);
	sg_domain_free(&nd);
	sg_age_recipients_free(&rs);
	sg_age_identities_free(&ids);
	CHECK(sg_remove_tree(home) == 0 && sg_remove_tree(out_dir) == 0);
	return check_done();
}
