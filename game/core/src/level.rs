//! Levels: the tile grid, the objects placed on it, and the physics constants.
//!
//! A level is plain text, hand-editable: optional `#`-comment lines, a TOML header between two
//! `+++` lines, then the ASCII grid (one character per tile). See [`parse`] for the format and
//! [`print`] for the inverse. Parsing takes the text and a file name (for messages) and never does
//! IO itself; every error names file, line and column.
//!
//! Positions are fixed point: [`SUB`] sub-pixels per pixel, so 3.5 px ladder speed is exact and a
//! step is bit-identical on every machine.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Sub-pixels per pixel. Every physics constant must be a multiple of 1/SUB px.
pub const SUB: i32 = 16;
/// Side of every box in the released game (player, enemies, tiles), px.
pub const RELEASED_BOX_PX: i32 = 15;
/// Largest accepted grid side, in tiles.
pub const MAX_TILES_PER_SIDE: usize = 256;
/// Most enemies a level may hold (they are tracked in a 64-bit set).
pub const MAX_ENEMIES: usize = 64;

/// What fills one grid cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tile {
    /// Free space.
    Empty,
    /// Solid wall (`#`).
    Wall,
    /// Solid platform, drawn as bricks (`=`).
    Platform,
    /// Ladder, not solid (`H`).
    Ladder,
    /// Fire: kills on contact, not solid (`F`).
    Fire,
    /// Spikes: kill on contact, not solid (`^`).
    Spikes,
}

impl Tile {
    /// Whether the player cannot overlap this tile.
    pub fn is_solid(self) -> bool {
        matches!(self, Tile::Wall | Tile::Platform)
    }
    /// Whether touching this tile kills.
    pub fn is_deadly(self) -> bool {
        matches!(self, Tile::Fire | Tile::Spikes)
    }
    /// The grid glyph.
    pub fn glyph(self) -> char {
        match self {
            Tile::Empty => '.',
            Tile::Wall => '#',
            Tile::Platform => '=',
            Tile::Ladder => 'H',
            Tile::Fire => 'F',
            Tile::Spikes => '^',
        }
    }
}

/// Kinds of things drawn and simulated; the renderer and the conditions' themes key on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The player's avatar.
    Player,
    /// Wall tiles.
    Wall,
    /// Platform tiles.
    Platform,
    /// Ladder tiles.
    Ladder,
    /// Fire tiles.
    Fire,
    /// Spike tiles.
    Spikes,
    /// Enemies.
    Enemy,
    /// The key.
    Key,
    /// The door.
    Door,
    /// The goal (princess).
    Goal,
    /// Free space behind everything.
    Background,
}

impl Kind {
    /// All kinds, in a fixed order.
    pub const ALL: [Kind; 11] = [
        Kind::Player,
        Kind::Wall,
        Kind::Platform,
        Kind::Ladder,
        Kind::Fire,
        Kind::Spikes,
        Kind::Enemy,
        Kind::Key,
        Kind::Door,
        Kind::Goal,
        Kind::Background,
    ];
}

impl From<Tile> for Kind {
    fn from(t: Tile) -> Kind {
        match t {
            Tile::Empty => Kind::Background,
            Tile::Wall => Kind::Wall,
            Tile::Platform => Kind::Platform,
            Tile::Ladder => Kind::Ladder,
            Tile::Fire => Kind::Fire,
            Tile::Spikes => Kind::Spikes,
        }
    }
}

/// An axis-aligned rectangle in sub-pixels, half-open: `[x0, x1) x [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge (exclusive).
    pub x1: i32,
    /// Bottom edge (exclusive).
    pub y1: i32,
}

impl Rect {
    /// Rectangle from a centre and a size, all in sub-pixels.
    pub fn centred(cx: i32, cy: i32, w: i32, h: i32) -> Rect {
        Rect {
            x0: cx - w / 2,
            y0: cy - h / 2,
            x1: cx - w / 2 + w,
            y1: cy - h / 2 + h,
        }
    }
    /// Whether two rectangles share any area.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    /// Centre x.
    pub fn cx(&self) -> i32 {
        (self.x0 + self.x1) / 2
    }
    /// Centre y.
    pub fn cy(&self) -> i32 {
        (self.y0 + self.y1) / 2
    }
}

/// The rectangle pygame gives a sprite of `w_px` x `h_px` whose centre is set to (`cx`, `cy`)
/// (sub-pixels): the centre truncated to whole px, minus half the size rounded down.
pub fn pygame_rect(cx: i32, cy: i32, w_px: i32, h_px: i32) -> Rect {
    let x0 = cx.div_euclid(SUB) - w_px / 2;
    let y0 = cy.div_euclid(SUB) - h_px / 2;
    Rect {
        x0: x0 * SUB,
        y0: y0 * SUB,
        x1: (x0 + w_px) * SUB,
        y1: (y0 + h_px) * SUB,
    }
}

