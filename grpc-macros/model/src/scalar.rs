//! Protobuf scalar types and the Rust types they map to.

/// A protobuf scalar type.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Scalar {
    /// `double`: `f64`.
    Double,
    /// `float`: `f32`.
    Float,
    /// `int32`: `i32`.
    Int32,
    /// `int64`: `i64`.
    Int64,
    /// `uint32`: `u32`.
    Uint32,
    /// `uint64`: `u64`.
    Uint64,
    /// `sint32`: `i32` with `encoding = "sint32"`.
    Sint32,
    /// `sint64`: `i64` with `encoding = "sint64"`.
    Sint64,
    /// `fixed32`: `u32` with `encoding = "fixed32"`.
    Fixed32,
    /// `fixed64`: `u64` with `encoding = "fixed64"`.
    Fixed64,
    /// `sfixed32`: `i32` with `encoding = "sfixed32"`.
    Sfixed32,
    /// `sfixed64`: `i64` with `encoding = "sfixed64"`.
    Sfixed64,
    /// `bool`.
    Bool,
    /// `string`: `String`.
    String,
    /// `bytes`: `Vec<u8>` (or `Bytes`).
    Bytes,
}

impl Scalar {
    /// Every scalar, in `descriptor.proto`'s order of names.
    pub const ALL: [Scalar; 15] = [
        Scalar::Double,
        Scalar::Float,
        Scalar::Int32,
        Scalar::Int64,
        Scalar::Uint32,
        Scalar::Uint64,
        Scalar::Sint32,
        Scalar::Sint64,
        Scalar::Fixed32,
        Scalar::Fixed64,
        Scalar::Sfixed32,
        Scalar::Sfixed64,
        Scalar::Bool,
        Scalar::String,
        Scalar::Bytes,
    ];

    /// The protobuf keyword (also prost's encoding module name): `int32`.
    pub fn proto_name(self) -> &'static str {
        match self {
            Scalar::Double => "double",
            Scalar::Float => "float",
            Scalar::Int32 => "int32",
            Scalar::Int64 => "int64",
            Scalar::Uint32 => "uint32",
            Scalar::Uint64 => "uint64",
            Scalar::Sint32 => "sint32",
            Scalar::Sint64 => "sint64",
            Scalar::Fixed32 => "fixed32",
            Scalar::Fixed64 => "fixed64",
            Scalar::Sfixed32 => "sfixed32",
            Scalar::Sfixed64 => "sfixed64",
            Scalar::Bool => "bool",
            Scalar::String => "string",
            Scalar::Bytes => "bytes",
        }
    }

    /// The scalar named `name` (`int32`).
    pub fn from_proto_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.proto_name() == name)
    }

    /// The `FieldDescriptorProto.Type` number (`TYPE_INT32` = 5).
    pub fn type_number(self) -> i32 {
        match self {
            Scalar::Double => 1,
            Scalar::Float => 2,
            Scalar::Int64 => 3,
            Scalar::Uint64 => 4,
            Scalar::Int32 => 5,
            Scalar::Fixed64 => 6,
            Scalar::Fixed32 => 7,
            Scalar::Bool => 8,
            Scalar::String => 9,
            Scalar::Bytes => 12,
            Scalar::Uint32 => 13,
            Scalar::Sfixed32 => 15,
            Scalar::Sfixed64 => 16,
            Scalar::Sint32 => 17,
            Scalar::Sint64 => 18,
        }
    }

    /// The scalar with `FieldDescriptorProto.Type` number `number` (none for groups,
    /// messages and enums).
    pub fn from_type_number(number: i32) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.type_number() == number)
    }

    /// The Rust type that holds it, as an absolute path: `i32`, `::std::string::String`,
    /// `::std::vec::Vec<u8>`.
    pub fn rust_type(self) -> &'static str {
        match self {
            Scalar::Double => "f64",
            Scalar::Float => "f32",
            Scalar::Int32 | Scalar::Sint32 | Scalar::Sfixed32 => "i32",
            Scalar::Int64 | Scalar::Sint64 | Scalar::Sfixed64 => "i64",
            Scalar::Uint32 | Scalar::Fixed32 => "u32",
            Scalar::Uint64 | Scalar::Fixed64 => "u64",
            Scalar::Bool => "bool",
            Scalar::String => "::std::string::String",
            Scalar::Bytes => "::std::vec::Vec<u8>",
        }
    }

    /// The scalar a Rust type maps to without an `encoding` attribute, by its last path
    /// segment (`i32`, `String`, `Bytes`; `Vec<u8>` is recognised by the caller).
    pub fn of_rust(last_segment: &str) -> Option<Scalar> {
        Some(match last_segment {
            "f64" => Scalar::Double,
            "f32" => Scalar::Float,
            "i32" => Scalar::Int32,
            "i64" => Scalar::Int64,
            "u32" => Scalar::Uint32,
            "u64" => Scalar::Uint64,
            "bool" => Scalar::Bool,
            "String" => Scalar::String,
            "Bytes" => Scalar::Bytes,
            _ => return None,
        })
    }

    /// The encodings an `encoding = "..."` attribute may choose instead of this default.
    pub fn overrides(self) -> &'static [Scalar] {
        match self {
            Scalar::Int32 => &[Scalar::Sint32, Scalar::Sfixed32],
            Scalar::Int64 => &[Scalar::Sint64, Scalar::Sfixed64],
            Scalar::Uint32 => &[Scalar::Fixed32],
            Scalar::Uint64 => &[Scalar::Fixed64],
            _ => &[],
        }
    }

    /// The `encoding = "..."` value that selects this scalar on its Rust type, or `None` when
    /// it is the type's default.
    pub fn encoding_attr(self) -> Option<&'static str> {
        match self {
            Scalar::Sint32
            | Scalar::Sint64
            | Scalar::Fixed32
            | Scalar::Fixed64
            | Scalar::Sfixed32
            | Scalar::Sfixed64 => Some(self.proto_name()),
            _ => None,
        }
    }

    /// Whether repeated fields of it are packed (in proto3, by default).
    pub fn packable(self) -> bool {
        !matches!(self, Scalar::String | Scalar::Bytes)
    }

    /// Whether it may be a map key.
    pub fn map_key(self) -> bool {
        !matches!(self, Scalar::Double | Scalar::Float | Scalar::Bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree() {
        for s in Scalar::ALL {
            assert_eq!(Scalar::from_proto_name(s.proto_name()), Some(s));
            assert_eq!(Scalar::from_type_number(s.type_number()), Some(s));
            // A scalar with an encoding attribute is an override of its Rust type's default.
            let last = s.rust_type().rsplit("::").next().unwrap();
            if let Some(default) = Scalar::of_rust(last) {
                assert_eq!(s.encoding_attr().is_some(), default != s, "{s:?}");
                assert!(default == s || default.overrides().contains(&s), "{s:?}");
            }
        }
        assert_eq!(Scalar::from_type_number(11), None);
    }
}
