//! The Bevy adapter: a thin shell that feeds a [`Lab`] from Bevy's frame loop and shows the CPU
//! renderer's frame.
//!
//! Per frame: `PreUpdate` numbers the frame, lets a script (if any) write `KeyboardInput`
//! messages, then hands every `KeyboardInput` and `WindowFocused` message to the lab;
//! `FixedUpdate` (at the level's `tick_hz`) calls [`Lab::tick`] once per tick; `Last` closes the
//! frame (timing, flushes). The display part draws the exact RGB frame of
//! `priors_render::Renderer::render` into a texture, scaled up by an integer factor with
//! nearest-neighbour sampling, and puts the protocol screens' text over it.
//!
//! What it deliberately does not do: no game rule, no input mapping and no file IO happen in
//! these systems; `Transform` is only for drawing. [`LabPlugin`] works with `MinimalPlugins`
//! (headless tests); [`DisplayPlugin`] needs a window.

use crate::input::snake_case;
use crate::lab::{Lab, Screen};
use crate::meta::{DisplayInfo, Status};
use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::input::ButtonState;
use bevy::input::keyboard::{Key as LogicalKey, KeyboardInput};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy::window::{Monitor, PrimaryMonitor, PrimaryWindow, WindowCloseRequested, WindowFocused};
use priors_core::condition::Key;
use priors_core::{Condition, Level, World};
use std::sync::{Arc, Mutex};

/// The running session.
#[derive(Resource)]
pub struct LabRes(pub Lab);

/// How a session ended, for the caller of `App::run` (the app itself is consumed by the run).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The session folder.
    pub dir: Option<std::path::PathBuf>,
    /// Final status.
    pub status: Option<Status>,
    /// Ticks played.
    pub ticks: u32,
    /// The fatal error, if a write failed.
    pub failure: Option<String>,
}

/// Shared handle to the [`Summary`].
#[derive(Resource, Clone, Default)]
pub struct SummaryRes(pub Arc<Mutex<Summary>>);

/// What the display shows: the level, the condition, the world and the screen text.
#[derive(Resource, Clone)]
pub struct ViewState {
    /// The level.
    pub level: Level,
    /// The condition (its theme and view are drawn).
    pub condition: Condition,
    /// The state to draw.
    pub world: World,
    /// Text over the frame (protocol screens); empty while playing.
    pub text: String,
    /// Whether the game frame is visible.
    pub show_frame: bool,
    /// Bumped whenever something above changes.
    pub revision: u64,
}

/// Frame counter (frame index from 0).
#[derive(Resource, Default)]
pub struct FrameIndex(pub u64);

/// Key sets to hold per tick (bit i = `Key::ALL[i]`), played through `KeyboardInput` messages.
#[derive(Resource, Default)]
pub struct ScriptDriver {
    /// Keys per tick.
    pub keys: Vec<u8>,
    held: u8,
    tapped: Option<KeyCode>,
}

impl ScriptDriver {
    /// A driver for `keys`.
    pub fn new(keys: Vec<u8>) -> ScriptDriver {
        ScriptDriver {
            keys,
            held: 0,
            tapped: None,
        }
    }
}

/// Close the app this many seconds after the end screen appears (unattended runs).
#[derive(Resource, Clone, Copy)]
pub struct CloseAfterEnd(pub f64);

/// The Bevy key code of a mapped key.
pub fn key_code(key: Key) -> KeyCode {
    match key {
        Key::ArrowLeft => KeyCode::ArrowLeft,
        Key::ArrowRight => KeyCode::ArrowRight,
        Key::ArrowUp => KeyCode::ArrowUp,
        Key::ArrowDown => KeyCode::ArrowDown,
        Key::Space => KeyCode::Space,
    }
}

/// A synthetic keyboard message, as winit would send it.
pub fn keyboard_message(code: KeyCode, pressed: bool, window: Entity) -> KeyboardInput {
    let logical_key = match code {
        KeyCode::ArrowLeft => LogicalKey::ArrowLeft,
        KeyCode::ArrowRight => LogicalKey::ArrowRight,
        KeyCode::ArrowUp => LogicalKey::ArrowUp,
        KeyCode::ArrowDown => LogicalKey::ArrowDown,
        KeyCode::Space => LogicalKey::Space,
        KeyCode::Escape => LogicalKey::Escape,
        KeyCode::KeyY => LogicalKey::Character("y".into()),
        KeyCode::KeyN => LogicalKey::Character("n".into()),
        _ => LogicalKey::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
    };
    KeyboardInput {
        key_code: code,
        logical_key,
        state: if pressed {
            ButtonState::Pressed
        } else {
            ButtonState::Released
        },
        text: None,
        repeat: false,
        window,
    }
}

