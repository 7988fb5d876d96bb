//! A lost WebGPU device (its own browser page: the device stays lost) makes the next call fall
//! back to the CPU, with the reason, and keeps answering correctly.
#![cfg(target_arch = "wasm32")]

use digit_matcher::web::{DigitMatcher, destroy_webgpu_device};
use js_sys::{Object, Reflect, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

static FIXTURE: &[u8] = include_bytes!("fixtures/mnist-test-200.bin");

/// Fixture digit `i` (a 7 for 0, a 2 for 1) as an `ImageData`-shaped object.
fn image(i: usize) -> JsValue {
    let pixels = &FIXTURE[200 + i * 784..200 + (i + 1) * 784];
    let rgba: Vec<u8> = pixels.iter().flat_map(|&p| [p, p, p, 255]).collect();
    let object = Object::new();
    Reflect::set(&object, &"data".into(), &Uint8ClampedArray::from(&rgba[..])).unwrap();
    Reflect::set(&object, &"width".into(), &28.into()).unwrap();
    Reflect::set(&object, &"height".into(), &28.into()).unwrap();
    object.into()
}

fn digit(classification: &JsValue) -> Option<f64> {
    Reflect::get(classification, &"digit".into()).unwrap().as_f64()
}

#[wasm_bindgen_test]
async fn a_lost_device_falls_back_to_the_cpu() {
    let matcher = DigitMatcher::create(JsValue::UNDEFINED).await.unwrap();
    assert_eq!(matcher.backend(), "webgpu", "fallback reason: {:?}", matcher.fallback_reason());
    let before = JsFuture::from(matcher.classify(image(0))).await.unwrap();
    assert_eq!(digit(&before), Some(f64::from(FIXTURE[0])));

    destroy_webgpu_device();
    // Let the browser deliver the device-lost notification.
    let tick = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50).unwrap();
    });
    JsFuture::from(tick).await.unwrap();

    let after = JsFuture::from(matcher.classify(image(1))).await.expect("the call after the loss succeeds");
    assert_eq!(digit(&after), Some(f64::from(FIXTURE[1])));
    assert_eq!(matcher.backend(), "cpu");
    let reason = matcher.fallback_reason().expect("a fallback reason");
    console_log!("after the loss: backend cpu, reason {reason:?}");
    assert!(reason.contains("lost") || reason.contains("WebGPU failed"), "{reason}");

    // New instances now start on the CPU and say why.
    let fresh = DigitMatcher::create(JsValue::UNDEFINED).await.unwrap();
    assert_eq!(fresh.backend(), "cpu");
    assert!(fresh.fallback_reason().is_some());
}
