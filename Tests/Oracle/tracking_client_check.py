"""Checks labs/client/lmlab_client.py against a stub HTTP server (stdlib only): the start goes
out at once, metrics are buffered and flushed in batches, NaN travels as "NaN", finish sends the
end, the token is sent, and an unreachable server makes the client fall back to the JSONL file.
Prints "ok" or raises.
"""
import http.server
import json
import os
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "labs", "client"))
from lmlab_client import Run  # noqa: E402

received = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, self.headers.get("Authorization"), json.loads(body)))
        reply = b'{"status": "RUNNING"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d" % server.server_address[1]

with Run(server=url, token="tok", experiment="e", run_id="r1", flush_every=3) as run:
    run.log_params({"lora_r": 8})
    run.log_metrics({"loss": 2.0, "acc": float("nan")}, step=1)
    run.log_metric("loss", 1.5, step=2)  # third point: flush
    run.set_tag("note", "x")
    run.log_metric("loss", 1.0, step=3)
server.shutdown()

assert [r[0] for r in received] == ["/api/runs/batch"] * 3, received
assert all(r[1] == "Bearer tok" for r in received)
start, middle, last = (r[2] for r in received)
assert start == {"run_id": "r1", "start": start["start"]} and start["start"]["experiment"] == "e"
assert middle["params"] == {"lora_r": "8"}
assert [(m["key"], m["value"], m["step"]) for m in middle["metrics"]] == [
    ("loss", 2.0, 1), ("acc", "NaN", 1), ("loss", 1.5, 2)], middle
assert last["tags"] == {"note": "x"} and last["end"]["status"] == "FINISHED"
assert [(m["key"], m["value"]) for m in last["metrics"]] == [("loss", 1.0)]

# A port nobody listens on: everything lands in the JSONL file, one batch per line.
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
dead = "http://127.0.0.1:%d" % probe.getsockname()[1]
probe.close()
path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
try:
    with Run(server=dead, experiment="e", run_id="r2", offline_path=path, timeout=2) as run:
        run.log_metric("loss", 3.0, 0)
        raise ValueError("training crashed")
except ValueError:
    pass
lines = [json.loads(line) for line in open(path)]
assert [sorted(l) for l in lines] == [["run_id", "start"], ["end", "metrics", "run_id"]], lines
assert lines[1]["end"]["status"] == "FAILED"
print("ok")
