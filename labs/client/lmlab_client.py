"""lmlab client: hand in, self-check and read feedback from a notebook or a terminal, and log
experiment runs. Standard library only (Python 3.9+), so it runs in Kaggle, Colab or Jupyter.

    import lmlab_client as lmlab
    lmlab.login("https://lmlab.example", "TOKEN")   # or set $LMLAB_SERVER and $LMLAB_TOKEN
    lmlab.labs()                                     # the labs, due dates and points
    lmlab.check("01-attention", "attention.py")      # the visible tests on the server: not a submission
    lmlab.submit("01-attention")                     # this notebook; or a .py, a .ipynb or a folder
    lmlab.feedback("01-attention")                   # your latest submission's feedback
    lmlab.leaderboard("01-attention")

Results print as text in a terminal and as HTML in Jupyter. In a notebook, fetch this file from
the course's server: `urllib.request.urlretrieve(SERVER + "/client/lmlab_client.py",
"lmlab_client.py")`; elsewhere `pip install labs/client`.

Experiment runs:

    with lmlab.run("lora-sweep") as run:             # or Run(server=..., token=..., experiment=...)
        run.log_params({"lora_r": 8, "lr": 3e-4})
        for step in range(100):
            run.log_metric("loss", loss, step)

Values are buffered and sent in batches to POST /api/runs/batch (labs/client/PROTOCOL.md).
With no server, or when it cannot be reached, every batch is appended to a JSONL file instead;
upload it later with `lmlab runs import FILE`.
"""
import base64
import glob
import html
import json
import math
import os
import platform
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

__version__ = "1.0"

MAX_METRICS_PER_BATCH = 10_000  # the server's limit (PROTOCOL.md)
FINAL_STATUSES = ("FINISHED", "FAILED", "KILLED")
FOLDER_FORMAT = "lmlab-folder-1"  # SubmissionBundle in Sources/Server/LabGrader.swift
FOLDER_SUFFIX = ".lmlab-folder.json"
FOLDER_MAX_BYTES = 5 << 20
FOLDER_MAX_FILES = 500
FOLDER_SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store", ".venv", "venv"}
GRADABLE = (".py", ".ipynb")


# Errors ------------------------------------------------------------------------------------


class LmlabError(Exception):
    """Something the student can act on: the message says what was wrong and what to do.

    In Jupyter it shows as its message alone, not as a traceback."""

    def _render_traceback_(self):  # IPython shows these lines instead of the traceback
        return ["lmlab: " + line if i == 0 else "       " + line
                for i, line in enumerate(str(self).splitlines())]


# The session ---------------------------------------------------------------------------------

_session = {"server": None, "token": None, "timeout": 60.0}


def login(server=None, token=None, timeout=60.0):
    """Remembers the server and your token ($LMLAB_SERVER and $LMLAB_TOKEN by default) and
    checks them with the server; returns the labs."""
    server = server or os.environ.get("LMLAB_SERVER")
    token = token or os.environ.get("LMLAB_TOKEN")
    if not server:
        raise LmlabError("no server: call login(SERVER_URL, TOKEN) or set $LMLAB_SERVER")
    if not token:
        raise LmlabError("no token: call login(SERVER_URL, TOKEN) or set $LMLAB_TOKEN "
                         "(your instructor gives you the token)")
    if "://" not in server:
        server = "http://" + server
    before = dict(_session)
    _session.update(server=server.rstrip("/"), token=token.strip(), timeout=float(timeout))
    try:
        return labs()
    except LmlabError:
        _session.update(before)  # a failed login leaves the previous one in place
        raise


def _ensure_session():
    if not _session["server"] or not _session["token"]:
        if os.environ.get("LMLAB_SERVER") and os.environ.get("LMLAB_TOKEN"):
            login()
        else:
            raise LmlabError("not logged in: call lmlab_client.login(SERVER_URL, TOKEN) first "
                             "(or set $LMLAB_SERVER and $LMLAB_TOKEN)")


def _request(method, path, query=None, body=None, content_type=None, timeout=None):
    """The server's JSON answer, or an LmlabError with the server's own message."""
    _ensure_session()
    url = _session["server"] + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", "Bearer " + _session["token"])
    request.add_header("Accept", "application/json")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout or _session["timeout"]) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise _http_error(error) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LmlabError(
            "cannot reach the lmlab server at %s (%s): check the address and your network "
            "(on Kaggle, turn Internet on in the notebook's settings)" % (_session["server"], reason)
        ) from None


def _http_error(error):
    try:
        message = json.loads(error.read().decode("utf-8", "replace")).get("error")
    except (ValueError, AttributeError, OSError):
        message = None
    message = message or error.reason or "HTTP %d" % error.code
    if error.code == 401:
        message += " (login(SERVER_URL, TOKEN) with the token your instructor gave you)"
    elif error.code == 429:
        message += " (rate limit)"
    return LmlabError("%s [HTTP %d]" % (message, error.code))


