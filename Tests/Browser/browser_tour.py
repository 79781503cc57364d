#!/usr/bin/env python3
"""The web pages in a real browser: headless Chromium driven by Selenium, against a real
`lmlab serve` started here on a fresh data directory.

The tour is what a student and an instructor do: sign in with a token, hand in a buggy file,
watch it get graded without reloading, open the feedback and find the mistake's title and its
attention heatmaps, open a leaderboard and a run's curve, sign out; an instructor opens the
lab's page and regrades it. Values a student typed (a run name, a param) carry a script that
must stay text. With --screenshots DIR it also saves the main pages as PNGs (the README's).

Run by Tests/LMLabTests/BrowserTests.swift, and by hand to refresh the README's screenshots:
    python3 Tests/Browser/browser_tour.py --lmlab .build/debug/lmlab \
        --screenshots Tests/Browser/screenshots
Prints one JSON object with what was checked; exits 1 naming the first step that failed.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
XSS = "<script>window.__xss=1</script>"
BUGGY = os.path.join(REPO, "submissions", "s05-barbara", "01-attention", "attention.py")
MISTAKE_TITLE = "Attention scores not scaled by 1/√d_k"


class TourFailed(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lmlab(binary, data, *args):
    out = subprocess.run([binary, *args, "--data", data], capture_output=True, text=True,
                         timeout=300)
    if out.returncode != 0:
        raise TourFailed(f"lmlab {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def lecture_model(binary, data):
    """A small randomly initialised GPT-2 with lab 04's tokenizer, for the lecture's pages."""
    folder = os.path.join(data, "lecture-model")
    out = subprocess.run(
        [binary, "model", "init", "--layers", "2", "--heads", "4", "--embd", "64",
         "--ctx", "64", "--tokenizer", os.path.join(REPO, "labs", "04-tokenizer"),
         "--out", folder], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise TourFailed(f"lmlab model init failed: {out.stderr.strip()}")
    return folder


def labs_due_next_week(data):
    """A copy of labs/ whose lab 01 is due in a week and closes in two: the course's calendar
    is fixed in lab.toml, the tour runs any day and hands in on time."""
    labs = os.path.join(data, "labs")
    shutil.copytree(os.path.join(REPO, "labs"), labs)
    toml = os.path.join(labs, "01-attention", "lab.toml")
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamp = lambda days: (now + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    with open(toml) as fh:
        text = fh.read()
    text = re.sub(r'(?m)^due = ".*"$', f'due = "{stamp(7)}"', text, count=1)
    text = re.sub(r'(?m)^late_due = ".*"$', f'late_due = "{stamp(14)}"', text, count=1)
    with open(toml, "w") as fh:
        fh.write(text)
    return labs


def start_daemon(binary, data, port, log, model=None):
    env = dict(os.environ, LMLAB_LABS=labs_due_next_week(data))
    # Started in the data directory: no ./submissions there, so no drop folder.
    process = subprocess.Popen(
        [binary, "serve", "--data", data, "--port", str(port), "--workers", "1",
         "--warm-sandboxes", "0"] + (["--model", model] if model else []),
        cwd=data, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise TourFailed(f"lmlab serve exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise TourFailed("lmlab serve did not answer /api/health within 120 s")


def log_run(url, token):
    """A LoRA run with a script in its name and a param, and a falling loss curve."""
    sys.path.insert(0, os.path.join(REPO, "labs", "client"))
    import lmlab_client
    run = lmlab_client.Run(server=url, token=token, experiment="lora-rank", run_id="tour-r8",
                           name="rank 8 " + XSS)
    run.log_params({"rank": 8, "alpha": 16, "note": XSS})
    for step, loss in enumerate([3.2, 2.6, 2.2, 2.0, 1.9, 1.85]):
        run.log_metric("eval_loss", loss, step=step * 50)
    run.finish()
    return "tour-r8"


class Tour:
    def __init__(self, url, shots):
        options = Options()
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1200,900", "--lang=en-US"):
            options.add_argument(flag)
        options.binary_location = "/usr/bin/chromium"
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.url = url
        self.shots = shots
        self.checked = []

    def get(self, path):
        self.driver.get(self.url + path)

    def wait(self, what, condition, seconds=30):
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.2).until(
                lambda d: condition(d))
        except TimeoutException:
            raise TourFailed(f"timed out waiting for {what} on {self.driver.current_url}")

    def check(self, what, ok):
        if not ok:
            raise TourFailed(f"{what} (page {self.driver.current_url})")
        self.checked.append(what)

    def shot(self, name, full=True):
        if not self.shots:
            return
        path = os.path.join(self.shots, name + ".png")
        if full:
            height = self.driver.execute_script("return document.body.scrollHeight")
            self.driver.set_window_size(1200, min(max(height + 40, 600), 2400))
        self.driver.save_screenshot(path)
        self.driver.set_window_size(1200, 900)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def no_injected_script(self, where):
        scripts = self.driver.execute_script(
            "return Array.from(document.scripts).map(s => s.src || s.text)")
        self.check(f"{where}: the only script is lmlab.js",
                   all(s.endswith("/static/lmlab.js") for s in scripts))
        self.check(f"{where}: the script typed by a student did not run",
                   self.driver.execute_script("return window.__xss === undefined"))

    def sign_in(self, token):
        self.get("/sign-in")
        self.driver.find_element(By.ID, "token").send_keys(token)
        self.driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
        self.wait("My labs", lambda d: d.current_url.endswith("/labs"))

    def sign_out(self):
        self.driver.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
        self.wait("the sign-in page", lambda d: d.current_url.endswith("/sign-in"))

    def student(self, token, run_id):
        self.get("/sign-in")
        self.shot("sign-in", full=False)
        self.sign_in(token)
        self.check("My labs lists lab 01-attention", "01-attention" in self.text())
        self.shot("labs")

        self.get("/labs/01-attention/submit")
        self.driver.find_element(By.ID, "file").send_keys(BUGGY)
        self.shot("submit", full=False)
        self.driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
        self.wait("the submission's page", lambda d: "/submissions/" in d.current_url)
        page_url = self.driver.current_url
        # The status updates in place (no reload: a marker set now survives) until graded.
        self.driver.execute_script("window.__sameDocument = true")
        self.wait("the grade", lambda d: d.find_element(By.ID, "status").text == "graded", 180)
        self.wait("the feedback", lambda d: MISTAKE_TITLE in d.find_element(By.TAG_NAME, "main").text)
        self.check("the page was updated without reloading",
                   self.driver.execute_script("return window.__sameDocument === true")
                   and self.driver.current_url == page_url)
        self.check("the feedback names the mistake", MISTAKE_TITLE in self.text())
        heatmaps = self.driver.find_elements(By.CSS_SELECTOR, "svg.heatmap")
        self.check("the feedback shows attention heatmaps", len(heatmaps) >= 2)
        cells = self.driver.find_elements(By.CSS_SELECTOR, "svg.heatmap rect.cell")
        self.check("the heatmaps have cells", len(cells) > 0)
        self.driver.get(page_url)  # as a reload would show it
        self.shot("feedback")

        self.get("/runs/" + run_id)
        self.check("the run page draws its curve",
                   len(self.driver.find_elements(By.CSS_SELECTOR, "figure.curve svg")) == 1)
        self.check("the run's name is shown as text", XSS in self.text())
        self.no_injected_script("the run page")
        self.shot("run")

        self.get("/leaderboards")
        self.driver.find_element(By.LINK_TEXT, "lora-rank").click()
        self.wait("the leaderboard", lambda d: "/experiments/lora-rank/leaderboard" in d.current_url)
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.board tbody tr")
        self.check("the leaderboard ranks the run", len(rows) == 1 and "1.85" in rows[0].text)
        self.check("the viewer's row is marked", "(you)" in rows[0].text)
        self.shot("leaderboard", full=False)

        self.sign_out()
        self.get("/labs")
        self.check("signed out: My labs asks to sign in again",
                   self.driver.current_url.endswith("/sign-in"))

    def instructor(self, token):
        self.sign_in(token)
        self.get("/instructor/labs/01-attention")
        self.check("the lab page names the student's mistake", MISTAKE_TITLE in self.text())
        self.check("the lab page draws a histogram",
                   len(self.driver.find_elements(By.CSS_SELECTOR, "svg")) >= 1)
        self.shot("instructor-lab")
        buttons = [b for b in self.driver.find_elements(By.CSS_SELECTOR, "form button")
                   if "Regrade" in b.text]
        self.check("the lab page has a regrade button", len(buttons) == 1)
        buttons[0].click()
        self.wait("the regrade's answer", lambda d: "queued" in d.find_element(By.TAG_NAME, "main").text.lower())
        self.check("the regrade queued the submission", "1" in self.text())
        self.sign_out()

    def lecture(self, token):
        """The lecture's pages, for the screenshots only (LecturePagesTests checks them)."""
        if not self.shots:
            return
        self.sign_in(token)
        self.get("/lecture/sizes")
        self.shot("lecture-sizes")
        self.get("/lecture/pipeline?prompt=The+attention+weights&max_tokens=3&top_k=5&seed=1")
        self.shot("lecture-pipeline")
        self.get("/lecture/attention?sentence=The+cat+sat+on+the+mat&layer=1&head=0")
        self.shot("lecture-attention")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lmlab", default=os.path.join(REPO, ".build", "debug", "lmlab"),
                        help="The lmlab binary to serve with.")
    parser.add_argument("--screenshots", help="Save the main pages as PNGs in this folder.")
    args = parser.parse_args()
    args.lmlab = os.path.abspath(args.lmlab)
    data = tempfile.mkdtemp(prefix="lmlab-browser-")
    log = open(os.path.join(data, "serve.log"), "w")
    daemon = None
    tour = None
    try:
        lmlab(args.lmlab, data, "students", "add", "s05-barbara", "--name", "Barbara Liskov")
        lmlab(args.lmlab, data, "students", "add", "prof", "--name", "Ada Instructor",
              "--instructor")
        student_token = lmlab(args.lmlab, data, "students", "token", "s05-barbara").strip()
        instructor_token = lmlab(args.lmlab, data, "students", "token", "prof").strip()
        model = lecture_model(args.lmlab, data) if args.screenshots else None
        daemon, url = start_daemon(args.lmlab, data, free_port(), log, model)
        run_id = log_run(url, student_token)
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
        tour = Tour(url, args.screenshots)
        tour.student(student_token, run_id)
        tour.instructor(instructor_token)
        tour.lecture(student_token)
        print(json.dumps({"ok": True, "checked": tour.checked}))
        return 0
    except TourFailed as failure:
        print(json.dumps({"ok": False, "failed": str(failure),
                          "checked": tour.checked if tour else []}))
        return 1
    finally:
        if tour:
            tour.driver.quit()
        if daemon:
            daemon.terminate()
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
