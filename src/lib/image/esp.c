#include "esp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "path.h"
#include "run.h"

/* The files of a slot, in the order they are copied; the first and the
 * last are optional. */
static const char *const slot_files[] = { "uki.efi", "sidecar.sqfs", "sidecar.verity",
					  "sidecar.roothash", "sidecar.roothash.p7s" };
#define SLOT_FILES (sizeof(slot_files) / sizeof(slot_files[0]))

/* mtools reads these; TZ so that the FAT time is 1980-01-01 00:00. */
static const char *const fixed_env[] = { "SOURCE_DATE_EPOCH=315532800", "TZ=UTC0",
					 "MTOOLS_SKIP_CHECK=1", NULL };

void sg_esp_opts_init(struct sg_esp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->size_mib = 64;
	o->serial = 0x5349474e;
	o->label = "ESP";
}

static int is_required(size_t i)
{
	return i > 0 && i < SLOT_FILES - 1;
}

static int is_slot_file(const char *name)
{
	for (size_t i = 0; i < SLOT_FILES; i++)
		if (strcmp(name, slot_files[i]) == 0)
			return 1;
	return 0;
}

static int regular_file(const char *dir, const char *name, int required)
{
	char path[4096];
	struct stat st;

	if (sg_path_join(path, sizeof(path), dir, name) < 0)
		return -1;
	if (stat(path, &st) < 0) {
		/* a link to nothing is a mistake, not an absent optional file */
		if (errno == ENOENT && lstat(path, &st) == 0)
			return sg_fail("slot directory %s: %s is a symbolic link to nothing", dir,
				       name);
		if (errno == ENOENT && !required)
			return 0;
		return sg_fail_errno("slot directory %s: %s", dir, name);
	}
	if (!S_ISREG(st.st_mode))
		return sg_fail("slot directory %s: %s is not a regular file", dir, name);
	return 1;
}

int sg_esp_check_slot_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return sg_fail_errno("slot directory %s", dir);
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!is_slot_file(e->d_name)) {
			sg_fail("slot directory %s: unexpected file '%.100s' (a slot holds uki.efi,"
				" sidecar.sqfs, sidecar.verity, sidecar.roothash[.p7s])",
				dir, e->d_name);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	for (size_t i = 0; i < SLOT_FILES; i++)
		if (regular_file(dir, slot_files[i], is_required(i)) < 0)
			return -1;
	return 0;
}

static int label_ok(const char *label)
{
	size_t n = strlen(label);

	if (n == 0 || n > 11)
		return 0;
	for (; *label; label++)
		if (!((*label >= 'A' && *label <= 'Z') || (*label >= '0' && *label <= '9') ||
		      *label == '_' || *label == '-'))
			return 0;
	return 1;
}

static int mtools(const char *tool, const char *img, const char *a, const char *b, const char *what)
{
	const char *argv[] = { tool, "-i", img, a, b, NULL };

	return sg_run(argv, fixed_env, what);
}

static int format(const struct sg_esp_opts *o, const char *img)
{
	char sectors[32], serial[16];
	const char *argv[] = { "mformat", "-C", "-i", img,    "-T", sectors,  "-h", "64",
			       "-s",	  "32", "-N", serial, "-v", o->label, "::", NULL };

	snprintf(sectors, sizeof(sectors), "%llu", (unsigned long long)o->size_mib * 2048);
	snprintf(serial, sizeof(serial), "%08x", o->serial);
	return sg_run(argv, fixed_env, o->out);
}

static int copy_slot(const struct sg_esp_opts *o, const char *img, char slot, const char *dir)
{
	char src[4096], dest[64];

	snprintf(dest, sizeof(dest), "::EFI/signet/%c", slot);
	if (mtools("mmd", img, dest, NULL, o->out) < 0)
		return -1;
	for (size_t i = 0; i < SLOT_FILES; i++) {
		int present = regular_file(dir, slot_files[i], is_required(i));

		if (present < 0)
			return -1;
		if (!present)
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, slot_files[i]);
		snprintf(dest, sizeof(dest), "::EFI/signet/%c/%s", slot, slot_files[i]);
		if (mtools("mcopy", img, src, dest, o->out) < 0)
			return -1;
	}
	return 0;
}

static int sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = !slash	    ? strdup(".")
		    : slash == path ? strdup("/")
				    : strndup(path, (size_t)(slash - path));
	int fd, rc = 0;

	if (!dir)
		return sg_fail("out of memory");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		rc = sg_fail_errno("%s: fsync of the directory", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int sg_esp_build(const struct sg_esp_opts *o)
{
	char *tmp = NULL;
	int rc = -1, fd;
	struct stat st;

	if (o->size_mib < SG_ESP_SIZE_MIN_MIB || o->size_mib > SG_ESP_SIZE_MAX_MIB)
		return sg_fail("ESP size %u MiB: must be %d to %d MiB", o->size_mib,
			       SG_ESP_SIZE_MIN_MIB, SG_ESP_SIZE_MAX_MIB);
	if (!label_ok(o->label))
		return sg_fail("ESP label '%.40s': 1 to 11 of A-Z, 0-9, '_', '-'", o->label);
	if (o->boot && (stat(o->boot, &st) < 0 || !S_ISREG(st.st_mode)))
		return sg_fail("%s: not a regular file", o->boot);
	for (int i = 0; i < 2; i++)
		if (o->slot_dir[i] && sg_esp_check_slot_dir(o->slot_dir[i]) < 0)
			return -1;
	if (asprintf(&tmp, "%s.signet-tmp-%ld", o->out, (long)getpid()) < 0)
		return sg_fail("out of memory");
	unlink(tmp);
	if (format(o, tmp) < 0)
		goto done;
	if (o->mode && chmod(tmp, o->mode) < 0) {
		sg_fail_errno("%s", tmp);
		goto done;
	}
	if (mtools("mmd", tmp, "::EFI", NULL, o->out) < 0)
		goto done;
	if (o->boot && (mtools("mmd", tmp, "::EFI/BOOT", NULL, o->out) < 0 ||
			mtools("mcopy", tmp, o->boot, "::EFI/BOOT/BOOTX64.EFI", o->out) < 0))
		goto done;
	if ((o->slot_dir[0] || o->slot_dir[1]) && mtools("mmd", tmp, "::EFI/signet", NULL, o->out) < 0)
		goto done;
	for (int i = 0; i < 2; i++)
		if (o->slot_dir[i] && copy_slot(o, tmp, (char)('A' + i), o->slot_dir[i]) < 0)
			goto done;
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
		sg_fail_errno("%s", tmp);
		if (fd >= 0)
			close(fd);
		goto done;
	}
	close(fd);
	if (rename(tmp, o->out) < 0) {
		sg_fail_errno("renaming into %s", o->out);
		goto done;
	}
	/* the rename itself on disk: after a power loss the new image, not
	 * the old one (the temporary name is gone by now) */
	rc = sync_parent(o->out);
done:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
