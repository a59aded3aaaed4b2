/* fleetdns.c - the fleet's DNS (fleetdns.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnsanchor.h"
#include "dnsconf.h"
#include "dnsrec.h"
#include "dnszone.h"
#include "err.h"
#include "fileio.h"
#include "fleetdns.h"
#include "fleetout.h"
#include "path.h"
#include "txn.h"

#define DNS_ALG 15 /* Ed25519: deterministic signatures */
#define RR_TTL 3600
#define ROOT_NS_TTL 518400 /* as the dns layer's root */
#define NS_TTL 86400
#define SOA_TIMES "1800 900 604800 3600"
#define SIGN_VALIDITY (30u * 86400)
#define SIGN_REFRESH (10u * 86400)
#define ZONE_MAX (1u << 28)
#define OWN_RESOLVER "127.0.0.1" /* a resolver on an authoritative host */

/* --- names --- */

/* The fleet's zones: "." first, then dns.zones (without final dot). */
static size_t nzones(const struct sg_fleet *f)
{
	return f->zones.n + 1;
}

static const char *zone_at(const struct sg_fleet *f, size_t i)
{
	return i == 0 ? "." : f->zones.v[i - 1];
}

/* "example.internal." for "example.internal", "." for the root. */
static int zone_fqdn(const char *zone, char out[256])
{
	int n = strcmp(zone, ".") ? snprintf(out, 256, "%s.", zone) : snprintf(out, 256, ".");

	return n > 0 && n < 256 ? 0 : sg_fail("%s: name too long", zone);
}

/* The file stem of a zone, as the dns layer names them. */
static const char *zone_stem(const char *zone)
{
	return strcmp(zone, ".") ? zone : "root";
}

/* 1 when name (no final dot) is zone or below it. */
static int name_in(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	if (!strcmp(zone, "."))
		return 1;
	if (n < z || strcmp(name + n - z, zone))
		return 0;
	return n == z || name[n - z - 1] == '.';
}

static int host_fqdn(const struct sg_fleet *f, const struct sg_fleet_host *h, char out[256])
{
	int n = snprintf(out, 256, "%s.%s.", h->name, f->host_zone);

	return n > 0 && n < 256 ? 0 : sg_fail("%s: name too long", h->name);
}

static int strs_has(const struct sg_fleet_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return 1;
	return 0;
}

/* 1 when h is a host of a dns service serving zone. */
static int host_serves(const struct sg_fleet *f, const struct sg_fleet_host *h, const char *zone)
{
	if (!(h->roles & SG_FLEET_DNS_AUTHORITATIVE) || h->naddrs == 0)
		return 0;
	for (size_t i = 0; i < f->nservices; i++) {
		const struct sg_fleet_service *s = &f->services[i];
		if (s->kind == SG_FLEET_SVC_DNS && strs_has(&s->zones, zone) &&
		    strs_has(&s->hosts, h->name))
			return 1;
	}
	return 0;
}

/* The hosts serving zone, sorted by name, each once (*out: malloc'ed). */
static int zone_servers(const struct sg_fleet *f, const char *zone,
			const struct sg_fleet_host ***out, size_t *n)
{
	*n = 0;
	if (!(*out = calloc(f->nhosts + 1, sizeof(**out))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < f->nhosts; i++)
		if (host_serves(f, &f->hosts[i], zone))
			(*out)[(*n)++] = &f->hosts[i];
	if (*n == 0) {
		free(*out);
		*out = NULL;
		return sg_fail("zone %s: no dns service host serves it", zone);
	}
	return 0;
}

/* The innermost zone of the fleet holding name; the root when none. */
static const char *zone_of(const struct sg_fleet *f, const char *name)
{
	const char *best = ".";

	for (size_t i = 0; i < f->zones.n; i++)
		if (name_in(name, f->zones.v[i]) &&
		    (!strcmp(best, ".") || strlen(f->zones.v[i]) > strlen(best)))
			best = f->zones.v[i];
	return best;
}

/* Name servers of a zone as the dns layer's "NAME=ADDRESS" specs. */
struct ns_specs {
	char (*text)[320];
	const char **v;
	size_t n;
};

static void ns_specs_free(struct ns_specs *s)
{
	free(s->text);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int ns_specs_make(const struct sg_fleet *f, const char *zone, struct ns_specs *s)
{
	const struct sg_fleet_host **hs = NULL;
	char name[256];
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (zone_servers(f, zone, &hs, &s->n) < 0)
		return -1;
	s->text = calloc(s->n, sizeof(*s->text));
	s->v = calloc(s->n, sizeof(*s->v));
	if (!s->text || !s->v) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (host_fqdn(f, hs[i], name) < 0)
			goto out;
		snprintf(s->text[i], sizeof(s->text[i]), "%s=%s", name, hs[i]->addrs[0].text);
		s->v[i] = s->text[i];
	}
	rc = 0;
out:
	free(hs);
	if (rc < 0)
		ns_specs_free(s);
	return rc;
}

/* --- issue --- */

static int recipient_strings(const struct sg_age_recipients *rs, struct sg_buf *text,
			     const char ***v, size_t *n)
{
	size_t *off;

	*v = NULL;
	*n = 0;
	if (!rs || rs->n == 0)
		return 0;
	if (!(off = calloc(rs->n, sizeof(*off))) || !(*v = calloc(rs->n, sizeof(**v)))) {
		free(off);
		return sg_fail("out of memory");
	}
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].kind != SG_AGE_X25519) {
			free(off);
			return sg_fail("DNS keys are encrypted to age X25519 recipients only, not "
				       "to a passphrase");
		}
		off[i] = text->len;
		if (sg_age_recipient_encode(rs->v[i].public, text) < 0 ||
		    sg_buf_append_byte(text, '\0') < 0) {
			free(off);
			return -1;
		}
	}
	for (size_t i = 0; i < rs->n; i++)
		(*v)[i] = (const char *)text->data + off[i];
	*n = rs->n;
	free(off);
	return 0;
}

