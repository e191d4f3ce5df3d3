// The columns: the unsteered baseline and any number of steered columns, each with its own steering, read into the
// request's steering fields exactly as the server's SteeringSpec takes them (steering, clamp, ablate, condition, keep_norm).
'use strict';

import { $, el } from './api.js';

export const SITES = ['resid_post', 'resid_pre', 'attn_out', 'resid_mid', 'mlp_out'];
const POSITIONS = [['all', 'all positions'], ['prompt', 'prompt only'], ['generated', 'generated only'], ['from', 'from position K']];
const METHODS = [['add', 'add × coefficient'], ['clamp', 'clamp to value'], ['ablate', 'ablate (project out)']];

let nextId = 1;
let steeredCount = 0;
let library = [];   // usable vectors: [{id, layers}]

function options(select, pairs, value) {
  select.replaceChildren(...pairs.map(([v, t]) => el('option', { value: v, text: t })));
  if (value !== undefined && pairs.some(([v]) => v === value)) select.value = value;
  return select;
}

function vectorOptions(select, value) {
  const pairs = library.map((v) => [v.id, v.id]);
  if (pairs.length === 0) pairs.push(['', '(the library is empty)']);
  return options(select, pairs, value);
}

function layerOptions(select, vectorId, value) {
  const v = library.find((x) => x.id === vectorId);
  const pairs = (v ? v.layers : []).map((l) => [String(l), String(l)]);
  options(select, pairs, value);
  if (value === undefined && v) select.value = String(v.layers[Math.floor(v.layers.length / 2)]);
  return select;
}

/** The library changed: every vector and layer menu gets the new list, keeping what was chosen where it still exists. */
export function setLibrary(vectors) {
  library = vectors;
  for (const s of document.querySelectorAll('.column select.vector')) vectorOptions(s, s.value);
  for (const op of document.querySelectorAll('.column .op')) refreshOp(op);
  for (const c of document.querySelectorAll('.column .cast')) layerOptions(c.querySelector('.cast-layer'), c.querySelector('.vector').value, c.querySelector('.cast-layer').value || undefined);
}

/** One steering item of a column: add, clamp or ablate, with the fields the spec has for it. */
function opRow(init) {
  const o = Object.assign({ method: 'add', vector: library.length ? library[0].id : '', amount: 1, from: '', to: '', positions: 'all', k: 0, site: 'resid_post' }, init || {});
  const method = options(el('select', { class: 'method', 'aria-label': 'method' }), METHODS, o.method);
  const vector = vectorOptions(el('select', { class: 'vector', 'aria-label': 'vector' }), o.vector);
  const amount = el('input', { type: 'number', class: 'amount', step: '0.1', value: String(o.amount), 'aria-label': 'coefficient' });
  const slider = el('input', { type: 'range', class: 'coef', min: '-8', max: '8', step: '0.1', value: String(o.amount), 'aria-label': 'coefficient slider' });
  const from = el('input', { type: 'number', class: 'from', step: '1', value: String(o.from), placeholder: 'all', 'aria-label': 'first layer' });
  const to = el('input', { type: 'number', class: 'to', step: '1', value: String(o.to), placeholder: 'all', 'aria-label': 'last layer' });
  const ablateLayer = el('select', { class: 'ablate-layer', 'aria-label': 'ablation layer' });
  const positions = options(el('select', { class: 'positions', 'aria-label': 'positions' }), POSITIONS, o.positions);
  const k = el('input', { type: 'number', class: 'k', min: '0', step: '1', value: String(o.k), 'aria-label': 'first position K' });
  const site = options(el('select', { class: 'site', 'aria-label': 'hook site' }), SITES.map((s) => [s, s]), o.site);
  const remove = el('button', { type: 'button', class: 'remove-op secondary', title: 'remove this item', text: '×' });
  const row = el('div', { class: 'op' },
    el('div', { class: 'line' }, method, vector, remove),
    el('div', { class: 'line amount-line' }, el('span', { class: 'amount-name', text: 'coefficient' }), amount, slider),
    el('div', { class: 'line range-line' }, 'layers ', from, ' to ', to, el('span', { class: 'has muted' })),
    el('div', { class: 'line ablate-line' }, 'direction of layer ', ablateLayer),
    el('div', { class: 'line where-line' }, positions, k, ' at ', site));
  amount.addEventListener('input', () => { slider.value = amount.value; summarise(row.closest('.column')); });
  slider.addEventListener('input', () => { amount.value = Number(slider.value).toFixed(1); summarise(row.closest('.column')); });
  for (const x of [method, vector, positions, from, to, site, k]) x.addEventListener('change', () => { refreshOp(row); summarise(row.closest('.column')); });
  remove.addEventListener('click', () => { const c = row.closest('.column'); row.remove(); summarise(c); });
  refreshOp(row, o.layer);
  return row;
}

