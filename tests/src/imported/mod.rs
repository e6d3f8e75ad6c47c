//! The importer's output for the round-trip corpus, checked in (regenerated and diffed by CI:
//! `tests/regenerate-imported.sh`). One module per protobuf package, nested like the package.
#![allow(missing_docs, clippy::all)]

pub mod helloworld {
    include!("helloworld.rs");
}

pub mod routeguide {
    include!("routeguide.rs");
}

pub mod wiretest {
    include!("wiretest.rs");
}

pub mod prototwo {
    include!("prototwo.rs");
}

pub mod extended {
    include!("extended.rs");
}

pub mod stdoptions {
    include!("stdoptions.rs");
}

pub mod annotated {
    include!("annotated.rs");
}

pub mod skipped {
    include!("skipped.rs");
}

pub mod google {
    pub mod api {
        include!("google.api.rs");
    }
}

pub mod grpc {
    pub mod testing {
        include!("grpc.testing.rs");
    }

    pub mod health {
        pub mod v1 {
            include!("grpc.health.v1.rs");
        }
    }

    pub mod reflection {
        pub mod v1 {
            include!("grpc.reflection.v1.rs");
        }
    }
}
