//! Compression algorithms and their negotiation (`grpc-encoding`, `grpc-accept-encoding`).

use std::fmt;
use std::io::Write;

use bytes::{BufMut, BytesMut};
use http::HeaderValue;

use crate::status::Status;

/// A message compression algorithm.
///
/// ```
/// use grpc_core::protocol::Compression;
///
/// assert_eq!(Compression::Gzip.name(), "gzip");
/// assert_eq!(Compression::from_name("zstd"), Some(Compression::Zstd));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// `gzip` (RFC 1952).
    Gzip,
    /// `deflate`: the zlib format (RFC 1950), as gRPC implementations use it.
    Deflate,
    /// `zstd`.
    Zstd,
}

impl Compression {
    /// Every algorithm, in order of preference.
    pub const ALL: [Compression; 3] = [Compression::Gzip, Compression::Zstd, Compression::Deflate];

    /// The name used in `grpc-encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Deflate => "deflate",
            Compression::Zstd => "zstd",
        }
    }

    /// The algorithm with this `grpc-encoding` name.
    pub fn from_name(name: &str) -> Option<Compression> {
        Compression::ALL
            .into_iter()
            .find(|c| c.name() == name.trim())
    }

    /// Appends the compressed form of `data` to `out`.
    pub(crate) fn compress(self, data: &[u8], out: &mut BytesMut) -> std::io::Result<()> {
        let mut writer = out.writer();
        match self {
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(&mut writer, flate2::Compression::new(6));
                encoder.write_all(data)?;
                encoder.finish()?;
            }
            Compression::Deflate => {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(&mut writer, flate2::Compression::new(6));
                encoder.write_all(data)?;
                encoder.finish()?;
            }
            Compression::Zstd => {
                zstd::stream::copy_encode(data, &mut writer, zstd::DEFAULT_COMPRESSION_LEVEL)?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `grpc-accept-encoding` value for `accepted`.
pub(crate) fn accept_encoding_header(accepted: &[Compression]) -> Option<HeaderValue> {
    let names: Vec<&str> = accepted.iter().map(|c| c.name()).collect();
    (!names.is_empty())
        .then(|| HeaderValue::from_str(&names.join(",")).ok())
        .flatten()
}

/// A request's `grpc-encoding` value: `Ok(None)` for identity or none, an UNIMPLEMENTED
/// status naming what is supported for anything not in `accepted`.
pub(crate) fn encoding_in(
    value: Option<&HeaderValue>,
    accepted: &[Compression],
) -> Result<Option<Compression>, Status> {
    let Some(value) = value else {
        return Ok(None);
    };
    let name = value.to_str().unwrap_or("").trim();
    if name.is_empty() || name == "identity" {
        return Ok(None);
    }
    match Compression::from_name(name).filter(|c| accepted.contains(c)) {
        Some(compression) => Ok(Some(compression)),
        None => {
            let supported: Vec<&str> = std::iter::once("identity")
                .chain(accepted.iter().map(|c| c.name()))
                .collect();
            Err(Status::unimplemented(format!(
                "message compression `{name}` is not supported; supported: {}",
                supported.join(", ")
            )))
        }
    }
}

/// A set of compressions, one bit each: what a peer accepts, kept for every call without an
/// allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CompressionSet(u8);

impl CompressionSet {
    fn bit(compression: Compression) -> u8 {
        1 << compression as u8
    }

    pub(crate) fn insert(&mut self, compression: Compression) {
        self.0 |= Self::bit(compression);
    }

    pub(crate) fn contains(self, compression: Compression) -> bool {
        self.0 & Self::bit(compression) != 0
    }

    /// Adds what one `grpc-accept-encoding` value lists (names it does not know are left out).
    pub(crate) fn add_accepted(&mut self, value: &HeaderValue) {
        let names = value.to_str().unwrap_or("").split(',');
        names
            .filter_map(Compression::from_name)
            .for_each(|c| self.insert(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use std::io::Read;

    #[test]
    fn round_trips_through_the_reference_decoders() {
        let data = b"hello hello hello hello hello".repeat(20);
        for compression in Compression::ALL {
            let mut out = BytesMut::new();
            compression.compress(&data, &mut out).unwrap();
            assert!(out.len() < data.len(), "{compression} compresses");
            let mut back = Vec::new();
            match compression {
                Compression::Gzip => flate2::read::GzDecoder::new(&out[..])
                    .read_to_end(&mut back)
                    .unwrap(),
                Compression::Deflate => flate2::read::ZlibDecoder::new(&out[..])
                    .read_to_end(&mut back)
                    .unwrap(),
                Compression::Zstd => zstd::stream::read::Decoder::new(&out[..])
                    .unwrap()
                    .read_to_end(&mut back)
                    .unwrap(),
            };
            assert_eq!(back, data);
        }
    }

    #[test]
    fn negotiation() {
        let mut accepted = CompressionSet::default();
        accepted.add_accepted(&HeaderValue::from_static("identity, deflate,gzip"));
        assert!(accepted.contains(Compression::Deflate));
        assert!(accepted.contains(Compression::Gzip));
        assert!(!accepted.contains(Compression::Zstd));
        let mut headers = HeaderMap::new();
        headers.insert("grpc-encoding", HeaderValue::from_static("snappy"));
        let status = encoding_in(headers.get("grpc-encoding"), &Compression::ALL).unwrap_err();
        assert_eq!(status.code(), crate::Code::Unimplemented);
        assert!(status.message().contains("gzip"), "{status}");
        headers.insert("grpc-encoding", HeaderValue::from_static("identity"));
        assert_eq!(
            encoding_in(headers.get("grpc-encoding"), &Compression::ALL).unwrap(),
            None
        );
        headers.insert("grpc-encoding", HeaderValue::from_static("zstd"));
        assert_eq!(
            encoding_in(headers.get("grpc-encoding"), &Compression::ALL).unwrap(),
            Some(Compression::Zstd)
        );
        assert!(encoding_in(headers.get("grpc-encoding"), &[Compression::Gzip]).is_err());
    }
}
