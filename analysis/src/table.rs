//! A plain table of strings with the platform's CSV conventions (snake_case columns, `NA` for
//! missing values, `.` decimals, `true`/`false`), written as CSV and shown as Markdown or HTML.
//! Numbers are formatted once, here, so every output of a report agrees digit for digit.

use crate::error::AnalysisError;
use std::path::Path;

/// The missing-value token of every CSV the platform writes.
pub const NA: &str = "NA";

/// Formats a number: integers without decimals, others with up to 6 decimals (trailing zeros
/// trimmed); non-finite values as `NA`.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return NA.into();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
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

    /// A GitHub-flavoured Markdown table of the chosen columns (all when `cols` is empty).
    pub fn to_markdown(&self, cols: &[&str]) -> String {
        let idx: Vec<usize> = if cols.is_empty() {
            (0..self.columns.len()).collect()
        } else {
            cols.iter()
                .filter_map(|c| self.columns.iter().position(|x| x == c))
                .collect()
        };
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
                    .map(|&i| r[i].replace('|', "\\|"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
        s
    }

    /// An HTML table of the chosen columns (all when `cols` is empty).
    pub fn to_html(&self, cols: &[&str]) -> String {
        let idx: Vec<usize> = if cols.is_empty() {
            (0..self.columns.len()).collect()
        } else {
            cols.iter()
                .filter_map(|c| self.columns.iter().position(|x| x == c))
                .collect()
        };
        let mut s = String::from("<table>\n<tr>");
        for &i in &idx {
            s.push_str(&format!("<th>{}</th>", html_escape(&self.columns[i])));
        }
        s.push_str("</tr>\n");
        for r in &self.rows {
            s.push_str("<tr>");
            for &i in &idx {
                s.push_str(&format!("<td>{}</td>", html_escape(&r[i])));
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
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(-1.25), "-1.25");
        assert_eq!(num(f64::NAN), "NA");
        assert_eq!(num(-0.0000001), "0");
        assert_eq!(opt(None), "NA");
        let mut t = Table::new(&["a", "b"]);
        t.push(vec!["1".into(), "x,y".into()]);
        assert_eq!(t.to_csv(), "a,b\n1,\"x,y\"\n");
        assert!(t.to_markdown(&["b"]).contains("| x,y |"));
    }
}
