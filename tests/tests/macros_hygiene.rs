//! Macro hygiene: the generated code must compile where nothing is in scope (a
//! `#![no_implicit_prelude]` module, so every path it emits has to be absolute) and with
//! grpc-core reachable only under another name (`crate = "renamed"`).
//!
//! Each module defines every field kind (scalars, encoding overrides, `Option`, `Vec`, maps,
//! enums, oneofs, `Box` recursion, well-known types), an enumeration, a oneof and a service with
//! all four call shapes; the tests round-trip values, check descriptor names and make real calls.

/// Everything through the default path `::grpc_core`, with no prelude.
mod hygiene {
    #![no_implicit_prelude]

    /// A protobuf enum.
    #[derive(
        ::grpc_core::Enumeration,
        ::core::clone::Clone,
        ::core::marker::Copy,
        ::core::cmp::PartialEq,
        ::core::cmp::Eq,
        ::core::fmt::Debug,
    )]
    #[grpc(package = "hygiene.v1")]
    pub(crate) enum Kind {
        Unspecified = 0,
        Small = 1,
        #[grpc(name = "KIND_HUGE")]
        Large = 2,
        Negative = -3,
    }

    /// A small message, used as a field, a map value and a oneof variant.
    #[derive(
        ::grpc_core::Message, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
    )]
    #[grpc(package = "hygiene.v1")]
    pub(crate) struct Item {
        pub(crate) id: u64,
        pub(crate) label: ::std::string::String,
    }

    /// A oneof over a scalar, an overridden scalar, an enum, a message and a boxed message.
    #[derive(
        ::grpc_core::Oneof, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
    )]
    pub(crate) enum Choice {
        #[grpc(tag = 40)]
        Note(::std::string::String),
        #[grpc(tag = 41, encoding = "sint64")]
        Signed(i64),
        #[grpc(tag = 42)]
        Sort(Kind),
        #[grpc(tag = 43, name = "the_item")]
        Item(Item),
        #[grpc(tag = 44)]
        Nested(::std::boxed::Box<Everything>),
        #[grpc(tag = 45)]
        OpenSort(::grpc_core::OpenEnum<Kind>),
    }

    /// Every field kind. Field names that match the generated code's locals are deliberate.
    #[derive(
        ::grpc_core::Message, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
    )]
    #[grpc(
        package = "hygiene.v1",
        file = "hygiene/everything.proto",
        extensions(1000..=1999)
    )]
    pub(crate) struct Everything {
        pub(crate) double: f64,
        pub(crate) float: f32,
        pub(crate) int32: i32,
        pub(crate) int64: i64,
        pub(crate) uint32: u32,
        pub(crate) uint64: u64,
        #[grpc(encoding = "sint32")]
        pub(crate) sint32: i32,
        #[grpc(encoding = "sint64")]
        pub(crate) sint64: i64,
        #[grpc(encoding = "fixed32")]
        pub(crate) fixed32: u32,
        #[grpc(encoding = "fixed64")]
        pub(crate) fixed64: u64,
        #[grpc(encoding = "sfixed32")]
        pub(crate) sfixed32: i32,
        #[grpc(encoding = "sfixed64")]
        pub(crate) sfixed64: i64,
        pub(crate) flag: bool,
        pub(crate) text: ::std::string::String,
        pub(crate) blob: ::std::vec::Vec<u8>,
        pub(crate) shared: ::grpc_core::__private::Bytes,
        pub(crate) opt_int: ::core::option::Option<i32>,
        pub(crate) opt_text: ::core::option::Option<::std::string::String>,
        pub(crate) packed: ::std::vec::Vec<u32>,
        #[grpc(encoding = "sint64")]
        pub(crate) packed_zigzag: ::std::vec::Vec<i64>,
        pub(crate) words: ::std::vec::Vec<::std::string::String>,
        pub(crate) item: ::core::option::Option<Item>,
        pub(crate) items: ::std::vec::Vec<Item>,
        pub(crate) kind: Kind,
        pub(crate) maybe_kind: ::core::option::Option<Kind>,
        pub(crate) kinds: ::std::vec::Vec<Kind>,
        pub(crate) counts: ::std::collections::HashMap<::std::string::String, i64>,
        pub(crate) by_id: ::std::collections::BTreeMap<u32, Item>,
        pub(crate) kind_by_key: ::std::collections::HashMap<bool, Kind>,
        #[grpc(oneof)]
        pub(crate) choice: ::core::option::Option<Choice>,
        pub(crate) child: ::core::option::Option<::std::boxed::Box<Everything>>,
        pub(crate) when: ::core::option::Option<::prost_types::Timestamp>,
        pub(crate) took: ::core::option::Option<::prost_types::Duration>,
        pub(crate) nothing: ::core::option::Option<()>,
        #[grpc(tag = 100)]
        pub(crate) buf: u32,
        pub(crate) tag: u32,
        pub(crate) value: u32,
        pub(crate) ctx: u32,
        pub(crate) wire_type: u32,
        pub(crate) registry: u32,
        pub(crate) message: u32,
        pub(crate) r#type: ::std::string::String,
        pub(crate) open_kind: ::grpc_core::OpenEnum<Kind>,
        pub(crate) open_kinds: ::std::vec::Vec<::grpc_core::OpenEnum<Kind>>,
        pub(crate) maybe_open_kind: ::core::option::Option<::grpc_core::OpenEnum<Kind>>,
        pub(crate) open_kind_by_key: ::std::collections::BTreeMap<i32, ::grpc_core::OpenEnum<Kind>>,
        #[grpc(unknown_fields)]
        pub(crate) unknown: ::grpc_core::UnknownFields,
    }

    /// An extension of `Everything` (its `Extendable` impl is generated code too).
    pub(crate) const EXTRA: ::grpc_core::extension::Extension<
        Everything,
        ::grpc_core::extension::Repeated<::grpc_core::extension::Message<Item>>,
    > = ::grpc_core::extension::Extension::new("hygiene.v1.extra", 1000);

    /// A message without fields.
    #[derive(
        ::grpc_core::Message, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
    )]
    #[grpc(package = "hygiene.v1")]
    pub(crate) struct Nothing;

    /// All four call shapes, with and without the context argument. It lives in the same file
    /// as `Everything`: in the package's default file the two files would import each other.
    #[::grpc_core::service(package = "hygiene.v1", file = "hygiene/everything.proto")]
    pub(crate) trait Hygienic:
        ::core::marker::Send + ::core::marker::Sync + 'static
    {
        /// Unary.
        async fn unary(
            &self,
            request: Everything,
        ) -> ::core::result::Result<Everything, ::grpc_core::Status>;
        /// Server streaming.
        async fn server_stream(
            &self,
            ctx: &::grpc_core::ServerContext,
            request: Item,
        ) -> ::core::result::Result<::grpc_core::ServerStream<Item>, ::grpc_core::Status>;
        /// Client streaming.
        #[grpc(name = "Gather")]
        async fn client_stream(
            &self,
            requests: ::grpc_core::Streaming<Item>,
        ) -> ::core::result::Result<Item, ::grpc_core::Status>;
        /// Bidirectional streaming.
        async fn bidi(
            &self,
            ctx: &::grpc_core::ServerContext,
            requests: ::grpc_core::Streaming<Item>,
        ) -> ::core::result::Result<::grpc_core::ServerStream<Item>, ::grpc_core::Status>;
        /// Empty in, empty out.
        async fn empty(&self, request: ()) -> ::core::result::Result<Nothing, ::grpc_core::Status>;
    }

    /// The implementation: echoes, in all four shapes.
    pub(crate) struct Impl;

    impl Hygienic for Impl {
        async fn unary(
            &self,
            request: Everything,
        ) -> ::core::result::Result<Everything, ::grpc_core::Status> {
            ::core::result::Result::Ok(request)
        }

        async fn server_stream(
            &self,
            _ctx: &::grpc_core::ServerContext,
            request: Item,
        ) -> ::core::result::Result<::grpc_core::ServerStream<Item>, ::grpc_core::Status> {
            let mut second = ::core::clone::Clone::clone(&request);
            second.id += 1;
            ::core::result::Result::Ok(::grpc_core::ServerStream::iter([request, second]))
        }

        async fn client_stream(
            &self,
            mut requests: ::grpc_core::Streaming<Item>,
        ) -> ::core::result::Result<Item, ::grpc_core::Status> {
            let mut total = Item {
                id: 0,
                label: ::std::string::String::new(),
            };
            while let ::core::option::Option::Some(item) = requests.message().await? {
                total.id += item.id;
                total.label.push_str(&item.label);
            }
            ::core::result::Result::Ok(total)
        }

        async fn bidi(
            &self,
            _ctx: &::grpc_core::ServerContext,
            mut requests: ::grpc_core::Streaming<Item>,
        ) -> ::core::result::Result<::grpc_core::ServerStream<Item>, ::grpc_core::Status> {
            let mut all = ::std::vec::Vec::new();
            while let ::core::option::Option::Some(item) = requests.message().await? {
                all.push(item);
            }
            ::core::result::Result::Ok(::grpc_core::ServerStream::iter(all))
        }

        async fn empty(
            &self,
            _request: (),
        ) -> ::core::result::Result<Nothing, ::grpc_core::Status> {
            ::core::result::Result::Ok(Nothing)
        }
    }
}

