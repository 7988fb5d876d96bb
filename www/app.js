// Wiring: load the wasm package, create a DigitMatcher, run a match whenever a pad changes
// (at most once per animation frame, latest drawing wins), switch backends, announce results.
//
// Test hooks (tests/e2e): body[data-state] = loading | ready | error, body[data-backend],
// body[data-pending] = "true" while a drawing change awaits its match, body[data-matches]
// (count of completed matches), body[data-match-ms], #probability[data-probability] (raw
// number, "" when empty) and the performance mark "dm:ready" when the first prediction is
// possible.

import { DrawingPad } from './drawing.js';
import { PredictionView, ResultView, formatPercent } from './view.js';

const body = document.body;
const $ = (selector) => document.querySelector(selector);

const BACKENDS = ['auto', 'webgpu', 'cpu'];
const LABELS = { auto: 'Auto', webgpu: 'WebGPU', cpu: 'CPU' };

const state = {
  pkg: null, // the wasm-bindgen module
  matcher: null, // current DigitMatcher (null until ready)
  choice: 'auto', // the backend option the current matcher was created with
  wanted: 'auto', // the option last picked in the UI
  switching: false,
  dirty: true, // a pad changed since the last match started
  frame: 0, // pending requestAnimationFrame id
  inflight: null, // promise of the match in progress
  matches: 0,
  last: null, // last MatchResult, for the spoken summary
  matchFailed: false, // the last match threw (its message is shown until one succeeds)
};

// --- views and pads ---------------------------------------------------------------------

const resultView = new ResultView($('#result'));
const predictionA = new PredictionView($('#pad-a'), 'first digit');
const predictionB = new PredictionView($('#pad-b'), 'second digit');
function makePad(card) {
  const pad = new DrawingPad(card.querySelector('.pad'), {
    onChange() {
      card.classList.toggle('has-ink', !pad.isBlank); // hides the "Draw here" hint
      requestMatch();
    },
    onStrokeStart: cancelAnnouncement,
    onStrokeEnd: scheduleAnnouncement,
  });
  return pad;
}
const padA = makePad($('#pad-a'));
const padB = makePad($('#pad-b'));

// Show the bottom bar with the headline only while the result card is out of view.
new IntersectionObserver((entries) => {
  $('#mini-result').hidden = entries.at(-1).isIntersecting || body.dataset.state === 'error';
}).observe($('#result'));

for (const button of document.querySelectorAll('[data-clear]')) {
  button.addEventListener('click', () => {
    const which = button.dataset.clear;
    if (which !== 'b') padA.clear();
    if (which !== 'a') padB.clear();
    scheduleAnnouncement();
  });
}

for (const radio of document.querySelectorAll('input[name="backend"]')) {
  radio.addEventListener('change', () => {
    if (radio.checked) chooseBackend(radio.value);
  });
}

// --- the match loop ---------------------------------------------------------------------

/** A pad changed: compute on the next frame unless a computation is already scheduled or
 *  running (then the running one reschedules itself when it resolves: no queue). */
function requestMatch() {
  state.dirty = true;
  body.dataset.pending = 'true';
  if (!state.frame && !state.inflight) state.frame = requestAnimationFrame(runMatch);
}

async function runMatch() {
  state.frame = 0;
  if (!state.matcher || !state.dirty) return; // not ready yet: startup calls requestMatch()
  state.dirty = false;
  const a = padA.snapshot();
  const b = padB.snapshot();
  const t0 = performance.now();
  try {
    state.inflight = state.matcher.match(a, b);
    const result = await state.inflight;
    showTiming(performance.now() - t0);
    render(result);
    if (state.matchFailed) {
      state.matchFailed = false;
      $('#backend-error').hidden = true;
    }
    // The package falls back to the CPU by itself if the WebGPU device is lost.
    if (state.matcher.backend !== body.dataset.backend) showBackend(state.matcher, state.choice);
  } catch (err) {
    // The instance stays usable after a thrown Error: show it and carry on.
    console.error(err);
    resultView.showMessage('Could not compute the match');
    state.matchFailed = true;
    $('#backend-error').hidden = false;
    $('#backend-error').textContent = `Match failed: ${message(err)}`;
  } finally {
    state.inflight = null;
    if (state.dirty) {
      state.frame = requestAnimationFrame(runMatch);
    } else {
      body.dataset.pending = 'false';
      if (announceWhenIdle) announce();
    }
  }
}

function render(result) {
  state.last = result;
  state.matches++;
  body.dataset.matches = String(state.matches);
  resultView.render(result);
  predictionA.render(result.a);
  predictionB.render(result.b);
}

