#include "dnszone.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "crypto.h"
#include "dnsanchor.h"
#include "dnsconf.h"
#include "dnskeys.h"
#include "err.h"
#include "fileio.h"
#include "path.h"
#include "txn.h"

#define ZONE_MAX ((size_t)1 << 31)
#define MAX_THREADS 8
#define ROOT_NS_TTL 518400
#define DELEG_TTL 86400
#define DNSKEY_TTL 3600
#define SOA_REFRESH "1800 900 604800 3600"
#define HEADER "; signet-dns input "

/* --- names and paths --- */

static void zone_stem(const char *zone, char *out, size_t cap)
{
	if (strcmp(zone, ".") == 0) {
		snprintf(out, cap, "root");
		return;
	}
	snprintf(out, cap, "%s", zone);
	size_t n = strlen(out);
	if (n && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* A zone's master file and signed file, relative to the directory. */
static void zone_rel(const char *zone, char *out, size_t cap)
{
	char stem[256];

	zone_stem(zone, stem, sizeof(stem));
	snprintf(out, cap, "zones/%s.zone", stem);
}

static void signed_rel(const char *zone, char *out, size_t cap)
{
	char stem[256];

	zone_stem(zone, stem, sizeof(stem));
	snprintf(out, cap, "signed/%s.signed", stem);
}

void sg_dns_zone_file(const char *dir, const char *zone, char *out, size_t cap)
{
	char rel[300];

	zone_rel(zone, rel, sizeof(rel));
	snprintf(out, cap, "%s/%s", dir, rel);
}

void sg_dns_signed_file(const char *dir, const char *zone, char *out, size_t cap)
{
	char rel[300];

	signed_rel(zone, rel, sizeof(rel));
	snprintf(out, cap, "%s/%s", dir, rel);
}

/* 1 when name equals zone or lies below it (both canonical text). */
static int name_in(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	if (strcmp(zone, ".") == 0)
		return 1;
	if (n < z || strcmp(name + n - z, zone))
		return 0;
	return n == z || name[n - z - 1] == '.';
}

int sg_dns_parse_ns(const char *spec, char name[256], char addr[64], unsigned *port)
{
	char tmp[512];
	char *eq, *at;
	unsigned char bin[16];

	addr[0] = '\0';
	*port = 0;
	if (strlen(spec) >= sizeof(tmp))
		return sg_fail("name server '%.64s...': too long", spec);
	strcpy(tmp, spec);
	eq = strchr(tmp, '=');
	if (eq) {
		*eq++ = '\0';
		at = strrchr(eq, '@');
		if (at) {
			char *end;
			*at++ = '\0';
			errno = 0;
			unsigned long p = strtoul(at, &end, 10);
			if (!*at || *end || errno || p == 0 || p > 65535)
				return sg_fail("name server '%s': bad port '%s'", spec, at);
			*port = (unsigned)p;
		}
		if (strlen(eq) >= 64 ||
		    (inet_pton(AF_INET, eq, bin) != 1 && inet_pton(AF_INET6, eq, bin) != 1))
			return sg_fail("name server '%s': '%s' is not an IP address", spec, eq);
		strcpy(addr, eq);
	}
	if (sg_dns_canon_name(tmp, name, 256) < 0)
		return sg_fail_prefix("name server");
	if (strcmp(name, ".") == 0)
		return sg_fail("name server '%s': the root is not a host name", spec);
	return 0;
}

/* Address record type for a textual address. */
static const char *addr_type(const char *addr)
{
	return strchr(addr, ':') ? "AAAA" : "A";
}

/* The starting master file: SOA, NS and in-zone addresses. */
static int initial_zone_text(const char *zone, const struct sg_dnsconf *c, struct sg_buf *b)
{
	const char *first_ns = NULL;
	int rc;

	for (size_t i = 0; i < c->nns; i++)
		if (!strcmp(c->ns[i].zone, zone)) {
			first_ns = c->ns[i].name;
			break;
		}
	if (!first_ns)
		return sg_fail("zone '%s' has no name server", zone);
	rc = sg_buf_printf(b,
			   "; zone %s - edit freely, then run 'signet dns sign'.\n"
			   "; DNSKEY, DS of children, NSEC and RRSIG records are added when signing.\n"
			   "$TTL 3600\n%s\t3600\tIN\tSOA\t%s hostmaster.%s 1 " SOA_REFRESH "\n",
			   zone, zone, first_ns, strcmp(zone, ".") ? zone : "");
	for (size_t i = 0; rc == 0 && i < c->nns; i++) {
		const struct sg_dns_ns *ns = &c->ns[i];
		if (strcmp(ns->zone, zone))
			continue;
		rc = sg_buf_printf(b, "%s\t%d\tIN\tNS\t%s\n", zone,
				   strcmp(zone, ".") ? DELEG_TTL : ROOT_NS_TTL, ns->name);
	}
	for (size_t i = 0; rc == 0 && i < c->nns; i++) {
		const struct sg_dns_ns *ns = &c->ns[i];
		if (strcmp(ns->zone, zone) || !ns->addr || !name_in(ns->name, zone))
			continue;
		rc = sg_buf_printf(b, "%s\t%d\tIN\t%s\t%s\n", ns->name,
				   strcmp(zone, ".") ? DELEG_TTL : ROOT_NS_TTL, addr_type(ns->addr),
				   ns->addr);
	}
	return rc;
}

static int add_zone_ns(struct sg_dnsconf *c, const char *zone, const char *const *ns, size_t nns)
{
	char name[256], addr[64];
	unsigned port;

	if (nns == 0)
		return sg_fail("zone '%s' needs at least one name server (--ns NAME=ADDRESS)", zone);
	for (size_t i = 0; i < nns; i++) {
		if (sg_dns_parse_ns(ns[i], name, addr, &port) < 0)
			return -1;
		if (name_in(name, zone) && strcmp(zone, ".") && !addr[0])
			return sg_fail("name server %s is inside %s and needs an address (glue)",
				       name, zone);
		if (!strcmp(zone, ".") && !addr[0])
			return sg_fail("root name server %s needs an address", name);
		if (sg_dnsconf_add_ns(c, zone, name, addr[0] ? addr : NULL, port) < 0)
			return -1;
	}
	return 0;
}

static int new_zone_keys(struct sg_txn *t, struct sg_dnsconf *c, const char *zone, int alg)
{
	struct sg_dns_key k;

	if (sg_dnskey_generate(t, c, zone, alg, SG_DNS_KSK, &k) < 0 || sg_dnsconf_add_key(c, &k) < 0)
		return -1;
	if (sg_dnskey_generate(t, c, zone, alg, SG_DNS_ZSK, &k) < 0 || sg_dnsconf_add_key(c, &k) < 0)
		return -1;
	return 0;
}

/* Stages a zone's starting master file, which must not exist yet. */
static int stage_zone_file(struct sg_txn *t, const char *zone, const struct sg_buf *text)
{
	char rel[300], path[4400];

	zone_rel(zone, rel, sizeof(rel));
	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	if (access(path, F_OK) == 0)
		return sg_fail("%s: already exists", path);
	return sg_txn_write(t, rel, text->data, text->len, 0644);
}

int sg_dns_init(const char *dir, int alg, const char *const *ns, size_t nns,
		const char *const *recipients, size_t nrecipients)
{
	struct sg_dnsconf c = { 0 };
	struct sg_buf text = SG_BUF_INIT;
	struct sg_txn t = { .lock = -1 };
	char path[4096];
	int rc = -1, created = 0;

	for (size_t i = 0; i < nrecipients; i++)
		if (sg_dnsconf_add_recipient(&c, recipients[i]) < 0)
			goto out;
	if (sg_dnsconf_add_zone(&c, ".") < 0 || add_zone_ns(&c, ".", ns, nns) < 0 ||
	    initial_zone_text(".", &c, &text) < 0)
		goto out;
	/* The directory is the transaction's (made by sg_txn_begin, removed
	 * again when this fails and it was not there before); the commit is
	 * the moment it becomes a DNS directory, whole. */
	created = access(dir, F_OK) != 0;
	if (sg_txn_begin(&t, dir) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/dns.conf", dir);
	if (access(path, F_OK) == 0) {
		sg_fail("%s: already exists (this directory is initialised)", path);
		goto out;
	}
	if (sg_txn_mkdir(&t, "zones", 0755) < 0 || sg_txn_mkdir(&t, "keys", 0700) < 0 ||
	    sg_txn_mkdir(&t, "signed", 0755) < 0 || new_zone_keys(&t, &c, ".", alg) < 0 ||
	    stage_zone_file(&t, ".", &text) < 0 || sg_dnsconf_stage(&c, &t) < 0 ||
	    sg_txn_commit(&t) < 0)
		goto out;
	rc = 0;
out:
	sg_txn_end(&t);
	if (rc < 0 && created)
		rmdir(dir);
	sg_buf_free(&text);
	sg_dnsconf_free(&c);
	return rc;
}

int sg_dns_add_zone(const char *dir, const char *zone_in, const char *const *ns, size_t nns)
{
	struct sg_dnsconf c = { 0 };
	struct sg_buf text = SG_BUF_INIT;
	struct sg_txn t = { .lock = -1 };
	char zone[256];
	int alg = LDNS_ECDSAP256SHA256, rc = -1;

	if (sg_dns_canon_name(zone_in, zone, sizeof(zone)) < 0)
		return sg_fail_prefix("--zone");
	if (!strcmp(zone, "."))
		return sg_fail("the root zone exists already; add-zone adds zones below it");
	if (sg_dnsconf_begin(&t, dir) < 0 || sg_dnsconf_load(&c, dir) < 0)
		goto out;
	for (size_t i = 1; i < c.nzones; i++) {
		if (name_in(zone, c.zones[i]) || name_in(c.zones[i], zone)) {
			sg_fail("zone %s: %s is already a zone (one is inside the other)", zone,
				c.zones[i]);
			goto out;
		}
	}
	/* New zones use the root's algorithm. */
	for (size_t i = 0; i < c.nkeys; i++)
		if (!strcmp(c.keys[i].zone, ".")) {
			alg = c.keys[i].alg;
			break;
		}
	if (sg_dnsconf_add_zone(&c, zone) < 0 || add_zone_ns(&c, zone, ns, nns) < 0 ||
	    initial_zone_text(zone, &c, &text) < 0)
		goto out;
	if (stage_zone_file(&t, zone, &text) < 0 || new_zone_keys(&t, &c, zone, alg) < 0 ||
	    sg_dnsconf_stage(&c, &t) < 0 || sg_txn_commit(&t) < 0)
		goto out;
	rc = 0;
out:
	sg_txn_end(&t);
	sg_buf_free(&text);
	sg_dnsconf_free(&c);
	return rc;
}

/* --- reading zones --- */

struct zone_job {
	const char *zone;
	char zpath[4096], spath[4096], srel[300];
	char hash_hex[2 * SG_SHA256_LEN + 1];
	ldns_dnssec_zone *dz;
	int skip;
};

static int is_dnssec_type(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3 ||
	       t == LDNS_RR_TYPE_NSEC3PARAM || t == LDNS_RR_TYPE_DNSKEY || t == LDNS_RR_TYPE_CDS ||
	       t == LDNS_RR_TYPE_CDNSKEY;
}

/* Checks one record of the zone file against the zone's rules. */
static int check_rr(const struct sg_dnsconf *c, const char *zone, ldns_rr *rr, int *nsoa, int *apex_ns)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	ldns_rr_type t = ldns_rr_get_type(rr);
	int is_apex, rc = 0;

	if (!owner)
		return sg_fail("out of memory");
	for (char *p = owner; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	is_apex = strcmp(owner, zone) == 0;
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		rc = sg_fail("%s: only class IN is served", owner);
	else if (!name_in(owner, zone))
		rc = sg_fail("%s is outside zone %s", owner, zone);
	else if (is_dnssec_type(t))
		rc = sg_fail("%s: DNSSEC records (DNSKEY, RRSIG, NSEC*, CDS) are added by signet; "
			     "remove them from the zone file",
			     owner);
	else if (t == LDNS_RR_TYPE_SOA && !is_apex)
		rc = sg_fail("%s: SOA outside the zone apex %s", owner, zone);
	else if (t == LDNS_RR_TYPE_SOA && ++*nsoa > 1)
		rc = sg_fail("%s: second SOA record", owner);
	else if (t == LDNS_RR_TYPE_DS && is_apex)
		rc = sg_fail("%s: a DS record at the apex belongs in the parent", owner);
	if (rc == 0 && t == LDNS_RR_TYPE_NS && is_apex)
		*apex_ns = 1;
	for (size_t i = 1; rc == 0 && !strcmp(zone, ".") && i < c->nzones; i++)
		if (name_in(owner, c->zones[i]))
			rc = sg_fail("%s is inside the delegated zone %s (put it in that zone's file; "
				     "delegations are added by signet)",
				     owner, c->zones[i]);
	free(owner);
	return rc;
}

static int add_rr(ldns_dnssec_zone *dz, ldns_rr *rr, const char *what)
{
	ldns_status s = ldns_dnssec_zone_add_rr(dz, rr);

	if (s != LDNS_STATUS_OK) {
		ldns_rr_free(rr);
		return sg_fail("%s: %s", what, ldns_get_errorstr_by_id(s));
	}
	return 0;
}

static int add_rr_str(ldns_dnssec_zone *dz, const char *text)
{
	ldns_rr *rr = NULL;
	ldns_status s = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);

	if (s != LDNS_STATUS_OK)
		return sg_fail("'%s': %s", text, ldns_get_errorstr_by_id(s));
	return add_rr(dz, rr, text);
}

/* Parses a master file with ldns, record by record so that errors carry
 * the line number. */
static int parse_zone(const struct sg_dnsconf *c, const char *path, const char *zone,
		      struct sg_buf *text, ldns_dnssec_zone *dz, time_t now,
		      const uint32_t *prev_serial)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	int line = 1, nsoa = 0, apex_ns = 0, rc = 0;
	FILE *f;

	if (text->len == 0 || memchr(text->data, '\0', text->len))
		return sg_fail("%s: empty or binary zone file", path);
	if (ldns_str2rdf_dname(&origin, zone) != LDNS_STATUS_OK)
		return sg_fail("%s: bad zone name", zone);
	f = fmemopen(text->data, text->len, "r");
	if (!f) {
		ldns_rdf_deep_free(origin);
		return sg_fail_errno("%s", path);
	}
	while (rc == 0 && !feof(f)) {
		ldns_rr *rr = NULL;
		int start = line;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);

		switch (s) {
		case LDNS_STATUS_OK:
			if (check_rr(c, zone, rr, &nsoa, &apex_ns) < 0) {
				char where[4200];
				ldns_rr_free(rr);
				snprintf(where, sizeof(where), "%s:%d", path, start);
				rc = sg_fail_prefix(where);
				break;
			}
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
				/* Serial (RFC 1982 arithmetic): never below the
				 * file's, at least the Unix time (BIND's "unixtime"),
				 * and always above the last signed one, so that
				 * secondaries see every signing. */
				uint32_t serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
				uint32_t t = (uint32_t)now;
				if ((int32_t)(t - serial) > 0)
					serial = t;
				if (prev_serial && (int32_t)(serial - *prev_serial) <= 0)
					serial = *prev_serial + 1;
				ldns_rdf_deep_free(ldns_rr_set_rdf(
					rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial), 2));
			}
			if (add_rr(dz, rr, path) < 0)
				rc = -1;
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN: break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			rc = sg_fail("%s:%d: $INCLUDE is not supported", path, start);
			break;
		default:
			/* ldns has read the whole record: report where it began. */
			rc = sg_fail("%s:%d: %s", path, start, ldns_get_errorstr_by_id(s));
			break;
		}
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (rc == 0 && nsoa == 0)
		rc = sg_fail("%s: no SOA record for %s", path, zone);
	if (rc == 0 && !apex_ns)
		rc = sg_fail("%s: no NS record at the apex %s", path, zone);
	return rc;
}

