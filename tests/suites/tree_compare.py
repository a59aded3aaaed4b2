#!/usr/bin/env python3
"""tree_compare.py A B: whether two unpacked root filesystems are the same.

Compares, for every name below A and B (not following symlinks): the type,
the permission bits (setuid, setgid and sticky included), the owner, the
content of regular files, the target of symlinks, the device numbers, the
xattrs, the mtime (to the nanosecond; --no-dir-mtime leaves directories'
out), and which names are hard links of one another. Prints one line per
difference and exits 1 when there is any, 0 when there is none.
"""
import hashlib
import os
import stat
import sys


def describe(root, skip_dir_mtime):
    names, inodes = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        todo = sorted(dirnames + filenames)
        if dirpath == root:
            todo.insert(0, ".")
        for name in todo:
            path = os.path.normpath(os.path.join(dirpath, name))
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            d = {
                "type": stat.S_IFMT(st.st_mode),
                "mode": oct(stat.S_IMODE(st.st_mode)),
                "owner": (st.st_uid, st.st_gid),
            }
            if not (skip_dir_mtime and stat.S_ISDIR(st.st_mode)):
                d["mtime"] = st.st_mtime_ns
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    d["sha256"] = hashlib.sha256(f.read()).hexdigest()
            if stat.S_ISLNK(st.st_mode):
                d["target"] = os.readlink(path)
                del d["mode"]  # a symlink's mode means nothing
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                d["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
            try:
                x = os.listxattr(path, follow_symlinks=False)
            except OSError:
                x = []
            d["xattrs"] = {
                k: os.getxattr(path, k, follow_symlinks=False).hex() for k in sorted(x)
            }
            if not stat.S_ISDIR(st.st_mode):
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
            names[rel] = d
    links = {}
    for group in inodes.values():
        for rel in group:
            links[rel] = sorted(group)
    for rel, d in names.items():
        if rel in links:
            d["links"] = links[rel]
    return names


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    skip = "--no-dir-mtime" in sys.argv
    if len(args) != 2:
        print("usage: tree_compare.py [--no-dir-mtime] A B", file=sys.stderr)
        return 2
    a, b = (describe(r, skip) for r in args)
    diffs = 0
    for rel in sorted(set(a) | set(b)):
        if rel not in a or rel not in b:
            print("%s: only in %s" % (rel, args[0] if rel in a else args[1]))
            diffs += 1
            continue
        for k in sorted(set(a[rel]) | set(b[rel])):
            if a[rel].get(k) != b[rel].get(k):
                print("%s: %s %r != %r" % (rel, k, a[rel].get(k), b[rel].get(k)))
                diffs += 1
    print("%d names compared, %d differences" % (len(a), diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
