// The instructor pages' Mustache templates and their style rules (registered in WebTemplates).
// Every value goes through `{{x}}`; the only unescaped values are the two SVGs lmlab draws itself
// from numbers (the histogram, the curves), whose text is escaped where they are drawn.
enum InstructorTemplates {
    static let all: [String: String] = [
        "instructor-class": overview, "instructor-lab": lab, "instructor-student": student,
        "instructor-roster": roster, "instructor-runs": runs, "instructor-compare": compare,
    ]

    /// The links every instructor page starts with.
    static let subnav = """
        <nav class="subnav" aria-label="Instructor"><a href="/instructor">Class</a>
        <a href="/instructor/roster">Roster</a> <a href="/instructor/runs">Runs</a></nav>
        """

    static let overview = """
        {{<layout}}
        {{$title}}Class overview{{/title}}
        {{$body}}
        \(subnav)
        <h1>Class overview</h1>
        <p class="meta">{{rosterSize}} students on the roster.</p>
        {{^labs}}<p>No lab is synced yet: <code>lmlab serve</code> syncs the labs folder.</p>{{/labs}}
        <table class="stack">
          <caption>Each lab's submissions and counted scores</caption>
          <thead><tr><th scope="col">Lab</th><th scope="col">Due</th><th scope="col">Submitted</th>
          <th scope="col">Graded</th><th scope="col">Mean score</th><th scope="col">Late</th>
          <th scope="col">Missing</th></tr></thead>
          <tbody>
          {{#labs}}
          <tr{{#retired}} class="retired"{{/retired}}>
            <th scope="row"><a href="{{href}}"><span class="lab-id">{{id}}</span><br>{{title}}</a>{{#retired}} (retired){{/retired}}</th>
            <td>{{due}}</td><td>{{submitters}}</td><td>{{graded}}</td><td>{{mean}}</td>
            <td>{{late}}</td><td>{{missing}}</td>
          </tr>
          {{/labs}}
          </tbody>
        </table>
        {{/body}}
        {{/layout}}
        """

    static let lab = """
        {{<layout}}
        {{$title}}{{id}} · class report{{/title}}
        {{$body}}
        \(subnav)
        <h1>{{title}} <span class="lab-id">{{id}}</span></h1>
        {{#regraded}}<p class="notice" role="status">{{.}} submissions were queued to be graded again; their new grades replace the old ones as they finish.</p>{{/regraded}}
        <p class="meta">{{submitters}} of {{rosterSize}} students submitted; {{graded}} have a counted grade.</p>
        <div class="actions">
          <form method="post" action="{{href}}/regrade">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit">Regrade this lab</button>
          </form>
          <a class="button" href="{{href}}/grades.csv" download>Export grades (CSV)</a>
          <a class="button" href="{{href}}/gradescope.zip" download>Export for Gradescope (zip)</a>
        </div>
        <h2>Counted scores</h2>
        <figure class="chart">
        {{! lmlab drew this SVG from the bucket counts; its only text is escaped there. }}
        {{{histogram}}}
        </figure>
        <h2>Pass rate per test</h2>
        <table class="stack">
          <caption>Over each student's counted submission</caption>
          <thead><tr><th scope="col">Test</th><th scope="col">Component</th>
          <th scope="col">Passed</th><th scope="col">Rate</th></tr></thead>
          <tbody>
          {{#passRates}}
          <tr><th scope="row"><code>{{name}}</code></th><td>{{component}}</td>
          <td>{{passed}} of {{total}}</td><td>{{percent}}</td></tr>
          {{/passRates}}
          </tbody>
        </table>
        {{^passRates}}<p>Nothing is graded yet.</p>{{/passRates}}
        <h2>Most common mistakes</h2>
        {{^mistakes}}<p>No named mistake in this lab's graded submissions.</p>{{/mistakes}}
        {{#mistakes}}
        <section class="mistake">
          <h3>{{title}} <span class="mistake-id">[{{id}}]</span></h3>
          <p class="meta">{{counts}}</p>
          <ul class="people">{{#who}}<li><a href="{{href}}">{{name}}</a> ({{detail}})</li>{{/who}}</ul>
          {{#moreWho}}<p class="meta">and {{moreWho}} more (all of them: lmlab report lab, or the CSV export)</p>{{/moreWho}}
        </section>
        {{/mistakes}}
        <h2>Late</h2>
        {{^late}}<p>No counted submission is late.</p>{{/late}}
        <ul class="people">{{#late}}<li><a href="{{href}}">{{name}}</a></li>{{/late}}</ul>
        {{#moreLate}}<p class="meta">and {{moreLate}} more (all of them: the CSV export)</p>{{/moreLate}}
        <h2>Missing</h2>
        {{^missing}}<p>Every student has submitted.</p>{{/missing}}
        <ul class="people">{{#missing}}<li><a href="{{href}}">{{name}}</a></li>{{/missing}}</ul>
        {{#moreMissing}}<p class="meta">and {{moreMissing}} more (all of them: lmlab report lab)</p>{{/moreMissing}}
        {{/body}}
        {{/layout}}
        """

