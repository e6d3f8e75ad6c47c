//! Runtime loading and dynamic calls (being written).
