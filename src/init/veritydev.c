/* veritydev.c - a verity device from two files (veritydev.h). */
#include "veritydev.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dm-ioctl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"
#include "initcfg.h"
#include "verity.h"

/* Attaches path read-only to a free loop device; *dev receives it. */
static int loop_attach(const char *path, dev_t *dev)
{
	struct loop_config lc;
	char node[64];
	int ctl, nr, fd, lfd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return sg_fail_errno("%s", path);
	if ((ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC)) < 0) {
		close(fd);
		return sg_fail_errno("/dev/loop-control");
	}
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0) {
		close(fd);
		return sg_fail_errno("no free loop device for %s", path);
	}
	snprintf(node, sizeof(node), "/dev/loop%d", nr);
	if ((lfd = open(node, O_RDONLY | O_CLOEXEC)) < 0) {
		close(fd);
		return sg_fail_errno("%s", node);
	}
	memset(&lc, 0, sizeof(lc));
	lc.fd = (uint32_t)fd;
	lc.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
	if (ioctl(lfd, LOOP_CONFIGURE, &lc) < 0) {
		sg_fail_errno("%s: attaching %s", node, path);
		close(fd);
		close(lfd);
		return -1;
	}
	close(fd);
	*dev = makedev(7, (unsigned)nr);
	/* With autoclear the loop device lives as long as its users: this
	 * descriptor until device-mapper holds it. */
	return lfd;
}

static int dm_call(int ctl, unsigned long req, void *buf, const char *what)
{
	if (ioctl(ctl, req, buf) < 0)
		return sg_fail_errno("device-mapper %s", what);
	return 0;
}

void dm_remove(const char *name)
{
	uint64_t buf[sizeof(struct dm_ioctl) / 8 + 1];
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return;
	if (sg_dm_request(buf, sizeof(buf), name, 0, NULL, 0, NULL) == 0)
		ioctl(ctl, DM_DEV_REMOVE, buf);
	close(ctl);
}

/* Creates the read-only verity device name over the two loop devices;
 * *dev receives its number. */
static int dm_verity_create(const char *name, const char *table, uint64_t sectors, dev_t *dev)
{
	uint64_t buf[2048];
	struct dm_ioctl *io = (struct dm_ioctl *)buf;
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return sg_fail_errno("/dev/mapper/control (is dm-mod loaded?)");
	if (sg_dm_request(buf, sizeof(buf), name, 0, NULL, 0, NULL) < 0 ||
	    dm_call(ctl, DM_VERSION, buf, "version") < 0 ||
	    sg_dm_request(buf, sizeof(buf), name, 0, NULL, 0, NULL) < 0 ||
	    dm_call(ctl, DM_DEV_CREATE, buf, "create") < 0)
		goto fail;
	if (sg_dm_request(buf, sizeof(buf), name, DM_READONLY_FLAG, "verity", sectors, table) < 0 ||
	    dm_call(ctl, DM_TABLE_LOAD, buf, "table load (verity)") < 0)
		goto fail_remove;
	/* DM_DEV_SUSPEND without DM_SUSPEND_FLAG resumes: the table goes live. */
	if (sg_dm_request(buf, sizeof(buf), name, 0, NULL, 0, NULL) < 0 ||
	    dm_call(ctl, DM_DEV_SUSPEND, buf, "resume") < 0)
		goto fail_remove;
	*dev = (dev_t)io->dev;
	close(ctl);
	return 0;
fail_remove:
	close(ctl);
	dm_remove(name);
	return -1;
fail:
	close(ctl);
	return -1;
}

/* Reads every block of the verity device: dm-verity answers EIO for
 * the first one whose hash does not chain up to the root. */
static int read_all(const char *node, const char *image, uint64_t size)
{
	static uint8_t block[1 << 16];
	uint64_t off = 0;
	int fd = open(node, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sg_fail_errno("%s", node);
	while (off < size) {
		ssize_t n = read(fd, block, sizeof(block));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno == EIO)
				sg_fail("%s does not match its root hash: Input/output error in the"
					" 64 KiB at byte %" PRIu64,
					image, off);
			else
				sg_fail("%s at byte %" PRIu64 ": %s", node, off,
					n < 0 ? strerror(errno) : "unexpected end");
			close(fd);
			return -1;
		}
		off += (uint64_t)n;
	}
	close(fd);
	return 0;
}

static int read_superblock(const char *path, struct sg_verity_params *p)
{
	uint8_t sb[SG_VERITY_SB_SIZE];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return sg_fail_errno("%s", path);
	n = sg_read_full(fd, sb, sizeof(sb));
	close(fd);
	if (n < 0)
		return sg_fail_prefix(path);
	if (sg_verity_sb_decode(sb, (size_t)n, p) < 0)
		return sg_fail_prefix(path);
	return 0;
}

int verity_dev_open(const char *image, const char *verity, const uint8_t *root, size_t root_size,
		    const char *dm_name, const char *dm_node, int full)
{
	struct sg_verity_params p;
	char table[1024], data_dev[32], hash_dev[32];
	dev_t ddev, hdev, vdev = 0;
	int dfd = -1, hfd = -1;
	struct stat st;
	uint64_t size;

	if (read_superblock(verity, &p) < 0)
		return -1;
	if (stat(image, &st) < 0)
		return sg_fail_errno("%s", image);
	size = p.data_blocks * p.data_block_size;
	if ((uint64_t)st.st_size < size)
		return sg_fail("%s: %lld bytes, its verity superblock covers %" PRIu64, image,
			       (long long)st.st_size, size);
	if ((dfd = loop_attach(image, &ddev)) < 0)
		return -1;
	if ((hfd = loop_attach(verity, &hdev)) < 0)
		goto fail;
	snprintf(data_dev, sizeof(data_dev), "%u:%u", major(ddev), minor(ddev));
	snprintf(hash_dev, sizeof(hash_dev), "%u:%u", major(hdev), minor(hdev));
	if (sg_init_verity_target(&p, data_dev, hash_dev, root, root_size, table, sizeof(table)) < 0 ||
	    dm_verity_create(dm_name, table, size / 512, &vdev) < 0)
		goto fail;
	close(dfd);
	close(hfd);
	dfd = hfd = -1;
	unlink(dm_node);
	if (mknod(dm_node, S_IFBLK | 0600, vdev) < 0) {
		sg_fail_errno("%s", dm_node);
		goto fail_dm;
	}
	if (full && read_all(dm_node, image, size) < 0)
		goto fail_dm;
	return 0;
fail_dm:
	unlink(dm_node);
	dm_remove(dm_name);
	return -1;
fail:
	if (dfd >= 0)
		close(dfd);
	if (hfd >= 0)
		close(hfd);
	return -1;
}
