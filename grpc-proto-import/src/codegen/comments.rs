//! Comments from source info, made safe as Rust doc comments.

use std::collections::HashMap;

use prost_types::FileDescriptorProto;

/// Comments and lines of one file, by source-info path.
pub(crate) struct Comments {
    by_path: HashMap<Vec<i32>, (Option<String>, u32)>,
}

impl Comments {
    pub(crate) fn of(file: &FileDescriptorProto) -> Comments {
        let mut by_path = HashMap::new();
        for location in file.source_code_info.iter().flat_map(|info| &info.location) {
            let comment = location
                .leading_comments
                .clone()
                .or_else(|| location.trailing_comments.clone())
                .filter(|c| !c.trim().is_empty());
            let line = location.span.first().map_or(0, |l| *l as u32 + 1);
            by_path
                .entry(location.path.clone())
                .or_insert((comment, line));
        }
        Comments { by_path }
    }

    /// `#[doc = "..."]` attributes for the element at `path`.
    pub(crate) fn doc(&self, path: &[i32]) -> proc_macro2::TokenStream {
        let Some((Some(comment), _)) = self.by_path.get(path) else {
            return proc_macro2::TokenStream::new();
        };
        let lines = comment
            .trim_end()
            .lines()
            .map(|line| format!(" {}", sanitize(line.trim())))
            .map(|line| {
                if line.trim().is_empty() {
                    String::new()
                } else {
                    line
                }
            });
        quote::quote!(#(#[doc = #lines])*)
    }

    /// The 1-based line of the element at `path`, if known.
    pub(crate) fn line(&self, path: &[i32]) -> Option<u32> {
        self.by_path.get(path).map(|(_, line)| *line)
    }
}

/// Keeps rustdoc from reading comment text as markup: brackets and angle brackets are
/// escaped, bare URLs are wrapped, and indentation (a code block in Markdown) is dropped.
fn sanitize(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    // A fence would start a code block (and a doctest).
    if line.starts_with("```") || line.starts_with("~~~") {
        out.push('\\');
    }
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // A URL anywhere in the word (`APIs](https://...)` too) is wrapped, the rest escaped.
        let url = word.find("https://").or_else(|| word.find("http://"));
        let (text, url) = match url {
            Some(at) => word.split_at(at),
            None => (word, ""),
        };
        escape(text, &mut out);
        if !url.is_empty() {
            let end = url.trim_end_matches(['.', ',', ')', ';']);
            out.push('<');
            out.push_str(end);
            out.push('>');
            escape(&url[end.len()..], &mut out);
        }
    }
    out
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '[' | ']' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            sanitize("map<string, int32> [x]"),
            "map\\<string, int32\\> \\[x\\]"
        );
        assert_eq!(sanitize("see https://grpc.io."), "see <https://grpc.io>.");
        assert_eq!(
            sanitize("[APIs](https://example.com/a),"),
            "\\[APIs\\](<https://example.com/a>),"
        );
    }
}
