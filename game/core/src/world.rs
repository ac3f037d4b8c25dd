//! The world state and the one tick of simulation, [`step`].
//!
//! `step(level, rules, world, action)` is a pure function of its inputs: integer arithmetic on
//! sub-pixel positions, no clock, no RNG, no allocation, no hash-map iteration. It never panics on
//! any action in any reachable state. Mechanics follow the released RL game (shared/spec,
//! "Mechanics"); every place where the spec was silent says what we chose.

use crate::action::Action;
use crate::condition::LadderMode;
use crate::level::{Level, Rect, Tile};

/// What happens when the player dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnDeath {
    /// The episode ends (the agent's rule).
    EndEpisode,
    /// The player reappears at the start with the level reset; deaths are counted (the human rule).
    RespawnAtStart,
}

/// Per-session rules layered over a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rules {
    /// Death handling.
    pub on_death: OnDeath,
    /// Episode cut after this many ticks (`None`: never).
    pub tick_limit: Option<u32>,
    /// Ladder mode (from the condition's mechanics).
    pub ladder: LadderMode,
}

impl Rules {
    /// Agent episodes: death ends the episode, cut at 2,000 ticks (spec).
    pub fn agent() -> Rules {
        Rules {
            on_death: OnDeath::EndEpisode,
            tick_limit: Some(2000),
            ladder: LadderMode::Normal,
        }
    }
    /// Human sessions: respawn, 30 minutes at `tick_hz` (the paper's limit).
    pub fn human(tick_hz: u32) -> Rules {
        Rules {
            on_death: OnDeath::RespawnAtStart,
            tick_limit: Some(30 * 60 * tick_hz),
            ladder: LadderMode::Normal,
        }
    }
    /// The same rules with a ladder mode.
    pub fn with_ladder(mut self, ladder: LadderMode) -> Rules {
        self.ladder = ladder;
        self
    }
}

/// Why the player died.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeathCause {
    /// Touched fire.
    Fire,
    /// Touched spikes.
    Spikes,
    /// Touched an enemy other than by stomping it.
    Enemy,
    /// Fell below the level.
    Fell,
}

impl DeathCause {
    /// Lower-case name for files.
    pub fn name(self) -> &'static str {
        match self {
            DeathCause::Fire => "fire",
            DeathCause::Spikes => "spikes",
            DeathCause::Enemy => "enemy",
            DeathCause::Fell => "fell",
        }
    }
}

/// Something that happened during a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The key was picked up.
    KeyPicked,
    /// The player started touching the door.
    DoorTouched {
        /// Whether the player held the key.
        has_key: bool,
    },
    /// An enemy was landed on and removed.
    EnemyStomped {
        /// Index into the level's enemies.
        enemy: u8,
    },
    /// The player died.
    Died {
        /// Why.
        cause: DeathCause,
    },
    /// The player reappeared at the start (human rule).
    Respawned,
    /// The goal was reached (reward +1).
    GoalReached,
    /// The tick limit was hit.
    TimedOut,
}

impl Event {
    /// Snake-case name for CSV files.
    pub fn name(&self) -> String {
        match self {
            Event::KeyPicked => "key_picked".into(),
            Event::DoorTouched { has_key: true } => "door_touched_with_key".into(),
            Event::DoorTouched { has_key: false } => "door_touched_without_key".into(),
            Event::EnemyStomped { enemy } => format!("enemy_stomped_{enemy}"),
            Event::Died { cause } => format!("died_{}", cause.name()),
            Event::Respawned => "respawned".into(),
            Event::GoalReached => "goal_reached".into(),
            Event::TimedOut => "timed_out".into(),
        }
    }
}

/// The events of one tick, without allocating (at most [`Events::CAPACITY`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Events {
    buf: [Option<Event>; Events::CAPACITY],
    len: u8,
}

impl Events {
    /// Most events one tick can produce.
    pub const CAPACITY: usize = 8;
    fn push(&mut self, e: Event) {
        if (self.len as usize) < Self::CAPACITY {
            self.buf[self.len as usize] = Some(e);
            self.len += 1;
        }
    }
    /// Iterates the events in the order they happened.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.buf[..self.len as usize].iter().flatten().copied()
    }
    /// Whether no event happened.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Whether `e` happened.
    pub fn contains(&self, e: Event) -> bool {
        self.iter().any(|x| x == e)
    }
    /// The events joined by `;` (empty string for none), for CSV.
    pub fn joined(&self) -> String {
        self.iter().map(|e| e.name()).collect::<Vec<_>>().join(";")
    }
}

