//! Parsing `.proto` files with protox (no `protoc`), keeping source info for comments and
//! error locations.

use std::path::Path;

use miette::Diagnostic;
use prost_types::FileDescriptorSet;

use crate::error::Error;

/// Parses `files` (paths relative to one of `includes`, or paths inside one of them) and
/// everything they import. The set holds dependencies first.
pub fn parse(
    includes: &[impl AsRef<Path>],
    files: &[impl AsRef<Path>],
) -> Result<FileDescriptorSet, Error> {
    let mut compiler =
        protox::Compiler::new(includes.iter().map(AsRef::as_ref)).map_err(|e| located(&e))?;
    compiler.include_imports(true).include_source_info(true);
    for file in files {
        compiler.open_file(file.as_ref()).map_err(|e| located(&e))?;
    }
    Ok(compiler.file_descriptor_set())
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
