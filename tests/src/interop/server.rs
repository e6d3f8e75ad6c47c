//! The interop server: `grpc.testing.TestService` with every feature the interop description
//! asks of a server.

use std::time::Duration;

use grpc_core::protocol::OutgoingMessage;
use grpc_core::{Code, Compression, ServerContext, ServerStream, Status, Streaming};

use crate::imported::grpc::testing::{
    BoolValue, EchoStatus, Empty, Payload, ResponseParameters, SimpleRequest, SimpleResponse,
    StreamingInputCallRequest, StreamingInputCallResponse, StreamingOutputCallRequest,
    StreamingOutputCallResponse, TestService,
};

pub use crate::imported::grpc::testing::TestServiceServer;

/// The interop `TestService`.
#[derive(Debug, Clone, Default)]
pub struct InteropService;

fn zeros(size: i32) -> Payload {
    Payload {
        body: vec![0; size.max(0) as usize],
        ..Default::default()
    }
}

fn is_true(value: &Option<BoolValue>) -> bool {
    value.as_ref().is_some_and(|v| v.value)
}

/// `x-grpc-test-echo-initial` back as initial metadata, `x-grpc-test-echo-trailing-bin` as
/// trailing metadata.
fn echo_metadata(ctx: &ServerContext) -> Result<(), Status> {
    if let Some(value) = ctx.request_metadata().get("x-grpc-test-echo-initial") {
        ctx.initial_metadata_mut()?
            .insert("x-grpc-test-echo-initial", value.clone());
    }
    if let Some(value) = ctx
        .request_metadata()
        .get_bin("x-grpc-test-echo-trailing-bin")
    {
        ctx.trailing_metadata_mut()
            .insert_bin("x-grpc-test-echo-trailing-bin", value.clone());
    }
    Ok(())
}

fn echo_status(status: &Option<EchoStatus>) -> Result<(), Status> {
    match status {
        Some(status) if status.code != 0 => {
            Err(Status::new(Code::from(status.code), status.message.clone()))
        }
        _ => Ok(()),
    }
}

/// A request message that expects compression must have arrived compressed.
fn check_expected_compression(
    compressed: Option<bool>,
    expect: &Option<BoolValue>,
) -> Result<(), Status> {
    if is_true(expect) && compressed != Some(true) {
        return Err(Status::invalid_argument(
            "expected a compressed request message",
        ));
    }
    Ok(())
}

/// Answers one request's `response_parameters`, sleeping `interval_us` before each.
async fn respond(
    parameters: &[ResponseParameters],
    out: &grpc_core::OutgoingSender<StreamingOutputCallResponse>,
) -> Result<(), ()> {
    for parameter in parameters {
        if parameter.interval_us > 0 {
            tokio::time::sleep(Duration::from_micros(parameter.interval_us as u64)).await;
        }
        let response = StreamingOutputCallResponse {
            payload: Some(zeros(parameter.size)),
            ..Default::default()
        };
        let message = if parameter.compressed.as_ref().is_some_and(|c| !c.value) {
            OutgoingMessage::uncompressed(response)
        } else {
            OutgoingMessage::new(response)
        };
        out.send(Ok(message)).await.map_err(|_| ())?;
    }
    Ok(())
}

impl TestService for InteropService {
    async fn empty_call(&self, ctx: &ServerContext, _request: Empty) -> Result<Empty, Status> {
        echo_metadata(ctx)?;
        Ok(Empty::default())
    }

    async fn unary_call(
        &self,
        ctx: &ServerContext,
        request: SimpleRequest,
    ) -> Result<SimpleResponse, Status> {
        echo_metadata(ctx)?;
        check_expected_compression(ctx.request_message_compressed(), &request.expect_compressed)?;
        echo_status(&request.response_status)?;
        ctx.set_compression(is_true(&request.response_compressed).then_some(Compression::Gzip))?;
        Ok(SimpleResponse {
            payload: Some(zeros(request.response_size)),
            ..Default::default()
        })
    }

    async fn cacheable_unary_call(
        &self,
        ctx: &ServerContext,
        request: SimpleRequest,
    ) -> Result<SimpleResponse, Status> {
        self.unary_call(ctx, request).await
    }

    async fn streaming_output_call(
        &self,
        ctx: &ServerContext,
        request: StreamingOutputCallRequest,
    ) -> Result<ServerStream<StreamingOutputCallResponse>, Status> {
        echo_metadata(ctx)?;
        if request
            .response_parameters
            .iter()
            .any(|p| p.compressed.as_ref().is_some_and(|c| c.value))
        {
            ctx.set_compression(Some(Compression::Gzip))?;
        }
        let (tx, stream) = ServerStream::channel_with_options(8);
        tokio::spawn(async move {
            if respond(&request.response_parameters, &tx).await.is_ok() {
                if let Err(status) = echo_status(&request.response_status) {
                    let _ = tx.send(Err(status)).await;
                }
            }
        });
        Ok(stream)
    }

    async fn streaming_input_call(
        &self,
        ctx: &ServerContext,
        mut request: Streaming<StreamingInputCallRequest>,
    ) -> Result<StreamingInputCallResponse, Status> {
        echo_metadata(ctx)?;
        let mut size = 0usize;
        while let Some(message) = request.message().await? {
            check_expected_compression(
                request.last_message_compressed(),
                &message.expect_compressed,
            )?;
            size += message.payload.map_or(0, |p| p.body.len());
        }
        Ok(StreamingInputCallResponse {
            aggregated_payload_size: size as i32,
            ..Default::default()
        })
    }

    async fn full_duplex_call(
        &self,
        ctx: &ServerContext,
        mut request: Streaming<StreamingOutputCallRequest>,
    ) -> Result<ServerStream<StreamingOutputCallResponse>, Status> {
        echo_metadata(ctx)?;
        let (tx, stream) = ServerStream::channel_with_options(8);
        tokio::spawn(async move {
            loop {
                let message = match request.message().await {
                    Ok(Some(message)) => message,
                    Ok(None) => return,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                };
                if let Err(status) = echo_status(&message.response_status) {
                    let _ = tx.send(Err(status)).await;
                    return;
                }
                if respond(&message.response_parameters, &tx).await.is_err() {
                    return;
                }
            }
        });
        Ok(stream)
    }

    async fn half_duplex_call(
        &self,
        ctx: &ServerContext,
        mut request: Streaming<StreamingOutputCallRequest>,
    ) -> Result<ServerStream<StreamingOutputCallResponse>, Status> {
        echo_metadata(ctx)?;
        let mut all = Vec::new();
        while let Some(message) = request.message().await? {
            all.push(message);
        }
        let (tx, stream) = ServerStream::channel_with_options(8);
        tokio::spawn(async move {
            for message in all {
                if respond(&message.response_parameters, &tx).await.is_err() {
                    return;
                }
            }
        });
        Ok(stream)
    }

    async fn unimplemented_call(
        &self,
        _ctx: &ServerContext,
        _request: Empty,
    ) -> Result<Empty, Status> {
        Err(Status::unimplemented(
            "UnimplementedCall is not implemented",
        ))
    }
}