static int dns_dir_init(const struct sg_fleet *f, const char *dns_dir,
			const struct sg_age_recipients *key_rs, struct sg_buf *report)
{
	struct ns_specs ns;
	struct sg_buf rtext = SG_BUF_INIT;
	const char **rv = NULL;
	size_t rn = 0;
	int rc = -1;

	if (ns_specs_make(f, ".", &ns) < 0)
		return -1;
	if (recipient_strings(key_rs, &rtext, &rv, &rn) == 0 &&
	    sg_dns_init(dns_dir, DNS_ALG, ns.v, ns.n, rv, rn) == 0)
		rc = sg_buf_printf(report, "%s: DNS directory made: the root, Ed25519 keys%s\n",
				   dns_dir, rn ? ", private keys encrypted to age" : "");
	free(rv);
	sg_buf_free(&rtext);
	ns_specs_free(&ns);
	return rc;
}

/* The zones of dns_dir's dns.conf (canonical names), read under its
 * shared lock, into c. */
static int dns_dir_conf(const char *dns_dir, struct sg_dnsconf *c)
{
	int lock, rc;

	memset(c, 0, sizeof(*c));
	if (sg_txn_read_begin(dns_dir, &lock) < 0)
		return -1;
	rc = sg_dnsconf_load(c, dns_dir);
	sg_txn_read_end(&lock);
	return rc;
}

static int write_anchor(const char *repo, const char *dns_dir, struct sg_buf *report)
{
	struct sg_buf text = SG_BUF_INIT;
	char path[SG_PATH_MAX];
	int rc = -1, w;

	if (sg_path_join(path, sizeof(path), repo, SG_FLEET_ROOT_DS) < 0 ||
	    sg_dns_anchor(dns_dir, "unbound", &text) < 0)
		goto out;
	if ((w = sg_fleet_write_if_changed(path, text.data, text.len, 0644, ZONE_MAX)) < 0)
		goto out;
	rc = w ? sg_buf_printf(report, "%s: the root's trust anchor written\n", SG_FLEET_ROOT_DS) : 0;
out:
	sg_buf_free(&text);
	return rc;
}

int sg_fleet_dns_issue(const struct sg_fleet *f, const char *repo, const char *dns_dir,
		       const struct sg_age_recipients *key_rs, struct sg_buf *report)
{
	struct sg_dnsconf c = { 0 };
	char conf[SG_PATH_MAX];
	int rc = -1;

	if (sg_path_join(conf, sizeof(conf), dns_dir, "dns.conf") < 0)
		return -1;
	if (access(conf, F_OK) != 0 && dns_dir_init(f, dns_dir, key_rs, report) < 0)
		return -1;
	if (dns_dir_conf(dns_dir, &c) < 0)
		return -1;
	for (size_t i = 1; i < nzones(f); i++) {
		const char *zone = zone_at(f, i);
		char fq[256];
		struct ns_specs ns;
		int added;

		if (zone_fqdn(zone, fq) < 0)
			goto out;
		if (sg_dnsconf_has_zone(&c, fq))
			continue;
		if (ns_specs_make(f, zone, &ns) < 0)
			goto out;
		added = sg_dns_add_zone(dns_dir, zone, ns.v, ns.n);
		ns_specs_free(&ns);
		if (added < 0 || sg_buf_printf(report, "%s: zone %s added\n", dns_dir, fq) < 0)
			goto out;
	}
	rc = write_anchor(repo, dns_dir, report);
out:
	sg_dnsconf_free(&c);
	return rc;
}

/* --- jobs: inputs --- */

static struct sg_json *addr_array(const struct sg_fleet_host *h)
{
	struct sg_json *a = sg_json_new_array();

	for (size_t i = 0; a && i < h->naddrs; i++)
		if (sg_json_append(a, sg_json_new_string(h->addrs[i].text)) < 0) {
			sg_json_free(a);
			return NULL;
		}
	return a;
}

/* Every address of the hosts of service s, each once, in host order. */
static struct sg_json *service_addrs(const struct sg_fleet *f, const struct sg_fleet_service *s)
{
	struct sg_json *a = sg_json_new_array();

