use http::{HeaderMap, HeaderValue};

use super::*;

fn received(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.append(*name, HeaderValue::from_static(value));
    }
    headers
}

fn bin(md: &MetadataMap, key: &str) -> Vec<Vec<u8>> {
    md.get_all_bin(key)
        .map(|value| value.to_bytes().unwrap().to_vec())
        .collect()
}

#[test]
fn ascii_and_binary_keys_are_kept_apart() {
    let mut md = MetadataMap::new();
    md.insert("x-id", "1".parse().unwrap());
    md.insert_bin("x-id-bin", MetadataValue::from_bytes(b"\x01"));

    // Lookups of the wrong kind find nothing, and never panic.
    assert!(md.get("x-id-bin").is_none());
    assert!(md.get_bin("x-id").is_none());
    assert_eq!(md.get_all("x-id-bin").count(), 0);
    assert_eq!(md.get_all_bin("x-id").count(), 0);
    assert!(md.remove("x-id-bin").is_none());
    assert!(md.remove_bin("x-id").is_none());
    assert_eq!(md.len(), 2);

    // Insertions of the wrong kind fail, with a message that says what to do.
    let error = md.try_insert("x-id-bin", "1".parse().unwrap()).unwrap_err();
    assert!(error.to_string().contains("x-id-bin"), "{error}");
    assert!(error.to_string().contains("insert_bin"), "{error}");
    let error = md
        .try_insert_bin("x-id", MetadataValue::from_bytes(b"1"))
        .unwrap_err();
    assert!(error.to_string().contains("-bin"), "{error}");
    assert!(md.try_append("x-id-bin", "1".parse().unwrap()).is_err());
    assert!(md
        .try_append_bin("x-id", MetadataValue::from_bytes(b"1"))
        .is_err());
    assert!("x-id-bin".parse::<AsciiMetadataKey>().is_err());
    assert!("x-id".parse::<BinaryMetadataKey>().is_err());
    assert_eq!(md.len(), 2, "failed insertions change nothing");

    // Received headers are typed by their key.
    for entry in &md {
        match entry {
            KeyAndValueRef::Ascii(key, _) => assert_eq!(key, "x-id"),
            KeyAndValueRef::Binary(key, _) => assert_eq!(key, "x-id-bin"),
        }
    }
}

#[test]
#[should_panic(expected = "insert_bin")]
fn inserting_ascii_under_a_binary_key_panics() {
    MetadataMap::new().insert("trace-bin", "x".parse().unwrap());
}

#[test]
#[should_panic(expected = "-bin")]
fn inserting_binary_under_an_ascii_key_panics() {
    MetadataMap::new().insert_bin("trace", MetadataValue::from_bytes(b"x"));
}

#[test]
#[should_panic(expected = "invalid metadata key")]
fn appending_under_an_invalid_key_panics() {
    MetadataMap::new().append("x id", "x".parse().unwrap());
}

#[test]
fn binary_values_are_sent_unpadded() {
    for (bytes, encoded) in [
        (&b""[..], ""),
        (b"\x00", "AA"),
        (b"\x00\x01", "AAE"),
        (b"\x00\x01\xff", "AAH/"),
        (b"\xfb\xff", "+/8"),
    ] {
        let value = MetadataValue::from_bytes(bytes);
        assert_eq!(value.as_encoded_bytes(), encoded.as_bytes());
        assert_eq!(value.to_bytes().unwrap().as_ref(), bytes);
        let mut md = MetadataMap::new();
        md.insert_bin("x-bin", value);
        assert_eq!(md.into_headers()["x-bin"], encoded);
    }
}

#[test]
fn binary_values_are_received_padded_or_not() {
    let md = MetadataMap::from_headers(received(&[
        ("a-bin", "AA=="),
        ("b-bin", "AA"),
        ("c-bin", "AAE="),
        ("d-bin", "AAE"),
        ("e-bin", "AAH/"),
        ("f-bin", "AB"),  // non-zero trailing bits, as lenient decoders accept
        ("g-bin", "AA="), // short padding
        ("h-bin", ""),
    ]));
    assert_eq!(bin(&md, "a-bin"), [vec![0]]);
    assert_eq!(bin(&md, "b-bin"), [vec![0]]);
    assert_eq!(bin(&md, "c-bin"), [vec![0, 1]]);
    assert_eq!(bin(&md, "d-bin"), [vec![0, 1]]);
    assert_eq!(bin(&md, "e-bin"), [vec![0, 1, 255]]);
    assert_eq!(bin(&md, "f-bin"), [vec![0]]);
    assert_eq!(bin(&md, "g-bin"), [vec![0]]);
    assert_eq!(bin(&md, "h-bin"), [Vec::<u8>::new()]);
    // Padded and unpadded encodings of the same bytes are the same value.
    assert_eq!(md.get_bin("a-bin"), md.get_bin("b-bin"));
    assert_eq!(
        md.get_bin("c-bin"),
        Some(&MetadataValue::from_bytes(&[0, 1]))
    );
}

