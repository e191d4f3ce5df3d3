// Drives the steer4j playground in headless Chromium through everything it offers: extraction from typed prompts,
// several steered columns (add, clamp with positions, ablate, CAST), hover probabilities, the shared heatmap scale
// (one layer, then the token-by-layer grid),
// the refusal of backwards layer ranges, a server 400 shown as an error, and adding/removing/sweeping columns.
// Usage: node playground.mjs <server url> '<options json>' [screenshot.png]   (options: see PlaygroundBrowserTest)
// Prints one JSON line (RESULT {...}) that dev.steer4j.serve.PlaygroundBrowserTest checks; exits non-zero on failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, optionsJson, screenshot] = process.argv.slice(2);
if (!url || !optionsJson) {
  console.error('usage: node playground.mjs <url> <options json> [screenshot.png]');
  process.exit(2);
}
const o = JSON.parse(optionsJson);
const executablePath = process.env.STEER4J_CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'steer4j-chromium-'));
const consoleErrors = [];
const foreignRequests = [];
let completionRequests = 0;
let context;

/** Sets item `index` of column `col` (a locator) from a plain description. */
async function setOp(col, index, op) {
  const row = col.locator('.op').nth(index);
  if (op.method) await row.locator('select.method').selectOption(op.method);
  if (op.vector) await row.locator('select.vector').selectOption(op.vector);
  if (op.amount !== undefined) await row.locator('input.amount').fill(String(op.amount));
  if (op.layers) {
    await row.locator('input.from').fill(String(op.layers[0]));
    await row.locator('input.to').fill(String(op.layers[1]));
  }
  if (op.positions) await row.locator('select.positions').selectOption(op.positions);
  if (op.layer !== undefined) await row.locator('select.ablate-layer').selectOption(String(op.layer));
}

async function setCast(col, c) {
  const box = col.locator('.cast');
  await box.locator('input.cast-on').check();
  await box.locator('select.vector').selectOption(c.vector);
  await box.locator('select.cast-layer').selectOption(String(c.layer));
  await box.locator('select.comparison').selectOption(c.comparison);
  await box.locator('input.threshold').fill(String(c.threshold));
}

async function generateAndWait(page) {
  await page.click('#generate');
  await page.waitForFunction(() => {
    const s = document.getElementById('status');
    return s.dataset.state === 'error' || s.textContent.startsWith('done');
  }, null, { timeout: 90000 });
}

