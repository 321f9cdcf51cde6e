"""Concurrent askers over real HTTP: `clients` threads POST /api/ask to a fresh `python app.py` in a loop.

The issue-15 target is 16 clients ≥ 40 answers/s with p95 ≤ 600 ms on the 2-core machine. The app runs as
`make run` serves it (its own process, the configured embedder, fair-use slots), with the per-client rate
limit lifted (every bench client is 127.0.0.1, which the limiter would otherwise throttle as one user). The
clients run in this process and share the cores with the server, as any same-machine load test does.
Answers/s counts answers that came back 200; refusals by the slots (503) are counted apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from bench.startup import running_app
from bench.stats import median, percentile

UNTHROTTLED = {"POLICY_QA_RATE_PER_MINUTE": "1000000", "POLICY_QA_RATE_BURST": "100000"}


def http_throughput(
    questions: Sequence[str],
    env: dict[str, str],
    *,
    clients: int = 16,
    duration_s: float = 20.0,
    warm: int = 8,
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    with running_app({**env, **UNTHROTTLED}) as (base, _):
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
        began = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    return {
        "clients": clients,
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "duration_s": round(wall, 1),
    }


def main() -> int:
    """`python -m bench.http_load [CLIENTS] [SECONDS]` on the eval's sample index (for quick checks)."""
    import json
    import sys

    from eval.run import load_questions

    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    env = {"POLICY_QA_COLLECTION": "eval_samples", "POLICY_QA_CHROMA_HOST": ""}
    asked = [q["question"] for q in load_questions()]
    print(json.dumps(http_throughput(asked, env, clients=clients, duration_s=seconds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