# What to hand in -----------------------------------------------------------------------------


def _payload(source):
    """(filename, bytes) for a .py file, a notebook, a folder, or None: this notebook."""
    if source is None:
        source = current_notebook()
    path = os.path.abspath(os.path.expanduser(os.fspath(source)))
    if os.path.isdir(path):
        return _pack_folder(path)
    if not os.path.isfile(path):
        raise LmlabError("no file or folder %s: check the path" % path)
    name = os.path.basename(path)
    with open(path, "rb") as f:
        content = f.read()
    if name.lower().endswith(".ipynb"):
        _check_notebook(content, path)
    elif not name.lower().endswith(".py"):
        raise LmlabError("%s is neither a .py file, a .ipynb notebook nor a folder: hand in "
                         "your code" % path)
    if not content.strip():
        raise LmlabError("%s is empty: save your work first" % path)
    return name, content


def _check_notebook(content, path):
    try:
        notebook = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise LmlabError("%s is not a valid notebook (not JSON: %s): save it again from "
                         "Jupyter (File > Save) and retry" % (path, error)) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise LmlabError("%s is not a valid notebook (no list of cells): save it again from "
                         "Jupyter (File > Save) and retry" % path)


def _pack_folder(folder):
    """The folder as the server's SubmissionBundle: regular files, caches left out."""
    files, total, gradable = [], 0, False
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in FOLDER_SKIPPED
                         and not os.path.islink(os.path.join(root, d)))
        for name in sorted(names):
            full = os.path.join(root, name)
            if name in FOLDER_SKIPPED or os.path.islink(full) or not os.path.isfile(full):
                continue
            with open(full, "rb") as f:
                data = f.read()
            total += len(data)
            if total > FOLDER_MAX_BYTES or len(files) >= FOLDER_MAX_FILES:
                raise LmlabError("%s is larger than %d MiB or %d files: hand in only your code"
                                 % (folder, FOLDER_MAX_BYTES >> 20, FOLDER_MAX_FILES))
            relative = os.path.relpath(full, folder).replace(os.sep, "/")
            gradable = gradable or name.lower().endswith(GRADABLE)
            files.append({"path": relative, "base64": base64.b64encode(data).decode("ascii")})
    if not gradable:
        raise LmlabError("%s holds no .py or .ipynb file: nothing to grade (hand in the folder "
                         "with your lab's module in it)" % folder)
    name = os.path.basename(folder.rstrip(os.sep)).lstrip(".") or "submission"
    bundle = {"files": files, "folder": name, "format": FOLDER_FORMAT}
    return name + FOLDER_SUFFIX, json.dumps(bundle, sort_keys=True).encode("utf-8")


def current_notebook():
    """The path of the notebook this kernel runs, as last saved; an LmlabError asking for the
    path when it cannot be found (on Kaggle the notebook is not on disk while you edit it)."""
    ipython = _ipython()
    if ipython is not None:
        vscode = ipython.user_ns.get("__vsc_ipynb_file__")  # VS Code's notebooks
        if vscode and os.path.isfile(vscode):
            return vscode
    session_name = os.environ.get("JPY_SESSION_NAME", "")  # jupyter_server 2 sets it
    if session_name.endswith(".ipynb") and os.path.isfile(session_name):
        return session_name
    found = _notebook_from_jupyter_server()
    if found:
        return found
    for saved in ("/kaggle/src/script.ipynb",):  # Kaggle's "Save & Run All" copy
        if os.path.isfile(saved):
            return saved
    raise LmlabError(
        "cannot find this notebook's file: pass its path, e.g. submit(LAB, \"my-notebook.ipynb\")"
        "; on Kaggle or Colab, write your functions to a file with %%writefile attention.py and "
        "submit(LAB, \"attention.py\")")


def _ipython():
    shell = sys.modules.get("IPython")
    try:
        return shell.get_ipython() if shell else None
    except Exception:  # an IPython without a shell
        return None


def _notebook_from_jupyter_server():
    """Asks the running Jupyter servers which notebook owns this kernel (their sessions API)."""
    kernel = sys.modules.get("ipykernel")
    try:
        connection = kernel.get_connection_file() if kernel else ""
    except Exception:
        return None
    kernel_id = os.path.basename(connection)[len("kernel-"):-len(".json")]
    if not kernel_id:
        return None
    runtime = os.path.dirname(connection)
    for info_file in sorted(glob.glob(os.path.join(runtime, "jpserver-*.json"))
                            + glob.glob(os.path.join(runtime, "nbserver-*.json"))):
        try:
            with open(info_file, encoding="utf-8") as f:
                info = json.load(f)
            url = info["url"].rstrip("/") + "/api/sessions"
            request = urllib.request.Request(url)
            if info.get("token"):
                request.add_header("Authorization", "token " + info["token"])
            with urllib.request.urlopen(request, timeout=2) as response:
                sessions = json.loads(response.read())
        except (OSError, ValueError, KeyError):
            continue
        for session in sessions:
            if session.get("kernel", {}).get("id") == kernel_id:
                relative = session.get("path") or session.get("notebook", {}).get("path", "")
                root = info.get("root_dir") or info.get("notebook_dir") or ""
                path = os.path.join(root, relative)
                if path.endswith(".ipynb") and os.path.isfile(path):
                    return path
    return None