/// A point or box given in pixels in the header.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PxBox {
    /// Centre x in px.
    pub x_px: f64,
    /// Centre y in px.
    pub y_px: f64,
    /// Width in px (absent for a point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub w_px: Option<f64>,
    /// Height in px (absent for a point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h_px: Option<f64>,
}

/// Which step function moves the player. Both share the constants below; they differ in the
/// order of collision tests (see ARCHITECTURE.md, "Physics profiles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Our own clean integer physics: landing flush on the tick of contact, ladder contact by the
    /// column under the player's centre, the hitbox sizes of the header. For designed levels.
    #[default]
    Clean,
    /// The authors' released princess game (PLE-based `originalgame`, 2018) as it ran under
    /// Python 2.7 + pygame 1.9: one-tick-late landing with a snap, `up` at a ladder's foot jumps,
    /// ladder contact probed 2 px below with the 15 px box, 15 x 15 boxes, climb 4 px up / 3 px
    /// down (Python 2 integer division of the walk speed 7). Matched against
    /// data/reference/released-princess/py2 tick for tick.
    #[serde(rename = "released-2018")]
    Released2018,
    /// The same game under Python 3 + pygame 2.1 (true division: climb 3.5 px both ways, tile
    /// centres at 7.5 px). Matched against data/reference/released-princess/py3t.
    #[serde(rename = "released-2018-py3")]
    Released2018Py3,
}

impl Profile {
    /// Whether this is one of the released game's profiles.
    pub fn is_released(self) -> bool {
        matches!(self, Profile::Released2018 | Profile::Released2018Py3)
    }
    /// The name used in level headers.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Clean => "clean",
            Profile::Released2018 => "released-2018",
            Profile::Released2018Py3 => "released-2018-py3",
        }
    }
}

/// Physics constants in px and px/tick, as written in the header. Defaults are the released RL
/// game's (PLE MonsterKong variant used by Dubey et al. 2018, restated in shared/spec).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsPx {
    /// Step function: `clean` (default) or `released-2018` / `released-2018-py3`. Under a released
    /// profile the box sizes and `climb_px` below are ignored: the released game's 15 x 15 boxes and
    /// climb speeds apply.
    #[serde(skip_serializing_if = "is_clean")]
    pub profile: Profile,
    /// Horizontal walk speed, px per tick, also in the air (spec: 7).
    pub walk_px: f64,
    /// Initial upward speed of a jump, px per tick (spec: 7).
    pub jump_px: f64,
    /// Gravity, px per tick squared (spec: 1).
    pub gravity_px: f64,
    /// Fall speed cap, px per tick (spec: 8).
    pub max_fall_px: f64,
    /// Ladder climb speed, px per tick (spec: 3.5).
    pub climb_px: f64,
    /// A landing kills an enemy when the player's centre is more than this far above the enemy's (spec: 7).
    pub stomp_margin_px: f64,
    /// Player hitbox width, px (our choice: the robot sprite is 12 px wide).
    pub player_w_px: f64,
    /// Player hitbox height, px (our choice: one tile).
    pub player_h_px: f64,
    /// Enemy hitbox width, px.
    pub enemy_w_px: f64,
    /// Enemy hitbox height, px.
    pub enemy_h_px: f64,
    /// Patrol speed of moving enemies, px per tick (0 = static enemies as in the paper).
    pub enemy_patrol_px: f64,
}

fn is_clean(p: &Profile) -> bool {
    *p == Profile::Clean
}

impl Default for PhysicsPx {
    fn default() -> Self {
        PhysicsPx {
            profile: Profile::Clean,
            walk_px: 7.0,
            jump_px: 7.0,
            gravity_px: 1.0,
            max_fall_px: 8.0,
            climb_px: 3.5,
            stomp_margin_px: 7.0,
            player_w_px: 12.0,
            player_h_px: 15.0,
            enemy_w_px: 13.0,
            enemy_h_px: 12.0,
            enemy_patrol_px: 0.0,
        }
    }
}

/// Physics constants in sub-pixels, as the step uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Physics {
    /// See [`PhysicsPx::profile`].
    pub profile: Profile,
    /// See [`PhysicsPx::walk_px`].
    pub walk: i32,
    /// See [`PhysicsPx::jump_px`].
    pub jump: i32,
    /// See [`PhysicsPx::gravity_px`].
    pub gravity: i32,
    /// See [`PhysicsPx::max_fall_px`].
    pub max_fall: i32,
    /// See [`PhysicsPx::climb_px`].
    pub climb: i32,
    /// See [`PhysicsPx::stomp_margin_px`].
    pub stomp_margin: i32,
    /// See [`PhysicsPx::player_w_px`].
    pub player_w: i32,
    /// See [`PhysicsPx::player_h_px`].
    pub player_h: i32,
    /// See [`PhysicsPx::enemy_w_px`].
    pub enemy_w: i32,
    /// See [`PhysicsPx::enemy_h_px`].
    pub enemy_h: i32,
    /// See [`PhysicsPx::enemy_patrol_px`].
    pub enemy_patrol: i32,
}

