//! The commands' arguments: AO ids are base64url, so one id in 64 starts with `-`, and such
//! an id must read as an id, not as an unknown flag (a spawned process' id once did not).

use aoxide_deploy::cli::{
    dry_run::DryRunArgs, result::ResultArgs, send::SendArgs, spawn::SpawnArgs,
};
use clap::{Args, Parser};

/// A command with `A`'s arguments, as cargo ao nests them.
#[derive(Parser)]
struct Command<A: Args> {
    #[command(flatten)]
    args: A,
}

fn parse<A: Args>(argv: &[&str]) -> A {
    match Command::<A>::try_parse_from(std::iter::once("cargo-ao").chain(argv.iter().copied())) {
        Ok(c) => c.args,
        Err(e) => panic!("{argv:?}: {e}"),
    }
}

const ID: &str = "-ea_sFrY1qSj6vFzNacMYIY39eU_q3kJYJquaZYjMqQ";

#[test]
fn ids_that_start_with_a_hyphen_are_ids() {
    let a: DryRunArgs = parse(&[ID, "Balance", "Target=x", "--from", ID, "--json"]);
    assert_eq!((a.process.as_str(), a.action.as_str()), (ID, "Balance"));
    assert_eq!(a.from.as_deref(), Some(ID));
    assert!(a.output.json, "a flag after the id is still a flag");

    let a: SendArgs = parse(&["--json", ID, "Transfer", "Quantity=1", "--wallet", "w.json"]);
    assert_eq!(a.process, ID);
    assert!(a.output.json, "a flag before the id is still a flag");

    let a: ResultArgs = parse(&[ID, "--process", ID]);
    assert_eq!((a.message.as_str(), a.process.as_str()), (ID, ID));

    let a: SpawnArgs = parse(&[
        "--module",
        ID,
        "--scheduler",
        ID,
        "--authority",
        ID,
        "-w",
        "w.json",
    ]);
    assert_eq!(a.module, ID);
    assert_eq!(a.scheduler, ID);
}
