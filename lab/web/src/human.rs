//! One participant's session over a WebSocket: recruitment check, connection check, then the
//! protocol (consent, instructions, ready, play, end) driven by the browser's keys and focus
//! changes and by the server's own tick timer; then the completion code, given only after the
//! session folder is flushed and the records crate's verifier accepts it.
//!
//! The server is authoritative: the browser sends key changes and focus changes with its own
//! timestamps; the server holds the keys (in [`priors_protocol::Session`]), steps the core at
//! the tick rate, renders the frame with `priors-render` and sends it (PNG or raw RGBA, see
//! [`crate::wire::frame_message`]); the page only draws it, scaled nearest-neighbour, and tells
//! when it was shown.
//!
//! A lost connection does not end the session at once: play pauses (logged as a focus loss)
//! and the session is parked for the grace period (`--reconnect-grace-s`); the page reconnects
//! with the resume token it was given (`/ws?resume=<token>`, kept over a reload in
//! `sessionStorage`) and the same session goes on; past the grace period it is recorded as
//! `aborted` with detail `connection lost`.
//!
//! Besides the session folder's usual files, two files are written beside them:
//! `web.json` (platform, keyed hashes of the recruitment ids, the connection check's round
//! trips, the client clock offset) and `web_timing.csv` (per key: client time and arrival; per
//! tick: the frame's send time; per frame: the client's display time). A refused or malformed
//! message changes nothing in the session (it is answered with an `error` message).

use crate::study::{Recruit, WEB_PARTICIPANT_PREFIX, claim_recruit};
use crate::wire::{
    ClientMessage, FrameFormat, MAX_CLIENT_MESSAGE_BYTES, ServerMessage, encode_png_fast,
    frame_message, parse_client_message, rgba, unchanged_frame_message,
};
use crate::{App, WebError, mono_s, unix_ms};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use priors_protocol::{
    DEFAULT_INSTRUCTIONS, DEFAULT_TIME_LIMIT_S, ProtocolError, Screen, Session, SessionSpec, Stamp,
};
use priors_records::RecordError;
use priors_records::session::{DisplayInfo, Status};
use priors_records::sink::CsvLog;
use priors_records::study::{assign, participant_number};
use priors_records::util::write_json_atomic;
use priors_records::verify::{Verdict, verdict_line, verify_dir};
use priors_render::{Image, Renderer};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::time::{MissedTickBehavior, timeout};

/// Pings in the connection check.
pub const CHECK_PINGS: u32 = 5;

/// Malformed messages tolerated before the server ends the connection.
pub const MAX_BAD_MESSAGES: u32 = 50;

/// The timing log beside the session files.
pub const TIMING_FILE: &str = "web_timing.csv";

/// The browser and connection record beside the session files.
pub const WEB_FILE: &str = "web.json";

/// `GET /ws`: upgrades to the participant's WebSocket. The page passes its own URL's query
/// (the recruitment parameters, and `frame=png|rgba`).
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(app): State<Arc<App>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    ws.max_message_size(MAX_CLIENT_MESSAGE_BYTES * 2)
        .max_frame_size(MAX_CLIENT_MESSAGE_BYTES * 2)
        .on_upgrade(move |socket| async move {
            let _counted = crate::ConnectionGuard::new(app.clone());
            let mut socket = socket;
            if let Err(e) = participant(&mut socket, &app, q).await {
                let _ = send(
                    &mut socket,
                    &ServerMessage::Refused {
                        reason: e.to_string(),
                    },
                )
                .await;
            }
            let _ = socket.send(Message::Close(None)).await;
            // Close handshake: read (and drop) what the browser still sends until its close
            // arrives, so the last messages are not lost to a TCP reset.
            let drain = async {
                while let Some(Ok(m)) = socket.recv().await {
                    if matches!(m, Message::Close(_)) {
                        break;
                    }
                }
            };
            let _ = timeout(Duration::from_secs(2), drain).await;
        })
}

