/* test_domain - an authority home and its domains (domain.h), in a
 * temporary home made from fixed seeds: sg_domain_files' domain.json,
 * opening a domain by DomainID, prefix or as the current one (and each
 * refusal's message), a table of mutations of domain.json, the root key
 * unlocked (and a key file of another key refused), the DAM numbering,
 * the current DAM checked, and a table of mutations of a rotation
 * statement with sg_rotation_verify's exact messages. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "check.h"
#include "crypto.h"
#include "dam.h"
#include "domain.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "signed.h"

#define T0 ((time_t)1767225600) /* 2026-01-01T00:00:00Z */

static const char identity[] =
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n";
static char home[] = "/tmp/signet-test-domain-XXXXXX";
static struct sg_age_identities ids;
static struct sg_age_recipients rs;

struct fixed {
	uint8_t seed[32];
	struct sg_domain d;
};
static struct fixed A, B;

static void make(struct fixed *f, uint8_t first, const char *name)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 32; i++)
		f->seed[i] = (uint8_t)(first + i);
	if (sg_ed25519_public(f->seed, f->d.pub) < 0 || sg_domain_id(f->d.pub, f->d.id) < 0)
		exit(1);
	f->d.home = strdup(home);
	f->d.name = strdup(name);
	if (asprintf(&f->d.dir, "%s/domains/%s", home, f->d.id) < 0)
		exit(1);
	snprintf(f->d.key_created_at, sizeof(f->d.key_created_at), "2026-01-01T00:00:00Z");
}

static void put(const char *path, const void *data, size_t len)
{
	CHECK(sg_write_file_atomic(path, data, len, 0600, 0) == 0);
}

