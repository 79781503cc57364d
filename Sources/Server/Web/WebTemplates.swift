// The web pages' Mustache templates and style sheet, compiled into lmlab so that the daemon
// serves every byte itself (no CDN, no build step, works offline). `{{x}}` escapes HTML; no
// template uses the unescaped forms except for SVG that lmlab draws from numbers (SVGPlot, the
// heatmaps), whose every text is escaped where it is drawn; so a student's filename, run name or
// message cannot become markup.
enum WebTemplates {
    static let all: [String: String] = [
        "layout": layout, "sign-in": signIn, "labs": labs, "feedback": feedback, "error": error,
        "submit": submit,
    ]

    /// Every page's template: the student pages', the instructor pages' and the lecture's.
    static var registered: [String: String] {
        all.merging(RunsTemplates.all) { a, _ in a }
            .merging(InstructorTemplates.all) { a, _ in a }
            .merging(LectureTemplates.all) { a, _ in a }
    }

    /// The one style sheet: the student pages' rules, then the instructor pages' and the
    /// lecture's.
    static var stylesheet: String { [css, RunsTemplates.css, InstructorTemplates.css, LectureTemplates.css].joined(separator: "\n") }

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}lmlab{{/title}} · lmlab</title>
        <link rel="stylesheet" href="/static/lmlab.css">
        <script src="/static/lmlab.js" defer></script>
        </head>
        <body>
        <header>
          <a class="brand" href="/">lmlab</a>
          {{#session}}
          <nav aria-label="Main"><a href="/labs">My labs</a> <a href="/runs">My runs</a>
            <a href="/leaderboards">Leaderboards</a>
            {{#instructor}}<a href="/instructor">Class</a>{{/instructor}}
            <a href="/lecture">Lecture</a></nav>
          <form class="sign-out" method="post" action="/sign-out">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span class="who">{{name}}</span> <button type="submit">Sign out</button>
          </form>
          {{/session}}
        </header>
        <main id="main">
        {{$body}}{{/body}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{<layout}}
        {{$title}}Sign in{{/title}}
        {{$body}}
        <h1>Sign in</h1>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="/sign-in" class="card">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="token">Your lmlab token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required>
          <p class="help">The token your instructor gave you (the same one the notebook client
          and <code>lmlab submit --token</code> use). Or open the sign-in link your instructor sent.</p>
          <button type="submit">Sign in</button>
        </form>
        {{/body}}
        {{/layout}}
        """

    static let labs = """
        {{<layout}}
        {{$title}}My labs{{/title}}
        {{$body}}
        <h1>My labs</h1>
        {{^labs}}<p>No lab is open yet.</p>{{/labs}}
        <table class="labs">
          <caption>Your labs, their due dates and your scores</caption>
          <thead><tr><th scope="col">Lab</th><th scope="col">Points</th><th scope="col">Due</th><th scope="col">Late until</th>
          <th scope="col">Counted score</th><th scope="col">Latest submission</th>
          <th scope="col">Submissions left this hour</th></tr></thead>
          <tbody>
          {{#labs}}
          <tr{{#retired}} class="retired"{{/retired}}>
            <th scope="row"><span class="lab-id">{{id}}</span><br>{{title}}
              {{^retired}}<br><a class="hand-in" href="/labs/{{id}}/submit">Hand in</a>{{/retired}}</th>
            <td>{{points}}{{^points}}—{{/points}}</td>
            <td>{{due}}</td><td>{{lateDue}}{{^lateDue}}—{{/lateDue}}</td>
            <td>{{#counted}}<a href="/submissions/{{id}}">{{score}}</a>{{/counted}}{{^counted}}—{{/counted}}</td>
            <td>{{#latest}}<a href="/submissions/{{id}}">#{{id}} {{status}}{{#score}}, {{score}}{{/score}}</a>{{/latest}}{{^latest}}none yet{{/latest}}</td>
            <td>{{left}}</td>
          </tr>
          {{/labs}}
          </tbody>
        </table>
        {{/body}}
        {{/layout}}
        """

    static let feedback = """
        {{<layout}}
        {{$title}}Submission #{{id}}{{/title}}
        {{$body}}
        <h1>Submission #{{id}} <span class="lab-id">{{lab}}</span></h1>
        <p class="meta">{{filename}} · submitted {{submittedAt}} · <span id="status" class="status status-{{status}}" role="status" aria-live="polite">{{status}}</span>{{#late}} · late (−{{penalty}}){{/late}}</p>
        {{#score}}<p class="score">Score: <strong>{{score}}</strong></p>{{/score}}
        {{#error}}<p class="problem" role="alert">{{error}}</p>{{/error}}
        {{#pending}}<p id="pending" data-poll="/submissions/{{id}}/status">Not graded yet: this page follows it (queued → running → graded) and shows the feedback when it is ready. Without JavaScript, reload the page in a few seconds.</p>{{/pending}}
        {{#groups}}
        <section class="component">
          <h2><code>{{component}}</code></h2>
          {{#mistakes}}
          <div class="mistake">
            <p><strong>{{title}}</strong> <span class="mistake-id">[{{id}}]</span></p>
            <p class="hint">{{hint}}</p>
          </div>
          {{/mistakes}}
          <ul class="tests">
          {{#tests}}
            <li class="test {{#passed}}pass{{/passed}}{{^passed}}fail{{/passed}}">
              <span class="verdict">{{#passed}}PASS{{/passed}}{{^passed}}FAIL{{/passed}}</span>
              {{name}} ({{points}})
              {{#message}}<pre class="message">{{message}}</pre>{{/message}}
              {{#slice}}
              <div class="slice">
              <table>
                <caption>Expected and yours on {{caption}} (the worst value is marked)</caption>
                <thead><tr><th scope="col">column</th>{{#cells}}<th scope="col"{{#worst}} class="worst"{{/worst}}>{{column}}</th>{{/cells}}</tr></thead>
                <tbody>
                  <tr><th scope="row">expected</th>{{#cells}}<td{{#worst}} class="worst"{{/worst}}>{{expected}}</td>{{/cells}}</tr>
                  <tr><th scope="row">yours</th>{{#cells}}<td{{#worst}} class="worst"{{/worst}}>{{got}}</td>{{/cells}}</tr>
                </tbody>
              </table>
              </div>
              {{/slice}}
              {{^empty(figures)}}
              <details class="attention-maps" open>
                <summary>Attention weights on this test's case: the reference beside your mistake</summary>
                <p class="help">Row = a query position, column = a key position; darker = more
                weight. In the difference map red is weight your code gives that the reference
                does not, blue the reverse. Hover a square for its value.{{#figureNote}} {{figureNote}}{{/figureNote}}</p>
                {{#figures}}
                <div class="figure-row">
                  <figure>{{{reference}}}</figure>
                  <figure>{{{mistake}}}</figure>
                  <figure>{{{difference}}}</figure>
                </div>
                {{/figures}}
              </details>
              {{/empty(figures)}}
            </li>
          {{/tests}}
          </ul>
        </section>
        {{/groups}}
        {{#tally}}<p class="tally">{{tally}}</p>{{/tally}}
        {{#verifiedRuns}}
        <p class="verified">Verified by lmlab on the course base model: {{scheme}} perplexity {{perplexity}}</p>
        {{/verifiedRuns}}
        {{#verification}}<p class="verified">{{verification}}</p>{{/verification}}
        <p><a href="/labs">Back to my labs</a></p>
        {{/body}}
        {{/layout}}
        """

    static let submit = """
        {{<layout}}
        {{$title}}Hand in {{lab}}{{/title}}
        {{$body}}
        <h1>Hand in <span class="lab-id">{{lab}}</span></h1>
        <p class="meta">{{title}} · due {{due}}{{#lateDue}} · late until {{lateDue}}{{/lateDue}}{{#left}} · {{left}} submissions left this hour{{/left}}</p>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{#closed}}<p class="problem">{{closed}}</p>{{/closed}}
        {{^closed}}
        <form method="post" action="/labs/{{lab}}/submit" enctype="multipart/form-data" class="card">
          <input type="hidden" name="csrf" value="{{session.csrf}}">
          <label for="file">Your file</label>
          <input id="file" name="file" type="file" accept=".py,.ipynb,.zip" required>
          <p class="help">A Python file (<code>.py</code>), a notebook (<code>.ipynb</code>) or your
          folder as a <code>.zip</code>, at most {{maxMiB}} MiB. lmlab grades it on fresh cases and
          shows the feedback here.</p>
          <button type="submit">Hand in</button>
        </form>
        {{/closed}}
        <p><a href="/labs">Back to my labs</a></p>
        {{/body}}
        {{/layout}}
        """

    /// The one script: on a submission that is not graded yet, asks for its status every second
    /// (the status line updates in place) and, once it is graded, swaps in the page's feedback
    /// without reloading. Pages work without it.
    static let script = """
        "use strict";
        (function () {
          var pending = document.getElementById("pending");
          if (!pending) { return; }
          var url = pending.getAttribute("data-poll");
          var status = document.getElementById("status");
          function swapIn() {
            fetch(window.location.href, { credentials: "same-origin" })
              .then(function (r) { return r.text(); })
              .then(function (html) {
                var page = new DOMParser().parseFromString(html, "text/html");
                var main = page.getElementById("main");
                if (main) { document.getElementById("main").replaceWith(main); }
              });
          }
          function poll() {
            fetch(url, { credentials: "same-origin" })
              .then(function (r) { return r.ok ? r.json() : null; })
              .then(function (s) {
                if (!s) { return; }
                if (status) {
                  status.textContent = s.status;
                  status.className = "status status-" + s.status;
                }
                if (s.finished) { swapIn(); } else { window.setTimeout(poll, 1000); }
              })
              .catch(function () { window.setTimeout(poll, 3000); });
          }
          window.setTimeout(poll, 500);
        })();
        """

    static let error = """
        {{<layout}}
        {{$title}}{{heading}}{{/title}}
        {{$body}}
        <h1>{{heading}}</h1>
        <p class="problem" role="alert">{{message}}</p>
        <p>{{advice}}</p>
        {{/body}}
        {{/layout}}
        """

    /// System fonts, high contrast, one column on a phone.
    static let css = """
        :root { color-scheme: light; --ink: #1b1b1f; --muted: #4a4a55; --line: #c9c9d1;
          --pass: #0b6b2b; --fail: #a3141b; --accent: #1d4ed8; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #fff; }
        header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center;
          padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
        header .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
        header nav { flex: 1; }
        .sign-out { display: flex; gap: .5rem; align-items: center; }
        main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
        button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--ink); border-radius: 4px;
          background: #f3f3f6; color: var(--ink); cursor: pointer; }
        label { display: block; font-weight: 600; margin-top: .5rem; }
        input[type=password] { font: inherit; width: 100%; max-width: 28rem; padding: .4rem; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; max-width: 32rem; }
        .help, .meta, .tally { color: var(--muted); }
        .problem { color: var(--fail); font-weight: 600; }
        table { border-collapse: collapse; width: 100%; }
        caption { text-align: left; color: var(--muted); padding-bottom: .3rem; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line);
          vertical-align: top; }
        .lab-id { font-family: ui-monospace, monospace; font-size: .9em; color: var(--muted); }
        tr.retired { opacity: .6; }
        .component { border-top: 1px solid var(--line); margin-top: 1rem; }
        .mistake { border-left: 4px solid var(--fail); padding: .2rem .8rem; background: #fdf3f3; }
        .mistake-id { font-family: ui-monospace, monospace; color: var(--muted); }
        .tests { list-style: none; padding: 0; }
        .test { padding: .3rem 0; }
        .verdict { display: inline-block; min-width: 3.2rem; font-weight: 700; }
        .pass .verdict { color: var(--pass); }
        .fail .verdict { color: var(--fail); }
        .message { white-space: pre-wrap; margin: .2rem 0 0 3.2rem; font-size: .9em; }
        .status { font-weight: 600; }
        .attention-maps { margin: .5rem 0 0 3.2rem; }
        .slice { margin: .3rem 0 0 3.2rem; overflow-x: auto; }
        .slice table { width: auto; font-size: .85em; font-family: ui-monospace, monospace; }
        .slice caption { font-family: system-ui, sans-serif; }
        .slice th, .slice td { padding: .15rem .5rem; text-align: right; }
        .slice .worst { background: #fdf3f3; color: var(--fail); font-weight: 700; }
        .figure-row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; }
        .figure-row figure { margin: 0; }
        .figure-row figcaption { font-size: .85em; color: var(--muted); }
        .status-graded { color: var(--pass); }
        .status-error { color: var(--fail); }
        input[type=file] { font: inherit; margin: .3rem 0; }
        @media (max-width: 40rem) {
          table.labs thead { display: none; }
          table.labs tr, table.labs td, table.labs th { display: block; border: 0; padding: .1rem 0; }
          table.labs tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
          .message, .attention-maps, .slice { margin-left: 0; }
        }
        """
}
