//! Figures, each written as PNG and SVG: horizontal bar charts with error bars (Fig. 3 and 8),
//! line charts (height curves of Fig. 4, agent learning curves) and exploration heatmaps drawn
//! over the level as the renderer shows it (Fig. 5d/e).
//!
//! Charts are drawn with plotters (bitmap and SVG backends, no system libraries). Text in charts
//! needs a TrueType font: [`init_font`] registers `$PRIORS_FONT` or the first of a few common
//! system fonts; without one, charts are skipped and the report says why (heatmaps need no
//! text and are always drawn). PNGs are encoded with the renderer's encoder.
//!
//! What it deliberately does not do: no statistics (callers pass means and errors), no layout
//! of several panels per file.

use crate::error::AnalysisError;
use crate::metrics::HEAT_CELL_PX;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use priors_core::{Condition, Level, World};
use priors_render::{Image, Renderer, encode_png};
use std::path::Path;
use std::sync::OnceLock;

/// Font files tried, in order, after `$PRIORS_FONT`.
pub const FONT_CANDIDATES: [&str; 5] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
];

static FONT: OnceLock<Option<String>> = OnceLock::new();

/// Registers a font for chart text once per process; returns the file used, or `None`.
pub fn init_font() -> Option<String> {
    FONT.get_or_init(|| {
        let env = std::env::var("PRIORS_FONT").ok();
        for path in env.iter().map(String::as_str).chain(FONT_CANDIDATES) {
            if let Ok(bytes) = std::fs::read(path) {
                // plotters keeps registered fonts for the life of the process; one leak per process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Some(path.to_string());
                }
            }
        }
        None
    })
    .clone()
}

fn fig_err(name: &str, e: impl std::fmt::Display) -> AnalysisError {
    AnalysisError::Figure {
        name: name.into(),
        message: e.to_string(),
    }
}

/// Something that draws itself on any plotters backend.
trait Figure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String>;
}

/// Draws `fig` into a PNG and an SVG named `<stem>.png` / `<stem>.svg` in `dir`.
fn both(dir: &Path, stem: &str, size: (u32, u32), fig: &impl Figure) -> Result<(), AnalysisError> {
    let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        fig.draw(&root).map_err(|e| fig_err(stem, e))?;
        root.present().map_err(|e| fig_err(stem, e))?;
    }
    let png = encode_png(&Image {
        width: size.0,
        height: size.1,
        rgb: buf,
    });
    let p = dir.join(format!("{stem}.png"));
    std::fs::write(&p, png).map_err(|e| AnalysisError::io(&p, e))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        fig.draw(&root).map_err(|e| fig_err(stem, e))?;
        root.present().map_err(|e| fig_err(stem, e))?;
    }
    let p = dir.join(format!("{stem}.svg"));
    std::fs::write(&p, svg).map_err(|e| AnalysisError::io(&p, e))
}

/// One bar: label, value, error half-width (SEM), and an optional reference (the paper's value,
/// drawn as a diamond).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Category label.
    pub label: String,
    /// Bar length.
    pub value: f64,
    /// Error bar half-width.
    pub err: f64,
    /// Reference value, if any.
    pub reference: Option<f64>,
}

struct Bars<'a> {
    title: &'a str,
    x_label: &'a str,
    bars: &'a [Bar],
}

impl Figure for Bars<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String> {
        let bars = self.bars;
        let n = bars.len();
        let xmax = bars
            .iter()
            .map(|b| (b.value + b.err).max(b.reference.unwrap_or(0.0)))
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.1;
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(190)
            .build_cartesian_2d(0f64..xmax, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n + 1)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < n => bars[n - 1 - *i].label.clone(),
                _ => String::new(),
            })
            .x_desc(self.x_label)
            .draw()
            .map_err(|e| e.to_string())?;
        let row = |i: usize| n - 1 - i;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row(i))),
                        (b.value, SegmentValue::Exact(row(i) + 1)),
                    ],
                    Palette99::pick(i).mix(0.75).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                ErrorBar::new_horizontal(
                    SegmentValue::CenterOf(row(i)),
                    (b.value - b.err).max(0.0),
                    b.value,
                    b.value + b.err,
                    BLACK.stroke_width(2),
                    10,
                )
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
                b.reference
                    .map(|r| Circle::new((r, SegmentValue::CenterOf(row(i))), 5, BLACK.filled()))
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// A horizontal bar chart with error bars (categories top to bottom in the given order); black
/// dots mark reference values.
pub fn bar_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    x_label: &str,
    bars: &[Bar],
) -> Result<(), AnalysisError> {
    if bars.is_empty() {
        return Ok(());
    }
    both(
        dir,
        stem,
        (820, 120 + 36 * bars.len() as u32),
        &Bars {
            title,
            x_label,
            bars,
        },
    )
}

/// A named line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points (x, y), in x order.
    pub points: Vec<(f64, f64)>,
}

struct Lines<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
    xmax: f64,
    ymax: f64,
}

impl Figure for Lines<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..self.xmax, 0f64..self.ymax)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, s) in self.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// A line chart with a legend.
pub fn line_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), AnalysisError> {
    let (mut xmax, mut ymax) = (0.0f64, 0.0f64);
    for &(x, y) in series.iter().flat_map(|s| s.points.iter()) {
        xmax = xmax.max(x);
        ymax = ymax.max(y);
    }
    if series.is_empty() || xmax <= 0.0 {
        return Ok(());
    }
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax * 1.05 };
    both(
        dir,
        stem,
        (900, 560),
        &Lines {
            title,
            x_label,
            y_label,
            series,
            xmax,
            ymax,
        },
    )
}

