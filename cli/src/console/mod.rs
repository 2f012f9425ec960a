//! `cargo ao console` and `cargo ao run`: an aos-like console over an in-memory AO network
//! whose processes run built modules (the `wasm` backend of `aoxide-host`, driven as
//! ao-loader drives a module; a module with the Lua layer, whose wasm exception handling
//! that engine does not run, under the real ao-loader in a node child: aoxide-host's
//! `loader` backend).
//!
//! Lines are messages in a short syntax (`Transfer Recipient=$bob Quantity=5`) or dot
//! commands (`.spawn`, `.dry`, `.state`, `.inbox`, `.ps`, `.use`, `.tick`, `.load`); see
//! [`session::HELP`]. Everything is deterministic for a given `--seed`: a script
//! ([`run_script`]) always prints the same transcript.

pub mod line;
pub mod session;

pub use line::{parse, Line, LineError, MessageSpec};
pub use session::{Control, Resolver, Session};

/// One line of a script run: the prompt it was read at, the line, what it printed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// The prompt (`ao> `, `name> `).
    pub prompt: String,
    /// The line as written.
    pub input: String,
    /// What it printed.
    pub output: String,
}

/// Runs every line of `script` in `session` (until `.exit`) and returns one [`Entry`] per
/// line.
pub fn run_script_entries(session: &mut Session, script: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for raw in script.lines() {
        let prompt = session.prompt();
        let mut output = String::new();
        let control = execute_text(session, raw, &mut output);
        entries.push(Entry {
            prompt,
            input: raw.to_owned(),
            output,
        });
        if control == Control::Exit {
            break;
        }
    }
    entries
}

/// Runs every line of `script` in `session` and returns the transcript: each line echoed
/// after the prompt, then what it printed.
pub fn run_script(session: &mut Session, script: &str) -> String {
    let mut out = String::new();
    for e in run_script_entries(session, script) {
        out.push_str(&e.prompt);
        out.push_str(&e.input);
        out.push('\n');
        out.push_str(&e.output);
    }
    out
}

/// Parses and runs one line, appending the output (or the parse error) to `out`.
pub fn execute_text(session: &mut Session, raw: &str, out: &mut String) -> Control {
    match parse(raw) {
        Ok(line) => session.execute(&line, out),
        Err(e) => {
            out.push_str(&format!("error: {e}\n"));
            Control::Continue
        }
    }
}

/// The interactive loop: line editing and history (rustyline), until `.exit` or end of
/// input. History is kept in `history` when given.
pub fn interactive(session: &mut Session, history: Option<&std::path::Path>) -> Result<(), String> {
    use rustyline::error::ReadlineError;
    let mut editor = rustyline::DefaultEditor::new().map_err(|e| e.to_string())?;
    if let Some(h) = history {
        let _ = editor.load_history(h);
    }
    println!("aoxide console: .help for commands, .exit to leave");
    loop {
        match editor.readline(&session.prompt()) {
            Ok(raw) => {
                if !raw.trim().is_empty() {
                    let _ = editor.add_history_entry(raw.as_str());
                }
                let mut out = String::new();
                let control = execute_text(session, &raw, &mut out);
                print!("{out}");
                if control == Control::Exit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    if let Some(h) = history {
        let _ = editor.save_history(h);
    }
    Ok(())
}
