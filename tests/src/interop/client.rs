//! The interop client: every client case of the interop description that this framework can
//! express, each asserting what the description says.

use std::time::Duration;

use grpc_core::metadata::{MetadataMap, MetadataValue};
use grpc_core::protocol::OutgoingMessage;
use grpc_core::stream::ReceiverStream;
use grpc_core::{Channel, Code, Compression, Status};
use tokio::sync::mpsc;

use crate::imported::grpc::testing::{
    BoolValue, EchoStatus, Empty, Payload, ResponseParameters, SimpleRequest,
    StreamingInputCallRequest, StreamingOutputCallRequest, TestServiceClient,
    UnimplementedServiceClient,
};

/// Every case, in the order `all` runs them.
pub const CASES: &[&str] = &[
    "empty_unary",
    "large_unary",
    "client_compressed_unary",
    "server_compressed_unary",
    "client_streaming",
    "client_compressed_streaming",
    "server_streaming",
    "server_compressed_streaming",
    "ping_pong",
    "empty_stream",
    "custom_metadata",
    "status_code_and_message",
    "special_status_message",
    "unimplemented_method",
    "unimplemented_service",
    "cancel_after_begin",
    "cancel_after_first_response",
    "timeout_on_sleeping_server",
];

const REQUEST_SIZES: [i32; 4] = [27182, 8, 1828, 45904];
const RESPONSE_SIZES: [i32; 4] = [31415, 9, 2653, 58979];

type CaseResult = Result<(), String>;

