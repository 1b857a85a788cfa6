// Tsumugi dashboard: one page, hash routes, inline SVG charts, live updates over server-sent events.
// No framework and no external URL: this file is served from the tsumugi binary (docs/dashboard.md).
'use strict';

const POINTS = 1000;            // points per series the server sends and the page keeps (min/max buckets past that)
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const SPARSE = 40;              // series with at most this many points also get a dot per point
const STAGE_FILLS = ['#f4f6fb', '#fbf7ef', '#f1f8f2', '#f8f1f6'];
const COMPARED = ['loss', 'lr', 'grad_norm', 'tokens_per_s', 'mfu'];
const MAIN_CHARTS = ['loss', 'val_loss', 'domain_loss', 'lr', 'grad_norm', 'mfu', 'tokens_per_s'];
const BAD_EVENTS = new Set(['spike', 'rollback', 'rollback_unavailable', 'checkpoint_failed', 'diverged', 'stopped']);
const WARN_EVENTS = new Set(['checkpoint_deferred', 'guard_reset', 'checkpoint_verification']);
const GOOD_EVENTS = new Set(['checkpoint', 'finished']);

const token = new URLSearchParams(location.search).get('token');
const view = document.getElementById('view');
let teardown = [];               // closers of the current view (event streams, timers)
let firstPaintDone = false;

// ---- plumbing ------------------------------------------------------------------------------------------------

function withToken(url) {
  return token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url;
}

async function api(path) {
  const response = await fetch(withToken('api/' + path), { cache: 'no-store' });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body && body.error ? body.error.message : 'HTTP ' + response.status);
  return { body, headers: response.headers };
}

/** A run id in a URL path or hash: each segment encoded, the slashes kept. */
function idPath(id) { return id.split('/').map(encodeURIComponent).join('/'); }

/** API path of a run's resource; --runs itself (id ".") has none, since URLs drop "." segments. */
function runApi(id, what) { return 'runs/' + (id === '.' ? '' : idPath(id) + '/') + what; }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function markReady() {
  document.body.dataset.ready = '1';
  if (!firstPaintDone) { firstPaintDone = true; window.tsumugiFirstPaintMs = performance.now(); }
}

function showError(e) {
  view.replaceChildren(el('p', { class: 'error', text: String(e.message || e) }));
  markReady(); // the view has what it will get: tests and people see the message instead of waiting
}

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  if (Number.isInteger(v)) return String(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// ---- series ----------------------------------------------------------------------------------------------------

/** The same flattening as the server (MetricsLine.cs): top-level numbers by name, nested ones as "object/key". */
function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    if (!prefix && (k === 'step' || k === 'time')) continue;
    if (typeof v === 'number' && Number.isFinite(v)) out.push([prefix + k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, prefix + k + '/', out);
  }
  return out;
}

/** Indexes kept by min/max buckets (Downsampler.cs): the ends plus each bucket's min and max, so spikes survive. */
function keepIndexes(y, max) {
  const n = y.length;
  if (n <= max) return null;
  const buckets = Math.floor((max - 2) / 2), inner = n - 2, kept = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(inner * b / buckets), to = 1 + Math.floor(inner * (b + 1) / buckets);
    if (from >= to) continue;
    let lo = from, hi = from;
    for (let i = from + 1; i < to; i++) { if (y[i] < y[lo]) lo = i; if (y[i] > y[hi]) hi = i; }
    kept.push(Math.min(lo, hi));
    if (lo !== hi) kept.push(Math.max(lo, hi));
  }
  kept.push(n - 1);
  return kept;
}

function downsample(series, max) {
  const keep = keepIndexes(series.y, max);
  if (keep) { series.x = keep.map(i => series.x[i]); series.y = keep.map(i => series.y[i]); }
}

/** Adds one point in step order; a step already drawn (a resumed run logs it again) is replaced: the later line wins. */
function appendPoint(series, x, y) {
  const n = series.x.length;
  if (!n || x > series.x[n - 1]) { series.x.push(x); series.y.push(y); }
  else {
    let lo = 0, hi = n; // first index with series.x[i] >= x
    while (lo < hi) { const mid = (lo + hi) >> 1; if (series.x[mid] < x) lo = mid + 1; else hi = mid; }
    if (series.x[lo] === x) series.y[lo] = y;
    else { series.x.splice(lo, 0, x); series.y.splice(lo, 0, y); }
  }
  if (series.x.length > 2 * POINTS) downsample(series, POINTS);
}

/** Chart a series belongs to: its name up to the first "/" (domain_loss/ja → domain_loss). */
function chartOf(name) { const i = name.indexOf('/'); return i < 0 ? name : name.slice(0, i); }

