// The scorer's console: plain JavaScript over the public REST API (/v1), no external assets.
'use strict';

const state = { models: [], model: null, calibration: {} };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  });
  children.forEach((c) => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  return e;
}

function fmt(x, digits = 4) {
  if (x === null || x === undefined) return '–';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : x.toFixed(digits);
}

/** The bearer token the user entered, when the scorer requires one (this tab only). */
function token() {
  return sessionStorage.getItem('mos-token');
}

/** Calls the API; errors become Error objects carrying the problem's message. */
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (token()) headers.set('Authorization', `Bearer ${token()}`);
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) $('auth').hidden = false;
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    if (body && typeof body === 'object') {
      message = [body.title, body.detail].filter(Boolean).join(': ') || body.error || message;
    } else if (body) {
      message = `${message}: ${String(body).slice(0, 300)}`;
    }
    throw new Error(message);
  }
  return { body, headers: response.headers };
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

function head(model) {
  const groups = model.groupSizes || [];
  return groups.length ? `group softmax, ${groups.length} groups` : 'flat softmax';
}

async function loadModels() {
  try {
    const { body } = await api('v1/models');
    state.models = body;
    const tbody = $('models').querySelector('tbody');
    tbody.replaceChildren();
    body.forEach((m) => {
      if (m.ready === false) {
        // a bundle that failed to load: listed with the reason, not selectable
        tbody.append(el('tr', { 'data-model': m.name, class: 'not-ready' },
          el('td', {}, el('strong', {}, m.name)), el('td', {}, '–'),
          el('td', {}, el('span', { class: 'badge ood' }, 'not ready')),
          el('td', { colspan: 4, class: 'hint' }, m.error || 'the bundle failed to load')));
        return;
      }
      const row = el('tr', { 'data-model': m.name },
        el('td', {}, el('strong', {}, m.name)), el('td', {}, m.architecture || '–'),
        el('td', {}, head(m)), el('td', { class: 'num' }, `${m.inputSize} px`),
        el('td', { class: 'num' }, m.classes), el('td', {}, (m.methods || []).join(', ')),
        el('td', {}, (m.calibratedMethods || []).join(', ') || 'none'));
      row.addEventListener('click', () => selectModel(m.name));
      tbody.append(row);
    });
    $('models-empty').hidden = body.length > 0;
    const first = body.find((m) => m.ready !== false);
    if (first && !state.model) await selectModel(first.name);
  } catch (e) {
    showError(`Could not list the models: ${e.message}`);
  }
}

async function selectModel(name) {
  state.model = name;
  document.querySelectorAll('#models tbody tr').forEach((r) =>
    r.classList.toggle('selected', r.dataset.model === name));
  $('chosen-model').textContent = `with ${name}`;
  $('result').hidden = true;
  showError('');
  try {
    state.calibration = (await api(`v1/models/${encodeURIComponent(name)}/calibration`)).body.methods || {};
  } catch (e) {
    state.calibration = {};
    showError(`Could not read the calibration of ${name}: ${e.message}`);
  }
}

async function score(file) {
  if (!state.model) { showError('Choose a model first.'); return; }
  showError('');
  $('result').hidden = true;
  try {
    const path = `v1/models/${encodeURIComponent(state.model)}/score?include=topk&top_k=5`;
    const { body, headers } = await api(path, {
      method: 'POST',
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
    });
    render(file, body, headers.get('Server-Timing'));
  } catch (e) {
    showError(e.message);
  }
}

function render(file, body, serverTiming) {
  const image = body.images[0];
  $('preview').src = URL.createObjectURL(file);
  $('file-name').textContent = `${file.name} (${file.size} bytes)`;
  const prediction = $('prediction');
  prediction.replaceChildren(
    el('strong', {}, image.className ?? `class ${image.predictedClass}`),
    ` (class ${image.predictedClass}${image.group !== null && image.group !== undefined ? `, group ${image.group}` : ''}), `
      + `probability ${fmt(image.probability, 3)}`);
  const topk = $('topk').querySelector('tbody');
  topk.replaceChildren(...(image.topK || []).map((c) =>
    el('tr', {}, el('td', {}, c.name ?? c.index), el('td', { class: 'num' }, fmt(c.probability, 4)))));
  const scores = $('scores').querySelector('tbody');
  scores.replaceChildren(...Object.entries(image.scores || {}).map(([method, value]) => {
    const d = (image.decisions || {})[method];
    const badge = d
      ? el('span', { class: `badge ${d.ood ? 'ood' : 'id'}` }, d.ood ? 'OOD' : 'ID')
      : el('span', { class: 'badge none' }, 'no calibration');
    const detail = d
      ? ` ${d.ood ? 'below' : 'at or above'} the threshold ${fmt(d.threshold)} (ID TPR ${fmt(d.tpr, 3)})`
      : '';
    return el('tr', { 'data-method': method },
      el('td', {}, method), el('td', { class: 'num score' }, fmt(value)),
      el('td', {}, badge, el('span', { class: 'hint' }, detail)),
      el('td', { class: 'num' }, d ? fmt(d.pValue, 3) : '–'),
      el('td', {}, plot(state.calibration[method], value, d)));
  }));
  const omitted = body.decisionsOmitted || {};
  $('omitted').textContent = Object.keys(omitted).length
    ? `No decision: ${Object.entries(omitted).map(([m, why]) => `${m}: ${why}`).join('; ')}` : '';
  renderTiming(serverTiming);
  $('result').hidden = false;
}

