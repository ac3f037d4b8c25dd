//! The experimenter's start dialog (issue 17 item 1), without Bevy: a form of four fields
//! (participant id, session, experiment file, pilot) edited by keys, and the check that turns it
//! into the `session` command line. The check is [`crate::cli::prepare`] itself, the very one
//! `priors session` runs before its window opens, so the dialog refuses exactly what the command
//! would (a wrong id, an unreadable or invalid experiment file, a participant without a number
//! to assign a condition by, data that already exists for the participant and session) and says
//! why in the dialog; nothing is claimed or written until the session itself starts.

use crate::cli::{SessionArgs, prepare};
use clap::Parser;
use std::path::PathBuf;

/// `start`: the dialog's defaults and the session options it passes on.
#[derive(clap::Args, Debug, Clone)]
pub struct StartArgs {
    /// Data root (the session's `--out`).
    #[arg(long, default_value = "lab-data")]
    pub out: PathBuf,
    /// Experiment file filled in (editable in the dialog).
    #[arg(long)]
    pub experiment: Option<PathBuf>,
    /// Participant id filled in (editable).
    #[arg(long)]
    pub participant: Option<String>,
    /// Session id filled in (editable).
    #[arg(long, default_value = "1")]
    pub session: String,
    /// Pilot ticked (editable).
    #[arg(long)]
    pub pilot: bool,
    /// Further `session` options after `--`, passed on unchanged (e.g. `-- --fullscreen
    /// --monitor 1`, or `-- --level princess --condition original` without an experiment file).
    #[arg(last = true)]
    pub session_args: Vec<String>,
}

/// The fields, in order.
const FIELDS: [&str; 4] = ["Participant id", "Session", "Experiment file", "Pilot"];
const PILOT: usize = 3;

/// A key as the form reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKey {
    /// Tab, Down: the next field.
    Next,
    /// Shift+Tab, Up: the previous field.
    Prev,
    /// Deletes the last character of the field.
    Backspace,
    /// Start the session (if the check passes).
    Enter,
    /// Quit without a session.
    Escape,
    /// Typed text (control characters are dropped).
    Text(String),
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    /// Keep editing.
    Editing,
    /// Checked: run `session` with these arguments (the subcommand's name first).
    Start(Vec<String>),
    /// The experimenter quit.
    Cancel,
}

/// The dialog's state.
#[derive(Debug, Clone)]
pub struct StartForm {
    text: [String; 3],
    pilot: bool,
    focus: usize,
    out: PathBuf,
    passthrough: Vec<String>,
    /// Why the last Enter was refused.
    error: Option<String>,
}

/// `session`'s arguments parsed alone, as the `session` subcommand parses them.
#[derive(Parser, Debug)]
#[command(name = "session")]
struct SessionOnly {
    #[command(flatten)]
    args: SessionArgs,
}

impl StartForm {
    /// The form filled in from the command line.
    pub fn new(a: &StartArgs) -> StartForm {
        StartForm {
            text: [
                a.participant.clone().unwrap_or_default(),
                a.session.clone(),
                a.experiment
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ],
            pilot: a.pilot,
            focus: 0,
            out: a.out.clone(),
            passthrough: a.session_args.clone(),
            error: None,
        }
    }

    /// The focused field's index (0 participant, 1 session, 2 experiment file, 3 pilot).
    pub fn focus(&self) -> usize {
        self.focus
    }

    /// Why the last start was refused, if it was.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Applies one key.
    pub fn key(&mut self, key: FormKey) -> FormOutcome {
        match key {
            FormKey::Next => self.focus = (self.focus + 1) % FIELDS.len(),
            FormKey::Prev => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            FormKey::Backspace if self.focus < PILOT => {
                self.text[self.focus].pop();
            }
            FormKey::Backspace => {}
            FormKey::Escape => return FormOutcome::Cancel,
            FormKey::Enter => match self.check() {
                Ok(args) => {
                    self.error = None;
                    return FormOutcome::Start(args);
                }
                Err(e) => self.error = Some(e),
            },
            FormKey::Text(t) if self.focus == PILOT => {
                for c in t.chars() {
                    match c.to_ascii_lowercase() {
                        ' ' => self.pilot = !self.pilot,
                        'y' => self.pilot = true,
                        'n' => self.pilot = false,
                        _ => {}
                    }
                }
            }
            FormKey::Text(t) => self.text[self.focus].extend(t.chars().filter(|c| !c.is_control())),
        }
        FormOutcome::Editing
    }

    /// The `session` command line the form stands for (not yet checked).
    pub fn args(&self) -> Vec<String> {
        let mut v: Vec<String> = vec![
            "session".into(),
            "--participant".into(),
            self.text[0].trim().into(),
            "--session".into(),
            self.text[1].trim().into(),
            "--out".into(),
            self.out.display().to_string(),
        ];
        let experiment = self.text[2].trim();
        if !experiment.is_empty() {
            v.extend(["--experiment".into(), experiment.into()]);
        }
        if self.pilot {
            v.push("--pilot".into());
        }
        v.extend(self.passthrough.iter().cloned());
        v
    }

