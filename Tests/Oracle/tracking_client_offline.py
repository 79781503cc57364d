"""Drives labs/client/lmlab_client.py offline: writes runs to a JSONL file for `lmlab runs import`.

usage: tracking_client_offline.py OUT.jsonl RUN_ID_PREFIX RUNS POINTS STEP_OFFSET [--resume]
Each run logs params {"lora_r": i, "worker": prefix}, metric "loss" = 1000 - step at steps
STEP_OFFSET .. STEP_OFFSET+POINTS-1 (one NaN at the first step) and a tag. With --resume
the single run id is RUN_ID_PREFIX itself and the run is not ended (several writers share it).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "labs", "client"))
from lmlab_client import Run  # noqa: E402

out, prefix, runs, points, offset = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
resume = "--resume" in sys.argv
for i in range(runs):
    run_id = prefix if resume else "%s-%d" % (prefix, i)
    run = Run(server=None, experiment="concurrency", run_id=run_id, offline_path=out,
              student="alice", flush_every=100)
    if not resume:
        run.log_params({"lora_r": i, "worker": prefix})
    run.set_tag("writer", prefix)
    for step in range(offset, offset + points):
        run.log_metric("loss", float("nan") if step == offset else 1000.0 - step, step)
    if resume:
        run.flush()
    else:
        run.finish()
