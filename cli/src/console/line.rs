//! One console line, parsed: a dot command or a message in the short syntax
//! (`Transfer Recipient=$bob Quantity=5 --data "hello"`).

/// Why a line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// A `"` without its closing partner.
    #[error("unclosed quote")]
    UnclosedQuote,
    /// A word that should be `Key=Value`.
    #[error("`{0}` is not a tag: write Key=Value")]
    NotATag(String),
    /// `--data` at the end of the line.
    #[error("--data needs a value")]
    MissingData,
    /// A dot command this console does not know.
    #[error("unknown command .{0} (try .help)")]
    UnknownCommand(String),
    /// A dot command with the wrong arguments.
    #[error("usage: {0}")]
    Usage(&'static str),
}

/// A message to send or dry-run: an action, tags, data, and an optional target name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageSpec {
    /// The process name it goes to (`@name` before the action); `None` for the current one.
    pub target: Option<String>,
    /// The `Action` tag.
    pub action: String,
    /// Further tags in order.
    pub tags: Vec<(String, String)>,
    /// The data.
    pub data: Option<String>,
}

/// A console line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Nothing (blank or a `#` comment).
    Empty,
    /// Send a message and run the network until idle.
    Send(MessageSpec),
    /// `.dry ACTION ...`: a dry-run of the message.
    Dry(MessageSpec),
    /// `.spawn NAME MODULE [K=V ...]`.
    Spawn {
        /// The name the session knows it by.
        name: String,
        /// A `.wasm` path or a crate of the workspace.
        module: String,
        /// Spawn tags.
        tags: Vec<(String, String)>,
    },
    /// `.use NAME`: the process messages go to.
    Use(String),
    /// `.ps`: the processes of the session.
    Processes,
    /// `.state [NAME]`.
    State(Option<String>),
    /// `.inbox [NAME]`.
    Inbox(Option<String>),
    /// `.tick MS`: move the clock (cron).
    Tick(u64),
    /// `.load FILE.lua`.
    Load(String),
    /// `.help`.
    Help,
    /// `.exit` / `.quit`.
    Exit,
}

/// Splits a line into words; `"..."` groups (with `\"` and `\\` escapes), also inside a
/// word (`Note="two words"`).
pub fn words(line: &str) -> Result<Vec<String>, LineError> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err(LineError::UnclosedQuote),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e) => word.push(e),
                            None => return Err(LineError::UnclosedQuote),
                        },
                        Some(c) => word.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

/// Parses `K=V` words.
pub fn tags(words: &[String]) -> Result<Vec<(String, String)>, LineError> {
    words
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ => Err(LineError::NotATag(w.clone())),
        })
        .collect()
}

fn message(words: &[String]) -> Result<MessageSpec, LineError> {
    let mut spec = MessageSpec::default();
    let mut rest = words;
    if let Some(target) = rest.first().and_then(|w| w.strip_prefix('@')) {
        spec.target = Some(target.to_owned());
        rest = &rest[1..];
    }
    let Some((action, rest)) = rest.split_first() else {
        return Err(LineError::Usage(
            "[@process] Action [Key=Value ...] [--data TEXT]",
        ));
    };
    spec.action = action.clone();
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == "--data" {
            spec.data = Some(rest.get(i + 1).ok_or(LineError::MissingData)?.clone());
            i += 2;
        } else {
            spec.tags.extend(tags(std::slice::from_ref(&rest[i]))?);
            i += 1;
        }
    }
    Ok(spec)
}

/// Parses one console line.
pub fn parse(line: &str) -> Result<Line, LineError> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(Line::Empty);
    }
    let words = words(trimmed)?;
    let Some(command) = words[0].strip_prefix('.') else {
        return Ok(Line::Send(message(&words)?));
    };
    let args = &words[1..];
    let one = |usage| match args {
        [] => Ok(None),
        [name] => Ok(Some(name.clone())),
        _ => Err(LineError::Usage(usage)),
    };
    Ok(match command {
        "spawn" => match args {
            [name, module, rest @ ..] => Line::Spawn {
                name: name.clone(),
                module: module.clone(),
                tags: tags(rest)?,
            },
            _ => {
                return Err(LineError::Usage(
                    ".spawn NAME MODULE.wasm|CRATE [Key=Value ...]",
                ))
            }
        },
        "dry" => Line::Dry(message(args)?),
        "use" => match args {
            [name] => Line::Use(name.clone()),
            _ => return Err(LineError::Usage(".use NAME")),
        },
        "ps" => Line::Processes,
        "state" => Line::State(one(".state [NAME]")?),
        "inbox" => Line::Inbox(one(".inbox [NAME]")?),
        "tick" => match args {
            [ms] => Line::Tick(
                ms.parse()
                    .map_err(|_| LineError::Usage(".tick MILLISECONDS"))?,
            ),
            _ => return Err(LineError::Usage(".tick MILLISECONDS")),
        },
        "load" => match args {
            [file] => Line::Load(file.clone()),
            _ => return Err(LineError::Usage(".load FILE.lua")),
        },
        "help" => Line::Help,
        "exit" | "quit" => Line::Exit,
        other => return Err(LineError::UnknownCommand(other.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn words_group_quotes_inside_and_between() {
        assert_eq!(
            words(r#"Say Note="two words" --data "a \"b\"""#).unwrap(),
            s(&["Say", "Note=two words", "--data", "a \"b\""])
        );
        assert_eq!(words(r#"Say "x"#), Err(LineError::UnclosedQuote));
        assert_eq!(words("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn messages_have_target_action_tags_and_data() {
        let line = parse("@token Transfer Recipient=$bob Quantity=5 --data hi").unwrap();
        assert_eq!(
            line,
            Line::Send(MessageSpec {
                target: Some("token".into()),
                action: "Transfer".into(),
                tags: vec![
                    ("Recipient".into(), "$bob".into()),
                    ("Quantity".into(), "5".into())
                ],
                data: Some("hi".into()),
            })
        );
        assert_eq!(parse("Get oops"), Err(LineError::NotATag("oops".into())));
        assert_eq!(parse("Get --data"), Err(LineError::MissingData));
    }

    #[test]
    fn dot_commands() {
        assert_eq!(
            parse(".spawn t token.wasm Name=T").unwrap(),
            Line::Spawn {
                name: "t".into(),
                module: "token.wasm".into(),
                tags: vec![("Name".into(), "T".into())]
            }
        );
        assert_eq!(parse(".state").unwrap(), Line::State(None));
        assert_eq!(parse(".tick 1000").unwrap(), Line::Tick(1000));
        assert_eq!(parse("# note").unwrap(), Line::Empty);
        assert_eq!(
            parse(".frob"),
            Err(LineError::UnknownCommand("frob".into()))
        );
        assert!(matches!(parse(".spawn x"), Err(LineError::Usage(_))));
    }
}