/** The calibration scores' distribution function with the image's score and the threshold. */
function plot(calibration, value, decision) {
  if (!calibration) return el('span', { class: 'hint' }, 'no calibration scores');
  const w = 260; const h = 70; const pad = 4;
  const q = calibration.quantiles; const p = calibration.probabilities;
  let lo = Math.min(q[0], value); let hi = Math.max(q[q.length - 1], value);
  if (hi === lo) { hi += 1; lo -= 1; }
  const x = (v) => pad + (w - 2 * pad) * (v - lo) / (hi - lo);
  const y = (v) => h - 14 - (h - 22) * v;
  const s = svg('svg', { class: 'cdf', width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img',
    'aria-label': `score ${fmt(value)}; p-value ${decision ? fmt(decision.pValue, 3) : 'n/a'}` });
  s.append(svg('line', { class: 'axis', x1: pad, x2: w - pad, y1: y(0), y2: y(0) }));
  s.append(svg('polyline', { class: 'curve', points: q.map((v, i) => `${x(v)},${y(p[i])}`).join(' ') }));
  const t = calibration.threshold;
  s.append(svg('line', { class: 'threshold', x1: x(t), x2: x(t), y1: y(0), y2: y(1) }));
  const colour = decision ? (decision.ood ? 'var(--ood)' : 'var(--id)') : '#475467';
  s.append(svg('line', { x1: x(value), x2: x(value), y1: y(0), y2: y(1), stroke: colour, 'stroke-width': 2 }));
  if (decision) s.append(svg('circle', { cx: x(value), cy: y(decision.pValue), r: 3.5, fill: colour }));
  const label = svg('text', { x: pad, y: h - 2 });
  label.textContent = `ID calibration, n = ${calibration.count}; dashed: threshold (TPR ${fmt(calibration.tpr, 2)})`;
  s.append(label);
  return s;
}

function renderTiming(header) {
  const box = $('timing');
  box.replaceChildren();
  if (!header) { box.append(el('span', { class: 'hint' }, 'The service sends no Server-Timing header.')); return; }
  const parts = header.split(',').map((part) => {
    const [name, ...params] = part.trim().split(';');
    const dur = params.find((q) => q.trim().startsWith('dur='));
    const desc = params.find((q) => q.trim().startsWith('desc='));
    return { name, dur: dur ? parseFloat(dur.trim().slice(4)) : 0,
      desc: desc ? desc.trim().slice(5).replace(/^"|"$/g, '') : '' };
  });
  const total = parts.reduce((a, q) => a + q.dur, 0) || 1;
  const bar = el('div', { class: 'timing-bar' });
  parts.forEach((q, i) => {
    const seg = el('div', { class: `t${i % 5}`, title: `${q.name}: ${q.dur} ms ${q.desc}` }, `${q.name} ${fmt(q.dur, 1)} ms`);
    seg.style.width = `${Math.max(4, 100 * q.dur / total)}%`;
    bar.append(seg);
  });
  box.append(bar, el('p', { class: 'hint', id: 'timing-text' },
    parts.map((q) => `${q.name} ${fmt(q.dur, 3)} ms${q.desc ? ` (${q.desc})` : ''}`).join(' · ')));
}

function wireAuth() {
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('mos-token', $('auth-token').value.trim());
    $('auth').hidden = true;
    showError('');
    loadModels();
  });
}

function wireInput() {
  const zone = $('drop-zone');
  $('file-input').addEventListener('change', (e) => { if (e.target.files[0]) score(e.target.files[0]); });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files[0]) score(e.dataTransfer.files[0]);
  });
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter') $('file-input').click(); });
}

wireAuth();
wireInput();
loadModels();
