//! Shared by the browser test files: the real MNIST fixture as canvas-like images.
#![allow(dead_code)] // each test file uses a part

use js_sys::{Object, Promise, Reflect, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The first 200 MNIST test digits (`cargo run --release --bin fixture`): 200 labels, then 200
/// images of 784 bytes.
pub static FIXTURE: &[u8] = include_bytes!("../fixtures/mnist-test-200.bin");
/// Digits in the fixture.
pub const COUNT: usize = 200;

/// The label of fixture digit `i`.
pub fn label(i: usize) -> u8 {
    FIXTURE[i]
}

/// The 28×28 grey pixels of fixture digit `i` (0 = background).
pub fn pixels(i: usize) -> &'static [u8] {
    &FIXTURE[COUNT + i * 784..COUNT + (i + 1) * 784]
}

/// Fixture digit `i` as an `ImageData`-shaped object: a 28×28 canvas, white ink on black.
pub fn image(i: usize) -> JsValue {
    let rgba: Vec<u8> = pixels(i).iter().flat_map(|&p| [p, p, p, 255]).collect();
    image_object(&rgba, 28, 28)
}

/// An `ImageData`-shaped object.
pub fn image_object(rgba: &[u8], width: u32, height: u32) -> JsValue {
    let object = Object::new();
    Reflect::set(&object, &"data".into(), &Uint8ClampedArray::from(rgba)).unwrap();
    Reflect::set(&object, &"width".into(), &width.into()).unwrap();
    Reflect::set(&object, &"height".into(), &height.into()).unwrap();
    object.into()
}

/// Waits for the next event-loop task. CPU-backend calls resolve in microtasks, so a long loop
/// of them would otherwise starve the test runner's own requests to the page.
pub async fn next_task(delay_ms: i32) {
    let tick = Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay_ms).unwrap();
    });
    JsFuture::from(tick).await.unwrap();
}