/// The TOML header of a level file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Level name (used on the command line and in file names).
    pub name: String,
    /// One-paragraph description: where the design comes from.
    #[serde(default)]
    pub description: String,
    /// Side of a square tile, px.
    pub tile_px: u32,
    /// Simulation ticks per second (spec: 30).
    pub tick_hz: u32,
    /// Visible width in px, from the top-left corner (default: the whole grid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_w_px: Option<u32>,
    /// Visible height in px (default: the whole grid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_h_px: Option<u32>,
    /// Player start centre; default: centre of the `P` tile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<PxBox>,
    /// Goal box; default: the `Q` tile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<PxBox>,
    /// Height tiers (tops of the floors, px from the top) used by the analysis; default none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers_y_px: Vec<u32>,
    /// Physics constants.
    #[serde(default)]
    pub physics: PhysicsPx,
}

/// An object placed on the grid by a glyph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Placed {
    /// Tile column.
    pub col: u16,
    /// Tile row.
    pub row: u16,
}

/// A parsed, validated level.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// The header as written (kept for printing).
    pub header: Header,
    /// Grid width, tiles.
    pub width: usize,
    /// Grid height, tiles.
    pub height: usize,
    /// Row-major tiles.
    pub tiles: Vec<Tile>,
    /// The `P` cell.
    pub start_cell: Placed,
    /// The `Q` cell, if any.
    pub goal_cell: Option<Placed>,
    /// `E` cells, in reading order.
    pub enemies: Vec<Placed>,
    /// The `K` cell, if any.
    pub key: Option<Placed>,
    /// The `D` cell, if any.
    pub door: Option<Placed>,
    /// Physics in sub-pixels.
    pub physics: Physics,
    /// Player start centre, sub-pixels.
    pub start: (i32, i32),
    /// Goal rectangle (sub-pixels), if the level has a `Q`.
    pub goal: Option<Rect>,
    /// Door rectangle (sub-pixels), if any.
    pub door_rect: Option<Rect>,
    /// Key rectangle (sub-pixels), if any.
    pub key_rect: Option<Rect>,
    /// Enemy spawn rectangles (sub-pixels), in the order of [`Level::enemies`].
    pub enemy_rects: Vec<Rect>,
}

impl Level {
    /// Tile size in sub-pixels.
    pub fn tile_sub(&self) -> i32 {
        self.header.tile_px as i32 * SUB
    }
    /// Tile at (col, row); outside the grid, the sides and top are walls and below is empty.
    #[inline(always)]
    pub fn tile(&self, col: i32, row: i32) -> Tile {
        // One unsigned comparison per axis covers both negative and too-large indices.
        if (col as u32) < self.width as u32 && (row as u32) < self.height as u32 {
            return self.tiles[row as usize * self.width + col as usize];
        }
        if row >= self.height as i32 && (col as u32) < self.width as u32 {
            Tile::Empty
        } else {
            Tile::Wall
        }
    }
    /// Grid width in px.
    pub fn width_px(&self) -> u32 {
        self.width as u32 * self.header.tile_px
    }
    /// Grid height in px.
    pub fn height_px(&self) -> u32 {
        self.height as u32 * self.header.tile_px
    }
    /// Visible area (width, height) in px.
    pub fn view_px(&self) -> (u32, u32) {
        (
            self.header.view_w_px.unwrap_or(self.width_px()),
            self.header.view_h_px.unwrap_or(self.height_px()),
        )
    }
    /// Rectangle of a grid cell in sub-pixels.
    pub fn cell_rect(&self, p: Placed) -> Rect {
        let t = self.tile_sub();
        Rect {
            x0: p.col as i32 * t,
            y0: p.row as i32 * t,
            x1: (p.col as i32 + 1) * t,
            y1: (p.row as i32 + 1) * t,
        }
    }
    /// Whether the level's reward needs the key (it has a door).
    pub fn needs_key(&self) -> bool {
        self.door.is_some()
    }
    /// ASCII dump of the static level (the file's grid).
    pub fn grid_string(&self) -> String {
        let mut s = String::with_capacity((self.width + 1) * self.height);
        for r in 0..self.height {
            for c in 0..self.width {
                s.push(self.glyph_at(c, r));
            }
            s.push('\n');
        }
        s
    }
    /// The glyph the file has at (col, row).
    pub fn glyph_at(&self, c: usize, r: usize) -> char {
        let p = Placed {
            col: c as u16,
            row: r as u16,
        };
        if self.start_cell == p {
            'P'
        } else if self.goal_cell == Some(p) {
            'Q'
        } else if self.key == Some(p) {
            'K'
        } else if self.door == Some(p) {
            'D'
        } else if self.enemies.contains(&p) {
            'E'
        } else {
            self.tiles[r * self.width + c].glyph()
        }
    }
}

