// Rendering of results into the DOM: the headline probability, both matchers, and for each
// pad the predicted digit, ten probability bars and a 28×28 preview of the model's input.
// Only DOM updates here: no model calls, no timing logic.

/** "93%", with "<1%" and ">99%" at the ends so a near-certain answer never reads as 0 or 100. */
export function formatPercent(p) {
  const pct = p * 100;
  if (pct > 0 && pct < 1) return '<1%';
  if (pct > 99 && pct < 100) return '>99%';
  return `${Math.round(pct)}%`;
}

/** The result panel: headline (formula matcher) and the dense matcher beside it. */
export class ResultView {
  constructor(root) {
    this.headline = root.querySelector('#probability');
    this.headlineValue = root.querySelector('#probability-value');
    this.headlineNote = root.querySelector('#probability-note');
    this.dense = root.querySelector('#dense-probability');
    this.mini = document.querySelector('#mini-result');
    this.miniValue = document.querySelector('#mini-value');
    this.miniDense = document.querySelector('#mini-dense');
    this.root = root;
  }

  /** Text shown instead of a number (loading, empty, unavailable). */
  showMessage(text) {
    this.headline.dataset.probability = '';
    this.dense.dataset.probability = '';
    this.root.classList.add('is-empty');
    this.headlineValue.textContent = text;
    this.headlineNote.textContent = '';
    this.dense.textContent = '–';
    this.mini.classList.add('is-message');
    this.miniValue.textContent = text;
    this.miniDense.textContent = '';
  }

  /** @param {{probability: number|null, denseProbability: number|null}} result */
  render(result) {
    if (result.probability === null) {
      this.showMessage('Draw a digit in both boxes');
      return;
    }
    this.root.classList.remove('is-empty');
    this.headline.dataset.probability = String(result.probability);
    this.headlineValue.textContent = formatPercent(result.probability);
    this.headlineNote.textContent = verdict(result.probability);
    if (result.denseProbability === null) {
      this.dense.dataset.probability = '';
      this.dense.textContent = '–';
    } else {
      this.dense.dataset.probability = String(result.denseProbability);
      this.dense.textContent = formatPercent(result.denseProbability);
    }
    this.mini.classList.remove('is-message');
    this.miniValue.textContent = formatPercent(result.probability);
    this.miniDense.textContent = `dense ${this.dense.textContent}`;
  }
}

function verdict(p) {
  if (p >= 0.8) return 'same digit';
  if (p >= 0.5) return 'probably the same';
  if (p >= 0.2) return 'unsure';
  return 'different digits';
}

/** Per-pad output: digit, confidence, bars, preview. */
export class PredictionView {
  /** @param {HTMLElement} root the pad's card; @param {string} name e.g. "first digit" */
  constructor(root, name) {
    this.name = name;
    this.root = root;
    this.digit = root.querySelector('.digit');
    this.confidence = root.querySelector('.confidence');
    this.chart = root.querySelector('.bars');
    this.preview = root.querySelector('.preview');
    this.previewCtx = this.preview.getContext('2d');
    this.previewImage = this.previewCtx.createImageData(28, 28);

    // Ten bars, labelled 0–9. Heights are set through element.style (allowed by the CSP,
    // unlike style attributes in the HTML).
    this.bars = [];
    for (let d = 0; d < 10; d++) {
      const col = document.createElement('div');
      col.className = 'bar';
      const track = document.createElement('div');
      track.className = 'bar-track';
      const fill = document.createElement('div');
      fill.className = 'bar-fill';
      track.append(fill);
      const label = document.createElement('span');
      label.className = 'bar-label';
      label.textContent = String(d);
      col.append(track, label);
      this.chart.append(col);
      this.bars.push({ col, fill });
    }
    this.renderEmpty();
  }

  renderEmpty() {
    this.root.classList.add('is-empty');
    this.digit.textContent = '?';
    this.digit.dataset.digit = '';
    this.confidence.textContent = 'Nothing drawn yet';
    for (const { col, fill } of this.bars) {
      fill.style.transform = 'scaleY(0)';
      col.classList.remove('is-top');
    }
    this.chart.setAttribute('aria-label', `Probabilities for the ${this.name}: nothing drawn yet`);
    this.previewImage.data.fill(0);
    for (let i = 3; i < this.previewImage.data.length; i += 4) this.previewImage.data[i] = 255;
    this.previewCtx.putImageData(this.previewImage, 0, 0);
  }

  /** @param {import('./pkg/digit_matcher.js').Classification} c */
  render(c) {
    if (c.empty) {
      this.renderEmpty();
      return;
    }
    this.root.classList.remove('is-empty');
    this.digit.textContent = String(c.digit);
    this.digit.dataset.digit = String(c.digit);
    this.confidence.textContent = `${formatPercent(c.confidence)} sure`;
    const p = c.probabilities;
    for (let d = 0; d < 10; d++) {
      // transform instead of height: no layout work per frame
      this.bars[d].fill.style.transform = `scaleY(${Math.max(0, Math.min(1, p[d]))})`;
      this.bars[d].col.classList.toggle('is-top', d === c.digit);
    }
    const top = [...p]
      .map((v, d) => [d, v])
      .sort((x, y) => y[1] - x[1])
      .slice(0, 3)
      .map(([d, v]) => `${d}: ${formatPercent(v)}`)
      .join(', ');
    this.chart.setAttribute('aria-label', `Probabilities for the ${this.name}, highest first: ${top}`);

    // What the model saw: ink = 1 drawn white on black, like MNIST.
    const px = this.previewImage.data;
    const input = c.input;
    for (let i = 0; i < 784; i++) {
      const v = Math.round(Math.max(0, Math.min(1, input[i])) * 255);
      px[i * 4] = v;
      px[i * 4 + 1] = v;
      px[i * 4 + 2] = v;
      px[i * 4 + 3] = 255;
    }
    this.previewCtx.putImageData(this.previewImage, 0, 0);
  }
}
