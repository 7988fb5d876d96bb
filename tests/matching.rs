//! The embedded models on real MNIST test digits, and both matchers, on the CPU backend.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use digit_matcher::matcher::{MatchError, Matcher, same_probability};
use digit_matcher::{train, weights};
use pollster::block_on;

#[test]
fn formula_is_the_sum_of_products_and_stays_a_probability() {
    let device = Device::flex();
    let p1 = Tensor::<2>::from_floats([[0.1, 0.9], [0.5, 0.5], [1.0, 0.0], [0.0, 1.0]], &device);
    let p2 = Tensor::<2>::from_floats([[0.2, 0.8], [0.4, 0.6], [1.0, 0.0], [1.0, 0.0]], &device);
    let got: Vec<f32> = same_probability(p1, p2).into_data().iter::<f32>().collect();
    // The notebook's example: [0.1·0.2 + 0.9·0.8, 0.5·0.4 + 0.5·0.6] = [0.74, 0.5]; certain cases 1 and 0.
    let expected = [0.74, 0.5, 1.0, 0.0];
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() < 1e-6, "{got:?} != {expected:?}");
    }
}

#[test]
fn embedded_classifier_reaches_99_4_percent_on_the_10000_test_images() {
    let test = &common::mnist().test;
    let device = Device::flex();
    let (classifier, _) = weights::load(&device).expect("embedded weights load");
    let logits = train::logits(&classifier, test, 0..test.len(), &device);
    let accuracy = train::accuracy(&logits, &test.labels);
    println!("embedded classifier: {:.2} % on {} test images", 100.0 * accuracy, test.len());
    assert!(accuracy >= 0.994, "accuracy {accuracy}");
}

#[test]
fn match_pair_agrees_with_classify_and_the_formula_on_real_pairs() {
    let test = &common::mnist().test;
    let matcher = Matcher::embedded(Device::flex()).expect("embedded weights load");
    let image = |i: usize| test.image_f32(i).collect::<Vec<f32>>();
    // Pairs (0, 1) = 7, 2 (different) and test images 2 and 5 are both 1s.
    for (i, j) in [(0, 1), (2, 5), (3, 10)] {
        let (a, b) = (image(i), image(j));
        let m = block_on(matcher.match_pair(&a, &b)).unwrap();
        let c = block_on(matcher.classify(&[&a, &b])).unwrap();
        assert_eq!((m.a.digit, m.b.digit), (test.labels[i], test.labels[j]));
        assert_eq!((c[0].digit, c[1].digit), (m.a.digit, m.b.digit));
        let formula: f32 = c[0].probabilities.iter().zip(&c[1].probabilities).map(|(p, q)| p * q).sum();
        assert!((m.probability - formula).abs() < 1e-5, "{} vs {formula}", m.probability);
        assert!((0.0..=1.0).contains(&m.probability) && (0.0..=1.0).contains(&m.dense_probability));
        let same = test.labels[i] == test.labels[j];
        assert_eq!(m.probability > 0.5, same, "pair ({i}, {j}): formula {}", m.probability);
        assert_eq!(m.dense_probability > 0.5, same, "pair ({i}, {j}): dense {}", m.dense_probability);
    }
}

#[test]
fn bad_inputs_are_errors_and_the_matcher_keeps_working() {
    let test = &common::mnist().test;
    let matcher = Matcher::embedded(Device::flex()).unwrap();
    let good: Vec<f32> = test.image_f32(0).collect();
    let mut nan = good.clone();
    nan[400] = f32::NAN;
    let short = vec![0.5; 100];
    assert!(matches!(block_on(matcher.classify(&[&good, &short])), Err(MatchError::Size { index: 1, len: 100 })));
    assert!(matches!(block_on(matcher.match_pair(&nan, &good)), Err(MatchError::NotFinite { index: 0 })));
    assert!(block_on(matcher.classify(&[])).unwrap().is_empty());
    assert_eq!(block_on(matcher.classify(&[&good])).unwrap()[0].digit, 7);
}
