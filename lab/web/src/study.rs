//! What a server serves: the experiment file with its level and conditions loaded once, the
//! recruitment key and the keyed hashes of recruitment ids, the agents' tokens, and the
//! numbering of web participants.
//!
//! Recruitment ids (Prolific `PROLIFIC_PID`, `STUDY_ID`, `SESSION_ID`; MTurk `workerId`,
//! `assignmentId`, `hitId`) are never written: only HMAC-SHA256 under a key that stays on the
//! server (`<data>/.web/recruitment.key`, created on first start), so the data cannot be linked
//! to a platform account without the key, and a researcher holding the key can still check one
//! id. One person, one session (unless the experiment's `[web]` allows more): a claim directory
//! per (hash, session number) under `<data>/.web/recruits/`, created atomically as the records
//! crate claims session folders (safe for several servers on one data root).

use crate::WebError;
use hmac::{Hmac, Mac};
use priors_catalog::{CatalogError, Loaded, load_condition, load_level};
use priors_core::{Condition, Level};
use priors_records::study::{Experiment, WebSettings, parse_experiment};
use priors_records::util::sha256_file;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Default connection-check threshold, ms (see [`WebSettings::max_latency_ms`]).
pub const DEFAULT_MAX_LATENCY_MS: f64 = 250.0;

/// Prefix of web participants' ids (`W1`, `W2`, ...): the number drives counterbalancing.
pub const WEB_PARTICIPANT_PREFIX: &str = "W";

/// An experiment file with its files loaded.
#[derive(Debug, Clone)]
pub struct Study {
    /// The parsed file.
    pub experiment: Experiment,
    /// Where it was read from.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The level.
    pub level: Loaded<Level>,
    /// Each condition named by the file; `None` for the built-in original.
    pub conditions: BTreeMap<String, Option<Loaded<Condition>>>,
    /// The `[web]` table (defaults when absent).
    pub web: WebSettings,
}

fn load_condition_or_builtin(name: &str) -> Result<Option<Loaded<Condition>>, CatalogError> {
    match load_condition(name) {
        Ok(c) => Ok(Some(c)),
        // The built-in original needs no file.
        Err(CatalogError::Unknown { .. }) if name == "original" => Ok(None),
        Err(e) => Err(e),
    }
}

impl Study {
    /// Reads the experiment file and loads its level and every condition (so a typo fails at
    /// start, not when the first participant arrives).
    pub fn load(path: &Path) -> Result<Study, WebError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| WebError::Setup(format!("reading {}: {e}", path.display())))?;
        let file = path.display().to_string();
        let experiment = parse_experiment(&text, &file)?;
        let level = load_level(&experiment.level)?;
        let mut conditions = BTreeMap::new();
        for c in &experiment.file.conditions {
            conditions.insert(c.clone(), load_condition_or_builtin(c)?);
        }
        Ok(Study {
            sha256: sha256_file(path)?,
            web: experiment.file.web.clone().unwrap_or_default(),
            experiment,
            file,
            level,
            conditions,
        })
    }

    /// The connection-check threshold, ms.
    pub fn max_latency_ms(&self) -> f64 {
        self.web.max_latency_ms.unwrap_or(DEFAULT_MAX_LATENCY_MS)
    }
}

/// The recruitment platform a browser came from, read from its URL's query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recruit {
    /// `prolific`, `mturk` or `direct` (no recruitment parameters).
    pub platform: &'static str,
    /// The person's id on the platform (PROLIFIC_PID, workerId).
    pub person: Option<String>,
    /// The study or HIT (STUDY_ID, hitId).
    pub study: Option<String>,
    /// The platform's session or assignment (SESSION_ID, assignmentId).
    pub session: Option<String>,
}

impl Recruit {
    /// Reads the platform parameters from a URL's query; unknown parameters are ignored.
    /// Values longer than 128 characters are refused (no platform issues such ids).
    pub fn from_query(q: &BTreeMap<String, String>) -> Result<Recruit, WebError> {
        let get = |k: &str| -> Result<Option<String>, WebError> {
            match q.get(k) {
                Some(v) if v.len() > 128 => Err(WebError::BadRequest(format!(
                    "query parameter {k} is longer than 128 characters"
                ))),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => Ok(Some(v.clone())),
                None => Ok(None),
            }
        };
        if let Some(person) = get("PROLIFIC_PID")? {
            return Ok(Recruit {
                platform: "prolific",
                person: Some(person),
                study: get("STUDY_ID")?,
                session: get("SESSION_ID")?,
            });
        }
        if let Some(person) = get("workerId")? {
            return Ok(Recruit {
                platform: "mturk",
                person: Some(person),
                study: get("hitId")?,
                session: get("assignmentId")?,
            });
        }
        if get("assignmentId")?.as_deref() == Some("ASSIGNMENT_ID_NOT_AVAILABLE") {
            return Err(WebError::BadRequest(
                "this is the MTurk preview: accept the HIT to play".into(),
            ));
        }
        Ok(Recruit {
            platform: "direct",
            person: None,
            study: None,
            session: None,
        })
    }
}

/// The server's secret for keyed hashes of recruitment ids.
#[derive(Clone)]
pub struct RecruitKey([u8; 32]);

impl std::fmt::Debug for RecruitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecruitKey(..)")
    }
}

