//! End-to-end tests of `priors serve`: a browser (a Rust WebSocket client speaking the page's
//! wire format) and a remote agent (the HTTP API) each play the solver's princess route to the
//! goal, and the records crate's verifier accepts their session folders; malformed, oversized
//! and unauthorised requests are refused and change nothing; a `kill -9` of the server leaves
//! verifiable prefixes.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use priors_core::condition::Key;
use priors_records::session::{Status, read_meta};
use priors_records::verify::{Verdict, verify_dir};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

async fn key(ws: &mut Ws, name: &str, down: bool) {
    send(
        ws,
        json!({"type": "key", "key": name, "down": down, "repeat": false, "t_client_ms": now_ms()}),
    )
    .await;
}

/// What the server said next: a JSON message or a frame's tick (acknowledged as shown).
enum Got {
    Json(Value),
    Frame(u32),
    Closed,
}

async fn next(ws: &mut Ws) -> Got {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("the server said nothing for 20 s");
        match m {
            None | Some(Ok(Message::Close(_))) => return Got::Closed,
            Some(Err(e)) => {
                eprintln!("websocket error: {e}");
                return Got::Closed;
            }
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "ping" {
                    send(
                        ws,
                        json!({"type": "pong", "seq": v["seq"], "t_client_ms": now_ms()}),
                    )
                    .await;
                    continue;
                }
                return Got::Json(v);
            }
            Some(Ok(Message::Binary(b))) => {
                match b[8] {
                    0 => assert_eq!(&b[12..16], b"\x89PNG", "format 0 is PNG"),
                    2 => assert_eq!(b.len(), 12, "an unchanged frame is the header alone"),
                    f => panic!("format {f}: the default frame format is PNG"),
                }
                let tick = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                send(
                    ws,
                    json!({"type": "shown", "tick": tick, "t_client_ms": now_ms()}),
                )
                .await;
                return Got::Frame(tick);
            }
            Some(Ok(_)) => continue,
        }
    }
}

async fn until_screen(ws: &mut Ws, screen: &str) {
    loop {
        match next(ws).await {
            Got::Json(v) if v["type"] == "screen" && v["screen"] == screen => return,
            Got::Json(v) if v["type"] == "refused" => panic!("refused: {v}"),
            Got::Closed => panic!("closed before screen {screen}"),
            _ => {}
        }
    }
}

