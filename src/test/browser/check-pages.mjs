// Opens each HTML file given on the command line in headless Chromium (the system's, through playwright-core) and
// reports, as one JSON line, every console error, uncaught page error, failed request, request leaving the page's
// own file (reports must be self-contained: no CDN, no network) and image that did not decode.
// Exit code 0 when every page is clean, 1 when any is not, 2 when the browser cannot start.
//
//   node check-pages.mjs [--screenshot out.png [--full-page]] page1.html [page2.html ...]
// (--screenshot saves the first 1280x900 of a single page, or all of it with --full-page)
//
// Environment: STEER4J_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
let screenshot = null;
let fullPage = false;
const pages = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--screenshot') screenshot = args[++i];
  else if (args[i] === '--full-page') fullPage = true;
  else pages.push(resolve(args[i]));
}
if (pages.length === 0) {
  console.error('usage: node check-pages.mjs [--screenshot out.png] page.html ...');
  process.exit(2);
}

const executablePath = process.env.STEER4J_CHROMIUM || '/usr/bin/chromium';
const userDataDir = mkdtempSync(join(tmpdir(), 'steer4j-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timeout: 60000,
  });
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: 'cannot start Chromium at ' + executablePath + ': ' + e.message.split('\n')[0] }));
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(2);
}

const results = [];
for (const file of pages) {
  const url = pathToFileURL(file).href;
  const problems = [];
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url().slice(0, 120) + ' (' + (r.failure()?.errorText ?? '?') + ')'));
  page.on('request', (r) => {
    const u = r.url();
    if (u !== url && !u.startsWith('data:') && !u.startsWith('about:')) problems.push('external request: ' + u.slice(0, 120));
  });
  let title = null, images = 0, svgs = 0;
  try {
    const resp = await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    if (resp && !resp.ok()) problems.push('status ' + resp.status());
    title = await page.title();
    const broken = await page.$$eval('img', (imgs) => imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.alt || i.src.slice(0, 40)));
    for (const b of broken) problems.push('image did not load: ' + b);
    images = await page.$$eval('img', (imgs) => imgs.length);
    svgs = await page.$$eval('svg', (s) => s.length);
    if (screenshot && pages.length === 1) await page.screenshot({ path: screenshot, fullPage });
  } catch (e) {
    problems.push('could not open: ' + e.message.split('\n')[0]);
  }
  await page.close();
  results.push({ file, title, images, svgs, problems });
}
await context.close();
rmSync(userDataDir, { recursive: true, force: true });
const ok = results.every((r) => r.problems.length === 0);
console.log(JSON.stringify({ ok, pages: results }));
process.exit(ok ? 0 : 1);
