//! Real MNIST test digits drawn large and off-centre on a canvas come back from preprocessing
//! close to the original and are classified the same.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use digit_matcher::matcher::Matcher;
use digit_matcher::model::SIDE;
use digit_matcher::preprocess::{Rgba, to_mnist};
use pollster::block_on;

const CANVAS: usize = 280;

/// Draws a 28×28 MNIST digit `zoom` times larger at (`left`, `top`) on a 280×280 canvas, as a
/// page would: dark ink on an opaque white background, or black ink on a transparent one.
fn draw(digit: &[u8], zoom: usize, left: usize, top: usize, transparent: bool) -> Vec<u8> {
    let mut rgba = vec![0u8; CANVAS * CANVAS * 4];
    for y in 0..CANVAS {
        for x in 0..CANVAS {
            let (dx, dy) = (x.wrapping_sub(left) / zoom, y.wrapping_sub(top) / zoom);
            let ink = if x >= left && y >= top && dx < SIDE && dy < SIDE { digit[dy * SIDE + dx] } else { 0 };
            let px = &mut rgba[(y * CANVAS + x) * 4..][..4];
            if transparent {
                px.copy_from_slice(&[0, 0, 0, ink]);
            } else {
                px.copy_from_slice(&[255 - ink, 255 - ink, 255 - ink, 255]);
            }
        }
    }
    rgba
}

fn centre_of_mass(image: &[f32]) -> (f32, f32) {
    let total: f32 = image.iter().sum();
    let (mut x, mut y) = (0.0, 0.0);
    for (i, v) in image.iter().enumerate() {
        x += v * ((i % SIDE) as f32 + 0.5);
        y += v * ((i / SIDE) as f32 + 0.5);
    }
    (x / total, y / total)
}

#[test]
fn mnist_digits_drawn_large_and_off_centre_come_back_close_and_classified_the_same() {
    let test = &common::mnist().test;
    let matcher = Matcher::embedded(Device::flex()).unwrap();
    let (mut worst_mean_diff, mut total_mean_diff): (f32, f32) = (0.0, 0.0);
    let mut agree = 0;
    let n = 100;
    for i in 0..n {
        let original: Vec<f32> = test.image_f32(i).collect();
        let (zoom, left, top) = (6 + i % 4, 10 + (i * 7) % 80, 5 + (i * 13) % 90);
        let canvas = draw(test.image(i), zoom, left, top, i % 2 == 0);
        let image = to_mnist(Rgba { data: &canvas, width: CANVAS as u32, height: CANVAS as u32 })
            .unwrap()
            .expect("a drawn digit is not blank");

        let mean_diff = original.iter().zip(&image).map(|(a, b)| (a - b).abs()).sum::<f32>() / original.len() as f32;
        worst_mean_diff = worst_mean_diff.max(mean_diff);
        total_mean_diff += mean_diff;
        let (a, b) = (centre_of_mass(&original), centre_of_mass(&image));
        assert!((a.0 - b.0).hypot(a.1 - b.1) < 1.0, "digit {i}: centre of mass moved from {a:?} to {b:?}");

        let c = block_on(matcher.classify(&[&original, &image])).unwrap();
        agree += usize::from(c[0].digit == c[1].digit);
    }
    let average = total_mean_diff / n as f32;
    println!("mean absolute pixel difference: {average:.3} on average, {worst_mean_diff:.3} at worst; {agree}/{n} classified the same");
    // Redrawing with blocky ×6–×9 pixels and re-fitting the box is not lossless, but close.
    assert!(average < 0.03 && worst_mean_diff < 0.15, "mean absolute difference {average} on average, {worst_mean_diff} at worst");
    assert!(agree >= 99, "{agree}/{n} classified the same");
}
