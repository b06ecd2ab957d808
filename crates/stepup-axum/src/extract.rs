//! Extractors for handlers behind a [`RequireLayer`](crate::RequireLayer).
//!
//! They read what the layer left in the request. Used on a route without the
//! layer they fail with a 500 that says so: forgetting the layer can never let a
//! request through.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::identity::Identity;
use crate::layer::Authenticated;

/// The verified login of the request: any route behind
/// [`StepUp::require`](crate::StepUp::require) or
/// [`require_login`](crate::StepUp::require_login).
///
/// ```no_run
/// use stepup_axum::Login;
///
/// async fn profile(Login(who): Login) -> String {
///     format!("hello {}", who.sub())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Login(pub Identity);

/// Proof that the request's login met a step-up policy (more than a plain login):
/// only routes behind [`StepUp::require`](crate::StepUp::require) with such a policy.
///
/// ```no_run
/// use stepup_axum::SteppedUp;
///
/// async fn reset_password(SteppedUp(who): SteppedUp) -> String {
///     format!("{} may reset the password", who.sub())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SteppedUp(pub Identity);

/// The rejection of [`Login`] and [`SteppedUp`] on a route without the right layer:
/// a programming error, answered with 500 (never an allow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingLayer {
    /// [`Login`] or [`SteppedUp`] on a route without a stepup layer.
    NoLayer,
    /// [`SteppedUp`] on a route whose layer asks only for a login.
    LoginOnly,
}

impl IntoResponse for MissingLayer {
    fn into_response(self) -> Response {
        let message = match self {
            Self::NoLayer => {
                "stepup: this handler uses the Login or SteppedUp extractor, but its route has no \
                 stepup layer; add .route_layer(stepup.require(policy))"
            }
            Self::LoginOnly => {
                "stepup: this handler uses SteppedUp, but its route's layer asks only for a login; \
                 use stepup.require(policy) with the step-up policy"
            }
        };
        tracing::error!(target: "stepup::reject", code = "missing_layer", "{message}");
        (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Login {
    type Rejection = MissingLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .map(|auth| Self(auth.identity.clone()))
            .ok_or(MissingLayer::NoLayer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SteppedUp {
    type Rejection = MissingLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let auth = parts
            .extensions
            .get::<Authenticated>()
            .ok_or(MissingLayer::NoLayer)?;
        match auth.stepped_up {
            Some(_) => Ok(Self(auth.identity.clone())),
            None => Err(MissingLayer::LoginOnly),
        }
    }
}
