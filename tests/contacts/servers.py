"""Local test providers on loopback that deduplicate by idempotency key, as real providers do:
an SMTP server (aiosmtpd) keyed by Message-ID / X-Idempotency-Key, a JSON SMS provider and a
push webhook (http.server) keyed by ``idempotency_key``. Both count raw receipts too."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.raw: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}

    def record(self, key: str, item: dict[str, Any]) -> bool:
        """True when the key is new."""
        with self.lock:
            self.raw.append(item)
            if key in self.by_key:
                return False
            self.by_key[key] = item
            return True

    @property
    def duplicates(self) -> int:
        with self.lock:
            return len(self.raw) - len(self.by_key)

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(str(r["key"]) for r in self.raw)


class SmtpServer(_Recorder):
    """aiosmtpd on 127.0.0.1; `refuse` (a set of addresses) answers 550 for them."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.refuse = refuse
        self.port = free_port()
        server = self

        class Handler:
            async def handle_RCPT(self, srv, session, envelope, address, rcpt_options):
                if address in server.refuse:
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, srv, session, envelope):
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                key = msg.get("X-Idempotency-Key") or msg.get("Message-ID") or ""
                server.record(
                    key,
                    {
                        "key": key,
                        "message_id": msg.get("Message-ID"),
                        "to": list(envelope.rcpt_tos),
                        "subject": str(msg["Subject"]),
                        "body": msg.get_content(),
                    },
                )
                return "250 Message accepted"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class HttpProvider(_Recorder):
    """A JSON provider: POST / -> 200 {"id": ...}; a repeated key answers 200 with the first
    id (deduplicated). `fail_first` requests answer 503; `delay` slows every answer;
    `invalid` numbers answer 400 {"error": "invalid_number"}."""

    def __init__(
        self, *, fail_first: int = 0, delay: float = 0.0, invalid: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.fail_first, self.delay, self.invalid = fail_first, delay, invalid
        self.requests = 0
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                return None

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                with server.lock:
                    server.requests += 1
                    k = server.requests
                    server.headers.append(dict(self.headers.items()))
                if server.delay:
                    time.sleep(server.delay)
                if k <= server.fail_first:
                    return self._answer(503, {"error": "unavailable"})
                data = json.loads(raw)
                if data.get("to") in server.invalid:
                    return self._answer(400, {"error": "invalid_number"})
                key = data.get("idempotency_key") or self.headers.get("Idempotency-Key") or ""
                server.record(key, {"key": key, **data})
                self._answer(200, {"id": f"p-{key}"})

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                out = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HttpProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
