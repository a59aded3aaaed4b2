/* fleetca.c - the fleet's CA step and its client certificates (fleetca.h). */
#include "fleetca.h"
#include "fleetout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "crypto.h"
#include "err.h"
#include "fileio.h"
#include "path.h"
#include "sops.h"
#include "timestamp.h"
#include "txn.h"
#include "x509cert.h"

#define CERT_MAX (1u << 20)
#define CRL_DAYS 30
#define CRL_RENEW_DAYS 10
#define REASON_SUPERSEDED 4
#define MAX_NAMES (2 * SG_FLEET_MAX_LIST)

/* --- the CA directory --- */

static int ca_make(const struct sg_fleet *f, const char *ca_dir,
		   const struct sg_age_recipients *key_rs, struct sg_buf *report)
{
	const char *ips[SG_FLEET_MAX_LIST];
	char text[SG_FLEET_MAX_LIST][64];
	struct sg_ca_init_opts o;

	memset(&o, 0, sizeof(o));
	for (size_t i = 0; i < f->npermit_ip; i++) {
		sg_name_cidr_format(&f->permit_ip[i], text[i]);
		ips[i] = text[i];
	}
	o.dir = ca_dir;
	o.name = f->ca_name;
	o.alg = f->ca_alg;
	o.permit_dns = (const char *const *)f->permit_dns.v;
	o.n_permit_dns = f->permit_dns.n;
	o.permit_ip = ips;
	o.n_permit_ip = f->npermit_ip;
	o.intermediate = 0;
	o.recipients = key_rs;
	if (sg_ca_init(&o) < 0)
		return sg_fail_prefix(ca_dir);
	return sg_buf_printf(report, "%s: CA made (%s)%s\n", ca_dir, f->ca_name,
			     key_rs && key_rs->n ? ", its key encrypted to age" : "");
}

/* The CA opened for writing with its key loaded, or NULL. */
static struct sg_ca *ca_writer(const char *ca_dir, const struct sg_age_identities *ids)
{
	struct sg_ca *ca = sg_ca_open(ca_dir, SG_CA_WRITE);

	if (ca && sg_ca_load_key(ca, ids) < 0) {
		sg_ca_close(ca);
		return NULL;
	}
	return ca;
}

/* --- names --- */

static int addr_permitted(const struct sg_fleet *f, const struct sg_fleet_addr *a)
{
	size_t len = a->family == AF_INET6 ? 16 : 4;

	if (f->permit_dns.n == 0 && f->npermit_ip == 0)
		return 1;
	for (size_t i = 0; i < f->npermit_ip; i++)
		if (sg_ip_within(a->bytes, len, &f->permit_ip[i]))
			return 1;
	return 0;
}

static int strs_has(const struct sg_fleet_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return 1;
	return 0;
}

static int names_has(const struct sg_name *v, size_t n, const struct sg_name *x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].type == x->type && !strcmp(v[i].text, x->text))
			return 1;
	return 0;
}

/* The names a service's certificate carries. */
static int service_names(const struct sg_fleet *f, const struct sg_fleet_service *s,
			 struct sg_name *out, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < s->names.n && *n < MAX_NAMES; i++) {
		if (sg_name_parse(SG_NAME_DNS, s->names.v[i], &out[*n]) < 0)
			return sg_fail_prefix(s->file);
		if (!names_has(out, *n, &out[*n]))
			(*n)++;
	}
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct sg_fleet_host *h = &f->hosts[i];
		if (!strs_has(&s->hosts, h->name))
			continue;
		for (size_t k = 0; k < h->naddrs && *n < MAX_NAMES; k++) {
			if (!addr_permitted(f, &h->addrs[k]))
				continue;
			if (sg_name_parse(SG_NAME_IP, h->addrs[k].text, &out[*n]) < 0)
				return sg_fail_prefix(h->file);
			if (!names_has(out, *n, &out[*n]))
				(*n)++;
		}
	}
	if (*n == 0)
		return sg_fail("%s: a service with a certificate needs names", s->file);
	return 0;
}

