"""Sends the webhooks waiting in the tenants' outboxes, outside every world lock.

The server runs one dispatcher thread; tests and in-process users call ``run_due()`` themselves
(optionally with their own ``send``, so no socket is opened). A delivery is taken out of the outbox
as "in flight" under the world's lock, sent without it, and its attempt recorded under the lock
again: API requests never wait for a receiver, and each delivery is attempted exactly once per
due time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sandbox.clock import wall_now
from sandbox.tenants import Tenant
from sandbox.webhooks import RECEIVER_TIMEOUT_SECONDS, RESPONSE_KEPT, Attempt, Delivery, signature

_log = logging.getLogger("sandbox.webhooks")


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    text: str = ""
    error: str = ""


# (address, headers, body) -> the receiver's answer
Send = Callable[[str, dict[str, str], bytes], Answer]


def http_send(address: str, headers: dict[str, str], body: bytes) -> Answer:
    # Imported by the first delivery, not at start: a twentieth of a second of every start, for
    # servers most of which never send a webhook.
    import httpx

    try:
        with httpx.Client(timeout=RECEIVER_TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.post(address, content=body, headers=headers)
        return Answer(response.status_code, response.text[:RESPONSE_KEPT])
    except httpx.TimeoutException:
        return Answer(None, error=f"no answer within {RECEIVER_TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}"[:RESPONSE_KEPT])


def headers_for(tenant: Tenant, delivery: Delivery) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Authorization": signature(tenant.app_key, tenant.app_secret, delivery.body),
        "User-Agent": "tiktok-shop-sandbox-webhooks",
    }


class Dispatcher:
    def __init__(
        self,
        tenants: Callable[[], Iterable[Tenant]],
        send: Send = http_send,
        on_attempts: Callable[[Tenant], None] | None = None,
    ):
        self.tenants = tenants
        self.send = send
        self.on_attempts = on_attempts  # told of each tenant whose outbox a run changed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> int:
        """Attempt every delivery due by its tenant's virtual time; returns how many were attempted."""
        attempted = 0
        for tenant in self.tenants():
            world = tenant.world
            with world.session():
                batch = world.webhooks.due(world.now())
                outbox = world.webhooks
            for delivery in batch:
                due = delivery.next_due
                assert due is not None
                began = time.perf_counter()
                answer = self.send(delivery.address, headers_for(tenant, delivery), delivery.body)
                latency = (time.perf_counter() - began) * 1000
                with world.lock:
                    outbox.record(
                        delivery,
                        Attempt(
                            len(delivery.attempts) + 1,
                            due,
                            world.now(),
                            wall_now(),
                            answer.status_code,
                            round(latency, 3),
                            answer.error,
                            answer.text,
                        ),
                    )
                attempted += 1
            if batch and self.on_attempts is not None:
                self.on_attempts(tenant)
        return attempted

    # ----- the server's thread ---------------------------------------------------------------
    def start(self, interval: float = 0.05) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=RECEIVER_TIMEOUT_SECONDS + 1)
            self._thread = None

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                attempted = self.run_due()
            except Exception:  # a bad delivery must not stop the others
                _log.exception("webhook dispatch failed")
                attempted = 0
            if not attempted:
                self._stop.wait(interval)
