//! A plain table of strings with the platform's CSV conventions (snake_case columns, `NA` for
//! missing values, `.` decimals, `true`/`false`), written as CSV and shown as Markdown or HTML.
//! Numbers are formatted here only: CSV cells at full precision ([`num`]), the same cells in
//! report tables at 3 significant digits ([`sig3`]), so every output of a report agrees.

use crate::error::AnalysisError;
use std::path::Path;

/// The missing-value token of every CSV the platform writes.
pub const NA: &str = "NA";

/// Formats a number for a CSV at full precision: integers without decimals, others in Rust's
/// shortest form that reads back to the same `f64` (never an exponent); non-finite values as
/// `NA`. Reports show the same cells at 3 significant digits ([`sig3`]).
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return NA.into();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    format!("{x}")
}

/// A table cell as a report shows it: a cell holding a non-integer number is rounded to 3
/// significant digits (`0.0123`, `1.23`, `123`, `1230`; below 0.001 in exponent form,
/// `1.23e-5`); integers, `NA` and text are shown as they are. CSVs keep [`num`]'s full
/// precision.
pub fn sig3(cell: &str) -> String {
    let integer = cell
        .trim_start_matches('-')
        .bytes()
        .all(|b| b.is_ascii_digit());
    let x = match cell.parse::<f64>() {
        Ok(x) if x.is_finite() && !integer && !cell.is_empty() => x,
        _ => return cell.to_string(),
    };
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if mag < -3 {
        let s = format!("{x:.2e}");
        // 1.20e-5 -> 1.2e-5
        return match s.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => s,
        };
    }
    let decimals = (2 - mag).max(0) as usize;
    let rounded = if mag > 2 {
        let f = 10f64.powi(mag - 2);
        (x / f).round() * f
    } else {
        x
    };
    let s = format!("{rounded:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Formats an optional number.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| NA.into(), num)
}

/// Formats an optional value with `Display`.
pub fn opt_d<T: std::fmt::Display>(x: Option<T>) -> String {
    x.map_or_else(|| NA.into(), |v| v.to_string())
}

/// A table of formatted cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (must have one cell per column).
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row {row:?} for columns {:?}",
            self.columns
        );
        self.rows.push(row);
    }

    /// The indices of the chosen columns (all when `cols` is empty; unknown names skipped).
    fn column_indices(&self, cols: &[&str]) -> Vec<usize> {
        if cols.is_empty() {
            (0..self.columns.len()).collect()
        } else {
            cols.iter()
                .filter_map(|c| self.columns.iter().position(|x| x == c))
                .collect()
        }
    }

    /// The CSV text.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // Writing into a Vec cannot fail.
        let _ = w.write_record(&self.columns);
        for r in &self.rows {
            let _ = w.write_record(r);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Writes the CSV file.
    pub fn write_csv(&self, path: &Path) -> Result<(), AnalysisError> {
        std::fs::write(path, self.to_csv()).map_err(|e| AnalysisError::io(path, e))
    }

    /// A GitHub-flavoured Markdown table of the chosen columns (all when `cols` is empty),
    /// numbers at 3 significant digits ([`sig3`]).
    pub fn to_markdown(&self, cols: &[&str]) -> String {
        let idx = self.column_indices(cols);
        let mut s = String::new();
        s.push_str(&format!(
            "| {} |\n",
            idx.iter()
                .map(|&i| self.columns[i].as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        s.push_str(&format!(
            "|{}\n",
            idx.iter().map(|_| "---|").collect::<String>()
        ));
        for r in &self.rows {
            s.push_str(&format!(
                "| {} |\n",
                idx.iter()
                    .map(|&i| sig3(&r[i]).replace('|', "\\|"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
        s
    }

    /// An HTML table of the chosen columns (all when `cols` is empty), numbers at 3
    /// significant digits ([`sig3`]).
    pub fn to_html(&self, cols: &[&str]) -> String {
        let idx = self.column_indices(cols);
        let mut s = String::from("<table>\n<tr>");
        for &i in &idx {
            s.push_str(&format!("<th>{}</th>", html_escape(&self.columns[i])));
        }
        s.push_str("</tr>\n");
        for r in &self.rows {
            s.push_str("<tr>");
            for &i in &idx {
                s.push_str(&format!("<td>{}</td>", html_escape(&sig3(&r[i]))));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
        s
    }
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_stably() {
        assert_eq!(num(3.0), "3");
        // CSVs: full precision, reading back to the same f64.
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(num(2.0 / 3.0).parse::<f64>().unwrap(), 2.0 / 3.0);
        assert_eq!(num(1e-9), "0.000000001");
        assert_eq!(num(-1.25), "-1.25");
        assert_eq!(num(f64::NAN), "NA");
        assert_eq!(opt(None), "NA");
        let mut t = Table::new(&["a", "b"]);
        t.push(vec!["1".into(), "x,y".into()]);
        assert_eq!(t.to_csv(), "a,b\n1,\"x,y\"\n");
        assert!(t.to_markdown(&["b"]).contains("| x,y |"));
    }

    #[test]
    fn reports_show_three_significant_digits() {
        for (cell, shown) in [
            ("0.30000000000000004", "0.3"),
            ("0.6666666666666666", "0.667"),
            ("12.345678", "12.3"),
            ("-1.23456", "-1.23"),
            ("999.6", "1000"),
            ("123456.7", "123000"),
            ("0.012345", "0.0123"),
            ("0.0000123456", "1.23e-5"),
            ("0.00012", "1.2e-4"),
            ("4100000", "4100000"),
            ("-3", "-3"),
            ("NA", "NA"),
            ("original", "original"),
            ("", ""),
        ] {
            assert_eq!(sig3(cell), shown, "{cell}");
        }
        let mut t = Table::new(&["m"]);
        t.push(vec![num(2.0 / 3.0)]);
        assert_eq!(t.to_csv(), format!("m\n{}\n", 2.0f64 / 3.0));
        assert!(t.to_markdown(&[]).contains("| 0.667 |"));
        assert!(t.to_html(&[]).contains("<td>0.667</td>"));
    }
}
