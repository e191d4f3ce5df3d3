// Extraction from prompts typed into the page: POST /v1/vectors with positive and negative prompt lists; the server runs
// the extraction (mean difference by default) and stores the vector in its library under the given name.
'use strict';

import { $, postJson } from './api.js';

function lines(id) {
  return $(id).value.split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
}

function say(text, isError) {
  $('ex-status').textContent = text;
  $('ex-status').className = isError ? 'error' : 'muted';
}

/** The request body, or an error message naming what to fix (the server checks the name and the layers again). */
export function extractionBody(modelLayers) {
  const name = $('ex-name').value.trim();
  if (!name) return { error: 'give the vector a name' };
  const positive = lines('ex-pos'), negative = lines('ex-neg');
  if (positive.length === 0 || negative.length === 0) return { error: 'type at least one positive and one negative prompt (one per line)' };
  const body = { name, positive, negative, method: $('ex-method').value };
  const f = $('ex-from').value.trim(), t = $('ex-to').value.trim();
  if (f !== '' || t !== '') {
    const from = f === '' ? 1 : Number(f), to = t === '' ? modelLayers - 1 : Number(t);
    if (!Number.isInteger(from) || !Number.isInteger(to)) return { error: 'layers must be whole numbers' };
    if (to < from) return { error: 'layers ' + from + ' to ' + to + ' run backwards (to must be ≥ from)' };
    body.layers = [from, to];
  }
  if ($('ex-overwrite').checked) body.overwrite = true;
  return { body };
}

/** Runs the extraction; calls onStored(entry) with the library entry the server answered. */
export async function extract(modelLayers, onStored) {
  const { body, error } = extractionBody(modelLayers);
  if (error) { say(error, true); return; }
  $('extract').disabled = true;
  say('extracting ' + body.name + ' from ' + body.positive.length + ' positive and ' + body.negative.length + ' negative prompts…');
  try {
    const e = await postJson('/v1/vectors', body);
    say('stored "' + e.id + '" in the library: layers ' + e.layers.join(', ') + ', n_embd ' + e.n_embd + ', method ' + e.method);
    await onStored(e);
  } catch (err) {
    say('extraction failed: ' + err.message, true);
  } finally {
    $('extract').disabled = false;
  }
}