/// How the episode stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Still playing.
    Running,
    /// Goal reached.
    Won,
    /// Died under [`OnDeath::EndEpisode`].
    Died(DeathCause),
    /// Tick limit hit.
    TimedOut,
}

/// The player's dynamic state. Positions are the hitbox centre in sub-pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Player {
    /// Centre x, sub-pixels.
    pub x: i32,
    /// Centre y, sub-pixels (grows downwards).
    pub y: i32,
    /// Vertical speed, sub-pixels per tick (negative is up).
    pub vy: i32,
    /// Whether the player touches a ladder (gravity off).
    pub on_ladder: bool,
    /// Last horizontal direction used to climb a zigzag ladder (-1, 0, +1).
    pub zig: i8,
    /// Direction the player last walked (-1 or +1), for drawing.
    pub facing: i8,
    /// The released game's `isJumping` flag: in free flight under gravity (released profiles
    /// only; always false under the clean profile, where `vy` alone says it).
    pub airborne: bool,
}

/// Everything that changes during an episode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct World {
    /// Ticks stepped so far.
    pub tick: u32,
    /// The player.
    pub player: Player,
    /// Whether the player holds the key.
    pub has_key: bool,
    /// Whether the key still lies in the level.
    pub key_present: bool,
    /// Bit i set: enemy i is alive.
    pub enemies_alive: u64,
    /// Patrolling enemies' centre x (sub-pixels); empty when enemies are static.
    pub enemy_x: Vec<i32>,
    /// Patrolling enemies' directions.
    pub enemy_dir: Vec<i8>,
    /// Deaths so far (human rule).
    pub deaths: u32,
    /// Whether the player touched the door last tick (door events are edge-triggered).
    pub touching_door: bool,
    /// Episode status.
    pub outcome: Outcome,
}

impl World {
    /// The state at tick 0.
    pub fn new(level: &Level) -> World {
        let patrol = level.physics.enemy_patrol > 0;
        World {
            tick: 0,
            player: Player {
                x: level.start.0,
                y: level.start.1,
                vy: 0,
                on_ladder: false,
                zig: 0,
                facing: 1,
                airborne: false,
            },
            has_key: false,
            key_present: level.key.is_some(),
            enemies_alive: if level.enemies.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << level.enemies.len()) - 1
            },
            enemy_x: if patrol {
                level.enemy_rects.iter().map(|r| r.cx()).collect()
            } else {
                Vec::new()
            },
            enemy_dir: if patrol {
                vec![1; level.enemies.len()]
            } else {
                Vec::new()
            },
            deaths: 0,
            touching_door: false,
            outcome: Outcome::Running,
        }
    }

    /// Resets the level around a respawned player, keeping tick and deaths.
    fn respawn(&mut self, level: &Level) {
        let (tick, deaths) = (self.tick, self.deaths);
        *self = World::new(level);
        self.tick = tick;
        self.deaths = deaths;
    }

    /// Whether the episode is over.
    pub fn is_done(&self) -> bool {
        self.outcome != Outcome::Running
    }

    /// The player's hitbox (under a released profile, pygame's whole-pixel rectangle).
    pub fn player_rect(&self, level: &Level) -> Rect {
        if level.physics.profile.is_released() {
            crate::released::player_box(self.player.x, self.player.y)
        } else {
            Rect::centred(
                self.player.x,
                self.player.y,
                level.physics.player_w,
                level.physics.player_h,
            )
        }
    }

    /// Enemy i's hitbox (where it is now).
    pub fn enemy_rect(&self, level: &Level, i: usize) -> Rect {
        let r = level.enemy_rects[i];
        match self.enemy_x.get(i) {
            Some(&x) => Rect::centred(x, r.cy(), r.x1 - r.x0, r.y1 - r.y0),
            None => r,
        }
    }

    /// Whether enemy i is alive.
    pub fn enemy_alive(&self, i: usize) -> bool {
        i < 64 && self.enemies_alive & (1 << i) != 0
    }

    /// A 64-bit FNV-1a hash of the whole state (tick included). Stable across machines and
    /// releases of this crate's state layout; recorded in traces for replay checks.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv::new();
        h.u32(self.tick);
        h.i32(self.player.x);
        h.i32(self.player.y);
        h.i32(self.player.vy);
        h.u32(
            self.player.on_ladder as u32
                | (self.has_key as u32) << 1
                | (self.key_present as u32) << 2
                | (self.touching_door as u32) << 3
                | (self.player.airborne as u32) << 4,
        );
        h.i32(self.player.zig as i32);
        h.u64(self.enemies_alive);
        for (&x, &d) in self.enemy_x.iter().zip(&self.enemy_dir) {
            h.i32(x);
            h.i32(d as i32);
        }
        h.u32(self.deaths);
        h.u32(match self.outcome {
            Outcome::Running => 0,
            Outcome::Won => 1,
            Outcome::TimedOut => 2,
            Outcome::Died(c) => 3 + c as u32,
        });
        h.0
    }

    /// ASCII dump: the grid with the player (`@`), live enemies, key and door drawn in.
    pub fn ascii(&self, level: &Level) -> String {
        let t = level.tile_sub();
        let mut rows: Vec<Vec<char>> = (0..level.height)
            .map(|r| {
                (0..level.width)
                    .map(|c| level.tiles[r * level.width + c].glyph())
                    .collect()
            })
            .collect();
        let mut put = |x: i32, y: i32, ch: char| {
            let (c, r) = (x.div_euclid(t), y.div_euclid(t));
            if r >= 0 && (r as usize) < level.height && c >= 0 && (c as usize) < level.width {
                rows[r as usize][c as usize] = ch;
            }
        };
        if let Some(g) = level.goal {
            put(g.cx(), g.cy(), 'Q');
        }
        if let Some(d) = level.door_rect {
            put(d.cx(), d.cy(), 'D');
        }
        if self.key_present
            && let Some(k) = level.key_rect
        {
            put(k.cx(), k.cy(), 'K');
        }
        for i in 0..level.enemies.len() {
            if self.enemy_alive(i) {
                let r = self.enemy_rect(level, i);
                put(r.cx(), r.cy(), 'E');
            }
        }
        put(self.player.x, self.player.y, '@');
        let mut s = String::new();
        for row in rows {
            s.extend(row);
            s.push('\n');
        }
        s
    }
}

