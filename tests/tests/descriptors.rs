//! Descriptors from code equal the ones protoc-compatible parsing (protox) makes from the
//! canonical `.proto` files, and the `.proto` text rendered from them parses back to the same.
//!
//! The normalisation before comparing is described in `grpc_tests::protos`.

use grpc_core::descriptor::Describe;
use grpc_tests::protos::{assert_renders_back, assert_same, find, parse, protos_dir};

#[test]
fn greeter_matches_canonical_helloworld_proto() {
    let ours = examples::helloworld::GreeterClient::file_descriptor_set();
    let canonical = parse(&["helloworld.proto"], &[&protos_dir()]);
    assert_same(
        find(&ours, "helloworld.proto"),
        find(&canonical, "helloworld.proto"),
    );
    assert_renders_back(&ours, "helloworld.proto");
}

#[test]
fn route_guide_matches_canonical_route_guide_proto() {
    let ours = examples::routeguide::RouteGuideClient::file_descriptor_set();
    let canonical = parse(&["route_guide.proto"], &[&protos_dir()]);
    assert_same(
        find(&ours, "route_guide.proto"),
        find(&canonical, "route_guide.proto"),
    );
    assert_renders_back(&ours, "route_guide.proto");
}

#[test]
fn every_field_kind_matches_wiretest_proto() {
    let ours = grpc_tests::wiretest::Everything::file_descriptor_set();
    let canonical = parse(&["wiretest.proto"], &[&protos_dir()]);
    assert_same(
        find(&ours, "wiretest.proto"),
        find(&canonical, "wiretest.proto"),
    );
    // The well-known types' files come along, exactly as protoc knows them.
    for wkt in [
        "google/protobuf/timestamp.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/any.proto",
    ] {
        let mut ours = find(&ours, wkt);
        let mut theirs = find(&canonical, wkt);
        ours.source_code_info = None;
        theirs.source_code_info = None;
        assert_eq!(ours, theirs, "{wkt}");
    }
    assert_renders_back(&ours, "wiretest.proto");
}

#[test]
fn sets_list_dependencies_first() {
    let set = grpc_tests::wiretest::Everything::file_descriptor_set();
    let position = |name: &str| set.file.iter().position(|f| f.name() == name).unwrap();
    for dependency in &find(&set, "wiretest.proto").dependency {
        assert!(
            position(dependency) < position("wiretest.proto"),
            "{dependency}"
        );
    }
    assert_eq!(
        grpc_tests::wiretest::Everything::full_name(),
        "wiretest.Everything"
    );
    assert_eq!(
        grpc_tests::wiretest::Everything::file_descriptor().name(),
        "wiretest.proto"
    );
}

mod nested {
    use grpc_core::{Enumeration, Message};

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "nest")]
    pub(crate) struct Outer {
        pub(crate) inner: Option<OuterInner>,
        pub kind: OuterKind,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "nest", name = "Outer.Inner")]
    pub(crate) struct OuterInner {
        pub deep: Option<OuterInnerDeep>,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "nest", name = "Outer.Inner.Deep")]
    pub(crate) struct OuterInnerDeep {
        pub x: i32,
    }

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "nest", name = "Outer.Kind")]
    pub(crate) enum OuterKind {
        #[grpc(name = "A")]
        A = 0,
        #[grpc(name = "B")]
        B = 1,
    }
}

