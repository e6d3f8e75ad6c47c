//! Run with: `cargo run -p examples --bin tonic-greeter-server -- [--addr [::]:50052]`
//!
//! A minimal plain-tonic `helloworld.Greeter` server: the baseline that `bench-greeter`
//! measures grpc-core's `greeter-server` against. It is wire-identical to `greeter-server`
//! (`/helloworld.Greeter/SayHello` answers `Hello {name}`, every other path UNIMPLEMENTED)
//! and is configured the same way (TCP_NODELAY on, 100 concurrent streams per connection,
//! 1 MiB stream and 2 MiB connection flow-control windows, 16 KiB header list limit).
//!
//! No protoc or tonic-build is used: the `greeter` module below is written by hand as what
//! tonic-build generates for `helloworld.proto` (prost message structs, an `#[async_trait]`
//! service trait, and a `Service<http::Request<B>>` that routes by path through
//! `tonic::server::Grpc` with the prost codec), trimmed of compression and size knobs.
//!
//! Prints `PORT <n>` once listening (so `--addr 127.0.0.1:0` works) and serves until
//! Ctrl-C or SIGTERM.

use std::net::{SocketAddr, ToSocketAddrs};

/// What tonic-build would generate for `helloworld.proto`, kept small.
mod greeter {
    use tonic::codegen::{
        async_trait, http, Arc, Body, BoxFuture, Context, Poll, Service, StdError,
    };

    /// The request message containing the user's name.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct HelloRequest {
        #[prost(string, tag = "1")]
        pub(crate) name: String,
    }

    /// The response message containing the greetings.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct HelloReply {
        #[prost(string, tag = "1")]
        pub(crate) message: String,
    }

    /// The greeting service definition.
    #[async_trait]
    pub(crate) trait Greeter: Send + Sync + 'static {
        /// Sends a greeting.
        async fn say_hello(
            &self,
            request: tonic::Request<HelloRequest>,
        ) -> Result<tonic::Response<HelloReply>, tonic::Status>;
    }

    /// Serves a [`Greeter`] implementation as `helloworld.Greeter`.
    #[derive(Debug)]
    pub(crate) struct GreeterServer<T> {
        inner: Arc<T>,
    }

    impl<T> GreeterServer<T> {
        pub(crate) fn new(inner: T) -> Self {
            GreeterServer {
                inner: Arc::new(inner),
            }
        }
    }

    impl<T> Clone for GreeterServer<T> {
        fn clone(&self) -> Self {
            GreeterServer {
                inner: self.inner.clone(),
            }
        }
    }

    impl<T, B> Service<http::Request<B>> for GreeterServer<T>
    where
        T: Greeter,
        B: Body + Send + 'static,
        B::Error: Into<StdError> + Send + 'static,
    {
        type Response = http::Response<tonic::body::Body>;
        type Error = std::convert::Infallible;
        type Future = BoxFuture<Self::Response, Self::Error>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: http::Request<B>) -> Self::Future {
            match req.uri().path() {
                "/helloworld.Greeter/SayHello" => {
                    struct SayHelloSvc<T: Greeter>(Arc<T>);
                    impl<T: Greeter> tonic::server::UnaryService<HelloRequest> for SayHelloSvc<T> {
                        type Response = HelloReply;
                        type Future = BoxFuture<tonic::Response<Self::Response>, tonic::Status>;
                        fn call(&mut self, request: tonic::Request<HelloRequest>) -> Self::Future {
                            let inner = Arc::clone(&self.0);
                            Box::pin(
                                async move { <T as Greeter>::say_hello(&inner, request).await },
                            )
                        }
                    }
                    let inner = self.inner.clone();
                    Box::pin(async move {
                        let method = SayHelloSvc(inner);
                        let codec = tonic_prost::ProstCodec::default();
                        let mut grpc = tonic::server::Grpc::new(codec);
                        Ok(grpc.unary(method, req).await)
                    })
                }
                _ => Box::pin(async move { Ok(tonic::Status::unimplemented("").into_http()) }),
            }
        }
    }

    impl<T> tonic::server::NamedService for GreeterServer<T> {
        const NAME: &'static str = "helloworld.Greeter";
    }
}

use greeter::{Greeter, GreeterServer, HelloReply, HelloRequest};

/// Replies `Hello {name}`, like grpc-core's `examples::helloworld::MyGreeter`.
#[derive(Debug, Default)]
struct MyGreeter;

#[tonic::codegen::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
        Ok(tonic::Response::new(HelloReply {
            message: format!("Hello {}", request.into_inner().name),
        }))
    }
}

fn bind(addr: &str) -> std::io::Result<std::net::TcpListener> {
    let mut last_error = None;
    for candidate in addr.to_socket_addrs()? {
        match std::net::TcpListener::bind::<SocketAddr>(candidate) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{addr} resolves to no address"),
        )
    }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = examples::args::addr("[::]:50052");
    let listener = bind(&addr)?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let incoming =
        tonic::transport::server::TcpIncoming::from(tokio::net::TcpListener::from_std(listener)?)
            .with_nodelay(Some(true));

    let server = tonic::transport::Server::builder()
        .tcp_nodelay(true)
        .max_concurrent_streams(100)
        .initial_stream_window_size(1024 * 1024)
        .initial_connection_window_size(2 * 1024 * 1024)
        .http2_max_header_list_size(16 * 1024)
        .add_service(GreeterServer::new(MyGreeter));

    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "PORT {port}")?;
        stdout.flush()?;
    }
    server
        .serve_with_incoming_shutdown(incoming, examples::args::wait_for_shutdown_signal())
        .await?;
    Ok(())
}