/// FNV-1a, 64-bit: tiny, fixed, and identical everywhere.
struct Fnv(u64);
impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes())
    }
    fn i32(&mut self, v: i32) {
        self.bytes(&v.to_le_bytes())
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes())
    }
}

/// Tiles overlapped by `r`, as inclusive column and row ranges.
#[inline]
fn tile_span(level: &Level, r: &Rect) -> (i32, i32, i32, i32) {
    let t = level.tile_sub();
    (
        r.x0.div_euclid(t),
        (r.x1 - 1).div_euclid(t),
        r.y0.div_euclid(t),
        (r.y1 - 1).div_euclid(t),
    )
}

/// Whether `r` overlaps a solid tile (or the side/top walls outside the grid).
#[inline]
pub fn hits_solid(level: &Level, r: &Rect) -> bool {
    let (c0, c1, r0, r1) = tile_span(level, r);
    for row in r0..=r1 {
        for col in c0..=c1 {
            if level.tile(col, row).is_solid() {
                return true;
            }
        }
    }
    false
}

/// The first deadly tile `r` overlaps, scanning rows then columns.
#[inline]
fn deadly_tile(level: &Level, r: &Rect) -> Option<Tile> {
    let (c0, c1, r0, r1) = tile_span(level, r);
    for row in r0..=r1 {
        for col in c0..=c1 {
            let t = level.tile(col, row);
            if t.is_deadly() {
                return Some(t);
            }
        }
    }
    None
}

/// Ladder contact: the column under the player's centre holds a ladder anywhere from the head
/// down to the line just below the feet (so one can stand on a ladder's top and climb down).
/// Returns the y (sub-pixels) of the top of that ladder.
#[inline]
fn ladder_top(level: &Level, p: &Player, r: &Rect) -> Option<i32> {
    let t = level.tile_sub();
    let col = p.x.div_euclid(t);
    let (r0, r1) = (r.y0.div_euclid(t), r.y1.div_euclid(t));
    let mut row = r1;
    while row >= r0 {
        if level.tile(col, row) == Tile::Ladder {
            let mut top = row;
            while top > 0 && level.tile(col, top - 1) == Tile::Ladder {
                top -= 1;
            }
            return Some(top * t);
        }
        row -= 1;
    }
    None
}

