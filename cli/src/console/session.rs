//! A console session: an in-memory AO network ([`aoxide_host::Net`]) with named processes
//! running built modules (on the wasm backend, or under ao-loader for modules with the Lua
//! layer), driven one [`Line`] at a time, printing what happened.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use aoxide::{Env, Message, Outcome, Tags};
use aoxide_host::wasm::WasmModule;
use aoxide_host::{
    Backend, Delivery, ModuleId, Msg, Net, NetConfig, ProcessId, SpawnOptions, Wallet,
};

use super::line::{Line, MessageSpec};

/// Finds the `.wasm` for a `.spawn` argument (a path, or a crate to build), or, for a
/// session with [`Session::set_native`], the native runner of a crate.
pub type Resolver = Box<dyn FnMut(&str) -> Result<PathBuf, String>>;

/// Whether the session goes on after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Read the next line.
    Continue,
    /// `.exit`.
    Exit,
}

/// Tags every message carries that the transcript leaves out.
const PROTOCOL_TAGS: &[&str] = &[
    "Data-Protocol",
    "Variant",
    "Type",
    "Reference",
    "From-Process",
    "From-Module",
    "Pushed-For",
    "Action",
];

/// Text of `.help`.
pub const HELP: &str = "\
  Action [Key=Value ...] [--data TEXT]   send to the current process, run until idle
  @name Action ...                       send to another process of the session
  .spawn NAME MODULE [Key=Value ...]     spawn MODULE (a .wasm file or a crate) as NAME
  .use NAME                              messages go to NAME from now on
  .dry Action [Key=Value ...]            dry-run from you (nothing persists)
  .state [NAME]   .inbox [NAME]   .ps    inspect
  .tick MS                               move the clock (cron messages)
  .load FILE.lua                         load Lua into a process with the Lua layer
  .exit
  Values: $NAME is the id of process NAME, $you your wallet; \"quote values with spaces\".";

/// One console session.
pub struct Session {
    net: Net,
    you: Wallet,
    resolve: Resolver,
    native: Option<Resolver>,
    modules: BTreeMap<PathBuf, ModuleId>,
    labels: BTreeSet<String>,
    processes: Vec<(String, ProcessId)>,
    current: Option<usize>,
    seen: usize,
}

impl Session {
    /// A session on a network seeded with `seed` (ids and time are a function of it).
    pub fn new(seed: u64, resolve: Resolver) -> Session {
        let mut net = Net::with_config(NetConfig {
            seed,
            ..NetConfig::default()
        });
        let you = net.wallet("you");
        Session {
            net,
            you,
            resolve,
            native: None,
            modules: BTreeMap::new(),
            labels: BTreeSet::new(),
            processes: Vec::new(),
            current: None,
            seen: 0,
        }
    }

    /// From now on `.spawn` runs crates natively: `resolve` builds a crate's runner (see
    /// [`crate::native`]) and each process is a runner child. `.wasm` files still run as
    /// modules.
    pub fn set_native(&mut self, resolve: Resolver) {
        self.native = Some(resolve);
    }

    /// The network (for tests and for `--json` dumps).
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// The prompt: the current process name.
    pub fn prompt(&self) -> String {
        match self.current {
            Some(i) => format!("{}> ", self.processes[i].0),
            None => "ao> ".to_owned(),
        }
    }

    /// The process called `name`.
    pub fn process(&self, name: &str) -> Option<&ProcessId> {
        self.processes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
    }

    /// Runs one line and appends what happened to `out`.
    pub fn execute(&mut self, line: &Line, out: &mut String) -> Control {
        if let Err(e) = self.try_execute(line, out) {
            let _ = writeln!(out, "error: {e}");
        }
        match line {
            Line::Exit => Control::Exit,
            _ => Control::Continue,
        }
    }

