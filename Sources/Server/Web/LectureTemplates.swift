// The lecture pages' templates and style rules (registered in WebTemplates). `{{x}}` escapes;
// the one unescaped value is the attention heatmap, SVG that lmlab draws from numbers with every
// text inside escaped by attentionHeatmapSVG.
enum LectureTemplates {
    static let all: [String: String] = [
        "lecture": index, "lecture-sizes": sizes, "lecture-pipeline": pipeline,
        "lecture-attention": attention,
    ]

    static let index = """
        {{<layout}}
        {{$title}}Lecture{{/title}}
        {{$body}}
        <h1>The lecture's topics</h1>
        <ul class="lecture-topics">
          <li><a href="/lecture/sizes">Model sizes</a>: GPT-2 small to XL and LLaMA-style models,
            their parameters, the memory of their weights in fp32, fp16, bf16, int8, Q8_0 and Q4_0,
            and of the KV cache at a context you choose.</li>
          <li><a href="/lecture/pipeline">Behind the pipeline</a>: a prompt cut into BPE tokens,
            the model's most probable next tokens at each step with their probabilities, the token
            chosen (temperature, top-k, top-p, a seed), then the text.</li>
          <li><a href="/lecture/attention">Attention explorer</a>: the attention weights of a
            sentence, for each layer and head of the model.</li>
        </ul>
        {{#model}}<p class="help">The pipeline and the explorer run the model {{model}}.</p>{{/model}}
        {{^model}}<p class="help">No model is loaded in this daemon: the pipeline and the explorer
        say how to get one; model sizes need none.</p>{{/model}}
        {{/body}}
        {{/layout}}
        """

    static let sizes = """
        {{<layout}}
        {{$title}}Model sizes{{/title}}
        {{$body}}
        <h1>Model sizes</h1>
        <p class="help">Computed from each model's configuration, nothing downloaded; the same
        figures as <code>lmlab model size</code>. Linear layers are stored in the format; the token
        embedding (and an untied output head) is fp16 except in fp32; biases, position embeddings
        and norms stay fp32. The KV cache holds 2 · layers · context · KV heads · head width values
        for one sequence.</p>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form method="get" action="/lecture/sizes" class="card lecture-form">
          <label for="context">Context (tokens in the KV cache)</label>
          <input id="context" name="context" inputmode="numeric" value="{{context}}"
            placeholder="each model's own">
          <label for="cache">KV cache element type</label>
          <select id="cache" name="cache">
          {{#caches}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/caches}}
          </select>
          <fieldset>
            <legend>Weight formats</legend>
            {{#formats}}
            <label class="inline"><input type="checkbox" name="format" value="{{value}}"{{#selected}} checked{{/selected}}> {{label}}</label>
            {{/formats}}
          </fieldset>
          <button type="submit">Compute</button>
        </form>
        {{#hasModels}}
        <div class="scroll">
        <table class="sizes">
          <caption>Parameters, weight memory per format, KV cache</caption>
          <thead><tr><th scope="col">Model</th><th scope="col">Parameters</th>
          <th scope="col">Context</th><th scope="col">KV cache</th><th scope="col">Format</th>
          <th scope="col">Weights</th></tr></thead>
          {{#models}}
          <tbody>
          {{#rows}}
          <tr>
            {{#lead}}<th scope="rowgroup" rowspan="{{span}}">{{name}}</th>
            <td rowspan="{{span}}" title="{{exactParameters}}">{{parameters}}</td>
            <td rowspan="{{span}}">{{context}}</td>
            <td rowspan="{{span}}" title="{{kvExact}}">{{kvCache}}</td>{{/lead}}
            <td>{{format}}</td><td title="{{exact}}">{{weights}}</td>
          </tr>
          {{/rows}}
          </tbody>
          {{/models}}
        </table>
        </div>
        {{/hasModels}}
        {{/body}}
        {{/layout}}
        """

