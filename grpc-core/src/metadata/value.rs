//! Metadata values.

use std::error::Error;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use bytes::Bytes;
use http::HeaderValue;

use super::{Ascii, Binary, ValueEncoding};

/// Standard-alphabet base64, padded or not (gRPC peers send either), tolerant of non-zero
/// trailing bits (as grpc-go is).
const DECODER: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A metadata value: printable ASCII for an [`Ascii`] value, arbitrary bytes (sent
/// base64-encoded) for a [`Binary`] one.
///
/// ```
/// use grpc_core::metadata::{AsciiMetadataValue, BinaryMetadataValue};
///
/// let ascii: AsciiMetadataValue = "hello".parse().unwrap();
/// assert_eq!(ascii, "hello");
/// let binary = BinaryMetadataValue::from_bytes(b"\x00\xff");
/// assert_eq!(binary.to_bytes().unwrap().as_ref(), b"\x00\xff");
/// assert_eq!(binary.as_encoded_bytes(), b"AP8"); // unpadded base64 on the wire
/// ```
#[derive(Clone)]
pub struct MetadataValue<VE: ValueEncoding> {
    inner: HeaderValue,
    _encoding: PhantomData<VE>,
}

/// An ASCII metadata value.
///
/// ```
/// use grpc_core::metadata::AsciiMetadataValue;
///
/// let value = AsciiMetadataValue::from_static("gzip");
/// assert_eq!(value, "gzip");
/// ```
pub type AsciiMetadataValue = MetadataValue<Ascii>;

/// A binary metadata value.
///
/// ```
/// use grpc_core::metadata::BinaryMetadataValue;
///
/// let value = BinaryMetadataValue::from_bytes(&[1, 2, 3]);
/// assert_eq!(value.to_bytes().unwrap().as_ref(), &[1, 2, 3]);
/// ```
pub type BinaryMetadataValue = MetadataValue<Binary>;

impl<VE: ValueEncoding> MetadataValue<VE> {
    /// The value as sent on the wire: the text of an ASCII value, the base64 text of a binary
    /// one.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataValue;
    ///
    /// assert_eq!(MetadataValue::from_static("abc").as_encoded_bytes(), b"abc");
    /// assert_eq!(MetadataValue::from_bytes(b"abc").as_encoded_bytes(), b"YWJj");
    /// ```
    pub fn as_encoded_bytes(&self) -> &[u8] {
        self.inner.as_bytes()
    }

    /// Whether the value is sensitive: HTTP/2 then never adds it to its header compression
    /// tables (HPACK "never indexed"), and `Debug` hides it.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataValue;
    ///
    /// let mut token = MetadataValue::from_static("Bearer secret");
    /// assert!(!token.is_sensitive());
    /// token.set_sensitive(true);
    /// assert!(token.is_sensitive());
    /// assert_eq!(format!("{token:?}"), "Sensitive");
    /// ```
    pub fn is_sensitive(&self) -> bool {
        self.inner.is_sensitive()
    }

    /// Marks the value sensitive or not; see [`is_sensitive`](MetadataValue::is_sensitive).
    ///
    /// ```
    /// use grpc_core::metadata::MetadataValue;
    ///
    /// let mut key = MetadataValue::from_bytes(b"\x01\x02");
    /// key.set_sensitive(true);
    /// assert!(key.is_sensitive());
    /// ```
    pub fn set_sensitive(&mut self, sensitive: bool) {
        self.inner.set_sensitive(sensitive);
    }

    /// A value for a header value received under a key of kind `VE`: not validated (received
    /// ASCII values may hold any header-value bytes, received binary values any text).
    pub(crate) fn unchecked_from_header_value(inner: HeaderValue) -> Self {
        MetadataValue {
            inner,
            _encoding: PhantomData,
        }
    }

    /// The header value.
    pub(crate) fn into_header_value(self) -> HeaderValue {
        self.inner
    }

    /// What equality and hashing compare: the decoded bytes of a binary value (so padded and
    /// unpadded encodings are equal), else the bytes on the wire.
    fn canonical(&self) -> Result<Bytes, &[u8]> {
        if VE::IS_BINARY {
            decode(self.inner.as_bytes()).ok_or(self.inner.as_bytes())
        } else {
            Err(self.inner.as_bytes())
        }
    }
}

impl MetadataValue<Ascii> {
    /// An ASCII value from a static string. Usable in `const` items.
    ///
    /// # Panics
    ///
    /// If `src` contains anything but printable ASCII (`0x20..=0x7E`). In a `const` item this
    /// is a compile-time error.
    ///
    /// ```
    /// use grpc_core::metadata::AsciiMetadataValue;
    ///
    /// const SERVED_BY: AsciiMetadataValue = AsciiMetadataValue::from_static("pinger 1.0");
    /// assert_eq!(SERVED_BY, "pinger 1.0");
    /// ```
    ///
    /// ```should_panic
    /// use grpc_core::metadata::AsciiMetadataValue;
    ///
    /// AsciiMetadataValue::from_static("line\nbreak");
    /// ```
    #[track_caller]
    pub const fn from_static(src: &'static str) -> Self {
        if !is_ascii_value(src.as_bytes()) {
            panic!(
                "invalid metadata value: ASCII metadata values are printable ASCII (0x20..=0x7E)"
            );
        }
        MetadataValue {
            inner: HeaderValue::from_static(src),
            _encoding: PhantomData,
        }
    }

    /// The value as text.
    ///
    /// # Errors
    ///
    /// If a received value holds bytes outside visible ASCII (values made here never do).
    ///
    /// ```
    /// use grpc_core::metadata::AsciiMetadataValue;
    ///
    /// let value: AsciiMetadataValue = "v1.2".parse().unwrap();
    /// assert_eq!(value.to_str().unwrap(), "v1.2");
    /// ```
    pub fn to_str(&self) -> Result<&str, ToStrError> {
        self.inner.to_str().map_err(|_| ToStrError { _private: () })
    }

    /// The value's bytes (as sent).
    ///
    /// ```
    /// use grpc_core::metadata::AsciiMetadataValue;
    ///
    /// assert_eq!(AsciiMetadataValue::from_static("abc").as_bytes(), b"abc");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.inner.as_bytes()
    }

    fn try_from_text(src: &[u8]) -> Result<Self, InvalidMetadataValue> {
        if !is_ascii_value(src) {
            return Err(InvalidMetadataValue { _private: () });
        }
        let inner =
            HeaderValue::from_bytes(src).map_err(|_| InvalidMetadataValue { _private: () })?;
        Ok(MetadataValue::unchecked_from_header_value(inner))
    }
}

