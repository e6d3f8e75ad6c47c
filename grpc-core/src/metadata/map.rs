//! The metadata map.

use std::fmt;
use std::iter::FusedIterator;
use std::ops::Range;
use std::sync::OnceLock;

use http::{HeaderMap, HeaderName, HeaderValue};

use super::key::{InvalidMetadataKey, MetadataKey};
use super::value::MetadataValue;
use super::{is_binary_key, strip_reserved, AsMetadataKey, Ascii, Binary, ValueEncoding};

/// The metadata of a request, a response (initial metadata), or a status (trailing metadata):
/// a multimap from keys to values, ASCII and binary kept apart.
///
/// Lookups and iteration hand out references to typed keys and values; the map builds (once,
/// on first use after a change) a typed view of its headers to hand them out from.
///
/// ```
/// use grpc_core::metadata::{KeyAndValueRef, MetadataMap, MetadataValue};
///
/// let mut md = MetadataMap::new();
/// md.insert("x-request-id", "42".parse().unwrap());
/// md.append("x-tag", "a".parse().unwrap());
/// md.append("x-tag", "b".parse().unwrap());
/// md.insert_bin("trace-bin", MetadataValue::from_bytes(&[0, 1, 2]));
///
/// assert_eq!(md.get("x-request-id").unwrap(), "42");
/// assert_eq!(md.get_all("x-tag").collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(md.get_bin("trace-bin").unwrap().to_bytes().unwrap().as_ref(), &[0, 1, 2]);
/// assert_eq!(md.len(), 4);
/// for entry in &md {
///     match entry {
///         KeyAndValueRef::Ascii(key, value) => println!("{key}: {value:?}"),
///         KeyAndValueRef::Binary(key, value) => println!("{key}: {value:?}"),
///     }
/// }
/// ```
#[derive(Clone, Default)]
pub struct MetadataMap {
    headers: HeaderMap,
    /// The typed view of `headers`, built by `&self` methods and dropped by every `&mut self`
    /// method (nothing else can change `headers`).
    view: OnceLock<Box<View>>,
}

impl MetadataMap {
    /// An empty map.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// assert!(MetadataMap::new().is_empty());
    /// ```
    pub fn new() -> Self {
        MetadataMap::default()
    }

