// End-to-end test of the page in Debian's Chromium: real pointer strokes on both canvases,
// once on WebGPU (SwiftShader adapter) and once with WebGPU removed (CPU fallback).
// Run: SITE_URL=http://127.0.0.1:PORT/ node --test tests/e2e/   (scripts/test.sh does it)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const SITE_URL = process.env.SITE_URL;
if (!SITE_URL) {
  throw new Error(
    'SITE_URL is not set. Serve dist/ over HTTP and set SITE_URL to the page URL, ' +
      'e.g. SITE_URL=http://127.0.0.1:8000/ node --test tests/e2e/ (scripts/test.sh does both).',
  );
}
const ORIGIN = new URL(SITE_URL).origin;
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Generous: the first WebGPU shader compilation on SwiftShader can take many seconds.
const LOAD_TIMEOUT = 180_000;
const MATCH_TIMEOUT = 120_000;

let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Never --disable-gpu or --disable-software-rasterizer: they remove the WebGPU adapter.
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
});

// --- helpers ------------------------------------------------------------------------------

/** Open the page in a fresh context, recording console errors and every request. */
async function openPage(contextOptions, { withoutWebGPU = false } = {}) {
  const context = await browser.newContext(contextOptions);
  if (withoutWebGPU) {
    // Before any page script runs: as in a browser without WebGPU.
    await context.addInitScript(() => {
      delete Navigator.prototype.gpu;
    });
  }
  const page = await context.newPage();
  page.setDefaultTimeout(MATCH_TIMEOUT);
  const log = { errors: [], requests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') log.errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => log.errors.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => log.errors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) log.errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on('request', (req) => log.requests.push(req.url()));

  await page.goto(SITE_URL);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: LOAD_TIMEOUT });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') {
    const message = await page.locator('#error').innerText();
    assert.fail(`page did not become ready (state ${state}): ${message}\n${log.errors.join('\n')}`);
  }
  return { context, page, log };
}

function assertCleanLog(log, label) {
  assert.deepEqual(log.errors, [], `${label}: console errors or failed requests`);
  const foreign = log.requests.filter((url) => new URL(url).origin !== ORIGIN);
  assert.deepEqual(foreign, [], `${label}: requests outside ${ORIGIN}`);
}

/** Shapes in unit coordinates of the canvas (0..1). */
const ONE = [
  [0.5, 0.18],
  [0.5, 0.82],
];
const ZERO = Array.from({ length: 25 }, (_, i) => {
  const t = (i / 24) * 2 * Math.PI; // 24 segments, closed
  return [0.5 + 0.22 * Math.sin(t), 0.5 - 0.32 * Math.cos(t)];
});

/** Draw one stroke with real mouse (pointer) events: down, moves in small steps, up. */
async function draw(page, pad, shape) {
  const canvas = page.locator(`#pad-${pad} canvas.pad`);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = ([u, v]) => [box.x + u * box.width, box.y + v * box.height];
  await page.mouse.move(...at(shape[0]));
  await page.mouse.down();
  for (const point of shape.slice(1)) {
    // A long segment (the "1") gets more steps than the 24 short ones of the "0".
    const steps = shape.length === 2 ? 24 : 3;
    await page.mouse.move(...at(point), { steps });
  }
  await page.mouse.up();
}

const matches = (page) => page.evaluate(() => Number(document.body.dataset.matches ?? 0));

/** Wait until a match newer than `since` has rendered and no drawing change is pending. */
async function settle(page, since) {
  await page.waitForFunction(
    (n) => Number(document.body.dataset.matches ?? 0) > n && document.body.dataset.pending === 'false',
    since,
    { timeout: MATCH_TIMEOUT },
  );
  return page.evaluate(() => ({
    probability: document.querySelector('#probability').dataset.probability,
    dense: document.querySelector('#dense-probability').dataset.probability,
    digitA: document.querySelector('#pad-a .digit').dataset.digit,
    digitB: document.querySelector('#pad-b .digit').dataset.digit,
    headline: document.querySelector('#probability').innerText,
    matchMs: Number(document.body.dataset.matchMs),
  }));
}

