//! Metadata keys.

use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use http::HeaderName;

use super::sealed::KeyArg;
use super::{is_binary_key, Ascii, Binary, ValueEncoding};

/// A metadata key: an [`Ascii`] key (not ending in `-bin`) or a [`Binary`] one (ending in
/// `-bin`).
///
/// Keys are made of `0-9`, `a-z`, `-`, `_` and `.`, and are stored in lowercase: parsing
/// lowercases, [`from_static`](MetadataKey::from_static) requires lowercase.
///
/// ```
/// use grpc_core::metadata::{AsciiMetadataKey, BinaryMetadataKey};
///
/// let key: AsciiMetadataKey = "X-Request-Id".parse().unwrap();
/// assert_eq!(key.as_str(), "x-request-id");
/// assert!("trace-bin".parse::<AsciiMetadataKey>().is_err());
/// assert!("trace-bin".parse::<BinaryMetadataKey>().is_ok());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MetadataKey<VE: ValueEncoding> {
    inner: HeaderName,
    _encoding: PhantomData<VE>,
}

/// An ASCII metadata key.
///
/// ```
/// use grpc_core::metadata::AsciiMetadataKey;
///
/// let key = AsciiMetadataKey::from_static("x-request-id");
/// assert_eq!(key, "x-request-id");
/// ```
pub type AsciiMetadataKey = MetadataKey<Ascii>;

/// A binary metadata key: it ends in `-bin`.
///
/// ```
/// use grpc_core::metadata::BinaryMetadataKey;
///
/// let key = BinaryMetadataKey::from_static("trace-bin");
/// assert_eq!(key, "trace-bin");
/// ```
pub type BinaryMetadataKey = MetadataKey<Binary>;

impl MetadataKey<Ascii> {
    /// An ASCII key from a static string. Usable in `const` items.
    ///
    /// # Panics
    ///
    /// If `src` is not a valid lowercase key, or ends in `-bin` (a binary key). In a `const`
    /// item this is a compile-time error.
    ///
    /// ```
    /// use grpc_core::metadata::AsciiMetadataKey;
    ///
    /// const REQUEST_ID: AsciiMetadataKey = AsciiMetadataKey::from_static("x-request-id");
    /// assert_eq!(REQUEST_ID.as_str(), "x-request-id");
    /// ```
    ///
    /// ```should_panic
    /// use grpc_core::metadata::AsciiMetadataKey;
    ///
    /// AsciiMetadataKey::from_static("trace-bin"); // a binary key
    /// ```
    ///
    /// ```compile_fail
    /// use grpc_core::metadata::AsciiMetadataKey;
    ///
    /// const TRACE: AsciiMetadataKey = AsciiMetadataKey::from_static("trace-bin");
    /// ```
    #[track_caller]
    pub const fn from_static(src: &'static str) -> Self {
        if let Err(problem) = check(src.as_bytes(), false, false) {
            problem.panic();
        }
        MetadataKey {
            inner: HeaderName::from_static(src),
            _encoding: PhantomData,
        }
    }
}

impl MetadataKey<Binary> {
    /// A binary key from a static string. Usable in `const` items.
    ///
    /// # Panics
    ///
    /// If `src` is not a valid lowercase key, or does not end in `-bin`. In a `const` item this
    /// is a compile-time error.
    ///
    /// ```
    /// use grpc_core::metadata::BinaryMetadataKey;
    ///
    /// const TRACE: BinaryMetadataKey = BinaryMetadataKey::from_static("trace-bin");
    /// assert_eq!(TRACE.as_str(), "trace-bin");
    /// ```
    ///
    /// ```should_panic
    /// use grpc_core::metadata::BinaryMetadataKey;
    ///
    /// BinaryMetadataKey::from_static("Trace-Bin"); // not lowercase
    /// ```
    #[track_caller]
    pub const fn from_static(src: &'static str) -> Self {
        if let Err(problem) = check(src.as_bytes(), true, false) {
            problem.panic();
        }
        MetadataKey {
            inner: HeaderName::from_static(src),
            _encoding: PhantomData,
        }
    }
}

impl<VE: ValueEncoding> MetadataKey<VE> {
    /// A key from bytes, lowercased.
    ///
    /// # Errors
    ///
    /// If `src` is empty, contains anything but `0-9`, `a-z`, `A-Z`, `-`, `_` and `.`, or has
    /// the wrong suffix for its kind: binary keys end in `-bin`, ASCII keys do not.
    ///
    /// ```
    /// use grpc_core::metadata::{AsciiMetadataKey, BinaryMetadataKey};
    ///
    /// assert_eq!(AsciiMetadataKey::from_bytes(b"X-Id").unwrap(), "x-id");
    /// assert!(AsciiMetadataKey::from_bytes(b"x id").is_err());
    /// assert!(BinaryMetadataKey::from_bytes(b"x-id").is_err());
    /// ```
    pub fn from_bytes(src: &[u8]) -> Result<Self, InvalidMetadataKey> {
        let invalid = |problem| InvalidMetadataKey {
            key: String::from_utf8_lossy(src).into_owned(),
            problem,
        };
        check(src, VE::IS_BINARY, true).map_err(invalid)?;
        // Every byte `check` allows is a valid header-name byte; `from_bytes` lowercases.
        let inner = HeaderName::from_bytes(src).map_err(|_| invalid(Problem::Char))?;
        Ok(MetadataKey::unchecked_from_header_name(inner))
    }