/// The session logic on Bevy's schedules. Needs `Time` (MinimalPlugins) and a [`LabRes`].
pub struct LabPlugin {
    /// Simulation ticks per second (the level's `tick_hz`).
    pub tick_hz: u32,
}

impl Plugin for LabPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<KeyboardInput>()
            .add_message::<WindowFocused>()
            .add_message::<WindowCloseRequested>()
            .add_message::<AppExit>()
            .insert_resource(Time::<Fixed>::from_hz(self.tick_hz as f64))
            .init_resource::<FrameIndex>()
            .init_resource::<SummaryRes>()
            .add_systems(
                PreUpdate,
                (
                    begin_frame,
                    drive_script.run_if(resource_exists::<ScriptDriver>),
                    read_input,
                    align_fixed_clock,
                )
                    .chain(),
            )
            .add_systems(FixedUpdate, tick_lab)
            .add_systems(Update, (close_requested, publish_view.in_set(PublishView)))
            .add_systems(Last, end_frame);
    }
}

fn begin_frame(mut frame: ResMut<FrameIndex>, time: Res<Time<Real>>, mut lab: ResMut<LabRes>) {
    lab.0.begin_frame(frame.0, time.elapsed_secs_f64());
    frame.0 += 1;
}

fn drive_script(
    mut driver: ResMut<ScriptDriver>,
    lab: Res<LabRes>,
    mut out: MessageWriter<KeyboardInput>,
    windows: Query<Entity, With<PrimaryWindow>>,
) {
    let window = windows.iter().next().unwrap_or(Entity::PLACEHOLDER);
    let lab = &lab.0;
    if let Some(code) = driver.tapped.take() {
        out.write(keyboard_message(code, false, window));
        // The frame that releases the start key runs tick 0: press the script's first keys in
        // it too, or tick 0 would play `noop` (issue 8).
        if lab.screen() != Screen::Playing {
            return;
        }
    }
    let tap = match lab.screen() {
        Screen::Consent => Some(KeyCode::KeyY),
        Screen::Instructions | Screen::Ready => Some(KeyCode::Space),
        Screen::Playing | Screen::ConfirmAbort | Screen::End => None,
    };
    if let Some(code) = tap {
        out.write(keyboard_message(code, true, window));
        driver.tapped = Some(code);
        return;
    }
    if lab.screen() != Screen::Playing {
        return;
    }
    let want = driver
        .keys
        .get(lab.ticks_done() as usize)
        .copied()
        .unwrap_or(0);
    let held = driver.held;
    // Releases first, so a key released and pressed again in one frame ends up held.
    for (i, key) in Key::ALL.iter().enumerate() {
        if held & !want & (1 << i) != 0 {
            out.write(keyboard_message(key_code(*key), false, window));
        }
    }
    for (i, key) in Key::ALL.iter().enumerate() {
        if want & !held & (1 << i) != 0 {
            out.write(keyboard_message(key_code(*key), true, window));
        }
    }
    driver.held = want;
}

fn guard(lab: &mut Lab, r: anyhow::Result<()>) {
    if let Err(e) = r {
        error!("session data write failed: {e:#}");
        lab.fail(&e);
    }
}

fn read_input(
    mut keys: MessageReader<KeyboardInput>,
    mut focus: MessageReader<WindowFocused>,
    mut lab: ResMut<LabRes>,
) {
    let lab = &mut lab.0;
    for f in focus.read() {
        let r = lab.focus(f.focused);
        guard(lab, r);
    }
    for k in keys.read() {
        let name = snake_case(&format!("{:?}", k.key_code));
        let r = lab.key(&name, k.state == ButtonState::Pressed, k.repeat);
        guard(lab, r);
    }
}

/// Play (re)starts a whole tick after the frame that started it, whatever the fixed clock's
/// phase was, so the first tick's timing does not depend on when the ready screen was left.
fn align_fixed_clock(lab: Res<LabRes>, mut fixed: ResMut<Time<Fixed>>) {
    if lab.0.resumed_this_frame() {
        let o = fixed.overstep();
        fixed.discard_overstep(o);
    }
}

fn tick_lab(mut lab: ResMut<LabRes>) {
    let lab = &mut lab.0;
    let r = lab.tick().map(|_| ());
    guard(lab, r);
}

fn close_requested(
    mut closes: MessageReader<WindowCloseRequested>,
    mut lab: ResMut<LabRes>,
    mut exit: MessageWriter<AppExit>,
) {
    if closes.read().count() > 0 {
        let lab = &mut lab.0;
        let r = lab.close();
        guard(lab, r);
        exit.write(AppExit::Success);
    }
}