/// Where in which file a problem is. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File name as given to the parser.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Everything that can be wrong with a level file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LevelError {
    /// No `+++` header block.
    #[error("{0}: expected a TOML header between two `+++` lines before the grid")]
    MissingHeader(Location),
    /// The header is not valid TOML or has unknown/mistyped keys.
    #[error("{at}: bad header: {message}")]
    Header {
        /// Where.
        at: Location,
        /// What the TOML parser said.
        message: String,
    },
    /// A header value is out of range or not representable.
    #[error("{at}: header field `{field}`: {message}")]
    HeaderValue {
        /// Where (the header start line when the exact line is unknown).
        at: Location,
        /// Field name.
        field: String,
        /// Why.
        message: String,
    },
    /// A grid character that means nothing.
    #[error("{at}: unknown glyph {glyph:?} (known: . # = H F ^ E P Q K D)")]
    UnknownGlyph {
        /// Where.
        at: Location,
        /// The character.
        glyph: char,
    },
    /// A grid row whose length differs from the first row's.
    #[error("{at}: ragged grid: row has {found} tiles, the first row has {expected}")]
    Ragged {
        /// Where (column just past the row's end).
        at: Location,
        /// Length of this row.
        found: usize,
        /// Length of the first row.
        expected: usize,
    },
    /// Empty grid.
    #[error("{0}: the grid is empty")]
    EmptyGrid(Location),
    /// Grid over [`MAX_TILES_PER_SIDE`] or too many enemies.
    #[error("{at}: level too large: {message}")]
    TooLarge {
        /// Where.
        at: Location,
        /// What exceeded which limit.
        message: String,
    },
    /// No `P`.
    #[error("{0}: no start: put one `P` in the grid")]
    NoStart(Location),
    /// More than one of a unique glyph.
    #[error(
        "{at}: second {what} ({glyph:?}); the first is at line {first_line}, column {first_column}"
    )]
    Duplicate {
        /// Where the second one is.
        at: Location,
        /// The glyph.
        glyph: char,
        /// Its meaning.
        what: &'static str,
        /// Line of the first.
        first_line: usize,
        /// Column of the first.
        first_column: usize,
    },
    /// Neither `Q` nor `D`.
    #[error("{0}: no goal: put a `Q` (goal) or a `D` (door, with a `K` key) in the grid")]
    NoGoal(Location),
    /// A `D` without a `K`.
    #[error("{0}: door without key: a `D` needs a `K` somewhere in the grid")]
    DoorWithoutKey(Location),
    /// A `K` without a `D`.
    #[error("{0}: key without door: a `K` is only useful with a `D`")]
    KeyWithoutDoor(Location),
}

impl LevelError {
    /// The location the error points at.
    pub fn location(&self) -> &Location {
        match self {
            LevelError::MissingHeader(l)
            | LevelError::EmptyGrid(l)
            | LevelError::NoStart(l)
            | LevelError::NoGoal(l)
            | LevelError::DoorWithoutKey(l)
            | LevelError::KeyWithoutDoor(l) => l,
            LevelError::Header { at, .. }
            | LevelError::HeaderValue { at, .. }
            | LevelError::UnknownGlyph { at, .. }
            | LevelError::Ragged { at, .. }
            | LevelError::TooLarge { at, .. }
            | LevelError::Duplicate { at, .. } => at,
        }
    }
}

/// Converts a header value in px to sub-pixels: a multiple of 1/[`SUB`] px, not negative, zero
/// only when `allow_zero`, at most 10^6 sub-pixels.
fn to_sub(at: &Location, field: &str, px: f64, allow_zero: bool) -> Result<i32, LevelError> {
    let v = px * SUB as f64;
    let bad = |m: &str| field_error(at, field, m.to_string());
    if !v.is_finite() || v.fract() != 0.0 {
        return Err(bad(&format!("{px} px is not a multiple of 1/{SUB} px")));
    }
    if v < 0.0 || (!allow_zero && v == 0.0) || v > 1.0e6 {
        return Err(bad(&format!("{px} px is out of range")));
    }
    Ok(v as i32)
}

/// A [`LevelError::HeaderValue`] for `field`, at the header's first line.
fn field_error(at: &Location, field: &str, message: String) -> LevelError {
    LevelError::HeaderValue {
        at: at.clone(),
        field: field.to_string(),
        message,
    }
}

/// Makes the [`Location`]s of one file's errors.
#[derive(Debug, Clone, Copy)]
struct Locator<'a> {
    /// File name as given to the parser.
    file: &'a str,
}

impl Locator<'_> {
    /// The location of a 1-based line and column.
    fn at(&self, line: usize, column: usize) -> Location {
        Location {
            file: self.file.to_string(),
            line,
            column,
        }
    }
}

/// Where a level file's header is, as 0-based line indices.
#[derive(Debug, Clone, Copy)]
struct Sections {
    /// The first header line (just after the opening `+++`).
    header_start: usize,
    /// The closing `+++` line; the grid follows it.
    header_end: usize,
}