    /// The key, in lowercase.
    ///
    /// ```
    /// use grpc_core::metadata::AsciiMetadataKey;
    ///
    /// let key: AsciiMetadataKey = "X-Id".parse().unwrap();
    /// assert_eq!(key.as_str(), "x-id");
    /// ```
    pub fn as_str(&self) -> &str {
        self.inner.as_str()
    }

    /// A key for a header name already known to be of kind `VE` (a received header).
    pub(crate) fn unchecked_from_header_name(inner: HeaderName) -> Self {
        debug_assert_eq!(is_binary_key(inner.as_str().as_bytes()), VE::IS_BINARY);
        MetadataKey {
            inner,
            _encoding: PhantomData,
        }
    }

    /// The header name.
    pub(crate) fn into_header_name(self) -> HeaderName {
        self.inner
    }
}

impl<VE: ValueEncoding> fmt::Debug for MetadataKey<VE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<VE: ValueEncoding> fmt::Display for MetadataKey<VE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<VE: ValueEncoding> AsRef<str> for MetadataKey<VE> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<VE: ValueEncoding> FromStr for MetadataKey<VE> {
    type Err = InvalidMetadataKey;

    fn from_str(src: &str) -> Result<Self, InvalidMetadataKey> {
        MetadataKey::from_bytes(src.as_bytes())
    }
}

impl<VE: ValueEncoding> TryFrom<&str> for MetadataKey<VE> {
    type Error = InvalidMetadataKey;

    fn try_from(src: &str) -> Result<Self, InvalidMetadataKey> {
        MetadataKey::from_bytes(src.as_bytes())
    }
}

impl<VE: ValueEncoding> TryFrom<&String> for MetadataKey<VE> {
    type Error = InvalidMetadataKey;

    fn try_from(src: &String) -> Result<Self, InvalidMetadataKey> {
        MetadataKey::from_bytes(src.as_bytes())
    }
}

impl<VE: ValueEncoding> TryFrom<String> for MetadataKey<VE> {
    type Error = InvalidMetadataKey;

    fn try_from(src: String) -> Result<Self, InvalidMetadataKey> {
        MetadataKey::from_bytes(src.as_bytes())
    }
}

/// Case-insensitive, like lookups.
impl<VE: ValueEncoding> PartialEq<str> for MetadataKey<VE> {
    fn eq(&self, other: &str) -> bool {
        self.as_str().eq_ignore_ascii_case(other)
    }
}

/// Case-insensitive, like lookups.
impl<VE: ValueEncoding> PartialEq<&str> for MetadataKey<VE> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str().eq_ignore_ascii_case(other)
    }
}

/// Case-insensitive, like lookups.
impl<VE: ValueEncoding> PartialEq<MetadataKey<VE>> for str {
    fn eq(&self, other: &MetadataKey<VE>) -> bool {
        other == self
    }
}

/// Case-insensitive, like lookups.
impl<VE: ValueEncoding> PartialEq<MetadataKey<VE>> for &str {
    fn eq(&self, other: &MetadataKey<VE>) -> bool {
        other == *self
    }
}

/// A key argument of [`MetadataMap`](super::MetadataMap) methods for `VE` metadata: `&str`,
/// `String`, `&String`, [`MetadataKey<VE>`] or `&MetadataKey<VE>`. Sealed.
///
/// Insertions with a string key validate it (see [`MetadataKey::from_bytes`]); lookups
/// (`get`, `get_all`, `remove`) never fail, they find nothing for an invalid key or one of the
/// other kind.
///
/// ```
/// use grpc_core::metadata::{AsciiMetadataKey, MetadataMap};
///
/// let key = AsciiMetadataKey::from_static("x-id");
/// let mut md = MetadataMap::new();
/// md.insert(&key, "1".parse().unwrap());
/// md.append(String::from("x-id"), "2".parse().unwrap());
/// assert_eq!(md.get_all(key).count(), 2);
/// ```
pub trait AsMetadataKey<VE: ValueEncoding>: KeyArg<VE> {}

