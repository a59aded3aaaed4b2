/* test_esp.c - the ESP builder's pure parts: the slot directory rules,
 * the size and label rules with their messages (a refusal runs no tool
 * and leaves no file), and the mtools commands it runs, in order, with
 * their pinned environment: recorded by stand-in mformat/mmd/mcopy
 * scripts on PATH (the real tools run in tests/suites/esp.sh). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "esp.h"
#include "fileio.h"

static char dir[] = "/tmp/signet-test-esp-XXXXXX";

static char *at(const char *rel)
{
	static char path[8][1024];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, rel);
	return path[i];
}

static void put(const char *rel, const char *s)
{
	FILE *f = fopen(at(rel), "w");

	CHECK(f != NULL);
	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static char *slurp(const char *rel)
{
	struct sg_buf b = SG_BUF_INIT;

	if (sg_read_file(at(rel), &b, 1 << 20) < 0 || sg_buf_terminate(&b) < 0) {
		sg_buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

/* Slot directories: what each holds ('f' file, 'd' directory, 'l' a
 * symlink to a file, 'x' one to nothing) and the message it gets ("D" stands for it). */
static const struct {
	const char *entries[7];
	const char *msg; /* NULL: accepted */
} slots[] = {
	{ { NULL }, "slot directory D: sidecar.sqfs: No such file or directory" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash" }, NULL },
	{ { "fuki.efi", "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash",
	    "fsidecar.roothash.p7s" },
	  NULL },
	{ { "fuki.efi", "fsidecar.verity", "fsidecar.roothash" },
	  "slot directory D: sidecar.sqfs: No such file or directory" },
	{ { "fsidecar.sqfs", "fsidecar.roothash" },
	  "slot directory D: sidecar.verity: No such file or directory" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash.p7s" },
	  "slot directory D: sidecar.roothash: No such file or directory" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash", "fextra" },
	  "slot directory D: unexpected file 'extra' (a slot holds uki.efi, sidecar.sqfs,"
	  " sidecar.verity, sidecar.roothash[.p7s])" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash", "fUKI.EFI" },
	  "slot directory D: unexpected file 'UKI.EFI' (a slot holds uki.efi, sidecar.sqfs,"
	  " sidecar.verity, sidecar.roothash[.p7s])" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash", "d.hidden" },
	  "slot directory D: unexpected file '.hidden' (a slot holds uki.efi, sidecar.sqfs,"
	  " sidecar.verity, sidecar.roothash[.p7s])" },
	{ { "fsidecar.sqfs", "dsidecar.verity", "fsidecar.roothash" },
	  "slot directory D: sidecar.verity is not a regular file" },
	{ { "duki.efi", "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash" },
	  "slot directory D: uki.efi is not a regular file" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash", "dsidecar.roothash.p7s" },
	  "slot directory D: sidecar.roothash.p7s is not a regular file" },
	{ { "lsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash" }, NULL },
	{ { "xuki.efi", "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash" },
	  "slot directory D: uki.efi is a symbolic link to nothing" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "xsidecar.roothash" },
	  "slot directory D: sidecar.roothash is a symbolic link to nothing" },
	{ { "fsidecar.sqfs", "fsidecar.verity", "fsidecar.roothash",
	    "f0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789" },
	  "slot directory D: unexpected file '012345678901234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890123456789' (a slot holds uki.efi,"
	  " sidecar.sqfs, sidecar.verity, sidecar.roothash[.p7s])" },
};

/* msg with "D" replaced by d. */
static void expand(char *out, size_t n, const char *msg, const char *d)
{
	const char *p = strstr(msg, " D:");

	snprintf(out, n, "%.*s %s%s", (int)(p - msg), msg, d, p + 2);
}

static void test_slot_dirs(void)
{
	char want[512], sub[64];

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		int rc, ok;

		snprintf(sub, sizeof(sub), "s%zu", i);
		CHECK(mkdir(at(sub), 0700) == 0);
		for (const char *const *e = slots[i].entries; *e; e++) {
			char rel[256];

			snprintf(rel, sizeof(rel), "%s/%s", sub, *e + 1);
			if (**e == 'f')
				put(rel, "x");
			else if (**e == 'd')
				CHECK(mkdir(at(rel), 0700) == 0);
			else if (**e == 'l')
				CHECK(symlink("../boot.efi", at(rel)) == 0);
			else
				CHECK(symlink("no-such-file", at(rel)) == 0);
		}
		sg_errclear();
		rc = sg_esp_check_slot_dir(at(sub));
		if (slots[i].msg) {
			expand(want, sizeof(want), slots[i].msg, at(sub));
			ok = rc == -1 && strcmp(sg_errmsg(), want) == 0;
		} else {
			ok = rc == 0;
		}
		if (!ok)
			fprintf(stderr, "slot case %zu: %d %s\n", i, rc, sg_errmsg());
		CHECK(ok);
	}
	sg_errclear();
	CHECK(sg_esp_check_slot_dir(at("none")) == -1);
	snprintf(want, sizeof(want), "slot directory %s: No such file or directory", at("none"));
	CHECK_STR(sg_errmsg(), want);
	sg_errclear();
	CHECK(sg_esp_check_slot_dir(at("boot.efi")) == -1);
	snprintf(want, sizeof(want), "slot directory %s: Not a directory", at("boot.efi"));
	CHECK_STR(sg_errmsg(), want);
}

