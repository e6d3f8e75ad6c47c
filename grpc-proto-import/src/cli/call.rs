//! `call`: any method, JSON in and out, requests streamed from stdin as they are typed.

use std::io::{BufRead as _, Read as _};
use std::process::ExitCode;

use bytes::Bytes;
use clap::Args;
use grpc_core::client::RawCall;
use grpc_core::metadata::{KeyAndValueRef, MetadataMap};
use prost::Message as _;
use prost_reflect::{DynamicMessage, MessageDescriptor};
use tokio::sync::{mpsc, oneshot};

use super::connect::ConnectArgs;
use super::describe::{pool_for, SourceArgs};
use super::schema::SchemaArgs;
use super::{print_line, Failure, Outcome};
use crate::dynamic;

#[derive(Debug, Args)]
pub(super) struct CallArgs {
    /// The server: host:port (TLS), http://host:port or --plaintext (no TLS), unix:path...
    target: String,
    /// The method: package.Service/Method or package.Service.Method.
    method: String,
    /// The request as JSON (canonical protobuf JSON mapping); `-` reads it from stdin. A method
    /// that streams requests takes one message per line (of JSON, or of stdin when JSON is
    /// absent or `-`). [default: {} for a single request]
    json: Option<String>,
    /// Print the response headers and trailers (and a failed call's trailers) on stderr.
    #[arg(short = 'v', long)]
    verbose: bool,
    #[command(flatten)]
    schema: SchemaArgs,
    #[command(flatten)]
    connect: ConnectArgs,
}

pub(super) async fn call(args: CallArgs) -> Outcome {
    let CallArgs {
        target,
        method,
        json,
        verbose,
        schema,
        connect,
    } = args;
    // The schema comes from TARGET's reflection unless files are given.
    let args = SourceArgs {
        target: Some(target.clone()),
        schema,
        connect,
    };
    let method_name = method.trim_start_matches('/');
    let service_name = method_name
        .rsplit_once('/')
        .or_else(|| method_name.rsplit_once('.'))
        .map(|(service, _)| service)
        .ok_or_else(|| {
            Failure::Other(format!(
                "{method_name:?} is not package.Service/Method or package.Service.Method"
            ))
        })?;
    let pool = pool_for(&args, service_name).await?;
    let method = dynamic::find_method(&pool, method_name)
        .map_err(|status| Failure::Other(status.message().to_owned()))?;
    let input = method.input();
    let channel = args.connect.channel(&target)?;
    let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
    let mut call = RawCall::new(&channel, &path)?.metadata(args.connect.metadata()?);
    if let Some(timeout) = args.connect.timeout()? {
        call = call.timeout(timeout);
    }

    let (requests_tx, requests_rx) = mpsc::channel::<Bytes>(16);
    let (bad_input_tx, bad_input) = oneshot::channel::<Failure>();
    if method.is_client_streaming() {
        match json.as_deref() {
            Some(text) if text != "-" => {
                for (number, line) in text.lines().enumerate() {
                    if !line.trim().is_empty() {
                        let encoded = encode(&input, line, number + 1)?;
                        let _ = requests_tx.send(encoded).await;
                    }
                }
                drop(requests_tx);
            }
            _ => stream_stdin(input.clone(), requests_tx, bad_input_tx),
        }
    } else {
        let text = match json.as_deref() {
            None => "{}".to_owned(),
            Some("-") => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| Failure::Other(format!("reading stdin: {e}")))?;
                text
            }
            Some(text) => text.to_owned(),
        };
        let _ = requests_tx.send(encode(&input, &text, 0)?).await;
        drop(requests_tx);
    }

    let output = method.output();
    let receive = async {
        let mut responses = call
            .call(grpc_core::stream::ReceiverStream::new(requests_rx))
            .await
            .inspect_err(|status| show_metadata(verbose, "trailers", status.metadata()))?;
        show_metadata(verbose, "headers", responses.initial_metadata());
        let mut count = 0usize;
        loop {
            let next = responses.message().await;
            let next =
                next.inspect_err(|status| show_metadata(verbose, "trailers", status.metadata()))?;
            let Some(bytes) = next else { break };
            let message = DynamicMessage::decode(output.clone(), bytes).map_err(|e| {
                Failure::Other(format!("the response is not a {}: {e}", output.full_name()))
            })?;
            let json = dynamic::to_json(&message)?;
            print_line(&json.to_string())?;
            count += 1;
        }
        if let Some(trailers) = responses.trailers().await? {
            show_metadata(verbose, "trailers", &trailers);
        }
        if !method.is_server_streaming() && count != 1 {
            return Err(Failure::Other(format!(
                "{} answered {count} messages instead of one",
                method.full_name()
            )));
        }
        Ok(ExitCode::SUCCESS)
    };
    // A bad line on stdin ends the call (cancelling it) rather than sending half a stream.
    tokio::select! {
        outcome = receive => outcome,
        Ok(failure) = bad_input => Err(failure),
    }
}

/// With `--verbose`, prints `metadata` on stderr as `Response headers:` / `Response trailers:`
/// and one `key: value` line each (`-bin` values base64, as on the wire).
fn show_metadata(verbose: bool, what: &str, metadata: &MetadataMap) {
    if !verbose {
        return;
    }
    eprintln!("Response {what}:");
    for entry in metadata {
        let (key, value) = match entry {
            KeyAndValueRef::Ascii(key, value) => (key.as_str(), value.as_encoded_bytes()),
            KeyAndValueRef::Binary(key, value) => (key.as_str(), value.as_encoded_bytes()),
        };
        eprintln!("  {key}: {}", String::from_utf8_lossy(value));
    }
}

/// The request `text` (line `line` of the input, 0 for the whole input) encoded.
fn encode(input: &MessageDescriptor, text: &str, line: usize) -> Result<Bytes, Failure> {
    let where_ = if line == 0 {
        String::new()
    } else {
        format!("line {line}: ")
    };
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Failure::Other(format!("{where_}the request is not JSON: {e}")))?;
    let message = dynamic::from_json(input, json)
        .map_err(|status| Failure::Other(format!("{where_}{}", status.message())))?;
    Ok(Bytes::from(message.encode_to_vec()))
}

/// Feeds stdin's lines to `requests` as they come, from a thread (a blocking read must not
/// hold up the runtime, nor its shutdown). A bad line is reported on `bad_input`.
fn stream_stdin(
    input: MessageDescriptor,
    requests: mpsc::Sender<Bytes>,
    bad_input: oneshot::Sender<Failure>,
) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for (number, line) in stdin.lock().lines().enumerate() {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    let _ = bad_input.send(Failure::Other(format!("reading stdin: {e}")));
                    return;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match encode(&input, &line, number + 1) {
                Ok(encoded) => {
                    if requests.blocking_send(encoded).is_err() {
                        return;
                    }
                }
                Err(failure) => {
                    let _ = bad_input.send(failure);
                    // Keeps the request stream open (not half-closed as if complete): the
                    // caller cancels the call and exits.
                    std::mem::forget(requests);
                    return;
                }
            }
        }
    });
}
