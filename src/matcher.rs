//! Matching two digits on any device: the formula Σᵢ p¹ᵢ p²ᵢ and the trained dense head.
//!
//! Every call reads its results back with one asynchronous transfer, so the same code serves
//! native tests and WebGPU in a browser (where synchronous reads are impossible and each
//! readback is expensive).

use std::fmt;

use burn::prelude::*;

use crate::model::{CLASSES, Classifier, MatchHead, PIXELS, SIDE};
use crate::weights::{self, WeightsError};

/// P(same digit) = Σᵢ p¹ᵢ p²ᵢ for each row of two probability batches `[batch, 10]`: the chance
/// that two independent draws from the two distributions agree.
pub fn same_probability(p1: Tensor<2>, p2: Tensor<2>) -> Tensor<1> {
    (p1 * p2).sum_dim(1).squeeze_dim(1)
}

/// The classifier's verdict on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Calibrated class probabilities.
    pub probabilities: [f32; CLASSES],
    /// The most probable digit.
    pub digit: u8,
    /// Its probability.
    pub confidence: f32,
}

impl Classification {
    fn new(probabilities: &[f32]) -> Self {
        let probabilities: [f32; CLASSES] = probabilities.try_into().expect("10 probabilities");
        let (digit, &confidence) = probabilities
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("non-empty");
        Self { probabilities, digit: digit as u8, confidence }
    }
}

/// Both matchers' verdicts on a pair of images.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The formula matcher, Σᵢ pᴬᵢ pᴮᵢ.
    pub probability: f32,
    /// The trained dense matcher.
    pub dense_probability: f32,
    /// The first image's classification.
    pub a: Classification,
    /// The second image's classification.
    pub b: Classification,
}

/// Why inference failed.
#[derive(Debug, Clone)]
pub enum MatchError {
    /// An image is not 28×28 = 784 values.
    Size { index: usize, len: usize },
    /// An image holds NaN or infinite values.
    NotFinite { index: usize },
    /// The device failed while computing or reading back (for example a lost GPU).
    Device(String),
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size { index, len } => {
                write!(f, "image {index} has {len} values, expected {PIXELS} (28×28)")
            }
            Self::NotFinite { index } => write!(f, "image {index} contains NaN or infinite values"),
            Self::Device(e) => write!(f, "device error: {e}"),
        }
    }
}

impl std::error::Error for MatchError {}

/// The classifier and the dense head on one device.
#[derive(Debug)]
pub struct Matcher {
    classifier: Classifier,
    head: MatchHead,
    device: Device,
}

impl Matcher {
    /// Models on `device`.
    pub fn new(classifier: Classifier, head: MatchHead, device: Device) -> Self {
        Self { classifier, head, device }
    }

    /// The embedded trained models on `device`.
    pub fn embedded(device: Device) -> Result<Self, WeightsError> {
        let (classifier, head) = weights::load(&device)?;
        Ok(Self::new(classifier, head, device))
    }

    /// The device the models run on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Classifies preprocessed 28×28 images (ink in [0, 1]) in one batch.
    pub async fn classify(&self, images: &[&[f32]]) -> Result<Vec<Classification>, MatchError> {
        if images.is_empty() {
            return Ok(Vec::new());
        }
        let probs = self.classifier.probabilities(self.batch(images)?);
        let values = read(probs).await?;
        Ok(values.chunks_exact(CLASSES).map(Classification::new).collect())
    }

    /// Classifies both images in one batch of two and applies both matchers.
    pub async fn match_pair(&self, a: &[f32], b: &[f32]) -> Result<Match, MatchError> {
        let probs = self.classifier.probabilities(self.batch(&[a, b])?);
        let p1 = probs.clone().slice([0..1]);
        let p2 = probs.clone().slice([1..2]);
        let formula = same_probability(p1.clone(), p2.clone());
        let dense = self.head.probability(p1, p2);
        // One readback: 20 probabilities, then the formula's and the dense head's probability.
        let values = read(Tensor::cat(vec![probs.flatten(0, 1), formula, dense], 0)).await?;
        Ok(Match {
            probability: values[2 * CLASSES],
            dense_probability: values[2 * CLASSES + 1],
            a: Classification::new(&values[..CLASSES]),
            b: Classification::new(&values[CLASSES..2 * CLASSES]),
        })
    }

    fn batch(&self, images: &[&[f32]]) -> Result<Tensor<3>, MatchError> {
        let mut pixels = Vec::with_capacity(images.len() * PIXELS);
        for (index, image) in images.iter().enumerate() {
            if image.len() != PIXELS {
                return Err(MatchError::Size { index, len: image.len() });
            }
            if !image.iter().all(|v| v.is_finite()) {
                return Err(MatchError::NotFinite { index });
            }
            pixels.extend_from_slice(image);
        }
        Ok(Tensor::from_data(TensorData::new(pixels, [images.len(), SIDE, SIDE]), &self.device))
    }
}

/// Reads a tensor back asynchronously.
async fn read<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, MatchError> {
    let data = tensor.into_data_async().await.map_err(|e| MatchError::Device(format!("{e:?}")))?;
    data.try_into_vec::<f32>().map_err(|e| MatchError::Device(format!("{e:?}")))
}