async fn send(socket: &mut WebSocket, m: &ServerMessage) -> Result<(), WebError> {
    let text = serde_json::to_string(m).map_err(|e| WebError::Setup(e.to_string()))?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|_| WebError::Gone)
}

/// The next text message, parsed; `None` when the connection closed. Malformed ones are
/// answered with an error and skipped (counted in `bad`).
async fn next_message(
    socket: &mut WebSocket,
    bad: &mut u32,
) -> Result<Option<ClientMessage>, WebError> {
    loop {
        let m = match socket.recv().await {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(None),
            Some(Ok(Message::Text(t))) => parse_client_message(t.as_str()),
            Some(Ok(Message::Binary(_))) => Err(crate::wire::WireError::Malformed(
                "binary messages are not accepted".into(),
            )),
            Some(Ok(_)) => continue,
        };
        match m {
            Ok(m) => return Ok(Some(m)),
            Err(e) => {
                *bad += 1;
                if *bad > MAX_BAD_MESSAGES {
                    return Err(WebError::BadRequest("too many malformed messages".into()));
                }
                send(
                    socket,
                    &ServerMessage::Error {
                        message: e.to_string(),
                    },
                )
                .await?;
            }
        }
    }
}

/// What `web.json` holds.
#[derive(Debug, Serialize)]
struct WebRecord {
    platform: &'static str,
    person_hmac: Option<String>,
    study_hmac: Option<String>,
    platform_session_hmac: Option<String>,
    recruit_session: u32,
    user_agent: String,
    window_px: [u32; 2],
    device_pixel_ratio: f64,
    rtt_ms: Vec<f64>,
    rtt_median_ms: f64,
    client_clock_offset_ms: f64,
    frame_format: &'static str,
    tick_hz: f64,
}

/// One row of web_timing.csv.
#[derive(Debug, Serialize)]
struct TimingRow {
    /// `key` (a key change arrived), `frame_sent`, `frame_shown`, `focus`.
    kind: &'static str,
    /// Ticks done (for frames: the frame's tick).
    tick: u32,
    /// Server monotonic time, s since the session folder was created.
    t_server_s: f64,
    /// Server wall clock, ms since the Unix epoch.
    t_server_unix_ms: f64,
    /// Client clock, ms since the Unix epoch (NA for frame_sent).
    t_client_unix_ms: String,
    /// Key name and direction, or NA.
    detail: String,
}

const TIMING_COLUMNS: [&str; 6] = [
    "kind",
    "tick",
    "t_server_s",
    "t_server_unix_ms",
    "t_client_unix_ms",
    "detail",
];

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() { 0.0 } else { s[s.len() / 2] }
}

/// The integer nearest-neighbour scale the page uses for a frame in a window (at least 1).
pub fn frame_scale(window_px: [u32; 2], frame_px: [u32; 2]) -> u32 {
    let sx = window_px[0] / frame_px[0].max(1);
    let sy = window_px[1].saturating_sub(40) / frame_px[1].max(1);
    sx.min(sy).max(1)
}

fn refused(reason: impl Into<String>) -> WebError {
    WebError::BadRequest(reason.into())
}