    /// An empty map with room for `capacity` values.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let md = MetadataMap::with_capacity(8);
    /// assert!(md.is_empty());
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        MetadataMap::from_headers_raw(HeaderMap::with_capacity(capacity))
    }

    /// The metadata in received headers or trailers, without the [reserved](super::RESERVED)
    /// headers (`content-type`, `te`, `grpc-status`, `grpc-timeout`, ...), which belong to the
    /// protocol rather than the application.
    pub(crate) fn from_headers(mut headers: HeaderMap) -> Self {
        strip_reserved(&mut headers);
        MetadataMap::from_headers_raw(headers)
    }

    /// All of `headers` as metadata, reserved headers included.
    pub(crate) fn from_headers_raw(headers: HeaderMap) -> Self {
        MetadataMap {
            headers,
            view: OnceLock::new(),
        }
    }

    /// The metadata as HTTP headers: ASCII values as they are, binary values base64-encoded.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("x-id", "7".parse().unwrap());
    /// md.insert_bin("x-raw-bin", MetadataValue::from_bytes(b"\xff"));
    /// let headers = md.into_headers();
    /// assert_eq!(headers["x-id"], "7");
    /// assert_eq!(headers["x-raw-bin"], "/w");
    /// ```
    pub fn into_headers(self) -> HeaderMap {
        self.headers
    }

    /// The number of values (a key with three values counts three).
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// md.append("x-tag", "a".parse().unwrap());
    /// md.append("x-tag", "b".parse().unwrap());
    /// assert_eq!(md.len(), 2);
    /// assert_eq!(md.keys_len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let view = self.view();
        view.ascii.values.len() + view.binary.values.len()
    }

    /// The number of distinct keys.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("x-a", "1".parse().unwrap());
    /// md.insert("x-b", "2".parse().unwrap());
    /// assert_eq!(md.keys_len(), 2);
    /// ```
    pub fn keys_len(&self) -> usize {
        self.headers.keys_len()
    }

    /// Whether the map has no values.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// assert!(md.is_empty());
    /// md.insert("x-a", "1".parse().unwrap());
    /// assert!(!md.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }

    /// Removes every value.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("x-a", "1".parse().unwrap());
    /// md.clear();
    /// assert!(md.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.headers_mut().clear();
    }

    /// The first ASCII value of `key`. `None` if there is none, and for a `-bin` key or an
    /// invalid one (lookups never panic). Case-insensitive.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("x-id", "1".parse().unwrap());
    /// md.insert_bin("x-id-bin", MetadataValue::from_bytes(b"1"));
    /// assert_eq!(md.get("x-id").unwrap(), "1");
    /// assert_eq!(md.get("X-Id").unwrap(), "1");
    /// assert!(md.get("x-id-bin").is_none());
    /// assert!(md.get("not a key").is_none());
    /// ```
    pub fn get<K: AsMetadataKey<Ascii>>(&self, key: K) -> Option<&MetadataValue<Ascii>> {
        self.get_all(key).next()
    }

    /// The first binary value of `key`. `None` if there is none, and for a key not ending in
    /// `-bin` or an invalid one. Case-insensitive.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert_bin("trace-bin", MetadataValue::from_bytes(&[0, 1, 2]));
    /// let value = md.get_bin("trace-bin").unwrap();
    /// assert_eq!(value.to_bytes().unwrap().as_ref(), &[0, 1, 2]);
    /// assert!(md.get_bin("trace").is_none());
    /// ```
    pub fn get_bin<K: AsMetadataKey<Binary>>(&self, key: K) -> Option<&MetadataValue<Binary>> {
        self.get_all_bin(key).next()
    }

    /// Every ASCII value of `key`, in the order they were added. Empty in the cases where
    /// [`get`](MetadataMap::get) is `None`.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// md.append("x-tag", "a".parse().unwrap());
    /// md.append("x-tag", "b".parse().unwrap());
    /// let tags: Vec<&str> = md.get_all("x-tag").map(|v| v.to_str().unwrap()).collect();
    /// assert_eq!(tags, ["a", "b"]);
    /// ```
    pub fn get_all<K: AsMetadataKey<Ascii>>(&self, key: K) -> GetAll<'_, Ascii> {
        let name = key.name();
        if is_binary_key(name.as_bytes()) || !self.headers.contains_key(name) {
            return GetAll::empty();
        }
        self.view().ascii.get_all(name)
    }

    /// Every binary value of `key`, in the order they were added. Empty in the cases where
    /// [`get_bin`](MetadataMap::get_bin) is `None`.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.append_bin("x-blob-bin", MetadataValue::from_bytes(b"a"));
    /// md.append_bin("x-blob-bin", MetadataValue::from_bytes(b"b"));
    /// assert_eq!(md.get_all_bin("x-blob-bin").count(), 2);
    /// ```
    pub fn get_all_bin<K: AsMetadataKey<Binary>>(&self, key: K) -> GetAll<'_, Binary> {
        let name = key.name();
        if !is_binary_key(name.as_bytes()) || !self.headers.contains_key(name) {
            return GetAll::empty();
        }
        self.view().binary.get_all(name)
    }

    /// Whether the map has a value for `key`, ASCII or binary. Case-insensitive.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("x-a", "1".parse().unwrap());
    /// md.insert_bin("x-b-bin", MetadataValue::from_bytes(b"2"));
    /// assert!(md.contains_key("x-a"));
    /// assert!(md.contains_key("x-b-bin"));
    /// assert!(!md.contains_key("x-c"));
    /// ```
    pub fn contains_key<K: AsRef<str>>(&self, key: K) -> bool {
        self.headers.contains_key(key.as_ref())
    }

    /// Sets `key` to the one ASCII value `value`, replacing any values it had; returns the
    /// first replaced value.
    ///
    /// # Panics
    ///
    /// If `key` is a string that is not a valid ASCII key: not made of `0-9`, `a-z`, `A-Z`,
    /// `-`, `_`, `.`, or ending in `-bin` (use [`insert_bin`](MetadataMap::insert_bin) for
    /// binary values). [`try_insert`](MetadataMap::try_insert) returns an error instead. A
    /// [`MetadataKey<Ascii>`] key never panics.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// assert!(md.insert("x-id", "1".parse().unwrap()).is_none());
    /// assert_eq!(md.insert("x-id", "2".parse().unwrap()).unwrap(), "1");
    /// assert_eq!(md.get("x-id").unwrap(), "2");
    /// ```
    ///
    /// ```should_panic
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("trace-bin", "abc".parse().unwrap()); // a binary key
    /// ```
    #[track_caller]
    pub fn insert<K: AsMetadataKey<Ascii>>(
        &mut self,
        key: K,
        value: MetadataValue<Ascii>,
    ) -> Option<MetadataValue<Ascii>> {
        self.try_insert(key, value)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`insert`](MetadataMap::insert), with an error instead of a panic for an invalid key.
    ///
    /// # Errors
    ///
    /// If `key` is not a valid ASCII key (see [`insert`](MetadataMap::insert)).
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// assert!(md.try_insert("x-id", "1".parse().unwrap()).is_ok());
    /// assert!(md.try_insert("x-id-bin", "1".parse().unwrap()).is_err());
    /// assert!(md.try_insert("x id", "1".parse().unwrap()).is_err());
    /// assert_eq!(md.len(), 1);
    /// ```
    pub fn try_insert<K: AsMetadataKey<Ascii>>(
        &mut self,
        key: K,
        value: MetadataValue<Ascii>,
    ) -> Result<Option<MetadataValue<Ascii>>, InvalidMetadataKey> {
        let key = key.into_key()?;
        let old = self.insert_header(key.into_header_name(), value.into_header_value());
        Ok(old.map(MetadataValue::unchecked_from_header_value))
    }

    /// Sets `key` to the one binary value `value`, replacing any values it had; returns the
    /// first replaced value.
    ///
    /// # Panics
    ///
    /// If `key` is a string that is not a valid binary key: not made of `0-9`, `a-z`, `A-Z`,
    /// `-`, `_`, `.`, or not ending in `-bin`. [`try_insert_bin`](MetadataMap::try_insert_bin)
    /// returns an error instead. A [`MetadataKey<Binary>`] key never panics.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert_bin("trace-bin", MetadataValue::from_bytes(&[1]));
    /// let old = md.insert_bin("trace-bin", MetadataValue::from_bytes(&[2])).unwrap();
    /// assert_eq!(old.to_bytes().unwrap().as_ref(), &[1]);
    /// ```
    ///
    /// ```should_panic
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert_bin("trace", MetadataValue::from_bytes(&[1])); // not a -bin key
    /// ```
    #[track_caller]
    pub fn insert_bin<K: AsMetadataKey<Binary>>(
        &mut self,
        key: K,
        value: MetadataValue<Binary>,
    ) -> Option<MetadataValue<Binary>> {
        self.try_insert_bin(key, value)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`insert_bin`](MetadataMap::insert_bin), with an error instead of a panic for an
    /// invalid key.
    ///
    /// # Errors
    ///
    /// If `key` is not a valid binary key (see [`insert_bin`](MetadataMap::insert_bin)).
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// assert!(md.try_insert_bin("trace-bin", MetadataValue::from_bytes(b"1")).is_ok());
    /// assert!(md.try_insert_bin("trace", MetadataValue::from_bytes(b"1")).is_err());
    /// ```
    pub fn try_insert_bin<K: AsMetadataKey<Binary>>(
        &mut self,
        key: K,
        value: MetadataValue<Binary>,
    ) -> Result<Option<MetadataValue<Binary>>, InvalidMetadataKey> {
        let key = key.into_key()?;
        let old = self.insert_header(key.into_header_name(), value.into_header_value());
        Ok(old.map(|old| MetadataValue::unchecked_from_header_value(first_binary_value(old))))
    }

    /// Adds the ASCII value `value` to `key`, after any values it has; returns whether `key`
    /// had values already.
    ///
    /// # Panics
    ///
    /// As [`insert`](MetadataMap::insert) does; [`try_append`](MetadataMap::try_append)
    /// returns an error instead.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// assert!(!md.append("x-tag", "a".parse().unwrap()));
    /// assert!(md.append("x-tag", "b".parse().unwrap()));
    /// assert_eq!(md.get_all("x-tag").count(), 2);
    /// ```
    #[track_caller]
    pub fn append<K: AsMetadataKey<Ascii>>(&mut self, key: K, value: MetadataValue<Ascii>) -> bool {
        self.try_append(key, value)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`append`](MetadataMap::append), with an error instead of a panic for an invalid key.
    ///
    /// # Errors
    ///
    /// If `key` is not a valid ASCII key (see [`insert`](MetadataMap::insert)).
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// assert_eq!(md.try_append("x-tag", "a".parse().unwrap()), Ok(false));
    /// assert!(md.try_append("x-tag-bin", "a".parse().unwrap()).is_err());
    /// ```
    pub fn try_append<K: AsMetadataKey<Ascii>>(
        &mut self,
        key: K,
        value: MetadataValue<Ascii>,
    ) -> Result<bool, InvalidMetadataKey> {
        let key = key.into_key()?;
        Ok(self.append_header(key.into_header_name(), value.into_header_value()))
    }

    /// Adds the binary value `value` to `key`, after any values it has; returns whether `key`
    /// had values already.
    ///
    /// # Panics
    ///
    /// As [`insert_bin`](MetadataMap::insert_bin) does;
    /// [`try_append_bin`](MetadataMap::try_append_bin) returns an error instead.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.append_bin("x-blob-bin", MetadataValue::from_bytes(b"a"));
    /// assert!(md.append_bin("x-blob-bin", MetadataValue::from_bytes(b"b")));
    /// assert_eq!(md.get_all_bin("x-blob-bin").count(), 2);
    /// ```
    #[track_caller]
    pub fn append_bin<K: AsMetadataKey<Binary>>(
        &mut self,
        key: K,
        value: MetadataValue<Binary>,
    ) -> bool {
        self.try_append_bin(key, value)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`append_bin`](MetadataMap::append_bin), with an error instead of a panic for an
    /// invalid key.
    ///
    /// # Errors
    ///
    /// If `key` is not a valid binary key (see [`insert_bin`](MetadataMap::insert_bin)).
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// assert!(md.try_append_bin("x-blob", MetadataValue::from_bytes(b"a")).is_err());
    /// ```
    pub fn try_append_bin<K: AsMetadataKey<Binary>>(
        &mut self,
        key: K,
        value: MetadataValue<Binary>,
    ) -> Result<bool, InvalidMetadataKey> {
        let key = key.into_key()?;
        Ok(self.append_header(key.into_header_name(), value.into_header_value()))
    }

    /// Removes every ASCII value of `key`; returns the first. Does nothing for a `-bin` key or
    /// an invalid one.
    ///
    /// ```
    /// use grpc_core::metadata::MetadataMap;
    ///
    /// let mut md = MetadataMap::new();
    /// md.append("x-tag", "a".parse().unwrap());
    /// md.append("x-tag", "b".parse().unwrap());
    /// assert_eq!(md.remove("x-tag").unwrap(), "a");
    /// assert!(md.get("x-tag").is_none());
    /// assert!(md.remove("x-tag").is_none());
    /// ```
    pub fn remove<K: AsMetadataKey<Ascii>>(&mut self, key: K) -> Option<MetadataValue<Ascii>> {
        let name = key.name();
        if is_binary_key(name.as_bytes()) || !self.headers.contains_key(name) {
            return None;
        }
        let old = self.headers_mut().remove(name)?;
        Some(MetadataValue::unchecked_from_header_value(old))
    }

    /// Removes every binary value of `key`; returns the first. Does nothing for a key not
    /// ending in `-bin` or an invalid one.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert_bin("trace-bin", MetadataValue::from_bytes(b"t"));
    /// assert!(md.remove_bin("trace").is_none());
    /// assert_eq!(md.remove_bin("trace-bin").unwrap().to_bytes().unwrap().as_ref(), b"t");
    /// assert!(md.is_empty());
    /// ```
    pub fn remove_bin<K: AsMetadataKey<Binary>>(
        &mut self,
        key: K,
    ) -> Option<MetadataValue<Binary>> {
        let name = key.name();
        if !is_binary_key(name.as_bytes()) || !self.headers.contains_key(name) {
            return None;
        }
        let old = self.headers_mut().remove(name)?;
        Some(MetadataValue::unchecked_from_header_value(
            first_binary_value(old),
        ))
    }

    /// Every key and value, ASCII and binary. The values of a key come together, in the order
    /// they were added; keys come in the order they were first added, as long as no key was
    /// removed ([`http::HeaderMap`]'s order).
    ///
    /// ```
    /// use grpc_core::metadata::{KeyAndValueRef, MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.insert("x-a", "1".parse().unwrap());
    /// md.insert_bin("x-b-bin", MetadataValue::from_bytes(b"2"));
    /// let mut entries = md.iter();
    /// assert!(matches!(entries.next(), Some(KeyAndValueRef::Ascii(k, v)) if k == "x-a" && v == "1"));
    /// assert!(matches!(entries.next(), Some(KeyAndValueRef::Binary(k, _)) if k == "x-b-bin"));
    /// assert!(entries.next().is_none());
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            view: self.view(),
            slot: 0,
            value: 0,
        }
    }

    /// Every key, once each, in [`iter`](MetadataMap::iter)'s order.
    ///
    /// ```
    /// use grpc_core::metadata::{KeyRef, MetadataMap, MetadataValue};
    ///
    /// let mut md = MetadataMap::new();
    /// md.append("x-a", "1".parse().unwrap());
    /// md.append("x-a", "2".parse().unwrap());
    /// md.insert_bin("x-b-bin", MetadataValue::from_bytes(b"3"));
    /// let keys: Vec<&str> = md
    ///     .keys()
    ///     .map(|key| match key {
    ///         KeyRef::Ascii(key) => key.as_str(),
    ///         KeyRef::Binary(key) => key.as_str(),
    ///     })
    ///     .collect();
    /// assert_eq!(keys, ["x-a", "x-b-bin"]);
    /// ```
    pub fn keys(&self) -> Keys<'_> {
        Keys {
            view: self.view(),
            slot: 0,
        }
    }

    /// Every value, in [`iter`](MetadataMap::iter)'s order.
    ///
    /// ```
    /// use grpc_core::metadata::{MetadataMap, ValueRef};
    ///
    /// let mut md = MetadataMap::new();
    /// md.append("x-a", "1".parse().unwrap());
    /// md.append("x-a", "2".parse().unwrap());
    /// let values: Vec<&str> = md
    ///     .values()
    ///     .filter_map(|value| match value {
    ///         ValueRef::Ascii(value) => value.to_str().ok(),
    ///         ValueRef::Binary(_) => None,
    ///     })
    ///     .collect();
    /// assert_eq!(values, ["1", "2"]);
    /// ```
    pub fn values(&self) -> Values<'_> {
        Values { inner: self.iter() }
    }

    fn headers_mut(&mut self) -> &mut HeaderMap {
        self.view.take();
        &mut self.headers
    }

    fn insert_header(&mut self, name: HeaderName, value: HeaderValue) -> Option<HeaderValue> {
        self.headers_mut().insert(name, value)
    }

    fn append_header(&mut self, name: HeaderName, value: HeaderValue) -> bool {
        self.headers_mut().append(name, value)
    }

    fn view(&self) -> &View {
        self.view.get_or_init(|| Box::new(View::new(&self.headers)))
    }
}

