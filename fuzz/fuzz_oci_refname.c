/* The two texts a registry client parses by hand (refname.h): image
 * references and WWW-Authenticate challenges. The first byte picks the
 * parser. A reference that is accepted has every part within its rule
 * (host and name non-empty, tag valid or empty, digest sha256 with 64
 * lowercase hex digits or empty) and reads back the same from its
 * parts; a challenge's kept strings are printable ASCII and Bearer has
 * a realm. A refusal is one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "refname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable_or_abort(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			abort();
}

static void fuzz_ref(const char *text)
{
	struct sg_oci_ref r, again;
	char joined[2048];

	if (sg_oci_ref_parse(text, &r) < 0) {
		if (strchr(sg_errmsg(), '\n') || strncmp(sg_errmsg(), "reference", 9) != 0)
			abort();
		return;
	}
	if (!r.host[0] || !r.name[0] || (r.tag[0] && !sg_oci_tag_valid(r.tag)))
		abort();
	if (r.digest[0] &&
	    (strlen(r.digest) != SG_OCI_DIGEST_LEN || strncmp(r.digest, "sha256:", 7) != 0 ||
	     strspn(r.digest + 7, "0123456789abcdef") != 64))
		abort();
	snprintf(joined, sizeof(joined), "%s/%s%s%s%s%s", r.host, r.name, r.tag[0] ? ":" : "",
		 r.tag, r.digest[0] ? "@" : "", r.digest);
	if (strcmp(joined, text) != 0 || sg_oci_ref_parse(joined, &again) < 0 ||
	    memcmp(&r, &again, sizeof(r)) != 0)
		abort();
}

static void fuzz_challenge(const char *v, size_t len)
{
	struct sg_oci_challenge c;

	if (sg_oci_challenge_parse(v, len, &c) < 0) {
		if (strchr(sg_errmsg(), '\n') || strncmp(sg_errmsg(), "WWW-Authenticate: ", 18) != 0)
			abort();
		return;
	}
	if (c.scheme != SG_OCI_AUTH_NONE && c.scheme != SG_OCI_AUTH_BASIC &&
	    c.scheme != SG_OCI_AUTH_BEARER)
		abort();
	if (c.scheme == SG_OCI_AUTH_BEARER && !c.realm[0])
		abort();
	printable_or_abort(c.realm);
	printable_or_abort(c.service);
	printable_or_abort(c.scope);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > 4096)
		return 0;
	/* a NUL-terminated copy; the challenge parser gets the length and
	 * must not read beyond it */
	if (!(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1) {
		fuzz_challenge(text, size - 1);
	} else if (!memchr(data + 1, '\0', size - 1)) {
		fuzz_ref(text);
	}
	free(text);
	return 0;
}
