//! The wire format between the browser page and the server (WebSocket), as serde types and
//! one parser. Text messages are JSON objects tagged by `type`; frames go to the browser as
//! binary messages with a fixed 12-byte header ([`frame_message`]). Documented for other
//! clients in lab/web/README.md.
//!
//! **Invariant:** the parser refuses anything it does not know (unknown `type`, unknown field,
//! oversized text, a key name that is not a key code) with a [`WireError`], and a refused
//! message changes nothing in a session.

use serde::{Deserialize, Serialize};

/// The longest text message a browser may send, bytes (the largest legal one, a `hello` with
/// a long user agent, is well under 1 KiB).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 2048;

/// Longest key code a browser may name (`KeyboardEvent.code` in snake_case).
pub const MAX_KEY_NAME: usize = 32;

/// A message from the browser.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message: what the browser is.
    Hello {
        /// `navigator.userAgent` (cut to 512 characters).
        user_agent: String,
        /// Inner window size, CSS px.
        window_px: [u32; 2],
        /// `window.devicePixelRatio`.
        device_pixel_ratio: f64,
    },
    /// Answer to a connection-check [`ServerMessage::Ping`].
    Pong {
        /// The ping's sequence number.
        seq: u32,
        /// Client clock when the ping arrived, ms since the Unix epoch.
        t_client_ms: f64,
    },
    /// A key went down or up.
    Key {
        /// `KeyboardEvent.code` in snake_case (`arrow_left`, `space`, `key_y`).
        key: String,
        /// Down (true) or up.
        down: bool,
        /// `KeyboardEvent.repeat`.
        repeat: bool,
        /// Client clock at the event, ms since the Unix epoch (`performance.timeOrigin + event.timeStamp`).
        t_client_ms: f64,
    },
    /// The page gained or lost focus (blur, visibility change).
    Focus {
        /// Focused now.
        focused: bool,
        /// Client clock, ms since the Unix epoch.
        t_client_ms: f64,
    },
    /// A frame was put on screen.
    Shown {
        /// The frame's tick.
        tick: u32,
        /// Client clock at the display (the `requestAnimationFrame` time), ms since the Unix epoch.
        t_client_ms: f64,
    },
}

/// A message to the browser (text, JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Connection check: answer with a pong.
    Ping {
        /// Sequence number.
        seq: u32,
    },
    /// The protocol screen to show.
    Screen {
        /// Screen name (`consent`, `instructions`, `ready`, `playing`, `confirm_abort`, `end`).
        screen: String,
        /// Text to show over the game (empty while playing).
        text: String,
        /// Frame size, px (the canvas size).
        frame_px: [u32; 2],
    },
    /// The session exists: the token that resumes it after a lost connection
    /// (`/ws?resume=<token>` within the grace period).
    Session {
        /// 32 hex digits.
        resume: String,
    },
    /// The session is recorded and verified: the completion code and where to go.
    Complete {
        /// The completion code (empty when the study has none).
        code: String,
        /// The redirect, if the study has one.
        redirect: Option<String>,
    },
    /// The server refuses or ends the connection, with the reason to show.
    Refused {
        /// Why, in words for the participant.
        reason: String,
    },
    /// A message the server could not accept (it changed nothing).
    Error {
        /// What was wrong.
        message: String,
    },
}

/// Why a browser message was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WireError {
    /// Longer than [`MAX_CLIENT_MESSAGE_BYTES`].
    #[error("message of {0} bytes is longer than the {MAX_CLIENT_MESSAGE_BYTES} allowed")]
    TooLong(usize),
    /// Not a known message.
    #[error("not a message this server knows: {0}")]
    Malformed(String),
    /// A field out of range.
    #[error("{0}")]
    Invalid(String),
}