/* --- keys and CSRs --- */

/* A CSR of key, written to a new temporary file (path, SG_PATH_MAX). */
static int write_csr(EVP_PKEY *key, char *path)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *nm = X509_NAME_new();
	BIO *bio = NULL;
	int fd = -1, rc = -1;

	snprintf(path, SG_PATH_MAX, "/tmp/signet-fleet-csr.XXXXXX");
	if (!req || !nm ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"fleet", -1,
				       -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, nm) != 1 || X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_sign(req, key, sg_x509_sign_md(key)) <= 0) {
		sg_x509_fail("cannot make a certificate request");
		goto out;
	}
	if ((fd = mkstemp(path)) < 0) {
		sg_fail_errno("%s", path);
		goto out;
	}
	if (!(bio = BIO_new_fd(fd, BIO_NOCLOSE)) || PEM_write_bio_X509_REQ(bio, req) != 1 ||
	    BIO_flush(bio) != 1) {
		sg_x509_fail("cannot write the certificate request");
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	if (fd >= 0)
		close(fd);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	return rc;
}

/* The CA's leaf directory for names: the first name, '*' as '_'. */
static void leaf_rel(const struct sg_name *names, char *rel, size_t cap)
{
	snprintf(rel, cap, "%s", names[0].text);
	for (char *p = rel; *p; p++)
		if (*p == '*')
			*p = '_';
}

/* Issues names for key's CSR (client: clientAuth) into ca_dir, a new
 * leaf or, where the first name's leaf exists, a reissue; the
 * certificate (PEM) into cert. */
static int ca_sign(const char *ca_dir, const struct sg_age_identities *ids, EVP_PKEY *key,
		   const struct sg_name *names, size_t n, int client, struct sg_buf *cert)
{
	struct sg_ca_request r;
	struct sg_ca *ca = NULL;
	char csr[SG_PATH_MAX], leaf[SG_PATH_MAX], rel[SG_NAME_MAX], path[SG_PATH_MAX];
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.names = names;
	r.n = n;
	r.client = client;
	r.csr = csr;
	leaf_rel(names, rel, sizeof(rel));
	if (sg_path_join(leaf, sizeof(leaf), ca_dir, rel) < 0 || write_csr(key, csr) < 0)
		return -1;
	if (!(ca = ca_writer(ca_dir, ids)))
		goto out;
	if (access(leaf, F_OK) == 0) {
		if (sg_ca_reissue(ca, &r, NULL, NULL) < 0)
			goto out;
	} else if (sg_ca_issue(ca, &r, NULL) < 0 || sg_ca_commit(ca) < 0) {
		goto out;
	}
	if (sg_path_join(path, sizeof(path), leaf, "cert.pem") < 0 ||
	    sg_read_file(path, cert, CERT_MAX) < 0)
		goto out;
	rc = 0;
out:
	sg_ca_close(ca);
	unlink(csr);
	return rc;
}

