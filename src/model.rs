//! The two networks: a small CNN digit classifier and the dense matching head.
//!
//! Both are plain burn modules that run on any device (the `flex` CPU backend natively and as the
//! browser fallback, WebGPU in the browser). The classifier is trained with batch norm; for
//! shipping, [`Classifier::fold`] folds each batch norm into its convolution and a fitted softmax
//! temperature into the last layer, so the deployed network is conv → relu → pool only and its
//! softmax is already calibrated.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid, softmax};

/// Side of the square grey image the classifier reads.
pub const SIDE: usize = 28;
/// Pixels of one image.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of digit classes.
pub const CLASSES: usize = 10;

/// Mean and standard deviation of MNIST pixels in [0, 1]; inputs are standardised with them.
const PIXEL_MEAN: f64 = 0.1307;
const PIXEL_STD: f64 = 0.3081;

/// Convolution (valid padding), optional batch norm, relu, optional 2×2 max pool.
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
    norm: Option<BatchNorm>,
    pool: Option<MaxPool2d>,
}

impl ConvBlock {
    fn new(channels: [usize; 2], kernel: usize, norm: bool, pool: bool, device: &Device) -> Self {
        Self {
            conv: Conv2dConfig::new(channels, [kernel, kernel]).init(device),
            norm: norm.then(|| BatchNormConfig::new(channels[1]).init(device)),
            pool: pool.then(|| MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init()),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        let x = match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        };
        let x = relu(x);
        match &self.pool {
            Some(pool) => pool.forward(x),
            None => x,
        }
    }

    /// The same block with its batch norm folded into the convolution's weight and bias.
    fn fold(self) -> Self {
        let Some(norm) = self.norm else { return self };
        // y = γ·(conv(x) + b − μ)/√(σ² + ε) + β  =  conv'(x) + b'  with  w' = w·s,  b' = (b − μ)·s + β.
        let scale = norm.gamma.val() / (norm.running_var.value() + norm.epsilon).sqrt();
        let [out, ..] = self.conv.weight.dims();
        let bias = match &self.conv.bias {
            Some(bias) => bias.val(),
            None => Tensor::zeros([out], &scale.device()),
        };
        let bias = (bias - norm.running_mean.value()) * scale.clone() + norm.beta.val();
        let weight = self.conv.weight.val() * scale.reshape([out, 1, 1, 1]);
        let conv = Conv2d {
            weight: Param::from_tensor(weight),
            bias: Some(Param::from_tensor(bias)),
            ..self.conv
        };
        Self { conv, norm: None, pool: self.pool }
    }
}

/// The digit classifier: three convolution blocks and a linear layer.
///
/// 28×28 → conv5 (32) → pool → conv3 (32) → pool → conv3 (64) → linear (10):
/// 34,762 parameters (34,442 once batch norm is folded), 1.55 M multiply-adds per image.
#[derive(Module, Debug)]
pub struct Classifier {
    blocks: Vec<ConvBlock>,
    dropout: Dropout,
    output: Linear,
}

impl Classifier {
    /// A freshly initialised classifier; `batch_norm` is true for training, false for the folded,
    /// deployable layout that [`Classifier::fold`] produces and the embedded weights use.
    pub fn new(batch_norm: bool, device: &Device) -> Self {
        Self {
            blocks: vec![
                ConvBlock::new([1, 32], 5, batch_norm, true, device), // 24×24 → 12×12
                ConvBlock::new([32, 32], 3, batch_norm, true, device), // 10×10 → 5×5
                ConvBlock::new([32, 64], 3, batch_norm, false, device), // 3×3
            ],
            dropout: DropoutConfig::new(0.25).init(),
            output: LinearConfig::new(64 * 3 * 3, CLASSES).init(device),
        }
    }

    /// Logits `[batch, 10]` for grey images `[batch, 28, 28]` with ink in [0, 1].
    pub fn forward(&self, images: Tensor<3>) -> Tensor<2> {
        let [batch, height, width] = images.dims();
        let x = ((images - PIXEL_MEAN) / PIXEL_STD).reshape([batch, 1, height, width]);
        let x = self.blocks.iter().fold(x, |x, block| block.forward(x));
        let x = self.dropout.forward(x.flatten(1, 3));
        self.output.forward(x)
    }

    /// Class probabilities `[batch, 10]`.
    pub fn probabilities(&self, images: Tensor<3>) -> Tensor<2> {
        softmax(self.forward(images), 1)
    }

    /// The deployable network: batch norms folded into the convolutions and the logits divided
    /// by `temperature`, so that [`Classifier::probabilities`] is calibrated.
    pub fn fold(self, temperature: f32) -> Self {
        let scale = 1.0 / temperature;
        let output = Linear {
            weight: self.output.weight.map(|w| w * scale),
            bias: self.output.bias.map(|b| b.map(|b| b * scale)),
        };
        Self {
            blocks: self.blocks.into_iter().map(ConvBlock::fold).collect(),
            dropout: self.dropout,
            output,
        }
    }
}

/// The notebook's dense matcher: Dense(32, relu) → Dense(1, sigmoid) on `[p¹, p²]`.
#[derive(Module, Debug)]
pub struct MatchHead {
    hidden: Linear,
    output: Linear,
}

impl MatchHead {
    /// A freshly initialised head.
    pub fn new(device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(2 * CLASSES, 32).init(device),
            output: LinearConfig::new(32, 1).init(device),
        }
    }

    /// Logits `[batch]` of "same digit" for two probability batches `[batch, 10]`.
    pub fn forward(&self, p1: Tensor<2>, p2: Tensor<2>) -> Tensor<1> {
        let x = relu(self.hidden.forward(Tensor::cat(vec![p1, p2], 1)));
        self.output.forward(x).squeeze_dim(1)
    }

    /// Probability `[batch]` that the two digits are the same.
    pub fn probability(&self, p1: Tensor<2>, p2: Tensor<2>) -> Tensor<1> {
        sigmoid(self.forward(p1, p2))
    }
}