static int key_published(const struct sg_dns_key *k)
{
	return k->state != SG_DNS_KEY_REMOVED;
}

static int ksk_has_ds(const struct sg_dns_key *k)
{
	return k->flags == SG_DNS_KSK &&
	       (k->state == SG_DNS_KEY_ACTIVE || k->state == SG_DNS_KEY_PUBLISHED);
}

static int add_dnskeys(const char *dir, const struct sg_dnsconf *c, const char *zone,
		       ldns_dnssec_zone *dz)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct sg_dns_key *k = &c->keys[i];
		if (strcmp(k->zone, zone) || !key_published(k))
			continue;
		ldns_rr *rr = sg_dnskey_load_public(NULL, dir, k);
		if (!rr)
			return -1;
		ldns_rr_set_ttl(rr, DNSKEY_TTL);
		if (add_rr(dz, rr, "DNSKEY") < 0)
			return -1;
	}
	return 0;
}

/* NS, glue and DS of every zone, in the root. */
static int add_delegations(const char *dir, const struct sg_dnsconf *c, ldns_dnssec_zone *dz)
{
	char line[1024];

	for (size_t z = 1; z < c->nzones; z++) {
		const char *zone = c->zones[z];
		int nds = 0;
		for (size_t i = 0; i < c->nns; i++) {
			const struct sg_dns_ns *ns = &c->ns[i];
			if (strcmp(ns->zone, zone))
				continue;
			snprintf(line, sizeof(line), "%s %d IN NS %s", zone, DELEG_TTL, ns->name);
			if (add_rr_str(dz, line) < 0)
				return -1;
			if (!ns->addr)
				continue;
			/* One address record per name, even when zones share it. */
			int dup = 0;
			for (size_t j = 0; j < i; j++)
				if (c->ns[j].addr && !strcmp(c->ns[j].name, ns->name) &&
				    !strcmp(c->ns[j].addr, ns->addr) && strcmp(c->ns[j].zone, "."))
					dup = 1;
			if (dup)
				continue;
			snprintf(line, sizeof(line), "%s %d IN %s %s", ns->name, DELEG_TTL,
				 addr_type(ns->addr), ns->addr);
			if (add_rr_str(dz, line) < 0)
				return -1;
		}
		for (size_t i = 0; i < c->nkeys; i++) {
			const struct sg_dns_key *k = &c->keys[i];
			if (strcmp(k->zone, zone) || !ksk_has_ds(k))
				continue;
			ldns_rr *key = sg_dnskey_load_public(NULL, dir, k);
			if (!key)
				return -1;
			ldns_rr *ds = ldns_key_rr2ds(key, LDNS_SHA256);
			ldns_rr_free(key);
			if (!ds)
				return sg_fail("cannot compute the DS of key %u of %s", k->tag, zone);
			ldns_rr_set_ttl(ds, DELEG_TTL);
			if (add_rr(dz, ds, "DS") < 0)
				return -1;
			nds++;
		}
		if (nds == 0)
			return sg_fail("zone %s has no KSK to delegate to (dns.conf)", zone);
	}
	return 0;
}

