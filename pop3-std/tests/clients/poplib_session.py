"""Python's poplib against a POP3 server: every command, each message written to a file.

usage: poplib_session.py MODE HOST PORT CAFILE USER PASSWORD OUTDIR DELETE
MODE: plain | stls | ssl | apop. Prints one JSON object: what the server answered.
"""
import json
import os
import poplib
import ssl
import sys

# poplib reads at most 2048 octets per line by default; the test mail has longer lines.
poplib._MAXLINE = 1 << 20

mode, host, port, cafile, user, password, outdir, delete = sys.argv[1:9]
port = int(port)
context = ssl.create_default_context(cafile=cafile)
if mode == "ssl":
    pop = poplib.POP3_SSL(host, port, context=context, timeout=30)
else:
    pop = poplib.POP3(host, port, timeout=30)
caps = pop.capa()
if mode == "stls":
    pop.stls(context)
    caps = pop.capa()
if mode == "apop":
    pop.apop(user, password)
else:
    pop.user(user)
    pop.pass_(password)
count, octets = pop.stat()
_, listing, _ = pop.list()
_, uidl, _ = pop.uidl()
_, top, _ = pop.top(1, 0)
sizes = []
for line in listing:
    num, size = line.split()
    _, lines, _ = pop.retr(int(num))
    # poplib hands back the lines without their CRLF and with the stuffing dot removed.
    body = b"".join(l + b"\r\n" for l in lines)
    with open(os.path.join(outdir, num.decode()), "wb") as f:
        f.write(body)
    sizes.append(int(size))
    if delete == "yes":
        pop.dele(int(num))
pop.noop()
pop.quit()
print(json.dumps({
    "caps": sorted(caps.keys()),
    "count": count,
    "octets": octets,
    "sizes": sizes,
    "uidl": [l.decode() for l in uidl],
    "top": b"".join(l + b"\r\n" for l in top).decode("latin-1"),
}))
