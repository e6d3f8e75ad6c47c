//! Entry points for the cargo-fuzz targets in `grpc-core/fuzz`: compiled only with
//! `--cfg fuzzing` (which `cargo fuzz` passes), never part of the public API.
//!
//! Each entry point panics when an invariant of the decoder breaks; a malformed input must only
//! ever give an error.

#![doc(hidden)]

use std::fmt;

use bytes::Bytes;

use crate::protocol::framing::{decode_message, Decoded, FrameDecoder};
use crate::protocol::Compression;
use crate::status::{Code, Status};

const HEADER_LEN: usize = 5;

/// What draining a decoder gave: the messages, then how the stream ended.
#[derive(Debug, PartialEq)]
struct Outcome {
    messages: Vec<Decoded>,
    end: End,
}

#[derive(Debug, PartialEq)]
enum End {
    /// No error; whether bytes of an unfinished message were left buffered.
    Clean { partial: bool },
    /// The first error (the decoder is not used after it, as the streams do not).
    Error { code: Code, message: String },
}

fn error(status: &Status) -> End {
    End::Error {
        code: status.code(),
        message: status.message().to_owned(),
    }
}

/// Feeds `data` to a [`FrameDecoder`] (`compression`, `limit`) in chunks whose lengths cycle
/// through `chunk_sizes` (a 0 pushes an empty chunk; the rest of `data` follows in one chunk
/// if every size is 0 or there are none), draining it after each push; then again in one chunk,
/// and one byte at a time. Checks that no message exceeds the limit, that every chunking gives
/// the same messages and ends the same way, and that the result agrees with a plain reading
/// of the headers.
pub fn frames(data: &[u8], chunk_sizes: &[u8], compression: Option<Compression>, limit: usize) {
    let whole = Bytes::copy_from_slice(data);

    let one_chunk = run(compression, limit, std::iter::once(whole.clone()));
    check_against_headers(data, &whole, compression, limit, &one_chunk);

    let chunked = run(compression, limit, chunks(&whole, chunk_sizes));
    assert_eq!(
        one_chunk, chunked,
        "chunked {chunk_sizes:?} differs from one chunk"
    );

    let bytewise = run(
        compression,
        limit,
        (0..whole.len()).map(|i| whole.slice(i..i + 1)),
    );
    assert_eq!(one_chunk, bytewise, "byte by byte differs from one chunk");
}

/// `whole` split as [`frames`] describes.
fn chunks<'a>(whole: &'a Bytes, sizes: &'a [u8]) -> impl Iterator<Item = Bytes> + 'a {
    let mut at = 0;
    let progress = sizes.iter().any(|&size| size > 0);
    let mut sizes = sizes.iter().cycle();
    std::iter::from_fn(move || {
        if at >= whole.len() {
            return None;
        }
        let size = match sizes.next() {
            Some(&size) if progress => usize::from(size),
            _ => whole.len() - at,
        };
        let end = (at + size).min(whole.len());
        let chunk = whole.slice(at..end);
        at = end;
        Some(chunk)
    })
}

fn run(
    compression: Option<Compression>,
    limit: usize,
    chunks: impl Iterator<Item = Bytes>,
) -> Outcome {
    let mut decoder = FrameDecoder::new(compression, limit);
    let mut messages = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        loop {
            match decoder.next_message() {
                Ok(Some(message)) => {
                    assert!(
                        message.payload.len() <= limit,
                        "a message of {} bytes passed the limit of {limit}",
                        message.payload.len()
                    );
                    if message.compressed {
                        assert!(compression.is_some(), "compressed without grpc-encoding");
                    }
                    messages.push(message);
                }
                Ok(None) => break,
                Err(status) => {
                    return Outcome {
                        messages,
                        end: error(&status),
                    }
                }
            }
        }
    }
    // Once drained, the decoder has nothing more to give.
    assert_eq!(decoder.next_message().ok().flatten(), None);
    Outcome {
        messages,
        end: End::Clean {
            partial: decoder.has_partial(),
        },
    }
}

