//! Cuts the browser tests' fixture from the MNIST test set: the first `--count` images.
//!
//! `cargo run --release --bin fixture` writes `tests/fixtures/mnist-test-200.bin`: `count`
//! labels (one byte each), then `count` 28×28 images (784 bytes each, 0 = background).
#![cfg_attr(target_arch = "wasm32", no_main)] // a native command: nothing to build for the browser
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use digit_matcher::mnist::Mnist;

#[derive(Parser, Debug)]
#[command(about = "Write the first test images and labels of MNIST as a small test fixture")]
struct Args {
    /// How many test images.
    #[arg(long, default_value_t = 200)]
    count: usize,
    /// Folder with the four MNIST IDX files.
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// The fixture file to write.
    #[arg(long, default_value = "tests/fixtures/mnist-test-200.bin")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let test = Mnist::read(&args.data).context("reading MNIST (run scripts/fetch-mnist.sh)")?.test;
    anyhow::ensure!(args.count <= test.len(), "MNIST has only {} test images", test.len());
    let mut bytes = test.labels[..args.count].to_vec();
    bytes.extend_from_slice(&test.pixels[..args.count * test.image(0).len()]);
    std::fs::write(&args.out, &bytes)?;
    println!("wrote {} ({} bytes: {} labels, then {} images)", args.out.display(), bytes.len(), args.count, args.count);
    Ok(())
}
