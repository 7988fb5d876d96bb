//! The trained weights, embedded in the binary as burnpack files with half-precision storage.
//!
//! `cargo run --release --bin train` writes them (see the README for the command and seed that
//! reproduce the committed files). Loading builds the models on any device without reading a
//! tensor back, so it works on WebGPU in a browser, where synchronous reads are impossible.

use std::fmt;

use burn::prelude::*;
use burn::store::{BurnpackStore, HalfPrecisionAdapter, ModuleSnapshot};

use crate::model::{Classifier, MatchHead};

static CLASSIFIER: &Aligned<[u8]> = &Aligned(*include_bytes!("../weights/classifier.bpk"));
static HEAD: &Aligned<[u8]> = &Aligned(*include_bytes!("../weights/head.bpk"));

/// An embedded file aligned as burnpack aligns the tensors inside it (256 bytes), so that they
/// are read in place as f16. `include_bytes!` alone promises no alignment: the weights then
/// load or fail with "TargetAlignmentGreaterAndInputNotAligned" depending on where the linker
/// happens to place them.
#[repr(C, align(256))]
struct Aligned<T: ?Sized>(T);

/// Embedded weights that do not fit the models.
#[derive(Debug, Clone)]
pub struct WeightsError(String);

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "embedded weights: {}", self.0)
    }
}

impl std::error::Error for WeightsError {}

/// The embedded (folded, calibrated) classifier and the dense head on `device`.
pub fn load(device: &Device) -> Result<(Classifier, MatchHead), WeightsError> {
    let classifier = load_into(Classifier::new(false, device), BurnpackStore::from_static(&CLASSIFIER.0), "classifier")?;
    let head = load_into(MatchHead::new(device), BurnpackStore::from_static(&HEAD.0), "head")?;
    Ok((classifier, head))
}

fn load_into<M: Module>(mut module: M, store: BurnpackStore, name: &str) -> Result<M, WeightsError> {
    let mut store = store.with_from_adapter(HalfPrecisionAdapter::new());
    let result = module.load_from(&mut store).map_err(|e| WeightsError(format!("{name}: {e}")))?;
    if !result.is_success() || !result.missing.is_empty() {
        return Err(WeightsError(format!("{name}: {result}")));
    }
    Ok(module)
}

/// Writes `module` as a burnpack file with half-precision storage (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn save<M: Module>(module: &M, path: &std::path::Path) -> Result<(), WeightsError> {
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .overwrite(true)
        .with_to_adapter(HalfPrecisionAdapter::new());
    module.save_into(&mut store).map_err(|e| WeightsError(format!("{}: {e}", path.display())))
}

/// Loads a burnpack file written by [`save`] into `module` (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn read<M: Module>(module: M, path: &std::path::Path) -> Result<M, WeightsError> {
    load_into(module, BurnpackStore::from_file(path).auto_extension(false), &path.display().to_string())
}