function refreshOp(row, ablateValue) {
  const m = row.querySelector('.method').value;
  const v = library.find((x) => x.id === row.querySelector('.vector').value);
  row.dataset.method = m;
  row.querySelector('.amount-name').textContent = m === 'clamp' ? 'value' : 'coefficient';
  row.querySelector('.coef').hidden = m !== 'add';
  row.querySelector('.amount-line').hidden = m === 'ablate';
  row.querySelector('.range-line').hidden = m === 'ablate';
  row.querySelector('.where-line').hidden = m === 'ablate';
  row.querySelector('.ablate-line').hidden = m !== 'ablate';
  row.querySelector('.k').hidden = row.querySelector('.positions').value !== 'from';
  row.querySelector('.has').textContent = v ? ' (has ' + v.layers.join(', ') + ')' : '';
  const al = row.querySelector('.ablate-layer');
  layerOptions(al, v ? v.id : '', ablateValue !== undefined ? String(ablateValue) : (al.value || undefined));
}

function castBox(init) {
  const c = Object.assign({ enabled: false, vector: library.length ? library[0].id : '', threshold: 0, comparison: 'above', aggregate: 'mean' }, init || {});
  const enabled = el('input', { type: 'checkbox', class: 'cast-on' });
  enabled.checked = c.enabled;
  const vector = vectorOptions(el('select', { class: 'vector', 'aria-label': 'condition vector' }), c.vector);
  const layer = layerOptions(el('select', { class: 'cast-layer', 'aria-label': 'condition layer' }), vector.value, c.layer === undefined ? undefined : String(c.layer));
  const comparison = options(el('select', { class: 'comparison', 'aria-label': 'comparison' }), [['above', 'above'], ['below', 'below']], c.comparison);
  const threshold = el('input', { type: 'number', class: 'threshold', min: '-1', max: '1', step: '0.05', value: String(c.threshold), 'aria-label': 'threshold' });
  const aggregate = options(el('select', { class: 'aggregate', 'aria-label': 'prompt read' }), [['mean', 'mean of the prompt'], ['last', 'last prompt token']], c.aggregate);
  vector.addEventListener('change', () => layerOptions(layer, vector.value));
  return el('div', { class: 'cast' },
    el('label', {}, enabled, ' CAST: steer only when the prompt\'s cosine with'),
    el('div', { class: 'line' }, vector, ' at layer ', layer),
    el('div', { class: 'line' }, 'is ', comparison, threshold, ' (', aggregate, ')'));
}

/** A new column; kind 'baseline' has no steering. init: {ops: [...], keepNorm, cast} copies another column. */
export function addColumn(kind, init) {
  const id = nextId++;
  const col = el('div', { class: 'column', 'data-col': String(id), 'data-kind': kind });
  const title = el('h2', { text: kind === 'baseline' ? 'Unsteered' : 'Column ' + (++steeredCount) });
  const head = el('div', { class: 'col-head' }, title);
  if (kind !== 'baseline') {
    const remove = el('button', { type: 'button', class: 'remove-column secondary', text: 'remove' });
    remove.addEventListener('click', () => col.remove());
    head.append(remove);
  }
  col.append(head, el('div', { class: 'summary muted' }));
  if (kind !== 'baseline') {
    const ops = el('div', { class: 'ops' }, ...((init && init.ops) || [{}]).map(opRow));
    const addOp = el('button', { type: 'button', class: 'add-op secondary', text: '+ vector' });
    addOp.addEventListener('click', () => { ops.append(opRow()); summarise(col); });
    const keep = el('input', { type: 'checkbox', class: 'keep-norm' });
    keep.checked = !!(init && init.keepNorm);
    col.append(ops, el('div', { class: 'line' }, addOp, el('label', { class: 'keep' }, keep, ' keep the norm')), castBox(init && init.cast));
  }
  col.append(el('div', { class: 'col-error error', role: 'alert' }),
    el('div', { class: 'out', 'data-done': 'false' }),
    el('div', { class: 'cond muted' }),
    el('div', { class: 'guard' }),
    el('div', { class: 'heat' }));
  col.addEventListener('input', () => summarise(col));
  col.addEventListener('change', () => summarise(col));
  $('columns').append(col);
  summarise(col);
  return col;
}

