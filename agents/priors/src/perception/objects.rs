//! Objectness, part 2: segmenting the static scene into candidate objects. The scene (the
//! background estimate of `statics.rs`, so the self never appears in it) is cut along the tile
//! grid; a cell mostly of the scene's dominant colour is free space, any other cell holds part of
//! something. Neighbouring cells are one object when their contents continue across the shared
//! border (pixels on both sides that are not free space and of similar colour) and they are
//! alike as wholes, or are both parts of a figure on free space: a platform, a ladder, a fire pit
//! or a sprite standing across four cells each become one object, while a thing set into a
//! surface of another look (spikes sunk in a brick floor, a door in a wall) stays a thing of its
//! own (the Gestalt law of similarity: a region of one texture is one surface).
//!
//! Figure and ground on textured space: when no colour covers much of the scene (textured free
//! space), a colour that recurs across many cells is read as the texture behind things (ground)
//! and a colour found in only a few cells as part of a figure drawn in front of it, so a sprite
//! over a texture is one object of its own pixels, cued as on a plain background. So is a colour
//! of a palette the figures share and the texture does not (`figure_palette`): colours that
//! occur together in cells belong to one palette, and the ground's is the palette of the colour
//! found in the most cells (striped blocks in three colours over a patchwork, however many).
//!
//! Lesion (`Lesion::objects`): no segmentation. Every non-empty cell is its own object, so a
//! sprite is never seen whole (its shape cues are lost) and what is learned by touching one cell
//! is not carried to the rest of the thing it belongs to (unless similarity groups them).

use crate::geom::{PxBox, colour_dist};
use crate::perception::grid::Grid;
use crate::perception::similarity::{SAME_TYPE_L1, l1};
use priors_agent_interface::Frame;

/// Bins per channel of a cell's colour histogram.
const BINS: usize = 4;
/// Histogram length.
pub const HIST_LEN: usize = BINS * BINS * BINS;
/// A cell with at least this share of the dominant colour is free space.
const EMPTY_SHARE: f32 = 0.9;
/// Two border pixels continue each other when their colours differ by at most this (sum).
const CONTINUE_DIST: u32 = 100;
/// A cell with at least this share of free space is part of a figure on the background (a
/// sprite, a ladder, spikes), not a filled tile.
const FIGURE_SHARE: f32 = 0.25;
/// A colour (quantised to 8 levels per channel) found in at most this share of the grid's cells
/// is rare: the colour of a thing, not of a surface that recurs across the scene.
const RARE_CELL_SHARE: f32 = 1.0 / 32.0;
/// A scene whose dominant colour covers less than this share of it has no plain background: its
/// free space is textured.
const PLAIN_SCENE_SHARE: f32 = 0.25;
/// A cell of a textured scene with at least this share of rare-coloured pixels holds a figure
/// drawn in front of the texture.
const FIGURE_MIN_SHARE: f32 = 0.1;
/// Whether a textured scene's rungs are read from the structure of its colours
/// ([`Cell::drawn_rungs`]); off only to show what it fixes.
pub(crate) const TEXTURED_RUNGS: bool = true;

/// Two pixels are of one colour when their colours differ by at most this (sum), as a pixel of
/// the free colour is (`is_free`).
const SAME_COLOUR: u32 = 12;
/// Whether the tiles of a patchwork (each tile a texture of its own, broken off at every border)
/// are one type (`Object::mosaic`, `similarity::TypeRegistry::type_of`); off only to show what it
/// fixes.
pub const MOSAIC_TYPE: bool = true;
/// Whether, on a textured scene, two cells holding no figure are one object only where their
/// texture runs on across their border (`seamless`); off only to show what it fixes. keydoor /
/// masked-affordances seed 1 (traced, not a blind test): a brick patch of the free space under a
/// brick floor, alike as a whole and touching it along a dark edge, was one object with the
/// floor; passing through it at tick 134 ruled "solid" out of the floor's type.
const JOIN_ONLY_WHAT_RUNS_ON: bool = true;
/// Whether a tile whose lines lie where a surface's in its row do is a piece of that surface
/// (`pieces_in_line`); off only to show what it fixes.
const PIECES_IN_LINE: bool = true;

/// One grid cell of the scene.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Column.
    pub c: i32,
    /// Row.
    pub r: i32,
    /// Colour histogram of its pixels (4 bins per channel, 64 in all, sums to 1).
    pub hist: Vec<f32>,
    /// Share of pixels of the scene's dominant colour.
    pub free_share: f32,
    /// Whether it is free space.
    pub empty: bool,
    /// Per pixel row, the share of pixels that are not free space (top to bottom).
    pub row_fill: Vec<f32>,
    /// Per pixel column, the share of pixels that are not free space (left to right).
    pub col_fill: Vec<f32>,
    /// On a textured scene, whether the cell's colours are drawn as rungs (see
    /// [`affordances::drawn_rungs`](crate::perception::affordances::drawn_rungs)); `None` on a
    /// plain scene, where the rungs are read from what is filled and what is open.
    pub drawn_rungs: Option<bool>,
}

