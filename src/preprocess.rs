//! Canvas pixels → the 28×28 image the classifier sees, following the MNIST convention:
//! the digit's bounding box is scaled so its longer side is 20 px, then placed so its
//! centre of mass sits on pixel (14, 14) of a black 28×28 field, ink white.

use std::fmt;

use fast_image_resize::images::TypedImage;
use fast_image_resize::pixels::F32;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};

use crate::model::SIDE;

/// Largest accepted input, in pixels (width × height).
pub const MAX_PIXELS: usize = 4096 * 4096;

/// Side of the box the digit's longer side is scaled to.
const DIGIT_SIDE: usize = 20;

/// Ink above this level counts towards the bounding box and the blank test.
const INK_THRESHOLD: f32 = 0.2;

/// A drawing needs at least one inked pixel per this many canvas pixels not to be blank.
const PIXELS_PER_REQUIRED_INK: usize = 2000;

/// Why an image cannot be preprocessed.
#[derive(Debug, Clone, PartialEq)]
pub enum PreprocessError {
    /// The width or the height is zero.
    ZeroSize,
    /// The image has more than [`MAX_PIXELS`] pixels.
    TooLarge { width: u32, height: u32 },
    /// The data is not width × height × 4 bytes long.
    WrongLength { expected: usize, actual: usize },
}

impl fmt::Display for PreprocessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroSize => write!(f, "image has zero width or height"),
            Self::TooLarge { width, height } => write!(
                f,
                "image is {width}×{height} pixels, more than the limit of {MAX_PIXELS}"
            ),
            Self::WrongLength { expected, actual } => write!(
                f,
                "image data has {actual} bytes, expected {expected} (width × height × 4 for RGBA)"
            ),
        }
    }
}

impl std::error::Error for PreprocessError {}

/// RGBA8 pixels, row-major, width×height.
#[derive(Debug, Clone, Copy)]
pub struct Rgba<'a> {
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
}

/// Converts a drawing to MNIST form.
///
/// Returns `Ok(None)` when the image is blank (or nearly blank), else 784 row-major values
/// in [0, 1] with ink = 1 (a white digit on black, like MNIST/255).
pub fn to_mnist(image: Rgba<'_>) -> Result<Option<Vec<f32>>, PreprocessError> {
    let (width, height) = validate(&image)?;
    let ink = InkSource::detect(image.data, width, height).ink_map(image.data);
    let Some(bbox) = ink_bbox(&ink, width, height) else {
        return Ok(None);
    };
    let digit = scale_to_digit_box(&crop(&ink, width, &bbox), bbox.width(), bbox.height());
    Ok(Some(centre_by_mass(&digit)))
}

/// Checks the dimensions and the data length; returns width and height as `usize`.
fn validate(image: &Rgba<'_>) -> Result<(usize, usize), PreprocessError> {
    let (width, height) = (image.width, image.height);
    if width == 0 || height == 0 {
        return Err(PreprocessError::ZeroSize);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS as u64 {
        return Err(PreprocessError::TooLarge { width, height });
    }
    // Both fit in usize now: their product is at most MAX_PIXELS.
    let (width, height) = (width as usize, height as usize);
    let expected = width * height * 4;
    if image.data.len() != expected {
        return Err(PreprocessError::WrongLength {
            expected,
            actual: image.data.len(),
        });
    }
    Ok((width, height))
}

/// Where a pixel's ink comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum InkSource {
    /// Strokes on a transparent canvas: ink is opacity.
    Alpha,
    /// Opaque, light digit on a dark background: ink is luminance.
    DarkBackground,
    /// Opaque, dark digit on a light background: ink is 1 − luminance.
    LightBackground,
}

impl InkSource {
    /// Alpha when any pixel is not fully opaque, else the polarity the border's mean luminance shows.
    fn detect(data: &[u8], width: usize, height: usize) -> Self {
        let pixels = data.as_chunks::<4>().0;
        if pixels.iter().any(|px| px[3] < 255) {
            return Self::Alpha;
        }
        let on_border = |i: usize| {
            let (x, y) = (i % width, i / width);
            x == 0 || y == 0 || x == width - 1 || y == height - 1
        };
        let (sum, count) = pixels
            .iter()
            .enumerate()
            .filter(|&(i, _)| on_border(i))
            .fold((0.0f64, 0usize), |(sum, count), (_, px)| {
                (sum + f64::from(luminance(px)), count + 1)
            });
        if sum / count as f64 > 0.5 {
            Self::LightBackground
        } else {
            Self::DarkBackground
        }
    }

