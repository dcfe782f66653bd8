# SPDX-License-Identifier: GPL-2.0-or-later
"""Servers and clients of tests/integration/35-forwarder.bats (python3, standard library only).

  serve PORT RECORD   the container: on PORT, TCP answers "peer IP PORT got N" once the client
                      half-closed (so every answer proves half-close works); UDP answers
                      "peer IP PORT TEXT.upper()"; on PORT+1, TCP says "hi", shuts its side,
                      and writes the byte count it then receives to RECORD. Prints "ready".
  tcp HOST PORT SIZE [SRC]     sends SIZE bytes (from SRC), half-closes, prints the answer
  greet HOST PORT SIZE         reads to EOF, then sends SIZE bytes; prints what it read
  udp HOST PORT TEXT           sends TEXT until an answer comes (5 s), prints it
  many HOST PORT N CMD...      N connections at once, one byte each; with all of them open
                               runs CMD until it succeeds (30 s at most) and prints its last
                               output; then half-closes them all and prints "ok K", K the
                               connections that got their answer
  refused HOST PORT            prints how a connection ends that nobody serves: reset or eof
"""
import asyncio
import socket
import subprocess
import sys


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def plain(addr):
    return addr[7:] if addr.startswith("::ffff:") else addr


def read_all(s):
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


async def serve(port, record):
    async def answer(r, w):
        data = await r.read()
        peer = w.get_extra_info("peername")
        w.write(f"peer {plain(peer[0])} {peer[1]} got {len(data)}\n".encode())
        await w.drain()
        w.close()

    async def greet(r, w):
        w.write(b"hi\n")
        await w.drain()
        w.write_eof()
        data = await r.read()
        with open(record, "w") as f:
            f.write(f"{len(data)}\n")
        w.close()

    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, t):
            self.t = t

        def datagram_received(self, d, a):
            self.t.sendto(f"peer {plain(a[0])} {a[1]} ".encode() + d.upper(), a)

    def listener(p, kind):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", p))
        if kind == socket.SOCK_STREAM:
            s.listen(2048)
        return s

    loop = asyncio.get_running_loop()
    a = await asyncio.start_server(answer, sock=listener(port, socket.SOCK_STREAM))
    g = await asyncio.start_server(greet, sock=listener(port + 1, socket.SOCK_STREAM))
    await loop.create_datagram_endpoint(Echo, sock=listener(port, socket.SOCK_DGRAM))
    print("ready", flush=True)
    await asyncio.gather(a.serve_forever(), g.serve_forever())


def connect(host, port, src=None):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(20)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    return s


def tcp(host, port, size, src=None):
    s = connect(host, port, src)
    s.sendall(b"x" * size)
    s.shutdown(socket.SHUT_WR)
    print(read_all(s).decode().strip())


def greet(host, port, size):
    s = connect(host, port)
    got = read_all(s)
    s.sendall(b"y" * size)
    s.close()
    print(got.decode().strip())


def udp(host, port, text):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(0.25)
    for _ in range(20):
        s.sendto(text.encode(), (host, port))
        try:
            print(s.recv(2048).decode())
            return
        except socket.timeout:
            pass
    sys.exit("no answer")


async def many(host, port, n, cmd):
    conns = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(n)))
    for _, w in conns:
        w.write(b"z")
    await asyncio.gather(*(w.drain() for _, w in conns))
    # The kernel completes handshakes before the forwarder accepts: CMD may need a moment.
    for _ in range(60):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode == 0:
            break
        await asyncio.sleep(0.5)
    print(done.stdout.strip(), flush=True)
    for _, w in conns:
        w.write_eof()
    answers = await asyncio.gather(*(r.read() for r, _ in conns))
    for _, w in conns:
        w.close()
    print("ok", sum(1 for a in answers if a.endswith(b" got 1\n")))


def refused(host, port):
    try:
        s = connect(host, port)
        s.sendall(b"x")
        print("eof" if read_all(s) == b"" else "data")
    except ConnectionResetError:
        print("reset")


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "serve":
        asyncio.run(serve(int(args[0]), args[1]))
    elif cmd == "tcp":
        tcp(args[0], int(args[1]), int(args[2]), args[3] if len(args) > 3 else None)
    elif cmd == "greet":
        greet(args[0], int(args[1]), int(args[2]))
    elif cmd == "udp":
        udp(args[0], int(args[1]), args[2])
    elif cmd == "many":
        asyncio.run(many(args[0], int(args[1]), int(args[2]), args[3:]))
    elif cmd == "refused":
        refused(args[0], int(args[1]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