static X509 *pem_cert(const struct sg_buf *pem)
{
	BIO *bio = BIO_new_mem_buf(pem->data, (int)pem->len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	ERR_clear_error();
	return x;
}

/* The serials of the valid leaves in the CA's leaf directory rel other
 * than keep, one after the other (SG_CA_SERIAL_MAX + 1 each) into out. */
static int stale_serials(const char *ca_dir, const char *rel, const char *keep, struct sg_buf *out)
{
	struct sg_ca *ca = sg_ca_open(ca_dir, SG_CA_READ);
	const struct sg_ca_index *ix;
	size_t len = strlen(rel);
	int rc = 0;

	if (!ca)
		return -1;
	ix = sg_ca_index(ca);
	for (size_t i = 0; rc == 0 && i < ix->n; i++) {
		const struct sg_ca_entry *e = &ix->e[i];
		if (e->status == 'V' && e->file && !strncmp(e->file, rel, len) &&
		    e->file[len] == '/' && strcmp(e->serial, keep) != 0)
			rc = sg_buf_append(out, e->serial, sizeof(e->serial));
	}
	sg_ca_close(ca);
	return rc;
}

/* Revokes, as superseded, every valid leaf the CA holds in the service's
 * leaf directory rel but the one state/ has (cur): the leaf replaced by
 * the last issue, and what a crash left valid (between the CA's commit
 * and state/'s, a leaf whose key was never kept; between state/'s and
 * the revocation, the replaced one). Run for every service on every
 * issue, so a retry heals both; nothing is opened for writing when
 * nothing is stale. 1 when any was revoked. */
static int revoke_stale(const char *ca_dir, const struct sg_age_identities *ids, const char *rel,
			const struct sg_buf *cur)
{
	char keep[SG_CA_SERIAL_MAX + 1] = "";
	struct sg_buf stale = SG_BUF_INIT;
	struct sg_ca *ca = NULL;
	X509 *x = pem_cert(cur);
	int rc = -1;

	if (x && sg_x509_serial_hex(x, keep) < 0)
		goto out;
	if (stale_serials(ca_dir, rel, keep, &stale) < 0)
		goto out;
	rc = 0;
	if (!stale.len)
		goto out;
	if (!(ca = ca_writer(ca_dir, ids)))
		rc = -1;
	for (size_t at = 0; ca && rc == 0 && at < stale.len; at += SG_CA_SERIAL_MAX + 1)
		if (sg_ca_revoke(ca, (const char *)stale.data + at, REASON_SUPERSEDED) < 0)
			rc = -1;
	if (rc == 0)
		rc = 1;
out:
	sg_ca_close(ca);
	X509_free(x);
	sg_buf_free(&stale);
	return rc;
}

/* --- the state of a service --- */

static int secret_rel(const struct sg_fleet_host *h, const struct sg_fleet_service *s, char *out,
		      size_t cap)
{
	if (snprintf(out, cap, "secrets/%s/%s.key.sops.yaml", h->name, s->name) >= (int)cap)
		return sg_fail("%s: path too long", s->name);
	return 0;
}

/* 1 when the service's state needs no new certificate: its cert.pem
 * issued by root for exactly names, valid beyond now + 30 days, and a
 * sealed key for each of its hosts. */
static int service_current(const struct sg_fleet *f, const char *state,
			   const struct sg_fleet_service *s, X509 *root, const struct sg_name *names,
			   size_t n, int64_t now, const struct sg_buf *pem)
{
	struct sg_name *have = NULL;
	size_t nhave = 0;
	X509 *x = pem_cert(pem);
	time_t renew = (time_t)now + (time_t)SG_FLEET_RENEW_DAYS * 86400;
	int ok = 0;

	if (!x)
		return 0;
	if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(root)) != 0 ||
	    X509_verify(x, X509_get0_pubkey(root)) != 1 ||
	    X509_cmp_time(X509_get0_notAfter(x), &renew) <= 0 ||
	    sg_x509_cert_names(x, &have, &nhave, "cert.pem") < 0)
		goto out;
	if (nhave != n)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!names_has(have, nhave, &names[i]))
			goto out;
	ok = 1;
	for (size_t i = 0; ok && i < f->nhosts; i++) {
		char rel[SG_PATH_MAX], path[SG_PATH_MAX];
		if (!strs_has(&s->hosts, f->hosts[i].name))
			continue;
		if (secret_rel(&f->hosts[i], s, rel, sizeof(rel)) < 0 ||
		    sg_path_join(path, sizeof(path), state, rel) < 0 || access(path, F_OK) != 0)
			ok = 0;
	}
out:
	ERR_clear_error();
	sg_errclear();
	free(have);
	X509_free(x);
	return ok;
}

