//! The test network as the transport of the typed clients `#[aoxide::handlers]` generates
//! (`aoxide::client`): a call sends from a [`Wallet`] to a [`ProcessId`], runs the network
//! until idle, and returns the message's outcome at the process.
//!
//! ```
//! use aoxide_host::Net;
//! use aoxide_token::{Token, TokenClient};
//!
//! let mut net = Net::new();
//! let owner = net.wallet("owner");
//! let bob = net.wallet("bob");
//! let token = net.spawn::<Token>(&owner, aoxide_host::SpawnOptions::new()).unwrap();
//! net.run_until_idle().unwrap();
//! let mut client = TokenClient::new(&mut net, &token);
//! let reply = client.balance(&bob, None::<String>).unwrap();
//! assert_eq!(reply.data(), Some("0"));
//! ```

use aoxide::client::{Call, TagArg, Transport, TransportError};
use aoxide::{Address, Tags};

use crate::{Msg, Net, ProcessId, Wallet};

impl Transport for Net {
    type Caller = Wallet;
    type Process = ProcessId;

    fn call(
        &mut self,
        from: &Wallet,
        process: &ProcessId,
        tags: Tags,
        data: String,
    ) -> Result<Call, TransportError> {
        let mut msg = Msg::new().data(data);
        for tag in tags.iter() {
            msg = msg.tag(tag.name.clone(), tag.value.clone());
        }
        let id = self
            .send(from, process, msg)
            .map_err(|e| TransportError(e.to_string()))?;
        self.run_until_idle()
            .map_err(|e| TransportError(e.to_string()))?;
        let outcome = self.try_result(&id).cloned().ok_or_else(|| {
            TransportError(format!("message {id} was not delivered to {process}"))
        })?;
        Ok(Call {
            caller: from.address().to_owned(),
            outcome,
        })
    }
}

/// A wallet as an address tag (`Recipient`, `Target`, ...).
impl TagArg<Address> for &Wallet {
    fn tag_text(&self) -> Option<String> {
        Some(self.address().to_owned())
    }
}

/// A process id as an address tag.
impl TagArg<Address> for &ProcessId {
    fn tag_text(&self) -> Option<String> {
        Some(self.as_str().to_owned())
    }
}

/// A wallet as a text tag.
impl TagArg<String> for &Wallet {
    fn tag_text(&self) -> Option<String> {
        Some(self.address().to_owned())
    }
}

/// A wallet as an optional text tag.
impl TagArg<Option<String>> for &Wallet {
    fn tag_text(&self) -> Option<String> {
        Some(self.address().to_owned())
    }
}

/// A wallet as an optional address tag.
impl TagArg<Option<Address>> for &Wallet {
    fn tag_text(&self) -> Option<String> {
        Some(self.address().to_owned())
    }
}