impl Sections {
    /// The 0-based index of the first line after the closing `+++`.
    fn grid_first(self) -> usize {
        self.header_end + 1
    }
}

/// One non-blank grid line.
#[derive(Debug, Clone, Copy)]
struct GridRow<'a> {
    /// 1-based line number in the file.
    line: usize,
    /// The line, without a trailing `\r`.
    text: &'a str,
}

/// A glyph that may appear only once (`P`, `Q`, `K`, `D`) and where it was found.
#[derive(Debug, Clone, Copy)]
struct Marker {
    /// Its grid cell.
    cell: Placed,
    /// 1-based line in the file.
    line: usize,
    /// 1-based column in the file.
    column: usize,
}

/// The grid's tiles and the objects its glyphs place, before validation.
#[derive(Debug, Default)]
struct Grid {
    /// Row-major tiles (the cells of objects are empty).
    tiles: Vec<Tile>,
    /// The `P`.
    start: Option<Marker>,
    /// The `Q`.
    goal: Option<Marker>,
    /// The `K`.
    key: Option<Marker>,
    /// The `D`.
    door: Option<Marker>,
    /// The `E`s, in reading order.
    enemies: Vec<Placed>,
}

/// Parses a level file's text. `file` is used only in error messages.
pub fn parse(text: &str, file: &str) -> Result<Level, LevelError> {
    let at = Locator { file };
    let lines: Vec<&str> = text.lines().collect();
    let sections = find_sections(&lines, at)?;
    let header = parse_header(&lines, sections, at)?;
    let hloc = at.at(sections.header_start + 1, 1);
    check_header_ranges(&header, &hloc)?;
    let physics = physics_of(&header, &hloc)?;
    let rows = grid_rows(&lines, sections.grid_first(), at)?;
    let width = grid_width(&rows, at)?;
    let grid = read_grid(&rows, width, at)?;
    let end = at.at(
        rows.last()
            .map(|r| r.line)
            .unwrap_or(sections.grid_first() + 1),
        1,
    );
    let start = check_objects(&grid, &end, at)?;
    let tile_sub = header.tile_px as i32 * SUB;
    let height = rows.len();
    let start_px = start_position(&header, start.cell, tile_sub, &hloc)?;
    let goal = goal_rect(&header, grid.goal, &physics, tile_sub, &hloc)?;
    let gw = (width as i32) * tile_sub;
    let gh = (height as i32) * tile_sub;
    if start_px.0 < 0 || start_px.0 >= gw || start_px.1 < 0 || start_px.1 >= gh {
        return Err(field_error(&hloc, "start", "outside the grid".into()));
    }
    let enemy_rects = enemy_rects(&grid.enemies, &physics, tile_sub);
    Ok(Level {
        width,
        height,
        tiles: grid.tiles,
        start_cell: start.cell,
        goal_cell: grid.goal.map(|g| g.cell),
        enemies: grid.enemies,
        key: grid.key.map(|k| k.cell),
        door: grid.door.map(|d| d.cell),
        physics,
        start: start_px,
        goal,
        door_rect: grid.door.map(|d| cell_rect(d.cell, tile_sub)),
        key_rect: grid.key.map(|k| cell_rect(k.cell, tile_sub)),
        enemy_rects,
        header,
    })
}

/// Finds the header between two `+++` lines, after leading comment and blank lines.
fn find_sections(lines: &[&str], at: Locator) -> Result<Sections, LevelError> {
    let mut i = 0;
    while i < lines.len()
        && (lines[i].trim().is_empty()
            || lines[i].trim_start().starts_with('#') && lines[i].trim() != "+++")
    {
        // A grid row also starts with '#'; only accept comment lines before the header.
        i += 1;
    }
    if i >= lines.len() || lines[i].trim() != "+++" {
        return Err(LevelError::MissingHeader(at.at(i.min(lines.len()) + 1, 1)));
    }
    let header_start = i + 1;
    let mut j = header_start;
    while j < lines.len() && lines[j].trim() != "+++" {
        j += 1;
    }
    if j >= lines.len() {
        return Err(LevelError::MissingHeader(at.at(header_start, 1)));
    }
    Ok(Sections {
        header_start,
        header_end: j,
    })
}

/// Parses the TOML header; a TOML error points at its line and column in the file.
fn parse_header(lines: &[&str], sections: Sections, at: Locator) -> Result<Header, LevelError> {
    let header_start = sections.header_start;
    let header_text = lines[header_start..sections.header_end].join("\n");
    toml::from_str(&header_text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &header_text[..span.start.min(header_text.len())];
                let l = before.matches('\n').count();
                let c = before
                    .rsplit('\n')
                    .next()
                    .map(|s| s.chars().count())
                    .unwrap_or(0);
                (header_start + l + 1, c + 1)
            }
            None => (header_start + 1, 1),
        };
        LevelError::Header {
            at: at.at(line, column),
            message: e.message().to_string(),
        }
    })
}