/// Moves a box vertically by `dy`, stopping flush against the first solid tile. Returns the
/// new centre y and whether it was stopped.
#[inline]
fn move_vertical(level: &Level, x: i32, y: i32, w: i32, h: i32, dy: i32) -> (i32, bool) {
    if dy == 0 {
        return (y, false);
    }
    let ny = y + dy;
    let r = Rect::centred(x, ny, w, h);
    if !hits_solid(level, &r) {
        return (ny, false);
    }
    let t = level.tile_sub();
    let half_top = h / 2; // Rect::centred puts y0 = cy - h/2
    if dy > 0 {
        // Landing: feet flush with the top of the row the feet entered.
        let feet_row = (r.y1 - 1).div_euclid(t);
        let ny = feet_row * t - (h - half_top);
        // Guard against a box that was already inside a solid (never in reachable states).
        if ny < y { (y, true) } else { (ny, true) }
    } else {
        let head_row = r.y0.div_euclid(t);
        let ny = (head_row + 1) * t + half_top;
        if ny > y { (y, true) } else { (ny, true) }
    }
}

/// Advances the world by one tick under `action`. Returns what happened.
///
/// Order within a tick: patrolling enemies move; the profile's movement (clean: horizontal walk,
/// undone if it would overlap a solid, then ladder or gravity; released: see [`crate::released`]);
/// hazards (fire, spikes, falling out, enemies); key, door, goal;
/// then the tick counter and the tick limit. A finished episode does not change.
pub fn step(level: &Level, rules: &Rules, w: &mut World, action: Action) -> Events {
    if w.is_done() {
        return Events::default();
    }
    move_enemies(level, w);
    if level.physics.profile.is_released() {
        crate::released::movement(level, rules, w, action);
    } else {
        clean_movement(level, rules, w, action);
    }
    resolve(level, rules, w)
}

/// The clean profile's movement: horizontal walk (undone if it would overlap a solid), then ladder
/// or gravity with landing flush on the tick of contact.
fn clean_movement(level: &Level, rules: &Rules, w: &mut World, action: Action) {
    let ph = &level.physics;
    // 1. Horizontal.
    let dx = action.dx();
    let up = action.dy() < 0;
    let down = action.dy() > 0;
    let zigzag_climb = rules.ladder == LadderMode::Zigzag
        && up
        && ladder_top(level, &w.player, &w.player_rect(level)).is_some();
    let mut climb_now = false;
    if zigzag_climb {
        // Changed-ladder: alternating horizontal presses while holding up climb; they do not walk.
        if dx != 0 && dx as i8 != w.player.zig {
            climb_now = true;
            w.player.zig = dx as i8;
        }
    } else if dx != 0 {
        w.player.facing = dx as i8;
        let nx = w.player.x + dx * ph.walk;
        if !hits_solid(
            level,
            &Rect::centred(nx, w.player.y, ph.player_w, ph.player_h),
        ) {
            w.player.x = nx;
        }
    }

    // 2. Vertical: ladder or gravity.
    let r1 = w.player_rect(level);
    match ladder_top(level, &w.player, &r1) {
        Some(top) => {
            w.player.on_ladder = true;
            w.player.vy = 0;
            let wants_up = if rules.ladder == LadderMode::Zigzag {
                climb_now
            } else {
                up
            };
            if wants_up {
                let feet = r1.y1 - ph.climb;
                let dy = if feet < top { top - r1.y1 } else { -ph.climb };
                w.player.y = move_vertical(
                    level,
                    w.player.x,
                    w.player.y,
                    ph.player_w,
                    ph.player_h,
                    dy.min(0),
                )
                .0;
            } else if down {
                w.player.y = move_vertical(
                    level,
                    w.player.x,
                    w.player.y,
                    ph.player_w,
                    ph.player_h,
                    ph.climb,
                )
                .0;
            }
        }
        None => {
            w.player.on_ladder = false;
            w.player.zig = 0;
            let standing = hits_solid(
                level,
                &Rect {
                    y0: r1.y0 + 1,
                    y1: r1.y1 + 1,
                    ..r1
                },
            );
            if standing && action.has(crate::action::Button::Jump) {
                w.player.vy = -ph.jump;
            } else if standing && w.player.vy > 0 {
                w.player.vy = 0;
            }
            let (ny, stopped) = move_vertical(
                level,
                w.player.x,
                w.player.y,
                ph.player_w,
                ph.player_h,
                w.player.vy,
            );
            w.player.y = ny;
            let r2 = w.player_rect(level);
            let supported = hits_solid(
                level,
                &Rect {
                    y0: r2.y0 + 1,
                    y1: r2.y1 + 1,
                    ..r2
                },
            );
            if stopped || supported {
                w.player.vy = 0;
            } else {
                w.player.vy = (w.player.vy + ph.gravity).min(ph.max_fall);
            }
        }
    }
}