#[test]
fn invalid_base64_is_an_error_not_a_panic() {
    let md = MetadataMap::from_headers(received(&[
        ("a-bin", "not base64!"),
        ("b-bin", "A"),
        ("c-bin", "AA==="),
        ("d-bin", "AA=A"),
        ("e-bin", "-_8"), // the URL-safe alphabet
        ("f-bin", "AA AA"),
    ]));
    for key in ["a-bin", "b-bin", "c-bin", "d-bin", "e-bin", "f-bin"] {
        let value = md.get_bin(key).unwrap();
        let error = value.to_bytes().unwrap_err();
        assert!(error.to_string().contains("base64"), "{error}");
        let _ = format!("{value:?} {md:?}");
    }
}

#[test]
fn comma_joined_binary_values_are_separate_values() {
    let md = MetadataMap::from_headers(received(&[
        ("x-bin", "AA,AAE=, AAH/"),
        ("x-bin", "AQ"),
        ("x-text", "a,b"),
    ]));
    assert_eq!(
        bin(&md, "x-bin"),
        [vec![0], vec![0, 1], vec![0, 1, 255], vec![1]]
    );
    assert_eq!(
        md.get("x-text").unwrap(),
        "a,b",
        "ASCII values may hold commas"
    );
    assert_eq!(md.len(), 5);
    let mut md = md;
    assert_eq!(
        md.remove_bin("x-bin").unwrap().to_bytes().unwrap().as_ref(),
        &[0]
    );
}

#[test]
fn reserved_headers_are_hidden() {
    let mut headers = received(&[
        ("te", "trailers"),
        ("content-type", "application/grpc"),
        ("grpc-status", "0"),
        ("grpc-message", "ok"),
        ("grpc-status-details-bin", "AA"),
        ("grpc-timeout", "1S"),
        ("grpc-encoding", "gzip"),
        ("grpc-accept-encoding", "gzip,identity"),
        ("grpc-message-type", "m"),
        ("connection", "close"),
        ("keep-alive", "1"),
        ("proxy-connection", "x"),
        ("transfer-encoding", "chunked"),
        ("upgrade", "h2c"),
        ("host", "example.com"),
        ("user-agent", "grpc-go/1.60"),
        ("x-custom", "kept"),
        ("x-custom-bin", "AA"),
        ("grpc-trace-bin", "AA"),
    ]);
    headers.append("Te", HeaderValue::from_static("trailers"));
    let raw = MetadataMap::from_headers_raw(headers.clone());
    assert!(
        raw.get("grpc-status").is_some(),
        "from_headers_raw keeps everything"
    );
    assert_eq!(raw.len(), headers.len());

    let md = MetadataMap::from_headers(headers);
    for name in RESERVED {
        assert!(!md.contains_key(name), "{name} is hidden");
        assert!(is_reserved_lowercase(name));
        assert!(!is_reserved_lowercase(&name.to_uppercase()));
        assert!(!is_reserved_lowercase(&format!("{name}x")));
        assert!(!is_reserved_lowercase(&name[1..]));
    }
    assert!(md.get("grpc-status").is_none());
    assert!(md.get_bin("grpc-status-details-bin").is_none());
    assert_eq!(md.get("user-agent").unwrap(), "grpc-go/1.60");
    assert_eq!(md.get("x-custom").unwrap(), "kept");
    assert_eq!(bin(&md, "x-custom-bin"), [vec![0]]);
    assert_eq!(
        bin(&md, "grpc-trace-bin"),
        [vec![0]],
        "other grpc- keys are metadata"
    );
    assert_eq!(md.keys_len(), 4);
    for name in ["user-agent", "x-custom", "grpc-trace-bin", "", "grpc-"] {
        assert!(!is_reserved_lowercase(name), "{name}");
    }
}

