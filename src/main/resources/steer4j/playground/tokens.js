// Per-token views: generated tokens with their probabilities (shown on hover), and the projection heatmaps, all
// columns on one colour scale with its legend.
'use strict';

import { $, el } from './api.js';

const POS = [220, 38, 38], NEG = [37, 99, 235];

/** Percent with two decimals: 0.4321 -> "43.21%". */
export function percent(logprob) {
  return (Math.exp(logprob) * 100).toFixed(2) + '%';
}

/** A token as the tooltip shows it: quoted, with spaces and newlines visible. */
function shown(t) {
  return JSON.stringify(t);
}

/**
 * Replaces the generated text with one span per token (data-logprob, data-top: the top alternatives as JSON) when the
 * tokens spell the text exactly; otherwise the text stays as it is (a stop string cut it, or a character spans tokens).
 */
export function renderTokens(gen, text, lp) {
  gen.textContent = text;
  if (!lp || lp.tokens.length === 0 || lp.tokens.join('') !== text) return false;
  gen.replaceChildren(...lp.tokens.map((t, i) => el('span', {
    class: 'tok', text: t, 'data-logprob': String(lp.token_logprobs[i]),
    'data-top': lp.top_logprobs ? JSON.stringify(lp.top_logprobs[i]) : undefined,
  })));
  return true;
}

/** Appends one streamed chunk's logprobs to the running lists. */
export function collectLogprobs(acc, lp) {
  if (!lp) return;
  acc.tokens.push(...lp.tokens);
  acc.token_logprobs.push(...lp.token_logprobs);
  if (lp.top_logprobs) acc.top_logprobs.push(...lp.top_logprobs);
}

/** The colour of a projection value on the shared scale [-max, max]: red positive, blue negative, white zero. */
export function colour(value, max) {
  const a = Math.min(1, Math.abs(value) / max);
  const c = value >= 0 ? POS : NEG;
  return `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${a.toFixed(3)})`;
}

/** The largest |projection| of a report: over its tokens, or over every layer's row. */
export function heatMax(p) {
  const vals = p.layers ? p.layers.flatMap((r) => r.values) : p.tokens.map((t) => t.value);
  return Math.max(0, ...vals.map(Math.abs));
}

/** A token-by-layer heatmap: one row per layer, each cell the token coloured by its projection at that layer. */
function renderGrid(box, p, max) {
  const rows = p.layers.map((r) => el('tr', { 'data-layer': String(r.layer) }, el('th', { text: 'L' + r.layer }),
    ...r.values.map((v, i) => {
      const td = el('td', { class: 'tok' + (p.tokens[i].generated ? ' gen' : ''), 'data-value': String(v), 'data-layer': String(r.layer), text: p.tokens[i].text });
      td.style.background = colour(v, max);
      return td;
    })));
  box.replaceChildren(el('div', { class: 'muted', text: 'projection on ' + p.source + ' by layer (rows) and token (underlined = generated); this column\'s max |projection| ' + heatMax(p).toFixed(3) }),
    el('div', { class: 'grid-scroll' }, el('table', { class: 'heat-grid' }, el('tbody', {}, ...rows))));
}

/** One column's projection heatmap (a token row, or a token-by-layer grid), coloured on the shared scale. */
export function renderHeat(box, p, max) {
  if (p.layers) { renderGrid(box, p, max); return; }
  const toks = p.tokens.map((t) => {
    const s = el('span', { class: 'tok' + (t.generated ? ' gen' : ''), 'data-value': String(t.value), text: t.text });
    s.style.background = colour(t.value, max);
    return s;
  });
  const ownMax = Math.max(0, ...p.tokens.map((t) => Math.abs(t.value)));
  box.replaceChildren(el('div', { class: 'muted', text: 'projection on ' + p.source + ' at layer ' + p.layer + ' (underlined = generated); this column\'s max |projection| ' + ownMax.toFixed(3) }),
    el('div', {}, ...toks));
}

/** The legend of the one scale every column's heatmap uses. */
export function renderLegend(source, layer, max, columns) {  // layer: a number or a description ("layers 1, 2, 3")
  const box = $('legend');
  if (!(max > 0)) { box.hidden = true; box.replaceChildren(); return; }
  box.hidden = false;
  box.dataset.max = String(max);
  const bar = el('div', { class: 'bar' });
  bar.style.background = `linear-gradient(to right, rgb(${NEG.join(',')}), rgb(255,255,255), rgb(${POS.join(',')}))`;
  box.replaceChildren(
    el('div', { class: 'legend-title', text: 'projection on ' + source + ' at ' + (typeof layer === 'number' ? 'layer ' + layer : layer) + ', one scale for all ' + columns + ' columns' }),
    el('div', { class: 'scale-row' }, el('span', { class: 'lo', text: (-max).toFixed(3) }), bar, el('span', { class: 'hi', text: '+' + max.toFixed(3) })),
    el('div', { class: 'muted', text: 'white = 0; full colour = the largest |projection| of any column' }));
}

function tipFor(t) {
  if (t.dataset.logprob !== undefined) {
    const lp = Number(t.dataset.logprob);
    const rows = [el('div', { class: 'tip-head' }, el('b', { text: shown(t.textContent) }), ' p = ' + percent(lp) + ' (logprob ' + lp.toFixed(4) + ')')];
    if (t.dataset.top) {
      const top = Object.entries(JSON.parse(t.dataset.top)).sort((a, b) => b[1] - a[1]);
      rows.push(el('div', { class: 'muted', text: 'top alternatives' }),
        el('ol', { class: 'alts' }, ...top.map(([k, v]) => el('li', { class: k === t.textContent ? 'chosen' : '', text: shown(k) + ' ' + percent(v) }))));
    }
    return rows;
  }
  if (t.dataset.value !== undefined) return [el('div', {}, el('b', { text: shown(t.textContent) }),
    (t.dataset.layer !== undefined ? ' at layer ' + t.dataset.layer : '') + ' projection ' + Number(t.dataset.value).toFixed(4))];
  return null;
}

/** One tooltip for every token on the page: probabilities for generated tokens, the value for heatmap tokens. */
export function installTooltip() {
  const tip = $('tip');
  document.addEventListener('mouseover', (e) => {
    const t = e.target.closest && e.target.closest('.tok');
    const rows = t ? tipFor(t) : null;
    if (!rows) { tip.hidden = true; return; }
    tip.replaceChildren(...rows);
    const r = t.getBoundingClientRect();
    tip.style.left = Math.round(window.scrollX + r.left) + 'px';
    tip.style.top = Math.round(window.scrollY + r.bottom + 6) + 'px';
    tip.hidden = false;
  });
}
