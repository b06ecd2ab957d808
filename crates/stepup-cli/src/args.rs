//! Command-line flags as clap structs: they mirror the flags and only check their form.
//!
//! Turning them into something usable (reading files, loading keys, building the
//! verifier and the policy) happens in the `cmd` modules, so every configuration
//! mistake is reported in one place with a stable code.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

/// Verify OpenID Connect ID tokens and decide whether the user must step up to MFA.
#[derive(Debug, Parser)]
#[command(
    name = "stepup",
    version,
    propagate_version = true,
    after_help = "Exit codes of `verify`: 0 valid and step-up satisfied, 1 valid but step-up \
                  required, 2 token invalid, 3 usage or configuration error."
)]
pub(crate) struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Verify an ID token and check the step-up policy (exit 0 / 1 / 2 / 3).
    Verify(VerifyArgs),
    /// Print a token's header and claims WITHOUT verifying anything.
    Decode(DecodeArgs),
    /// Sign a test token.
    Mint(MintArgs),
    /// Generate a key pair: private.pem, public.pem and jwks.json.
    Keygen(KeygenArgs),
    /// Run the development OpenID Provider (password + TOTP). Not for production.
    Issuer(IssuerArgs),
    /// Run the development provider and an example app that asks for step-up.
    Demo(DemoArgs),
    /// Run the forward-auth gateway for nginx, Caddy, Traefik and Envoy.
    Serve(ServeArgs),
}

/// The end of `stepup verify --help`: exit codes and the CLI's own error codes
/// (a unit test in `cmd::hint` checks that every code the CLI reports is listed).
pub(crate) const VERIFY_AFTER_LONG_HELP: &str = "\
Exit codes: 0 valid and step-up satisfied, 1 valid but step-up required, 2 token invalid,
3 usage or configuration error.

