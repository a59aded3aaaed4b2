/* refname.c - image references and WWW-Authenticate challenges
 * (refname.h). */
#include "refname.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

int sg_oci_tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || !(is_alnum(s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*, components joined by '/'. */
static int name_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || n >= SG_OCI_NAME_MAX)
		return 0;
	for (;;) {
		if (i >= n || !is_lower_alnum(s[i]))
			return 0;
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return 1;
		if (s[i] == '/') {
			i++;
			continue;
		}
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return 0;
	}
}

/* A DNS name or IPv4 address, or [IPv6], then an optional :PORT. */
static int host_valid(const char *s, size_t n)
{
	size_t i = 0, label = 0;

	if (n == 0 || n >= SG_OCI_HOST_MAX)
		return 0;
	if (s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!strchr("0123456789abcdefABCDEF:.", s[i]))
				return 0;
		if (i == n || i == 1)
			return 0;
		i++;
	} else {
		for (; i < n && s[i] != ':'; i++) {
			if (s[i] == '.') {
				if (label == 0 || s[i - 1] == '-')
					return 0;
				label = 0;
			} else if (is_alnum(s[i]) || (s[i] == '-' && label > 0)) {
				if (++label > 63)
					return 0;
			} else {
				return 0;
			}
		}
		if (label == 0 || s[i - 1] == '-')
			return 0;
	}
	if (i == n)
		return 1;
	if (s[i] != ':' || i + 1 == n || n - i - 1 > 5)
		return 0;
	unsigned long port = 0;
	for (size_t k = i + 1; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return 0;
		port = port * 10 + (unsigned long)(s[k] - '0');
	}
	return s[i + 1] != '0' && port >= 1 && port <= 65535;
}

int sg_oci_ref_parse(const char *text, struct sg_oci_ref *ref)
{
	const char *slash, *at, *end, *colon;
	size_t n = strlen(text);

	memset(ref, 0, sizeof(*ref));
	for (size_t i = 0; i < n; i++)
		if (text[i] <= 0x20 || text[i] > 0x7e)
			return sg_fail("reference: a space or a character that is not printable "
				       "ASCII at byte %zu",
				       i);
	if (n > 1024)
		return sg_fail("reference '%.64s...': longer than 1024 characters", text);
	slash = strchr(text, '/');
	if (!slash)
		return sg_fail("reference '%s': not HOST[:PORT]/NAME[:TAG|@sha256:HEX]", text);
	if (!host_valid(text, (size_t)(slash - text)))
		return sg_fail("reference '%s': '%.*s' is not a host name or address with an "
			       "optional :PORT (1-65535)",
			       text, (int)(slash - text), text);
	memcpy(ref->host, text, (size_t)(slash - text));
	end = text + n;
	at = strchr(slash, '@');
	if (at) {
		if (strncmp(at + 1, "sha256:", 7) != 0 || strlen(at + 8) != 64 ||
		    strspn(at + 8, "0123456789abcdef") != 64)
			return sg_fail("reference '%s': the digest is not sha256:<64 lowercase hex>",
				       text);
		memcpy(ref->digest, at + 1, SG_OCI_DIGEST_LEN);
		end = at;
	}
	colon = memchr(slash, ':', (size_t)(end - slash));
	if (colon) {
		size_t tn = (size_t)(end - colon - 1);
		if (tn >= SG_OCI_TAG_MAX)
			return sg_fail("reference '%s': tag longer than 128 characters", text);
		memcpy(ref->tag, colon + 1, tn);
		if (!sg_oci_tag_valid(ref->tag))
			return sg_fail("reference '%s': tag '%s' is not "
				       "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}",
				       text, ref->tag);
		end = colon;
	}
	if (!name_valid(slash + 1, (size_t)(end - slash - 1)))
		return sg_fail("reference '%s': name '%.*s' is not lowercase components "
			       "[a-z0-9]+ joined by '.', '_', '__' or '-', separated by '/' "
			       "(at most 255 characters)",
			       text, (int)(end - slash - 1), slash + 1);
	memcpy(ref->name, slash + 1, (size_t)(end - slash - 1));
	return 0;
}