/// Checks the header's tile size and tick rate.
fn check_header_ranges(header: &Header, hloc: &Location) -> Result<(), LevelError> {
    if header.tile_px == 0 || header.tile_px > 256 {
        return Err(field_error(
            hloc,
            "tile_px",
            format!("{} is outside 1..=256", header.tile_px),
        ));
    }
    if header.tick_hz == 0 || header.tick_hz > 1000 {
        return Err(field_error(
            hloc,
            "tick_hz",
            format!("{} is outside 1..=1000", header.tick_hz),
        ));
    }
    Ok(())
}

/// The header's physics in sub-pixels, with the released profiles' boxes, checked against the
/// tile size.
fn physics_of(header: &Header, hloc: &Location) -> Result<Physics, LevelError> {
    let mut physics = physics_sub(&header.physics, hloc)?;
    let tile_sub = header.tile_px as i32 * SUB;
    if physics.profile.is_released() {
        // The released game's boxes: every sprite is scaled to 15 x 15 px (player.py, onBoard.py).
        let b = RELEASED_BOX_PX * SUB;
        (
            physics.player_w,
            physics.player_h,
            physics.enemy_w,
            physics.enemy_h,
        ) = (b, b, b, b);
        if header.tile_px as i32 != RELEASED_BOX_PX {
            return Err(field_error(
                hloc,
                "physics.profile",
                format!("the released profiles need tile_px = {RELEASED_BOX_PX}"),
            ));
        }
    }
    // A fall faster than a tile per tick could tunnel through a floor.
    if physics.max_fall >= tile_sub || physics.walk >= tile_sub || physics.jump >= tile_sub {
        return Err(field_error(
            hloc,
            "physics",
            "walk, jump and max_fall must each be below one tile per tick".into(),
        ));
    }
    if physics.player_w > tile_sub * 4 || physics.player_h > tile_sub * 4 {
        return Err(field_error(
            hloc,
            "physics",
            "player larger than 4 tiles".into(),
        ));
    }
    Ok(physics)
}

/// The `[physics]` values converted from px to sub-pixels, each checked by [`to_sub`].
fn physics_sub(p: &PhysicsPx, hloc: &Location) -> Result<Physics, LevelError> {
    Ok(Physics {
        profile: p.profile,
        walk: to_sub(hloc, "physics.walk_px", p.walk_px, true)?,
        jump: to_sub(hloc, "physics.jump_px", p.jump_px, true)?,
        gravity: to_sub(hloc, "physics.gravity_px", p.gravity_px, false)?,
        max_fall: to_sub(hloc, "physics.max_fall_px", p.max_fall_px, false)?,
        climb: to_sub(hloc, "physics.climb_px", p.climb_px, true)?,
        stomp_margin: to_sub(hloc, "physics.stomp_margin_px", p.stomp_margin_px, true)?,
        player_w: to_sub(hloc, "physics.player_w_px", p.player_w_px, false)?,
        player_h: to_sub(hloc, "physics.player_h_px", p.player_h_px, false)?,
        enemy_w: to_sub(hloc, "physics.enemy_w_px", p.enemy_w_px, false)?,
        enemy_h: to_sub(hloc, "physics.enemy_h_px", p.enemy_h_px, false)?,
        enemy_patrol: to_sub(hloc, "physics.enemy_patrol_px", p.enemy_patrol_px, true)?,
    })
}

/// The grid's non-blank lines from `grid_first` (0-based) on; an error if there are none.
fn grid_rows<'a>(
    lines: &[&'a str],
    grid_first: usize,
    at: Locator,
) -> Result<Vec<GridRow<'a>>, LevelError> {
    let rows: Vec<GridRow> = lines
        .iter()
        .enumerate()
        .skip(grid_first)
        .map(|(k, l)| GridRow {
            line: k + 1,
            text: l.trim_end_matches('\r'),
        })
        .filter(|r| !r.text.trim().is_empty())
        .collect();
    if rows.is_empty() {
        return Err(LevelError::EmptyGrid(at.at(grid_first + 1, 1)));
    }
    Ok(rows)
}

/// The width of the first row, once the grid is known to fit [`MAX_TILES_PER_SIDE`].
fn grid_width(rows: &[GridRow], at: Locator) -> Result<usize, LevelError> {
    let width = rows[0].text.chars().count();
    if rows.len() > MAX_TILES_PER_SIDE || width > MAX_TILES_PER_SIDE {
        return Err(LevelError::TooLarge {
            at: at.at(rows[0].line, 1),
            message: format!(
                "{} x {} tiles; at most {MAX_TILES_PER_SIDE} per side",
                width,
                rows.len()
            ),
        });
    }
    Ok(width)
}