async fn participant(
    socket: &mut WebSocket,
    app: &Arc<App>,
    q: BTreeMap<String, String>,
) -> Result<(), WebError> {
    if let Some(token) = q.get("resume") {
        return resume(socket, app, token).await;
    }
    let recruit = Recruit::from_query(&q)?;
    if app.config.require_recruitment && recruit.person.is_none() {
        return Err(refused(
            "Please open this study through the link on your recruitment platform.",
        ));
    }
    let format = match q.get("frame").map(String::as_str) {
        None | Some("png") => FrameFormat::Png,
        Some("rgba") => FrameFormat::Rgba,
        Some(o) => return Err(refused(format!("frame={o}: use png or rgba"))),
    };
    let mut bad = 0;
    // 1. The browser says what it is.
    let hello = timeout(Duration::from_secs(10), next_message(socket, &mut bad))
        .await
        .map_err(|_| refused("no hello within 10 s"))??;
    let Some(ClientMessage::Hello {
        user_agent,
        window_px,
        device_pixel_ratio,
    }) = hello
    else {
        return Err(refused("the first message must be a hello"));
    };
    // 2. Connection check, before consent: nothing is recorded for a refused browser.
    let mut rtt_ms = Vec::new();
    let mut offsets = Vec::new();
    for seq in 0..CHECK_PINGS {
        let sent = unix_ms();
        send(socket, &ServerMessage::Ping { seq }).await?;
        let pong = timeout(Duration::from_secs(5), next_message(socket, &mut bad))
            .await
            .map_err(|_| refused("the connection check got no answer within 5 s"))??;
        match pong {
            Some(ClientMessage::Pong {
                seq: s,
                t_client_ms,
            }) if s == seq => {
                let rtt = unix_ms() - sent;
                rtt_ms.push(rtt);
                offsets.push(t_client_ms - (sent + rtt / 2.0));
            }
            None => return Ok(()),
            _ => return Err(refused("the connection check expected a pong")),
        }
    }
    let rtt_median_ms = median(&rtt_ms);
    if rtt_median_ms > app.study.max_latency_ms() {
        return Err(refused(format!(
            "Your connection is too slow for this study (round trip {rtt_median_ms:.0} ms, at most {:.0} ms allowed). Please try again later from a faster connection, or return the study.",
            app.study.max_latency_ms()
        )));
    }
    // 3. One person, one session.
    let hmac = |what: &str, v: &Option<String>| {
        v.as_ref()
            .map(|v| app.key.hash(&format!("{}:{what}", recruit.platform), v))
    };
    let person_hmac = hmac("person", &recruit.person);
    let recruit_claim =
        match &person_hmac {
            Some(h) => {
                let allowed = app.study.web.sessions_per_participant.unwrap_or(1);
                Some(claim_recruit(&app.config.data, h, allowed)?.ok_or_else(|| {
                    refused("You have already taken part in this study. Thank you!")
                })?)
            }
            None => None,
        };
    // 4. The session folder, with the next web participant number and its assigned condition.
    let (session, renderer) = create_session(app, window_px, device_pixel_ratio, &user_agent)?;
    let dir = session.dir().to_path_buf();
    let tick_hz = app.study.level.value.header.tick_hz as f64 * app.time_scale();
    write_json_atomic(
        &dir.join(WEB_FILE),
        &WebRecord {
            platform: recruit.platform,
            person_hmac: person_hmac.clone(),
            study_hmac: hmac("study", &recruit.study),
            platform_session_hmac: hmac("session", &recruit.session),
            recruit_session: recruit_claim.as_ref().map_or(0, |c| c.1),
            user_agent,
            window_px,
            device_pixel_ratio,
            rtt_ms,
            rtt_median_ms,
            client_clock_offset_ms: median(&offsets),
            frame_format: format.name(),
            tick_hz,
        },
    )?;
    if let Some((claim, _)) = &recruit_claim {
        let name = dir.file_name().map(|n| n.to_string_lossy().to_string());
        write_json_atomic(
            &claim.join("session.json"),
            &serde_json::json!({ "folder": name, "participant": session.meta().participant }),
        )?;
    }
    let timing_header: Vec<String> = TIMING_COLUMNS.iter().map(|s| s.to_string()).collect();
    let timing = CsvLog::create(&dir.join(TIMING_FILE), &timing_header)?;
    let token = app
        .key
        .hash("resume", &format!("{}:{}", dir.display(), unix_ms()))[..32]
        .to_string();
    let mut live = Live {
        image: renderer.new_frame(),
        session,
        timing,
        renderer,
        format,
        created_t_s: mono_s(),
        frame: 0,
        last_sent: Vec::new(),
        tick_hz,
        recruit_claim: recruit_claim.map(|c| c.0),
    };
    send(
        socket,
        &ServerMessage::Session {
            resume: token.clone(),
        },
    )
    .await?;
    live.time_row("connected", 0, None, "")?;
    run(socket, app, live, token, &mut bad).await
}

