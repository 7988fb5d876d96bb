//! The JavaScript API (wasm32 only): a thin wasm-bindgen layer over [`Matcher`] and
//! [`preprocess`].
//!
//! Every method validates its arguments and returns a rejected promise (or throws) with an
//! `Error` instead of trapping. Methods take `&self` and move an `Rc` of the shared state into
//! their future, so overlapping calls (a page calling `match` on every animation frame while the
//! GPU is still busy) never hit wasm-bindgen's "recursive use of an object" check, and `free()`
//! during a call is harmless.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;

use burn::prelude::Device;
use burn::tensor::wgpu::WgpuSetup;
use js_sys::{Float32Array, Function, Object, Promise, Reflect, Uint8Array, Uint8ClampedArray};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::matcher::{Classification, MatchError, Matcher};
use crate::model::PIXELS;
use crate::preprocess::{self, Rgba};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** RGBA pixels of any size up to 4096×4096: a canvas `ImageData` or the same shape. Ink is taken
 * from alpha when the background is transparent, else from luminance (either polarity). */
export type ImageInput = ImageData | { data: Uint8ClampedArray | Uint8Array; width: number; height: number };
/** Options of `DigitMatcher.create`. */
export interface CreateOptions { backend?: "auto" | "webgpu" | "cpu" }
/** The classifier's verdict on one image; `{ empty: true }` for a blank image. */
export type Classification =
  | { empty: true }
  | { empty: false; probabilities: Float32Array; digit: number; confidence: number; input: Float32Array };
/** Both matchers on a pair; probabilities are `null` when either image is blank. */
export interface MatchResult {
  probability: number | null;
  denseProbability: number | null;
  a: Classification;
  b: Classification;
}
"#;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
    run_constructors();
}

/// Runs the module's static constructors (the `inventory` registrations of cubecl's kernel IR)
/// once per instance.
///
/// A wasm module that never calls `__wasm_call_ctors` gets "command" linkage: the linker makes
/// every export, even wasm-bindgen's externref-table helpers, run all constructors again first.
/// That took 52 of each 57 ms CPU `match`. This explicit call turns the wrapping off. It
/// runs from the start function, and from every entry point that uses burn, since
/// `wasm-bindgen-test` does not call start functions.
fn run_constructors() {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the linker's constructor list, run once before any code that reads what it registers.
    ONCE.call_once(|| unsafe { __wasm_call_ctors() });
}

/// The reason WebGPU was lost, set by wgpu's device-lost callback.
static DEVICE_LOST: Mutex<Option<String>> = Mutex::new(None);

thread_local! {
    /// burn's wgpu runtime can be initialised once per page: every instance shares it.
    static WEBGPU: RefCell<Option<Rc<Gpu>>> = const { RefCell::new(None) };
}

struct Gpu {
    device: Device,
    setup: WgpuSetup,
    /// The adapter's vendor, architecture and description, as the browser reports them.
    adapter: String,
}

/// The models on the device in use and how it was chosen.
struct Engine {
    matcher: Rc<Matcher>,
    backend: &'static str,
    fallback_reason: Option<String>,
    adapter: Option<String>,
}

impl Engine {
    fn cpu(fallback_reason: Option<String>) -> Result<Self, JsError> {
        Ok(Self {
            matcher: Rc::new(Matcher::embedded(Device::flex())?),
            backend: "cpu",
            fallback_reason,
            adapter: None,
        })
    }

    fn webgpu(gpu: &Gpu) -> Result<Self, JsError> {
        Ok(Self {
            matcher: Rc::new(Matcher::embedded(gpu.device.clone())?),
            backend: "webgpu",
            fallback_reason: None,
            adapter: Some(gpu.adapter.clone()),
        })
    }
}

/// Classifies hand-drawn digits and gives the probability that two of them match.
#[wasm_bindgen]
pub struct DigitMatcher {
    engine: Rc<RefCell<Engine>>,
}

