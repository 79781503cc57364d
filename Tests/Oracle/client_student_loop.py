"""The student's whole loop through labs/client/lmlab_client.py against a real daemon (started by
PythonClientTests): login, labs, check, submit a file, a notebook and a folder, feedback,
leaderboard, run logging and the offline JSONL fallback, the HTML rendering, and each bad input's
clear error. Expected verdicts come from submissions/MANIFEST.toml and points from lab.toml, not
from the server. Standard library only. Prints "ok" or raises.

    client_student_loop.py SERVER_URL TOKEN SCRATCH_DIR
"""
import html.parser
import json
import os
import shutil
import socket
import sys
import tomllib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "labs", "client"))
import lmlab_client as lmlab  # noqa: E402

server, token, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
LAB = "01-attention"
SAMPLES = os.path.join(ROOT, "submissions")


def manifest():
    """submissions/MANIFEST.toml's samples (what the grader must conclude)."""
    with open(os.path.join(SAMPLES, "MANIFEST.toml"), "rb") as f:
        return tomllib.load(f)["samples"]


def visible_points(lab):
    with open(os.path.join(ROOT, "labs", lab, "lab.toml"), "rb") as f:
        tests = tomllib.load(f)["tests"]
    return (sum(t["points"] for t in tests if t.get("visibility", "visible") == "visible"),
            sum(t["points"] for t in tests))


def sample(student, lab=LAB):
    entry = next(s for s in manifest() if s["student"] == student and s["lab"] == lab)
    return entry, os.path.join(SAMPLES, entry["path"], entry["files"][0])