impl RecruitKey {
    /// Reads `<data>/.web/recruitment.key`, creating it (32 bytes from the OS's random source,
    /// mode 0600) on first start.
    pub fn load_or_create(data: &Path) -> Result<RecruitKey, WebError> {
        let dir = data.join(".web");
        std::fs::create_dir_all(&dir)
            .map_err(|e| WebError::Setup(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join("recruitment.key");
        if let Ok(bytes) = std::fs::read(&path) {
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| WebError::Setup(format!("{} is not 32 bytes", path.display())))?;
            return Ok(RecruitKey(key));
        }
        let mut key = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut key))
            .map_err(|e| WebError::Setup(format!("reading /dev/urandom: {e}")))?;
        let tmp = priors_records::util::temp_name(&path);
        std::fs::write(&tmp, key)
            .map_err(|e| WebError::Setup(format!("writing {}: {e}", tmp.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
        }
        // hard_link fails if another server created the key meanwhile: then read theirs.
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(RecruitKey(key)),
            Err(_) => RecruitKey::load_or_create(data),
        }
    }

    /// HMAC-SHA256 of `what` and `value` under this key, lower-case hex.
    pub fn hash(&self, what: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size");
        mac.update(what.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Claims the next session of a recruited person: `<data>/.web/recruits/<hash>_<n>`, `n` from 1
/// up to `allowed`. `Ok(None)` when the person has played every session allowed.
pub fn claim_recruit(
    data: &Path,
    person_hash: &str,
    allowed: u32,
) -> Result<Option<(PathBuf, u32)>, WebError> {
    let dir = data.join(".web").join("recruits");
    std::fs::create_dir_all(&dir)
        .map_err(|e| WebError::Setup(format!("creating {}: {e}", dir.display())))?;
    for n in 1..=allowed.max(1) {
        let claim = dir.join(format!("{person_hash}_{n}"));
        match std::fs::create_dir(&claim) {
            Ok(()) => return Ok(Some((claim, n))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(WebError::Setup(format!(
                    "creating {}: {e}",
                    claim.display()
                )));
            }
        }
    }
    Ok(None)
}

/// The highest web participant number claimed under `data` (0 when none): the next server
/// starts above it.
pub fn last_participant_number(data: &Path) -> u32 {
    let mut last = 0;
    for dir in [data.to_path_buf(), data.join(".claims")] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(n) = name
                .strip_prefix(WEB_PARTICIPANT_PREFIX)
                .and_then(|r| r.split('_').next())
                .and_then(|d| d.parse::<u32>().ok())
            {
                last = last.max(n);
            }
        }
    }
    last
}

/// The agents' tokens: `token -> agent name`, read from a file of `name token` lines (`#`
/// starts a comment). Names are ids (letters, digits, `-`); tokens at least 16 characters.
pub fn read_tokens(path: &Path) -> Result<BTreeMap<String, String>, WebError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| WebError::Setup(format!("reading {}: {e}", path.display())))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| WebError::Setup(format!("{}:{}: {why}", path.display(), i + 1));
        let mut parts = line.split_whitespace();
        let (Some(name), Some(token), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected `name token`"));
        };
        priors_records::sink::check_id("agent name", name).map_err(|e| bad(&e.to_string()))?;
        if token.len() < 16 {
            return Err(bad("tokens must be at least 16 characters"));
        }
        if out.insert(token.to_string(), name.to_string()).is_some() {
            return Err(bad("the same token twice"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn recruitment_parameters_are_read_per_platform() {
        let p = Recruit::from_query(&q(&[("PROLIFIC_PID", "abc"), ("STUDY_ID", "s")])).unwrap();
        assert_eq!((p.platform, p.person.as_deref()), ("prolific", Some("abc")));
        let m = Recruit::from_query(&q(&[("workerId", "W9"), ("hitId", "h")])).unwrap();
        assert_eq!((m.platform, m.study.as_deref()), ("mturk", Some("h")));
        assert_eq!(Recruit::from_query(&q(&[])).unwrap().platform, "direct");
        assert!(
            Recruit::from_query(&q(&[("assignmentId", "ASSIGNMENT_ID_NOT_AVAILABLE")])).is_err()
        );
        assert!(Recruit::from_query(&q(&[("PROLIFIC_PID", &"x".repeat(200))])).is_err());
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_one_person_gets_one_session() {
        let d = std::env::temp_dir().join(format!("priors-web-study-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let k1 = RecruitKey::load_or_create(&d).unwrap();
        let again = RecruitKey::load_or_create(&d).unwrap();
        assert_eq!(
            k1.hash("pid", "abc"),
            again.hash("pid", "abc"),
            "the key persists"
        );
        assert_ne!(k1.hash("pid", "abc"), k1.hash("pid", "abd"));
        assert_eq!(k1.hash("pid", "abc").len(), 64);
        let other = RecruitKey([7; 32]);
        assert_ne!(k1.hash("pid", "abc"), other.hash("pid", "abc"));
        let h = k1.hash("pid", "abc");
        assert!(claim_recruit(&d, &h, 1).unwrap().is_some());
        assert!(
            claim_recruit(&d, &h, 1).unwrap().is_none(),
            "a second session is refused"
        );
        assert_eq!(claim_recruit(&d, &h, 2).unwrap().unwrap().1, 2);
        std::fs::create_dir_all(d.join("W12_1_1_x")).unwrap();
        assert_eq!(last_participant_number(&d), 12);
        let _ = std::fs::remove_dir_all(&d);
    }
}
