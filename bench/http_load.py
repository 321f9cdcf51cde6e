"""Concurrent askers over real HTTP: `clients` threads POST /api/ask to a fresh `python app.py` in a loop.

The issue-15 target is 16 clients ≥ 40 answers/s with p95 ≤ 600 ms on the 2-core machine. The app runs as
`make run` serves it (its own process, the configured embedder, fair-use slots), with the per-client rate
limit lifted (every bench client is 127.0.0.1, which the limiter would otherwise throttle as one user). The
clients run in this process and share the cores with the server, as any same-machine load test does.
Answers/s counts answers that came back 200; refusals by the slots (503) are counted apart.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.startup import ROOT, running_app
from bench.stats import median, percentile

UNTHROTTLED = {"POLICY_QA_RATE_PER_MINUTE": "1000000", "POLICY_QA_RATE_BURST": "100000"}


def http_throughput(
    questions: Sequence[str],
    env: dict[str, str],
    *,
    clients: int = 16,
    duration_s: float = 20.0,
    warm: int = 8,
    root: Path = ROOT,
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    with running_app({**env, **UNTHROTTLED}, root=root) as (base, _, pid):
        with httpx.Client(base_url=base, timeout=60) as warm_client:
            for text in questions[:warm]:  # first passes of the model, jieba's characters, the snapshot
                warm_client.post("/api/ask", json={"question": text})
        start = threading.Barrier(clients + 1)
        deadline: list[float] = []

        def client(k: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                start.wait()
                i = k
                while time.perf_counter() < deadline[0]:
                    began = time.perf_counter()
                    status = http.post(
                        "/api/ask", json={"question": questions[i % len(questions)]}
                    ).status_code
                    took = (time.perf_counter() - began) * 1000
                    with lock:
                        statuses[status] = statuses.get(status, 0) + 1
                        if status == 200:
                            latencies.append(took)
                    i += clients

        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
        for thread in threads:
            thread.start()
        deadline.append(time.perf_counter() + duration_s)
        server_before, clients_before = cpu_seconds(pid), time.process_time()
        began = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        server_cpu, clients_cpu = cpu_seconds(pid) - server_before, time.process_time() - clients_before
    return {
        "clients": clients,
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        # CPU time per answer (all threads) holds still when the neighbours' load moves the wall clock:
        # 2 cores can serve at most 2000 / (server + clients ms) answers/s, and fewer while the GIL serialises
        "server_cpu_ms_per_answer": _per(server_cpu, len(latencies)),
        "clients_cpu_ms_per_answer": _per(clients_cpu, len(latencies)),
        "duration_s": round(wall, 1),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _per(seconds: float, count: int) -> float | None:
    return round(seconds * 1000 / count, 1) if count else None


def main() -> int:
    """`python -m bench.http_load [CLIENTS] [SECONDS] [CHECKOUT]` on the eval's sample index (quick checks;
    CHECKOUT: another checkout's app.py, e.g. a baseline, with this environment)."""
    import json
    import sys

    from eval.run import load_questions

    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    root = Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT
    env = {"POLICY_QA_COLLECTION": "eval_samples", "POLICY_QA_CHROMA_HOST": ""}
    asked = [q["question"] for q in load_questions()]
    print(json.dumps(http_throughput(asked, env, clients=clients, duration_s=seconds, root=root)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
