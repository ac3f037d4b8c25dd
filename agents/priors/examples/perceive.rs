//! Prints what the agent perceives in one frame (a binary PPM file, `P6`): the tile grid, the
//! objects with their cells, cues and prior beliefs. A debugging aid for perception; it reads
//! only the picture, as the agent does.
//!
//! `cargo run -p priors-priors-agent --example perceive -- frame.ppm [lesions [cell_px, default 15]]`

use priors_agent_interface::Frame;
use priors_priors_agent::Lesion;
use priors_priors_agent::perception::{affordances, grid, objects, semantics};

fn read_ppm(path: &str) -> Result<Frame, String> {
    let d = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while d.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        let s = i;
        while d.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&d[s..i]).to_string());
    }
    if fields[0] != "P6" {
        return Err(format!("{path}: not a binary PPM"));
    }
    let (w, h): (u32, u32) = (
        fields[1].parse().map_err(|_| "bad width")?,
        fields[2].parse().map_err(|_| "bad height")?,
    );
    let rgb = d[i + 1..].to_vec();
    Ok(Frame {
        width: w,
        height: h,
        rgb,
    })
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: perceive frame.ppm [lesions]")?;
    let lesion: Lesion = args
        .get(2)
        .map(|s| s.parse())
        .transpose()
        .map_err(|e| format!("{e}"))?
        .unwrap_or_default();
    let f = read_ppm(path)?;
    let cell = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(15);
    let g = grid::detect(&f, cell).ok_or("no grid")?;
    println!("{}x{} frame; grid {g:?}", f.width, f.height);
    let s = objects::segment(&f, g, !lesion.objects);
    println!(
        "free colour {:?}; {} objects",
        s.free_colour,
        s.objects.len()
    );
    for r in 0..g.rows {
        let line: String = (0..g.cols)
            .map(|c| match s.object_at(c, r) {
                None => '.',
                Some(o) => char::from_digit((o % 36) as u32, 36).unwrap_or('?'),
            })
            .collect();
        println!("{line}");
    }
    // Each cell's own affordance cue: R rungs, F floor, - neither, . free space.
    println!("cells' affordance cues (R rungs, F floor, - neither, . free):");
    for r in 0..g.rows {
        let line: String = (0..g.cols)
            .map(|c| match s.cell(c, r) {
                Some(cell) if !cell.empty => {
                    if affordances::reads_rungs(cell) {
                        'R'
                    } else if affordances::cell_is_floor_like(&cell.row_fill) {
                        'F'
                    } else {
                        '-'
                    }
                }
                _ => '.',
            })
            .collect();
        println!("{line}");
    }
    // Objects that are patchwork tiles (M), others (o), free space (.).
    println!("patchwork tiles (M tile, o other thing, . free):");
    for r in 0..g.rows {
        let line: String = (0..g.cols)
            .map(|c| match s.object_at(c, r) {
                None => '.',
                Some(o) if s.objects[o].mosaic => 'M',
                Some(_) => 'o',
            })
            .collect();
        println!("{line}");
    }
    for o in &s.objects {
        let mut cues = semantics::cues(o, g.cell);
        cues.extend(affordances::cues(o, &s));
        println!(
            "object {} ({}): {} cells from {:?}, bbox {:?}, cues {:?}",
            o.id,
            char::from_digit((o.id % 36) as u32, 36).unwrap_or('?'),
            o.cells.len(),
            o.cells[0],
            o.bbox,
            cues
        );
    }
    Ok(())
}