/// Reads the headers of `data` directly and checks `outcome` (from one chunk, `whole`) against
/// them: uncompressed payloads are the bytes after their header, sliced out of `whole` without a
/// copy; a compressed one either decompresses within the limit or ends the stream with an error;
/// headers the decoder must refuse end the stream with the expected code.
fn check_against_headers(
    data: &[u8],
    whole: &Bytes,
    compression: Option<Compression>,
    limit: usize,
    outcome: &Outcome,
) {
    let mut messages = outcome.messages.iter();
    let mut at = 0;
    loop {
        let rest = &data[at..];
        if rest.len() < HEADER_LEN {
            assert!(messages.next().is_none(), "more messages than headers");
            assert_eq!(
                outcome.end,
                End::Clean {
                    partial: !rest.is_empty()
                },
                "at offset {at}"
            );
            return;
        }
        let flag = rest[0];
        let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let refused = match flag {
            0 if len > limit => Some(Code::ResourceExhausted),
            0 => None,
            1 if compression.is_none() => Some(Code::Internal),
            // The decoder's bound on a compressed frame, exactly (`len / 2 > ..` let an odd
            // length one past it through).
            1 if len > limit.saturating_add(1024).saturating_mul(2) => {
                Some(Code::ResourceExhausted)
            }
            1 => None,
            _ => Some(Code::Internal),
        };
        if let Some(code) = refused {
            assert!(
                messages.next().is_none(),
                "a message after a refused header"
            );
            match &outcome.end {
                End::Error { code: got, .. } => assert_eq!(*got, code, "at offset {at}"),
                end => panic!("header at offset {at} should give {code:?}, got {end:?}"),
            }
            return;
        }
        if rest.len() < HEADER_LEN + len {
            assert!(
                messages.next().is_none(),
                "a message from an incomplete frame"
            );
            assert_eq!(outcome.end, End::Clean { partial: true }, "at offset {at}");
            return;
        }
        let payload = &rest[HEADER_LEN..HEADER_LEN + len];
        match messages.next() {
            Some(message) if flag == 0 => {
                assert!(!message.compressed);
                assert_eq!(&message.payload[..], payload, "at offset {at}");
                if !payload.is_empty() {
                    // Sliced out of the one chunk, not copied.
                    let start = at + HEADER_LEN;
                    assert_eq!(message.payload.as_ptr(), whole[start..].as_ptr());
                }
            }
            Some(message) => assert!(message.compressed, "at offset {at}"),
            None if flag == 0 => panic!("no message for the frame at offset {at}"),
            None => {
                match &outcome.end {
                    // Decompression failed or passed the limit.
                    End::Error { code, .. } => assert!(
                        matches!(code, Code::Internal | Code::ResourceExhausted),
                        "decompression error with {code:?}"
                    ),
                    end => panic!("the compressed frame at offset {at} gave neither: {end:?}"),
                }
                return;
            }
        }
        at += HEADER_LEN + len;
    }
}

/// Decodes `data` as several message types (descriptors, the well-known types, unknown fields)
/// through [`roundtrip`].
pub fn message(data: &[u8]) {
    roundtrip::<prost_types::FileDescriptorProto>(data, true);
    roundtrip::<prost_types::FileDescriptorSet>(data, true);
    roundtrip::<crate::well_known::Timestamp>(data, true);
    roundtrip::<crate::well_known::Duration>(data, true);
    roundtrip::<crate::well_known::Any>(data, true);
    roundtrip::<crate::well_known::Struct>(data, true);
    roundtrip::<crate::well_known::Value>(data, true);
    roundtrip::<crate::well_known::ListValue>(data, true);
    roundtrip::<crate::well_known::FieldMask>(data, true);
    roundtrip::<()>(data, true);
    roundtrip::<crate::UnknownFields>(data, true);
}

/// Decodes `data` as `T` the way a stream does (from [`Bytes`], so `bytes::Bytes` fields may
/// borrow from it), and as a slice; on success re-encodes it and decodes that again. Checks:
/// both decodes agree, a failure is INTERNAL, the re-encoding is `encoded_len` long and
/// decodes to the same value, and (if `deterministic`: no `HashMap` fields) re-encoding that
/// gives the same bytes. Values holding a NaN are compared by their encoding only.
///
/// Returns the decoded value.
pub fn roundtrip<T>(data: &[u8], deterministic: bool) -> Option<T>
where
    T: prost::Message + Default + PartialEq + fmt::Debug,
{
    let from_slice = T::decode(data);
    let first = match decode_message::<T>(Bytes::copy_from_slice(data)) {
        Ok(first) => first,
        Err(status) => {
            assert_eq!(status.code(), Code::Internal, "{status}");
            assert!(
                from_slice.is_err(),
                "decodes from a slice but not from Bytes: {status}"
            );
            return None;
        }
    };
    let from_slice = from_slice.expect("decodes from Bytes but not from a slice");
    // `x != x` only when a float inside is NaN.
    #[allow(clippy::eq_op)]
    let comparable = first == first;
    if comparable {
        assert_eq!(
            first, from_slice,
            "decoding from Bytes and from a slice differ"
        );
    }

    let encoded = first.encode_to_vec();
    assert_eq!(encoded.len(), first.encoded_len(), "encoded_len is wrong");
    let second = match decode_message::<T>(Bytes::from(encoded.clone())) {
        Ok(second) => second,
        Err(status) => panic!("the re-encoding does not decode: {status}\n{first:?}"),
    };
    if comparable {
        assert_eq!(first, second, "decode(encode(x)) != x");
    }
    assert_eq!(second.encoded_len(), encoded.len());
    if deterministic {
        assert_eq!(second.encode_to_vec(), encoded, "re-encoding is not stable");
    }
    Some(first)
}