/// The headers.
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.insert("x-id", "1".parse().unwrap());
/// assert_eq!(md.as_ref()["x-id"], "1");
/// ```
impl AsRef<HeaderMap> for MetadataMap {
    fn as_ref(&self) -> &HeaderMap {
        &self.headers
    }
}

/// The headers, to change directly. Whatever they hold afterwards is the metadata: a `-bin`
/// header reads as binary metadata, any other as ASCII.
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.as_mut().insert("x-id", http::HeaderValue::from_static("1"));
/// assert_eq!(md.get("x-id").unwrap(), "1");
/// ```
impl AsMut<HeaderMap> for MetadataMap {
    fn as_mut(&mut self) -> &mut HeaderMap {
        self.headers_mut()
    }
}

impl fmt::Debug for MetadataMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for entry in self {
            match entry {
                KeyAndValueRef::Ascii(key, value) => map.entry(key, value),
                KeyAndValueRef::Binary(key, value) => map.entry(key, value),
            };
        }
        map.finish()
    }
}

impl<'a> IntoIterator for &'a MetadataMap {
    type Item = KeyAndValueRef<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// A key and one of its values, from [`MetadataMap::iter`].
///
/// ```
/// use grpc_core::metadata::{KeyAndValueRef, MetadataMap, MetadataValue};
///
/// let mut md = MetadataMap::new();
/// md.insert_bin("trace-bin", MetadataValue::from_bytes(b"t"));
/// for entry in md.iter() {
///     if let KeyAndValueRef::Binary(key, value) = entry {
///         assert_eq!(key, "trace-bin");
///         assert_eq!(value.to_bytes().unwrap().as_ref(), b"t");
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAndValueRef<'a> {
    /// An ASCII key and value.
    Ascii(&'a MetadataKey<Ascii>, &'a MetadataValue<Ascii>),
    /// A binary key and value.
    Binary(&'a MetadataKey<Binary>, &'a MetadataValue<Binary>),
}

