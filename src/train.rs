//! Training on the CPU (`flex` backend, native only): the classifier with augmentation, its
//! softmax temperature, and the dense matching head on the frozen classifier's probabilities.

use burn::nn::loss::{BinaryCrossEntropyLossConfig, CrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::augment::Augmentation;
use crate::mnist::{Pair, Split};
use crate::model::{CLASSES, Classifier, MatchHead, PIXELS, SIDE};

/// Settings of the classifier's training run.
#[derive(Debug, Clone)]
pub struct ClassifierTraining {
    /// Seeds weight initialisation, shuffling, augmentation and dropout.
    pub seed: u64,
    /// Passes over the training images.
    pub epochs: usize,
    /// Images per optimiser step.
    pub batch_size: usize,
    /// Peak learning rate of Adam; it decays along a cosine to zero.
    pub learning_rate: f64,
    /// The last `holdout` training images are kept out of training, for calibration.
    pub holdout: usize,
    /// Stop each epoch after this many batches (short test runs).
    pub max_batches: Option<usize>,
    /// Random transformations of the training images.
    pub augmentation: Augmentation,
}

/// What one epoch measured.
#[derive(Debug, Clone, Copy)]
pub struct EpochStats {
    /// Mean training loss.
    pub loss: f64,
    /// Accuracy on the (augmented) training batches.
    pub accuracy: f64,
}

/// Trains a classifier (with batch norm) on the first `len - holdout` images of `train`.
/// `on_epoch` sees each epoch's statistics; `progress` advances once per batch.
pub fn train_classifier(
    train: &Split,
    config: &ClassifierTraining,
    device: &Device,
    progress: &ProgressBar,
    mut on_epoch: impl FnMut(usize, EpochStats),
) -> Classifier {
    device.seed(config.seed);
    let device = device.clone().autodiff();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut model = Classifier::new(true, &device);
    let mut optimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);

    let mut order: Vec<usize> = (0..train.len() - config.holdout).collect();
    let batches = (order.len() / config.batch_size).min(config.max_batches.unwrap_or(usize::MAX));
    let total_steps = (batches * config.epochs) as f64;
    progress.set_length((batches * config.epochs) as u64);

    let mut step = 0;
    for epoch in 0..config.epochs {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0, 0);
        for indices in order.chunks_exact(config.batch_size).take(batches) {
            let (images, labels) = batch(train, indices, Some((&config.augmentation, &mut rng)), &device);
            let logits = model.forward(images);
            correct += logits.clone().argmax(1).squeeze_dim::<1>(1).equal(labels.clone()).int().sum().into_scalar::<i64>();
            let loss = loss_fn.forward(logits, labels);
            loss_sum += loss.clone().into_scalar::<f64>();

            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let lr = config.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * step as f64 / total_steps).cos());
            model = optimizer.step(lr, model, grads);
            step += 1;
            progress.inc(1);
        }
        let seen = batches * config.batch_size;
        on_epoch(epoch, EpochStats { loss: loss_sum / batches as f64, accuracy: correct as f64 / seen as f64 });
    }
    model.valid()
}

/// A batch of images `[n, 28, 28]` (augmented when `augment` is given) and their labels.
fn batch(
    split: &Split,
    indices: &[usize],
    augment: Option<(&Augmentation, &mut StdRng)>,
    device: &Device,
) -> (Tensor<3>, Tensor<1, Int>) {
    let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
    for &i in indices {
        pixels.extend(split.image_f32(i));
    }
    if let Some((augmentation, rng)) = augment {
        let mut out = [0.0; PIXELS];
        for image in pixels.chunks_exact_mut(PIXELS) {
            augmentation.apply(image, &mut out, rng);
            image.copy_from_slice(&out);
        }
    }
    let labels: Vec<i64> = indices.iter().map(|&i| i64::from(split.labels[i])).collect();
    (
        Tensor::from_data(TensorData::new(pixels, [indices.len(), SIDE, SIDE]), device),
        Tensor::from_data(TensorData::new(labels, [indices.len()]), device),
    )
}

/// Logits of `classifier` for the images `range` of `split`, `[n × 10]` row-major.
pub fn logits(classifier: &Classifier, split: &Split, range: std::ops::Range<usize>, device: &Device) -> Vec<f32> {
    let indices: Vec<usize> = range.collect();
    let mut out = Vec::with_capacity(indices.len() * CLASSES);
    for chunk in indices.chunks(1000) {
        let (images, _) = batch(split, chunk, None, device);
        let data = classifier.forward(images).into_data();
        out.extend(data.iter::<f32>());
    }
    out
}

/// Softmax of each row of `[n × 10]` logits divided by `temperature`.
pub fn softmax_rows(logits: &[f32], temperature: f32) -> Vec<f32> {
    let device = Device::flex();
    let n = logits.len() / CLASSES;
    let t = Tensor::<2>::from_data(TensorData::new(logits.to_vec(), [n, CLASSES]), &device);
    softmax(t / temperature, 1).into_data().iter::<f32>().collect()
}

/// Mean negative log-likelihood of `labels` under `softmax(logits / temperature)`.
pub fn nll(logits: &[f32], labels: &[u8], temperature: f32) -> f64 {
    let probs = softmax_rows(logits, temperature);
    let sum: f64 = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| -f64::from(probs[i * CLASSES + usize::from(l)].max(1e-12)).ln())
        .sum();
    sum / labels.len() as f64
}

