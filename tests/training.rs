//! A short training run learns, and saved weights round-trip through the burnpack files.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use digit_matcher::augment::Augmentation;
use digit_matcher::mnist::pairs;
use digit_matcher::model::{Classifier, MatchHead};
use digit_matcher::train::{self, ClassifierTraining, HeadTraining};
use digit_matcher::weights;
use indicatif::ProgressBar;

fn short_run(seed: u64) -> (Classifier, Vec<f64>) {
    let config = ClassifierTraining {
        seed,
        epochs: 3,
        batch_size: 64,
        learning_rate: 3e-3,
        holdout: 55_000,
        max_batches: Some(8),
        augmentation: Augmentation::default(),
    };
    let mut losses = Vec::new();
    let model = train::train_classifier(&common::mnist().train, &config, &Device::flex(), &ProgressBar::hidden(), |_, s| {
        losses.push(s.loss)
    });
    (model, losses)
}

#[test]
fn a_few_batches_lower_the_loss_and_saved_weights_round_trip() {
    let (model, losses) = short_run(7);
    println!("losses per epoch: {losses:?}");
    assert!(losses[2] < 0.8 * losses[0], "loss did not fall: {losses:?}");

    // Fold, save with half-precision storage, read back: same predictions, close logits.
    let test = &common::mnist().test;
    let device = Device::flex();
    let folded = model.fold(1.5);
    let path = std::env::temp_dir().join(format!("digit-matcher-roundtrip-{}.bpk", std::process::id()));
    weights::save(&folded, &path).unwrap();
    let loaded = weights::read(Classifier::new(false, &device), &path).unwrap();
    let before = train::logits(&folded, test, 0..200, &device);
    let after = train::logits(&loaded, test, 0..200, &device);
    let worst = before.iter().zip(&after).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 0.05, "largest logit change after the f16 round trip: {worst}");
    assert_eq!(train::argmax_rows(&before).iter().map(|r| r.0).collect::<Vec<_>>(),
               train::argmax_rows(&after).iter().map(|r| r.0).collect::<Vec<_>>());
}

#[test]
fn folding_batch_norm_and_temperature_keeps_the_function() {
    let (model, _) = short_run(3);
    let test = &common::mnist().test;
    let device = Device::flex();
    let t = 1.7;
    let plain = train::softmax_rows(&train::logits(&model, test, 0..100, &device), t);
    let folded = train::softmax_rows(&train::logits(&model.fold(t), test, 0..100, &device), 1.0);
    let worst = plain.iter().zip(&folded).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(worst < 1e-4, "folded probabilities differ by {worst}");
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let test = &common::mnist().test;
    let device = Device::flex();
    let (a, la) = short_run(11);
    let (b, lb) = short_run(11);
    assert_eq!(la, lb);
    assert_eq!(train::logits(&a, test, 0..50, &device), train::logits(&b, test, 0..50, &device));
}

#[test]
fn the_dense_head_learns_same_versus_different_from_probabilities() {
    // One-hot "probabilities" of the real labels: the head must learn equality of the argmax.
    let labels = &common::mnist().train.labels[..20_000];
    let probs: Vec<f32> = labels.iter().flat_map(|&l| (0..10).map(move |d| f32::from(u8::from(d == l)))).collect();
    let pairs = pairs(labels);
    let config = HeadTraining { seed: 5, epochs: 5, batches: 400, batch_size: 32, learning_rate: 1e-3 };
    let mut accuracies = Vec::new();
    let head: MatchHead = train::train_head(&probs, &pairs, &config, &Device::flex(), |_, s| accuracies.push(s.accuracy));
    assert!(accuracies[4] > 0.95, "head accuracy per epoch {accuracies:?}");
    let (p1, p2, _) = train::pair_batch(&probs, &pairs[..200], &Device::flex());
    let out: Vec<f32> = head.probability(p1, p2).into_data().iter::<f32>().collect();
    let right = out.iter().zip(&pairs[..200]).filter(|(p, pair)| (**p > 0.5) == pair.same).count();
    assert!(right >= 190, "{right}/200 pairs right");
}
