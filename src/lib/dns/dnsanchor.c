#include "dnsanchor.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "crypto.h"
#include "dnsconf.h"
#include "dnskeys.h"
#include "dnszone.h"
#include "err.h"
#include "fileio.h"
#include "txn.h"

struct anchor {
	const struct sg_dns_key *k;
	unsigned tag; /* as published (REVOKE counted) */
	char digest[2 * SG_SHA256_LEN + 1];
	char *pubkey; /* base64 */
	int flags;
};

static int is_anchor(const struct sg_dns_key *k)
{
	return !strcmp(k->zone, ".") && k->flags == SG_DNS_KSK &&
	       (k->state == SG_DNS_KEY_ACTIVE || k->state == SG_DNS_KEY_PUBLISHED);
}

static int load_anchor(struct sg_txn *t, const char *dir, const struct sg_dns_key *k,
		       struct anchor *a)
{
	ldns_rr *key = sg_dnskey_load_public(t, dir, k);
	ldns_rr *ds;
	const uint8_t *d;

	memset(a, 0, sizeof(*a));
	if (!key)
		return -1;
	a->k = k;
	a->tag = ldns_calc_keytag(key);
	a->flags = ldns_rdf2native_int16(ldns_rr_dnskey_flags(key));
	a->pubkey = ldns_rdf2str(ldns_rr_dnskey_key(key));
	/* The DS of the key as first trusted: without the REVOKE bit. */
	if (k->state == SG_DNS_KEY_REVOKED)
		ldns_rdf_deep_free(ldns_rr_set_rdf(key,
						   ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
									 (uint16_t)k->flags),
						   0));
	ds = ldns_key_rr2ds(key, LDNS_SHA256);
	ldns_rr_free(key);
	if (!ds || !a->pubkey || ldns_rdf_size(ldns_rr_rdf(ds, 3)) != SG_SHA256_LEN) {
		ldns_rr_free(ds);
		return sg_fail("cannot compute the DS of root key %u", k->tag);
	}
	d = ldns_rdf_data(ldns_rr_rdf(ds, 3));
	for (size_t i = 0; i < SG_SHA256_LEN; i++)
		snprintf(a->digest + 2 * i, 3, "%02X", d[i]);
	ldns_rr_free(ds);
	return 0;
}

static void fmt_rfc3339(long long t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static int format_xml(const struct anchor *as, size_t n, struct sg_buf *out)
{
	uint8_t md[SG_SHA256_LEN];
	struct sg_buf all = SG_BUF_INIT;
	int rc = 0;

	/* The file's id: stable for the same set of keys. */
	for (size_t i = 0; i < n; i++)
		rc |= sg_buf_printf(&all, "%s/%d;", as[i].digest, (int)as[i].k->state);
	if (rc || sg_sha256(all.data, all.len, md) < 0) {
		sg_buf_free(&all);
		return -1;
	}
	sg_buf_free(&all);
	rc = sg_buf_printf(out,
			   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<TrustAnchor id=\"%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
			   "%02X%02X%02X%02X%02X%02X\" source=\"signet dns anchor\">\n"
			   "<Zone>.</Zone>\n",
			   md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9],
			   md[10], md[11], md[12], md[13], md[14], md[15]);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct anchor *a = &as[i];
		int retired = a->k->state == SG_DNS_KEY_REVOKED || a->k->state == SG_DNS_KEY_REMOVED;
		char from[40], until[40];
		/* validFrom: when the key was made; dns.conf keeps only the
		 * latest state change, so a retired key's start is unknown and
		 * written as the epoch. validUntil: when it was revoked. */
		fmt_rfc3339(retired ? 0 : a->k->since, from, sizeof(from));
		rc = sg_buf_printf(out, "<KeyDigest id=\"K%05u\" validFrom=\"%s\"", a->k->tag, from);
		if (rc == 0 && retired) {
			fmt_rfc3339(a->k->since, until, sizeof(until));
			rc = sg_buf_printf(out, " validUntil=\"%s\"", until);
		}
		if (rc == 0)
			rc = sg_buf_printf(out,
					   ">\n<KeyTag>%u</KeyTag>\n<Algorithm>%d</Algorithm>\n"
					   "<DigestType>2</DigestType>\n<Digest>%s</Digest>\n"
					   "<PublicKey>%s</PublicKey>\n<Flags>%d</Flags>\n"
					   "</KeyDigest>\n",
					   a->k->tag, a->k->alg, a->digest, a->pubkey, a->k->flags);
	}
	if (rc == 0)
		rc = sg_buf_append_str(out, "</TrustAnchor>\n");
	return rc;
}