/// Hazards, key, door, goal and the tick limit, after the player has moved. Shared by every
/// profile; the released profiles differ only in the stomp test's reference points.
fn resolve(level: &Level, rules: &Rules, w: &mut World) -> Events {
    let mut ev = Events::default();
    let ph = &level.physics;
    let released = ph.profile.is_released();
    // 3. Hazards.
    let pr = w.player_rect(level);
    let mut death = match deadly_tile(level, &pr) {
        Some(Tile::Fire) => Some(crate::world::DeathCause::Fire),
        Some(_) => Some(DeathCause::Spikes),
        None if pr.y0 >= level.height as i32 * level.tile_sub() => Some(DeathCause::Fell),
        None => None,
    };
    if death.is_none() {
        for i in 0..level.enemies.len().min(64) {
            if !w.enemy_alive(i) {
                continue;
            }
            let er = w.enemy_rect(level, i);
            if pr.overlaps(&er) {
                let stomped = if released {
                    crate::released::stomps(level, w.player.y, &er)
                } else {
                    pr.cy() < er.cy() - ph.stomp_margin
                };
                if stomped {
                    w.enemies_alive &= !(1u64 << i);
                    ev.push(Event::EnemyStomped { enemy: i as u8 });
                } else {
                    death = Some(DeathCause::Enemy);
                    break;
                }
            }
        }
    }

    w.tick = w.tick.saturating_add(1);
    if let Some(cause) = death {
        ev.push(Event::Died { cause });
        match rules.on_death {
            OnDeath::EndEpisode => {
                w.outcome = Outcome::Died(cause);
                return ev;
            }
            OnDeath::RespawnAtStart => {
                w.deaths = w.deaths.saturating_add(1);
                w.respawn(level);
                ev.push(Event::Respawned);
            }
        }
    } else {
        // 4. Key, door, goal.
        if w.key_present
            && let Some(k) = level.key_rect
            && pr.overlaps(&k)
        {
            w.key_present = false;
            w.has_key = true;
            ev.push(Event::KeyPicked);
        }
        let touching = level.door_rect.is_some_and(|d| pr.overlaps(&d));
        if touching && !w.touching_door {
            ev.push(Event::DoorTouched { has_key: w.has_key });
        }
        w.touching_door = touching;
        let won = (touching && w.has_key) || level.goal.is_some_and(|g| pr.overlaps(&g));
        if won {
            ev.push(Event::GoalReached);
            w.outcome = Outcome::Won;
            return ev;
        }
    }
    if let Some(limit) = rules.tick_limit
        && w.tick >= limit
    {
        ev.push(Event::TimedOut);
        w.outcome = Outcome::TimedOut;
    }
    ev
}

/// Patrolling enemies walk along their floor and turn at walls and edges.
fn move_enemies(level: &Level, w: &mut World) {
    let speed = level.physics.enemy_patrol;
    if speed == 0 {
        return;
    }
    for i in 0..w.enemy_x.len() {
        if !w.enemy_alive(i) {
            continue;
        }
        let r = w.enemy_rect(level, i);
        let dir = w.enemy_dir[i] as i32;
        let moved = Rect {
            x0: r.x0 + dir * speed,
            x1: r.x1 + dir * speed,
            ..r
        };
        let lead_x = if dir > 0 { moved.x1 - 1 } else { moved.x0 };
        let below = Rect {
            x0: lead_x,
            x1: lead_x + 1,
            y0: moved.y1,
            y1: moved.y1 + 1,
        };
        if hits_solid(level, &moved) || !hits_solid(level, &below) {
            w.enemy_dir[i] = -w.enemy_dir[i];
        } else {
            w.enemy_x[i] += dir * speed;
        }
    }
}

/// The reward of a tick's events: +1 on the goal, 0 otherwise (spec).
pub fn reward(events: &Events) -> f32 {
    if events.contains(Event::GoalReached) {
        1.0
    } else {
        0.0
    }
}