/// The browser came back with its resume token: the parked session continues (or a clear
/// refusal when the grace period has passed).
async fn resume(socket: &mut WebSocket, app: &Arc<App>, token: &str) -> Result<(), WebError> {
    let mut bad = 0;
    let ok = token.len() == 32 && token.chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(refused("resume: not a session token"));
    }
    let hello = timeout(Duration::from_secs(10), next_message(socket, &mut bad))
        .await
        .map_err(|_| refused("no hello within 10 s"))??;
    if !matches!(hello, Some(ClientMessage::Hello { .. })) {
        return Err(refused("the first message must be a hello"));
    }
    let parked = app
        .parked
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(token);
    let Some(mut live) = parked else {
        return Err(refused(
            "This session can no longer be resumed (the connection was lost for too long). Your data so far is saved. Please contact the researcher.",
        ));
    };
    live.frame += 1;
    let at = live.stamp();
    live.session.begin_frame(at);
    // The browser's focus comes back with it (it sends its own state next).
    live.session.focus(true)?;
    let tick = live.session.world().tick;
    live.time_row("reconnected", tick, None, "")?;
    live.last_sent.clear();
    send(
        socket,
        &ServerMessage::Session {
            resume: token.to_string(),
        },
    )
    .await?;
    run(socket, app, live, token.to_string(), &mut bad).await
}

/// Plays `live` over `socket`; then the completion (the session ended), the parking (the
/// browser went away: it may come back within the grace period) or nothing (the server stops).
async fn run(
    socket: &mut WebSocket,
    app: &Arc<App>,
    mut live: Live,
    token: String,
    bad: &mut u32,
) -> Result<(), WebError> {
    let end = live.play(socket, app, bad).await;
    let _ = live.timing.flush();
    match end? {
        PlayEnd::Ended => complete(socket, app, live).await,
        PlayEnd::Stopped => Ok(()),
        PlayEnd::Gone => {
            park(app, live, token);
            Ok(())
        }
    }
}

/// The browser is gone: play pauses (focus lost), and the session waits for it for the
/// grace period; after that it is recorded as aborted (`connection lost`).
fn park(app: &Arc<App>, mut live: Live, token: String) {
    live.frame += 1;
    let at = live.stamp();
    live.session.begin_frame(at);
    let grace = app.config.reconnect_grace_s;
    let result = live
        .session
        .focus(false)
        .map_err(WebError::from)
        .and_then(|()| {
            let tick = live.session.world().tick;
            live.time_row("disconnected", tick, None, "")?;
            Ok(live.timing.flush()?)
        });
    if let Err(e) = result.and_then(|()| live.session.flush().map_err(WebError::from)) {
        if let WebError::Protocol(p) = &e {
            live.session.fail(p);
        }
        return;
    }
    if grace <= 0.0 {
        close_gone(live);
        return;
    }
    app.parked
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(token.clone(), live);
    let app = app.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs_f64(grace)).await;
        let expired = app
            .parked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&token);
        if let Some(live) = expired {
            close_gone(live);
        }
    });
}

/// Records a session whose browser did not come back as aborted.
fn close_gone(mut live: Live) {
    live.frame += 1;
    let at = live.stamp();
    live.session.begin_frame(at);
    if let Err(e) = live.session.close("connection lost") {
        live.session.fail(&e);
    }
    let _ = live.timing.sync();
}

/// Marks every parked session `interrupted` (the server is stopping).
pub fn interrupt_parked(app: &App, why: &str) {
    let parked = std::mem::take(&mut *app.parked.lock().unwrap_or_else(|p| p.into_inner()));
    for (_, mut live) in parked {
        live.frame += 1;
        let at = live.stamp();
        live.session.begin_frame(at);
        if let Err(e) = live.session.interrupt(why) {
            live.session.fail(&e);
        }
        let _ = live.timing.sync();
    }
}

