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
/// (the form protoc uses before resolving options), so that nothing is dropped unseen.
pub fn parse(
    includes: &[impl AsRef<Path>],
    files: &[impl AsRef<Path>],
) -> Result<FileDescriptorSet, Error> {
    let compiler = compile(includes, files)?;
    let mut set = compiler.file_descriptor_set();
    crate::custom_options::lift(&mut set, &compiler.encode_file_descriptor_set());
    Ok(set)
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