	for (size_t i = 0; a && i < f->nhosts; i++) {
		const struct sg_fleet_host *h = &f->hosts[i];
		if (!strs_has(&s->hosts, h->name))
			continue;
		for (size_t k = 0; k < h->naddrs; k++)
			if (sg_json_append(a, sg_json_new_string(h->addrs[k].text)) < 0) {
				sg_json_free(a);
				return NULL;
			}
	}
	return a;
}

static int zone_hosts(const struct sg_fleet *f, struct sg_json *in)
{
	struct sg_json *hosts = sg_json_new_array();
	char name[256];

	if (sg_json_set(in, "hosts", hosts) < 0)
		return -1;
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct sg_fleet_host *h = &f->hosts[i];
		struct sg_json *o;
		if (h->naddrs == 0)
			continue;
		if (host_fqdn(f, h, name) < 0 || !(o = sg_json_new_object()))
			return -1;
		if (sg_json_append(hosts, o) < 0 ||
		    sg_json_set(o, "name", sg_json_new_string(name)) < 0 ||
		    sg_json_set(o, "addresses", addr_array(h)) < 0)
			return -1;
		if (h->ssh_host_key &&
		    sg_json_set(o, "ssh_host_key", sg_json_new_string(h->ssh_host_key)) < 0)
			return -1;
	}
	return 0;
}

static int zone_services(const struct sg_fleet_ctx *c, const char *zone, struct sg_json *in)
{
	const struct sg_fleet *f = c->f;
	struct sg_json *svcs = sg_json_new_array(), *missing = sg_json_new_array();

	if (sg_json_set(in, "services", svcs) < 0 || sg_json_set(in, "missing", missing) < 0)
		return -1;
	for (size_t i = 0; i < f->nservices; i++) {
		const struct sg_fleet_service *s = &f->services[i];
		struct sg_buf pem = SG_BUF_INIT;
		char rel[SG_PATH_MAX], full[SG_PATH_MAX + 8], fq[256];
		int have = -1;

		if (s->kind != SG_FLEET_SVC_WEB && s->kind != SG_FLEET_SVC_CA)
			continue;
		for (size_t k = 0; k < s->names.n; k++) {
			const char *name = s->names.v[k];
			struct sg_json *o;
			if (strcmp(zone_of(f, name), zone))
				continue;
			if (have < 0) {
				if (snprintf(rel, sizeof(rel), "certs/%s/cert.pem", s->name) >=
					    (int)sizeof(rel) ||
				    (have = sg_fleet_state_read(c, rel, &pem)) < 0) {
					sg_buf_free(&pem);
					return sg_fail_prefix(s->name);
				}
				snprintf(full, sizeof(full), "state/%s", rel);
				if (!have && sg_json_append(missing, sg_json_new_string(full)) < 0) {
					sg_buf_free(&pem);
					return -1;
				}
			}
			if (zone_fqdn(name, fq) < 0 || !(o = sg_json_new_object()) ||
			    sg_json_append(svcs, o) < 0 ||
			    sg_json_set(o, "name", sg_json_new_string(fq)) < 0 ||
			    sg_json_set(o, "addresses", service_addrs(f, s)) < 0 ||
			    sg_json_set(o, "port", sg_json_new_int(s->port)) < 0 ||
			    (have &&
			     sg_json_set(o, "certificate",
					 sg_json_new_stringn((const char *)pem.data, pem.len)) < 0)) {
				sg_buf_free(&pem);
				return -1;
			}
		}
		sg_buf_free(&pem);
	}
	return 0;
}

/* --- jobs: make --- */

static const char *jstr(const struct sg_json *o, const char *key)
{
	return sg_json_string(sg_json_get(o, key), NULL);
}

static size_t jlen(const struct sg_json *a)
{
	return a && a->kind == SG_JSON_ARRAY ? a->u.array.len : 0;
}

static const struct sg_json *jat(const struct sg_json *a, size_t i)
{
	return a->u.array.items[i];
}

static int jint(const struct sg_json *o, const char *key, int64_t *v)
{
	const struct sg_json *j = sg_json_get(o, key);

	if (!j || j->kind != SG_JSON_INT)
		return -1;
	*v = j->u.integer;
	return 0;
}

/* The zone's records, one line each, sorted and without repeats. */
struct lines {
	char **v;
	size_t n, cap;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int lines_add(struct lines *l, const char *owner, const char *type_rdata)
{
	struct sg_buf b = SG_BUF_INIT;

	if (sg_array_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0 ||
	    sg_buf_printf(&b, "%s\t%d\tIN\t%s\n", owner, RR_TTL, type_rdata) < 0) {
		sg_buf_free(&b);
		return -1;
	}
	l->v[l->n++] = (char *)b.data; /* NUL-terminated by sg_buf_printf */
	return 0;
}

/* Adds the "OWNER IN TYPE RDATA" lines of the dns layer's records. */
static int lines_add_records(struct lines *l, const struct sg_buf *recs)
{
	const char *p = (const char *)recs->data, *end = p + recs->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, n), *in;
		int rc = 0;