/// A candidate object: a set of cells.
#[derive(Debug, Clone)]
pub struct Object {
    /// Index in [`Scene::objects`].
    pub id: usize,
    /// Its cells, in row-major order.
    pub cells: Vec<(i32, i32)>,
    /// Bounding box of its non-free pixels.
    pub bbox: PxBox,
    /// Mean colour histogram of its cells.
    pub hist: Vec<f32>,
    /// The colours of its non-free pixels.
    pub pixels: Vec<[u8; 3]>,
    /// Whether every cell of it is a patchwork tile (`texture_runs`): a texture that runs on
    /// into none of its neighbours.
    pub mosaic: bool,
    /// Whether the texture of some cell of it runs on sideways, and up or down, into a
    /// neighbour (`texture_runs`; never on a plain scene): part of the look `similarity`
    /// compares on a textured scene.
    pub runs: [bool; 2],
    /// Whether how its texture runs was read (some cell of it holds no figure on a textured
    /// scene): `runs` says something only then.
    pub runs_read: bool,
}

/// The segmented scene.
#[derive(Debug, Clone)]
pub struct Scene {
    /// The tile grid.
    pub grid: Grid,
    /// The scene's dominant colour (free space).
    pub free_colour: [u8; 3],
    /// Cells, row-major (`r * cols + c`).
    pub cells: Vec<Cell>,
    /// Objects.
    pub objects: Vec<Object>,
    /// For each cell, its object (`None`: free space).
    pub cell_object: Vec<Option<usize>>,
}

impl Scene {
    /// The cell at `(c, r)`, if it is one.
    pub fn cell(&self, c: i32, r: i32) -> Option<&Cell> {
        self.grid
            .contains(c, r)
            .then(|| &self.cells[(r * self.grid.cols + c) as usize])
    }
    /// The object at `(c, r)`.
    pub fn object_at(&self, c: i32, r: i32) -> Option<usize> {
        if self.grid.contains(c, r) {
            self.cell_object[(r * self.grid.cols + c) as usize]
        } else {
            None
        }
    }
}

/// The most frequent colour of a frame (smallest colour value on ties, for determinism).
pub fn dominant_colour(f: &Frame) -> [u8; 3] {
    let mut counts = std::collections::BTreeMap::<[u8; 3], u32>::new();
    for c in f.rgb.chunks_exact(3) {
        *counts.entry([c[0], c[1], c[2]]).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(c, _)| c)
        .unwrap_or([0; 3])
}

/// Whether a scene has a plain background: its free colour's pixels (`free_pixels` of `pixels`)
/// cover at least `PLAIN_SCENE_SHARE` of it. A scene without one is textured.
pub(crate) fn plain_background(free_pixels: usize, pixels: usize) -> bool {
    free_pixels as f32 >= PLAIN_SCENE_SHARE * pixels.max(1) as f32
}

/// Whether a pixel's colour `c` is the scene's free colour `free`.
pub(crate) fn is_free(c: [u8; 3], free: [u8; 3]) -> bool {
    colour_dist(c, free) <= 12
}

/// Per pixel of a frame, whether it is ground (free space) rather than part of a thing.
struct Ground {
    width: i32,
    height: i32,
    /// Whether a point outside the frame is ground: as the frame reads there (black, see
    /// `Frame::pixel`) against the scene's free colour, as before figure and ground existed.
    outside: bool,
    ground: Vec<bool>,
    /// Whether the scene has no plain background (its free space is textured).
    textured: bool,
    /// Per grid cell (row-major), whether figure and ground found a figure in it.
    figure_cells: Vec<bool>,
}

impl Ground {
    /// Whether `(x, y)` is ground; a cell of the grid may run past the frame's edges.
    fn at(&self, x: i32, y: i32) -> bool {
        if x < 0 || y < 0 || x >= self.width || y >= self.height {
            return self.outside;
        }
        self.ground[(y * self.width + x) as usize]
    }
}

/// A colour's bin, 8 levels per channel.
fn colour_bin(p: [u8; 3]) -> usize {
    (p[0] as usize / 32) * 64 + (p[1] as usize / 32) * 8 + p[2] as usize / 32
}

/// The colours of a palette of figures drawn in front of a textured ground (by colour bin), from
/// which colours occur together in the grid's cells (`cells`: per cell, the bins found in it;
/// `n`: per bin, in how many cells it is found).
/// The ground's palette is grown from the colour found in the most cells: a colour that occurs,
/// in at least half the cells that hold it, together with a colour of the ground's palette is
/// one of the ground's (the patches of a patchwork mix their palette's colours). A colour outside
/// it is a figure's when it occurs, in at least half its cells, together with another colour
/// outside it: the figures' own palette (striped blocks of three colours), not a lone colour of
/// the texture that the rule above missed. The halves are the rule "more often than not", not a
/// tuned number. On a plain scene the dominant colour is ground and this is not used.
fn figure_palette(cells: &[[bool; 512]], n: &[u32]) -> [bool; 512] {
    let n: Vec<usize> = n.iter().map(|&x| x as usize).collect();
    let together = |a: usize, b: usize| cells.iter().filter(|c| c[a] && c[b]).count();
    let mut ground = [false; 512];
    let Some(seed) = (0..512).max_by_key(|&b| (n[b], std::cmp::Reverse(b))) else {
        return ground;
    };
    if n[seed] == 0 {
        return ground;
    }
    ground[seed] = true;
    let mut grown = true;
    while grown {
        grown = false;
        for a in 0..512 {
            if n[a] == 0 || ground[a] {
                continue;
            }
            if (0..512).any(|g| ground[g] && 2 * together(a, g) >= n[a]) {
                ground[a] = true;
                grown = true;
            }
        }
    }
    let mut figure = [false; 512];
    for a in 0..512 {
        figure[a] = n[a] > 0
            && !ground[a]
            && (0..512).any(|b| b != a && n[b] > 0 && !ground[b] && 2 * together(a, b) >= n[a]);
    }
    figure
}