async fn connect(addr: std::net::SocketAddr, query: &str) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws?{query}"))
        .await
        .unwrap();
    send(
        &mut ws,
        json!({"type": "hello", "user_agent": "priors-test/1", "window_px": [1280, 720], "device_pixel_ratio": 1.0}),
    )
    .await;
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_plays_the_route_to_the_goal_and_gets_the_completion_code_once() {
    let st = study(
        "browser",
        "completion_code = \"C0DE42\"\ncompletion_url = \"https://example.invalid/done?cc={code}\"\nmax_latency_ms = 2000.0",
    );
    // 10 ticks/s: the test's key changes must reach the server between two ticks, also on a
    // loaded machine.
    let (addr, stop, handle) = start(config(&st.0, Some(10.0))).await;
    let keys = route_keys();
    let query = "PROLIFIC_PID=abc123&STUDY_ID=study9&SESSION_ID=sess7";
    let mut ws = connect(addr, query).await;
    until_screen(&mut ws, "instructions").await;
    key(&mut ws, "space", true).await;
    key(&mut ws, "space", false).await;
    until_screen(&mut ws, "ready").await;
    key(&mut ws, "space", true).await;
    key(&mut ws, "space", false).await;
    let mut held = 0u8;
    let mut complete = None;
    for (i, k) in keys.iter().enumerate() {
        for (bit, kk) in Key::ALL.iter().enumerate() {
            let want = k & (1 << bit) != 0;
            if want != (held & (1 << bit) != 0) {
                key(&mut ws, priors_protocol::input::key_name(*kk), want).await;
            }
        }
        held = *k;
        // Wait until the server has run this tick (its frame arrives).
        loop {
            match next(&mut ws).await {
                Got::Frame(t) if t as usize > i => break,
                Got::Json(v) if v["type"] == "complete" => {
                    complete = Some(v);
                    break;
                }
                Got::Json(v) if v["type"] == "refused" => panic!("refused: {v}"),
                Got::Closed => panic!("closed at tick {i}"),
                _ => {}
            }
        }
    }
    let c = await_completion(&mut ws, complete).await;
    assert_eq!(c["code"], "C0DE42");
    assert_eq!(c["redirect"], "https://example.invalid/done?cc=C0DE42");
    let data = st.0.join("data");
    let dirs = folders(&data);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let v = verify_dir(&dirs[0]).unwrap();
    assert_eq!(v.verdict, Verdict::Verified, "{v}");
    let meta = read_meta(&dirs[0]).unwrap();
    assert_eq!(meta.status, Status::Complete);
    assert_eq!(meta.n_ticks as usize, keys.len());
    assert_eq!(meta.participant, "W1");
    assert_eq!(meta.origin, "web");
    assert_eq!(meta.display.user_agent.as_deref(), Some("priors-test/1"));
    assert_eq!(meta.display.window_px, [1280, 720]);
    assert!((meta.time_scale - 1.0 / 3.0).abs() < 1e-9);
    // Recruitment ids are stored only as keyed hashes.
    let web = std::fs::read_to_string(dirs[0].join("web.json")).unwrap();
    for raw in ["abc123", "study9", "sess7"] {
        assert!(!web.contains(raw), "{raw} written in clear: {web}");
    }
    let web: Value = serde_json::from_str(&web).unwrap();
    assert_eq!(web["platform"], "prolific");
    assert_eq!(web["person_hmac"].as_str().unwrap().len(), 64);
    // The timing log: every key's client time and arrival, every frame's send and display.
    let timing = std::fs::read_to_string(dirs[0].join("web_timing.csv")).unwrap();
    let count = |kind: &str| {
        timing
            .lines()
            .filter(|l| l.starts_with(&format!("{kind},")))
            .count()
    };
    assert!(count("key") >= 4, "{timing}");
    assert!(count("frame_sent") >= keys.len(), "{}", count("frame_sent"));
    assert!(
        count("frame_shown") >= keys.len() / 2,
        "{}",
        count("frame_shown")
    );
    // The same Prolific participant is refused a second session, and nothing is recorded.
    let mut again = connect(addr, query).await;
    loop {
        match next(&mut again).await {
            Got::Json(v) if v["type"] == "refused" => {
                assert!(
                    v["reason"].as_str().unwrap().contains("already taken part"),
                    "{v}"
                );
                break;
            }
            Got::Json(v) if v["type"] == "screen" => panic!("a second session started: {v}"),
            Got::Closed => panic!("closed without a reason"),
            _ => {}
        }
    }
    assert_eq!(folders(&data).len(), 1);
    let _ = stop.send(());
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_plays_the_route_over_http_and_the_episode_verifies() {
    let st = study("agent", "");
    let (addr, stop, handle) = start(config(&st.0, None)).await;
    let info = http(addr, "GET", "/api/v1/info", Some(TOKEN), None).await;
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["level"], "princess");
    let r = http(addr, "POST", "/api/v1/reset", Some(TOKEN), Some(b"{}")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let ep = r.json()["episode"].as_str().unwrap().to_string();
    let route: Vec<String> = route().iter().map(|a| a.to_string()).collect();
    let mut reward = 0.0;
    let mut last = json!({});
    for chunk in route.chunks(40) {
        let body = json!({"episode": ep, "actions": chunk}).to_string();
        let s = http(
            addr,
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(body.as_bytes()),
        )
        .await;
        assert_eq!(s.status, 200, "{}", String::from_utf8_lossy(&s.body));
        last = s.json();
        reward += last["reward"].as_f64().unwrap();
    }
    assert_eq!(reward, 1.0);
    assert_eq!(last["done"], true);
    assert_eq!(last["outcome"], "won");
    assert_eq!(last["tick"].as_u64().unwrap() as usize, route.len());
    let f = http(
        addr,
        "GET",
        &format!("/api/v1/frame?episode={ep}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(f.status, 200);
    assert_eq!(&f.body[..4], b"\x89PNG");
    let raw = http(
        addr,
        "GET",
        &format!("/api/v1/frame?episode={ep}&format=rgba"),
        Some(TOKEN),
        None,
    )
    .await;
    let (w, h): (usize, usize) = (
        raw.header("x-priors-width").unwrap().parse().unwrap(),
        raw.header("x-priors-height").unwrap().parse().unwrap(),
    );
    assert_eq!(raw.body.len(), w * h * 4);
    // A step after the end is refused.
    let body = json!({"episode": ep, "action": "noop"}).to_string();
    assert_eq!(
        http(
            addr,
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(body.as_bytes())
        )
        .await
        .status,
        409
    );
    let body = json!({"episode": ep}).to_string();
    let e = http(
        addr,
        "POST",
        "/api/v1/end",
        Some(TOKEN),
        Some(body.as_bytes()),
    )
    .await;
    assert_eq!(e.status, 200);
    assert_eq!(e.json()["status"], "complete");
    assert_eq!(e.json()["verdict"], "verified");
    let dirs = folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 1);
    let meta = read_meta(&dirs[0]).unwrap();
    assert!(meta.simulated);
    assert_eq!(meta.participant, "agent-tester");
    assert_eq!(meta.origin, "agent-api");
    let _ = stop.send(());
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_change_nothing() {
    let st = study("bad", "");
    let mut cfg = config(&st.0, None);
    cfg.agent_budget = 10;
    let (addr, stop, handle) = start(cfg).await;
    let data = st.0.join("data");
    let snapshot = || {
        let mut v: Vec<(String, u64)> = Vec::new();
        for d in folders(&data) {
            for f in std::fs::read_dir(&d).unwrap().flatten() {
                v.push((f.path().display().to_string(), f.metadata().unwrap().len()));
            }
        }
        v.sort();
        v
    };
    let r = http(addr, "POST", "/api/v1/reset", Some(TOKEN), Some(b"{}")).await;
    let ep = r.json()["episode"].as_str().unwrap().to_string();
    let before = snapshot();
    let step = |b: Value| b.to_string().into_bytes();
    /// method, path, token, body, expected status.
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, Option<Vec<u8>>, u16);
    let cases: Vec<Case> = vec![
        ("GET", "/api/v1/info", None, None, 401),
        (
            "GET",
            "/api/v1/info",
            Some("wrong-token-0123456789"),
            None,
            401,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(json!({"episode": "nope", "action": "noop"}))),
            404,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(
                json!({"episode": "../../etc/passwd", "action": "noop"}),
            )),
            404,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(json!({"episode": ep, "action": "fly"}))),
            400,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(json!({"episode": ep, "actions": ["right", "fly"]}))),
            400,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(json!({"episode": ep}))),
            400,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(json!({"episode": ep, "action": "noop", "x": 1}))),
            422,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(b"{not json".to_vec()),
            400,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(vec![b' '; 200_000]),
            413,
        ),
        (
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(step(json!({"episode": ep, "actions": vec!["right"; 11]}))),
            409,
        ),
        (
            "POST",
            "/api/v1/reset",
            Some(TOKEN),
            Some(step(json!({"condition": "../../secret"}))),
            400,
        ),
        (
            "GET",
            "/api/v1/frame?episode=../../x",
            Some(TOKEN),
            None,
            404,
        ),
        (
            "GET",
            "/api/v1/frame?format=bmp&episode=x",
            Some(TOKEN),
            None,
            400,
        ),
        ("GET", "/../../etc/passwd", None, None, 404),
        ("GET", "/static/../Cargo.toml", None, None, 404),
        ("GET", "/%2e%2e/%2e%2e/etc/passwd", None, None, 404),
    ];
    for (method, path, token, body, want) in cases {
        let r = http(addr, method, path, token, body.as_deref()).await;
        assert_eq!(
            r.status,
            want,
            "{method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        // Our own errors are JSON with a message.
        if r.header("content-type") == Some("application/json") {
            assert!(r.json()["error"].as_str().is_some_and(|e| !e.is_empty()));
        }
    }
    assert_eq!(
        snapshot(),
        before,
        "a refused request changed a session folder"
    );
    // The episode is untouched: it still plays from tick 0.
    let s = http(
        addr,
        "POST",
        "/api/v1/step",
        Some(TOKEN),
        Some(&step(json!({"episode": ep, "action": "noop"}))),
    )
    .await;
    assert_eq!(s.json()["tick"], 1);
    // Over the WebSocket: malformed messages are answered with an error and change nothing.
    let mut ws = connect(addr, "").await;
    until_screen(&mut ws, "instructions").await;
    let dir = folders(&data)
        .into_iter()
        .find(|d| d.file_name().unwrap().to_string_lossy().starts_with("W1_"))
        .unwrap();
    let events_before = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    for bad in [
        "{".to_string(),
        json!({"type": "key", "key": "../../x", "down": true, "repeat": false, "t_client_ms": 1.0})
            .to_string(),
        json!({"type": "teleport", "x": 3}).to_string(),
        "x".repeat(3000),
    ] {
        ws.send(Message::Text(bad.into())).await.unwrap();
        loop {
            match next(&mut ws).await {
                Got::Json(v) if v["type"] == "error" => {
                    assert!(!v["message"].as_str().unwrap().is_empty());
                    break;
                }
                Got::Closed => break,
                _ => {}
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        std::fs::read_to_string(dir.join("events.csv")).unwrap(),
        events_before
    );
    drop(ws);
    let _ = stop.send(());
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_connection_is_refused_before_consent_and_nothing_is_recorded() {
    let st = study("slow", "max_latency_ms = 0.0");
    let (addr, stop, handle) = start(config(&st.0, None)).await;
    let mut ws = connect(addr, "workerId=A1&assignmentId=B2&hitId=C3").await;
    match next(&mut ws).await {
        Got::Json(v) if v["type"] == "refused" => {
            assert!(v["reason"].as_str().unwrap().contains("too slow"), "{v}")
        }
        _ => panic!("expected a refusal"),
    }
    assert!(folders(&st.0.join("data")).is_empty());
    // The refusal did not use up the worker's one session.
    assert!(
        !st.0.join("data/.web/recruits").exists()
            || std::fs::read_dir(st.0.join("data/.web/recruits"))
                .unwrap()
                .next()
                .is_none()
    );
    let _ = stop.send(());
    handle.await.unwrap();
}

/// Holds the route's keys for ticks `from..` (changes against `held`), each once the server
/// has run the tick before; returns the completion message if it came.
async fn play_route(ws: &mut Ws, keys: &[u8], from: usize, mut held: u8) -> Option<Value> {
    for (i, k) in keys.iter().enumerate().skip(from) {
        for (bit, kk) in Key::ALL.iter().enumerate() {
            let want = k & (1 << bit) != 0;
            if want != (held & (1 << bit) != 0) {
                key(ws, priors_protocol::input::key_name(*kk), want).await;
            }
        }
        held = *k;
        loop {
            match next(ws).await {
                Got::Frame(t) if t as usize > i => break,
                Got::Json(v) if v["type"] == "complete" => return Some(v),
                Got::Json(v) if v["type"] == "refused" => panic!("refused: {v}"),
                Got::Closed => panic!("closed at tick {i}"),
                _ => {}
            }
        }
    }
    None
}

/// The completion message, if `complete` is not it already: bounded, because a route played
/// off by a tick misses the goal and the session plays on for its whole time limit; that is a
/// failure to report (naming the tick), not a hang.
async fn await_completion(ws: &mut Ws, mut complete: Option<Value>) -> Value {
    let mut frames = 0;
    while complete.is_none() {
        match next(ws).await {
            Got::Json(v) if v["type"] == "complete" => complete = Some(v),
            Got::Json(v) if v["type"] == "refused" => panic!("refused: {v}"),
            Got::Closed => panic!("closed without a completion code"),
            Got::Frame(t) => {
                frames += 1;
                assert!(
                    frames < 60,
                    "no completion 60 ticks after the route ended (tick {t}): the route missed the goal"
                );
            }
            _ => {}
        }
    }
    complete.unwrap()
}

/// Reads messages until the given screen, returning the resume token if one came.
async fn token_until_screen(ws: &mut Ws, screen: &str) -> Option<String> {
    let mut token = None;
    loop {
        match next(ws).await {
            Got::Json(v) if v["type"] == "session" => {
                token = Some(v["resume"].as_str().unwrap().to_string())
            }
            Got::Json(v) if v["type"] == "screen" && v["screen"] == screen => return token,
            Got::Json(v) if v["type"] == "refused" => panic!("refused: {v}"),
            Got::Closed => panic!("closed before screen {screen}"),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_resumes_the_same_session_within_the_grace_period() {
    let st = study(
        "resume",
        "completion_code = \"RES1\"\nmax_latency_ms = 2000.0",
    );
    // 3 ticks/s, not 10: the focus loss and the keys sent after the resume must each reach the
    // server before its next tick, or the route is played one tick off and misses the goal
    // (seen once on a loaded CI machine at 10 ticks/s: the session then played on).
    let (addr, stop, handle) = start(config(&st.0, Some(3.0))).await;
    let keys = route_keys();
    let mut ws = connect(addr, "PROLIFIC_PID=resumer").await;
    let token = token_until_screen(&mut ws, "instructions")
        .await
        .expect("a resume token");
    for _ in 0..2 {
        key(&mut ws, "space", true).await;
        key(&mut ws, "space", false).await;
    }
    let half = keys.len() / 2;
    assert!(play_route(&mut ws, &keys[..half], 0, 0).await.is_none());
    // The tab loses focus and the connection drops (a reload, a flaky network).
    send(
        &mut ws,
        json!({"type": "focus", "focused": false, "t_client_ms": now_ms()}),
    )
    .await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ws = connect(addr, &format!("resume={token}")).await;
    send(
        &mut ws,
        json!({"type": "focus", "focused": true, "t_client_ms": now_ms()}),
    )
    .await;
    let again = token_until_screen(&mut ws, "playing").await;
    assert_eq!(
        again.as_deref(),
        Some(token.as_str()),
        "the same session resumes"
    );
    // Keys held before the loss were dropped: the route goes on from no keys held.
    let complete = play_route(&mut ws, &keys, half, 0).await;
    let complete = await_completion(&mut ws, complete).await;
    assert_eq!(complete["code"], "RES1");
    let dirs = folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 1, "one session, resumed: {dirs:?}");
    let v = verify_dir(&dirs[0]).unwrap();
    assert_eq!(v.verdict, Verdict::Verified, "{v}");
    assert_eq!(v.meta.status, Status::Complete);
    assert_eq!(v.meta.n_ticks as usize, keys.len());
    let timing = std::fs::read_to_string(dirs[0].join("web_timing.csv")).unwrap();
    assert!(
        timing.contains("\ndisconnected,") && timing.contains("\nreconnected,"),
        "{timing}"
    );
    let _ = stop.send(());
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_lost_past_the_grace_period_ends_the_session_as_aborted() {
    let st = study("gone", "max_latency_ms = 2000.0");
    let mut cfg = config(&st.0, Some(10.0));
    cfg.reconnect_grace_s = 0.5;
    let (addr, stop, handle) = start(cfg).await;
    let mut ws = connect(addr, "").await;
    let token = token_until_screen(&mut ws, "instructions")
        .await
        .expect("a resume token");
    drop(ws);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let dirs = folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 1);
    let meta = read_meta(&dirs[0]).unwrap();
    assert_eq!(meta.status, Status::Aborted);
    assert_eq!(meta.status_detail.as_deref(), Some("connection lost"));
    assert_eq!(verify_dir(&dirs[0]).unwrap().verdict, Verdict::Verified);
    let mut late = connect(addr, &format!("resume={token}")).await;
    match next(&mut late).await {
        Got::Json(v) if v["type"] == "refused" => {
            assert!(
                v["reason"]
                    .as_str()
                    .unwrap()
                    .contains("can no longer be resumed"),
                "{v}"
            )
        }
        _ => panic!("a late resume must be refused"),
    }
    let mut bogus = connect(addr, "resume=../../etc/passwd").await;
    match next(&mut bogus).await {
        Got::Json(v) if v["type"] == "refused" => {}
        _ => panic!("a malformed token must be refused"),
    }
    assert_eq!(folders(&st.0.join("data")).len(), 1, "nothing new recorded");
    let _ = stop.send(());
    handle.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_consent_ends_the_session_without_a_code() {
    let st = study(
        "decline",
        "completion_code = \"NOPE\"\nmax_latency_ms = 2000.0",
    );
    let exp = st.0.join("experiment.toml");
    let text = std::fs::read_to_string(&exp).unwrap();
    std::fs::write(&exp, format!("consent_text = \"Agree?\"\n{text}")).unwrap();
    let (addr, stop, handle) = start(config(&st.0, None)).await;
    let mut ws = connect(addr, "PROLIFIC_PID=decliner").await;
    until_screen(&mut ws, "consent").await;
    key(&mut ws, "key_n", true).await;
    key(&mut ws, "key_n", false).await;
    loop {
        match next(&mut ws).await {
            Got::Json(v) if v["type"] == "refused" => {
                let r = v["reason"].as_str().unwrap();
                assert!(r.contains("return the study") && !r.contains("NOPE"), "{v}");
                break;
            }
            Got::Json(v) if v["type"] == "complete" => panic!("a code for a declined consent: {v}"),
            Got::Closed => panic!("closed without a word"),
            _ => {}
        }
    }
    let dirs = folders(&st.0.join("data"));
    assert_eq!(read_meta(&dirs[0]).unwrap().status, Status::Declined);
    let _ = stop.send(());
    handle.await.unwrap();
}

/// Starts `priors-serve` for `st` on a free port; returns the child and its address.
fn spawn_server(st: &Tmp) -> (std::process::Child, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_priors-serve"))
        .args([
            "--experiment",
            st.0.join("experiment.toml").to_str().unwrap(),
        ])
        .args(["--data", st.0.join("data").to_str().unwrap()])
        .args(["--tokens", st.0.join("tokens.txt").to_str().unwrap()])
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    (child, addr)
}

#[test]
fn sigterm_flushes_every_session_and_marks_it_interrupted() {
    let st = study("term", "max_latency_ms = 2000.0");
    let (mut child, addr) = spawn_server(&st);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = http(addr, "POST", "/api/v1/reset", Some(TOKEN), Some(b"{}")).await;
        let ep = r.json()["episode"].as_str().unwrap().to_string();
        let body = json!({"episode": ep, "actions": vec!["left"; 7]}).to_string();
        http(
            addr,
            "POST",
            "/api/v1/step",
            Some(TOKEN),
            Some(body.as_bytes()),
        )
        .await;
        let mut ws = connect(addr, "").await;
        until_screen(&mut ws, "instructions").await;
        key(&mut ws, "space", true).await;
        key(&mut ws, "space", false).await;
        until_screen(&mut ws, "ready").await;
        key(&mut ws, "space", true).await;
        let mut frames = 0;
        while frames < 5 {
            if let Got::Frame(_) = next(&mut ws).await {
                frames += 1;
            }
        }
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // The page is told why before the connection closes.
        loop {
            match next(&mut ws).await {
                Got::Json(v) if v["type"] == "refused" => {
                    assert!(v["reason"].as_str().unwrap().contains("stopping"), "{v}");
                    break;
                }
                Got::Closed => panic!("closed without a word"),
                _ => {}
            }
        }
    });
    assert!(child.wait().unwrap().success());
    let dirs = folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    for d in dirs {
        let v = verify_dir(&d).unwrap();
        assert_eq!(v.meta.status, Status::Interrupted, "{}", d.display());
        assert_eq!(v.verdict, Verdict::VerifiedIncomplete, "{v}");
        assert_eq!(v.meta.n_ticks, v.replay.rows, "every tick on disk");
    }
}

#[test]
fn kill_9_mid_session_leaves_verifiable_prefixes() {
    let st = study("kill", "max_latency_ms = 2000.0");
    let (mut child, addr) = spawn_server(&st);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // An agent mid-episode and a browser mid-play.
        let r = http(addr, "POST", "/api/v1/reset", Some(TOKEN), Some(b"{}")).await;
        let ep = r.json()["episode"].as_str().unwrap().to_string();
        let body = json!({"episode": ep, "actions": vec!["left"; 25]}).to_string();
        assert_eq!(
            http(
                addr,
                "POST",
                "/api/v1/step",
                Some(TOKEN),
                Some(body.as_bytes())
            )
            .await
            .status,
            200
        );
        let mut ws = connect(addr, "").await;
        until_screen(&mut ws, "instructions").await;
        key(&mut ws, "space", true).await;
        key(&mut ws, "space", false).await;
        until_screen(&mut ws, "ready").await;
        key(&mut ws, "space", true).await;
        key(&mut ws, "arrow_right", true).await;
        let mut frames = 0;
        while frames < 20 {
            if let Got::Frame(_) = next(&mut ws).await {
                frames += 1;
            }
        }
        // Past the 250 ms flush period, so rows are on disk.
        tokio::time::sleep(Duration::from_millis(600)).await;
        child.kill().unwrap();
        child.wait().unwrap();
    });
    let dirs = folders(&st.0.join("data"));
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    for d in dirs {
        let v = verify_dir(&d).unwrap();
        assert_eq!(
            v.verdict,
            Verdict::VerifiedIncomplete,
            "{}: {v}",
            d.display()
        );
        assert_eq!(v.meta.status, Status::Running);
        assert!(
            v.replay.rows >= 20,
            "{}: only {} ticks on disk",
            d.display(),
            v.replay.rows
        );
    }
}
