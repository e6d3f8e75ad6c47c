//! The route guide client's walk through all four patterns, with the answers the canonical
//! database implies checked along the way. Shared by `routeguide-client`, `demo` and tests.

use std::io::Write;
use std::time::Duration;

use crate::routeguide::{distance, load_features, Point, Rectangle, RouteGuideClient, RouteNote};

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

/// Runs GetFeature, ListFeatures, RecordRoute and RouteChat, printing one line per check.
pub async fn run(
    client: &RouteGuideClient,
    out: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let timeout = Duration::from_secs(10);

    // Unary.
    let point = Point {
        latitude: 409_146_138,
        longitude: -746_188_906,
    };
    let feature = client.get_feature(point).timeout(timeout).await?;
    let expected = "Berkshire Valley Management Area Trail, Jefferson, NJ, USA";
    check(feature.name == expected, || {
        format!("GetFeature named {:?}", feature.name)
    })?;
    writeln!(out, "ok GetFeature {:?}", feature.name)?;
    let nowhere = client
        .get_feature(Point::default())
        .timeout(timeout)
        .await?;
    check(nowhere.name.is_empty(), || {
        format!("GetFeature(0,0) named {:?}", nowhere.name)
    })?;
    writeln!(out, "ok GetFeature (0, 0) has no feature")?;

    // Server streaming.
    let rect = Rectangle {
        lo: Some(Point {
            latitude: 400_000_000,
            longitude: -750_000_000,
        }),
        hi: Some(Point {
            latitude: 420_000_000,
            longitude: -730_000_000,
        }),
    };
    let mut stream = client.list_features(rect).timeout(timeout).await?;
    let mut count = 0;
    while let Some(_feature) = stream.message().await? {
        count += 1;
    }
    check(count == 100, || {
        format!("ListFeatures streamed {count} features, expected 100")
    })?;
    writeln!(out, "ok ListFeatures streamed {count} features")?;

    // Client streaming.
    let route: Vec<Point> = load_features()
        .into_iter()
        .take(10)
        .filter_map(|f| f.location)
        .collect();
    let expected_distance = route
        .windows(2)
        .map(|w| distance(&w[0], &w[1]))
        .sum::<f64>() as i32;
    let summary = client
        .record_route(grpc_core::stream::iter(route))
        .timeout(timeout)
        .await?;
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

    // Bidirectional streaming.
    let note = |message: &str, longitude: i32| RouteNote {
        location: Some(Point {
            latitude: 0,
            longitude,
        }),
        message: message.to_owned(),
    };
    let notes = vec![
        note("First message", 1),
        note("Second message", 2),
        note("Third message", 3),
        note("Fourth message", 1),
        note("Fifth message", 2),
        note("Sixth message", 3),
    ];
    let mut replies = client
        .route_chat(grpc_core::stream::iter(notes))
        .timeout(timeout)
        .await?;
    let mut got = Vec::new();
    while let Some(reply) = replies.message().await? {
        got.push(reply.message);
    }
    check(
        got == ["First message", "Second message", "Third message"],
        || format!("RouteChat replied {got:?}"),
    )?;
    writeln!(out, "ok RouteChat replied {got:?}")?;
    Ok(())
}
