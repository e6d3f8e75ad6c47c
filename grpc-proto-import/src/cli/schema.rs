//! Where the schema comes from: `.proto` files, descriptor sets, or the server's reflection.

use std::path::PathBuf;

use clap::Args;
use prost::Message as _;
use prost_reflect::DescriptorPool;
use prost_types::FileDescriptorSet;

use super::Failure;
use crate::error::Error;

#[derive(Debug, Args)]
pub(super) struct SchemaArgs {
    /// Import path for --proto files (like protoc -I; repeatable) [default: .].
    #[arg(short = 'I', long = "import-path", value_name = "DIR")]
    includes: Vec<PathBuf>,
    /// A .proto file to take the schema from instead of reflection (repeatable).
    #[arg(long, value_name = "FILE")]
    proto: Vec<PathBuf>,
    /// A binary FileDescriptorSet to take the schema from instead of reflection (repeatable).
    #[arg(long, value_name = "FILE")]
    protoset: Vec<PathBuf>,
}

impl SchemaArgs {
    /// Whether files were given (otherwise the schema comes from reflection).
    pub(super) fn given(&self) -> bool {
        !self.proto.is_empty() || !self.protoset.is_empty()
    }

    /// The files given, as one set (dependencies first).
    pub(super) fn file_descriptor_set(&self) -> Result<FileDescriptorSet, Failure> {
        let mut set = FileDescriptorSet::default();
        if !self.proto.is_empty() {
            set = crate::parse(&self.includes(), &self.proto)?;
        }
        for path in &self.protoset {
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::Other(format!("reading {}: {e}", path.display())))?;
            let more = FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| {
                Failure::Other(format!(
                    "{} is not a FileDescriptorSet: {e}",
                    path.display()
                ))
            })?;
            for file in more.file {
                if !set.file.iter().any(|f| f.name() == file.name()) {
                    set.file.push(file);
                }
            }
        }
        Ok(set)
    }

    /// The files given, as a pool.
    pub(super) fn pool(&self) -> Result<DescriptorPool, Failure> {
        if !self.protoset.is_empty() {
            let set = self.file_descriptor_set()?;
            return DescriptorPool::from_file_descriptor_set(set)
                .map_err(|e| Failure::Other(format!("the descriptor sets do not fit: {e}")));
        }
        crate::dynamic::load(&self.includes(), &self.proto).map_err(|e: Error| e.into())
    }

    fn includes(&self) -> Vec<PathBuf> {
        if self.includes.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.includes.clone()
        }
    }
}
