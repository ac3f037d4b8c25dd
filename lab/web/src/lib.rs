//! # priors-web
//!
//! `priors serve`: one server runs a study online. Participants play in their browsers (one
//! static page, no framework) over a WebSocket; remote agents play through a small HTTP API
//! under a token. The server is authoritative: it holds each session's key state, steps
//! `priors-core` at the level's tick rate, renders with `priors-render` (the CPU renderer, the
//! very frame the lab window shows) and sends the frame; every session is written through
//! `priors-protocol` (the Bevy-free session state machine, which writes through the records
//! crate's sink), so a web or agent session folder is the same kind of folder as a lab one and
//! `priors verify` / `priors analyze` read it unchanged.
//!
//! Why tokio + axum: one async runtime holds hundreds of mostly idle connections on two cores
//! (a thread per session would not); axum is the tokio project's own HTTP layer with WebSocket
//! support built in (through tungstenite), a small dependency tree, typed extractors that
//! refuse malformed requests before our code runs, and it is well kept.
//!
//! Modules: [`wire`] (browser messages, one parser), [`study`] (experiment, recruitment hashes,
//! tokens), [`human`] (a participant's WebSocket session), [`agent`] (the agent API).
//!
//! What it deliberately does not do: TLS (run it behind a TLS proxy), accounts, a database, or
//! any game rule; nothing the browser sends is trusted beyond a key, a focus change and
//! timestamps.

pub mod agent;
pub mod cli;
pub mod human;
pub mod study;
pub mod wire;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use priors_records::RecordError;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use study::{RecruitKey, Study};
use tokio::sync::watch;

/// The page (consent, instructions, game, end) and its script, compiled in: nothing is read
/// from disk by URL, so no path can reach a file.
const INDEX_HTML: &str = include_str!("../static/index.html");
const CLIENT_JS: &str = include_str!("../static/client.js");

/// Largest HTTP request body, bytes (a step with 1,000 actions is about 12 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything that can stop the server or a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The server could not start (a file, a port).
    #[error("{0}")]
    Setup(String),
    /// A record could not be written or read.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A shipped level or condition could not be loaded.
    #[error(transparent)]
    Catalog(#[from] priors_catalog::CatalogError),
    /// The renderer could not be built for a condition.
    #[error(transparent)]
    Render(#[from] priors_render::RenderError),
    /// A session record could not be written.
    #[error(transparent)]
    Protocol(#[from] priors_protocol::ProtocolError),
    /// A request that cannot be served as asked (400).
    #[error("{0}")]
    BadRequest(String),
    /// No or an unknown token (401).
    #[error("{0}")]
    Unauthorized(String),
    /// No such episode (404).
    #[error("{0}")]
    NotFound(String),
    /// Refused in this state (409): an ended episode, an exhausted budget.
    #[error("{0}")]
    Conflict(String),
    /// A browser's connection closed or broke.
    #[error("the connection was lost")]
    Gone,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "error": self.to_string() }).to_string(),
        )
            .into_response()
    }
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The experiment file.
    pub experiment: PathBuf,
    /// Data root: session folders, claims, `.web/` (recruitment key and claims).
    pub data: PathBuf,
    /// Address to listen on (port 0: any free port).
    pub addr: SocketAddr,
    /// Ticks per second of play; the level's rate (30) for participants, lower only for tests
    /// and demos (recorded as the session's time scale).
    pub tick_hz: Option<f64>,
    /// The agents' tokens file; no agent API without it.
    pub tokens: Option<PathBuf>,
    /// Ticks one agent may play per level over all its episodes.
    pub agent_budget: u64,
    /// Refuse browsers that come without Prolific or MTurk parameters.
    pub require_recruitment: bool,
    /// Write the state hash every this many ticks.
    pub hash_every: u32,
    /// How long a participant's session waits, paused, for a lost browser to come back, s
    /// (0: a lost connection ends the session at once).
    pub reconnect_grace_s: f64,
}

/// Default grace period for a lost connection, s: long enough for a reload or a flaky Wi-Fi,
/// short enough that a participant who left does not hold a session open for long.
pub const DEFAULT_RECONNECT_GRACE_S: f64 = 60.0;

/// The paper reports humans needing about 3,000 actions on a new game; ARC-AGI-3 stops models
/// at 5 times the human baseline: 15,000 ticks per level per agent by default.
pub const DEFAULT_AGENT_BUDGET: u64 = 5 * 3_000;

/// State shared by every connection.
#[derive(Debug)]
pub struct App {
    /// The configuration.
    pub config: ServeConfig,
    /// The study.
    pub study: Study,
    /// The recruitment hash key.
    pub key: RecruitKey,
    /// Agent tokens: token -> agent name.
    pub tokens: BTreeMap<String, String>,
    /// The last web participant number handed out.
    pub last_participant: Mutex<u32>,
    /// Participants' sessions whose browser went away, by resume token, until it comes back
    /// or the grace period ends.
    pub parked: Mutex<HashMap<String, human::Live>>,
    /// Running agent episodes by id.
    pub episodes: Mutex<HashMap<String, Arc<Mutex<agent::Episode>>>>,
    /// Ticks used per (agent, level).
    pub budgets: Mutex<HashMap<(String, String), u64>>,
    /// Set to true when the server is asked to stop: every session is interrupted and flushed.
    pub shutdown: watch::Receiver<bool>,
    /// Participants' connections being served now (the server waits for them when it stops:
    /// upgraded connections outlive the HTTP server's own graceful shutdown).
    pub connections: std::sync::atomic::AtomicUsize,
}

