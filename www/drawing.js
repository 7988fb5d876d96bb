// A drawing pad on a <canvas>: pointer input (mouse, touch, pen), smoothed round strokes,
// a high-DPI backing store, and pixel read-back for the model.
//
// Convention: dark ink is painted on a *transparent* canvas; the light "paper" is the CSS
// background behind it. The model therefore reads ink from the alpha channel and the ink
// colour does not matter (see the wasm package's `preprocess`).

const INK = '#1b1f2a';
const MAX_DPR = 2; // more pixels would only slow getImageData down, the model sees 28×28
const MAX_SIDE = 1024; // backing-store cap in device pixels, whatever the DPR
const WIDTH_RATIO = 1 / 14; // stroke width relative to the canvas side: MNIST-like digits

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onChange?: () => void, onStrokeStart?: () => void, onStrokeEnd?: () => void }} [callbacks]
   */
  constructor(canvas, callbacks = {}) {
    this.canvas = canvas;
    this.callbacks = callbacks;
    // willReadFrequently keeps the bitmap on the CPU, which makes the per-frame getImageData cheap.
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.blank = true;
    this.version = 0; // bumped on every change, so snapshots can be reused while unchanged
    this.snapshotCache = null;
    this.snapshotVersion = -1;
    this.stroke = null; // { pointerId, rect, last: {x,y}, lastMid: {x,y} } while drawing

    this.resize();
    // Keep the backing store matched to the displayed size (rotation, window resize, zoom).
    new ResizeObserver(() => this.resize()).observe(canvas);
    window.addEventListener('resize', () => this.resize());

    canvas.addEventListener('pointerdown', (e) => this.onDown(e));
    canvas.addEventListener('pointermove', (e) => this.onMove(e));
    canvas.addEventListener('pointerup', (e) => this.onUp(e));
    canvas.addEventListener('pointercancel', (e) => this.onUp(e));
    canvas.addEventListener('lostpointercapture', (e) => this.onUp(e));
  }

  /** Whether nothing has been drawn since the last clear. */
  get isBlank() {
    return this.blank;
  }

  /** Erase the pad. */
  clear() {
    this.stroke = null;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.blank = true;
    this.changed();
  }

  /**
   * The pixels for the model: an RGBA ImageData of the whole backing store.
   * Reused as long as the pad has not changed (the model package copies it, never keeps it).
   */
  snapshot() {
    if (this.snapshotVersion !== this.version || !this.snapshotCache) {
      this.snapshotCache = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
      this.snapshotVersion = this.version;
    }
    return this.snapshotCache;
  }

  // --- internals -------------------------------------------------------------------------

  changed() {
    this.version++;
    this.callbacks.onChange?.();
  }

  /** Size the backing store to CSS size × DPR, keeping what is drawn (rescaled). */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0) return; // not laid out (hidden); try again on the next resize
    const dpr = Math.min(window.devicePixelRatio || 1, MAX_DPR);
    const side = Math.max(28, Math.min(MAX_SIDE, Math.round(rect.width * dpr)));
    const { canvas } = this;
    if (canvas.width === side && canvas.height === side) return;

    let old = null;
    if (!this.blank) {
      old = document.createElement('canvas');
      old.width = canvas.width;
      old.height = canvas.height;
      old.getContext('2d').drawImage(canvas, 0, 0);
    }
    canvas.width = side; // resets the context state and clears the bitmap
    canvas.height = side;
    const ctx = this.ctx;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = INK;
    ctx.fillStyle = INK;
    ctx.lineWidth = side * WIDTH_RATIO;
    if (old) {
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(old, 0, 0, side, side);
      this.changed();
    }
    this.stroke = null; // coordinates of a stroke in progress are no longer valid
  }

  /** Pointer position in backing-store pixels. */
  point(e, rect) {
    return {
      x: ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((e.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  onDown(e) {
    if (this.stroke) return; // one pointer at a time (a second finger does not draw)
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault(); // no text selection, no emulated mouse events
    this.canvas.setPointerCapture(e.pointerId);
    const rect = this.canvas.getBoundingClientRect();
    const p = this.point(e, rect);
    this.stroke = { pointerId: e.pointerId, rect, last: p, lastMid: p };
    // A dot, so that a tap leaves a mark like a pen would.
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.arc(p.x, p.y, ctx.lineWidth / 2, 0, Math.PI * 2);
    ctx.fill();
    this.blank = false;
    this.callbacks.onStrokeStart?.();
    this.changed();
  }

  onMove(e) {
    const s = this.stroke;
    if (!s || e.pointerId !== s.pointerId) return;
    // Coalesced events carry the samples the browser merged into this one event (up to
    // the device's rate, often 120-240 Hz for pens), which keeps fast curves round.
    const events = e.getCoalescedEvents?.() ?? [];
    const samples = events.length ? events : [e];
    const ctx = this.ctx;
    let moved = false;
    ctx.beginPath();
    ctx.moveTo(s.lastMid.x, s.lastMid.y);
    for (const ev of samples) {
      const p = this.point(ev, s.rect);
      if (Math.hypot(p.x - s.last.x, p.y - s.last.y) < 0.5) continue; // jitter: nothing to draw
      moved = true;
      // Quadratic smoothing: a curve from the previous midpoint to the new midpoint,
      // with the previous sample as control point, so joints between samples are round.
      const mid = { x: (s.last.x + p.x) / 2, y: (s.last.y + p.y) / 2 };
      ctx.quadraticCurveTo(s.last.x, s.last.y, mid.x, mid.y);
      s.last = p;
      s.lastMid = mid;
    }
    if (!moved) return;
    ctx.stroke();
    this.changed();
  }

  onUp(e) {
    const s = this.stroke;
    if (!s || e.pointerId !== s.pointerId) return;
    // Finish the stroke: the last half segment from the midpoint to the final sample.
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.moveTo(s.lastMid.x, s.lastMid.y);
    ctx.lineTo(s.last.x, s.last.y);
    ctx.stroke();
    this.stroke = null;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.changed();
    this.callbacks.onStrokeEnd?.();
  }
}
