//! The arguments of `priors serve`, shared by the `priors` binary (experiments crate, `web`
//! feature) and this crate's stand-alone `priors-serve` binary (which builds without Bevy and
//! libtorch, for a study server), and the one conversion to a [`ServeConfig`].

use crate::{
    DEFAULT_AGENT_BUDGET, DEFAULT_RECONNECT_GRACE_S, ServeConfig, WebError, serve_until_signal,
};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// `priors serve`: run a study online (browsers over a WebSocket, agents over HTTP).
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Experiment file (TOML): level, conditions, counterbalancing design, texts, time limit,
    /// and the `[web]` table (completion code and redirect, latency threshold).
    #[arg(long)]
    pub experiment: PathBuf,
    /// Data root: one session folder per participant or agent episode, claims, and `.web/`
    /// (the recruitment key, one claim per recruited person).
    #[arg(long)]
    pub data: PathBuf,
    /// TCP port (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on (127.0.0.1: behind a TLS proxy on the same machine).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Ticks per second of play: the level's 30 for participants; lower only for tests and
    /// demos (recorded as the session's time scale).
    #[arg(long)]
    pub tick_hz: Option<f64>,
    /// Agent tokens file (lines `name token`); without it the agent API is off.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Ticks one agent may play on the level over all its episodes (5x the paper's ~3,000
    /// human actions, as ARC-AGI-3 stops models at 5x the human baseline).
    #[arg(long, default_value_t = DEFAULT_AGENT_BUDGET)]
    pub agent_budget: u64,
    /// Refuse browsers that arrive without Prolific or MTurk parameters.
    #[arg(long)]
    pub require_recruitment: bool,
    /// Write the state hash every this many ticks (and on every event and the last tick).
    #[arg(long, default_value_t = 30)]
    pub hash_every: u32,
    /// Seconds a participant's session waits, paused, for a lost browser (a reload, a dropped
    /// Wi-Fi) to come back before it is recorded as aborted (0: at once).
    #[arg(long, default_value_t = DEFAULT_RECONNECT_GRACE_S)]
    pub reconnect_grace_s: f64,
}

impl ServeArgs {
    /// The server configuration these arguments ask for.
    pub fn config(&self) -> ServeConfig {
        ServeConfig {
            experiment: self.experiment.clone(),
            data: self.data.clone(),
            addr: SocketAddr::new(self.bind, self.port),
            tick_hz: self.tick_hz,
            tokens: self.tokens.clone(),
            agent_budget: self.agent_budget,
            require_recruitment: self.require_recruitment,
            hash_every: self.hash_every,
            reconnect_grace_s: self.reconnect_grace_s,
        }
    }
}

/// Runs `serve` until SIGINT, SIGTERM or SIGHUP; prints `listening on http://ADDR` once the
/// port is bound (tests and scripts read it).
pub fn serve(a: ServeArgs) -> Result<(), WebError> {
    let config = a.config();
    let study = config.experiment.display().to_string();
    let data = config.data.display().to_string();
    serve_until_signal(config, |addr| {
        println!("listening on http://{addr}  (study {study}, data {data})");
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })
}
