#!/usr/bin/env python3
"""initrd_unpack.py INITRD DIR - unpacks an initrd as the kernel does:
newc archives one after the other, each gzip-compressed or not (zero
padding between them skipped), every archive into DIR in turn through
cpio -idm. Prints the number of archives.

initrd_unpack.py --list INITRD - prints every entry instead, one line
"ARCHIVE MODE PATH" (ARCHIVE counting from 1, MODE in octal)."""
import subprocess, sys, zlib


def archives(data):
    out = []
    while data:
        if data[0] == 0:
            data = data[1:]
            continue
        if data[:2] == b"\x1f\x8b":
            z = zlib.decompressobj(16 + 15)
            out.append(z.decompress(data))
            data = z.unused_data
        elif data[:6] == b"070701":
            # an uncompressed archive runs to its trailer
            end = data.index(b"TRAILER!!!")
            end = (end + 11 + 3) & ~3  # the name and its NUL, padded to 4
            out.append(data[:end])
            data = data[end:]
        else:
            sys.exit("initrd_unpack: neither gzip nor newc at %d bytes from the end" % len(data))
    return out


def entries(body):
    off = 0
    while True:
        h = body[off:off + 110]
        assert h[:6] == b"070701", h[:6]
        mode, size, nl = int(h[14:22], 16), int(h[54:62], 16), int(h[94:102], 16)
        name = body[off + 110:off + 110 + nl - 1].decode()
        off = (off + 110 + nl + 3) & ~3
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return
        yield mode, name


if sys.argv[1] == "--list":
    for i, a in enumerate(archives(open(sys.argv[2], "rb").read()), 1):
        for mode, name in entries(a):
            print(i, "%o" % mode, name)
else:
    found = archives(open(sys.argv[1], "rb").read())
    for a in found:
        subprocess.run(["cpio", "-idm", "--quiet"], input=a, cwd=sys.argv[2], check=True)
    print(len(found))
