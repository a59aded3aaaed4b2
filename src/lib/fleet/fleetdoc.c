/* fleetdoc.c - the fleet repository's documents (fleetdoc.h).
 *
 * Each document is read by yamldoc (which keeps every key's line) and
 * walked against a table of its keys; a broken rule is one diag line
 * and the walk goes on, so `signet fleet check` reports them all. The
 * rules between documents run once every document is read.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"
#include "base64.h"
#include "bundle.h"
#include "dnsconf.h"
#include "dnsrec.h"
#include "err.h"
#include "fileio.h"
#include "fleetdoc.h"
#include "hex.h"
#include "hostcfg.h"
#include "path.h"
#include "sopsdoc.h"
#include "yamldoc.h"

#define FLEET_VERSION "0.1"

static const char *const role_names[] = {
	"authority", "builder", "ca", "dns-authoritative", "dns-resolver", "web", "app",
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

const char *sg_fleet_role_name(unsigned role)
{
	for (size_t i = 0; i < NROLES; i++)
		if (role == 1u << i)
			return role_names[i];
	return NULL;
}

/* ---- reading one document ---- */

struct rd {
	const char *file; /* relative to the repository */
	struct sg_buf *diag;
	size_t errors;
};

__attribute__((format(printf, 3, 4))) static void diag(struct rd *r, unsigned line, const char *fmt,
						       ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A quoted value may hold line breaks (YAML folds a CR into one):
	 * each diagnostic stays one line, its control characters shown '?'. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	/* Out of memory here loses the line, not the count: the load fails. */
	(void)sg_buf_printf(r->diag, "%s:%u: %s\n", r->file, line, msg);
	r->errors++;
}

enum ktype { K_STR, K_STRS, K_MAP, K_INT, K_ANY };

struct key {
	const char *name;
	enum ktype type;
	int required;
};

static const char *ktype_name(enum ktype t)
{
	switch (t) {
	case K_STR: return "a string";
	case K_STRS: return "a list of strings";
	case K_MAP: return "a mapping";
	case K_INT: return "an integer";
	default: return "a value";
	}
}

static int is_type(const struct sg_sops_node *v, enum ktype t)
{
	switch (t) {
	case K_STR: return v->kind == SG_SOPS_STR;
	case K_MAP: return v->kind == SG_SOPS_MAP;
	case K_INT: return v->kind == SG_SOPS_INT;
	case K_STRS:
		if (v->kind != SG_SOPS_LIST)
			return 0;
		for (size_t i = 0; i < v->n; i++)
			if (v->items[i].value->kind != SG_SOPS_STR &&
			    v->items[i].value->kind != SG_SOPS_COMMENT)
				return 0;
		return 1;
	default: return 1;
	}
}

static const struct key *find_key(const struct key *keys, const char *name)
{
	for (; keys->name; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

/* Every key of map known and of its type, every required one present.
 * ctx names the mapping in messages ("" at the top). -1 when a known
 * key has the wrong type or a required one is missing: the reader must
 * not look further. An unknown key is reported but does not stop it. */
static int check_keys(struct rd *r, const struct sg_sops_node *map, const char *ctx,
		      const struct key *keys)
{
	int rc = 0;

	for (size_t i = 0; i < map->n; i++) {
		const struct sg_sops_item *it = &map->items[i];
		const struct key *k;
		if (!it->key)
			continue;
		if (!(k = find_key(keys, it->key))) {
			diag(r, it->line, "unknown key '%s%s'", ctx, it->key);
		} else if (!is_type(it->value, k->type)) {
			diag(r, it->line, "'%s%s' must be %s", ctx, it->key, ktype_name(k->type));
			rc = -1;
		}
	}
	for (; keys->name; keys++)
		if (keys->required && !sg_sops_get(map, keys->name)) {
			diag(r, map->line, "'%s%s' is required", ctx, keys->name);
			rc = -1;
		}
	return rc;
}

/* The item of map under key, or NULL. */
static const struct sg_sops_item *item(const struct sg_sops_node *map, const char *key)
{
	for (size_t i = 0; map && i < map->n; i++)
		if (map->items[i].key && strcmp(map->items[i].key, key) == 0)
			return &map->items[i];
	return NULL;
}

static unsigned line_of(const struct sg_sops_node *map, const char *key)
{
	const struct sg_sops_item *it = item(map, key);

	return it ? it->line : map->line;
}

/* A copy of map[key] when it is a string (check_keys has typed it). */
static char *str_dup(const struct sg_sops_node *map, const char *key)
{
	const struct sg_sops_node *v = sg_sops_get(map, key);

	return v && v->kind == SG_SOPS_STR ? strdup(v->str) : NULL;
}

static int strs_read(struct rd *r, const struct sg_sops_node *map, const char *key,
		     struct sg_fleet_strs *out)
{
	const struct sg_sops_node *v = sg_sops_get(map, key);

	if (!v || v->kind != SG_SOPS_LIST)
		return 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i].value->kind != SG_SOPS_STR)
			continue;
		if (out->n == SG_FLEET_MAX_LIST) {
			diag(r, v->items[i].line, "'%s' has more than %d entries", key,
			     SG_FLEET_MAX_LIST);
			return -1;
		}
		for (size_t j = 0; j < out->n; j++)
			if (strcmp(out->v[j], v->items[i].value->str) == 0)
				diag(r, v->items[i].line, "'%s' lists '%s' twice", key, out->v[j]);
		if (!(out->v[out->n] = strdup(v->items[i].value->str)))
			return sg_fail("out of memory");
		out->line[out->n++] = v->items[i].line;
	}
	return 0;
}