/// Counts one participant connection while it lives.
pub(crate) struct ConnectionGuard(pub(crate) Arc<App>);

impl ConnectionGuard {
    pub(crate) fn new(app: Arc<App>) -> ConnectionGuard {
        app.connections
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ConnectionGuard(app)
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0
            .connections
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Longest wait for participants' connections to record their end when the server stops, s.
pub const STOP_WAIT_S: f64 = 10.0;

impl App {
    /// The time scale of play (tick rate asked / the level's).
    pub fn time_scale(&self) -> f64 {
        let level_hz = self.study.level.value.header.tick_hz as f64;
        self.config
            .tick_hz
            .map_or(1.0, |hz| (hz / level_hz).clamp(1e-3, 1.0))
    }
}

/// A bound server: its address, and the future that serves until shutdown.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The shared state.
    pub app: Arc<App>,
    listener: tokio::net::TcpListener,
    router: Router,
    stop: watch::Sender<bool>,
}

impl Server {
    /// Loads the study, the key and the tokens, and binds the port.
    pub async fn bind(config: ServeConfig) -> Result<Server, WebError> {
        if let Some(hz) = config.tick_hz
            && !(hz > 0.0 && hz.is_finite())
        {
            return Err(WebError::Setup("--tick-hz must be positive".into()));
        }
        let study = Study::load(&config.experiment)?;
        let level_hz = study.level.value.header.tick_hz as f64;
        if config.tick_hz.is_some_and(|hz| hz > level_hz) {
            return Err(WebError::Setup(format!(
                "--tick-hz may not exceed the level's {level_hz} ticks/s"
            )));
        }
        std::fs::create_dir_all(&config.data)
            .map_err(|e| WebError::Setup(format!("creating {}: {e}", config.data.display())))?;
        let key = RecruitKey::load_or_create(&config.data)?;
        let tokens = match &config.tokens {
            Some(p) => study::read_tokens(p)?,
            None => BTreeMap::new(),
        };
        let (stop, shutdown) = watch::channel(false);
        let app = Arc::new(App {
            last_participant: Mutex::new(study::last_participant_number(&config.data)),
            study,
            key,
            tokens,
            episodes: Mutex::new(HashMap::new()),
            parked: Mutex::new(HashMap::new()),
            budgets: Mutex::new(HashMap::new()),
            shutdown,
            connections: std::sync::atomic::AtomicUsize::new(0),
            config,
        });
        let listener = tokio::net::TcpListener::bind(app.config.addr)
            .await
            .map_err(|e| WebError::Setup(format!("binding {}: {e}", app.config.addr)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| WebError::Setup(e.to_string()))?;
        Ok(Server {
            addr,
            router: router(app.clone()),
            app,
            listener,
            stop,
        })
    }

    /// Serves until `until` resolves; then every running session is interrupted (flushed,
    /// marked `interrupted`) before this returns.
    pub async fn run(
        self,
        until: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        let stop = self.stop;
        let app = self.app.clone();
        let mut done = app.shutdown.clone();
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move {
                until.await;
                let _ = stop.send(true);
                // Browser sessions interrupt themselves on the signal; agent episodes here.
                agent::interrupt_all(&app, "server stopped");
                human::interrupt_parked(&app, "server stopped");
                let _ = done.changed().await;
            })
            .await
            .map_err(|e| WebError::Setup(format!("serving: {e}")));
        // Every participant's connection interrupts and flushes its session and tells the
        // page; wait for them before the runtime (and the process) goes away.
        let start = std::time::Instant::now();
        while self
            .app
            .connections
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
            && start.elapsed().as_secs_f64() < STOP_WAIT_S
        {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        served
    }
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/client.js", get(client_js))
        .route("/ws", get(human::upgrade))
        .route("/api/v1/info", get(agent::info))
        .route("/api/v1/reset", post(agent::reset))
        .route("/api/v1/step", post(agent::step))
        .route("/api/v1/frame", get(agent::frame))
        .route("/api/v1/end", post(agent::end))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

async fn index() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        INDEX_HTML,
    )
}

async fn client_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        CLIENT_JS,
    )
}

async fn not_found() -> WebError {
    WebError::NotFound("no such page".into())
}

/// Seconds on the server's monotonic clock since the process started (the sessions' driver
/// clock; only differences are written).
pub fn mono_s() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
}

/// Wall clock, ms since the Unix epoch (comparable with the browser's timestamps).
pub fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Serves `config` on a runtime of its own until SIGINT, SIGTERM or SIGHUP; `on_ready` is
/// called with the bound address. Every running session is flushed and marked `interrupted`
/// before this returns.
pub fn serve_until_signal(
    config: ServeConfig,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), WebError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| WebError::Setup(format!("starting the runtime: {e}")))?;
    rt.block_on(async {
        let server = Server::bind(config).await?;
        on_ready(server.addr);
        server.run(stop_signal()).await
    })
}

/// Resolves on SIGINT, SIGTERM or SIGHUP.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}
