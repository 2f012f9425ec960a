//! [`LoaderBackend`]: one process, run by ao-loader in a node child.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use aoxide::view::ViewPart;
use aoxide::{Env, Message, Outcome};

use super::{LoaderError, LoaderModule};
use crate::backend::{Backend, BackendViewError};

/// The driver the child runs (see its header for the protocol).
const DRIVER: &str = include_str!("../../loader/driver.mjs");

/// How much of the child's stderr is kept, for the error when it dies.
const STDERR_TAIL: usize = 4096;

/// One answer of the driver: `ok` or `err`, and its bytes.
type Answer = (bool, Vec<u8>);

/// The pipes to a running child, and the threads that read it.
struct Conn {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<std::io::Result<Answer>>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    readers: Vec<JoinHandle<()>>,
    /// Why the child no longer answers, once it does not.
    failed: Option<String>,
    timeout: Duration,
}

/// A [`Backend`] that runs one process of a built module under the real
/// `@permaweb/ao-loader`, in a node child (see the [module docs](super)).
///
/// Every request waits at most the module's [`LoaderOptions::timeout`](super::LoaderOptions);
/// past it, or when the child dies, the child is killed and every later message gets an
/// error outcome. Dropping the backend kills and reaps the child.
pub struct LoaderBackend {
    conn: RefCell<Conn>,
}

impl std::fmt::Debug for LoaderBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let conn = self.conn.borrow();
        f.debug_struct("LoaderBackend")
            .field("pid", &conn.child.id())
            .field("failed", &conn.failed)
            .finish()
    }
}

fn read_answer(out: &mut impl BufRead) -> std::io::Result<Option<Answer>> {
    let mut head = String::new();
    if out.read_line(&mut head)? == 0 {
        return Ok(None);
    }
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the driver answered {:?}", head.trim()),
        )
    };
    let (status, len) = head.trim().split_once(' ').ok_or_else(bad)?;
    let ok = match status {
        "ok" => true,
        "err" => false,
        _ => return Err(bad()),
    };
    let len: usize = len.parse().map_err(|_| bad())?;
    let mut bytes = vec![0; len];
    out.read_exact(&mut bytes)?;
    Ok(Some((ok, bytes)))
}

impl LoaderBackend {
    /// Starts a child for `module` and hands it the module (compiled there once).
    pub(super) fn start(module: &LoaderModule) -> Result<LoaderBackend, LoaderError> {
        let node = aoxide_build::node::program();
        let mut child = Command::new(&node)
            .arg("--input-type=module")
            .arg("--eval")
            .arg(DRIVER)
            .arg(&module.inner.package_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| LoaderError::Node {
                node: node.display().to_string(),
                reason: e.to_string(),
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(LoaderError::Protocol("the child has no pipes".into()));
        };
        let (tx, answers) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            loop {
                match read_answer(&mut out) {
                    Ok(Some(answer)) => {
                        if tx.send(Ok(answer)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let kept = tail.clone();
        let errors = std::thread::spawn(move || {
            let mut err = stderr;
            let mut buf = [0u8; 1024];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    return;
                }
                let mut t = kept.lock().unwrap_or_else(|e| e.into_inner());
                t.extend(&buf[..n]);
                while t.len() > STDERR_TAIL {
                    t.pop_front();
                }
            }
        });
        let backend = LoaderBackend {
            conn: RefCell::new(Conn {
                child,
                stdin,
                answers,
                stderr: tail,
                readers: vec![reader, errors],
                failed: None,
                timeout: module.inner.options.timeout,
            }),
        };
        let options = serde_json::json!({
            "unsafeMemory": module.inner.options.unsafe_memory,
            "memoryLimit": module.inner.options.memory_limit,
        })
        .to_string();
        let wasm: &[u8] = &module.inner.bytes;
        let request = format!("init {} {}\n", wasm.len(), options.len());
        match backend.ask(&request, &[wasm, options.as_bytes()]) {
            Ok(_) => Ok(backend),
            Err(e) => Err(LoaderError::Protocol(e)),
        }
    }

    /// The child's process id (to watch it in tests).
    pub fn pid(&self) -> u32 {
        self.conn.borrow().child.id()
    }

    /// Why the child no longer answers, if it does not.
    pub fn fault(&self) -> Option<String> {
        self.conn.borrow().failed.clone()
    }

    /// Sends one request and waits, at most the timeout, for its answer: the bytes of an
    /// `ok`, or the text of an `err` (the request failed; the child goes on).
    fn ask(&self, request: &str, frames: &[&[u8]]) -> Result<Vec<u8>, String> {
        let mut conn = self.conn.borrow_mut();
        if let Some(why) = &conn.failed {
            return Err(why.clone());
        }
        let sent = (|| -> std::io::Result<()> {
            conn.stdin.write_all(request.as_bytes())?;
            for frame in frames {
                conn.stdin.write_all(frame)?;
            }
            conn.stdin.flush()
        })();
        // Anything but an answer: the child is of no more use.
        let mut why = match sent {
            Err(e) => format!("cannot write to the ao-loader child: {e}"),
            Ok(()) => match conn.answers.recv_timeout(conn.timeout) {
                Ok(Ok((true, bytes))) => return Ok(bytes),
                Ok(Ok((false, text))) => return Err(String::from_utf8_lossy(&text).into_owned()),
                Ok(Err(e)) => format!("the ao-loader child answered badly: {e}"),
                Err(RecvTimeoutError::Timeout) => format!(
                    "the ao-loader child gave no answer within {:?}",
                    conn.timeout
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    "the ao-loader child stopped answering".to_owned()
                }
            },
        };
        // Stop it, and say what it last wrote.
        conn.stop();
        let status = conn.child.try_wait().ok().flatten();
        if let Some(status) = status {
            why.push_str(&format!(" ({status})"));
        }
        let tail = conn.stderr_tail();
        if !tail.is_empty() {
            why.push_str(&format!("; its stderr ends: {tail}"));
        }
        conn.failed = Some(why.clone());
        Err(why)
    }
}

impl Conn {
    /// Kills and reaps the child, then joins the threads reading it (its pipes are closed
    /// once it is gone).
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    fn stderr_tail(&self) -> String {
        let t = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let bytes: Vec<u8> = t.iter().copied().collect();
        String::from_utf8_lossy(&bytes).trim().to_owned()
    }
}

impl Drop for LoaderBackend {
    fn drop(&mut self) {
        self.conn.get_mut().stop();
    }
}

impl Backend for LoaderBackend {
    fn handle(&mut self, msg: Message, env: &Env) -> Outcome {
        let msg = msg.to_json_bytes();
        let env = env.to_json_bytes();
        let request = format!("handle {} {}\n", msg.len(), env.len());
        match self.ask(&request, &[&msg, &env]) {
            Ok(result) => {
                Outcome::from_json(&result).unwrap_or_else(|e| Outcome::failed(e.to_string()))
            }
            Err(e) => Outcome::failed(format!("ao-loader: {e}")),
        }
    }

    fn view(&self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        self.ask(&format!("view {}\n", part as i32), &[])
            .map_err(BackendViewError::Module)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