function showTiming(ms) {
  body.dataset.matchMs = ms.toFixed(1);
  $('#timing').textContent = `Last match ${formatMs(ms)} · warm-up ${formatMs(state.startupMs)}`;
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

// --- backends ---------------------------------------------------------------------------

/** Create a matcher and run one match on a synthetic "1", so that the first real drawing
 *  does not pay for the WebGPU shader compilation. */
async function createMatcher(backend) {
  const matcher = await state.pkg.DigitMatcher.create({ backend });
  try {
    const size = 28;
    const data = new Uint8ClampedArray(size * size * 4);
    for (let y = 6; y < 22; y++) for (let x = 13; x < 16; x++) data[(y * size + x) * 4 + 3] = 255;
    const image = { data, width: size, height: size };
    const t0 = performance.now();
    await matcher.match(image, image);
    state.startupMs = performance.now() - t0;
  } catch (err) {
    matcher.free();
    throw err;
  }
  return matcher;
}

function showBackend(matcher, choice) {
  body.dataset.backend = matcher.backend;
  $('#backend-name').textContent = matcher.backend === 'webgpu' ? 'Running on WebGPU' : 'Running on the CPU';
  let detail = '';
  if (matcher.backend === 'webgpu' && matcher.adapter) detail = `Adapter: ${matcher.adapter}`;
  else if (matcher.backend === 'cpu' && matcher.fallbackReason) detail = `WebGPU unavailable: ${matcher.fallbackReason}`;
  else if (matcher.backend === 'cpu' && choice === 'cpu') detail = 'Chosen by you';
  $('#backend-detail').textContent = detail;
  body.dataset.fallbackReason = matcher.fallbackReason ?? '';
}

function syncRadios(choice) {
  for (const radio of document.querySelectorAll('input[name="backend"]')) radio.checked = radio.value === choice;
}

/** Switch to another backend: a new DigitMatcher replaces the old one, which is freed once
 *  its last match has resolved. If creation fails, the current one stays. */
async function chooseBackend(choice) {
  state.wanted = choice;
  if (state.switching || !state.matcher) return; // the running switch picks up `wanted`
  state.switching = true;
  $('#backend-choice').setAttribute('aria-busy', 'true');
  while (state.wanted !== state.choice) {
    const target = state.wanted;
    $('#backend-name').textContent = `Starting ${LABELS[target]}…`;
    $('#backend-detail').textContent = '';
    $('#backend-error').hidden = true;
    try {
      const next = await createMatcher(target);
      const old = state.matcher;
      const oldInflight = state.inflight; // taken before the swap, so it is the old one's
      state.matcher = next;
      state.choice = target;
      showBackend(next, target);
      requestMatch();
      await oldInflight?.catch(() => {});
      old.free();
    } catch (err) {
      console.warn(`Could not start ${LABELS[target]}:`, err);
      $('#backend-error').hidden = false;
      const current = state.matcher.backend === 'webgpu' ? 'WebGPU' : 'the CPU';
      $('#backend-error').textContent = `Could not start ${LABELS[target]}: ${message(err)}. Still running on ${current}.`;
      if (state.wanted === target) state.wanted = state.choice;
      showBackend(state.matcher, state.choice);
    }
  }
  syncRadios(state.choice);
  $('#backend-choice').removeAttribute('aria-busy');
  state.switching = false;
}

// --- screen reader announcements ---------------------------------------------------------

// Announced about a second after the pen lifts (or a clear), never on every frame.
let announceTimer = 0;
let announceWhenIdle = false;

function cancelAnnouncement() {
  clearTimeout(announceTimer);
  announceWhenIdle = false;
}

function scheduleAnnouncement() {
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    if (body.dataset.pending === 'true' || !state.last) announceWhenIdle = true;
    else announce();
  }, 1000);
}

function announce() {
  announceWhenIdle = false;
  const r = state.last;
  if (!r) return;
  let text;
  if (r.probability === null) {
    text = 'Draw a digit in both boxes.';
  } else {
    text =
      `Same digit: ${formatPercent(r.probability)}. ` +
      `First digit looks like ${r.a.digit}, second like ${r.b.digit}. ` +
      `Dense network: ${r.denseProbability === null ? 'no answer' : formatPercent(r.denseProbability)}.`;
  }
  $('#announce').textContent = text;
}

// --- startup ----------------------------------------------------------------------------

function message(err) {
  return err instanceof Error ? err.message : String(err);
}

function fail(text, err) {
  console.error(err);
  body.dataset.state = 'error';
  $('#error').hidden = false;
  $('#error-message').textContent = text;
  resultView.showMessage('Unavailable');
  $('#mini-result').hidden = true;
  $('#backend-name').textContent = 'Not running';
}

async function start() {
  const requested = new URLSearchParams(location.search).get('backend');
  const initial = BACKENDS.includes(requested) ? requested : 'auto';
  syncRadios(initial);
  resultView.showMessage('Loading the model…');

  try {
    // Dynamic import inside try: a missing or broken package must not kill this module.
    state.pkg = await import('./pkg/digit_matcher.js');
    await state.pkg.default();
  } catch (err) {
    fail(`The WebAssembly package did not load (${message(err)}). Try reloading the page, or a current browser.`, err);
    return;
  }

  resultView.showMessage(initial === 'cpu' ? 'Warming up…' : 'Warming up (compiling shaders)…');
  let matcher;
  let choice = initial;
  try {
    matcher = await createMatcher(initial);
  } catch (err) {
    if (initial === 'auto') {
      fail(`The network could not start: ${message(err)}`, err);
      return;
    }
    // An explicitly requested backend (?backend=webgpu) failed: say so and take Auto.
    $('#backend-error').hidden = false;
    $('#backend-error').textContent = `Could not start ${LABELS[initial]}: ${message(err)}. Using Auto.`;
    choice = 'auto';
    try {
      matcher = await createMatcher(choice);
    } catch (err2) {
      fail(`The network could not start: ${message(err2)}`, err2);
      return;
    }
  }

  state.matcher = matcher;
  state.choice = choice;
  state.wanted = choice;
  syncRadios(choice);
  showBackend(matcher, choice);
  $('#timing').textContent = `Warm-up ${formatMs(state.startupMs)}`;
  $('#backend-choice').disabled = false; // the backend switch is usable from now on
  body.dataset.state = 'ready';
  performance.mark('dm:ready');
  requestMatch(); // also covers anything drawn while loading
}

start();