		if (!line)
			return sg_fail("out of memory");
		if ((in = strstr(line, " IN "))) {
			char *sp = strchr(in + 4, ' ');
			*in = '\0';
			if (sp)
				*sp = '\t'; /* "TYPE\tRDATA", as the zone's other records */
			rc = lines_add(l, line, in + 4);
		}
		free(line);
		if (rc < 0)
			return -1;
		p += n + 1;
	}
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_addrs(struct lines *l, const char *owner, const struct sg_json *addrs)
{
	char rr[128];

	for (size_t i = 0; i < jlen(addrs); i++) {
		const char *a = sg_json_string(jat(addrs, i), NULL);
		if (!a || strlen(a) > 64)
			return sg_fail("zone job: bad address of %s", owner);
		snprintf(rr, sizeof(rr), "%s\t%s", strchr(a, ':') ? "AAAA" : "A", a);
		if (lines_add(l, owner, rr) < 0)
			return -1;
	}
	return 0;
}

static int zone_records(const struct sg_json *in, struct lines *l)
{
	const struct sg_json *hosts = sg_json_get(in, "hosts"), *svcs = sg_json_get(in, "services");
	struct sg_buf recs = SG_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < jlen(hosts); i++) {
		const struct sg_json *h = jat(hosts, i);
		const char *name = jstr(h, "name");
		size_t klen;
		const char *key = sg_json_string(sg_json_get(h, "ssh_host_key"), &klen);
		if (!name)
			return sg_fail("zone job: a host without a name");
		rc = add_addrs(l, name, sg_json_get(h, "addresses"));
		if (rc == 0 && key) {
			recs.len = 0;
			rc = sg_dns_sshfp(name, key, klen, name, &recs);
			if (rc == 0)
				rc = lines_add_records(l, &recs);
		}
	}
	for (size_t i = 0; rc == 0 && i < jlen(svcs); i++) {
		const struct sg_json *s = jat(svcs, i);
		const char *name = jstr(s, "name");
		size_t clen;
		const char *cert = sg_json_string(sg_json_get(s, "certificate"), &clen);
		int64_t port;
		if (!name || jint(s, "port", &port) < 0 || port < 1 || port > 65535) {
			rc = sg_fail("zone job: a service without a name or port");
			break;
		}
		rc = add_addrs(l, name, sg_json_get(s, "addresses"));
		if (rc == 0 && cert) {
			recs.len = 0;
			rc = sg_dns_tlsa(name, (unsigned)port, "tcp", (const uint8_t *)cert, clen,
					 name, &recs);
			if (rc == 0)
				rc = lines_add_records(l, &recs);
		}
	}
	sg_buf_free(&recs);
	return rc;
}

static int make_zone(const struct sg_json *in, struct sg_buf *out)
{
	const char *zone = jstr(in, "zone"), *hm = jstr(in, "hostmaster");
	const struct sg_json *ns = sg_json_get(in, "ns"), *missing = sg_json_get(in, "missing");
	struct lines l = { 0 };
	int64_t serial;
	int rc = -1;

	if (!zone || !hm || jlen(ns) == 0 || !sg_json_string(jat(ns, 0), NULL) ||
	    jint(in, "serial", &serial) < 0 || serial < 0 || serial > UINT32_MAX)
		return sg_fail("zone job: bad inputs");
	if (sg_buf_printf(out,
			  "; zone %s of the organisation's private root, made by signet fleet.\n"
			  "; DNSKEY, NSEC3, RRSIG and the root's delegations are added when "
			  "signing.\n$TTL %d\n%s\t%d\tIN\tSOA\t%s %s %u " SOA_TIMES "\n",
			  zone, RR_TTL, zone, RR_TTL, sg_json_string(jat(ns, 0), NULL), hm,
			  (unsigned)serial) < 0)
		return -1;
	for (size_t i = 0; i < jlen(ns); i++) {
		const char *n = sg_json_string(jat(ns, i), NULL);
		if (!n)
			return sg_fail("zone job: bad name server");
		if (sg_buf_printf(out, "%s\t%d\tIN\tNS\t%s\n", zone,
				  strcmp(zone, ".") ? NS_TTL : ROOT_NS_TTL, n) < 0)
			return -1;
	}
	for (size_t i = 0; i < jlen(missing); i++)
		if (sg_buf_printf(out, "; no TLSA records: %s is missing\n",
				  sg_json_string(jat(missing, i), NULL)) < 0)
			return -1;
	if (zone_records(in, &l) < 0)
		goto out;
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_line);
	for (size_t i = 0; i < l.n; i++)
		if ((i == 0 || strcmp(l.v[i], l.v[i - 1])) && sg_buf_append_str(out, l.v[i]) < 0)
			goto out;
	rc = 0;
out:
	lines_free(&l);
	return rc;
}

/* A quoted value of a server configuration: no quotes, no newlines. */
static int conf_str(const char *what, const char *s)
{
	if (!s || strpbrk(s, "\"\n\r\\"))
		return sg_fail("%s: not a value a configuration file can carry", what);
	return 0;
}

