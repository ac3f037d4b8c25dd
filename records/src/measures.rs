//! The column dictionary of the exploration measures (`priors_core::measure`, the one
//! definition used by the env, the agent's episodes.csv and the analysis' summary.csv), so
//! every file that carries a measure documents it with the same words.

use priors_core::measure::{UNIQUE_POSITIONS_RULE, UNIQUE_TILES_RULE};
use priors_core::trace::Column;

fn col(name: &str, ty: &str, units: &str, description: String) -> Column {
    Column {
        name: name.into(),
        description,
        units: units.into(),
        r#type: ty.into(),
        levels: vec![],
    }
}

/// The measure columns, with their definitions (states after each tick; the start state is not
/// a tick).
pub fn measure_columns() -> Vec<Column> {
    vec![
        col(
            "n_ticks",
            "integer",
            "ticks",
            "Ticks played (one action per tick).".into(),
        ),
        col(
            "time_s",
            "number",
            "s",
            "Time: n_ticks / tick_hz (priors_core::measure::time_s).".into(),
        ),
        col(
            "n_active_ticks",
            "integer",
            "ticks",
            "Active ticks: ticks whose action is not noop.".into(),
        ),
        col(
            "unique_positions",
            "integer",
            "count",
            format!("Unique positions: {UNIQUE_POSITIONS_RULE}, after each tick."),
        ),
        col(
            "unique_tiles",
            "integer",
            "count",
            format!("Unique tiles: {UNIQUE_TILES_RULE}, after each tick."),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every measure column by header name, with its type and units, written out here (not taken
    /// from `measure_columns`), in the order the dictionary lists them.
    const EXPECTED: [(&str, &str, &str); 5] = [
        ("n_ticks", "integer", "ticks"),
        ("time_s", "number", "s"),
        ("n_active_ticks", "integer", "ticks"),
        ("unique_positions", "integer", "count"),
        ("unique_tiles", "integer", "count"),
    ];

    fn column<'a>(columns: &'a [Column], name: &str) -> &'a Column {
        columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name} in the measures' dictionary"))
    }

    #[test]
    fn measure_columns_quote_the_core_rules() {
        let c = measure_columns();
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        let expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
        assert_eq!(names, expected);
        for (name, ty, units) in EXPECTED {
            let col = column(&c, name);
            assert_eq!(
                (col.r#type.as_str(), col.units.as_str()),
                (ty, units),
                "{name}"
            );
            assert!(!col.description.is_empty(), "{name}");
        }
        // Each unique-* column quotes the core's own rule, and only its own.
        let positions = &column(&c, "unique_positions").description;
        let tiles = &column(&c, "unique_tiles").description;
        assert!(positions.contains(UNIQUE_POSITIONS_RULE), "{positions}");
        assert!(!positions.contains(UNIQUE_TILES_RULE), "{positions}");
        assert!(tiles.contains(UNIQUE_TILES_RULE), "{tiles}");
        assert!(!tiles.contains(UNIQUE_POSITIONS_RULE), "{tiles}");
    }
}