    static let student = """
        {{<layout}}
        {{$title}}{{name}}{{/title}}
        {{$body}}
        \(subnav)
        <h1>{{name}} <span class="lab-id">{{id}}</span></h1>
        <p class="meta">{{#email}}{{email}} · {{/email}}pseudonym {{pseudonym}}{{#instructor}} · instructor{{/instructor}}</p>
        {{#newLink}}
        <div class="notice" role="status">
          <p>A sign-in link for {{name}}, shown this once. It works once, until {{expires}}:</p>
          <p><input class="copy" type="text" readonly value="{{url}}" aria-label="Sign-in link"></p>
        </div>
        {{/newLink}}
        <form method="post" action="{{linkAction}}" class="actions">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit">Make a sign-in link</button>
        </form>
        <h2>Labs</h2>
        <table class="stack">
          <caption>Each lab as {{name}} stands in it</caption>
          <thead><tr><th scope="col">Lab</th><th scope="col">Submissions</th>
          <th scope="col">Counted</th><th scope="col">Latest</th></tr></thead>
          <tbody>
          {{#labs}}
          <tr><th scope="row"><a href="{{href}}"><span class="lab-id">{{id}}</span><br>{{title}}</a></th>
          <td>{{submissions}}</td>
          <td>{{#counted}}<a href="/submissions/{{.}}">#{{.}} {{score}}</a>{{#late}} late{{/late}}{{/counted}}{{^counted}}—{{/counted}}</td>
          <td>{{#latest}}<a href="/submissions/{{.}}">#{{.}} {{status}}</a>{{/latest}}{{^latest}}none{{/latest}}</td></tr>
          {{/labs}}
          </tbody>
        </table>
        <h2>Runs</h2>
        {{^runs}}<p>No runs logged.</p>{{/runs}}
        {{^empty(runs)}}
        <table class="stack">
          <caption>Their experiment runs, newest first (at most {{runLimit}})</caption>
          <thead><tr><th scope="col">Run</th><th scope="col">Experiment</th>
          <th scope="col">Status</th><th scope="col">Started</th></tr></thead>
          <tbody>
          {{/empty(runs)}}
          {{#runs}}
          <tr><th scope="row"><code>{{id}}</code>{{#name}}<br>{{name}}{{/name}}</th>
          <td>{{experiment}}</td><td>{{status}}</td><td>{{started}}</td></tr>
          {{/runs}}
          {{^empty(runs)}}
          </tbody>
        </table>
        {{/empty(runs)}}
        {{/body}}
        {{/layout}}
        """

    static let roster = """
        {{<layout}}
        {{$title}}Roster{{/title}}
        {{$body}}
        \(subnav)
        <h1>Roster</h1>
        <table class="stack">
          <caption>Everyone on the roster, by id</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Email</th>
          <th scope="col">Pseudonym</th><th scope="col">Token issued</th></tr></thead>
          <tbody>
          {{#members}}
          <tr><th scope="row"><a href="{{href}}">{{name}}</a>{{#instructor}} (instructor){{/instructor}}</th>
          <td>{{id}}</td><td>{{email}}{{^email}}—{{/email}}</td><td>{{pseudonym}}</td>
          <td>{{#hasToken}}yes{{/hasToken}}{{^hasToken}}no{{/hasToken}}</td></tr>
          {{/members}}
          </tbody>
        </table>
        {{/body}}
        {{/layout}}
        """

    static let runs = """
        {{<layout}}
        {{$title}}Runs{{/title}}
        {{$body}}
        \(subnav)
        <h1>Runs</h1>
        <form method="get" action="/instructor/runs" class="card search">
          <label for="experiment">Experiment</label>
          <input id="experiment" name="experiment" type="text" list="experiments" value="{{experiment}}">
          <datalist id="experiments">{{#experiments}}<option value="{{.}}">{{/experiments}}</datalist>
          <p class="help">Empty: every experiment.</p>
          <label for="filter">Filter</label>
          <input id="filter" name="filter" type="text" value="{{filter}}" aria-describedby="filter-help">
          <p class="help" id="filter-help">The filter language of <code>lmlab runs list --filter</code>,
          e.g. <code>params.lora_r &lt;= 8 AND metrics.eval_loss.min &lt; 2.5</code>.</p>
          <label for="order_by">Order by</label>
          <input id="order_by" name="order_by" type="text" value="{{orderBy}}">
          <p class="help">e.g. <code>metrics.eval_loss.min ASC</code>; empty: newest first.</p>
          <button type="submit">Search</button>
        </form>
        {{#problem}}<pre class="problem" role="alert">{{problem}}</pre>{{/problem}}
        {{#searched}}
        {{#empty(runs)}}<p>No run matches.</p>{{/empty(runs)}}
        {{^empty(runs)}}
        <form method="get" action="/instructor/runs/compare">
        <table class="stack">
          <caption>Runs found (at most {{limit}}); tick two or more to compare</caption>
          <thead><tr><th scope="col">Compare</th><th scope="col">Run</th><th scope="col">Experiment</th>
          <th scope="col">Student</th><th scope="col">Status</th><th scope="col">Started</th></tr></thead>
          <tbody>
          {{#runs}}
          <tr><td><input type="checkbox" name="id" value="{{id}}" id="run-{{id}}"></td>
          <th scope="row"><label for="run-{{id}}"><code>{{id}}</code>{{#name}}<br>{{name}}{{/name}}</label></th>
          <td>{{experiment}}</td>
          <td>{{#student}}<a href="{{studentHref}}">{{student}}</a>{{/student}}{{^student}}—{{/student}}</td>
          <td>{{status}}</td><td>{{started}}</td></tr>
          {{/runs}}
          </tbody>
        </table>
        <button type="submit">Compare</button>
        </form>
        {{/empty(runs)}}
        {{/searched}}
        {{/body}}
        {{/layout}}
        """