/// The stop flag of [`crate::signals`]: when raised, the frame ends the session as interrupted
/// and closes the app.
#[derive(Resource, Debug, Clone)]
pub struct StopRes(pub crate::signals::StopFlag);

fn end_frame(
    mut lab: ResMut<LabRes>,
    time: Res<Time<Real>>,
    summary: Res<SummaryRes>,
    close_after: Option<Res<CloseAfterEnd>>,
    stop: Option<Res<StopRes>>,
    mut end_seen_s: Local<Option<f64>>,
    mut exit: MessageWriter<AppExit>,
) {
    let lab = &mut lab.0;
    let r = lab.end_frame(time.delta_secs_f64());
    guard(lab, r);
    let stopped = stop.is_some_and(|s| s.0.raised());
    if stopped {
        let r = lab.interrupt("stopped by a signal (SIGTERM, SIGHUP or SIGINT)");
        guard(lab, r);
    }
    if let Ok(mut s) = summary.0.lock() {
        s.dir = Some(lab.dir().to_path_buf());
        s.status = Some(lab.meta().status);
        s.ticks = lab.ticks_done();
        s.failure = lab.failure().map(str::to_string);
    }
    let now = time.elapsed_secs_f64();
    if lab.screen() == Screen::End && end_seen_s.is_none() {
        *end_seen_s = Some(now);
    }
    let timed_close = close_after.is_some_and(|c| end_seen_s.is_some_and(|t| now - t >= c.0));
    if stopped {
        exit.write(AppExit::Success);
    } else if lab.exit_requested() || timed_close {
        let r = lab.close();
        guard(lab, r);
        exit.write(AppExit::Success);
    }
}

fn publish_view(lab: Res<LabRes>, view: Option<ResMut<ViewState>>) {
    let Some(mut view) = view else { return };
    let lab = &lab.0;
    let text = lab.screen_text();
    let show_frame =
        lab.failure().is_none() && matches!(lab.screen(), Screen::Playing | Screen::ConfirmAbort);
    if view.world != *lab.world() || view.text != text || view.show_frame != show_frame {
        view.world = lab.world().clone();
        view.text = text;
        view.show_frame = show_frame;
        view.revision += 1;
    }
}

/// The systems that update [`ViewState`] (the display reads it after them).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublishView;

/// Marks the sprite that shows the game frame.
#[derive(Component)]
struct GameFrame;

/// Marks the protocol text.
#[derive(Component)]
struct ScreenText;

/// The renderer and the texture it fills.
#[derive(Resource)]
struct FrameTexture {
    renderer: priors_render::Renderer,
    frame: priors_render::Image,
    handle: Handle<Image>,
    shown_revision: u64,
}

/// Window display of a [`ViewState`]: the renderer's frame, scaled, plus text.
pub struct DisplayPlugin {
    /// Show a visible PILOT badge.
    pub pilot: bool,
}

#[derive(Resource, Clone, Copy)]
struct PilotBadge(bool);

impl Plugin for DisplayPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(PilotBadge(self.pilot))
            .insert_resource(ClearColor(Color::BLACK))
            .add_systems(Startup, setup_display)
            .add_systems(
                Update,
                (upload_frame, layout_frame, show_text).after(PublishView),
            )
            .add_systems(Update, record_display.run_if(resource_exists::<LabRes>));
    }
}