/// A key, from [`MetadataMap::keys`].
///
/// ```
/// use grpc_core::metadata::{KeyRef, MetadataMap};
///
/// let mut md = MetadataMap::new();
/// md.insert("x-a", "1".parse().unwrap());
/// assert!(matches!(md.keys().next(), Some(KeyRef::Ascii(key)) if key == "x-a"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRef<'a> {
    /// An ASCII key.
    Ascii(&'a MetadataKey<Ascii>),
    /// A binary key.
    Binary(&'a MetadataKey<Binary>),
}

/// A value, from [`MetadataMap::values`].
///
/// ```
/// use grpc_core::metadata::{MetadataMap, MetadataValue, ValueRef};
///
/// let mut md = MetadataMap::new();
/// md.insert_bin("x-b-bin", MetadataValue::from_bytes(b"1"));
/// assert!(matches!(md.values().next(), Some(ValueRef::Binary(_))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    /// An ASCII value.
    Ascii(&'a MetadataValue<Ascii>),
    /// A binary value.
    Binary(&'a MetadataValue<Binary>),
}

/// The values of one key, from [`MetadataMap::get_all`] and [`MetadataMap::get_all_bin`], in
/// the order they were added.
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.append("x-tag", "a".parse().unwrap());
/// md.append("x-tag", "b".parse().unwrap());
/// let mut tags = md.get_all("x-tag");
/// assert_eq!(tags.len(), 2);
/// assert_eq!(tags.next().unwrap(), "a");
/// assert_eq!(tags.next().unwrap(), "b");
/// assert!(tags.next().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct GetAll<'a, VE: ValueEncoding> {
    inner: std::slice::Iter<'a, MetadataValue<VE>>,
}

impl<VE: ValueEncoding> GetAll<'_, VE> {
    fn empty() -> Self {
        GetAll {
            inner: Default::default(),
        }
    }
}

