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

#[test]
fn measure_columns_quote_the_core_rules() {
    let c = measure_columns();
    assert!(c[3].description.contains("whole-pixel"));
}
