#!/usr/bin/env python3
"""answer_prompt.py ANSWER CMD... - run CMD on a pseudo-terminal and type ANSWER
(followed by Enter) at every passphrase prompt, as a person would.

age reads passphrases only from the terminal; this lets the suites test
passphrase interoperability with the real tool. Exits with CMD's status.
"""
import os
import pty
import sys
import time

answer = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

seen = b""
deadline = time.time() + 120
while time.time() < deadline:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    # Answer each prompt once: "Enter passphrase", "Confirm passphrase".
    while b"passphrase" in seen and b":" in seen.split(b"passphrase", 1)[1]:
        after = seen.split(b"passphrase", 1)[1]
        seen = after[after.index(b":") + 1:]
        time.sleep(0.05)
        os.write(fd, answer)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