int sg_dns_anchor_text(struct sg_txn *t, const char *dir, const struct sg_dnsconf *c,
		       const char *format, struct sg_buf *out)
{
	struct anchor *as = NULL;
	size_t n = 0;
	int xml = !strcmp(format, "xml"), rc = -1;

	if (strcmp(format, "unbound") && strcmp(format, "ds") && strcmp(format, "bind") &&
	    strcmp(format, "bind-static") && !xml && strcmp(format, "resolved"))
		return sg_fail("unknown anchor format '%s' (unbound, bind, bind-static, ds, xml, "
			       "resolved)",
			       format);
	if (!(as = calloc(c->nkeys + 1, sizeof(*as)))) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct sg_dns_key *k = &c->keys[i];
		if (!is_anchor(k) && !(xml && !strcmp(k->zone, ".") && k->flags == SG_DNS_KSK))
			continue;
		if (load_anchor(t, dir, k, &as[n]) < 0)
			goto out;
		n++;
	}
	if (n == 0) {
		sg_fail("%s/dns.conf: the root has no active key-signing key", dir);
		goto out;
	}
	if (xml) {
		rc = format_xml(as, n, out);
		goto out;
	}
	rc = 0;
	if (!strcmp(format, "unbound"))
		rc = sg_buf_printf(out, "; DNSSEC trust anchor of the private root (signet)\n"
					"; for unbound's trust-anchor-file\n");
	else if (!strcmp(format, "resolved"))
		rc = sg_buf_printf(out, "; DNSSEC trust anchor of the private root (signet)\n"
					"; for /etc/dnssec-trust-anchors.d/root.positive\n");
	else if (!strncmp(format, "bind", 4))
		rc = sg_buf_printf(out, "# DNSSEC trust anchor of the private root (signet)\n"
					"trust-anchors {\n");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct anchor *a = &as[i];
		if (!strcmp(format, "bind"))
			rc = sg_buf_printf(out, "\t. initial-key %d 3 %d \"%s\";\n", a->flags,
					   a->k->alg, a->pubkey);
		else if (!strcmp(format, "bind-static"))
			rc = sg_buf_printf(out, "\t. static-ds %u %d 2 \"%s\";\n", a->tag,
					   a->k->alg, a->digest);
		else if (!strcmp(format, "unbound"))
			rc = sg_buf_printf(out, ".\t86400\tIN\tDS\t%u %d 2 %s\n", a->tag, a->k->alg,
					   a->digest);
		else
			rc = sg_buf_printf(out, ". IN DS %u %d 2 %s\n", a->tag, a->k->alg, a->digest);
	}
	if (rc == 0 && !strncmp(format, "bind", 4))
		rc = sg_buf_append_str(out, "};\n");
out:
	for (size_t i = 0; as && i < n; i++)
		free(as[i].pubkey);
	free(as);
	return rc;
}

int sg_dns_anchor(const char *dir, const char *format, struct sg_buf *out)
{
	struct sg_dnsconf c;
	int lock, rc = -1;

	if (sg_txn_read_begin(dir, &lock) < 0)
		return -1;
	if (sg_dnsconf_load(&c, dir) == 0) {
		rc = sg_dns_anchor_text(NULL, dir, &c, format, out);
		sg_dnsconf_free(&c);
	}
	sg_txn_read_end(&lock);
	return rc;
}

int sg_dns_anchor_save(const char *dir, const char *path)
{
	struct sg_buf text = SG_BUF_INIT;
	struct sg_dnsconf c = { 0 };
	struct sg_txn t = { .lock = -1 };
	int rc = -1;

	if (path) {
		rc = sg_dns_anchor(dir, "unbound", &text);
		if (rc == 0)
			rc = sg_write_file_atomic(path, text.data, text.len, 0644, 0);
		sg_buf_free(&text);
		return rc;
	}
	/* In the directory: computed and staged under its lock, so it never
	 * mixes with a rollover's keys. */
	if (sg_dnsconf_begin(&t, dir) == 0 && sg_dnsconf_load(&c, dir) == 0 &&
	    sg_dns_anchor_text(&t, dir, &c, "unbound", &text) == 0 &&
	    sg_txn_write(&t, SG_DNS_ANCHOR_FILE, text.data, text.len, 0644) == 0)
		rc = sg_txn_commit(&t);
	sg_txn_end(&t);
	sg_dnsconf_free(&c);
	sg_buf_free(&text);
	return rc;
}

/* Absolute form of a path that exists. */
static int abs_path(const char *p, char out[PATH_MAX])
{
	if (!realpath(p, out))
		return sg_fail_errno("%s", p);
	return 0;
}

static int check_quoted(const char *what, const char *s)
{
	if (strpbrk(s, "\"\n\r"))
		return sg_fail("%s '%s': quotes and newlines cannot be written to a config", what, s);
	return 0;
}

/* dns.conf, read under the directory's shared lock. */
static int load_locked(struct sg_dnsconf *c, const char *dir)
{
	int lock, rc;

	if (sg_txn_read_begin(dir, &lock) < 0)
		return -1;
	rc = sg_dnsconf_load(c, dir);
	sg_txn_read_end(&lock);
	return rc;
}