#[test]
fn dotted_names_nest_types_like_protoc() {
    let dir = std::env::temp_dir().join(format!("grpc-core-nest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("nest.proto"),
        r#"syntax = "proto3";
package nest;
message Outer {
  message Inner {
    message Deep { int32 x = 1; }
    Deep deep = 1;
  }
  enum Kind { A = 0; B = 1; }
  Inner inner = 1;
  Kind kind = 2;
}
"#,
    )
    .unwrap();
    let ours = nested::Outer::file_descriptor_set();
    assert_same(
        find(&ours, "nest.proto"),
        find(&parse(&["nest.proto"], &[&dir]), "nest.proto"),
    );
    assert_eq!(nested::OuterInnerDeep::full_name(), "nest.Outer.Inner.Deep");
}

/// Map fields declared among nested messages: `declared_after` names the nested message each
/// map field follows in the `.proto`, so the entry messages interleave as protoc lists them.
#[allow(dead_code)] // only the descriptors are looked at
mod map_order {
    use std::collections::HashMap;

    use grpc_core::Message;

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "maporder")]
    pub(crate) struct Stats {
        pub totals: HashMap<String, i64>,
        #[grpc(declared_after = "stats::Peer")]
        pub by_peer: HashMap<String, i32>,
        pub failures: i32,
        #[grpc(declared_after = "stats::Later")]
        pub by_method: HashMap<String, stats::Peer>,
        #[grpc(declared_after = "stats::Later")]
        pub by_zone: HashMap<String, String>,
    }

    pub(crate) mod stats {
        use super::*;

        #[derive(Message, Clone, PartialEq, Debug)]
        #[grpc(package = "maporder", name = "Stats.Peer")]
        pub(crate) struct Peer {
            pub n: i32,
            #[grpc(declared_after = "peer::Inner")]
            pub labels: HashMap<String, String>,
        }

        pub(crate) mod peer {
            use super::*;

            #[derive(Message, Clone, PartialEq, Debug)]
            #[grpc(package = "maporder", name = "Stats.Peer.Inner")]
            pub(crate) struct Inner {
                pub x: i32,
            }
        }

        #[derive(Message, Clone, PartialEq, Debug)]
        #[grpc(package = "maporder", name = "Stats.Later")]
        pub(crate) struct Later {
            pub y: i32,
        }
    }
}

#[test]
fn map_entries_interleave_with_nested_messages_as_declared() {
    let dir = std::env::temp_dir().join(format!("grpc-core-map-order-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("maporder.proto"),
        r#"syntax = "proto3";
package maporder;
message Stats {
  map<string, int64> totals = 1;
  message Peer {
    int32 n = 1;
    message Inner { int32 x = 1; }
    map<string, string> labels = 2;
  }
  map<string, int32> by_peer = 2;
  int32 failures = 3;
  message Later { int32 y = 1; }
  map<string, Peer> by_method = 4;
  map<string, string> by_zone = 5;
}
"#,
    )
    .unwrap();
    fn order(message: &grpc_core::descriptor::DescriptorProto) -> Vec<String> {
        let mut names = Vec::new();
        for nested in &message.nested_type {
            names.push(nested.name().to_owned());
            names.extend(
                order(nested)
                    .into_iter()
                    .map(|n| format!("{}.{n}", nested.name())),
            );
        }
        names
    }
    let ours = find(&map_order::Stats::file_descriptor_set(), "maporder.proto");
    let theirs = find(&parse(&["maporder.proto"], &[&dir]), "maporder.proto");
    let expected = [
        "TotalsEntry",
        "Peer",
        "Peer.Inner",
        "Peer.LabelsEntry",
        "ByPeerEntry",
        "Later",
        "ByMethodEntry",
        "ByZoneEntry",
    ];
    assert_eq!(order(&theirs.message_type[0]), expected);
    assert_eq!(order(&ours.message_type[0]), expected);
    assert_same(ours.clone(), theirs);
    // The rendered `.proto` declares each map where protoc parses it back to the same order.
    let back =
        std::env::temp_dir().join(format!("grpc-core-map-order-back-{}", std::process::id()));
    std::fs::create_dir_all(&back).unwrap();
    std::fs::write(
        back.join("maporder.proto"),
        grpc_core::descriptor::render_proto(&ours),
    )
    .unwrap();
    let reparsed = find(&parse(&["maporder.proto"], &[&back]), "maporder.proto");
    assert_eq!(order(&reparsed.message_type[0]), expected);
}

/// `#[grpc_core::package]` gives the module's types and services its package (and file),
/// unless they name their own.
#[grpc_core::package("shop.v1", file = "shop/v1/shop.proto")]
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod shop {
    use grpc_core::{Enumeration, Message, Status};

    #[derive(Message, Clone, PartialEq, Debug)]
    pub struct Order {
        pub id: u64,
        pub kind: Kind,
    }

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Kind {
        Unspecified = 0,
        Rush = 1,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "common", file = "common/money.proto")]
    pub struct Money {
        pub cents: i64,
    }

    #[grpc_core::service]
    pub trait Shop: Send + Sync + 'static {
        async fn place(&self, order: Order) -> Result<Money, Status>;
    }
}

