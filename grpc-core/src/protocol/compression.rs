//! Compression algorithms and their negotiation (`grpc-encoding`, `grpc-accept-encoding`).

use std::fmt;
use std::io::Write;

use bytes::{BufMut, BytesMut};
use http::{HeaderMap, HeaderValue};

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

/// The request's `grpc-encoding`: `Ok(None)` for identity or none, an UNIMPLEMENTED status
/// naming what is supported for anything not in `accepted`.
pub(crate) fn request_encoding(
    headers: &HeaderMap,
    accepted: &[Compression],
) -> Result<Option<Compression>, Status> {
    let Some(value) = headers.get(&super::headers::name::GRPC_ENCODING) else {
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

/// The compressions a peer accepts, from its `grpc-accept-encoding` headers.
pub(crate) fn accepted_by_peer(headers: &HeaderMap) -> Vec<Compression> {
    headers
        .get_all(&super::headers::name::GRPC_ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(Compression::from_name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let mut headers = HeaderMap::new();
        headers.insert(
            "grpc-accept-encoding",
            HeaderValue::from_static("identity, deflate,gzip"),
        );
        assert_eq!(
            accepted_by_peer(&headers),
            [Compression::Deflate, Compression::Gzip]
        );
        headers.insert("grpc-encoding", HeaderValue::from_static("snappy"));
        let status = request_encoding(&headers, &Compression::ALL).unwrap_err();
        assert_eq!(status.code(), crate::Code::Unimplemented);
        assert!(status.message().contains("gzip"), "{status}");
        headers.insert("grpc-encoding", HeaderValue::from_static("identity"));
        assert_eq!(request_encoding(&headers, &Compression::ALL).unwrap(), None);
        headers.insert("grpc-encoding", HeaderValue::from_static("zstd"));
        assert_eq!(
            request_encoding(&headers, &Compression::ALL).unwrap(),
            Some(Compression::Zstd)
        );
        assert!(request_encoding(&headers, &[Compression::Gzip]).is_err());
    }
}