int sg_dns_nsd_conf(const char *dir, const struct sg_dns_server_opts *o, struct sg_buf *out)
{
	struct sg_dnsconf c;
	char adir[PATH_MAX], state[PATH_MAX];
	int rc;

	if (abs_path(dir, adir) < 0 || abs_path(o->state, state) < 0)
		return -1;
	if (check_quoted("directory", adir) < 0 || check_quoted("directory", state) < 0)
		return -1;
	if (load_locked(&c, dir) < 0)
		return -1;
	rc = sg_buf_printf(out,
			   "# NSD: authoritative for the private root and its zones (signet).\n"
			   "# Run: nsd -d -c THIS_FILE\n"
			   "server:\n"
			   "\tip-address: %s@%u\n"
			   "\tport: %u\n"
			   "\tusername: \"\"\n"
			   "\tchroot: \"\"\n"
			   "\tzonesdir: \"%s/signed\"\n"
			   "\tdatabase: \"\"\n"
			   "\tzonelistfile: \"%s/nsd-zone.list\"\n"
			   "\txfrdfile: \"%s/nsd-xfrd.state\"\n"
			   "\txfrdir: \"%s\"\n"
			   "\tpidfile: \"%s/nsd.pid\"\n"
			   "\thide-version: yes\n"
			   "\trefuse-any: yes\n"
			   "\tverbosity: 1\n"
			   "\nremote-control:\n\tcontrol-enable: no\n",
			   o->listen, o->port, o->port, adir, state, state, state, state);
	for (size_t i = 0; rc == 0 && i < c.nzones; i++) {
		char spath[4096];
		sg_dns_signed_file(".", c.zones[i], spath, sizeof(spath));
		rc = sg_buf_printf(out, "\nzone:\n\tname: \"%s\"\n\tzonefile: \"%s\"\n", c.zones[i],
				   spath + strlen("./signed/"));
	}
	sg_dnsconf_free(&c);
	return rc;
}

int sg_dns_unbound_conf(const char *dir, const struct sg_dns_server_opts *o, struct sg_buf *out)
{
	struct sg_dnsconf c;
	char state[PATH_MAX];
	int v6 = strchr(o->listen, ':') != NULL;
	int rc;

	if (abs_path(o->state, state) < 0 || check_quoted("directory", state) < 0 ||
	    check_quoted("anchor file", o->anchor) < 0)
		return -1;
	if (o->anchor[0] != '/')
		return sg_fail("anchor file '%s' must be an absolute path", o->anchor);
	if (load_locked(&c, dir) < 0)
		return -1;
	rc = sg_buf_printf(out,
			   "# Unbound: validating resolver trusting only the private root (signet).\n"
			   "# No root hints are used and no IANA anchor is configured: every\n"
			   "# query goes to the stub zones below. Run: unbound -d -c THIS_FILE\n"
			   "server:\n"
			   "\tinterface: %s\n"
			   "\tport: %u\n"
			   "\taccess-control: 127.0.0.0/8 allow\n"
			   "\taccess-control: ::1/128 allow\n"
			   "\tdo-ip6: %s\n"
			   "\tusername: \"\"\n"
			   "\tchroot: \"\"\n"
			   "\tdirectory: \"%s\"\n"
			   "\tpidfile: \"%s/unbound.pid\"\n"
			   "\tuse-syslog: no\n"
			   "\tlogfile: \"\"\n"
			   "\tverbosity: 1\n"
			   "\tmodule-config: \"validator iterator\"\n"
			   "\t%s: \"%s\"\n"
			   "\tdo-not-query-localhost: no\n"
			   "\tharden-glue: yes\n"
			   "\tharden-dnssec-stripped: yes\n"
			   "\tharden-below-nxdomain: yes\n"
			   "\tharden-algo-downgrade: yes\n"
			   "\tval-clean-additional: yes\n"
			   "\tval-permissive-mode: no\n"
			   "\tval-log-level: 2\n"
			   "\taggressive-nsec: yes\n"
			   "\tqname-minimisation: yes\n"
			   "\nremote-control:\n\tcontrol-enable: no\n"
			   "\nstub-zone:\n\tname: \".\"\n\tstub-addr: %s@%u\n",
			   o->listen, o->port, v6 ? "yes" : "no", state, state,
			   o->auto_anchor ? "auto-trust-anchor-file" : "trust-anchor-file",
			   o->anchor, o->auth_addr, o->auth_port);
	for (size_t z = 1; rc == 0 && z < c.nzones; z++) {
		int any = 0;
		rc = sg_buf_printf(out, "\nstub-zone:\n\tname: \"%s\"\n", c.zones[z]);
		/* A name server that states its port is asked directly; the
		 * others are reached through the authority. */
		for (size_t i = 0; rc == 0 && i < c.nns; i++) {
			const struct sg_dns_ns *ns = &c.ns[i];
			if (strcmp(ns->zone, c.zones[z]) || !ns->addr || !ns->port)
				continue;
			rc = sg_buf_printf(out, "\tstub-addr: %s@%u\n", ns->addr, ns->port);
			any = 1;
		}
		if (rc == 0 && !any)
			rc = sg_buf_printf(out, "\tstub-addr: %s@%u\n", o->auth_addr, o->auth_port);
	}
	sg_dnsconf_free(&c);
	return rc;
}
