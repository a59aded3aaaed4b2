#!/usr/bin/env python3
"""initrd_unpack.py INITRD DIR - unpacks an initrd as the kernel does:
newc archives one after the other, each gzip-compressed or not (zero
padding between them skipped), every archive into DIR in turn through
cpio -idm. Prints the number of archives."""
import subprocess, sys, zlib

data = open(sys.argv[1], "rb").read()
archives = []
while data:
    if data[0] == 0:
        data = data[1:]
        continue
    if data[:2] == b"\x1f\x8b":
        z = zlib.decompressobj(16 + 15)
        archives.append(z.decompress(data))
        data = z.unused_data
    elif data[:6] == b"070701":
        # an uncompressed archive runs to its trailer
        end = data.index(b"TRAILER!!!")
        end = (end + 11 + 3) & ~3  # the name and its NUL, padded to 4
        archives.append(data[:end])
        data = data[end:]
    else:
        sys.exit("initrd_unpack: neither gzip nor newc at %d bytes from the end" % len(data))
for a in archives:
    subprocess.run(["cpio", "-idm", "--quiet"], input=a, cwd=sys.argv[2], check=True)
print(len(archives))