/// Ground by the dominant colour; with `figures`, also figure and ground on textured space: when
/// no colour covers much of the scene (no plain background), in a cell with enough rare-coloured
/// pixels to be a thing, the pixels of colours that recur across many cells of the scene are the
/// texture behind it (ground) and those of rare colours a figure in front of it.
fn find_ground(f: &Frame, g: &Grid, free: [u8; 3], figures: bool) -> Ground {
    let (w, h) = (f.width as i32, f.height as i32);
    let mut ground: Vec<bool> = f
        .rgb
        .chunks_exact(3)
        .map(|p| is_free([p[0], p[1], p[2]], free))
        .collect();
    let plain = ground.iter().filter(|g| **g).count();
    let textured = !plain_background(plain, ground.len());
    let mut figure_cells = vec![false; (g.rows * g.cols).max(0) as usize];
    if figures && textured {
        let cell_pixels = |c: i32, r: i32| {
            (0..g.cell).flat_map(move |dy| {
                (0..g.cell).filter_map(move |dx| {
                    let (x, y) = (g.x0(c) + dx, g.y0(r) + dy);
                    (x >= 0 && y >= 0 && x < w && y < h).then_some((x, y))
                })
            })
        };
        // In how many cells each colour occurs.
        let mut cells_with = vec![0u32; 512];
        // Per cell, the colours found in it.
        let mut cell_colours = Vec::with_capacity((g.rows * g.cols) as usize);
        for r in 0..g.rows {
            for c in 0..g.cols {
                let mut seen = [false; 512];
                for (x, y) in cell_pixels(c, r) {
                    seen[colour_bin(f.pixel(x, y))] = true;
                }
                for (n, s) in cells_with.iter_mut().zip(seen) {
                    *n += s as u32;
                }
                cell_colours.push(seen);
            }
        }
        let rare_max = ((g.rows * g.cols) as f32 * RARE_CELL_SHARE).max(1.0) as u32;
        let figure_palette = figure_palette(&cell_colours, &cells_with);
        let rare = |p: [u8; 3]| {
            let b = colour_bin(p);
            cells_with[b] <= rare_max || figure_palette[b]
        };
        for r in 0..g.rows {
            for c in 0..g.cols {
                let (mut total, mut few) = (0f32, 0f32);
                for (x, y) in cell_pixels(c, r) {
                    total += 1.0;
                    few += rare(f.pixel(x, y)) as u32 as f32;
                }
                if few / total.max(1.0) >= FIGURE_MIN_SHARE {
                    figure_cells[(r * g.cols + c) as usize] = true;
                    for (x, y) in cell_pixels(c, r) {
                        ground[(y * w + x) as usize] = !rare(f.pixel(x, y));
                    }
                }
            }
        }
    }
    Ground {
        width: w,
        height: h,
        outside: is_free([0; 3], free),
        ground,
        textured,
        figure_cells,
    }
}

fn describe_cell(f: &Frame, g: &Grid, c: i32, r: i32, ground: &Ground) -> Cell {
    let n = g.cell as usize;
    let mut hist = vec![0f32; HIST_LEN];
    let (mut row_fill, mut col_fill) = (vec![0f32; n], vec![0f32; n]);
    let (mut total, mut n_free) = (0f32, 0f32);
    for dy in 0..g.cell {
        for dx in 0..g.cell {
            let (x, y) = (g.x0(c) + dx, g.y0(r) + dy);
            if x >= f.width as i32 || y >= f.height as i32 {
                continue;
            }
            let p = f.pixel(x, y);
            let bin = |v: u8| v as usize * BINS / 256;
            hist[bin(p[0]) * BINS * BINS + bin(p[1]) * BINS + bin(p[2])] += 1.0;
            total += 1.0;
            if ground.at(x, y) {
                n_free += 1.0;
            } else {
                row_fill[dy as usize] += 1.0 / n as f32;
                col_fill[dx as usize] += 1.0 / n as f32;
            }
        }
    }
    hist.iter_mut().for_each(|h| *h /= total.max(1.0));
    let free_share = n_free / total.max(1.0);
    let drawn_rungs = (TEXTURED_RUNGS && ground.textured).then(|| {
        let px: Vec<Vec<[u8; 3]>> = (0..g.cell)
            .map(|dy| {
                (0..g.cell)
                    .map(|dx| f.pixel(g.x0(c) + dx, g.y0(r) + dy))
                    .collect()
            })
            .collect();
        crate::perception::affordances::drawn_rungs(&px)
    });
    Cell {
        c,
        r,
        hist,
        free_share,
        empty: free_share >= EMPTY_SHARE,
        row_fill,
        col_fill,
        drawn_rungs,
    }
}

/// Whether the contents of two neighbouring cells continue across their border.
fn continues(f: &Frame, g: &Grid, a: (i32, i32), b: (i32, i32), ground: &Ground) -> bool {
    let mut joined = 0;
    for i in 0..g.cell {
        // Pixel pairs straddling the border.
        let (p, q) = if b.0 > a.0 {
            let x = g.x0(b.0);
            ((x - 1, g.y0(a.1) + i), (x, g.y0(a.1) + i))
        } else {
            let y = g.y0(b.1);
            ((g.x0(a.0) + i, y - 1), (g.x0(a.0) + i, y))
        };
        let (cp, cq) = (f.pixel(p.0, p.1), f.pixel(q.0, q.1));
        if !ground.at(p.0, p.1) && !ground.at(q.0, q.1) && colour_dist(cp, cq) <= CONTINUE_DIST {
            joined += 1;
        }
    }
    joined >= 2 && joined * 7 >= g.cell
}

