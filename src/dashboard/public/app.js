// The dashboard page: polls the JSON API every 2 s and draws with Chart.js.
/* global Chart */
'use strict';

const POLL_MS = 2000;
const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#4b5563', '#ea580c'];
const NOT_SCALARS = new Set(['kind', 'time', 'step', 'epoch']);
const ORDER = ['loss', 'accuracy', 'lr'];

const state = {
  runs: [],
  selected: null, // Set of run ids overlaid in the charts (null: not chosen yet)
  focused: null, // run id shown in the details
  colors: new Map(),
  scalars: new Map(), // id -> { version, records }
  charts: new Map(), // metric -> Chart
  detailsVersion: '',
  roc: null,
};

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'style') Object.assign(e.style, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};
const fmt = (v) => (typeof v !== 'number' ? String(v) : Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());
const api = async (path) => {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
};
const q = (id) => encodeURIComponent(id);

function colorOf(id) {
  if (!state.colors.has(id)) state.colors.set(id, PALETTE[state.colors.size % PALETTE.length]);
  return state.colors.get(id);
}

// ---- runs list ----
function renderRuns() {
  const box = $('#runs');
  box.replaceChildren();
  if (state.runs.length === 0) box.append(el('p', { class: 'muted' }, 'No runs found yet. Train one with `myelin train mlp`.'));
  for (const run of state.runs) {
    const checked = state.selected.has(run.id);
    const metrics = Object.entries(run.final).filter(([k]) => /accuracy|loss|auc|f1|fid|perplexity/.test(k) && !/seconds/.test(k)).slice(0, 4);
    box.append(el('div', { class: `run${state.focused === run.id ? ' focused' : ''}`, style: { '--c': colorOf(run.id) }, 'data-run': run.id },
      el('div', { class: 'top' },
        el('input', { type: 'checkbox', ...(checked ? { checked: '' } : {}), title: 'overlay in the charts', onchange: (e) => {
          if (e.target.checked) state.selected.add(run.id); else state.selected.delete(run.id);
          void refreshScalars();
        } }),
        el('span', { class: 'name', onclick: () => focus(run.id) }, run.name),
        el('span', { class: `badge ${run.status}` }, run.status)),
      el('div', { class: 'meta' }, [run.model, run.dataset, run.epochs !== undefined ? `${run.epochs} epochs` : null].filter(Boolean).join(' · ')),
      el('div', { class: 'metrics' }, ...metrics.map(([k, v]) => el('span', {}, `${k} `, el('b', {}, fmt(v)))))));
  }
}

// ---- scalar charts ----
function metricGroups() {
  const groups = new Map(); // base name -> Map(key -> true)
  for (const id of state.selected) {
    for (const r of state.scalars.get(id)?.records ?? []) {
      for (const [k, v] of Object.entries(r)) {
        if (NOT_SCALARS.has(k) || typeof v !== 'number') continue;
        const base = k.replace(/^val_/, '');
        if (!groups.has(base)) groups.set(base, new Set());
        groups.get(base).add(k);
      }
    }
  }
  const rank = (k) => { const i = ORDER.indexOf(k); return i < 0 ? ORDER.length : i; };
  return [...groups.entries()].sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}

function datasetsFor(base, keys) {
  const sets = [];
  for (const id of state.selected) {
    const run = state.runs.find((r) => r.id === id);
    const records = state.scalars.get(id)?.records ?? [];
    const color = colorOf(id);
    for (const key of [...keys].sort()) {
      const val = key.startsWith('val_');
      for (const kind of ['epoch', 'step']) {
        const pts = records.filter((r) => r.kind === kind && typeof r[key] === 'number')
          .map((r, i) => ({ x: r.step ?? r.epoch ?? i, y: r[key] }));
        if (pts.length === 0) continue;
        sets.push({
          label: `${run ? run.name : id} ${kind === 'step' ? `${key} (steps)` : key}`,
          data: pts, borderColor: color, backgroundColor: color,
          borderDash: val ? [6, 4] : [], borderWidth: kind === 'step' ? 1 : 2,
          pointRadius: kind === 'step' ? 0 : 2.5, tension: 0, parsing: true,
        });
      }
    }
  }
  return sets;
}

