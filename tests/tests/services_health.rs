//! `grpc.health.v1.Health` from `ServerBuilder::with_health`: Check and Watch with our own
//! client and with grpcio-health-checking's, statuses set through the reporter, and
//! NOT_SERVING on `stop(grace)` before the drain.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Stdio};
use std::time::Duration;

use examples::helloworld::{GreeterServer, MyGreeter};
use grpc_core::services::health::v1::{HealthCheckRequest, HealthClient};
use grpc_core::services::health::ServingStatus;
use grpc_core::{Code, Server, Streaming};
use grpc_tests::python;
use grpc_tests::servers::TestServer;

const GREETER: &str = "helloworld.Greeter";

async fn server() -> TestServer {
    TestServer::start(
        Server::builder()
            .add_service(GreeterServer::new(MyGreeter))
            .with_health(),
    )
    .await
}

fn request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.into(),
    }
}

async fn next(
    watch: &mut Streaming<grpc_core::services::health::v1::HealthCheckResponse>,
) -> ServingStatus {
    tokio::time::timeout(Duration::from_secs(10), watch.message())
        .await
        .expect("a health update within 10 s")
        .expect("watch stream ok")
        .expect("watch stream still open")
        .status
}

#[tokio::test]
async fn check_answers_serving_not_serving_and_not_found() {
    let server = server().await;
    let health = server.server.health().expect("health reporter");
    let client = HealthClient::new(server.channel.clone());
    for service in ["", GREETER, "grpc.health.v1.Health"] {
        let response = client.check(request(service)).await.expect(service);
        assert_eq!(response.status, ServingStatus::Serving, "{service:?}");
    }
    health.set_not_serving(GREETER);
    let response = client.check(request(GREETER)).await.unwrap();
    assert_eq!(response.status, ServingStatus::NotServing);
    let error = client.check(request("no.Such")).await.unwrap_err();
    assert_eq!(error.code(), Code::NotFound, "{error}");
    health.clear_status(GREETER);
    let error = client.check(request(GREETER)).await.unwrap_err();
    assert_eq!(error.code(), Code::NotFound, "{error}");
}

#[tokio::test]
async fn watch_streams_every_change_and_unknown_services() {
    let server = server().await;
    let health = server.server.health().unwrap();
    let client = HealthClient::new(server.channel.clone());

    let mut watch = client.watch(request(GREETER)).await.unwrap();
    assert_eq!(next(&mut watch).await, ServingStatus::Serving);
    health.set_not_serving(GREETER);
    health.set_serving("other"); // not this watch's service
    health.set_serving(GREETER);
    health.clear_status(GREETER);
    assert_eq!(next(&mut watch).await, ServingStatus::NotServing);
    assert_eq!(next(&mut watch).await, ServingStatus::Serving);
    assert_eq!(next(&mut watch).await, ServingStatus::ServiceUnknown);

    // An unknown service: SERVICE_UNKNOWN at once, the call stays open, the status comes later.
    let mut late = client.watch(request("late.Service")).await.unwrap();
    assert_eq!(next(&mut late).await, ServingStatus::ServiceUnknown);
    health.set_serving("late.Service");
    assert_eq!(next(&mut late).await, ServingStatus::Serving);
}

#[tokio::test]
async fn stop_turns_every_service_not_serving_before_the_drain() {
    let server = server().await;
    let client = HealthClient::new(server.channel.clone());
    let mut whole = client.watch(request("")).await.unwrap();
    let mut greeter = client.watch(request(GREETER)).await.unwrap();
    assert_eq!(next(&mut whole).await, ServingStatus::Serving);
    assert_eq!(next(&mut greeter).await, ServingStatus::Serving);
    let stopping = server.server.clone();
    let stop = tokio::spawn(async move { stopping.stop(Some(Duration::from_secs(30))).await });
    // The watches are calls in flight: they hear NOT_SERVING during the grace period.
    assert_eq!(next(&mut whole).await, ServingStatus::NotServing);
    assert_eq!(next(&mut greeter).await, ServingStatus::NotServing);
    let health = server.server.health().unwrap();
    health.set_serving(GREETER); // ignored once stopping
    assert_eq!(health.status(GREETER), Some(ServingStatus::NotServing));
    drop((whole, greeter));
    tokio::time::timeout(Duration::from_secs(20), stop)
        .await
        .expect("the drain ends once the watches are gone")
        .unwrap();
}

#[tokio::test]
async fn grpcio_health_checking_check() {
    let server = server().await;
    let addr = format!("127.0.0.1:{}", server.port);
    server
        .server
        .health()
        .unwrap()
        .set_not_serving("paused.Service");
    let output = python::run(
        "health_client.py",
        &[
            "--addr",
            &addr,
            "check",
            "",
            GREETER,
            "paused.Service",
            "no.Such",
        ],
    )
    .await;
    python::assert_success("health_client.py check", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            " SERVING",
            "helloworld.Greeter SERVING",
            "paused.Service NOT_SERVING",
            "no.Such code=NOT_FOUND"
        ],
        "{stdout}"
    );
}

/// A running `health_client.py watch`, read line by line.
struct PythonWatch {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl PythonWatch {
    fn start(addr: &str, service: &str, count: usize) -> PythonWatch {
        let mut child = python::script(
            "health_client.py",
            &["--addr", addr, "watch", service, &count.to_string()],
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("start health_client.py");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        PythonWatch { child, lines }
    }

    async fn line(&mut self) -> String {
        let lines = &mut self.lines;
        tokio::task::block_in_place(|| lines.next())
            .expect("health_client.py printed a line")
            .expect("read line")
    }
}

impl Drop for PythonWatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcio_health_checking_watch() {
    let server = server().await;
    let health = server.server.health().unwrap();
    let addr = format!("127.0.0.1:{}", server.port);

    let mut watch = PythonWatch::start(&addr, GREETER, 3);
    assert_eq!(watch.line().await, "SERVING");
    health.set_not_serving(GREETER);
    assert_eq!(watch.line().await, "NOT_SERVING");
    health.set_serving(GREETER);
    assert_eq!(watch.line().await, "SERVING");
    assert!(watch.child.wait().unwrap().success());

    let mut unknown = PythonWatch::start(&addr, "later.Service", 2);
    assert_eq!(unknown.line().await, "SERVICE_UNKNOWN");
    health.set_serving("later.Service");
    assert_eq!(unknown.line().await, "SERVING");
    assert!(unknown.child.wait().unwrap().success());

    let mut stopping = PythonWatch::start(&addr, "", 2);
    assert_eq!(stopping.line().await, "SERVING");
    let server_handle = server.server.clone();
    let stop = tokio::spawn(async move { server_handle.stop(Some(Duration::from_secs(10))).await });
    assert_eq!(stopping.line().await, "NOT_SERVING");
    assert!(stopping.child.wait().unwrap().success());
    stop.await.unwrap();
}