Error codes (`error.code` with --json, in brackets otherwise) are the stepup library's
(token_expired, iss_mismatch, invalid_signature, weak_key, jwks_unreachable, …: see
stepup::ERROR_CODES) and these of the CLI:
  usage             3  bad, missing or unknown flags (the message is the parser's)
  no_token          3  no token given: empty argument, empty stdin, or a terminal on stdin
  bearer_prefix     2  an Authorization header value (\"Bearer …\") instead of the bare token
  quoted_token      2  the token is wrapped in quotes
  token_response    2  a token endpoint response (JSON) instead of its id_token
  token_is_json     2  other JSON (decoded claims, a key) instead of a token
  file_unreadable   3  a key, secret or JWKS file cannot be read
  stdin_unreadable  3  stdin cannot be read
  output_failed     3  the output cannot be written
The CLI checks exactly the text it is given (whitespace around it aside): it names these
mistakes but does not repair them.";

/// `stepup verify`.
#[derive(Debug, Args)]
#[command(after_long_help = VERIFY_AFTER_LONG_HELP)]
#[command(group(
    ArgGroup::new("key_source")
        .required(true)
        .multiple(false)
        .args(["secret", "secret_file", "key", "jwks", "discover"])
))]
pub(crate) struct VerifyArgs {
    /// The token; `-` or nothing reads it from stdin (one trailing newline is dropped).
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    /// Shared secret (the client secret) for HS256/384/512. Other local users may see
    /// command lines; prefer --secret-file for real secrets.
    #[arg(long, value_name = "SECRET", help_heading = "Key source (exactly one)")]
    pub(crate) secret: Option<String>,
    /// File holding the shared secret (one trailing newline is dropped).
    #[arg(long, value_name = "FILE", help_heading = "Key source (exactly one)")]
    pub(crate) secret_file: Option<PathBuf>,
    /// Public key file: PEM public key, X.509 certificate, or one JWK.
    #[arg(long, value_name = "FILE", help_heading = "Key source (exactly one)")]
    pub(crate) key: Option<PathBuf>,
    /// JWK Set file, or its URL (https, or http on loopback only).
    #[arg(
        long,
        value_name = "FILE|URL",
        help_heading = "Key source (exactly one)"
    )]
    pub(crate) jwks: Option<String>,
    /// Fetch the keys via the issuer's OpenID discovery document
    /// (`{issuer}/.well-known/openid-configuration`, whose `issuer` must match exactly).
    #[arg(long, help_heading = "Key source (exactly one)")]
    pub(crate) discover: bool,

    /// Expected issuer (`iss`), matched exactly.
    #[arg(long, value_name = "ISS")]
    pub(crate) issuer: String,
    /// Your client id, which `aud` must contain.
    #[arg(long, value_name = "CLIENT_ID")]
    pub(crate) audience: String,
    /// Allowed algorithm (repeatable). Default: what the key permits. `none` is never accepted.
    #[arg(long = "alg", value_name = "ALG")]
    pub(crate) algs: Vec<String>,
    /// Clock-skew leeway in seconds for exp, iat, nbf and max-age.
    #[arg(long, value_name = "SECONDS", default_value_t = stepup::DEFAULT_LEEWAY)]
    pub(crate) leeway: u64,
    /// Check as if the clock read this Unix time (default: now).
    #[arg(long, value_name = "UNIX", allow_negative_numbers = true)]
    pub(crate) now: Option<i64>,
    /// Nonce sent in the login request; the token must carry it.
    #[arg(long, value_name = "NONCE")]
    pub(crate) nonce: Option<String>,
    /// Expect an RFC 9068 access token (`typ` at+jwt) instead of an ID token.
    #[arg(long)]
    pub(crate) access_token: bool,

    /// Base step-up policy: generic, auth0, okta, cognito or `keycloak:<acr level>`.
    #[arg(long, value_name = "PROFILE", help_heading = "Step-up policy")]
    pub(crate) profile: Option<String>,
    /// Required `amr` value (repeatable, all required). Default: mfa. Replaces the default.
    #[arg(long, value_name = "VALUE", help_heading = "Step-up policy")]
    pub(crate) require_amr: Vec<String>,
    /// Accepted `acr` value (repeatable, any one is enough).
    #[arg(long, value_name = "VALUE", help_heading = "Step-up policy")]
    pub(crate) acr: Vec<String>,
    /// Require a login no older than this (`auth_time`), in seconds.
    #[arg(long, value_name = "SECONDS", help_heading = "Step-up policy")]
    pub(crate) max_age: Option<u64>,

    /// Print one JSON object instead of the checklist.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `stepup decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// The token; `-` or nothing reads it from stdin (one trailing newline is dropped).
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `stepup mint`.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("signing_key")
        .required(true)
        .multiple(false)
        .args(["secret", "secret_file", "key"])
))]
pub(crate) struct MintArgs {
    /// Signing algorithm. Default: HS256 for a secret, else what the key implies.
    #[arg(long, value_name = "ALG")]
    pub(crate) alg: Option<String>,
    /// Shared secret for HS256/384/512.
    #[arg(
        long,
        value_name = "SECRET",
        help_heading = "Signing key (exactly one)"
    )]
    pub(crate) secret: Option<String>,
    /// File holding the shared secret (one trailing newline is dropped).
    #[arg(long, value_name = "FILE", help_heading = "Signing key (exactly one)")]
    pub(crate) secret_file: Option<PathBuf>,
    /// Private key PEM file (PKCS#8, or RSA/EC private key).
    #[arg(
        long,
        value_name = "PRIVATE_PEM_FILE",
        help_heading = "Signing key (exactly one)"
    )]
    pub(crate) key: Option<PathBuf>,
    /// `kid` header parameter. May start with `-` (RFC 7638 thumbprints can).
    #[arg(long, value_name = "KID", allow_hyphen_values = true)]
    pub(crate) kid: Option<String>,
    /// `typ` header parameter (e.g. at+jwt for an access token).
    #[arg(long, value_name = "TYP", default_value = "JWT")]
    pub(crate) typ: String,

    /// `iss` claim.
    #[arg(long, value_name = "ISS", help_heading = "Claims")]
    pub(crate) issuer: Option<String>,
    /// `aud` claim (repeatable: several make an array).
    #[arg(long, value_name = "CLIENT_ID", help_heading = "Claims")]
    pub(crate) audience: Vec<String>,
    /// `sub` claim [default: test-user].
    #[arg(long, value_name = "SUB", help_heading = "Claims")]
    pub(crate) subject: Option<String>,
    /// `amr` value (repeatable). Default: no amr claim.
    #[arg(long, value_name = "VALUE", help_heading = "Claims")]
    pub(crate) amr: Vec<String>,
    /// `acr` claim.
    #[arg(long, value_name = "VALUE", help_heading = "Claims")]
    pub(crate) acr: Option<String>,
    /// `nonce` claim.
    #[arg(long, value_name = "NONCE", help_heading = "Claims")]
    pub(crate) nonce: Option<String>,
    /// `azp` claim.
    #[arg(long, value_name = "CLIENT_ID", help_heading = "Claims")]
    pub(crate) azp: Option<String>,
    /// `auth_time` claim: a Unix time, or `now`.
    #[arg(
        long,
        value_name = "UNIX|now",
        allow_negative_numbers = true,
        help_heading = "Claims"
    )]
    pub(crate) auth_time: Option<String>,
    /// Seconds from `iat` to `exp` [default: 3600].
    #[arg(
        long,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        help_heading = "Claims"
    )]
    pub(crate) lifetime: Option<i64>,
    /// `iat` as a Unix time (default: now).
    #[arg(
        long,
        value_name = "UNIX",
        allow_negative_numbers = true,
        help_heading = "Claims"
    )]
    pub(crate) now: Option<i64>,
    /// Extra claim `name=value` (repeatable); the value is JSON if it parses, else a string.
    #[arg(long = "claim", value_name = "NAME=VALUE", help_heading = "Claims")]
    pub(crate) claims: Vec<String>,
    /// JSON object of claims (file, or `-` for stdin), merged first; flags override it.
    #[arg(long, value_name = "FILE|-", help_heading = "Claims")]
    pub(crate) claims_json: Option<String>,
}