# The student's loop ------------------------------------------------------------------------


def labs():
    """The course's labs with their due dates and points."""
    return LabList(_request("GET", "/api/labs"))


def check(lab, source=None):
    """Runs the lab's visible tests on `source` (a .py, a notebook, a folder, or None for this
    notebook) on the server, in its sandbox. Not a submission: nothing is recorded."""
    filename, content = _payload(source)
    answer = _request("POST", "/api/labs/%s/check" % _quote(lab), {"filename": filename},
                      content, "application/octet-stream",
                      timeout=max(_session["timeout"], 300.0))
    return CheckResult(answer)


def submit(lab, source=None, wait=True, timeout=900.0, progress=True):
    """Hands `source` in (a .py, a notebook, a folder, or None for this notebook); with `wait`,
    waits for the grade with a progress line and returns the feedback."""
    filename, content = _payload(source)
    receipt = _request("POST", "/api/submissions", {"lab": lab, "filename": filename}, content,
                       "application/octet-stream")
    if not wait:
        return receipt
    return _wait_for(receipt["id"], timeout, progress)


def _wait_for(submission_id, timeout, progress):
    started = time.monotonic()
    delay = 0.25
    while True:
        view = _request("GET", "/api/submissions/%d" % submission_id)
        elapsed = time.monotonic() - started
        done = view.get("status") in ("graded", "error")
        if progress:
            line = "lmlab: submission #%d %s · %.0f s" % (submission_id, view.get("status"), elapsed)
            print("\r" + line.ljust(60), end="\n" if done else "", file=sys.stderr, flush=True)
        if done:
            return Feedback(view)
        if elapsed > timeout:
            if progress:
                print(file=sys.stderr)
            raise LmlabError("submission #%d is still %s after %.0f s: it stays queued; read its "
                             "feedback later with feedback(LAB)" % (submission_id,
                                                                    view.get("status"), elapsed))
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)


def feedback(lab, latest=True, submission=None):
    """Your latest submission's feedback to `lab` (or submission number `submission`)."""
    if submission is not None:
        return Feedback(_request("GET", "/api/submissions/%d" % int(submission)))
    if not latest:
        raise LmlabError("give a submission number: feedback(LAB, submission=N)")
    return Feedback(_request("GET", "/api/labs/%s/submissions/latest" % _quote(lab)))


def leaderboard(lab):
    """The lab's class ranking, under pseudonyms."""
    return Leaderboard(_request("GET", "/api/labs/%s/leaderboard" % _quote(lab)))


def run(experiment, **options):
    """A Run logged to the server you logged in to (see Run for the options)."""
    _ensure_session()
    return Run(server=_session["server"], token=_session["token"], experiment=experiment,
               **options)


def _quote(text):
    return urllib.parse.quote(str(text), safe="")


# Results: text in a terminal, HTML in Jupyter ----------------------------------------------


class _Result:
    """A server answer (`.data`, its JSON) that prints as text and shows as HTML in Jupyter."""

    def __init__(self, data):
        self.data = data

    def __getitem__(self, key):
        return self.data[key]

    def __str__(self):
        return self._text()

    def __repr__(self):
        return self._text()

    def _repr_html_(self):
        return '<div class="lmlab">%s</div>' % self._html()


def _points(x):
    return ("%g" % x) if x is not None else "–"


def _test_lines(tests):
    lines = []
    for test in tests:
        head = "%s %s (%s/%s)" % (test["status"].upper().ljust(4), test["name"],
                                  _points(test["points"]), _points(test["maxPoints"]))
        lines.append(head)
        message = (test.get("message") or "").strip()
        if message and test["status"] != "pass":
            lines.extend("     " + line for line in message.splitlines())
        if test.get("mistake"):
            label = "close to" if test.get("nearMiss") else "mistake"
            lines.append("     %s: %s [%s]" % (label, test["mistake"], test.get("diagnosis")))
        if test.get("hint"):
            lines.append("     hint: " + test["hint"])
    return lines


