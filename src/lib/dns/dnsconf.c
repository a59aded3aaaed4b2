#include "dnsconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "age.h"
#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "txn.h"

#define CONF_MAX (4u << 20)
#define MAX_FIELDS 8

static const char *const state_names[] = { "published", "active", "revoked", "removed" };

const char *sg_dns_key_state_name(enum sg_dns_key_state s)
{
	return state_names[s];
}

int sg_dns_canon_name(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), label = 0, o = 0;

	if (cap < 256)
		return sg_fail("name buffer too small");
	if (strcmp(in, ".") == 0) {
		strcpy(out, ".");
		return 0;
	}
	if (n == 0 || n > 254 || (n == 254 && in[253] != '.'))
		return sg_fail("'%.64s': not a valid domain name (length)", in);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == '.') {
			if (label == 0)
				return sg_fail("'%.64s': not a valid domain name (empty label)", in);
			label = 0;
		} else if (isalnum(ch) || ch == '-' || ch == '_') {
			if (++label > 63)
				return sg_fail("'%.64s': not a valid domain name (label over 63)",
					       in);
			ch = (unsigned char)tolower(ch);
		} else {
			return sg_fail("'%.64s': not a valid domain name (character 0x%02x)", in, ch);
		}
		out[o++] = (char)ch;
	}
	if (out[o - 1] != '.')
		out[o++] = '.';
	out[o] = '\0';
	return 0;
}

void sg_dnsconf_free(struct sg_dnsconf *c)
{
	for (size_t i = 0; i < c->nzones; i++)
		free(c->zones[i]);
	for (size_t i = 0; i < c->nns; i++) {
		free(c->ns[i].zone);
		free(c->ns[i].name);
		free(c->ns[i].addr);
	}
	for (size_t i = 0; i < c->nkeys; i++)
		free(c->keys[i].zone);
	for (size_t i = 0; i < c->nrecipients; i++)
		free(c->recipients[i]);
	free(c->recipients);
	free(c->zones);
	free(c->ns);
	free(c->keys);
	memset(c, 0, sizeof(*c));
}

int sg_dnsconf_has_zone(const struct sg_dnsconf *c, const char *zone)
{
	for (size_t i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i], zone) == 0)
			return 1;
	return 0;
}

int sg_dnsconf_add_zone(struct sg_dnsconf *c, const char *zone)
{
	void *z = c->zones;

	if (sg_array_grow(&z, &c->zones_cap, c->nzones, sizeof(*c->zones)) < 0)
		return -1;
	c->zones = z;
	if (!(c->zones[c->nzones] = strdup(zone)))
		return sg_fail("out of memory");
	c->nzones++;
	return 0;
}

int sg_dnsconf_add_ns(struct sg_dnsconf *c, const char *zone, const char *name, const char *addr,
		      unsigned port)
{
	void *grown = c->ns;
	struct sg_dns_ns *ns;

	if (sg_array_grow(&grown, &c->ns_cap, c->nns, sizeof(*c->ns)) < 0)
		return -1;
	c->ns = grown;
	ns = &c->ns[c->nns];
	memset(ns, 0, sizeof(*ns));
	ns->zone = strdup(zone);
	ns->name = strdup(name);
	ns->addr = addr ? strdup(addr) : NULL;
	ns->port = port;
	c->nns++;
	if (!ns->zone || !ns->name || (addr && !ns->addr))
		return sg_fail("out of memory");
	return 0;
}

int sg_dnsconf_add_key(struct sg_dnsconf *c, const struct sg_dns_key *k)
{
	void *keys = c->keys;

	if (sg_array_grow(&keys, &c->keys_cap, c->nkeys, sizeof(*c->keys)) < 0)
		return -1;
	c->keys = keys;
	c->keys[c->nkeys] = *k;
	if (!(c->keys[c->nkeys].zone = strdup(k->zone)))
		return sg_fail("out of memory");
	c->nkeys++;
	return 0;
}

int sg_dnsconf_add_recipient(struct sg_dnsconf *c, const char *recipient)
{
	struct sg_age_recipients rs = { 0 };
	void *r = c->recipients;
	int rc = sg_age_recipients_add(&rs, recipient, strlen(recipient));

	sg_age_recipients_free(&rs);
	if (rc < 0)
		return sg_fail("'%.80s' is not an age recipient (age1...)", recipient);
	for (size_t i = 0; i < c->nrecipients; i++)
		if (!strcmp(c->recipients[i], recipient))
			return 0;
	if (sg_array_grow(&r, &c->recipients_cap, c->nrecipients, sizeof(*c->recipients)) < 0)
		return -1;
	c->recipients = r;
	if (!(c->recipients[c->nrecipients] = strdup(recipient)))
		return sg_fail("out of memory");
	c->nrecipients++;
	return 0;
}

