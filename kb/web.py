"""A read-only SPARQL 1.1 Protocol endpoint over the built knowledge base.

`GET /query?query=…`, `POST /query` (form-encoded or `application/sparql-query`), content
negotiation (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD for CONSTRUCT/DESCRIBE),
updates refused, a time limit per query, a cap on result size, CORS, `/health`, an access log.

A pyoxigraph query cannot be interrupted from Python, so queries run in worker processes: a query
past its time limit has its worker terminated and replaced, and is answered with 504 and a
clear error, while the other workers keep answering. Workers read the store `current` points to
and reopen it after a rebuild swaps it, so a build never disturbs a running server.

Standard library only (http.server): nothing to install for a small read-only endpoint.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import queue
import sys
import threading
import time
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from kb import webapp
from kb.errors import KBError
from kb.query import RefusedQueryError, refuse_unsafe
from kb.store import SERVER_MEMORY_QUADS

MAX_BODY_BYTES = 1_000_000
DRAIN_LIMIT_BYTES = 64_000_000
RESULT_FORMATS = {
    "json": ("application/sparql-results+json", "JSON"),
    "xml": ("application/sparql-results+xml", "XML"),
    "csv": ("text/csv", "CSV"),
    "tsv": ("text/tab-separated-values", "TSV"),
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", "TURTLE"),
    "ntriples": ("application/n-triples", "N_TRIPLES"),
    "jsonld": ("application/ld+json", "JSON_LD"),
}
MEDIA_TYPES = {media: key for key, (media, _) in {**RESULT_FORMATS, **GRAPH_FORMATS}.items()}
MEDIA_TYPES.update({"application/json": "json", "text/plain": "ntriples", "application/xml": "xml"})


@dataclass(frozen=True)
class Settings:
    kb_path: Path
    timeout: float = 10.0
    max_result_bytes: int = 10_000_000
    workers: int = 2
    cache_bytes: int = 64_000_000
    memory_quads: int = SERVER_MEMORY_QUADS


class ResultCache:
    """Answers kept per store: the knowledge base only changes when a build swaps `current`, so
    an answer stays right until then (least recently used answers go first)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[tuple[str, str, str], tuple[int, str | None, str | None, bytes]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> tuple[int, str | None, str | None, bytes] | None:
        with self.lock:
            answer = self.items.get(key)
            if answer is not None:
                self.items.move_to_end(key)
            return answer

    def put(
        self, key: tuple[str, str, str], answer: tuple[int, str | None, str | None, bytes]
    ) -> None:
        if answer[0] != 200 or len(answer[3]) > self.limit // 8:
            return
        with self.lock:
            if key in self.items:
                return
            self.items[key] = answer
            self.size += len(answer[3])
            while self.size > self.limit and self.items:
                _, old = self.items.popitem(last=False)
                self.size -= len(old[3])


def _worker(conn: Connection, kb_path: str, memory_quads: int = 0) -> None:
    """Answer queries from the parent; reopen the store when `current` points elsewhere."""
    import pyoxigraph as ox

    from kb.core import PREFIX_MAP
    from kb.store import current_store_path, open_store

    opened: Path | None = None
    store: Any = None
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        sparql, wanted = request
        try:
            target = current_store_path(kb_path)
            if target != opened:
                store, opened = open_store(target, memory_quads), target
            result = store.query(sparql, prefixes=PREFIX_MAP, use_default_graph_as_union=True)
            # Results are computed as they are serialised: failures there are the query's too.
            if isinstance(result, (ox.QueryBoolean, ox.QuerySolutions)):
                key = wanted if wanted in RESULT_FORMATS else "json"
                media, name = RESULT_FORMATS[key]
                body = result.serialize(format=getattr(ox.QueryResultsFormat, name)) or b""
            else:
                key = wanted if wanted in GRAPH_FORMATS else "turtle"
                media, name = GRAPH_FORMATS[key]
                body = ox.serialize(result, format=getattr(ox.RdfFormat, name)) or b""
        except SyntaxError as exc:
            conn.send((400, "malformed SPARQL query: " + " ".join(str(exc).split()), None, b""))
            continue
        except Exception as exc:  # noqa: BLE001 — every failure becomes one error answer
            conn.send((500, "query failed: " + " ".join(str(exc).split())[:500], None, b""))
            continue
        conn.send((200, None, media, body))


class WorkerPool:
    """Query workers; one that runs past the time limit is terminated and replaced."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = ResultCache(settings.cache_bytes)
        self.context = mp.get_context("spawn")
        self.idle: queue.Queue[tuple[Any, Connection]] = queue.Queue()
        for _ in range(settings.workers):
            self.idle.put(self._start())

    def _start(self) -> tuple[Any, Connection]:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker,
            args=(child, str(self.settings.kb_path), self.settings.memory_quads),
            daemon=True,
        )
        process.start()
        return process, parent

    def run(self, sparql: str, wanted: str) -> tuple[int, str | None, str | None, bytes]:
        """(status, error, content type, body) for one query, from the cache when it can be."""
        from kb.store import current_store_path

        try:
            refuse_unsafe(sparql)  # an update, or a SERVICE call out to any address
        except RefusedQueryError as exc:
            return 403, str(exc), None, b""
        key = (str(current_store_path(self.settings.kb_path)), sparql, wanted)
        cached = self.cache.get(key) if self.settings.cache_bytes else None
        if cached is not None:
            return cached
        answer = self._run(sparql, wanted)
        if self.settings.cache_bytes:
            self.cache.put(key, answer)
        return answer

    def _run(self, sparql: str, wanted: str) -> tuple[int, str | None, str | None, bytes]:
        try:
            process, conn = self.idle.get(timeout=self.settings.timeout)
        except queue.Empty:
            return 503, "all query workers are busy; try again", None, b""
        try:
            conn.send((sparql, wanted))
            if conn.poll(self.settings.timeout):
                answer = conn.recv()
                self.idle.put((process, conn))
                status, error, media, body = answer
                return int(status), error, media, bytes(body)
        except (EOFError, OSError):
            # The worker died (it should not): replace it, so the pool keeps its size.
            process.terminate()
            process.join(5)
            self.idle.put(self._start())
            return 500, "the query worker failed; the query was not answered", None, b""
        process.terminate()
        process.join(5)
        self.idle.put(self._start())
        return (
            504,
            f"query stopped after the time limit of {self.settings.timeout:g} s; "
            "narrow it (fewer joins, a LIMIT) and try again",
            None,
            b"",
        )

    def close(self) -> None:
        while not self.idle.empty():
            process, conn = self.idle.get_nowait()
            conn.close()
            process.terminate()


def _negotiate(accept: str, explicit: str | None) -> str | None:
    """The format asked for by ?format= or Accept; None when nothing asked for can be made
    (the answer is then 406), JSON when nothing in particular is asked for."""
    if explicit:
        name = explicit.lower().replace("-", "").replace("n-triples", "ntriples")
        return name if name in RESULT_FORMATS or name in GRAPH_FORMATS else None
    asked = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    for media in asked:
        if media in MEDIA_TYPES:
            return MEDIA_TYPES[media]
    if not asked or any(m in ("*/*", "application/*", "text/*") for m in asked):
        return "json"
    return None


def make_handler(pool: WorkerPool, settings: Settings) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "policykb"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — stdlib name
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Vary", "Accept")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            body = {"ok": False, "error": message, "errors": [message], "status": status}
            self._send(status, "application/json", json.dumps(body, ensure_ascii=False).encode())

        def do_OPTIONS(self) -> None:  # noqa: N802 — http.server naming
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept, X-Filename")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            params = parse_qs(url.query)
            if url.path == "/health":
                self._send(
                    200,
                    "application/json",
                    json.dumps({"ok": True, "kb": str(settings.kb_path)}).encode(),
                )
                return
            if url.path == "/" or url.path.startswith("/static/"):
                found = webapp.static_file(url.path)
                if found is None:
                    self._error(404, f"no such file {url.path}")
                else:
                    self._send(200, *found)
                return
            if url.path.startswith("/api/"):
                self._api(url.path, params, None)
                return
            if url.path != "/query":
                self._error(404, f"no such resource {url.path}; the endpoint is /query")
                return
            self._answer(params)

        def _run_json(self, sparql: str) -> dict[str, Any]:
            status, error, _media, body = pool.run(sparql, "json")
            if error is not None:
                raise webapp.ApiError(error, status)
            result: dict[str, Any] = json.loads(body)
            return result

        def _api(
            self, path: str, params: dict[str, list[str]], upload: tuple[str, bytes] | None
        ) -> None:
            def one(name: str) -> str:
                values = params.get(name)
                if not values or not values[0].strip():
                    raise webapp.ApiError(f"missing the '{name}' parameter")
                return values[0]

            try:
                data: Any
                if path == "/api/queries":
                    data = webapp.queries()
                elif path == "/api/ask":
                    values = {k[2:]: v[0] for k, v in params.items() if k.startswith("p.")}
                    data = webapp.ask(self._run_json, one("name"), values)
                elif path == "/api/actors":
                    data = webapp.actors(self._run_json)
                elif path == "/api/labels":
                    data = webapp.labels(self._run_json, (params.get("lang") or ["zh"])[0])
                elif path == "/api/resource":
                    data = webapp.resource(self._run_json, one("iri"))
                elif path == "/api/actor":
                    data = webapp.actor(self._run_json, one("iri"))
                elif path == "/api/source":
                    data = webapp.source(one("doc"))
                elif path == "/api/local-documents":
                    data = webapp.local_documents()
                elif path == "/api/crosscheck":
                    local = (params.get("local") or [""])[0] or None
                    data = webapp.crosscheck_json(local, upload)
                else:
                    raise webapp.ApiError(f"no such API call {path}", 404)
            except webapp.ApiError as exc:
                self._error(exc.status, str(exc))
                return
            except KBError as exc:
                self._error(400, str(exc))
                return
            self._send(200, "application/json; charset=utf-8", webapp.to_json(data))

        def _content_length(self) -> int | None:
            """The body's size, or None after answering 400 for a header that is no size."""
            raw = self.headers.get("Content-Length") or "0"
            length = int(raw) if raw.strip().isdigit() else -1
            if length < 0:
                self.close_connection = True
                self._error(400, "bad Content-Length header; send the body's size in bytes")
                return None
            return length

        def _refuse_method(self) -> None:
            self.close_connection = True
            self._error(405, "this endpoint is read-only: use GET or POST with a query")

        do_PUT = do_DELETE = do_PATCH = _refuse_method  # noqa: N815 — http.server naming

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            length = self._content_length()
            if length is None:
                return
            if url.path == "/api/crosscheck":
                if length > webapp.UPLOAD_LIMIT_BYTES:
                    self.close_connection = True
                    self._error(
                        413, f"upload over the limit of {webapp.UPLOAD_LIMIT_BYTES:,} bytes"
                    )
                    return
                name = urllib.parse.unquote(self.headers.get("X-Filename") or "upload.txt")
                self._api(url.path, {}, (name, self.rfile.read(length)))
                return
            if url.path in ("/update", "/store"):
                self._error(403, "this endpoint is read-only: updates are refused")
                return
            if url.path != "/query":
                self._error(404, f"no such resource {url.path}; the endpoint is /query")
                return
            if length > MAX_BODY_BYTES:
                # Read what was sent (within reason) so the client sees the answer, not a reset.
                remaining = min(length, DRAIN_LIMIT_BYTES)
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                self.close_connection = True
                self._error(
                    413, f"request body of {length} bytes is over the limit of {MAX_BODY_BYTES}"
                )
                return
            raw = self.rfile.read(length).decode("utf-8", "replace")
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if kind == "application/sparql-update":
                self._error(403, "this endpoint is read-only: updates are refused")
                return
            if kind == "application/sparql-query":
                params = {"query": [raw], **parse_qs(url.query)}
            else:
                params = {**parse_qs(url.query), **parse_qs(raw)}
            self._answer(params)

        def _answer(self, params: dict[str, list[str]]) -> None:
            if "update" in params:
                self._error(403, "this endpoint is read-only: updates are refused")
                return
            sparql = (params.get("query") or [""])[0]
            if not sparql.strip():
                self._error(400, "missing the 'query' parameter (SPARQL 1.1 Protocol)")
                return
            explicit = params.get("format")
            wanted = _negotiate(self.headers.get("Accept") or "", explicit[0] if explicit else None)
            if wanted is None:
                formats = ", ".join([*RESULT_FORMATS, *GRAPH_FORMATS])
                self._error(406, f"no answer in the format asked for; ask for one of: {formats}")
                return
            started = time.perf_counter()
            status, error, content_type, body = pool.run(sparql, wanted)
            if error is not None:
                if status == 400 and "update" in error.lower():
                    status = 403
                self._error(status, error)
                return
            if len(body) > settings.max_result_bytes:
                self._error(
                    413,
                    f"the result is {len(body):,} bytes, over the cap of {settings.max_result_bytes:,}; add a LIMIT",
                )
                return
            self._send(status, content_type or "application/octet-stream", body)
            sys.stderr.write(f"query answered in {(time.perf_counter() - started) * 1000:.1f} ms\n")

    return Handler


class _Server(ThreadingHTTPServer):
    """http.server's threading server with a listen backlog for many clients: its default of 5
    pending connections makes the kernel reset some when a burst of clients connects at once."""

    request_queue_size = 128


def serve(
    kb_path: Path | str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = 10.0,
    workers: int = 2,
    max_result_bytes: int = 10_000_000,
    cache_bytes: int = 64_000_000,
    memory_quads: int = SERVER_MEMORY_QUADS,
    ready: threading.Event | None = None,
) -> None:
    """Serve until interrupted. Prints the endpoint's URL on the first line of stdout.

    :raises KBError: no knowledge base there yet.
    """
    from kb.store import current_store_path

    current_store_path(kb_path)  # fail early, with the message that says how to build one
    settings = Settings(
        Path(kb_path), timeout, max_result_bytes, workers, cache_bytes, memory_quads
    )
    try:
        server = _Server(
            (host, port), BaseHTTPRequestHandler
        )  # bound first: a taken port fails fast
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise KBError(
            f"cannot serve on {host}:{port} ({reason}); check --host and --port "
            "(--port 0 takes any free port)"
        ) from None
    pool = WorkerPool(settings)
    server.RequestHandlerClass = make_handler(pool, settings)
    server.daemon_threads = True
    actual = server.server_address[1]
    print(
        f"serving http://{host}:{actual}/query (read-only; time limit {timeout:g} s); "
        f"the web page is http://{host}:{actual}/",
        flush=True,
    )
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        pool.close()


__all__ = ["KBError", "serve"]
