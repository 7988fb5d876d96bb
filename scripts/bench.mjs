// Runs the benchmark page (bench/) in headless Chromium, once per backend, and prints a table
// and the JSON of all measurements.  scripts/bench.sh builds pkg/ and the served folder first;
// by hand:
//   node scripts/bench.mjs DIR        DIR = bench/index.html + bench/bench.js + pkg/ (js, wasm)
// Environment: WARM_CALLS (500), LEAK_CALLS (10000; LEAK_CALLS_WEBGPU / LEAK_CALLS_CPU override it
// for one backend: SwiftShader's WebGPU takes about 80 ms a call here), SAMPLE_EVERY (1000),
// BACKENDS ("webgpu,cpu"), CHROMIUM_PATH (/usr/bin/chromium), BENCH_TIMEOUT_S (per backend, 21600),
// BENCH_JSON (also write the JSON to this file).  Exit status 1 when a backend failed.
// playwright-core comes from tests/e2e/node_modules (scripts/setup.sh installs it); it drives
// Debian's Chromium and never downloads a browser.

import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  console.error('playwright-core is missing from tests/e2e/node_modules: run scripts/setup.sh first');
  process.exit(2);
}

const DIR = resolve(process.argv[2] ?? process.env.BENCH_DIR ?? '');
if (!process.argv[2] && !process.env.BENCH_DIR) {
  console.error('usage: node scripts/bench.mjs DIR   (DIR holds index.html, bench.js and pkg/; scripts/bench.sh builds it)');
  process.exit(2);
}
const env = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return Number(v);
};
const WARM = env('WARM_CALLS', 500);
const LEAK = env('LEAK_CALLS', 10_000);
const SAMPLE_EVERY = env('SAMPLE_EVERY', 1_000);
const TIMEOUT_MS = env('BENCH_TIMEOUT_S', 21600) * 1000;
const leakCalls = (backend) => env(`LEAK_CALLS_${backend.toUpperCase()}`, LEAK);
const BACKENDS = (process.env.BACKENDS ?? 'webgpu,cpu').split(',').filter(Boolean);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// --- static server ------------------------------------------------------------------------

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
};

function serve(root) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
      if (file !== root && !file.startsWith(root + sep)) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch (err) {
      res.writeHead(err.code === 'ENOENT' || err.code === 'EISDIR' ? 404 : 500).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// --- process memory (Linux /proc; null elsewhere) -----------------------------------------

function rss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** RSS of the GPU process (where SwiftShader keeps WebGPU buffers) and of the page's renderer. */
function processMemoryProbe(cdp) {
  let renderer = null; // pid of the page's renderer, once calibrated
  let before = null;
  const list = async (type) => {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    return processInfo.filter((p) => p.type === type).map((p) => ({ pid: p.id, rss: rss(p.id) })).filter((p) => p.rss != null);
  };
  return {
    /** The page touches a 64 MB buffer between 'before' and 'after': its renderer is the one that grew. */
    async calibrate(phase) {
      try {
        const now = await list('renderer');
        if (phase === 'before') before = new Map(now.map((p) => [p.pid, p.rss]));
        else if (before) {
          const grown = now.map((p) => ({ pid: p.pid, delta: p.rss - (before.get(p.pid) ?? p.rss) }));
          grown.sort((x, y) => y.delta - x.delta);
          if (grown[0]?.delta > 32e6) renderer = grown[0].pid;
        }
      } catch {
        /* no /proc or no SystemInfo: leave it null */
      }
      return renderer != null;
    },
    async read() {
      try {
        const gpu = await list('GPU');
        const renderers = await list('renderer');
        // Uncalibrated: the largest renderer (the page's, once the model is loaded).
        const mine = renderer != null ? renderers.find((p) => p.pid === renderer) : renderers.sort((x, y) => y.rss - x.rss)[0];
        return { gpuProcessRssBytes: gpu[0]?.rss ?? null, rendererRssBytes: mine?.rss ?? null };
      } catch {
        return { gpuProcessRssBytes: null, rendererRssBytes: null };
      }
    },
  };
}

// --- one backend ------------------------------------------------------------------------

async function runBackend(origin, backend) {
  // A fresh browser per backend: cold `create`, cold shader cache, clean process memory.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As tests/e2e: never --disable-gpu or --disable-software-rasterizer (they remove the
    // WebGPU adapter).  Plus unrounded performance.memory and gc() for the memory readings.
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--enable-precise-memory-info',
      '--js-flags=--expose-gc',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      // A page in the background must not be throttled while the benchmark runs.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
    ],
  });
  const errors = [];
  try {
    const cdp = await browser.newBrowserCDPSession();
    const page = await browser.newPage();
    const probe = processMemoryProbe(cdp);
    await page.exposeFunction('__processMemory', () => probe.read());
    await page.exposeFunction('__processMemoryCalibrate', (phase) => probe.calibrate(phase));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
      else if (msg.text().startsWith('[bench]')) console.error(msg.text());
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    const url = `${origin}/index.html?backend=${backend}&warm=${WARM}&leak=${leakCalls(backend)}&sample=${SAMPLE_EVERY}`;
    console.error(`[bench] ${backend}: ${url}`);
    await page.goto(url);
    await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: TIMEOUT_MS, polling: 1000 });
    const result = await page.evaluate(() => window.__bench);
    if (errors.length) result.consoleErrors = errors;
    return result;
  } catch (err) {
    return { ok: false, backend, error: String(err?.message ?? err), consoleErrors: errors };
  } finally {
    await browser.close();
  }
}

