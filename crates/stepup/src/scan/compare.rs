//! The scanner side by side with the serde_json reader it replaced on the hot path,
//! on the same bytes, and the verifier side by side with its previous steps: for the
//! differential tests and the `differential` fuzz target.

use crate::claims::{self, Claims, ClaimsView, StepUpFacts};
use crate::error::{Error, Part};
use crate::jws::{self, RawHeader, TokenKind};
use crate::time::UnixTime;
use crate::verifier::{self, Verifier};

/// Reads `input` as a header and as a payload with both readers, at each depth in
/// `depths`; describes the first disagreement. They agree when both accept with the
/// same values (numbers to the bit), or both reject with the same error (for
/// `invalid_json`, the same code and part: the parser's message may differ).
pub(crate) fn compare(input: &[u8], depths: &[usize]) -> Result<(), String> {
    for &depth in depths {
        compare_header(input, depth)?;
        compare_payload(input, depth)?;
    }
    Ok(())
}

fn compare_header(input: &[u8], depth: usize) -> Result<(), String> {
    let serde = jws::parse_header(input, depth);
    let scanned = super::header(input, depth).map(|members| (members, input));
    match (serde, scanned) {
        (Ok(raw), Ok((members, text))) => {
            let found = RawHeader::from_members(&members, text);
            if found != raw {
                return Err(format!(
                    "header at depth {depth}: serde read {raw:?}, the scanner {found:?}"
                ));
            }
            for kind in [TokenKind::IdToken, TokenKind::AccessToken] {
                let serde = jws::check_header(RawHeader::from_members(&members, text), kind);
                let scanned = jws::check_members(&members, text, kind)
                    .map(|alg| jws::header_of(alg, &members, text));
                if serde != scanned {
                    return Err(format!(
                        "header rules ({kind:?}): serde path {serde:?}, scanner path {scanned:?}"
                    ));
                }
            }
            Ok(())
        }
        (Err(serde), Err(scanned)) if same_error(&serde, &scanned) => Ok(()),
        (serde, scanned) => Err(format!(
            "header at depth {depth}: serde {:?}, scanner {:?}",
            serde.map(drop),
            scanned.map(drop)
        )),
    }
}

fn compare_payload(input: &[u8], depth: usize) -> Result<(), String> {
    let serde = claims::parse(input, depth);
    let scanned = super::claims(input, depth).map(|spans| (spans, input));
    match (serde, scanned) {
        (Ok(claims), Ok((spans, text))) => {
            let view = ClaimsView::new(text, &spans);
            // Debug output tells floats apart to the bit (and -0 from 0).
            let (expected, found) = (format!("{claims:?}"), format!("{:?}", view.to_claims()));
            if expected != found {
                return Err(format!(
                    "payload at depth {depth}: serde read {expected}, the scanner {found}"
                ));
            }
            same_facts(&claims, &view)
        }
        (Err(serde), Err(scanned)) if same_error(&serde, &scanned) => Ok(()),
        (serde, scanned) => Err(format!(
            "payload at depth {depth}: serde {:?}, scanner {:?}",
            serde.map(drop),
            scanned.map(drop)
        )),
    }
}

