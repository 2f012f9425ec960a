//! A small HTTP client for AO's units: bounded time-outs, bounded retries.

use std::time::Duration;

use crate::DeployError;

/// At most this many bytes of an answer are read.
pub const MAX_ANSWER_BYTES: u64 = 16 << 20;

/// How to reach the units.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    retries: u32,
    backoff: Duration,
}

/// An answer: status and body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

fn preview(body: &str) -> String {
    let mut end = body.len().min(300);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].trim().to_string()
}

impl Client {
    /// A client whose every request (connect, send, answer) ends within `timeout`, and
    /// which tries a request `retries` more times after a connection failure or a 5xx.
    pub fn new(timeout: Duration, retries: u32) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("aoxide-deploy/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            retries,
            backoff: Duration::from_millis(250),
        }
    }

    fn attempt<F>(&self, url: &str, send: F) -> Result<Answer, DeployError>
    where
        F: Fn(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    {
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                std::thread::sleep(self.backoff * attempt);
            }
            match send(&self.agent) {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .body_mut()
                        .with_config()
                        .limit(MAX_ANSWER_BYTES)
                        .read_to_vec();
                    match body {
                        Ok(body) if status >= 500 => {
                            last = format!(
                                "HTTP {status}: {}",
                                preview(&String::from_utf8_lossy(&body))
                            );
                        }
                        Ok(body) => return Ok(Answer { status, body }),
                        Err(e) => last = e.to_string(),
                    }
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(DeployError::Unreachable {
            url: url.to_string(),
            attempts: self.retries + 1,
            detail: last,
        })
    }

    /// An answer with a 2xx status, or [`DeployError::Status`].
    fn ok(url: &str, answer: Answer) -> Result<Answer, DeployError> {
        if (200..300).contains(&answer.status) {
            Ok(answer)
        } else {
            Err(DeployError::Status {
                url: url.to_string(),
                status: answer.status,
                body: preview(&answer.text()),
            })
        }
    }

    /// `POST url` with `bytes` as `application/octet-stream`.
    pub fn post_bytes(&self, url: &str, bytes: &[u8]) -> Result<Answer, DeployError> {
        let answer = self.attempt(url, |agent| {
            agent
                .post(url)
                .header("Content-Type", "application/octet-stream")
                .header("Accept", "application/json")
                .send(bytes)
        })?;
        Self::ok(url, answer)
    }

    /// `POST url` with a JSON body; the answer parsed as JSON.
    pub fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, DeployError> {
        let text = body.to_string();
        let answer = self.attempt(url, |agent| {
            agent
                .post(url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .send(text.as_bytes())
        })?;
        Self::json(url, Self::ok(url, answer)?)
    }

    /// `GET url`: the body of a 2xx answer.
    pub fn get_bytes(&self, url: &str) -> Result<Vec<u8>, DeployError> {
        let answer = self.attempt(url, |agent| agent.get(url).call())?;
        Ok(Self::ok(url, answer)?.body)
    }

    /// `GET url`; the answer parsed as JSON.
    pub fn get_json(&self, url: &str) -> Result<serde_json::Value, DeployError> {
        let answer = self.attempt(url, |agent| {
            agent.get(url).header("Accept", "application/json").call()
        })?;
        Self::json(url, Self::ok(url, answer)?)
    }

    /// The body of `answer` as JSON.
    pub fn json(url: &str, answer: Answer) -> Result<serde_json::Value, DeployError> {
        serde_json::from_slice(&answer.body).map_err(|e| DeployError::Protocol {
            url: url.to_string(),
            detail: format!("not JSON ({e}): {}", preview(&answer.text())),
        })
    }
}