/* Zone files in DIR/zones must each belong to a zone of dns.conf. */
static int check_zone_dir(const char *dir, const struct sg_dnsconf *c)
{
	char path[4096];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/zones", dir);
	if (!(d = opendir(path)))
		return sg_fail_errno("%s", path);
	while (rc == 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char zone[300];
		if (n <= 5 || strcmp(e->d_name + n - 5, ".zone"))
			continue;
		if (!strcmp(e->d_name, "root.zone"))
			continue;
		snprintf(zone, sizeof(zone), "%.*s.", (int)(n - 5), e->d_name);
		for (char *p = zone; *p; p++)
			*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		if (!sg_dnsconf_has_zone(c, zone))
			rc = sg_fail("%s/%s: zone %s is not delegated from the root "
				     "(add it with 'signet dns add-zone')",
				     path, e->d_name, zone);
	}
	closedir(d);
	return rc;
}

/* SHA-256 over everything a zone's signed form depends on. */
static int input_hash(const char *dir, const struct sg_dnsconf *c, const struct sg_buf *conf,
		      const char *zone, const struct sg_buf *text, const struct sg_dns_sign_opts *o,
		      char hex[2 * SG_SHA256_LEN + 1])
{
	struct sg_digest *d = sg_digest_new("SHA256");
	uint8_t md[SG_SHA256_LEN];
	char params[128];
	int rc = 0;

	if (!d)
		return -1;
	snprintf(params, sizeof(params), "signet-dns-sign-v1 nsec3=%d validity=%u\n", o->nsec3,
		 o->validity);
	rc |= sg_digest_update(d, params, strlen(params));
	rc |= sg_digest_update(d, conf->data, conf->len);
	rc |= sg_digest_update(d, text->data, text->len);
	for (size_t i = 0; rc == 0 && i < c->nkeys; i++) {
		const struct sg_dns_key *k = &c->keys[i];
		char path[SG_PATH_MAX];
		struct sg_buf kb = SG_BUF_INIT;
		if (strcmp(k->zone, zone) && strcmp(zone, "."))
			continue;
		if (sg_dnskey_path(dir, k, "key", path, sizeof(path)) < 0 ||
		    sg_read_file(path, &kb, 1 << 16) < 0) {
			rc = -1;
		} else {
			rc |= sg_digest_update(d, kb.data, kb.len);
		}
		sg_buf_free(&kb);
	}
	if (rc == 0 && sg_digest_final(d, md) < 0)
		rc = -1;
	sg_digest_free(d);
	if (rc)
		return -1;
	for (size_t i = 0; i < SG_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Reads the header of an existing signed file: the input hash, the
 * expiry of its signatures, the SOA serial and the options it was signed
 * with. */
static int read_header(const char *path, char hex[2 * SG_SHA256_LEN + 1], long long *expire,
		       uint32_t *serial, struct sg_dns_sign_opts *was)
{
	char line[256];
	FILE *f = fopen(path, "re");
	int ok = 0;
	unsigned validity = 0, ser = 0;
	int nsec3 = 0;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && !strncmp(line, HEADER, strlen(HEADER)) &&
	    sscanf(line + strlen(HEADER), "%64s expire %lld nsec3 %d validity %u serial %u", hex,
		   expire, &nsec3, &validity, &ser) == 5)
		ok = 1;
	fclose(f);
	if (was) {
		was->nsec3 = nsec3;
		was->validity = validity;
	}
	if (serial)
		*serial = ser;
	return ok ? 0 : -1;
}

/* --- signing --- */

/* Names are handed out in chunks from a shared counter, so that a worker
 * slowed down (a busy machine) leaves more of the work to the others;
 * each chunk is printed into its own buffer and the file keeps the
 * canonical order.
 *
 * The workers are processes, not threads: ldns signs through OpenSSL 3.0,
 * whose global locks (taken on every digest and key lookup) made two
 * threads spend about 15% more CPU than one. Forked after the zone is
 * loaded, each worker signs its chunks in its own copy of the zone and
 * sends the printed text back through a pipe; the counter lives in
 * shared memory. */
#define CHUNK_NAMES 256

struct chunk {
	char *out;
	size_t len;
};

/* Shared between the processes (MAP_SHARED). */
struct sign_shared {
	atomic_size_t next;
	atomic_int failed;
};

struct sign_work {
	ldns_dnssec_name **names;
	size_t nnames;
	struct chunk *chunks;
	size_t nchunks;
	struct sign_shared *shared;
	const ldns_rdf *apex;
	ldns_dnssec_name *apex_name; /* signed before the workers start */
};

struct worker {
	struct sign_work *sw;
	ldns_key_list *ksks; /* sign the DNSKEY RRset */
	ldns_key_list *zsks; /* sign everything else */
	pid_t pid;
	int pipe; /* read end, in the parent */
};

static int add_sigs(ldns_dnssec_rrs **sigs, ldns_rr_list *siglist)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(siglist); i++) {
		ldns_rr *sig = ldns_rr_list_rr(siglist, i);
		if (*sigs) {
			if (ldns_dnssec_rrs_add_rr(*sigs, sig) != LDNS_STATUS_OK)
				return -1;
		} else {
			if (!(*sigs = ldns_dnssec_rrs_new()))
				return -1;
			(*sigs)->rr = sig;
		}
	}
	return 0;
}