/// Parses one text message from the browser and checks its fields.
pub fn parse_client_message(text: &str) -> Result<ClientMessage, WireError> {
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        return Err(WireError::TooLong(text.len()));
    }
    let m: ClientMessage =
        serde_json::from_str(text).map_err(|e| WireError::Malformed(e.to_string()))?;
    let finite = |t: f64, what: &str| {
        if t.is_finite() {
            Ok(())
        } else {
            Err(WireError::Invalid(format!("{what} is not a finite number")))
        }
    };
    match &m {
        ClientMessage::Hello {
            user_agent,
            device_pixel_ratio,
            ..
        } => {
            if user_agent.chars().count() > 512 {
                return Err(WireError::Invalid("user_agent longer than 512".into()));
            }
            finite(*device_pixel_ratio, "device_pixel_ratio")?;
        }
        ClientMessage::Key {
            key, t_client_ms, ..
        } => {
            let ok = !key.is_empty()
                && key.len() <= MAX_KEY_NAME
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(WireError::Invalid(format!(
                    "key {key:?} is not a snake_case key code"
                )));
            }
            finite(*t_client_ms, "t_client_ms")?;
        }
        ClientMessage::Pong { t_client_ms, .. }
        | ClientMessage::Focus { t_client_ms, .. }
        | ClientMessage::Shown { t_client_ms, .. } => finite(*t_client_ms, "t_client_ms")?,
    }
    Ok(m)
}

/// Frame payload encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FrameFormat {
    /// PNG (smaller on the wire; the browser decodes it).
    #[default]
    Png,
    /// Raw RGBA8, rows top to bottom (no decode; 4 bytes a pixel).
    Rgba,
}

impl FrameFormat {
    /// Its name in URLs and headers.
    pub fn name(self) -> &'static str {
        match self {
            FrameFormat::Png => "png",
            FrameFormat::Rgba => "rgba",
        }
    }
}

/// Length of the binary frame header, bytes.
pub const FRAME_HEADER_BYTES: usize = 12;

/// The header's format byte of a frame equal to the previous one sent: no payload follows
/// (most ticks of a standing player change nothing; the browser keeps the picture and still
/// reports the tick as shown).
pub const FRAME_UNCHANGED: u8 = 2;

/// The header alone of a frame equal to the previous one sent (format [`FRAME_UNCHANGED`]).
pub fn unchanged_frame_message(tick: u32, width: u32, height: u32) -> Vec<u8> {
    let mut out = frame_message(tick, width, height, FrameFormat::Png, &[]);
    out[8] = FRAME_UNCHANGED;
    out
}

/// An RGB8 frame as PNG with fast settings (`png`'s `Compression::Fast`, fdeflate): at 30
/// frames/s per participant the encoder is the server's main cost, and the default level
/// costs several times more for a few percent fewer bytes on these flat-coloured frames.
pub fn encode_png_fast(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    // Writing into a Vec cannot fail with IO errors and the sizes agree by construction of
    // the renderer's image, so an error here is a bug in this function.
    let mut writer = enc
        .write_header()
        .expect("PNG header of a well-formed frame");
    writer
        .write_image_data(rgb)
        .expect("PNG data of a well-formed frame");
    writer.finish().expect("PNG end of a well-formed frame");
    bytes
}

/// A binary frame message: tick (u32 LE), width (u16 LE), height (u16 LE), format (u8: 0 PNG,
/// 1 RGBA), three zero bytes, then the payload.
pub fn frame_message(
    tick: u32,
    width: u32,
    height: u32,
    format: FrameFormat,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_HEADER_BYTES + payload.len());
    out.extend_from_slice(&tick.to_le_bytes());
    out.extend_from_slice(&(width as u16).to_le_bytes());
    out.extend_from_slice(&(height as u16).to_le_bytes());
    out.push(match format {
        FrameFormat::Png => 0,
        FrameFormat::Rgba => 1,
    });
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(payload);
    out
}

