// A page on another origin tries to write to the steer4j vector library, as a web page a user visits could:
// a CORS-"simple" text/plain POST (no preflight), a form-encoded POST, and a JSON POST (preflighted).
// Usage: node cross-origin.mjs <steer4j url> <base64 of a control-vector GGUF>
// Prints one JSON line (RESULT {...}) that dev.steer4j.serve.CrossOriginBrowserTest checks.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [target, ggufBase64] = process.argv.slice(2);
const attacker = createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<html><body>another site</body></html>'); });
await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
const attackerUrl = `http://127.0.0.1:${attacker.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), 'steer4j-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.STEER4J_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  await page.goto(attackerUrl, { waitUntil: 'load' });
  const result = await page.evaluate(async ({ target, ggufBase64 }) => {
    const bytes = Uint8Array.from(atob(ggufBase64), (c) => c.charCodeAt(0));
    const out = { origin: location.origin };
    const attempt = async (name, init) => {
      try {
        const r = await fetch(target + 'v1/vectors?name=' + name + '&overwrite=true', init);
        return r.type === 'opaque' ? 'opaque' : String(r.status);
      } catch (e) { return 'blocked: ' + e.name; }
    };
    out.textPlain = await attempt('xs1', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: bytes });
    out.form = await attempt('xs2', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: bytes });
    out.noType = await attempt('xs3', { method: 'POST', mode: 'no-cors', body: new Blob([bytes]) });
    out.json = await attempt('xs4', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'xs4', directions: { '1': [1] } }) });
    return out;
  }, { target, ggufBase64 });
  console.log('RESULT ' + JSON.stringify(result));
} finally {
  if (context) await context.close();
  attacker.close();
  rmSync(profile, { recursive: true, force: true });
}
