// Drives the steer4j playground in headless Chromium: open it, set a slider, generate, compare the two outputs.
// Usage: node playground.mjs <server url> '{"vector": "happy", "coefficient": 3, "layers": [4, 4], "prompt": "..."}' [screenshot.png]
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
const { vector, coefficient, layers, prompt } = JSON.parse(optionsJson);
const executablePath = process.env.STEER4J_CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'steer4j-chromium-'));
const consoleErrors = [];
const foreignRequests = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 900 },
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

  await page.goto(url, { waitUntil: 'load' });
  const row = page.locator(`.vector-row[data-name="${vector}"]`);
  await row.waitFor({ timeout: 30000 });
  if (prompt) await page.fill('#prompt', prompt);
  await row.locator('input.coef').fill(String(coefficient));
  if (layers) {
    await row.locator('input.from').fill(String(layers[0]));
    await row.locator('input.to').fill(String(layers[1]));
  }
  await page.selectOption('#heat-vector', vector);
  if (layers) await page.selectOption('#heat-layer', String(layers[0]));
  const shown = await row.locator('.coef-value').textContent();
  await page.click('#generate');
  await page.waitForSelector('#out-plain[data-done="true"]', { timeout: 60000 });
  await page.waitForSelector('#out-steered[data-done="true"]', { timeout: 60000 });
  await page.waitForSelector('#heat-steered .tok', { timeout: 10000 });
  const plain = await page.locator('#out-plain .gen').textContent();
  const steered = await page.locator('#out-steered .gen').textContent();
  const heatTokens = await page.locator('#heat-steered .tok').count();
  const guard = await page.locator('#guard-steered').textContent();
  const status = await page.locator('#status').textContent();
  const errorsShown = await page.locator('.out .error').count();
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log('RESULT ' + JSON.stringify({ plain, steered, shown, heatTokens, guard, status, errorsShown, consoleErrors, foreignRequests }));
} catch (e) {
  console.error('browser test failed: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
