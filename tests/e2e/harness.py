"""End-to-end harness: runs the real `canhgac` binary against a temporary data
directory and talks HTTP to it. Python 3 standard library only.

ctest runs each tests/e2e/test_*.py with two environment variables:
  CANHGAC_BIN         the binary under test
  CANHGAC_SOURCE_DIR  the source tree (for fixtures)

Typical use in a unittest module::

    import harness

    class T(unittest.TestCase):
        def test_health(self):
            with harness.tempdir() as tmp:
                data = harness.data_dir(tmp)
                harness.init(data)
                with harness.Server(data) as srv:
                    status, headers, body = srv.request("GET", "/healthz")
                    self.assertEqual(status, 200)

A Server starts `canhgac serve --data DIR --listen 127.0.0.1:0`, learns the port
from the line `canhgac: listening on URL` on stdout, waits for GET /healthz to
answer 200, and on exit sends SIGTERM and checks that the process exits 0. The
server's stderr (JSON log lines) is kept in `srv.stderr_text()` / `srv.log_lines()`
and printed when a test inside the `with` fails or the exit code is wrong.

Extend it here (sign-in helpers, cookies, ...) rather than in single tests, so that
every test file speaks to the server the same way.
"""

import http.client
import json
import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("CANHGAC_BIN", "")
SOURCE_DIR = os.environ.get(
    "CANHGAC_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

START_TIMEOUT = 10.0   # seconds to wait for the listening line and /healthz
STOP_TIMEOUT = 10.0    # seconds to wait for exit after a signal
REQUEST_TIMEOUT = 10.0

LISTEN_RE = re.compile(r"^canhgac: listening on (https?)://(\[[^\]]+\]|[^:/]+):(\d+)\s*$")


class HarnessError(AssertionError):
    """The binary did something the harness cannot work with (no listening line,
    no /healthz, a wrong exit code). An AssertionError so unittest reports it as a
    test failure, not an error in the test code."""


def binary():
    """Path of the canhgac binary under test; fails clearly when it is not set."""
    if not BIN or not os.access(BIN, os.X_OK):
        raise HarnessError("CANHGAC_BIN is not set to an executable canhgac (run through ctest)")
    return BIN


def tempdir():
    """A TemporaryDirectory (context manager) for one test's files."""
    return tempfile.TemporaryDirectory(prefix="canhgac-e2e-")


def data_dir(tmp):
    """A path inside `tmp` for `canhgac init` to create (it must not exist yet)."""
    return os.path.join(tmp, "data")


def run(args, timeout=30, input=None, env=None):
    """Runs `canhgac ARGS...` to completion and returns the CompletedProcess
    (text mode: .returncode, .stdout, .stderr). Never raises on a non-zero exit."""
    return subprocess.run([binary()] + list(args), capture_output=True, text=True,
                          timeout=timeout, input=input, env=env)


def init(data, extra_args=()):
    """Runs `canhgac init --data DATA --json` and returns its JSON output (a dict).
    Fails the test when init exits non-zero or prints something else."""
    p = run(["init", "--data", data, "--json"] + list(extra_args))
    if p.returncode != 0:
        raise HarnessError("canhgac init exited %d\nstdout:\n%s\nstderr:\n%s"
                           % (p.returncode, p.stdout, p.stderr))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise HarnessError("canhgac init --json printed no JSON (%s):\n%s" % (e, p.stdout))


def config_path(data):
    return os.path.join(data, "canhgac.conf")


def set_config(path, section, key, value):
    """Sets `key = value` in [section] of the INI file at `path`, replacing the line
    that sets it (the default file lists every key) or adding one under the section
    header (adding the section at the end if needed). A key set twice is a config
    error, so tests must change settings through this rather than append."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    current, header_at, done = None, None, False
    key_re = re.compile(r"^\s*%s\s*=" % re.escape(key))
    for i, line in enumerate(lines):
        m = re.match(r"^\s*\[([^\]]*)\]", line)
        if m:
            current = m.group(1).strip()
            if current == section and header_at is None:
                header_at = i
            continue
        if current == section and key_re.match(line):
            lines[i] = "%s = %s" % (key, value)
            done = True
            break
    if not done:
        if header_at is None:
            lines += ["", "[%s]" % section, "%s = %s" % (key, value)]
        else:
            lines.insert(header_at + 1, "%s = %s" % (key, value))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def make_self_signed_cert(directory, host="127.0.0.1"):
    """Writes a throw-away self-signed certificate and key (PEM) into `directory`
    with openssl (or certtool from gnutls-bin) and returns (cert_path, key_path)."""
    cert = os.path.join(directory, "tls.crt")
    key = os.path.join(directory, "tls.key")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=%s" % host, "-keyout", key, "-out", cert],
                       check=True, capture_output=True, timeout=30)
        return cert, key
    except FileNotFoundError:
        pass
    template = os.path.join(directory, "cert.tmpl")
    with open(template, "w") as f:
        f.write('cn = "%s"\nexpiration_days = 2\ntls_www_server\n' % host)
    subprocess.run(["certtool", "--generate-privkey", "--key-type", "ecdsa",
                    "--outfile", key], check=True, capture_output=True, timeout=30)
    subprocess.run(["certtool", "--generate-self-signed", "--load-privkey", key,
                    "--template", template, "--outfile", cert],
                   check=True, capture_output=True, timeout=30)
    return cert, key


class Server:
    """A running `canhgac serve`. Use as a context manager (or call start() and
    stop()). Attributes once started: scheme, host, port, url, proc."""

    def __init__(self, data, extra_args=(), listen="127.0.0.1:0", env=None,
                 expect_exit=0):
        self.data = data
        self.extra_args = list(extra_args)
        self.listen = listen
        self.env = env
        self.expect_exit = expect_exit
        self.proc = None
        self.scheme = self.host = self.url = None
        self.port = None
        self.returncode = None
        self._stderr = []
        self._stdout = queue.Queue()
        self._threads = []

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        args = [binary(), "serve", "--data", self.data]
        if self.listen is not None:
            args += ["--listen", self.listen]
        self.proc = subprocess.Popen(args + self.extra_args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=self.env)
        self._pump(self.proc.stdout, self._stdout.put)
        self._pump(self.proc.stderr, self._stderr.append)
        try:
            self._wait_listening()
            self._wait_healthy()
        except BaseException:
            self._kill()
            raise
        return self

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends `sig`, waits for the process to exit and returns its exit code."""
        if self.proc is None or self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise HarnessError("canhgac serve did not exit within %.0f s of signal %d\n%s"
                               % (timeout, sig, self.stderr_text()))
        for t in self._threads:
            t.join(5)
        return self.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            # Keep the test's own failure; show what the server said about it.
            try:
                self.stop()
            except HarnessError:
                pass
            self.dump_stderr("canhgac serve stderr (test failed)")
            return False
        code = self.stop()
        if self.expect_exit is not None and code != self.expect_exit:
            raise HarnessError("canhgac serve exited %s, expected %d\n%s"
                               % (code, self.expect_exit, self.stderr_text()))
        return False

    # -- talking to it -----------------------------------------------------

    def connection(self, timeout=REQUEST_TIMEOUT):
        """A new http.client connection to the server (HTTPS without certificate
        verification when it serves TLS)."""
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, raw=None):
        """Sends one request on a new connection and returns (status, headers, body).

        `body` (a dict or list) is sent as JSON with Content-Type application/json;
        `raw` (str or bytes) is sent as it is, with only the headers given. The
        answer's body is parsed as JSON when its Content-Type says so, otherwise
        returned as text. `headers` of the answer is an http.client.HTTPMessage:
        headers.get("Name") is case-insensitive."""
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        elif raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
        conn = self.connection()
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            return resp.status, resp.headers, self._decode(resp.headers, payload)
        finally:
            conn.close()

    @staticmethod
    def _decode(headers, payload):
        ctype = headers.get("Content-Type", "")
        text = payload.decode("utf-8", errors="replace")
        if ctype.startswith("application/json") and payload:
            return json.loads(text)
        return text

    # -- what it said ------------------------------------------------------

    def stderr_text(self):
        return "".join(self._stderr)

    def log_lines(self):
        """The JSON log lines written so far (other stderr lines are skipped)."""
        out = []
        for line in self.stderr_text().splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def dump_stderr(self, title):
        sys.stderr.write("---- %s ----\n%s---- end ----\n" % (title, self.stderr_text()))

    # -- internals ---------------------------------------------------------

    def _pump(self, stream, sink):
        def loop():
            for line in iter(stream.readline, ""):
                sink(line)
            stream.close()
        t = threading.Thread(target=loop, daemon=True)
        t.start()
        self._threads.append(t)

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise HarnessError("no 'canhgac: listening on' line within %.0f s\nstdout:\n%s\nstderr:\n%s"
                                   % (START_TIMEOUT, "".join(seen), self.stderr_text()))
            try:
                line = self._stdout.get(timeout=min(left, 0.1))
            except queue.Empty:
                if self.proc.poll() is not None and self._stdout.empty():
                    for t in self._threads:
                        t.join(2)
                    raise HarnessError("canhgac serve exited %d before listening\nstdout:\n%s\nstderr:\n%s"
                                       % (self.proc.returncode, "".join(seen), self.stderr_text()))
                continue
            seen.append(line)
            m = LISTEN_RE.match(line)
            if m:
                self.scheme, host, self.port = m.group(1), m.group(2), int(m.group(3))
                self.url = "%s://%s:%d" % (self.scheme, host, self.port)
                host = host.strip("[]")
                # A wildcard address is reachable through loopback.
                self.host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
                return

    def _wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError("canhgac serve exited %d while starting\n%s"
                                   % (self.proc.returncode, self.stderr_text()))
            try:
                status, _, body = self.request("GET", "/healthz")
                if status == 200:
                    return
                last = "status %d: %r" % (status, body)
            except (OSError, http.client.HTTPException) as e:
                last = repr(e)
            time.sleep(0.05)
        raise HarnessError("GET /healthz did not answer 200 within %.0f s (last: %s)\n%s"
                           % (START_TIMEOUT, last, self.stderr_text()))

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.returncode = self.proc.returncode if self.proc else None


