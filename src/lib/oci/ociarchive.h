/* ociarchive.h - an oci-archive (an OCI image layout in one tar, as
 * skopeo's oci-archive: transport writes it) read into a directory.
 *
 * Only what a layout holds is taken: the directories "blobs" and
 * "blobs/sha256", and the regular files "oci-layout", "index.json" and
 * "blobs/sha256/<64 lowercase hex>" (names may start with "./"). Any
 * other entry (another name, a link, a device, a name twice) is refused
 * with one line, "ARCHIVE: NAME: rule". The files are written below
 * dir with openat(O_EXCL | O_NOFOLLOW), so nothing lands outside it;
 * their content is not trusted here: the layout reader checks every
 * blob's size and digest before it uses it.
 */
#ifndef SIGNET_OCIARCHIVE_H
#define SIGNET_OCIARCHIVE_H

/* The layout in the tar file archive into dir, an empty directory. */
int sg_oci_archive_extract(const char *archive, const char *dir);

#endif
