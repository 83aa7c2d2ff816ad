"""Persistence and snapshots: `serve --data-dir` keeps every answered change through a kill -9,
a snapshot moves a tenant's world between sandboxes unchanged, and a bad snapshot changes nothing."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox import persistence
from sandbox.app import Sandbox
from sandbox.client import SignedClient
from sandbox.counters import counter_value
from sandbox.dispatcher import Answer
from sandbox.persistence import SNAPSHOT_FORMAT, SNAPSHOT_MAGIC, SnapshotError, dump_tenant
from tests.helpers import FREEZE, START, cli, free_port

SEARCH = "/order/202309/orders/search"
WEBHOOKS = "/event/202309/webhooks"
SNAPSHOT = "/sandbox/snapshot"
OCTETS = {"Content-Type": "application/octet-stream"}
PROBE = "scenario: persisted-probe\ndescription: joins the world and stays loaded\n"
LATER = ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED")


def start_server(*args: str) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/sandbox/health", timeout=1).status_code == 200:
                return base, process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise AssertionError(process.stdout.read() if process.stdout else "server stopped")
        if time.monotonic() > deadline:  # a hung start, an error of the set-up, not a speed target
            raise RuntimeError("server did not start")
        time.sleep(0.05)


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.kill(process.pid, sig)
    process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def signed(http: Any, app_key: str | None = None) -> SignedClient:
    path = f"/sandbox/tenants/{app_key}" if app_key else "/sandbox/tenants/default"
    return SignedClient.for_tenant(http, http.get(path).json())


def order_ids(tts: SignedClient, **filters: Any) -> list[str]:
    body = tts.post(SEARCH, filters, params={"page_size": 100}).json()
    assert body["code"] == 0, body
    return [o["id"] for o in body["data"]["orders"]]


def order_status(tts: SignedClient, order_id: str) -> str:
    body = tts.get("/order/202309/orders", params={"ids": [order_id]}).json()
    return str(body["data"]["orders"][0]["status"])


# ----- kill -9 during load, restart, every acknowledged change is there ---------------------------
class Load:
    """Signed and control calls against a live server, keeping what the server acknowledged."""

    def __init__(self, base: str, *, set_up: bool = True):
        self.set_up = set_up  # subscribe to webhooks and load a scenario first
        self.http = httpx.Client(base_url=base, timeout=10)
        self.tts = signed(self.http)
        self.shipped: list[str] = []
        self.cancelled: list[str] = []
        self.clock: list[str] = []  # "now" of each acknowledged advance
        self.subscribed: dict[str, str] = {}
        self.scenario = False
        self.acknowledged = 0
        self.stopped = threading.Event()
        self.error: BaseException | None = None

    def run(self, to_ship: list[str], to_cancel: list[str]) -> None:
        try:
            self._run(to_ship, to_cancel)
        except httpx.TransportError:
            pass  # killed: the request in flight is unanswered
        except BaseException as exc:  # a failed check in this thread fails the test, not a warning
            self.error = exc

    def _run(self, to_ship: list[str], to_cancel: list[str]) -> None:
        address = "http://127.0.0.1:9/hooks"  # nobody listens: deliveries stay in the outbox
        for event_type in ("ORDER_STATUS_CHANGE", "PACKAGE_UPDATE") if self.set_up else ():
            answer = self.tts.call("PUT", WEBHOOKS, body={"address": address, "event_type": event_type})
            if answer.json()["code"] == 0:
                self.subscribed[event_type] = address
                self.acknowledged += 1
        if self.set_up:
            loaded = self.http.post(
                "/sandbox/scenarios", content=PROBE, headers={"Content-Type": "application/yaml"}
            )
            assert loaded.status_code == 201, loaded.text
        self.scenario = True
        for step in range(10_000):
            if step % 3 == 0 and to_ship:
                order_id = to_ship.pop()
                package_id = self.tts.get("/order/202309/orders", params={"ids": [order_id]}).json()["data"][
                    "orders"
                ][0]["packages"][0]["id"]
                shipped = self.tts.post(
                    f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}
                ).json()
                if shipped["code"] == 0:
                    self.shipped.append(order_id)
            elif step % 3 == 1 and to_cancel:
                order_id = to_cancel.pop()
                answer = self.tts.post(
                    "/return_refund/202309/cancellations",
                    {"order_id": order_id, "cancel_reason": "Out of stock"},
                ).json()
                if answer["code"] == 0 and answer["data"]["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE":
                    self.cancelled.append(order_id)
            else:
                advanced = self.http.post("/sandbox/clock/advance", json={"by": "7m"})
                assert advanced.status_code == 200, advanced.text
                self.clock.append(advanced.json()["now"])
            self.acknowledged += 1
            if self.stopped.is_set():
                return


def kill_during_load(base: str, process: subprocess.Popen[str], load: Load) -> None:
    to_ship = order_ids(load.tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")
    to_cancel = [o for o in order_ids(load.tts, order_status="AWAITING_SHIPMENT") if o not in to_ship]
    assert len(to_ship) >= 5 and len(to_cancel) >= 5
    worker = threading.Thread(target=load.run, args=(to_ship, to_cancel))
    worker.start()
    deadline = time.monotonic() + 60
    while load.acknowledged < 25 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    stop(process, signal.SIGKILL)  # mid-load: the worker has requests in flight
    worker.join(timeout=30)
    assert not worker.is_alive()
    if load.error is not None:
        raise load.error
    assert load.shipped and load.cancelled and load.clock and load.scenario


def assert_kept(http: httpx.Client, loads: list[Load]) -> None:
    tts = signed(http)
    clock = http.get("/sandbox/clock").json()
    assert clock["frozen"] is True
    assert clock["now"] >= max(loads[-1].clock)  # a later advance may have been written, never less
    for load in loads:
        for order_id in load.shipped:
            assert order_status(tts, order_id) in LATER, order_id
        for order_id in load.cancelled:
            assert order_status(tts, order_id) == "CANCELLED", order_id
    hooks = tts.get(WEBHOOKS).json()["data"]["webhooks"]
    assert {h["event_type"]: h["address"] for h in hooks} == loads[0].subscribed
    assert http.get("/sandbox/scenarios/persisted-probe").status_code == 200
    outbox = http.get("/sandbox/webhooks/deliveries", params={"limit": 1000}).json()["deliveries"]
    notified = {d["order_id"] for d in outbox}
    for load in loads:
        assert set(load.cancelled) <= notified and set(load.shipped) <= notified


def test_kill_9_during_load_loses_no_acknowledged_change(tmp_path):
    """Killed twice under load, restarted each time on what the log holds: every answered change
    of both runs is there, and the created tenant with its clock."""
    data_dir = str(tmp_path / "state")
    base, process = start_server("--data-dir", data_dir, "--freeze-at", FREEZE, "--orders", "300")
    try:
        first = Load(base)
        created = first.http.post("/sandbox/tenants", json={"name": "ci-job"}).json()
        job = {"X-Sandbox-Tenant": created["app_key"]}
        assert first.http.post("/sandbox/clock/advance", json={"by": "5h"}, headers=job).status_code == 200
        kill_during_load(base, process, first)
    finally:
        stop(process, signal.SIGKILL)

    base, process = start_server("--data-dir", data_dir)
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            assert_kept(http, [first])
        second = Load(base, set_up=False)
        second.subscribed = first.subscribed
        kill_during_load(base, process, second)
    finally:
        stop(process, signal.SIGKILL)

    base, process = start_server("--data-dir", data_dir)
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            assert_kept(http, [first, second])
            assert http.get("/sandbox/clock", headers=job).json()["now"] == "2026-03-02T14:00:00Z"
        assert list(Path(data_dir).rglob("*.tmp")) == []
    finally:
        stop(process)


def test_restart_without_a_data_dir_forgets(tmp_path):
    for _ in range(2):
        base, process = start_server("--freeze-at", FREEZE)
        try:
            clock = httpx.get(f"{base}/sandbox/clock").json()
            assert clock["now"] == FREEZE  # the advance of the first run is gone
            assert httpx.post(f"{base}/sandbox/clock/advance", json={"by": "3d"}).status_code == 200
        finally:
            stop(process)
    assert list(tmp_path.iterdir()) == []


def test_a_restart_on_a_data_dir_keeps_tenants_and_clock_and_the_cli_moves_snapshots(tmp_path):
    data_dir = str(tmp_path / "state")
    base, process = start_server("--data-dir", data_dir, "--freeze-at", FREEZE)
    try:
        created = httpx.post(f"{base}/sandbox/tenants", json={"name": "ci-job"}).json()
        headers = {"X-Sandbox-Tenant": created["app_key"]}
        httpx.post(f"{base}/sandbox/clock/advance", json={"by": "2d"}, headers=headers)
    finally:
        stop(process)
    base, process = start_server("--data-dir", data_dir, "--seed", "99")  # options of a fresh world unused
    try:
        tenants = httpx.get(f"{base}/sandbox/tenants").json()["tenants"]
        assert [t["app_key"] for t in tenants] == ["sandbox_app_key", created["app_key"]]
        assert tenants[1]["app_secret"] == created["app_secret"] and tenants[0]["seed"] == 42
        assert httpx.get(f"{base}/sandbox/clock", headers=headers).json()["now"] == "2026-03-04T09:00:00Z"
        file = tmp_path / "ci-job.snapshot"
        cli("snapshot", "export", "--base-url", base, "--tenant", created["app_key"], "-o", str(file))
    finally:
        stop(process)
    base, process = start_server()  # memory only
    try:
        out = cli("snapshot", "import", str(file), "--base-url", base)
        assert f"tenant {created['app_key']} added" in out
        assert httpx.get(f"{base}/sandbox/clock", headers=headers).json()["now"] == "2026-03-04T09:00:00Z"
    finally:
        stop(process)
    base, process = start_server("--snapshot", str(file))
    try:
        assert httpx.get(f"{base}/sandbox/clock", headers=headers).json()["frozen"] is True
    finally:
        stop(process)


def serve_fails(data_dir: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox.cli",
            "serve",
            "--port",
            str(free_port()),
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    return result.stderr


def write_older_format(root: Path, *tenants: Any) -> None:
    """A data directory as the sandbox wrote it before the database: a registry, a file per tenant."""
    (root / "tenants").mkdir(parents=True)
    for tenant in tenants:
        (root / "tenants" / f"{tenant.app_key}.snapshot").write_bytes(dump_tenant(tenant))
    registry = {"format": 3, "tenants": [t.app_key for t in tenants], "created": 0, "start": FREEZE}
    (root / "tenants.json").write_text(json.dumps({**registry, "frozen": True}))


def test_an_unreadable_data_dir_is_a_clear_error_naming_the_file(tmp_path):
    older = tmp_path / "older"
    write_older_format(older, Sandbox(freeze_at=START).tenants.default)
    tenant_file = older / "tenants" / "sandbox_app_key.snapshot"
    tenant_file.write_bytes(tenant_file.read_bytes()[:5000])
    with pytest.raises(SnapshotError, match=r"sandbox_app_key\.snapshot: the snapshot is damaged"):
        Sandbox(data_dir=older)
    stderr = serve_fails(older)
    assert str(tenant_file) in stderr and "damaged" in stderr
    (older / "tenants.json").write_text("{not json")
    with pytest.raises(SnapshotError, match=r"tenants\.json: not a tenants registry of the older format"):
        Sandbox(data_dir=older)

    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "sandbox.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(SnapshotError, match=r"sandbox\.db: not a sandbox database"):
        Sandbox(data_dir=garbage)
    assert "sandbox.db: not a sandbox database" in serve_fails(garbage)

    later = tmp_path / "later"
    Sandbox(data_dir=later).close()
    with sqlite3.connect(later / "sandbox.db") as db:
        db.execute("UPDATE meta SET value='7' WHERE key='format'")
    with pytest.raises(
        SnapshotError, match=r"a data directory of format 7, not one this sandbox reads \(1 or 2\)"
    ):
        Sandbox(data_dir=later)


def test_a_data_dir_of_the_older_format_is_migrated_once_and_its_files_renamed(tmp_path):
    source = busy_sandbox()
    with source.app.test_client() as http:
        before = unchanged(http)
    write_older_format(tmp_path, source.tenants.default)
    (tmp_path / "tenants" / ".sandbox_app_key.snapshot.4242.1.tmp").write_bytes(
        b"x" * 1000
    )  # a kill's leftover
    migrated = Sandbox(data_dir=tmp_path)
    assert migrated.restored and migrated.store is not None
    assert any("migrated 1 tenant(s) from the older format" in note for note in migrated.store.notes)
    assert any("removed 1 temporary file(s)" in note for note in migrated.store.notes)
    assert not (tmp_path / "tenants.json").exists() and (tmp_path / "tenants.json.migrated").is_file()
    assert (tmp_path / "tenants.migrated" / "sandbox_app_key.snapshot").is_file()
    assert list(tmp_path.rglob("*.tmp")) == []
    with migrated.app.test_client() as http:
        assert unchanged(http) == before
        http.post("/sandbox/clock/advance", json={"by": "1h"})
        after = unchanged(http)
    migrated.close()
    again = Sandbox(data_dir=tmp_path)
    assert again.store is not None and again.store.notes == []  # read from the database alone
    with again.app.test_client() as http:
        assert unchanged(http) == after


# ----- snapshots between in-process sandboxes ------------------------------------------------------
def busy_sandbox() -> Sandbox:
    sandbox = Sandbox(freeze_at=START, validate_responses=True)
    with sandbox.app.test_client() as http:
        keep_busy(http)
    return sandbox


def keep_busy(http: Any) -> None:
    """Ship an order, subscribe to a webhook, load a scenario and let a day and more go by."""
    tts = signed(http)
    order_id = order_ids(tts, order_status="AWAITING_SHIPMENT", shipping_type="TIKTOK")[0]
    package_id = tts.get("/order/202309/orders", params={"ids": [order_id]}).json()["data"]["orders"][0][
        "packages"
    ][0]["id"]
    assert (
        tts.post(f"/fulfillment/202309/packages/{package_id}/ship", {"handover_method": "DROP_OFF"}).json()[
            "code"
        ]
        == 0
    )
    tts.call("PUT", WEBHOOKS, body={"address": "http://127.0.0.1:9/h", "event_type": "ORDER_STATUS_CHANGE"})
    http.post("/sandbox/scenarios", content=PROBE, headers={"Content-Type": "application/yaml"})
    http.post("/sandbox/clock/advance", json={"by": "26h"})


def views(http: Any) -> list[bytes]:
    """What a client sees of a tenant, as raw bytes."""
    tts = signed(http)
    return [
        tts.post(SEARCH, {}, params={"page_size": 100}).content,
        tts.get(WEBHOOKS).content,
        http.get("/sandbox/clock").content,
        http.get("/sandbox/deadlines").content,
        http.get("/sandbox/events").content,
        http.get("/sandbox/scenarios").content,
        http.get("/sandbox/webhooks/deliveries").content,
    ]


def unchanged(http: Any) -> list[Any]:
    """The same, less the request IDs that each Open API call takes."""
    seen: list[Any] = views(http)
    seen[0] = json.loads(seen[0])["data"]
    seen[1] = json.loads(seen[1])["data"]
    return seen


def test_a_snapshot_imported_elsewhere_is_the_same_world_and_goes_on_the_same_way():
    source = busy_sandbox()
    target = Sandbox(seed=7, order_count=3)
    with source.app.test_client() as a, target.app.test_client() as b:
        snapshot = a.get(SNAPSHOT)
        assert snapshot.status_code == 200 and snapshot.content.startswith(SNAPSHOT_MAGIC)
        assert snapshot.headers["content-type"] == "application/octet-stream"
        imported = b.post(SNAPSHOT, content=snapshot.content, headers=OCTETS)
        assert imported.status_code == 201, imported.text
        assert imported.json()["replaced"] is True and imported.json()["app_key"] == "sandbox_app_key"
        assert views(a) == views(b)
        for http in (a, b):
            http.post("/sandbox/clock/advance", json={"by": "9d"})
        assert views(a) == views(b)
        for http in (a, b):
            http.post("/sandbox/clock/resume")
        assert b.get("/sandbox/clock").json()["frozen"] is False


def test_an_imported_tenant_with_a_new_app_key_is_added_and_reached_by_its_credentials():
    source = Sandbox(freeze_at=START)
    with source.app.test_client() as a:
        created = a.post("/sandbox/tenants", json={"name": "moved"}).json()
        headers = {"X-Sandbox-Tenant": created["app_key"]}
        a.post("/sandbox/clock/advance", json={"by": "1h"}, headers=headers)
        snapshot = a.get(SNAPSHOT, headers=headers).content
    target = Sandbox(freeze_at=START)
    with target.app.test_client() as b:
        imported = b.post(SNAPSHOT, content=snapshot, headers=OCTETS).json()
        assert imported["replaced"] is False and imported["app_secret"] == created["app_secret"]
        tts = signed(b, created["app_key"])
        assert tts.get("/authorization/202309/shops", shop=False).json()["code"] == 0
        assert b.get("/sandbox/clock", headers=headers).json()["now"] == "2026-03-02T10:00:00Z"
        assert b.get("/sandbox/clock").json()["now"] == "2026-03-02T09:00:00Z"  # the default one untouched


class Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("echo unsafe",))


def bad_snapshots(good: bytes) -> dict[str, bytes]:
    header_end = good.index(b"\n", len(SNAPSHOT_MAGIC)) + 1
    return {
        "garbage": b"not a snapshot at all",
        "truncated": good[: len(good) // 2],
        "other format": good.replace(f'"format":{SNAPSHOT_FORMAT}'.encode(), b'"format":99', 1),
        "no header": SNAPSHOT_MAGIC + b"x" * 5000,
        "forbidden global": good[:header_end] + pickle.dumps(Evil()),
        "not a tenant": good[:header_end] + pickle.dumps({"orders": []}),
        "empty": b"",
    }


@pytest.mark.parametrize("kind", list(bad_snapshots(b"tts-sandbox-snapshot\n{}\n")))
def test_a_bad_snapshot_is_refused_with_400_and_changes_nothing(kind, tmp_path):
    sandbox = Sandbox(freeze_at=START, validate_responses=True, data_dir=tmp_path)
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with sandbox.app.test_client() as http:
        good = http.get(SNAPSHOT).content
        before = unchanged(http)
        answer = http.post(SNAPSHOT, content=bad_snapshots(good)[kind], headers=OCTETS)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["type"] == "invalid_snapshot"
        assert unchanged(http) == before
        assert http.get("/sandbox/tenants").json()["tenants"][0]["app_key"] == "sandbox_app_key"
        assert len(http.get("/sandbox/tenants").json()["tenants"]) == 1
        assert http.get("/sandbox/clock").json()["now"] == "2026-03-02T09:00:00Z"
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(files)


def test_snapshots_survive_a_restart_of_an_in_process_sandbox_with_a_data_dir(tmp_path):
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    with first.app.test_client() as http:
        http.post("/sandbox/clock/advance", json={"by": "30h"})
        before = unchanged(http)
    again = Sandbox(data_dir=tmp_path)
    assert again.restored
    with again.app.test_client() as http:
        assert unchanged(http) == before


def world_state(tenant: Any) -> list[Any]:
    """A tenant's world as plain values, all of it that the requests below touch."""
    world = tenant.world
    return [
        world.clock.frozen,
        world.clock.now() if world.clock.frozen else world.clock._offset,
        world.pending_deadlines(),
        world.rng.getstate(),
        [(e.seq, e.event) for e in world.events],
        [vars(entry) if hasattr(entry, "__dict__") else entry for entry in world.journal.entries],
        {o.id: (o.status, o.update_time) for o in world.orders.values()},
        [(d.id, d.body, d.next_due) for d in world.webhooks.deliveries.values()],
        sorted(world.scenarios),
        counter_value(world._request_seq),
    ]


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen clock", "running clock"])
def test_a_restart_replays_the_logged_requests_into_the_same_world(frozen, tmp_path):
    first = Sandbox(freeze_at=START if frozen else None, data_dir=tmp_path)
    with first.app.test_client() as http:
        keep_busy(http)
        created = http.post("/sandbox/tenants", json={"name": "ci-job"}).json()
        http.post(
            "/sandbox/clock/advance", json={"by": "2h"}, headers={"X-Sandbox-Tenant": created["app_key"]}
        )
        assert http.get("/order/202309/nowhere").status_code == 200  # refused, with a request ID
        assert http.get("/order/202309/orders/").status_code == 200  # the same, before routing
        tts = signed(http, created["app_key"])
        assert tts.post(SEARCH, {}, params={"page_size": 5}).json()["code"] == 0
        seen = unchanged(http)
    before = [world_state(t) for t in first.tenants.all()]
    again = Sandbox(data_dir=tmp_path)
    assert again.restored and again.replayed >= 10
    assert [t.app_key for t in again.tenants.all()] == ["sandbox_app_key", created["app_key"]]
    assert [world_state(t) for t in again.tenants.all()] == before
    if frozen:
        with again.app.test_client() as http:
            assert unchanged(http) == seen


