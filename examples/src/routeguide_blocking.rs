//! The route guide served by blocking handlers: every method a plain `fn`, run on the
//! server's worker pool ([`ServerBuilder::max_workers`](grpc_core::server::ServerBuilder::max_workers))
//! instead of the async runtime, as a grpcio server runs on its `ThreadPoolExecutor`. On the
//! wire it is the same `routeguide.RouteGuide` as [`crate::routeguide`], so the same clients
//! (ours, grpcio's, grpc-go's) talk to it.

use std::sync::Arc;

use grpc_core::{RequestIter, ServerContext, ServerStream, Status};

use crate::routeguide::{
    in_range, load_features, record_note, Feature, NoteStore, Point, Rectangle, RouteNote,
    RouteRecorder, RouteSummary,
};

/// `routeguide.RouteGuide` with blocking handlers.
#[grpc_core::service(
    package = "routeguide",
    name = "RouteGuide",
    file = "route_guide_blocking.proto"
)]
pub trait BlockingRouteGuide: Send + Sync + 'static {
    /// Obtains the feature at a given position (an unnamed feature if there is none).
    fn get_feature(&self, point: Point) -> Result<Feature, Status>;

    /// Obtains the features available within the given rectangle, streamed.
    fn list_features(&self, rect: Rectangle) -> Result<ServerStream<Feature>, Status>;

    /// Accepts a stream of points on a route, returning a summary when it ends.
    fn record_route(
        &self,
        ctx: &ServerContext,
        points: RequestIter<Point>,
    ) -> Result<RouteSummary, Status>;

    /// Accepts route notes while receiving other notes sent at the same locations.
    fn route_chat(&self, notes: RequestIter<RouteNote>) -> Result<ServerStream<RouteNote>, Status>;
}

/// The blocking example server, over the canonical feature database.
#[derive(Debug, Clone)]
pub struct BlockingRouteGuideService {
    features: Arc<Vec<Feature>>,
    notes: Arc<NoteStore>,
}

impl BlockingRouteGuideService {
    /// A server over the canonical feature database.
    pub fn load() -> Self {
        BlockingRouteGuideService {
            features: Arc::new(load_features()),
            notes: Arc::default(),
        }
    }
}

impl BlockingRouteGuide for BlockingRouteGuideService {
    fn get_feature(&self, point: Point) -> Result<Feature, Status> {
        let found = self
            .features
            .iter()
            .find(|f| f.location.as_ref() == Some(&point))
            .cloned();
        Ok(found.unwrap_or(Feature {
            name: String::new(),
            location: Some(point),
        }))
    }

    fn list_features(&self, rect: Rectangle) -> Result<ServerStream<Feature>, Status> {
        let features = self.features.clone();
        // Pulled lazily on the handler's worker, one message ahead of the client.
        Ok(ServerStream::from_blocking_iter(
            (0..features.len())
                .map(move |i| features[i].clone())
                .filter(move |f| f.location.as_ref().is_some_and(|p| in_range(p, &rect)))
                .map(Ok),
        ))
    }

    fn record_route(
        &self,
        ctx: &ServerContext,
        points: RequestIter<Point>,
    ) -> Result<RouteSummary, Status> {
        let mut route = RouteRecorder::new(&self.features);
        for point in points {
            // A cancelled or timed-out upload is an `Err` here, never a clean end.
            let point = point?;
            if !ctx.is_active() {
                return Err(Status::cancelled("the client went away"));
            }
            route.point(point);
        }
        Ok(route.summary())
    }

    fn route_chat(&self, notes: RequestIter<RouteNote>) -> Result<ServerStream<RouteNote>, Status> {
        let store = self.notes.clone();
        // Each note read (blocking) on the worker yields the notes sent earlier at its place.
        let replies = notes.flat_map(move |note| -> Vec<Result<RouteNote, Status>> {
            match note {
                Ok(note) => record_note(&store, note).into_iter().map(Ok).collect(),
                Err(status) => vec![Err(status)],
            }
        });
        Ok(ServerStream::from_blocking_iter(replies))
    }
}
