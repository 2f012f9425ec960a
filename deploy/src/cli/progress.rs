//! What a command is doing, for a person watching: an indicatif spinner on stderr naming
//! the step (signing, uploading, waiting for the CU), shown only on a terminal and never
//! with `--json`. Tests record the steps instead.

use std::cell::RefCell;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Where a command reports its steps.
#[derive(Debug, Default)]
pub struct Progress {
    bar: Option<ProgressBar>,
    record: Option<RefCell<Vec<String>>>,
}

impl Progress {
    /// A spinner on stderr when `show` is true and stderr is a terminal; else nothing.
    pub fn new(show: bool) -> Progress {
        use std::io::IsTerminal;
        if !show || !std::io::stderr().is_terminal() {
            return Progress::default();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar: Some(bar),
            record: None,
        }
    }

    /// No display; every step is kept for [`Progress::steps`].
    pub fn recording() -> Progress {
        Progress {
            bar: None,
            record: Some(RefCell::new(Vec::new())),
        }
    }

    /// The command starts `what` (it replaces the previous step).
    pub fn step(&self, what: impl Into<String>) {
        let what = what.into();
        if let Some(bar) = &self.bar {
            bar.set_message(what.clone());
        }
        if let Some(record) = &self.record {
            record.borrow_mut().push(what);
        }
    }

    /// The steps so far (a [`Progress::recording`] one; empty otherwise).
    pub fn steps(&self) -> Vec<String> {
        self.record
            .as_ref()
            .map(|r| r.borrow().clone())
            .unwrap_or_default()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
