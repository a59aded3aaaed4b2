/* The audit log's staged records and the authority operations over them:
 * a record and its files commit together or not at all; a file never
 * replaces another (but the same bytes, when allowed); an uncommitted
 * stage leaves nothing; a record is never dated before the one it
 * follows; a second init and a second rotation of one domain are
 * refused; two DAM issues get two numbers; a domain opened as the
 * current one and rotated meanwhile refuses to sign. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "authop.h"
#include "check.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "txn.h"

static char home[] = "/tmp/signet-test-auditlog-XXXXXX";

static uint64_t records(const struct sg_domain *d)
{
	struct sg_log_state st;

	return sg_auditlog_verify(d, &st) == 0 ? st.records : 0;
}

static int holds(const char *rel, const char *s)
{
	struct sg_buf b = SG_BUF_INIT;
	char path[512];
	int same;

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	same = sg_read_file(path, &b, 1 << 20) == 0 && b.len == strlen(s) &&
	       memcmp(b.data, s, b.len) == 0;
	sg_buf_free(&b);
	return same;
}

static int exists(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	return access(path, F_OK) == 0;
}

/* Commits one file with its record. */
static int record(const struct sg_domain *d, const uint8_t seed[32], const char *rel,
		  const char *text, int keep_same)
{
	struct sg_artifact a = { rel, rel, text, strlen(text), 0644, keep_same };
	struct sg_log_entry e = { .op = "test", .now = 1767225600, .files = &a, .nfiles = 1 };

	return sg_auditlog_commit(d, seed, &e);
}

