"""poplib, lock-step: RETR every message over one plain session; each into its own file
in OUT (written, not fsynced), or nowhere when OUT is "-". Prints the octets received.

Usage: poplib_fetch.py HOST PORT USER PASSWORD OUT
"""
import os
import poplib
import sys

host, port, user, password, out = sys.argv[1:6]
p = poplib.POP3(host, int(port))
p._max_length = 1 << 30  # poplib's 2048-octet line limit is not under test here
p.user(user)
p.pass_(password)
count, _ = p.stat()
total = 0
for n in range(1, count + 1):
    _, lines, octets = p.retr(n)
    total += octets
    if out != "-":
        with open(os.path.join(out, f"{n}.eml"), "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
p.quit()
print(total)