static char *at(const struct fixed *f, const char *rel)
{
	static char p[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", f->d.dir, rel);
	return p[k];
}

/* Writes f's domain directory as genesis would: domain.json and the key. */
static void write_domain(const struct fixed *f, struct sg_buf *meta_out)
{
	struct sg_buf key = SG_BUF_INIT, meta = SG_BUF_INIT;
	char p[1024];

	snprintf(p, sizeof(p), "%s/domains", home);
	mkdir(p, 0755);
	CHECK(mkdir(f->d.dir, 0755) == 0);
	CHECK(mkdir(at(f, "keys"), 0700) == 0 && mkdir(at(f, "dam"), 0755) == 0 &&
	      mkdir(at(f, "policies"), 0755) == 0);
	CHECK(sg_domain_files(&f->d, f->seed, &rs, &key, &meta) == 0);
	put(at(f, "keys/root.key.age"), key.data, key.len);
	put(at(f, "domain.json"), meta.data, meta.len);
	if (meta_out) {
		sg_buf_append(meta_out, meta.data, meta.len);
		sg_buf_terminate(meta_out);
	}
	sg_buf_wipe(&key);
	sg_buf_free(&meta);
}

/* %H home, %A %B the DomainIDs */
static const char *expand(const char *t)
{
	static char out[2][2048];
	static int k;
	char *o;

	k ^= 1;
	o = out[k];
	for (; *t; t++) {
		const char *s = NULL;

		if (*t == '%' && t[1] == 'H')
			s = home;
		else if (*t == '%' && t[1] == 'A')
			s = A.d.id;
		else if (*t == '%' && t[1] == 'B')
			s = B.d.id;
		if (s) {
			memcpy(o, s, strlen(s));
			o += strlen(s);
			t++;
		} else {
			*o++ = *t;
		}
	}
	*o = 0;
	return out[k];
}

/* Each a member of A's domain.json set (json) or removed (NULL), and
 * the message sg_domain_open must give. */
static const struct {
	const char *key, *json, *msg;
} meta_rows[] = {
	{ "version", "\"0.2\"", "%H/domains/%A/domain.json: unsupported version \"0.2\"" },
	{ "version", NULL, "%H/domains/%A/domain.json: missing member \"version\"" },
	{ "extra", "1", "%H/domains/%A/domain.json: unknown member \"extra\"" },
	{ "domain_id", "\"%B\"",
	  "%H/domains/%A/domain.json: domain_id does not derive from root_public_key" },
	{ "root_public_key", "\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\"",
	  "%H/domains/%A/domain.json: domain_id does not derive from root_public_key" },
	{ "root_public_key", "\"short\"",
	  "%H/domains/%A/domain.json: key is not the padded base64 of 32 bytes" },
	{ "name", "7", "%H/domains/%A/domain.json: \"name\" is not a string" },
	{ "key_created_at", "\"2026-13-01T00:00:00Z\"",
	  "%H/domains/%A/domain.json: 2026-13-01T00:00:00Z is not a valid date and time" },
};

static int open_meta_row(size_t i, const char *orig)
{
	struct sg_json *m = NULL, *v = NULL;
	struct sg_buf b = SG_BUF_INIT;
	struct sg_domain d;
	int rc;

	CHECK(sg_json_parse_flags(orig, strlen(orig), SG_JSON_MODEL, &m) == 0);
	if (meta_rows[i].json) {
		const char *j = expand(meta_rows[i].json);

		CHECK(sg_json_parse_flags(j, strlen(j), SG_JSON_MODEL, &v) == 0);
		sg_json_set(m, meta_rows[i].key, v);
	} else {
		sg_json_remove(m, meta_rows[i].key);
	}
	sg_json_write(m, &b, 2);
	put(at(&A, "domain.json"), b.data, b.len);
	sg_errclear();
	rc = sg_domain_open(home, A.d.id, &d);
	CHECK(rc < 0 && d.home == NULL && d.name == NULL);
	CHECK_STR(sg_errmsg(), expand(meta_rows[i].msg));
	if (rc == 0 || strcmp(sg_errmsg(), expand(meta_rows[i].msg)))
		fprintf(stderr, "meta row %zu: got \"%s\"\n", i, sg_errmsg());
	sg_domain_free(&d);
	sg_json_free(m);
	sg_buf_free(&b);
	return rc;
}

static struct sg_json *dam_file(const struct fixed *f, time_t issued, time_t expires)
{
	static const char *const roles[] = { "domain_root" };
	struct sg_dam_params p = {
		.domain_id = f->d.id,
		.root_public_key = f->d.pub,
		.issued_at = issued,
		.expires = 1,
		.expires_at = expires,
		.roles = roles,
		.nroles = 1,
		.human_name = "x",
	};
	struct sg_json *dam = sg_dam_build(&p), *file = sg_dam_sign(dam, f->seed);

	sg_json_free(dam);
	return file;
}

static void put_json(const char *path, const struct sg_json *j)
{
	struct sg_buf b = SG_BUF_INIT;

	CHECK(sg_json_canonical(j, &b) == 0);
	put(path, b.data, b.len);
	sg_buf_free(&b);
}

static void dams(void)
{
	struct sg_json *f = NULL, *good = dam_file(&A, T0, T0 + 86400 * 365);
	char *path = NULL;
	unsigned seq = 99;

	/* no DAM yet: no path, number 0; the next is 0001 */
	CHECK(sg_domain_dam_path(&A.d, 0, &path, &seq) == 0 && path == NULL && seq == 0);
	CHECK(sg_domain_dam_path(&A.d, 1, &path, &seq) == 0 && seq == 1);
	CHECK(path && !strcmp(path, at(&A, "dam/0001.dam.json")));
	free(path);
	sg_errclear();
	CHECK(sg_domain_current_dam(&A.d, T0, &f, &path) < 0 && !f && !path);
	CHECK_STR(sg_errmsg(), expand("%H/domains/%A: the domain has no DAM"));
	put_json(at(&A, "dam/0001.dam.json"), good);
	/* names that are not DAM files do not count */
	put(at(&A, "dam/0007.dam.jsonx"), "x", 1);
	put(at(&A, "dam/0008.dam.jso"), "x", 1);
	put(at(&A, "dam/00009.dam.json"), "x", 1);
	put(at(&A, "dam/0009.dam.yaml"), "x", 1);
	CHECK(sg_domain_dam_path(&A.d, 0, &path, &seq) == 0 && seq == 1);
	CHECK(path && !strcmp(path, at(&A, "dam/0001.dam.json")));
	free(path);
	CHECK(sg_domain_current_dam(&A.d, T0, &f, &path) == 0 && f && path);
	CHECK(path && !strcmp(path, at(&A, "dam/0001.dam.json")));
	sg_json_free(f);
	free(path);
	/* the newest is the highest number, and it is the one checked */
	put_json(at(&A, "dam/0003.dam.json"), good);
	CHECK(sg_domain_dam_path(&A.d, 1, &path, &seq) == 0 && seq == 4);
	CHECK(path && !strcmp(path, at(&A, "dam/0004.dam.json")));
	free(path);
	sg_errclear();
	CHECK(sg_domain_current_dam(&A.d, T0 + 86400 * 365, &f, &path) < 0 && !f && !path);
	CHECK_STR(sg_errmsg(),
		  expand("%H/domains/%A/dam/0003.dam.json: DAM expired at 2027-01-01T00:00:00Z"));
	sg_json_free(good);
	/* a DAM of another domain in A's directory is refused */
	good = dam_file(&B, T0, T0 + 86400);
	put_json(at(&A, "dam/0003.dam.json"), good);
	sg_errclear();
	CHECK(sg_domain_current_dam(&A.d, T0, &f, &path) < 0);
	CHECK_STR(sg_errmsg(),
		  expand("%H/domains/%A/dam/0003.dam.json: domain_id %B is not the expected domain %A"));
	sg_json_free(good);
	/* 9999 is the last number */
	put(at(&A, "dam/9999.dam.json"), "x", 1);
	CHECK(sg_domain_dam_path(&A.d, 0, &path, &seq) == 0 && seq == 9999);
	free(path);
	sg_errclear();
	CHECK(sg_domain_dam_path(&A.d, 1, &path, &seq) < 0 && path == NULL);
	CHECK_STR(sg_errmsg(), expand("%H/domains/%A: too many DAMs"));
	unlink(at(&A, "dam/9999.dam.json"));
}

/* Mutations of the rotation statement A -> B and sg_rotation_verify's
 * message ("r: " prefixed); expect_from per row. */
static const struct {
	const char *path, *json; /* "rotation.x" or a top member; NULL json removes */
	int expect;		 /* 1: expect from A, 2: from B */
	const char *msg;	 /* NULL: verifies */
} rot_rows[] = {
	{ NULL, NULL, 0, NULL },
	{ NULL, NULL, 1, NULL },
	{ NULL, NULL, 2, "r: rotates domain %A, not %B" },
	{ "extra", "1", 0, "r: unknown member \"extra\"" },
	{ "new_signature", NULL, 0, "r: missing member \"new_signature\"" },
	{ "rotation.extra", "1", 0, "r: unknown member \"extra\"" },
	{ "rotation.version", "\"0.2\"", 0, "r: unsupported rotation version \"0.2\"" },
	{ "rotation.rotated_at", "\"soon\"", 0,
	  "r: not an RFC 3339 UTC timestamp YYYY-MM-DDTHH:MM:SSZ" },
	{ "rotation.from_domain_id", "\"%B\"", 0,
	  "r: from_domain_id does not derive from from_root_public_key" },
	{ "rotation.to_domain_id", "\"%A\"", 0,
	  "r: to_domain_id does not derive from to_root_public_key" },
	{ "rotation.rotated_at", "\"2026-01-01T00:00:01Z\"", 0,
	  "r: old key's cross-signature: Ed25519 signature does not verify (ctx signet/v1/rotation)" },
	{ "new_signature", "OLD", 0,
	  "r: new key's signature: signature names a different public key" },
	{ "old_signature", "NEW", 0,
	  "r: old key's cross-signature: signature names a different public key" },
};

static void rotations(void)
{
	struct sg_json *stmt = sg_rotation_make(&A.d, A.seed, &B.d, B.seed, T0);
	char to[SG_DOMAIN_ID_LEN + 1];
	struct sg_buf b = SG_BUF_INIT;

	CHECK(stmt != NULL);
	/* both signatures name their keys; the object is domain.h's */
	CHECK(sg_json_get(sg_json_get(stmt, "old_signature"), "public_key") != NULL);
	CHECK(sg_json_canonical(sg_json_get(stmt, "rotation"), &b) == 0 && sg_buf_terminate(&b) == 0);
	CHECK(strstr((char *)b.data, "\"rotated_at\":\"2026-01-01T00:00:00Z\"") != NULL);
	CHECK(strstr((char *)b.data, expand("\"from_domain_id\":\"%A\"")) != NULL);
	CHECK(strstr((char *)b.data, expand("\"to_domain_id\":\"%B\"")) != NULL);
	sg_buf_free(&b);
	for (size_t i = 0; i < sizeof(rot_rows) / sizeof(rot_rows[0]); i++) {
		struct sg_json *s = sg_json_clone(stmt), *o = s, *v = NULL;
		const char *key = rot_rows[i].path, *json = rot_rows[i].json;
		int rc;

		if (key && !strncmp(key, "rotation.", 9)) {
			o = sg_json_get(s, "rotation");
			key += 9;
		}
		if (key && !json) {
			sg_json_remove(o, key);
		} else if (key && (!strcmp(json, "OLD") || !strcmp(json, "NEW"))) {
			v = sg_json_clone(sg_json_get(stmt, !strcmp(json, "OLD") ? "old_signature"
										 : "new_signature"));
			sg_json_set(o, key, v);
		} else if (key) {
			json = expand(json);
			CHECK(sg_json_parse_flags(json, strlen(json), SG_JSON_MODEL, &v) == 0);
			sg_json_set(o, key, v);
		}
		memset(to, 'x', sizeof(to));
		sg_errclear();
		rc = sg_rotation_verify(s, "r",
					rot_rows[i].expect == 1	  ? A.d.id
					: rot_rows[i].expect == 2 ? B.d.id
								  : NULL,
					to);
		if (rot_rows[i].msg) {
			CHECK(rc < 0);
			CHECK_STR(sg_errmsg(), expand(rot_rows[i].msg));
			if (strcmp(sg_errmsg(), expand(rot_rows[i].msg)))
				fprintf(stderr, "rotation row %zu: got \"%s\"\n", i, sg_errmsg());
		} else {
			CHECK(rc == 0 && !strcmp(to, B.d.id));
		}
		sg_json_free(s);
	}
	/* a domain rotated to itself */
	sg_json_free(stmt);
	stmt = sg_rotation_make(&A.d, A.seed, &A.d, A.seed, T0);
	sg_errclear();
	CHECK(sg_rotation_verify(stmt, "r", NULL, to) < 0);
	CHECK_STR(sg_errmsg(), "r: rotates a domain to itself");
	sg_json_free(stmt);
}

int main(void)
{
	struct sg_buf meta = SG_BUF_INIT, key = SG_BUF_INIT, rcpt = SG_BUF_INIT;
	struct sg_domain d;
	uint8_t seed[32];
	char want_meta[1024], prefix[8], p[1024];

	if (!mkdtemp(home) ||
	    sg_age_identities_parse(&ids, "identity", identity, sizeof(identity) - 1) < 0 ||
	    sg_age_recipient_encode(ids.v[0].public, &rcpt) < 0 ||
	    sg_age_recipients_add(&rs, (const char *)rcpt.data, rcpt.len) < 0)
		return 1;
	make(&A, 0x20, "Alpha");
	make(&B, 0x90, "Beta");

	/* the home's default */
	setenv("SIGNET_HOME", "/env/home", 1);
	CHECK_STR(sg_home_default("/opt/home"), "/opt/home");
	CHECK_STR(sg_home_default(""), "/env/home");
	CHECK_STR(sg_home_default(NULL), "/env/home");
	setenv("SIGNET_HOME", "", 1);
	CHECK_STR(sg_home_default(NULL), SG_DEFAULT_HOME);
	unsetenv("SIGNET_HOME");
	CHECK_STR(sg_home_default(NULL), "/asl-auth-host");

	/* an empty home: no domains directory, no current domain */
	CHECK(sg_home_has_current(home) == 0);
	sg_errclear();
	CHECK(sg_domain_open(home, NULL, &d) < 0);
	CHECK_STR(sg_errmsg(),
		  expand("%H/domains: cannot open the authority home's domains: No such file or directory"));
	{
		struct sg_age_recipients none = { 0 };

		sg_errclear();
		CHECK(sg_domain_files(&A.d, A.seed, &none, &key, &meta) < 0);
		CHECK_STR(sg_errmsg(), "no recipient or passphrase to encrypt the root key to");
	}

	write_domain(&A, &meta);
	snprintf(want_meta, sizeof(want_meta),
		 "{\n  \"version\": \"0.1\",\n  \"domain_id\": \"%s\",\n  \"name\": \"Alpha\",\n"
		 "  \"root_public_key\": \"",
		 A.d.id);
	CHECK(!strncmp((char *)meta.data, want_meta, strlen(want_meta)));
	CHECK(strstr((char *)meta.data, "\"key_created_at\": \"2026-01-01T00:00:00Z\"\n}\n") != NULL);
	CHECK(sg_home_has_current(home) == 1);

	/* opened as the current domain, by its DomainID and by a prefix */
	CHECK(sg_domain_open(home, NULL, &d) == 0 && d.as_current && !strcmp(d.id, A.d.id));
	CHECK(!strcmp(d.name, "Alpha") && !memcmp(d.pub, A.d.pub, 32) && !strcmp(d.dir, A.d.dir));
	CHECK_STR(d.key_created_at, "2026-01-01T00:00:00Z");
	CHECK(!sg_domain_superseded(&d));
	CHECK(sg_domain_key_wants_passphrase(&d) == 0);
	memset(seed, 0, sizeof(seed));
	CHECK(sg_domain_unlock(&d, &ids, seed) == 0 && !memcmp(seed, A.seed, 32));
	sg_domain_free(&d);
	CHECK(sg_domain_open(home, A.d.id, &d) == 0 && !d.as_current);
	sg_domain_free(&d);
	memcpy(prefix, A.d.id, 5);
	prefix[5] = 0;
	CHECK(sg_domain_open(home, prefix, &d) == 0 && !strcmp(d.id, A.d.id));
	sg_domain_free(&d);
	sg_errclear();
	CHECK(sg_domain_open(home, "zzzz", &d) < 0);
	CHECK_STR(sg_errmsg(), expand("%H/domains: no domain matches \"zzzz\""));

	/* a second domain: two current ones, a prefix of both */
	write_domain(&B, NULL);
	sg_errclear();
	CHECK(sg_domain_open(home, NULL, &d) < 0);
	CHECK_STR(sg_errmsg(),
		  expand("%H/domains: more than one current domain (choose one with --domain)"));
	sg_errclear();
	CHECK(sg_domain_open(home, "", &d) < 0);
	CHECK_STR(sg_errmsg(), expand("%H/domains: more than one domain matches \"\""));
	/* A superseded: B is the current one */
	put(at(&A, "superseded.json"), "{}", 2);
	CHECK(sg_domain_open(home, NULL, &d) == 0 && !strcmp(d.id, B.d.id));
	sg_domain_free(&d);
	CHECK(sg_domain_open(home, A.d.id, &d) == 0 && sg_domain_superseded(&d));
	sg_domain_free(&d);
	put(at(&B, "superseded.json"), "{}", 2);
	CHECK(sg_home_has_current(home) == 0);
	sg_errclear();
	CHECK(sg_domain_open(home, NULL, &d) < 0);
	CHECK_STR(sg_errmsg(), expand("%H/domains: no current domain (run signet domain init)"));
	unlink(at(&B, "superseded.json"));

	/* a key file holding another key */
	snprintf(p, sizeof(p), "%s", at(&B, "keys/root.key.age"));
	CHECK(rename(p, at(&A, "keys/root.key.age")) == 0);
	CHECK(sg_domain_open(home, A.d.id, &d) == 0);
	sg_errclear();
	memset(seed, 0, sizeof(seed));
	CHECK(sg_domain_unlock(&d, &ids, seed) < 0);
	CHECK_STR(sg_errmsg(),
		  expand("%H/domains/%A/keys/root.key.age: does not hold the domain's root key"));
	sg_domain_free(&d);

	/* domain.json, mutated */
	for (size_t i = 0; i < sizeof(meta_rows) / sizeof(meta_rows[0]); i++)
		open_meta_row(i, (char *)meta.data);
	/* a directory named for another DomainID than its domain.json's */
	put(at(&A, "domain.json"), meta.data, meta.len);
	snprintf(p, sizeof(p), "%s", at(&B, "domain.json"));
	put(p, meta.data, meta.len);
	sg_errclear();
	CHECK(sg_domain_open(home, B.d.id, &d) < 0);
	CHECK_STR(sg_errmsg(),
		  expand("%H/domains/%B/domain.json: domain_id does not derive from root_public_key"));
	sg_domain_free(&d);

	/* paths and JSON inside the domain */
	{
		char *q = sg_domain_path(&A.d, "dam/x");
		struct sg_json *j = NULL;

		CHECK(q && !strcmp(q, at(&A, "dam/x")));
		free(q);
		put(at(&A, "policies/p.json"), "{\"a\":1}", 7);
		CHECK(sg_domain_read_json(&A.d, "policies/p.json", &j) == 0 && j &&
		      sg_json_get(j, "a")->u.integer == 1);
		sg_json_free(j);
		put(at(&A, "policies/f.json"), "{\"a\":1.5}", 9);
		CHECK(sg_domain_read_json(&A.d, "policies/f.json", &j) < 0 && j == NULL);
	}
	dams();
	rotations();

	sg_remove_tree(home);
	sg_buf_free(&meta);
	sg_buf_free(&key);
	sg_buf_free(&rcpt);
	free(A.d.home);
	free(A.d.name);
	free(A.d.dir);
	free(B.d.home);
	free(B.d.name);
	free(B.d.dir);
	sg_age_identities_free(&ids);
	sg_age_recipients_free(&rs);
	return check_done();
}
