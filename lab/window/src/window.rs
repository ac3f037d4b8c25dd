//! Opening the real window: a lab session ([`run_session`]), the review of a recorded one
//! ([`run_replay`]) or the experimenter's start dialog ([`run_start_dialog`]). Assembles Bevy's plugins with this crate's [`LabPlugin`] and
//! [`DisplayPlugin`]; all logic lives in those and in [`crate::lab`].

use crate::app::{
    CloseAfterEnd, DisplayPlugin, LabPlugin, LabRes, PublishView, ScriptDriver, StopRes, Summary,
    SummaryRes, ViewState, initial_view,
};
use crate::lab::Lab;
use crate::meta::read_meta;
use crate::signals::StopFlag;
use crate::start::{FormKey, FormOutcome, StartForm};
use crate::verify::{load_setup, read_ticks};
use anyhow::{Result, anyhow};
use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use bevy::time::TimeUpdateStrategy;
use bevy::window::{
    ExitCondition, MonitorSelection, PresentMode, WindowMode, WindowPlugin, WindowResolution,
};
use priors_core::{Action, Condition, Level, Rules, World, step};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How the window opens.
#[derive(Debug, Clone)]
pub struct WindowOptions {
    /// Title bar text.
    pub title: String,
    /// Borderless fullscreen on `monitor` (else windowed).
    pub fullscreen: bool,
    /// Monitor index for fullscreen (default: the primary monitor).
    pub monitor: Option<usize>,
    /// Show a PILOT badge.
    pub pilot: bool,
    /// Scripted key sets per tick: one tick per frame, through `KeyboardInput` messages.
    pub script: Option<Vec<u8>>,
    /// Wall-clock speed of the simulation (1 = real time).
    pub time_scale: f64,
    /// Close this many seconds after the end screen appears.
    pub close_after_end_s: Option<f64>,
    /// Save a screenshot of the window after this many ticks of play.
    pub screenshot: Option<(PathBuf, u32)>,
}

fn window_plugin(opts: &WindowOptions, frame_px: (u32, u32)) -> WindowPlugin {
    let mode = if opts.fullscreen {
        WindowMode::BorderlessFullscreen(
            opts.monitor
                .map_or(MonitorSelection::Primary, MonitorSelection::Index),
        )
    } else {
        WindowMode::Windowed
    };
    // Windowed: the frame at 3x, a size that fits 1080p screens for the 230 px princess frame.
    let (w, h) = (
        frame_px.0.max(frame_px.1) * 3,
        frame_px.0.max(frame_px.1) * 3,
    );
    WindowPlugin {
        primary_window: Some(Window {
            title: opts.title.clone(),
            resolution: WindowResolution::new(w.max(640), h.max(480)),
            mode,
            present_mode: PresentMode::AutoVsync,
            ..default()
        }),
        exit_condition: ExitCondition::OnPrimaryClosed,
        close_when_requested: false,
        ..default()
    }
}

/// Adds Bevy's default plugins with this window, or returns an error naming the display when
/// no window can open there. winit panics inside Bevy's plugin build when it cannot reach the
/// display server (no X server, a wrong `DISPLAY`, or an X server that is resetting because its
/// last client just left: Xvfb without `-noreset`); the panic is caught here, so the user reads
/// one error line (exit status 1, not a backtrace and 101), and the caller can refuse to start a
/// session before any folder exists.
fn add_window_plugins(app: &mut App, plugin: WindowPlugin) -> Result<()> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.add_plugins(DefaultPlugins.set(plugin));
    }));
    std::panic::set_hook(hook);
    built.map_err(|payload| {
        let why = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the window system panicked".to_string());
        let display = std::env::var("DISPLAY").unwrap_or_else(|_| "(unset)".to_string());
        anyhow!(
            "no window can open on DISPLAY={display}: {why}\n(is an X server running there? Xvfb needs -noreset when windows open one after another)"
        )
    })
}

fn set_time_scale(scale: f64) -> impl FnMut(ResMut<Time<Virtual>>) {
    move |mut t: ResMut<Time<Virtual>>| t.set_relative_speed_f64(scale)
}

/// Marks a screenshot as taken.
#[derive(Resource)]
struct ScreenshotAt(PathBuf, u32, bool);