impl MetadataValue<Binary> {
    /// A binary value holding `bytes`; it is sent base64-encoded without padding.
    ///
    /// ```
    /// use grpc_core::metadata::BinaryMetadataValue;
    ///
    /// let value = BinaryMetadataValue::from_bytes(&[0, 1, 2]);
    /// assert_eq!(value.as_encoded_bytes(), b"AAEC");
    /// assert_eq!(BinaryMetadataValue::from_bytes(&[0]).as_encoded_bytes(), b"AA");
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let encoded = STANDARD_NO_PAD.encode(bytes);
        // Base64 text is always a valid header value.
        let inner = HeaderValue::try_from(encoded).expect("base64 is a valid header value");
        MetadataValue::unchecked_from_header_value(inner)
    }

    /// The decoded bytes. Padded and unpadded base64 are both accepted.
    ///
    /// # Errors
    ///
    /// If a received value is not valid standard-alphabet base64 (values made with
    /// [`from_bytes`](MetadataValue::from_bytes) always are).
    ///
    /// ```
    /// use grpc_core::metadata::BinaryMetadataValue;
    ///
    /// let value = BinaryMetadataValue::from_bytes(b"\xde\xad");
    /// assert_eq!(value.to_bytes().unwrap().as_ref(), b"\xde\xad");
    /// ```
    pub fn to_bytes(&self) -> Result<Bytes, InvalidMetadataValueBytes> {
        decode(self.inner.as_bytes()).ok_or(InvalidMetadataValueBytes { _private: () })
    }
}

