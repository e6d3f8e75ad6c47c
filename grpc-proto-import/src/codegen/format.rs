//! Formatting the generated source.

/// Writes ranges in attributes the way rustfmt does (`9..=11`; prettyplease prints attribute
/// tokens as `9..= 11`).
pub(super) fn tidy_attributes(code: &str) -> String {
    code.lines()
        .map(|line| {
            if line.trim_start().starts_with("#[grpc(") {
                line.replace("..= ", "..=")
            } else {
                line.to_owned()
            }
        })
        .map(|line| line + "\n")
        .collect()
}

/// Puts a blank line between consecutive items (prettyplease packs them together).
pub(super) fn space_items(code: &str) -> String {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = String::with_capacity(code.len() + lines.len());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        // A multi-line item ends with `}`, or (a constant split over lines) `> = ...;` or `);`.
        let closes_item = line.trim_start() == "}"
            || line.trim_start() == ");"
            || (line.trim_start().starts_with("> = ") && line.ends_with(';'))
            || (line.trim_start().starts_with("pub ") && line.ends_with(';'));
        if let Some(next) = lines.get(i + 1) {
            let indent = line.len() - line.trim_start().len();
            let next_indent = next.len() - next.trim_start().len();
            let next_starts_item = ["///", "#[", "pub "]
                .iter()
                .any(|p| next.trim_start().starts_with(p));
            if closes_item
                && next_indent == indent
                && next_starts_item
                && !line.trim_start().starts_with("pub ")
            {
                out.push('\n');
            }
        }
    }
    out
}
