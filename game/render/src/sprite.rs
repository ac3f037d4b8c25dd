//! Pixel-art sprites: the text format, its parser, and the sprites compiled into the crate.
//!
//! A sprite is authored as text in `data/sprites/<name>.txt` (all original art drawn for this
//! project): `;` comment lines, palette lines `c = #rrggbb` mapping one character to a colour, a
//! `---` line, then one row of characters per pixel row, `.` meaning transparent. The files are
//! embedded with `include_str!` so neither the lab window nor the agent needs a data path at run
//! time. This module does not draw; it only turns text into pixels, with errors that name the
//! sprite, line and column.

use crate::RenderError;

/// A parsed sprite: `width * height` pixels, row-major, `None` where transparent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sprite {
    /// Name (file stem).
    pub name: String,
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// Row-major pixels; `None` is transparent.
    pub pixels: Vec<Option<[u8; 3]>>,
}

/// The sprites compiled into the crate: (name, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("brick", include_str!("../../../data/sprites/brick.txt")),
    ("coin", include_str!("../../../data/sprites/coin.txt")),
    ("door", include_str!("../../../data/sprites/door.txt")),
    ("enemy", include_str!("../../../data/sprites/enemy.txt")),
    ("fire", include_str!("../../../data/sprites/fire.txt")),
    (
        "ice_cream",
        include_str!("../../../data/sprites/ice_cream.txt"),
    ),
    ("key", include_str!("../../../data/sprites/key.txt")),
    ("ladder", include_str!("../../../data/sprites/ladder.txt")),
    (
        "princess",
        include_str!("../../../data/sprites/princess.txt"),
    ),
    ("robot", include_str!("../../../data/sprites/robot.txt")),
    ("spikes", include_str!("../../../data/sprites/spikes.txt")),
    ("wall", include_str!("../../../data/sprites/wall.txt")),
];

/// The names of the embedded sprites, comma-separated (for error messages).
pub fn known_names() -> String {
    EMBEDDED
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks up and parses an embedded sprite. `Ok(None)` if no sprite has that name.
pub fn embedded(name: &str) -> Result<Option<Sprite>, RenderError> {
    match EMBEDDED.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => parse(n, text).map(Some),
        None => Ok(None),
    }
}

fn hex_colour(s: &str) -> Option<[u8; 3]> {
    let h = s
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()))?;
    let b = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([b(0)?, b(2)?, b(4)?])
}

/// Parses a sprite text; `name` is used in error messages.
pub fn parse(name: &str, text: &str) -> Result<Sprite, RenderError> {
    let err = |line: usize, column: usize, message: String| RenderError::BadSprite {
        name: name.to_string(),
        line,
        column,
        message,
    };
    let mut palette: Vec<(char, [u8; 3])> = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let mut separated = false;
    for (n, line) in lines.by_ref() {
        let t = line.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if t == "---" {
            separated = true;
            break;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| err(n, 1, "expected `c = #rrggbb` or `---`".into()))?;
        let mut chars = key.trim().chars();
        let c = match (chars.next(), chars.next()) {
            (Some(c), None) if c != '.' => c,
            _ => {
                return Err(err(
                    n,
                    1,
                    format!(
                        "palette key {:?} must be one character other than '.'",
                        key.trim()
                    ),
                ));
            }
        };
        let value_col = key.chars().count() + 2 + (value.len() - value.trim_start().len());
        let colour = hex_colour(value.trim()).ok_or_else(|| {
            err(
                n,
                value_col,
                format!("colour {:?} is not #rrggbb", value.trim()),
            )
        })?;
        if palette.iter().any(|(k, _)| *k == c) {
            return Err(err(n, 1, format!("palette key {c:?} defined twice")));
        }
        palette.push((c, colour));
    }
    if !separated {
        return Err(err(
            text.lines().count().max(1),
            1,
            "no `---` line between the palette and the pixels".into(),
        ));
    }
    let mut width = 0usize;
    let mut pixels = Vec::new();
    let mut height = 0usize;
    let mut last_line = 0;
    for (n, line) in lines {
        last_line = n;
        if line.trim().is_empty() {
            continue;
        }
        let row: Vec<char> = line.chars().collect();
        if height == 0 {
            width = row.len();
        } else if row.len() != width {
            return Err(err(
                n,
                row.len().min(width) + 1,
                format!("row has {} pixels, the first row has {width}", row.len()),
            ));
        }
        for (i, ch) in row.iter().enumerate() {
            let px = if *ch == '.' {
                None
            } else {
                let found = palette.iter().find(|(k, _)| k == ch);
                Some(
                    found
                        .ok_or_else(|| {
                            err(n, i + 1, format!("character {ch:?} is not in the palette"))
                        })?
                        .1,
                )
            };
            pixels.push(px);
        }
        height += 1;
    }
    if height == 0 {
        return Err(err(last_line.max(1), 1, "no pixel rows after `---`".into()));
    }
    Ok(Sprite {
        name: name.to_string(),
        width: width as u32,
        height: height as u32,
        pixels,
    })
}

