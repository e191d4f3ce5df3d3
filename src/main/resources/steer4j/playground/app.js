// steer4j playground: plain JavaScript modules, no dependencies, talking to the server's own API. This file wires the
// page: the model, the library, the columns (columns.js), the token views (tokens.js) and extraction (extract.js).
'use strict';

import { $, el, getJson, streamCompletion } from './api.js';
import { addColumn, readColumn, setLibrary, steeringFields, summarise } from './columns.js';
import { collectLogprobs, heatMax, installTooltip, renderHeat, renderLegend, renderTokens } from './tokens.js';
import { extract } from './extract.js';

const state = { vectors: [], layers: 0, busy: false };

function setStatus(text, isError) {
  const s = $('status');
  s.textContent = text;
  s.className = isError ? 'error' : 'muted';
  s.dataset.state = isError ? 'error' : 'ok';
}

async function load() {
  try {
    const models = await getJson('/v1/models');
    const m = models.data[0];
    state.model = m.id;
    state.layers = m.steer4j ? m.steer4j.layers : 0;
    $('model').textContent = m.id + (m.steer4j ? ' · ' + m.steer4j.architecture + ', ' + m.steer4j.layers + ' layers, n_embd ' + m.steer4j.n_embd : '');
    $('model').className = 'muted';
  } catch (e) {
    $('model').textContent = 'cannot reach the API: ' + e.message;
    $('model').className = 'error';
  }
  await loadVectors();
  await loadGuard();
}

async function loadVectors() {
  const box = $('library');
  let all;
  try {
    all = (await getJson('/v1/vectors')).data;
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error', text: e.message }));
    return;
  }
  state.vectors = all.filter((v) => !v.problem);
  box.replaceChildren(...(all.length === 0
    ? [el('p', { class: 'muted', text: 'The library is empty: extract a vector above, or POST /v1/vectors.' })]
    : all.map((v) => el('div', { class: 'lib-row' + (v.problem ? ' broken' : ''), 'data-name': v.id },
      el('span', { class: 'name', text: v.id }),
      el('span', { class: 'muted', text: v.problem ? v.problem : 'layers ' + v.layers.join(', ') + ' · n_embd ' + v.n_embd + ' · ' + v.method })))));
  setLibrary(state.vectors);
  const sel = $('heat-vector'), was = sel.value;
  sel.replaceChildren(el('option', { value: '', text: 'none' }), ...state.vectors.map((v) => el('option', { value: v.id, text: v.id })));
  sel.value = state.vectors.some((v) => v.id === was) ? was : (state.vectors.length ? state.vectors[0].id : '');
  if (sel.value !== was) heatLayers();
}

