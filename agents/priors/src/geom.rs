//! Small geometry and colour helpers shared by the perception modules: pixel boxes and the
//! colour distances the agent uses to tell things apart. Nothing here knows about the game.

/// An axis-aligned pixel box, `x0..x1` by `y0..y1` (exclusive ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PxBox {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge (exclusive).
    pub x1: i32,
    /// Bottom edge (exclusive).
    pub y1: i32,
}

impl PxBox {
    /// Width in pixels.
    pub fn w(&self) -> i32 {
        self.x1 - self.x0
    }
    /// Height in pixels.
    pub fn h(&self) -> i32 {
        self.y1 - self.y0
    }
    /// Centre, in pixels (twice the value, to stay in integers, is never needed here).
    pub fn centre(&self) -> (f32, f32) {
        (
            (self.x0 + self.x1) as f32 / 2.0,
            (self.y0 + self.y1) as f32 / 2.0,
        )
    }
    /// The smallest box holding both.
    pub fn union(&self, o: &PxBox) -> PxBox {
        PxBox {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
    /// This box grown by `m` pixels on every side.
    pub fn grown(&self, m: i32) -> PxBox {
        PxBox {
            x0: self.x0 - m,
            y0: self.y0 - m,
            x1: self.x1 + m,
            y1: self.y1 + m,
        }
    }
    /// Whether the boxes share at least one pixel.
    pub fn overlaps(&self, o: &PxBox) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    /// Where this box lies in a `w` x `h` frame once the frame is turned a quarter turn
    /// clockwise (the pixel at (x, y) goes to (h - 1 - y, x), as `perception::view` turns
    /// frames); the turned frame is `h` x `w`.
    pub fn turned_clockwise(&self, h: i32) -> PxBox {
        PxBox {
            x0: h - self.y1,
            y0: self.x0,
            x1: h - self.y0,
            y1: self.x1,
        }
    }
    /// This box moved by `(dx, dy)`.
    pub fn shifted(&self, dx: i32, dy: i32) -> PxBox {
        PxBox {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }
}

/// Sum of absolute channel differences.
pub fn colour_dist(a: [u8; 3], b: [u8; 3]) -> u32 {
    (0..3).map(|i| a[i].abs_diff(b[i]) as u32).sum()
}

/// Hue in degrees (0..360), saturation and value (0..1) of an RGB colour.
pub fn hsv(c: [u8; 3]) -> (f32, f32, f32) {
    let (r, g, b) = (
        c[0] as f32 / 255.0,
        c[1] as f32 / 255.0,
        c[2] as f32 / 255.0,
    );
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let h = if d == 0.0 {
        0.0
    } else if max == r {
        60.0 * (((g - b) / d).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let s = if max == 0.0 { 0.0 } else { d / max };
    (h, s, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsv_of_primaries() {
        let (h, s, v) = hsv([255, 0, 0]);
        assert!((h - 0.0).abs() < 1e-3 && s == 1.0 && v == 1.0);
        let (h, _, _) = hsv([0, 0, 255]);
        assert!((h - 240.0).abs() < 1e-3);
    }

    #[test]
    fn boxes_overlap_and_union() {
        let a = PxBox {
            x0: 0,
            y0: 0,
            x1: 10,
            y1: 10,
        };
        let b = a.shifted(10, 0);
        assert!(!a.overlaps(&b));
        assert!(a.grown(1).overlaps(&b));
        assert_eq!(a.union(&b).w(), 20);
    }
}