fn setup_display(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    view: Res<ViewState>,
    pilot: Res<PilotBadge>,
) -> Result {
    commands.spawn(Camera2d);
    let renderer = priors_render::Renderer::new(&view.level, &view.condition)
        .map_err(|e| BevyError::from(format!("renderer: {e}")))?;
    let frame = renderer.new_frame();
    let mut image = Image::new_fill(
        Extent3d {
            width: frame.width,
            height: frame.height,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::MAIN_WORLD | RenderAssetUsages::RENDER_WORLD,
    );
    image.sampler = ImageSampler::nearest();
    let handle = images.add(image);
    commands.spawn((
        Sprite {
            image: handle.clone(),
            custom_size: Some(Vec2::new(frame.width as f32, frame.height as f32)),
            ..default()
        },
        Visibility::Hidden,
        GameFrame,
    ));
    commands.insert_resource(FrameTexture {
        renderer,
        frame,
        handle,
        shown_revision: u64::MAX,
    });
    commands.spawn((
        Text::new(""),
        TextFont {
            font_size: FontSize::Px(28.0),
            ..default()
        },
        TextColor(Color::WHITE),
        Node {
            position_type: PositionType::Absolute,
            left: px(60.0),
            right: px(60.0),
            top: px(80.0),
            ..default()
        },
        ScreenText,
    ));
    if pilot.0 {
        commands.spawn((
            Text::new("PILOT"),
            TextFont {
                font_size: FontSize::Px(22.0),
                ..default()
            },
            TextColor(Color::srgb(1.0, 0.2, 0.2)),
            Node {
                position_type: PositionType::Absolute,
                right: px(12.0),
                top: px(8.0),
                ..default()
            },
        ));
    }
    Ok(())
}

fn upload_frame(
    view: Res<ViewState>,
    tex: Option<ResMut<FrameTexture>>,
    mut images: ResMut<Assets<Image>>,
) {
    let Some(mut tex) = tex else { return };
    if tex.shown_revision == view.revision {
        return;
    }
    let tex = &mut *tex;
    tex.shown_revision = view.revision;
    tex.renderer.render(&view.world, &mut tex.frame);
    let Some(mut image) = images.get_mut(&tex.handle) else {
        return;
    };
    let Some(data) = image.data.as_mut() else {
        return;
    };
    for (dst, src) in data.chunks_exact_mut(4).zip(tex.frame.rgb.chunks_exact(3)) {
        dst[..3].copy_from_slice(src);
        dst[3] = 255;
    }
}

fn layout_frame(
    view: Res<ViewState>,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut sprites: Query<(&mut Sprite, &mut Transform, &mut Visibility), With<GameFrame>>,
    tex: Option<Res<FrameTexture>>,
) {
    let (Some(tex), Some(window)) = (tex, windows.iter().next()) else {
        return;
    };
    let (fw, fh) = (tex.frame.width, tex.frame.height);
    let (pw, ph) = (window.physical_width(), window.physical_height());
    let sf = window.scale_factor();
    // Integer upscale in physical pixels keeps every frame pixel the same size.
    let scale = (pw / fw.max(1)).min(ph / fh.max(1)).max(1);
    for (mut sprite, mut transform, mut vis) in &mut sprites {
        sprite.custom_size = Some(Vec2::new(
            (fw * scale) as f32 / sf,
            (fh * scale) as f32 / sf,
        ));
        // Align texel edges with physical pixels when the margins are odd.
        let odd = |w: u32, f: u32| {
            if (w.saturating_sub(f * scale)) % 2 == 1 {
                0.5 / sf
            } else {
                0.0
            }
        };
        transform.translation = Vec3::new(odd(pw, fw), -odd(ph, fh), 0.0);
        *vis = if view.show_frame {
            Visibility::Visible
        } else {
            Visibility::Hidden
        };
    }
}

fn show_text(view: Res<ViewState>, mut texts: Query<&mut Text, With<ScreenText>>) {
    for mut t in &mut texts {
        if t.0 != view.text {
            t.0.clone_from(&view.text);
        }
    }
}

fn record_display(
    mut lab: ResMut<LabRes>,
    windows: Query<&Window, With<PrimaryWindow>>,
    adapter: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    tex: Option<Res<FrameTexture>>,
    monitors: Query<(&Monitor, Has<PrimaryMonitor>)>,
    mut done: Local<bool>,
) {
    let (Some(window), Some(tex)) = (windows.iter().next(), tex) else {
        return;
    };
    let (pw, ph) = (window.physical_width(), window.physical_height());
    if pw == 0 || ph == 0 || (*done && lab.0.meta().display.window_px == [pw, ph]) {
        return;
    }
    *done = true;
    let (fw, fh) = (tex.frame.width, tex.frame.height);
    let mut d: DisplayInfo = lab.0.meta().display.clone();
    d.window_px = [pw, ph];
    d.os_scale_factor = window.scale_factor() as f64;
    d.frame_px = [fw, fh];
    d.frame_scale = (pw / fw.max(1)).min(ph / fh.max(1)).max(1);
    d.present_mode = format!("{:?}", window.present_mode);
    let monitor = match d.monitor_index {
        Some(i) => monitors.iter().nth(i),
        None => monitors.iter().find(|(_, primary)| *primary),
    };
    if let Some((m, _)) = monitor {
        let hz = m
            .refresh_rate_millihertz
            .map_or(String::new(), |r| format!(" @ {:.2} Hz", r as f64 / 1000.0));
        d.monitor_name = Some(format!(
            "{} ({}x{}{hz})",
            m.name.as_deref().unwrap_or("unnamed"),
            m.physical_width,
            m.physical_height
        ));
    }
    if let Some(a) = adapter {
        d.gpu_adapter = format!(
            "{} ({:?}; driver {} {})",
            a.name, a.backend, a.driver, a.driver_info
        );
    }
    lab.0.set_display(d);
}

/// The [`ViewState`] for a level and condition at the start.
pub fn initial_view(level: &Level, condition: &Condition) -> ViewState {
    ViewState {
        level: level.clone(),
        condition: condition.clone(),
        world: World::new(level),
        text: String::new(),
        show_frame: false,
        revision: 0,
    }
}