/** Draw `shapeA` and `shapeB` (after clearing), measuring frame times while drawing. */
async function drawPair(page, shapeA, shapeB) {
  await page.click('[data-clear="both"]');
  const n = await matches(page);
  await page.evaluate(() => {
    // Sample animation frames in the page while the strokes go in.
    window.__frames = [];
    window.__sampling = true;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__sampling) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  await draw(page, 'a', shapeA);
  await draw(page, 'b', shapeB);
  const drawMs = Date.now() - t0;
  const frames = await page.evaluate(() => {
    window.__sampling = false;
    return window.__frames.slice(1);
  });
  const during = (await matches(page)) - n;
  const result = await settle(page, n);
  frames.sort((x, y) => x - y);
  const q = (f) => frames[Math.min(frames.length - 1, Math.floor(f * frames.length))] ?? NaN;
  result.stats =
    `drawing ${drawMs} ms, ${during} matches while drawing, frame time median ${q(0.5).toFixed(1)} ms, ` +
    `p95 ${q(0.95).toFixed(1)} ms, max ${frames.at(-1)?.toFixed(1)} ms over ${frames.length} frames; ` +
    `last match ${result.matchMs} ms`;
  return result;
}

async function readyTime(page) {
  return page.evaluate(() => {
    const mark = performance.getEntriesByName('dm:ready')[0];
    return mark ? Math.round(mark.startTime) : NaN;
  });
}

async function checkEmpty(page) {
  await page.waitForFunction(() => document.body.dataset.pending === 'false');
  const empty = await page.evaluate(() => ({
    probability: document.querySelector('#probability').dataset.probability,
    text: document.querySelector('#probability').innerText,
    digitA: document.querySelector('#pad-a .digit').dataset.digit,
    digitB: document.querySelector('#pad-b .digit').dataset.digit,
  }));
  assert.equal(empty.probability, '', 'no number in the empty state');
  assert.match(empty.text, /Draw a digit in both boxes/);
  return empty;
}

/** The shared checks: same digit, different digits, clear. */
async function exerciseMatching(page, label) {
  const same = await drawPair(page, ONE, ONE);
  console.log(`[${label}] 1 vs 1: P(same) ${same.probability}, dense ${same.dense}; ${same.stats}`);
  assert.equal(same.digitA, '1', `${label}: first pad reads a vertical stroke as 1`);
  assert.equal(same.digitB, '1', `${label}: second pad reads a vertical stroke as 1`);
  assert.ok(Number(same.probability) > 0.8, `${label}: P(same) for 1 and 1 is ${same.probability}, expected > 0.8`);

  const different = await drawPair(page, ONE, ZERO);
  console.log(`[${label}] 1 vs 0: P(same) ${different.probability}, dense ${different.dense}; ${different.stats}`);
  assert.equal(different.digitB, '0', `${label}: an ellipse reads as 0`);
  assert.ok(Number(different.probability) < 0.2, `${label}: P(same) for 1 and 0 is ${different.probability}, expected < 0.2`);

  // Both matchers answer, and the trained one agrees on the ordering.
  for (const d of [same.dense, different.dense]) {
    assert.ok(d !== '' && Number(d) >= 0 && Number(d) <= 1, `${label}: dense probability ${d} in [0, 1]`);
  }
  assert.ok(Number(same.dense) > Number(different.dense), `${label}: dense matcher ranks 1/1 above 1/0`);
}

// --- tests --------------------------------------------------------------------------------

describe('digit-matcher page', { timeout: 600_000 }, () => {
  test('on WebGPU (desktop size)', { timeout: 400_000 }, async () => {
    const { context, page, log } = await openPage({ viewport: { width: 1280, height: 860 } });
    try {
      console.log(`[webgpu] first prediction possible ${await readyTime(page)} ms after navigation start`);
      const backend = await page.evaluate(() => document.body.dataset.backend);
      assert.equal(backend, 'webgpu', 'Chromium with --enable-unsafe-webgpu has a (SwiftShader) WebGPU adapter');
      const shown = await page.locator('.engine-status').innerText();
      assert.match(shown, /WebGPU/);
      console.log(`[webgpu] engine: ${shown.replace(/\s+/g, ' ')}`);

      await exerciseMatching(page, 'webgpu');
      await page.screenshot({ path: join(ARTIFACTS, 'page.png'), fullPage: true });

      // The summary is announced (politely, after the pen lifts), not every frame.
      await page.waitForFunction(() => /Same digit/.test(document.querySelector('#announce').textContent), null, {
        timeout: 10_000,
      });

      // Switching backend reruns the match on the new one.
      let n = await matches(page);
      await page.click('.segmented label:has(input[value="cpu"])');
      await page.waitForFunction(() => document.body.dataset.backend === 'cpu');
      const onCpu = await settle(page, n);
      console.log(`[webgpu→cpu] 1 vs 0 rerun on the CPU: P(same) ${onCpu.probability}, ${onCpu.matchMs} ms`);
      assert.ok(Number(onCpu.probability) < 0.2, 'same answer after switching to the CPU');
      n = await matches(page);
      await page.click('.segmented label:has(input[value="auto"])');
      await page.waitForFunction(() => document.body.dataset.backend === 'webgpu');
      await settle(page, n);

      // Keyboard: from the top, the first Tab stop is the first pad's Clear; Enter presses it.
      await page.locator('h1').click(); // sets the sequential focus starting point
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.clear), 'a');
      await page.keyboard.press('Enter');
      await checkEmpty(page);
      // The other controls follow in reading order: Clear both, the second Clear, the backend.
      const stops = [];
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Tab');
        stops.push(await page.evaluate(() => document.activeElement?.dataset.clear ?? document.activeElement?.value));
      }
      assert.deepEqual(stops, ['both', 'b', 'auto'], 'Tab order');
      await page.locator('[data-clear="both"]').focus();
      await page.keyboard.press('Space');
      const empty = await checkEmpty(page);
      assert.equal(empty.digitA, '', 'first pad empty after Clear both');
      assert.equal(empty.digitB, '', 'second pad empty after Clear both');

      assertCleanLog(log, 'webgpu');
    } finally {
      await context.close();
    }
  });

  test('without WebGPU: CPU fallback (phone size, DPR 2)', { timeout: 400_000 }, async () => {
    const { context, page, log } = await openPage(
      { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 },
      { withoutWebGPU: true },
    );
    try {
      console.log(`[cpu] first prediction possible ${await readyTime(page)} ms after navigation start`);
      assert.equal(await page.evaluate(() => 'gpu' in navigator), false, 'init script removed navigator.gpu');
      assert.equal(await page.evaluate(() => document.body.dataset.backend), 'cpu');
      const reason = await page.evaluate(() => document.body.dataset.fallbackReason);
      assert.ok(reason, 'the page knows why it fell back to the CPU');
      const shown = await page.locator('.engine-status').innerText();
      assert.match(shown, /CPU/);
      assert.ok(shown.includes(reason), `fallback reason shown: ${shown}`);
      console.log(`[cpu] engine: ${shown.replace(/\s+/g, ' ')}`);

      // The backing store follows devicePixelRatio.
      const sizes = await page.evaluate(() => {
        const c = document.querySelector('#pad-a canvas.pad');
        return { backing: c.width, css: c.getBoundingClientRect().width };
      });
      assert.equal(sizes.backing, Math.round(sizes.css * 2), `backing store ${sizes.backing} for ${sizes.css} CSS px at DPR 2`);

      await exerciseMatching(page, 'cpu');
      await page.screenshot({ path: join(ARTIFACTS, 'page-narrow.png'), fullPage: true });

      await page.click('[data-clear="both"]');
      await checkEmpty(page);
      assertCleanLog(log, 'cpu');

      // Asking for WebGPU where there is none: an error is shown and the CPU matcher stays.
      // (Console output from this deliberate failure is not held against the page.)
      await page.click('.segmented label:has(input[value="webgpu"])');
      await page.locator('#backend-error').waitFor({ state: 'visible' });
      console.log(`[cpu] forcing WebGPU: ${await page.locator('#backend-error').innerText()}`);
      await page.waitForFunction(() => document.querySelector('input[value="auto"]').checked);
      assert.equal(await page.evaluate(() => document.body.dataset.backend), 'cpu');
      const n = await matches(page);
      await draw(page, 'a', ONE);
      await draw(page, 'b', ONE);
      const still = await settle(page, n);
      assert.ok(Number(still.probability) > 0.8, 'the CPU matcher still works after the failed switch');
    } finally {
      await context.close();
    }
  });
});