    /// Ink of every RGBA pixel, in [0, 1]. One loop per source, so each compiles to SIMD code
    /// (a 280×280 canvas is 78,400 pixels, read on every animation frame).
    fn ink_map(self, data: &[u8]) -> Vec<f32> {
        let pixels = data.as_chunks::<4>().0.iter();
        match self {
            Self::Alpha => pixels.map(|px| f32::from(px[3]) / 255.0).collect(),
            Self::DarkBackground => pixels.map(luminance).collect(),
            Self::LightBackground => pixels.map(|px| 1.0 - luminance(px)).collect(),
        }
    }
}

/// Rec. 601 luma of an RGBA pixel, in [0, 1]; exactly 0 for black and 1 for white.
fn luminance(px: &[u8; 4]) -> f32 {
    let weighted = 299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
    weighted as f32 / 255_000.0
}

/// A rectangle of pixels, `x0..x1` × `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Rect {
    fn width(&self) -> usize {
        self.x1 - self.x0
    }

    fn height(&self) -> usize {
        self.y1 - self.y0
    }
}

/// Bounding box of the pixels with ink above the threshold, or `None` when too few have it.
fn ink_bbox(ink: &[f32], width: usize, height: usize) -> Option<Rect> {
    let required = (width * height / PIXELS_PER_REQUIRED_INK).max(1);
    let inked = |v: &f32| *v > INK_THRESHOLD;
    let mut count = 0;
    let mut bbox = Rect {
        x0: width,
        y0: height,
        x1: 0,
        y1: 0,
    };
    // Row by row: a count (vectorised), then the first and last inked pixel of inked rows only.
    for (y, row) in ink.chunks_exact(width).enumerate() {
        let n = row.iter().filter(|v| inked(v)).count();
        if n == 0 {
            continue;
        }
        count += n;
        let first = row.iter().position(inked).unwrap_or(0);
        let last = row.iter().rposition(inked).unwrap_or(0);
        bbox.x0 = bbox.x0.min(first);
        bbox.x1 = bbox.x1.max(last + 1);
        bbox.y0 = bbox.y0.min(y);
        bbox.y1 = y + 1;
    }
    (count >= required).then_some(bbox)
}

/// The pixels of `rect`, row-major.
fn crop(ink: &[f32], width: usize, rect: &Rect) -> Vec<f32> {
    let mut pixels = Vec::with_capacity(rect.width() * rect.height());
    for row in ink.chunks_exact(width).take(rect.y1).skip(rect.y0) {
        pixels.extend_from_slice(&row[rect.x0..rect.x1]);
    }
    pixels
}

/// A single-channel image, row-major.
#[derive(Debug, Clone, PartialEq)]
struct Gray {
    pixels: Vec<f32>,
    width: usize,
    height: usize,
}

/// Scales an image so its longer side is [`DIGIT_SIDE`], keeping the aspect ratio:
/// area averaging when shrinking, bilinear when enlarging.
fn scale_to_digit_box(pixels: &[f32], width: usize, height: usize) -> Gray {
    let longer = width.max(height);
    let scaled = |side: usize| {
        ((side * DIGIT_SIDE) as f64 / longer as f64)
            .round()
            .max(1.0) as usize
    };
    let (out_width, out_height) = (scaled(width), scaled(height));
    let filter = if longer > DIGIT_SIDE {
        FilterType::Box
    } else {
        FilterType::Bilinear
    };

    // Widths and heights are at most 4096 here, so they fit in u32.
    let src = TypedImage::<F32>::from_pixels(
        width as u32,
        height as u32,
        pixels.iter().map(|&v| F32::new(v)).collect(),
    )
    .expect("the crop has width × height pixels");
    let mut dst = TypedImage::<F32>::new(out_width as u32, out_height as u32);
    Resizer::new()
        .resize_typed(
            &src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
        )
        .expect("resizing between non-empty F32 images without cropping cannot fail");
    Gray {
        pixels: dst.pixels().iter().map(|px| px.0).collect(),
        width: out_width,
        height: out_height,
    }
}

