/* test_fleetca.c - the fleet's CA (fleetca.h): issue into a fresh
 * repository and CA directory, then the real peers on what was made:
 * openssl verify (with and without the CRL) of every service's
 * certificate, its addresses as IP names only where permit_ip has them,
 * the sealed key read back with signet's own sops layer and matching
 * the certificate; a second issue writes nothing; new names, an expiry
 * near, a name outside the CA's constraints, a client certificate for
 * mutual TLS, and a CA key sealed to age. */
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetca.h"
#include "fleetca_sample.h"
#include "path.h"

static char tmp[] = "/tmp/test_fleetca.XXXXXX";
static char repo[600], ca_dir[600];
static const char *const services[] = { "ca", "status", "www" };

static void file_of(char *out, const char *rel)
{
	tfmt(out, 700, "%s/%s", repo, rel);
}

/* One line per state file: its SHA-256 and path. */
static void snapshot(struct sg_buf *out)
{
	char cmd[1400], path[700];
	FILE *p;
	size_t n;

	tfmt(cmd, sizeof(cmd), "cd '%s' && find state -type f | LC_ALL=C sort | xargs sha256sum",
	     repo);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	while ((n = fread(path, 1, sizeof(path), p)) > 0)
		sg_buf_append(out, path, n);
	pclose(p);
}

static void check_verify(const char *ca, const char *crl, const char *cert, int want_ok)
{
	int a = run("openssl verify -purpose sslserver -CAfile '%s' '%s' >/dev/null 2>&1", ca, cert);
	int b = run("openssl verify -purpose sslserver -crl_check -CRLfile '%s' -CAfile '%s' '%s' "
		    ">/dev/null 2>&1",
		    crl, ca, cert);
	CHECK(a == 0);
	CHECK(want_ok ? b == 0 : b != 0);
}