impl Sprite {
    /// The pixel at (x, y); `None` if transparent.
    pub fn at(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        self.pixels[(y * self.width + x) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_sprite_parses_with_its_size() {
        let want = [
            ("brick", 15, 15),
            ("coin", 11, 12),
            ("door", 15, 15),
            ("enemy", 13, 12),
            ("fire", 15, 15),
            ("ice_cream", 15, 15),
            ("key", 15, 15),
            ("ladder", 15, 15),
            ("princess", 18, 25),
            ("robot", 12, 15),
            ("spikes", 15, 15),
            ("wall", 15, 15),
        ];
        assert_eq!(
            EMBEDDED.len(),
            want.len(),
            "a sprite was added without a size check"
        );
        for (name, w, h) in want {
            let s = embedded(name)
                .unwrap()
                .unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!((s.width, s.height), (w, h), "{name}");
            assert!(
                s.pixels.iter().any(|p| p.is_some()),
                "{name} is fully transparent"
            );
        }
        assert!(embedded("nope").unwrap().is_none());
    }

    #[test]
    fn ladder_is_transparent_between_rungs_and_bricks_are_opaque() {
        let l = embedded("ladder").unwrap().unwrap();
        assert_eq!(l.at(7, 0), None);
        assert!(l.at(1, 0).is_some());
        let b = embedded("brick").unwrap().unwrap();
        assert!(b.pixels.iter().all(|p| p.is_some()));
    }

    #[test]
    fn errors_name_sprite_line_and_column() {
        let e = parse("s", "; c\na = #ff0000\n---\naa\na?\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "sprite s: line 5, column 2: character '?' is not in the palette"
        );
        let e = parse("s", "a = #ff0000\n---\naa\naaa\n").unwrap_err();
        assert!(
            matches!(
                e,
                RenderError::BadSprite {
                    line: 4,
                    column: 3,
                    ..
                }
            ),
            "{e}"
        );
        let e = parse("s", "a = red\n---\na\n").unwrap_err();
        assert!(
            matches!(
                e,
                RenderError::BadSprite {
                    line: 1,
                    column: 5,
                    ..
                }
            ),
            "{e}"
        );
        let e = parse("s", "a = #000000\naa\n").unwrap_err();
        assert!(matches!(e, RenderError::BadSprite { line: 2, .. }), "{e}");
        let e = parse("s", "a = #000000\na = #111111\n---\na\n").unwrap_err();
        assert!(matches!(e, RenderError::BadSprite { line: 2, .. }), "{e}");
        assert!(parse("s", "a = #000000\n---\n\n").is_err());
        let ok = parse("s", "a = #0a0b0c\n---\n.a\n").unwrap();
        assert_eq!((ok.at(0, 0), ok.at(1, 0)), (None, Some([10, 11, 12])));
    }
}