static int sign_list(ldns_dnssec_rrs **sigs, ldns_rr_list *rrs, ldns_key_list *keys)
{
	ldns_rr_list *siglist = ldns_sign_public(rrs, keys);
	int rc;

	if (!siglist || ldns_rr_list_rr_count(siglist) == 0) {
		ldns_rr_list_deep_free(siglist);
		return -1;
	}
	rc = add_sigs(sigs, siglist);
	ldns_rr_list_free(siglist);
	return rc;
}

/* Signs the RRsets of one name exactly where ldns' own signer would:
 * everything at a non-glue name except, at a delegation point, what is
 * not DS or NSEC*. */
static int sign_name(struct worker *w, ldns_dnssec_name *name)
{
	int deleg = ldns_dnssec_name_find_rrset(name, LDNS_RR_TYPE_NS) &&
		    !ldns_dnssec_name_find_rrset(name, LDNS_RR_TYPE_SOA);

	if (name->is_glue)
		return 0;
	for (ldns_dnssec_rrsets *set = name->rrsets; set; set = set->next) {
		if (deleg && set->type != LDNS_RR_TYPE_DS)
			continue;
		ldns_rr_list *rrs = ldns_rr_list_new();
		if (!rrs)
			return -1;
		for (ldns_dnssec_rrs *r = set->rrs; r; r = r->next)
			ldns_rr_list_push_rr(rrs, r->rr);
		int rc = sign_list(&set->signatures, rrs,
				   set->type == LDNS_RR_TYPE_DNSKEY ? w->ksks : w->zsks);
		ldns_rr_list_free(rrs);
		if (rc < 0)
			return -1;
	}
	if (name->nsec) {
		ldns_rr_list *rrs = ldns_rr_list_new();
		if (!rrs)
			return -1;
		ldns_rr_list_push_rr(rrs, name->nsec);
		int rc = sign_list(&name->nsec_signatures, rrs, w->zsks);
		ldns_rr_list_free(rrs);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void print_name(FILE *f, const ldns_rdf *apex, ldns_dnssec_name *name)
{
	int is_apex = ldns_dname_compare(name->name, apex) == 0;

	for (ldns_dnssec_rrsets *set = name->rrsets; set; set = set->next) {
		if (is_apex && set->type == LDNS_RR_TYPE_SOA)
			continue; /* printed first */
		ldns_dnssec_rrsets_print(f, set, false);
	}
	if (name->nsec) {
		ldns_rr_print(f, name->nsec);
		if (name->nsec_signatures)
			ldns_dnssec_rrs_print(f, name->nsec_signatures);
	}
}

/* Signs and prints chunks until none are left; returns how many this
 * worker did, with their indexes in done[] (nchunks entries). */
static size_t work(struct worker *w, size_t *done)
{
	struct sign_work *sw = w->sw;
	size_t ndone = 0;

	while (!atomic_load(&sw->shared->failed)) {
		size_t c = atomic_fetch_add(&sw->shared->next, 1);
		size_t from = c * CHUNK_NAMES, to = from + CHUNK_NAMES;
		FILE *f;

		if (c >= sw->nchunks)
			break;
		if (to > sw->nnames)
			to = sw->nnames;
		for (size_t i = from; i < to; i++)
			if (sw->names[i] != sw->apex_name && sign_name(w, sw->names[i]) < 0) {
				atomic_store(&sw->shared->failed, 1);
				return ndone;
			}
		f = open_memstream(&sw->chunks[c].out, &sw->chunks[c].len);
		if (!f) {
			atomic_store(&sw->shared->failed, 1);
			return ndone;
		}
		for (size_t i = from; i < to; i++)
			print_name(f, sw->apex, sw->names[i]);
		if (fclose(f) != 0)
			atomic_store(&sw->shared->failed, 1);
		done[ndone++] = c;
	}
	return ndone;
}

/* A forked worker: signs its share, then writes each chunk to the pipe
 * as (index, length, text) and exits without returning. */
static void child_main(struct worker *w, int fd)
{
	size_t *done = malloc(w->sw->nchunks * sizeof(*done));
	size_t n = done ? work(w, done) : 0;
	int ok = done != NULL;

	for (size_t k = 0; ok && k < n; k++) {
		struct chunk *ch = &w->sw->chunks[done[k]];
		uint64_t head[2] = { done[k], ch->len };
		ok = sg_write_all(fd, head, sizeof(head)) == 0 &&
		     sg_write_all(fd, ch->out, ch->len) == 0;
	}
	_exit(ok && !atomic_load(&w->sw->shared->failed) ? 0 : 1);
}

/* Reads a worker's chunks from its pipe into sw->chunks. */
static int collect_child(struct worker *w)
{
	struct sign_work *sw = w->sw;
	uint64_t head[2];
	ssize_t n;

	while ((n = sg_read_full(w->pipe, head, sizeof(head))) == sizeof(head)) {
		struct chunk *ch;

		if (head[0] >= sw->nchunks || sw->chunks[head[0]].out || head[1] > SIZE_MAX - 1)
			return sg_fail("signing worker sent a bad chunk");
		ch = &sw->chunks[head[0]];
		if (!(ch->out = malloc(head[1] + 1)))
			return sg_fail("out of memory");
		ch->len = head[1];
		if (sg_read_full(w->pipe, ch->out, ch->len) != (ssize_t)ch->len)
			return sg_fail("signing worker's output is truncated");
	}
	return n == 0 ? 0 : sg_fail("signing worker's output is truncated");
}

/* Forks nworkers - 1 workers, works as the first itself, and gathers
 * every chunk. */
static int run_workers(struct worker *w, int nworkers)
{
	size_t *done = malloc(w[0].sw->nchunks * sizeof(*done));
	int rc = 0, started = 1;

	if (!done)
		return sg_fail("out of memory");
	fflush(NULL); /* nothing buffered may be written twice */
	for (int t = 1; t < nworkers; t++, started++) {
		int fds[2];

		if (pipe(fds) < 0) {
			rc = sg_fail_errno("pipe");
			break;
		}
		w[t].pid = fork();
		if (w[t].pid == 0) {
			close(fds[0]);
			child_main(&w[t], fds[1]);
		}
		close(fds[1]);
		if (w[t].pid < 0) {
			close(fds[0]);
			rc = sg_fail_errno("fork");
			break;
		}
		w[t].pipe = fds[0];
	}
	if (rc < 0)
		atomic_store(&w[0].sw->shared->failed, 1);
	work(&w[0], done);
	for (int t = 1; t < started; t++) {
		int status = 0;

		if (rc == 0 && collect_child(&w[t]) < 0)
			rc = -1;
		close(w[t].pipe);
		if (waitpid(w[t].pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			atomic_store(&w[0].sw->shared->failed, 1);
	}
	free(done);
	return rc;
}

static void free_keys_deep(ldns_key_list *l)
{
	if (l)
		ldns_key_list_free(l); /* ldns_key_list_free frees the keys too */
}

/* Loads the signing keys of a zone into two fresh lists. */
static int load_signing_keys(const char *dir, const struct sg_dnsconf *c, const char *zone,
			     const struct sg_age_identities *ids, uint32_t inception,
			     uint32_t expiration, ldns_key_list **ksks, ldns_key_list **zsks)
{
	*ksks = ldns_key_list_new();
	*zsks = ldns_key_list_new();
	if (!*ksks || !*zsks)
		return sg_fail("out of memory");
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct sg_dns_key *k = &c->keys[i];
		int is_ksk = k->flags == SG_DNS_KSK;
		if (strcmp(k->zone, zone) || !key_published(k))
			continue;
		/* A published ZSK is pre-published only; every KSK still in
		 * the DNSKEY set signs it (a revoked one must, RFC 5011). */
		if (!is_ksk && k->state != SG_DNS_KEY_ACTIVE)
			continue;
		ldns_key *key = sg_dnskey_load_private(dir, k, ids);
		if (!key)
			return -1;
		ldns_key_set_inception(key, inception);
		ldns_key_set_expiration(key, expiration);
		ldns_key_set_use(key, true);
		ldns_key_list_push_key(is_ksk ? *ksks : *zsks, key);
	}
	if (ldns_key_list_key_count(*ksks) == 0)
		return sg_fail("zone %s has no key-signing key in dns.conf", zone);
	if (ldns_key_list_key_count(*zsks) == 0) {
		/* No ZSK: the KSKs sign everything. */
		for (size_t i = 0; i < c->nkeys; i++) {
			const struct sg_dns_key *k = &c->keys[i];
			if (strcmp(k->zone, zone) || k->flags != SG_DNS_KSK ||
			    k->state != SG_DNS_KEY_ACTIVE)
				continue;
			ldns_key *key = sg_dnskey_load_private(dir, k, ids);
			if (!key)
				return -1;
			ldns_key_set_inception(key, inception);
			ldns_key_set_expiration(key, expiration);
			ldns_key_list_push_key(*zsks, key);
		}
	}
	return 0;
}

static int collect_names(ldns_dnssec_zone *dz, ldns_dnssec_name ***names, size_t *n)
{
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	for (ldns_rbnode_t *node = ldns_rbtree_first(dz->names); node != LDNS_RBTREE_NULL;
	     node = ldns_rbtree_next(node)) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			void *p = reallocarray(*names, cap, sizeof(**names));
			if (!p)
				return sg_fail("out of memory");
			*names = p;
		}
		(*names)[(*n)++] = (ldns_dnssec_name *)(uintptr_t)node->data;
	}
	return 0;
}

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* The denial-of-existence chain: ldns builds it, the steps of its
 * ldns_dnssec_zone_sign_flg() and _sign_nsec3_flg() before they sign;
 * the signing itself is ours to spread over threads. */
static int add_denial(struct zone_job *j, int nsec3, ldns_rr_list *new_rrs)
{
	ldns_status s = ldns_dnssec_zone_mark_glue(j->dz);

	if (s == LDNS_STATUS_OK && nsec3) {
		char param[300];
		ldns_rr *rr = NULL;
		s = ldns_dnssec_zone_add_empty_nonterminals(j->dz);
		/* RFC 9276: SHA-1, no opt-out, no extra iterations, no salt. */
		snprintf(param, sizeof(param), "%s 0 IN NSEC3PARAM 1 0 0 -", j->zone);
		if (s == LDNS_STATUS_OK)
			s = ldns_rr_new_frm_str(&rr, param, 0, NULL, NULL);
		if (s == LDNS_STATUS_OK && (s = ldns_dnssec_zone_add_rr(j->dz, rr)) != LDNS_STATUS_OK)
			ldns_rr_free(rr);
		if (s == LDNS_STATUS_OK)
			s = ldns_dnssec_zone_create_nsec3s(j->dz, new_rrs, LDNS_SHA1, 0, 0, 0, NULL);
	} else if (s == LDNS_STATUS_OK) {
		s = ldns_dnssec_zone_create_nsecs(j->dz, new_rrs);
	}
	if (s != LDNS_STATUS_OK)
		return sg_fail("%s: %s", j->zpath, ldns_get_errorstr_by_id(s));
	return 0;
}

/* The work shared by the signers: the names in chunks, the counter in
 * shared memory. */
static int plan_work(struct sign_work *sw, const struct zone_job *j, ldns_dnssec_name **names,
		     size_t nnames)
{
	sw->names = names;
	sw->nnames = nnames;
	sw->nchunks = (nnames + CHUNK_NAMES - 1) / CHUNK_NAMES;
	sw->apex = j->dz->soa->name;
	sw->shared = mmap(NULL, sizeof(*sw->shared), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sw->shared == MAP_FAILED) {
		sw->shared = NULL;
		return sg_fail_errno("mmap");
	}
	atomic_init(&sw->shared->next, 0);
	atomic_init(&sw->shared->failed, 0);
	if (!(sw->chunks = calloc(sw->nchunks + 1, sizeof(*sw->chunks))))
		return sg_fail("out of memory");
	return 0;
}

static void free_work(struct sign_work *sw)
{
	for (size_t k = 0; sw->chunks && k < sw->nchunks; k++)
		free(sw->chunks[k].out);
	free(sw->chunks);
	if (sw->shared)
		munmap(sw->shared, sizeof(*sw->shared));
}

/* Signs every name: the apex first, here (its SOA and signatures head
 * the output file, which this process writes whichever worker prints
 * the rest), then the rest on nthreads workers. */
static int sign_all(struct worker *w, int nthreads, const struct zone_job *j)
{
	struct sign_work *sw = w[0].sw;

	sw->apex_name = j->dz->soa;
	if (sign_name(&w[0], sw->apex_name) < 0)
		return sg_fail("%s: ldns could not sign the zone apex", j->zpath);
	if (run_workers(w, nthreads) < 0)
		return -1;
	if (atomic_load(&sw->shared->failed))
		return sg_fail("%s: ldns could not sign the zone", j->zpath);
	return 0;
}

/* The signed file: header, SOA with its signatures, then every name in
 * order. */
static int print_signed(struct sg_buf *text, const struct zone_job *j,
			const struct sg_dns_sign_opts *o, uint32_t expiration,
			const struct sign_work *sw)
{
	char *soa = NULL;
	size_t soalen = 0;
	FILE *f = open_memstream(&soa, &soalen);
	int rc;

	if (!f)
		return sg_fail_errno("memory stream");
	fprintf(f,
		HEADER "%s expire %lld nsec3 %d validity %u serial %u\n; signed by signet on %lld\n",
		j->hash_hex, (long long)expiration, o->nsec3, o->validity,
		(unsigned)ldns_rdf2native_int32(
			ldns_rr_rdf(ldns_dnssec_name_find_rrset(j->dz->soa, LDNS_RR_TYPE_SOA)->rrs->rr,
				    2)),
		(long long)o->now);
	ldns_dnssec_rrsets_print(f, ldns_dnssec_name_find_rrset(j->dz->soa, LDNS_RR_TYPE_SOA), false);
	fclose(f);
	rc = sg_buf_append(text, soa, soalen);
	free(soa);
	for (size_t k = 0; rc == 0 && k < sw->nchunks; k++)
		rc = sg_buf_append(text, sw->chunks[k].out, sw->chunks[k].len);
	return rc;
}

/* Signs one zone and stages its signed file in t. */
static int sign_zone(struct sg_txn *t, const char *dir, const struct sg_dnsconf *c,
		     struct zone_job *j, const struct sg_dns_sign_opts *o)
{
	struct worker w[MAX_THREADS];
	struct sign_work sw = { 0 };
	ldns_dnssec_name **names = NULL;
	size_t nnames = 0;
	ldns_rr_list *new_rrs = ldns_rr_list_new();
	uint32_t inception = (uint32_t)(o->now - 3600);
	uint32_t expiration = (uint32_t)(o->now + o->validity);
	int nthreads = o->threads > 0 ? o->threads : cpu_count();
	struct sg_buf text = SG_BUF_INIT;
	int rc = -1;

	memset(w, 0, sizeof(w));
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	if (!new_rrs) {
		sg_fail("out of memory");
		goto out;
	}
	if (add_denial(j, o->nsec3, new_rrs) < 0 || collect_names(j->dz, &names, &nnames) < 0 ||
	    plan_work(&sw, j, names, nnames) < 0)
		goto out;
	if ((size_t)nthreads > sw.nchunks)
		nthreads = sw.nchunks ? (int)sw.nchunks : 1;
	for (int i = 0; i < nthreads; i++) {
		w[i].sw = &sw;
		if (load_signing_keys(dir, c, j->zone, o->ids, inception, expiration, &w[i].ksks,
				      &w[i].zsks) < 0)
			goto out;
	}
	if (sign_all(w, nthreads, j) == 0 && print_signed(&text, j, o, expiration, &sw) == 0)
		rc = sg_txn_write(t, j->srel, text.data, text.len, 0644);
out:
	sg_buf_free(&text);
	for (int i = 0; i < MAX_THREADS; i++) {
		free_keys_deep(w[i].ksks);
		free_keys_deep(w[i].zsks);
	}
	free_work(&sw);
	free(names);
	ldns_rr_list_free(new_rrs);
	return rc;
}

static int load_job(const char *dir, const struct sg_dnsconf *c, const struct sg_buf *conf,
		    struct zone_job *j, const struct sg_dns_sign_opts *o)
{
	struct sg_buf text = SG_BUF_INIT;
	char old[2 * SG_SHA256_LEN + 1];
	long long expire;
	uint32_t prev_serial = 0;
	int rc = -1, have_old;

	sg_dns_zone_file(dir, j->zone, j->zpath, sizeof(j->zpath));
	sg_dns_signed_file(dir, j->zone, j->spath, sizeof(j->spath));
	signed_rel(j->zone, j->srel, sizeof(j->srel));
	if (sg_read_file(j->zpath, &text, ZONE_MAX) < 0)
		return -1;
	if (input_hash(dir, c, conf, j->zone, &text, o, j->hash_hex) < 0)
		goto out;
	if (!(j->dz = ldns_dnssec_zone_new())) {
		sg_fail("out of memory");
		goto out;
	}
	have_old = read_header(j->spath, old, &expire, &prev_serial, NULL) == 0;
	if (parse_zone(c, j->zpath, j->zone, &text, j->dz, o->now, have_old ? &prev_serial : NULL) <
		    0 ||
	    add_dnskeys(dir, c, j->zone, j->dz) < 0)
		goto out;
	if (!strcmp(j->zone, ".") && add_delegations(dir, c, j->dz) < 0)
		goto out;
	/* Every private key must load before any zone is written. */
	ldns_key_list *ksks = NULL, *zsks = NULL;
	int keys_ok = load_signing_keys(dir, c, j->zone, o->ids, 0, 0, &ksks, &zsks);
	free_keys_deep(ksks);
	free_keys_deep(zsks);
	if (keys_ok < 0)
		goto out;
	if (!o->force && have_old && !strcmp(old, j->hash_hex) &&
	    expire - (long long)o->now > (long long)o->refresh)
		j->skip = 1;
	rc = 0;
out:
	sg_buf_free(&text);
	return rc;
}

int sg_dns_sign(const char *dir, const struct sg_dns_sign_opts *o, struct sg_buf *report)
{
	struct sg_dnsconf c = { 0 };
	struct sg_buf conf = SG_BUF_INIT;
	struct sg_txn t = { .lock = -1 };
	struct zone_job *jobs = NULL;
	char path[4096];
	int rc = -1;

	if (o->validity <= o->refresh)
		return sg_fail("signature validity (%u s) must exceed the refresh window (%u s)",
			       o->validity, o->refresh);
	/* One transaction: every zone signed is committed together, and a
	 * second signer waits, then sees the first's signed files (their
	 * serials, their input hashes) and goes on from there. */
	if (sg_dnsconf_begin(&t, dir) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dns.conf", dir);
	if (sg_read_file(path, &conf, 1 << 22) < 0 ||
	    sg_dnsconf_parse(&c, path, (const char *)conf.data, conf.len) < 0)
		goto out;
	if (check_zone_dir(dir, &c) < 0)
		goto out;
	if (!(jobs = calloc(c.nzones, sizeof(*jobs)))) {
		sg_fail("out of memory");
		goto out;
	}
	/* Read and check everything before staging anything. */
	for (size_t i = 0; i < c.nzones; i++) {
		jobs[i].zone = c.zones[i];
		if (load_job(dir, &c, &conf, &jobs[i], o) < 0)
			goto out;
	}
	snprintf(path, sizeof(path), "%s/signed", dir);
	if (access(path, F_OK) != 0 && sg_txn_mkdir(&t, "signed", 0755) < 0)
		goto out;
	for (size_t i = 0; i < c.nzones; i++) {
		if (jobs[i].skip) {
			if (sg_buf_printf(report, "%s: up to date (%s)\n", jobs[i].zone,
					  jobs[i].spath) < 0)
				goto out;
			continue;
		}
		if (sign_zone(&t, dir, &c, &jobs[i], o) < 0)
			goto out;
		if (sg_buf_printf(report, "%s: signed %s\n", jobs[i].zone, jobs[i].spath) < 0)
			goto out;
	}
	rc = sg_txn_commit(&t);
out:
	sg_txn_end(&t);
	for (size_t i = 0; jobs && i < c.nzones; i++)
		if (jobs[i].dz)
			ldns_dnssec_zone_deep_free(jobs[i].dz);
	free(jobs);
	sg_dnsconf_free(&c);
	sg_buf_free(&conf);
	return rc;
}

/* --- expiry report --- */

static void fmt_time(long long t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Earliest and latest RRSIG expiration in a signed file. */
static int scan_signed(const char *path, time_t now, long long *first, long long *last, size_t *nsig)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	int line = 1;
	FILE *f = fopen(path, "re");

	*nsig = 0;
	if (!f)
		return -1;
	while (!feof(f)) {
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		if (s == LDNS_STATUS_OK) {
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG) {
				uint32_t e = ldns_rdf2native_int32(ldns_rr_rrsig_expiration(rr));
				/* Serial arithmetic around now (RFC 4034 3.1.5). */
				long long t = (long long)now + (int32_t)(e - (uint32_t)now);
				if (*nsig == 0 || t < *first)
					*first = t;
				if (*nsig == 0 || t > *last)
					*last = t;
				(*nsig)++;
			}
			ldns_rr_free(rr);
		} else if (s != LDNS_STATUS_SYNTAX_EMPTY && s != LDNS_STATUS_SYNTAX_TTL &&
			   s != LDNS_STATUS_SYNTAX_ORIGIN) {
			fclose(f);
			ldns_rdf_deep_free(origin);
			ldns_rdf_deep_free(prev);
			return sg_fail("%s:%d: %s", path, line, ldns_get_errorstr_by_id(s));
		}
	}
	fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return 0;
}

/* 1 when the signed file was made from other input than what is there
 * now, 0 when it is current, -1 when that cannot be told. */
static int zone_is_stale(const char *dir, const struct sg_dnsconf *c, const char *zone,
			 const char *spath)
{
	struct sg_buf conf = SG_BUF_INIT, text = SG_BUF_INIT;
	struct sg_dns_sign_opts was = { 0 };
	char old[2 * SG_SHA256_LEN + 1], now_hex[2 * SG_SHA256_LEN + 1], path[4096];
	long long expire;
	int rc = -1;

	if (read_header(spath, old, &expire, NULL, &was) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dns.conf", dir);
	if (sg_read_file(path, &conf, 1 << 22) == 0) {
		sg_dns_zone_file(dir, zone, path, sizeof(path));
		if (sg_read_file(path, &text, ZONE_MAX) == 0 &&
		    input_hash(dir, c, &conf, zone, &text, &was, now_hex) == 0)
			rc = strcmp(old, now_hex) != 0;
	}
	sg_buf_free(&conf);
	sg_buf_free(&text);
	sg_errclear();
	return rc;
}

int sg_dns_check(const char *dir, time_t now, uint32_t refresh, struct sg_buf *report, int *problems)
{
	struct sg_dnsconf c;
	int rc = 0, lock;

	*problems = 0;
	if (sg_txn_read_begin(dir, &lock) < 0)
		return -1;
	if (sg_dnsconf_load(&c, dir) < 0) {
		sg_txn_read_end(&lock);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < c.nzones; i++) {
		char spath[4096], first_s[32], last_s[32];
		long long first = 0, last = 0;
		size_t nsig;
		const char *status;

		sg_dns_signed_file(dir, c.zones[i], spath, sizeof(spath));
		if (access(spath, F_OK) != 0) {
			(*problems)++;
			rc = sg_buf_printf(report, "%-24s not signed (no %s)\n", c.zones[i], spath);
			continue;
		}
		if (scan_signed(spath, now, &first, &last, &nsig) < 0) {
			rc = -1;
			break;
		}
		if (nsig == 0) {
			(*problems)++;
			rc = sg_buf_printf(report, "%-24s no signatures in %s\n", c.zones[i], spath);
			continue;
		}
		if (zone_is_stale(dir, &c, c.zones[i], spath) > 0)
			status = "stale: zone file, keys or dns.conf changed since signing";
		else if (first <= (long long)now)
			status = "EXPIRED";
		else if (first - (long long)now <= (long long)refresh)
			status = "refresh due";
		else
			status = "ok";
		if (strcmp(status, "ok"))
			(*problems)++;
		fmt_time(first, first_s, sizeof(first_s));
		fmt_time(last, last_s, sizeof(last_s));
		rc = sg_buf_printf(report,
				   "%-24s %zu signatures, first expires %s (in %lld days), last %s: %s\n",
				   c.zones[i], nsig, first_s, (first - (long long)now) / 86400,
				   last_s, status);
	}
	sg_dnsconf_free(&c);
	sg_txn_read_end(&lock);
	return rc;
}

/* --- RFC 5011 KSK rollover --- */

static void fmt_days(long long secs, char *out, size_t cap)
{
	snprintf(out, cap, "%lld days %lld h", secs / 86400, (secs % 86400) / 3600);
}

/* Anchors follow the keys: DIR/anchors/root.anchor, when there is one,
 * is restaged from the new key set in the same transaction. */
static int refresh_anchor(struct sg_txn *t, const struct sg_dnsconf *c)
{
	struct sg_buf now = SG_BUF_INIT, text = SG_BUF_INIT;
	char path[4200];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/" SG_DNS_ANCHOR_FILE, t->dir);
	if (access(path, F_OK) != 0)
		return 0;
	if (sg_dns_anchor_text(t, t->dir, c, "unbound", &text) < 0 ||
	    sg_read_file(path, &now, 1 << 20) < 0)
		rc = -1;
	else if (now.len != text.len || memcmp(now.data, text.data, text.len))
		rc = sg_txn_write(t, SG_DNS_ANCHOR_FILE, text.data, text.len, 0644);
	sg_buf_free(&now);
	sg_buf_free(&text);
	return rc;
}

/* The zone's KSKs in the rollover: the first active, published and
 * revoked one. */
struct roll_keys {
	struct sg_dns_key *active, *pub, *revoked;
};

static void find_ksks(struct sg_dnsconf *c, const char *zone, struct roll_keys *r)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		struct sg_dns_key *k = &c->keys[i];
		if (strcmp(k->zone, zone) || k->flags != SG_DNS_KSK)
			continue;
		if (k->state == SG_DNS_KEY_ACTIVE && !r->active)
			r->active = k;
		else if (k->state == SG_DNS_KEY_PUBLISHED && !r->pub)
			r->pub = k;
		else if (k->state == SG_DNS_KEY_REVOKED && !r->revoked)
			r->revoked = k;
	}
}

