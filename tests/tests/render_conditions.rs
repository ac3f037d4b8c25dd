//! The shipped conditions as the renderer sees them: each loads, renders, and looks the way the
//! spec's table says (a manipulation of the picture changes the first frame; a manipulation of
//! keys or ladders alone does not; masked colours are the spec's).

use priors_catalog::{PAPER_CONDITIONS, condition_names, load_condition, load_level};
use priors_core::{Condition, Level, World};
use priors_render::{Image, Renderer};

fn frame(level: &Level, c: &Condition) -> Image {
    let r = Renderer::new(level, c).unwrap_or_else(|e| panic!("{}: {e}", c.id));
    let mut img = r.new_frame();
    r.render(&World::new(level), &mut img);
    img
}

#[test]
fn the_shipped_conditions_are_the_papers_eleven() {
    let mut want: Vec<String> = PAPER_CONDITIONS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(condition_names().unwrap(), want);
}

#[test]
fn every_visual_condition_changes_the_first_frame_and_no_other_does() {
    for lname in ["princess", "princess-15row", "keydoor"] {
        let level = load_level(lname).unwrap().value;
        let original = frame(&level, &Condition::original());
        for id in PAPER_CONDITIONS {
            let c = load_condition(id).unwrap().value;
            let f = frame(&level, &c);
            let changes_picture =
                c.theme != Condition::original().theme || c.view != Condition::original().view;
            assert_eq!(
                changes_picture,
                id != "original" && id != "changed-ladder" && id != "reversed-keys",
                "{id}"
            );
            if changes_picture {
                assert_ne!(f, original, "{lname} / {id}: looks like the original");
            } else {
                assert_eq!(
                    f, original,
                    "{lname} / {id}: only keys or ladders change, the picture must not"
                );
            }
        }
    }
}

#[test]
fn masked_semantics_uses_the_specs_colours_and_keeps_platforms() {
    let level = load_level("keydoor").unwrap().value;
    let c = load_condition("masked-semantics").unwrap().value;
    let (masked, original) = (frame(&level, &c), frame(&level, &Condition::original()));
    let t = level.header.tile_px;
    let centre = |r: priors_core::Rect| {
        (
            (r.cx() / priors_core::SUB) as u32,
            (r.cy() / priors_core::SUB) as u32,
        )
    };
    let at = |img: &Image, (x, y): (u32, u32)| img.pixel(x, y);
    let world = World::new(&level);
    assert_eq!(
        at(&masked, centre(world.player_rect(&level))),
        [0x2f, 0x6b, 0xff],
        "agent blue"
    );
    assert_eq!(
        at(&masked, centre(level.enemy_rects[0])),
        [0xff, 0xb6, 0xc1],
        "enemy light pink"
    );
    assert_eq!(
        at(&masked, centre(level.key_rect.unwrap())),
        [0xff, 0x8c, 0x1a],
        "key orange"
    );
    assert_eq!(
        at(&masked, centre(level.door_rect.unwrap())),
        [0x00, 0xe5, 0xee],
        "door cyan"
    );
    let find = |tile: priors_core::Tile| {
        let i = level.tiles.iter().position(|&x| x == tile).unwrap();
        (
            (i % level.width) as u32 * t + t / 2,
            (i / level.width) as u32 * t + t / 2,
        )
    };
    assert_eq!(
        at(&masked, find(priors_core::Tile::Spikes)),
        [0x22, 0xb1, 0x4c],
        "spikes green"
    );
    assert_eq!(
        at(&masked, find(priors_core::Tile::Ladder)),
        [0x8b, 0x00, 0x00],
        "ladders dark red"
    );
    let p = find(priors_core::Tile::Platform);
    assert_eq!(at(&masked, p), at(&original, p), "platforms unchanged");
}

#[test]
fn placebo_blocks_add_colours_on_the_platforms() {
    let level = load_level("princess").unwrap().value;
    let semantics = frame(&level, &load_condition("masked-semantics").unwrap().value);
    let identity = frame(
        &level,
        &load_condition("masked-object-identity").unwrap().value,
    );
    let changed = semantics
        .rgb
        .chunks(3)
        .zip(identity.rgb.chunks(3))
        .filter(|(a, b)| a != b)
        .count();
    // At least a dozen blocks of at least 7x7 px.
    assert!(changed > 12 * 49, "only {changed} pixels differ");
}
