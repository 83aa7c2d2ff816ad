"""Cold start: from launching `tts-sandbox serve` to its first answered request.

Run: python bench/coldstart.py [--runs 7] [--sandbox-root PATH ...]

Each start is timed from the launch of the process until a request is answered: the control
plane's health (as bench/run.py has always timed it), then a signed Open API call, the README's
first call (every surface is built before the server listens, so both come from the full app).
With several --sandbox-root checkouts (say, before and after a change) the starts alternate, so
that what else the machine does weighs on each alike; each checkout's first start is a warm-up,
not counted: it compiles the bytecode (into a folder of its own, PYTHONPYCACHEPREFIX, so no
checkout is written to) and fills the cache a start reads (TTS_SANDBOX_CACHE_DIR, also its own).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402
from load import free_port  # noqa: E402


def _answered(port: int, target: str, headers: dict[str, str]) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", target, headers=headers)
        answer = conn.getresponse()
        body = answer.read()
    except OSError:
        return False
    if answer.status != 200 or (headers and not body.startswith(b'{"code":0')):
        raise RuntimeError(f"{target}: {answer.status} {body[:200]!r}")
    return True


def start(root: Path, folder: Path) -> tuple[float, float]:
    """Seconds from launch to the health answer, and to the signed call's."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "PYTHONPYCACHEPREFIX": str(folder / "bytecode"),
        "TTS_SANDBOX_CACHE_DIR": str(folder / "cache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    shops, headers = _seller_call()
    began = time.perf_counter()
    process = subprocess.Popen(
        [*load.sandbox_command(root), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        # In the checkout: `python -c` puts the working directory ahead of PYTHONPATH, so started
        # from elsewhere (another checkout) it would run that folder's sandbox instead.
        cwd=root,
    )
    try:
        while not _answered(port, "/sandbox/health", {}):
            time.sleep(0.002)
        health = time.perf_counter() - began
        _answered(port, shops, headers)
        return health, time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(10)


def _seller_call() -> tuple[str, dict[str, str]]:
    """The README's first call, signed now: /authorization/202309/shops takes no shop_cipher."""
    from urllib.parse import urlencode

    from sandbox.signing import sign

    path = "/authorization/202309/shops"
    query = {"app_key": load.APP_KEY, "timestamp": str(int(time.time()))}
    query["sign"] = sign(load.APP_SECRET, path, query, "")
    return f"{path}?{urlencode(query)}", {"x-tts-access-token": load.TOKEN}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="counted starts per checkout (7)")
    parser.add_argument(
        "--sandbox-root", type=Path, action="append", help="a checkout to start (this one); repeat to compare"
    )
    args = parser.parse_args()
    roots: list[Path] = args.sandbox_root or [HERE.parent]
    timings: dict[Path, list[tuple[float, float]]] = {root: [] for root in roots}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {root: Path(tmp) / str(index) for index, root in enumerate(roots)}
        for root in roots:
            start(root, folders[root])  # warm-up: bytecode and cache
        for _ in range(args.runs):
            for root in roots:
                timings[root].append(start(root, folders[root]))
    results = {}
    for root, runs in timings.items():
        health, signed = [h for h, _ in runs], [s for _, s in runs]
        results[str(root)] = {
            "health, median s": statistics.median(health),
            "health, min-max s": [min(health), max(health)],
            "signed call, median s": statistics.median(signed),
            "signed call, min-max s": [min(signed), max(signed)],
        }
        print(
            f"{root}: first answer {statistics.median(health):.3f} s "
            f"({min(health):.3f}-{max(health):.3f}), first signed call {statistics.median(signed):.3f} s "
            f"({min(signed):.3f}-{max(signed):.3f}) over {len(runs)} starts"
        )
    out = HERE / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (out / f"coldstart-{stamp}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
