//! What the client keeps through a SCRAM-SHA-256 exchange: the nonce it sent, and the
//! signature the server must prove itself with before its `+OK` counts.

use heapless::Vec;

use super::error::Error;
use crate::sasl::Credentials;
use crate::sasl::scram::{self, Exchange, MAX_NONCE, Proof, ServerFinal};

#[derive(Default)]
pub(super) struct ScramState {
    nonce: Vec<u8, MAX_NONCE>,
    server_signature: Option<[u8; 32]>,
    verified: bool,
}

/// The client-final message, ready to write.
pub(super) struct ClientFinal<'a> {
    exchange: Exchange<'a>,
    proof: Proof,
}

impl ClientFinal<'_> {
    pub(super) fn write(&self, sink: &mut dyn FnMut(&[u8])) {
        self.exchange.write_client_final(&self.proof, sink);
    }
}

impl ScramState {
    /// A new exchange starts with the client-first message carrying `nonce`.
    pub(super) fn start(&mut self, nonce: &[u8]) {
        self.nonce.clear();
        // Mech::for_credentials has checked the nonce's length.
        let _ = self.nonce.extend_from_slice(nonce);
        self.server_signature = None;
        self.verified = false;
    }

    /// The nonce sent in the client-first message.
    pub(super) fn nonce(&self) -> Vec<u8, MAX_NONCE> {
        self.nonce.clone()
    }

    /// Checks the server's message before the application sees it: the server-first
    /// message after one client message, the server-final one after two. `Ok(false)`: the
    /// exchange must be cancelled (malformed, or the server refuses). `Err`: the server
    /// answered with a signature that proves it does not know the password.
    pub(super) fn check_challenge(&mut self, step: u8, challenge: &[u8]) -> Result<bool, Error> {
        match step {
            1 => Ok(scram::parse_server_first(challenge, &self.nonce).is_ok()),
            2 => match self
                .server_signature
                .map(|sig| scram::check_server_final(challenge, &sig))
            {
                Some(ServerFinal::Verified) => {
                    self.verified = true;
                    Ok(true)
                }
                Some(ServerFinal::Refused) => Ok(false),
                Some(ServerFinal::Forged) | None => Err(Error::ServerUnverified),
            },
            _ => Ok(true),
        }
    }

    /// Computes the proof for the server-first message `challenge` and keeps the server
    /// signature to expect. `None` when it cannot be computed (the exchange is cancelled).
    pub(super) fn client_final<'a>(
        &mut self,
        creds: &Credentials<'a>,
        client_nonce: &'a [u8],
        challenge: &'a [u8],
    ) -> Option<ClientFinal<'a>> {
        let Credentials::Password {
            user,
            password,
            authzid,
            ..
        } = *creds
        else {
            return None;
        };
        let server_first = scram::parse_server_first(challenge, client_nonce).ok()?;
        let exchange = Exchange {
            user,
            password: password.expose(),
            authzid,
            client_nonce,
            server_first_raw: challenge,
            server_first,
        };
        let proof = exchange.prove()?;
        self.server_signature = Some(proof.server_signature);
        Some(ClientFinal { exchange, proof })
    }

    /// Whether the server has proved itself, so that its `+OK` may be believed.
    pub(super) fn verified(&self) -> bool {
        self.verified
    }
}