function chartOrder(names) {
  const rest = names.filter(n => !MAIN_CHARTS.includes(n)).sort();
  return MAIN_CHARTS.filter(n => names.includes(n)).concat(rest);
}

/** Exponential moving average with TensorBoard's debiasing, so the first points are not pulled toward 0. */
function smooth(y, weight) {
  if (weight <= 0) return y;
  const out = new Array(y.length);
  let last = 0;
  for (let i = 0; i < y.length; i++) { last = last * weight + (1 - weight) * y[i]; out[i] = last / (1 - Math.pow(weight, i + 1)); }
  return out;
}

// ---- charts ----------------------------------------------------------------------------------------------------

function niceTicks(lo, hi, count, minStep) {
  if (!(hi > lo)) return [lo];
  const raw = Math.max((hi - lo) / count, minStep || 0), mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/**
 * A chart card: <div class="chart" data-chart=NAME> with an inline <svg>. draw() redraws from the given series and keeps
 * data-points (points of the data series drawn; a smoothed overlay is the same points, not counted twice) and
 * data-last-step (largest x drawn) current.
 */
function createChart(name, title) {
  const svg = svgEl('svg', { viewBox: '0 0 560 200', preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
  const legend = el('div', { class: 'legend' });
  const root = el('div', { class: 'chart', 'data-chart': name, 'data-points': '0', 'data-last-step': '0' }, el('h4', { text: title }), svg, legend);
  function draw(series, opts) {
    opts = opts || {};
    const W = 560, H = 200, L = 52, R = 8, T = 8, B = 20;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, points = 0;
    for (const s of series) {
      points += s.x.length;
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i], y = s.y[i];
        if (x < x0) x0 = x; if (x > x1) x1 = x;
        if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
    }
    svg.replaceChildren();
    root.setAttribute('data-points', String(points));
    root.setAttribute('data-last-step', String(points ? x1 : 0));
    legend.replaceChildren(...series.map((s, i) => el('span', {}, el('i', { style: 'background:' + (s.color || COLORS[i % COLORS.length]) }), s.label)));
    if (!points) {
      const empty = svgEl('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' });
      empty.textContent = 'no data yet';
      svg.append(empty);
      return;
    }
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { const d = Math.abs(y0) * 0.05 || 1; y0 -= d; y1 += d; }
    const pad = (y1 - y0) * 0.04; y0 -= pad; y1 += pad;
    const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R);
    const sy = y => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
    (opts.stages || []).forEach((st, i) => {
      if (opts.stages.length < 2) return; // one stage: shading would only tint the whole chart
      const a = sx(Math.max(st.from, x0)), b = sx(Math.min(st.to, x1));
      svg.append(svgEl('rect', { x: a, y: T, width: Math.max(1, b - a), height: H - T - B, fill: STAGE_FILLS[i % STAGE_FILLS.length] }));
      const label = svgEl('text', { x: a + 3, y: T + 10 }); label.textContent = st.name; svg.append(label);
    });
    for (const t of niceTicks(y0, y1, 4)) {
      svg.append(svgEl('line', { class: 'grid', x1: L, x2: W - R, y1: sy(t), y2: sy(t) }));
      const label = svgEl('text', { x: L - 4, y: sy(t) + 3, 'text-anchor': 'end' }); label.textContent = fmt(t); svg.append(label);
    }
    for (const t of niceTicks(x0, x1, 5, 1)) { // steps are whole numbers
      const label = svgEl('text', { x: sx(t), y: H - 6, 'text-anchor': 'middle' }); label.textContent = fmt(t); svg.append(label);
    }
    svg.append(svgEl('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }), svgEl('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    for (const m of opts.marks || []) {
      if (m.step < x0 || m.step > x1) continue;
      svg.append(svgEl('line', { class: 'mark', x1: sx(m.step), x2: sx(m.step), y1: T, y2: H - B, stroke: m.color }));
    }
    series.forEach((s, i) => {
      const color = s.color || COLORS[i % COLORS.length];
      const line = (ys, cls) => {
        let pts = '';
        for (let j = 0; j < s.x.length; j++) pts += sx(s.x[j]).toFixed(1) + ',' + sy(ys[j]).toFixed(1) + ' ';
        svg.append(svgEl('polyline', { points: pts, stroke: color, class: cls }));
      };
      if (s.smoothing > 0 && s.x.length > 2) { line(s.y, 'raw'); line(smooth(s.y, s.smoothing), 'smooth'); }
      else line(s.y, 'data');
      if (s.x.length <= SPARSE) // held-out loss and task scores come every N steps: dots, or a lone point would not show
        for (let j = 0; j < s.x.length; j++) svg.append(svgEl('circle', { cx: sx(s.x[j]).toFixed(1), cy: sy(s.y[j]).toFixed(1), r: 2.5, fill: color }));
    });
  }
  return { root, draw };
}

// ---- views -----------------------------------------------------------------------------------------------------

async function runList() {
  const { body: runs } = await api('runs');
  const selected = new Set();
  const compare = el('button', { text: 'Compare selected', disabled: true, onclick: () => { location.hash = '#/compare/' + [...selected].map(encodeURIComponent).join(','); } });
  const rows = runs.map(r => {
    const box = el('input', { type: 'checkbox', disabled: r.kind !== 'run', onchange: e => { e.target.checked ? selected.add(r.id) : selected.delete(r.id); compare.disabled = selected.size < 2; } });
    const href = (r.kind === 'pipeline' ? '#/pipeline/' : '#/run/') + idPath(r.id);
    return el('tr', { 'data-run-id': r.id, 'data-kind': r.kind, 'data-state': r.state },
      el('td', {}, box), el('td', {}, el('a', { href, text: r.id })), el('td', { text: r.kind }),
      el('td', {}, el('span', { class: 'state state-' + r.state, text: r.state })),
      el('td', { class: 'num', text: r.kind === 'pipeline' ? r.last_step + '/' + r.steps + ' stages' : String(r.steps) }),
      el('td', { class: 'num', text: r.kind === 'pipeline' ? '' : String(r.last_step) }), el('td', { text: fmtTime(r.updated) }));
  });
  const table = el('table', { 'data-table': 'runs' },
    el('thead', {}, el('tr', {}, ...['', 'run', 'kind', 'state', 'steps', 'last step', 'updated'].map(h => el('th', { text: h })))),
    el('tbody', {}, ...rows));
  view.replaceChildren(el('h2', { text: 'Runs and pipelines' }), el('div', { class: 'toolbar' }, compare, el('span', { class: 'muted', text: runs.length + ' found' })),
    runs.length ? table : el('p', { class: 'muted', text: 'No runs under --runs yet (a run is a folder with metrics.jsonl or events.jsonl).' }));
  markReady();
  const timer = setInterval(async () => { // states and step counts move while runs write
    try {
      const { body: now } = await api('runs');
      const same = now.length === runs.length && now.every((r, i) => r.id === runs[i].id);
      if (!same) return render();
      now.forEach((r, i) => { const cells = rows[i].children; rows[i].dataset.state = r.state; cells[3].firstChild.className = 'state state-' + r.state; cells[3].firstChild.textContent = r.state; if (r.kind === 'run') { cells[4].textContent = r.steps; cells[5].textContent = r.last_step; } cells[6].textContent = fmtTime(r.updated); });
    } catch { /* a failed refresh keeps the last list */ }
  }, 5000);
  teardown.push(() => clearInterval(timer));
}

async function runView(id) {
  const [metrics, events, samples] = await Promise.all([
    api(runApi(id, 'metrics?points=' + POINTS)), api(runApi(id, 'events')), api(runApi(id, 'samples'))]);
  const m = metrics.body;
  const series = {};   // name → {x, y}
  for (const [name, s] of Object.entries(m.series)) series[name] = { x: s.x, y: s.y };
  const stages = m.stages || [];
  const eventList = events.body;
  let smoothing = 0.6;
  const charts = {};
  const grid = el('div', { class: 'charts' });
  const chartsFor = () => chartOrder([...new Set(Object.keys(series).map(chartOf))]);
  function ensureCharts() {
    for (const name of chartsFor()) if (!charts[name]) { charts[name] = createChart(name, name); grid.append(charts[name].root); }
    // keep the canonical order when a new group appears mid-run
    for (const name of chartsFor()) grid.append(charts[name].root);
  }
  function marks() {
    return eventList.filter(e => BAD_EVENTS.has(e.event)).map(e => ({ step: e.step, color: '#c62828' }));
  }
  function draw(name) {
    const members = Object.keys(series).filter(n => chartOf(n) === name).sort();
    const list = members.map(n => ({ label: n, x: series[n].x, y: series[n].y, smoothing: name === 'loss' && n === 'loss' ? smoothing : 0 }));
    charts[name].draw(list, { stages, marks: name === 'loss' ? marks() : [] });
  }
  function drawAll() { ensureCharts(); for (const name of Object.keys(charts)) draw(name); }

  const eventsBox = el('ul', { class: 'list', 'data-list': 'events' });
  const addEvent = e => eventsBox.append(el('li', {
    class: BAD_EVENTS.has(e.event) ? 'event-bad' : WARN_EVENTS.has(e.event) ? 'event-warn' : GOOD_EVENTS.has(e.event) ? 'event-good' : '',
    'data-event': e.event, text: `step ${e.step} · ${e.event} — ${e.message || ''}`, title: e.time || '' }));
  eventList.forEach(addEvent);
  const samplesBox = el('div', { class: 'list', 'data-list': 'samples' },
    ...samples.body.map(s => el('div', { class: 'sample', 'data-step': s.step },
      el('div', { class: 'label', text: 'checkpoint step ' + s.step }),
      el('div', { class: 'label', text: 'prompt' }), el('pre', { text: s.prompt || '' }),
      el('div', { class: 'label', text: 'answer' }), el('pre', { text: s.answer || '' }),
      s.reference ? el('div', { class: 'label', text: 'reference' }) : null, s.reference ? el('pre', { text: s.reference }) : null)));
  const slider = el('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: smoothing, oninput: e => { smoothing = +e.target.value; label.textContent = smoothing.toFixed(2); if (charts.loss) draw('loss'); } });
  const label = el('span', { text: smoothing.toFixed(2) });
  const summary = el('span', { class: 'muted' });
  const showSummary = () => { summary.textContent = `${m.steps} steps · last step ${m.last_step ?? '—'}` + (stages.length > 1 ? ' · stages: ' + stages.map(s => s.name).join(' → ') : ''); };
  showSummary();
  view.replaceChildren(el('h2', { text: id }),
    el('div', { class: 'toolbar' }, summary, el('label', {}, 'loss smoothing ', slider, ' ', label), el('a', { href: '#/compare/' + encodeURIComponent(id), text: 'compare…' })),
    grid,
    el('div', { class: 'columns' }, el('div', {}, el('h3', { text: 'Events' }), eventsBox), el('div', {}, el('h3', { text: 'Samples per checkpoint' }), samplesBox)));
  drawAll();
  markReady();

  // Live: new lines arrive as SSE; redraw at most once per animation frame.
  let pending = new Set(), scheduled = false;
  const schedule = () => {
    if (scheduled) return; scheduled = true;
    requestAnimationFrame(() => { scheduled = false; ensureCharts(); for (const n of pending) if (charts[n]) draw(n); pending = new Set(); showSummary(); });
  };
  const url = withToken('api/' + runApi(id, `stream?offset=${m.offset}&events_offset=${events.headers.get('X-Tsumugi-Offset') || 0}`));
  const source = new EventSource(url);
  const live = document.getElementById('live');
  source.onopen = () => { live.hidden = false; };
  source.onerror = () => { live.hidden = true; };
  source.addEventListener('metrics', ev => {
    for (const row of JSON.parse(ev.data)) {
      if (typeof row.step !== 'number') continue;
      for (const [name, v] of flatten(row, '', [])) {
        const s = series[name] || (series[name] = { x: [], y: [] });
        appendPoint(s, row.step, v);
        pending.add(chartOf(name));
      }
      if (typeof row.stage === 'string') {
        const last = stages[stages.length - 1];
        if (last && last.name === row.stage) last.to = Math.max(last.to, row.step); else stages.push({ name: row.stage, from: row.step, to: row.step });
      }
      if (m.last_step == null || row.step > m.last_step) { m.steps++; m.last_step = row.step; }
    }
    schedule();
  });
  source.addEventListener('events', ev => {
    for (const e of JSON.parse(ev.data)) { eventList.push(e); addEvent(e); if (BAD_EVENTS.has(e.event)) pending.add('loss'); }
    schedule();
  });
  source.addEventListener('reset', () => render());
  teardown.push(() => { source.close(); live.hidden = true; });
}

async function compareView(ids) {
  // Only the scalar curves worth overlaying, and fewer points per run: ten runs share one chart's width.
  const wanted = COMPARED.join(','), points = Math.max(200, Math.floor(POINTS * 2 / Math.max(2, ids.length)));
  const all = await Promise.all(ids.map(id => api(runApi(id, `metrics?points=${points}&series=${wanted}`)).then(r => r.body)));
  const names = COMPARED.filter(n => all.some(m => m.series[n]));
  const grid = el('div', { class: 'charts' });
  for (const name of names) {
    const chart = createChart(name, name + ' (' + ids.length + ' runs)');
    grid.append(chart.root);
    chart.draw(all.filter(m => m.series[name]).map(m => ({ label: m.id, x: m.series[name].x, y: m.series[name].y, color: COLORS[ids.indexOf(m.id) % COLORS.length], smoothing: 0 })));
  }
  view.replaceChildren(el('h2', { text: 'Compare' }),
    el('div', { class: 'toolbar' }, ...ids.map((id, i) => el('a', { href: '#/run/' + idPath(id), style: 'color:' + COLORS[i % COLORS.length], text: '■ ' + id }))), grid);
  markReady();
}

async function evalsView() {
  const { body: groups } = await api('evals');
  const sections = groups.map(g => {
    const metrics = [...new Set(g.results.flatMap(r => Object.keys(r.metrics)))].sort((a, b) => (a === 'avg' ? -1 : b === 'avg' ? 1 : a.localeCompare(b)));
    const best = {};
    for (const k of metrics) {
      const values = g.results.map(r => r.metrics[k]).filter(v => typeof v === 'number');
      if (values.length < 2 || Math.min(...values) === Math.max(...values)) continue; // a tie has no best
      best[k] = /perplexity|loss|ppl/.test(k) ? Math.min(...values) : Math.max(...values); // higher is better for every other metric eval writes
    }
    const folder = f => { const parts = f.split('/'); return parts.length > 1 ? parts[parts.length - 2] : f; };
    return el('section', {}, el('h3', { text: g.group }), el('div', { class: 'scroll' },
      el('table', { 'data-table': 'eval', 'data-group': g.group },
        el('thead', {}, el('tr', {}, el('th', { text: 'model' }), el('th', { text: 'result' }), el('th', { text: 'kind' }), ...metrics.map(k => el('th', { class: 'num', text: k })))),
        el('tbody', {}, ...g.results.map(r => el('tr', { 'data-model': r.model, 'data-file': r.file },
          el('td', { text: r.model }), el('td', { title: r.file + ' · ' + fmtTime(r.created), text: folder(r.file) }), el('td', { text: r.kind }),
          ...metrics.map(k => el('td', { class: 'num' + (best[k] !== undefined && r.metrics[k] === best[k] ? ' best' : ''), text: fmt(r.metrics[k]) }))))))));
  });
  view.replaceChildren(el('h2', { text: 'Evaluations' }), el('div', { class: 'evals' }, ...sections,
    groups.length ? null : el('p', { class: 'muted', text: 'No eval results under --runs (files written by `tsumugi eval … --output`).' })));
  markReady();
}

async function pipelineView(id) {
  const { body: state } = await api('pipelines/' + (id === '.' ? '' : idPath(id)));
  const tbody = el('tbody');
  const title = el('h2', { text: 'Pipeline ' + (state.name || id) });
  const info = el('p', { class: 'muted' });
  const table = el('table', { 'data-table': 'stages' },
    el('thead', {}, el('tr', {}, ...['stage', 'kind', 'state', 'started', 'finished', 'seconds', 'output', 'message'].map(h => el('th', { text: h })))), tbody);
  function fill(s) {
    info.textContent = (s.problem ? s.problem + ' · ' : '') + 'config ' + (s.config || '—') + ' · updated ' + fmtTime(s.updated);
    tbody.replaceChildren(...(s.stages || []).map(st => el('tr', { 'data-stage': st.name, 'data-state': st.state },
      el('td', { text: st.name }), el('td', { text: st.kind || '' }), el('td', {}, el('span', { class: 'state state-' + st.state, text: st.state })),
      el('td', { text: fmtTime(st.started) }), el('td', { text: fmtTime(st.finished) }), el('td', { class: 'num', text: st.seconds == null ? '—' : st.seconds.toFixed(1) }),
      el('td', {}, st.run ? el('a', { href: '#/run/' + idPath(st.run), text: st.output }) : (st.output || '')),
      el('td', { text: st.message || '' }))));
  }
  fill(state);
  view.replaceChildren(title, info, table);
  markReady();
  const timer = setInterval(async () => { try { fill((await api('pipelines/' + (id === '.' ? '' : idPath(id)))).body); } catch { /* keep the last table */ } }, 2000);
  teardown.push(() => clearInterval(timer));
}

// ---- routing ---------------------------------------------------------------------------------------------------

function render() {
  teardown.forEach(f => f()); teardown = [];
  delete document.body.dataset.ready;
  const hash = location.hash.replace(/^#\/?/, '');
  const [route, ...rest] = hash.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  let work;
  if (route === 'run' && arg) work = runView(arg);
  else if (route === 'compare' && rest.length) work = compareView(rest.join('/').split(',').filter(Boolean).map(decodeURIComponent));
  else if (route === 'pipeline' && arg) work = pipelineView(arg);
  else if (route === 'evals') work = evalsView();
  else work = runList();
  work.catch(showError);
}

window.addEventListener('hashchange', render);
render();
