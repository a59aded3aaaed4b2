/* test_envclaim - environment claims (envclaim.h) on a temporary home
 * with a fixed store and tools directory and an empty $PATH: the store
 * hash recomputed here from its definition, the tools list and its
 * order, the snapshot id from its definition, sign and verify with a
 * table of mutations of the claim file and their exact messages, and
 * the comparison naming the first section that differs. The os and
 * signet sections measure this machine: only their shape is checked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base32.h"
#include "check.h"
#include "crypto.h"
#include "domain.h"
#include "envclaim.h"
#include "err.h"
#include "fileio.h"
#include "json.h"
#include "signed.h"

#define T0 ((time_t)1767225600)

static char home[] = "/tmp/signet-test-envclaim-XXXXXX";
static uint8_t seed[32], seed2[32];
static struct sg_domain d, other;

static void put(const char *rel, const char *text)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", home, rel);
	CHECK(sg_write_file_atomic(p, text, strlen(text), 0644, 0) == 0);
}

static void dir(const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", home, rel);
	CHECK(mkdir(p, 0755) == 0);
}

static const char *hex_of(const char *s)
{
	static char h[2][65];
	static int k;

	k ^= 1;
	sg_sha256_hex(s, strlen(s), h[k]);
	return h[k];
}

static const char *canon(const struct sg_json *j)
{
	static struct sg_buf b;

	sg_buf_free(&b);
	if (!j)
		return "";
	sg_json_canonical(j, &b);
	sg_buf_terminate(&b);
	return (const char *)b.data;
}

/* claim-file mutations: member (of the file, or "claim.x") set to json
 * or removed (NULL), and the message of sg_envclaim_verify ("c: ") */
static const struct {
	const char *path, *json, *msg;
} rows[] = {
	{ NULL, NULL, NULL },
	{ "extra", "1", "c: unknown member \"extra\"" },
	{ "signature", NULL, "c: missing member \"signature\"" },
	{ "claim.store", NULL, "c: missing member \"store\"" },
	{ "claim.extra", "1", "c: unknown member \"extra\"" },
	{ "claim.domain_id", "7", "c: \"domain_id\" is not a string" },
	{ "claim.domain_id", "\"OTHER\"", "c: claim of another domain (OTHER)" },
	{ "claim.created_at", "\"2026-01-01T00:00:01Z\"",
	  "c: Ed25519 signature does not verify (ctx signet/v1/env-claim)" },
	{ "signature.algorithm", "\"ed448\"", "c: algorithm \"ed448\" is not ed25519" },
};

