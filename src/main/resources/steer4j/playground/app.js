// steer4j playground: plain JavaScript, no dependencies, talks to the server's own API.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { vectors: [], layers: 0, busy: false };

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = $('apikey').value.trim();
  if (key) h['Authorization'] = 'Bearer ' + key;
  return h;
}

async function getJson(path) {
  const r = await fetch(path, { headers: headers() });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : r.status + ' ' + r.statusText);
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function setStatus(text, isError) {
  const s = $('status');
  s.textContent = text;
  s.className = isError ? 'error' : 'muted';
}

async function load() {
  try {
    const models = await getJson('/v1/models');
    const m = models.data[0];
    state.model = m.id;
    state.layers = m.steer4j ? m.steer4j.layers : 0;
    $('model').textContent = m.id + (m.steer4j ? ' · ' + m.steer4j.architecture + ', ' + m.steer4j.layers + ' layers, n_embd ' + m.steer4j.n_embd : '');
  } catch (e) {
    $('model').textContent = 'cannot reach the API: ' + e.message;
    $('model').className = 'error';
  }
  await loadVectors();
  await loadGuard();
}

async function loadVectors() {
  const box = $('vectors');
  try {
    state.vectors = (await getJson('/v1/vectors')).data;
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error', text: e.message }));
    return;
  }
  if (state.vectors.length === 0) {
    box.replaceChildren(el('p', { class: 'muted', text: 'The library is empty. Add vectors with POST /v1/vectors.' }));
  } else {
    box.replaceChildren(...state.vectors.map(vectorRow));
  }
  const sel = $('heat-vector');
  sel.replaceChildren(el('option', { value: '', text: 'none' }), ...state.vectors.map((v) => el('option', { value: v.id, text: v.id })));
  if (state.vectors.length > 0) sel.value = state.vectors[0].id;
  heatLayers();
}

function vectorRow(v) {
  const lo = Math.min(...v.layers), hi = Math.max(...v.layers);
  const slider = el('input', { type: 'range', class: 'coef', min: '-8', max: '8', step: '0.1', value: '0', 'aria-label': 'coefficient of ' + v.id });
  const value = el('span', { class: 'coef-value', text: '0.0' });
  slider.addEventListener('input', () => { value.textContent = Number(slider.value).toFixed(1); summary(); });
  const from = el('input', { type: 'number', class: 'from', min: String(lo), max: String(hi), value: String(lo) });
  const to = el('input', { type: 'number', class: 'to', min: String(lo), max: String(hi), value: String(hi) });
  return el('div', { class: 'vector-row', 'data-name': v.id },
    el('span', { class: 'name', text: v.id }), value, slider,
    el('span', { class: 'layers' }, 'layers ', from, ' to ', to, ' (has ' + v.layers.join(', ') + ')'));
}

function heatLayers() {
  const v = state.vectors.find((x) => x.id === $('heat-vector').value);
  const sel = $('heat-layer');
  if (!v) { sel.replaceChildren(); return; }
  sel.replaceChildren(...v.layers.map((l) => el('option', { value: String(l), text: String(l) })));
  sel.value = String(v.layers[Math.floor(v.layers.length / 2)]);
}

async function loadGuard() {
  try {
    const g = await getJson('/v1/guard');
    $('guard-info').textContent = g.enabled
      ? g.detectors.map((d) => d.name + ' (layer ' + d.layer + ', ' + d.policy + ', threshold ' + d.threshold.toFixed(3) + ')').join('; ')
      : 'off (start the server with --guard guard.json)';
  } catch (e) {
    $('guard-info').textContent = e.message;
  }
}

function steering() {
  const out = [];
  for (const row of document.querySelectorAll('.vector-row')) {
    const c = Number(row.querySelector('.coef').value);
    if (c === 0) continue;
    out.push({ vector: row.dataset.name, coefficient: c,
      layers: [Number(row.querySelector('.from').value), Number(row.querySelector('.to').value)] });
  }
  return out;
}