fn take_screenshot(mut shot: ResMut<ScreenshotAt>, lab: Res<LabRes>, mut commands: Commands) {
    if !shot.2 && lab.0.ticks_done() >= shot.1 {
        shot.2 = true;
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(shot.0.clone()));
    }
}

/// Runs a lab session in a window until it ends and the window closes. Returns how it ended.
///
/// The window opens first and `create` makes the lab (its session folder) only once it has: a
/// machine that cannot show a window refuses the session before a participant's folder exists.
pub fn run_session(
    level: &Level,
    condition: &Condition,
    opts: WindowOptions,
    create: impl FnOnce() -> Result<Lab>,
) -> Result<Summary> {
    let view = initial_view(level, condition);
    let renderer = priors_render::Renderer::new(level, condition)?;
    let tick_hz = level.header.tick_hz;
    let summary = SummaryRes::default();
    let mut app = App::new();
    add_window_plugins(&mut app, window_plugin(&opts, renderer.frame_size()))?;
    let lab = create()?;
    app.insert_resource(LabRes(lab))
        .insert_resource(view)
        .insert_resource(summary.clone())
        .insert_resource(StopRes(StopFlag::install()?))
        .add_plugins((LabPlugin { tick_hz }, DisplayPlugin { pilot: opts.pilot }));
    if let Some(keys) = opts.script.clone() {
        // One tick per frame: the script's keys change exactly between ticks.
        app.insert_resource(ScriptDriver::new(keys))
            .insert_resource(TimeUpdateStrategy::FixedTimesteps(1));
    } else if opts.time_scale != 1.0 {
        app.add_systems(Startup, set_time_scale(opts.time_scale));
    }
    if let Some(s) = opts.close_after_end_s {
        app.insert_resource(CloseAfterEnd(s));
    }
    if let Some((path, tick)) = opts.screenshot.clone() {
        app.insert_resource(ScreenshotAt(path, tick, false))
            .add_systems(Update, take_screenshot);
    }
    let _exit = app.run();
    let s = summary.0.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(s)
}

/// A recorded session played back.
#[derive(Resource)]
struct Replay {
    level: Level,
    rules: Rules,
    actions: Vec<Action>,
    world: World,
    paused: bool,
    status: String,
}

fn replay_tick(mut r: ResMut<Replay>) {
    let r = &mut *r;
    if r.paused || r.world.is_done() {
        return;
    }
    if let Some(&a) = r.actions.get(r.world.tick as usize) {
        step(&r.level, &r.rules, &mut r.world, a);
    }
}

fn replay_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut r: ResMut<Replay>,
    mut exit: MessageWriter<AppExit>,
) {
    if keys.just_pressed(KeyCode::Space) {
        r.paused = !r.paused;
    }
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
    }
}

fn replay_view(r: Res<Replay>, mut view: ResMut<ViewState>) {
    let n = r.actions.len();
    let text = format!(
        "REPLAY {}  tick {}/{n}  deaths {}{}\nSpace: pause   Escape: quit",
        r.status,
        r.world.tick,
        r.world.deaths,
        if r.paused { "  (paused)" } else { "" }
    );
    if view.world != r.world || view.text != text || !view.show_frame {
        view.world = r.world.clone();
        view.text = text;
        view.show_frame = true;
        view.revision += 1;
    }
}

fn close_on_request(
    mut closes: MessageReader<bevy::window::WindowCloseRequested>,
    mut exit: MessageWriter<AppExit>,
) {
    if closes.read().count() > 0 {
        exit.write(AppExit::Success);
    }
}