    static let pipeline = """
        {{<layout}}
        {{$title}}Behind the pipeline{{/title}}
        {{$body}}
        <h1>Behind the pipeline</h1>
        <p class="help">The model {{model}}: the prompt becomes BPE tokens, each
        step's logits become probabilities (softmax of logits / temperature), and one token is
        chosen. The same values as <code>lmlab model generate --explain K</code>; the same form
        and seed give the same page.</p>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form method="get" action="/lecture/pipeline" class="card lecture-form">
          <label for="prompt">Prompt</label>
          <textarea id="prompt" name="prompt" rows="3" required>{{promptField}}</textarea>
          <div class="fields">
            <div><label for="max_tokens">Max new tokens (1–{{maxNewTokens}})</label>
            <input id="max_tokens" name="max_tokens" inputmode="numeric" value="{{maxTokensField}}"></div>
            <div><label for="temperature">Temperature (0 is greedy)</label>
            <input id="temperature" name="temperature" inputmode="decimal" value="{{temperatureField}}"></div>
            <div><label for="top_k">Top-k (0 keeps all)</label>
            <input id="top_k" name="top_k" inputmode="numeric" value="{{topKField}}"></div>
            <div><label for="top_p">Top-p (1 keeps all)</label>
            <input id="top_p" name="top_p" inputmode="decimal" value="{{topPField}}"></div>
            <div><label for="seed">Seed</label>
            <input id="seed" name="seed" inputmode="numeric" value="{{seedField}}"></div>
            <div><label for="explain">Show the top (1–20)</label>
            <input id="explain" name="explain" inputmode="numeric" value="{{explainField}}"></div>
          </div>
          <button type="submit">Generate</button>
        </form>
        {{#ran}}
        <h2>1. The prompt as tokens</h2>
        <ol class="pieces">
        {{#pieces}}<li><code class="piece">{{text}}</code> <span class="token-id">{{id}}</span></li>{{/pieces}}
        </ol>
        <h2>2. Each step: the most probable next tokens</h2>
        {{#steps}}
        <section class="step">
          <h3>Step {{number}}: chose <code class="piece">{{chosen}}</code> <span class="token-id">{{token}}</span>{{#stopped}} (end of text: generation stops){{/stopped}}{{^inTop}} (not among the most probable shown){{/inTop}}</h3>
          <p class="help">u = {{u}}</p>
          <table class="top" data-step="{{number}}">
            <thead><tr><th scope="col">Token</th><th scope="col">Id</th><th scope="col">Logit</th>
            <th scope="col">Probability</th></tr></thead>
            <tbody>
            {{#top}}
            <tr data-id="{{id}}"{{#chosen}} class="chosen"{{/chosen}}>
              <th scope="row"><code class="piece">{{text}}</code>{{#chosen}} <span class="mark">chosen</span>{{/chosen}}</th>
              <td>{{id}}</td><td>{{logit}}</td>
              <td><meter min="0" max="1" value="{{meter}}">{{probability}}</meter> {{probability}}</td>
            </tr>
            {{/top}}
            </tbody>
          </table>
        </section>
        {{/steps}}
        <h2>3. The text</h2>
        <p class="generated"><span class="prompt-text">{{prompt}}</span><strong>{{continuation}}</strong></p>
        {{/ran}}
        {{/body}}
        {{/layout}}
        """

    static let attention = """
        {{<layout}}
        {{$title}}Attention explorer{{/title}}
        {{$body}}
        <h1>Attention explorer</h1>
        <p class="help">The model {{model}}. Each row is a query token, each column
        a key token: the square's darkness is the attention weight softmax(q·k / √d_k) the query
        gives the key, and each row sums to 1. Squares above the diagonal are empty: the causal
        mask hides later tokens. Hover over a square for its value.</p>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        <form method="get" action="/lecture/attention" class="card lecture-form">
          <label for="sentence">Sentence</label>
          <input id="sentence" name="sentence" value="{{sentenceField}}" required>
          <div class="fields">
            <div><label for="layer">Layer</label>
            <select id="layer" name="layer">
            {{#layers}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/layers}}
            </select></div>
            <div><label for="head">Head</label>
            <select id="head" name="head">
            {{#heads}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/heads}}
            </select></div>
          </div>
          <button type="submit">Show the weights</button>
        </form>
        {{#heatmap}}
        <p>{{tokens}} tokens.</p>
        <div class="scroll heatmap-box">
        {{! SVG that lmlab drew from numbers (attentionHeatmapSVG); every text in it is escaped there. }}
        {{{heatmap}}}
        </div>
        {{/heatmap}}
        {{/body}}
        {{/layout}}
        """

    static let css = """
        .lecture-topics li { margin-bottom: .6rem; }
        .lecture-form { max-width: 44rem; }
        .lecture-form textarea, .lecture-form input:not([type=checkbox]), .lecture-form select {
          font: inherit; width: 100%; padding: .35rem; }
        .lecture-form .fields { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0 1rem; }
        .lecture-form fieldset { border: 1px solid var(--line); margin-top: .6rem; }
        label.inline { display: inline-block; font-weight: 400; margin-right: 1rem; }
        select:focus, textarea:focus, input[type=checkbox]:focus { outline: 3px solid var(--accent);
          outline-offset: 2px; }
        .lecture-form button { margin-top: .8rem; }
        .scroll { overflow-x: auto; }
        table.sizes tbody { border-top: 2px solid var(--ink); }
        .pieces { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; }
        .pieces li { border: 1px solid var(--line); border-radius: 4px; padding: .1rem .4rem; }
        .piece { white-space: pre; background: #f3f3f6; padding: 0 .2rem; }
        .token-id { color: var(--muted); font-size: .85em; }
        .step { border-top: 1px solid var(--line); margin-top: .8rem; }
        table.top { width: auto; }
        tr.chosen { background: #eef3ff; }
        .mark { font-size: .8em; font-weight: 700; color: var(--accent); }
        meter { width: 8rem; }
        .generated { font-size: 1.1em; white-space: pre-wrap; }
        .prompt-text { color: var(--muted); }
        .heatmap { font: 12px system-ui, sans-serif; }
        .heatmap .heatmap-title { font-weight: 700; }
        @media (max-width: 40rem) {
          .lecture-form .fields { grid-template-columns: 1fr; }
          meter { width: 5rem; }
        }
        """
}
