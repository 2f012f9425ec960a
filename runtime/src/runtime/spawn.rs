//! Which message is the spawn, and the spawn as the env describes it for a process whose
//! host never delivered it.

use crate::message::{Env, Message};
use crate::trust::ProcessInfo;

/// The spawn message as the env describes it (`env.Process`: id, owner, the spawn's tags),
/// for a process whose host never delivered the spawn itself. Without an env (a later
/// call, after an `init` that failed) it has the identity and no tags. Time and height are
/// the current message's.
pub(super) fn spawn_from_env(info: &ProcessInfo, env: Option<&Env>, msg: &Message) -> Message {
    Message {
        id: Some(info.id.clone()),
        owner: info.owner.clone(),
        from: info.owner.clone(),
        tags: env.map(|e| e.process.tags.clone()).unwrap_or_default(),
        timestamp: msg.timestamp,
        block_height: msg.block_height,
        module: info.module.clone(),
        ..Message::default()
    }
}

/// True when `msg` is the spawn of the process: its id is the process id (AO gives the
/// spawn message the process' id). Tags are not looked at: anyone can send `Type=Process`.
pub(super) fn is_spawn(msg: &Message, info: &ProcessInfo) -> bool {
    !info.id.is_empty() && msg.id.as_deref() == Some(info.id.as_str())
}