/// Everything again, reaching grpc-core only as `renamed`, with no prelude.
mod renamed_path {
    #![no_implicit_prelude]

    extern crate grpc_core as renamed;

    /// A protobuf enum.
    #[derive(
        renamed::Enumeration,
        ::core::clone::Clone,
        ::core::marker::Copy,
        ::core::cmp::PartialEq,
        ::core::cmp::Eq,
        ::core::fmt::Debug,
    )]
    #[grpc(crate = "renamed", package = "renamed.v1")]
    pub(crate) enum Kind {
        Unspecified = 0,
        Small = 1,
        Large = 2,
    }

    /// A small message.
    #[derive(
        renamed::Message, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
    )]
    #[grpc(crate = "renamed", package = "renamed.v1", name = "Thing")]
    pub(crate) struct Item {
        pub(crate) id: u64,
        pub(crate) label: ::std::string::String,
    }

    /// A oneof.
    #[derive(renamed::Oneof, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug)]
    #[grpc(crate = "renamed")]
    pub(crate) enum Choice {
        #[grpc(tag = 40)]
        Note(::std::string::String),
        #[grpc(tag = 41, encoding = "sfixed32")]
        Fixed(i32),
        #[grpc(tag = 42)]
        Sort(Kind),
        #[grpc(tag = 43)]
        Thing(Item),
        #[grpc(tag = 44)]
        Nested(::std::boxed::Box<Everything>),
        #[grpc(tag = 45)]
        OpenSort(renamed::OpenEnum<Kind>),
    }

    /// Every field kind.
    #[derive(
        renamed::Message, ::core::clone::Clone, ::core::cmp::PartialEq, ::core::fmt::Debug,
    )]
    #[grpc(crate = "renamed", package = "renamed.v1")]
    pub(crate) struct Everything {
        pub(crate) double: f64,
        pub(crate) float: f32,
        pub(crate) int32: i32,
        pub(crate) int64: i64,
        pub(crate) uint32: u32,
        pub(crate) uint64: u64,
        #[grpc(encoding = "sint32")]
        pub(crate) sint32: i32,
        #[grpc(encoding = "fixed64")]
        pub(crate) fixed64: u64,
        pub(crate) flag: bool,
        pub(crate) text: ::std::string::String,
        pub(crate) blob: ::std::vec::Vec<u8>,
        pub(crate) opt_int: ::core::option::Option<i32>,
        pub(crate) opt_text: ::core::option::Option<::std::string::String>,
        pub(crate) packed: ::std::vec::Vec<u32>,
        pub(crate) words: ::std::vec::Vec<::std::string::String>,
        pub(crate) item: ::core::option::Option<Item>,
        pub(crate) items: ::std::vec::Vec<Item>,
        pub(crate) kind: Kind,
        pub(crate) maybe_kind: ::core::option::Option<Kind>,
        pub(crate) kinds: ::std::vec::Vec<Kind>,
        pub(crate) counts: ::std::collections::HashMap<::std::string::String, i64>,
        pub(crate) by_id: ::std::collections::BTreeMap<u32, Item>,
        pub(crate) kind_by_key: ::std::collections::HashMap<u64, Kind>,
        #[grpc(oneof)]
        pub(crate) choice: ::core::option::Option<Choice>,
        pub(crate) child: ::core::option::Option<::std::boxed::Box<Everything>>,
        pub(crate) when: ::core::option::Option<::prost_types::Timestamp>,
        pub(crate) nothing: ::core::option::Option<()>,
        pub(crate) open_kinds: ::std::vec::Vec<renamed::OpenEnum<Kind>>,
        #[grpc(unknown_fields)]
        pub(crate) unknown: renamed::UnknownFields,
    }

    /// All four call shapes.
    #[renamed::service(crate = "renamed", package = "renamed.v1", name = "Renamed")]
    pub(crate) trait RenamedService:
        ::core::marker::Send + ::core::marker::Sync + 'static
    {
        async fn unary(
            &self,
            ctx: &renamed::ServerContext,
            request: Everything,
        ) -> ::core::result::Result<Everything, renamed::Status>;
        async fn server_stream(
            &self,
            request: Item,
        ) -> ::core::result::Result<renamed::ServerStream<Item>, renamed::Status>;
        async fn client_stream(
            &self,
            requests: renamed::Streaming<Item>,
        ) -> ::core::result::Result<Item, renamed::Status>;
        async fn bidi(
            &self,
            requests: renamed::Streaming<Item>,
        ) -> ::core::result::Result<renamed::ServerStream<Item>, renamed::Status>;
    }

    /// The implementation: echoes, in all four shapes.
    pub(crate) struct Impl;

    impl RenamedService for Impl {
        async fn unary(
            &self,
            _ctx: &renamed::ServerContext,
            request: Everything,
        ) -> ::core::result::Result<Everything, renamed::Status> {
            ::core::result::Result::Ok(request)
        }

        async fn server_stream(
            &self,
            request: Item,
        ) -> ::core::result::Result<renamed::ServerStream<Item>, renamed::Status> {
            let mut second = ::core::clone::Clone::clone(&request);
            second.id += 1;
            ::core::result::Result::Ok(renamed::ServerStream::iter([request, second]))
        }

        async fn client_stream(
            &self,
            mut requests: renamed::Streaming<Item>,
        ) -> ::core::result::Result<Item, renamed::Status> {
            let mut total = Item {
                id: 0,
                label: ::std::string::String::new(),
            };
            while let ::core::option::Option::Some(item) = requests.message().await? {
                total.id += item.id;
                total.label.push_str(&item.label);
            }
            ::core::result::Result::Ok(total)
        }

        async fn bidi(
            &self,
            mut requests: renamed::Streaming<Item>,
        ) -> ::core::result::Result<renamed::ServerStream<Item>, renamed::Status> {
            let mut all = ::std::vec::Vec::new();
            while let ::core::option::Option::Some(item) = requests.message().await? {
                all.push(item);
            }
            ::core::result::Result::Ok(renamed::ServerStream::iter(all))
        }
    }
}