impl<'a, VE: ValueEncoding> Iterator for GetAll<'a, VE> {
    type Item = &'a MetadataValue<VE>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<VE: ValueEncoding> DoubleEndedIterator for GetAll<'_, VE> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
    }
}

impl<VE: ValueEncoding> ExactSizeIterator for GetAll<'_, VE> {}

impl<VE: ValueEncoding> FusedIterator for GetAll<'_, VE> {}

/// Every key and value of a [`MetadataMap`], from [`MetadataMap::iter`].
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.insert("x-a", "1".parse().unwrap());
/// assert_eq!(md.iter().count(), 1);
/// ```
#[derive(Clone)]
pub struct Iter<'a> {
    view: &'a View,
    /// The index in `view.order` of the current key.
    slot: usize,
    /// The index among the current key's values of the next value.
    value: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = KeyAndValueRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let item = match *self.view.order.get(self.slot)? {
                Slot::Ascii(key) => self
                    .view
                    .ascii
                    .entry(key, self.value)
                    .map(|(key, value)| KeyAndValueRef::Ascii(key, value)),
                Slot::Binary(key) => self
                    .view
                    .binary
                    .entry(key, self.value)
                    .map(|(key, value)| KeyAndValueRef::Binary(key, value)),
            };
            match item {
                Some(item) => {
                    self.value += 1;
                    return Some(item);
                }
                None => {
                    self.slot += 1;
                    self.value = 0;
                }
            }
        }
    }
}