async function columns(page) {
  return page.$$eval('.column', (cols) => cols.map((c) => ({
    title: c.querySelector('h2').textContent,
    kind: c.dataset.kind,
    summary: c.querySelector('.summary').textContent,
    text: c.querySelector('.out .gen') ? c.querySelector('.out .gen').textContent : null,
    tokenSpans: c.querySelectorAll('.out .gen .tok').length,
    error: c.querySelector('.out .error') ? c.querySelector('.out .error').textContent : null,
    columnError: c.querySelector('.col-error').textContent,
    condition: c.querySelector('.cond').textContent,
    conditionActive: c.querySelector('.cond').dataset.active || null,
    guard: c.querySelector('.guard').textContent,
    heat: [...c.querySelectorAll('.heat .tok')].map((t) => ({ value: Number(t.dataset.value), background: getComputedStyle(t).backgroundColor })),
  })));
}

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Only the steer4j server may be reached: anything else (a CDN, fonts) is recorded and refused.
  const origin = new URL(url).origin;
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('data:')) return route.continue();
    foreignRequests.push(u);
    return route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => { if (r.url().endsWith('/v1/completions')) completionRequests++; });

  await page.goto(url, { waitUntil: 'load' });
  await page.locator(`.lib-row[data-name="${o.vector}"]`).waitFor({ timeout: 30000 });
  await page.fill('#prompt', o.prompt);

  // 1. extraction: a name the server refuses, then the typed pairs
  const ex = o.extract;
  await page.fill('#ex-name', 'bad name!');
  await page.fill('#ex-pos', ex.positive.join('\n'));
  await page.fill('#ex-neg', ex.negative.join('\n'));
  await page.fill('#ex-from', String(ex.layers[0]));
  await page.fill('#ex-to', String(ex.layers[1]));
  await page.click('#extract');
  await page.waitForSelector('#ex-status.error', { timeout: 30000 });
  const extractRefused = await page.textContent('#ex-status');
  await page.fill('#ex-name', ex.name);
  await page.click('#extract');
  await page.locator(`.lib-row[data-name="${ex.name}"]`).waitFor({ timeout: 60000 });
  const extractStatus = await page.textContent('#ex-status');
  const extractedInColumns = await page.locator(`.column select.vector option[value="${ex.name}"]`).count();

  // 2. columns: the baseline and column 2 exist; add the others
  const cols = page.locator('.column');
  for (let i = 0; i < o.columns.length - 1; i++) await page.click('#add-column');
  for (let i = 0; i < o.columns.length; i++) {
    const spec = o.columns[i];
    const col = cols.nth(i + 1);
    for (let k = 0; k < spec.ops.length; k++) {
      if (k > 0) await col.locator('.add-op').click();
      await setOp(col, k, spec.ops[k]);
    }
    if (spec.cast) await setCast(col, spec.cast);
  }
  await page.selectOption('#heat-vector', o.vector);
  await page.selectOption('#heat-layer', String(o.heatLayer));
  const shownCoefficient = await cols.nth(1).locator('.op input.amount').inputValue();
  await generateAndWait(page);
  const run = await columns(page);
  const status = await page.textContent('#status');
  const legend = await page.$eval('#legend', (l) => ({ hidden: l.hidden, max: Number(l.dataset.max), text: l.textContent }));

  // 3. hover the baseline's first generated token: its probability and the top alternatives
  const first = page.locator('.column[data-kind="baseline"] .out .gen .tok').first();
  await first.hover();
  await page.waitForSelector('#tip:not([hidden])', { timeout: 5000 });
  const hover = { token: await first.textContent(), tip: await page.textContent('#tip') };
  if (screenshot) await page.screenshot({ path: screenshot });

  // 3b. the token-by-layer grid: every layer of the vector, still one scale for every column
  await page.selectOption('#heat-layer', 'all');
  await generateAndWait(page);
  const grid = {
    status: await page.textContent('#status'),
    legend: await page.$eval('#legend', (l) => ({ hidden: l.hidden, max: Number(l.dataset.max), text: l.textContent })),
    columns: await page.$$eval('.column', (cols) => cols.map((c) => [...c.querySelectorAll('.heat-grid tr')].map((tr) => ({
      layer: Number(tr.dataset.layer),
      cells: [...tr.querySelectorAll('td')].map((t) => ({ value: Number(t.dataset.value), background: getComputedStyle(t).backgroundColor })),
    })))),
  };
  await page.selectOption('#heat-layer', String(o.heatLayer));

  // 4. a backwards layer range is refused in the page: no request goes out
  const steered = cols.nth(1);
  await steered.locator('.op input.from').first().fill('4');
  await steered.locator('.op input.to').first().fill('2');
  const before = completionRequests;
  await page.click('#generate');
  await page.waitForSelector('#status.error', { timeout: 5000 });
  const backwards = { status: await page.textContent('#status'), columnError: await steered.locator('.col-error').textContent(), requests: completionRequests - before };

  // 5. a range the vector has no direction in: the server answers 400 and the page shows it as a failure
  await steered.locator('.op input.from').first().fill(String(o.missingLayer));
  await steered.locator('.op input.to').first().fill(String(o.missingLayer));
  await generateAndWait(page);
  const failed = { status: await page.textContent('#status'), state: await page.$eval('#status', (s) => s.dataset.state),
    error: await steered.locator('.out .error').textContent(), outFailed: await steered.locator('.out').getAttribute('data-failed') };

  // 6. the server refuses a backwards range too
  const direct = await page.evaluate(async (v) => {
    const r = await fetch('/v1/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'Hi', max_tokens: 2, steering: [{ vector: v, coefficient: 1, layers: [4, 2] }] }) });
    return { status: r.status, body: await r.json() };
  }, o.vector);

  // 7. columns come and go: a sweep adds one per coefficient, remove takes one away
  const beforeSweep = await cols.count();
  await page.fill('#sweep-coefs', o.sweep.join(', '));
  await page.click('#sweep');
  const afterSweep = await cols.count();
  const sweepSummaries = await page.$$eval('.column .summary', (s) => s.map((x) => x.textContent));
  await cols.nth(afterSweep - 1).locator('.remove-column').click();
  const afterRemove = await cols.count();

  console.log('RESULT ' + JSON.stringify({ extractRefused, extractStatus, extractedInColumns, shownCoefficient, columns: run, status, legend, hover, grid,
    backwards, failed, direct, beforeSweep, afterSweep, afterRemove, sweepSummaries, consoleErrors, foreignRequests }));
} catch (e) {
  console.error('browser test failed: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
