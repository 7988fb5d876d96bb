//! The IDX reader and the notebook's pairing, on small hand-made files and on real MNIST.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::PathBuf;

use digit_matcher::mnist::{IdxError, Pair, pairs, read_images, read_labels};

/// Writes `bytes` to a fresh file in the temp folder and returns its path.
fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("digit-matcher-idx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
    std::iter::once(magic).chain(dims.iter().copied()).flat_map(u32::to_be_bytes).collect()
}

#[test]
fn reads_a_valid_hand_made_image_and_label_file() {
    let mut images = header(0x803, &[2, 28, 28]);
    images.extend((0..2 * 784).map(|i| (i % 256) as u8));
    let mut labels = header(0x801, &[2]);
    labels.extend([7, 3]);
    let pixels = read_images(&file("ok-images", &images)).unwrap();
    assert_eq!(pixels.len(), 2 * 784);
    assert_eq!(pixels[300], (300 % 256) as u8);
    assert_eq!(read_labels(&file("ok-labels", &labels)).unwrap(), vec![7, 3]);
}

#[test]
fn truncated_files_are_errors_naming_the_file() {
    let mut images = header(0x803, &[2, 28, 28]);
    images.extend([0; 784 + 100]);
    let err = read_images(&file("short-images", &images)).unwrap_err();
    assert!(matches!(err, IdxError::Length { expected: 1568, found: 884, .. }), "{err}");
    assert!(err.to_string().contains("short-images"), "{err}");
    let err = read_labels(&file("short-header", &[0, 0, 8])).unwrap_err();
    assert!(matches!(err, IdxError::Header(_)), "{err}");
}

#[test]
fn wrong_magic_and_wrong_sizes_are_errors() {
    let mut labels = header(0x801, &[1]);
    labels.push(1);
    let err = read_images(&file("labels-as-images", &labels)).unwrap_err();
    assert!(matches!(err, IdxError::Magic { found: 0x801, .. }), "{err}");

    let mut small = header(0x803, &[1, 14, 14]);
    small.extend([0; 196]);
    let err = read_images(&file("small-images", &small)).unwrap_err();
    assert!(matches!(err, IdxError::Dimensions { rows: 14, cols: 14, .. }), "{err}");

    let mut bad = header(0x801, &[2]);
    bad.extend([4, 12]);
    let err = read_labels(&file("bad-labels", &bad)).unwrap_err();
    assert!(matches!(err, IdxError::Label { index: 1, value: 12, .. }), "{err}");

    let err = read_labels(&file("missing", &[]).with_file_name("does-not-exist")).unwrap_err();
    assert!(matches!(err, IdxError::Io(..)), "{err}");
}

#[test]
fn pairs_are_subsequent_samples_and_an_odd_last_one_is_dropped() {
    let p = pairs(&[3, 3, 1, 2, 9]);
    assert_eq!(
        p,
        vec![Pair { first: 0, second: 1, same: true }, Pair { first: 2, second: 3, same: false }]
    );
    assert!(pairs(&[5]).is_empty());
    assert!(pairs(&[]).is_empty());
}

#[test]
fn real_mnist_has_the_known_shape_labels_and_pairs() {
    let mnist = common::mnist();
    assert_eq!((mnist.train.len(), mnist.test.len()), (60_000, 10_000));
    assert_eq!(mnist.train.labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(mnist.test.labels[..10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    let mut counts = [0; 10];
    mnist.test.labels.iter().for_each(|&l| counts[usize::from(l)] += 1);
    assert_eq!(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    let (train, test) = (pairs(&mnist.train.labels), pairs(&mnist.test.labels));
    assert_eq!((train.len(), test.len()), (30_000, 5_000));
    // About one pair in ten shows the same digit twice.
    let same = test.iter().filter(|p| p.same).count();
    assert!((400..600).contains(&same), "{same} matching test pairs");
}
