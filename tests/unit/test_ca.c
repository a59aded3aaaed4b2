/* ca.h: a CA with an intermediate in a temporary directory, driven
 * through init, issue (a batch), revoke, crl and renew, the index and
 * the certificates checked against each other after each step: every
 * index line names a certificate whose serial, subject and notAfter it
 * records, every certificate verifies up to ca.pem; the CRL carries the
 * revoked serials with their reasons and the CRL number crlnumber held.
 * Each refusal is checked for its exact message and for leaving the
 * directory as it was. The library takes its keys from OpenSSL's RNG
 * and its times from the clock (no parameter for either), so those are
 * checked by relation (same key, later serial, time within the run),
 * not by value. Ed25519 keys keep it fast. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "ca.h"
#include "caindex.h"
#include "check.h"
#include "err.h"
#include "fileio.h"

static char dir[64];
static char want[4096];

/* call fails with the message fmt (a literal) formats to. */
#define REFUSED(call, ...)                                                               \
	do {                                                                             \
		sg_errclear();                                                           \
		CHECK((call) == -1);                                                     \
		snprintf(want, sizeof(want), __VA_ARGS__);                               \
		CHECK_STR(sg_errmsg(), want);                                            \
		if (strcmp(sg_errmsg(), want))                                           \
			fprintf(stderr, "  line %d: got '%s'\n", __LINE__, sg_errmsg()); \
	} while (0)

static X509 *read_cert(const char *rel, STACK_OF(X509) * *rest)
{
	char path[512];
	FILE *f;
	X509 *x, *y;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (!(f = fopen(path, "r")))
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (rest) {
		*rest = sk_X509_new_null();
		while ((y = PEM_read_X509(f, NULL, NULL, NULL)))
			sk_X509_push(*rest, y);
	}
	fclose(f);
	return x;
}

