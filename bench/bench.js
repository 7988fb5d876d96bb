// Benchmark page of the wasm package, for one backend per page load (scripts/bench.mjs opens it
// once per backend, each in a fresh browser, so that `create` and the first `match` are cold).
//
// Query: backend = webgpu | cpu, warm = warm match calls (500), leak = calls of the leak check
// (10000), sample = memory sample interval in calls (1000; a sample is also taken at 1000 and at
// the end).
//
// Result: window.__bench = { ok: true, ... } or { ok: false, error }; progress lines go to the
// console prefixed "[bench]".  Memory readings need Chromium flags --enable-precise-memory-info
// (unrounded performance.memory) and --js-flags=--expose-gc (gc() before every reading); the
// runner may expose window.__processMemory() (RSS of the GPU and renderer processes).

const params = new URLSearchParams(location.search);
const BACKEND = params.get('backend') ?? 'webgpu';
const WARM = count('warm', 500);
const LEAK = count('leak', 10_000);
const SAMPLE_EVERY = count('sample', 1_000);
const SIDE = 280; // a 280×280 canvas, as a desktop pad at DPR 1 or a phone pad
const INK = '#1b1f2a'; // the page's ink, on a transparent canvas (www/drawing.js)

function count(name, fallback) {
  const v = Number(params.get(name) ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`?${name} must be a non-negative integer`);
  return v;
}

function log(line) {
  console.log(`[bench] ${BACKEND}: ${line}`);
  document.querySelector('#log').textContent += `${line}\n`;
}

/** A digit drawn like the page's pads do it: round strokes, width side/14, dark ink on a transparent canvas. */
function draw(strokes, label) {
  const canvas = document.createElement('canvas');
  canvas.width = SIDE;
  canvas.height = SIDE;
  canvas.title = label;
  document.querySelector('#inputs').append(canvas);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = INK;
  ctx.lineWidth = SIDE / 14;
  for (const stroke of strokes) {
    ctx.beginPath();
    ctx.moveTo(stroke[0][0] * SIDE, stroke[0][1] * SIDE);
    for (const [u, v] of stroke.slice(1)) ctx.lineTo(u * SIDE, v * SIDE);
    ctx.stroke();
  }
  return ctx.getImageData(0, 0, SIDE, SIDE);
}

// Unit coordinates.  A slanted "1" with a small flag, and a "7".
const ONE = [[[0.41, 0.28], [0.54, 0.17], [0.47, 0.84]]];
const SEVEN = [[[0.27, 0.22], [0.72, 0.21], [0.61, 0.45], [0.43, 0.84]]];

/** Milliseconds summary of a list of durations. */
function stats(times) {
  const s = Float64Array.from(times).sort();
  const rank = (q) => s[Math.max(0, Math.ceil(q * s.length) - 1)]; // nearest rank
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const round = (x) => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    median: round(rank(0.5)),
    p95: round(rank(0.95)),
    min: round(s[0]),
    max: round(s[s.length - 1]),
    mean: round(mean),
  };
}

