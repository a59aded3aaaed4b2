/* test_refname.c - image references and WWW-Authenticate challenges
 * (refname.h): the forms the distribution spec and Docker's reference
 * grammar accept, each part split out; each rule broken once; Bearer
 * and Basic challenges as docker-registry, Docker Hub and GHCR send them,
 * quoted strings with escapes, several challenges in one value, and the
 * malformed ones. */
#include <string.h>

#include "check.h"
#include "err.h"
#include "refname.h"

static void ref_ok(const char *text, const char *host, const char *name, const char *tag,
		   const char *digest)
{
	struct sg_oci_ref r;
	int rc = sg_oci_ref_parse(text, &r);

	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "  %s: %s\n", text, sg_errmsg());
		return;
	}
	CHECK_STR(r.host, host);
	CHECK_STR(r.name, name);
	CHECK_STR(r.tag, tag);
	CHECK_STR(r.digest, digest);
}

static void ref_bad(const char *text, const char *msg_part)
{
	struct sg_oci_ref r;

	CHECK(sg_oci_ref_parse(text, &r) < 0);
	CHECK(strstr(sg_errmsg(), msg_part) != NULL);
	if (!strstr(sg_errmsg(), msg_part))
		fprintf(stderr, "  %s: %s\n", text, sg_errmsg());
	CHECK(strchr(sg_errmsg(), '\n') == NULL);
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_refs(void)
{
	char long_tag[200], long_name[300];

	ref_ok("127.0.0.1:5000/fleet/base:v1", "127.0.0.1:5000", "fleet/base", "v1", "");
	ref_ok("registry.example/base", "registry.example", "base", "", "");
	ref_ok("localhost/a/b/c:latest", "localhost", "a/b/c", "latest", "");
	ref_ok("h.example:443/fleet/base@sha256:" D64, "h.example:443", "fleet/base", "",
	       "sha256:" D64);
	ref_ok("h.example/fleet/base:v1.2_rc-3@sha256:" D64, "h.example", "fleet/base", "v1.2_rc-3",
	       "sha256:" D64);
	ref_ok("h/a.b_c__d--e/f", "h", "a.b_c__d--e/f", "", "");
	ref_ok("[::1]:5000/x:_t", "[::1]:5000", "x", "_t", "");
	ref_ok("My-Host.Example/x:T", "My-Host.Example", "x", "T", "");
	ref_ok("h:65535/x", "h:65535", "x", "", "");

	ref_bad("nohost", "not HOST");
	ref_bad("", "not HOST");
	ref_bad("/x", "is not a host");
	ref_bad("h:/x", "is not a host");
	ref_bad("h:0/x", "is not a host");
	ref_bad("h:05000/x", "is not a host");
	ref_bad("h:65536/x", "is not a host");
	ref_bad("h:123456/x", "is not a host");
	ref_bad("-h/x", "is not a host");
	ref_bad("h-/x", "is not a host");
	ref_bad("a..b/x", "is not a host");
	ref_bad("h_x/x", "is not a host");
	ref_bad("[]/x", "is not a host");
	ref_bad("[g::1]/x", "is not a host");
	ref_bad("h/", "name");
	ref_bad("h/X", "name");
	ref_bad("h/a//b", "name");
	ref_bad("h/a/", "name");
	ref_bad("h/.a", "name");
	ref_bad("h/a.", "name");
	ref_bad("h/a..b", "name");
	ref_bad("h/a___b", "name");
	ref_bad("h/a:", "tag");
	ref_bad("h/a:-x", "tag");
	ref_bad("h/a:.x", "tag");
	ref_bad("h/a:x/y", "tag");
	ref_bad("h/a:x:y", "tag");
	ref_bad("h/a@sha256:" D64 "0", "digest");
	ref_bad("h/a@sha256:"
		"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		"digest");
	ref_bad("h/a@sha512:" D64, "digest");
	ref_bad("h/a@", "digest");
	ref_bad("h/a b", "printable");
	ref_bad("h/a\x7f", "printable");
	ref_bad("h/a\xc3\xa9", "printable");
	memset(long_tag, 'a', sizeof(long_tag));
	memcpy(long_tag, "h/a:", 4);
	long_tag[4 + 129] = '\0';
	ref_bad(long_tag, "tag longer");
	long_tag[4 + 128] = '\0';
	CHECK(sg_oci_tag_valid(long_tag + 4));
	memset(long_name, 'a', sizeof(long_name));
	memcpy(long_name, "h/", 2);
	long_name[2 + 256] = '\0';
	ref_bad(long_name, "name");
	long_name[2 + 255] = '\0';
	ref_ok(long_name, "h", long_name + 2, "", "");
}

static void chal_ok(const char *v, enum sg_oci_auth_scheme scheme, const char *realm,
		    const char *service, const char *scope)
{
	struct sg_oci_challenge c;
	int rc = sg_oci_challenge_parse(v, strlen(v), &c);

	CHECK(rc == 0);
	if (rc < 0) {
		fprintf(stderr, "  %s: %s\n", v, sg_errmsg());
		return;
	}
	CHECK(c.scheme == scheme);
	CHECK_STR(c.realm, realm);
	CHECK_STR(c.service, service);
	CHECK_STR(c.scope, scope);
}

static void chal_bad(const char *v)
{
	struct sg_oci_challenge c;

	CHECK(sg_oci_challenge_parse(v, strlen(v), &c) < 0);
	CHECK(strncmp(sg_errmsg(), "WWW-Authenticate: ", 18) == 0);
}

static void test_challenges(void)
{
	char big[SG_OCI_PARAM_MAX + 64];

	chal_ok("Basic realm=\"Registry Realm\"", SG_OCI_AUTH_BASIC, "", "", "");
	chal_ok("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		"scope=\"repository:library/debian:pull\"",
		SG_OCI_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io",
		"repository:library/debian:pull");
	chal_ok("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:"
		"a/b:pull,push\"",
		SG_OCI_AUTH_BEARER, "https://ghcr.io/token", "ghcr.io", "repository:a/b:pull,push");
	chal_ok("bearer  REALM = \"http://x/t\" , Service=svc", SG_OCI_AUTH_BEARER, "http://x/t",
		"svc", "");
	chal_ok("Bearer realm=\"a\\\"b\\\\c\"", SG_OCI_AUTH_BEARER, "a\"b\\c", "", "");
	chal_ok("Newauth realm=\"apps\", type=1, title=\"Login\", Basic realm=\"simple\"",
		SG_OCI_AUTH_BASIC, "", "", "");
	chal_ok("Basic realm=\"x\", Bearer realm=\"y\"", SG_OCI_AUTH_BASIC, "", "", "");
	chal_ok("Negotiate", SG_OCI_AUTH_NONE, "", "", "");
	chal_ok("", SG_OCI_AUTH_NONE, "", "", "");
	chal_ok("Bearer realm=\"r\",,, scope=s", SG_OCI_AUTH_BEARER, "r", "", "s");

	chal_bad("Bearer");
	chal_bad("Bearer service=\"x\"");
	chal_bad("realm=\"x\"");
	chal_bad("Bearer realm=\"x");
	chal_bad("Bearer realm=\"x\\");
	chal_bad("Bearer realm=");
	chal_bad("Bearer realm=\"x\" y=\"z\"");
	chal_bad("Bearer realm=\"a\x01\"");
	chal_bad("Basic abc==");
	chal_bad("Bearer realm=\"x\"; foo");
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=", 13);
	big[sizeof(big) - 1] = '\0';
	chal_bad(big);
}

int main(void)
{
	test_refs();
	test_challenges();
	return check_done();
}