function heatLayers() {
  const v = state.vectors.find((x) => x.id === $('heat-vector').value);
  const sel = $('heat-layer');
  if (!v) { sel.replaceChildren(); return; }
  sel.replaceChildren(...v.layers.map((l) => el('option', { value: String(l), text: String(l) })),
    el('option', { value: 'all', text: 'all (token × layer grid)' }));
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

function baseBody() {
  const b = {
    model: state.model, prompt: $('prompt').value, stream: true, logprobs: 5,
    max_tokens: Number($('max-tokens').value), temperature: Number($('temperature').value), seed: Number($('seed').value),
  };
  const hv = $('heat-vector').value;
  const hl = $('heat-layer').value;
  if (hv) b.projection = hl === 'all' ? { vector: hv, layers: 'all' } : { vector: hv, layer: Number(hl) };
  return b;
}

function showGuard(col, verdicts) {
  col.querySelector('.guard').replaceChildren(...verdicts.map((v) => el('span', {
    class: 'badge' + (v.triggered ? ' hit' : ''),
    text: v.detector + ' ' + (v.score === null ? '?' : v.score.toFixed(3)) + ' / ' + v.threshold.toFixed(3) + ' → ' + v.action,
  })));
}

function showCondition(col, c) {
  const box = col.querySelector('.cond');
  box.dataset.active = String(c.active);
  box.textContent = 'CAST: ' + c.scores.map((s) => 'cos at layer ' + s.layer + ' = ' + (s.score === null ? '?' : s.score.toFixed(3)) + ' ' + s.comparison + ' ' + s.threshold + (s.met ? ' ✓' : ' ✗')).join(' ' + c.rule + ' ')
    + ' → steering ' + (c.active ? 'on' : 'off');
}

/** Streams one column; resolves with {ok, text, projection} or {ok: false, error}. */
async function runColumn(col, fields) {
  const out = col.querySelector('.out');
  out.dataset.done = 'false';
  out.dataset.failed = 'false';
  const gen = el('span', { class: 'gen' });
  out.replaceChildren(el('span', { class: 'prompt', text: $('prompt').value }), gen);
  for (const c of ['.guard', '.heat', '.cond']) col.querySelector(c).replaceChildren();
  const lp = { tokens: [], token_logprobs: [], top_logprobs: [] };
  const result = { ok: true, text: '', projection: null };
  try {
    await streamCompletion(Object.assign(baseBody(), fields), (chunk) => {
      const c = chunk.choices && chunk.choices[0];
      if (c && c.text) { result.text += c.text; gen.textContent = result.text; }
      if (c) collectLogprobs(lp, c.logprobs);
      const x = chunk.steer4j;
      if (x && x.guard) showGuard(col, x.guard);
      if (x && x.condition) showCondition(col, x.condition);
      if (x && x.projection) result.projection = x.projection;
    });
    renderTokens(gen, result.text, lp);
  } catch (e) {
    out.dataset.failed = 'true';
    out.append(el('div', { class: 'error', text: e.message }));
    return { ok: false, error: e.message };
  } finally {
    out.dataset.done = 'true';
  }
  return result;
}

function title(col) {
  return col.querySelector('h2').textContent;
}

async function generate() {
  if (state.busy) return;
  const cols = [...document.querySelectorAll('.column')];
  const plans = cols.map((col) => {
    const p = steeringFields(col);
    col.querySelector('.col-error').textContent = p.errors.join('; ');
    return p;
  });
  const bad = cols.filter((_, i) => plans[i].errors.length > 0);
  if (bad.length) {
    setStatus('not generated: ' + bad.map((c) => title(c) + ': ' + plans[cols.indexOf(c)].errors[0]).join('; '), true);
    return;
  }
  state.busy = true;
  $('generate').disabled = true;
  renderLegend('', 0, 0, 0);
  setStatus('generating ' + cols.length + ' columns…');
  const t0 = performance.now();
  const results = await Promise.all(cols.map((col, i) => runColumn(col, plans[i].fields)));
  const ms = Math.round(performance.now() - t0);

  // one colour scale for every heatmap: the largest |projection| of any column
  const heats = results.map((r) => (r.ok ? r.projection : null));
  const shown = heats.filter((h) => h);
  const max = Math.max(0, ...shown.map(heatMax));
  if (shown.length && max > 0) {
    heats.forEach((h, i) => { if (h) renderHeat(cols[i].querySelector('.heat'), h, max); });
    const h = shown[0];
    renderLegend(h.source, h.layers ? 'layers ' + h.layers.map((r) => r.layer).join(', ') : h.layer, max, shown.length);
  }

  const failed = cols.filter((_, i) => !results[i].ok);
  if (failed.length) {
    setStatus(failed.length + ' of ' + cols.length + ' columns failed after ' + ms + ' ms: '
      + failed.map((c) => title(c) + ': ' + results[cols.indexOf(c)].error).join('; '), true);
  } else {
    const base = cols.findIndex((c) => c.dataset.kind === 'baseline');
    const steered = cols.map((c, i) => [c, i]).filter(([c]) => c.dataset.kind !== 'baseline');
    const verdicts = base < 0 ? [] : steered.map(([c, i]) => title(c) + (results[i].text === results[base].text ? ': same text as unsteered' : ': the steering changed the text'));
    setStatus('done in ' + ms + ' ms' + (verdicts.length ? ': ' + verdicts.join('; ') : ''));
  }
  $('generate').disabled = false;
  state.busy = false;
}

/** One new column per coefficient, each a copy of the last steered column with its first item's amount replaced. */
function sweep() {
  const coefs = $('sweep-coefs').value.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (coefs.length === 0 || coefs.some((c) => !Number.isFinite(c))) {
    setStatus('coefficients must be numbers separated by commas, got "' + $('sweep-coefs').value + '"', true);
    return;
  }
  const last = [...document.querySelectorAll('.column[data-kind="steered"]')].pop();
  const base = last ? readColumn(last) : { ops: [{}], keepNorm: false, cast: null };
  if (base.ops.length === 0) base.ops = [{}];
  for (const c of coefs) {
    const copy = JSON.parse(JSON.stringify(base));
    copy.ops[0].amount = c;
    addColumn('steered', copy);
  }
}

$('generate').addEventListener('click', generate);
$('add-column').addEventListener('click', () => addColumn('steered'));
$('sweep').addEventListener('click', sweep);
$('heat-vector').addEventListener('change', heatLayers);
$('apikey').addEventListener('change', load);
$('extract').addEventListener('click', () => extract(state.layers, async () => { await loadVectors(); }));
installTooltip();
addColumn('baseline');
addColumn('steered');
load().then(() => document.querySelectorAll('.column').forEach(summarise));