#[wasm_bindgen]
impl DigitMatcher {
    /// Loads the embedded models. `backend`: `"auto"` (default) uses WebGPU when the browser
    /// offers it and falls back to the CPU otherwise; `"webgpu"` fails without it; `"cpu"`.
    pub async fn create(
        #[wasm_bindgen(unchecked_param_type = "CreateOptions | undefined")] options: JsValue,
    ) -> Result<DigitMatcher, JsError> {
        run_constructors();
        let backend = if options.is_undefined() || options.is_null() {
            "auto".to_owned()
        } else {
            match Reflect::get(&options, &"backend".into()).ok().filter(|v| !v.is_undefined()) {
                None => "auto".to_owned(),
                Some(v) => v.as_string().ok_or_else(|| JsError::new("options.backend must be a string"))?,
            }
        };
        let engine = match backend.as_str() {
            "cpu" => Engine::cpu(None)?,
            "webgpu" => Engine::webgpu(&*webgpu().await.map_err(|e| JsError::new(&e))?)?,
            "auto" => match webgpu().await {
                Ok(gpu) => Engine::webgpu(&gpu)?,
                Err(reason) => Engine::cpu(Some(reason))?,
            },
            other => {
                return Err(JsError::new(&format!(
                    "unknown backend {other:?}: expected \"auto\", \"webgpu\" or \"cpu\""
                )));
            }
        };
        Ok(Self { engine: Rc::new(RefCell::new(engine)) })
    }

    /// `"webgpu"` or `"cpu"`: where the models run now.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.engine.borrow().backend.to_owned()
    }

    /// Why the CPU is used although WebGPU was asked for (or was lost), if it is.
    #[wasm_bindgen(getter, js_name = fallbackReason)]
    pub fn fallback_reason(&self) -> Option<String> {
        self.engine.borrow().fallback_reason.clone()
    }

    /// The WebGPU adapter (vendor, architecture, name) when running on WebGPU.
    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> Option<String> {
        self.engine.borrow().adapter.clone()
    }

    /// Classifies one image: `Promise<Classification>`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Classification>")]
    pub fn classify(&self, #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue) -> Promise {
        let engine = self.engine.clone();
        future_to_promise(async move {
            let image = read_image(&image, "image")?;
            let mut classes = classify_all(&engine, vec![image]).await?;
            Ok(classes.remove(0))
        })
    }

    /// Classifies two images in one batch and applies both matchers: `Promise<MatchResult>`.
    #[wasm_bindgen(js_name = match, unchecked_return_type = "Promise<MatchResult>")]
    pub fn match_images(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] a: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] b: JsValue,
    ) -> Promise {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Probabilities {
            probability: Option<f32>,
            dense_probability: Option<f32>,
        }
        let engine = self.engine.clone();
        future_to_promise(async move {
            let (a, b) = (read_image(&a, "first image")?, read_image(&b, "second image")?);
            let (probabilities, a, b) = if let (Some(a), Some(b)) = (a.clone(), b.clone()) {
                let m = run(&engine, |m| {
                    let (a, b) = (a.clone(), b.clone());
                    async move { m.match_pair(&a, &b).await }
                })
                .await?;
                let p = Probabilities { probability: Some(m.probability), dense_probability: Some(m.dense_probability) };
                (p, classification_js(Some((&m.a, &a)))?, classification_js(Some((&m.b, &b)))?)
            } else {
                let mut classes = classify_all(&engine, vec![a, b]).await?;
                let b = classes.pop().unwrap_or(JsValue::NULL);
                let a = classes.pop().unwrap_or(JsValue::NULL);
                (Probabilities { probability: None, dense_probability: None }, a, b)
            };
            let result = to_js(&probabilities)?;
            Reflect::set(&result, &"a".into(), &a)?;
            Reflect::set(&result, &"b".into(), &b)?;
            Ok(result)
        })
    }
}

/// Classifies the non-blank images in one batch; blank ones give `{ empty: true }`.
async fn classify_all(engine: &Rc<RefCell<Engine>>, images: Vec<Option<Vec<f32>>>) -> Result<Vec<JsValue>, JsValue> {
    let present: Rc<Vec<Vec<f32>>> = Rc::new(images.iter().flatten().cloned().collect());
    let classes = match present.is_empty() {
        true => Vec::new(),
        false => {
            run(engine, |m| {
                let present = present.clone();
                async move { m.classify(&present.iter().map(Vec::as_slice).collect::<Vec<_>>()).await }
            })
            .await?
        }
    };
    let mut classes = classes.iter();
    images
        .iter()
        .map(|image| match image {
            Some(input) => classification_js(classes.next().map(|c| (c, input.as_slice()))),
            None => classification_js(None),
        })
        .collect()
}

