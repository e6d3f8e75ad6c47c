//! Raw HTTP/2 gRPC requests (through the `h2` crate) for sending what a well-behaved client
//! never would: malformed frames, hand-set headers.

use bytes::Bytes;
use http::Request;

/// Frames `message` as one uncompressed gRPC message.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + message.len());
    out.push(0);
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
    out
}

/// Sends one request with `body` to `path` on `127.0.0.1:port`; returns the `grpc-status`
/// (from trailers, or headers for a trailers-only response) and `grpc-message`.
pub async fn call(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (Option<String>, Option<String>) {
    let (mut client, _connection) = connect(port).await;
    send(&mut client, path, headers, body).await
}

/// An HTTP/2 client connection to `127.0.0.1:port`, driven in the background.
pub async fn connect(port: u16) -> (h2::client::SendRequest<Bytes>, tokio::task::JoinHandle<()>) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("h2 handshake");
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    (client, driver)
}

/// Sends one request on an existing connection; see [`call`].
pub async fn send(
    client: &mut h2::client::SendRequest<Bytes>,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (Option<String>, Option<String>) {
    let mut ready = client.clone().ready().await.expect("ready");
    let (response, mut stream) = ready
        .send_request(grpc_request(path, headers), false)
        .expect("send");
    stream
        .send_data(Bytes::copy_from_slice(body), true)
        .expect("send body");
    let response = response.await.expect("response");
    let field = |map: &http::HeaderMap, name: &str| {
        map.get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    if let Some(status) = field(response.headers(), "grpc-status") {
        return (Some(status), field(response.headers(), "grpc-message"));
    }
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("data");
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await.expect("trailers").unwrap_or_default();
    (
        field(&trailers, "grpc-status"),
        field(&trailers, "grpc-message"),
    )
}

/// A gRPC POST to `path` with `headers` added.
/// A gRPC POST to `path` with `headers` added.
pub fn grpc_request(path: &str, headers: &[(&str, &str)]) -> Request<()> {
    let mut request = Request::post(format!("http://127.0.0.1{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(()).expect("request")
}

/// Like [`send`], but a failed exchange (refused stream, reset, closed connection) is an
/// `Err` with h2's error instead of a panic.
pub async fn send_checked(
    client: &mut h2::client::SendRequest<Bytes>,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Option<String>, h2::Error> {
    let mut ready = client.clone().ready().await?;
    let (response, mut stream) = ready.send_request(grpc_request(path, headers), false)?;
    stream.send_data(Bytes::copy_from_slice(body), true)?;
    let response = response.await?;
    if let Some(status) = response.headers().get("grpc-status") {
        return Ok(Some(
            String::from_utf8_lossy(status.as_bytes()).into_owned(),
        ));
    }
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await?.unwrap_or_default();
    Ok(trailers
        .get("grpc-status")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()))
}

/// Everything a raw call got back.
#[derive(Debug, Default)]
pub struct Exchange {
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The body's bytes (the gRPC frames).
    pub data: Vec<u8>,
    /// The trailers (empty for a trailers-only response).
    pub trailers: http::HeaderMap,
}

impl Exchange {
    /// `grpc-status` from the trailers, or from the headers of a trailers-only response.
    pub fn status(&self) -> Option<&str> {
        self.trailers
            .get("grpc-status")
            .or_else(|| self.headers.get("grpc-status"))
            .and_then(|v| v.to_str().ok())
    }

    /// The gRPC frames of the body: (compressed flag, payload).
    pub fn frames(&self) -> Vec<(u8, Vec<u8>)> {
        let mut frames = Vec::new();
        let mut rest = &self.data[..];
        while rest.len() >= 5 {
            let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
            let end = (5 + len).min(rest.len());
            frames.push((rest[0], rest[5..end].to_vec()));
            rest = &rest[end..];
        }
        frames
    }
}

/// Sends one request and collects the whole response.
pub async fn exchange(port: u16, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Exchange {
    let (client, _driver) = connect(port).await;
    let mut ready = client.ready().await.expect("ready");
    let (response, mut stream) = ready
        .send_request(grpc_request(path, headers), false)
        .expect("send");
    stream
        .send_data(Bytes::copy_from_slice(body), true)
        .expect("send body");
    let response = response.await.expect("response");
    let headers = response.headers().clone();
    let mut body = response.into_body();
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("data");
        let _ = body.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await.expect("trailers").unwrap_or_default();
    Exchange {
        headers,
        data,
        trailers,
    }
}