/// Plays a session folder's ticks back in a window at `speed` x real time (review only; writes nothing).
pub fn run_replay(dir: &Path, speed: f64) -> Result<()> {
    let meta = read_meta(dir)?;
    let (level, condition, rules) = load_setup(dir, &meta)?;
    let (rows, _partial) = read_ticks(dir)?;
    let actions = rows
        .iter()
        .map(|r| r.action.parse::<Action>())
        .collect::<Result<Vec<_>, _>>()?;
    let renderer = priors_render::Renderer::new(&level, &condition)?;
    let opts = WindowOptions {
        title: format!("Priors replay: {}", dir.display()),
        fullscreen: false,
        monitor: None,
        pilot: false,
        script: None,
        time_scale: speed,
        close_after_end_s: None,
        screenshot: None,
    };
    let status = serde_json::to_value(meta.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut app = App::new();
    add_window_plugins(&mut app, window_plugin(&opts, renderer.frame_size()))?;
    app.insert_resource(initial_view(&level, &condition))
        .insert_resource(Time::<Fixed>::from_hz(meta.tick_hz as f64))
        .insert_resource(Replay {
            world: World::new(&level),
            level,
            rules,
            actions,
            paused: false,
            status: format!("{} {}", meta.participant, status),
        })
        .add_plugins(DisplayPlugin { pilot: meta.pilot })
        .add_systems(Startup, set_time_scale(speed))
        .add_systems(FixedUpdate, replay_tick)
        .add_systems(
            Update,
            (
                replay_keys,
                replay_view.in_set(PublishView),
                close_on_request,
            ),
        );
    let _exit = app.run();
    Ok(())
}

/// The start dialog's form and, once Enter passed its check, the session's command line.
#[derive(Resource)]
struct Dialog {
    form: StartForm,
    chosen: Arc<Mutex<Option<Vec<String>>>>,
}

/// The dialog's text.
#[derive(Component)]
struct DialogText;

/// A window key as the form reads it (`None`: a key the form ignores, or a release).
pub fn form_key(k: &KeyboardInput, shift: bool) -> Option<FormKey> {
    if k.state != ButtonState::Pressed {
        return None;
    }
    Some(match k.key_code {
        KeyCode::Tab if shift => FormKey::Prev,
        KeyCode::Tab | KeyCode::ArrowDown => FormKey::Next,
        KeyCode::ArrowUp => FormKey::Prev,
        KeyCode::Backspace => FormKey::Backspace,
        KeyCode::Enter | KeyCode::NumpadEnter => FormKey::Enter,
        KeyCode::Escape => FormKey::Escape,
        _ => FormKey::Text(k.text.as_ref()?.to_string()),
    })
}

fn dialog_setup(mut commands: Commands, dialog: Res<Dialog>) {
    commands.spawn(Camera2d);
    commands.spawn((
        Text::new(dialog.form.render()),
        TextFont {
            font_size: FontSize::Px(24.0),
            ..default()
        },
        TextColor(Color::WHITE),
        Node {
            position_type: PositionType::Absolute,
            left: px(40.0),
            right: px(40.0),
            top: px(40.0),
            ..default()
        },
        DialogText,
    ));
}

fn dialog_keys(
    mut keys: MessageReader<KeyboardInput>,
    held: Res<ButtonInput<KeyCode>>,
    mut dialog: ResMut<Dialog>,
    mut texts: Query<&mut Text, With<DialogText>>,
    mut exit: MessageWriter<AppExit>,
) {
    let shift = held.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    for k in keys.read() {
        let Some(key) = form_key(k, shift) else {
            continue;
        };
        match dialog.form.key(key) {
            FormOutcome::Editing => {}
            FormOutcome::Start(args) => {
                if let Ok(mut c) = dialog.chosen.lock() {
                    *c = Some(args);
                }
                exit.write(AppExit::Success);
            }
            FormOutcome::Cancel => {
                exit.write(AppExit::Success);
            }
        }
        for mut t in &mut texts {
            t.0 = dialog.form.render();
        }
    }
}

/// Shows the experimenter's start dialog until Enter passes its check (the session's command
/// line is returned) or Escape or closing the window quits it (`None`).
pub fn run_start_dialog(form: StartForm) -> Result<Option<Vec<String>>> {
    let chosen = Arc::new(Mutex::new(None));
    let opts = WindowOptions {
        title: "Priors: start a session".into(),
        fullscreen: false,
        monitor: None,
        pilot: false,
        script: None,
        time_scale: 1.0,
        close_after_end_s: None,
        screenshot: None,
    };
    let mut app = App::new();
    add_window_plugins(&mut app, window_plugin(&opts, (300, 200)))?;
    app.insert_resource(Dialog {
        form,
        chosen: chosen.clone(),
    })
    .add_systems(Startup, dialog_setup)
    .add_systems(Update, (dialog_keys, close_on_request));
    let _exit = app.run();
    let args = chosen.lock().map(|c| c.clone()).unwrap_or(None);
    Ok(args)
}