impl FusedIterator for Iter<'_> {}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Every key of a [`MetadataMap`], once each, from [`MetadataMap::keys`].
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.append("x-a", "1".parse().unwrap());
/// md.append("x-a", "2".parse().unwrap());
/// assert_eq!(md.keys().count(), 1);
/// ```
#[derive(Clone)]
pub struct Keys<'a> {
    view: &'a View,
    slot: usize,
}

impl<'a> Iterator for Keys<'a> {
    type Item = KeyRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let key = match *self.view.order.get(self.slot)? {
            Slot::Ascii(key) => KeyRef::Ascii(&self.view.ascii.keys[key]),
            Slot::Binary(key) => KeyRef::Binary(&self.view.binary.keys[key]),
        };
        self.slot += 1;
        Some(key)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.view.order.len() - self.slot;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Keys<'_> {}

impl FusedIterator for Keys<'_> {}

impl fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Every value of a [`MetadataMap`], from [`MetadataMap::values`].
///
/// ```
/// use grpc_core::metadata::MetadataMap;
///
/// let mut md = MetadataMap::new();
/// md.append("x-a", "1".parse().unwrap());
/// md.append("x-a", "2".parse().unwrap());
/// assert_eq!(md.values().count(), 2);
/// ```
#[derive(Clone)]
pub struct Values<'a> {
    inner: Iter<'a>,
}

