"""Drive the SPARQL endpoint with N concurrent clients through the named queries.

Builds the knowledge base in a temporary folder (or uses --kb), starts `policykb serve` on a free
port of 127.0.0.1, and has each client run the named queries (default parameters, values
substituted as the remote client does) for --seconds. Prints throughput, p50 and p99 latency and
the errors. Goal: no errors; p99 under 100 ms.

Run: .venv/bin/python bench/endpoint_load.py [--clients 16] [--seconds 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from kb.query import named_queries, to_term
from kb.remote import _prefixes, substitute
from kb.store import build

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kb", default=None, help="a built knowledge base (default: build one)")
    parser.add_argument("--no-cache", action="store_true", help="serve without the result cache")
    parser.add_argument(
        "--memory-quads",
        type=int,
        default=None,
        help="passed to `policykb serve` (0: the workers query the store on disk)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        kb_path = args.kb or tmp
        if args.kb is None:
            build(Path(tmp), progress=False)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kb",
                "serve",
                "--kb",
                kb_path,
                "--port",
                "0",
                "--workers",
                str(args.workers),
                *(["--cache-bytes", "0"] if args.no_cache else []),
                *(
                    ["--memory-quads", str(args.memory_quads)]
                    if args.memory_quads is not None
                    else []
                ),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert server.stdout is not None
        url = server.stdout.readline().split()[1]
        queries = []
        for query in named_queries().values():
            terms = {p.name: to_term(p.default, p.kind) for p in query.parameters}
            queries.append(_prefixes() + substitute(query.sparql, terms))
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.perf_counter() + args.seconds

        def client(offset: int) -> None:
            k = offset
            while time.perf_counter() < stop:
                body = urllib.parse.urlencode({"query": queries[k % len(queries)]}).encode()
                request = urllib.request.Request(
                    url, data=body, headers={"Accept": "application/sparql-results+json"}
                )
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        response.read()
                    with lock:
                        latencies.append(time.perf_counter() - started)
                except Exception as exc:  # noqa: BLE001 — counted and printed
                    with lock:
                        errors.append(str(exc))
                k += 1

        try:
            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
            begun = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - begun
        finally:
            server.terminate()
            server.wait(10)

    ordered = sorted(latencies)
    p99 = ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")
    cache = "off" if args.no_cache else "on"
    store = "on disk" if args.memory_quads == 0 else "in memory"
    print(
        f"clients {args.clients}, server workers {args.workers} (store {store}), "
        f"result cache {cache}, {elapsed:.1f} s"
    )
    print(f"requests   {len(latencies):>8}  ({len(latencies) / elapsed:.1f}/s)")
    print(f"p50        {statistics.median(ordered) * 1000 if ordered else float('nan'):>8.1f} ms")
    print(f"p99        {p99 * 1000:>8.1f} ms  (goal < 100 ms)")
    print(f"errors     {len(errors):>8}" + (f"  first: {errors[0][:120]}" if errors else ""))


if __name__ == "__main__":
    main()