/* The key as a SOPS YAML document {tls_key: PEM} sealed to recipient. */
static int seal_key(const char *recipient, const struct sg_buf *pem, int64_t now, struct sg_buf *out)
{
	struct sg_sops_node *doc = sg_sops_new(SG_SOPS_MAP), *v = NULL;
	struct sg_sops_meta meta;
	uint8_t key[SG_SOPS_KEY_LEN];
	char *rs[1] = { (char *)recipient };
	char ts[SG_TIME_LEN + 1];
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (!doc || !(v = sg_sops_new_str(SG_SOPS_STR, (const char *)pem->data, pem->len)))
		goto out;
	if (sg_sops_push(doc, "tls_key", 7, v) < 0)
		goto out;
	if (sg_time_format((time_t)now, ts) == 0 &&
	    sg_sops_meta_set_rule(&meta, &meta.unencrypted_suffix,
				  SG_SOPS_DEFAULT_UNENCRYPTED_SUFFIX) == 0 &&
	    sg_random(key, sizeof(key)) == 0 && sg_sops_wrap_key(&meta, rs, 1, key) == 0 &&
	    sg_sops_encrypt(doc, &meta, key, ts) == 0 &&
	    sg_sops_write(SG_SOPS_YAML, doc, &meta, out) == 0)
		rc = 0;
out:
	sg_wipe(key, sizeof(key));
	sg_sops_wipe(doc);
	sg_sops_meta_free(&meta);
	return rc;
}

/* The service's new certificate and sealed keys, in one transaction on
 * state/. */
static int stage_service(const struct sg_fleet *f, const char *state,
			 const struct sg_fleet_service *s, const struct sg_buf *cert,
			 const struct sg_buf *keypem, int64_t now, struct sg_buf *report)
{
	struct sg_txn t = { .lock = -1 };
	char rel[SG_PATH_MAX];
	int rc = -1;

	if (sg_txn_begin(&t, state) < 0)
		return -1;
	if (snprintf(rel, sizeof(rel), "certs/%s/cert.pem", s->name) >= (int)sizeof(rel)) {
		sg_fail("%s: path too long", s->name);
		goto out;
	}
	if (sg_txn_write(&t, rel, cert->data, cert->len, 0644) < 0)
		goto out;
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct sg_fleet_host *h = &f->hosts[i];
		struct sg_buf sealed = SG_BUF_INIT;
		int w;
		if (!strs_has(&s->hosts, h->name))
			continue;
		w = secret_rel(h, s, rel, sizeof(rel)) == 0 &&
		    seal_key(h->age_recipient, keypem, now, &sealed) == 0 &&
		    sg_txn_write(&t, rel, sealed.data, sealed.len, 0600) == 0;
		sg_buf_free(&sealed);
		if (!w || sg_buf_printf(report, "state/%s: key sealed to %s\n", rel, h->name) < 0)
			goto out;
	}
	if (sg_txn_commit(&t) < 0)
		goto out;
	rc = sg_buf_printf(report, "state/certs/%s/cert.pem: issued\n", s->name);
out:
	sg_txn_end(&t);
	return rc;
}

/* Issues service s: a new key and leaf, staged into state/ with its
 * sealed keys (the leaf it replaces is revoked by revoke_stale). */
static int issue_service(const struct sg_fleet *f, const char *state, const char *ca_dir,
			 const struct sg_age_identities *ids, const struct sg_fleet_service *s,
			 const struct sg_name *names, size_t n, int64_t now, struct sg_buf *report)
{
	struct sg_buf cert = SG_BUF_INIT, keypem = SG_BUF_INIT;
	EVP_PKEY *key = NULL;
	int rc = -1;

	for (size_t i = 0; i < f->nhosts; i++)
		if (strs_has(&s->hosts, f->hosts[i].name) && !f->hosts[i].age_recipient)
			return sg_fail("%s: no age_recipient, so no key of service %s can be sealed to it",
				       f->hosts[i].file, s->name);
	if (!(key = sg_x509_keygen(f->ca_alg)) || sg_x509_key_pem(key, &keypem) < 0)
		goto out;
	if (ca_sign(ca_dir, ids, key, names, n, 0, &cert) < 0) {
		sg_fail_prefix(s->file);
		goto out;
	}
	rc = stage_service(f, state, s, &cert, &keypem, now, report);
out:
	EVP_PKEY_free(key);
	sg_buf_wipe(&keypem);
	sg_buf_free(&cert);
	return rc;
}