/// The view answers the policy's and validation's questions as the claims do.
fn same_facts(claims: &Claims, view: &ClaimsView<'_>) -> Result<(), String> {
    let mut probes: Vec<String> = vec!["mfa".into(), String::new()];
    probes.extend(claims.amr.value().into_iter().flatten().cloned());
    probes.extend(claims.acr.value().cloned());
    probes.extend(claims.aud.iter().cloned());
    probes.extend(
        claims
            .iss
            .iter()
            .chain(&claims.azp)
            .chain(&claims.nonce)
            .cloned(),
    );
    for probe in &probes {
        let accepted = std::slice::from_ref(probe);
        let is = |value: &Option<String>| value.as_ref().map(|value| value == probe);
        if claims.has_amr(probe) != view.has_amr(probe)
            || claims.acr_in(accepted) != view.acr_in(accepted)
            || claims.aud.contains(probe) != view.has_audience(probe)
            || is(&claims.iss) != view.iss_is(probe)
            || is(&claims.azp) != view.azp_is(probe)
            || is(&claims.nonce) != view.nonce_is(probe)
        {
            return Err(format!("the view answers differently for {probe:?}"));
        }
    }
    let audiences: Vec<String> = view.audiences().map(|aud| aud.into_owned()).collect();
    let dates = |c: &Claims| format!("{:?}", (c.exp, c.iat, c.nbf));
    if claims.auth_time() != view.auth_time()
        || dates(claims) != format!("{:?}", (view.exp(), view.iat(), view.nbf()))
        || audiences != claims.aud
        || view.audience_count() != claims.aud.len()
        || view.iss().as_deref() != claims.iss.as_deref()
        || view.nonce().as_deref() != claims.nonce.as_deref()
        || view.azp().as_deref() != claims.azp.as_deref()
        || view.has_sub() != claims.sub.is_some()
    {
        return Err(format!("the view reads differently from {claims:?}"));
    }
    Ok(())
}

/// Two rejections agree: equal errors, or `invalid_json` for the same part.
fn same_error(serde: &Error, scanned: &Error) -> bool {
    match (serde, scanned) {
        (Error::InvalidJson { part: a, .. }, Error::InvalidJson { part: b, .. }) => a == b,
        _ => serde == scanned,
    }
}

/// Verifies `token` with `verifier` and with the steps as they were before the scanner
/// (split and decode each part in turn, serde reader for header and payload); the two
/// must give the same error code, or both accept.
pub(crate) fn compare_token(verifier: &Verifier, token: &str, now: UnixTime) -> Result<(), String> {
    let new = verifier.verify(token, now).map(drop).map_err(|e| e.code());
    let old = reference_verify(verifier, token, now).map_err(|e| e.code());
    if new == old {
        Ok(())
    } else {
        Err(format!(
            "token {token:?}: verifier {new:?}, reference steps {old:?}"
        ))
    }
}

/// The verification steps in their previous form and order.
fn reference_verify(verifier: &Verifier, token: &str, now: UnixTime) -> Result<(), Error> {
    let config = verifier.config();
    let depth = config.limits.max_json_depth;
    let parts = jws::split(token, config.limits.max_token_len)?;
    let header_bytes = jws::decode(Part::Header, parts.header)?;
    let header = jws::check_header(jws::parse_header(&header_bytes, depth)?, config.kind)?;
    let payload = jws::decode(Part::Payload, parts.payload)?;
    let signature = jws::decode(Part::Signature, parts.signature);
    verifier::verify_signature(
        config,
        verifier.keys(),
        header.alg,
        header.kid.as_deref().map(str::as_bytes),
        &parts,
        signature.as_deref().map_err(Clone::clone),
    )?;
    claims::parse(&payload, depth)?;
    // The claims read alike (the payload comparison checks that); validation is one
    // function, run here on the scanner's reading as the verifier runs it.
    let spans = super::claims(&payload, depth)?;
    crate::validate::claims(config, ClaimsView::new(&payload, &spans), now, None)
}

/// The verifier the token comparisons use: HS256 with [`SECRET`], issuer
/// `https://op`, client `client`.
pub(crate) fn hs256_verifier() -> Option<Verifier> {
    let keys = crate::KeySet::from_secret(&crate::Secret::new(SECRET)).ok()?;
    Verifier::builder("https://op", "client", keys).build().ok()
}

/// The secret of [`hs256_verifier`].
const SECRET: &str = "differential-secret-differential";

/// A token over the raw bytes `header` and `payload`, signed for [`hs256_verifier`].
pub(crate) fn hs256_token(header: &[u8], payload: &[u8]) -> String {
    use aws_lc_rs::hmac;
    use base64::Engine as _;
    let signing_input = format!("{}.{}", jws::B64.encode(header), jws::B64.encode(payload));
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    let tag = hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", jws::B64.encode(tag.as_ref()))
}