/* The seconds left of k's RFC 5011 hold-down (over when not > 0), and
 * in when[64] the time left as text. */
static long long hold_down(const struct sg_dns_key *k, time_t now, char when[64])
{
	long long left = k->since + SG_DNS_HOLD_DOWN - (long long)now;

	fmt_days(left > 0 ? left : 0, when, 64);
	return left;
}

static int roll_status(const char *zone, const struct roll_keys *r, time_t now, struct sg_buf *report)
{
	char when[64];
	int rc = 0;

	if (r->active)
		rc = sg_buf_printf(report, "%s: active KSK %u\n", zone, r->active->tag);
	if (rc == 0 && r->pub) {
		long long left = hold_down(r->pub, now, when);
		rc = sg_buf_printf(report, "%s: new KSK %u published; %s (revoke the old key %s)\n",
				   zone, r->pub->tag,
				   left > 0 ? "in its RFC 5011 hold-down" : "hold-down over",
				   left > 0 ? when : "now");
	}
	if (rc == 0 && r->revoked) {
		long long left = hold_down(r->revoked, now, when);
		rc = sg_buf_printf(report, "%s: KSK %u revoked; remove it %s%s\n", zone,
				   r->revoked->tag, left > 0 ? "in " : "now", left > 0 ? when : "");
	}
	if (rc == 0 && !r->pub && !r->revoked)
		rc = sg_buf_printf(report, "%s: no rollover in progress\n", zone);
	return rc;
}