/// Whether the texture of cell `a` runs on into its neighbour `b` (the cell right of it or below
/// it): the pixel pairs straddling their border are of one colour (`SAME_COLOUR`) at least half as
/// often as neighbouring pixels inside the two cells are, taken in the same direction. A surface
/// drawn in one texture (a brick platform, a ladder) continues across the tile lines that cut
/// it, so its border pairs are as alike as its inner pairs; two tiles of a patchwork, each its
/// own texture, break off at their border. A texture with no two alike neighbouring pixels
/// cannot show a seam and is taken to run on.
fn seamless(f: &Frame, g: &Grid, a: (i32, i32), b: (i32, i32)) -> bool {
    let across_rows = b.0 > a.0;
    // The pixel at step `j` across the border direction and `i` along it, in cell `cell`.
    let at = |cell: (i32, i32), j: i32, i: i32| {
        if across_rows {
            (g.x0(cell.0) + j, g.y0(cell.1) + i)
        } else {
            (g.x0(cell.0) + i, g.y0(cell.1) + j)
        }
    };
    let inside = |(x, y): (i32, i32)| x >= 0 && y >= 0 && x < f.width as i32 && y < f.height as i32;
    let alike = |p: (i32, i32), q: (i32, i32)| {
        (inside(p) && inside(q))
            .then(|| colour_dist(f.pixel(p.0, p.1), f.pixel(q.0, q.1)) <= SAME_COLOUR)
    };
    let (mut in_alike, mut in_n, mut across_alike, mut across_n) = (0u32, 0u32, 0u32, 0u32);
    for i in 0..g.cell {
        for cell in [a, b] {
            for j in 0..g.cell - 1 {
                if let Some(x) = alike(at(cell, j, i), at(cell, j + 1, i)) {
                    in_alike += x as u32;
                    in_n += 1;
                }
            }
        }
        if let Some(x) = alike(at(a, g.cell - 1, i), at(b, 0, i)) {
            across_alike += x as u32;
            across_n += 1;
        }
    }
    if in_n == 0 || across_n == 0 {
        return true;
    }
    // across / across_n >= (in / in_n) / 2, in integers.
    2 * across_alike as u64 * in_n as u64 >= in_alike as u64 * across_n as u64
}

/// Per cell, how its texture runs on into its neighbours (`seamless`): `Some([sideways, up or
/// down])` for a cell of a textured scene (`ground.textured`) that holds no figure, `None`
/// otherwise (and for every cell of a plain scene, so nothing changes there). A cell whose
/// texture runs on into none of its neighbours is a patchwork tile: a person sees such a scene as
/// a mosaic of unrelated squares behind the things that continue across it (platforms, ladders,
/// walls), however different the squares look from one another: the Gestalt law of good
/// continuation groups what runs on, and what never runs on is of one kind by that alone.
fn texture_runs(f: &Frame, g: &Grid, cells: &[Cell], ground: &Ground) -> TextureRuns {
    let idx = |c: i32, r: i32| (r * g.cols + c) as usize;
    let mut runs = vec![None; cells.len()];
    let mut seams = vec![[false; 2]; cells.len()];
    if !(MOSAIC_TYPE && ground.textured) {
        return TextureRuns { runs, seams };
    }
    let read = |c: i32, r: i32| {
        g.contains(c, r) && !cells[idx(c, r)].empty && !ground.figure_cells[idx(c, r)]
    };
    // Each border once: to the right and below, where a cell on either side is read.
    for r in 0..g.rows {
        for c in 0..g.cols {
            for (k, (nc, nr)) in [(c + 1, r), (c, r + 1)].into_iter().enumerate() {
                if g.contains(nc, nr) && (read(c, r) || read(nc, nr)) {
                    seams[idx(c, r)][k] = seamless(f, g, (c, r), (nc, nr));
                }
            }
        }
    }
    for r in 0..g.rows {
        for c in 0..g.cols {
            if !read(c, r) {
                continue;
            }
            let side = |(c, r): (i32, i32), k: usize| g.contains(c, r) && seams[idx(c, r)][k];
            runs[idx(c, r)] = Some([
                side((c - 1, r), 0) || side((c, r), 0),
                side((c, r - 1), 1) || side((c, r), 1),
            ]);
        }
    }
    pieces_in_line(f, g, &mut runs);
    TextureRuns { runs, seams }
}

/// How the textures of a scene's cells run on (`texture_runs`), per cell, row-major.
struct TextureRuns {
    /// `Some([sideways, up or down])` for a cell read (see `texture_runs`), `None` otherwise.
    runs: Vec<Option<[bool; 2]>>,
    /// Whether the texture runs on into the cell to the right and into the cell below
    /// (`seamless`, computed once per border; false where it was not asked).
    seams: Vec<[bool; 2]>,
}