/* Parses a decimal integer in [min, max]. */
static int parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int valid_addr(const char *s)
{
	unsigned char tmp[16];

	return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

/* zone NAME */
static int parse_zone_line(struct sg_dnsconf *c, char **f, int n)
{
	char zone[256];

	if (n != 2 || sg_dns_canon_name(f[1], zone, sizeof(zone)) < 0)
		return sg_fail("'zone' takes one domain name");
	if (strcmp(zone, f[1]))
		return sg_fail("zone '%s' is not in canonical form", f[1]);
	if (c->nzones == 0 && strcmp(zone, "."))
		return sg_fail("the first zone must be the root '.'");
	if (sg_dnsconf_has_zone(c, zone))
		return sg_fail("zone '%s' declared twice", zone);
	return sg_dnsconf_add_zone(c, zone);
}

/* ns ZONE NAME [ADDRESS [PORT]], ZONE checked already */
static int parse_ns_line(struct sg_dnsconf *c, const char *zone, char **f, int n)
{
	char name[256];
	unsigned port = 0;
	long long v;

	if (n < 3 || n > 5 || sg_dns_canon_name(f[2], name, sizeof(name)) < 0 || strcmp(name, f[2]))
		return sg_fail("'ns' takes ZONE NAME [ADDRESS [PORT]]");
	if (n >= 4 && !valid_addr(f[3]))
		return sg_fail("'%s' is not an IP address", f[3]);
	if (n == 5) {
		if (parse_num(f[4], 1, 65535, &v) < 0)
			return sg_fail("'%s' is not a port", f[4]);
		port = (unsigned)v;
	}
	return sg_dnsconf_add_ns(c, zone, name, n >= 4 ? f[3] : NULL, port);
}

/* key ZONE ALG FLAGS TAG STATE SINCE, ZONE checked already */
static int parse_key_line(struct sg_dnsconf *c, char *zone, char **f, int n)
{
	struct sg_dns_key k = { .zone = zone };
	long long v;
	size_t s;

	if (n != 7)
		return sg_fail("'key' takes ZONE ALG FLAGS TAG STATE SINCE");
	if (parse_num(f[2], 0, 255, &v) < 0 || (v != 13 && v != 15))
		return sg_fail("key algorithm must be 13 or 15");
	k.alg = (int)v;
	if (parse_num(f[3], 0, 65535, &v) < 0 || (v != SG_DNS_KSK && v != SG_DNS_ZSK))
		return sg_fail("key flags must be 257 or 256");
	k.flags = (int)v;
	if (parse_num(f[4], 0, 65535, &v) < 0)
		return sg_fail("key tag must be 0..65535");
	k.tag = (unsigned)v;
	for (s = 0; s < 4; s++)
		if (strcmp(f[5], state_names[s]) == 0)
			break;
	if (s == 4)
		return sg_fail("key state must be published, active, revoked or removed");
	k.state = (enum sg_dns_key_state)s;
	if (parse_num(f[6], 0, INT64_MAX / 2, &v) < 0)
		return sg_fail("key time must be a Unix time");
	k.since = v;
	for (size_t i = 0; i < c->nkeys; i++)
		if (c->keys[i].tag == k.tag && c->keys[i].alg == k.alg &&
		    !strcmp(c->keys[i].zone, zone))
			return sg_fail("key %u declared twice for '%s'", k.tag, zone);
	return sg_dnsconf_add_key(c, &k);
}

/* One line, already split into fields. */
static int parse_line(struct sg_dnsconf *c, char **f, int n, int *seen_magic)
{
	char zone[256];

	if (!*seen_magic) {
		if (n != 2 || strcmp(f[0], "signet-dns") || strcmp(f[1], "1"))
			return sg_fail("expected 'signet-dns 1' first");
		*seen_magic = 1;
		return 0;
	}
	if (strcmp(f[0], "zone") == 0)
		return parse_zone_line(c, f, n);
	if (strcmp(f[0], "age-recipient") == 0) {
		if (n != 2)
			return sg_fail("'age-recipient' takes one age1... recipient");
		return sg_dnsconf_add_recipient(c, f[1]);
	}
	if (n < 2 || sg_dns_canon_name(f[1], zone, sizeof(zone)) < 0 || strcmp(zone, f[1]) ||
	    !sg_dnsconf_has_zone(c, zone))
		return sg_fail("'%s' must name a zone declared before it", f[0]);
	if (strcmp(f[0], "ns") == 0)
		return parse_ns_line(c, zone, f, n);
	if (strcmp(f[0], "key") == 0)
		return parse_key_line(c, zone, f, n);
	return sg_fail("unknown record '%.32s'", f[0]);
}

int sg_dnsconf_parse(struct sg_dnsconf *c, const char *name, const char *text, size_t len)
{
	size_t pos = 0;
	int lineno = 0, seen_magic = 0;
	char line[1024];

	memset(c, 0, sizeof(*c));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *f[MAX_FIELDS + 1];
		int nf = 0;

		lineno++;
		if (n >= sizeof(line)) {
			sg_dnsconf_free(c);
			return sg_fail("%s:%d: line too long", name, lineno);
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n)) {
			sg_dnsconf_free(c);
			return sg_fail("%s:%d: NUL byte", name, lineno);
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL;
		for (char *tok = strtok_r(line, " \t\r", &save); tok;
		     tok = strtok_r(NULL, " \t\r", &save)) {
			if (nf == MAX_FIELDS) {
				sg_dnsconf_free(c);
				return sg_fail("%s:%d: too many fields", name, lineno);
			}
			f[nf++] = tok;
		}
		if (nf == 0)
			continue;
		if (parse_line(c, f, nf, &seen_magic) < 0) {
			sg_dnsconf_free(c);
			char prefix[600];
			snprintf(prefix, sizeof(prefix), "%s:%d", name, lineno);
			return sg_fail_prefix(prefix);
		}
	}
	if (!seen_magic || c->nzones == 0) {
		sg_dnsconf_free(c);
		return sg_fail("%s: no 'signet-dns 1' header and root zone", name);
	}
	return 0;
}

