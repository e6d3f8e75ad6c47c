//! A server for the imported Google-style API of `tests/protos/annotated.proto` (custom
//! options: `google.api.http`, `field_behavior`, `resource`), for the tests that read those
//! options back through reflection and the command-line tool.

use grpc_core::{ServerContext, Status};

use crate::imported::annotated::{CreateShelfRequest, GetShelfRequest, Shelf, Shelves};

/// Answers `GetShelf` with a poetry shelf of the asked name, and `CreateShelf` with the shelf
/// it was given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Library;

impl Shelves for Library {
    async fn get_shelf(
        &self,
        _ctx: &ServerContext,
        request: GetShelfRequest,
    ) -> Result<Shelf, Status> {
        Ok(Shelf {
            name: request.name,
            theme: "poetry".into(),
            ..Default::default()
        })
    }

    async fn create_shelf(
        &self,
        _ctx: &ServerContext,
        request: CreateShelfRequest,
    ) -> Result<Shelf, Status> {
        request
            .shelf
            .ok_or_else(|| Status::invalid_argument("shelf is required"))
    }
}