use std::collections::{BTreeMap, HashMap};

use grpc_core::descriptor::Describe;
use grpc_core::message::{Enumeration as _, UnknownValue};
use grpc_core::{OpenEnum, UnknownFields};
use grpc_tests::servers::TestServer;

fn round_trip<M: grpc_core::Message + Default + PartialEq + std::fmt::Debug>(value: &M) {
    let bytes = grpc_core::Message::encode_to_vec(value);
    assert_eq!(grpc_core::Message::encoded_len(value), bytes.len());
    let decoded = <M as grpc_core::Message>::decode(&bytes[..]).expect("decode");
    assert_eq!(&decoded, value);
}

fn full_everything() -> hygiene::Everything {
    use hygiene::{Choice, Everything, Item, Kind};
    let item = |id: u64| Item {
        id,
        label: format!("item {id}"),
    };
    let inner = Everything {
        text: "inner".into(),
        choice: Some(Choice::Signed(-9)),
        ..Default::default()
    };
    Everything {
        double: -1.5,
        float: 2.25,
        int32: -7,
        int64: -70_000_000_000,
        uint32: 7,
        uint64: 70_000_000_000,
        sint32: -8,
        sint64: -80_000_000_000,
        fixed32: 9,
        fixed64: 90,
        sfixed32: -10,
        sfixed64: -100,
        flag: true,
        text: "text".into(),
        blob: vec![0, 1, 255],
        shared: grpc_core::__private::Bytes::from_static(b"shared"),
        opt_int: Some(0),
        opt_text: Some(String::new()),
        packed: vec![1, 2, 300],
        packed_zigzag: vec![-1, 1, -300],
        words: vec!["a".into(), String::new(), "c".into()],
        item: Some(item(1)),
        items: vec![item(2), item(3)],
        kind: Kind::Large,
        maybe_kind: Some(Kind::Unspecified),
        kinds: vec![Kind::Small, Kind::Negative, Kind::Unspecified],
        counts: HashMap::from([("x".to_owned(), -1), ("y".to_owned(), 2)]),
        by_id: BTreeMap::from([(1, item(4)), (5, Item::default())]),
        kind_by_key: HashMap::from([(true, Kind::Small), (false, Kind::Negative)]),
        choice: Some(Choice::Nested(Box::new(inner.clone()))),
        child: Some(Box::new(Everything {
            child: Some(Box::new(inner)),
            ..Default::default()
        })),
        when: Some(prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        }),
        took: Some(prost_types::Duration {
            seconds: -1,
            nanos: -5,
        }),
        nothing: Some(()),
        buf: 1,
        tag: 2,
        value: 3,
        ctx: 4,
        wire_type: 5,
        registry: 6,
        message: 7,
        r#type: "type".into(),
        open_kind: OpenEnum::Unknown(77),
        open_kinds: vec![OpenEnum::Known(Kind::Small), OpenEnum::Unknown(-5)],
        maybe_open_kind: Some(OpenEnum::Unknown(0x7fff_ffff)),
        open_kind_by_key: BTreeMap::from([(1, OpenEnum::Unknown(8)), (2, Kind::Large.into())]),
        unknown: unknown_fields(),
    }
}

