//! Literal forms protoc uses in descriptors.

/// Decodes the C-style escapes protoc uses for `bytes` defaults (`\\n`, `\\001`, `\\x7f`).
/// Malformed escapes are kept literally.
pub fn unescape_c(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'\\' || i + 1 >= bytes.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = bytes[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                let mut digits = 1;
                while digits < 3 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                    value = value * 8 + u32::from(bytes[i] - b'0');
                    i += 1;
                    digits += 1;
                }
                out.push((value & 0xff) as u8);
            }
            b'x' | b'X' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 && i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                    value = value * 16 + char::from(bytes[i]).to_digit(16).unwrap_or(0);
                    i += 1;
                    digits += 1;
                }
                if digits == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push((value & 0xff) as u8);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A `[default = ...]` value as protoc stores it in `default_value`, for a scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A float or double (`inf`, `-inf` and `nan` included).
    Float(f64),
    /// A bool.
    Bool(bool),
    /// A string, as is.
    String(String),
    /// Bytes, unescaped.
    Bytes(Vec<u8>),
}

/// Reads `text` (a descriptor's `default_value`) as a default of `scalar`.
pub fn parse_default(scalar: crate::scalar::Scalar, text: &str) -> Result<Default, String> {
    use crate::scalar::Scalar as S;
    let bad = || {
        format!(
            "`{text}` is not a valid default for a `{}` field",
            scalar.proto_name()
        )
    };
    Ok(match scalar {
        S::Int32 | S::Sint32 | S::Sfixed32 => {
            Default::Int(text.parse::<i32>().map_err(|_| bad())?.into())
        }
        S::Int64 | S::Sint64 | S::Sfixed64 => Default::Int(text.parse().map_err(|_| bad())?),
        S::Uint32 | S::Fixed32 => Default::Uint(text.parse::<u32>().map_err(|_| bad())?.into()),
        S::Uint64 | S::Fixed64 => Default::Uint(text.parse().map_err(|_| bad())?),
        S::Float | S::Double => Default::Float(match text {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            _ => text.parse().map_err(|_| bad())?,
        }),
        S::Bool => Default::Bool(match text {
            "true" => true,
            "false" => false,
            _ => return Err(bad()),
        }),
        S::String => Default::String(text.to_owned()),
        S::Bytes => Default::Bytes(unescape_c(text)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scalar::Scalar;

    #[test]
    fn defaults() {
        assert_eq!(parse_default(Scalar::Int32, "-5"), Ok(Default::Int(-5)));
        assert!(parse_default(Scalar::Int32, "99999999999").is_err());
        assert_eq!(parse_default(Scalar::Fixed64, "7"), Ok(Default::Uint(7)));
        assert_eq!(parse_default(Scalar::Bool, "true"), Ok(Default::Bool(true)));
        assert!(
            matches!(parse_default(Scalar::Double, "nan"), Ok(Default::Float(f)) if f.is_nan())
        );
        assert_eq!(
            parse_default(Scalar::Bytes, "a\\001\\x7f\\n"),
            Ok(Default::Bytes(vec![b'a', 1, 0x7f, b'\n']))
        );
        assert!(parse_default(Scalar::Uint32, "-1").is_err());
    }
}
