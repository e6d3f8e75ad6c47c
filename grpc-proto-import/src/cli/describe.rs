//! `list` and `describe`.

use std::process::ExitCode;

use clap::Args;
use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MethodDescriptor};
use prost_types::FileDescriptorProto;

use super::connect::ConnectArgs;
use super::schema::SchemaArgs;
use super::{print_line, Failure, Outcome};
use crate::reflection::ReflectionClient;

/// Where `list`, `describe` and `export` take the schema from: the server or the files.
#[derive(Debug, Args)]
pub(super) struct SourceArgs {
    /// The server to ask through reflection (host:port, http://host:port, unix:path...); not
    /// needed with --proto or --protoset.
    #[arg(short = 't', long, value_name = "TARGET")]
    pub(super) target: Option<String>,
    #[command(flatten)]
    pub(super) schema: SchemaArgs,
    #[command(flatten)]
    pub(super) connect: ConnectArgs,
}

impl SourceArgs {
    /// A reflection client for `--target`.
    pub(super) fn reflection(&self) -> Result<ReflectionClient, Failure> {
        let target = self.target.as_deref().ok_or_else(|| {
            Failure::Other(
                "give a server with --target, or a schema with --proto or --protoset".into(),
            )
        })?;
        self.connect.reflection(self.connect.channel(target)?)
    }
}

#[derive(Debug, Args)]
pub(super) struct ListArgs {
    /// List this service's methods (full name, e.g. routeguide.RouteGuide).
    service: Option<String>,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Debug, Args)]
pub(super) struct DescribeArgs {
    /// Full name of a service, method (pkg.Service.Method), message, enum, field or enum value.
    symbol: String,
    #[command(flatten)]
    source: SourceArgs,
}

pub(super) async fn list(args: ListArgs) -> Outcome {
    let service_names: Vec<String> = match &args.service {
        None if args.source.schema.given() => {
            let pool = args.source.schema.pool()?;
            let mut names: Vec<String> = pool.services().map(|s| s.full_name().into()).collect();
            names.sort();
            names
        }
        None => args.source.reflection()?.list_services().await?,
        Some(service) => {
            let pool = pool_for(&args.source, service).await?;
            let service = pool
                .get_service_by_name(service)
                .ok_or_else(|| Failure::Other(format!("there is no service {service}")))?;
            service
                .methods()
                .map(|m| format!("{}.{}", service.full_name(), m.name()))
                .collect()
        }
    };
    for name in service_names {
        print_line(&name)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn describe(args: DescribeArgs) -> Outcome {
    let symbol = args.symbol.trim_start_matches('.');
    let pool = pool_for(&args.source, symbol).await?;
    let text = describe_symbol(&pool, symbol)
        .ok_or_else(|| Failure::Other(format!("there is no symbol {symbol}")))?;
    print_line(text.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

/// The pool that defines `symbol`: the files given, or the server's file for it. Servers that
/// do not resolve members (grpcio's reflection knows no method or field symbols) are asked
/// for the enclosing element.
pub(super) async fn pool_for(source: &SourceArgs, symbol: &str) -> Result<DescriptorPool, Failure> {
    if source.schema.given() {
        return source.schema.pool();
    }
    let mut reflection = source.reflection()?;
    let mut asked = symbol;
    loop {
        match reflection.pool_for_symbol(asked).await {
            Ok(pool) => return Ok(pool),
            Err(status) if status.code() == grpc_core::Code::NotFound => {
                match asked.rsplit_once('.') {
                    Some((parent, _)) if !parent.is_empty() => asked = parent,
                    _ => return Err(status.into()),
                }
            }
            Err(status) => return Err(status.into()),
        }
    }
}

/// `symbol` as grpcurl's `describe` shows it: what it is, then its `.proto` text.
fn describe_symbol(pool: &DescriptorPool, symbol: &str) -> Option<String> {
    if let Some(service) = pool.get_service_by_name(symbol) {
        let file = element_file(service.parent_file().file_descriptor_proto(), |f| {
            f.service.push(service.service_descriptor_proto().clone())
        });
        return Some(format!("{symbol} is a service:\n{}", render_element(&file)));
    }
    if let Some(message) = pool.get_message_by_name(symbol) {
        let file = element_file(message.parent_file().file_descriptor_proto(), |f| {
            f.message_type.push(message.descriptor_proto().clone())
        });
        return Some(format!("{symbol} is a message:\n{}", render_element(&file)));
    }
    if let Some(enumeration) = pool.get_enum_by_name(symbol) {
        let file = element_file(enumeration.parent_file().file_descriptor_proto(), |f| {
            f.enum_type
                .push(enumeration.enum_descriptor_proto().clone())
        });
        return Some(format!("{symbol} is an enum:\n{}", render_element(&file)));
    }
    let (parent, name) = symbol.rsplit_once('.')?;
    if let Some(service) = pool.get_service_by_name(parent) {
        let method = service.methods().find(|m| m.name() == name)?;
        return Some(format!("{symbol} is a method:\n{}", method_line(&method)));
    }
    if let Some(message) = pool.get_message_by_name(parent) {
        let field = message.get_field_by_name(name)?;
        return Some(format!("{symbol} is a field:\n{}", field_line(&field)));
    }
    if let Some(enumeration) = pool.get_enum_by_name(parent) {
        let value = enumeration.get_value_by_name(name)?;
        return Some(format!(
            "{symbol} is an enum value:\n{} = {};",
            value.name(),
            value.number()
        ));
    }
    None
}

/// A file with only the package and syntax of `original`, and what `add` puts in.
fn element_file(
    original: &FileDescriptorProto,
    add: impl FnOnce(&mut FileDescriptorProto),
) -> FileDescriptorProto {
    let mut file = FileDescriptorProto {
        name: original.name.clone(),
        package: original.package.clone(),
        syntax: original.syntax.clone(),
        ..Default::default()
    };
    add(&mut file);
    file
}

/// grpc-core's `.proto` rendering of a one-element file, without its header lines.
fn render_element(file: &FileDescriptorProto) -> String {
    let text = grpc_core::descriptor::render_proto(file);
    let keywords = ["message ", "enum ", "service "];
    let start = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| keywords.iter().any(|k| text[i..].starts_with(k)))
        .unwrap_or(0);
    text[start..].to_owned()
}

fn method_line(method: &MethodDescriptor) -> String {
    let stream = |yes: bool| if yes { "stream " } else { "" };
    format!(
        "rpc {}({}.{}) returns ({}.{});",
        method.name(),
        stream(method.is_client_streaming()),
        method.input().full_name(),
        stream(method.is_server_streaming()),
        method.output().full_name()
    )
}

fn field_line(field: &FieldDescriptor) -> String {
    let type_name = |kind: &Kind| match kind {
        Kind::Message(message) => format!(".{}", message.full_name()),
        Kind::Enum(enumeration) => format!(".{}", enumeration.full_name()),
        scalar => format!("{scalar:?}").to_lowercase(),
    };
    let shape = if field.is_map() {
        match field.kind() {
            Kind::Message(entry) => format!(
                "map<{}, {}>",
                type_name(&entry.map_entry_key_field().kind()),
                type_name(&entry.map_entry_value_field().kind())
            ),
            _ => type_name(&field.kind()),
        }
    } else if field.is_list() {
        format!("repeated {}", type_name(&field.kind()))
    } else if field.field_descriptor_proto().proto3_optional() {
        format!("optional {}", type_name(&field.kind()))
    } else {
        type_name(&field.kind())
    };
    format!(
        "{shape} {} = {}; // JSON name {:?}",
        field.name(),
        field.number(),
        field.json_name()
    )
}
