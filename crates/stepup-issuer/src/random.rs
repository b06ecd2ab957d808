//! Random values from the system generator (aws-lc-rs).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    aws_lc_rs::rand::fill(&mut out)
        .map_err(|_| Error::config("the system random generator failed"))?;
    Ok(out)
}

/// An unguessable identifier: 256 bits, base64url (codes, session ids, transactions).
pub(crate) fn token() -> Result<String, Error> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

/// A generated password a person can type: 80 bits as four dash-separated groups of
/// lowercase base32, e.g. `k3mf-9qza-...`.
pub(crate) fn password() -> Result<String, Error> {
    let text = data_encoding::BASE32_NOPAD
        .encode(&bytes::<10>()?)
        .to_lowercase();
    let groups: Vec<&str> = text
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    Ok(groups.join("-"))
}

/// SHA-256 of `data`, base64url (how session ids are stored, so the state file holds no
/// live cookie values).
pub(crate) fn sha256_b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data))
}
