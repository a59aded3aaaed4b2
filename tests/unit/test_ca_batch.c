/* ca.h: sg_ca_issue_batch, table-driven on one CA (Ed25519, no
 * intermediate, permitting example.org) in a temporary directory. Each
 * batch is issued whole or refused with its exact message, and a
 * refused one leaves the directory as it was: the index as long as
 * before and none of its leaf directories made. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca.h"
#include "check.h"
#include "err.h"

#define MAXE 4

enum { OPEN_WRITE, OPEN_READ, OPEN_NO_KEY };

static const struct {
	const char *entries[MAXE]; /* each one name or two, comma-separated */
	int open;
	const char *msg; /* NULL: issued; else @ stands for the CA directory */
	size_t index;	 /* the index's length after */
} cases[] = {
	{ { "a.example.org", "b.example.org,evil.com" },
	  OPEN_WRITE,
	  "b: entry 2: DNS name 'evil.com' is outside the CA's name constraints (/CN=B root "
	  "permits example.org)",
	  0 },
	{ { "a.example.org", "b.example.org", "a.example.org,www.example.org" },
	  OPEN_WRITE,
	  "b: entries 1 and 3 both start with 'a.example.org'",
	  0 },
	{ { "a.example.org", "a.example.org" },
	  OPEN_WRITE,
	  "b: entries 1 and 2 both start with 'a.example.org'",
	  0 },
	{ { "a.example.org" }, OPEN_NO_KEY, "@: CA key not loaded (entry 1; nothing issued)", 0 },
	{ { "a.example.org" },
	  OPEN_READ,
	  "@: the CA was opened for reading (entry 1; nothing issued)",
	  0 },
	{ { "a.example.org", "*.b.example.org,b.example.org" }, OPEN_WRITE, NULL, 2 },
	{ { "c.example.org", "a.example.org" },
	  OPEN_WRITE,
	  "b: entry 2: @/a.example.org: already exists, not overwriting (use 'signet ca renew "
	  "a.example.org')",
	  2 },
	{ { "c.example.org" }, OPEN_WRITE, NULL, 3 },
};

static char dir[64];

static int exists(const char *rel)
{
	char path[sizeof(dir) + 600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

/* The leaf directory of an entry: its first name, '*' as '_'. */
static void leaf_of(const char *entry, char *out)
{
	size_t i;

	for (i = 0; entry[i] && entry[i] != ','; i++)
		out[i] = entry[i] == '*' ? '_' : entry[i];
	out[i] = '\0';
}

/* msg with each '@' replaced by the CA directory. */
static void expand(const char *msg, char *out, size_t cap)
{
	size_t n = 0;

	for (; *msg && n + sizeof(dir) < cap; msg++)
		if (*msg == '@')
			n += (size_t)snprintf(out + n, cap - n, "%s", dir);
		else
			out[n++] = *msg;
	out[n] = '\0';
}

static size_t index_len(void)
{
	struct sg_ca *ca = sg_ca_open(dir, SG_CA_READ);
	size_t n = ca ? sg_ca_index(ca)->n : (size_t)-1;

	sg_ca_close(ca);
	return n;
}

static void run(size_t c)
{
	struct sg_name names[MAXE][2];
	struct sg_ca_request reqs[MAXE];
	char want[512], leaf[MAXE][128];
	int had[MAXE];
	size_t n = 0;
	struct sg_ca *ca = sg_ca_open(dir, cases[c].open == OPEN_READ ? SG_CA_READ : SG_CA_WRITE);

	CHECK(ca != NULL);
	if (!ca)
		return;
	if (cases[c].open != OPEN_NO_KEY)
		CHECK(sg_ca_load_key(ca, NULL) == 0);
	for (; n < MAXE && cases[c].entries[n]; n++) {
		char copy[256], *comma;
		snprintf(copy, sizeof(copy), "%s", cases[c].entries[n]);
		reqs[n] = (struct sg_ca_request){ .names = names[n], .n = 1, .alg = SG_CA_ED25519 };
		if ((comma = strchr(copy, ','))) {
			*comma = '\0';
			CHECK(sg_name_parse_any(comma + 1, &names[n][1]) == 0);
			reqs[n].n = 2;
		}
		CHECK(sg_name_parse_any(copy, &names[n][0]) == 0);
		leaf_of(cases[c].entries[n], leaf[n]);
		had[n] = exists(leaf[n]);
	}
	sg_errclear();
	if (!cases[c].msg) {
		CHECK(sg_ca_issue_batch(ca, reqs, n, "b") == 0);
	} else {
		CHECK(sg_ca_issue_batch(ca, reqs, n, "b") == -1);
		expand(cases[c].msg, want, sizeof(want));
		CHECK_STR(sg_errmsg(), want);
		if (strcmp(sg_errmsg(), want))
			fprintf(stderr, "  case %zu: got '%s'\n", c, sg_errmsg());
	}
	sg_ca_close(ca);
	for (size_t i = 0; i < n; i++)
		CHECK(exists(leaf[i]) == (cases[c].msg ? had[i] : 1));
	CHECK(index_len() == cases[c].index);
}

/* The CA every case issues from: example.org and below only. */
static const char *const permit[] = { "example.org" };
static const struct sg_ca_init_opts init = {
	.dir = dir, .name = "B root", .alg = SG_CA_ED25519, .permit_dns = permit, .n_permit_dns = 1
};

int main(void)
{
	strcpy(dir, "/tmp/test_ca_batch.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	CHECK(sg_ca_init(&init) == 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		run(c);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	return check_done();
}
