"""Every request has a total deadline for its headers and body ([server]
request_deadline_seconds), however steadily it trickles: libmicrohttpd's own
timeout counts only idle time, so a client sending a header line every fraction
of a second kept its connection for ever. A request that arrives in time on the
same kind of connection is answered.
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class RequestDeadline(unittest.TestCase):
    def test_trickling_request_closed_at_its_deadline(self):
        with harness.tempdir() as tmp:
            data = harness.data_dir(tmp)
            harness.init(data)  # the default deadline, 5 s
            with harness.Server(data) as srv:
                s = socket.create_connection((srv.host, srv.port), timeout=0.3)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                closed = False
                # bounded by the idle timeout (30 s), which the trickle never lets fire
                for _ in range(80):
                    try:
                        s.sendall(b"X-Slow: 1\r\n")
                        if s.recv(4096) == b"":
                            closed = True
                            break
                    except socket.timeout:
                        continue
                    except OSError:
                        closed = True
                        break
                s.close()
                self.assertTrue(closed, "a trickling request kept its connection past its deadline")
                # a request that comes whole is answered, on a connection opened the same way
                s = socket.create_connection((srv.host, srv.port), timeout=10)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                got = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    got += chunk
                s.close()
                self.assertTrue(got.startswith(b"HTTP/1.1 200"), got[:100])


if __name__ == "__main__":
    unittest.main()