function summary() {
  const s = steering();
  $('steer-summary').textContent = s.length ? s.map((x) => x.vector + ' × ' + x.coefficient.toFixed(1)).join(', ') : '(no slider set)';
}

function body(steer) {
  const b = {
    model: state.model, prompt: $('prompt').value, stream: true,
    max_tokens: Number($('max-tokens').value), temperature: Number($('temperature').value), seed: Number($('seed').value),
  };
  if (steer.length) b.steering = steer;
  const hv = $('heat-vector').value;
  if (hv) b.projection = { vector: hv, layer: Number($('heat-layer').value) };
  return b;
}

/** Streams one completion into its column; resolves with the final text. */
async function run(which, steer) {
  const out = $('out-' + which);
  out.dataset.done = 'false';
  out.replaceChildren(el('span', { class: 'prompt', text: $('prompt').value }));
  const gen = el('span', { class: 'gen' });
  out.append(gen);
  $('guard-' + which).replaceChildren();
  $('heat-' + which).replaceChildren();
  let text = '';
  try {
    const r = await fetch('/v1/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body(steer)) });
    if (!r.ok) {
      const e = await r.json();
      throw new Error(e.error ? e.error.message : String(r.status));
    }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!event.startsWith('data: ')) continue;
        const data = event.slice(6);
        if (data === '[DONE]') continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        const c = chunk.choices && chunk.choices[0];
        if (c && c.text) { text += c.text; gen.textContent = text; }
        if (chunk.steer4j && chunk.steer4j.guard) showGuard(which, chunk.steer4j.guard);
        if (chunk.steer4j && chunk.steer4j.projection) showHeat(which, chunk.steer4j.projection);
      }
    }
  } catch (e) {
    out.append(el('div', { class: 'error', text: e.message }));
  } finally {
    out.dataset.done = 'true';
  }
  return text;
}

function showGuard(which, verdicts) {
  $('guard-' + which).replaceChildren(...verdicts.map((v) => el('span', {
    class: 'badge' + (v.triggered ? ' hit' : ''),
    text: v.detector + ' ' + (v.score === null ? '?' : v.score.toFixed(3)) + ' / ' + v.threshold.toFixed(3) + ' → ' + v.action,
  })));
}

function showHeat(which, p) {
  const box = $('heat-' + which);
  const max = Math.max(1e-6, ...p.tokens.map((t) => Math.abs(t.value)));
  const toks = p.tokens.map((t) => {
    const a = Math.min(1, Math.abs(t.value) / max);
    const color = t.value >= 0 ? `rgba(220, 38, 38, ${a.toFixed(3)})` : `rgba(37, 99, 235, ${a.toFixed(3)})`;
    const s = el('span', { class: 'tok' + (t.generated ? ' gen' : ''), title: t.value.toFixed(4), text: t.text });
    s.style.background = color;
    return s;
  });
  box.replaceChildren(el('div', { class: 'muted', text: 'projection on ' + p.source + ' at layer ' + p.layer + ' (red +, blue −, underlined = generated)' }),
    el('div', {}, ...toks),
    el('div', { class: 'scale', text: 'max |projection| ' + max.toFixed(3) }));
}

async function generate() {
  if (state.busy) return;
  state.busy = true;
  $('generate').disabled = true;
  setStatus('generating…');
  const steer = steering();
  summary();
  const t0 = performance.now();
  const [a, b] = await Promise.all([run('plain', []), run('steered', steer)]);
  const ms = Math.round(performance.now() - t0);
  setStatus(steer.length === 0 ? 'done in ' + ms + ' ms (set a slider to steer)' : (a === b ? 'done in ' + ms + ' ms: same text' : 'done in ' + ms + ' ms: the steering changed the text'));
  $('generate').disabled = false;
  state.busy = false;
}

$('generate').addEventListener('click', generate);
$('heat-vector').addEventListener('change', heatLayers);
$('apikey').addEventListener('change', load);
summary();
load();