/// The session has ended: the completion code, only for a session the verifier accepts as
/// whole (flushed and synced first).
async fn complete(socket: &mut WebSocket, app: &Arc<App>, mut live: Live) -> Result<(), WebError> {
    let _ = live.timing.sync();
    let dir = live.session.dir().to_path_buf();
    let status = live.session.meta().status;
    let check_dir = dir.clone();
    let check = tokio::task::spawn_blocking(move || verify_dir(&check_dir))
        .await
        .map_err(|e| WebError::Setup(e.to_string()))?;
    let verified = matches!(&check, Ok(v) if v.verdict == Verdict::Verified);
    if let Some(claim) = &live.recruit_claim {
        let _ = write_json_atomic(
            &claim.join("verdict.json"),
            &serde_json::json!({ "status": status.name(), "verdict": verdict_line(&check) }),
        );
    }
    if verified && matches!(status, Status::Complete | Status::Timeout) {
        let code = app.study.web.completion_code.clone().unwrap_or_default();
        let redirect = app
            .study
            .web
            .completion_url
            .as_ref()
            .map(|u| u.replace("{code}", &code));
        send(socket, &ServerMessage::Complete { code, redirect }).await?;
    } else if verified {
        // Declined or ended before the goal: no code, and the page says why.
        let reason = live.session.screen_text(
            "No completion code is given for a declined or ended session: please return the study on your recruitment platform. You may close this tab.",
        );
        send(socket, &ServerMessage::Refused { reason }).await?;
    } else {
        let folder = dir.file_name().map(|n| n.to_string_lossy().to_string());
        return Err(refused(format!(
            "Your session could not be checked ({}). Please contact the researcher and quote {}.",
            verdict_line(&check),
            folder.unwrap_or_default()
        )));
    }
    Ok(())
}

/// Creates the session folder of the next web participant.
fn create_session(
    app: &App,
    window_px: [u32; 2],
    device_pixel_ratio: f64,
    user_agent: &str,
) -> Result<(Session, Renderer), WebError> {
    let study = &app.study;
    let file = &study.experiment.file;
    for _ in 0..1000 {
        let n = {
            let mut last = app
                .last_participant
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            *last += 1;
            *last
        };
        let participant = format!("{WEB_PARTICIPANT_PREFIX}{n}");
        let (name, record) = assign(
            &study.experiment,
            participant_number(&participant)?,
            1,
            &study.file,
            &study.sha256,
        )?;
        let condition = study.conditions.get(&name).cloned().flatten();
        let renderer = Renderer::new(
            &study.level.value,
            &condition
                .as_ref()
                .map(|c| c.value.clone())
                .unwrap_or_else(priors_core::Condition::original),
        )?;
        let (fw, fh) = renderer.frame_size();
        let spec = SessionSpec {
            root: app.config.data.clone(),
            participant,
            session: "1".into(),
            new_run: false,
            pilot: false,
            level: study.level.clone(),
            condition,
            assignment: Some(record),
            script: None,
            time_limit_s: file.time_limit_s.unwrap_or(DEFAULT_TIME_LIMIT_S),
            hash_every: app.config.hash_every,
            time_scale: app.time_scale(),
            consent_text: file.consent_text.clone(),
            instructions: file
                .instructions
                .clone()
                .unwrap_or_else(|| DEFAULT_INSTRUCTIONS.into()),
            extra_keys: file.keys.clone(),
            display: DisplayInfo {
                window_px,
                os_scale_factor: device_pixel_ratio,
                frame_px: [fw, fh],
                frame_scale: frame_scale(window_px, [fw, fh]),
                present_mode: "browser canvas, requestAnimationFrame".into(),
                gpu_adapter: "NA".into(),
                user_agent: Some(user_agent.to_string()),
                ..DisplayInfo::default()
            },
            origin: "web".into(),
            pause_on_focus_loss: true,
        };
        match Session::create(
            spec,
            Stamp {
                frame: 0,
                t_s: mono_s(),
                utc: SystemTime::now(),
            },
        ) {
            Ok(s) => return Ok((s, renderer)),
            // Another server on the same data root took this number: take the next.
            Err(ProtocolError::Record(RecordError::Refused { .. })) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WebError::Setup(
        "no free participant number after 1000 tries".into(),
    ))
}

/// How a stretch of play over one connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlayEnd {
    /// The session ended (goal, time limit, decline, abort).
    Ended,
    /// The browser's connection closed or broke.
    Gone,
    /// The server is stopping (the session is marked interrupted).
    Stopped,
}

