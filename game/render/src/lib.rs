//! # priors-render
//!
//! The CPU rasterizer: turns (level, condition, world state) into the RGB frame a person sees and
//! the small grey observation an agent sees. It is the visual side of the conditions: the theme
//! (sprites, flat colours, seeded procedural textures, placebo blocks) and the view rotation are
//! interpreted here and nowhere else, so humans and agents see the same level through the same
//! sprites.
//!
//! Design: a [`Renderer`] is built once per (level, condition). It rasterises everything static
//! (tiles, textures, placebo blocks, door, goal) once into a background already cropped to the view
//! and rotated, and prepares a small bitmap for each dynamic thing (player in both facings, each
//! enemy, the key). A frame is then a copy of the background plus the few dynamic bitmaps. An
//! [`Observer`] does the same at observation size: grey, nearest-neighbour downsampled and rotated
//! background precomputed, plus per-axis source maps, so an observation costs about one memcpy.
//! An [`AreaObserver`] (area-averaged resize) likewise caches the grey background frame and its
//! filtered observation, and per step recomputes only the output pixels under the dynamic
//! bitmaps (equal byte for byte to filtering the whole rendered frame, which it keeps as
//! `observe_full`).
//!
//! What it deliberately does not do: no windowing, no GPU, no IO (sprites are compiled in with
//! `include_str!`; conditions and levels arrive parsed), no clock, no unseeded randomness, and it
//! never changes the simulation.

mod area;
mod raster;
mod renderer;
mod scene;
pub mod sprite;
pub mod texture;

pub use area::AreaObserver;
pub use renderer::{Observer, Renderer};
pub use scene::{placebo_coverage, standing_cells};
pub use sprite::Sprite;

use priors_core::Kind;

/// An RGB8 image, row-major, 3 bytes per pixel, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// `width * height * 3` bytes: R, G, B of each pixel, rows top to bottom.
    pub rgb: Vec<u8>,
}

impl Image {
    /// A black image.
    pub fn new(width: u32, height: u32) -> Image {
        Image {
            width,
            height,
            rgb: vec![0; width as usize * height as usize * 3],
        }
    }

    /// The colour at (x, y). Panics outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        assert!(
            x < self.width && y < self.height,
            "pixel ({x}, {y}) outside a {}x{} image",
            self.width,
            self.height
        );
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

/// Everything that can stop a [`Renderer`] from being built.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A theme names a sprite that is not compiled into this crate.
    #[error("theme paints {kind:?} with sprite {name:?}, which does not exist (known: {known})")]
    UnknownSprite {
        /// The kind whose paint names it.
        kind: Kind,
        /// The name asked for.
        name: String,
        /// The sprite names that exist.
        known: String,
    },
    /// A sprite text that does not parse.
    #[error("sprite {name}: line {line}, column {column}: {message}")]
    BadSprite {
        /// Sprite name.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Why.
        message: String,
    },
    /// A texture paint with no colours (the core rejects these when parsing a file, but a
    /// condition can also be built in code).
    #[error("theme paints {kind:?} with an empty palette")]
    EmptyPalette {
        /// The kind.
        kind: Kind,
    },
    /// The level's view has no pixels.
    #[error("the level's view is {width}x{height} px; it must be at least 1x1")]
    EmptyView {
        /// View width, px.
        width: u32,
        /// View height, px.
        height: u32,
    },
}

/// Integer BT.601 luma of an RGB pixel, the grey value the agent observes.
#[inline]
pub fn luma(p: [u8; 3]) -> u8 {
    ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as u8
}

/// Encodes an image as an 8-bit RGB PNG.
pub fn encode_png(img: &Image) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, img.width, img.height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Writing into a Vec cannot fail with IO errors, and the header and data sizes are consistent
    // by construction of `Image`, so an error here is a bug in this function.
    let mut writer = enc
        .write_header()
        .expect("PNG header for a well-formed image");
    writer
        .write_image_data(&img.rgb)
        .expect("PNG data for a well-formed image");
    writer.finish().expect("PNG end for a well-formed image");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_spans_the_range() {
        assert_eq!(luma([0, 0, 0]), 0);
        assert_eq!(luma([255, 255, 255]), 255);
        assert_eq!(luma([255, 0, 0]), 76);
    }

    #[test]
    fn png_has_signature_and_image_pixels_index_rows() {
        let mut img = Image::new(3, 2);
        let (x, y, width) = (2, 1, 3);
        img.rgb[(y * width + x) * 3] = 9;
        assert_eq!(img.pixel(2, 1), [9, 0, 0]);
        let png = encode_png(&img);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