/// Which of a cell's pixel rows are lines: one colour from side to side (`SAME_COLOUR` of the
/// row's first pixel), as a brick course's mortar is. `None` for a cell with fewer than two such
/// rows or with nothing else (a flat patch tells nothing).
fn line_rows(f: &Frame, g: &Grid, (c, r): (i32, i32)) -> Option<Vec<bool>> {
    let inside = |x: i32, y: i32| x >= 0 && y >= 0 && x < f.width as i32 && y < f.height as i32;
    let rows: Vec<bool> = (0..g.cell)
        .map(|dy| {
            let y = g.y0(r) + dy;
            let x0 = g.x0(c);
            inside(x0, y)
                && (0..g.cell).all(|dx| {
                    !inside(x0 + dx, y)
                        || colour_dist(f.pixel(x0 + dx, y), f.pixel(x0, y)) <= SAME_COLOUR
                })
        })
        .collect();
    let n = rows.iter().filter(|l| **l).count();
    (n >= 2 && n < rows.len()).then_some(rows)
}

/// A tile (a cell whose texture runs on into none of its neighbours) whose lines lie where those
/// of a surface running on sideways in its own row of cells do is a piece of that surface cut off
/// by a gap or a ladder: its courses line up with the surface's (good continuation across the
/// gap), so it runs on sideways too. keydoor / masked-affordances seed 1 (traced with 36a1f353,
/// not a blind test): the top floor's one-tile pieces beside the hanging ladder ("=HH=") read as
/// tiles, passable, and the key's side of the top floor was out of reach in the model.
fn pieces_in_line(f: &Frame, g: &Grid, runs: &mut [Option<[bool; 2]>]) {
    if !PIECES_IN_LINE {
        return;
    }
    let idx = |c: i32, r: i32| (r * g.cols + c) as usize;
    for r in 0..g.rows {
        let surfaces: Vec<Vec<bool>> = (0..g.cols)
            .filter(|&c| matches!(runs[idx(c, r)], Some([true, _])))
            .filter_map(|c| line_rows(f, g, (c, r)))
            .collect();
        if surfaces.is_empty() {
            continue;
        }
        for c in 0..g.cols {
            if runs[idx(c, r)] == Some([false; 2])
                && line_rows(f, g, (c, r)).is_some_and(|l| surfaces.contains(&l))
            {
                runs[idx(c, r)] = Some([true, false]);
            }
        }
    }
}

/// Whether two neighbouring cells, alike and continuing each other, may be one object given how
/// their textures run (`texture_runs`: `None` for a cell of a plain scene or holding a figure):
/// on a textured scene two cells holding no figure must run on into each other (`seamless`,
/// as `texture_runs` found it; `JOIN_ONLY_WHAT_RUNS_ON`).
fn may_join(a: Option<[bool; 2]>, b: Option<[bool; 2]>, seamless: impl FnOnce() -> bool) -> bool {
    a.is_none() || b.is_none() || !JOIN_ONLY_WHAT_RUNS_ON || seamless()
}

/// Whether two neighbouring non-empty cells may be parts of one thing: alike as wholes (a
/// surface of one texture), or both parts of a figure on free space (a sprite's head and body
/// look different). A filled tile beside a figure, or two filled tiles of different looks, are
/// different things even where their pixels touch.
fn belong_together(a: &Cell, b: &Cell) -> bool {
    let figure = |x: &Cell| x.free_share >= FIGURE_SHARE;
    (figure(a) && figure(b)) || l1(&a.hist, &b.hist) <= SAME_TYPE_L1
}

/// Segments `scene` (a frame without the self) on `grid`; with `segment` false every non-empty
/// cell is its own object (the objectness lesion).
pub fn segment(scene: &Frame, grid: Grid, segment: bool) -> Scene {
    segment_with(scene, grid, segment, true)
}

