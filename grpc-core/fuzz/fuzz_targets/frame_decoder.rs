//! The gRPC message-frame decoder (`FrameDecoder`), fed arbitrary bytes in arbitrary chunks.
//!
//! Input layout: `config, limit_hi, limit_lo, n, chunk_sizes[n % 16], data...`, where `config`
//! bits 0-1 pick the stream's `grpc-encoding` (none, gzip, deflate, zstd) and bit 2 multiplies
//! the 16-bit receive limit by 16.

#![no_main]

use grpc_core::fuzzing;
use grpc_core::Compression;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&[config, hi, lo, n], rest)) = input.split_first_chunk::<4>() else {
        return;
    };
    let compression = match config & 3 {
        0 => None,
        1 => Some(Compression::Gzip),
        2 => Some(Compression::Deflate),
        _ => Some(Compression::Zstd),
    };
    let mut limit = usize::from(u16::from_be_bytes([hi, lo]));
    if config & 4 != 0 {
        limit *= 16;
    }
    let n = usize::from(n % 16).min(rest.len());
    let (chunk_sizes, data) = rest.split_at(n);
    fuzzing::frames(data, chunk_sizes, compression, limit);
});