    /// Checks the form as `session` would before its window: `Ok` with the command line, or
    /// the refusal in words.
    pub fn check(&self) -> Result<Vec<String>, String> {
        for (i, name) in FIELDS.iter().enumerate().take(2) {
            if self.text[i].trim().is_empty() {
                return Err(format!("{name}: required"));
            }
        }
        let args = self.args();
        let parsed = SessionOnly::try_parse_from(&args).map_err(|e| {
            // clap's own text, first line only (the rest is usage help for a terminal).
            e.to_string().lines().next().unwrap_or("").to_string()
        })?;
        prepare(&parsed.args).map_err(|e| format!("{e:#}"))?;
        Ok(args)
    }

    /// The dialog's text, one line per field, the focused one marked.
    pub fn render(&self) -> String {
        let mut s = String::from("Priors: start a lab session\n\n");
        for (i, name) in FIELDS.iter().enumerate() {
            let mark = if i == self.focus { ">" } else { " " };
            let value = if i == PILOT {
                format!("[{}]  (Space, Y or N)", if self.pilot { "x" } else { " " })
            } else if i == self.focus {
                format!("{}_", self.text[i])
            } else {
                self.text[i].clone()
            };
            s.push_str(&format!("{mark} {name:<16} {value}\n"));
        }
        s.push_str(&format!(
            "\nData root: {}\nTab / Up / Down: field   Enter: start   Escape: quit\n",
            self.out.display()
        ));
        if let Some(e) = &self.error {
            s.push_str(&format!("\nCannot start: {e}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("priors-start-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn form(out: &std::path::Path, extra: &[&str]) -> StartForm {
        StartForm::new(&StartArgs {
            out: out.to_path_buf(),
            experiment: None,
            participant: None,
            session: "1".into(),
            pilot: false,
            session_args: extra.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn type_in(f: &mut StartForm, s: &str) {
        assert_eq!(f.key(FormKey::Text(s.into())), FormOutcome::Editing);
    }

    #[test]
    fn keys_edit_the_focused_field_and_move_between_fields() {
        let out = scratch("keys");
        let mut f = form(&out, &[]);
        type_in(&mut f, "P0\t17x");
        f.key(FormKey::Backspace);
        assert_eq!(
            f.args()[2],
            "P017",
            "control characters dropped, backspace deletes"
        );
        f.key(FormKey::Prev);
        assert_eq!(
            f.focus(),
            PILOT,
            "Prev from the first field wraps to the last"
        );
        type_in(&mut f, " ");
        f.key(FormKey::Next);
        f.key(FormKey::Next);
        type_in(&mut f, "2");
        let args = f.args();
        assert_eq!(args[4], "12", "typed after the default session id");
        assert!(
            args.contains(&"--pilot".to_string()),
            "Space ticks pilot: {args:?}"
        );
        f.key(FormKey::Next);
        f.key(FormKey::Next);
        type_in(&mut f, "n");
        assert!(
            !f.args().contains(&"--pilot".to_string()),
            "N unticks pilot"
        );
        assert_eq!(f.key(FormKey::Escape), FormOutcome::Cancel);
    }

    #[test]
    fn enter_refuses_what_session_would_refuse_and_says_why() {
        let out = scratch("refuse");
        let mut f = form(&out, &["--level", "princess"]);
        assert_eq!(f.key(FormKey::Enter), FormOutcome::Editing);
        assert_eq!(f.error(), Some("Participant id: required"));
        type_in(&mut f, "P 17");
        assert_eq!(f.key(FormKey::Enter), FormOutcome::Editing);
        let e = f.error().unwrap().to_string();
        assert!(e.contains("participant"), "a wrong id is refused: {e}");
        assert!(f.render().contains("Cannot start: "), "{}", f.render());
        // An experiment file that does not exist is named.
        f.key(FormKey::Backspace);
        f.key(FormKey::Backspace);
        f.key(FormKey::Backspace);
        type_in(&mut f, "17");
        f.key(FormKey::Next);
        f.key(FormKey::Next);
        type_in(&mut f, "/nonexistent/exp.toml");
        assert_eq!(f.key(FormKey::Enter), FormOutcome::Editing);
        assert!(
            f.error().unwrap().contains("/nonexistent/exp.toml"),
            "{:?}",
            f.error()
        );
        // Existing data for the participant and session is refused before any window.
        std::fs::create_dir_all(out.join("P17_1_1_0000")).unwrap();
        for _ in 0.."/nonexistent/exp.toml".len() {
            f.key(FormKey::Backspace);
        }
        assert_eq!(f.key(FormKey::Enter), FormOutcome::Editing);
        assert!(
            f.error().unwrap().contains("exist"),
            "existing data refused: {:?}",
            f.error()
        );
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            1,
            "the check claims nothing"
        );
    }

    #[test]
    fn enter_gives_the_session_command_line_once_it_checks() {
        let out = scratch("ok");
        let mut f = form(
            &out,
            &["--level", "princess", "--condition", "masked-semantics"],
        );
        type_in(&mut f, "P018");
        let FormOutcome::Start(args) = f.key(FormKey::Enter) else {
            panic!("refused: {:?}", f.error());
        };
        assert_eq!(
            args,
            [
                "session",
                "--participant",
                "P018",
                "--session",
                "1",
                "--out",
                &out.display().to_string(),
                "--level",
                "princess",
                "--condition",
                "masked-semantics"
            ]
        );
        assert!(f.error().is_none());
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            0,
            "nothing written before the session runs"
        );
    }
}
