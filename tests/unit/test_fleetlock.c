/* test_fleetlock.c - the build's outside inputs (fleetlock.h): the
 * streaming SHA-256 against sha256sum's digest of the same bytes, one
 * row per way an inputs directory can differ from the sample's lock
 * (with the exact line), and the lock written from a directory read
 * back by fleetdoc with the sources kept. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "fileio.h"
#include "fleet_sample.h"
#include "fleetlock.h"

static char tmp[] = "/tmp/test_fleetlock.XXXXXX";

static void put(const char *rel, const char *data)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	CHECK(sg_write_file_atomic(p, data, strlen(data), 0644, 0) == 0);
}

static void check_hash(void)
{
	char p[600];
	uint8_t d[32], want[32];
	uint64_t size;

	put("abc", "abc");
	snprintf(p, sizeof(p), "%s/abc", tmp);
	check_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want);
	CHECK(sg_fleet_file_sha256(p, d, &size) == 0 && size == 3 && memcmp(d, want, 32) == 0);
	snprintf(p, sizeof(p), "%s/none", tmp);
	CHECK(sg_fleet_file_sha256(p, d, &size) == -1);
}

static void check_inputs(void)
{
	static const struct {
		const char *kernel, *rootfs; /* NULL: the file is absent */
		const char *want;	     /* NULL: they match */
	} rows[] = {
		{ "kernel\n", "rootfs\n", NULL },
		{ "kernel\n", NULL, "fleet.lock:7: input 'rootfs/debian': " },
		{ "kernel!", "rootfs\n",
		  "fleet.lock:3: input 'kernel': " /* same size, other bytes */ },
		{ "kernel", "rootfs\n", "fleet.lock:3: input 'kernel': " },
	};
	struct sg_buf diag = SG_BUF_INIT;
	struct sg_fleet f;
	char dir[600], p[700];

	CHECK(parse_edited(NULL, NULL, NULL, &f, &diag) == 0);
	snprintf(dir, sizeof(dir), "%s/in", tmp);
	CHECK(sg_fleet_inputs_check(&f, NULL, &diag) == -1 &&
	      strstr(sg_errmsg(), "fleet.lock:3: input 'kernel': no inputs directory given"));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (access(dir, F_OK) == 0)
			sg_remove_tree(dir);
		CHECK(mkdir(dir, 0755) == 0);
		snprintf(p, sizeof(p), "%s/rootfs", dir);
		CHECK(mkdir(p, 0755) == 0);
		if (rows[i].kernel)
			put("in/kernel", rows[i].kernel);
		if (rows[i].rootfs)
			put("in/rootfs/debian", rows[i].rootfs);
		diag.len = 0;
		if (!rows[i].want) {
			CHECK(sg_fleet_inputs_check(&f, dir, &diag) == 0 && diag.len == 0);
			continue;
		}
		CHECK(sg_fleet_inputs_check(&f, dir, &diag) == -1);
		CHECK(diag.len &&
		      strncmp((const char *)diag.data, rows[i].want, strlen(rows[i].want)) == 0);
		CHECK(strncmp(sg_errmsg(), rows[i].want, strlen(rows[i].want)) == 0);
	}
	sg_fleet_free(&f);
	sg_buf_free(&diag);
}

static void check_write(void)
{
	struct sg_buf diag = SG_BUF_INIT, text = SG_BUF_INIT;
	const char *names[] = { "fleet.lock" }, *docs[1];
	size_t lens[1], n = 0;
	struct sg_fleet f, back;
	char dir[600], repo[600], p[700];

	CHECK(parse_edited(NULL, NULL, NULL, &f, &diag) == 0);
	snprintf(dir, sizeof(dir), "%s/in", tmp); /* as check_inputs left it: kernel, rootfs/debian */
	snprintf(repo, sizeof(repo), "%s/repo", tmp);
	CHECK(mkdir(repo, 0755) == 0);
	put("in/kernel", "kernel\n");
	put("in/zz-extra", "x");
	CHECK(sg_fleet_lock_write(&f, repo, dir, &n) == 0 && n == 3);
	snprintf(p, sizeof(p), "%s/fleet.lock", repo);
	CHECK(sg_read_file(p, &text, 1 << 20) == 0);
	docs[0] = (const char *)text.data;
	lens[0] = text.len;
	/* read back alone: only "missing fleet.yaml" may be said */
	diag.len = 0;
	CHECK(sg_fleet_parse(names, docs, lens, 1, &back, &diag) == -1);
	CHECK(strncmp((const char *)diag.data, "fleet.yaml:0: missing", 21) == 0);
	CHECK(back.ninputs == 3 && strcmp(back.inputs[2].name, "zz-extra") == 0);
	CHECK(sg_fleet_input(&back, "kernel")->source &&
	      strcmp(sg_fleet_input(&back, "kernel")->source, "linux-image-6.1.0-28-amd64") == 0);
	CHECK(memcmp(sg_fleet_input(&back, "kernel")->sha256, sg_fleet_input(&f, "kernel")->sha256,
		     32) == 0);
	/* a file whose name is not an input name is refused, the lock kept */
	put("in/Bad", "x");
	CHECK(sg_fleet_lock_write(&f, repo, dir, &n) == -1 &&
	      strstr(sg_errmsg(), "/Bad: not an input name"));
	sg_buf_free(&text);
	CHECK(sg_read_file(p, &text, 1 << 20) == 0 && text.len == lens[0]);
	sg_fleet_free(&back);
	sg_fleet_free(&f);
	sg_buf_free(&diag);
	sg_buf_free(&text);
}

int main(void)
{
	CHECK(mkdtemp(tmp) != NULL);
	check_hash();
	check_inputs();
	check_write();
	sg_remove_tree(tmp);
	return check_done();
}
