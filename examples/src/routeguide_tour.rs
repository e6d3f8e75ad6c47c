//! The route guide client's walk through all four patterns, with the answers the canonical
//! database implies checked along the way, through the async client ([`run`]) or the blocking
//! one ([`run_blocking`]). Shared by `routeguide-client`, `demo` and tests.

use std::io::Write;
use std::time::Duration;

use crate::routeguide::{
    distance, load_features, Feature, Point, Rectangle, RouteGuideBlockingClient, RouteGuideClient,
    RouteNote, RouteSummary,
};

/// An answer that differs from what the canonical database implies.
#[derive(Debug)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Mismatch {}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Mismatch> {
    if ok {
        Ok(())
    } else {
        Err(Mismatch(what()))
    }
}

/// The tour's requests, and the answers the canonical database implies.
struct Plan {
    timeout: Duration,
    point: Point,
    rect: Rectangle,
    route: Vec<Point>,
    expected_distance: i32,
    notes: Vec<RouteNote>,
}

impl Plan {
    fn new() -> Plan {
        let route: Vec<Point> = load_features()
            .into_iter()
            .take(10)
            .filter_map(|f| f.location)
            .collect();
        let expected_distance = route
            .windows(2)
            .map(|w| distance(&w[0], &w[1]))
            .sum::<f64>() as i32;
        let note = |message: &str, longitude: i32| RouteNote {
            location: Some(Point {
                latitude: 0,
                longitude,
            }),
            message: message.to_owned(),
        };
        Plan {
            timeout: Duration::from_secs(10),
            point: Point {
                latitude: 409_146_138,
                longitude: -746_188_906,
            },
            rect: Rectangle {
                lo: Some(Point {
                    latitude: 400_000_000,
                    longitude: -750_000_000,
                }),
                hi: Some(Point {
                    latitude: 420_000_000,
                    longitude: -730_000_000,
                }),
            },
            route,
            expected_distance,
            notes: vec![
                note("First message", 1),
                note("Second message", 2),
                note("Third message", 3),
                note("Fourth message", 1),
                note("Fifth message", 2),
                note("Sixth message", 3),
            ],
        }
    }

    fn feature(
        &self,
        feature: &Feature,
        out: &mut dyn Write,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let expected = "Berkshire Valley Management Area Trail, Jefferson, NJ, USA";
        check(feature.name == expected, || {
            format!("GetFeature named {:?}", feature.name)
        })?;
        writeln!(out, "ok GetFeature {:?}", feature.name)?;
        Ok(())
    }

    fn nowhere(
        &self,
        nowhere: &Feature,
        out: &mut dyn Write,
    ) -> Result<(), Box<dyn std::error::Error>> {
        check(nowhere.name.is_empty(), || {
            format!("GetFeature(0,0) named {:?}", nowhere.name)
        })?;
        writeln!(out, "ok GetFeature (0, 0) has no feature")?;
        Ok(())
    }

    fn listed(&self, count: usize, out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
        check(count == 100, || {
            format!("ListFeatures streamed {count} features, expected 100")
        })?;
        writeln!(out, "ok ListFeatures streamed {count} features")?;
        Ok(())
    }

    fn summary(
        &self,
        summary: &RouteSummary,
        out: &mut dyn Write,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let expected_distance = self.expected_distance;
        check(
            summary.point_count == 10
                && summary.feature_count == 10
                && summary.distance == expected_distance,
            || {
                format!("RecordRoute summary {summary:?}, expected 10 points, 10 features, {expected_distance} m")
            },
        )?;
        writeln!(
            out,
            "ok RecordRoute {} points, {} m",
            summary.point_count, summary.distance
        )?;
        Ok(())
    }

    fn chat(&self, got: &[String], out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
        check(
            got == ["First message", "Second message", "Third message"],
            || format!("RouteChat replied {got:?}"),
        )?;
        writeln!(out, "ok RouteChat replied {got:?}")?;
        Ok(())
    }
}

/// Runs GetFeature, ListFeatures, RecordRoute and RouteChat, printing one line per check.
pub async fn run(
    client: &RouteGuideClient,
    out: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let plan = Plan::new();
    let timeout = plan.timeout;
    // Unary.
    let feature = client.get_feature(plan.point).timeout(timeout).await?;
    plan.feature(&feature, out)?;
    let nowhere = client
        .get_feature(Point::default())
        .timeout(timeout)
        .await?;
    plan.nowhere(&nowhere, out)?;
    // Server streaming.
    let mut stream = client
        .list_features(plan.rect.clone())
        .timeout(timeout)
        .await?;
    let mut count = 0;
    while let Some(_feature) = stream.message().await? {
        count += 1;
    }
    plan.listed(count, out)?;
    // Client streaming.
    let summary = client
        .record_route(grpc_core::stream::iter(plan.route.clone()))
        .timeout(timeout)
        .await?;
    plan.summary(&summary, out)?;
    // Bidirectional streaming.
    let mut replies = client
        .route_chat(grpc_core::stream::iter(plan.notes.clone()))
        .timeout(timeout)
        .await?;
    let mut got = Vec::new();
    while let Some(reply) = replies.message().await? {
        got.push(reply.message);
    }
    plan.chat(&got, out)
}

/// [`run`], through the blocking client: no async in sight.
pub fn run_blocking(
    client: &RouteGuideBlockingClient,
    out: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let plan = Plan::new();
    let timeout = plan.timeout;
    let feature = client.get_feature(plan.point).timeout(timeout).call()?;
    plan.feature(&feature, out)?;
    let nowhere = client
        .get_feature(Point::default())
        .timeout(timeout)
        .call()?;
    plan.nowhere(&nowhere, out)?;
    let mut count = 0;
    for feature in client
        .list_features(plan.rect.clone())
        .timeout(timeout)
        .call()?
    {
        feature?;
        count += 1;
    }
    plan.listed(count, out)?;
    let summary = client
        .record_route(plan.route.clone())
        .timeout(timeout)
        .call()?;
    plan.summary(&summary, out)?;
    let got = client
        .route_chat(plan.notes.clone())
        .timeout(timeout)
        .call()?
        .map(|reply| reply.map(|note| note.message))
        .collect::<Result<Vec<String>, _>>()?;
    plan.chat(&got, out)
}
