//! `grpc-timeout`: `TimeoutValue TimeoutUnit`, at most 8 ASCII digits and one of `H M S m u n`.

use std::time::Duration;

use http::HeaderValue;

/// Parses a `grpc-timeout` value; `None` for anything the protocol does not allow (empty,
/// more than 8 digits, a sign, a fraction, an unknown unit).
pub(crate) fn parse(value: &[u8]) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let amount = digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    Some(match unit {
        b"H" => Duration::from_secs(amount * 3600),
        b"M" => Duration::from_secs(amount * 60),
        b"S" => Duration::from_secs(amount),
        b"m" => Duration::from_millis(amount),
        b"u" => Duration::from_micros(amount),
        b"n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// Formats a timeout: the finest unit whose count fits in 8 digits, rounded up so the peer
/// never sees a shorter deadline than the caller asked for.
pub(crate) fn format(timeout: Duration) -> HeaderValue {
    let nanos = timeout.as_nanos();
    let units: [(&str, u128); 6] = [
        ("n", 1),
        ("u", 1_000),
        ("m", 1_000_000),
        ("S", 1_000_000_000),
        ("M", 60_000_000_000),
        ("H", 3_600_000_000_000),
    ];
    for (unit, size) in units {
        let count = nanos.div_ceil(size);
        if count < 100_000_000 {
            return HeaderValue::from_str(&format!("{count}{unit}"))
                .unwrap_or(HeaderValue::from_static("99999999H"));
        }
    }
    HeaderValue::from_static("99999999H")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse(b"1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse(b"2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse(b"3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse(b"40m"), Some(Duration::from_millis(40)));
        assert_eq!(parse(b"5u"), Some(Duration::from_micros(5)));
        assert_eq!(parse(b"1n"), Some(Duration::from_nanos(1)));
        assert_eq!(parse(b"99999999n"), Some(Duration::from_nanos(99_999_999)));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b""[..],
            b"S",
            b"123456789S",
            b"12x",
            b"-1S",
            b"+1S",
            b"1.5S",
            b"abc",
            b" 1S",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_with_the_finest_unit_that_fits() {
        assert_eq!(format(Duration::from_millis(1)), "1000000n");
        assert_eq!(format(Duration::from_millis(250)), "250000u");
        assert_eq!(format(Duration::from_secs(30)), "30000000u");
        assert_eq!(format(Duration::from_secs(1000)), "1000000m");
        assert_eq!(format(Duration::from_secs(3 * 86400)), "259200S");
        assert_eq!(format(Duration::from_nanos(1_500)), "1500n");
        assert_eq!(format(Duration::MAX), "99999999H");
    }

    #[test]
    fn format_then_parse_never_shortens() {
        for nanos in [1u64, 999, 1_000_001, 123_456_789_012, 7 * 3_600_000_000_000] {
            let timeout = Duration::from_nanos(nanos);
            let back = parse(format(timeout).as_bytes()).unwrap();
            assert!(back >= timeout, "{timeout:?} -> {back:?}");
        }
    }
}