static int make_nsd_conf(const struct sg_json *in, struct sg_buf *out)
{
	const struct sg_json *addrs = sg_json_get(in, "addresses"), *zones = sg_json_get(in, "zones");
	const char *host = jstr(in, "host");
	int rc;

	if (conf_str("nsd.conf: host", host) < 0 || jlen(addrs) == 0)
		return sg_fail("nsd.conf job: bad inputs");
	rc = sg_buf_printf(out,
			   "# NSD on %s: authoritative for its zones of the organisation's\n"
			   "# private root (signet fleet). Every path is relative to this\n"
			   "# directory; run from it: nsd -d -c nsd.conf\n"
			   "server:\n",
			   host);
	for (size_t i = 0; rc == 0 && i < jlen(addrs); i++) {
		const char *a = sg_json_string(jat(addrs, i), NULL);
		rc = conf_str("nsd.conf: address", a) < 0
			     ? -1
			     : sg_buf_printf(out, "\tip-address: %s\n", a);
	}
	if (rc == 0)
		rc = sg_buf_append_str(out, "\tport: 53\n"
					    "\tusername: \"\"\n"
					    "\tchroot: \"\"\n"
					    "\tzonesdir: \".\"\n"
					    "\tdatabase: \"\"\n"
					    "\tzonelistfile: \"nsd-zone.list\"\n"
					    "\txfrdfile: \"nsd-xfrd.state\"\n"
					    "\txfrdir: \".\"\n"
					    "\tpidfile: \"nsd.pid\"\n"
					    "\thide-version: yes\n"
					    "\trefuse-any: yes\n"
					    "\tverbosity: 1\n"
					    "\nremote-control:\n\tcontrol-enable: no\n");
	for (size_t i = 0; rc == 0 && i < jlen(zones); i++) {
		const struct sg_json *z = jat(zones, i);
		const char *name = jstr(z, "name"), *file = jstr(z, "file");
		if (conf_str("nsd.conf: zone", name) < 0 || conf_str("nsd.conf: zone file", file) < 0)
			return -1;
		rc = sg_buf_printf(out, "\nzone:\n\tname: \"%s\"\n\tzonefile: \"%s\"\n", name, file);
	}
	return rc;
}

static int append_strs(struct sg_buf *out, const struct sg_json *a, const char *fmt_key,
		       const char *suffix)
{
	for (size_t i = 0; i < jlen(a); i++) {
		const char *s = sg_json_string(jat(a, i), NULL);
		if (conf_str(fmt_key, s) < 0 ||
		    sg_buf_printf(out, "\t%s: %s%s\n", fmt_key, s, suffix) < 0)
			return -1;
	}
	return 0;
}

static int any_v6(const struct sg_json *a)
{
	for (size_t i = 0; i < jlen(a); i++) {
		const char *s = sg_json_string(jat(a, i), NULL);
		if (s && strchr(s, ':'))
			return 1;
	}
	return 0;
}

static int make_unbound_conf(const struct sg_json *in, struct sg_buf *out)
{
	const struct sg_json *ifs = sg_json_get(in, "interfaces"), *acl = sg_json_get(in, "access"),
			     *roots = sg_json_get(in, "root_servers");
	const char *host = jstr(in, "host"), *anchor = jstr(in, "trust_anchor_file");

	if (conf_str("unbound.conf: host", host) < 0 ||
	    conf_str("unbound.conf: anchor", anchor) < 0 || jlen(ifs) == 0 || jlen(roots) == 0)
		return sg_fail("unbound.conf job: bad inputs");
	if (sg_buf_printf(out,
			  "# Unbound on %s: validating resolver trusting only the organisation's\n"
			  "# private root (signet fleet). No root hints, no IANA anchor: the root\n"
			  "# is the stub zone below. Every path is relative to this directory;\n"
			  "# run from it: unbound -d -c unbound.conf\n"
			  "server:\n",
			  host) < 0 ||
	    append_strs(out, ifs, "interface", "") < 0 ||
	    sg_buf_printf(out, "\tport: 53\n\tdo-ip6: %s\n",
			  any_v6(ifs) || any_v6(roots) ? "yes" : "no") < 0 ||
	    append_strs(out, acl, "access-control", " allow") < 0 ||
	    sg_buf_printf(out,
			  "\tusername: \"\"\n"
			  "\tchroot: \"\"\n"
			  "\tdirectory: \".\"\n"
			  "\tpidfile: \"unbound.pid\"\n"
			  "\tuse-syslog: no\n"
			  "\tlogfile: \"\"\n"
			  "\tverbosity: 1\n"
			  "\tmodule-config: \"validator iterator\"\n"
			  "\ttrust-anchor-file: \"%s\"\n"
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
			  "\nstub-zone:\n\tname: \".\"\n",
			  anchor) < 0)
		return -1;
	return append_strs(out, roots, "stub-addr", "@53");
}

