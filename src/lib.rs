//! digit-matcher: the probability that two hand-drawn digits are the same, from an MNIST
//! classifier applied to both (the "Matching digits" notebook, in Rust with burn).
//!
//! The inference path ([`preprocess`] → [`matcher`] with the [`weights`] embedded in the binary)
//! is backend-generic and runs natively, on WebGPU in a browser, or on burn's `flex` CPU backend
//! as the browser's fallback. `web` is the thin wasm-bindgen layer over it; the training and
//! evaluation code is native only.

pub mod matcher;
pub mod model;
pub mod preprocess;
pub mod weights;

#[cfg(not(target_arch = "wasm32"))]
pub mod augment;
#[cfg(not(target_arch = "wasm32"))]
pub mod metrics;
#[cfg(not(target_arch = "wasm32"))]
pub mod mnist;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;
