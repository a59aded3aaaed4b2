/* dnskeys.h: algorithm names, key file names (BIND's, the tag zero-
 * padded) with the cap exactly fitting and one short, and a generated
 * key through a transaction: both files staged (0600 / 0644), nothing
 * on disk before the commit, never overwritten; the private and public
 * halves load back with the same tag, REVOKE set for a revoked key (its
 * published tag differs), and a file under the wrong tag is refused.
 * Keys come from ldns' generator (no seed parameter), so they are
 * checked by relation, not by value. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dnsconf.h"
#include "dnskeys.h"
#include "err.h"
#include "txn.h"

static const struct {
	const char *name;
	int alg;
} algs[] = {
	{ "ecdsap256", 13 }, { "ecdsap256sha256", 13 }, { "13", 13 }, { "ed25519", 15 },
	{ "15", 15 },	     { "ED25519", -1 },		{ "8", -1 },  { "", -1 },
	{ "ecdsap384", -1 }, { "ed448", -1 },
};

int main(void)
{
	char dir[64], out[64], path[512], msg[600];
	struct sg_dns_key k = { .zone = "example.org.", .alg = 13, .flags = 257, .tag = 42 };
	struct sg_dnsconf c = { 0 };
	struct sg_txn t = { .lock = -1 };
	struct sg_dns_key g;
	struct stat st;

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		CHECK(sg_dns_alg_from_name(algs[i].name) == algs[i].alg);

	/* "keys/Kexample.org.+013+00042.key" is 32 bytes: cap 33 holds it. */
	CHECK(sg_dnskey_rel(&k, "key", out, 33) == 0);
	CHECK_STR(out, "keys/Kexample.org.+013+00042.key");
	sg_errclear();
	CHECK(sg_dnskey_rel(&k, "key", out, 32) == -1);
	CHECK_STR(sg_errmsg(), "key file name for zone 'example.org....' too long");
	CHECK(sg_dnskey_path("/d", &k, "private", out, 40) == 0);
	CHECK_STR(out, "/d/keys/Kexample.org.+013+00042.private");
	sg_errclear();
	CHECK(sg_dnskey_path("/d", &k, "private", out, 39) == -1);
	k.tag = 65535;
	k.alg = 15;
	CHECK(sg_dnskey_rel(&k, "private", out, sizeof(out)) == 0);
	CHECK_STR(out, "keys/Kexample.org.+015+65535.private");

	strcpy(dir, "/tmp/test_dnskeys.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	CHECK(sg_txn_begin(&t, dir) == 0);
	CHECK(sg_dnskey_generate(&t, &c, "example.org.", 13, SG_DNS_KSK, &g) == 0);
	CHECK(g.alg == 13 && g.flags == SG_DNS_KSK && g.state == SG_DNS_KEY_ACTIVE);
	CHECK(sg_dnskey_path(dir, &g, "key", path, sizeof(path)) == 0);
	CHECK(access(path, F_OK) == -1); /* staged only */
	CHECK(sg_txn_commit(&t) == 0);
	sg_txn_end(&t);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(sg_dnskey_path(dir, &g, "private", path, sizeof(path)) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

	{
		ldns_key *priv = sg_dnskey_load_private(dir, &g, NULL);
		ldns_rr *pub = sg_dnskey_load_public(NULL, dir, &g);
		unsigned tag = 0;

		CHECK(priv && ldns_key_keytag(priv) == g.tag && ldns_key_flags(priv) == 257);
		CHECK(pub && ldns_calc_keytag(pub) == g.tag);
		CHECK(sg_dnskey_published_tag(dir, &g, &tag) == 0 && tag == g.tag);
		ldns_key_deep_free(priv);
		ldns_rr_free(pub);

		/* Revoked: flags 385 and the tag moves (by 128 for these). */
		g.state = SG_DNS_KEY_REVOKED;
		priv = sg_dnskey_load_private(dir, &g, NULL);
		pub = sg_dnskey_load_public(NULL, dir, &g);
		CHECK(priv && ldns_key_flags(priv) == 385 && ldns_key_keytag(priv) != g.tag);
		CHECK(pub && ldns_rdf2native_int16(ldns_rr_dnskey_flags(pub)) == 385);
		CHECK(sg_dnskey_published_tag(dir, &g, &tag) == 0 && tag != g.tag);
		CHECK(priv && tag == ldns_key_keytag(priv));
		ldns_key_deep_free(priv);
		ldns_rr_free(pub);
		g.state = SG_DNS_KEY_ACTIVE;
	}

	/* A second key never takes the first one's tag; the same files are
	 * never staged over: make a conf naming the key, and a key struct
	 * whose files exist. */
	{
		struct sg_dns_key other = g;
		char kp[512], op[512], cmd[1200];

		other.tag = (g.tag + 1) & 0xffff;
		CHECK(sg_dnskey_path(dir, &g, "private", kp, sizeof(kp)) == 0);
		CHECK(sg_dnskey_path(dir, &other, "private", op, sizeof(op)) == 0);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", kp, op);
		CHECK(system(cmd) == 0);
		sg_errclear();
		{
			ldns_key *wrong = sg_dnskey_load_private(dir, &other, NULL);
			CHECK(wrong == NULL);
			if (wrong)
				ldns_key_deep_free(wrong);
		}
		snprintf(msg, sizeof(msg), "%s: key does not match its name (tag %u, algorithm 13)",
			 op, other.tag);
		CHECK_STR(sg_errmsg(), msg);
		sg_errclear();
		CHECK(sg_dnskey_load_public(NULL, dir, &other) == NULL);
		CHECK(sg_dnskey_path(dir, &other, "key", op, sizeof(op)) == 0);
		snprintf(msg, sizeof(msg), "%s: missing key", op);
		CHECK_STR(sg_errmsg(), msg);
		other.flags = SG_DNS_ZSK;
		other.tag = g.tag;
		sg_errclear();
		CHECK(sg_dnskey_load_public(NULL, dir, &other) == NULL);
		CHECK(sg_dnskey_path(dir, &other, "key", op, sizeof(op)) == 0);
		snprintf(msg, sizeof(msg), "%s: not the DNSKEY of key %u (flags 256, algorithm 13)",
			 op, g.tag);
		CHECK_STR(sg_errmsg(), msg);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	return check_done();
}