// --- sizes and report ---------------------------------------------------------------------

async function wasmSizes(dir) {
  const out = {};
  for (const name of (await readdir(join(dir, 'pkg'))).filter((f) => f.endsWith('.wasm'))) {
    const file = join(dir, 'pkg', name);
    let gzip;
    try {
      gzip = execFileSync('gzip', ['-9', '-c', file], { maxBuffer: 1 << 30 }).length; // as scripts/lib.sh `sizes`
    } catch {
      gzip = gzipSync(readFileSync(file), { level: 9 }).length;
    }
    out[name] = { rawBytes: statSync(file).size, gzip9Bytes: gzip };
  }
  return out;
}

const MB = (b) => (b == null ? '–' : `${(b / 1e6).toFixed(2)} MB`);
const ms = (x) => (x == null ? '–' : `${x.toFixed(x < 10 ? 2 : 1)} ms`);
const signed = (b) => (b == null ? '–' : `${b >= 0 ? '+' : '−'}${(Math.abs(b) / 1e6).toFixed(3)} MB`);

/** Start, at 1000, end, growth, growth after 1000, and whether it is flat, levelling off or growing. */
function trend(samples, key) {
  const pts = samples.filter((s) => s[key] != null);
  if (pts.length < 2) return null;
  const start = pts[0];
  const end = pts.at(-1);
  const at1000 = pts.find((s) => s.calls === 1000) ?? null;
  const after = pts.filter((s) => s.calls >= (at1000 ? 1000 : 0));
  // Split the samples after 1000 calls in halves: a leak grows in both, a high-water mark only early.
  const mid = Math.floor((after.length - 1) / 2);
  const firstHalf = after.length > 2 ? after[mid][key] - after[0][key] : null;
  const secondHalf = after.length > 2 ? after.at(-1)[key] - after[mid][key] : null;
  const steady = at1000 ? end[key] - at1000[key] : null;
  return {
    start: start[key],
    at1000: at1000?.[key] ?? null,
    end: end[key],
    growth: end[key] - start[key],
    growthAfter1000: steady,
    growthPer1000CallsAfter1000:
      at1000 && end.calls > 1000 ? Math.round(((end[key] - at1000[key]) * 1000) / (end.calls - 1000)) : null,
    firstHalf,
    secondHalf,
  };
}

/** Flat: within `noise` bytes after 1000 calls; else growing (second half of the window grows too) or levelling off. */
function verdict(t, noise) {
  if (!t) return 'not measured';
  if (t.growthAfter1000 == null) return Math.abs(t.growth) <= noise ? 'flat' : `changed ${signed(t.growth)}`;
  if (Math.abs(t.growthAfter1000) <= noise) return 'flat';
  // A leak grows about as much in the second half as in the first; a high-water mark does not.
  if (t.secondHalf != null && t.secondHalf > noise / 4 && t.secondHalf > 0.5 * Math.max(0, t.firstHalf)) {
    return `GROWING ${signed(t.growthPer1000CallsAfter1000)} / 1000 calls (leak?)`;
  }
  return 'levels off';
}

