//! Browser tests (headless Chromium, `wasm-pack test --headless --chrome`): burn on WebGPU, and
//! the JS API on real MNIST digits on both backends. WebGPU is required: a browser without an
//! adapter fails these tests instead of skipping them.
#![cfg(target_arch = "wasm32")]

use burn::prelude::*;
use digit_matcher::matcher::Matcher;
use digit_matcher::web::{DigitMatcher, webgpu_device};
use js_sys::{Array, Float32Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod web_common;

use web_common::{COUNT, image, image_object, label, next_task, pixels};

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

fn probabilities(classification: &JsValue) -> Vec<f32> {
    get(classification, "probabilities").unchecked_into::<Float32Array>().to_vec()
}

async fn create(backend: &str) -> DigitMatcher {
    let options = Object::new();
    Reflect::set(&options, &"backend".into(), &backend.into()).unwrap();
    DigitMatcher::create(options.into()).await.unwrap_or_else(|e| panic!("create({backend}) failed: {e:?}"))
}

async fn resolve(promise: Promise) -> Result<JsValue, String> {
    JsFuture::from(promise).await.map_err(|e| {
        let error = e.dyn_into::<js_sys::Error>().expect("rejected with an Error");
        String::from(error.message())
    })
}

/// (A·B) + 1 for small matrices on burn's WebGPU device, read back asynchronously, equals the
/// CPU backend's result.
#[wasm_bindgen_test]
async fn webgpu_tensor_op_matches_the_cpu_backend() {
    let (gpu, adapter) = webgpu_device().await.expect("this browser must offer a WebGPU adapter");
    console_log!("WebGPU adapter: {adapter}");
    let compute = |device: Device| async move {
        let a = Tensor::<2>::from_floats([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], &device);
        let b = Tensor::<2>::from_floats([[0.5, -1.0], [2.0, 0.25], [-3.0, 1.5]], &device);
        let c = a.matmul(b).exp().log() + 1.0;
        c.into_data_async().await.unwrap().try_into_vec::<f32>().unwrap()
    };
    let on_gpu = compute(gpu).await;
    let on_cpu = compute(Device::flex()).await;
    console_log!("WebGPU {on_gpu:?}, CPU {on_cpu:?}");
    assert_eq!(on_cpu, vec![-3.5, 5.0, -5.0, 7.25]);
    for (g, c) in on_gpu.iter().zip(&on_cpu) {
        assert!((g - c).abs() < 1e-4, "{on_gpu:?} vs {on_cpu:?}");
    }
}

/// Both backends classify the 200 fixture digits (one batch each) with ≥ 98 % accuracy and
/// agree within 1e-3; `classify` through the JS API gives the same answers.
#[wasm_bindgen_test]
async fn classify_real_digits_on_webgpu_and_cpu() {
    let (gpu, adapter) = webgpu_device().await.expect("this browser must offer a WebGPU adapter");
    let images: Vec<Vec<f32>> = (0..COUNT).map(|i| pixels(i).iter().map(|&p| f32::from(p) / 255.0).collect()).collect();
    let batch: Vec<&[f32]> = images.iter().map(Vec::as_slice).collect();
    let on_gpu = Matcher::embedded(gpu).unwrap().classify(&batch).await.unwrap();
    let on_cpu = Matcher::embedded(Device::flex()).unwrap().classify(&batch).await.unwrap();
    let right = on_gpu.iter().enumerate().filter(|(i, c)| c.digit == label(*i)).count();
    let worst = on_gpu
        .iter()
        .zip(&on_cpu)
        .flat_map(|(g, c)| g.probabilities.iter().zip(&c.probabilities).map(|(a, b)| (a - b).abs()))
        .fold(0.0f32, f32::max);
    console_log!("{adapter}: fixture accuracy {right}/{COUNT}; largest WebGPU–CPU probability difference {worst:e}");
    assert!(right * 100 >= COUNT * 98, "{right}/{COUNT} right");
    assert!(worst < 1e-3, "backends differ by {worst}");

    for backend in ["webgpu", "cpu"] {
        let matcher = create(backend).await;
        assert_eq!(matcher.backend(), backend);
        for i in 0..6 {
            let c = resolve(matcher.classify(image(i))).await.unwrap();
            assert_eq!(get(&c, "empty"), JsValue::FALSE);
            assert_eq!(get(&c, "digit").as_f64(), Some(f64::from(on_cpu[i].digit)), "{backend}: digit {i}");
            let p = probabilities(&c);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            assert_eq!(get(&c, "input").unchecked_into::<Float32Array>().length(), 784);
            next_task(0).await;
        }
    }
}

/// `match` gives Σ pᴬᵢ pᴮᵢ of the two classifications: high for same digits, low otherwise.
#[wasm_bindgen_test]
async fn match_real_pairs_on_both_backends() {
    for backend in ["webgpu", "cpu"] {
        let matcher = create(backend).await;
        let mut checked = 0;
        for (i, j) in (0..10).map(|k| (k, (k * 7 + 3) % COUNT)) {
            let m = resolve(matcher.match_images(image(i), image(j))).await.unwrap();
            let (a, b) = (get(&m, "a"), get(&m, "b"));
            let formula: f32 = probabilities(&a).iter().zip(probabilities(&b)).map(|(p, q)| p * q).sum();
            let probability = get(&m, "probability").as_f64().unwrap() as f32;
            let dense = get(&m, "denseProbability").as_f64().unwrap() as f32;
            assert!((probability - formula).abs() < 1e-5, "{probability} vs Σ pᴬpᴮ = {formula}");
            assert!((0.0..=1.0).contains(&dense));
            let correct = |c: &JsValue, i| get(c, "digit").as_f64() == Some(f64::from(label(i)));
            if correct(&a, i) && correct(&b, j) {
                let same = label(i) == label(j);
                assert_eq!(probability > 0.5, same, "{backend}: pair ({i}, {j}) gives {probability}");
                checked += 1;
            }
            next_task(0).await;
        }
        // Pairs of the same digit: 1s at 2 and 5, 0s at 3 and 10.
        for (i, j) in [(2, 5), (3, 10)] {
            let m = resolve(matcher.match_images(image(i), image(j))).await.unwrap();
            assert!(get(&m, "probability").as_f64().unwrap() > 0.9, "{backend}: ({i}, {j}) same digit");
        }
        console_log!("{backend}: {checked} correctly classified pairs checked");
        assert!(checked >= 9);
    }
}

/// Blank canvases are empty, not guesses; bad arguments reject with an Error; the instance keeps
/// working afterwards.
#[wasm_bindgen_test]
async fn blank_and_bad_inputs() {
    let matcher = create("auto").await;
    let blank = image_object(&[255; 280 * 280 * 4], 280, 280);
    let transparent = image_object(&[0; 64 * 64 * 4], 64, 64);
    let c = resolve(matcher.classify(blank.clone())).await.unwrap();
    assert_eq!(get(&c, "empty"), JsValue::TRUE);
    let m = resolve(matcher.match_images(transparent, image(0))).await.unwrap();
    assert!(get(&m, "probability").is_null() && get(&m, "denseProbability").is_null());
    assert_eq!(get(&get(&m, "a"), "empty"), JsValue::TRUE);
    assert_eq!(get(&get(&m, "b"), "digit").as_f64(), Some(7.0));

    let nan_width = image_object(&[0; 16], 2, 2);
    Reflect::set(&nan_width, &"width".into(), &f64::NAN.into()).unwrap();
    let too_big = image_object(&[], 5000, 5000);
    let cases: [(JsValue, &str); 6] = [
        (image_object(&[0; 10], 28, 28), "expected 3136"),
        (image_object(&[], 0, 10), "zero"),
        (too_big, "limit"),
        (nan_width, "width must be a non-negative integer"),
        (JsValue::from_str("not an image"), "expected an ImageData"),
        (Object::new().into(), "width"),
    ];
    for (bad, message) in cases {
        let error = resolve(matcher.classify(bad.clone())).await.unwrap_err();
        assert!(error.contains(message), "{error:?} should mention {message:?}");
        let error = resolve(matcher.match_images(image(0), bad)).await.unwrap_err();
        assert!(error.contains("second image"), "{error}");
    }
    let options = Object::new();
    Reflect::set(&options, &"backend".into(), &"tpu".into()).unwrap();
    assert!(DigitMatcher::create(options.into()).await.is_err());

    let c = resolve(matcher.classify(image(1))).await.unwrap();
    assert_eq!(get(&c, "digit").as_f64(), Some(f64::from(label(1))));
    let pixels = digit_matcher::web::preprocess(image(1)).unwrap();
    assert_eq!(pixels.length(), 784);
}

/// Many overlapping calls (a page calling `match` on every frame) all resolve correctly.
#[wasm_bindgen_test]
async fn overlapping_calls_all_resolve() {
    for backend in ["webgpu", "cpu"] {
        let matcher = create(backend).await;
        let calls = Array::new();
        for k in 0..12 {
            let promise = if k % 2 == 0 {
                matcher.match_images(image(k), image(k + 1))
            } else {
                matcher.classify(image(k))
            };
            calls.push(&promise);
        }
        let results: Array = JsFuture::from(Promise::all(&calls)).await.expect("all calls resolve").into();
        // Each result equals the same call made alone.
        for (k, result) in results.iter().enumerate() {
            let (overlapped, alone) = if k % 2 == 0 {
                let alone = resolve(matcher.match_images(image(k), image(k + 1))).await.unwrap();
                (get(&result, "probability"), get(&alone, "probability"))
            } else {
                let alone = resolve(matcher.classify(image(k))).await.unwrap();
                (get(&result, "confidence"), get(&alone, "confidence"))
            };
            assert_eq!(overlapped.as_f64(), alone.as_f64(), "call {k}");
            next_task(0).await;
        }
        console_log!("{backend}: 12 overlapping calls resolved, each equal to the call alone");
    }
}