def expect_error(fragment, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except lmlab.LmlabError as error:
        text = str(error)
        assert fragment in text, "expected %r in the error, got %r" % (fragment, text)
        # What Jupyter shows instead of a traceback: the message, once.
        rendered = "\n".join(error._render_traceback_())
        assert "Traceback" not in rendered and fragment in rendered, rendered
        return text
    raise AssertionError("expected an LmlabError containing %r from %s" % (fragment, call))


class StrictHTML(html.parser.HTMLParser):
    """Parses `_repr_html_` output; every opened tag (bar void ones) must close in order."""
    VOID = {"br", "img", "hr", "meta", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, "unbalanced </%s> in %s" % (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse_html(markup):
    parser = StrictHTML()
    parser.feed(markup)
    parser.close()
    assert parser.stack == [], "unclosed tags %s" % parser.stack
    return parser


# Bad token, then login ----------------------------------------------------------------------
expect_error("unknown API token", lmlab.login, server, "not-a-token")
labs = lmlab.login(server, token)
lab = next(l for l in labs if l["id"] == LAB)
visible, total = visible_points(LAB)
assert lab["visiblePoints"] == visible and lab["points"] == total, lab
assert LAB in str(labs) and "<table>" in labs._repr_html_()
parse_html(labs._repr_html_())

# Unknown lab, unreachable server, bad sources ----------------------------------------------
ada, ada_file = sample("s01-ada")
assert ada["verdict"] == "full"
expect_error("no lab '99-nothing'", lmlab.check, "99-nothing", ada_file)
bad_notebook = os.path.join(scratch, "broken.ipynb")
with open(bad_notebook, "w") as f:
    f.write('{"cells": [')
expect_error("not a valid notebook", lmlab.submit, LAB, bad_notebook)
empty = os.path.join(scratch, "nothing-here")
os.makedirs(os.path.join(empty, "__pycache__"))
with open(os.path.join(empty, "notes.txt"), "w") as f:
    f.write("my notes\n")
expect_error("nothing to grade", lmlab.submit, LAB, empty)
expect_error("no file or folder", lmlab.check, LAB, os.path.join(scratch, "missing.py"))
expect_error("cannot find this notebook", lmlab.submit, LAB)  # not in a notebook
# No submission yet: feedback says so.
expect_error("no submission yet", lmlab.feedback, LAB)

# check: the visible tests, not a submission --------------------------------------------------
result = lmlab.check(LAB, ada_file)
assert result.score == visible and result.max_score == visible, result
assert all(t["visibility"] == "visible" and t["status"] == "pass" for t in result.tests), result
assert "not a submission" in str(result)
barbara, barbara_file = sample("s05-barbara")
assert barbara["verdict"] == "mistake"
buggy = lmlab.check(LAB, barbara_file)
named = {t["diagnosis"] for t in buggy.tests if t["status"] == "fail" and not t["nearMiss"]}
assert named == {barbara["mistake"]}, (named, str(buggy))
assert buggy.score < visible
failing = next(t for t in buggy.tests if t.get("diagnosis") == barbara["mistake"])
assert failing["mistake"] and failing["hint"], failing
text = str(buggy)
assert "mistake: %s [%s]" % (failing["mistake"], barbara["mistake"]) in text, text
assert "hint: " + failing["hint"] in text
page = parse_html(buggy._repr_html_())
assert "details" in page.tags and "summary" in page.tags and "table" in page.tags
shown = "".join(page.text)
assert failing["mistake"] in shown and failing["hint"] in shown
expect_error("no submission yet", lmlab.feedback, LAB)  # the checks left nothing behind

# A message with markup is escaped, not rendered.
hostile = lmlab.CheckResult({"lab": LAB, "filename": "<b>x</b>.py", "score": 0, "maxScore": 1,
                             "tests": [{"name": "<script>alert(1)</script>", "status": "fail",
                                        "points": 0, "maxPoints": 1, "nearMiss": False,
                                        "message": "expected <1 & got >2"}]})
page = parse_html(hostile._repr_html_())
assert "script" not in page.tags and "<script>alert(1)</script>" in "".join(page.text)
assert "expected <1 & got >2" in "".join(page.text)

# submit: a file, a notebook, a folder ----------------------------------------------------------
graded = lmlab.submit(LAB, ada_file, timeout=600)
assert graded.status == "graded" and graded.score == graded.max_score > 0, str(graded)
assert "Submission #%d" % graded.id in str(graded)
parse_html(graded._repr_html_())

grace, grace_notebook = sample("s03-grace")
assert grace["form"] == "notebook" and grace["verdict"] == "notebook_full"
from_notebook = lmlab.submit(LAB, grace_notebook, timeout=600)
assert from_notebook.status == "graded", str(from_notebook)
assert from_notebook.score == from_notebook.max_score, str(from_notebook)

folder = os.path.join(scratch, "my-attention")
os.makedirs(os.path.join(folder, "__pycache__"))
shutil.copy(ada_file, os.path.join(folder, "attention.py"))
with open(os.path.join(folder, "NOTES.md"), "w") as f:
    f.write("vectorised; float32\n")
with open(os.path.join(folder, "__pycache__", "attention.cpython-311.pyc"), "wb") as f:
    f.write(b"\0cache")
from_folder = lmlab.submit(LAB, folder, timeout=600)
assert from_folder.status == "graded" and from_folder.data["filename"] == \
    "my-attention.lmlab-folder.json", str(from_folder)
assert from_folder.score == from_folder.max_score, str(from_folder)

buggy_submission = lmlab.submit(LAB, barbara_file, timeout=600, progress=False)
assert buggy_submission.score < buggy_submission.max_score

# feedback and leaderboard ------------------------------------------------------------------------
latest = lmlab.feedback(LAB)
assert latest.id == buggy_submission.id, (latest.id, buggy_submission.id)
assert lmlab.feedback(LAB, submission=graded.id).id == graded.id
board = lmlab.leaderboard(LAB)
rows = list(board)
assert len(rows) == 1 and rows[0]["rank"] == 1, str(board)
assert rows[0]["score"] == graded.max_score  # best submission counts
parse_html(board._repr_html_())

# Run logging through the session, and the offline fallback ------------------------------------
with lmlab.run("client-loop", run_id="client-loop-1", name="r8") as run:
    run.log_params({"lora_r": 8})
    for step in range(5):
        run.log_metric("loss", 10.0 - step, step)

closed = socket.socket()
closed.bind(("127.0.0.1", 0))
dead_port = closed.getsockname()[1]
closed.close()
offline = os.path.join(scratch, "offline.jsonl")
dead = lmlab.Run(server="http://127.0.0.1:%d" % dead_port, token=token, experiment="offline",
                 run_id="offline-1", offline_path=offline, timeout=2)
dead.log_metric("loss", 1.5, 1)
dead.finish()
with open(offline) as f:
    lines = [json.loads(line) for line in f]
assert lines[0]["run_id"] == "offline-1" and lines[0]["start"]["experiment"] == "offline"
assert lines[-1]["end"]["status"] == "FINISHED"
assert [m["value"] for l in lines for m in l.get("metrics", [])] == [1.5]

# The server itself unreachable: a clear message.
lmlab._session["server"] = "http://127.0.0.1:%d" % dead_port
expect_error("cannot reach the lmlab server", lmlab.labs)
print("ok")
