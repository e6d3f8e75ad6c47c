//! The route guide again, this time imported from the canonical `route_guide.proto` by
//! `build.rs` (`grpc_proto_import::Builder`), and a server implementing the imported trait.
//! It speaks the same wire as the code-first [`crate::routeguide`]: the code-first client calls
//! this server unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use grpc_core::{Message, ServerContext, ServerStream, Status, Streaming};

/// The generated module (package `routeguide`).
#[allow(missing_docs)]
pub mod routeguide {
    grpc_core::include_proto!("routeguide");
}

use routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};

/// Converts between wire-identical types (here: code-first and imported twins).
fn convert<A: Message, B: Message + Default>(value: &A) -> B {
    B::decode(&value.encode_to_vec()[..]).unwrap_or_default()
}

/// Notes received so far, by (latitude, longitude).
type NotesByLocation = Arc<Mutex<HashMap<(i32, i32), Vec<RouteNote>>>>;

/// The route guide server, written against the imported trait.
#[derive(Debug, Clone)]
pub struct ImportedRouteGuide {
    features: Arc<Vec<Feature>>,
    notes: NotesByLocation,
}

impl ImportedRouteGuide {
    /// A server over the canonical feature database.
    pub fn load() -> Self {
        let features = crate::routeguide::load_features()
            .iter()
            .map(convert)
            .collect();
        ImportedRouteGuide {
            features: Arc::new(features),
            notes: Arc::default(),
        }
    }
}

impl routeguide::RouteGuide for ImportedRouteGuide {
    async fn get_feature(&self, _ctx: &ServerContext, request: Point) -> Result<Feature, Status> {
        let found = self
            .features
            .iter()
            .find(|f| f.location.as_ref() == Some(&request));
        Ok(found.cloned().unwrap_or(Feature {
            location: Some(request),
            ..Default::default()
        }))
    }

    async fn list_features(
        &self,
        _ctx: &ServerContext,
        request: Rectangle,
    ) -> Result<ServerStream<Feature>, Status> {
        let rect: crate::routeguide::Rectangle = convert(&request);
        let inside: Vec<Feature> = self
            .features
            .iter()
            .filter(|f| {
                f.location
                    .as_ref()
                    .is_some_and(|p| crate::routeguide::in_range(&convert(p), &rect))
            })
            .cloned()
            .collect();
        Ok(ServerStream::iter(inside))
    }

    async fn record_route(
        &self,
        _ctx: &ServerContext,
        mut request: Streaming<Point>,
    ) -> Result<RouteSummary, Status> {
        let started = std::time::Instant::now();
        let mut summary = RouteSummary::default();
        let mut total = 0.0;
        let mut previous: Option<crate::routeguide::Point> = None;
        while let Some(point) = request.message().await? {
            summary.point_count += 1;
            if self
                .features
                .iter()
                .any(|f| f.location.as_ref() == Some(&point) && !f.name.is_empty())
            {
                summary.feature_count += 1;
            }
            let point: crate::routeguide::Point = convert(&point);
            if let Some(previous) = previous {
                total += crate::routeguide::distance(&previous, &point);
            }
            previous = Some(point);
        }
        summary.distance = total as i32;
        summary.elapsed_time = started.elapsed().as_secs() as i32;
        Ok(summary)
    }

    async fn route_chat(
        &self,
        _ctx: &ServerContext,
        mut request: Streaming<RouteNote>,
    ) -> Result<ServerStream<RouteNote>, Status> {
        let notes = self.notes.clone();
        let (tx, stream) = ServerStream::channel(16);
        tokio::spawn(async move {
            while let Ok(Some(note)) = request.message().await {
                let at = note
                    .location
                    .as_ref()
                    .map_or((0, 0), |p| (p.latitude, p.longitude));
                let earlier = {
                    let mut notes = notes.lock().unwrap_or_else(|p| p.into_inner());
                    let list = notes.entry(at).or_default();
                    let earlier = list.clone();
                    list.push(note);
                    earlier
                };
                for reply in earlier {
                    if tx.send(Ok(reply)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(stream)
    }
}
