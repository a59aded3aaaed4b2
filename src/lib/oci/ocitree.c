/* ocitree.c - an OCI image's root filesystem in memory (ocitree.h). */
#include "ocitree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"

#define WH ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define MAX_COMPONENTS (SG_TAR_NAME_MAX / 2 + 1)

struct xattr {
	char *name;
	uint8_t *value;
	size_t len;
};

struct meta {
	uint32_t mode; /* permission bits, setuid, setgid, sticky */
	uint32_t uid, gid;
	int64_t mtime;
	uint32_t nsec;
	struct xattr *xattrs;
	size_t nxattrs;
};

/* Everything but a directory, shared by the names hard links give it.
 * It is made once, as stage_fd/<stage>, and linked into each name. */
struct inode {
	enum sg_tar_type type;
	struct meta meta;
	char *target; /* a symlink's */
	uint32_t devmajor, devminor;
	uint32_t stage;
	unsigned refs;
	int made;
};

struct node {
	char *name;
	struct inode *ino; /* NULL: a directory */
	struct meta meta;  /* a directory's */
	int declared;	   /* a directory with an entry of its own */
	/* a layer's marks on a directory, applied to the layers below */
	int opaque;
	char **whiteouts;
	size_t nwhiteouts;
	struct node **kids; /* sorted by name */
	size_t nkids, cap;
};

/* The path of an entry being read, split into components. */
struct comps {
	char buf[SG_TAR_NAME_MAX + 1];
	char *c[MAX_COMPONENTS];
	size_t n;
};

struct sg_oci_tree {
	struct comps entry, target; /* the names being read: large, not on the stack */
	int stage_fd;
	unsigned flags;
	int as_root;
	struct node *root;
	uint32_t next_stage;
	size_t nodes;
};

/* A name as messages show it: printable ASCII, the rest as \xNN, cut. */
static const char *shown(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 5 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
	}
	if (*s && o + 4 <= cap)
		memcpy(out + o, "...", 4);
	else
		out[o] = '\0';
	return out;
}

static int refuse(const char *name, const char *entry, const char *rule)
{
	char buf[256];

	return sg_fail("%s: %s: %s", name, shown(entry, buf, sizeof(buf)), rule);
}

/* Splits path into components: "." and empty ones dropped, ".." and a
 * leading "/" refused (-1, the rule in *rule), except that "/" alone is
 * the root (umoci names its layers' root entry so). */
