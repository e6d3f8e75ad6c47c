//! Parsing `.proto` files with protox (no `protoc`), keeping source info for comments and
//! error locations.

use std::path::Path;

use miette::Diagnostic;
use prost_types::FileDescriptorSet;

use crate::error::Error;

/// Parses `files` (paths relative to one of `includes`, or paths inside one of them) and
/// everything they import. The set holds dependencies first.
///
/// Custom options (`option (google.api.http) = ...`) are extension fields, which prost-types'
/// structs cannot hold: they come back in each element's `uninterpreted_option` list instead
/// (the form protoc uses before resolving options), so that nothing is dropped unseen; the
/// generated code carries them as `#[grpc(option = "...")]`.
pub fn parse(
    includes: &[impl AsRef<Path>],
    files: &[impl AsRef<Path>],
) -> Result<FileDescriptorSet, Error> {
    let compiler = compile(includes, files)?;
    let mut set = compiler.file_descriptor_set();
    crate::custom_options::lift(&mut set, &compiler.encode_file_descriptor_set());
    mark_method_bodies(&compiler, &mut set);
    Ok(set)
}

/// protoc gives a method declared with a body (`rpc M(A) returns (B) {}`) an empty
/// `MethodOptions`; protox leaves it unset. Filled in from the source text, so that the set
/// equals protoc's.
fn mark_method_bodies(compiler: &protox::Compiler, set: &mut FileDescriptorSet) {
    for file in &mut set.file {
        let Some(source) = compiler
            .files()
            .find(|f| f.name() == file.name())
            .and_then(|f| f.path())
            .and_then(|path| std::fs::read_to_string(path).ok())
        else {
            continue;
        };
        let lines: Vec<&str> = source.lines().collect();
        let Some(info) = &file.source_code_info else {
            continue;
        };
        let mut bodies = Vec::new();
        for location in &info.location {
            // A method: [6 (service), s, 2 (method), m].
            if let [6, s, 2, m] = location.path[..] {
                if ends_with_body(&lines, &location.span) {
                    bodies.push((s as usize, m as usize));
                }
            }
        }
        for (s, m) in bodies {
            if let Some(method) = file
                .service
                .get_mut(s)
                .and_then(|service| service.method.get_mut(m))
            {
                method.options.get_or_insert_with(Default::default);
            }
        }
    }
}

/// Whether the declaration at `span` (`[line, col, end_col]` or `[line, col, end_line,
/// end_col]`, 0-based) ends with `}` rather than `;`.
fn ends_with_body(lines: &[&str], span: &[i32]) -> bool {
    let (end_line, end_col) = match span {
        [line, _, end_col] => (*line, *end_col),
        [_, _, end_line, end_col] => (*end_line, *end_col),
        _ => return false,
    };
    let Some(line) = usize::try_from(end_line).ok().and_then(|l| lines.get(l)) else {
        return false;
    };
    let end = usize::try_from(end_col).unwrap_or(0);
    let text: String = line.chars().take(end).collect();
    text.trim_end().ends_with('}')
}

/// The protox compiler with `files` opened, imports and source info included.
pub(crate) fn compile(
    includes: &[impl AsRef<Path>],
    files: &[impl AsRef<Path>],
) -> Result<protox::Compiler, Error> {
    let mut compiler =
        protox::Compiler::new(includes.iter().map(AsRef::as_ref)).map_err(|e| located(&e))?;
    compiler.include_imports(true).include_source_info(true);
    for file in files {
        compiler.open_file(file.as_ref()).map_err(|e| located(&e))?;
    }
    Ok(compiler)
}

/// A protox error with its file and line, when it has them.
fn located(error: &protox::Error) -> Error {
    let message = error.to_string();
    let Some(file) = error.file() else {
        return Error::new(message);
    };
    let line = error
        .labels()
        .and_then(|mut labels| labels.next())
        .zip(error.source_code())
        .and_then(|(label, source)| {
            source
                .read_span(label.inner(), 0, 0)
                .ok()
                .map(|s| s.line() as u32 + 1)
        });
    Error::at(message, file, line)
}