/* --- the CRL --- */

/* 1 when state/ca/crl.pem is missing or expires within 10 days. */
static int crl_due(const char *path, int64_t now)
{
	struct sg_buf b = SG_BUF_INIT;
	X509_CRL *crl = NULL;
	BIO *bio;
	time_t t = (time_t)now + (time_t)CRL_RENEW_DAYS * 86400;
	int due = 1;

	if (access(path, F_OK) != 0 || sg_read_file(path, &b, CERT_MAX) < 0) {
		sg_errclear();
		return 1;
	}
	if ((bio = BIO_new_mem_buf(b.data, (int)b.len)))
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (crl && X509_CRL_get0_nextUpdate(crl) &&
	    X509_cmp_time(X509_CRL_get0_nextUpdate(crl), &t) > 0)
		due = 0;
	ERR_clear_error();
	X509_CRL_free(crl);
	sg_buf_free(&b);
	return due;
}

static int write_crl(const char *repo, const char *ca_dir, const struct sg_age_identities *ids,
		     struct sg_buf *report)
{
	char path[SG_PATH_MAX], dir[SG_PATH_MAX];
	struct sg_ca *ca;
	int rc;

	if (sg_path_join(path, sizeof(path), repo, SG_FLEET_CA_CRL) < 0 ||
	    sg_path_join(dir, sizeof(dir), repo, "state/ca") < 0 ||
	    sg_fleet_mkdir_p(dir, 0755) < 0 || !(ca = ca_writer(ca_dir, ids)))
		return -1;
	rc = sg_ca_crl(ca, path, CRL_DAYS);
	sg_ca_close(ca);
	if (rc < 0)
		return -1;
	return sg_buf_printf(report, SG_FLEET_CA_CRL ": CRL written\n");
}

/* --- issue --- */

static int write_anchor(const char *repo, const char *ca_dir, struct sg_buf *report)
{
	struct sg_buf pem = SG_BUF_INIT;
	char from[SG_PATH_MAX], to[SG_PATH_MAX];
	int w = -1;

	if (sg_path_join(from, sizeof(from), ca_dir, "ca.pem") == 0 &&
	    sg_path_join(to, sizeof(to), repo, SG_FLEET_CA_PEM) == 0 &&
	    sg_read_file(from, &pem, CERT_MAX) == 0)
		w = sg_fleet_write_if_changed(to, pem.data, pem.len, 0644, CERT_MAX);
	sg_buf_free(&pem);
	if (w > 0)
		return sg_buf_printf(report, SG_FLEET_CA_PEM ": the CA's certificate written\n");
	return w;
}

int sg_fleet_ca_issue(const struct sg_fleet *f, const char *repo, const char *ca_dir,
		      const struct sg_age_recipients *key_rs, const struct sg_age_identities *ids,
		      int64_t now, struct sg_buf *report)
{
	char path[SG_PATH_MAX], state[SG_PATH_MAX];
	struct sg_name *names = calloc(MAX_NAMES, sizeof(*names));
	X509 *root = NULL;
	int revoked = 0, rc = -1;

	if (!names)
		return sg_fail("out of memory");
	if (sg_path_join(path, sizeof(path), ca_dir, "ca.pem") < 0 ||
	    sg_path_join(state, sizeof(state), repo, "state") < 0)
		goto out;
	if (access(path, F_OK) != 0 && ca_make(f, ca_dir, key_rs, report) < 0)
		goto out;
	if (!(root = sg_x509_read_cert(path)) || write_anchor(repo, ca_dir, report) < 0)
		goto out;
	for (size_t i = 0; i < f->nservices; i++) {
		const struct sg_fleet_service *s = &f->services[i];
		struct sg_buf old = SG_BUF_INIT;
		char rel[SG_PATH_MAX], cpath[SG_PATH_MAX], leaf[SG_NAME_MAX];
		size_t n;
		int r = 0;

		if (s->kind != SG_FLEET_SVC_WEB && s->kind != SG_FLEET_SVC_CA)
			continue;
		if (service_names(f, s, names, &n) < 0 ||
		    snprintf(rel, sizeof(rel), "certs/%s/cert.pem", s->name) >= (int)sizeof(rel) ||
		    sg_path_join(cpath, sizeof(cpath), state, rel) < 0)
			goto out;
		if (access(cpath, F_OK) == 0 && sg_read_file(cpath, &old, CERT_MAX) < 0)
			goto out;
		if (!service_current(f, state, s, root, names, n, now, &old)) {
			sg_buf_free(&old);
			if (issue_service(f, state, ca_dir, ids, s, names, n, now, report) < 0 ||
			    sg_read_file(cpath, &old, CERT_MAX) < 0)
				r = -1;
		}
		leaf_rel(names, leaf, sizeof(leaf));
		if (r == 0)
			r = revoke_stale(ca_dir, ids, leaf, &old);
		sg_buf_free(&old);
		if (r < 0)
			goto out;
		revoked |= r;
	}
	if (sg_path_join(path, sizeof(path), repo, SG_FLEET_CA_CRL) < 0)
		goto out;
	if ((revoked || crl_due(path, now)) && write_crl(repo, ca_dir, ids, report) < 0)
		goto out;
	rc = 0;
out:
	X509_free(root);
	free(names);
	return rc;
}