fn decode(encoded: &[u8]) -> Option<Bytes> {
    DECODER.decode(encoded).ok().map(Bytes::from)
}

/// Checks one received metadata value (not a reserved header's) the way the protocol defines
/// it: a `-bin` value must be base64 (padded or not), any other value printable ASCII
/// (`%x20-%x7E`). The error names the offending key.
pub(crate) fn check_received_value(
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Result<(), String> {
    let key = name.as_str();
    if key.ends_with("-bin") {
        if decode(value.as_bytes()).is_none() {
            return Err(format!("malformed binary metadata {key}: not base64"));
        }
    } else if !is_ascii_value(value.as_bytes()) {
        return Err(format!(
            "malformed metadata {key}: the value is not printable ASCII"
        ));
    }
    Ok(())
}

/// Printable ASCII, as gRPC's ASCII-Value allows. Checked for every received value: the loop
/// has no early exit, so that the compiler checks many bytes at once.
const fn is_ascii_value(src: &[u8]) -> bool {
    let mut printable = true;
    let mut i = 0;
    while i < src.len() {
        printable &= src[i].wrapping_sub(0x20) <= 0x7e - 0x20;
        i += 1;
    }
    printable
}

impl<VE: ValueEncoding> fmt::Debug for MetadataValue<VE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_sensitive() {
            return f.write_str("Sensitive");
        }
        match self.canonical() {
            Ok(decoded) => fmt::Debug::fmt(&decoded, f),
            Err(_) if VE::IS_BINARY => f.debug_tuple("InvalidBase64").field(&self.inner).finish(),
            Err(_) => fmt::Debug::fmt(&self.inner, f),
        }
    }
}

/// Binary values compare decoded (padded and unpadded encodings of the same bytes are equal).
impl<VE: ValueEncoding> PartialEq for MetadataValue<VE> {
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
    }
}

impl<VE: ValueEncoding> Eq for MetadataValue<VE> {}

impl<VE: ValueEncoding> Hash for MetadataValue<VE> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.canonical() {
            Ok(decoded) => {
                state.write_u8(0);
                decoded.hash(state);
            }
            Err(raw) => {
                state.write_u8(1);
                raw.hash(state);
            }
        }
    }
}

impl PartialEq<str> for MetadataValue<Ascii> {
    fn eq(&self, other: &str) -> bool {
        self.inner == other
    }
}

impl PartialEq<&str> for MetadataValue<Ascii> {
    fn eq(&self, other: &&str) -> bool {
        self.inner == *other
    }
}

impl PartialEq<String> for MetadataValue<Ascii> {
    fn eq(&self, other: &String) -> bool {
        self.inner == other.as_str()
    }
}

impl PartialEq<MetadataValue<Ascii>> for str {
    fn eq(&self, other: &MetadataValue<Ascii>) -> bool {
        other == self
    }
}

impl PartialEq<MetadataValue<Ascii>> for &str {
    fn eq(&self, other: &MetadataValue<Ascii>) -> bool {
        other == *self
    }
}

impl PartialEq<MetadataValue<Ascii>> for String {
    fn eq(&self, other: &MetadataValue<Ascii>) -> bool {
        other == self
    }
}

impl FromStr for MetadataValue<Ascii> {
    type Err = InvalidMetadataValue;

    fn from_str(src: &str) -> Result<Self, InvalidMetadataValue> {
        MetadataValue::try_from_text(src.as_bytes())
    }
}