/** A column's settings as plain data (to copy it). */
export function readColumn(col) {
  const ops = [...col.querySelectorAll('.op')].map((r) => ({
    method: r.querySelector('.method').value, vector: r.querySelector('.vector').value, amount: Number(r.querySelector('.amount').value),
    from: r.querySelector('.from').value, to: r.querySelector('.to').value, positions: r.querySelector('.positions').value,
    k: r.querySelector('.k').value, site: r.querySelector('.site').value, layer: r.querySelector('.ablate-layer').value,
  }));
  const c = col.querySelector('.cast');
  return {
    ops, keepNorm: col.querySelector('.keep-norm') ? col.querySelector('.keep-norm').checked : false,
    cast: c ? { enabled: c.querySelector('.cast-on').checked, vector: c.querySelector('.vector').value, layer: c.querySelector('.cast-layer').value,
      threshold: Number(c.querySelector('.threshold').value), comparison: c.querySelector('.comparison').value, aggregate: c.querySelector('.aggregate').value } : null,
  };
}

function intOrNull(s) {
  if (s === '' || s === null || s === undefined) return null;
  const n = Number(s);
  return Number.isInteger(n) ? n : NaN;
}

/**
 * The column's steering fields for the request body, or {errors: [...]} naming what is wrong (layer ranges that run
 * backwards, a half-given range, a missing vector), so that nothing is sent for a column the server would refuse anyway.
 */
export function steeringFields(col) {
  const out = {}, errors = [];
  if (col.dataset.kind === 'baseline') return { fields: out, errors };
  const s = readColumn(col);
  s.ops.forEach((o, i) => {
    const where = 'item ' + (i + 1) + ' (' + o.method + ')';
    if (!o.vector) { errors.push(where + ': choose a vector (the library is empty)'); return; }
    if (o.method === 'ablate') {
      (out.ablate ||= []).push({ vector: o.vector, layer: Number(o.layer) });
      return;
    }
    const item = { vector: o.vector };
    if (!Number.isFinite(o.amount)) { errors.push(where + ': the ' + (o.method === 'clamp' ? 'value' : 'coefficient') + ' is not a number'); return; }
    item[o.method === 'clamp' ? 'value' : 'coefficient'] = o.amount;
    const from = intOrNull(o.from), to = intOrNull(o.to);
    if (Number.isNaN(from) || Number.isNaN(to)) errors.push(where + ': layers must be whole numbers');
    else if ((from === null) !== (to === null)) errors.push(where + ': give both ends of the layer range, or neither for every layer of the vector');
    else if (from !== null && to < from) errors.push(where + ': layers ' + from + ' to ' + to + ' run backwards (to must be ≥ from)');
    else if (from !== null && from < 0) errors.push(where + ': layer ' + from + ' is negative');
    else if (from !== null) item.layers = [from, to];
    if (o.site !== 'resid_post') item.site = o.site;
    if (o.positions === 'from') {
      const k = intOrNull(o.k);
      if (k === null || Number.isNaN(k) || k < 0) errors.push(where + ': K in "from position K" must be a whole number ≥ 0');
      else item.positions = 'from:' + k;
    } else item.positions = o.positions;
    (o.method === 'clamp' ? (out.clamp ||= []) : (out.steering ||= [])).push(item);
  });
  if (s.keepNorm) out.keep_norm = true;
  if (s.cast && s.cast.enabled) {
    if (!s.cast.vector) errors.push('CAST: choose a condition vector');
    else if (!Number.isFinite(s.cast.threshold) || s.cast.threshold < -1 || s.cast.threshold > 1) errors.push('CAST: the threshold must be a cosine in [-1, 1]');
    else out.condition = { vector: s.cast.vector, layer: Number(s.cast.layer), threshold: s.cast.threshold, comparison: s.cast.comparison, aggregate: s.cast.aggregate };
  }
  return { fields: out, errors };
}

/** The column's steering in one line, as compare prints it: "happy × 3.0 @4-4, clamp sad = 1.0, ablate x@3". */
export function summarise(col) {
  if (!col) return;
  const box = col.querySelector('.summary');
  if (col.dataset.kind === 'baseline') { box.textContent = 'no steering'; return; }
  const s = readColumn(col);
  const parts = s.ops.map((o) => {
    const range = o.from !== '' && o.to !== '' ? ' @' + o.from + '-' + o.to : '';
    const pos = o.positions === 'all' ? '' : ' [' + (o.positions === 'from' ? 'from:' + o.k : o.positions) + ']';
    if (o.method === 'ablate') return 'ablate ' + o.vector + '@' + o.layer;
    if (o.method === 'clamp') return 'clamp ' + o.vector + ' = ' + o.amount.toFixed(1) + range + pos;
    return o.vector + ' × ' + o.amount.toFixed(1) + range + pos;
  });
  if (s.keepNorm) parts.push('keep norm');
  if (s.cast && s.cast.enabled) parts.push('if cos(' + s.cast.vector + '@' + s.cast.layer + ') ' + s.cast.comparison + ' ' + s.cast.threshold);
  box.textContent = parts.length ? parts.join(', ') : '(no steering: add a vector)';
}