#[test]
fn iteration_order_and_multiple_values() {
    let mut md = MetadataMap::new();
    md.append("x-b", "b1".parse().unwrap());
    md.append_bin("x-a-bin", MetadataValue::from_bytes(b"a1"));
    md.append("x-c", "c1".parse().unwrap());
    md.append("x-b", "b2".parse().unwrap());
    md.append_bin("x-a-bin", MetadataValue::from_bytes(b"a2"));
    md.append("x-b", "b3".parse().unwrap());

    let entries: Vec<String> = md
        .iter()
        .map(|entry| match entry {
            KeyAndValueRef::Ascii(key, value) => format!("{key}={}", value.to_str().unwrap()),
            KeyAndValueRef::Binary(key, value) => format!(
                "{key}={}",
                String::from_utf8(value.to_bytes().unwrap().to_vec()).unwrap()
            ),
        })
        .collect();
    assert_eq!(
        entries,
        [
            "x-b=b1",
            "x-b=b2",
            "x-b=b3",
            "x-a-bin=a1",
            "x-a-bin=a2",
            "x-c=c1"
        ]
    );
    assert_eq!(md.len(), 6);
    assert_eq!(md.keys_len(), 3);
    assert_eq!(md.values().count(), 6);
    let keys: Vec<String> = md
        .keys()
        .map(|key| match key {
            KeyRef::Ascii(key) => key.to_string(),
            KeyRef::Binary(key) => key.to_string(),
        })
        .collect();
    assert_eq!(keys, ["x-b", "x-a-bin", "x-c"]);

    assert_eq!(md.get("x-b").unwrap(), "b1");
    let all: Vec<&str> = md.get_all("x-b").map(|v| v.to_str().unwrap()).collect();
    assert_eq!(all, ["b1", "b2", "b3"]);
    assert_eq!(md.get_all("x-b").next_back().unwrap(), "b3");
    assert_eq!(bin(&md, "x-a-bin"), [b"a1".to_vec(), b"a2".to_vec()]);
    assert_eq!(md.get_all("x-missing").count(), 0);

    // insert replaces every value; remove removes every value.
    assert_eq!(md.insert("x-b", "only".parse().unwrap()).unwrap(), "b1");
    assert_eq!(md.get_all("x-b").count(), 1);
    assert_eq!(
        md.remove_bin("x-a-bin").unwrap(),
        MetadataValue::from_bytes(b"a1")
    );
    assert_eq!(md.len(), 2);
    assert!(!md.contains_key("x-a-bin"));
}

#[test]
fn keys_are_lowercased_and_validated() {
    let mut md = MetadataMap::new();
    md.insert("X-Request-ID", "1".parse().unwrap());
    md.insert_bin("Trace-BIN", MetadataValue::from_bytes(b"t"));
    assert_eq!(md.as_ref()["x-request-id"], "1");
    assert!(md.as_ref().contains_key("trace-bin"));
    // Lookups are case-insensitive.
    assert_eq!(md.get("x-request-id").unwrap(), "1");
    assert_eq!(md.get("X-REQUEST-ID").unwrap(), "1");
    assert!(md.get_bin("TRACE-bin").is_some());
    assert!(md.contains_key("X-Request-Id"));
    assert_eq!(md.remove("X-Request-Id").unwrap(), "1");

    let key: AsciiMetadataKey = "X-Mixed.Case_Key".parse().unwrap();
    assert_eq!(key.as_str(), "x-mixed.case_key");
    assert_eq!(key, "X-MIXED.CASE_KEY", "comparison is case-insensitive");
    assert_eq!(
        AsciiMetadataKey::try_from(String::from("A1")).unwrap(),
        AsciiMetadataKey::from_static("a1")
    );

    for bad in ["", "x y", "x:y", ":path", "x/y", "caf\u{e9}", "x\"", "x!"] {
        assert!(bad.parse::<AsciiMetadataKey>().is_err(), "{bad:?}");
        assert!(md.try_insert(bad, "v".parse().unwrap()).is_err(), "{bad:?}");
        // Lookups with invalid keys find nothing and do not panic.
        assert!(md.get(bad).is_none());
        assert!(md.remove(bad).is_none());
        assert!(!md.contains_key(bad));
    }
    let error = "x y".parse::<AsciiMetadataKey>().unwrap_err();
    assert!(error.to_string().contains("\"x y\""), "{error}");
}