def test_a_tenant_is_written_whole_every_so_many_changes_and_a_restart_replays_only_the_rest(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(persistence, "SNAPSHOT_EVERY", 4)
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    with first.app.test_client() as http:
        for _ in range(10):
            assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
            first.store.flush()  # a snapshot is pickled in the background: let it land each time
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        (kept,) = db.execute("SELECT seq FROM tenants WHERE app_key='sandbox_app_key'").fetchone()
        rows = [seq for (seq,) in db.execute("SELECT seq FROM log ORDER BY seq")]
    assert kept == 8 and rows == [9, 10]  # a snapshot after the 4th and the 8th change
    again = Sandbox(data_dir=tmp_path)
    assert again.replayed == 2
    assert world_state(again.tenants.default) == world_state(first.tenants.default)


def held_copies(monkeypatch: pytest.MonkeyPatch) -> int:
    """Make the forked copies that pickle snapshots wait until a byte is written to the returned
    descriptor (one byte per copy): the test decides when a background snapshot is made."""
    gate_read, gate_write = os.pipe()
    dump = persistence.dump_tenant
    server = os.getpid()

    def held(tenant: Any) -> bytes:
        if os.getpid() != server:  # in a copy; the snapshots written in the turn go ahead
            os.read(gate_read, 1)
        return dump(tenant)

    monkeypatch.setattr(persistence, "dump_tenant", held)
    monkeypatch.setattr(os, "closerange", lambda low, high: None)  # the copy keeps the gate open
    return gate_write


needs_fork = pytest.mark.skipif(not persistence.BACKGROUND_SNAPSHOTS, reason="snapshots in the turn here")


@needs_fork
def test_a_background_snapshot_holds_the_world_as_it_was_when_it_was_due_and_the_rows_after_it_stay(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(persistence, "SNAPSHOT_EVERY", 3)
    gate = held_copies(monkeypatch)
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    with first.app.test_client() as http:
        for _ in range(5):  # the 3rd change makes the snapshot due; the copy waits at the gate
            assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
        os.write(gate, b"x")
        first.store.flush()
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        (kept,) = db.execute("SELECT seq FROM tenants WHERE app_key='sandbox_app_key'").fetchone()
        rows = [seq for (seq,) in db.execute("SELECT seq FROM log ORDER BY seq")]
    assert kept == 3 and rows == [4, 5]  # made after the 4th and 5th changes were answered
    again = Sandbox(data_dir=tmp_path)
    assert again.replayed == 2 and again.tenants.default.world.now() == START + timedelta(hours=5)
    assert world_state(again.tenants.default) == world_state(first.tenants.default)


@needs_fork
def test_a_snapshot_due_while_one_is_being_pickled_is_pickled_in_the_background_too(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence, "SNAPSHOT_EVERY", 2)
    gate = held_copies(monkeypatch)
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    store = first.store
    assert store is not None
    in_the_turn: list[str] = []
    snapshot = store.snapshot
    monkeypatch.setattr(store, "snapshot", lambda t, p=None: in_the_turn.append(t.app_key) or snapshot(t, p))
    with first.app.test_client() as http:
        for _ in range(6):  # the 2nd change sends a copy off; 4 more come while it is held
            assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
        os.write(gate, b"xx")
        store.flush()
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200  # due again
        store.flush()
    assert in_the_turn == []
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        assert db.execute("SELECT seq FROM tenants").fetchall() == [(7,)]


@needs_fork
def test_a_background_snapshot_that_lands_after_a_newer_one_is_dropped(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence, "SNAPSHOT_EVERY", 2)
    gate = held_copies(monkeypatch)
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    store, tenant = first.store, first.tenants.default
    assert store is not None
    with first.app.test_client() as http:
        for _ in range(3):  # the 2nd change sends a copy off to pickle
            assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
        store.snapshot(tenant).result()  # a newer snapshot, written in the turn (seq 3)
        os.write(gate, b"x")  # the older copy now lands, and must not replace it
        store.flush()
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        assert db.execute("SELECT seq FROM tenants").fetchall() == [(3,)]
        assert db.execute("SELECT count(*) FROM log").fetchone() == (0,)
    assert Sandbox(data_dir=tmp_path).tenants.default.world.now() == START + timedelta(hours=3)


@needs_fork
def test_a_background_snapshot_that_fails_loses_nothing_and_the_next_change_writes_the_tenant_whole(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(persistence, "SNAPSHOT_EVERY", 2)

    server, dump = os.getpid(), persistence.dump_tenant

    def broken(tenant: Any) -> bytes:
        if os.getpid() != server:
            raise OSError("disk full")
        return dump(tenant)

    monkeypatch.setattr(persistence, "dump_tenant", broken)
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    with first.app.test_client() as http:
        for _ in range(2):
            assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
        assert first.store is not None
        first.store.flush()
        with sqlite3.connect(tmp_path / "sandbox.db") as db:
            assert db.execute("SELECT seq FROM log ORDER BY seq").fetchall() == [(1,), (2,)]
        monkeypatch.undo()
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        assert db.execute("SELECT count(*) FROM log").fetchone() == (0,)  # written whole instead
    assert Sandbox(data_dir=tmp_path).tenants.default.world.now() == START + timedelta(hours=3)


class _Wanted:
    """A lock that says when someone starts waiting for it."""

    def __init__(self, lock: Any, wanted: threading.Event):
        self.lock, self.wanted = lock, wanted

    def __enter__(self) -> None:
        self.wanted.set()
        self.lock.acquire()

    def __exit__(self, *_: Any) -> None:
        self.lock.release()


def test_a_row_logged_while_the_writer_holds_the_database_waits_for_it_and_the_answer_waits_for_the_row(
    tmp_path,
):
    sandbox = Sandbox(freeze_at=START, data_dir=tmp_path)
    store = sandbox.store
    assert store is not None and store._log is not None
    wanted = threading.Event()
    with sandbox.app.test_client() as http:
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
        store._log._db_lock = _Wanted(store._db_lock, wanted)  # type: ignore[assignment]
        answers: list[int] = []
        request = threading.Thread(
            target=lambda: answers.append(http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code)
        )
        with store._db_lock:  # as while the writer thread writes a snapshot's part
            request.start()
            assert wanted.wait(30)  # the log's thread has the row and waits for the database
            assert answers == []  # and the answer waits for the row
        request.join(30)
        assert answers == [200]
        with sqlite3.connect(tmp_path / "sandbox.db") as db:
            assert [seq for (seq,) in db.execute("SELECT seq FROM log ORDER BY seq")] == [1, 2]
    assert Sandbox(data_dir=tmp_path).tenants.default.world.now() == START + timedelta(hours=2)


def test_rows_logged_from_many_threads_are_committed_in_the_order_they_were_numbered(tmp_path):
    sandbox = Sandbox(freeze_at=START, data_dir=tmp_path)
    store = sandbox.store
    assert store is not None
    tenant = sandbox.tenants.default
    change = persistence.Change(START, 0.0, "POST", "/sandbox/clock/advance", b"", [], b'{"by": "1m"}')
    committed: list[int] = []
    real_commit = store._log._commit  # type: ignore[union-attr]

    def watched(rows: list[tuple[Any, ...]]) -> Exception | None:
        committed.extend(row[0] for row in rows)
        return real_commit(rows)

    store._log._commit = watched  # type: ignore[union-attr,method-assign]
    threads = [
        threading.Thread(target=lambda: [store.log(tenant, change).result() for _ in range(50)])
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert committed == sorted(committed) == list(range(1, 201))  # a prefix at every commit
    store.close()


def test_a_change_that_cannot_be_written_answers_503_and_the_next_one_writes_the_tenant_whole(tmp_path):
    sandbox = Sandbox(freeze_at=START, data_dir=tmp_path)
    database = tmp_path / "sandbox.db"
    with sandbox.app.test_client() as http:
        with sqlite3.connect(database) as db:
            db.execute("ALTER TABLE log RENAME TO log_away")  # the next row cannot be written
        failed = http.post("/sandbox/clock/advance", json={"by": "1h"})
        assert failed.status_code == 503 and failed.json()["error"]["type"] == "state_not_saved"
        with sqlite3.connect(database) as db:
            db.execute("ALTER TABLE log_away RENAME TO log")
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM log").fetchone() == (0,)  # a snapshot, not a row
    assert Sandbox(data_dir=tmp_path).tenants.default.world.now() == START + timedelta(hours=2)


def test_a_clean_stop_writes_every_changed_tenant_whole(tmp_path):
    sandbox = Sandbox(freeze_at=START, data_dir=tmp_path)
    with sandbox.app.test_client() as http:
        keep_busy(http)
    sent = []
    sandbox.dispatcher.send = lambda address, headers, body: sent.append(body) or Answer(200, "ok")
    assert sandbox.dispatcher.run_due() == len(sent) > 0
    before = world_state(sandbox.tenants.default)
    sandbox.close()
    again = Sandbox(data_dir=tmp_path)
    assert again.replayed == 0 and world_state(again.tenants.default) == before
    attempts = again.tenants.default.world.webhooks.deliveries.values()
    assert all(d.attempts for d in attempts)  # delivered before the stop: not sent again


@pytest.mark.parametrize("path", sorted(Path("scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_scenario_world_round_trips_through_a_snapshot(path):
    from sandbox.persistence import dump_tenant, load_tenant

    sandbox = Sandbox(freeze_at=START)
    sandbox.load_scenario(path)
    world = sandbox.tenants.default.world
    world.advance_to(world.now() + timedelta(days=2))
    copy = load_tenant(dump_tenant(sandbox.tenants.default)).world
    assert copy.now() == world.now() and copy.pending_deadlines() == world.pending_deadlines()
    for each in (world, copy):
        each.advance_to(each.now() + timedelta(days=20))
    assert [r.seq for r in copy.events] == [r.seq for r in world.events]
    assert [r.event for r in copy.events] == [r.event for r in world.events]
    assert {n: r.report() for n, r in copy.scenarios.items()} == {
        n: r.report() for n, r in world.scenarios.items()
    }


def test_a_snapshot_names_the_world_classes_by_their_public_module():
    # Format 3 snapshots name World, Shop, WorldProfile, RecordedEvent and the queued rules as
    # sandbox.world.*: a module inside the package (sandbox.world.core...) would break reading the
    # snapshots of a sandbox from before the world became a package, and theirs reading ours.
    from sandbox.persistence import dump_tenant

    sandbox = Sandbox(freeze_at=START)
    sandbox.load_scenario(Path("scenarios/happy-path.yaml"))
    body = dump_tenant(sandbox.tenants.default).split(b"\n", 2)[2]
    named: set[str] = set()

    class Naming(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            named.add(module)
            return super().find_class(module, name)

    Naming(io.BytesIO(body)).load()
    assert "sandbox.world" in named
    assert not {m for m in named if m.startswith("sandbox.world.")}, named


def test_a_snapshot_of_format_3_pickled_slot_by_slot_is_still_read_as_the_same_world():
    from sandbox.persistence import load_tenant

    source = busy_sandbox()
    tenant = source.tenants.default
    header = {"format": 3, "sandbox_version": "0.x", "app_key": tenant.app_key, "now": FREEZE}
    older = SNAPSHOT_MAGIC + json.dumps(header).encode() + b"\n" + pickle.dumps(tenant, protocol=5)
    newer = dump_tenant(tenant)
    assert len(newer) < len(older) * 0.8  # records as tuples of values, their slot names once
    assert world_state(load_tenant(older)) == world_state(load_tenant(newer)) == world_state(tenant)


class _Forged:
    """Pickles as a record of a class the sandbox never rebuilds from a snapshot."""

    def __reduce__(self) -> tuple[Any, ...]:
        return persistence._slotted_record, (set, ("add",), (1,))


def test_a_snapshot_record_of_a_class_that_is_not_a_sandbox_record_is_refused():
    header = {"format": 4, "sandbox_version": "0.x", "app_key": "sandbox_app_key", "now": FREEZE}
    forged = SNAPSHOT_MAGIC + json.dumps(header).encode() + b"\n" + pickle.dumps(_Forged(), protocol=5)
    with pytest.raises(SnapshotError, match="it holds a record of 'set' it cannot rebuild"):
        persistence.load_tenant(forged)


def test_a_snapshot_is_written_in_parts_and_a_data_dir_of_format_1_is_read_and_taken_to_2(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(persistence, "SNAPSHOT_PART_BYTES", 4096)
    first = Sandbox(freeze_at=START, data_dir=tmp_path)
    with first.app.test_client() as http:
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
    first.close()  # written whole on the way out
    database = tmp_path / "sandbox.db"
    with sqlite3.connect(database) as db:
        ((parts, whole),) = db.execute("SELECT parts, length(snapshot) FROM tenants").fetchall()
        sizes = [
            n for (n,) in db.execute("SELECT length(data) FROM snapshot_parts WHERE snapshot=?", (parts,))
        ]
        assert whole == 0 and len(sizes) > 2 and max(sizes) == 4096
        # The same world as format 1 kept it: the snapshot in its tenant's row, no parts.
        data = b"".join(d for (d,) in db.execute("SELECT data FROM snapshot_parts ORDER BY part"))
        db.execute("DROP TABLE snapshot_parts")
        db.execute("ALTER TABLE tenants DROP COLUMN parts")
        db.execute("UPDATE tenants SET snapshot=?", (data,))
        db.execute("UPDATE meta SET value='1' WHERE key='format'")
    again = Sandbox(data_dir=tmp_path)
    assert again.restored and again.tenants.default.world.now() == START + timedelta(hours=1)
    with again.app.test_client() as http:  # the next snapshot of the tenant is written in parts
        assert http.post("/sandbox/clock/advance", json={"by": "1h"}).status_code == 200
    again.close()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT value FROM meta WHERE key='format'").fetchone() == ("2",)
        assert db.execute("SELECT count(*) FROM snapshot_parts").fetchone()[0] > 2
        assert db.execute("SELECT length(snapshot) FROM tenants").fetchone() == (0,)
    assert Sandbox(data_dir=tmp_path).tenants.default.world.now() == START + timedelta(hours=2)


def test_the_parts_of_a_snapshot_a_kill_cut_short_are_removed_at_start_and_the_tenant_kept(tmp_path):
    Sandbox(freeze_at=START, data_dir=tmp_path).close()
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        db.execute("INSERT INTO snapshot_parts VALUES (999, 0, ?)", (b"half a snapshot",))
    again = Sandbox(data_dir=tmp_path)
    assert again.restored and again.tenants.default.world.now() == START
    assert again.store is not None
    assert any("part(s) of a snapshot" in note for note in again.store.notes)
    with sqlite3.connect(tmp_path / "sandbox.db") as db:
        assert db.execute("SELECT count(*) FROM snapshot_parts WHERE snapshot=999").fetchone() == (0,)


def test_after_each_part_of_a_snapshot_the_database_syncs_every_commit_again(tmp_path):
    sandbox = Sandbox(freeze_at=START, data_dir=tmp_path)
    store = sandbox.store
    assert store is not None and store._db is not None
    settings: list[int] = []
    real = persistence._commit_unsynced

    def watched(db: sqlite3.Connection, statement: str, args: tuple[Any, ...]) -> None:
        real(db, statement, args)
        settings.append(db.execute("PRAGMA synchronous").fetchone()[0])

    persistence._commit_unsynced = watched  # type: ignore[assignment]
    try:
        store.snapshot(sandbox.tenants.default).result()
    finally:
        persistence._commit_unsynced = real  # type: ignore[assignment]
    assert settings and set(settings) == {2}  # FULL again after each part: rows are synced
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2
    sandbox.close()
    assert Sandbox(data_dir=tmp_path).tenants.default.world.now() == START
