/* refname.h - what names an image in a registry, and what a registry's
 * 401 asks for: the two texts of the distribution API that signet
 * parses by hand.
 *
 * A reference is HOST[:PORT]/NAME[:TAG][@sha256:HEX] (distribution-spec
 * spec.md, "Pulling manifests"): HOST a DNS name or IPv4 address (a
 * bracketed IPv6 address too), PORT 1-65535, NAME one or more
 * '/'-separated components [a-z0-9]+ joined by '.', '_', '__' or '-'s,
 * at most 255 characters; TAG [A-Za-z0-9_][A-Za-z0-9._-]{0,127}; the
 * digest sha256 with 64 lowercase hex digits. The first component is
 * always the host (no default registry, no "library/" prefix). Refused
 * with one line naming the reference and the rule.
 *
 * A challenge is a WWW-Authenticate header value (RFC 7235 section 4.1):
 * a scheme and auth-params (token68 forms are refused). Of the schemes,
 * sg_oci_challenge_parse keeps the first that is Basic or Bearer, with
 * Bearer's realm, service and scope (quoted strings unescaped); other
 * params are skipped. Every kept string is printable ASCII.
 */
#ifndef SIGNET_REFNAME_H
#define SIGNET_REFNAME_H

#include <stddef.h>

#define SG_OCI_HOST_MAX 256
#define SG_OCI_NAME_MAX 256
#define SG_OCI_TAG_MAX 129
#define SG_OCI_DIGEST_LEN 71 /* "sha256:" and 64 hex digits */

struct sg_oci_ref {
	char host[SG_OCI_HOST_MAX]; /* with ":PORT" when given */
	char name[SG_OCI_NAME_MAX];
	char tag[SG_OCI_TAG_MAX];	    /* "" when none */
	char digest[SG_OCI_DIGEST_LEN + 1]; /* "sha256:<hex>", or "" */
};

int sg_oci_ref_parse(const char *text, struct sg_oci_ref *ref);

/* 1 when s is a tag by the rule above, 0 otherwise. */
int sg_oci_tag_valid(const char *s);

enum sg_oci_auth_scheme { SG_OCI_AUTH_NONE, SG_OCI_AUTH_BASIC, SG_OCI_AUTH_BEARER };

#define SG_OCI_PARAM_MAX 1024

struct sg_oci_challenge {
	enum sg_oci_auth_scheme scheme;
	char realm[SG_OCI_PARAM_MAX], service[SG_OCI_PARAM_MAX], scope[SG_OCI_PARAM_MAX];
};

/* Parses one header value of len bytes. A value with no Basic or Bearer
 * challenge gives scheme NONE and 0; a malformed value, a parameter
 * longer than SG_OCI_PARAM_MAX - 1 or Bearer without realm give -1. */
int sg_oci_challenge_parse(const char *value, size_t len, struct sg_oci_challenge *c);

#endif
