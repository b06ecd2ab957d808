//! A tracing subscriber that records every event, for tests that check what is logged.
//!
//! tracing caches per-callsite interest process-wide, so install the recorder as the
//! global default ([`Recorder::install_global`]) before anything logs, in a test binary
//! of its own.

use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One event as the [`Recorder`] saw it.
#[derive(Clone, Debug)]
pub struct LogEvent {
    /// The event's target, such as `stepup::reject`.
    pub target: String,
    /// The event's level.
    pub level: Level,
    /// Every field (the message included) as `name=value `, in order; `Debug`
    /// formatting except for string values, which are written as they are.
    pub fields: String,
}

/// Records the target, level and fields of every event; a clone shares the record.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<LogEvent>>>);

impl Recorder {
    /// A recorder installed as the global default subscriber.
    ///
    /// # Panics
    ///
    /// If a global default subscriber is already set.
    pub fn install_global() -> Self {
        let recorder = Self::default();
        tracing::subscriber::set_global_default(recorder.clone())
            .expect("no global subscriber yet: use a test binary of its own");
        recorder
    }

    /// The events recorded so far, oldest first.
    pub fn events(&self) -> Vec<LogEvent> {
        self.0.lock().unwrap().clone()
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let meta = event.metadata();
        self.0.lock().unwrap().push(LogEvent {
            target: meta.target().to_owned(),
            level: *meta.level(),
            fields: fields.0,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Writes an event's fields as `name=value `.
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}