/* The anchor, as state/ holds it. */
static int make_copy(const struct sg_json *in, struct sg_buf *out)
{
	size_t len;
	const char *text = sg_json_string(sg_json_get(in, "content"), &len);

	if (!text)
		return sg_fail("trust-anchor job: no content");
	return sg_buf_append(out, text, len);
}

/* --- jobs --- */

static struct sg_json *zone_inputs(const struct sg_fleet_ctx *c, const char *zone)
{
	const struct sg_fleet *f = c->f;
	const struct sg_fleet_host **hs = NULL;
	struct sg_json *in = sg_json_new_object(), *ns = sg_json_new_array();
	char fq[256], name[256], hm[300];
	size_t n = 0;

	if (!in || sg_json_set(in, "ns", ns) < 0 || zone_fqdn(zone, fq) < 0 ||
	    zone_servers(f, zone, &hs, &n) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (host_fqdn(f, hs[i], name) < 0 || sg_json_append(ns, sg_json_new_string(name)) < 0)
			goto fail;
	snprintf(hm, sizeof(hm), "hostmaster.%s.", f->host_zone);
	if (sg_json_set(in, "zone", sg_json_new_string(fq)) < 0 ||
	    sg_json_set(in, "serial", sg_json_new_int(1)) < 0 ||
	    sg_json_set(in, "hostmaster", sg_json_new_string(hm)) < 0)
		goto fail;
	if (!strcmp(zone, f->host_zone) && zone_hosts(f, in) < 0)
		goto fail;
	if (zone_services(c, zone, in) < 0)
		goto fail;
	free(hs);
	return in;
fail:
	free(hs);
	sg_json_free(in);
	return NULL;
}

static int nsd_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		    struct sg_fleet_jobs *jobs)
{
	const struct sg_fleet *f = c->f;
	struct sg_json *in = NULL, *zones = NULL;
	char rel[SG_PATH_MAX], fq[256];
	int any = 0;

	for (size_t i = 0; i < nzones(f); i++) {
		const char *zone = zone_at(f, i);
		struct sg_json *z;
		if (!host_serves(f, h, zone))
			continue;
		if (!in) {
			in = sg_json_new_object();
			zones = sg_json_new_array();
			if (!in || sg_json_set(in, "zones", zones) < 0 ||
			    sg_json_set(in, "host", sg_json_new_string(h->name)) < 0 ||
			    sg_json_set(in, "addresses", addr_array(h)) < 0)
				goto fail;
		}
		any = 1;
		snprintf(rel, sizeof(rel), "zones/%s.signed", zone_stem(zone));
		if (zone_fqdn(zone, fq) < 0 || !(z = sg_json_new_object()) ||
		    sg_json_append(zones, z) < 0 ||
		    sg_json_set(z, "name", sg_json_new_string(fq)) < 0 ||
		    sg_json_set(z, "file", sg_json_new_string(rel)) < 0)
			goto fail;
		snprintf(rel, sizeof(rel), "nsd/zones/%s.zone", zone_stem(zone));
		if (sg_fleet_jobs_add(jobs, h, "zone", rel, zone_inputs(c, zone), make_zone) < 0)
			goto fail;
	}
	if (!any)
		return 0;
	return sg_fleet_jobs_add(jobs, h, "nsd.conf", "nsd/nsd.conf", in, make_nsd_conf);
fail:
	sg_json_free(in);
	return -1;
}

static int unbound_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
			struct sg_fleet_jobs *jobs)
{
	const struct sg_fleet *f = c->f;
	const struct sg_fleet_host **hs = NULL;
	struct sg_buf ds = SG_BUF_INIT;
	struct sg_json *in = sg_json_new_object(), *ifs = NULL, *acl = sg_json_new_array(),
		       *roots = sg_json_new_array(), *anchor = NULL;
	size_t n = 0;
	int have, own;

