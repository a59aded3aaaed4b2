#!/usr/bin/env python3
"""luks_open.py KEYFILE IMAGE OUT - the plaintext of a LUKS2 image's data
segment, decrypted as dm-crypt would, written apart from signet's C.

The volume key, the segment's offset and its sector size come from
cryptsetup (luksDump --dump-volume-key --key-file KEYFILE). The cipher
is aes-xts-plain64 as the kernel's dm-crypt documentation describes it
(Documentation/admin-guide/device-mapper/dm-crypt.rst): XTS over each
encryption sector with the key split into two AES-256 keys, the IV
"plain64" = the 64-bit little-endian sector number, padded with zeros,
and without iv_large_sectors (LUKS2 never sets it) that number counts
512-byte sectors from the start of the segment even when sector_size is
4096. python3-cryptography does the XTS.
"""
import re
import subprocess
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def dump(keyfile, image):
    out = subprocess.run(["cryptsetup", "luksDump", "--dump-volume-key", "--key-file", keyfile,
                          "-q", image], check=True, capture_output=True, text=True).stdout
    key = bytes.fromhex("".join(re.search(r"MK dump:\s*((?:[0-9a-f]{2}\s*)+)", out).group(1).split()))
    plain = subprocess.run(["cryptsetup", "luksDump", image], check=True, capture_output=True,
                           text=True).stdout
    seg = plain[plain.index("Data segments:"):plain.index("Keyslots:")]
    offset = int(re.search(r"offset:\s*(\d+) \[bytes\]", seg).group(1))
    sector = int(re.search(r"sector:\s*(\d+) \[bytes\]", seg).group(1))
    assert re.search(r"cipher:\s*aes-xts-plain64", seg), seg
    assert re.search(r"length:\s*\(whole device\)", seg), seg
    return key, offset, sector


def main():
    keyfile, image, out = sys.argv[1:4]
    key, offset, sector = dump(keyfile, image)
    assert len(key) == 64, len(key)
    with open(image, "rb") as f, open(out, "wb") as w:
        f.seek(offset)
        pos = 0  # byte offset inside the data segment
        while True:
            block = f.read(sector)
            if not block:
                break
            assert len(block) == sector, "segment is not whole sectors"
            iv = (pos // 512).to_bytes(8, "little") + bytes(8)
            d = Cipher(algorithms.AES(key), modes.XTS(iv)).decryptor()
            w.write(d.update(block) + d.finalize())
            pos += sector
    print(f"offset {offset} sector {sector} bytes {pos}")


if __name__ == "__main__":
    main()