/// The 28×28 grey image (ink = 1, row-major) the classifier sees for `image`; zeros when blank.
#[wasm_bindgen]
pub fn preprocess(#[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue) -> Result<Float32Array, JsError> {
    let input = read_image(&image, "image").map_err(|e| JsError::new(&js_message(&e)))?;
    Ok(Float32Array::from(input.unwrap_or_else(|| vec![0.0; PIXELS]).as_slice()))
}

/// burn's WebGPU device (initialised on first use, shared by every instance) and a description
/// of its adapter; `Err` says why WebGPU is unavailable.
pub async fn webgpu_device() -> Result<(Device, String), String> {
    let gpu = webgpu().await?;
    Ok((gpu.device.clone(), gpu.adapter.clone()))
}

/// For tests: destroys the shared WebGPU device, as a lost GPU (driver reset, unplugged
/// adapter) would.
#[doc(hidden)]
pub fn destroy_webgpu_device() {
    WEBGPU.with_borrow(|gpu| gpu.iter().for_each(|gpu| gpu.setup.device.destroy()));
}

/// Asks for burn's WebGPU device, initialising it on first use; `Err` says why it is unavailable.
async fn webgpu() -> Result<Rc<Gpu>, String> {
    run_constructors();
    if let Some(reason) = DEVICE_LOST.lock().map_err(|e| e.to_string())?.clone() {
        return Err(format!("the WebGPU device was lost ({reason})"));
    }
    if let Some(gpu) = WEBGPU.with_borrow(|g| g.clone()) {
        return Ok(gpu);
    }
    // Check what the browser offers first, so the reason for a fallback is precise.
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).map_err(js_message_owned)?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).map_err(js_message_owned)?;
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser does not offer WebGPU (navigator.gpu is missing)".into());
    }
    let adapter = describe_adapter(&gpu).await?;
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("the WebGPU device failed to start: {e}"))?;
    setup.device.set_device_lost_callback(|reason, message| {
        if let Ok(mut lost) = DEVICE_LOST.lock() {
            *lost = Some(format!("{reason:?}: {message}"));
        }
    });
    let gpu = Rc::new(Gpu { device, setup, adapter });
    // Another instance may have finished initialising while this one awaited: keep the first.
    Ok(WEBGPU.with_borrow_mut(|g| g.get_or_insert(gpu).clone()))
}

/// Asks `navigator.gpu` for an adapter and describes it ("google swiftshader, fallback adapter");
/// `Err` when the browser has none.
async fn describe_adapter(gpu: &JsValue) -> Result<String, String> {
    let request: Function = Reflect::get(gpu, &"requestAdapter".into()).and_then(JsCast::dyn_into).map_err(js_message_owned)?;
    let promise: Promise = request.call0(gpu).and_then(JsCast::dyn_into).map_err(js_message_owned)?;
    let adapter = JsFuture::from(promise).await.map_err(js_message_owned)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("the browser offers WebGPU but no adapter (GPU disabled or blocklisted)".into());
    }
    let info = Reflect::get(&adapter, &"info".into()).map_err(js_message_owned)?;
    let field = |name: &str| Reflect::get(&info, &name.into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let mut parts: Vec<String> =
        [field("vendor"), field("architecture"), field("description")].into_iter().filter(|s| !s.is_empty()).collect();
    if Reflect::get(&info, &"isFallbackAdapter".into()).ok().and_then(|v| v.as_bool()) == Some(true) {
        parts.push("(fallback adapter)".into());
    }
    Ok(if parts.is_empty() { "unnamed adapter".into() } else { parts.join(" ") })
}