function renderCharts() {
  const groups = metricGroups();
  const box = $('#charts');
  $('#no-scalars').hidden = groups.length > 0;
  const wanted = new Set(groups.map(([b]) => b));
  for (const [base, chart] of state.charts) {
    if (!wanted.has(base)) { chart.destroy(); state.charts.delete(base); box.querySelector(`[data-metric="${CSS.escape(base)}"]`)?.remove(); }
  }
  for (const [base, keys] of groups) {
    const datasets = datasetsFor(base, keys);
    let chart = state.charts.get(base);
    if (!chart) {
      const canvas = el('canvas');
      box.append(el('div', { class: 'card', 'data-metric': base }, el('h3', {}, base), el('div', { class: 'chart-box' }, canvas)));
      chart = new Chart(canvas, {
        type: 'line',
        data: { datasets },
        options: {
          animation: false, maintainAspectRatio: false, responsive: true,
          interaction: { mode: 'nearest', intersect: false },
          scales: {
            x: { type: 'linear', title: { display: true, text: 'step' } },
            y: { type: base === 'lr' ? 'logarithmic' : 'linear' },
          },
          plugins: { legend: { labels: { boxWidth: 14, font: { size: 11 } } } },
        },
      });
      state.charts.set(base, chart);
    } else {
      chart.data.datasets = datasets;
      chart.update('none');
    }
  }
}

async function refreshScalars() {
  await Promise.all([...state.selected].map(async (id) => {
    const run = state.runs.find((r) => r.id === id);
    if (!run) return;
    const have = state.scalars.get(id);
    if (have && have.version === run.metricsVersion) return;
    const { records } = await api(`/api/scalars?run=${q(id)}`);
    state.scalars.set(id, { version: run.metricsVersion, records });
  }));
  renderCharts();
}

// ---- details of one run ----
function focus(id) {
  state.focused = id;
  state.detailsVersion = '';
  renderRuns();
  void refreshDetails();
}

function kvRows(table, entries) {
  table.replaceChildren(...entries.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, typeof v === 'object' ? JSON.stringify(v) : fmt(v)))));
}

function renderConfusion(matrix, labels) {
  const box = $('#confusion');
  box.replaceChildren();
  const max = Math.max(1, ...matrix.map((row) => Math.max(...row)));
  const short = (i) => (labels?.[i] ?? String(i));
  const table = el('table', { class: 'cm' },
    el('tr', {}, el('th', {}), ...matrix.map((_, j) => el('th', { title: short(j) }, String(j)))),
    ...matrix.map((row, i) => el('tr', {}, el('th', { class: 'row' }, `${i} ${short(i)}`),
      ...row.map((v) => {
        const t = v / max;
        const bg = `rgba(37, 99, 235, ${(0.06 + 0.94 * t).toFixed(3)})`;
        return el('td', { style: { background: bg, color: t > 0.5 ? '#fff' : '#111' }, title: `${v}` }, String(v));
      }))));
  box.append(table);
}

function renderRoc(roc) {
  const canvas = $('#roc');
  const datasets = roc.curves.map((c, i) => ({
    label: `${c.label} (AUC ${c.auc.toFixed(3)})`,
    data: c.fpr.map((x, k) => ({ x, y: c.tpr[k] })),
    borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length],
    pointRadius: 0, borderWidth: 1.5, tension: 0,
  }));
  datasets.push({ label: 'chance', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: '#9ca3af', borderDash: [4, 4], pointRadius: 0, borderWidth: 1 });
  if (state.roc) state.roc.destroy();
  state.roc = new Chart(canvas, {
    type: 'line', data: { datasets },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: { x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'false positive rate' } }, y: { min: 0, max: 1, title: { display: true, text: 'true positive rate' } } },
      plugins: { legend: { position: roc.curves.length > 3 ? 'right' : 'top', labels: { boxWidth: 10, font: { size: 10 } } } },
    },
  });
}