/// Fields with numbers neither message declares, of every wire type.
fn unknown_fields() -> UnknownFields {
    let mut unknown = UnknownFields::new();
    unknown.push(999, UnknownValue::Varint(u64::MAX));
    unknown.push(1000, UnknownValue::LengthDelimited("raw".into()));
    unknown.push(1001, UnknownValue::Fixed32(1));
    unknown.push(1002, UnknownValue::Fixed64(2));
    unknown
}

fn full_renamed() -> renamed_path::Everything {
    use renamed_path::{Choice, Everything, Item, Kind};
    Everything {
        double: 0.5,
        float: -0.0,
        int32: i32::MIN,
        int64: i64::MAX,
        uint32: u32::MAX,
        uint64: 1,
        sint32: -1,
        fixed64: u64::MAX,
        flag: true,
        text: "renamed".into(),
        blob: vec![9; 3],
        opt_int: Some(-1),
        opt_text: Some("opt".into()),
        packed: vec![0, 0, 1],
        words: vec!["w".into()],
        item: Some(Item {
            id: 1,
            label: "one".into(),
        }),
        items: vec![Item::default()],
        kind: Kind::Small,
        maybe_kind: Some(Kind::Large),
        kinds: vec![Kind::Large],
        counts: HashMap::from([("k".to_owned(), 3)]),
        by_id: BTreeMap::from([(
            2,
            Item {
                id: 2,
                label: "two".into(),
            },
        )]),
        kind_by_key: HashMap::from([(u64::MAX, Kind::Large)]),
        choice: Some(Choice::Fixed(-4)),
        child: Some(Box::new(Everything {
            choice: Some(Choice::Sort(Kind::Large)),
            ..Default::default()
        })),
        when: Some(prost_types::Timestamp {
            seconds: 1,
            nanos: 2,
        }),
        nothing: Some(()),
        open_kinds: vec![OpenEnum::Unknown(3), Kind::Small.into()],
        unknown: unknown_fields(),
    }
}