    fn try_execute(&mut self, line: &Line, out: &mut String) -> Result<(), String> {
        match line {
            Line::Empty | Line::Exit => {}
            Line::Help => {
                let _ = writeln!(out, "{HELP}");
            }
            Line::Spawn { name, module, tags } => self.spawn(name, module, tags, out)?,
            Line::Use(name) => {
                let i = self.index(name)?;
                self.current = Some(i);
            }
            Line::Processes => {
                for (i, (name, pid)) in self.processes.iter().enumerate() {
                    let mark = if Some(i) == self.current { "*" } else { " " };
                    let module = self.net.module_name_of(pid).unwrap_or("?");
                    let _ = writeln!(out, "{mark} {name}  {pid}  ({module})");
                }
            }
            Line::Send(spec) => {
                let target = self.target(spec)?;
                let msg = self.msg(spec)?;
                let id = self
                    .net
                    .send(&self.you, &target, msg)
                    .map_err(|e| e.to_string())?;
                let _ = writeln!(out, "sent {} ({})", spec.action, short(id.as_str()));
                let run = self.net.run_until_idle();
                self.print_deliveries(out);
                run.map_err(|e| e.to_string())?;
            }
            Line::Dry(spec) => {
                let target = self.target(spec)?;
                let msg = self.msg(spec)?;
                // From you, as `cargo ao dry-run --wallet` sends the wallet's address: a
                // `.dry Balance` answers your balance.
                let outcome = self
                    .net
                    .dry_run_as(&self.you, &target, msg)
                    .map_err(|e| e.to_string())?;
                let name = self.name_of(target.as_str());
                let _ = writeln!(out, "[{name}] dry-run {}", spec.action);
                self.print_outcome(&outcome, out);
            }
            Line::State(name) => {
                let (name, pid) = self.named(name.as_deref())?;
                // Through the module's view (`aoxide_view`), on a copy of its memory.
                match self.net.state_json(&pid).map_err(|e| e.to_string())? {
                    Some(view) => {
                        let _ = writeln!(
                            out,
                            "[{name}] state (schema version {}): {}",
                            view["aoxide-snapshot"], view["state"]
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "[{name}] the state has no JSON view (its type does not derive \
                             serde's Serialize); dry-run a read handler instead"
                        );
                    }
                }
                let waits = self
                    .net
                    .try_pending_waits(&pid)
                    .map_err(|e| e.to_string())?;
                for w in waits {
                    let _ = writeln!(
                        out,
                        "  waiting for {:?} {} from {}{}",
                        w.kind,
                        w.reference,
                        self.name_of(&w.from),
                        w.deadline.map_or(String::new(), |d| format!(" until {d}"))
                    );
                }
            }
            Line::Inbox(name) => {
                let (name, pid) = self.named(name.as_deref())?;
                let inbox = self.net.try_inbox(&pid).map_err(|e| e.to_string())?;
                let _ = writeln!(out, "[{name}] inbox: {} message(s)", inbox.len());
                for m in inbox {
                    let _ = writeln!(
                        out,
                        "  {} from {}",
                        m.action().unwrap_or("(no action)"),
                        self.name_of(&m.from)
                    );
                }
            }
            Line::Tick(ms) => {
                let run = self.net.tick(*ms);
                let _ = writeln!(out, "clock +{ms} ms");
                self.print_deliveries(out);
                run.map_err(|e| e.to_string())?;
            }
            Line::Load(file) => {
                // AOS's `.load`: the file's text as an `Eval` from you (the owner of the
                // processes you spawned), which a process with the Lua layer runs.
                let (name, target) = self.named(None)?;
                let code =
                    std::fs::read_to_string(file).map_err(|e| format!(".load {file}: {e}"))?;
                let id = self
                    .net
                    .send(&self.you, &target, Msg::new().action("Eval").data(code))
                    .map_err(|e| e.to_string())?;
                let _ = writeln!(
                    out,
                    "[{name}] .load {file}: sent Eval ({})",
                    short(id.as_str())
                );
                let run = self.net.run_until_idle();
                self.print_deliveries(out);
                run.map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    fn spawn(
        &mut self,
        name: &str,
        module: &str,
        tags: &[(String, String)],
        out: &mut String,
    ) -> Result<(), String> {
        if self.process(name).is_some() {
            return Err(format!("a process called {name} exists already"));
        }
        let native = match &mut self.native {
            Some(resolve) if !module.ends_with(".wasm") => Some(resolve(module)?),
            _ => None,
        };
        let path = match &native {
            Some(runner) => runner.clone(),
            None => (self.resolve)(module)?,
        };
        let module_id = match self.modules.get(&path) {
            Some(id) => id.clone(),
            None if native.is_some() => {
                let label = self.label(&format!("{module}-native"));
                let runner = path.clone();
                let id = self.net.register_backend(&label, move || {
                    match crate::native::NativeProcess::start(&runner) {
                        Ok(process) => Box::new(process) as Box<dyn Backend>,
                        Err(e) => Box::new(Broken(e)),
                    }
                });
                self.modules.insert(path.clone(), id.clone());
                id
            }
            None => {
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| module.to_owned());
                let label = self.label(&stem);
                if aoxide_build::uses_exceptions(&bytes).unwrap_or(false) {
                    // A module with the Lua layer (wasm exception handling, which wasmi
                    // does not run): each process is a node child running the real
                    // ao-loader (aoxide-host's loader backend).
                    let id = self
                        .net
                        .register_wasm(&label, &bytes)
                        .map_err(|e| e.to_string())?;
                    self.modules.insert(path.clone(), id.clone());
                    return self.spawn_registered(name, &id, tags, out);
                }
                let compiled = WasmModule::new(&bytes).map_err(|e| e.to_string())?;
                compiled.instantiate().map_err(|e| e.to_string())?;
                // As a compute unit does: a call that traps keeps the memory from before it,
                // and the process goes on.
                let id = self
                    .net
                    .register_backend(&label, move || match compiled.instantiate() {
                        Ok(mut backend) => {
                            backend.set_rollback_on_trap(true);
                            Box::new(backend) as Box<dyn Backend>
                        }
                        Err(e) => Box::new(Broken(e.to_string())),
                    });
                self.modules.insert(path.clone(), id.clone());
                id
            }
        };
        self.spawn_registered(name, &module_id, tags, out)
    }

    /// Spawns registered module `module_id` as `name` and runs the network until idle.
    fn spawn_registered(
        &mut self,
        name: &str,
        module_id: &ModuleId,
        tags: &[(String, String)],
        out: &mut String,
    ) -> Result<(), String> {
        let mut options = SpawnOptions::new().name(name);
        for (k, v) in tags {
            options = options.tag(k.as_str(), self.substitute(v)?);
        }
        let result = self.net.spawn_module(&self.you, module_id, options);
        let pid = match result {
            Ok(pid) => pid,
            Err(e) => {
                self.print_deliveries(out);
                return Err(e.to_string());
            }
        };
        self.processes.push((name.to_owned(), pid.clone()));
        self.current = Some(self.processes.len() - 1);
        let _ = writeln!(out, "spawned {name} = {pid}");
        let run = self.net.run_until_idle();
        self.print_deliveries(out);
        run.map(|_| ()).map_err(|e| e.to_string())
    }

    /// A module label not used yet (`stem`, `stem-2`, ...), taken.
    fn label(&mut self, stem: &str) -> String {
        let mut label = stem.to_owned();
        let mut n = 1;
        while self.labels.contains(&label) {
            n += 1;
            label = format!("{stem}-{n}");
        }
        self.labels.insert(label.clone());
        label
    }

    fn index(&self, name: &str) -> Result<usize, String> {
        self.processes
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| format!("no process called {name} (see .ps)"))
    }

    fn named(&self, name: Option<&str>) -> Result<(String, ProcessId), String> {
        let i = match name {
            Some(name) => self.index(name)?,
            None => self
                .current
                .ok_or("no process yet: .spawn NAME MODULE first")?,
        };
        Ok(self.processes[i].clone())
    }

    fn target(&self, spec: &MessageSpec) -> Result<ProcessId, String> {
        Ok(self.named(spec.target.as_deref())?.1)
    }

    fn substitute(&self, value: &str) -> Result<String, String> {
        match value.strip_prefix('$') {
            Some("you") => Ok(self.you.address().to_owned()),
            Some(name) => self
                .process(name)
                .map(|p| p.to_string())
                .ok_or_else(|| format!("${name}: no process called {name}")),
            None => Ok(value.to_owned()),
        }
    }

    fn msg(&self, spec: &MessageSpec) -> Result<Msg, String> {
        let mut msg = Msg::new().action(spec.action.as_str());
        for (k, v) in &spec.tags {
            msg = msg.tag(k.as_str(), self.substitute(v)?);
        }
        if let Some(data) = &spec.data {
            msg = msg.data(self.substitute(data)?);
        }
        Ok(msg)
    }

    /// A name for an address: a session process, `you`, a wallet name, or a short id.
    fn name_of(&self, address: &str) -> String {
        if let Some((name, _)) = self.processes.iter().find(|(_, p)| p.as_str() == address) {
            return name.clone();
        }
        if address == self.you.address() {
            return "you".to_owned();
        }
        match self.net.wallet_name(address) {
            Some(name) => name.to_owned(),
            None => short(address),
        }
    }

    fn print_deliveries(&mut self, out: &mut String) {
        let deliveries: Vec<Delivery> = self.net.deliveries()[self.seen..].to_vec();
        self.seen = self.net.deliveries().len();
        for d in &deliveries {
            let action =
                d.message
                    .action()
                    .unwrap_or(if d.message.tags.get("Type") == Some("Process") {
                        "(spawn)"
                    } else {
                        "(no action)"
                    });
            let _ = writeln!(
                out,
                "[{}] <- {action} from {}",
                self.name_of(d.process.as_str()),
                self.name_of(&d.message.from)
            );
            self.print_outcome(&d.outcome, out);
        }
    }

    fn print_outcome(&self, outcome: &Outcome, out: &mut String) {
        if let Some(error) = &outcome.error {
            let _ = writeln!(out, "  error: {error}");
        }
        if !outcome.output.data.is_empty() {
            let _ = writeln!(out, "  output: {}", outcome.output.data.trim_end());
        }
        for m in &outcome.messages {
            let target = m
                .target
                .as_deref()
                .map_or("(no target)".to_owned(), |t| self.name_of(t));
            let _ = write!(
                out,
                "  -> {target} {}{}",
                m.get("Action").unwrap_or("(no action)"),
                self.tag_list(&m.tags)
            );
            match m.data.as_deref() {
                Some(d) if !d.is_empty() => {
                    let _ = writeln!(out, " data={}", quote(d));
                }
                _ => {
                    let _ = writeln!(out);
                }
            }
        }
        for s in &outcome.spawns {
            let _ = writeln!(out, "  spawn{}", self.tag_list(&s.tags));
        }
    }

    fn tag_list(&self, tags: &Tags) -> String {
        let mut s = String::new();
        for t in tags.iter() {
            if PROTOCOL_TAGS.contains(&t.name.as_str()) {
                continue;
            }
            let value = t.value.to_string();
            let value = if value.len() == 43 {
                self.name_of(&value)
            } else {
                value
            };
            let _ = write!(s, " {}={}", t.name, quote(&value));
        }
        s
    }
}

/// A process whose module could not be instantiated: every message fails with why.
struct Broken(String);

impl Backend for Broken {
    fn handle(&mut self, _: Message, _: &Env) -> Outcome {
        Outcome::failed(self.0.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The first 8 characters of an id, for the transcript.
fn short(id: &str) -> String {
    if id.len() > 12 {
        format!("{}..", &id[..8])
    } else {
        id.to_owned()
    }
}

fn quote(s: &str) -> String {
    if !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c == '"') {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}
