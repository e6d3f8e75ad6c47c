//! Parsing `.proto` files with protox (no `protoc`), keeping source info for comments and
//! error locations.

use std::path::Path;

use prost_types::FileDescriptorSet;

use crate::error::Error;

/// Parses `files` (paths relative to one of `includes`, or paths inside one of them) and
/// everything they import. The set holds dependencies first.
pub fn parse(includes: &[impl AsRef<Path>], files: &[impl AsRef<Path>]) -> Result<FileDescriptorSet, Error> {
    let mut compiler = protox::Compiler::new(includes.iter().map(AsRef::as_ref))
        .map_err(|e| Error::new(e.to_string()))?;
    compiler.include_imports(true).include_source_info(true);
    for file in files {
        compiler
            .open_file(file.as_ref())
            .map_err(|e| Error::new(e.to_string()))?;
    }
    Ok(compiler.file_descriptor_set())
}