#[test]
fn a_module_package_applies_to_what_does_not_name_its_own() {
    let set = shop::ShopClient::file_descriptor_set();
    let file = find(&set, "shop/v1/shop.proto");
    assert_eq!(file.package(), "shop.v1");
    assert_eq!(file.service[0].name(), "Shop");
    assert_eq!(file.service[0].method[0].input_type(), ".shop.v1.Order");
    assert_eq!(file.service[0].method[0].output_type(), ".common.Money");
    let names: Vec<&str> = file.message_type.iter().map(|m| m.name()).collect();
    assert_eq!(names, ["Order"]);
    assert_eq!(file.enum_type[0].name(), "Kind");
    assert_eq!(find(&set, "common/money.proto").package(), "common");
    assert_renders_back(&set, "shop/v1/shop.proto");
}

/// A file lists its definitions in declaration order, as protoc does, even though registration
/// reaches a field's type before the message that holds it.
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod ordered {
    use grpc_core::{Enumeration, Message, Status};

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "ordered", file = "ordered.proto")]
    pub struct First {
        pub second: Option<Second>,
        pub tone: Tone,
    }

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "ordered", file = "ordered.proto")]
    pub enum Mood {
        Unspecified = 0,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "ordered", file = "ordered.proto")]
    pub struct Second {
        pub third: Option<Third>,
        pub mood: Mood,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "ordered", file = "ordered.proto")]
    pub struct Third {
        pub id: u32,
    }

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "ordered", file = "ordered.proto")]
    pub enum Tone {
        Unspecified = 0,
    }

    #[grpc_core::service(package = "ordered", file = "ordered.proto")]
    pub trait Later: Send + Sync + 'static {
        async fn get(&self, request: Third) -> Result<First, Status>;
    }

    #[grpc_core::service(package = "ordered", file = "ordered.proto")]
    pub trait Earlier: Send + Sync + 'static {
        async fn get(&self, request: Third) -> Result<Third, Status>;
    }
}

#[grpc_core::package("ordered.module", file = "ordered/module.proto")]
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod ordered_in_module {
    use grpc_core::Message;

    #[derive(Message, Clone, PartialEq, Debug)]
    pub struct Alpha {
        pub beta: Option<Beta>,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    pub struct Beta {
        pub gamma: Option<Gamma>,
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    pub struct Gamma {
        pub id: u32,
    }
}

#[test]
fn files_list_definitions_in_declaration_order() {
    let mut registry = grpc_core::descriptor::Registry::new();
    // Registered in an order unlike the declarations: the second service first, and each
    // message's field types before the message itself.
    registry
        .add::<ordered::EarlierClient>()
        .add::<ordered::LaterClient>();
    let set = registry.into_file_descriptor_set();
    let file = find(&set, "ordered.proto");
    let names = |items: Vec<&str>| items.join(" ");
    assert_eq!(
        names(file.message_type.iter().map(|m| m.name()).collect()),
        "First Second Third"
    );
    assert_eq!(
        names(file.enum_type.iter().map(|e| e.name()).collect()),
        "Mood Tone"
    );
    assert_eq!(
        names(file.service.iter().map(|s| s.name()).collect()),
        "Later Earlier"
    );

    let set = ordered_in_module::Gamma::file_descriptor_set();
    assert_eq!(find(&set, "ordered/module.proto").message_type.len(), 1);
    let set = ordered_in_module::Alpha::file_descriptor_set();
    let file = find(&set, "ordered/module.proto");
    assert_eq!(
        names(file.message_type.iter().map(|m| m.name()).collect()),
        "Alpha Beta Gamma"
    );
}

/// `#[grpc(file_options = "...")]` names a function that gives the file its options; every
/// type and service of the file names the same one, so any of them alone describes the file
/// completely.
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod with_file_options {
    use grpc_core::descriptor::FileOptions;
    use grpc_core::{Message, Status};

    pub fn shop_options() -> FileOptions {
        FileOptions {
            go_package: Some("example.com/shop;shop".into()),
            java_multiple_files: Some(true),
            ..Default::default()
        }
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "shop.opts", file_options = "shop_options")]
    pub struct Item {
        pub id: u64,
    }

    #[grpc_core::service(package = "shop.opts", file_options = "shop_options")]
    pub trait Shelf: Send + Sync + 'static {
        async fn get(&self, item: Item) -> Result<Item, Status>;
    }
}