int main(void)
{
	struct sg_age_recipients rs = { 0 };
	struct sg_age_identities ids = { 0 };
	struct sg_age_identity id;
	struct sg_buf text = SG_BUF_INIT;
	struct sg_genesis g = { .name = "unit" };
	struct sg_domain d, nd;
	char did[SG_DOMAIN_ID_LEN + 1], new_id[SG_DOMAIN_ID_LEN + 1], old_id[SG_DOMAIN_ID_LEN + 1];
	char hex[65], *p1 = NULL, *p2 = NULL;
	uint8_t seed[32];
	struct sg_json *dam;
	struct sg_dam_params dp = { 0 };
	static const char *const roles[] = { "domain_root" };

	CHECK(mkdtemp(home) != NULL);
	CHECK(sg_age_identity_generate(&id) == 0);
	CHECK(sg_age_recipient_encode(id.public, &text) == 0);
	CHECK(sg_age_recipients_add(&rs, (char *)text.data, text.len) == 0);
	sg_buf_free(&text);
	CHECK(sg_age_identity_encode(&id, &text) == 0);
	CHECK(sg_age_identities_parse(&ids, "id", (char *)text.data, text.len) == 0);
	sg_buf_wipe(&text);

	/* genesis: the whole domain, one record, no staging left */
	CHECK(sg_authop_init(home, &g, &rs, 1767225600, did) == 0);
	CHECK(sg_domain_open(home, NULL, &d) == 0 && strcmp(d.id, did) == 0);
	CHECK(records(&d) == 1);
	CHECK(!exists(".txn"));
	CHECK(sg_authop_init(home, &g, &rs, 1767225600, new_id) < 0 &&
	      strstr(sg_errmsg(), "current domain already"));
	CHECK(sg_domain_unlock(&d, &ids, seed) == 0);

	/* a file and its record */
	CHECK(record(&d, seed, "tools/a", "one\n", 0) == 0);
	CHECK(records(&d) == 2 && holds("tools/a", "one\n"));
	/* never over another file; nothing changes */
	CHECK(record(&d, seed, "tools/a", "two\n", 0) < 0 && strstr(sg_errmsg(), "never replaced"));
	CHECK(record(&d, seed, "tools/a", "two\n", 1) < 0);
	CHECK(records(&d) == 2 && holds("tools/a", "one\n") && !exists(".txn"));
	/* the same bytes may be kept, and recorded again */
	CHECK(record(&d, seed, "tools/a", "one\n", 1) == 0 && records(&d) == 3);
	CHECK(sg_sha256_hex("one\n", 4, hex) == 0 && sg_auditlog_find_output(&d, hex) == 2);
	CHECK(sg_sha256_hex("two\n", 4, hex) == 0 && sg_auditlog_find_output(&d, hex) == -1);

	/* a record dated before the last one takes the last one's time: the
	 * log stays in order */
	{
		struct sg_artifact a = { "tools/c", "tools/c", "c", 1, 0644, 0 };
		struct sg_log_entry e = {
			.op = "early", .now = 1767225600 - 3600, .files = &a, .nfiles = 1
		};
		struct sg_log_state st;

		CHECK(sg_auditlog_commit(&d, seed, &e) == 0);
		CHECK(sg_auditlog_verify(&d, &st) == 0 && st.records == 4 &&
		      st.last_time == 1767225600);
	}
	/* staged and not committed: nothing */
	{
		struct sg_artifact a = { "tools/b", "tools/b", "b", 1, 0644, 0 };
		struct sg_log_entry e = { .op = "test", .now = 1767225600, .files = &a, .nfiles = 1 };
		struct sg_txn t;

		CHECK(sg_txn_begin(&t, home) == 0);
		CHECK(sg_auditlog_stage(&t, &d, seed, &e) == 0);
		sg_txn_end(&t);
		CHECK(records(&d) == 4 && !exists("tools/b") && !exists(".txn"));
	}
	/* a second genesis of the same log */
	{
		struct sg_log_entry e = { .op = "genesis", .now = 1767225600, .genesis = 1 };

		CHECK(sg_auditlog_commit(&d, seed, &e) < 0 &&
		      strstr(sg_errmsg(), "audit log already"));
		CHECK(records(&d) == 4);
	}

	/* two issues, two numbers */
	dp.domain_id = d.id;
	dp.root_public_key = d.pub;
	dp.issued_at = 1767225600;
	dp.roles = roles;
	dp.nroles = 1;
	dp.human_name = "unit";
	CHECK((dam = sg_dam_build(&dp)) != NULL);
	CHECK(sg_authop_dam_issue(&d, seed, dam, 1767225600, NULL, &p1) == 0);
	CHECK(sg_authop_dam_issue(&d, seed, dam, 1767225600, NULL, &p2) == 0);
	CHECK(p1 && p2 && strstr(p1, "/dam/0002.dam.json") && strstr(p2, "/dam/0003.dam.json"));
	CHECK(records(&d) == 6);
	free(p1);

	/* a rotation, then the same one again */
	CHECK(sg_authop_rotate(&d, seed, &rs, 1767225600, new_id) == 0);
	CHECK(sg_domain_superseded(&d) && records(&d) == 7);
	CHECK(sg_domain_open(home, NULL, &nd) == 0 && strcmp(nd.id, new_id) == 0 && records(&nd) == 1);
	CHECK(sg_authop_rotate(&d, seed, &rs, 1767225600, new_id) < 0 &&
	      strstr(sg_errmsg(), "rotated already"));
	CHECK(records(&d) == 7);
	/* d was opened as the current domain: it no longer is */
	CHECK(sg_authop_dam_issue(&d, seed, dam, 1767225600, NULL, &p1) < 0 &&
	      strstr(sg_errmsg(), "rotated meanwhile") && records(&d) == 7);
	/* asked for by its ID, the old domain still issues */
	strcpy(old_id, d.id);
	sg_domain_free(&d);
	CHECK(sg_domain_open(home, old_id, &d) == 0 && !d.as_current);
	CHECK(sg_authop_dam_issue(&d, seed, dam, 1767225600, NULL, &p1) == 0 && records(&d) == 8);
	sg_json_free(dam);

	sg_wipe(seed, sizeof(seed));
	free(p1);
	free(p2);
	sg_domain_free(&d);
	sg_domain_free(&nd);
	sg_age_recipients_free(&rs);
	sg_age_identities_free(&ids);
	CHECK(sg_remove_tree(home) == 0);
	return check_done();
}