/// Reads every glyph of the grid: tiles, objects and enemies, in reading order; stops at the
/// first ragged row, unknown glyph or second unique object.
fn read_grid(rows: &[GridRow], width: usize, at: Locator) -> Result<Grid, LevelError> {
    let mut grid = Grid {
        tiles: Vec::with_capacity(width * rows.len()),
        ..Grid::default()
    };
    for (r, row) in rows.iter().enumerate() {
        let n = row.text.chars().count();
        if n != width {
            return Err(LevelError::Ragged {
                at: at.at(row.line, n.min(width) + 1),
                found: n,
                expected: width,
            });
        }
        for (c, ch) in row.text.chars().enumerate() {
            let here = Marker {
                cell: Placed {
                    col: c as u16,
                    row: r as u16,
                },
                line: row.line,
                column: c + 1,
            };
            let tile = read_glyph(&mut grid, ch, here, at)?;
            grid.tiles.push(tile);
        }
    }
    Ok(grid)
}

/// The tile under glyph `ch` at `here`, recording the object it places in `grid`.
fn read_glyph(grid: &mut Grid, ch: char, here: Marker, at: Locator) -> Result<Tile, LevelError> {
    let place = |slot: &mut Option<Marker>, what: &'static str| {
        place_unique(slot, here, ch, what, at).map(|()| Tile::Empty)
    };
    match ch {
        '.' => Ok(Tile::Empty),
        '#' => Ok(Tile::Wall),
        '=' => Ok(Tile::Platform),
        'H' => Ok(Tile::Ladder),
        'F' => Ok(Tile::Fire),
        '^' => Ok(Tile::Spikes),
        'E' => {
            grid.enemies.push(here.cell);
            Ok(Tile::Empty)
        }
        'P' => place(&mut grid.start, "start"),
        'Q' => place(&mut grid.goal, "goal"),
        'K' => place(&mut grid.key, "key"),
        'D' => place(&mut grid.door, "door"),
        other => Err(LevelError::UnknownGlyph {
            at: at.at(here.line, here.column),
            glyph: other,
        }),
    }
}

/// Puts a unique object in its slot; a second one is a [`LevelError::Duplicate`].
fn place_unique(
    slot: &mut Option<Marker>,
    here: Marker,
    glyph: char,
    what: &'static str,
    at: Locator,
) -> Result<(), LevelError> {
    if let Some(first) = slot {
        return Err(LevelError::Duplicate {
            at: at.at(here.line, here.column),
            glyph,
            what,
            first_line: first.line,
            first_column: first.column,
        });
    }
    *slot = Some(here);
    Ok(())
}

/// Checks the grid's objects (enemy count, one start, a goal, key and door in pairs); returns
/// the start. `end` is where errors without a place of their own point (the last grid row).
fn check_objects(grid: &Grid, end: &Location, at: Locator) -> Result<Marker, LevelError> {
    if grid.enemies.len() > MAX_ENEMIES {
        return Err(LevelError::TooLarge {
            at: end.clone(),
            message: format!("{} enemies; at most {MAX_ENEMIES}", grid.enemies.len()),
        });
    }
    let start = grid.start.ok_or_else(|| LevelError::NoStart(end.clone()))?;
    if grid.goal.is_none() && grid.door.is_none() {
        return Err(LevelError::NoGoal(end.clone()));
    }
    if let (Some(d), None) = (grid.door, grid.key) {
        return Err(LevelError::DoorWithoutKey(at.at(d.line, d.column)));
    }
    if let (Some(k), None) = (grid.key, grid.door) {
        return Err(LevelError::KeyWithoutDoor(at.at(k.line, k.column)));
    }
    Ok(start)
}

/// The rectangle of a grid cell in sub-pixels.
fn cell_rect(p: Placed, tile_sub: i32) -> Rect {
    Rect {
        x0: p.col as i32 * tile_sub,
        y0: p.row as i32 * tile_sub,
        x1: (p.col as i32 + 1) * tile_sub,
        y1: (p.row as i32 + 1) * tile_sub,
    }
}

/// The player's start centre in sub-pixels: the header's `start`, else the `P` cell's centre.
fn start_position(
    header: &Header,
    start_cell: Placed,
    tile_sub: i32,
    hloc: &Location,
) -> Result<(i32, i32), LevelError> {
    Ok(match header.start {
        Some(b) => (
            to_sub(hloc, "start.x_px", b.x_px, true)?,
            to_sub(hloc, "start.y_px", b.y_px, true)?,
        ),
        None => {
            let r = cell_rect(start_cell, tile_sub);
            (r.cx(), r.cy())
        }
    })
}

