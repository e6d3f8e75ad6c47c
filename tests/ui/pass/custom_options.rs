// Custom options on every element that takes them, and a file declaring the extensions they
// use: the descriptors keep them, and encoded for reflection they are extension fields.
use grpc_core::descriptor::{FieldDescriptorProto, FileSpec};
use grpc_core::{Enumeration, Message, Oneof, Status};

/// `extend google.protobuf.<Options> { string note5000N = 5000N; }` for each options message.
pub fn shop_file() -> FileSpec {
    let extendees = [
        "FileOptions",
        "MessageOptions",
        "FieldOptions",
        "OneofOptions",
        "EnumOptions",
        "EnumValueOptions",
        "ServiceOptions",
        "MethodOptions",
    ];
    let extensions = extendees
        .iter()
        .zip(50000..)
        .map(|(extendee, number)| FieldDescriptorProto {
            name: Some(format!("note{number}")),
            number: Some(number),
            label: Some(1),  // optional
            r#type: Some(9), // string
            extendee: Some(format!(".google.protobuf.{extendee}")),
            ..Default::default()
        })
        .collect();
    FileSpec {
        custom_options: vec![r#"(shop.note50000) = "file""#],
        dependencies: vec!["google/protobuf/descriptor.proto".to_owned()],
        extensions,
        register: Some(|registry| registry.add_well_known_file("google/protobuf/descriptor.proto")),
        ..Default::default()
    }
}

#[derive(Message, Clone, PartialEq, Debug)]
#[grpc(package = "shop", file_options = "shop_file", option = r#"(shop.note50001) = "message""#)]
pub struct Cart {
    #[grpc(option = r#"(shop.note50002) = "field""#)]
    pub id: u64,
    #[grpc(oneof, option = r#"(shop.note50003) = "oneof""#)]
    pub pay: Option<Pay>,
}

#[derive(Oneof, Clone, PartialEq, Debug)]
pub enum Pay {
    #[grpc(tag = 2, option = r#"(shop.note50002) = "member""#)]
    Card(String),
}

#[derive(Enumeration, Clone, Copy, PartialEq, Eq, Debug)]
#[grpc(package = "shop", file_options = "shop_file", option = r#"(shop.note50004) = "enum""#)]
pub enum Size {
    #[grpc(option = r#"(shop.note50005) = "value""#)]
    Small = 0,
}

#[grpc_core::service(package = "shop", file_options = "shop_file", option = r#"(shop.note50006) = "service""#)]
pub trait Shop: Send + Sync + 'static {
    #[grpc(option = r#"(shop.note50007) = "method""#)]
    async fn buy(&self, cart: Cart) -> Result<Cart, Status>;
}

fn main() {
    let mut registry = grpc_core::descriptor::Registry::new();
    registry.add::<ShopClient>().add::<Size>();
    let set = registry.into_file_descriptor_set();
    let file = set.file.iter().find(|f| f.name() == "shop.proto").unwrap();
    assert_eq!(file.extension.len(), 8);
    let text = grpc_core::descriptor::render_proto(file);
    for (option, value) in [
        ("(shop.note50000) = ", "file"),
        ("(shop.note50001) = ", "message"),
        ("(shop.note50002) = ", "field"),
        ("(shop.note50003) = ", "oneof"),
        ("(shop.note50002) = ", "member"),
        ("(shop.note50004) = ", "enum"),
        ("(shop.note50005) = ", "value"),
        ("(shop.note50006) = ", "service"),
        ("(shop.note50007) = ", "method"),
    ] {
        assert!(text.contains(&format!("{option}\"{value}\"")), "{option}{value} in {text}");
    }
    // Encoded for reflection, none stays uninterpreted.
    use prost::Message as _;
    for bytes in grpc_core::descriptor::encode_files(&set) {
        let file = grpc_core::descriptor::FileDescriptorProto::decode(&bytes[..]).unwrap();
        assert!(!format!("{file:?}").contains("uninterpreted_option: [UninterpretedOption"), "{file:?}");
    }
}
