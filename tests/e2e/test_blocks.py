"""IP blocks through HTTP: an address is blocked and matched in its one canonical
form, whichever form the admin typed or the trusted proxy's X-Forwarded-For gave
(upper-case IPv6, IPv4-mapped IPv6); a block list full of admins' blocks answers
POST /blocks with 503 block_table_full instead of dropping one of them."""

import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CAPACITY = 4096


class Blocks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tempdir()
        data = harness.data_dir(cls.tmp.name)
        pw = harness.init_fast(data)["one_time_password"]
        harness.set_config(harness.config_path(data), "server", "trusted_proxies", "127.0.0.1")
        # 4,095 admins' blocks already stored: one slot is left
        db = sqlite3.connect(os.path.join(data, "canhgac.db"))
        now = int(time.time())
        db.executemany("INSERT INTO detect_blocks(ip, reason, created_by, created_at, expires_at) "
                       "VALUES (?, 'fill', 'admin', ?, ?)",
                       [("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255), now, now + 86400)
                        for i in range(1, CAPACITY)])
        db.commit()
        db.close()
        cls.srv = harness.Server(data).start()
        cls.admin = harness.signed_in(cls.srv, "admin", pw)

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        cls.tmp.cleanup()
        assert code == 0

    def sign_in_from(self, xff):
        return harness.Client(self.srv).sign_in("nobody", "x", headers={"X-Forwarded-For": xff})

    def test_canonical_then_full(self):
        st, _, body = self.admin.request("POST", "/api/v1/blocks",
                                         {"ip": "2001:DB8:0::5", "ttl_seconds": 600, "reason": "kiểm thử"})
        self.assertEqual(st, 201, body)
        self.assertIn("2001:db8::5", [b["ip"] for b in body["blocks"]])
        # the proxy's header in another form is the same address
        st, _, body = self.sign_in_from("2001:db8::5")
        self.assertEqual((st, body["error"]), (403, "ip_blocked"))
        st, _, body = self.sign_in_from("2001:0DB8::0005")
        self.assertEqual((st, body["error"]), (403, "ip_blocked"))
        # an IPv4-mapped IPv6 address is its IPv4 address
        st, _, body = self.sign_in_from("::ffff:10.0.0.1")
        self.assertEqual((st, body["error"]), (403, "ip_blocked"))
        st, _, body = self.sign_in_from("10.0.0.1")
        self.assertEqual((st, body["error"]), (403, "ip_blocked"))
        self.assertEqual(self.sign_in_from("2001:db8::6")[0], 401)

        # the list is now full of admins' blocks: refused, nothing evicted
        st, _, body = self.admin.request("POST", "/api/v1/blocks",
                                         {"ip": "198.51.100.1", "ttl_seconds": 600, "reason": "kiểm thử"})
        self.assertEqual((st, body["error"]), (503, "block_table_full"), body)
        self.assertEqual(body["capacity"], CAPACITY)
        self.assertTrue(body["message"])
        st, _, body = self.admin.request("GET", "/api/v1/blocks")
        self.assertEqual(len(body["blocks"]), CAPACITY)
        self.assertNotIn("198.51.100.1", [b["ip"] for b in body["blocks"]])
        # one alert says so
        st, _, body = harness.eventually(lambda: self.admin.request("GET", "/api/v1/alerts"),
                                         lambda r: any(a["rule"] == "block_table_full" for a in r[2]["alerts"]))
        self.assertEqual(len([a for a in body["alerts"] if a["rule"] == "block_table_full"]), 1, body)

        # removal in another form frees a slot
        st, _, _ = self.admin.request("DELETE", "/api/v1/blocks/2001:DB8::5")
        self.assertEqual(st, 204)
        self.assertEqual(self.sign_in_from("2001:db8::5")[0], 401)
        st, _, body = self.admin.request("POST", "/api/v1/blocks",
                                         {"ip": "198.51.100.1", "ttl_seconds": 600, "reason": "kiểm thử"})
        self.assertEqual(st, 201, body)


if __name__ == "__main__":
    unittest.main()