static void strs_free(struct sg_fleet_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static int strs_has(const struct sg_fleet_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return 1;
	return 0;
}

static void check_version(struct rd *r, const struct sg_sops_node *doc)
{
	const struct sg_sops_node *v = sg_sops_get(doc, "version");

	if (v && v->kind == SG_SOPS_STR && strcmp(v->str, FLEET_VERSION) != 0)
		diag(r, line_of(doc, "version"), "version \"%s\" is not supported (only \"%s\")",
		     v->str, FLEET_VERSION);
}

/* A DNS name as the zones hold it: lower case, without the final dot. */
static int dns_name(struct rd *r, unsigned line, const char *what, char **s)
{
	char canon[256];
	size_t n;

	if (sg_dns_canon_name(*s, canon, sizeof(canon)) < 0 || strcmp(canon, ".") == 0) {
		diag(r, line, "%s '%s' is not a DNS name", what, *s);
		return -1;
	}
	n = strlen(canon);
	canon[n - 1] = '\0';
	free(*s);
	return (*s = strdup(canon)) ? 0 : sg_fail("out of memory");
}

static int dns_names(struct rd *r, struct sg_fleet_strs *s, const char *what)
{
	for (size_t i = 0; i < s->n; i++)
		if (dns_name(r, s->line[i], what, &s->v[i]) < 0 && r->errors == 0)
			return -1;
	return 0;
}

/* ---- fleet.yaml ---- */

static const struct key fleet_keys[] = {
	{ "version", K_STR, 1 },   { "organisation", K_STR, 1 },
	{ "authority", K_MAP, 1 }, { "ca", K_MAP, 1 },
	{ "dns", K_MAP, 1 },	   { "release", K_MAP, 1 },
	{ "boot", K_MAP, 0 },	   { NULL, 0, 0 },
};
static const struct key authority_keys[] = { { "domain_id", K_STR, 1 }, { NULL, 0, 0 } };
static const struct key ca_keys[] = {
	{ "name", K_STR, 1 },
	{ "algorithm", K_STR, 0 },
	{ "permit_dns", K_STRS, 1 },
	{ "permit_ip", K_STRS, 0 },
	{ NULL, 0, 0 },
};
static const struct key dns_keys[] = { { "zones", K_STRS, 1 }, { "hosts", K_STR, 1 }, { NULL, 0, 0 } };
static const struct key boot_defaults_keys[] = { { "cmdline", K_STR, 0 }, { NULL, 0, 0 } };
static const struct key release_keys[] = {
	{ "channel", K_STR, 1 },
	{ "mirrors", K_STRS, 0 },
	{ NULL, 0, 0 },
};

static void read_domain_id(struct rd *r, const struct sg_sops_node *a, struct sg_fleet *f)
{
	const char *id;
	size_t i;

	if (!(f->domain_id = str_dup(a, "domain_id")))
		return;
	for (id = f->domain_id, i = 0; id[i]; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '2' && id[i] <= '7')))
			break;
	if (id[i] || i != 52)
		diag(r, line_of(a, "domain_id"),
		     "'authority.domain_id' must be a DomainID (52 characters of base32)");
}

static int read_ca(struct rd *r, const struct sg_sops_node *ca, struct sg_fleet *f)
{
	const struct sg_sops_node *alg = sg_sops_get(ca, "algorithm");
	struct sg_fleet_strs ips = { 0 };
	int rc = 0;

	if (check_keys(r, ca, "ca.", ca_keys) < 0)
		return 0;
	f->ca_name = str_dup(ca, "name");
	f->ca_alg = SG_CA_ECDSA_P256;
	if (alg && sg_ca_alg_parse(alg->str, &f->ca_alg) < 0)
		diag(r, line_of(ca, "algorithm"),
		     "'ca.algorithm' must be ecdsa-p256, ecdsa-p384, ed25519 or rsa3072");
	if (strs_read(r, ca, "permit_dns", &f->permit_dns) < 0 ||
	    dns_names(r, &f->permit_dns, "permitted name") < 0 ||
	    strs_read(r, ca, "permit_ip", &ips) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < ips.n; i++)
		if (sg_name_cidr(ips.v[i], &f->permit_ip[f->npermit_ip]) < 0)
			diag(r, ips.line[i], "'%s': %s", ips.v[i], sg_errmsg());
		else
			f->npermit_ip++;
	strs_free(&ips);
	return rc;
}

static int read_dns(struct rd *r, const struct sg_sops_node *dns, struct sg_fleet *f)
{
	if (check_keys(r, dns, "dns.", dns_keys) < 0)
		return 0;
	if (strs_read(r, dns, "zones", &f->zones) < 0 || dns_names(r, &f->zones, "zone") < 0)
		return -1;
	if (!(f->host_zone = str_dup(dns, "hosts")) ||
	    dns_name(r, line_of(dns, "hosts"), "zone", &f->host_zone) < 0)
		return f->host_zone ? 0 : sg_fail("out of memory");
	if (!strs_has(&f->zones, f->host_zone))
		diag(r, line_of(dns, "hosts"), "'dns.hosts' (%s) is not one of 'dns.zones'",
		     f->host_zone);
	return 0;
}

/* A kernel command line as the UKI's .cmdline carries it: printable
 * ASCII on one line, within x86's COMMAND_LINE_SIZE (2048 with its NUL). */
static void check_cmdline(struct rd *r, unsigned line, const char *key, const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			break;
	if (s[i] || i == 0 || i > 2047)
		diag(r, line, "'%s' must be 1 to 2047 printable ASCII characters on one line", key);
}

