//! The tower layer that guards a route with a policy.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;
use stepup::Policy;
use tower_layer::Layer;
use tower_service::Service;

use crate::config::StepUp;
use crate::identity::Identity;

/// What the layer leaves in the request's extensions for the extractors.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub(crate) identity: Identity,
    /// The policy the login met, when it asked for more than a login.
    pub(crate) stepped_up: Option<Arc<Policy>>,
}

/// Guards the routes it wraps with a [`Policy`]; made by [`StepUp::require`] or
/// [`StepUp::require_login`].
#[derive(Debug, Clone)]
pub struct RequireLayer {
    stepup: StepUp,
    policy: Arc<Policy>,
}

impl StepUp {
    /// A layer that lets requests through only with a login that meets `policy`;
    /// every other request gets its answer from the outcome table (401 with
    /// `WWW-Authenticate` for API clients, the login redirect for browsers, …).
    ///
    /// ```no_run
    /// # fn demo(stepup: stepup_axum::StepUp) {
    /// use axum::{Router, routing::get};
    /// use stepup::Policy;
    ///
    /// let app: Router = Router::new()
    ///     .route("/security", get(|| async { "recovery codes" }))
    ///     .route_layer(stepup.require(Policy::default().with_max_age(300)));
    /// # }
    /// ```
    ///
    /// A policy with more than 16 `amr` or `acr` values, or values over 256 bytes,
    /// cannot travel through the login URL: such a layer still guards its routes,
    /// but browsers cannot log in for them; it is logged as an error here.
    pub fn require(&self, policy: Policy) -> RequireLayer {
        if !crate::need::Need::from_policy(&policy).fits() {
            tracing::error!(
                target: "stepup::config",
                "a stepup policy has more than 16 amr or acr values, or one over 256 bytes: \
                 browsers cannot log in for its routes; shorten the policy"
            );
        }
        RequireLayer {
            stepup: self.clone(),
            policy: Arc::new(policy),
        }
    }

    /// A layer that needs only a valid login (no `amr`, `acr` or age requirement).
    pub fn require_login(&self) -> RequireLayer {
        self.require(Policy::default().with_required_amr(Vec::<String>::new()))
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            stepup: self.stepup.clone(),
            policy: Arc::clone(&self.policy),
        }
    }
}

/// The service of a [`RequireLayer`].
#[derive(Debug, Clone)]
pub struct RequireService<S> {
    inner: S,
    stepup: StepUp,
    policy: Arc<Policy>,
}

impl<S, B> Service<Request<B>> for RequireService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready handles this request (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let stepup = self.stepup.clone();
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let decided = stepup.decide(&parts.method, &parts.headers, &policy).await;
            match decided.result {
                Ok(identity) => {
                    let stepped_up = (!policy.requires_nothing()).then_some(policy);
                    parts.extensions.insert(Authenticated {
                        identity,
                        stepped_up,
                    });
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(refusal) => {
                    // The URI as the client sent it: inside `Router::nest`, `parts.uri`
                    // has lost the prefix.
                    let uri = parts
                        .extensions
                        .get::<axum::extract::OriginalUri>()
                        .map_or(&parts.uri, |original| &original.0);
                    let return_to = uri.path_and_query().map_or("/", |pq| pq.as_str());
                    Ok(stepup.refuse(
                        &refusal,
                        decided.kind,
                        decided.drop_session,
                        return_to,
                        &policy,
                    ))
                }
            }
        })
    }
}