static void check_first(const struct sg_fleet *f, const struct sg_age_identities *ids)
{
	struct sg_buf report = SG_BUF_INIT, s1 = SG_BUF_INIT, s2 = SG_BUF_INIT;
	char ca[700], crl[700], path[700], key[700], rel[300];

	CHECK(sg_fleet_ca_issue(f, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0);
	fprintf(stderr, "%.*s", (int)report.len, (const char *)report.data);
	CHECK(strstr((const char *)report.data, "CA made") != NULL);
	file_of(ca, SG_FLEET_CA_PEM);
	file_of(crl, SG_FLEET_CA_CRL);
	CHECK(access(ca, F_OK) == 0 && access(crl, F_OK) == 0);
	CHECK(run("openssl crl -in '%s' -noout -CAfile '%s' 2>&1 | grep -q 'verify OK'", crl, ca) ==
	      0);
	for (size_t i = 0; i < 3; i++) {
		struct sg_buf pem = SG_BUF_INIT;
		struct stat st;
		tfmt(rel, sizeof(rel), "state/certs/%s/cert.pem", services[i]);
		file_of(path, rel);
		check_verify(ca, crl, path, 1);
		/* IPv4 inside permit_ip; fd00::80 outside it */
		CHECK(run("openssl x509 -in '%s' -noout -ext subjectAltName | grep -q 'IP "
			  "Address:127.10.0.80'",
			  path) == 0);
		CHECK(run("openssl x509 -in '%s' -noout -ext subjectAltName | grep -qi 'fd00'",
			  path) != 0);
		tfmt(rel, sizeof(rel), "state/secrets/web1/%s.key.sops.yaml", services[i]);
		file_of(key, rel);
		CHECK(stat(key, &st) == 0 && (st.st_mode & 077) == 0);
		CHECK(run("grep -q 'PRIVATE KEY' '%s'", key) != 0); /* sealed, never in clear */
		CHECK(unseal_key(key, ids, &pem) == 0);
		tfmt(rel, sizeof(rel), "%s/%s.key", tmp, services[i]);
		CHECK(sg_write_file_atomic(rel, pem.data, pem.len, 0600, 0) == 0);
		sg_buf_wipe(&pem);
		CHECK(run("test \"$(openssl pkey -in '%s' -pubout)\" = "
			  "\"$(openssl x509 -in '%s' -noout -pubkey)\"",
			  rel, path) == 0);
	}
	/* the name constraints as openssl reads them */
	CHECK(run("openssl x509 -in '%s' -noout -ext nameConstraints | grep -q 'DNS:example.internal'",
		  ca) == 0);
	/* signet's own sops command reads the key back too */
	if (access("../signet", X_OK) == 0) {
		char idf[700];
		tfmt(idf, sizeof(idf), "%s/web1.age", tmp);
		file_of(key, "state/secrets/web1/www.key.sops.yaml");
		CHECK(run("SOPS_AGE_KEY_FILE='%s' ../signet sops -d --extract '[\"tls_key\"]' '%s' | "
			  "cmp -s - '%s/www.key'",
			  idf, key, tmp) == 0);
	}
	/* a second run: nothing */
	snapshot(&s1);
	sg_buf_free(&report);
	CHECK(sg_fleet_ca_issue(f, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0);
	CHECK(report.len == 0);
	snapshot(&s2);
	CHECK(s1.len > 0 && s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0);
	sg_buf_free(&report);
	sg_buf_free(&s1);
	sg_buf_free(&s2);
}

/* New names for www: a new certificate, the old one revoked. */
static void check_new_names(const char *rcpt)
{
	struct sg_fleet g;
	struct sg_buf report = SG_BUF_INIT;
	char ca[700], crl[700], path[700], old[700];

	file_of(ca, SG_FLEET_CA_PEM);
	file_of(crl, SG_FLEET_CA_CRL);
	file_of(path, "state/certs/www/cert.pem");
	tfmt(old, sizeof(old), "%s/www-old.pem", tmp);
	CHECK(run("cp '%s' '%s'", path, old) == 0);
	CHECK(parse_fleet(rcpt, "services/www.yaml", "names: [www.example.internal]",
			  "names: [www.example.internal, files.example.internal]", &g) == 0);
	CHECK(sg_fleet_ca_issue(&g, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0);
	CHECK(strstr((const char *)report.data, "state/certs/www/cert.pem: issued") != NULL);
	CHECK(strstr((const char *)report.data, "state/certs/status") == NULL);
	CHECK(strstr((const char *)report.data, "CRL written") != NULL);
	CHECK(run("openssl x509 -in '%s' -noout -ext subjectAltName | grep -q "
		  "'DNS:files.example.internal'",
		  path) == 0);
	check_verify(ca, crl, path, 1);
	check_verify(ca, crl, old, 0); /* superseded */
	sg_buf_free(&report);
	CHECK(sg_fleet_ca_issue(&g, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0 &&
	      report.len == 0);
	sg_buf_free(&report);
	sg_fleet_free(&g);
}

/* A leaf the CA holds for a service that state/ does not (what a crash
 * between the CA's commit and state/'s leaves: here made by signet ca
 * renew) is revoked by the next issue, which keeps state/'s certificate
 * valid and changes nothing else; the issue after that does nothing. */
static void check_stale_leaf(const struct sg_fleet *f, const char *signet)
{
	struct sg_buf report = SG_BUF_INIT;
	char ca[700], crl[700], path[700], orphan[700];

	file_of(ca, SG_FLEET_CA_PEM);
	file_of(crl, SG_FLEET_CA_CRL);
	file_of(path, "state/certs/www/cert.pem");
	tfmt(orphan, sizeof(orphan), "%s/www.example.internal/cert.pem", ca_dir);
	CHECK(run("'%s' ca renew --reuse-key --dir '%s' www.example.internal >/dev/null", signet,
		  ca_dir) == 0);
	CHECK(run("cmp -s '%s' '%s'", orphan, path) != 0);
	CHECK(sg_fleet_ca_issue(f, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0);
	CHECK(report.len && strstr((const char *)report.data, "CRL written") != NULL &&
	      strstr((const char *)report.data, ": issued") == NULL);
	check_verify(ca, crl, path, 1);
	check_verify(ca, crl, orphan, 0);
	sg_buf_free(&report);
	CHECK(sg_fleet_ca_issue(f, repo, ca_dir, NULL, NULL, time(NULL), &report) == 0 &&
	      report.len == 0);
	sg_buf_free(&report);
}

/* A name the CA's constraints do not permit is refused, even when the
 * documents (here with a wider permit_dns) allow it. */
static void check_outside(const char *rcpt)
{
	struct sg_fleet g;
	struct sg_buf report = SG_BUF_INIT, s1 = SG_BUF_INIT, s2 = SG_BUF_INIT;
	struct sg_fleet_service *www;

	CHECK(parse_fleet(rcpt, "fleet.yaml", "permit_dns: [example.internal]",
			  "permit_dns: [example.internal, example.org]", &g) == 0);
	www = NULL;
	for (size_t i = 0; i < g.nservices; i++)
		if (!strcmp(g.services[i].name, "www"))
			www = &g.services[i];
	CHECK(www != NULL);
	if (!www)
		return;
	free(www->names.v[0]);
	www->names.v[0] = strdup("www.example.org");
	snapshot(&s1);
	CHECK(sg_fleet_ca_issue(&g, repo, ca_dir, NULL, NULL, time(NULL), &report) < 0);
	fprintf(stderr, "  (refused: %s)\n", sg_errmsg());
	CHECK(strstr(sg_errmsg(), "www.example.org") != NULL);
	snapshot(&s2);
	CHECK(s1.len == s2.len && memcmp(s1.data, s2.data, s1.len) == 0);
	sg_buf_free(&report);
	sg_buf_free(&s1);
	sg_buf_free(&s2);
	sg_fleet_free(&g);
}

/* Within 30 days of expiry everything is issued again. */
static void check_expiry(const struct sg_fleet *f)
{
	struct sg_buf report = SG_BUF_INIT;
	char ca[700], crl[700], path[700];
	int64_t later = (int64_t)time(NULL) + 370 * 86400;

	CHECK(sg_fleet_ca_issue(f, repo, ca_dir, NULL, NULL, later, &report) == 0);
	for (size_t i = 0; i < 3; i++) {
		char line[100];
		tfmt(line, sizeof(line), "state/certs/%s/cert.pem: issued", services[i]);
		CHECK(strstr((const char *)report.data, line) != NULL);
	}
	file_of(ca, SG_FLEET_CA_PEM);
	file_of(crl, SG_FLEET_CA_CRL);
	file_of(path, "state/certs/www/cert.pem");
	check_verify(ca, crl, path, 1);
	sg_buf_free(&report);
}

static void check_client(const struct sg_fleet *f)
{
	struct sg_buf report = SG_BUF_INIT;
	char dir[700], ca[700], crl[700];
	struct stat st;

	tfmt(dir, sizeof(dir), "%s/operator", tmp);
	file_of(ca, SG_FLEET_CA_PEM);
	file_of(crl, SG_FLEET_CA_CRL);
	CHECK(sg_fleet_ca_client(f, repo, ca_dir, NULL, "operator", dir, &report) == 0);
	CHECK(run("openssl verify -purpose sslclient -crl_check -CRLfile '%s' -CAfile '%s' "
		  "'%s/operator.crt' >/dev/null",
		  crl, ca, dir) == 0);
	CHECK(run("openssl verify -purpose sslserver -CAfile '%s' '%s/operator.crt' >/dev/null "
		  "2>&1",
		  ca, dir) != 0);
	CHECK(run("openssl x509 -in '%s/operator.crt' -noout -subject | grep -q "
		  "'CN *= *operator@example.internal'",
		  dir) == 0);
	CHECK(run("test \"$(openssl pkey -in '%s/operator.key' -pubout)\" = "
		  "\"$(openssl x509 -in '%s/operator.crt' -noout -pubkey)\"",
		  dir, dir) == 0);
	tfmt(ca, sizeof(ca), "%s/operator.key", dir);
	CHECK(stat(ca, &st) == 0 && (st.st_mode & 077) == 0);
	/* again: a new pair, the old one revoked */
	CHECK(run("cp '%s/operator.crt' '%s/old.crt'", dir, dir) == 0);
	CHECK(sg_fleet_ca_client(f, repo, ca_dir, NULL, "operator", dir, &report) == 0);
	file_of(ca, SG_FLEET_CA_PEM);
	CHECK(run("openssl verify -purpose sslclient -crl_check -CRLfile '%s' -CAfile '%s' "
		  "'%s/old.crt' >/dev/null 2>&1",
		  crl, ca, dir) != 0);
	CHECK(sg_fleet_ca_client(f, repo, ca_dir, NULL, "../x", dir, &report) < 0);
	sg_buf_free(&report);
}

/* The CA key sealed to an age recipient: issue needs the identity. */
static void check_sealed(const struct sg_fleet *f, const struct sg_age_identities *ids,
			 const char *rcpt)
{
	struct sg_age_recipients rs = { 0 };
	struct sg_buf report = SG_BUF_INIT;
	char repo2[700], dir2[700];

	tfmt(repo2, sizeof(repo2), "%s/repo2", tmp);
	tfmt(dir2, sizeof(dir2), "%s/keys/ca-age", tmp);
	CHECK(mkdir(repo2, 0755) == 0);
	CHECK(sg_age_recipients_add(&rs, rcpt, strlen(rcpt)) == 0);
	CHECK(sg_fleet_ca_issue(f, repo2, dir2, &rs, NULL, time(NULL), &report) < 0);
	CHECK(run("ls '%s'/root/ca-key.pem.age >/dev/null && ! ls '%s'/root/ca-key.pem 2>/dev/null",
		  dir2, dir2) == 0);
	CHECK(sg_fleet_ca_issue(f, repo2, dir2, &rs, ids, time(NULL), &report) == 0);
	CHECK(run("openssl verify -CAfile '%s/state/ca/ca.pem' '%s/state/certs/www/cert.pem' "
		  ">/dev/null",
		  repo2, repo2) == 0);
	sg_age_recipients_free(&rs);
	sg_buf_free(&report);
}

int main(void)
{
	struct sg_fleet f;
	struct sg_age_identities ids = { 0 };
	struct sg_buf idtext = SG_BUF_INIT;
	char rcpt[100], idf[700];

	CHECK(mkdtemp(tmp) != NULL);
	tfmt(repo, sizeof(repo), "%s/repo", tmp);
	tfmt(ca_dir, sizeof(ca_dir), "%s/keys/ca", tmp);
	tfmt(idf, sizeof(idf), "%s/web1.age", tmp);
	CHECK(mkdir(repo, 0755) == 0);
	CHECK(test_identity(rcpt, &ids, &idtext) == 0);
	CHECK(sg_write_file_atomic(idf, idtext.data, idtext.len, 0600, 0) == 0);
	if (parse_fleet(rcpt, NULL, NULL, NULL, &f) < 0) {
		CHECK(0);
		sg_fleet_free(&f);
		return check_done();
	}
	check_first(&f, &ids);
	check_new_names(rcpt);
	check_outside(rcpt);
	check_expiry(&f);
	check_stale_leaf(&f, getenv("SIGNET") ? getenv("SIGNET") : "../signet");
	check_client(&f);
	check_sealed(&f, &ids, rcpt);
	sg_fleet_free(&f);
	sg_age_identities_free(&ids);
	sg_buf_wipe(&idtext);
	if (check_failed == 0)
		sg_remove_tree(tmp);
	else
		fprintf(stderr, "kept %s\n", tmp);
	return check_done();
}