/// The descriptors the macros built are accepted by a protobuf linker.
fn assert_links<T: Describe>() {
    let set = T::file_descriptor_set();
    let mut compiler =
        protox::Compiler::with_file_resolver(protox::file::DescriptorSetFileResolver::new(set));
    compiler
        .open_files([T::file_name()])
        .unwrap_or_else(|error| panic!("{}: {error:?}\n{}", T::full_name(), T::proto_source()));
}

#[test]
fn no_prelude_values_round_trip() {
    use hygiene::{Choice, Everything, Item, Kind, Nothing};
    round_trip(&Everything::default());
    round_trip(&full_everything());
    for choice in [
        Choice::Note(String::new()),
        Choice::Signed(i64::MIN),
        Choice::Sort(Kind::Unspecified),
        Choice::Item(Item::default()),
        Choice::Nested(Box::default()),
        Choice::OpenSort(OpenEnum::Unknown(9)),
        Choice::OpenSort(Kind::Large.into()),
    ] {
        round_trip(&Everything {
            choice: Some(choice),
            ..Default::default()
        });
    }
    let mut extended = full_everything();
    let items = vec![Item {
        id: 3,
        label: "x".into(),
    }];
    grpc_core::extension::Extendable::set_extension(&mut extended, &hygiene::EXTRA, items.clone());
    round_trip(&extended);
    let read = grpc_core::extension::Extendable::get_extension(&extended, &hygiene::EXTRA);
    assert_eq!(read.unwrap(), items);
    round_trip(&Nothing);
    assert_eq!(grpc_core::Message::encoded_len(&Nothing), 0);
    assert_eq!(Kind::default(), Kind::Unspecified);
    assert_eq!(Kind::from_i32(-3), Some(Kind::Negative));
    assert_eq!(Kind::Large.to_i32(), 2);
    assert_eq!(i32::from(Kind::Small), 1);
}