#[test]
fn file_options_attribute_sets_the_files_options() {
    let set = with_file_options::Item::file_descriptor_set();
    let file = find(&set, "shop/opts.proto");
    assert_eq!(file.options, Some(with_file_options::shop_options()));
    let set = with_file_options::ShelfClient::file_descriptor_set();
    let file = find(&set, "shop/opts.proto");
    assert_eq!(file.options, Some(with_file_options::shop_options()));
    let text = grpc_core::descriptor::render_proto(&file);
    assert!(
        text.contains("option go_package = \"example.com/shop;shop\";"),
        "{text}"
    );
    assert_renders_back(&set, "shop/opts.proto");
}

/// `#[grpc(json_name = "...")]` on a field or oneof variant sets its JSON name in the
/// descriptor, and `.proto` export writes it as `[json_name = "..."]`.
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod json_names {
    use grpc_core::{Message, Oneof};

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "json.names")]
    pub struct Server {
        #[grpc(json_name = "server_uri")]
        pub server_uri: String,
        pub plain_name: String,
        #[grpc(oneof)]
        pub choice: Option<Choice>,
    }

    #[derive(Oneof, Clone, PartialEq, Debug)]
    pub enum Choice {
        #[grpc(tag = 3, json_name = "BY_ID")]
        ById(u64),
        #[grpc(tag = 4)]
        ByName(String),
    }
}

#[test]
fn json_name_attribute_sets_the_fields_json_name() {
    let file = json_names::Server::file_descriptor();
    let message = &file.message_type[0];
    let json: Vec<(&str, &str)> = message
        .field
        .iter()
        .map(|f| (f.name(), f.json_name()))
        .collect();
    assert_eq!(
        json,
        [
            ("server_uri", "server_uri"),
            ("plain_name", "plainName"),
            ("by_id", "BY_ID"),
            ("by_name", "byName"),
        ]
    );
    let text = json_names::Server::proto_source();
    assert!(
        text.contains("string server_uri = 1 [json_name = \"server_uri\"];"),
        "{text}"
    );
    assert_renders_back(
        &json_names::Server::file_descriptor_set(),
        "json/names.proto",
    );
}

/// `#[grpc(empty_options)]` gives a method the empty `MethodOptions` protoc gives one written
/// with a `{ }` body; export writes the body back, and protoc's reading of it agrees.
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod braces {
    use grpc_core::{Message, Status};

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "braces")]
    pub struct Ping {
        pub n: u32,
    }

    #[grpc_core::service(package = "braces")]
    pub trait Pinger: Send + Sync + 'static {
        #[grpc(empty_options)]
        async fn with_body(&self, ping: Ping) -> Result<Ping, Status>;
        async fn without(&self, ping: Ping) -> Result<Ping, Status>;
    }
}

#[test]
fn empty_options_attribute_gives_a_method_empty_options() {
    use braces::PingerClient;
    let set = PingerClient::file_descriptor_set();
    let file = find(&set, "braces.proto");
    let methods = &file.service[0].method;
    assert_eq!(methods[0].options, Some(Default::default()));
    assert_eq!(methods[1].options, None);
    let text = grpc_core::descriptor::render_proto(&file);
    assert!(
        text.contains("rpc WithBody(.braces.Ping) returns (.braces.Ping) {}"),
        "{text}"
    );
    assert!(
        text.contains("rpc Without(.braces.Ping) returns (.braces.Ping);"),
        "{text}"
    );
    // protoc reads `{}` as empty options: the import corpus checks that against protoc.
}