impl TryFrom<&str> for MetadataValue<Ascii> {
    type Error = InvalidMetadataValue;

    fn try_from(src: &str) -> Result<Self, InvalidMetadataValue> {
        MetadataValue::try_from_text(src.as_bytes())
    }
}

impl TryFrom<&String> for MetadataValue<Ascii> {
    type Error = InvalidMetadataValue;

    fn try_from(src: &String) -> Result<Self, InvalidMetadataValue> {
        MetadataValue::try_from_text(src.as_bytes())
    }
}

impl TryFrom<String> for MetadataValue<Ascii> {
    type Error = InvalidMetadataValue;

    fn try_from(src: String) -> Result<Self, InvalidMetadataValue> {
        if !is_ascii_value(src.as_bytes()) {
            return Err(InvalidMetadataValue { _private: () });
        }
        let inner =
            HeaderValue::try_from(src).map_err(|_| InvalidMetadataValue { _private: () })?;
        Ok(MetadataValue::unchecked_from_header_value(inner))
    }
}

impl TryFrom<&[u8]> for MetadataValue<Ascii> {
    type Error = InvalidMetadataValue;

    fn try_from(src: &[u8]) -> Result<Self, InvalidMetadataValue> {
        MetadataValue::try_from_text(src)
    }
}

macro_rules! from_integers {
    ($($int:ty),*) => {$(
        impl From<$int> for MetadataValue<Ascii> {
            fn from(n: $int) -> Self {
                MetadataValue::unchecked_from_header_value(HeaderValue::from(n))
            }
        }
    )*};
}

from_integers!(u16, i16, u32, i32, u64, i64, usize, isize);

/// Text that is not a valid ASCII metadata value: it holds something other than printable
/// ASCII (`0x20..=0x7E`).
///
/// ```
/// use grpc_core::metadata::{AsciiMetadataValue, InvalidMetadataValue};
///
/// let error: InvalidMetadataValue = "caf\u{e9}".parse::<AsciiMetadataValue>().unwrap_err();
/// assert!(error.to_string().contains("printable ASCII"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMetadataValue {
    _private: (),
}

impl fmt::Display for InvalidMetadataValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "invalid metadata value: ASCII metadata values are printable ASCII (0x20..=0x7E)",
        )
    }
}

impl Error for InvalidMetadataValue {}

/// A received binary metadata value that is not valid base64.
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("trace-bin", http::HeaderValue::from_static("not base64!"));
/// let mut md = MetadataMap::new();
/// *md.as_mut() = headers;
/// let error = md.get_bin("trace-bin").unwrap().to_bytes().unwrap_err();
/// assert!(error.to_string().contains("base64"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMetadataValueBytes {
    _private: (),
}

impl fmt::Display for InvalidMetadataValueBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid binary metadata value: not base64")
    }
}

impl Error for InvalidMetadataValueBytes {}

/// A received ASCII metadata value that holds bytes outside visible ASCII, so is not text.
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.as_mut().insert("x-name", http::HeaderValue::from_bytes(b"caf\xe9").unwrap());
/// let error = md.get("x-name").unwrap().to_str().unwrap_err();
/// assert!(error.to_string().contains("ASCII"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToStrError {
    _private: (),
}

impl fmt::Display for ToStrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("metadata value is not visible ASCII text")
    }
}

impl Error for ToStrError {}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_ascii_is_exactly_0x20_to_0x7e() {
        for byte in 0..=u8::MAX {
            let printable = (0x20..=0x7e).contains(&byte);
            assert_eq!(super::is_ascii_value(&[byte]), printable, "{byte:#x}");
            let long = [
                b"a long enough value to be checked in blocks ".as_slice(),
                &[byte],
            ]
            .concat();
            assert_eq!(
                super::is_ascii_value(&long),
                printable,
                "{byte:#x} at the end"
            );
        }
        assert!(super::is_ascii_value(b""));
    }
}