	if (!in || sg_json_set(in, "access", acl) < 0 || sg_json_set(in, "root_servers", roots) < 0)
		goto fail;
	if ((have = sg_fleet_state_read(c, "dns/root.ds", &ds)) < 0)
		goto fail;
	if (!have) {
		sg_fail(SG_FLEET_ROOT_DS ": missing (run signet fleet issue)");
		goto fail;
	}
	/* NSD has the host's addresses when the host is authoritative too. */
	own = host_serves(f, h, ".");
	for (size_t i = 1; !own && i < nzones(f); i++)
		own = host_serves(f, h, zone_at(f, i));
	if (own) {
		ifs = sg_json_new_array();
		if (sg_json_append(ifs, sg_json_new_string(OWN_RESOLVER)) < 0)
			goto fail_ifs;
	} else if (!(ifs = addr_array(h))) {
		goto fail;
	}
	if (sg_json_set(in, "interfaces", ifs) < 0)
		goto fail;
	if (sg_json_append(acl, sg_json_new_string("127.0.0.0/8")) < 0 ||
	    sg_json_append(acl, sg_json_new_string("::1/128")) < 0)
		goto fail;
	for (size_t i = 0; i < f->npermit_ip; i++) {
		char cidr[64];
		sg_name_cidr_format(&f->permit_ip[i], cidr);
		if (sg_json_append(acl, sg_json_new_string(cidr)) < 0)
			goto fail;
	}
	if (zone_servers(f, ".", &hs, &n) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < hs[i]->naddrs; k++)
			if (sg_json_append(roots, sg_json_new_string(hs[i]->addrs[k].text)) < 0)
				goto fail;
	if (sg_json_set(in, "host", sg_json_new_string(h->name)) < 0 ||
	    sg_json_set(in, "trust_anchor_file", sg_json_new_string("root.ds")) < 0)
		goto fail;
	if (!(anchor = sg_json_new_object()) ||
	    sg_json_set(anchor, "content", sg_json_new_stringn((const char *)ds.data, ds.len)) < 0) {
		sg_json_free(anchor);
		goto fail;
	}
	free(hs);
	sg_buf_free(&ds);
	if (sg_fleet_jobs_add(jobs, h, "unbound.conf", "unbound/unbound.conf", in,
			      make_unbound_conf) < 0) {
		sg_json_free(anchor);
		return -1;
	}
	return sg_fleet_jobs_add(jobs, h, "trust-anchor", "unbound/root.ds", anchor, make_copy);
fail_ifs:
	sg_json_free(ifs);
fail:
	free(hs);
	sg_buf_free(&ds);
	sg_json_free(in);
	return -1;
}

int sg_fleet_dns_jobs(const struct sg_fleet_ctx *c, const struct sg_fleet_host *h,
		      struct sg_fleet_jobs *jobs)
{
	if ((h->roles & SG_FLEET_DNS_AUTHORITATIVE) && nsd_jobs(c, h, jobs) < 0)
		return -1;
	if ((h->roles & SG_FLEET_DNS_RESOLVER) && unbound_jobs(c, h, jobs) < 0)
		return -1;
	return 0;
}

/* --- sign --- */

/* The built master file of zone, the same on every host serving it. */
static int built_zone(const struct sg_fleet *f, const char *build, const char *zone,
		      struct sg_buf *text)
{
	const struct sg_fleet_host **hs = NULL;
	struct sg_buf other = SG_BUF_INIT;
	char first[SG_PATH_MAX], path[SG_PATH_MAX], rel[SG_PATH_MAX];
	size_t n;
	int rc = -1;

	if (zone_servers(f, zone, &hs, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct sg_buf *b = i ? &other : text;
		snprintf(rel, sizeof(rel), "hosts/%s/nsd/zones/%s.zone", hs[i]->name,
			 zone_stem(zone));
		if (sg_path_join(path, sizeof(path), build, rel) < 0)
			goto out;
		b->len = 0;
		if (sg_read_file(path, b, ZONE_MAX) < 0)
			goto out;
		if (i == 0) {
			snprintf(first, sizeof(first), "%s", path);
		} else if (other.len != text->len || memcmp(other.data, text->data, text->len)) {
			sg_fail("%s: differs from %s (every host serving %s must have the same zone)",
				path, first, zone);
			goto out;
		}
	}
	rc = 0;
out:
	sg_buf_free(&other);
	free(hs);
	return rc;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Sets the name servers of zone (canonical fq) in c to the fleet's:
 * 1 when they changed, 0 when they were the fleet's already. */
static int set_ns(struct sg_dnsconf *c, const struct sg_fleet *f, const char *zone, const char *fq)
{
	struct ns_specs s;
	char(*names)[256] = NULL, (*addrs)[64] = NULL;
	unsigned *ports = NULL;
	size_t k = 0, w = 0;
	int rc = -1, same = 1;

	if (ns_specs_make(f, zone, &s) < 0)
		return -1;
	names = calloc(s.n, sizeof(*names));
	addrs = calloc(s.n, sizeof(*addrs));
	ports = calloc(s.n, sizeof(*ports));
	if (!names || !addrs || !ports) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < s.n; i++)
		if (sg_dns_parse_ns(s.v[i], names[i], addrs[i], &ports[i]) < 0)
			goto out;
	for (size_t i = 0; i < c->nns; i++) {
		const struct sg_dns_ns *ns = &c->ns[i];
		if (strcmp(ns->zone, fq))
			continue;
		if (k >= s.n || strcmp(ns->name, names[k]) ||
		    !same_str(ns->addr, addrs[k][0] ? addrs[k] : NULL) || ns->port != ports[k])
			same = 0;
		k++;
	}
	if (same && k == s.n) {
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < c->nns; i++) {
		if (strcmp(c->ns[i].zone, fq)) {
			c->ns[w++] = c->ns[i];
			continue;
		}
		free(c->ns[i].zone);
		free(c->ns[i].name);
		free(c->ns[i].addr);
	}
	c->nns = w;
	for (size_t i = 0; i < s.n; i++)
		if (sg_dnsconf_add_ns(c, fq, names[i], addrs[i][0] ? addrs[i] : NULL, ports[i]) < 0)
			goto out;
	rc = 1;
out:
	free(names);
	free(addrs);
	free(ports);
	ns_specs_free(&s);
	return rc;
}

/* Puts the built zones and the fleet's name servers into dns_dir, in
 * one transaction. */
static int update_dir(const struct sg_fleet *f, const char *build, const char *dns_dir,
		      struct sg_buf *report)
{
	struct sg_txn t = { .lock = -1 };
	struct sg_dnsconf c = { 0 };
	struct sg_buf text = SG_BUF_INIT, now = SG_BUF_INIT;
	char fq[256], path[SG_PATH_MAX], rel[SG_PATH_MAX];
	int rc = -1, conf_changed = 0, changed = 0;