/// [`segment`], with figure and ground on textured space (`figures`) switchable, for tests.
pub fn segment_with(scene: &Frame, grid: Grid, segment: bool, figures: bool) -> Scene {
    let free = dominant_colour(scene);
    let ground = find_ground(scene, &grid, free, figures);
    let cells: Vec<Cell> = (0..grid.rows)
        .flat_map(|r| (0..grid.cols).map(move |c| (c, r)))
        .map(|(c, r)| describe_cell(scene, &grid, c, r, &ground))
        .collect();
    let TextureRuns { runs, seams } = texture_runs(scene, &grid, &cells, &ground);
    let idx = |c: i32, r: i32| (r * grid.cols + c) as usize;
    // Union-find over non-empty cells.
    let mut parent: Vec<usize> = (0..cells.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    if segment {
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                if cells[idx(c, r)].empty {
                    continue;
                }
                for (nc, nr) in [(c + 1, r), (c, r + 1)] {
                    if grid.contains(nc, nr)
                        && !cells[idx(nc, nr)].empty
                        && belong_together(&cells[idx(c, r)], &cells[idx(nc, nr)])
                        && continues(scene, &grid, (c, r), (nc, nr), &ground)
                        && may_join(runs[idx(c, r)], runs[idx(nc, nr)], || {
                            seams[idx(c, r)][(nr != r) as usize]
                        })
                    {
                        let (a, b) = (find(&mut parent, idx(c, r)), find(&mut parent, idx(nc, nr)));
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
    }
    let mut cell_object = vec![None; cells.len()];
    let mut objects: Vec<Object> = Vec::new();
    let mut root_object = std::collections::BTreeMap::new();
    for i in 0..cells.len() {
        if cells[i].empty {
            continue;
        }
        let root = find(&mut parent, i);
        let id = *root_object.entry(root).or_insert_with(|| {
            objects.push(Object {
                id: objects.len(),
                cells: Vec::new(),
                bbox: PxBox {
                    x0: i32::MAX,
                    y0: i32::MAX,
                    x1: i32::MIN,
                    y1: i32::MIN,
                },
                hist: vec![0.0; HIST_LEN],
                pixels: Vec::new(),
                mosaic: true,
                runs: [false; 2],
                runs_read: false,
            });
            objects.len() - 1
        });
        cell_object[i] = Some(id);
        let o = &mut objects[id];
        let cell = &cells[i];
        o.cells.push((cell.c, cell.r));
        o.mosaic &= runs[i] == Some([false; 2]);
        if let Some([h, v]) = runs[i] {
            o.runs[0] |= h;
            o.runs[1] |= v;
            o.runs_read = true;
        }
        for (h, x) in o.hist.iter_mut().zip(&cell.hist) {
            *h += x;
        }
        for dy in 0..grid.cell {
            for dx in 0..grid.cell {
                let (x, y) = (grid.x0(cell.c) + dx, grid.y0(cell.r) + dy);
                if x >= scene.width as i32 || y >= scene.height as i32 {
                    continue;
                }
                let p = scene.pixel(x, y);
                if !ground.at(x, y) {
                    o.pixels.push(p);
                    o.bbox = o.bbox.union(&PxBox {
                        x0: x,
                        y0: y,
                        x1: x + 1,
                        y1: y + 1,
                    });
                }
            }
        }
    }
    for o in &mut objects {
        let n = o.cells.len() as f32;
        o.hist.iter_mut().for_each(|h| *h /= n);
    }
    Scene {
        grid,
        free_colour: free,
        cells,
        objects,
        cell_object,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const GRID: Grid = Grid {
        cell: 10,
        ox: 0,
        oy: 0,
        cols: 6,
        rows: 4,
    };

    /// A 60 x 40 frame: a brick platform along row 3 (cols 0..4), a red sprite straddling
    /// cells (1..2, 1..2) and a lone yellow block at (5, 0); free space dark blue.
    pub(crate) fn scene_frame() -> Frame {
        let mut f = Frame::new(60, 40);
        for y in 0..40 {
            for x in 0..60 {
                f.set_pixel(x, y, [10, 10, 40]);
            }
        }
        for y in 30..40 {
            for x in 0..40 {
                let mortar = y == 35 || x % 10 == 0;
                f.set_pixel(
                    x,
                    y,
                    if mortar {
                        [90, 90, 90]
                    } else {
                        [120, 120, 125]
                    },
                );
            }
        }
        for y in 12..24 {
            for x in 12..24 {
                f.set_pixel(x, y, [220, 30, 30]);
            }
        }
        for y in 2..8 {
            for x in 52..58 {
                f.set_pixel(x, y, [240, 220, 0]);
            }
        }
        f
    }

    #[test]
    fn continuing_cells_form_one_object_and_free_space_none() {
        let s = segment(&scene_frame(), GRID, true);
        assert_eq!(s.free_colour, [10, 10, 40]);
        let platform = s.object_at(0, 3).unwrap();
        assert_eq!(s.objects[platform].cells.len(), 4);
        let sprite = s.object_at(1, 1).unwrap();
        assert_eq!(
            s.objects[sprite].cells,
            vec![(1, 1), (2, 1), (1, 2), (2, 2)]
        );
        assert_eq!(
            s.objects[sprite].bbox,
            PxBox {
                x0: 12,
                y0: 12,
                x1: 24,
                y1: 24
            }
        );
        assert!(s.object_at(5, 0).is_some() && s.object_at(4, 0).is_none());
        assert_eq!(s.objects.len(), 3);
    }

    #[test]
    fn without_segmentation_every_cell_is_an_object() {
        let s = segment(&scene_frame(), GRID, false);
        assert_eq!(s.objects.len(), 4 + 4 + 1);
        assert_ne!(s.object_at(1, 1), s.object_at(2, 1));
    }

    #[test]
    fn a_thing_set_into_a_surface_of_another_look_is_an_object_of_its_own() {
        // Spikes sunk in the platform's row at (4, 3): a light base band continuing the bricks
        // across the border, teeth above it, free space between the teeth.
        let mut f = scene_frame();
        for y in 30..40 {
            for x in 40..50 {
                let base = y >= 35;
                let tooth = (x - 40) % 3 == 1 && y >= 31;
                if base || tooth {
                    f.set_pixel(x, y, [150, 150, 155]);
                }
            }
        }
        let s = segment(&f, GRID, true);
        let (platform, spikes) = (s.object_at(0, 3).unwrap(), s.object_at(4, 3).unwrap());
        assert_ne!(platform, spikes);
        assert_eq!(s.objects[platform].cells.len(), 4);
        assert_eq!(s.objects[spikes].cells, vec![(4, 3)]);
        // The 2 x 2 sprite (four figure cells) is still one thing.
        assert_eq!(s.objects[s.object_at(1, 1).unwrap()].cells.len(), 4);
    }

    /// A one-cell object at (0, 0), 15 x 15 px, of histogram `hist`, with how its texture runs
    /// (`runs`, `runs_read`): for tests of what reads an object's fields.
    pub(crate) fn one_cell_object(hist: Vec<f32>, runs: [bool; 2], runs_read: bool) -> Object {
        Object {
            id: 0,
            cells: vec![(0, 0)],
            bbox: PxBox {
                x0: 0,
                y0: 0,
                x1: 15,
                y1: 15,
            },
            hist,
            pixels: Vec::new(),
            mosaic: false,
            runs,
            runs_read,
        }
    }

    /// Six colours of a textured background, none dominant when mixed.
    const TEXTURE: [[u8; 3]; 6] = [
        [68, 68, 82],
        [96, 80, 64],
        [40, 40, 48],
        [120, 110, 100],
        [80, 60, 40],
        [100, 100, 120],
    ];

    /// A 240 x 240 frame (16 x 16 cells of 15 px) of textured free space, six colours mixed
    /// pixel by pixel so that none dominates, with a person (crown, skin, hair, dress) standing
    /// across cells (3..4, 5..6).
    fn person_on_texture() -> (Frame, Grid) {
        let g = Grid {
            cell: 15,
            ox: 0,
            oy: 0,
            cols: 16,
            rows: 16,
        };
        let texture = TEXTURE;
        let mut f = Frame::new(240, 240);
        for y in 0..240 {
            for x in 0..240 {
                let h = (x as u64 * 73_856_093)
                    ^ (y as u64 * 19_349_663)
                    ^ ((x / 15) as u64 * 83_492_791);
                f.set_pixel(x, y, texture[(h % 6) as usize]);
            }
        }
        for y in 0..25 {
            for x in 0..14 {
                let c = match y {
                    0..=2 => [240, 200, 20],
                    3..=8 => [240, 190, 150],
                    9..=10 => [120, 70, 30],
                    _ => [230, 90, 160],
                };
                f.set_pixel(50 + x, 80 + y, c);
            }
        }
        (f, g)
    }

    #[test]
    fn figure_and_ground_reads_cells_that_run_past_the_frame() {
        use crate::perception::semantics::{Cue, cues};
        // The same picture cut to 232 x 232: the grid's last row and column of cells (225..240)
        // run past the frame's edges, as cells at least half inside it do.
        let (full, g) = person_on_texture();
        let mut f = Frame::new(232, 232);
        for y in 0..232 {
            for x in 0..232 {
                f.set_pixel(x, y, full.pixel(x, y));
            }
        }
        let s = segment_with(&f, g, true, true);
        let person = s.object_at(3, 5).expect("the sprite is a thing");
        assert_eq!(cues(&s.objects[person], 15), vec![Cue::Person]);
    }

    #[test]
    fn figures_share_a_palette_of_their_own_though_it_is_not_rare() {
        use crate::perception::semantics::cues;
        // The textured picture of `person_on_texture`, with striped blocks of one three-colour
        // palette filling the ten cells of row 9 from column 3 (placebos on a floor), and a
        // striped sprite 18 x 25 px at (50, 80), across cells (3..4, 5..6). The stripes' colours
        // are in 14 of the 256 cells, more than the 1/32 (8 cells) that makes a colour rare.
        let (mut f, g) = person_on_texture();
        let stripes = [[224, 192, 64], [64, 192, 224], [224, 64, 128]];
        let stripe = |x: i32, y: i32| stripes[((x + y) / 3 % 3) as usize];
        for y in 135..150 {
            for x in 45..195 {
                f.set_pixel(x, y, stripe(x, y));
            }
        }
        for y in 80..105 {
            for x in 50..68 {
                f.set_pixel(x, y, stripe(x, y));
            }
        }
        let s = segment_with(&f, g, true, true);
        let sprite = s.object_at(3, 5).expect("the sprite is a thing");
        let o = &s.objects[sprite];
        assert_eq!(o.cells, vec![(3, 5), (4, 5), (3, 6), (4, 6)]);
        assert_eq!(
            o.bbox,
            PxBox {
                x0: 50,
                y0: 80,
                x1: 68,
                y1: 105
            }
        );
        assert!(cues(o, 15).is_empty());
        // The texture around it is not part of it.
        assert_ne!(s.object_at(2, 5), Some(sprite));
        assert_ne!(s.object_at(5, 6), Some(sprite));
    }

    #[test]
    fn a_sprite_on_a_texture_is_a_figure_in_front_of_it() {
        use crate::perception::semantics::{Cue, cues};
        let (f, g) = person_on_texture();
        let s = segment_with(&f, g, true, true);
        let person = s.object_at(3, 5).expect("the sprite is a thing");
        let o = &s.objects[person];
        assert_eq!(o.cells, vec![(3, 5), (4, 5), (3, 6), (4, 6)]);
        assert_eq!(
            o.bbox,
            PxBox {
                x0: 50,
                y0: 80,
                x1: 64,
                y1: 105
            }
        );
        assert_eq!(cues(o, 15), vec![Cue::Person]);
        // Without figure and ground on textures, each of its cells is mixed with the texture
        // behind it and no person is seen.
        let s = segment_with(&f, g, true, false);
        assert!(
            s.objects
                .iter()
                .all(|o| !cues(o, 15).contains(&Cue::Person))
        );
    }

    /// A 240 x 120 frame (16 x 8 cells of 15 px): a patchwork, each cell a striped tile of its
    /// own (stripe width, direction and colours by cell, three of one seven-colour palette),
    /// crossed by a brick platform along row 5 (one texture: courses 5 px high, bricks 12 px
    /// long, mortar between, each brick its own shade) and a ladder in column 12, rows 0..5
    /// (rails and rungs, one texture).
    pub(crate) fn patchwork_with_a_platform_and_a_ladder() -> (Frame, Grid) {
        let g = Grid {
            cell: 15,
            ox: 0,
            oy: 0,
            cols: 16,
            rows: 8,
        };
        // Seven colours; a tile's three are {a, a + 1, a + 3} (mod 7), a perfect difference set,
        // so two neighbouring tiles share exactly one colour and all seven make one palette.
        let pal = [
            TEXTURE[0],
            TEXTURE[1],
            TEXTURE[2],
            TEXTURE[3],
            TEXTURE[4],
            TEXTURE[5],
            [60, 90, 70],
        ];
        let mut f = Frame::new(240, 120);
        for y in 0..120 {
            for x in 0..240 {
                let (c, r) = (x / 15, y / 15);
                let a = (c * 2 + r * 5) % 7;
                let w = 2 + (c * 7 + r * 3) % 4;
                let d = if (c * 5 + r) % 2 == 0 {
                    x + y
                } else {
                    x - y + 240
                };
                let k = [0, 1, 3][((d / w) % 3) as usize];
                f.set_pixel(x, y, pal[((a + k) % 7) as usize]);
            }
        }
        for y in 75..90 {
            for x in 0..240 {
                let course = (y - 75) / 5;
                let xx = x + if course % 2 == 1 { 6 } else { 0 };
                let c = if (y - 75) % 5 == 0 || xx % 12 == 0 {
                    [50, 50, 56]
                } else {
                    let shade = ((xx / 12) * 37 + course * 11) % 25;
                    [130 + shade as u8, 130 + shade as u8, 140 + shade as u8]
                };
                f.set_pixel(x, y, c);
            }
        }
        for y in 0..75 {
            for x in 180..195 {
                let rx = x - 180;
                let c = if !(2..13).contains(&rx) {
                    [160, 112, 64]
                } else if y % 4 == 0 {
                    [190, 130, 80]
                } else {
                    [40, 30, 20]
                };
                f.set_pixel(x, y, c);
            }
        }
        (f, g)
    }

    #[test]
    fn the_tiles_of_a_patchwork_are_found_and_what_runs_across_them_is_not_one() {
        use crate::perception::similarity::TypeRegistry;
        let (f, g) = patchwork_with_a_platform_and_a_ladder();
        let s = segment_with(&f, g, true, true);
        let tile = |c: i32, r: i32| s.objects[s.object_at(c, r).expect("a thing")].mosaic;
        // The platform's and the ladder's cells run on into their neighbours: not tiles.
        for c in 0..16 {
            assert!(!tile(c, 5), "platform cell ({c}, 5) read as a tile");
        }
        for r in 0..5 {
            assert!(!tile(12, r), "ladder cell (12, {r}) read as a tile");
        }
        // Every patchwork cell away from them is a tile.
        for r in [0, 1, 2, 3, 7] {
            for c in (0..16).filter(|c| !(10..=14).contains(c)) {
                assert!(tile(c, r), "patchwork cell ({c}, {r}) not read as a tile");
            }
        }
        // Tiles of different looks are one type; the platform is not of it; singletons (the
        // similarity lesion) keep them apart.
        let (a, b) = (s.object_at(0, 0).unwrap(), s.object_at(5, 2).unwrap());
        assert!(l1(&s.objects[a].hist, &s.objects[b].hist) > SAME_TYPE_L1);
        let mut reg = TypeRegistry::default();
        let (ta, tb) = (
            reg.type_of(&s.objects[a], false),
            reg.type_of(&s.objects[b], false),
        );
        assert_eq!(ta, tb);
        assert_ne!(
            reg.type_of(&s.objects[s.object_at(3, 5).unwrap()], false),
            ta
        );
        let mut single = TypeRegistry::default();
        assert_ne!(
            single.type_of(&s.objects[a], true),
            single.type_of(&s.objects[b], true)
        );
        // A plain scene has no tiles.
        let plain = segment(&scene_frame(), GRID, true);
        assert!(plain.objects.iter().all(|o| !o.mosaic));
    }

    #[test]
    fn on_a_textured_scene_only_what_runs_on_is_joined() {
        // keydoor / masked-affordances: a brick patch under a brick floor, alike as wholes and
        // close in colour along their border, but not run on: apart.
        assert!(!may_join(Some([true, false]), Some([false, true]), || {
            false
        }));
        assert!(may_join(Some([true, false]), Some([true, false]), || true));
        // A figure's cell, or a plain scene's, is joined as before (a sprite's parts differ).
        assert!(may_join(None, Some([false; 2]), || false));
        assert!(may_join(Some([false; 2]), None, || false));
    }

    #[test]
    fn a_tile_whose_courses_line_up_with_a_floor_in_its_row_is_a_piece_of_it() {
        // Four cells in a row: a brick floor running on over cells 0 and 1 (mortar every fifth
        // row), a one-tile piece of it in cell 2 (its courses in line, its joints and shades its
        // own), and a brick patch in cell 3 laid otherwise (courses four rows high).
        let g = Grid {
            cell: 15,
            ox: 0,
            oy: 0,
            cols: 4,
            rows: 1,
        };
        let mut f = Frame::new(60, 15);
        for y in 0..15 {
            for x in 0..60 {
                let (period, joint) = if x < 45 { (5, 12) } else { (4, 9) };
                let course = y / period;
                let c = if y % period == 0 || (x + course * 6) % joint == 0 {
                    [40, 40, 46]
                } else {
                    let shade = ((x / joint) * 37 + course * 11) % 25;
                    [120 + shade as u8, 120 + shade as u8, 130 + shade as u8]
                };
                f.set_pixel(x, y, c);
            }
        }
        let mut runs = vec![
            Some([true, false]),
            Some([true, false]),
            Some([false, false]),
            Some([false, false]),
        ];
        pieces_in_line(&f, &g, &mut runs);
        assert_eq!(runs[2], Some([true, false]));
        assert_eq!(runs[3], Some([false, false]));
    }
}