/* Option sets sg_esp_build refuses before running anything; s1 is a good
 * slot, s6 one with an extra file. */
static const struct {
	uint32_t size_mib;
	const char *label;
	const char *boot, *a, *b; /* relative to dir */
	const char *msg;	  /* NULL: built; "D" stands for dir */
} opts[] = {
	{ 7, "ESP", NULL, NULL, NULL, "ESP size 7 MiB: must be 8 to 4096 MiB" },
	{ 0, "ESP", NULL, NULL, NULL, "ESP size 0 MiB: must be 8 to 4096 MiB" },
	{ 4097, "ESP", NULL, NULL, NULL, "ESP size 4097 MiB: must be 8 to 4096 MiB" },
	{ 8, "ESP", NULL, NULL, NULL, NULL },
	{ 4096, "ESP", NULL, NULL, NULL, NULL },
	{ 64, "", NULL, NULL, NULL, "ESP label '': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "ABCDEFGHIJKL", NULL, NULL, NULL,
	  "ESP label 'ABCDEFGHIJKL': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "ABCDEFGHIJK", NULL, NULL, NULL, NULL },
	{ 64, "Z", NULL, NULL, NULL, NULL },
	{ 64, "A_-09", NULL, NULL, NULL, NULL },
	{ 64, "esp", NULL, NULL, NULL, "ESP label 'esp': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "A B", NULL, NULL, NULL, "ESP label 'A B': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "A.B", NULL, NULL, NULL, "ESP label 'A.B': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "A@", NULL, NULL, NULL, "ESP label 'A@': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "0123456789012345678901234567890123456789XYZ", NULL, NULL, NULL,
	  "ESP label '0123456789012345678901234567890123456789': 1 to 11 of A-Z, 0-9, '_', '-'" },
	{ 64, "ESP", "nothing.efi", NULL, NULL, "D/nothing.efi: not a regular file" },
	{ 64, "ESP", "s1", NULL, NULL, "D/s1: not a regular file" },
	{ 64, "ESP", NULL, "s6", NULL,
	  "slot directory D/s6: unexpected file 'extra' (a slot holds"
	  " uki.efi, sidecar.sqfs, sidecar.verity, sidecar.roothash[.p7s])" },
	{ 64, "ESP", NULL, "s1", "s0",
	  "slot directory D/s0: sidecar.sqfs: No such file or directory" },
	{ 64, "ESP", "boot.efi", "s1", "s2", NULL },
};

static const char *rel_or_null(const char *rel)
{
	return rel ? at(rel) : NULL;
}

static void test_options(void)
{
	struct sg_esp_opts o;
	char want[512], got[512];

	sg_esp_opts_init(&o);
	CHECK(o.size_mib == 64 && o.serial == 0x5349474e && !strcmp(o.label, "ESP"));
	CHECK(!o.out && !o.boot && !o.slot_dir[0] && !o.slot_dir[1]);

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		char *log;
		int rc, ok;

		sg_esp_opts_init(&o);
		o.out = at("esp.img");
		o.size_mib = opts[i].size_mib;
		o.label = opts[i].label;
		o.boot = rel_or_null(opts[i].boot);
		o.slot_dir[0] = rel_or_null(opts[i].a);
		o.slot_dir[1] = rel_or_null(opts[i].b);
		unlink(at("log"));
		unlink(at("esp.img"));
		sg_errclear();
		rc = sg_esp_build(&o);
		snprintf(got, sizeof(got), "%s", sg_errmsg());
		log = slurp("log");
		if (opts[i].msg) {
			const char *d = strstr(opts[i].msg, "D");

			if (d && (d[1] == '/' || d[1] == ':'))
				snprintf(want, sizeof(want), "%.*s%s%s", (int)(d - opts[i].msg),
					 opts[i].msg, dir, d + 1);
			else
				snprintf(want, sizeof(want), "%s", opts[i].msg);
			/* refused: no tool ran, nothing written */
			ok = rc == -1 && !strcmp(got, want) && !log &&
			     access(at("esp.img"), F_OK) != 0;
		} else {
			ok = rc == 0 && log && access(at("esp.img"), F_OK) == 0;
		}
		if (!ok)
			fprintf(stderr, "option case %zu: %d %s\n", i, rc, got);
		CHECK(ok);
		free(log);
	}
}

