//! The server's gRPC layer fed arbitrary HTTP/2 requests: method, path, headers (any name h2
//! lets through, any value bytes) and a body in arbitrary chunks, sent by an h2 client over an
//! in-memory pipe to a server with one service of each call shape. The server must answer
//! every request (an HTTP error, or a gRPC status in the headers or trailers) within a bounded
//! time, and never panic: a panic in a server task would show as a request left unanswered.

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use grpc_core::{Message, Server, ServerStream, Status, Streaming};
use libfuzzer_sys::fuzz_target;

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "fuzz")]
pub struct Note {
    pub text: String,
    pub n: u32,
}

#[grpc_core::service(package = "fuzz")]
pub trait Echo: Send + Sync + 'static {
    async fn unary(&self, note: Note) -> Result<Note, Status>;
    async fn server_stream(&self, note: Note) -> Result<ServerStream<Note>, Status>;
    async fn client_stream(&self, notes: Streaming<Note>) -> Result<Note, Status>;
    async fn bidi(&self, notes: Streaming<Note>) -> Result<ServerStream<Note>, Status>;
}

struct Service;

impl Echo for Service {
    async fn unary(&self, note: Note) -> Result<Note, Status> {
        Ok(note)
    }

    async fn server_stream(&self, note: Note) -> Result<ServerStream<Note>, Status> {
        let count = note.n % 8;
        Ok(ServerStream::iter((0..count).map(move |n| Note { text: note.text.clone(), n })))
    }

    async fn client_stream(&self, mut notes: Streaming<Note>) -> Result<Note, Status> {
        let mut count = 0;
        while notes.message().await?.is_some() {
            count += 1;
        }
        Ok(Note { text: String::new(), n: count })
    }

    async fn bidi(&self, mut notes: Streaming<Note>) -> Result<ServerStream<Note>, Status> {
        let mut all = Vec::new();
        while let Some(note) = notes.message().await? {
            all.push(note);
        }
        Ok(ServerStream::iter(all))
    }
}

const PATHS: [&str; 6] = [
    "/fuzz.Echo/Unary",
    "/fuzz.Echo/ServerStream",
    "/fuzz.Echo/ClientStream",
    "/fuzz.Echo/Bidi",
    "/fuzz.Echo/Missing",
    "/other.Service/Unary",
];

const METHODS: [&str; 4] = ["POST", "POST", "GET", "PUT"];

/// A runtime per input, dropped after it: shutting it down drops every task the exchange left
/// (the client's connection task, the server's stream tasks), so nothing of one input outlives
/// it. (A runtime kept across inputs keeps such tasks alive through their wakers, which
/// LeakSanitizer reports at exit.)
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        Server::builder()
            .add_service(EchoServer::new(Service))
            .max_receive_message_size(64 * 1024)
            .build()
    })
}

/// Input: selector byte (method, path), header count, then `len name len value` pairs, then
/// chunk-size byte and the body (cut into chunks of that size).
struct Request {
    method: &'static str,
    path: &'static str,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
    chunk: usize,
    body: Vec<u8>,
}

fn parse(data: &[u8]) -> Option<Request> {
    let (&selector, rest) = data.split_first()?;
    let (&count, mut rest) = rest.split_first()?;
    let mut headers = vec![
        (http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/grpc")),
        (http::header::TE, http::HeaderValue::from_static("trailers")),
    ];
    if selector & 0x80 != 0 {
        headers.clear();
    }
    for _ in 0..count % 16 {
        let (&len, r) = rest.split_first()?;
        let (name, r) = r.split_at_checked(usize::from(len % 32))?;
        let (&len, r) = r.split_first()?;
        let (value, r) = r.split_at_checked(usize::from(len))?;
        rest = r;
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            headers.push((name, value));
        }
    }
    let (&chunk, body) = rest.split_first().unwrap_or((&0, &[]));
    Some(Request {
        method: METHODS[usize::from(selector >> 5 & 0x3)],
        path: PATHS[usize::from(selector & 0x1f) % PATHS.len()],
        headers,
        chunk: usize::from(chunk).max(1),
        body: body.to_vec(),
    })
}

async fn exchange(request: Request) {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let _serving = AbortOnDrop(tokio::spawn(server().serve_connection_for_fuzzing(server_io)));
    let (client, connection) = h2::client::handshake(client_io).await.expect("handshake");
    let _connection = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let mut builder = http::Request::builder()
        .method(request.method)
        .uri(format!("http://fuzz{}", request.path));
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    let Ok(http_request) = builder.body(()) else {
        return;
    };
    let Ok(mut ready) = client.ready().await else {
        return;
    };
    // h2 refuses some requests itself (connection-specific headers...): nothing reached us.
    let Ok((response, mut stream)) = ready.send_request(http_request, false) else {
        return;
    };
    for piece in request.body.chunks(request.chunk) {
        if stream.send_data(Bytes::copy_from_slice(piece), false).is_err() {
            break;
        }
    }
    let _ = stream.send_data(Bytes::new(), true);
    let response = match response.await {
        Ok(response) => response,
        // A stream reset by the server (e.g. headers h2 rejects) is an answer too.
        Err(error) if error.reason().is_some() => return,
        Err(error) => panic!("the connection failed: {error}"),
    };
    if response.status() != http::StatusCode::OK {
        return;
    }
    if response.headers().contains_key("grpc-status") {
        return;
    }
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        match chunk {
            Ok(chunk) => {
                let _ = body.flow_control().release_capacity(chunk.len());
            }
            Err(error) if error.reason().is_some() => return,
            Err(error) => panic!("the response failed: {error}"),
        }
    }
    let trailers = body.trailers().await.expect("trailers");
    assert!(
        trailers.is_some_and(|t| t.contains_key("grpc-status")),
        "a 200 response without grpc-status"
    );
}

/// Ends the server's side of the connection whatever way the exchange ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(request) = parse(data) else {
        return;
    };
    let runtime = runtime();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), exchange(request))
            .await
            .expect("the server answered in time");
    });
    drop(runtime);
});
