"""Job registry and request dispatch, in process: progress, cancel, failures, busy resources."""

from __future__ import annotations

import io
import json
import threading
import time

import pytest

from scicbir.errors import InputError
from scicbir.progress import CancelToken
from scicbir.service.jobs import JobPlan, JobRegistry
from scicbir.service.protocol import MessageWriter
from scicbir.service.server import Service


class Lines(io.StringIO):
    """A stdout stand-in whose protocol lines can be read back as dicts."""

    def messages(self) -> list[dict]:
        return [json.loads(line) for line in self.getvalue().splitlines()]

    def notifications(self, method: str) -> list[dict]:
        return [m["params"] for m in self.messages() if m.get("method") == method]


def counting_job(steps: int, started: threading.Event | None = None, delay: float = 0.01):
    """A real cooperative job: counts, reports progress, stops at safe points when cancelled."""

    def run(progress, cancel: CancelToken):
        for i in range(steps):
            if started is not None and i == 1:
                started.set()
            cancel.raise_if_cancelled("counting")
            time.sleep(delay)
            progress(i + 1, steps, f"step {i + 1}", value=i * 0.5)
        return {"counted": steps}

    return run


def wait_finished(registry: JobRegistry, job_id: str, timeout: float = 10.0):
    job = registry.get(job_id)
    job.thread.join(timeout)
    assert job.finished
    return job


def test_job_reports_progress_and_result():
    out = Lines()
    registry = JobRegistry(MessageWriter(out))
    job = registry.create("count", JobPlan(counting_job(5)))
    registry.start(job)
    wait_finished(registry, job.id)
    progress = out.notifications("progress")
    assert progress[0]["done"] == 1 and progress[-1]["done"] == 5  # first and last always sent
    assert progress[-1]["figures"] == {"value": 2.0} and progress[-1]["job"] == job.id
    finished = out.notifications("job.finished")
    assert finished == [
        {
            "job": job.id,
            "method": "count",
            "state": "done",
            "result": {"counted": 5},
            "error": None,
            "elapsed_s": finished[0]["elapsed_s"],
        }
    ]
    assert registry.list()[0].summary()["state"] == "done"


def test_cancel_stops_at_a_safe_point():
    out = Lines()
    registry = JobRegistry(MessageWriter(out))
    started = threading.Event()
    job = registry.create("count", JobPlan(counting_job(10_000, started)))
    registry.start(job)
    assert started.wait(10)
    registry.cancel(job.id)
    wait_finished(registry, job.id)
    assert job.state == "cancelled" and job.error["code"] == "cancelled"
    assert job.progress["done"] < 10_000


def test_failing_job_reports_error_and_registry_survives():
    out = Lines()
    registry = JobRegistry(MessageWriter(out))

    def broken(progress, cancel):
        raise RuntimeError("disk on fire")

    def bad_input(progress, cancel):
        raise InputError("tile.tif has 3 bands, the model needs 12", file="tile.tif")

    first = registry.create("a", JobPlan(broken))
    registry.start(first)
    second = registry.create("b", JobPlan(bad_input))
    registry.start(second)
    wait_finished(registry, first.id)
    wait_finished(registry, second.id)
    assert first.state == "failed" and first.error["code"] == "internal_error"
    assert "disk on fire" in first.error["message"]
    assert second.error == {
        "code": "invalid_input",
        "message": "tile.tif has 3 bands, the model needs 12",
        "data": {"file": "tile.tif"},
    }
    third = registry.create("c", JobPlan(counting_job(2)))
    registry.start(third)
    assert wait_finished(registry, third.id).state == "done"


