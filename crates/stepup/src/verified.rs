//! A verified token: its decoded JSON kept once, its header and claims read from it.

use std::fmt;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::alg::Alg;
use crate::claims::{Claims, ClaimsView};
use crate::error::{Error, Part};
use crate::jws::{self, Header};
use crate::scan::{self, ClaimSpans, HeaderMembers};

/// A token whose signature and claims have been verified.
///
/// It holds the decoded header and payload once, in one buffer, and where the scanner
/// found the standard members in them. [`header`](Self::header) and
/// [`claims`](Self::claims) build the owned [`Header`] and [`Claims`] on first use;
/// the verifier's own checks and [`Policy::decide_token`](crate::Policy::decide_token)
/// read the buffer directly, so verifying and deciding allocate nothing more.
#[derive(Clone)]
pub struct VerifiedToken {
    // Boxed: the token is returned through several calls, and a pointer moves for
    // less than the spans (the box is the second of the two allocations a
    // verification makes; the buffer is the first).
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// The decoded header followed by the decoded payload: strict UTF-8 JSON.
    text: Vec<u8>,
    header_len: usize,
    alg: Alg,
    header_members: HeaderMembers,
    claim_spans: ClaimSpans,
    // Built only on request.
    header: OnceLock<Box<Header>>,
    claims: OnceLock<Box<Claims>>,
}

impl VerifiedToken {
    /// A token from its decoded `text` (header then payload, the header `header_len`
    /// bytes long) and what the scanner found in its header, with its claims read
    /// from the payload (JSON nesting at most `max_depth` levels) straight into the
    /// token. The signature has been verified; the claims are not validated yet.
    ///
    /// # Errors
    /// The payload's JSON or claim-type error.
    pub(crate) fn read_claims(
        text: Vec<u8>,
        header_len: usize,
        alg: Alg,
        header_members: HeaderMembers,
        max_depth: usize,
    ) -> Result<Self, Error> {
        let mut inner = Box::new(Inner {
            text,
            header_len,
            alg,
            header_members,
            claim_spans: ClaimSpans::default(),
            header: OnceLock::new(),
            claims: OnceLock::new(),
        });
        let Inner {
            text, claim_spans, ..
        } = &mut *inner;
        let payload = text.get(header_len..).unwrap_or_default();
        scan::claims_into(payload, max_depth, claim_spans)?;
        Ok(Self { inner })
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        let inner = &self.inner;
        inner.header.get_or_init(|| {
            Box::new(jws::header_of(
                inner.alg,
                &inner.header_members,
                inner.header_text(),
            ))
        })
    }

    /// The standard claims.
    pub fn claims(&self) -> &Claims {
        self.inner
            .claims
            .get_or_init(|| Box::new(self.claims_view().to_claims()))
    }

    /// The payload JSON as verified (UTF-8, strict).
    pub fn payload_json(&self) -> &[u8] {
        self.inner.payload_text()
    }

    /// Deserializes the payload into the caller's own claims type.
    ///
    /// # Errors
    /// `invalid_json` if the payload does not fit `T`.
    pub fn deserialize_claims<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(self.inner.payload_text())
            .map_err(|e| Error::json(Part::Payload, &e))
    }

    /// The standard claims, read in place.
    pub(crate) fn claims_view(&self) -> ClaimsView<'_> {
        ClaimsView::new(self.inner.payload_text(), &self.inner.claim_spans)
    }
}

impl Inner {
    fn header_text(&self) -> &[u8] {
        // `header_len` is where the verifier put the payload.
        self.text.get(..self.header_len).unwrap_or_default()
    }

    fn payload_text(&self) -> &[u8] {
        self.text.get(self.header_len..).unwrap_or_default()
    }
}

impl fmt::Debug for VerifiedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedToken")
            .field("header", self.header())
            .field("claims", self.claims())
            .finish_non_exhaustive()
    }
}