int sg_dnsconf_begin(struct sg_txn *t, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return sg_fail("%s: no such directory (run 'signet dns init')", dir);
	return sg_txn_begin(t, dir);
}

int sg_dnsconf_load(struct sg_dnsconf *c, const char *dir)
{
	struct sg_buf b = SG_BUF_INIT;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/dns.conf", dir);
	if (sg_read_file(path, &b, CONF_MAX) < 0)
		return -1;
	rc = sg_dnsconf_parse(c, path, (const char *)b.data, b.len);
	sg_buf_free(&b);
	return rc;
}

int sg_dnsconf_format(const struct sg_dnsconf *c, struct sg_buf *out)
{
	int rc = sg_buf_append_str(out, "# signet dns state: zones, name servers, keys.\n"
					"signet-dns 1\n");
	for (size_t i = 0; rc == 0 && i < c->nrecipients; i++)
		rc = sg_buf_printf(out, "age-recipient %s\n", c->recipients[i]);
	for (size_t z = 0; rc == 0 && z < c->nzones; z++) {
		const char *zone = c->zones[z];
		rc = sg_buf_printf(out, "\nzone %s\n", zone);
		for (size_t i = 0; rc == 0 && i < c->nns; i++) {
			const struct sg_dns_ns *ns = &c->ns[i];
			if (strcmp(ns->zone, zone))
				continue;
			rc = sg_buf_printf(out, "ns %s %s", zone, ns->name);
			if (rc == 0 && ns->addr)
				rc = sg_buf_printf(out, " %s", ns->addr);
			if (rc == 0 && ns->port)
				rc = sg_buf_printf(out, " %u", ns->port);
			if (rc == 0)
				rc = sg_buf_append_str(out, "\n");
		}
		for (size_t i = 0; rc == 0 && i < c->nkeys; i++) {
			const struct sg_dns_key *k = &c->keys[i];
			if (strcmp(k->zone, zone))
				continue;
			rc = sg_buf_printf(out, "key %s %d %d %u %s %lld\n", zone, k->alg, k->flags,
					   k->tag, state_names[k->state], (long long)k->since);
		}
	}
	return rc;
}

int sg_dnsconf_stage(const struct sg_dnsconf *c, struct sg_txn *t)
{
	struct sg_buf b = SG_BUF_INIT;
	int rc;

	rc = sg_dnsconf_format(c, &b);
	if (rc == 0)
		rc = sg_txn_write(t, "dns.conf", b.data, b.len, 0644);
	sg_buf_free(&b);
	return rc;
}
