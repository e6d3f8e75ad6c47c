//! The route guide: package `routeguide`, wire-identical to the canonical `route_guide.proto`
//! (all four call patterns), and the example server implementation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use grpc_core::{Message, ServerStream, Status, Streaming};

/// Points are latitude-longitude pairs in the E7 representation (degrees times 10**7).
#[derive(Message, Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[grpc(package = "routeguide", file = "route_guide.proto")]
pub struct Point {
    /// Latitude in E7.
    pub latitude: i32,
    /// Longitude in E7.
    pub longitude: i32,
}

/// A latitude-longitude rectangle, given as two diagonally opposite points.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "routeguide", file = "route_guide.proto")]
pub struct Rectangle {
    /// One corner of the rectangle.
    pub lo: Option<Point>,
    /// The other corner of the rectangle.
    pub hi: Option<Point>,
}

/// A feature names something at a given point.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "routeguide", file = "route_guide.proto")]
pub struct Feature {
    /// The name of the feature.
    pub name: String,
    /// The point where the feature is detected.
    pub location: Option<Point>,
}

/// A message sent while at a given point.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "routeguide", file = "route_guide.proto")]
pub struct RouteNote {
    /// The location from which the message is sent.
    pub location: Option<Point>,
    /// The message to be sent.
    pub message: String,
}

/// The summary of a traversed route.
#[derive(Message, Clone, PartialEq, Eq, Debug)]
#[grpc(package = "routeguide", file = "route_guide.proto")]
pub struct RouteSummary {
    /// The number of points received.
    pub point_count: i32,
    /// The number of known features passed while traversing the route.
    pub feature_count: i32,
    /// The distance covered in metres.
    pub distance: i32,
    /// The duration of the traversal in seconds.
    pub elapsed_time: i32,
}

/// Interface exported by the server.
#[grpc_core::service(package = "routeguide", file = "route_guide.proto")]
pub trait RouteGuide: Send + Sync + 'static {
    /// Obtains the feature at a given position (an unnamed feature if there is none).
    async fn get_feature(&self, point: Point) -> Result<Feature, Status>;

    /// Obtains the features available within the given rectangle, streamed.
    async fn list_features(&self, rect: Rectangle) -> Result<ServerStream<Feature>, Status>;

    /// Accepts a stream of points on a route, returning a summary when it ends.
    async fn record_route(&self, points: Streaming<Point>) -> Result<RouteSummary, Status>;

    /// Accepts route notes while receiving other notes sent at the same locations.
    async fn route_chat(
        &self,
        notes: Streaming<RouteNote>,
    ) -> Result<ServerStream<RouteNote>, Status>;
}

#[derive(serde::Deserialize)]
struct DbFeature {
    location: DbPoint,
    name: String,
}

#[derive(serde::Deserialize)]
struct DbPoint {
    latitude: i32,
    longitude: i32,
}

/// The canonical example's feature database (100 features).
pub fn load_features() -> Vec<Feature> {
    let db: Vec<DbFeature> =
        serde_json::from_str(include_str!("../data/route_guide_db.json")).unwrap_or_default();
    db.into_iter()
        .map(|f| Feature {
            name: f.name,
            location: Some(Point {
                latitude: f.location.latitude,
                longitude: f.location.longitude,
            }),
        })
        .collect()
}

/// The example server.
#[derive(Debug, Clone)]
pub struct RouteGuideService {
    features: Arc<Vec<Feature>>,
    notes: Arc<NoteStore>,
}

impl RouteGuideService {
    /// A server over the canonical feature database.
    pub fn load() -> Self {
        RouteGuideService {
            features: Arc::new(load_features()),
            notes: Arc::default(),
        }
    }
}

/// Whether `point` lies in `rect` (bounds inclusive, corners in any order).
pub fn in_range(point: &Point, rect: &Rectangle) -> bool {
    let (lo, hi) = (rect.lo.unwrap_or_default(), rect.hi.unwrap_or_default());
    let (left, right) = (
        lo.longitude.min(hi.longitude),
        lo.longitude.max(hi.longitude),
    );
    let (bottom, top) = (lo.latitude.min(hi.latitude), lo.latitude.max(hi.latitude));
    point.longitude >= left
        && point.longitude <= right
        && point.latitude >= bottom
        && point.latitude <= top
}