function report(results, sizes) {
  const cols = results.map((r) => r.backend);
  const rows = [];
  const row = (label, f) => rows.push([label, ...results.map((r) => f(r) || '–')]);
  row('status', (r) => (r.ok ? 'ok' : `FAILED: ${r.error}`));
  row('adapter', (r) => r.adapter ?? (r.actualBackend === 'cpu' ? 'burn flex (wasm)' : null));
  row('init (fetch + compile wasm)', (r) => ms(r.initMs));
  row('create', (r) => ms(r.createMs));
  row('first match (incl. shaders)', (r) => ms(r.firstMatchMs));
  row(`warm match median (${WARM})`, (r) => ms(r.warm?.median));
  row(`warm match p95 (${WARM})`, (r) => ms(r.warm?.p95));
  row('getImageData 280² median', (r) => ms(r.getImageData?.median));
  row('preprocess 280² median', (r) => ms(r.preprocess?.median));
  row('leak check: match calls', (r) => (r.leak ? `${r.leak.calls} in ${r.leak.seconds.toFixed(0)} s, median ${ms(r.leak.match.median)}, p95 ${ms(r.leak.match.p95)}` : null));
  const mem = [
    ['wasm memory', 'wasmBytes', 0],
    ['JS heap (used, after gc)', 'jsHeapBytes', 256 * 1024],
    ['GPU process RSS', 'gpuProcessRssBytes', 8 * 1024 * 1024],
    ['renderer RSS', 'rendererRssBytes', 8 * 1024 * 1024],
  ];
  for (const [label, key, noise] of mem) {
    const t = (r) => r.leakTrend?.[key];
    row(`${label}: start → 1000 → end`, (r) => t(r) && `${MB(t(r).start)} → ${MB(t(r).at1000)} → ${MB(t(r).end)}`);
    row(`${label}: growth (after 1000)`, (r) => t(r) && `${signed(t(r).growth)} (${signed(t(r).growthAfter1000)})`);
    row(`${label}: verdict`, (r) => (r.leakTrend ? verdict(t(r), noise) : null));
  }
  row('answer on 1 vs 7', (r) => r.answer && `${r.answer.digitA} vs ${r.answer.digitB}, P(same) ${r.answer.probability}, dense ${r.answer.denseProbability}`);

  const widths = [0, ...cols.map(() => 0)];
  const all = [['', ...cols], ...rows];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i], String(c).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(all[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  for (const [name, s] of Object.entries(sizes)) {
    const profile = process.env.BENCH_PROFILE ? ` (${process.env.BENCH_PROFILE})` : '';
    out.push('', `pkg/${name}${profile}: ${MB(s.rawBytes)} raw, ${MB(s.gzip9Bytes)} gzip -9`);
  }
  for (const r of results) {
    if (!r.leakTrend) continue;
    out.push('', `${r.backend}: memory samples (calls: wasm MB / JS heap MB / GPU process MB / renderer MB)`);
    for (const s of r.leak.samples) {
      out.push(`  ${String(s.calls).padStart(6)}: ${[s.wasmBytes, s.jsHeapBytes, s.gpuProcessRssBytes, s.rendererRssBytes].map((b) => (b == null ? '–' : (b / 1e6).toFixed(3))).join(' / ')}`);
    }
  }
  return out.join('\n');
}

// --- main -----------------------------------------------------------------------------------

const server = await serve(DIR);
const origin = `http://127.0.0.1:${server.address().port}`;
const sizes = await wasmSizes(DIR);
const results = [];
try {
  for (const backend of BACKENDS) {
    const r = await runBackend(origin, backend);
    if (r.leak) {
      r.leakTrend = Object.fromEntries(
        ['wasmBytes', 'jsHeapBytes', 'gpuProcessRssBytes', 'rendererRssBytes'].map((k) => [k, trend(r.leak.samples, k)]),
      );
    }
    if (!r.ok) console.error(`[bench] ${backend}: FAILED: ${r.error}`);
    results.push(r);
  }
} finally {
  server.close();
}

const json = {
  date: new Date().toISOString(),
  chromium: CHROMIUM,
  profile: process.env.BENCH_PROFILE ?? null,
  warmCalls: WARM,
  leakCalls: Object.fromEntries(BACKENDS.map((b) => [b, leakCalls(b)])),
  sampleEvery: SAMPLE_EVERY,
  wasm: sizes,
  results,
};
console.log(`\n${report(results, sizes)}\n`);
console.log(JSON.stringify(json, null, 2));
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(json, null, 2)}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
