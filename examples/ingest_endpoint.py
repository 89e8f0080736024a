"""A small ingest endpoint built on the public API of spec-kitty-events alone (standard-library
WSGI, no framework), as a starting point for a service that receives event logs.

POST to ``/events`` either JSON Lines (any content type but ``application/json``: one envelope per
line, as ``spec-kitty-events validate`` reads a file) or a JSON array of envelopes
(``Content-Type: application/json``).  Each line, or array item, is judged as ``validate`` judges
it; the good events are appended to a SQLite store in one transaction; the answer reports every
bad line as ``validate --format json`` does::

    {"lines": 3, "stored": 1, "already_stored": 1,
     "rejected": [{"line": 2, "event_id": "01J...", "event_type": "WPStatusChanged",
                   "problems": [{"layer": "payload", "field": "payload.to_lane",
                                 "message": "..."}]}]}

Status 200 when every line was stored (or was stored before: redelivering a batch is safe), 422
when a line was rejected (the good lines of the batch are stored all the same), 400 for a body
that is not a JSON array where one was announced, 413 for a body over the size limit, 503 when
the store fails.

Run it::

    python examples/ingest_endpoint.py --db events.db --port 8080
    curl --data-binary @examples/status_history.jsonl http://127.0.0.1:8080/events
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union
from wsgiref.simple_server import WSGIRequestHandler, make_server

from spec_kitty_events.jsonl import (
    GoodLine,
    LineReport,
    LineResult,
    Problem,
    loads,
    read_lines,
    read_values,
)
from spec_kitty_events.models import StorageError
from spec_kitty_events.stores.sqlite import RejectedEventError, SQLiteEventStore

MAX_BODY_BYTES = 16 * 1024 * 1024
StartResponse = Callable[[str, List[Tuple[str, str]]], Any]
Environ = Dict[str, Any]


def make_app(store: SQLiteEventStore) -> Callable[[Environ, StartResponse], List[bytes]]:
    """The WSGI application appending to ``store``."""

    def app(environ: Environ, start_response: StartResponse) -> List[bytes]:
        status, answer, extra = _handle(store, environ)
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(status, headers + extra)
        return [body]

    return app


def _handle(store: SQLiteEventStore, environ: Environ) -> Tuple[str, Any, List[Tuple[str, str]]]:
    if environ.get("PATH_INFO") != "/events":
        return "404 Not Found", {"error": "POST events to /events"}, []
    if environ["REQUEST_METHOD"] != "POST":
        return "405 Method Not Allowed", {"error": "POST only"}, [("Allow", "POST")]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        return "413 Payload Too Large", {"error": f"body over {MAX_BODY_BYTES} bytes"}, []
    body = environ["wsgi.input"].read(length)
    results = _judge(body, environ.get("CONTENT_TYPE", ""))
    if isinstance(results, str):
        return "400 Bad Request", {"error": results}, []
    try:
        answer = _store_good_lines(store, results)
    except StorageError as error:
        return "503 Service Unavailable", {"error": f"the store failed: {error}"}, []
    return ("422 Unprocessable Entity" if answer["rejected"] else "200 OK"), answer, []


def _judge(body: bytes, content_type: str) -> Union[Iterable[LineResult], str]:
    """Each line's verdict, or why the body as a whole cannot be read."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        return read_lines(body)
    try:
        # Not json.loads: this one refuses NaN and Infinity and cannot be made to recurse
        # without bound by a hostile body.
        values = loads(body)
    except ValueError as error:
        return f"the body is not JSON: {error}"
    if not isinstance(values, list):
        return "a JSON body must be an array of event envelopes"
    return read_values(values)


def _store_good_lines(store: SQLiteEventStore, results: Iterable[LineResult]) -> Dict[str, Any]:
    good: List[GoodLine] = []
    rejected: List[LineReport] = []
    lines = 0
    for result in results:
        lines += 1
        if isinstance(result, GoodLine):
            good.append(result)
        else:
            rejected.append(result)
    stored, refused = _append(store, good)
    rejected = sorted([*rejected, *refused], key=lambda report: report.line)
    return {
        "lines": lines,
        "stored": stored,
        "already_stored": len(good) - len(refused) - stored,
        "rejected": [report.as_json() for report in rejected],
    }


def _append(store: SQLiteEventStore, good: List[GoodLine]) -> Tuple[int, List[LineReport]]:
    """Store the batch in one transaction; if the store refuses an event (its id is stored
    with other content), store the others one by one and report the refused lines."""
    try:
        return store.save_events([result.event for result in good]), []
    except RejectedEventError:
        pass
    stored = 0
    refused: List[LineReport] = []
    for result in good:
        try:
            stored += store.save_events([result.event])
        except RejectedEventError as error:
            problem = Problem("store", error.field, str(error))
            event = result.event
            refused.append(LineReport(result.line, event.event_id, event.event_type, (problem,)))
    return stored, refused


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged: the answers say everything a client needs."""


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLite file of the event store")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0: any free port)")
    args = parser.parse_args(argv)
    with SQLiteEventStore(args.db) as store:
        server = make_server(args.host, args.port, make_app(store), handler_class=_QuietHandler)
        # SIGTERM stops the loop between requests (shutdown() must run on another thread than
        # serve_forever), so a request in progress is answered and the store closed cleanly.
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
        # The chosen port, for a caller that asked for any free one.
        print(f"listening on http://{args.host}:{server.server_port}/events", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


if __name__ == "__main__":
    main()
