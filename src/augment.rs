//! Training-time augmentation that makes MNIST look more like digits drawn with a mouse or a
//! finger: small random rotations, scalings, shears and shifts, and thicker or thinner strokes.

use rand::RngExt;

use crate::model::SIDE;

/// Ranges of the random transformations.
#[derive(Debug, Clone, Copy)]
pub struct Augmentation {
    /// Largest rotation, degrees, either way.
    pub rotate_degrees: f32,
    /// Largest relative change of size, either way.
    pub scale: f32,
    /// Largest horizontal shear (x shift per unit of y).
    pub shear: f32,
    /// Largest shift in pixels along each axis.
    pub shift: f32,
    /// Chance to thicken the strokes by about a pixel.
    pub dilate: f64,
    /// Chance to thin the strokes by about a pixel.
    pub erode: f64,
}

impl Default for Augmentation {
    fn default() -> Self {
        Self { rotate_degrees: 12.0, scale: 0.12, shear: 0.15, shift: 2.0, dilate: 0.25, erode: 0.15 }
    }
}

impl Augmentation {
    /// Writes a randomly transformed copy of the 28×28 image `src` (ink in [0, 1]) into `dst`.
    pub fn apply(&self, src: &[f32], dst: &mut [f32], rng: &mut impl RngExt) {
        let angle = rng.random_range(-self.rotate_degrees..=self.rotate_degrees).to_radians();
        let scale = 1.0 + rng.random_range(-self.scale..=self.scale);
        let shear = rng.random_range(-self.shear..=self.shear);
        let shift = [rng.random_range(-self.shift..=self.shift), rng.random_range(-self.shift..=self.shift)];
        warp(src, dst, angle, scale, shear, shift);

        if rng.random_bool(self.dilate) {
            morph(dst, f32::max);
        } else if rng.random_bool(self.erode / (1.0 - self.dilate)) {
            morph(dst, f32::min);
        }
    }
}

/// Inverse-maps every output pixel through rotation·shear·scale about the centre, then a shift,
/// sampling the source bilinearly (zero outside).
fn warp(src: &[f32], dst: &mut [f32], angle: f32, scale: f32, shear: f32, shift: [f32; 2]) {
    let c = SIDE as f32 / 2.0;
    let (sin, cos) = angle.sin_cos();
    // Forward map A = R(angle) · [[1, shear], [0, 1]] · scale; we need A⁻¹.
    let a = [[cos * scale, (cos * shear - sin) * scale], [sin * scale, (sin * shear + cos) * scale]];
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let inv = [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]];
    for y in 0..SIDE {
        for x in 0..SIDE {
            let dx = x as f32 + 0.5 - c - shift[0];
            let dy = y as f32 + 0.5 - c - shift[1];
            let sx = inv[0][0] * dx + inv[0][1] * dy + c - 0.5;
            let sy = inv[1][0] * dx + inv[1][1] * dy + c - 0.5;
            dst[y * SIDE + x] = bilinear(src, sx, sy);
        }
    }
}

fn bilinear(src: &[f32], x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| {
        if xi < 0.0 || yi < 0.0 || xi >= SIDE as f32 || yi >= SIDE as f32 {
            0.0
        } else {
            src[yi as usize * SIDE + xi as usize]
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Grey-scale dilation (`f32::max`) or erosion (`f32::min`) over the pixel and its four
/// neighbours, pixels outside counting as background.
fn morph(image: &mut [f32], pick: fn(f32, f32) -> f32) {
    let src = image.to_vec();
    let at = |x: isize, y: isize| {
        if x < 0 || y < 0 || x >= SIDE as isize || y >= SIDE as isize {
            0.0
        } else {
            src[y as usize * SIDE + x as usize]
        }
    };
    for y in 0..SIDE as isize {
        for x in 0..SIDE as isize {
            let v = [at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1)].into_iter().fold(at(x, y), pick);
            image[y as usize * SIDE + x as usize] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink(image: &[f32]) -> f32 {
        image.iter().sum()
    }

    fn bar() -> Vec<f32> {
        let mut image = vec![0.0; SIDE * SIDE];
        for y in 6..22 {
            for x in 13..15 {
                image[y * SIDE + x] = 1.0;
            }
        }
        image
    }

    #[test]
    fn identity_warp_keeps_the_image() {
        let src = bar();
        let mut dst = vec![0.0; SIDE * SIDE];
        warp(&src, &mut dst, 0.0, 1.0, 0.0, [0.0, 0.0]);
        assert!(src.iter().zip(&dst).all(|(a, b)| (a - b).abs() < 1e-6));
    }

    #[test]
    fn quarter_turn_makes_a_vertical_bar_horizontal() {
        let src = bar();
        let mut dst = vec![0.0; SIDE * SIDE];
        warp(&src, &mut dst, std::f32::consts::FRAC_PI_2, 1.0, 0.0, [0.0, 0.0]);
        let row: f32 = dst[14 * SIDE..15 * SIDE].iter().sum();
        assert!(row > 14.0, "row 14 holds {row} ink after a quarter turn");
        assert!((ink(&src) - ink(&dst)).abs() < 0.5);
    }

    #[test]
    fn dilation_thickens_and_erosion_thins() {
        let mut thick = bar();
        morph(&mut thick, f32::max);
        let mut thin = bar();
        morph(&mut thin, f32::min);
        assert!(ink(&thick) > ink(&bar()) + 16.0);
        assert!(ink(&thin) < ink(&bar()) - 16.0);
    }
}