/// Great-circle distance in metres between two E7 points (haversine, as the canonical example).
pub fn distance(a: &Point, b: &Point) -> f64 {
    const COORD_FACTOR: f64 = 1e7;
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let lat1 = (a.latitude as f64 / COORD_FACTOR).to_radians();
    let lat2 = (b.latitude as f64 / COORD_FACTOR).to_radians();
    let lng1 = (a.longitude as f64 / COORD_FACTOR).to_radians();
    let lng2 = (b.longitude as f64 / COORD_FACTOR).to_radians();
    let (dlat, dlng) = (lat2 - lat1, lng2 - lng1);
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
    EARTH_RADIUS_M * 2.0 * h.sqrt().atan2((1.0 - h).sqrt())
}

/// The notes posted so far, by place.
pub type NoteStore = Mutex<HashMap<Point, Vec<RouteNote>>>;

/// Posts `note` at its place; returns the notes posted there before it.
pub fn record_note(store: &NoteStore, note: RouteNote) -> Vec<RouteNote> {
    let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
    let at = store.entry(note.location.unwrap_or_default()).or_default();
    let earlier = at.clone();
    at.push(note);
    earlier
}

/// Sums up a route as its points arrive (`RecordRoute`).
#[derive(Debug)]
pub struct RouteRecorder<'a> {
    features: &'a [Feature],
    started: Instant,
    summary: RouteSummary,
    /// Summed as floats and truncated once, as the canonical Python example does.
    total: f64,
    previous: Option<Point>,
}

impl<'a> RouteRecorder<'a> {
    /// A route over `features`, starting now.
    pub fn new(features: &'a [Feature]) -> Self {
        RouteRecorder {
            features,
            started: Instant::now(),
            summary: RouteSummary::default(),
            total: 0.0,
            previous: None,
        }
    }

    /// The next point of the route.
    pub fn point(&mut self, point: Point) {
        self.summary.point_count += 1;
        let known = self
            .features
            .iter()
            .any(|f| f.location.as_ref() == Some(&point) && !f.name.is_empty());
        if known {
            self.summary.feature_count += 1;
        }
        if let Some(previous) = &self.previous {
            self.total += distance(previous, &point);
        }
        self.previous = Some(point);
    }

    /// The summary of the points so far.
    pub fn summary(mut self) -> RouteSummary {
        self.summary.distance = self.total as i32;
        self.summary.elapsed_time = self.started.elapsed().as_secs() as i32;
        self.summary
    }
}

impl RouteGuide for RouteGuideService {
    async fn get_feature(&self, point: Point) -> Result<Feature, Status> {
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

    async fn list_features(&self, rect: Rectangle) -> Result<ServerStream<Feature>, Status> {
        let features: Vec<Feature> = self
            .features
            .iter()
            .filter(|f| f.location.as_ref().is_some_and(|p| in_range(p, &rect)))
            .cloned()
            .collect();
        Ok(ServerStream::iter(features))
    }

    async fn record_route(&self, mut points: Streaming<Point>) -> Result<RouteSummary, Status> {
        let mut route = RouteRecorder::new(&self.features);
        while let Some(point) = points.message().await? {
            route.point(point);
        }
        Ok(route.summary())
    }

    async fn route_chat(
        &self,
        mut notes: Streaming<RouteNote>,
    ) -> Result<ServerStream<RouteNote>, Status> {
        let store = self.notes.clone();
        let (replies, stream) = ServerStream::channel(16);
        tokio::spawn(async move {
            loop {
                let note = match notes.message().await {
                    Ok(Some(note)) => note,
                    Ok(None) => break,
                    Err(status) => {
                        let _ = replies.send(Err(status)).await;
                        break;
                    }
                };
                let earlier = record_note(&store, note);
                for reply in earlier {
                    if replies.send(Ok(reply)).await.is_err() {
                        return; // the client went away
                    }
                }
            }
        });
        Ok(stream)
    }
}
