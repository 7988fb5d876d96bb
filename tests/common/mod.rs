//! Shared by the native test files: the real MNIST data.
#![allow(dead_code)] // each test file uses a part

use std::path::PathBuf;
use std::sync::OnceLock;

use digit_matcher::mnist::Mnist;

/// MNIST from `data/mnist` (read once per test binary); fails loudly when it is missing.
pub fn mnist() -> &'static Mnist {
    static MNIST: OnceLock<Mnist> = OnceLock::new();
    MNIST.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
        Mnist::read(&dir).unwrap_or_else(|e| panic!("{e}: run scripts/fetch-mnist.sh first"))
    })
}