#[test]
fn no_prelude_names() {
    assert_eq!(
        <hygiene::Everything as Describe>::full_name(),
        "hygiene.v1.Everything"
    );
    assert_eq!(<hygiene::Item as Describe>::full_name(), "hygiene.v1.Item");
    assert_eq!(<hygiene::Kind as Describe>::full_name(), "hygiene.v1.Kind");
    assert_eq!(
        <hygiene::Nothing as Describe>::full_name(),
        "hygiene.v1.Nothing"
    );
    assert_eq!(
        <hygiene::HygienicClient as Describe>::full_name(),
        "hygiene.v1.Hygienic"
    );
    assert_eq!(
        <hygiene::HygienicServer<hygiene::Impl> as Describe>::full_name(),
        "hygiene.v1.Hygienic"
    );
    assert_eq!(
        <hygiene::Everything as Describe>::file_name(),
        "hygiene/everything.proto"
    );
    assert_eq!(<hygiene::Item as Describe>::file_name(), "hygiene/v1.proto");
    assert_eq!(
        <hygiene::HygienicClient as Describe>::file_name(),
        "hygiene/everything.proto"
    );

    let source = <hygiene::Everything as Describe>::proto_source();
    for needle in [
        "message Everything",
        "oneof choice",
        "the_item",
        "string type = ",
        ".hygiene.v1.Kind open_kind = 108;",
        "repeated .hygiene.v1.Kind open_kinds = 109;",
        "optional .hygiene.v1.Kind maybe_open_kind = 110;",
        "map<int32, .hygiene.v1.Kind> open_kind_by_key = 111;",
        ".hygiene.v1.Kind open_sort = 45;",
    ] {
        assert!(source.contains(needle), "{needle:?} in:\n{source}");
    }
    assert!(
        !source.contains("unknown"),
        "no unknown-fields field in:\n{source}"
    );
    assert!(<hygiene::Kind as Describe>::proto_source().contains("KIND_HUGE = 2;"));
    assert_links::<hygiene::Everything>();
    let service = <hygiene::HygienicClient as Describe>::proto_source();
    for needle in [
        "service Hygienic",
        "rpc Unary",
        "rpc ServerStream",
        "rpc Gather",
        "rpc Bidi",
        "rpc Empty",
    ] {
        assert!(service.contains(needle), "{needle:?} in:\n{service}");
    }
    assert_links::<hygiene::HygienicClient>();
}

#[test]
fn renamed_crate_values_round_trip() {
    use renamed_path::{Choice, Everything, Item, Kind};
    round_trip(&Everything::default());
    round_trip(&full_renamed());
    for choice in [
        Choice::Note("t".into()),
        Choice::Fixed(i32::MIN),
        Choice::Sort(Kind::Large),
        Choice::Thing(Item {
            id: 3,
            label: String::new(),
        }),
        Choice::Nested(Box::new(full_renamed())),
    ] {
        round_trip(&Everything {
            choice: Some(choice),
            ..Default::default()
        });
    }
    assert_eq!(Kind::from_i32(2), Some(Kind::Large));
    assert_eq!(Kind::from_i32(7), None);
}