/// A participant's session with what the server needs to play it over a socket; parked
/// between a lost connection and the browser's return.
pub struct Live {
    session: Session,
    timing: CsvLog,
    renderer: Renderer,
    image: Image,
    format: FrameFormat,
    created_t_s: f64,
    frame: u64,
    /// The last frame sent, RGB (an equal frame is sent as a header alone).
    last_sent: Vec<u8>,
    /// Ticks per second of play.
    tick_hz: f64,
    /// The recruited person's claim folder, if any (the verdict is written there).
    recruit_claim: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("dir", &self.session.dir())
            .field("tick", &self.session.world().tick)
            .finish()
    }
}

impl Live {
    fn stamp(&self) -> Stamp {
        Stamp {
            frame: self.frame,
            t_s: mono_s(),
            utc: SystemTime::now(),
        }
    }

    fn time_row(
        &mut self,
        kind: &'static str,
        tick: u32,
        t_client: Option<f64>,
        detail: &str,
    ) -> Result<(), WebError> {
        let row = TimingRow {
            kind,
            tick,
            t_server_s: ((mono_s() - self.created_t_s) * 1e6).round() / 1e6,
            t_server_unix_ms: (unix_ms() * 1e3).round() / 1e3,
            t_client_unix_ms: t_client.map_or("NA".into(), |t| format!("{t:.3}")),
            detail: if detail.is_empty() {
                "NA".into()
            } else {
                detail.into()
            },
        };
        Ok(self.timing.push(&row)?)
    }

    fn screen_message(&self) -> ServerMessage {
        let (w, h) = self.renderer.frame_size();
        let hint = "Please wait: your session is being saved.";
        ServerMessage::Screen {
            screen: self.session.screen().name().into(),
            text: if self.session.screen() == Screen::End {
                self.session.screen_text(hint)
            } else {
                self.session.screen_text("")
            },
            frame_px: [w, h],
        }
    }

    async fn send_frame(&mut self, socket: &mut WebSocket) -> Result<(), WebError> {
        self.renderer.render(self.session.world(), &mut self.image);
        let tick = self.session.world().tick;
        let (w, h) = (self.image.width, self.image.height);
        let unchanged = self.image.rgb == self.last_sent;
        let msg = if unchanged {
            unchanged_frame_message(tick, w, h)
        } else {
            let payload = match self.format {
                FrameFormat::Png => encode_png_fast(w, h, &self.image.rgb),
                FrameFormat::Rgba => rgba(&self.image.rgb),
            };
            self.last_sent.clone_from(&self.image.rgb);
            frame_message(tick, w, h, self.format, &payload)
        };
        socket
            .send(Message::Binary(msg.into()))
            .await
            .map_err(|_| WebError::Gone)?;
        self.time_row(
            "frame_sent",
            tick,
            None,
            if unchanged { "unchanged" } else { "" },
        )
    }

