//! Golden PNG frames: every shipped condition on princess at the start state, plus keydoor in
//! the original look. Pixels are compared exactly after decoding (not the PNG bytes, which an
//! encoder upgrade may change). Regenerate only with `PRIORS_BLESS=1 cargo test -p priors-tests
//! --test render_golden`; on a mismatch the actual frame is written next to the golden file as
//! `<name>.actual.png` so the two can be looked at side by side.

use priors_catalog::{PAPER_CONDITIONS, load_condition, load_level};
use priors_core::World;
use priors_render::{Image, Renderer, encode_png};
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn start_frame(level: &str, condition: &str) -> Image {
    let level = load_level(level).unwrap().value;
    let condition = load_condition(condition).unwrap().value;
    let r = Renderer::new(&level, &condition).unwrap_or_else(|e| panic!("{}: {e}", condition.id));
    let mut img = r.new_frame();
    r.render(&World::new(&level), &mut img);
    img
}

fn decode(path: &Path) -> Result<Image, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if info.color_type != png::ColorType::Rgb || info.bit_depth != png::BitDepth::Eight {
        return Err(format!("{}: not 8-bit RGB", path.display()));
    }
    buf.truncate(info.buffer_size());
    Ok(Image {
        width: info.width,
        height: info.height,
        rgb: buf,
    })
}

/// Compares `img` with the golden file `name`.png; returns a message on mismatch.
fn check(name: &str, img: &Image) -> Option<String> {
    check_in(&golden_dir(), name, img)
}

fn check_in(dir: &Path, name: &str, img: &Image) -> Option<String> {
    let golden = dir.join(format!("{name}.png"));
    let actual = dir.join(format!("{name}.actual.png"));
    if std::env::var_os("PRIORS_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(&golden, encode_png(img)).unwrap();
        let _ = std::fs::remove_file(&actual);
        return None;
    }
    let why = match decode(&golden) {
        Err(e) => format!("cannot read the golden frame ({e})"),
        Ok(g) if (g.width, g.height) != (img.width, img.height) => {
            format!(
                "size {}x{} differs from the golden {}x{}",
                img.width, img.height, g.width, g.height
            )
        }
        Ok(g) => {
            let differing = g
                .rgb
                .chunks(3)
                .zip(img.rgb.chunks(3))
                .filter(|(a, b)| a != b)
                .count();
            if differing == 0 {
                let _ = std::fs::remove_file(&actual);
                return None;
            }
            format!("{differing} pixels differ")
        }
    };
    std::fs::write(&actual, encode_png(img)).unwrap();
    Some(format!(
        "{name}: {why}: golden {} vs actual {} (if the change is intended, rerun with PRIORS_BLESS=1)",
        golden.display(),
        actual.display()
    ))
}

#[test]
fn princess_start_frame_matches_the_golden_png_in_every_condition() {
    let failures: Vec<String> = PAPER_CONDITIONS
        .iter()
        .filter_map(|c| check(&format!("princess-{c}"), &start_frame("princess", c)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn keydoor_start_frame_matches_the_golden_png() {
    if let Some(m) = check("keydoor-original", &start_frame("keydoor", "original")) {
        panic!("{m}");
    }
}

#[test]
fn a_changed_frame_is_caught_and_written_beside_the_golden() {
    if std::env::var_os("PRIORS_BLESS").is_some() {
        return;
    }
    // In a scratch folder, so the real golden tests running in parallel never see this file.
    let dir = std::env::temp_dir().join(format!("priors-render-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        golden_dir().join("princess-original.png"),
        dir.join("princess-original.png"),
    )
    .unwrap();
    let mut img = start_frame("princess", "original");
    assert_eq!(check_in(&dir, "princess-original", &img), None);
    img.rgb[0] ^= 0xff;
    let m = check_in(&dir, "princess-original", &img)
        .expect("a changed pixel must fail the comparison");
    assert!(
        m.contains("1 pixels differ") && m.contains("princess-original.actual.png"),
        "{m}"
    );
    assert_eq!(
        decode(&dir.join("princess-original.actual.png")).unwrap(),
        img
    );
    std::fs::remove_dir_all(dir).unwrap();
}