/// Runs `call` on the engine's matcher. On WebGPU, a lost device or a device error switches
/// the engine to the CPU (saying why) and the call is retried there once.
async fn run<T, F, Fut>(engine: &Rc<RefCell<Engine>>, call: F) -> Result<T, JsValue>
where
    F: Fn(Rc<Matcher>) -> Fut,
    Fut: Future<Output = Result<T, MatchError>>,
{
    let lost = DEVICE_LOST.lock().ok().and_then(|l| l.clone());
    if let Some(reason) = lost.filter(|_| engine.borrow().backend == "webgpu") {
        fall_back(engine, format!("the WebGPU device was lost ({reason})"))?;
    }
    // Clone the matcher out: no RefCell borrow is held across an await.
    let matcher = engine.borrow().matcher.clone();
    match call(matcher).await {
        Err(MatchError::Device(e)) if engine.borrow().backend == "webgpu" => {
            fall_back(engine, format!("WebGPU failed: {e}"))?;
            let matcher = engine.borrow().matcher.clone();
            call(matcher).await.map_err(|e| JsError::new(&e.to_string()).into())
        }
        result => result.map_err(|e| JsError::new(&e.to_string()).into()),
    }
}

fn fall_back(engine: &Rc<RefCell<Engine>>, reason: String) -> Result<(), JsValue> {
    let cpu = Engine::cpu(Some(reason)).map_err(JsValue::from)?;
    *engine.borrow_mut() = cpu;
    Ok(())
}

/// Reads an `ImageInput` and preprocesses it; `None` when blank.
fn read_image(value: &JsValue, what: &str) -> Result<Option<Vec<f32>>, JsValue> {
    let error = |message: String| -> JsValue { JsError::new(&format!("{what}: {message}")).into() };
    if !value.is_object() {
        return Err(error("expected an ImageData or { data, width, height }".into()));
    }
    let dimension = |name: &str| -> Result<u32, JsValue> {
        let v = Reflect::get(value, &name.into())?;
        match v.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX) => Ok(x as u32),
            _ => Err(error(format!("{name} must be a non-negative integer, got {}", describe(&v)))),
        }
    };
    let (width, height) = (dimension("width")?, dimension("height")?);
    let data = Reflect::get(value, &"data".into())?;
    let bytes = if let Some(clamped) = data.dyn_ref::<Uint8ClampedArray>() {
        Uint8Array::new_with_byte_offset_and_length(&clamped.buffer(), clamped.byte_offset(), clamped.length())
    } else if let Some(plain) = data.dyn_ref::<Uint8Array>() {
        plain.clone()
    } else {
        return Err(error(format!("data must be a Uint8ClampedArray or Uint8Array, got {}", describe(&data))));
    };
    // Check the size before copying, so a huge or mismatched array costs nothing.
    let expected = u64::from(width) * u64::from(height) * 4;
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > preprocess::MAX_PIXELS as u64 {
        let result = preprocess::to_mnist(Rgba { data: &[], width, height });
        return result.map(|_| None).map_err(|e| error(e.to_string()));
    }
    if u64::from(bytes.length()) != expected {
        let e = preprocess::PreprocessError::WrongLength { expected: expected as usize, actual: bytes.length() as usize };
        return Err(error(e.to_string()));
    }
    preprocess::to_mnist(Rgba { data: &bytes.to_vec(), width, height }).map_err(|e| error(e.to_string()))
}

/// A classification as a JS object: serde for the plain fields, typed arrays for the vectors.
fn classification_js(c: Option<(&Classification, &[f32])>) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Fields {
        empty: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        digit: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        confidence: Option<f32>,
    }
    let Some((c, input)) = c else { return to_js(&Fields { empty: true, digit: None, confidence: None }) };
    let object = to_js(&Fields { empty: false, digit: Some(c.digit), confidence: Some(c.confidence) })?;
    Reflect::set(&object, &"probabilities".into(), &Float32Array::from(&c.probabilities[..]))?;
    Reflect::set(&object, &"input".into(), &Float32Array::from(input))?;
    Ok(object)
}

/// Serialises to a plain JS object (not a `Map`), `None` as `null`.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true).serialize_missing_as_null(true);
    value.serialize(&serializer).map_err(JsValue::from)
}

fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        "undefined".into()
    } else if value.is_instance_of::<Object>() {
        format!("a {}", Object::get_prototype_of(value).constructor().name())
    } else {
        format!("{value:?}")
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{value:?}"))
}

fn js_message_owned(value: JsValue) -> String {
    js_message(&value)
}
