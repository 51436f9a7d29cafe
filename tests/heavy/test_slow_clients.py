"""Slow clients cannot take the door down (issue 18). A few hundred connections
from many loopback addresses (127.0.0.2 and up), each trickling its request a
header line at a time and reconnecting whenever the server closes it, hold every
connection slot of a server whose limit is lower than their number
([server] max_connections = 128, the per-address limit of 64 kept). A normal
client's /healthz and sign-in must still answer within a second each: the
server closes the oldest unfinished requests to keep reserved slots free and
gives every request a total deadline. Before that the global limit filled and
nothing answered until the attackers stopped.

Heavy (about half a minute, a few hundred sockets): registered under the ctest
label `heavy` (make check-heavy), not in the default suite.
"""

import http.client
import json
import os
import select
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402

ADDRESSES = 30
PER_ADDRESS = 10   # 300 connections, against a limit of 128
ROUNDS = 5


class Attack:
    """The slow connections: each sends a request line, then one header line per
    pass, and is reopened when the server closes it."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.socks = {}
        self.stop = threading.Event()
        self.opened = 0
        self.reopened = 0
        self.passes = 0
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, slot):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind(("127.0.0.%d" % (2 + slot // PER_ADDRESS), 0))
        try:
            s.connect((self.host, self.port))
        except BlockingIOError:
            pass
        self.socks[slot] = [s, False]  # socket, request line sent

    def run(self):
        for slot in range(ADDRESSES * PER_ADDRESS):
            self.open(slot)
            self.opened += 1
        while not self.stop.is_set():
            for slot, st in list(self.socks.items()):
                s, started = st
                try:
                    r, _, _ = select.select([s], [], [], 0)
                    if r and s.recv(4096) == b"":
                        raise ConnectionResetError()
                    s.send(b"X-Slow: 1\r\n" if started else b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    st[1] = True
                except (BlockingIOError, InterruptedError):
                    pass  # not connected yet, or the buffer is full
                except OSError:
                    s.close()
                    self.open(slot)
                    self.reopened += 1
            self.passes += 1
            if self.passes >= 3:  # every connection has sent its request line and a header
                self.ready.set()
            self.stop.wait(0.5)
        for s, _ in self.socks.values():
            s.close()


class SlowClients(unittest.TestCase):
    def test_normal_client_answered_during_slow_attack(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            out = harness.init_fast(data)
            conf = harness.config_path(data)
            harness.set_config(conf, "server", "max_connections", "128")
            harness.set_config(conf, "lockout", "ip_max_failures", "100000")
            with harness.Server(data) as srv:
                harness.signed_in(srv, "admin", out["one_time_password"])
                attack = Attack(srv.host, srv.port)
                attack.thread.start()
                try:
                    self.assertTrue(attack.ready.wait(60), "the attack did not get going")
                    worst = {"healthz": 0.0, "signin": 0.0}
                    for _ in range(ROUNDS):
                        t0 = time.monotonic()
                        c = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
                        c.request("GET", "/healthz")
                        r = c.getresponse()
                        r.read()
                        c.close()
                        self.assertEqual(r.status, 200)
                        worst["healthz"] = max(worst["healthz"], time.monotonic() - t0)
                        t0 = time.monotonic()
                        c = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
                        c.request("POST", "/api/v1/session",
                                  body=json.dumps({"username": "admin",
                                                   "password": harness.STRONG}),
                                  headers={"Content-Type": "application/json"})
                        r = c.getresponse()
                        r.read()
                        c.close()
                        self.assertEqual(r.status, 200)
                        worst["signin"] = max(worst["signin"], time.monotonic() - t0)
                    print("slow clients: %d opened, %d reopened after the server closed them; "
                          "worst healthz %.3f s, worst sign-in %.3f s"
                          % (attack.opened, attack.reopened, worst["healthz"], worst["signin"]),
                          file=sys.stderr)
                    self.assertLess(worst["healthz"], 1.0)
                    self.assertLess(worst["signin"], 1.0)
                finally:
                    attack.stop.set()
                    attack.thread.join(30)


if __name__ == "__main__":
    unittest.main()