# -- accounts ------------------------------------------------------------------

# argon2id at OWASP's minimum (19 MiB, 2 passes) keeps e2e sign-ins at ~15 ms; the
# production default (64 MiB, 3 passes) is what docs/SECURITY.md measures.
FAST_HASH = (("password", "hash_memory_mib", "19"), ("password", "hash_passes", "2"),
             # tests that are not about the second factor need no authenticator;
             # test_totp_staff.py turns the requirement back on
             ("totp", "required_roles", ""),
             # tests that are not about the purpose binding look up under any
             # well-formed dossier code; test_dossiers.py, test_lookups.py and
             # test_simulate.py turn verification back on (harness.verify_dossiers)
             ("dossier", "check", "format"),
             # tests change passwords again at once; test_accounts.py turns the
             # minimum age back on for its own test of it
             ("password", "min_age_days", "0"))

# A password that meets the default policy and is in no dictionary.
STRONG = "Tq7#vLm9xR2!"


def init_fast(data, extra_args=()):
    """init, then the fast (still OWASP-minimum) hashing cost. Returns init's JSON."""
    out = init(data, extra_args)
    for section, key, value in FAST_HASH:
        set_config(config_path(data), section, key, value)
    return out


def verify_dossiers(data):
    """Turns [dossier] check = verify back on (init writes it; init_fast turns it off)."""
    set_config(config_path(data), "dossier", "check", "verify")