def test_second_job_on_the_same_resource_is_refused():
    registry = JobRegistry(MessageWriter(Lines()))
    started = threading.Event()
    first = registry.create("compress", JobPlan(counting_job(10_000, started), "archive:/x"))
    registry.start(first)
    with pytest.raises(Exception) as err:
        registry.create("compress", JobPlan(counting_job(1), "archive:/x"))
    assert getattr(err.value, "code", None) == "busy" and first.id in str(err.value)
    other = registry.create("compress", JobPlan(counting_job(1), "archive:/y"))  # another archive
    registry.start(other)
    registry.cancel(first.id)
    wait_finished(registry, first.id)
    wait_finished(registry, other.id)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("{not json", "parse_error"),
        ("[1, 2]", "invalid_request"),
        ('{"id": 7}', "invalid_request"),
        ('{"id": 7, "method": "hello", "params": [1]}', "invalid_params"),
        ('{"id": 7, "method": "nope"}', "method_not_found"),
        ('{"id": 7, "method": "hello", "params": {"bogus": 1}}', "invalid_params"),
        ('{"id": 7, "method": "cancel", "params": {}}', "invalid_params"),
        ('{"id": 7, "method": "cancel", "params": {"job": 3}}', "invalid_params"),
        ('{"id": 7, "method": "cancel", "params": {"job": "j99"}}', "invalid_input"),
        ('{"id": 7, "method": "compress", "params": {"archive": "/tmp/a"}}', "invalid_params"),
    ],
)
def test_bad_requests_get_error_replies(line, code):
    out = Lines()
    service = Service(MessageWriter(out))
    service.handle_line(line)
    service.handle_line('{"id": 8, "method": "jobs"}')
    service.close()
    error, after = out.messages()
    assert error["error"]["code"] == code, error
    assert error["error"]["message"]
    assert after == {"id": 8, "result": {"jobs": []}}


def test_shutdown_cancels_running_jobs_and_waits_for_their_safe_point():
    out = Lines()
    service = Service(MessageWriter(out))
    started = threading.Event()
    job = service.jobs.create("count", JobPlan(counting_job(10_000, started)))
    service.jobs.start(job)
    assert started.wait(10)
    service.handle_line('{"id": 1, "method": "shutdown"}')
    assert not service.running
    service.close()
    assert job.state == "cancelled"
    assert out.notifications("job.finished")[0]["state"] == "cancelled"


def test_engine_log_records_become_log_notifications_tagged_with_the_job():
    import logging

    from scicbir.service.server import install_log_notifications

    out = Lines()
    writer = MessageWriter(out)
    handler = install_log_notifications(writer)
    logger = logging.getLogger("scicbir.archive.test")
    logger.setLevel(logging.INFO)
    try:
        registry = JobRegistry(writer)

        def noisy(progress, cancel):
            logger.warning("%s: no georeference, footprints in pixels", "scene.jpg")
            return None

        job = registry.create("compress", JobPlan(noisy))
        registry.start(job)
        wait_finished(registry, job.id)
        logging.getLogger("scicbir.other").warning("outside any job")
    finally:
        logging.getLogger("scicbir").removeHandler(handler)
    logs = out.notifications("log")
    assert logs[0] == {
        "level": "warning",
        "logger": "scicbir.archive.test",
        "message": "scene.jpg: no georeference, footprints in pixels",
        "job": job.id,
    }
    assert logs[1]["job"] is None


def test_a_method_whose_module_is_missing_answers_not_available():
    """A build without one of the engine's sub-packages still serves the others; asking for a
    method of the missing one gets ``not_available`` naming the module, not a crash."""
    import io
    import json as json_module

    from scicbir.service.methods import Method
    from scicbir.service.protocol import MessageWriter
    from scicbir.service.server import Service

    out = io.StringIO()
    service = Service(MessageWriter(out))
    service.methods["gone"] = Method("gone", "query", lambda s, p: {}, "scicbir.not_in_this_build")
    try:
        service.handle_line('{"id": 1, "method": "gone", "params": {}}')
        service.handle_line('{"id": 2, "method": "hello", "params": {}}')
    finally:
        service.close()
    replies = {m["id"]: m for m in map(json_module.loads, out.getvalue().splitlines())}
    assert replies[1]["error"]["code"] == "not_available"
    assert replies[1]["error"]["data"]["module"] == "scicbir.not_in_this_build"
    assert replies[2]["result"]["protocol"] == 1
