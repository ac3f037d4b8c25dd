//! Load benchmark of `priors serve`: N simulated browsers on loopback, each through the
//! connection check, the instructions and into play, holding arrow keys that change every few
//! ticks, for D seconds at the level's 30 ticks/s, every tick recorded. Prints, per run: the
//! sessions, the frame inter-arrival jitter seen by the clients (p50 / p99 / max, ms), the
//! ticks recorded against the ticks expected, and the server process's CPU use.
//!
//! `cargo bench -p priors-web --bench load -- [SESSIONS...] [--seconds D] [--rgba]`
//! (default 10 50 100 sessions, 10 s). Timings are figures here, never asserts in a test.

use futures_util::{SinkExt, StreamExt};
use priors_web::{DEFAULT_AGENT_BUDGET, ServeConfig, Server};
use serde_json::json;
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;

fn cpu_s() -> f64 {
    // utime + stime of this process (the server runs in it), in clock ticks of 1/100 s.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

async fn browser(addr: std::net::SocketAddr, seconds: f64, rgba: bool, seed: u64) -> Vec<f64> {
    let q = if rgba { "frame=rgba" } else { "" };
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?{q}"))
        .await
        .unwrap();
    let send = |v: serde_json::Value| Message::Text(v.to_string().into());
    ws.send(send(
        json!({"type":"hello","user_agent":"load","window_px":[1280,720],"device_pixel_ratio":1.0}),
    ))
    .await
    .unwrap();
    let key = |k: &str, down: bool| {
        send(json!({"type":"key","key":k,"down":down,"repeat":false,"t_client_ms":0.0}))
    };
    let mut gaps = Vec::new();
    let mut last: Option<Instant> = None;
    let mut started = None;
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let keys = ["arrow_left", "arrow_right", "arrow_up"];
    let mut held = 0usize;
    while let Some(Ok(m)) = ws.next().await {
        match m {
            Message::Text(t) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                match v["type"].as_str() {
                    Some("ping") => ws
                        .send(send(
                            json!({"type":"pong","seq":v["seq"],"t_client_ms":0.0}),
                        ))
                        .await
                        .unwrap(),
                    Some("screen") if v["screen"] == "instructions" || v["screen"] == "ready" => {
                        ws.send(key("space", true)).await.unwrap();
                        ws.send(key("space", false)).await.unwrap();
                    }
                    Some("refused") => panic!("refused: {v}"),
                    _ => {}
                }
            }
            Message::Binary(b) => {
                let now = Instant::now();
                let started = *started.get_or_insert(now);
                if let Some(l) = last {
                    gaps.push((now - l).as_secs_f64() * 1000.0);
                }
                last = Some(now);
                let tick = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                ws.send(send(json!({"type":"shown","tick":tick,"t_client_ms":0.0})))
                    .await
                    .unwrap();
                if tick % 6 == 0 {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    ws.send(key(keys[held], false)).await.unwrap();
                    held = (rng % 3) as usize;
                    ws.send(key(keys[held], true)).await.unwrap();
                }
                if (now - started).as_secs_f64() > seconds {
                    break;
                }
            }
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    gaps
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut seconds = 10.0;
    let mut rgba = false;
    let mut counts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--seconds" => {
                seconds = args[i + 1].parse().unwrap();
                i += 1;
            }
            "--rgba" => rgba = true,
            n => counts.push(n.parse::<usize>().expect("a session count")),
        }
        i += 1;
    }
    if counts.is_empty() {
        counts = vec![10, 50, 100];
    }
    let dir = std::env::temp_dir().join(format!("priors-web-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("experiment.toml"),
        "level = \"princess\"\nconditions = [\"original\", \"masked-semantics\"]\ndesign = \"latin-square\"\n[web]\nmax_latency_ms = 5000.0\n",
    )
    .unwrap();
    // The server and the simulated browsers share one 2-thread runtime, as on a 2-core machine.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "sessions\tframe\tgap_p50_ms\tgap_p99_ms\tgap_max_ms\tticks_recorded\tticks_expected\tcpu_percent"
    );
    for n in counts {
        let data = dir.join(format!("data-{n}"));
        let cfg = ServeConfig {
            experiment: dir.join("experiment.toml"),
            data: data.clone(),
            addr: "127.0.0.1:0".parse().unwrap(),
            tick_hz: None,
            tokens: None,
            agent_budget: DEFAULT_AGENT_BUDGET,
            require_recruitment: false,
            hash_every: 30,
            reconnect_grace_s: 0.0,
        };
        let (gaps, wall, cpu) = rt.block_on(async {
            let server = Server::bind(cfg).await.unwrap();
            let addr = server.addr;
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let h = tokio::spawn(server.run(async move {
                let _ = rx.await;
            }));
            let (c0, t0) = (cpu_s(), Instant::now());
            let clients: Vec<_> = (0..n)
                .map(|s| tokio::spawn(browser(addr, seconds, rgba, s as u64 + 1)))
                .collect();
            let mut gaps = Vec::new();
            for c in clients {
                gaps.extend(c.await.unwrap());
            }
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_s() - c0);
            let _ = tx.send(());
            let _ = h.await;
            (gaps, wall, cpu)
        });
        let mut ticks = 0u64;
        for e in std::fs::read_dir(&data).unwrap().flatten() {
            // Rows on disk in each session's ticks.csv (header excluded).
            if let Ok(text) = std::fs::read_to_string(e.path().join("ticks.csv")) {
                ticks += text.lines().count().saturating_sub(1) as u64;
            }
        }
        let mut g = gaps;
        println!(
            "{n}\t{}\t{:.1}\t{:.1}\t{:.1}\t{ticks}\t{}\t{:.0}",
            if rgba { "rgba" } else { "png" },
            pct(&mut g, 0.5),
            pct(&mut g, 0.99),
            pct(&mut g, 1.0),
            (n as f64 * seconds * 30.0) as u64,
            100.0 * cpu / wall
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