/* RFC 7230 tchar. */
static int is_tchar(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

struct cursor {
	const char *p, *end;
};

static void skip_ows(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static size_t token(struct cursor *c)
{
	const char *s = c->p;

	while (c->p < c->end && is_tchar(*c->p))
		c->p++;
	return (size_t)(c->p - s);
}

/* A token or a quoted-string into out (cap bytes); -1 when malformed
 * or too long. Only printable ASCII is kept. */
static int param_value(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;

	if (c->p < c->end && *c->p == '"') {
		c->p++;
		for (;;) {
			if (c->p == c->end)
				return -1;
			char ch = *c->p++;
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (c->p == c->end)
					return -1;
				ch = *c->p++;
			}
			if (ch < 0x20 || ch > 0x7e || n + 1 >= cap)
				return -1;
			out[n++] = ch;
		}
	} else {
		const char *s = c->p;
		size_t len = token(c);
		if (len == 0 || len >= cap)
			return -1;
		memcpy(out, s, len);
		n = len;
	}
	out[n] = '\0';
	return 0;
}

int sg_oci_challenge_parse(const char *value, size_t len, struct sg_oci_challenge *ch)
{
	struct cursor c = { value, value + len };
	enum sg_oci_auth_scheme current = SG_OCI_AUTH_NONE;
	char *val = NULL;
	int rc = -1;

	memset(ch, 0, sizeof(*ch));
	if (!(val = malloc(SG_OCI_PARAM_MAX)))
		return sg_fail("out of memory");
	/* challenge *( "," challenge ), each scheme [ 1*SP #auth-param ];
	 * a list element that is "name=value" continues the current
	 * challenge, a bare token starts a new one. */
	for (;;) {
		skip_ows(&c);
		while (c.p < c.end && *c.p == ',') {
			c.p++;
			skip_ows(&c);
		}
		if (c.p == c.end)
			break;
		const char *name = c.p;
		size_t nlen = token(&c);
		if (nlen == 0)
			goto bad;
		skip_ows(&c);
		if (c.p < c.end && *c.p == '=') {
			c.p++;
			skip_ows(&c);
			if (current == SG_OCI_AUTH_NONE)
				goto bad; /* a parameter before any scheme */
			if (param_value(&c, val, SG_OCI_PARAM_MAX) < 0)
				goto bad;
			if (current == SG_OCI_AUTH_BEARER && ch->scheme == SG_OCI_AUTH_BEARER) {
				char *dst = NULL;
				if (nlen == 5 && !strncasecmp(name, "realm", 5))
					dst = ch->realm;
				else if (nlen == 7 && !strncasecmp(name, "service", 7))
					dst = ch->service;
				else if (nlen == 5 && !strncasecmp(name, "scope", 5))
					dst = ch->scope;
				if (dst)
					memcpy(dst, val, strlen(val) + 1);
			}
			skip_ows(&c);
			if (c.p < c.end && *c.p != ',')
				goto bad;
			continue;
		}
		/* a new scheme; the one before it, if kept, is complete */
		if (ch->scheme != SG_OCI_AUTH_NONE)
			break;
		if (nlen == 5 && !strncasecmp(name, "basic", 5))
			current = SG_OCI_AUTH_BASIC;
		else if (nlen == 6 && !strncasecmp(name, "bearer", 6))
			current = SG_OCI_AUTH_BEARER;
		else
			current = (enum sg_oci_auth_scheme) - 1;
		if (current == SG_OCI_AUTH_BASIC || current == SG_OCI_AUTH_BEARER)
			ch->scheme = current;
		if (c.p < c.end && *c.p != ',' && *c.p != ' ' && *c.p != '\t' && !is_tchar(*c.p))
			goto bad;
	}
	if (ch->scheme == SG_OCI_AUTH_BEARER && !ch->realm[0]) {
		sg_fail("WWW-Authenticate: Bearer without a realm");
		goto out;
	}
	rc = 0;
	goto out;
bad:
	sg_fail("WWW-Authenticate: malformed at byte %zu", (size_t)(c.p - value));
out:
	free(val);
	return rc;
}
