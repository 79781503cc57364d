"""lmlab experiment tracking client: standard library only, so it runs in Kaggle or Jupyter.

    from lmlab_client import Run
    with Run(server="https://lmlab.example", token="...", experiment="lora-sweep") as run:
        run.log_params({"lora_r": 8, "lr": 3e-4})
        for step in range(100):
            run.log_metric("loss", loss, step)

Values are buffered and sent in batches to POST /api/runs/batch (labs/client/PROTOCOL.md).
With no server, or when it cannot be reached, every batch is appended to a JSONL file instead;
upload it later with `lmlab runs import FILE`.
"""
import json
import math
import os
import platform
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

MAX_METRICS_PER_BATCH = 10_000  # the server's limit (PROTOCOL.md)
FINAL_STATUSES = ("FINISHED", "FAILED", "KILLED")


def _now_ms():
    return int(time.time() * 1000)


def _number(value):
    """A metric value as JSON allows it: non-finite floats become the strings the server reads."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


class Run:
    """One run. Use as a context manager, or call finish() yourself."""

    def __init__(self, server=None, token=None, experiment="default", run_id=None,
                 offline_path="lmlab_runs.jsonl", name=None, student=None,
                 flush_every=1000, flush_seconds=10.0, timeout=10.0):
        self.server = server.rstrip("/") if server else None
        self.token = token
        self.experiment = experiment
        self.run_id = run_id or uuid.uuid4().hex
        self.offline_path = offline_path
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self.timeout = timeout
        self.offline = self.server is None
        self._lock = threading.Lock()
        self._params, self._tags, self._metrics = {}, {}, []
        self._last_flush = time.monotonic()
        self._finished = False
        self._start = {
            "experiment": experiment, "time": _now_ms(), "host": socket.gethostname(),
            "environment": "python %s on %s" % (platform.python_version(), platform.platform()),
        }
        if name:
            self._start["name"] = name
        if student:
            self._start["student"] = student
        self.flush()  # the start goes out at once, so the run shows up as RUNNING

    # Logging -------------------------------------------------------------------------------

    def log_param(self, key, value):
        with self._lock:
            self._params[str(key)] = str(value)

    def log_params(self, params):
        with self._lock:
            for key, value in params.items():
                self._params[str(key)] = str(value)

    def log_metric(self, key, value, step=0):
        with self._lock:
            self._metrics.append({"key": str(key), "value": _number(value), "step": int(step),
                                  "timestamp": _now_ms()})
            due = (len(self._metrics) >= self.flush_every
                   or time.monotonic() - self._last_flush >= self.flush_seconds)
        if due:
            self.flush()

    def log_metrics(self, metrics, step=0):
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    def set_tag(self, key, value):
        with self._lock:
            self._tags[str(key)] = str(value)

    def finish(self, status="FINISHED"):
        status = status.upper()
        if status not in FINAL_STATUSES:
            raise ValueError("status must be one of %s, not %r" % (FINAL_STATUSES, status))
        if self._finished:
            return
        self.flush(end={"status": status, "time": _now_ms()})
        self._finished = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.finish("FINISHED" if exc_type is None else
                    ("KILLED" if exc_type is KeyboardInterrupt else "FAILED"))
        return False

    # Sending -------------------------------------------------------------------------------

    def flush(self, end=None):
        """Sends what is buffered (in batches of at most MAX_METRICS_PER_BATCH points)."""
        with self._lock:
            params, tags, metrics = self._params, self._tags, self._metrics
            self._params, self._tags, self._metrics = {}, {}, []
            self._last_flush = time.monotonic()
            start, self._start = self._start, None
        chunks = [metrics[i:i + MAX_METRICS_PER_BATCH]
                  for i in range(0, len(metrics), MAX_METRICS_PER_BATCH)] or [[]]
        for index, chunk in enumerate(chunks):
            batch = {"run_id": self.run_id}
            if index == 0:
                if start:
                    batch["start"] = start
                if params:
                    batch["params"] = params
                if tags:
                    batch["tags"] = tags
            if chunk:
                batch["metrics"] = chunk
            if end and index == len(chunks) - 1:
                batch["end"] = end
            if len(batch) > 1:
                self._send(batch)

    def _send(self, batch):
        if not self.offline:
            try:
                self._post(batch)
                return
            except (urllib.error.URLError, OSError) as error:
                if isinstance(error, urllib.error.HTTPError) and error.code < 500:
                    # The server read the batch and refused it: a bug to report, not to hide.
                    detail = error.read().decode("utf-8", "replace")
                    raise RuntimeError("lmlab rejected the batch (%d): %s" % (error.code, detail))
                print("lmlab: server unreachable (%s); logging to %s from now on"
                      % (error, self.offline_path), file=sys.stderr)
                self.offline = True
        line = json.dumps(batch, allow_nan=False, separators=(",", ":"))
        with open(self.offline_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def _post(self, batch):
        body = json.dumps(batch, allow_nan=False).encode("utf-8")
        request = urllib.request.Request(self.server + "/api/runs/batch", data=body,
                                         method="POST",
                                         headers={"Content-Type": "application/json"})
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read() or b"{}")