static int split(const char *path, struct comps *p, const char **rule)
{
	size_t len = strlen(path);
	char *s, *save = NULL;

	p->n = 0;
	if (path[0] == '/' && path[strspn(path, "/")] != '\0') {
		*rule = "an absolute name";
		return -1;
	}
	if (len > SG_TAR_NAME_MAX) {
		*rule = "a name too long";
		return -1;
	}
	memcpy(p->buf, path, len + 1);
	for (s = strtok_r(p->buf, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (!strcmp(s, "."))
			continue;
		if (!strcmp(s, "..")) {
			*rule = "a name with a \"..\" component";
			return -1;
		}
		p->c[p->n++] = s;
	}
	return 0;
}

static void meta_free(struct meta *m)
{
	for (size_t i = 0; i < m->nxattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	free(m->xattrs);
	m->xattrs = NULL;
	m->nxattrs = 0;
}

static int meta_of(const char *name, const struct sg_tar_entry *e, struct meta *m)
{
	memset(m, 0, sizeof(*m));
	if (e->uid >= UINT32_MAX || e->gid >= UINT32_MAX)
		return refuse(name, e->path, "an owner that does not fit a uid_t");
	m->mode = e->mode & 07777;
	m->uid = (uint32_t)e->uid;
	m->gid = (uint32_t)e->gid;
	m->mtime = e->mtime;
	m->nsec = e->mtime_nsec;
	if (!e->nxattrs)
		return 0;
	if (!(m->xattrs = calloc(e->nxattrs, sizeof(*m->xattrs))))
		return sg_fail("out of memory");
	for (; m->nxattrs < e->nxattrs; m->nxattrs++) {
		const struct sg_tar_xattr *x = &e->xattrs[m->nxattrs];
		struct xattr *y = &m->xattrs[m->nxattrs];

		y->name = strdup(x->name);
		y->value = malloc(x->len ? x->len : 1);
		if (!y->name || !y->value) {
			free(y->name);
			free(y->value);
			meta_free(m);
			return sg_fail("out of memory");
		}
		memcpy(y->value, x->value, x->len);
		y->len = x->len;
	}
	return 0;
}

static void stage_name(uint32_t stage, char out[16])
{
	snprintf(out, 16, "%u", stage);
}

static void inode_unref(struct sg_oci_tree *t, struct inode *ino)
{
	char s[16];

	if (--ino->refs)
		return;
	if (ino->type == SG_TAR_FILE) {
		/* its data is no longer anyone's: give the space back now */
		stage_name(ino->stage, s);
		unlinkat(t->stage_fd, s, 0);
	}
	meta_free(&ino->meta);
	free(ino->target);
	free(ino);
}

static void node_free(struct sg_oci_tree *t, struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(t, n->kids[i]);
	for (size_t i = 0; i < n->nwhiteouts; i++)
		free(n->whiteouts[i]);
	if (n->ino)
		inode_unref(t, n->ino);
	meta_free(&n->meta);
	free(n->whiteouts);
	free(n->kids);
	free(n->name);
	free(n);
	t->nodes--;
}

static struct node *node_new(struct sg_oci_tree *t, const char *name)
{
	struct node *n;

	if (t->nodes >= SG_OCI_TREE_MAX_NODES) {
		sg_fail("more than %u names in the image", SG_OCI_TREE_MAX_NODES);
		return NULL;
	}
	if (!(n = calloc(1, sizeof(*n))) || !(n->name = strdup(name))) {
		free(n);
		sg_fail("out of memory");
		return NULL;
	}
	n->meta.mode = 0755; /* an implied directory's, as mkdir -p makes it */
	t->nodes++;
	return n;
}

/* The child of d named name, or NULL; *pos is where it is or would go. */
static struct node *child(const struct node *d, const char *name, size_t *pos)
{
	size_t lo = 0, hi = d->nkids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, d->kids[mid]->name);

		if (!c) {
			*pos = mid;
			return d->kids[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return NULL;
}

static struct node *find(const struct node *d, const char *name)
{
	size_t pos;

	return child(d, name, &pos);
}

static int insert(struct node *d, size_t pos, struct node *k)
{
	if (d->nkids == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct node **kids = realloc(d->kids, cap * sizeof(*kids));

		if (!kids)
			return sg_fail("out of memory");
		d->kids = kids;
		d->cap = cap;
	}
	memmove(d->kids + pos + 1, d->kids + pos, (d->nkids - pos) * sizeof(*d->kids));
	d->kids[pos] = k;
	d->nkids++;
	return 0;
}

static void remove_at(struct sg_oci_tree *t, struct node *d, size_t pos)
{
	node_free(t, d->kids[pos]);
	memmove(d->kids + pos, d->kids + pos + 1, (d->nkids - pos - 1) * sizeof(*d->kids));
	d->nkids--;
}

static int whited_out(const struct node *ly, const char *name)
{
	for (size_t i = 0; i < ly->nwhiteouts; i++)
		if (!strcmp(ly->whiteouts[i], name))
			return 1;
	return 0;
}

/* Whether the layer's directory at p->c[0..i], about to be implied by a
 * name below it, would stand over a non-directory of the lower layers
 * that this layer has not hidden (a file written through a symlink). */
static int over_lower_file(const struct sg_oci_tree *t, const struct node *layer,
			   const struct comps *p, size_t i)
{
	const struct node *lo = t->root, *ly = layer;

	for (size_t j = 0; j <= i; j++) {
		if (ly->opaque || whited_out(ly, p->c[j]))
			return 0;
		if (!(lo = find(lo, p->c[j])))
			return 0;
		if (lo->ino)
			/* above i, the layer declared a directory in its place */
			return j == i;
		if (j < i)
			ly = find(ly, p->c[j]);
	}
	return 0;
}

/* The layer's directory that holds p's last component, made (implied)
 * where the layer has none. */
static struct node *parent_of(struct sg_oci_tree *t, struct node *layer, const struct comps *p,
			      const char *name, const char *entry)
{
	struct node *d = layer;

	for (size_t i = 0; i + 1 < p->n; i++) {
		size_t pos;
		struct node *k = child(d, p->c[i], &pos);

		if (!strncmp(p->c[i], WH, strlen(WH))) {
			refuse(name, entry, "a whiteout with names below it");
			return NULL;
		}
		if (k && k->ino) {
			refuse(name, entry, "below a symlink or a file of the same layer");
			return NULL;
		}
		if (!k) {
			if (over_lower_file(t, layer, p, i)) {
				refuse(name, entry, "below a symlink or a file of a lower layer");
				return NULL;
			}
			if (!(k = node_new(t, p->c[i])) || insert(d, pos, k) < 0) {
				node_free(t, k);
				return NULL;
			}
		}
		d = k;
	}
	return d;
}

/* The inode a hard link's target names: in the layer, else below it
 * (unless the layer hid it). */
static struct inode *link_target(struct sg_oci_tree *t, const struct node *layer, const char *name,
				 const struct sg_tar_entry *e)
{
	struct comps *p = &t->target;
	const char *rule = NULL;
	const struct node *ly = layer, *lo = t->root;
	size_t i;

	if (split(e->link, p, &rule) < 0 || p->n == 0) {
		refuse(name, e->path, "a hard link to outside the image or to its root");
		return NULL;
	}
	for (i = 0; i < p->n && ly && !ly->ino; i++)
		ly = find(ly, p->c[i]);
	if (i == p->n && ly) {
		if (!ly->ino)
			refuse(name, e->path, "a hard link to a directory");
		return ly->ino;
	}
	for (i = 0, ly = layer; i < p->n && lo && !lo->ino; i++) {
		if (ly && (ly->opaque || whited_out(ly, p->c[i])))
			lo = NULL;
		else
			lo = find(lo, p->c[i]);
		ly = ly && !ly->ino ? find(ly, p->c[i]) : NULL;
	}
	if (i == p->n && lo) {
		if (!lo->ino)
			refuse(name, e->path, "a hard link to a directory");
		return lo->ino;
	}
	refuse(name, e->path, "a hard link to a name that is not in the image");
	return NULL;
}

/* The entry's data into a new file stage_fd/<stage>. */
static int stage_data(struct sg_oci_tree *t, struct sg_tar *tr, struct inode *ino, const char *name)
{
	uint8_t buf[65536];
	char s[16];
	ssize_t n;
	int fd, rc = 0;

	stage_name(ino->stage, s);
	fd = openat(t->stage_fd, s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sg_fail_errno("%s: staging the data of an entry", name);
	while (rc == 0 && (n = sg_tar_read(tr, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			rc = sg_fail_errno("%s: staging the data of an entry", name);
	if (rc == 0 && n < 0)
		rc = -1;
	if (close(fd) < 0 && rc == 0)
		rc = sg_fail_errno("%s: staging the data of an entry", name);
	return rc;
}

static struct inode *inode_new(struct sg_oci_tree *t, struct sg_tar *tr, const char *name,
			       const struct sg_tar_entry *e)
{
	struct inode *ino = calloc(1, sizeof(*ino));

	if (!ino) {
		sg_fail("out of memory");
		return NULL;
	}
	ino->type = e->type;
	ino->refs = 1;
	ino->stage = t->next_stage++;
	ino->devmajor = e->devmajor;
	ino->devminor = e->devminor;
	if (meta_of(name, e, &ino->meta) < 0) {
		free(ino);
		return NULL;
	}
	if (e->type == SG_TAR_SYMLINK && !(ino->target = strdup(e->link))) {
		sg_fail("out of memory");
		meta_free(&ino->meta);
		free(ino);
		return NULL;
	}
	if (e->type == SG_TAR_FILE && stage_data(t, tr, ino, name) < 0) {
		inode_unref(t, ino);
		return NULL;
	}
	return ino;
}

/* A whiteout entry: a mark on its directory. */
static int whiteout(struct node *d, const char *name, const char *entry, const char *last)
{
	const char *hidden = last + strlen(WH);
	char *copy;
	char **w;

	if (!strcmp(last, WH_OPAQUE)) {
		d->opaque = 1;
		return 0;
	}
	if (!strncmp(hidden, WH, strlen(WH)))
		return refuse(name, entry, "a .wh..wh. name other than the opaque marker");
	if (!*hidden)
		return refuse(name, entry, "a bare .wh. (a whiteout of nothing)");
	if (!strcmp(hidden, ".") || !strcmp(hidden, ".."))
		return refuse(name, entry, "a whiteout of \".\" or \"..\"");
	if (!(copy = strdup(hidden)) ||
	    !(w = realloc(d->whiteouts, (d->nwhiteouts + 1) * sizeof(*w)))) {
		free(copy);
		return sg_fail("out of memory");
	}
	d->whiteouts = w;
	d->whiteouts[d->nwhiteouts++] = copy;
	return 0;
}

static int is_device(enum sg_tar_type type)
{
	return type == SG_TAR_CHAR || type == SG_TAR_BLOCK_DEV;
}

/* One entry of the layer's tar into the layer's tree. */
static int add_entry(struct sg_oci_tree *t, struct node *layer, struct sg_tar *tr, const char *name,
		     const struct sg_tar_entry *e)
{
	struct comps *p = &t->entry;
	const char *rule = NULL, *last;
	struct node *d, *k;
	struct inode *ino;
	size_t pos;

	if (split(e->path, p, &rule) < 0)
		return refuse(name, e->path, rule);
	if (p->n == 0) {
		if (e->type != SG_TAR_DIR)
			return refuse(name, e->path, "the root as something other than a directory");
		meta_free(&layer->meta);
		layer->declared = 1;
		return meta_of(name, e, &layer->meta);
	}
	if (!(d = parent_of(t, layer, p, name, e->path)))
		return -1;
	last = p->c[p->n - 1];
	if (!strncmp(last, WH, strlen(WH)))
		return whiteout(d, name, e->path, last);
	if (is_device(e->type) && !(t->flags & SG_OCI_ALLOW_DEVICES))
		return refuse(name, e->path, "a device node (allowed only with --allow-devices)");
	k = child(d, last, &pos);
	if (e->type == SG_TAR_DIR) {
		if (k && !k->ino) {
			meta_free(&k->meta);
			k->declared = 1;
			return meta_of(name, e, &k->meta);
		}
		if (!(k = node_new(t, last)))
			return -1;
		k->declared = 1;
		if (meta_of(name, e, &k->meta) < 0)
			goto fail;
	} else {
		if (e->type == SG_TAR_HARDLINK) {
			if (!(ino = link_target(t, layer, name, e)))
				return -1;
			ino->refs++;
		} else if (!(ino = inode_new(t, tr, name, e)))
			return -1;
		if (!(k = node_new(t, last))) {
			inode_unref(t, ino);
			return -1;
		}
		k->ino = ino;
	}
	if (find(d, last))
		remove_at(t, d, pos); /* a later entry replaces an earlier one */
	if (insert(d, pos, k) == 0)
		return 0;
fail:
	node_free(t, k);
	return -1;
}

/* Forgets a layer's marks on a subtree that has nothing below it. */
static void drop_marks(struct node *n)
{
	for (size_t i = 0; i < n->nwhiteouts; i++)
		free(n->whiteouts[i]);
	free(n->whiteouts);
	n->whiteouts = NULL;
	n->nwhiteouts = 0;
	n->opaque = 0;
	for (size_t i = 0; i < n->nkids; i++)
		drop_marks(n->kids[i]);
}

/* The layer's directory ly onto the lower tree's lo: its marks first,
 * then its entries. Moves ly's children (leaving NULLs). */
static int merge(struct sg_oci_tree *t, struct node *lo, struct node *ly, const char *name)
{
	size_t pos;

	if (ly->declared) {
		meta_free(&lo->meta);
		lo->meta = ly->meta;
		memset(&ly->meta, 0, sizeof(ly->meta));
		lo->declared = 1;
	}
	if (ly->opaque)
		while (lo->nkids)
			remove_at(t, lo, lo->nkids - 1);
	for (size_t i = 0; i < ly->nwhiteouts; i++)
		if (child(lo, ly->whiteouts[i], &pos))
			remove_at(t, lo, pos);
	for (size_t i = 0; i < ly->nkids; i++) {
		struct node *c = ly->kids[i], *k = child(lo, c->name, &pos);

		if (!c->ino && k && !k->ino) {
			if (merge(t, k, c, name) < 0)
				return -1;
			continue;
		}
		if (!c->ino && !c->declared && k)
			return refuse(name, c->name, "a directory implied over a lower file");
		if (k)
			remove_at(t, lo, pos);
		drop_marks(c);
		if (insert(lo, pos, c) < 0)
			return -1;
		ly->kids[i] = NULL;
	}
	return 0;
}

struct sg_oci_tree *sg_oci_tree_new(int stage_fd, unsigned flags)
{
	struct sg_oci_tree *t = calloc(1, sizeof(*t));

	if (!t) {
		sg_fail("out of memory");
		return NULL;
	}
	t->stage_fd = stage_fd;
	t->flags = flags;
	t->as_root = geteuid() == 0;
	if (!(t->root = node_new(t, ""))) {
		free(t);
		return NULL;
	}
	t->nodes = 0; /* the root is not a name */
	return t;
}

void sg_oci_tree_free(struct sg_oci_tree *t)
{
	if (!t)
		return;
	t->nodes++;
	node_free(t, t->root);
	free(t);
}

size_t sg_oci_tree_count(const struct sg_oci_tree *t)
{
	return t->nodes;
}

int sg_oci_tree_apply(struct sg_oci_tree *t, struct sg_tar *tr, const char *name)
{
	struct sg_tar_entry e;
	struct node *layer = node_new(t, "");
	int rc = -1, r;

	if (!layer)
		return -1;
	while ((r = sg_tar_next(tr, &e)) > 0)
		if (add_entry(t, layer, tr, name, &e) < 0)
			goto out;
	if (r == 0)
		rc = merge(t, t->root, layer, name);
out:
	node_free(t, layer);
	return rc;
}

/* Writing the tree. path is the name being made, for messages. */
struct writer {
	struct sg_oci_tree *t;
	char path[SG_TAR_NAME_MAX + 2];
	size_t len;
};

static int write_fail(const struct writer *w, const char *what)
{
	char buf[256];

	return sg_fail_errno("%s: %s", shown(w->len ? w->path : ".", buf, sizeof(buf)), what);
}

/* Owner, mode, xattrs, then times (chown clears setuid bits and
 * capabilities; writing any of them would change no mtime). at is
 * at_fd/name, not followed; name "" means at_fd itself. */
static int apply_meta(const struct writer *w, int at_fd, const char *name, const struct meta *m,
		      int is_symlink)
{
	struct timespec ts[2] = { { m->mtime, m->nsec }, { m->mtime, m->nsec } };
	int flags = *name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;
	char proc[64];

	if (w->t->as_root && fchownat(at_fd, name, m->uid, m->gid, flags) < 0)
		return write_fail(w, "chown");
	if (!is_symlink && (*name ? fchmodat(at_fd, name, m->mode, 0) : fchmod(at_fd, m->mode)) < 0)
		return write_fail(w, "chmod");
	if (*name)
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", at_fd, name);
	for (size_t i = 0; i < m->nxattrs; i++) {
		const struct xattr *x = &m->xattrs[i];
		int r = *name ? lsetxattr(proc, x->name, x->value, x->len, 0)
			      : fsetxattr(at_fd, x->name, x->value, x->len, 0);

		if (r < 0) {
			char buf[256], what[320];

			snprintf(what, sizeof(what), "xattr %s", shown(x->name, buf, sizeof(buf)));
			return write_fail(w, what);
		}
	}
	if (*name ? utimensat(at_fd, name, ts, AT_SYMLINK_NOFOLLOW) : futimens(at_fd, ts))
		return write_fail(w, "setting its mtime");
	return 0;
}

/* The inode as stage_fd/<stage>, once. */
static int make_inode(const struct writer *w, struct inode *ino)
{
	int fd = w->t->stage_fd, r = 0;
	char s[16];

	if (ino->made)
		return 0;
	stage_name(ino->stage, s);
	switch (ino->type) {
	case SG_TAR_SYMLINK: r = symlinkat(ino->target, fd, s); break;
	case SG_TAR_FIFO: r = mknodat(fd, s, S_IFIFO | 0600, 0); break;
	case SG_TAR_CHAR:
	case SG_TAR_BLOCK_DEV:
		r = mknodat(fd, s, (ino->type == SG_TAR_CHAR ? S_IFCHR : S_IFBLK) | 0600,
			    makedev(ino->devmajor, ino->devminor));
		break;
	default: /* a regular file, its data staged as it was read */ break;
	}
	if (r < 0)
		return write_fail(w, "making it");
	ino->made = 1;
	return apply_meta(w, fd, s, &ino->meta, ino->type == SG_TAR_SYMLINK);
}

static int write_dir(struct writer *w, const struct node *d, int dir_fd);

static int write_kid(struct writer *w, const struct node *k, int dir_fd)
{
	char s[16];
	int fd, rc;

	if (k->ino) {
		if (make_inode(w, k->ino) < 0)
			return -1;
		stage_name(k->ino->stage, s);
		if (linkat(w->t->stage_fd, s, dir_fd, k->name, 0) < 0)
			return write_fail(w, "linking it into place");
		return 0;
	}
	if (mkdirat(dir_fd, k->name, 0700) < 0)
		return write_fail(w, "mkdir");
	fd = openat(dir_fd, k->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return write_fail(w, "opening the directory it made");
	rc = write_dir(w, k, fd);
	close(fd);
	return rc;
}

static int write_dir(struct writer *w, const struct node *d, int dir_fd)
{
	size_t len = w->len;

	for (size_t i = 0; i < d->nkids; i++) {
		const struct node *k = d->kids[i];
		size_t n = strlen(k->name);

		if (len + !!len + n >= sizeof(w->path))
			return sg_fail("%s/%s: a name too long to make", w->path, k->name);
		if (len)
			w->path[len] = '/';
		memcpy(w->path + len + !!len, k->name, n + 1);
		w->len = len + !!len + n;
		if (write_kid(w, k, dir_fd) < 0)
			return -1;
		w->len = len;
		w->path[len] = '\0';
	}
	return apply_meta(w, dir_fd, "", &d->meta, 0);
}

int sg_oci_tree_write(struct sg_oci_tree *t, int root_fd)
{
	struct writer *w = calloc(1, sizeof(*w)); /* large: not on the stack */
	int rc;

	if (!w)
		return sg_fail("out of memory");
	w->t = t;
	rc = write_dir(w, t->root, root_fd);
	free(w);
	return rc;
}
