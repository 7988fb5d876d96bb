//! MNIST from its IDX files, and the notebook's pairs of subsequent samples (native only).
//!
//! `scripts/fetch-mnist.sh` puts the four uncompressed files into `data/mnist/`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::{PIXELS, SIDE};

/// What went wrong reading an IDX file; every variant names the file.
#[derive(Debug)]
pub enum IdxError {
    /// The file could not be read.
    Io(PathBuf, std::io::Error),
    /// The header does not start with the expected magic number.
    Magic { path: PathBuf, expected: u32, found: u32 },
    /// The header is shorter than its format needs.
    Header(PathBuf),
    /// The images are not 28×28.
    Dimensions { path: PathBuf, rows: u32, cols: u32 },
    /// The body length does not match the header's count.
    Length { path: PathBuf, expected: usize, found: usize },
    /// An image file and a label file disagree on the number of items.
    Count { images: usize, labels: usize },
    /// A label is not a digit.
    Label { path: PathBuf, index: usize, value: u8 },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(path, e) => write!(f, "{}: {e}", path.display()),
            Self::Magic { path, expected, found } => write!(
                f,
                "{}: not an IDX file of this kind (magic {found:#010x}, expected {expected:#010x})",
                path.display()
            ),
            Self::Header(path) => write!(f, "{}: truncated IDX header", path.display()),
            Self::Dimensions { path, rows, cols } => {
                write!(f, "{}: images are {rows}×{cols}, expected {SIDE}×{SIDE}", path.display())
            }
            Self::Length { path, expected, found } => write!(
                f,
                "{}: body has {found} bytes, header announces {expected} (truncated or corrupt)",
                path.display()
            ),
            Self::Count { images, labels } => {
                write!(f, "{images} images but {labels} labels")
            }
            Self::Label { path, index, value } => {
                write!(f, "{}: label {index} is {value}, not a digit", path.display())
            }
        }
    }
}

impl std::error::Error for IdxError {}

/// Labelled 28×28 grey images, pixels as stored (0 = background, 255 = ink).
#[derive(Debug, Clone)]
pub struct Split {
    /// `len() * 784` bytes, image after image, row-major.
    pub pixels: Vec<u8>,
    /// One digit per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Reads an image file and its label file.
    pub fn read(images: &Path, labels: &Path) -> Result<Self, IdxError> {
        let pixels = read_images(images)?;
        let labels = read_labels(labels)?;
        if pixels.len() != labels.len() * PIXELS {
            return Err(IdxError::Count { images: pixels.len() / PIXELS, labels: labels.len() });
        }
        Ok(Self { pixels, labels })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        &self.pixels[index * PIXELS..(index + 1) * PIXELS]
    }

    /// Image `index` as ink in [0, 1], the classifier's input convention.
    pub fn image_f32(&self, index: usize) -> impl Iterator<Item = f32> + '_ {
        self.image(index).iter().map(|&p| f32::from(p) / 255.0)
    }
}

/// The standard training (60,000) and test (10,000) splits.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// `train-*-idx?-ubyte`.
    pub train: Split,
    /// `t10k-*-idx?-ubyte`.
    pub test: Split,
}

impl Mnist {
    /// Reads the four IDX files from `dir`.
    pub fn read(dir: &Path) -> Result<Self, IdxError> {
        let split = |prefix: &str| {
            Split::read(
                &dir.join(format!("{prefix}-images-idx3-ubyte")),
                &dir.join(format!("{prefix}-labels-idx1-ubyte")),
            )
        };
        Ok(Self { train: split("train")?, test: split("t10k")? })
    }
}

/// One pair of subsequent samples `(2k, 2k+1)` and whether their digits coincide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Index of the first image.
    pub first: usize,
    /// Index of the second image.
    pub second: usize,
    /// Whether both show the same digit.
    pub same: bool,
}

/// The notebook's pairing: samples (0, 1), (2, 3), …; an odd last sample is left out.
pub fn pairs(labels: &[u8]) -> Vec<Pair> {
    labels
        .chunks_exact(2)
        .enumerate()
        .map(|(k, two)| Pair { first: 2 * k, second: 2 * k + 1, same: two[0] == two[1] })
        .collect()
}

fn read_idx(path: &Path, magic: u32, dims: usize) -> Result<(Vec<u32>, Vec<u8>), IdxError> {
    let bytes = std::fs::read(path).map_err(|e| IdxError::Io(path.to_owned(), e))?;
    let header_len = 4 + 4 * dims;
    let word = |i: usize| bytes.get(4 * i..4 * i + 4).map(|b| u32::from_be_bytes(b.try_into().unwrap()));
    match word(0) {
        None => return Err(IdxError::Header(path.to_owned())),
        Some(found) if found != magic => {
            return Err(IdxError::Magic { path: path.to_owned(), expected: magic, found });
        }
        Some(_) if bytes.len() < header_len => return Err(IdxError::Header(path.to_owned())),
        Some(_) => {}
    }
    let shape: Vec<u32> = (1..=dims).filter_map(word).collect();
    let expected = shape.iter().map(|&d| d as usize).product::<usize>();
    let body = bytes[header_len..].to_vec();
    if body.len() != expected {
        return Err(IdxError::Length { path: path.to_owned(), expected, found: body.len() });
    }
    Ok((shape, body))
}

/// Reads an `idx3-ubyte` image file (magic 0x803) of 28×28 images.
pub fn read_images(path: &Path) -> Result<Vec<u8>, IdxError> {
    let (shape, pixels) = read_idx(path, 0x0803, 3)?;
    let (rows, cols) = (shape[1], shape[2]);
    if rows as usize != SIDE || cols as usize != SIDE {
        return Err(IdxError::Dimensions { path: path.to_owned(), rows, cols });
    }
    Ok(pixels)
}

/// Reads an `idx1-ubyte` label file (magic 0x801) of digits.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, IdxError> {
    let (_, labels) = read_idx(path, 0x0801, 1)?;
    if let Some(index) = labels.iter().position(|&l| l > 9) {
        return Err(IdxError::Label { path: path.to_owned(), index, value: labels[index] });
    }
    Ok(labels)
}