/// Standard options written by hand, as `.proto` text without parentheses: each lands in the
/// field of the element's `*Options` that protoc sets, so the descriptors equal protoc's for
/// the same `.proto`, encode with no uninterpreted option left, and export writes them back.
#[allow(dead_code, unreachable_pub)] // only the descriptors are looked at
mod standard {
    use grpc_core::{Enumeration, Message, Oneof, Status};

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "stdcode", option = "deprecated = true")]
    pub struct Order {
        #[grpc(option = "jstype = JS_STRING")]
        pub id: u64,
        #[grpc(option = "ctype = CORD")]
        pub note: String,
        pub state: State,
        #[grpc(oneof)]
        pub pick: Option<Pick>,
    }

    #[derive(Oneof, Clone, PartialEq, Debug)]
    pub enum Pick {
        #[grpc(tag = 5, option = "lazy = true")]
        Line(Line),
    }

    #[derive(Message, Clone, PartialEq, Debug)]
    #[grpc(package = "stdcode")]
    pub struct Line {
        pub n: i32,
    }

    #[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
    #[grpc(package = "stdcode", option = "deprecated = true")]
    pub enum State {
        Open = 0,
        #[grpc(option = "deprecated = true")]
        Closed = 1,
    }

    #[grpc_core::service(package = "stdcode", option = "deprecated = true")]
    pub trait Orders: Send + Sync + 'static {
        #[grpc(option = "idempotency_level = NO_SIDE_EFFECTS")]
        async fn get(&self, order: Order) -> Result<Order, Status>;
        #[grpc(
            option = "deprecated = true",
            option = "idempotency_level = IDEMPOTENT"
        )]
        async fn put(&self, order: Order) -> Result<Order, Status>;
    }
}

#[test]
fn standard_options_in_code_equal_protocs() {
    let dir = std::env::temp_dir().join(format!("grpc-core-stdcode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("stdcode.proto"),
        r#"syntax = "proto3";
package stdcode;
message Order {
  option deprecated = true;
  uint64 id = 1 [jstype = JS_STRING];
  string note = 2 [ctype = CORD];
  State state = 3;
  oneof pick {
    Line line = 5 [lazy = true];
  }
}
message Line { int32 n = 1; }
enum State {
  option deprecated = true;
  STATE_OPEN = 0;
  STATE_CLOSED = 1 [deprecated = true];
}
service Orders {
  option deprecated = true;
  rpc Get(Order) returns (Order) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Put(Order) returns (Order) {
    option deprecated = true;
    option idempotency_level = IDEMPOTENT;
  }
}
"#,
    )
    .unwrap();
    let set = standard::OrdersClient::file_descriptor_set();
    let ours = find(&set, "stdcode.proto");
    assert_same(
        ours.clone(),
        find(&parse(&["stdcode.proto"], &[&dir]), "stdcode.proto"),
    );
    // No standard option is left uninterpreted: what reflection serves is the struct as it is.
    let service = &ours.service[0];
    assert!(service
        .options
        .as_ref()
        .unwrap()
        .uninterpreted_option
        .is_empty());
    assert_eq!(
        grpc_core::descriptor::encode_files(&set),
        set.file
            .iter()
            .map(prost::Message::encode_to_vec)
            .collect::<Vec<_>>()
    );
    let text = grpc_core::descriptor::render_proto(&ours);
    for line in [
        "option deprecated = true;",
        "uint64 id = 1 [jstype = JS_STRING];",
        "string note = 2 [ctype = CORD];",
        "STATE_CLOSED = 1 [deprecated = true];",
        "option idempotency_level = NO_SIDE_EFFECTS;",
        "option idempotency_level = IDEMPOTENT;",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert_renders_back(&set, "stdcode.proto");
}