int main(void)
{
	struct sg_json *claim, *again, *file, *store, *tools;
	struct sg_buf text = SG_BUF_INIT, def = SG_BUF_INIT;
	char snap[SG_SNAPSHOT_ID_LEN + 1], snap2[SG_SNAPSHOT_ID_LEN + 1], path[1024], hex[65];
	char want[2048], b32[64];
	uint8_t digest[32];

	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)(0x33 + i);
		seed2[i] = (uint8_t)(0x99 + i);
	}
	if (!mkdtemp(home) || sg_ed25519_public(seed, d.pub) < 0 || sg_domain_id(d.pub, d.id) < 0 ||
	    sg_ed25519_public(seed2, other.pub) < 0 || sg_domain_id(other.pub, other.id) < 0)
		return 1;
	d.home = home;
	if (asprintf(&d.dir, "%s/domains/%s", home, d.id) < 0)
		return 1;
	other.home = home;
	other.dir = d.dir;
	/* the peers are looked for on $PATH: an empty directory */
	snprintf(path, sizeof(path), "%s/bin", home);
	CHECK(mkdir(path, 0755) == 0);
	setenv("PATH", path, 1);

	/* sg_sha256_file_hex */
	put("abc", "abc");
	snprintf(path, sizeof(path), "%s/abc", home);
	CHECK(sg_sha256_file_hex(path, hex) == 0);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	snprintf(path, sizeof(path), "%s/missing", home);
	sg_errclear();
	CHECK(sg_sha256_file_hex(path, hex) < 0);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	CHECK_STR(sg_errmsg(), want);

	/* genesis: no store, no tools: the empty store */
	claim = sg_envclaim_build(&d, T0);
	CHECK(claim != NULL);
	CHECK_STR(canon(sg_json_get(claim, "store")),
		  "{\"bytes\":0,\"files\":0,\"sha256\":"
		  "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}");
	CHECK_STR(canon(sg_json_get(claim, "tools")),
		  "[{\"name\":\"age\",\"path\":null,\"sha256\":null},{\"name\":\"sops\",\"path\":null,\"sha256\":null}]");
	CHECK_STR(sg_json_string(sg_json_get(claim, "created_at"), NULL), "2026-01-01T00:00:00Z");
	CHECK_STR(sg_json_string(sg_json_get(claim, "version"), NULL), "0.1");
	CHECK_STR(sg_json_string(sg_json_get(claim, "domain_id"), NULL), d.id);
	CHECK(sg_json_get(sg_json_get(claim, "os"), "kernel_release") != NULL);
	CHECK(sg_json_get(sg_json_get(claim, "signet"), "libraries") != NULL);
	CHECK(claim && claim->u.object.len == 7);
	sg_json_free(claim);

	/* a store and tools; the store's hash from its definition:
	 * "<rel>\0<hex sha256>\n" per file, depth first, byte order */
	dir("domains");
	CHECK(mkdir(d.dir, 0755) == 0);
	dir("tools");
	snprintf(path, sizeof(path), "domains/%s/store", d.id);
	dir(path);
	snprintf(path, sizeof(path), "domains/%s/store/b", d.id);
	dir(path);
	snprintf(path, sizeof(path), "domains/%s/store/B", d.id);
	put(path, "upper");
	snprintf(path, sizeof(path), "domains/%s/store/a", d.id);
	put(path, "x");
	snprintf(path, sizeof(path), "domains/%s/store/b/c", d.id);
	put(path, "yz");
	snprintf(path, sizeof(path), "domains/%s/store/ba", d.id);
	put(path, "");
	put("tools/zz", "tool z");
	put("tools/mk", "tool m");
	dir("tools/sub");
	sg_buf_printf(&def, "B%c%s\n", 0, hex_of("upper"));
	sg_buf_printf(&def, "a%c%s\n", 0, hex_of("x"));
	sg_buf_printf(&def, "b/c%c%s\n", 0, hex_of("yz"));
	sg_buf_printf(&def, "ba%c%s\n", 0, hex_of(""));
	sg_sha256_hex(def.data, def.len, hex);
	sg_buf_free(&def);
	claim = sg_envclaim_build(&d, T0);
	store = sg_json_get(claim, "store");
	snprintf(want, sizeof(want), "{\"bytes\":8,\"files\":4,\"sha256\":\"%s\"}", hex);
	CHECK_STR(canon(store), want);
	/* HOME/tools' regular files by name, then the peers */
	tools = sg_json_get(claim, "tools");
	snprintf(want, sizeof(want),
		 "[{\"name\":\"mk\",\"path\":\"tools/mk\",\"sha256\":\"%s\"},"
		 "{\"name\":\"zz\",\"path\":\"tools/zz\",\"sha256\":\"%s\"},"
		 "{\"name\":\"age\",\"path\":null,\"sha256\":null},{\"name\":\"sops\",\"path\":null,\"sha256\":null}]",
		 hex_of("tool m"), hex_of("tool z"));
	CHECK_STR(canon(tools), want);

	/* the snapshot id: base32 of SHA-256("signet/v1/env-claim\n" || JCS), 16 characters */
	sg_buf_printf(&def, "signet/v1/env-claim\n%s", canon(claim));
	CHECK(sg_sha256(def.data, def.len, digest) == 0);
	sg_buf_free(&def);
	sg_b32_encode(digest, 32, b32);
	b32[16] = 0;
	CHECK(sg_envclaim_snapshot_id(claim, snap) == 0);
	CHECK_STR(snap, b32);
	CHECK(strlen(snap) == 16 && strspn(snap, "abcdefghijklmnopqrstuvwxyz234567") == 16);
	/* the same environment at the same time: the same claim */
	CHECK(sg_envclaim_file(&d, seed, T0, snap2, &text) == 0);
	CHECK_STR(snap2, snap);
	CHECK(text.len > 0 && text.data[text.len - 1] == '\n');
	again = sg_envclaim_build(&d, T0 + 1);
	CHECK(sg_envclaim_compare(claim, again, "c") == 0);
	CHECK(sg_envclaim_snapshot_id(again, snap2) == 0 && strcmp(snap2, snap) != 0);
	sg_json_free(again);

	/* the claim file's text is the JCS of {"claim", "signature"} and verifies */
	CHECK(sg_json_parse_flags((char *)text.data, text.len - 1, SG_JSON_MODEL, &file) == 0);
	CHECK(strlen(canon(file)) == text.len - 1 && !memcmp(canon(file), text.data, text.len - 1));
	CHECK(sg_envclaim_verify(file, &d, "c") == 0);
	sg_errclear();
	CHECK(sg_envclaim_verify(file, &other, "c") < 0);
	snprintf(want, sizeof(want), "c: claim of another domain (%s)", d.id);
	CHECK_STR(sg_errmsg(), want);
	sg_json_free(file);
	sg_buf_free(&text);

	file = sg_envclaim_sign(claim, seed);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sg_json *f = sg_json_clone(file), *o = f, *v = NULL;
		const char *key = rows[i].path;
		int rc;

		if (key && !strncmp(key, "claim.", 6)) {
			o = sg_json_get(f, "claim");
			key += 6;
		} else if (key && !strncmp(key, "signature.", 10)) {
			o = sg_json_get(f, "signature");
			key += 10;
		}
		if (key && !rows[i].json)
			sg_json_remove(o, key);
		else if (key && sg_json_parse_flags(rows[i].json, strlen(rows[i].json),
						    SG_JSON_MODEL, &v) == 0)
			sg_json_set(o, key, v);
		sg_errclear();
		rc = sg_envclaim_verify(f, &d, "c");
		if (rows[i].msg) {
			CHECK(rc < 0);
			CHECK_STR(sg_errmsg(), rows[i].msg);
			if (strcmp(sg_errmsg(), rows[i].msg))
				fprintf(stderr, "row %zu: got \"%s\"\n", i, sg_errmsg());
		} else {
			CHECK(rc == 0);
		}
		sg_json_free(f);
	}
	/* signed by another key */
	sg_json_free(file);
	file = sg_envclaim_sign(claim, seed2);
	sg_errclear();
	CHECK(sg_envclaim_verify(file, &d, "c") < 0);
	CHECK_STR(sg_errmsg(), "c: Ed25519 signature does not verify (ctx signet/v1/env-claim)");
	sg_json_free(file);

	/* the comparison: the first section that differs, in the order os, signet, tools, store */
	{
		static const char *const order[] = { "os", "signet", "tools", "store" };

		for (int i = 3; i >= 0; i--) {
			again = sg_json_clone(claim);
			for (int k = i; k < 4; k++)
				sg_json_set(again, order[k], sg_json_new_string("changed"));
			sg_errclear();
			CHECK(sg_envclaim_compare(claim, again, "c") < 0);
			snprintf(want, sizeof(want),
				 "c: the environment's %s differs from the claim", order[i]);
			CHECK_STR(sg_errmsg(), want);
			sg_json_free(again);
		}
		/* created_at is not compared */
		again = sg_json_clone(claim);
		sg_json_set(again, "created_at", sg_json_new_string("2030-01-01T00:00:00Z"));
		CHECK(sg_envclaim_compare(claim, again, "c") == 0);
		sg_json_free(again);
		/* a store grown by a byte */
		snprintf(path, sizeof(path), "domains/%s/store/a", d.id);
		put(path, "xx");
		again = sg_envclaim_build(&d, T0);
		sg_errclear();
		CHECK(sg_envclaim_compare(claim, again, "c") < 0);
		CHECK_STR(sg_errmsg(), "c: the environment's store differs from the claim");
		sg_json_free(again);
	}
	sg_json_free(claim);

	/* anything but files and directories in the store is refused */
	snprintf(path, sizeof(path), "%s/domains/%s/store/link", home, d.id);
	CHECK(symlink("a", path) == 0);
	sg_errclear();
	CHECK(sg_envclaim_build(&d, T0) == NULL);
	snprintf(want, sizeof(want), "%s: neither a file nor a directory in the store", path);
	CHECK_STR(sg_errmsg(), want);

	sg_remove_tree(home);
	free(d.dir);
	canon(NULL);
	return check_done();
}