fn ensure(ok: bool, what: impl FnOnce() -> String) -> CaseResult {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn zeros(size: i32) -> Option<Payload> {
    Some(Payload {
        body: vec![0; size as usize],
        ..Default::default()
    })
}

fn status_err(status: Status) -> String {
    format!(
        "unexpected status {:?}: {}",
        status.code(),
        status.message()
    )
}

fn expect_code(
    result: Result<impl std::fmt::Debug, Status>,
    code: Code,
    message: Option<&str>,
) -> CaseResult {
    match result {
        Ok(value) => Err(format!("expected {code:?}, got a response {value:?}")),
        Err(status) => {
            ensure(status.code() == code, || {
                format!(
                    "expected {code:?}, got {:?}: {}",
                    status.code(),
                    status.message()
                )
            })?;
            match message {
                Some(message) => ensure(status.message() == message, || {
                    format!("expected message {message:?}, got {:?}", status.message())
                }),
                None => Ok(()),
            }
        }
    }
}

fn output_request(size: i32, compressed: Option<bool>) -> ResponseParameters {
    ResponseParameters {
        size,
        compressed: compressed.map(|value| BoolValue {
            value,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A channel to the server under test.
pub fn channel(target: &str, tls: Option<grpc_core::tls::ChannelTls>) -> Result<Channel, String> {
    let mut builder = Channel::builder(target);
    if let Some(tls) = tls {
        builder = builder.tls(tls);
    }
    builder.connect_lazy().map_err(|e| e.to_string())
}

/// Runs one case.
pub async fn run(case: &str, channel: &Channel) -> CaseResult {
    let client = TestServiceClient::new(channel.clone());
    let timeout = Duration::from_secs(20);
    match case {
        "empty_unary" => {
            let reply = client
                .empty_call(Empty::default())
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            ensure(reply == Empty::default(), || format!("{reply:?}"))
        }
        "large_unary" => {
            let reply = client
                .unary_call(SimpleRequest {
                    response_size: 314159,
                    payload: zeros(271828),
                    ..Default::default()
                })
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            let body = reply.payload.map(|p| p.body).unwrap_or_default();
            ensure(body.len() == 314159 && body.iter().all(|b| *b == 0), || {
                format!("payload of {} bytes", body.len())
            })
        }
        "client_compressed_unary" => {
            let request = |expect: bool| SimpleRequest {
                response_size: 314159,
                payload: zeros(271828),
                expect_compressed: Some(BoolValue {
                    value: expect,
                    ..Default::default()
                }),
                ..Default::default()
            };
            // Probe: an uncompressed request that claims compression must be rejected.
            let probe = client
                .unary_call(request(true))
                .compression(None)
                .timeout(timeout)
                .await;
            expect_code(probe, Code::InvalidArgument, None).map_err(|e| format!("probe: {e}"))?;
            let compressed = client
                .unary_call(request(true))
                .compression(Some(Compression::Gzip))
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            ensure(
                compressed.payload.map_or(0, |p| p.body.len()) == 314159,
                || "compressed call payload".into(),
            )?;
            let plain = client
                .unary_call(request(false))
                .compression(None)
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            ensure(plain.payload.map_or(0, |p| p.body.len()) == 314159, || {
                "uncompressed call payload".into()
            })
        }
        "server_compressed_unary" => {
            for compressed in [true, false] {
                let request = SimpleRequest {
                    response_size: 314159,
                    payload: zeros(271828),
                    response_compressed: Some(BoolValue {
                        value: compressed,
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                let (reply, details) = client
                    .unary_call(request)
                    .timeout(timeout)
                    .with_call()
                    .await
                    .map_err(status_err)?;
                ensure(reply.payload.map_or(0, |p| p.body.len()) == 314159, || {
                    "payload".into()
                })?;
                let flag = details.message_compressed();
                ensure(flag == Some(compressed), || {
                    format!("response_compressed={compressed} but the message's flag is {flag:?}")
                })?;
            }
            Ok(())
        }
        "client_streaming" | "client_compressed_streaming" => {
            let compressed = case == "client_compressed_streaming";
            if compressed {
                let probe = client
                    .streaming_input_call(grpc_core::stream::iter(vec![
                        StreamingInputCallRequest {
                            payload: zeros(27182),
                            expect_compressed: Some(BoolValue {
                                value: true,
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                    ]))
                    .compression(None)
                    .timeout(timeout)
                    .await;
                expect_code(probe, Code::InvalidArgument, None)
                    .map_err(|e| format!("probe: {e}"))?;
            }
            let (sizes, expect): (Vec<i32>, Vec<Option<BoolValue>>) = if compressed {
                (
                    vec![27182, 45904],
                    vec![
                        Some(BoolValue {
                            value: true,
                            ..Default::default()
                        }),
                        Some(BoolValue {
                            value: false,
                            ..Default::default()
                        }),
                    ],
                )
            } else {
                (REQUEST_SIZES.to_vec(), vec![None; 4])
            };
            // With compression, the first message goes compressed and the second does not.
            let requests: Vec<OutgoingMessage<StreamingInputCallRequest>> = sizes
                .iter()
                .zip(expect)
                .map(|(size, expect_compressed)| {
                    let uncompressed = expect_compressed.as_ref().is_some_and(|e| !e.value);
                    let request = StreamingInputCallRequest {
                        payload: zeros(*size),
                        expect_compressed,
                        ..Default::default()
                    };
                    if uncompressed {
                        OutgoingMessage::uncompressed(request)
                    } else {
                        OutgoingMessage::new(request)
                    }
                })
                .collect();
            let reply = client
                .streaming_input_call(grpc_core::stream::iter(requests))
                .compression(compressed.then_some(Compression::Gzip))
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            let total: i32 = sizes.iter().sum();
            ensure(reply.aggregated_payload_size == total, || {
                format!("aggregated {} != {total}", reply.aggregated_payload_size)
            })
        }
        "server_streaming" | "server_compressed_streaming" => {
            let parameters: Vec<ResponseParameters> = if case == "server_streaming" {
                RESPONSE_SIZES
                    .iter()
                    .map(|size| output_request(*size, None))
                    .collect()
            } else {
                vec![
                    output_request(31415, Some(true)),
                    output_request(92653, Some(false)),
                ]
            };
            let sizes: Vec<usize> = parameters.iter().map(|p| p.size as usize).collect();
            let flags: Vec<bool> = parameters
                .iter()
                .map(|p| p.compressed.as_ref().is_some_and(|c| c.value))
                .collect();
            let mut responses = client
                .streaming_output_call(StreamingOutputCallRequest {
                    response_parameters: parameters,
                    ..Default::default()
                })
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            let mut got = Vec::new();
            let mut got_flags = Vec::new();
            while let Some(response) = responses.message().await.map_err(status_err)? {
                got.push(response.payload.map_or(0, |p| p.body.len()));
                got_flags.push(responses.last_message_compressed() == Some(true));
            }
            ensure(got == sizes, || {
                format!("response sizes {got:?}, expected {sizes:?}")
            })?;
            // Each response's compressed flag, as it came off the wire.
            ensure(got_flags == flags, || {
                format!("response compressed flags {got_flags:?}, expected {flags:?}")
            })
        }
        "ping_pong" => {
            let (tx, rx) = mpsc::channel(1);
            let call = client
                .full_duplex_call(ReceiverStream::new(rx))
                .timeout(timeout);
            let mut pending_call = Some(call);
            let mut responses = None;
            for (request_size, response_size) in REQUEST_SIZES.iter().zip(RESPONSE_SIZES) {
                let request = StreamingOutputCallRequest {
                    response_parameters: vec![output_request(response_size, None)],
                    payload: zeros(*request_size),
                    ..Default::default()
                };
                tx.send(request)
                    .await
                    .map_err(|_| "the call ended early".to_owned())?;
                // A server may hold its response headers until its first message: start the
                // call's response side only once the first request is on its way.
                if let Some(call) = pending_call.take() {
                    responses = Some(call.await.map_err(status_err)?);
                }
                let stream = responses.as_mut().ok_or("no response stream")?;
                let response = stream
                    .message()
                    .await
                    .map_err(status_err)?
                    .ok_or("no response")?;
                let got = response.payload.map_or(0, |p| p.body.len());
                ensure(got == response_size as usize, || {
                    format!("response of {got} bytes, expected {response_size}")
                })?;
            }
            drop(tx);
            let stream = responses.as_mut().ok_or("no response stream")?;
            ensure(
                stream.message().await.map_err(status_err)?.is_none(),
                || "more responses than requests".into(),
            )
        }
        "empty_stream" => {
            let mut responses = client
                .full_duplex_call(grpc_core::stream::empty::<StreamingOutputCallRequest>())
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            ensure(
                responses.message().await.map_err(status_err)?.is_none(),
                || "a response to no request".into(),
            )
        }
        "custom_metadata" => {
            let initial = "test_initial_metadata_value";
            let trailing: &[u8] = b"\xab\xab\xab";
            let metadata = || {
                let mut md = MetadataMap::new();
                md.insert(
                    "x-grpc-test-echo-initial",
                    initial.parse().unwrap_or_else(|_| unreachable!()),
                );
                md.insert_bin(
                    "x-grpc-test-echo-trailing-bin",
                    MetadataValue::from_bytes(trailing),
                );
                md
            };
            let check = |initial_md: &MetadataMap, trailing_md: &MetadataMap| {
                ensure(
                    initial_md
                        .get("x-grpc-test-echo-initial")
                        .is_some_and(|v| v == initial),
                    || format!("initial metadata {initial_md:?}"),
                )?;
                let echoed = trailing_md
                    .get_bin("x-grpc-test-echo-trailing-bin")
                    .and_then(|v| v.to_bytes().ok());
                ensure(echoed.as_deref() == Some(trailing), || {
                    format!("trailing metadata {trailing_md:?}")
                })
            };
            let request = SimpleRequest {
                response_size: 314159,
                payload: zeros(271828),
                ..Default::default()
            };
            let (_, details) = client
                .unary_call(request)
                .metadata(metadata())
                .timeout(timeout)
                .with_call()
                .await
                .map_err(status_err)?;
            check(details.initial_metadata(), details.trailing_metadata())?;
            let request = StreamingOutputCallRequest {
                response_parameters: vec![output_request(314159, None)],
                payload: zeros(271828),
                ..Default::default()
            };
            let mut responses = client
                .full_duplex_call(grpc_core::stream::iter(vec![request]))
                .metadata(metadata())
                .timeout(timeout)
                .await
                .map_err(status_err)?;
            // A bidirectional call resolves before its headers: `headers()` waits for them.
            let initial_md = responses.headers().await.map_err(status_err)?.clone();
            let trailing_md = responses
                .trailers()
                .await
                .map_err(status_err)?
                .unwrap_or_default();
            check(&initial_md, &trailing_md)
        }
        "status_code_and_message" | "special_status_message" => {
            let message = if case == "status_code_and_message" {
                "test status message"
            } else {
                "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n"
            };
            let echo = Some(EchoStatus {
                code: 2,
                message: message.to_owned(),
                ..Default::default()
            });
            let unary = client
                .unary_call(SimpleRequest {
                    response_status: echo.clone(),
                    ..Default::default()
                })
                .timeout(timeout)
                .await;
            expect_code(unary, Code::Unknown, Some(message))
                .map_err(|e| format!("UnaryCall: {e}"))?;
            if case == "special_status_message" {
                return Ok(());
            }
            let request = StreamingOutputCallRequest {
                response_status: echo,
                ..Default::default()
            };
            // The status may come before any response headers (trailers-only) or after them.
            let outcome = match client
                .full_duplex_call(grpc_core::stream::iter(vec![request]))
                .timeout(timeout)
                .await
            {
                Err(status) => Err(status),
                Ok(mut responses) => loop {
                    match responses.message().await {
                        Ok(Some(_)) => continue,
                        other => break other,
                    }
                },
            };
            expect_code(outcome, Code::Unknown, Some(message))
                .map_err(|e| format!("FullDuplexCall: {e}"))
        }
        "unimplemented_method" => expect_code(
            client
                .unimplemented_call(Empty::default())
                .timeout(timeout)
                .await,
            Code::Unimplemented,
            None,
        ),
        "unimplemented_service" => {
            let other = UnimplementedServiceClient::new(channel.clone());
            expect_code(
                other
                    .unimplemented_call(Empty::default())
                    .timeout(timeout)
                    .await,
                Code::Unimplemented,
                None,
            )
        }
        "cancel_after_begin" => {
            // Cancelling is dropping the call: start a client stream that never sends, then
            // drop it. The call must end as cancelled (a task aborted mid-call), not complete.
            let client = client.clone();
            let call = tokio::spawn(async move {
                client
                    .streaming_input_call(grpc_core::stream::pending::<StreamingInputCallRequest>())
                    .timeout(timeout)
                    .await
            });
            tokio::time::sleep(Duration::from_millis(100)).await;
            call.abort();
            match call.await {
                Err(error) if error.is_cancelled() => Ok(()),
                Err(error) => Err(format!("the call failed: {error}")),
                Ok(result) => Err(format!(
                    "the call completed before cancellation: {result:?}"
                )),
            }
        }
        "cancel_after_first_response" => {
            let (tx, rx) = mpsc::channel(1);
            let call = client
                .full_duplex_call(ReceiverStream::new(rx))
                .timeout(timeout);
            let request = StreamingOutputCallRequest {
                response_parameters: vec![output_request(31415, None)],
                payload: zeros(27182),
                ..Default::default()
            };
            tx.send(request)
                .await
                .map_err(|_| "the call ended early".to_owned())?;
            let mut responses = call.await.map_err(status_err)?;
            responses
                .message()
                .await
                .map_err(status_err)?
                .ok_or("no first response")?;
            // Dropping the response stream cancels the call (RST_STREAM CANCEL); the transport
            // then drops the request stream, which closes our sender.
            drop(responses);
            let closed = tokio::time::timeout(Duration::from_secs(5), tx.closed()).await;
            ensure(closed.is_ok(), || {
                "the request stream is still open 5 s after cancellation".into()
            })
        }
        "timeout_on_sleeping_server" => {
            let (tx, rx) = mpsc::channel(1);
            let request = StreamingOutputCallRequest {
                payload: zeros(27182),
                ..Default::default()
            };
            let _ = tx.send(request).await;
            let result = async {
                let mut responses = client
                    .full_duplex_call(ReceiverStream::new(rx))
                    .timeout(Duration::from_millis(1))
                    .await?;
                responses.message().await
            }
            .await;
            drop(tx);
            expect_code(result, Code::DeadlineExceeded, None)
        }
        other => Err(format!("unknown test case {other}")),
    }
}
