"""`make soak`: the real app under steady load while documents change and uploads attack it (issue 13, item 7).

What runs: `python app.py --ingest-if-empty data/speeches` in a child process on a free 127.0.0.1 port, with a
fresh data directory (the model folders linked in, never rebuilt), the real model and the embedded Chroma.
Against it, for `--seconds`:
- `--clients` (32) question clients, each a connection of its own, asking the eval's questions round-robin;
- a replace every `--replace-every` (10) s: a sample speech changed by one closing sentence (a new doc id),
  `POST /api/documents?replace=true&wait=true` with the admin token;
- an upload attack in parallel: anonymous uploads to Gradio's upload route and to `/api/documents`, a .docx
  bomb sent with the admin token (an administrator forwarding a bad file), and a large legitimate upload that
  is cancelled while it embeds.
Reported: answers/s, p50/p95/p99 latency, errors (transport errors and 5xx; "busy" 503s counted apart), the
latency of questions sent while a replace ran, RSS of the app every 5 s, the attack's outcomes, and stale
citations: a citation of a speech version that a replace had retired before the question was sent.

The clients all come from 127.0.0.1, so the per-client rate limit is raised for the run (it would otherwise
refuse 31 of the 32 "users"); every other limit is the default. Results: bench/results/soak-<time>.json and
the printed table. Bounded: the run stops by itself; the app is stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "speeches"
CHANGED = "000_ba48dc24f464237d.txt"  # holds 两个保障: many questions cite it
MODEL_FOLDERS = ("multilingual-e5-small", "multilingual-e5-small-onnx")


@dataclass
class Ask:
    started: float  # seconds since the run began
    latency_s: float
    status: int  # 0: transport error
    cited: list[str] = field(default_factory=list)  # doc ids


@dataclass
class Replace:
    started: float
    finished: float
    status: int
    retired: str  # the doc id this replace made inactive ("" when it failed)


@dataclass
class Soak:
    asks: list[Ask] = field(default_factory=list)
    replaces: list[Replace] = field(default_factory=list)
    attacks: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → {status: count}
    rss_mb: list[tuple[float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attacked(self, kind: str, status: int | str) -> None:
        with self.lock:
            counts = self.attacks.setdefault(kind, {})
            counts[str(status)] = counts.get(str(status), 0) + 1


def questions(limit: int = 60) -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:limit]


def changed_sample(version: int) -> str:
    text = (SAMPLES / CHANGED).read_text(encoding="utf-8").rstrip()
    return f"{text}\n本讲话稿为第{version}次修订稿，请以此稿为准。\n"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the app --------------------------------------------------------------------------------------


def start_app(data: Path, port: int, token: str, clients: int, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "POLICY_QA_DATA_DIR": str(data),
        "POLICY_QA_PORT": str(port),
        "POLICY_QA_HOST": "127.0.0.1",
        "POLICY_QA_ADMIN_TOKEN": token,
        "POLICY_QA_RATE_PER_MINUTE": "100000",  # all clients share one address (see the module doc)
        "POLICY_QA_RATE_BURST": str(clients * 10),
        "HF_HUB_OFFLINE": "1",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "app.py", "--ingest-if-empty", str(SAMPLES)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_ready(url: str, app: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"the app exited with {app.returncode} before it was ready")
        try:
            if httpx.get(url + "api/health", timeout=5).json().get("documents"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1.0)
    raise SystemExit(f"the app was not ready after {timeout_s:.0f} s")


def stop_app(app: subprocess.Popen[bytes]) -> None:
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(10)


# --- the load -------------------------------------------------------------------------------------


def asker(url: str, soak: Soak, began: float, until: float, offset: int, asked: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        i = offset
        while time.monotonic() < until:
            question = asked[i % len(asked)]
            i += 1
            started = time.monotonic()
            cited: list[str] = []
            try:
                response = client.post("api/ask", json={"question": question})
                status = response.status_code
                if status == 200:
                    cited = [c["doc_id"] for c in response.json().get("citations", [])]
            except (httpx.HTTPError, ValueError):
                status = 0
            with soak.lock:
                soak.asks.append(Ask(started - began, time.monotonic() - started, status, cited))


def replacer(url: str, token: str, soak: Soak, began: float, until: float, every_s: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=300, headers=headers) as client:
        current = next(
            d["doc_id"] for d in client.get("api/documents").json()["documents"] if CHANGED in d["sources"]
        )
        version = 0
        while time.monotonic() + every_s < until:
            time.sleep(every_s)
            version += 1
            files = {"files": (CHANGED, changed_sample(version).encode(), "text/plain")}
            started = time.monotonic()
            try:
                response = client.post(
                    "api/documents", params={"replace": "true", "wait": "true"}, files=files
                )
                status = response.status_code
                new = response.json()["files"][0]["doc_ids"][0] if status == 200 else ""
            except (httpx.HTTPError, ValueError, KeyError, IndexError):
                status, new = 0, ""
            retired = current if new and new != current else ""
            current = new or current
            with soak.lock:
                soak.replaces.append(Replace(started - began, time.monotonic() - began, status, retired))


def attacker(url: str, token: str, soak: Soak, until: float, work: Path) -> None:
    from tests.support.bombs import docx_bomb  # the same bomb the tests use

    bomb = docx_bomb(work / "bomb.docx", 520)
    large = "".join(
        f"第{n}条：各级各类学校要认真贯彻落实第{n}项工作要求，确保任务落到实处。\n" for n in range(3_000)
    )
    admin = {"Authorization": f"Bearer {token}"}
    attacks: list[tuple[str, Callable[[httpx.Client], int | str]]] = [
        (
            "anonymous gradio upload",
            lambda c: c.post("gradio_api/upload", files={"files": ("a.txt", b"x" * 4096)}).status_code,
        ),
        (
            "upload without token",
            lambda c: c.post("api/documents", files={"files": ("a.txt", "讲话".encode())}).status_code,
        ),
        (
            "docx bomb (admin)",
            lambda c: (
                c.post(
                    "api/documents", files={"files": ("b.docx", bomb.read_bytes())}, headers=admin
                ).status_code
            ),
        ),
        ("large upload, cancelled (admin)", lambda c: _cancelled_upload(c, admin, large, until)),
    ]
    with httpx.Client(base_url=url, timeout=120) as client:
        round_ = 0
        while time.monotonic() < until:
            kind, attack = attacks[round_ % len(attacks)]
            round_ += 1
            try:
                soak.attacked(kind, attack(client))
            except httpx.HTTPError as exc:
                soak.attacked(kind, type(exc).__name__)
            time.sleep(1.0)


def _cancelled_upload(client: httpx.Client, admin: dict[str, str], text: str, until: float) -> int | str:
    """Upload a large speech as a job, cancel it once it embeds (or after 20 s); its final state
    (waited for until 30 s past the end of the run)."""
    name = f"large-{secrets.token_hex(3)}.txt"
    job = client.post("api/documents", files={"files": (name, text.encode())}, headers=admin).json()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = client.get(f"api/jobs/{job['job_id']}", headers=admin).json()
        if state["state"] in ("done", "cancelled") or state["files"][0]["stage"] == "embedding":
            break
        time.sleep(0.5)
    client.post(f"api/jobs/{job['job_id']}/cancel", headers=admin)
    while time.monotonic() < until + 30:
        state = client.get(f"api/jobs/{job['job_id']}", headers=admin).json()
        if state["state"] in ("done", "cancelled"):
            return str(state["state"])
        time.sleep(0.5)
    return "still running"


def sample_rss(pid: int, soak: Soak, began: float, until: float) -> None:
    while time.monotonic() < until:
        soak.rss_mb.append((round(time.monotonic() - began, 1), round(rss_mb(pid), 1)))
        time.sleep(5.0)


# --- the report -----------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summarise(soak: Soak, clients: int) -> dict[str, Any]:
    answered = [a for a in soak.asks if a.status == 200]
    seconds = max((a.started + a.latency_s for a in soak.asks), default=1.0)  # the clients' own span
    latencies = [a.latency_s for a in answered]
    retired = {r.retired: r.finished for r in soak.replaces if r.retired}
    stale = [a for a in answered for d in a.cited if d in retired and a.started > retired[d]]
    windows = [(r.started, r.finished) for r in soak.replaces]
    during = [a.latency_s for a in answered if any(s <= a.started <= f for s, f in windows)]
    return {
        "clients": clients,
        "seconds": seconds,
        "answers": len(answered),
        "answers_per_s": round(len(answered) / seconds, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000),
        "p95_ms": round(percentile(latencies, 95) * 1000),
        "p99_ms": round(percentile(latencies, 99) * 1000),
        "max_ms": round(max(latencies, default=0.0) * 1000),
        "errors": sum(1 for a in soak.asks if a.status == 0 or (a.status >= 500 and a.status != 503)),
        "busy_503": sum(1 for a in soak.asks if a.status == 503),
        "other_status": sorted({a.status for a in soak.asks} - {0, 200, 503}),
        "stale_citations": len(stale),
        "replaces": len(soak.replaces),
        "replaces_ok": sum(1 for r in soak.replaces if r.status == 200),
        "replace_s_p50": round(percentile([r.finished - r.started for r in soak.replaces], 50), 2),
        "replace_s_max": round(max((r.finished - r.started for r in soak.replaces), default=0.0), 2),
        "during_replace_answers": len(during),
        "during_replace_p95_ms": round(percentile(during, 95) * 1000),
        "during_replace_max_ms": round(max(during, default=0.0) * 1000),
        "attacks": soak.attacks,
        "rss_mb_start": soak.rss_mb[0][1] if soak.rss_mb else 0,
        "rss_mb_max": max((m for _, m in soak.rss_mb), default=0),
        "rss_mb_end": soak.rss_mb[-1][1] if soak.rss_mb else 0,
        "rss_mb": soak.rss_mb,
    }


def render(summary: dict[str, Any]) -> str:
    rss = " ".join(f"{t:.0f}s:{m:.0f}" for t, m in summary["rss_mb"][:: max(1, len(summary["rss_mb"]) // 12)])
    attacks = "; ".join(f"{k}: {v}" for k, v in summary["attacks"].items())
    rows = [
        ("clients × seconds", f"{summary['clients']} × {summary['seconds']:.0f} s"),
        ("answers, answers/s", f"{summary['answers']}, {summary['answers_per_s']}"),
        (
            "p50 / p95 / p99 / max",
            f"{summary['p50_ms']} / {summary['p95_ms']} / {summary['p99_ms']} / {summary['max_ms']} ms",
        ),
        ("errors (transport, 5xx) / busy 503", f"{summary['errors']} / {summary['busy_503']}"),
        (
            "replaces ok / done, time p50 / max",
            f"{summary['replaces_ok']} / {summary['replaces']}, {summary['replace_s_p50']} / {summary['replace_s_max']} s",
        ),
        (
            "questions sent during a replace: n, p95, max",
            f"{summary['during_replace_answers']}, {summary['during_replace_p95_ms']} ms, "
            f"{summary['during_replace_max_ms']} ms",
        ),
        ("stale citations", str(summary["stale_citations"])),
        (
            "RSS MB start / max / end",
            f"{summary['rss_mb_start']} / {summary['rss_mb_max']} / {summary['rss_mb_end']}",
        ),
        ("RSS over time (s:MB)", rss),
        ("upload attack (status: count)", attacks),
    ]
    return "\n".join(["| measure | value |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="soak: clients + replaces + an upload attack against the real app"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--replace-every", type=float, default=10.0)
    parser.add_argument(
        "--models", type=Path, default=ROOT / "var" / "models", help="folder with the model folders"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        data = Path(tmp)
        (data / "models").mkdir()
        for folder in MODEL_FOLDERS:
            if (args.models / folder).exists():
                (data / "models" / folder).symlink_to(
                    (args.models / folder).resolve(), target_is_directory=True
                )
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        app = start_app(data, port, token, args.clients, data / "app.log")
        try:
            wait_ready(url, app, timeout_s=600)
            summary = run(url, token, args, app.pid, data)
        finally:
            stop_app(app)
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"soak-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(render(summary))
    print(f"\n(written to {out})")
    return 0


def run(url: str, token: str, args: argparse.Namespace, pid: int, work: Path) -> dict[str, Any]:
    soak = Soak()
    asked = questions()
    began = time.monotonic()
    until = began + args.seconds
    threads = [
        threading.Thread(target=asker, args=(url, soak, began, until, n * 7, asked), name=f"soak-client-{n}")
        for n in range(args.clients)
    ]
    threads += [
        threading.Thread(target=replacer, args=(url, token, soak, began, until, args.replace_every)),
        threading.Thread(target=attacker, args=(url, token, soak, until, work)),
        threading.Thread(target=sample_rss, args=(pid, soak, began, until)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 300)
    return summarise(soak, args.clients) | {"when": datetime.now().isoformat(timespec="seconds")}


if __name__ == "__main__":
    sys.exit(main())
