"""A search query can be cancelled while the engine answers it: ``cancel`` with the query's
request id stops it at its next batch of query tiles, with an error reply ``cancelled``."""

from __future__ import annotations

import io
import json
import time

from scicbir.service.protocol import MessageWriter
from scicbir.service.server import Service


def _replies(out: io.StringIO) -> dict:
    return {m["id"]: m for m in map(json.loads, out.getvalue().splitlines()) if "id" in m}


def test_cancel_stops_a_running_search_query(search_archive):
    out = io.StringIO()
    service = Service(MessageWriter(out))
    try:
        # the NEON photo is not in the archive: its tiles are read and hashed batch by batch
        query = {"archive": str(search_archive["archive"]), "raster": str(search_archive["neon"])}
        # the query's token is registered when the request is read, before a thread answers it
        service.handle_line(json.dumps({"id": 1, "method": "search", "params": query}))
        service.handle_line(json.dumps({"id": 2, "method": "cancel", "params": {"request": 1}}))
        service.handle_line(json.dumps({"id": 3, "method": "search", "params": query}))
        deadline = time.monotonic() + 120
        while len(_replies(out)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        service.handle_line(json.dumps({"id": 4, "method": "cancel", "params": {"request": 99}}))
    finally:
        service.close()
    replies = _replies(out)
    assert replies[2]["result"] == {"request": 1, "cancel_requested": True}
    assert replies[1]["error"]["code"] == "cancelled", replies[1]
    assert replies[3]["result"]["results"], "the next query runs as usual"
    assert replies[4]["result"] == {"request": 99, "cancel_requested": False}