static int read_boot_defaults(struct rd *r, const struct sg_sops_node *b, struct sg_fleet *f)
{
	if (check_keys(r, b, "boot.", boot_defaults_keys) < 0 || !sg_sops_get(b, "cmdline"))
		return 0;
	if (!(f->cmdline = str_dup(b, "cmdline")))
		return sg_fail("out of memory");
	check_cmdline(r, line_of(b, "cmdline"), "boot.cmdline", f->cmdline);
	return 0;
}

static int read_release(struct rd *r, const struct sg_sops_node *rel, struct sg_fleet *f)
{
	if (check_keys(r, rel, "release.", release_keys) < 0)
		return 0;
	f->channel = str_dup(rel, "channel");
	if (strs_read(r, rel, "mirrors", &f->mirrors) < 0)
		return -1;
	for (size_t i = 0; i < f->mirrors.n; i++)
		if (strncmp(f->mirrors.v[i], "https://", 8) != 0 &&
		    strncmp(f->mirrors.v[i], "http://", 7) != 0 &&
		    strncmp(f->mirrors.v[i], "file://", 7) != 0)
			diag(r, f->mirrors.line[i], "mirror '%s' is not an http, https or file URL",
			     f->mirrors.v[i]);
	return 0;
}

static int read_fleet(struct rd *r, const struct sg_sops_node *doc, struct sg_fleet *f)
{
	const struct sg_sops_node *m;

	/* A key of the wrong type is reported here and skipped below. */
	(void)check_keys(r, doc, "", fleet_keys);
	check_version(r, doc);
	f->organisation = str_dup(doc, "organisation");
	if ((m = sg_sops_get(doc, "authority")) && m->kind == SG_SOPS_MAP &&
	    check_keys(r, m, "authority.", authority_keys) == 0)
		read_domain_id(r, m, f);
	if ((m = sg_sops_get(doc, "ca")) && m->kind == SG_SOPS_MAP && read_ca(r, m, f) < 0)
		return -1;
	if ((m = sg_sops_get(doc, "dns")) && m->kind == SG_SOPS_MAP && read_dns(r, m, f) < 0)
		return -1;
	if ((m = sg_sops_get(doc, "release")) && m->kind == SG_SOPS_MAP && read_release(r, m, f) < 0)
		return -1;
	if ((m = sg_sops_get(doc, "boot")) && m->kind == SG_SOPS_MAP &&
	    read_boot_defaults(r, m, f) < 0)
		return -1;
	if (!f->cmdline && !(f->cmdline = strdup(SG_FLEET_DEFAULT_CMDLINE)))
		return sg_fail("out of memory");
	return 0;
}

/* ---- fleet.lock ---- */

static const struct key lock_keys[] = { { "version", K_STR, 1 },
					{ "inputs", K_MAP, 1 },
					{ NULL, 0, 0 } };
static const struct key input_keys[] = {
	{ "sha256", K_STR, 1 },
	{ "size", K_INT, 1 },
	{ "source", K_STR, 0 },
	{ NULL, 0, 0 },
};

int sg_fleet_input_name_ok(const char *s)
{
	const char *c = s;

	if (!*s || *s == '/' || strlen(s) > 128)
		return 0;
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("._-/", *c)))
			return 0;
	return strstr(s, "//") == NULL && strstr(s, "..") == NULL && c[-1] != '/';
}

static int read_input(struct rd *r, const struct sg_sops_item *it, struct sg_fleet_input *in)
{
	const struct sg_sops_node *v = it->value, *sum, *size;
	char ctx[160];
	size_t n;

	if (!sg_fleet_input_name_ok(it->key)) {
		diag(r, it->line, "input name '%s' is not a relative path of [a-z0-9._-]", it->key);
		return 0;
	}
	snprintf(ctx, sizeof(ctx), "%s.", it->key);
	if (check_keys(r, v, ctx, input_keys) < 0)
		return 0;
	sum = sg_sops_get(v, "sha256");
	size = sg_sops_get(v, "size");
	if (sum->len != 64 ||
	    sg_hex_decode(sum->str, sum->len, in->sha256, sizeof(in->sha256), &n) < 0 || n != 32) {
		diag(r, line_of(v, "sha256"), "'%s.sha256' must be 64 hex digits", it->key);
		return 0;
	}
	if (size->integer < 0) {
		diag(r, line_of(v, "size"), "'%s.size' must not be negative", it->key);
		return 0;
	}
	in->size = (uint64_t)size->integer;
	in->line = it->line;
	if (!(in->name = strdup(it->key)) ||
	    (sg_sops_get(v, "source") && !(in->source = str_dup(v, "source"))))
		return sg_fail("out of memory");
	return 1;
}