def generate_dossiers(data, agency, count):
    """`canhgac dossier generate` (audited; through the spool when a server runs)
    and the open dossiers of `agency` as `canhgac dossier list --json` prints them."""
    p = run(["dossier", "generate", "--data", data, "--agency", agency, "--count", str(count), "--json"],
            timeout=120)
    if p.returncode != 0:
        raise HarnessError("dossier generate exited %d: %s" % (p.returncode, p.stderr))
    p = run(["dossier", "list", "--data", data, "--agency", agency, "--open", "--limit", "1000", "--json"])
    if p.returncode != 0:
        raise HarnessError("dossier list exited %d: %s" % (p.returncode, p.stderr))
    return json.loads(p.stdout)


class Client:
    """A browser-like client of one Server: keeps the session cookie from
    POST /api/v1/session and sends it, with X-CSRF-Token, on every request."""

    def __init__(self, srv):
        self.srv = srv
        self.cookie = None
        self.csrf = None

    def sign_in(self, username, password, headers=None):
        status, hdrs, body = self.srv.request("POST", "/api/v1/session",
                                              {"username": username, "password": password},
                                              headers=headers)
        if status == 200:
            cookie = hdrs.get("Set-Cookie", "")
            self.cookie = cookie.split(";", 1)[0]
            self.csrf = body.get("csrf_token")
        return status, hdrs, body

    def request(self, method, path, body=None, csrf=True, headers=None, raw=None):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if csrf and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        return self.srv.request(method, path, body=body, headers=h, raw=raw)

    def change_password(self, current, new):
        return self.request("POST", "/api/v1/me/password",
                            {"current_password": current, "new_password": new})


def signed_in(srv, username, one_time_password, new_password=STRONG):
    """Signs in with a one-time password, changes it to `new_password` and returns
    the ready Client. Fails the test when any step does not answer as it should."""
    c = Client(srv)
    status, _, body = c.sign_in(username, one_time_password)
    if status != 200:
        raise HarnessError("sign-in of %s answered %d: %r" % (username, status, body))
    status, _, body = c.change_password(one_time_password, new_password)
    if status != 204:
        raise HarnessError("password change of %s answered %d: %r" % (username, status, body))
    return c


def eventually(fetch, check, timeout=5.0, interval=0.05):
    """Calls fetch() until check(result) is true or `timeout` seconds pass, and
    returns the last result. For reads of the audit projections, which the audit
    log's delivery thread fills just after a record is durable (milliseconds,
    more under load)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if check(result) or time.monotonic() >= deadline:
            return result
        time.sleep(interval)
