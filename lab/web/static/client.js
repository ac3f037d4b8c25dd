// The browser side of a Priors online study (priors-web). Thin on purpose: the server steps
// the game and renders every frame; this script sends key changes and focus changes with
// their timestamps, draws the frames it receives pixel-exact (integer nearest-neighbour
// scale), reports when each frame was shown, and shows the protocol screens' text.
// Wire format: lab/web/README.md.
"use strict";
(function () {
  const canvas = document.getElementById("game");
  const ctx = canvas.getContext("2d", { alpha: false });
  const text = document.getElementById("text");
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  // The resume token of this tab's session (kept over a reload in sessionStorage).
  let resume = sessionStorage.getItem("priorsResume");
  let ws = null, retries = 0;
  // The client clock: ms since the Unix epoch, high resolution.
  const now = () => performance.timeOrigin + performance.now();
  let frameW = 230, frameH = 230, scale = 1, done = false;
  // What the page shows now, readable by the experimenter's console and by browser tests.
  const state = { screen: "", tick: -1, code: null };
  window.priorsState = state;
  // Keys the game and the protocol use; others are not sent (and not prevented).
  const KEYS = new Set(["arrow_left", "arrow_right", "arrow_up", "arrow_down", "space",
    "key_y", "key_n", "key_a", "escape", "control_left", "control_right",
    "shift_left", "shift_right"]);
  const snake = (code) => code.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

  function send(m) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m)); }
  function layout() {
    scale = Math.max(1, Math.min(Math.floor(innerWidth / frameW),
                                 Math.floor((innerHeight - 40) / frameH)));
    canvas.width = frameW; canvas.height = frameH;
    canvas.style.width = frameW * scale + "px";
    canvas.style.height = frameH * scale + "px";
    ctx.imageSmoothingEnabled = false;
  }
  function show(t) {
    if (t) { text.textContent = t; text.classList.remove("hidden"); }
    else { text.classList.add("hidden"); }
  }

  // Opens the socket: a new session with the page's own query (recruitment parameters), or
  // the same session again with its resume token after a lost connection.
  function connect() {
    const q = resume ? "?resume=" + encodeURIComponent(resume) : location.search;
    ws = new WebSocket(proto + "//" + location.host + "/ws" + q);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      send({ type: "hello", user_agent: navigator.userAgent.slice(0, 512),
        window_px: [innerWidth, innerHeight], device_pixel_ratio: devicePixelRatio || 1 });
      if (resume) send({ type: "focus", focused: focused, t_client_ms: now() });
    };
    ws.onclose = () => {
      if (done) return;
      if (resume && retries < 30) {
        retries += 1;
        show("The connection to the study server was lost. Reconnecting...");
        setTimeout(connect, 1000);
      } else {
        show("The connection to the study server was lost.\n\nYour data so far is saved. Please contact the researcher.");
      }
    };
    ws.onmessage = onMessage;
  }

  async function onMessage(ev) {
    if (typeof ev.data !== "string") { await drawFrame(ev.data); return; }
    const m = JSON.parse(ev.data);
    if (m.type === "ping") send({ type: "pong", seq: m.seq, t_client_ms: now() });
    else if (m.type === "session") {
      resume = m.resume; retries = 0;
      sessionStorage.setItem("priorsResume", resume);
    } else if (m.type === "screen") {
      state.screen = m.screen;
      if (m.frame_px[0] !== frameW || m.frame_px[1] !== frameH) {
        frameW = m.frame_px[0]; frameH = m.frame_px[1]; layout();
      }
      show(m.text);
    } else if (m.type === "complete") {
      done = true;
      sessionStorage.removeItem("priorsResume");
      state.code = m.code;
      const code = m.code ? "\n\nYour completion code: " + m.code : "";
      show("Thank you - your session is saved." + code +
           (m.redirect ? "\n\nYou are being sent back to the study platform..." : ""));
      if (m.redirect) setTimeout(() => { location.href = m.redirect; }, 1500);
    } else if (m.type === "refused") {
      done = true;
      sessionStorage.removeItem("priorsResume");
      show(m.reason);
    } else if (m.type === "error") console.warn("server:", m.message);
  }

  // One frame: 12-byte header (tick u32, width u16, height u16, format u8: 0 PNG, 1 RGBA,
  // 2 unchanged (no payload); 3 zero bytes), then the payload.
  async function drawFrame(buf) {
    const v = new DataView(buf);
    const tick = v.getUint32(0, true), w = v.getUint16(4, true), h = v.getUint16(6, true);
    const format = v.getUint8(8);
    const payload = new Uint8Array(buf, 12);
    if (w !== frameW || h !== frameH) { frameW = w; frameH = h; layout(); }
    if (format === 2) {
      // The same picture as the previous frame: nothing to draw.
    } else if (format === 1) {
      ctx.putImageData(new ImageData(new Uint8ClampedArray(payload), w, h), 0, 0);
    } else {
      const bmp = await createImageBitmap(new Blob([payload], { type: "image/png" }));
      ctx.drawImage(bmp, 0, 0);
      bmp.close();
    }
    state.tick = Math.max(state.tick, tick);
    requestAnimationFrame(() => send({ type: "shown", tick: tick, t_client_ms: now() }));
  }

  function onKey(down) {
    return (e) => {
      const key = snake(e.code || "");
      if (!KEYS.has(key)) return;
      e.preventDefault();
      send({ type: "key", key: key, down: down, repeat: !!e.repeat,
             t_client_ms: performance.timeOrigin + e.timeStamp });
    };
  }
  addEventListener("keydown", onKey(true));
  addEventListener("keyup", onKey(false));
  let focused = document.hasFocus();
  function focusChange() {
    const f = document.hasFocus() && document.visibilityState === "visible";
    if (f !== focused) { focused = f; send({ type: "focus", focused: f, t_client_ms: now() }); }
  }
  addEventListener("blur", focusChange);
  addEventListener("focus", focusChange);
  document.addEventListener("visibilitychange", focusChange);
  addEventListener("resize", layout);
  layout();
  connect();
})();