#[test]
fn renamed_crate_names() {
    assert_eq!(
        <renamed_path::Everything as Describe>::full_name(),
        "renamed.v1.Everything"
    );
    assert_eq!(
        <renamed_path::Item as Describe>::full_name(),
        "renamed.v1.Thing"
    );
    assert_eq!(
        <renamed_path::Kind as Describe>::full_name(),
        "renamed.v1.Kind"
    );
    assert_eq!(
        <renamed_path::RenamedServiceClient as Describe>::full_name(),
        "renamed.v1.Renamed"
    );
    assert_eq!(
        <renamed_path::RenamedServiceClient as Describe>::file_name(),
        "renamed/v1.proto"
    );
    let source = <renamed_path::Everything as Describe>::proto_source();
    for needle in [
        "message Thing",
        "oneof choice {\n    string note = 40;",
        "sfixed32 fixed = 41;",
        "Thing thing = 43;",
    ] {
        assert!(source.contains(needle), "{needle:?} in:\n{source}");
    }
    assert_links::<renamed_path::Everything>();
    assert_links::<renamed_path::RenamedServiceClient>();
}

/// The generated server and client work end to end in both modules.
#[tokio::test]
async fn generated_services_answer_all_four_shapes() {
    use grpc_core::stream;

    let server = TestServer::start(
        grpc_core::Server::builder()
            .add_service(hygiene::HygienicServer::new(hygiene::Impl))
            .add_service(renamed_path::RenamedServiceServer::new(renamed_path::Impl)),
    )
    .await;

    {
        use hygiene::{HygienicClient, Item, Nothing};
        let client = HygienicClient::new(server.channel.clone());
        let everything = full_everything();
        assert_eq!(client.unary(everything.clone()).await.unwrap(), everything);

        let mut items = client
            .server_stream(Item {
                id: 1,
                label: "s".into(),
            })
            .await
            .unwrap();
        assert_eq!(items.message().await.unwrap().unwrap().id, 1);
        assert_eq!(items.message().await.unwrap().unwrap().id, 2);
        assert_eq!(items.message().await.unwrap(), None);

        let sent = vec![
            Item {
                id: 1,
                label: "a".into(),
            },
            Item {
                id: 2,
                label: "b".into(),
            },
        ];
        let total = client
            .client_stream(stream::iter(sent.clone()))
            .await
            .unwrap();
        assert_eq!(
            total,
            Item {
                id: 3,
                label: "ab".into()
            }
        );

        let mut echoed = client.bidi(stream::iter(sent.clone())).await.unwrap();
        let mut got = Vec::new();
        while let Some(item) = echoed.message().await.unwrap() {
            got.push(item);
        }
        assert_eq!(got, sent);

        assert_eq!(client.empty(()).await.unwrap(), Nothing);
    }

    {
        use renamed_path::{Item, RenamedServiceClient};
        let client = RenamedServiceClient::new(server.channel.clone());
        let everything = full_renamed();
        assert_eq!(client.unary(everything.clone()).await.unwrap(), everything);

        let mut items = client
            .server_stream(Item {
                id: 5,
                label: String::new(),
            })
            .await
            .unwrap();
        assert_eq!(items.message().await.unwrap().unwrap().id, 5);
        assert_eq!(items.message().await.unwrap().unwrap().id, 6);
        assert_eq!(items.message().await.unwrap(), None);

        let sent = vec![
            Item {
                id: 10,
                label: "x".into(),
            },
            Item {
                id: 20,
                label: "y".into(),
            },
        ];
        let total = client
            .client_stream(stream::iter(sent.clone()))
            .await
            .unwrap();
        assert_eq!(
            total,
            Item {
                id: 30,
                label: "xy".into()
            }
        );

        let mut echoed = client.bidi(stream::iter(sent.clone())).await.unwrap();
        let mut got = Vec::new();
        while let Some(item) = echoed.message().await.unwrap() {
            got.push(item);
        }
        assert_eq!(got, sent);
    }
}