/* --- people --- */

static int who_ok(const char *who)
{
	if (!*who || strlen(who) > 64 || who[0] == '.')
		return 0;
	for (const char *p = who; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == '@'))
			return 0;
	return 1;
}

int sg_fleet_ca_client(const struct sg_fleet *f, const char *repo, const char *ca_dir,
		       const struct sg_age_identities *ids, const char *who, const char *out_dir,
		       struct sg_buf *report)
{
	struct sg_buf cert = SG_BUF_INIT, keypem = SG_BUF_INIT;
	struct sg_name name;
	char text[SG_NAME_MAX], cpath[SG_PATH_MAX], kpath[SG_PATH_MAX], leaf[SG_NAME_MAX];
	char file[200];
	EVP_PKEY *key = NULL;
	int r, rc = -1;

	if (!who_ok(who))
		return sg_fail("'%s': a person is a plain name ([A-Za-z0-9._-]) or a mailbox", who);
	if (strchr(who, '@'))
		snprintf(text, sizeof(text), "%s", who);
	else if (snprintf(text, sizeof(text), "%s@%s", who, f->host_zone) >= (int)sizeof(text))
		return sg_fail("'%s': too long", who);
	if (sg_name_parse(SG_NAME_EMAIL, text, &name) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s.crt", who);
	if (sg_path_join(cpath, sizeof(cpath), out_dir, file) < 0)
		goto out;
	snprintf(file, sizeof(file), "%s.key", who);
	if (sg_path_join(kpath, sizeof(kpath), out_dir, file) < 0 ||
	    sg_fleet_mkdir_p(out_dir, 0755) < 0)
		goto out;
	if (!(key = sg_x509_keygen(f->ca_alg)) || sg_x509_key_pem(key, &keypem) < 0)
		goto out;
	if (ca_sign(ca_dir, ids, key, &name, 1, 1, &cert) < 0 ||
	    sg_write_file_atomic(kpath, keypem.data, keypem.len, 0600, 0) < 0 ||
	    sg_write_file_atomic(cpath, cert.data, cert.len, 0644, 0) < 0 ||
	    sg_buf_printf(report, "%s: client certificate for %s issued\n%s: its key\n", cpath,
			  name.text, kpath) < 0)
		goto out;
	/* the person's earlier certificates, and any a crash left valid */
	leaf_rel(&name, leaf, sizeof(leaf));
	if ((r = revoke_stale(ca_dir, ids, leaf, &cert)) < 0 ||
	    (r > 0 && repo && write_crl(repo, ca_dir, ids, report) < 0))
		goto out;
	rc = 0;
out:
	EVP_PKEY_free(key);
	sg_buf_wipe(&keypem);
	sg_buf_free(&cert);
	return rc;
}