    static let compare = """
        {{<layout}}
        {{$title}}Compare runs{{/title}}
        {{$body}}
        \(subnav)
        <h1>Compare runs</h1>
        <ol class="runs">
        {{#runs}}<li><code>{{id}}</code>{{#name}} {{name}}{{/name}} · {{experiment}}{{#student}} · {{student}}{{/student}}</li>{{/runs}}
        </ol>
        <h2>Params that differ</h2>
        {{^differing}}<p>Every param is the same in these runs.</p>{{/differing}}
        {{^empty(differing)}}
        <table class="diff">
          <caption>One column per run, in the order above</caption>
          <thead><tr><th scope="col">Param</th>{{#runs}}<th scope="col"><code>{{id}}</code></th>{{/runs}}</tr></thead>
          <tbody>
          {{/empty(differing)}}
          {{#differing}}<tr><th scope="row">{{key}}</th>{{#values}}<td>{{.}}</td>{{/values}}</tr>{{/differing}}
          {{^empty(differing)}}
          </tbody>
        </table>
        {{/empty(differing)}}
        {{^empty(same)}}
        <details>
          <summary>Params the runs share</summary>
          <table class="same">
            <thead><tr><th scope="col">Param</th><th scope="col">Value</th></tr></thead>
            <tbody>
            {{/empty(same)}}
            {{#same}}<tr><th scope="row">{{key}}</th>{{#values}}<td>{{.}}</td>{{/values}}</tr>{{/same}}
            {{^empty(same)}}
            </tbody>
          </table>
        </details>
        {{/empty(same)}}
        <h2>Final metrics</h2>
        {{^metrics}}<p>These runs logged no metrics.</p>{{/metrics}}
        {{^empty(metrics)}}
        <table class="diff">
          <caption>Each metric's last value</caption>
          <thead><tr><th scope="col">Metric</th>{{#runs}}<th scope="col"><code>{{id}}</code></th>{{/runs}}</tr></thead>
          <tbody>
          {{/empty(metrics)}}
          {{#metrics}}<tr><th scope="row">{{key}}</th>{{#values}}<td>{{.}}</td>{{/values}}</tr>{{/metrics}}
          {{^empty(metrics)}}
          </tbody>
        </table>
        {{/empty(metrics)}}
        {{#metric}}
        <h2>Curves</h2>
        <form method="get" action="/instructor/runs/compare" class="actions">
          {{#runs}}<input type="hidden" name="id" value="{{id}}">{{/runs}}
          <label for="metric">Metric</label>
          <select id="metric" name="metric">{{#choices}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{key}}</option>{{/choices}}</select>
          <button type="submit">Show</button>
        </form>
        {{#curves}}
        <figure class="chart" role="img" aria-label="{{metric}} per step, one line per run">
        {{! SVGPlot drew this from the runs' points; it escapes every label it writes. }}
        {{{curves}}}
        </figure>
        {{/curves}}
        {{^curves}}<p>No run has a finite value of {{metric}} to draw.</p>{{/curves}}
        {{/metric}}
        {{/body}}
        {{/layout}}
        """

    static let css = """
        .subnav { display: flex; gap: 1rem; margin-bottom: .5rem; }
        .actions { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: .8rem 0; }
        .actions form { margin: 0; }
        a.button { display: inline-block; padding: .35rem .9rem; border: 1px solid var(--ink);
          border-radius: 4px; background: #f3f3f6; color: var(--ink); text-decoration: none; }
        a.button:focus, select:focus, input[type=text]:focus, input[type=checkbox]:focus,
          summary:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
        .notice { border-left: 4px solid var(--pass); padding: .3rem .8rem; background: #eef7f0; }
        .chart { margin: 0; max-width: 100%; overflow-x: auto; }
        .chart svg { max-width: 100%; height: auto; }
        .people { padding-left: 1.2rem; }
        .search input[type=text], input.copy { font: inherit; width: 100%; padding: .4rem; }
        .search { max-width: 40rem; }
        pre.problem { white-space: pre-wrap; font-family: ui-monospace, monospace; }
        table.diff td, table.same td { font-family: ui-monospace, monospace; }
        details { margin: .8rem 0; }
        @media (max-width: 40rem) {
          table.stack thead { display: none; }
          table.stack tr, table.stack td, table.stack th { display: block; border: 0; padding: .1rem 0; }
          table.stack tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
          table.diff { display: block; overflow-x: auto; }
        }
        """
}