/** Yield to the event loop (a task, without setTimeout's 4 ms clamp), as a page does between frames. */
const channel = new MessageChannel();
function nextTask() {
  return new Promise((resolve) => {
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

async function main() {
  const result = { ok: false, backend: BACKEND, warmCalls: WARM, leakCalls: LEAK, userAgent: navigator.userAgent };
  window.__benchPartial = result;
  const precise = typeof gc === 'function' && performance.memory !== undefined;
  if (!precise) log('warning: no gc() or performance.memory (flags --js-flags=--expose-gc --enable-precise-memory-info)');

  let t = performance.now();
  const pkg = await import('./pkg/digit_matcher.js');
  const wasm = await pkg.default(); // the wasm exports, with the module's WebAssembly.Memory
  result.initMs = round(performance.now() - t);
  if (!(wasm?.memory instanceof WebAssembly.Memory)) throw new Error('init() did not return the wasm exports');

  async function memory(calls) {
    if (typeof gc === 'function') {
      gc();
      gc();
    }
    const sample = {
      calls,
      wasmBytes: wasm.memory.buffer.byteLength,
      jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
    };
    if (typeof window.__processMemory === 'function') {
      Object.assign(sample, await window.__processMemory()); // gpuProcessRssBytes, rendererRssBytes
    }
    return sample;
  }
  if (typeof window.__processMemoryCalibrate === 'function') {
    // Tell the runner which renderer process is this page's: the one that grows by 64 MB now.
    await window.__processMemoryCalibrate('before');
    let marker = new Uint8Array(64 << 20).fill(1);
    result.rendererIdentified = await window.__processMemoryCalibrate('after');
    marker = null;
  }
  result.memoryAfterInit = await memory(null);

  const a = draw(ONE, 'a drawn 1');
  const b = draw(SEVEN, 'a drawn 7');

  t = performance.now();
  const matcher = await pkg.DigitMatcher.create({ backend: BACKEND });
  result.createMs = round(performance.now() - t);
  result.actualBackend = matcher.backend;
  result.adapter = matcher.adapter ?? null;
  result.fallbackReason = matcher.fallbackReason ?? null;
  if (matcher.backend !== BACKEND) throw new Error(`asked for ${BACKEND}, got ${matcher.backend} (${matcher.fallbackReason})`);
  result.memoryAfterCreate = await memory(null);
  log(`create ${result.createMs} ms${result.adapter ? ` (adapter: ${result.adapter})` : ''}`);

  t = performance.now();
  const first = await matcher.match(a, b);
  result.firstMatchMs = round(performance.now() - t);
  result.answer = {
    digitA: first.a.digit,
    digitB: first.b.digit,
    confidenceA: round(first.a.confidence),
    confidenceB: round(first.b.confidence),
    probability: round(first.probability),
    denseProbability: round(first.denseProbability),
  };
  log(`first match ${result.firstMatchMs} ms: ${JSON.stringify(result.answer)}`);

  // Warm: sequential awaited calls, one task apart (as one match per animation frame).
  const warm = [];
  for (let i = 0; i < WARM; i++) {
    await nextTask();
    t = performance.now();
    await matcher.match(a, b);
    warm.push(performance.now() - t);
  }
  if (WARM > 0) {
    result.warm = stats(warm);
    log(`warm match over ${WARM} calls: median ${result.warm.median} ms, p95 ${result.warm.p95} ms`);
  }

  // What the page pays per frame besides match: the canvas read-back, and preprocessing alone
  // (match includes it, for both images).
  const ctx = document.querySelector('#inputs canvas').getContext('2d', { willReadFrequently: true });
  const readBack = [];
  const prep = [];
  for (let i = 0; i < 100; i++) {
    t = performance.now();
    ctx.getImageData(0, 0, SIDE, SIDE);
    readBack.push(performance.now() - t);
    t = performance.now();
    pkg.preprocess(a);
    prep.push(performance.now() - t);
  }
  result.getImageData = stats(readBack);
  result.preprocess = stats(prep);

  // Leak check: LEAK calls in a row; memory after gc() at the start, every SAMPLE_EVERY calls,
  // at 1000 and at the end.
  const points = new Set([1000, LEAK].filter((n) => n > 0 && n <= LEAK));
  if (SAMPLE_EVERY > 0) for (let n = SAMPLE_EVERY; n <= LEAK; n += SAMPLE_EVERY) points.add(n);
  const samples = [await memory(0)];
  const times = new Float64Array(LEAK);
  const loopStart = performance.now();
  let last = null;
  for (let i = 1; i <= LEAK; i++) {
    await nextTask();
    t = performance.now();
    last = await matcher.match(a, b);
    times[i - 1] = performance.now() - t;
    if (points.has(i)) {
      const s = await memory(i);
      samples.push(s);
      log(
        `leak check ${i}/${LEAK} (${Math.round((performance.now() - loopStart) / 1000)} s): wasm ${mb(s.wasmBytes)} MB, JS heap ${mb(s.jsHeapBytes)} MB` +
          (s.gpuProcessRssBytes != null ? `, GPU process RSS ${mb(s.gpuProcessRssBytes)} MB` : '') +
          (s.rendererRssBytes != null ? `, renderer RSS ${mb(s.rendererRssBytes)} MB` : ''),
      );
    }
  }
  if (LEAK > 0) {
    if (last.a.digit !== first.a.digit || last.b.digit !== first.b.digit) {
      throw new Error(`the answer changed over the leak check: ${JSON.stringify(last)} vs first ${JSON.stringify(first)}`);
    }
    result.leak = {
      calls: LEAK,
      seconds: round((performance.now() - loopStart) / 1000),
      match: stats(times),
      samples,
    };
  }
  matcher.free();
  result.memoryAfterFree = await memory(null);
  result.ok = true;
  return result;
}

function round(x) {
  return typeof x === 'number' ? Math.round(x * 1000) / 1000 : x;
}

function mb(bytes) {
  return bytes == null ? '?' : (bytes / 1e6).toFixed(2);
}

main().then(
  (result) => {
    window.__bench = result;
  },
  (err) => {
    console.error(err);
    log(`error: ${err?.message ?? err}`);
    window.__bench = { ...window.__benchPartial, ok: false, error: String(err?.message ?? err), stack: err?.stack };
  },
);