static int file_mode(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

static int file_text(const char *rel, struct sg_buf *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	out->len = 0;
	return sg_read_file(path, out, 1 << 20);
}

/* Every line of the index on disk against its certificate, and the
 * index file against the formatter (parse then format: same bytes). */
static void check_index(size_t n_expect, X509 *root, X509 *inter)
{
	struct sg_buf b = SG_BUF_INIT, again = SG_BUF_INIT;
	struct sg_ca_index idx = SG_CA_INDEX_INIT;

	CHECK(file_text("index.txt", &b) == 0);
	CHECK(sg_ca_index_parse(b.data, b.len, "index.txt", &idx) == 0);
	CHECK(idx.n == n_expect);
	CHECK(sg_ca_index_format(&idx, &again) == 0);
	CHECK(again.len == b.len && memcmp(again.data, b.data, b.len) == 0);
	for (size_t i = 0; i < idx.n; i++) {
		const struct sg_ca_entry *e = &idx.e[i];
		STACK_OF(X509) *rest = NULL;
		X509 *x = read_cert(e->file, &rest);
		char serial[SG_CA_SERIAL_MAX + 1], subj[1024], exp[SG_CA_TIME_MAX + 1];
		struct tm tm;

		CHECK(x != NULL);
		if (!x) {
			sk_X509_pop_free(rest, X509_free);
			continue;
		}
		CHECK(sg_x509_serial_hex(x, serial) == 0);
		CHECK_STR(serial, e->serial);
		X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
		CHECK_STR(subj, e->subject);
		CHECK(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1);
		sg_ca_time_format(timegm(&tm), exp);
		CHECK_STR(exp, e->expires);
		CHECK(e->status == 'V' || e->status == 'R');
		CHECK((e->status == 'R') == (e->revoked[0] != '\0'));
		/* The leaf file carries the intermediate; both verify. */
		CHECK(sk_X509_num(rest) == 1 && X509_cmp(sk_X509_value(rest, 0), inter) == 0);
		CHECK(X509_verify(x, X509_get0_pubkey(inter)) == 1);
		CHECK(X509_verify(inter, X509_get0_pubkey(root)) == 1);
		X509_free(x);
		sk_X509_pop_free(rest, X509_free);
	}
	sg_ca_index_free(&idx);
	sg_buf_free(&b);
	sg_buf_free(&again);
}

static void name(struct sg_name *n, const char *s)
{
	CHECK(sg_name_parse(SG_NAME_DNS, s, n) == 0);
}

static void init_refusals(void)
{
	char sub[128], n65[66];
	const char *permit[] = { "example.org" };
	const char *bad[] = { "exa mple.org" };
	struct sg_ca_init_opts o = { .dir = sub, .alg = SG_CA_ED25519, .intermediate = 1 };

	snprintf(sub, sizeof(sub), "%s/x", dir);
	memset(n65, 'n', 65);
	n65[65] = '\0';
	o.days = 36501;
	REFUSED(sg_ca_init(&o), "--days 36501: more than 100 years");
	o.days = 0;
	o.name = "";
	REFUSED(sg_ca_init(&o), "--name must be 1-64 characters");
	o.name = n65;
	REFUSED(sg_ca_init(&o), "--name must be 1-64 characters");
	o.name = "r";
	o.permit_dns = bad;
	o.n_permit_dns = 1;
	REFUSED(sg_ca_init(&o),
		"--permit-dns: DNS name 'exa mple.org': character ' ' not allowed (letters, digits, '-')");
	/* None of these made the directory. */
	CHECK(access(sub, F_OK) == -1 && errno == ENOENT);
	(void)permit;
}

int main(void)
{
	const char *permit[] = { "example.org" };
	struct sg_ca_init_opts o = { .dir = dir,
				     .name = "T root",
				     .alg = SG_CA_ED25519,
				     .permit_dns = permit,
				     .n_permit_dns = 1,
				     .intermediate = 1,
				     .days = 30 };
	struct sg_name names[3];
	struct sg_ca_request r = { .names = names, .alg = SG_CA_ED25519 };
	struct sg_ca *ca;
	struct sg_buf b = SG_BUF_INIT;
	char leaf[SG_NAME_MAX], sa[SG_CA_SERIAL_MAX + 1], sb[SG_CA_SERIAL_MAX + 1], path[512];
	X509 *root, *inter;
	time_t t0 = time(NULL);

	strcpy(dir, "/tmp/test_ca.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	init_refusals();

	CHECK(sg_ca_init(&o) == 0);
	REFUSED(sg_ca_init(&o), "%s: a CA already exists here (%s/ca.pem), not overwriting", dir,
		dir);
	CHECK(file_mode("root/ca-key.pem") == 0600 && file_mode("intermediate/key.pem") == 0600);
	CHECK(file_mode("ca.pem") == 0644 && file_mode("intermediate/cert.pem") == 0644);
	CHECK(file_text("index.txt", &b) == 0 && b.len == 0);
	CHECK(file_text("index.txt.attr", &b) == 0 && b.len == 20 &&
	      !memcmp(b.data, "unique_subject = no\n", 20));
	root = read_cert("ca.pem", NULL);
	inter = read_cert("intermediate/cert.pem", NULL);
	CHECK(root && inter);
	{
		char s[256];
		X509_NAME_oneline(X509_get_subject_name(root), s, sizeof(s));
		CHECK_STR(s, "/CN=T root");
		X509_NAME_oneline(X509_get_subject_name(inter), s, sizeof(s));
		CHECK_STR(s, "/CN=T root intermediate");
	}

	snprintf(path, sizeof(path), "%s/nope", dir);
	sg_errclear();
	CHECK(sg_ca_open(path, SG_CA_WRITE) == NULL);
	snprintf(want, sizeof(want), "%s: no CA here (run 'signet ca init')", path);
	CHECK_STR(sg_errmsg(), want);
	CHECK(access(path, F_OK) == -1);

	/* A reader can neither issue nor commit. */
	ca = sg_ca_open(dir, SG_CA_READ);
	CHECK(ca != NULL);
	CHECK(sg_ca_key_storage(ca) == SG_CA_KEY_PLAIN);
	snprintf(path, sizeof(path), "%s/intermediate/key.pem", dir);
	CHECK_STR(sg_ca_key_path(ca), path);
	name(&names[0], "a.example.org");
	r.n = 1;
	REFUSED(sg_ca_issue(ca, &r, leaf), "%s: CA key not loaded", dir);
	CHECK(sg_ca_load_key(ca, NULL) == 0);
	REFUSED(sg_ca_issue(ca, &r, leaf), "%s: the CA was opened for reading", dir);
	REFUSED(sg_ca_commit(ca), "%s: the CA was opened for reading", dir);
	REFUSED(sg_ca_crl(ca, "crl.pem", 1), "%s: the CA was opened for reading", dir);
	sg_ca_close(ca);

	/* Issue a batch of two; refusals in between stage nothing. */
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	r.n = 0;
	REFUSED(sg_ca_issue(ca, &r, leaf),
		"no names given (--domains, --ip-addresses, --email, --uri)");
	name(&names[0], "a.example.org");
	name(&names[1], "A.example.org");
	r.n = 2;
	REFUSED(sg_ca_issue(ca, &r, leaf), "'a.example.org' is listed twice");
	name(&names[1], "evil.com");
	r.days = 29;
	REFUSED(sg_ca_check_request(ca, &r),
		"DNS name 'evil.com' is outside the CA's name constraints (/CN=T root intermediate "
		"permits example.org)");
	name(&names[1], "www.example.org");
	r.days = 36501;
	REFUSED(sg_ca_issue(ca, &r, leaf), "--days 36501: more than 100 years");
	r.days = 31;
	REFUSED(sg_ca_issue(ca, &r, leaf),
		"a certificate valid 31 days would outlive the issuing CA; use fewer --days");
	r.days = 29;
	CHECK(sg_ca_check_request(ca, &r) == 0);
	CHECK(sg_ca_issue(ca, &r, leaf) == 0);
	CHECK_STR(leaf, "a.example.org");
	REFUSED(sg_ca_issue(ca, &r, leaf), "%s/a.example.org: issued twice in one transaction", dir);
	name(&names[0], "*.b.example.org");
	r.n = 1;
	r.client = 1;
	CHECK(sg_ca_issue(ca, &r, leaf) == 0);
	CHECK_STR(leaf, "_.b.example.org");
	/* Nothing is on disk before the commit. */
	CHECK(file_mode("a.example.org") == -1);
	CHECK(file_text("index.txt", &b) == 0 && b.len == 0);
	CHECK(sg_ca_index(ca)->n == 2);
	CHECK(sg_ca_commit(ca) == 0);
	sg_ca_close(ca);
	CHECK(file_mode("a.example.org") == 0700 && file_mode("a.example.org/key.pem") == 0600);
	CHECK(file_mode("a.example.org/cert.pem") == 0644);
	CHECK(file_mode("_.b.example.org/key.pem") == 0600);
	check_index(2, root, inter);

	/* Renew refuses an existing leaf's re-issue; an uncommitted issue
	 * leaves nothing. */
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	name(&names[0], "a.example.org");
	r.client = 0;
	REFUSED(sg_ca_issue(ca, &r, leaf),
		"%s/a.example.org: already exists, not overwriting (use 'signet ca renew a.example.org')",
		dir);
	name(&names[0], "c.example.org");
	CHECK(sg_ca_issue(ca, &r, leaf) == 0);
	sg_ca_close(ca);
	CHECK(file_mode("c.example.org") == -1);
	check_index(2, root, inter);

	/* Revoke: by serial (any case, colons), by file; refusals. */
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	{
		const struct sg_ca_index *idx = sg_ca_index(ca);
		char lower[3 * SG_CA_SERIAL_MAX];
		size_t k = 0;

		CHECK(idx->n == 2);
		snprintf(sa, sizeof(sa), "%s", idx->e[0].serial);
		snprintf(sb, sizeof(sb), "%s", idx->e[1].serial);
		CHECK_STR(idx->e[0].file, "a.example.org/cert.pem");
		CHECK_STR(idx->e[1].file, "_.b.example.org/cert.pem");
		for (size_t i = 0; sa[i]; i++) {
			if (i && i % 2 == 0)
				lower[k++] = ':';
			lower[k++] = (char)(sa[i] >= 'A' && sa[i] <= 'F' ? sa[i] + 32 : sa[i]);
		}
		lower[k] = '\0';
		REFUSED(sg_ca_revoke(ca, "zz", 1),
			"'zz': neither a certificate file nor a serial number");
		REFUSED(sg_ca_revoke(ca, "0A", 1), "serial 0A: not in %s/index.txt", dir);
		snprintf(path, sizeof(path), "%s/ca.pem", dir);
		REFUSED(sg_ca_revoke(ca, path, 1), "%s: not issued by this CA (%s)", path, dir);
		CHECK(sg_ca_revoke(ca, lower, 1) == 0);
	}
	sg_ca_close(ca);
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	{
		const struct sg_ca_entry *e = &sg_ca_index(ca)->e[0];
		time_t when;

		CHECK(e->status == 'R' && e->reason == 1);
		CHECK(sg_ca_time_parse(e->revoked, &when) == 0 && when >= t0 && when <= time(NULL));
		REFUSED(sg_ca_revoke(ca, sa, 2), "serial %s: already revoked at %s", sa, e->revoked);
		snprintf(path, sizeof(path), "%s/_.b.example.org/cert.pem", dir);
		CHECK(sg_ca_revoke(ca, path, 0) == 0);
	}
	sg_ca_close(ca);
	check_index(2, root, inter);

	/* CRLs: the revoked serials, reason 1 present and 0 (unspecified)
	 * absent, numbered 1 then 2. */
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	snprintf(path, sizeof(path), "%s/index.txt", dir);
	REFUSED(sg_ca_crl(ca, path, 7), "-o %s: that is the CA's own index.txt", path);
	snprintf(path, sizeof(path), "%s/root/x.pem", dir);
	REFUSED(sg_ca_crl(ca, path, 7), "-o %s: that is the CA's own root", path);
	snprintf(path, sizeof(path), "%s/", dir);
	REFUSED(sg_ca_crl(ca, path, 7), "-o %s: not a file name", path);
	snprintf(path, sizeof(path), "%s/missing/crl.pem", dir);
	REFUSED(sg_ca_crl(ca, path, 7), "-o %s: %s/missing: No such file or directory", path, dir);
	REFUSED(sg_ca_crl(ca, path, 3651), "--days 3651: a CRL valid more than 10 years");
	CHECK(file_mode("crlnumber") == -1);
	snprintf(path, sizeof(path), "%s/crl.pem", dir);
	CHECK(sg_ca_crl(ca, path, 7) == 0);
	sg_ca_close(ca);
	CHECK(file_text("crlnumber", &b) == 0 && b.len == 3 && !memcmp(b.data, "02\n", 3));
	{
		FILE *f = fopen(path, "r");
		X509_CRL *crl = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;
		STACK_OF(X509_REVOKED) *rev = crl ? X509_CRL_get_REVOKED(crl) : NULL;
		ASN1_INTEGER *num =
			crl ? X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL) : NULL;
		int found = 0;

		if (f)
			fclose(f);
		CHECK(crl && X509_CRL_verify(crl, X509_get0_pubkey(inter)) == 1);
		CHECK(crl && X509_CRL_get_version(crl) == X509_CRL_VERSION_2);
		CHECK(num && ASN1_INTEGER_get(num) == 1);
		CHECK(rev && sk_X509_REVOKED_num(rev) == 2);
		for (int i = 0; rev && i < sk_X509_REVOKED_num(rev); i++) {
			X509_REVOKED *x = sk_X509_REVOKED_value(rev, i);
			BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(x), NULL);
			char *hex = BN_bn2hex(bn);
			ASN1_ENUMERATED *why =
				X509_REVOKED_get_ext_d2i(x, NID_crl_reason, NULL, NULL);
			/* BN_bn2hex drops a leading zero the index keeps. */
			const char *h = hex;
			if (!strcmp(h, sa + (strlen(sa) > strlen(h)))) {
				CHECK(why && ASN1_ENUMERATED_get(why) == 1);
				found |= 1;
			} else if (!strcmp(h, sb + (strlen(sb) > strlen(h)))) {
				CHECK(why == NULL);
				found |= 2;
			}
			ASN1_ENUMERATED_free(why);
			OPENSSL_free(hex);
			BN_free(bn);
		}
		CHECK(found == 3);
		ASN1_INTEGER_free(num);
		X509_CRL_free(crl);
	}
	/* Outside the directory; then a damaged crlnumber is refused. */
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	snprintf(path, sizeof(path), "%s.crl", dir);
	CHECK(sg_ca_crl(ca, path, 1) == 0);
	sg_ca_close(ca);
	CHECK(unlink(path) == 0);
	CHECK(file_text("crlnumber", &b) == 0 && b.len == 3 && !memcmp(b.data, "03\n", 3));
	snprintf(path, sizeof(path), "%s/crlnumber", dir);
	CHECK(sg_write_file_atomic(path, "xyz\n", 4, 0644, 0) == 0);
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	REFUSED(sg_ca_crl(ca, "crl2.pem", 1), "%s: not a hex CRL number", path);
	sg_ca_close(ca);

	/* Renew: a new serial and key, the old pair archived under its
	 * serial and the old index line pointing at the archive. */
	ca = sg_ca_open(dir, SG_CA_WRITE);
	CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
	REFUSED(sg_ca_renew(ca, "..", 0, 0, NULL), "'..': not a leaf directory name");
	REFUSED(sg_ca_renew(ca, "a/b", 0, 0, NULL), "'a/b': not a leaf directory name");
	REFUSED(sg_ca_renew(ca, "", 0, 0, NULL), "'': not a leaf directory name");
	{
		char ns[SG_CA_SERIAL_MAX + 1], rel[256];
		X509 *old = read_cert("a.example.org/cert.pem", NULL), *nx;

		CHECK(sg_ca_renew(ca, "a.example.org", 20, 0, ns) == 0);
		sg_ca_close(ca);
		CHECK(strcmp(ns, sa) != 0);
		nx = read_cert("a.example.org/cert.pem", NULL);
		snprintf(rel, sizeof(rel), "a.example.org/cert-%s.pem", sa);
		{
			X509 *arch = read_cert(rel, NULL);
			CHECK(arch && X509_cmp(arch, old) == 0);
			X509_free(arch);
		}
		snprintf(rel, sizeof(rel), "a.example.org/key-%s.pem", sa);
		CHECK(file_mode(rel) == 0600);
		CHECK(nx && EVP_PKEY_eq(X509_get0_pubkey(nx), X509_get0_pubkey(old)) != 1);
		CHECK(nx && X509_cmp_time(X509_get0_notAfter(nx), NULL) > 0);
		check_index(3, root, inter);
		ca = sg_ca_open(dir, SG_CA_READ);
		snprintf(rel, sizeof(rel), "a.example.org/cert-%s.pem", sa);
		CHECK(ca && sg_ca_index(ca)->n == 3);
		CHECK_STR(sg_ca_index(ca)->e[0].file, rel);
		CHECK_STR(sg_ca_index(ca)->e[2].file, "a.example.org/cert.pem");
		CHECK_STR(sg_ca_index(ca)->e[2].serial, ns);
		sg_ca_close(ca);
		/* Again with the key reused: same public key, and the archive
		 * of this serial is new. */
		ca = sg_ca_open(dir, SG_CA_WRITE);
		CHECK(ca != NULL && sg_ca_load_key(ca, NULL) == 0);
		CHECK(sg_ca_renew(ca, "a.example.org", 20, 1, NULL) == 0);
		sg_ca_close(ca);
		X509 *nx2 = read_cert("a.example.org/cert.pem", NULL);
		CHECK(nx2 && EVP_PKEY_eq(X509_get0_pubkey(nx2), X509_get0_pubkey(nx)) == 1);
		check_index(4, root, inter);
		X509_free(nx2);
		X509_free(old);
		X509_free(nx);
	}

	X509_free(root);
	X509_free(inter);
	sg_buf_free(&b);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK(system(path) == 0);
	return check_done();
}