/* The commands, in order, with their environment. */
static void test_commands(void)
{
	struct sg_esp_opts o;
	char tmp[256], want[4096], *log;
	int n;

	sg_esp_opts_init(&o);
	o.out = at("esp.img");
	o.size_mib = 9;
	o.serial = 0xa1b2c3;
	o.label = "SIGNET_ESP";
	o.boot = at("boot.efi");
	o.slot_dir[0] = at("s2");
	o.slot_dir[1] = at("s1");
	unlink(at("log"));
	CHECK(sg_esp_build(&o) == 0);
	snprintf(tmp, sizeof(tmp), "%s.signet-tmp-%ld", at("esp.img"), (long)getpid());
#define ENV " [315532800 UTC0 1]\n"
	n = snprintf(want, sizeof(want),
		     "mformat -C -i %s -T 18432 -h 64 -s 32 -N 00a1b2c3 -v SIGNET_ESP ::" ENV
		     "mmd -i %s ::EFI" ENV "mmd -i %s ::EFI/BOOT" ENV
		     "mcopy -i %s %s ::EFI/BOOT/BOOTX64.EFI" ENV "mmd -i %s ::EFI/signet" ENV
		     "mmd -i %s ::EFI/signet/A" ENV,
		     tmp, tmp, tmp, tmp, at("boot.efi"), tmp, tmp);
	static const char *const a_files[] = { "uki.efi", "sidecar.sqfs", "sidecar.verity",
					       "sidecar.roothash", "sidecar.roothash.p7s" };
	for (int i = 0; i < 5; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n,
			      "mcopy -i %s %s/s2/%s ::EFI/signet/A/%s" ENV, tmp, dir, a_files[i],
			      a_files[i]);
	n += snprintf(want + n, sizeof(want) - (size_t)n, "mmd -i %s ::EFI/signet/B" ENV, tmp);
	for (int i = 1; i < 4; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n,
			      "mcopy -i %s %s/s1/%s ::EFI/signet/B/%s" ENV, tmp, dir, a_files[i],
			      a_files[i]);
	log = slurp("log");
	CHECK(log && !strcmp(log, want));
	if (log && strcmp(log, want))
		fprintf(stderr, "got:\n%swant:\n%s", log, want);
	free(log);
	CHECK(access(tmp, F_OK) != 0 && access(at("esp.img"), F_OK) == 0);

	/* Only slot B, no boot loader: no EFI/BOOT, no slot A. */
	o.boot = NULL;
	o.slot_dir[0] = NULL;
	unlink(at("log"));
	CHECK(sg_esp_build(&o) == 0);
	log = slurp("log");
	snprintf(want, sizeof(want),
		 "mformat -C -i %s -T 18432 -h 64 -s 32 -N 00a1b2c3 -v SIGNET_ESP ::" ENV
		 "mmd -i %s ::EFI" ENV "mmd -i %s ::EFI/signet" ENV "mmd -i %s ::EFI/signet/B" ENV,
		 tmp, tmp, tmp, tmp);
	CHECK(log && !strncmp(log, want, strlen(want)));
	free(log);

	/* No slot: no EFI/signet either. */
	o.slot_dir[1] = NULL;
	unlink(at("log"));
	CHECK(sg_esp_build(&o) == 0);
	log = slurp("log");
	snprintf(want, sizeof(want),
		 "mformat -C -i %s -T 18432 -h 64 -s 32 -N 00a1b2c3 -v SIGNET_ESP ::" ENV
		 "mmd -i %s ::EFI" ENV,
		 tmp, tmp);
	CHECK(log && !strcmp(log, want));
	free(log);

	/* A tool fails: its last line is the error, the old image stays and
	 * the temporary one is gone. */
	put("esp.img", "old");
	o.slot_dir[0] = at("s1");
	setenv("FAKE_FAIL", "mcopy", 1);
	sg_errclear();
	CHECK(sg_esp_build(&o) == -1);
	snprintf(want, sizeof(want), "%s: mcopy failed: mcopy: disk full", at("esp.img"));
	CHECK_STR(sg_errmsg(), want);
	unsetenv("FAKE_FAIL");
	log = slurp("esp.img");
	CHECK(log && !strcmp(log, "old"));
	free(log);
	CHECK(access(tmp, F_OK) != 0);
#undef ENV
}

static void rm_rf(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	static const char *const tools[] = { "mformat", "mmd", "mcopy" };
	char script[1024], path[600];

	if (!mkdtemp(dir))
		return 1;
	CHECK(mkdir(at("bin"), 0700) == 0);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "n=${0##*/}\n"
		 "echo \"$n $* [$SOURCE_DATE_EPOCH $TZ $MTOOLS_SKIP_CHECK]\" >> '%s'\n"
		 "[ \"$n\" = mformat ] && : > \"$3\"\n"
		 "if [ \"$FAKE_FAIL\" = \"$n\" ]; then echo \"$n: disk full\" >&2; exit 1; fi\n"
		 "exit 0\n",
		 at("log"));
	put("bin/mtools", script);
	CHECK(chmod(at("bin/mtools"), 0755) == 0);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "bin/%s", tools[i]);
		CHECK(symlink("mtools", at(path)) == 0);
	}
	snprintf(path, sizeof(path), "%s:/usr/bin:/bin", at("bin"));
	setenv("PATH", path, 1);
	unsetenv("SOURCE_DATE_EPOCH");
	unsetenv("TZ");
	unsetenv("MTOOLS_SKIP_CHECK");
	unsetenv("FAKE_FAIL");
	put("boot.efi", "MZ");

	test_slot_dirs();
	test_options();
	test_commands();
	rm_rf(dir);
	return check_done();
}