#[test]
#[should_panic(expected = "lowercase")]
fn static_keys_must_be_lowercase() {
    AsciiMetadataKey::from_static("X-Id");
}

#[test]
#[should_panic(expected = "binary")]
fn static_ascii_keys_must_not_end_in_bin() {
    AsciiMetadataKey::from_static("x-bin");
}

#[test]
fn ascii_values() {
    let value: AsciiMetadataValue = "hello world ~!".parse().unwrap();
    assert_eq!(value, "hello world ~!");
    assert_eq!("hello world ~!", value);
    assert_eq!(value, String::from("hello world ~!"));
    assert_eq!(value.to_str().unwrap(), "hello world ~!");
    assert_eq!(value.as_bytes(), b"hello world ~!");
    assert_eq!(AsciiMetadataValue::from(-42), "-42");
    assert_eq!(AsciiMetadataValue::try_from("").unwrap(), "");
    for bad in ["tab\t", "new\nline", "caf\u{e9}", "\u{7f}"] {
        assert!(bad.parse::<AsciiMetadataValue>().is_err(), "{bad:?}");
        assert!(
            AsciiMetadataValue::try_from(bad.to_string()).is_err(),
            "{bad:?}"
        );
        assert!(
            AsciiMetadataValue::try_from(bad.as_bytes()).is_err(),
            "{bad:?}"
        );
    }
    // Received values may hold any header-value bytes; to_str says when they are not text.
    let mut md = MetadataMap::new();
    md.as_mut()
        .insert("x-latin1", HeaderValue::from_bytes(b"caf\xe9").unwrap());
    let value = md.get("x-latin1").unwrap();
    assert!(value.to_str().is_err());
    assert_eq!(value.as_bytes(), b"caf\xe9");
}

#[test]
fn the_view_follows_changes() {
    let mut md = MetadataMap::new();
    md.insert("x-a", "1".parse().unwrap());
    assert_eq!(md.get("x-a").unwrap(), "1");
    md.as_mut().insert("x-a", HeaderValue::from_static("2"));
    assert_eq!(md.get("x-a").unwrap(), "2");
    md.as_mut()
        .insert("x-b-bin", HeaderValue::from_static("AQ"));
    assert_eq!(bin(&md, "x-b-bin"), [vec![1]]);
    let copy = md.clone();
    md.clear();
    assert!(md.get("x-a").is_none());
    assert!(md.iter().next().is_none());
    assert_eq!(copy.get("x-a").unwrap(), "2");
    assert_eq!(copy.into_headers().len(), 2);
}

#[test]
fn echoing_received_metadata() {
    // What handlers do: copy received entries into another map by reference.
    let request = MetadataMap::from_headers(received(&[
        ("x-echo-a", "1"),
        ("x-echo-b-bin", "AP8"),
        ("x-other", "no"),
    ]));
    let mut response = MetadataMap::new();
    for entry in request.iter() {
        match entry {
            KeyAndValueRef::Ascii(key, value) if key.as_str().starts_with("x-echo") => {
                response.insert(key.clone(), value.clone());
            }
            KeyAndValueRef::Binary(key, value) if key.as_str().starts_with("x-echo") => {
                response.insert_bin(key, value.clone());
            }
            _ => {}
        }
    }
    assert_eq!(response.len(), 2);
    assert_eq!(bin(&response, "x-echo-b-bin"), [vec![0, 255]]);
    let headers = response.into_headers();
    assert_eq!(headers["x-echo-a"], "1");
}

#[test]
fn debug_output() {
    let mut md = MetadataMap::new();
    md.insert("x-a", "1".parse().unwrap());
    md.insert_bin("x-b-bin", MetadataValue::from_bytes(b"\x00hi"));
    let mut secret: AsciiMetadataValue = "s3cret".parse().unwrap();
    secret.set_sensitive(true);
    md.insert("authorization", secret);
    let debug = format!("{md:?}");
    assert_eq!(
        debug,
        r#"{"x-a": "1", "x-b-bin": b"\0hi", "authorization": Sensitive}"#
    );
    assert!(md.get("authorization").unwrap().is_sensitive());
}

#[test]
fn types_are_thread_safe_and_small() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<MetadataMap>();
    assert_send_sync::<AsciiMetadataValue>();
    assert_send_sync::<BinaryMetadataKey>();
    assert_send_sync::<InvalidMetadataKey>();
    assert!(std::mem::size_of::<MetadataMap>() <= std::mem::size_of::<HeaderMap>() + 16);
}