/// Places `digit` in a black [`SIDE`]×[`SIDE`] field so its centre of mass lands on pixel
/// (14, 14) (shift rounded to whole pixels, clamped to keep the digit inside); values clamped to [0, 1].
fn centre_by_mass(digit: &Gray) -> Vec<f32> {
    let (mut mass, mut moment_x, mut moment_y) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &v) in digit.pixels.iter().enumerate() {
        let v = f64::from(v);
        mass += v;
        moment_x += v * (i % digit.width) as f64;
        moment_y += v * (i / digit.width) as f64;
    }
    // As MNIST did: the centre of mass, in pixel indices, goes to pixel (14, 14).
    // The digit holds ink above the threshold, so `mass` is positive.
    let offset = |moment: f64, side: usize| {
        let shift = (SIDE as f64 / 2.0 - moment / mass).round();
        shift.clamp(0.0, (SIDE - side) as f64) as usize
    };
    let (left, top) = (
        offset(moment_x, digit.width),
        offset(moment_y, digit.height),
    );

    let mut out = vec![0.0; SIDE * SIDE];
    for (y, row) in digit.pixels.chunks_exact(digit.width).enumerate() {
        let start = (top + y) * SIDE + left;
        for (o, &v) in out[start..start + digit.width].iter_mut().zip(row) {
            *o = v.clamp(0.0, 1.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: [u8; 4] = [255, 255, 255, 255];
    const BLACK: [u8; 4] = [0, 0, 0, 255];
    const CLEAR: [u8; 4] = [0, 0, 0, 0];

    /// A width×height RGBA canvas: `ink` where `shape(x, y)` holds, `background` elsewhere.
    fn canvas(
        width: u32,
        height: u32,
        background: [u8; 4],
        ink: [u8; 4],
        shape: impl Fn(u32, u32) -> bool,
    ) -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| if shape(x, y) { ink } else { background })
            .collect()
    }

    /// A shape: the pixels inside `x0..x1` × `y0..y1`.
    fn rect(x0: u32, y0: u32, x1: u32, y1: u32) -> impl Fn(u32, u32) -> bool {
        move |x, y| (x0..x1).contains(&x) && (y0..y1).contains(&y)
    }

    fn run(data: &[u8], width: u32, height: u32) -> Option<Vec<f32>> {
        to_mnist(Rgba {
            data,
            width,
            height,
        })
        .expect("valid image")
    }

    /// Bounding box of the output pixels above the ink threshold.
    fn output_bbox(out: &[f32]) -> Rect {
        ink_bbox(out, SIDE, SIDE).expect("ink in the output")
    }

    fn centre_of_mass(out: &[f32]) -> (f32, f32) {
        let mass: f32 = out.iter().sum();
        let moment = |coord: fn(usize) -> usize| {
            out.iter()
                .enumerate()
                .map(|(i, v)| v * coord(i) as f32)
                .sum::<f32>()
                / mass
        };
        (moment(|i| i % SIDE), moment(|i| i / SIDE))
    }

    fn assert_close(a: &[f32], b: &[f32], tolerance: f32) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tolerance, "pixel {i}: {x} vs {y}");
        }
    }

    #[test]
    fn zero_size_is_rejected() {
        for (width, height) in [(0, 5), (5, 0), (0, 0)] {
            let err = to_mnist(Rgba {
                data: &[],
                width,
                height,
            })
            .unwrap_err();
            assert_eq!(err, PreprocessError::ZeroSize);
        }
    }

    #[test]
    fn too_large_is_rejected_without_overflow() {
        for (width, height) in [(4097, 4096), (u32::MAX, u32::MAX)] {
            let err = to_mnist(Rgba {
                data: &[],
                width,
                height,
            })
            .unwrap_err();
            assert_eq!(err, PreprocessError::TooLarge { width, height });
        }
    }

    #[test]
    fn wrong_length_is_rejected_with_a_clear_message() {
        let err = to_mnist(Rgba {
            data: &[0; 100],
            width: 20,
            height: 20,
        })
        .unwrap_err();
        assert_eq!(
            err,
            PreprocessError::WrongLength {
                expected: 1600,
                actual: 100
            }
        );
        assert_eq!(
            err.to_string(),
            "image data has 100 bytes, expected 1600 (width × height × 4 for RGBA)"
        );
    }

    #[test]
    fn blank_canvases_give_none() {
        assert_eq!(
            run(&canvas(50, 40, WHITE, WHITE, |_, _| false), 50, 40),
            None
        );
        assert_eq!(
            run(&canvas(50, 40, CLEAR, CLEAR, |_, _| false), 50, 40),
            None
        );
    }

    #[test]
    fn a_few_specks_on_a_large_canvas_are_blank() {
        // 400×300 needs 60 inked pixels; a 7×7 speck has 49.
        let specks = canvas(400, 300, WHITE, BLACK, rect(100, 100, 107, 107));
        assert_eq!(run(&specks, 400, 300), None);
        let stroke = canvas(400, 300, WHITE, BLACK, rect(100, 100, 108, 108));
        assert!(run(&stroke, 400, 300).is_some());
    }

    /// An "L": a tall bar with a foot, so the centre of mass differs from the bbox centre.
    fn ell(x: u32, y: u32) -> bool {
        rect(30, 20, 50, 140)(x, y) || rect(50, 120, 90, 140)(x, y)
    }

    #[test]
    fn polarity_and_alpha_give_the_same_image() {
        let (w, h) = (120, 160);
        let dark_on_light = run(&canvas(w, h, WHITE, BLACK, ell), w, h).unwrap();
        let light_on_dark = run(&canvas(w, h, BLACK, WHITE, ell), w, h).unwrap();
        let alpha_stroke = run(&canvas(w, h, CLEAR, [20, 40, 200, 255], ell), w, h).unwrap();
        assert_close(&dark_on_light, &light_on_dark, 1e-6);
        assert_close(&dark_on_light, &alpha_stroke, 1e-6);
    }

    #[test]
    fn digit_fills_twenty_pixels_and_is_centred_by_mass() {
        let (w, h) = (120, 160);
        let out = run(&canvas(w, h, WHITE, BLACK, ell), w, h).unwrap();
        assert_eq!(out.len(), SIDE * SIDE);
        assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
        let bbox = output_bbox(&out);
        // 60×120 → 10×20.
        assert_eq!((bbox.width(), bbox.height()), (10, 20));
        let (cx, cy) = centre_of_mass(&out);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "centre of mass ({cx}, {cy})"
        );
        // The foot pulls the mass right and down, so the bbox is not centred.
        assert_ne!((bbox.x0, bbox.y0), (9, 4));
    }

    #[test]
    fn shrinking_a_uniform_block_keeps_it_uniform() {
        let out = run(
            &canvas(240, 140, WHITE, BLACK, rect(20, 20, 220, 120)),
            240,
            140,
        )
        .unwrap();
        let bbox = output_bbox(&out);
        assert_eq!((bbox.width(), bbox.height()), (20, 10));
        assert_eq!(
            bbox,
            Rect {
                x0: 5,
                y0: 10,
                x1: 25,
                y1: 20
            }
        );
        for (i, &v) in out.iter().enumerate() {
            let inside = rect(5, 10, 25, 20)((i % SIDE) as u32, (i / SIDE) as u32);
            let expected = if inside { 1.0 } else { 0.0 };
            assert!((v - expected).abs() < 1e-6, "pixel {i}: {v}");
        }
    }

    #[test]
    fn shrinking_averages_areas() {
        // A 40×40 checkerboard of single pixels halves to uniform grey, which sampling would not give.
        let board = canvas(60, 60, BLACK, WHITE, |x, y| {
            rect(10, 10, 50, 50)(x, y) && (x + y) % 2 == 0
        });
        let out = run(&board, 60, 60).unwrap();
        let bbox = output_bbox(&out);
        assert_eq!(
            bbox,
            Rect {
                x0: 5,
                y0: 5,
                x1: 25,
                y1: 25
            }
        );
        for y in bbox.y0..bbox.y1 {
            for x in bbox.x0..bbox.x1 {
                let v = out[y * SIDE + x];
                assert!((v - 0.5).abs() < 1e-6, "({x}, {y}): {v}");
            }
        }
    }

    #[test]
    fn a_tiny_dot_is_enlarged() {
        let out = run(&canvas(28, 28, WHITE, BLACK, rect(5, 5, 8, 8)), 28, 28).unwrap();
        let bbox = output_bbox(&out);
        assert_eq!((bbox.width(), bbox.height()), (20, 20));
        assert!(out[14 * SIDE + 14] > 0.99);
    }

    #[test]
    fn a_one_pixel_line_keeps_at_least_one_pixel_of_thickness() {
        let out = run(
            &canvas(300, 30, CLEAR, WHITE, rect(10, 10, 290, 11)),
            300,
            30,
        )
        .unwrap();
        let bbox = output_bbox(&out);
        assert_eq!((bbox.width(), bbox.height()), (20, 1));
    }
}