static int read_lock(struct rd *r, const struct sg_sops_node *doc, struct sg_fleet *f)
{
	const struct sg_sops_node *inputs;

	if (check_keys(r, doc, "", lock_keys) < 0)
		return 0;
	check_version(r, doc);
	inputs = sg_sops_get(doc, "inputs");
	if (!(f->inputs = calloc(inputs->n ? inputs->n : 1, sizeof(*f->inputs))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < inputs->n; i++) {
		int rc;
		if (!inputs->items[i].key)
			continue;
		if (inputs->items[i].value->kind != SG_SOPS_MAP) {
			diag(r, inputs->items[i].line, "input '%s' must be a mapping",
			     inputs->items[i].key);
			continue;
		}
		if ((rc = read_input(r, &inputs->items[i], &f->inputs[f->ninputs])) < 0)
			return -1;
		f->ninputs += (size_t)rc;
	}
	return 0;
}

/* ---- hosts/<name>.yaml ---- */

static const struct key host_keys[] = {
	{ "version", K_STR, 1 },      { "host", K_STR, 1 },
	{ "roles", K_STRS, 1 },	      { "addresses", K_STRS, 0 },
	{ "ssh_host_key", K_STR, 0 }, { "age_recipient", K_STR, 0 },
	{ "rootfs", K_STR, 0 },	      { "init", K_STR, 0 },
	{ "disk", K_MAP, 0 },	      { "console", K_MAP, 0 },
	{ "recovery", K_MAP, 0 },     { "attestation_key", K_STR, 0 },
	{ "cmdline", K_STR, 0 },      { NULL, 0, 0 },
};
/* The keys of the host document signet-init reads; the others are the
 * fleet's own (or unknown, and reported once, by check_keys). */
static const char *const boot_keys[] = { "version", "host",    "rootfs",  "init",
					 "disk",    "console", "recovery" };

static void read_roles(struct rd *r, const struct sg_sops_node *doc, struct sg_fleet_host *h)
{
	struct sg_fleet_strs roles = { 0 };

	if (strs_read(r, doc, "roles", &roles) < 0)
		return;
	if (roles.n == 0)
		diag(r, line_of(doc, "roles"), "'roles' must name at least one role");
	for (size_t i = 0; i < roles.n; i++) {
		size_t k;
		for (k = 0; k < NROLES && strcmp(role_names[k], roles.v[i]) != 0; k++)
			;
		if (k == NROLES)
			diag(r, roles.line[i], "unknown role '%s'", roles.v[i]);
		else
			h->roles |= 1u << k;
	}
	strs_free(&roles);
}

static void read_addresses(struct rd *r, const struct sg_sops_node *doc, struct sg_fleet_host *h)
{
	struct sg_fleet_strs a = { 0 };

	if (strs_read(r, doc, "addresses", &a) < 0)
		return;
	for (size_t i = 0; i < a.n; i++) {
		struct sg_fleet_addr *ad = &h->addrs[h->naddrs];
		ad->family = strchr(a.v[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(ad->family, a.v[i], ad->bytes) != 1) {
			diag(r, a.line[i], "'%s' is not an IPv4 or IPv6 address", a.v[i]);
			continue;
		}
		inet_ntop(ad->family, ad->bytes, ad->text, sizeof(ad->text));
		h->addr_line[h->naddrs++] = a.line[i];
	}
	strs_free(&a);
}

static void read_keys(struct rd *r, const struct sg_sops_node *doc, struct sg_fleet_host *h)
{
	struct sg_buf sshfp = SG_BUF_INIT;
	struct sg_age_recipients rs = { 0 };
	const struct sg_sops_node *v;
	size_t n;

	if ((h->ssh_host_key = str_dup(doc, "ssh_host_key")) &&
	    (strchr(h->ssh_host_key, '\n') ||
	     sg_dns_sshfp(h->name, h->ssh_host_key, strlen(h->ssh_host_key), r->file, &sshfp) < 0))
		diag(r, line_of(doc, "ssh_host_key"),
		     "'ssh_host_key' must be one OpenSSH public key line");
	sg_buf_free(&sshfp);
	if ((h->age_recipient = str_dup(doc, "age_recipient")) &&
	    (strncmp(h->age_recipient, "age1", 4) != 0 ||
	     sg_age_recipients_add(&rs, h->age_recipient, strlen(h->age_recipient)) < 0))
		diag(r, line_of(doc, "age_recipient"),
		     "'age_recipient' must be an age1... X25519 recipient");
	sg_age_recipients_free(&rs);
	if ((v = sg_sops_get(doc, "attestation_key")) && v->kind == SG_SOPS_STR) {
		if (sg_b64_decode(v->str, v->len, h->attestation_key, sizeof(h->attestation_key),
				  &n, SG_B64_PAD) < 0 ||
		    n != 32)
			diag(r, line_of(doc, "attestation_key"),
			     "'attestation_key' must be an Ed25519 public key (32 bytes, base64)");
		else
			h->has_attestation_key = 1;
	}
}

/* The line of the key a hostcfg message names ("$.disk.tpm.handle: ..."). */
static unsigned path_line(const struct sg_sops_node *doc, const char *msg)
{
	const struct sg_sops_node *cur = doc;
	unsigned line = doc->line;
	const char *p = msg;

	if (strncmp(p, "$.", 2) != 0)
		return line;
	for (p += 2; cur && cur->kind == SG_SOPS_MAP;) {
		size_t n = strcspn(p, ".:[ ");
		const struct sg_sops_item *it = NULL;
		for (size_t i = 0; i < cur->n; i++)
			if (cur->items[i].key && strlen(cur->items[i].key) == n &&
			    memcmp(cur->items[i].key, p, n) == 0)
				it = &cur->items[i];
		if (!it)
			break;
		line = it->line;
		cur = it->value;
		if (p[n] != '.')
			break;
		p += n + 1;
	}
	return line;
}

/* The boot part: the document's boot keys, checked by signet-init's
 * rules. */
static int read_boot(struct rd *r, const struct sg_sops_node *doc, struct sg_fleet_host *h)
{
	struct sg_json *boot = sg_json_new_object();
	struct sg_buf canon = SG_BUF_INIT;
	struct sg_host_cfg cfg;
	int rc = -1;

	if (!boot)
		return sg_fail("out of memory");
	for (size_t i = 0; i < sizeof(boot_keys) / sizeof(boot_keys[0]); i++) {
		const struct sg_sops_node *v = sg_sops_get(doc, boot_keys[i]);
		struct sg_json *j = NULL;
		if (!v)
			continue;
		/* A value JSON cannot hold (a float, say) is the document's
		 * error, on the line of its key. */
		if (sg_bundle_node_to_json(v, boot_keys[i], &j) < 0) {
			diag(r, line_of(doc, boot_keys[i]), "%s", sg_errmsg());
			rc = 0;
			goto out;
		}
		if (sg_json_set(boot, boot_keys[i], j) < 0)
			goto out;
	}
	if (sg_json_canonical(boot, &canon) < 0)
		goto out;
	if (sg_host_cfg_parse((const char *)canon.data, canon.len, &cfg) < 0)
		diag(r, path_line(doc, sg_errmsg()), "%s", sg_errmsg());
	h->boot = boot;
	boot = NULL;
	rc = 0;
out:
	sg_json_free(boot);
	sg_buf_free(&canon);
	return rc;
}

/* The fields each role needs. */
static void check_role_fields(struct rd *r, const struct sg_sops_node *doc,
			      const struct sg_fleet_host *h)
{
	unsigned line = line_of(doc, "roles");

	if (!h->roles)
		return; /* none, or none known: said already, nothing to check */
	if (h->roles & SG_FLEET_AUTHORITY) {
		if (h->naddrs)
			diag(r, line_of(doc, "addresses"),
			     "an authority host has no network: no 'addresses'");
		if (sg_sops_get(doc, "recovery"))
			diag(r, line_of(doc, "recovery"),
			     "an authority host has no network: no 'recovery'");
		if (h->roles != SG_FLEET_AUTHORITY)
			diag(r, line, "an authority host has no other role");
		return;
	}
	if (h->naddrs == 0)
		diag(r, line, "role '%s' needs 'addresses'",
		     sg_fleet_role_name(h->roles & (0u - h->roles)));
	if (h->naddrs && !h->ssh_host_key)
		diag(r, line, "a host with addresses needs 'ssh_host_key' (its SSHFP records)");
	if ((h->roles & SG_FLEET_BUILDER) && !h->has_attestation_key)
		diag(r, line,
		     "role 'builder' needs 'attestation_key' (its attestations verify with it)");
	if ((h->roles & (SG_FLEET_WEB | SG_FLEET_CA)) && !h->age_recipient)
		diag(r, line, "role '%s' needs 'age_recipient' (its TLS keys are encrypted to it)",
		     h->roles & SG_FLEET_WEB ? "web" : "ca");
}

static int read_host(struct rd *r, const char *name, const struct sg_sops_node *doc,
		     struct sg_fleet_host *h)
{
	if (!(h->name = strdup(name)) || !(h->file = strdup(r->file)))
		return sg_fail("out of memory");
	if (check_keys(r, doc, "", host_keys) < 0)
		return 0;
	check_version(r, doc);
	if (strcmp(sg_sops_get(doc, "host")->str, name) != 0)
		diag(r, line_of(doc, "host"), "'host' is '%s' but the file is named for '%s'",
		     sg_sops_get(doc, "host")->str, name);
	read_roles(r, doc, h);
	read_addresses(r, doc, h);
	read_keys(r, doc, h);
	h->rootfs = str_dup(doc, "rootfs");
	if (sg_sops_get(doc, "cmdline")) {
		if (!(h->cmdline = str_dup(doc, "cmdline")))
			return sg_fail("out of memory");
		check_cmdline(r, line_of(doc, "cmdline"), "cmdline", h->cmdline);
	}
	if (read_boot(r, doc, h) < 0)
		return -1;
	check_role_fields(r, doc, h);
	return 0;
}

/* ---- services/<name>.yaml ---- */

static const struct key service_keys[] = {
	{ "version", K_STR, 1 }, { "service", K_STR, 1 },  { "kind", K_STR, 1 },
	{ "hosts", K_STRS, 1 },	 { "names", K_STRS, 0 },   { "port", K_INT, 0 },
	{ "root", K_STR, 0 },	 { "upstream", K_STR, 0 }, { "client_certificates", K_STR, 0 },
	{ "zones", K_STRS, 0 },	 { NULL, 0, 0 },
};

static const char *const kind_names[] = { "web", "dns", "ca" };
static const char *const client_names[] = { "none", "optional", "required" };

static int pick(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* The keys a kind needs and the keys it must not have. */
static void check_kind_keys(struct rd *r, const struct sg_sops_node *doc,
			    const struct sg_fleet_service *s)
{
	static const char *const web_only[] = { "root", "upstream" };
	static const char *const not_dns[] = { "names", "port", "client_certificates" };

	if (s->kind == SG_FLEET_SVC_DNS) {
		if (s->zones.n == 0)
			diag(r, doc->line, "a dns service needs 'zones'");
		for (size_t i = 0; i < sizeof(not_dns) / sizeof(not_dns[0]); i++)
			if (sg_sops_get(doc, not_dns[i]))
				diag(r, line_of(doc, not_dns[i]), "a dns service has no '%s'",
				     not_dns[i]);
	} else {
		if (s->names.n == 0)
			diag(r, doc->line, "a %s service needs 'names'", kind_names[s->kind]);
		if (sg_sops_get(doc, "zones"))
			diag(r, line_of(doc, "zones"), "only a dns service has 'zones'");
	}
	if (s->kind == SG_FLEET_SVC_WEB && !s->root == !s->upstream)
		diag(r, doc->line, "a web service needs one of 'root' and 'upstream'");
	for (size_t i = 0; s->kind != SG_FLEET_SVC_WEB && i < 2; i++)
		if (sg_sops_get(doc, web_only[i]))
			diag(r, line_of(doc, web_only[i]), "only a web service has '%s'",
			     web_only[i]);
	if (s->root && s->root[0] != '/')
		diag(r, line_of(doc, "root"), "'root' must be an absolute path");
	if (s->upstream && strncmp(s->upstream, "http://", 7) != 0 &&
	    strncmp(s->upstream, "https://", 8) != 0)
		diag(r, line_of(doc, "upstream"), "'upstream' must be an http:// or https:// URL");
}

static void read_service_fields(struct rd *r, const struct sg_sops_node *doc,
				struct sg_fleet_service *s)
{
	const struct sg_sops_node *v;
	int k;

	if ((k = pick(sg_sops_get(doc, "kind")->str, kind_names, 3)) < 0)
		diag(r, line_of(doc, "kind"), "'kind' must be web, dns or ca");
	s->kind = k < 0 ? SG_FLEET_SVC_WEB : (enum sg_fleet_kind)k;
	s->port = 443;
	if ((v = sg_sops_get(doc, "port")) && (v->integer < 1 || v->integer > 65535))
		diag(r, line_of(doc, "port"), "'port' must be 1-65535");
	else if (v)
		s->port = (unsigned)v->integer;
	if ((v = sg_sops_get(doc, "client_certificates")) && (k = pick(v->str, client_names, 3)) < 0)
		diag(r, line_of(doc, "client_certificates"),
		     "'client_certificates' must be none, optional or required");
	else if (v)
		s->clients = (enum sg_fleet_clients)k;
	s->root = str_dup(doc, "root");
	s->upstream = str_dup(doc, "upstream");
}

static int read_service(struct rd *r, const char *name, const struct sg_sops_node *doc,
			struct sg_fleet_service *s)
{
	if (!(s->name = strdup(name)) || !(s->file = strdup(r->file)))
		return sg_fail("out of memory");
	if (check_keys(r, doc, "", service_keys) < 0)
		return 0;
	check_version(r, doc);
	if (strcmp(sg_sops_get(doc, "service")->str, name) != 0)
		diag(r, line_of(doc, "service"), "'service' is '%s' but the file is named for '%s'",
		     sg_sops_get(doc, "service")->str, name);
	read_service_fields(r, doc, s);
	if (strs_read(r, doc, "hosts", &s->hosts) < 0 || strs_read(r, doc, "names", &s->names) < 0 ||
	    dns_names(r, &s->names, "name") < 0 || strs_read(r, doc, "zones", &s->zones) < 0)
		return -1;
	for (size_t i = 0; i < s->zones.n; i++)
		if (strcmp(s->zones.v[i], ".") != 0 &&
		    dns_name(r, s->zones.line[i], "zone", &s->zones.v[i]) < 0 && r->errors == 0)
			return -1;
	if (s->hosts.n == 0)
		diag(r, line_of(doc, "hosts"), "'hosts' must name at least one host");
	check_kind_keys(r, doc, s);
	return 0;
}

/* ---- the rules between documents ---- */

static void check_addresses(struct rd *r, const struct sg_fleet *f, size_t hi)
{
	const struct sg_fleet_host *h = &f->hosts[hi];

	r->file = h->file;
	for (size_t a = 0; a < h->naddrs; a++)
		for (size_t j = 0; j < hi; j++)
			for (size_t b = 0; b < f->hosts[j].naddrs; b++)
				if (f->hosts[j].addrs[b].family == h->addrs[a].family &&
				    memcmp(f->hosts[j].addrs[b].bytes, h->addrs[a].bytes, 16) == 0)
					diag(r, h->addr_line[a], "address %s is also %s's",
					     h->addrs[a].text, f->hosts[j].file);
}

static void check_host_inputs(struct rd *r, const struct sg_fleet *f, const struct sg_fleet_host *h)
{
	char name[SG_HOST_NAME_MAX + 8], layout[SG_HOST_NAME_MAX + 32], pin[SG_HOST_NAME_MAX + 32];
	const char *r_ = h->rootfs;

	r->file = h->file;
	if (!r_)
		return;
	/* One file (a tar), or an OCI layout with its image's root hash
	 * (fleetrootfs.h). */
	snprintf(name, sizeof(name), "rootfs/%s", r_);
	snprintf(layout, sizeof(layout), "rootfs/%s/index.json", r_);
	if (sg_fleet_input(f, name))
		return;
	if (!sg_fleet_input(f, layout)) {
		diag(r, 1,
		     "rootfs '%s' is not pinned in fleet.lock (no input '%s' nor an OCI layout '%s/')",
		     r_, name, name);
		return;
	}
	snprintf(pin, sizeof(pin), "rootfs/%s/oci-layout", r_);
	if (!sg_fleet_input(f, pin))
		diag(r, 1, "rootfs '%s': the OCI layout '%s/' has no pinned oci-layout file", r_,
		     name);
	snprintf(pin, sizeof(pin), "rootfs/%s.roothash", r_);
	if (!sg_fleet_input(f, pin))
		diag(r, 1, "rootfs '%s' is an OCI layout but its root hash '%s' is not pinned", r_,
		     pin);
}

static unsigned kind_role(enum sg_fleet_kind k)
{
	return k == SG_FLEET_SVC_WEB   ? SG_FLEET_WEB
	       : k == SG_FLEET_SVC_DNS ? SG_FLEET_DNS_AUTHORITATIVE
				       : SG_FLEET_CA;
}

static void check_service_names(struct rd *r, const struct sg_fleet *f, size_t si)
{
	const struct sg_fleet_service *s = &f->services[si];

	for (size_t i = 0; i < s->names.n; i++) {
		int within = 0;
		for (size_t k = 0; k < f->permit_dns.n; k++)
			within |= sg_dns_within(s->names.v[i], f->permit_dns.v[k]);
		if (!within)
			diag(r, s->names.line[i], "name %s is outside the CA's permitted DNS names",
			     s->names.v[i]);
		for (size_t j = 0; j < si; j++)
			if (strs_has(&f->services[j].names, s->names.v[i]))
				diag(r, s->names.line[i], "name %s is also %s's", s->names.v[i],
				     f->services[j].file);
	}
}

static void check_service(struct rd *r, const struct sg_fleet *f, size_t si)
{
	const struct sg_fleet_service *s = &f->services[si];
	unsigned role = kind_role(s->kind);

	r->file = s->file;
	for (size_t i = 0; i < s->hosts.n; i++) {
		const struct sg_fleet_host *h = sg_fleet_host(f, s->hosts.v[i]);
		if (!h)
			diag(r, s->hosts.line[i], "no host '%s' (no hosts/%s.yaml)", s->hosts.v[i],
			     s->hosts.v[i]);
		else if (!(h->roles & role))
			diag(r, s->hosts.line[i], "host '%s' does not have the role '%s'", h->name,
			     sg_fleet_role_name(role));
	}
	check_service_names(r, f, si);
	for (size_t i = 0; i < s->zones.n; i++)
		if (strcmp(s->zones.v[i], ".") != 0 && !strs_has(&f->zones, s->zones.v[i]))
			diag(r, s->zones.line[i], "zone %s is not one of fleet.yaml's 'dns.zones'",
			     s->zones.v[i]);
}

static int zone_served(const struct sg_fleet *f, const char *zone)
{
	for (size_t i = 0; i < f->nservices; i++)
		if (f->services[i].kind == SG_FLEET_SVC_DNS && strs_has(&f->services[i].zones, zone))
			return 1;
	return 0;
}

static void check_across(struct rd *r, struct sg_fleet *f)
{
	for (size_t i = 0; i < f->nhosts; i++) {
		check_addresses(r, f, i);
		check_host_inputs(r, f, &f->hosts[i]);
	}
	for (size_t i = 0; i < f->nservices; i++)
		check_service(r, f, i);
	r->file = "fleet.yaml";
	if (!zone_served(f, "."))
		diag(r, 1, "no dns service serves the root zone \".\"");
	for (size_t i = 0; i < f->zones.n; i++)
		if (!zone_served(f, f->zones.v[i]))
			diag(r, f->zones.line[i], "zone %s is served by no dns service",
			     f->zones.v[i]);
}

/* ---- the repository ---- */

static int cmp_host(const void *a, const void *b)
{
	return strcmp(((const struct sg_fleet_host *)a)->name,
		      ((const struct sg_fleet_host *)b)->name);
}

static int cmp_service(const void *a, const void *b)
{
	return strcmp(((const struct sg_fleet_service *)a)->name,
		      ((const struct sg_fleet_service *)b)->name);
}

/* The name in "hosts/NAME.yaml", checked as a host or service name:
 * [a-z0-9-], starting with a letter, at most 63 bytes. */
static int doc_name(const char *path, const char *dir, char *out, size_t cap)
{
	size_t dl = strlen(dir), n;

	if (strncmp(path, dir, dl) != 0 || path[dl] != '/')
		return -1;
	path += dl + 1;
	n = strlen(path);
	if (n < 6 || n - 5 >= cap || n - 5 > 63 || strcmp(path + n - 5, ".yaml") != 0)
		return -1;
	memcpy(out, path, n - 5);
	out[n - 5] = '\0';
	if (!(out[0] >= 'a' && out[0] <= 'z'))
		return -1;
	for (const char *c = out; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return -1;
	return 0;
}

/* yamldoc's "<name>: line L, column C: <problem>" as FILE:L: problem
 * (column C). */
static void yaml_error(struct rd *r, const char *msg)
{
	size_t n = strlen(r->file);
	unsigned line, col;
	int used = 0;

	if (strncmp(msg, r->file, n) == 0 &&
	    sscanf(msg + n, ": line %u, column %u: %n", &line, &col, &used) == 2 && used > 0)
		diag(r, line, "%s (column %u)", msg + n + (size_t)used, col);
	else
		diag(r, 0, "%s", msg);
}

/* One document into f: which reader by its name. */
static int read_doc(struct rd *r, const char *text, size_t len, struct sg_fleet *f)
{
	struct sg_sops_node *doc = NULL;
	char name[64];
	int rc = 0;

	if (sg_yaml_read(r->file, text, len, &doc) < 0) {
		yaml_error(r, sg_errmsg());
		return 0;
	}
	if (strcmp(r->file, "fleet.yaml") == 0)
		rc = read_fleet(r, doc, f);
	else if (strcmp(r->file, "fleet.lock") == 0)
		rc = read_lock(r, doc, f);
	else if (doc_name(r->file, "hosts", name, sizeof(name)) == 0)
		rc = read_host(r, name, doc, &f->hosts[f->nhosts++]);
	else if (doc_name(r->file, "services", name, sizeof(name)) == 0)
		rc = read_service(r, name, doc, &f->services[f->nservices++]);
	else
		diag(r, 0,
		     "not a fleet document (hosts/NAME.yaml, services/NAME.yaml: NAME of [a-z0-9-])");
	sg_sops_free(doc);
	return rc;
}

static int given_before(const char *const *names, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(names[j], names[i]) == 0)
			return 1;
	return 0;
}

int sg_fleet_parse(const char *const *names, const char *const *docs, const size_t *lens, size_t n,
		   struct sg_fleet *f, struct sg_buf *diag_out)
{
	struct rd r = { .diag = diag_out };
	int have[2] = { 0, 0 };

	memset(f, 0, sizeof(*f));
	if (n > SG_FLEET_MAX_DOCS + 2)
		return sg_fail("a fleet has at most %d hosts and services", SG_FLEET_MAX_DOCS);
	if (!(f->hosts = calloc(n + 1, sizeof(*f->hosts))) ||
	    !(f->services = calloc(n + 1, sizeof(*f->services))))
		return sg_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		r.file = names[i];
		have[0] |= strcmp(names[i], "fleet.yaml") == 0;
		have[1] |= strcmp(names[i], "fleet.lock") == 0;
		if (given_before(names, i)) {
			diag(&r, 0, "given twice");
			continue;
		}
		if (read_doc(&r, docs[i], lens[i], f) < 0)
			return -1;
	}
	qsort(f->hosts, f->nhosts, sizeof(*f->hosts), cmp_host);
	qsort(f->services, f->nservices, sizeof(*f->services), cmp_service);
	for (size_t i = 0; i < 2; i++)
		if (!have[i]) {
			r.file = i ? "fleet.lock" : "fleet.yaml";
			diag(&r, 0, "missing: every fleet has one");
		}
	if (r.errors == 0)
		check_across(&r, f);
	if (r.errors == 0)
		return 0;
	return sg_fail("%.*s", (int)strcspn((const char *)diag_out->data, "\n"),
		       (const char *)diag_out->data);
}

/* Reads DIR/SUB/\*.yaml, sorted, into the lists. */
static int list_docs(const char *dir, const char *sub, char ***names, size_t *n, size_t *cap)
{
	char path[SG_PATH_MAX];
	struct dirent **ents = NULL;
	int k;

	if (sg_path_join(path, sizeof(path), dir, sub) < 0)
		return -1;
	if ((k = scandir(path, &ents, NULL, alphasort)) < 0)
		return sg_fail_errno("%s", path);
	for (int i = 0; i < k; i++) {
		const char *e = ents[i]->d_name;
		int rc = 0;
		if (e[0] != '.' && *n + 1 > SG_FLEET_MAX_DOCS)
			rc = sg_fail("%s: more than %d documents", path, SG_FLEET_MAX_DOCS);
		else if (e[0] != '.' &&
			 (sg_array_grow((void **)names, cap, *n + 1, sizeof(**names)) < 0 ||
			  !((*names)[*n] = malloc(strlen(sub) + strlen(e) + 2))))
			rc = -1;
		else if (e[0] != '.')
			sprintf((*names)[(*n)++], "%s/%s", sub, e);
		if (rc < 0) {
			while (i < k)
				free(ents[i++]);
			free(ents);
			return -1;
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

int sg_fleet_load(const char *dir, struct sg_fleet *f, struct sg_buf *diag_out)
{
	char **names = NULL, path[SG_PATH_MAX];
	struct sg_buf *texts = NULL;
	const char **docs = NULL;
	size_t n = 0, cap = 0, *lens = NULL;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (sg_array_grow((void **)&names, &cap, 2, sizeof(*names)) < 0 ||
	    !(names[0] = strdup("fleet.yaml")) || !(names[1] = strdup("fleet.lock")))
		goto out;
	n = 2;
	if (list_docs(dir, "hosts", &names, &n, &cap) < 0 ||
	    list_docs(dir, "services", &names, &n, &cap) < 0)
		goto out;
	if (!(texts = calloc(n, sizeof(*texts))) || !(docs = calloc(n, sizeof(*docs))) ||
	    !(lens = calloc(n, sizeof(*lens)))) {
		sg_fail("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (sg_path_join(path, sizeof(path), dir, names[i]) < 0 ||
		    sg_read_file(path, &texts[i], SG_FLEET_MAX_FILE) < 0 ||
		    sg_buf_terminate(&texts[i]) < 0)
			goto out;
		docs[i] = (const char *)texts[i].data;
		lens[i] = texts[i].len;
	}
	rc = sg_fleet_parse((const char *const *)names, docs, lens, n, f, diag_out);
out:
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		if (texts)
			sg_buf_free(&texts[i]);
	}
	free(names);
	free(texts);
	free(docs);
	free(lens);
	return rc;
}

const struct sg_fleet_host *sg_fleet_host(const struct sg_fleet *f, const char *name)
{
	for (size_t i = 0; i < f->nhosts; i++)
		if (strcmp(f->hosts[i].name, name) == 0)
			return &f->hosts[i];
	return NULL;
}

const struct sg_fleet_input *sg_fleet_input(const struct sg_fleet *f, const char *name)
{
	for (size_t i = 0; i < f->ninputs; i++)
		if (strcmp(f->inputs[i].name, name) == 0)
			return &f->inputs[i];
	return NULL;
}

void sg_fleet_free(struct sg_fleet *f)
{
	for (size_t i = 0; f->hosts && i < f->nhosts; i++) {
		struct sg_fleet_host *h = &f->hosts[i];
		free(h->name);
		free(h->file);
		free(h->rootfs);
		free(h->cmdline);
		free(h->ssh_host_key);
		free(h->age_recipient);
		sg_json_free(h->boot);
	}
	for (size_t i = 0; f->services && i < f->nservices; i++) {
		struct sg_fleet_service *s = &f->services[i];
		free(s->name);
		free(s->file);
		free(s->root);
		free(s->upstream);
		strs_free(&s->hosts);
		strs_free(&s->names);
		strs_free(&s->zones);
	}
	for (size_t i = 0; f->inputs && i < f->ninputs; i++) {
		free(f->inputs[i].name);
		free(f->inputs[i].source);
	}
	free(f->hosts);
	free(f->services);
	free(f->inputs);
	free(f->organisation);
	free(f->domain_id);
	free(f->ca_name);
	free(f->host_zone);
	free(f->channel);
	free(f->cmdline);
	strs_free(&f->permit_dns);
	strs_free(&f->zones);
	strs_free(&f->mirrors);
	memset(f, 0, sizeof(*f));
}