impl<VE: ValueEncoding> KeyArg<VE> for &str {
    fn name(&self) -> &str {
        self
    }
    fn into_key(self) -> Result<MetadataKey<VE>, InvalidMetadataKey> {
        MetadataKey::from_bytes(self.as_bytes())
    }
}
impl<VE: ValueEncoding> AsMetadataKey<VE> for &str {}

impl<VE: ValueEncoding> KeyArg<VE> for &String {
    fn name(&self) -> &str {
        self
    }
    fn into_key(self) -> Result<MetadataKey<VE>, InvalidMetadataKey> {
        MetadataKey::from_bytes(self.as_bytes())
    }
}
impl<VE: ValueEncoding> AsMetadataKey<VE> for &String {}

impl<VE: ValueEncoding> KeyArg<VE> for String {
    fn name(&self) -> &str {
        self
    }
    fn into_key(self) -> Result<MetadataKey<VE>, InvalidMetadataKey> {
        MetadataKey::from_bytes(self.as_bytes())
    }
}
impl<VE: ValueEncoding> AsMetadataKey<VE> for String {}

impl<VE: ValueEncoding> KeyArg<VE> for MetadataKey<VE> {
    fn name(&self) -> &str {
        self.as_str()
    }
    fn into_key(self) -> Result<MetadataKey<VE>, InvalidMetadataKey> {
        Ok(self)
    }
}
impl<VE: ValueEncoding> AsMetadataKey<VE> for MetadataKey<VE> {}

impl<VE: ValueEncoding> KeyArg<VE> for &MetadataKey<VE> {
    fn name(&self) -> &str {
        self.as_str()
    }
    fn into_key(self) -> Result<MetadataKey<VE>, InvalidMetadataKey> {
        Ok(self.clone())
    }
}
impl<VE: ValueEncoding> AsMetadataKey<VE> for &MetadataKey<VE> {}

/// A string that is not a valid metadata key of the kind asked for. Its message says why.
///
/// ```
/// use grpc_core::metadata::{MetadataMap, MetadataValue};
///
/// let mut md = MetadataMap::new();
/// let error = md.try_insert("trace-bin", "x".parse().unwrap()).unwrap_err();
/// assert!(error.to_string().contains("insert_bin"), "{error}");
/// let error = md.try_insert_bin("trace", MetadataValue::from_bytes(b"x")).unwrap_err();
/// assert!(error.to_string().contains("-bin"), "{error}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMetadataKey {
    key: String,
    problem: Problem,
}

impl fmt::Display for InvalidMetadataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid metadata key {:?}: {}",
            self.key,
            self.problem.message()
        )
    }
}

impl Error for InvalidMetadataKey {}

/// What is wrong with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Empty,
    Char,
    Uppercase,
    BinarySuffix,
    NoBinarySuffix,
}

impl Problem {
    const fn message(self) -> &'static str {
        match self {
            Problem::Empty => "metadata keys are not empty",
            Problem::Char => "metadata keys are made of 0-9, a-z, '-', '_' and '.'",
            Problem::Uppercase => "static metadata keys must be lowercase",
            Problem::BinarySuffix => {
                "keys ending in \"-bin\" carry binary values: use insert_bin/append_bin with \
                 MetadataValue::from_bytes"
            }
            Problem::NoBinarySuffix => "binary metadata values need a key ending in \"-bin\"",
        }
    }

    #[track_caller]
    const fn panic(self) -> ! {
        match self {
            Problem::Empty => panic!("invalid metadata key: metadata keys are not empty"),
            Problem::Char => {
                panic!("invalid metadata key: metadata keys are made of 0-9, a-z, '-', '_' and '.'")
            }
            Problem::Uppercase => {
                panic!("invalid metadata key: static metadata keys must be lowercase")
            }
            Problem::BinarySuffix => panic!(
                "invalid metadata key: keys ending in \"-bin\" carry binary values: use \
                 MetadataKey<Binary>"
            ),
            Problem::NoBinarySuffix => {
                panic!("invalid metadata key: binary metadata values need a key ending in \"-bin\"")
            }
        }
    }
}

/// Checks a key: gRPC's characters (uppercase too, if `lowercases`: it will be lowercased),
/// and the `-bin` suffix exactly when `binary`.
const fn check(src: &[u8], binary: bool, lowercases: bool) -> Result<(), Problem> {
    if src.is_empty() {
        return Err(Problem::Empty);
    }
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'0'..=b'9' | b'a'..=b'z' | b'-' | b'_' | b'.' => {}
            b'A'..=b'Z' if lowercases => {}
            b'A'..=b'Z' => return Err(Problem::Uppercase),
            _ => return Err(Problem::Char),
        }
        i += 1;
    }
    match (binary, is_binary_key(src)) {
        (false, true) => Err(Problem::BinarySuffix),
        (true, false) => Err(Problem::NoBinarySuffix),
        _ => Ok(()),
    }
}