/* Publishes a new KSK beside the active one (c's keys may move). */
static int roll_start(struct sg_txn *t, struct sg_dnsconf *c, const char *zone,
		      const struct roll_keys *r, time_t now, struct sg_buf *report)
{
	struct sg_dns_key k;

	if (r->pub || r->revoked)
		return sg_fail("%s: a rollover is already in progress (see rollover status)", zone);
	if (!r->active)
		return sg_fail("%s: no active KSK to roll", zone);
	unsigned old_tag = r->active->tag;
	if (sg_dnskey_generate(t, c, zone, r->active->alg, SG_DNS_KSK, &k) < 0)
		return -1;
	k.state = SG_DNS_KEY_PUBLISHED;
	k.since = (int64_t)now;
	if (sg_dnsconf_add_key(c, &k) < 0)
		return -1;
	return sg_buf_printf(report,
			     "%s: new KSK %u published beside KSK %u; sign, then "
			     "revoke after the 30-day hold-down\n",
			     zone, k.tag, old_tag);
}

static int roll_revoke(const char *zone, const struct roll_keys *r, time_t now, int force,
		       struct sg_buf *report)
{
	char when[64];

	if (!r->pub || !r->active)
		return sg_fail("%s: no new KSK published (run rollover start first)", zone);
	if (!force && hold_down(r->pub, now, when) > 0)
		return sg_fail("%s: KSK %u is still in its RFC 5011 hold-down for %s (--force to "
			       "override)",
			       zone, r->pub->tag, when);
	r->active->state = SG_DNS_KEY_REVOKED;
	r->active->since = (int64_t)now;
	r->pub->state = SG_DNS_KEY_ACTIVE;
	r->pub->since = (int64_t)now;
	return sg_buf_printf(report, "%s: KSK %u revoked, KSK %u active; sign now\n", zone,
			     r->active->tag, r->pub->tag);
}