/// The goal rectangle in sub-pixels: the header's `goal` box (placed as pygame places it under
/// the released profiles), else the `Q` cell; none without a `Q`.
fn goal_rect(
    header: &Header,
    goal: Option<Marker>,
    physics: &Physics,
    tile_sub: i32,
    hloc: &Location,
) -> Result<Option<Rect>, LevelError> {
    match (goal, header.goal) {
        (Some(_), Some(b)) => {
            let w = to_sub(
                hloc,
                "goal.w_px",
                b.w_px.unwrap_or(header.tile_px as f64),
                false,
            )?;
            let h = to_sub(
                hloc,
                "goal.h_px",
                b.h_px.unwrap_or(header.tile_px as f64),
                false,
            )?;
            let (cx, cy) = (
                to_sub(hloc, "goal.x_px", b.x_px, true)?,
                to_sub(hloc, "goal.y_px", b.y_px, true)?,
            );
            if physics.profile.is_released() {
                // pygame's Rect.center: truncate the centre to whole px, then subtract half the
                // size rounded down (18 x 25 at (30, 47) covers x 21..39, y 35..60).
                Ok(Some(pygame_rect(cx, cy, w / SUB, h / SUB)))
            } else {
                Ok(Some(Rect::centred(cx, cy, w, h)))
            }
        }
        (Some(g), None) => Ok(Some(cell_rect(g.cell, tile_sub))),
        (None, Some(_)) => Err(field_error(
            hloc,
            "goal",
            "a goal box is given but the grid has no `Q`".into(),
        )),
        (None, None) => Ok(None),
    }
}

/// Enemy spawn rectangles: each stands on the floor of its cell, centred horizontally.
fn enemy_rects(enemies: &[Placed], physics: &Physics, tile_sub: i32) -> Vec<Rect> {
    enemies
        .iter()
        .map(|&e| {
            let r = cell_rect(e, tile_sub);
            Rect::centred(
                r.cx(),
                r.y1 - physics.enemy_h / 2,
                physics.enemy_w,
                physics.enemy_h,
            )
        })
        .collect()
}

/// Writes a level back to the file format. `parse(&print(l), f)` equals `l`.
pub fn print(level: &Level) -> String {
    let mut s = String::new();
    s.push_str("+++\n");
    s.push_str(&toml::to_string(&level.header).expect("a level header always serialises"));
    s.push_str("+++\n");
    s.push_str(&level.grid_string());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str =
        "# a comment\n+++\nname = \"tiny\"\ntile_px = 15\ntick_hz = 30\n+++\n#####\n#P.Q#\n#===#\n";

    #[test]
    fn parses_tiny() {
        let l = parse(TINY, "tiny.level").unwrap();
        assert_eq!((l.width, l.height), (5, 3));
        assert_eq!(l.start, (SUB * 15 + SUB * 15 / 2, SUB * 15 + SUB * 15 / 2));
        assert_eq!(l.physics.climb, 56);
        assert_eq!(parse(&print(&l), "x").unwrap(), l);
    }

    fn err(text: &str) -> LevelError {
        parse(text, "bad.level").unwrap_err()
    }

    #[test]
    fn errors_name_file_line_column() {
        let e = err(&TINY.replace("#P.Q#", "#P.Z#"));
        assert!(
            matches!(e, LevelError::UnknownGlyph { glyph: 'Z', .. }),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "bad.level:8:4: unknown glyph 'Z' (known: . # = H F ^ E P Q K D)"
        );
        let e = err(&TINY.replace("#P.Q#", "#P.Q##"));
        assert!(
            matches!(
                e,
                LevelError::Ragged {
                    found: 6,
                    expected: 5,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(e.location().line, 8);
        let e = err(&TINY.replace("#P.Q#", "#..Q#"));
        assert!(matches!(e, LevelError::NoStart(_)), "{e}");
        let e = err(&TINY.replace("#P.Q#", "#PPQ#"));
        assert!(
            matches!(
                e,
                LevelError::Duplicate {
                    glyph: 'P',
                    first_column: 2,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(e.location().column, 3);
        let e = err(&TINY.replace("#P.Q#", "#P..#"));
        assert!(matches!(e, LevelError::NoGoal(_)), "{e}");
        let e = err(&TINY.replace("#P.Q#", "#PD.#"));
        assert!(
            matches!(e, LevelError::DoorWithoutKey(ref l) if l.line == 8 && l.column == 3),
            "{e}"
        );
        let e = err(&TINY.replace("tick_hz = 30", "tick_hz = \"fast\""));
        assert!(
            matches!(e, LevelError::Header { ref at, .. } if at.line == 5),
            "{e}"
        );
        let e = err(&TINY.replace("tick_hz = 30", "tick_hz = 30\nspeed = 2"));
        assert!(
            matches!(e, LevelError::Header { ref at, .. } if at.line == 6),
            "{e}"
        );
        let e = err(&TINY.replace("tick_hz = 30", "tick_hz = 30\n[physics]\nclimb_px = 3.3"));
        assert!(matches!(e, LevelError::HeaderValue { .. }), "{e}");
        let e = err("#####\n#P.Q#\n");
        assert!(matches!(e, LevelError::MissingHeader(_)), "{e}");
        let big = format!(
            "+++\nname=\"b\"\ntile_px=15\ntick_hz=30\n+++\n{}\n",
            "#".repeat(300)
        );
        assert!(matches!(err(&big), LevelError::TooLarge { .. }));
        assert!(
            parse(&TINY.replace("#===#", "#===#\n\n"), "ok.level").is_ok(),
            "trailing blank lines are fine"
        );
    }
}