    /// Runs the protocol until the session ends, the browser goes away or the server stops
    /// (then the session is marked interrupted). An error is a failed write (the session is
    /// marked write-failed) or a browser that sent too many malformed messages.
    async fn play(
        &mut self,
        socket: &mut WebSocket,
        app: &App,
        bad: &mut u32,
    ) -> Result<PlayEnd, WebError> {
        let mut shutdown = app.shutdown.clone();
        let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / self.tick_hz));
        interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut shown = (self.session.screen(), self.session.paused_by_focus());
        send(socket, &self.screen_message()).await?;
        let mut last_t = mono_s();
        loop {
            let result: Result<Option<PlayEnd>, WebError> = tokio::select! {
                _ = shutdown.changed() => {
                    let at = self.stamp();
                    self.session.begin_frame(at);
                    self.session.interrupt("server stopped")?;
                    let _ = send(socket, &ServerMessage::Refused {
                        reason: "The server is stopping; your session so far is saved. Please contact the researcher.".into(),
                    }).await;
                    Ok(Some(PlayEnd::Stopped))
                }
                m = next_message(socket, bad) => match m {
                    Ok(m) => self.on_message(m),
                    Err(e) => Err(e),
                },
                _ = interval.tick() => {
                    self.frame += 1;
                    let at = self.stamp();
                    self.session.begin_frame(at);
                    let sent = match self.session.tick() {
                        Ok(Some(_)) => self.send_frame(socket).await,
                        Ok(None) => Ok(()),
                        Err(e) => Err(e.into()),
                    };
                    let ended = self.session.ended().then_some(PlayEnd::Ended);
                    sent.and_then(|()| {
                        self.session.end_frame(at.t_s - last_t)?;
                        last_t = at.t_s;
                        if self.timing.has_pending() {
                            self.timing.flush()?;
                        }
                        Ok(ended)
                    })
                }
            };
            // A screen change (a key, a focus change, the end) is shown at once; entering
            // play also sends the frame play starts from.
            let now_shown = (self.session.screen(), self.session.paused_by_focus());
            let result =
                if now_shown != shown && matches!(result, Ok(None) | Ok(Some(PlayEnd::Ended))) {
                    shown = now_shown;
                    let mut r = send(socket, &self.screen_message()).await;
                    if r.is_ok() && now_shown.0 == Screen::Playing {
                        r = self.send_frame(socket).await;
                    }
                    r.and(result)
                } else {
                    result
                };
            match result {
                Ok(Some(end)) => return Ok(end),
                Ok(None) => {}
                Err(WebError::Gone) => return Ok(PlayEnd::Gone),
                Err(WebError::Protocol(e)) => {
                    self.session.fail(&e);
                    return Err(WebError::Protocol(e));
                }
                Err(WebError::Record(e)) => {
                    let e = ProtocolError::Record(e);
                    self.session.fail(&e);
                    return Err(e.into());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One message from the browser; `Some(PlayEnd::Gone)` when the browser has gone.
    fn on_message(&mut self, m: Option<ClientMessage>) -> Result<Option<PlayEnd>, WebError> {
        let at = self.stamp();
        match m {
            None => Ok(Some(PlayEnd::Gone)),
            Some(ClientMessage::Key {
                key,
                down,
                repeat,
                t_client_ms,
            }) => {
                self.session.begin_frame(at);
                let detail = format!("t_client_ms={t_client_ms:.3}");
                self.session.key(&key, down, repeat, Some(&detail))?;
                let tick = self.session.world().tick;
                let dir = if down { "down" } else { "up" };
                self.time_row("key", tick, Some(t_client_ms), &format!("{key} {dir}"))?;
                Ok(None)
            }
            Some(ClientMessage::Focus {
                focused,
                t_client_ms,
            }) => {
                self.session.begin_frame(at);
                self.session.focus(focused)?;
                let tick = self.session.world().tick;
                self.time_row(
                    "focus",
                    tick,
                    Some(t_client_ms),
                    if focused { "gained" } else { "lost" },
                )?;
                Ok(None)
            }
            Some(ClientMessage::Shown { tick, t_client_ms }) => {
                if tick <= self.session.world().tick {
                    self.time_row("frame_shown", tick, Some(t_client_ms), "")?;
                }
                Ok(None)
            }
            Some(ClientMessage::Hello { .. } | ClientMessage::Pong { .. }) => Ok(None),
        }
    }
}