/** Pictures grouped into series: samples_epoch_3.png and samples_epoch_4.png are one series with a step slider. */
function imageSeries(files) {
  const series = new Map();
  for (const f of files) {
    const m = /^(.*?)[_-]?(?:epoch|step|ep|e|s)?[_-]?(\d+)\.png$/i.exec(f);
    const key = m && m[1] ? m[1] : f.replace(/\.png$/i, '');
    const step = m && m[1] ? Number(m[2]) : null;
    if (!series.has(key)) series.set(key, []);
    series.get(key).push({ file: f, step });
  }
  for (const list of series.values()) list.sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
  return series;
}

function renderImages(run) {
  const box = $('#images');
  box.replaceChildren();
  $('#images-card').hidden = run.images.length === 0;
  const bust = `&v=${encodeURIComponent(run.updated)}`;
  for (const [name, list] of imageSeries(run.images)) {
    const img = el('img', { alt: name, src: `/api/image?run=${q(run.id)}&file=${q(list[list.length - 1].file)}${bust}` });
    const label = el('span', {}, list.length > 1 ? `step ${list[list.length - 1].step}` : list[0].file);
    const caption = el('div', { class: 'caption' }, el('b', {}, name), label);
    if (list.length > 1) {
      const slider = el('input', { type: 'range', min: '0', max: String(list.length - 1), value: String(list.length - 1), oninput: (e) => {
        const item = list[Number(e.target.value)];
        img.src = `/api/image?run=${q(run.id)}&file=${q(item.file)}${bust}`;
        label.textContent = `step ${item.step}`;
      } });
      caption.append(slider);
    }
    box.append(el('div', { class: 'image', 'data-image': name }, img, caption));
  }
}

async function refreshDetails() {
  const run = state.runs.find((r) => r.id === state.focused);
  $('#details').hidden = !run;
  if (!run) return;
  const version = `${run.id}|${run.updated}|${run.images.join(',')}`;
  if (version === state.detailsVersion) return;
  state.detailsVersion = version;
  $('#run-name').textContent = run.name;
  const config = await api(`/api/run?run=${q(run.id)}`);
  const metrics = config.metrics && typeof config.metrics === 'object' ? config.metrics : run.final;
  kvRows($('#final'), Object.entries(metrics).filter(([k, v]) => k !== 'confusion_matrix' && typeof v !== 'object'));
  kvRows($('#config'), Object.entries(config).filter(([k]) => !['metrics', 'preprocessing', 'labels'].includes(k))
    .concat(Array.isArray(config.labels) ? [['labels', config.labels.join(', ')]] : []));
  const cm = metrics.confusion_matrix;
  $('#confusion-card').hidden = !Array.isArray(cm);
  if (Array.isArray(cm)) renderConfusion(cm, config.labels);
  $('#roc-card').hidden = !run.hasRoc;
  if (run.hasRoc) renderRoc(await api(`/api/roc?run=${q(run.id)}`));
  renderImages(run);
}

// ---- polling ----
async function poll() {
  try {
    const { root, runs } = await api('/api/runs');
    $('#root').textContent = root;
    state.runs = runs;
    if (state.selected === null) state.selected = new Set(runs.slice(0, 6).map((r) => r.id));
    for (const id of [...state.selected]) if (!runs.some((r) => r.id === id)) state.selected.delete(id);
    if (state.focused === null && runs.length) state.focused = runs[0].id;
    renderRuns();
    await refreshScalars();
    await refreshDetails();
    $('#live').className = 'ok';
    $('#live').textContent = `● live · ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    $('#live').className = 'muted';
    $('#live').textContent = `○ offline (${e.message})`;
  }
  setTimeout(poll, POLL_MS);
}

void poll();
