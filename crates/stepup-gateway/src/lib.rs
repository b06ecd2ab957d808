//! # stepup-gateway
//!
//! The forward-auth gateway behind `stepup serve` (work in progress): the pieces
//! built so far are the path normalisation and the path globs its rules match on.

mod config;
mod glob;
mod path;

pub use config::{
    ClientAuthName, ConfigError, DEFAULT_LIFETIME, FileConfig, ProviderConfig, Require, Rule,
    RuleConfig, SessionConfig,
};
pub use glob::{GlobError, PathGlob};
pub use path::{PathError, normalise_path};