/// `stepup keygen`.
#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Key type: rsa, rsa3072, rsa4096, p256, p384, p521 or ed25519.
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_key_kind)]
    pub(crate) kind: stepup::KeyKind,
    /// Directory to write private.pem, public.pem and jwks.json into (default: current).
    #[arg(long, value_name = "DIR", conflicts_with = "stdout")]
    pub(crate) out_dir: Option<PathBuf>,
    /// Key id to publish (default: the RFC 7638 thumbprint). May start with `-`.
    #[arg(long, value_name = "KID", allow_hyphen_values = true)]
    pub(crate) kid: Option<String>,
    /// Overwrite existing files.
    #[arg(long, conflicts_with = "stdout")]
    pub(crate) force: bool,
    /// Print the private key, public key and JWKS to stdout instead of writing files.
    #[arg(long)]
    pub(crate) stdout: bool,
}

fn parse_key_kind(value: &str) -> Result<stepup::KeyKind, String> {
    value.parse().map_err(|e: stepup::Error| e.to_string())
}

/// `stepup issuer`.
#[derive(Debug, Args)]
pub(crate) struct IssuerArgs {
    /// What to do; without one, run the provider.
    #[command(subcommand)]
    pub(crate) action: Option<IssuerAction>,
    /// Provider configuration (TOML: users, clients, issuer URL, lifetimes).
    /// Default: demo users and one demo client, printed at start.
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000")]
    pub(crate) listen: std::net::SocketAddr,
    /// Directory for keys, generated demo credentials and sessions, kept across restarts.
    /// Default: $XDG_STATE_HOME/stepup/issuer (or ~/.local/state/stepup/issuer).
    #[arg(long, value_name = "DIR", global = true)]
    pub(crate) state_dir: Option<PathBuf>,
}

/// `stepup issuer <action>`.
#[derive(Debug, Subcommand)]
pub(crate) enum IssuerAction {
    /// Add a new signing key and sign with it; the previous key is kept for verification
    /// until the next rotation removes it. Works while the provider runs.
    RotateKeys,
}

/// `stepup demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Address of the example app.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub(crate) listen: std::net::SocketAddr,
    /// Address of the development provider.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000")]
    pub(crate) issuer_listen: std::net::SocketAddr,
    /// The provider's state directory (keys, generated passwords and TOTP secrets),
    /// shared with `stepup issuer`. Default: $XDG_STATE_HOME/stepup/issuer.
    #[arg(long, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
}

/// `stepup serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// What to do; without one, run the gateway.
    #[command(subcommand)]
    pub(crate) action: Option<ServeAction>,
    /// The gateway configuration (TOML).
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Check the configuration (and that the provider can be reached), print the
    /// resolved rules, and exit: 0 when all is well, 3 otherwise.
    #[arg(long)]
    pub(crate) check_config: bool,
    /// Log format.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub(crate) log_format: String,
}

/// `stepup serve <action>`.
#[derive(Debug, Subcommand)]
pub(crate) enum ServeAction {
    /// Print which rule matches a path and what the verdict would be.
    Explain(ExplainArgs),
}

/// `stepup serve explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The request path (with query), e.g. /admin/users?page=2.
    #[arg(long, value_name = "PATH")]
    pub(crate) path: String,
    /// The method.
    #[arg(long, value_name = "METHOD", default_value = "GET")]
    pub(crate) method: String,
    /// The host the request is for (rules with `host` match on it).
    #[arg(long, value_name = "HOST")]
    pub(crate) host: Option<String>,
    /// An ID token to decide with (verified with the provider's keys).
    #[arg(long, value_name = "TOKEN", allow_hyphen_values = true)]
    pub(crate) token: Option<String>,
}
