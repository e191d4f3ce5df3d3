// The server's API as the page uses it: JSON calls and streamed completions, with the server's error messages.
'use strict';

export const $ = (id) => document.getElementById(id);

/** A DOM element: el('span', {class: 'x', text: 'hi'}, child, ...). */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = $('apikey').value.trim();
  if (key) h['Authorization'] = 'Bearer ' + key;
  return h;
}

/** An error with the HTTP status and the server's message ("400: 'steering[0].layers': ..."). */
export class ApiError extends Error {
  constructor(status, message) {
    super(status ? 'HTTP ' + status + ': ' + message : message);
    this.status = status;
  }
}

async function failure(r) {
  let msg = r.statusText || 'request failed';
  try {
    const b = await r.json();
    if (b && b.error && b.error.message) msg = b.error.message;
  } catch (_) { /* not JSON: keep the status text */ }
  return new ApiError(r.status, msg);
}

export async function getJson(path) {
  const r = await fetch(path, { headers: headers() });
  if (!r.ok) throw await failure(r);
  return r.json();
}

export async function postJson(path, body) {
  const r = await fetch(path, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  if (!r.ok) throw await failure(r);
  return r.json();
}

/**
 * Streams POST /v1/completions (the body must have stream: true) and calls onChunk(chunk) for every event. Rejects
 * with an ApiError on a 4xx/5xx answer or an error event in the stream.
 */
export async function streamCompletion(body, onChunk) {
  const r = await fetch('/v1/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
  if (!r.ok) throw await failure(r);
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
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new ApiError(0, chunk.error.message);
      onChunk(chunk);
    }
  }
}
