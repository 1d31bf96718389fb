//! What the command prints: steps, warnings and errors on stderr, coloured only on a
//! terminal (and never with `NO_COLOR`), spinners on long steps when someone is watching.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

fn colour() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    })
}

fn paint(code: &str, text: &str) -> String {
    if colour() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Bold text (for names the user types).
pub(crate) fn bold(text: &str) -> String {
    paint("1", text)
}

/// One step starting: `   Building my-app (release)`.
pub(crate) fn step(verb: &str, what: &str) {
    eprintln!("{:>12} {what}", paint("1;32", verb));
}

/// Something the user should know but that does not stop the command.
pub(crate) fn warn(text: &str) {
    eprintln!("{} {text}", paint("1;33", "warning:"));
}

/// The error that stopped the command, and what to do next.
pub(crate) fn error(text: &str, next: Option<&str>) {
    eprintln!("{} {text}", paint("1;31", "error:"));
    if let Some(next) = next {
        eprintln!("{} {next}", paint("1;36", "   next:"));
    }
}

/// A long step: a spinner on a terminal, one line otherwise; `finish` says how long it took.
pub(crate) struct Long {
    bar: Option<ProgressBar>,
    verb: String,
    what: String,
    started: Instant,
}

impl Long {
    pub(crate) fn start(verb: &str, what: &str) -> Long {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner:.green} {prefix:.bold} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(verb.to_owned());
            bar.set_message(what.to_owned());
            bar.enable_steady_tick(Duration::from_millis(100));
            Some(bar)
        } else {
            step(verb, what);
            None
        };
        Long {
            bar,
            verb: verb.to_owned(),
            what: what.to_owned(),
            started: Instant::now(),
        }
    }

    /// Print a line above the spinner (a compiler message, say).
    pub(crate) fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Show what the step is doing now (a crate being compiled, say).
    pub(crate) fn detail(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}: {text}", self.what));
        }
    }

    pub(crate) fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            step(
                &self.verb,
                &format!(
                    "{} in {:.1}s",
                    self.what,
                    self.started.elapsed().as_secs_f64()
                ),
            );
        }
    }

    pub(crate) fn abandon(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
