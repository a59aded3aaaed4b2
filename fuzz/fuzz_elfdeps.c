/* fuzz_elfdeps.c - libFuzzer harness for the ELF reader, and for ld.so's
 * search over a file system in which every path holds the input (so the
 * input's own DT_NEEDED, DT_RUNPATH and DT_RPATH drive the search, the
 * same-file rule and the $ORIGIN expansion). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfdeps.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size;
};

static int fz_open(void *ctx, const char *path, struct sg_elf_file *f)
{
	const struct input *in = ctx;
	size_t n = strlen(path);

	/* Some paths absent, some the same file as others. */
	if (n % 5 == 4)
		return 1;
	f->data = in->data;
	f->len = in->size;
	f->dev = 1;
	f->ino = n % 3;
	return 0;
}

static void fz_close(void *ctx, struct sg_elf_file *f)
{
	(void)ctx;
	(void)f;
}

static char *fz_real(void *ctx, const char *path)
{
	(void)ctx;
	return strdup(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	const struct sg_elf_fs fs = { fz_open, fz_close, fz_real, &in };
	struct sg_elfdeps set = SG_ELFDEPS_INIT;
	struct sg_elf e;
	size_t total = 0;

	if (sg_elf_parse(&e, data, size, "fuzz") == 0) {
		/* Every string the reader returns lies inside the input. */
		const char *s[] = { e.interp, e.soname, e.runpath, e.rpath };

		for (size_t i = 0; i < 4; i++)
			if (s[i])
				total += strlen(s[i]);
		for (size_t i = 0; i < e.nneeded; i++)
			total += strlen(e.needed[i]);
		if (total > size)
			abort();
		sg_elf_free(&e);
		(void)sg_elfdeps_add(&set, &fs, "/usr/bin/fuzz", "/usr/sbin/fuzz", NULL);
		sg_elfdeps_free(&set);
	}
	sg_errclear();
	return 0;
}