/// An RGB8 image as RGBA8 (alpha 255).
pub fn rgba(rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgb.len() / 3 * 4);
    for p in rgb.chunks_exact(3) {
        out.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `wire` fuzz target: serde_json's default float parser reads about 11 % of
    /// browser timestamps (`performance.timeOrigin + performance.now()`, printed by
    /// `JSON.stringify`) 1 ULP off; with `float_roundtrip` the recorded time is the one sent.
    #[test]
    fn a_client_timestamp_is_read_exactly_as_the_browser_wrote_it() {
        for (text, want) in [
            ("1764605258305.8857", 1764605258305.8857_f64),
            ("1000000001004851025", 1000000001004851025.0_f64),
        ] {
            let m = parse_client_message(&format!(
                r#"{{"type":"shown","tick":1,"t_client_ms":{text}}}"#
            ))
            .unwrap();
            let ClientMessage::Shown { t_client_ms, .. } = m else {
                panic!("{m:?}")
            };
            assert_eq!(t_client_ms.to_bits(), want.to_bits(), "{text}");
        }
    }

    #[test]
    fn known_messages_parse_and_others_are_refused() {
        let k = parse_client_message(
            r#"{"type":"key","key":"arrow_left","down":true,"repeat":false,"t_client_ms":1.5}"#,
        )
        .unwrap();
        assert!(matches!(k, ClientMessage::Key { down: true, .. }));
        for bad in [
            "",
            "null",
            "{}",
            r#"{"type":"fly"}"#,
            r#"{"type":"key","key":"arrow_left","down":true,"repeat":false,"t_client_ms":1,"x":1}"#,
            r#"{"type":"key","key":"../etc","down":true,"repeat":false,"t_client_ms":1}"#,
            r#"{"type":"key","key":"ArrowLeft","down":true,"repeat":false,"t_client_ms":1}"#,
            r#"{"type":"focus","focused":true,"t_client_ms":1e999}"#,
        ] {
            assert!(parse_client_message(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!(
            r#"{{"type":"shown","tick":1,"t_client_ms":1,"p":"{}"}}"#,
            "x".repeat(3000)
        );
        assert!(matches!(
            parse_client_message(&long),
            Err(WireError::TooLong(_))
        ));
    }

    proptest::proptest! {
        /// The parser never panics, and whatever it accepts is a well-formed message that
        /// round-trips (the stand-in for a fuzz target of the browser's messages).
        #[test]
        fn any_text_is_parsed_or_refused_without_panicking(
            text in proptest::prop_oneof![".{0,300}", r#"[\[\]{}":,a-z0-9_. -]{0,200}"#],
        ) {
            if let Ok(m) = parse_client_message(&text) {
                let again = serde_json::to_string(&m).unwrap();
                proptest::prop_assert_eq!(parse_client_message(&again).unwrap(), m);
            }
        }

        /// Messages of the right shape with arbitrary field values: accepted exactly when the
        /// key is a snake_case code and the time is finite.
        #[test]
        fn key_messages_are_checked_field_by_field(
            key in "[a-zA-Z_./]{0,40}",
            down: bool,
            t in proptest::num::f64::ANY,
        ) {
            let text = serde_json::json!({
                "type": "key", "key": key, "down": down, "repeat": false, "t_client_ms": t
            })
            .to_string();
            let good_key = !key.is_empty()
                && key.len() <= MAX_KEY_NAME
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            proptest::prop_assert_eq!(parse_client_message(&text).is_ok(), good_key && t.is_finite());
        }
    }

    #[test]
    fn the_frame_header_is_twelve_bytes_little_endian() {
        let m = frame_message(258, 230, 200, FrameFormat::Rgba, &[9, 9]);
        assert_eq!(&m[..12], &[2, 1, 0, 0, 230, 0, 200, 0, 1, 0, 0, 0]);
        assert_eq!(&m[12..], &[9, 9]);
        assert_eq!(rgba(&[1, 2, 3]), vec![1, 2, 3, 255]);
        assert_eq!(
            unchanged_frame_message(1, 2, 3),
            vec![1, 0, 0, 0, 2, 0, 3, 0, 2, 0, 0, 0]
        );
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 7) as u8).collect();
        let png = encode_png_fast(4, 3, &rgb);
        let decoded = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut reader = decoded;
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(buf, rgb, "the fast PNG decodes to the frame, byte for byte");
    }
}