/// The temperature in [0.25, 8] that minimises the held-out NLL (golden-section search on
/// log T; the NLL is convex in 1/T).
pub fn fit_temperature(logits: &[f32], labels: &[u8]) -> f32 {
    let f = |log_t: f64| nll(logits, labels, log_t.exp() as f32);
    let (mut lo, mut hi) = (0.25f64.ln(), 8f64.ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fa, mut fb) = (f(a), f(b));
    while hi - lo > 1e-4 {
        if fa < fb {
            (hi, b, fb) = (b, a, fa);
            a = hi - g * (hi - lo);
            fa = f(a);
        } else {
            (lo, a, fa) = (a, b, fb);
            b = lo + g * (hi - lo);
            fb = f(b);
        }
    }
    ((lo + hi) / 2.0).exp() as f32
}

/// Settings of the dense head's training, as in the notebook: Adam, binary cross-entropy,
/// `epochs` × `batches` batches of `batch_size` pairs.
#[derive(Debug, Clone)]
pub struct HeadTraining {
    /// Seeds initialisation and the order of the pairs.
    pub seed: u64,
    /// The notebook's 5.
    pub epochs: usize,
    /// Batches per epoch, the notebook's 400.
    pub batches: usize,
    /// Pairs per batch, the notebook's 32.
    pub batch_size: usize,
    /// Adam's learning rate (Keras' default 0.001).
    pub learning_rate: f64,
}

/// Trains the dense head on pairs whose (frozen) class probabilities are `probs` (`[n × 10]`).
/// Each epoch takes `batches` batches from a fresh shuffle of all pairs.
pub fn train_head(
    probs: &[f32],
    pairs: &[Pair],
    config: &HeadTraining,
    device: &Device,
    mut on_epoch: impl FnMut(usize, EpochStats),
) -> MatchHead {
    device.seed(config.seed);
    let device = device.clone().autodiff();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut head = MatchHead::new(&device);
    let mut optimizer = AdamConfig::new().init();
    let loss_fn = BinaryCrossEntropyLossConfig::new().with_logits(true).init(&device);
    let mut order: Vec<usize> = (0..pairs.len()).collect();

    for epoch in 0..config.epochs {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0, 0);
        let chunks = order.chunks_exact(config.batch_size).take(config.batches);
        let batches = chunks.len();
        for chunk in chunks {
            let chosen: Vec<Pair> = chunk.iter().map(|&k| pairs[k]).collect();
            let (p1, p2, same) = pair_batch(probs, &chosen, &device);
            let logits = head.forward(p1, p2);
            let predicted = logits.clone().greater_elem(0.0).int();
            correct += predicted.equal(same.clone()).int().sum().into_scalar::<i64>();
            let loss = loss_fn.forward(logits, same);
            loss_sum += loss.clone().into_scalar::<f64>();
            let grads = GradientsParams::from_grads(loss.backward(), &head);
            head = optimizer.step(config.learning_rate, head, grads);
        }
        let seen = (batches * config.batch_size) as f64;
        on_epoch(epoch, EpochStats { loss: loss_sum / batches as f64, accuracy: correct as f64 / seen });
    }
    head.valid()
}

/// The two probability batches of `pairs` and their 0/1 labels.
pub fn pair_batch(probs: &[f32], pairs: &[Pair], device: &Device) -> (Tensor<2>, Tensor<2>, Tensor<1, Int>) {
    let row = |i: usize| &probs[i * CLASSES..(i + 1) * CLASSES];
    let gather = |pick: fn(&Pair) -> usize| {
        let values: Vec<f32> = pairs.iter().flat_map(|p| row(pick(p)).iter().copied()).collect();
        Tensor::<2>::from_data(TensorData::new(values, [pairs.len(), CLASSES]), device)
    };
    let same: Vec<i64> = pairs.iter().map(|p| i64::from(p.same)).collect();
    (
        gather(|p| p.first),
        gather(|p| p.second),
        Tensor::from_data(TensorData::new(same, [pairs.len()]), device),
    )
}


/// The most probable class and its score for each row of `[n × 10]` scores.
pub fn argmax_rows(scores: &[f32]) -> Vec<(usize, f32)> {
    scores
        .chunks_exact(CLASSES)
        .map(|row| row.iter().copied().enumerate().max_by(|a, b| a.1.total_cmp(&b.1)).expect("10 classes"))
        .collect()
}

/// Top-label confidence and correctness of each row of `[n × 10]` probabilities, the input of
/// a top-label reliability diagram.
pub fn top_label(probs: &[f32], labels: &[u8]) -> (Vec<f32>, Vec<bool>) {
    argmax_rows(probs).into_iter().zip(labels).map(|((digit, p), &label)| (p, digit == usize::from(label))).unzip()
}

/// Fraction of rows of `[n × 10]` scores whose largest entry is the label.
pub fn accuracy(scores: &[f32], labels: &[u8]) -> f64 {
    let (_, correct) = top_label(scores, labels);
    correct.iter().filter(|&&c| c).count() as f64 / labels.len() as f64
}
