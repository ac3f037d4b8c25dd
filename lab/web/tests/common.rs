//! Helpers shared by the server's integration tests: a temporary study (experiment file,
//! tokens, data root), an in-process server on a free port, a minimal HTTP/1.1 client, and the
//! solver's princess route as key sets.

#![allow(dead_code)]

use priors_web::{DEFAULT_AGENT_BUDGET, ServeConfig, Server};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The token of the test agent `tester`.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// A temporary study folder, removed on drop.
pub struct Tmp(pub PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        // PRIORS_KEEP_TEST_DATA=1 keeps the folders for a look after a failure.
        if std::env::var_os("PRIORS_KEEP_TEST_DATA").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A study folder with `experiment.toml` (princess, original; `web` is the `[web]` table's
/// body) and `tokens.txt`.
pub fn study(name: &str, web: &str) -> Tmp {
    let dir = std::env::temp_dir().join(format!("priors-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("experiment.toml"),
        format!(
            "level = \"princess\"\nconditions = [\"original\"]\ndesign = \"latin-square\"\nseed = 1\n[web]\n{web}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("tokens.txt"), format!("# test\ntester {TOKEN}\n")).unwrap();
    Tmp(dir)
}

/// The configuration of a server for `study` on a free loopback port.
pub fn config(study: &Path, tick_hz: Option<f64>) -> ServeConfig {
    ServeConfig {
        experiment: study.join("experiment.toml"),
        data: study.join("data"),
        addr: "127.0.0.1:0".parse().unwrap(),
        tick_hz,
        tokens: Some(study.join("tokens.txt")),
        agent_budget: DEFAULT_AGENT_BUDGET,
        require_recruitment: false,
        hash_every: 30,
        reconnect_grace_s: 5.0,
    }
}

/// Starts a server in this runtime; returns its address and the sender that stops it.
pub async fn start(
    config: ServeConfig,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let server = Server::bind(config).await.unwrap();
    let addr = server.addr;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let h = tokio::spawn(async move {
        server
            .run(async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    (addr, tx, h)
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request (`Connection: close`); `token` as a bearer token.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> Reply {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    if let Some(b) = body {
        // A body the server refuses early may be cut off: that is the server's answer.
        let _ = s.write_all(b).await;
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 4 + n..];
    }
}

/// The solver's minimal princess route.
pub fn route() -> Vec<priors_core::Action> {
    let level = priors_catalog::load_level("princess").unwrap().value;
    priors_core::solve::solve(&level, &priors_core::Rules::agent(), 20_000_000)
        .unwrap()
        .actions
}

/// The arrow keys to hold on each tick of the route (original condition, default keys).
pub fn route_keys() -> Vec<u8> {
    let level = priors_catalog::load_level("princess").unwrap().value;
    let rules = priors_core::Rules {
        tick_limit: Some(1800 * level.header.tick_hz),
        ..priors_core::Rules::human(level.header.tick_hz)
    };
    priors_protocol::input::key_sets(
        &level,
        &rules,
        &priors_core::condition::KeyMap::default_map(),
        &route(),
    )
    .unwrap()
}

/// The session folders under a data root (not the claims, temps or `.web`).
pub fn folders(data: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("session.json").exists())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
