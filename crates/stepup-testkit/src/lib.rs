//! Test helpers shared by the stepup crates' tests. Not published; only ever a
//! dev-dependency.
//!
//! - [`log`]: a tracing subscriber that records every event, for tests that check what
//!   is logged (each rejection once, at debug, on `stepup::reject`, never the token).
//! - `browser` (feature `browser`): chromedriver and headless Chromium for the
//!   end-to-end browser tests, with the `STEPUP_SKIP_BROWSER_TESTS` /
//!   `STEPUP_REQUIRE_BROWSER_TESTS` switches.
//!
//! ```
//! use stepup_testkit::log::Recorder;
//!
//! let recorder = Recorder::install_global();
//! tracing::debug!(target: "stepup::reject", code = "token_expired", "rejected");
//! let events = recorder.events();
//! assert_eq!(events[0].target, "stepup::reject");
//! assert!(events[0].fields.contains("code=token_expired"));
//! ```

// A test kit fails the test that uses it by panicking, as test code does: on a broken
// fixture (`unwrap`/`expect`) and with messages on stderr (the skip notice).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

#[cfg(feature = "browser")]
pub mod browser;
pub mod log;