impl<'a> Iterator for Values<'a> {
    type Item = ValueRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.inner.next()? {
            KeyAndValueRef::Ascii(_, value) => ValueRef::Ascii(value),
            KeyAndValueRef::Binary(_, value) => ValueRef::Binary(value),
        })
    }
}

impl FusedIterator for Values<'_> {}

impl fmt::Debug for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Typed copies of the headers' keys and values (cheap: both are reference-counted bytes),
/// which lookups and iteration hand out references to.
#[derive(Debug, Clone, Default)]
struct View {
    ascii: Typed<Ascii>,
    binary: Typed<Binary>,
    /// Every key, in the headers' order.
    order: Vec<Slot>,
}

/// A key of a [`View`]: its index in `View::ascii` or `View::binary`.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Ascii(usize),
    Binary(usize),
}

/// The keys of one kind, each with its values.
#[derive(Debug, Clone)]
struct Typed<VE: ValueEncoding> {
    keys: Vec<MetadataKey<VE>>,
    /// Parallel to `keys`: where in `values` each key's values are.
    ranges: Vec<Range<usize>>,
    values: Vec<MetadataValue<VE>>,
}

impl<VE: ValueEncoding> Default for Typed<VE> {
    fn default() -> Self {
        Typed {
            keys: Vec::new(),
            ranges: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<VE: ValueEncoding> Typed<VE> {
    /// Adds a key and its values; returns the key's index.
    fn push(&mut self, name: &HeaderName, values: impl Iterator<Item = HeaderValue>) -> usize {
        let start = self.values.len();
        self.values
            .extend(values.map(MetadataValue::unchecked_from_header_value));
        self.keys
            .push(MetadataKey::unchecked_from_header_name(name.clone()));
        self.ranges.push(start..self.values.len());
        self.keys.len() - 1
    }

    /// The values of the key `name` (case-insensitively).
    fn get_all(&self, name: &str) -> GetAll<'_, VE> {
        match self.keys.iter().position(|key| key == name) {
            Some(key) => GetAll {
                inner: self.values[self.ranges[key].clone()].iter(),
            },
            None => GetAll::empty(),
        }
    }

    /// Key `key` and its value number `value`, if it has that many.
    fn entry(&self, key: usize, value: usize) -> Option<(&MetadataKey<VE>, &MetadataValue<VE>)> {
        let range = self.ranges[key].clone();
        let value = self.values[range].get(value)?;
        Some((&self.keys[key], value))
    }
}

impl View {
    fn new(headers: &HeaderMap) -> View {
        let mut view = View {
            order: Vec::with_capacity(headers.keys_len()),
            ..View::default()
        };
        for name in headers.keys() {
            let values = headers.get_all(name).iter();
            let slot = if is_binary_key(name.as_str().as_bytes()) {
                // `,` never occurs in base64: a comma-joined header is several values.
                Slot::Binary(view.binary.push(name, values.flat_map(split_binary)))
            } else {
                Slot::Ascii(view.ascii.push(name, values.cloned()))
            };
            view.order.push(slot);
        }
        view
    }
}

/// The values in one binary header: HTTP allows joining a header's values with `,` (and
/// optional whitespace), and base64 never contains `,`.
fn split_binary(value: &HeaderValue) -> impl Iterator<Item = HeaderValue> + '_ {
    let bytes = value.as_bytes();
    let joined = bytes.contains(&b',');
    let whole = (!joined).then(|| value.clone());
    let parts = joined.then(|| {
        bytes.split(|&b| b == b',').map(|part| {
            // A part of a valid header value is a valid header value.
            let mut part =
                HeaderValue::from_bytes(part.trim_ascii()).unwrap_or_else(|_| value.clone());
            part.set_sensitive(value.is_sensitive());
            part
        })
    });
    whole.into_iter().chain(parts.into_iter().flatten())
}

/// The first value in a binary header (see [`split_binary`]).
fn first_binary_value(value: HeaderValue) -> HeaderValue {
    if !value.as_bytes().contains(&b',') {
        return value;
    }
    let first = split_binary(&value).next();
    first.unwrap_or(value)
}
