/* tufclient.h - the TUF 1.0 client workflow (specification section 5):
 * a host's trusted metadata brought up to date from a repository, and
 * targets found through delegations and downloaded.
 *
 * The trusted metadata lives in a directory (on a host, its LUKS2 disk):
 * root.json, timestamp.json, snapshot.json, targets.json as last
 * accepted, each replaced atomically once it is accepted. When it holds
 * no root.json, the first refresh starts from the bootstrap root (the
 * one baked into the host's UKI).
 *
 * sg_tuf_refresh() does 5.3 to 5.6 in order and stops at the first
 * refusal, each with its own message:
 *   - root N+1 (N.root.json, up to 1024 rotations) must be signed by the
 *     thresholds of root N and of itself and hold version N+1
 *     ("root rotation");
 *   - a version lower than the trusted one of the timestamp, of the
 *     snapshot it names, or of any targets role the trusted snapshot
 *     lists, or a role the new snapshot drops ("rollback");
 *   - a snapshot or targets file whose version is not the one its parent
 *     names, or whose length or hashes differ from what it says
 *     ("mix-and-match", "hash");
 *   - any of root, timestamp, snapshot, targets expired ("freeze");
 *   - signatures below a threshold.
 * When a rotation changes the timestamp or snapshot keys, the trusted
 * timestamp and snapshot are dropped, as 5.3.11 says.
 *
 * Time: the later of the clock (sg_time_now) and the "x-signet-issued"
 * time of the trusted timestamp, when it has one (signet's timestamps
 * say when they were signed; other writers' files may not, and are read
 * as TUF says). A host whose clock was reset still refuses anything that
 * expired before the newest timestamp it accepted. A rotation of the
 * timestamp keys drops that time with the timestamp it came from, so a
 * stolen timestamp key cannot freeze a host forever.
 *
 * Files are fetched through a transport; every read is bounded: by the
 * length its parent gives, else 512 KiB for root and timestamp, 16 MiB
 * for snapshot and targets roles. A target is read to at most its signed
 * length (one byte more is an error, so an endless answer stops there)
 * into DEST.partial, which a later download continues, hashed, and
 * renamed to DEST only when its length and sha256 are those signed.
 */
#ifndef SIGNET_TUFCLIENT_H
#define SIGNET_TUFCLIENT_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "tufmeta.h"

/* Where files come from. rel is below the repository's base:
 * "metadata/2.root.json", "targets/hosts/web1/<hash>.uki.efi". */
struct sg_tuf_transport {
	/* rel's bytes into out (at most max, more is an error): 0, 1 when
	 * the file does not exist, -1 on any other error. */
	int (*get)(void *ctx, const char *rel, uint64_t max, struct sg_buf *out);
	/* rel's bytes from offset on appended to fd, at most max - offset of
	 * them (more is an error): 0 or -1. */
	int (*get_file)(void *ctx, const char *rel, uint64_t offset, uint64_t max, int fd);
	void *ctx;
};

/* A transport reading a repository directory (a mirror, a USB stick). */
struct sg_tuf_dir {
	char *base;
};
int sg_tuf_dir_transport(struct sg_tuf_dir *d, const char *base, struct sg_tuf_transport *t);
void sg_tuf_dir_free(struct sg_tuf_dir *d);

struct sg_tuf_client {
	char *trusted_dir;
	char *bootstrap_root;
	struct sg_tuf_transport t;
	time_t now;
	struct sg_tuf_meta root, timestamp, snapshot, targets;
	int have_timestamp, have_snapshot, have_targets;
	uint64_t rotations; /* roots accepted by the last refresh */
};

/* bootstrap_root may be NULL when trusted_dir holds a root.json. */
int sg_tuf_client_open(struct sg_tuf_client *c, const char *trusted_dir, const char *bootstrap_root,
		       const struct sg_tuf_transport *t);
void sg_tuf_client_close(struct sg_tuf_client *c);

int sg_tuf_refresh(struct sg_tuf_client *c);

/* The target at path, searched as 5.7 says (targets, then its
 * delegations depth first in order, a terminating match ending the
 * search; at most 32 roles): 0 with *out pointing into the client's
 * targets or, for a delegated role, into *holder (always free *holder
 * with sg_tuf_meta_free), 1 when no role lists it, -1 on a refusal.
 * role, when not NULL, receives the name of the role that lists it
 * (SG_TUF_ROLE_MAX bytes). */
#define SG_TUF_ROLE_MAX 256
int sg_tuf_find_target(struct sg_tuf_client *c, const char *path, struct sg_tuf_meta *holder,
		       const struct sg_tuf_target **out, char *role);

/* 1 when the file at path holds exactly t (its length and sha256), so
 * nothing need be fetched; 0 otherwise (also when it does not exist). */
int sg_tuf_have(const struct sg_tuf_target *t, const char *path);

/* Downloads t into dest (mode 0600) as described above. */
int sg_tuf_download(struct sg_tuf_client *c, const struct sg_tuf_target *t, const char *dest);

/* The file name of a target in the repository: "targets/DIR/HASH.BASE"
 * under consistent snapshots, else "targets/PATH". */
int sg_tuf_target_rel(const struct sg_tuf_client *c, const struct sg_tuf_target *t, char *out,
		      size_t cap);

#endif