def _test_rows(tests):
    rows = []
    for test in tests:
        status = test["status"]
        colour = "#1a7f37" if status == "pass" else "#cf222e"
        cell = "<b>%s</b>" % html.escape(test["name"])
        if test.get("mistake"):
            label = "Close to" if test.get("nearMiss") else "Mistake"
            cell += "<br>%s: %s <code>%s</code>" % (label, html.escape(test["mistake"]),
                                                     html.escape(test.get("diagnosis") or ""))
        if test.get("hint"):
            cell += "<br><i>Hint:</i> %s" % html.escape(test["hint"])
        message = (test.get("message") or "").strip()
        if message:
            cell += ("<details><summary>details</summary><pre>%s</pre></details>"
                     % html.escape(message))
        rows.append('<tr><td style="color:%s"><b>%s</b></td><td>%s/%s</td><td>%s</td></tr>'
                    % (colour, html.escape(status.upper()), _points(test["points"]),
                       _points(test["maxPoints"]), cell))
    return ('<table><tr><th>status</th><th>points</th><th>test</th></tr>%s</table>'
            % "".join(rows))


class _Graded(_Result):
    """An answer with a score and test-by-test verdicts."""

    @property
    def score(self):
        return self.data.get("score")

    @property
    def max_score(self):
        return self.data.get("maxScore")

    @property
    def tests(self):
        return self.data.get("tests", [])


class CheckResult(_Graded):
    """The visible tests' verdicts from check(): not a submission."""

    def _title(self):
        return "Check of %s, lab %s: %s/%s on the visible tests (not a submission)" % (
            self.data["filename"], self.data["lab"], _points(self.score), _points(self.max_score))

    def _text(self):
        return "\n".join([self._title()] + _test_lines(self.tests))

    def _html(self):
        return "<p><b>%s</b></p>%s" % (html.escape(self._title()), _test_rows(self.tests))


class Feedback(_Graded):
    """A submission's status, score and test-by-test feedback."""

    @property
    def id(self):
        return self.data["id"]

    @property
    def status(self):
        return self.data["status"]

    def _title(self):
        d = self.data
        title = "Submission #%d: %s, lab %s, %s" % (d["id"], d["filename"], d["lab"], d["status"])
        if d.get("score") is not None:
            title += " · %s/%s" % (_points(d["score"]), _points(d.get("maxScore")))
        if d.get("late"):
            title += " (late)"
        return title

    def _notes(self):
        d = self.data
        notes = []
        if d.get("error"):
            notes.append("error: " + d["error"])
        if d.get("afterDueTests"):
            notes.append("%d more test(s), %s points, are shown after the due date"
                         % (d["afterDueTests"], _points(d.get("afterDueMaxScore"))))
        for verified in d.get("verifiedRuns") or []:
            notes.append("verified run %s: perplexity %s on the course base model" % (
                verified.get("runID"), verified.get("perplexity")))
        if d.get("verification"):
            notes.append("verification: " + d["verification"])
        return notes

    def _text(self):
        return "\n".join([self._title()] + _test_lines(self.tests) + self._notes())

    def _html(self):
        notes = "".join("<p>%s</p>" % html.escape(note) for note in self._notes())
        return "<p><b>%s</b></p>%s%s" % (html.escape(self._title()), _test_rows(self.tests),
                                         notes)


class LabList(_Result):
    """The labs from labs()."""

    def __iter__(self):
        return iter(self.data["labs"])

    def __len__(self):
        return len(self.data["labs"])

    def _rows(self):
        return [(lab["id"], lab["title"], lab.get("due") or "–",
                 "%s (%s visible)" % (_points(lab.get("points")), _points(lab.get("visiblePoints"))))
                for lab in self.data["labs"]]

    def _text(self):
        return "\n".join("%-18s %-34s due %-22s %s points" % row for row in self._rows())

    def _html(self):
        rows = "".join("<tr>%s</tr>" % "".join("<td>%s</td>" % html.escape(str(c)) for c in row)
                       for row in self._rows())
        return ("<table><tr><th>lab</th><th>title</th><th>due</th><th>points</th></tr>%s</table>"
                % rows)


class Leaderboard(_Result):
    """A lab's class ranking, under pseudonyms."""

    def __iter__(self):
        return iter(self.data["rows"])

    def _text(self):
        lines = ["%s leaderboard (%s submission counts)" % (self.data["lab"],
                                                            self.data["counting"])]
        lines += ["%4d  %-20s %8s  %s" % (row["rank"], row["name"], _points(row["score"]),
                                          row["submittedAt"]) for row in self.data["rows"]]
        return "\n".join(lines)

    def _html(self):
        rows = "".join("<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            row["rank"], html.escape(row["name"]), _points(row["score"]),
            html.escape(row["submittedAt"])) for row in self.data["rows"])
        return ("<p><b>%s leaderboard</b></p><table><tr><th>rank</th><th>student</th>"
                "<th>score</th><th>submitted</th></tr>%s</table>"
                % (html.escape(self.data["lab"]), rows))


# Experiment runs ---------------------------------------------------------------------------

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
