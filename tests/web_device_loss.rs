//! A lost WebGPU device (its own browser page: the device stays lost) makes the next call fall
//! back to the CPU, with the reason, and keeps answering correctly.
#![cfg(target_arch = "wasm32")]

use digit_matcher::web::{DigitMatcher, destroy_webgpu_device};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod web_common;

use web_common::{image, label, next_task};

fn digit(classification: &JsValue) -> Option<f64> {
    Reflect::get(classification, &"digit".into()).unwrap().as_f64()
}

#[wasm_bindgen_test]
async fn a_lost_device_falls_back_to_the_cpu() {
    let matcher = DigitMatcher::create(JsValue::UNDEFINED).await.unwrap();
    assert_eq!(matcher.backend(), "webgpu", "fallback reason: {:?}", matcher.fallback_reason());
    let before = JsFuture::from(matcher.classify(image(0))).await.unwrap();
    assert_eq!(digit(&before), Some(f64::from(label(0))));

    destroy_webgpu_device();
    // Let the browser deliver the device-lost notification.
    next_task(50).await;

    let after = JsFuture::from(matcher.classify(image(1))).await.expect("the call after the loss succeeds");
    assert_eq!(digit(&after), Some(f64::from(label(1))));
    assert_eq!(matcher.backend(), "cpu");
    let reason = matcher.fallback_reason().expect("a fallback reason");
    console_log!("after the loss: backend cpu, reason {reason:?}");
    assert!(reason.contains("lost") || reason.contains("WebGPU failed"), "{reason}");

    // New instances now start on the CPU and say why.
    let fresh = DigitMatcher::create(JsValue::UNDEFINED).await.unwrap();
    assert_eq!(fresh.backend(), "cpu");
    assert!(fresh.fallback_reason().is_some());
}