static int roll_finish(const char *zone, const struct roll_keys *r, time_t now, int force,
		       struct sg_buf *report)
{
	char when[64];

	if (!r->revoked)
		return sg_fail("%s: no revoked KSK to remove", zone);
	if (!force && hold_down(r->revoked, now, when) > 0)
		return sg_fail("%s: keep revoked KSK %u published for %s more (--force to "
			       "override)",
			       zone, r->revoked->tag, when);
	r->revoked->state = SG_DNS_KEY_REMOVED;
	r->revoked->since = (int64_t)now;
	return sg_buf_printf(report, "%s: KSK %u removed from the zone; sign now\n", zone,
			     r->revoked->tag);
}

int sg_dns_rollover(const char *dir, const char *zone_in, enum sg_dns_roll_step step, time_t now,
		    int force, struct sg_buf *report)
{
	struct sg_dnsconf c = { 0 };
	struct roll_keys r = { 0 };
	struct sg_txn t = { .lock = -1 };
	char zone[256];
	int rc = -1, lock = -1;

	if (sg_dns_canon_name(zone_in, zone, sizeof(zone)) < 0)
		return sg_fail_prefix("--zone");
	/* status reads under the shared lock; a step is one transaction:
	 * the new key's files, dns.conf and the anchor file commit together */
	if ((step == SG_DNS_ROLL_STATUS ? sg_txn_read_begin(dir, &lock)
					: sg_dnsconf_begin(&t, dir)) < 0)
		return -1;
	if (sg_dnsconf_load(&c, dir) < 0)
		goto out;
	if (!sg_dnsconf_has_zone(&c, zone)) {
		sg_fail("%s/dns.conf: no zone %s", dir, zone);
		goto out;
	}
	find_ksks(&c, zone, &r);
	switch (step) {
	case SG_DNS_ROLL_STATUS: rc = roll_status(zone, &r, now, report); goto out;
	case SG_DNS_ROLL_START: rc = roll_start(&t, &c, zone, &r, now, report); break;
	case SG_DNS_ROLL_REVOKE: rc = roll_revoke(zone, &r, now, force, report); break;
	case SG_DNS_ROLL_FINISH: rc = roll_finish(zone, &r, now, force, report); break;
	}
	if (rc == 0 &&
	    (sg_dnsconf_stage(&c, &t) < 0 || refresh_anchor(&t, &c) < 0 || sg_txn_commit(&t) < 0))
		rc = -1;
out:
	sg_txn_end(&t);
	sg_txn_read_end(&lock);
	sg_dnsconf_free(&c);
	return rc;
}