	if (sg_dnsconf_begin(&t, dns_dir) < 0)
		return -1;
	if (sg_dnsconf_load(&c, dns_dir) < 0)
		goto out;
	for (size_t i = 0; i < nzones(f); i++) {
		const char *zone = zone_at(f, i);
		int r;
		if (zone_fqdn(zone, fq) < 0)
			goto out;
		if (!sg_dnsconf_has_zone(&c, fq)) {
			sg_fail("%s/dns.conf: no zone %s (run signet fleet issue)", dns_dir, fq);
			goto out;
		}
		text.len = now.len = 0;
		if (built_zone(f, build, zone, &text) < 0)
			goto out;
		sg_dns_zone_file(dns_dir, fq, path, sizeof(path));
		if (access(path, F_OK) == 0 && sg_read_file(path, &now, ZONE_MAX) < 0)
			goto out;
		if (now.len != text.len || memcmp(now.data, text.data, text.len)) {
			snprintf(rel, sizeof(rel), "zones/%s.zone", zone_stem(zone));
			if (sg_txn_write(&t, rel, text.data, text.len, 0644) < 0 ||
			    sg_buf_printf(report, "%s: %s from the build\n", fq, path) < 0)
				goto out;
			changed = 1;
		}
		if ((r = set_ns(&c, f, zone, fq)) < 0)
			goto out;
		if (r && sg_buf_printf(report, "%s: name servers set to the fleet's\n", fq) < 0)
			goto out;
		conf_changed |= r;
	}
	if (conf_changed && sg_dnsconf_stage(&c, &t) < 0)
		goto out;
	rc = changed || conf_changed ? sg_txn_commit(&t) : 0;
out:
	sg_txn_end(&t);
	sg_dnsconf_free(&c);
	sg_buf_free(&text);
	sg_buf_free(&now);
	return rc;
}

/* Copies each signed zone to OUT/hosts/<h>/nsd/zones/<stem>.signed. */
static int write_signed(const struct sg_fleet *f, const char *dns_dir, const char *out,
			struct sg_buf *report)
{
	struct sg_buf text = SG_BUF_INIT;
	char fq[256], src[SG_PATH_MAX], dst[SG_PATH_MAX], rel[SG_PATH_MAX];
	int lock, rc = -1;

	if (sg_txn_read_begin(dns_dir, &lock) < 0)
		return -1;
	for (size_t i = 0; i < nzones(f); i++) {
		const char *zone = zone_at(f, i);
		const struct sg_fleet_host **hs = NULL;
		size_t n;
		int w = 0;
		if (zone_fqdn(zone, fq) < 0)
			goto out;
		sg_dns_signed_file(dns_dir, fq, src, sizeof(src));
		text.len = 0;
		if (sg_read_file(src, &text, ZONE_MAX) < 0 || zone_servers(f, zone, &hs, &n) < 0)
			goto out;
		for (size_t k = 0; w >= 0 && k < n; k++) {
			snprintf(rel, sizeof(rel), "hosts/%s/nsd/zones/%s.signed", hs[k]->name,
				 zone_stem(zone));
			if (sg_path_join(dst, sizeof(dst), out, rel) < 0 ||
			    (w = sg_fleet_write_if_changed(dst, text.data, text.len, 0644,
							   ZONE_MAX)) < 0)
				w = -1;
			else if (w && sg_buf_printf(report, "%s: %s\n", fq, dst) < 0)
				w = -1;
		}
		free(hs);
		if (w < 0)
			goto out;
	}
	rc = 0;
out:
	sg_txn_read_end(&lock);
	sg_buf_free(&text);
	return rc;
}

int sg_fleet_dns_sign(const struct sg_fleet *f, const char *build, const char *dns_dir,
		      const char *out, int64_t epoch, const struct sg_age_identities *ids,
		      struct sg_buf *report)
{
	struct sg_dns_sign_opts o = {
		.nsec3 = 1,
		.validity = SIGN_VALIDITY,
		.refresh = SIGN_REFRESH,
		.now = (time_t)epoch,
		.ids = ids,
	};

	if (epoch < 3600 || epoch > (int64_t)UINT32_MAX - SIGN_VALIDITY)
		return sg_fail("epoch %lld: out of the range signatures can carry", (long long)epoch);
	if (update_dir(f, build, dns_dir, report) < 0 || sg_dns_sign(dns_dir, &o, report) < 0)
		return -1;
	return write_signed(f, dns_dir, out, report);
}
