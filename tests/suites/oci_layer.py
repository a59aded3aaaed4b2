#!/usr/bin/env python3
"""oci_layer.py: layers that umoci would not write, added to a layout.

  oci_layer.py add LAYOUT TAG TAR {none,gzip,zstd}
      appends TAR (a tar file) as a new layer of the image TAG names,
      compressed as asked, with its diff_id in a new config; the tag then
      names the new manifest. The blobs are written as the spec says, so
      a reader that refuses the result refuses the layer's content.
  oci_layer.py tar OUT SPEC...
      writes a tar whose entries SPEC says, one per argument:
      TYPE:NAME[:ARG] with TYPE f (file, ARG its content), d (directory),
      l (symlink to ARG), h (hard link to ARG), c (character device 1:3),
      p (FIFO). Names go in as given: absolute, with "..", whatever.
  oci_layer.py set-diff-id LAYOUT TAG INDEX HEX
      rewrites the config with diff_id INDEX (from 0) replaced.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile


def blob_put(layout, data):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", h), "wb") as f:
        f.write(data)
    return h


def blob_get(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":")[1]), "rb") as f:
        return f.read()


def find(layout, tag):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    for m in index["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return index, m
    sys.exit("no tag " + tag)


def rewrite(layout, tag, edit):
    index, m = find(layout, tag)
    manifest = json.loads(blob_get(layout, m["digest"]))
    config = json.loads(blob_get(layout, manifest["config"]["digest"]))
    edit(manifest, config)
    c = json.dumps(config).encode()
    manifest["config"]["digest"] = "sha256:" + blob_put(layout, c)
    manifest["config"]["size"] = len(c)
    md = json.dumps(manifest).encode()
    m["digest"] = "sha256:" + blob_put(layout, md)
    m["size"] = len(md)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)


def add(layout, tag, tarpath, how):
    with open(tarpath, "rb") as f:
        raw = f.read()
    if how == "gzip":
        data, suffix = gzip.compress(raw, mtime=0), "+gzip"
    elif how == "zstd":
        data = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE,
                              check=True).stdout
        suffix = "+zstd"
    else:
        data, suffix = raw, ""
    h = blob_put(layout, data)

    def edit(manifest, config):
        manifest["layers"].append({
            "mediaType": "application/vnd.oci.image.layer.v1.tar" + suffix,
            "digest": "sha256:" + h, "size": len(data)})
        config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(raw).hexdigest())
    rewrite(layout, tag, edit)


def set_diff_id(layout, tag, i, hexd):
    def edit(manifest, config):
        config["rootfs"]["diff_ids"][int(i)] = "sha256:" + hexd
    rewrite(layout, tag, edit)


def make_tar(out, specs):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        for spec in specs:
            kind, name, arg = (spec.split(":", 2) + [""])[:3]
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.mode = 1000000000, 0o644
            data = None
            if kind == "f":
                data = arg.encode()
                ti.size = len(data)
            elif kind == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, arg
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, arg
            elif kind == "c":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "p":
                ti.type = tarfile.FIFOTYPE
            else:
                sys.exit("bad spec " + spec)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)


def main():
    cmd = sys.argv[1]
    if cmd == "add":
        add(*sys.argv[2:6])
    elif cmd == "tar":
        make_tar(sys.argv[2], sys.argv[3:])
    elif cmd == "set-diff-id":
        set_diff_id(*sys.argv[2:6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