fn colormap(a: f64) -> [u8; 3] {
    // Black-body-like ramp (dark purple, red, orange, pale yellow).
    const STOPS: [[f64; 3]; 5] = [
        [40.0, 10.0, 90.0],
        [150.0, 20.0, 100.0],
        [230.0, 60.0, 40.0],
        [250.0, 160.0, 20.0],
        [255.0, 250.0, 170.0],
    ];
    let t = a.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let mut out = [0u8; 3];
    for k in 0..3 {
        out[k] = (STOPS[i][k] + f * (STOPS[i + 1][k] - STOPS[i][k])).round() as u8;
    }
    out
}

/// The exploration heatmap image: the level as rendered under the condition (view rotation
/// removed, so the map lies in the level's own coordinates), with log-scaled visit counts per
/// [`HEAT_CELL_PX`] cell (box-smoothed) blended on top, scaled up `scale` times.
pub fn heatmap_image(
    level: &Level,
    condition: &Condition,
    counts: &[u64],
    scale: u32,
) -> Result<Image, AnalysisError> {
    let mut upright = condition.clone();
    upright.view = Default::default();
    let r = Renderer::new(level, &upright).map_err(|e| fig_err("heatmap", e))?;
    let mut frame = r.new_frame();
    r.render(&World::new(level), &mut frame);
    let heat_w = level.width_px().div_ceil(HEAT_CELL_PX) as usize;
    let counts = smooth(counts, heat_w);
    let max = counts.iter().copied().fold(0.0f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let scale = scale.max(1);
    let mut out = Image::new(frame.width * scale, frame.height * scale);
    for y in 0..frame.height {
        for x in 0..frame.width {
            let base = frame.pixel(x, y);
            let cell = (y / HEAT_CELL_PX) as usize * heat_w + (x / HEAT_CELL_PX) as usize;
            let c = counts.get(cell).copied().unwrap_or(0.0);
            let px = if c <= 0.0 {
                // Unvisited: the level, dimmed, so visited places stand out.
                base.map(|v| (v as u32 * 45 / 100) as u8)
            } else {
                let a = (1.0 + c).ln() / (1.0 + max).ln();
                let hot = colormap(a);
                let alpha = 0.55 + 0.4 * a;
                let mut p = [0u8; 3];
                for k in 0..3 {
                    p[k] = (base[k] as f64 * (1.0 - alpha) + hot[k] as f64 * alpha).round() as u8;
                }
                p
            };
            for dy in 0..scale {
                for dx in 0..scale {
                    let i = (((y * scale + dy) * out.width + x * scale + dx) * 3) as usize;
                    out.rgb[i..i + 3].copy_from_slice(&px);
                }
            }
        }
    }
    Ok(out)
}

/// Box-smooths visit counts over 5 x 3 cells (15 x 9 px): the player walks 7 px a tick, so raw
/// cell counts are striped; the smoothed map shows where the player was, not the step grid.
fn smooth(counts: &[u64], w: usize) -> Vec<f64> {
    let h = counts.len().checked_div(w).unwrap_or(0);
    let mut out = vec![0.0; counts.len()];
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0u64, 0u32);
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(2)..(x + 3).min(w) {
                    sum += counts[yy * w + xx];
                    n += 1;
                }
            }
            out[y * w + x] = sum as f64 / n as f64;
        }
    }
    out
}

/// Standard base64 (RFC 4648) of `bytes`, for embedding PNGs in SVG.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Writes a heatmap as `<stem>.png` and `<stem>.svg` (the PNG embedded, with a title).
pub fn heatmap(
    dir: &Path,
    stem: &str,
    title: &str,
    level: &Level,
    condition: &Condition,
    counts: &[u64],
) -> Result<(), AnalysisError> {
    let img = heatmap_image(level, condition, counts, 2)?;
    let png = encode_png(&img);
    let p = dir.join(format!("{stem}.png"));
    std::fs::write(&p, &png).map_err(|e| AnalysisError::io(&p, e))?;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n<title>{t}</title>\n<image width=\"{iw}\" height=\"{ih}\" y=\"24\" href=\"data:image/png;base64,{b}\"/>\n<text x=\"4\" y=\"17\" font-family=\"sans-serif\" font-size=\"14\">{t}</text>\n</svg>\n",
        w = img.width,
        h = img.height + 24,
        iw = img.width,
        ih = img.height,
        t = crate::table::html_escape(title),
        b = base64(&png)
    );
    let p = dir.join(format!("{stem}.svg"));
    std::fs::write(&p, svg).map_err(|e| AnalysisError::io(&p, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn heatmap_marks_visited_cells() {
        let level = priors_catalog::load_level("princess").unwrap().value;
        let (w, h) = crate::metrics::heat_dims(&level);
        let mut counts = vec![0u64; w * h];
        counts[10 * w + 10] = 5;
        let img = heatmap_image(&level, &Condition::original(), &counts, 1).unwrap();
        // The visited cell is bright; an unvisited one of the same background is dimmed.
        let lum = |p: [u8; 3]| p.iter().map(|&v| v as u32).sum::<u32>();
        assert!(
            lum(img.pixel(31, 31)) > lum(img.pixel(31, 3 * 14 + 1)),
            "{:?} {:?}",
            img.pixel(31, 31),
            img.pixel(31, 43)
        );
    }
}
