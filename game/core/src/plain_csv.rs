//! The core's CSVs (actions traces, reference trajectories) read with the csv crate, line by
//! line, so their parsers can name the line and column of every error.
//!
//! These formats never quote a field: a quote is an ordinary character (so a quoted value fails
//! as a bad value), only `\n` ends a record and the `\r`s before it are dropped, as
//! [`str::lines`] would split the text. The header is the text's first line even when that line
//! is blank. Text in, records out: no IO.

use csv::{ReaderBuilder, StringRecord, StringRecordsIntoIter, Terminator};

/// One line of a plain CSV.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// 1-based line number in the text.
    pub number: usize,
    /// The fields as the csv crate split them.
    record: StringRecord,
}

impl Line {
    /// The fields, the last without the `\r`s that ended its line.
    pub fn fields(&self) -> Vec<&str> {
        let mut fields: Vec<&str> = self.record.iter().collect();
        if let Some(last) = fields.last_mut() {
            *last = last.trim_end_matches('\r');
        }
        fields
    }
}

/// The lines of a plain CSV after its header; blank lines (nothing but `\r`s) are left out.
pub(crate) struct PlainCsv<'a> {
    /// The csv crate's records.
    records: StringRecordsIntoIter<&'a [u8]>,
    /// The text, to count the blank lines the csv crate skips.
    bytes: &'a [u8],
    /// A line read while looking for the header, not yet given out.
    pending: Option<Line>,
}

/// A record the csv crate could not read (not UTF-8; never the case for text from a `&str`).
#[derive(Debug, Clone)]
pub(crate) struct Unreadable {
    /// 1-based line.
    pub line: usize,
    /// What the csv crate said.
    pub message: String,
}

impl<'a> PlainCsv<'a> {
    /// Reads `text`; returns its header line (`None` when the text is empty; no fields but one
    /// empty one when the first line is blank) and the lines after it.
    pub fn read(text: &'a str) -> Result<(Option<Line>, PlainCsv<'a>), Unreadable> {
        let records = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .quoting(false)
            .terminator(Terminator::Any(b'\n'))
            .from_reader(text.as_bytes())
            .into_records();
        let mut csv = PlainCsv {
            records,
            bytes: text.as_bytes(),
            pending: None,
        };
        if text.is_empty() {
            return Ok((None, csv));
        }
        // The csv crate skips blank lines: a first record after line 1 means a blank header.
        let header = match csv.next().transpose()? {
            Some(first) if first.number == 1 => first,
            first => {
                csv.pending = first;
                Line {
                    number: 1,
                    record: StringRecord::from(vec![""]),
                }
            }
        };
        Ok((Some(header), csv))
    }

    /// The 1-based line a record starts on. The csv crate gives the position where it began to
    /// read, before the empty lines it skipped: those are counted here.
    fn line_number(&self, at: Option<&csv::Position>) -> usize {
        let Some(at) = at else {
            return 0;
        };
        let skipped = self
            .bytes
            .get(at.byte() as usize..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\n')
            .count();
        at.line() as usize + skipped
    }
}

impl Iterator for PlainCsv<'_> {
    type Item = Result<Line, Unreadable>;

    /// The next line that is not blank.
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(line) = self.pending.take() {
            return Some(Ok(line));
        }
        loop {
            let line = match self.records.next()? {
                Ok(record) => Line {
                    number: self.line_number(record.position()),
                    record,
                },
                Err(e) => {
                    return Some(Err(Unreadable {
                        line: e.position().map_or(0, |p| p.line() as usize),
                        message: e.to_string(),
                    }));
                }
            };
            if line.fields() != [""] {
                return Some(Ok(line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line's number and fields.
    type Numbered = (usize, Vec<String>);

    /// The header's fields and every line after it.
    fn lines(text: &str) -> (Option<Vec<String>>, Vec<Numbered>) {
        let (header, rest) = PlainCsv::read(text).unwrap();
        let owned = |l: &Line| l.fields().iter().map(|f| f.to_string()).collect::<Vec<_>>();
        (
            header.as_ref().map(owned),
            rest.map(|l| {
                let l = l.unwrap();
                (l.number, owned(&l))
            })
            .collect(),
        )
    }

    /// Lines, fields and line numbers are those of `str::lines` and a split on commas.
    #[test]
    fn splits_as_lines_would_with_plain_fields() {
        assert_eq!(lines(""), (None, vec![]));
        assert_eq!(lines("\n").0, Some(vec!["".to_string()]));
        let (h, rest) = lines("\na,b\n");
        assert_eq!(h, Some(vec!["".to_string()]));
        assert_eq!(rest, vec![(2, vec!["a".into(), "b".into()])]);
        let (h, rest) = lines("t,a\r\n0,\"x,y\"\r\n\n\r\n1,a\rb\n2,z\r\r");
        assert_eq!(h, Some(vec!["t".to_string(), "a".to_string()]));
        assert_eq!(
            rest,
            vec![
                (2, vec!["0".into(), "\"x".into(), "y\"".into()]),
                (5, vec!["1".into(), "a\rb".into()]),
                (6, vec!["2".into(), "z".into()]),
            ]
        );
    }
}
