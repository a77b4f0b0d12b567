//! Reading JSON configuration text with the dotted path of the field an error concerns, so
//! that a typo such as `{"model": {"resnet": {"widht": 0.5}}}` is reported as
//! `model.resnet.widht`, not only as a line and column.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{ClassifierError, Result};

/// Parses `text` (read from `path`, when it came from a file) into `T`; an error is
/// [`ClassifierError::ConfigText`] naming the file and field.
pub(crate) fn parse_json<T: DeserializeOwned>(text: &str, path: Option<&Path>) -> Result<T> {
    let error = |field: String, source| ClassifierError::ConfigText {
        path: path.map(Path::to_path_buf),
        field,
        source,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| error(e.path().to_string(), e.into_inner()))?;
    deserializer
        .end()
        .map_err(|source| error(String::new(), source))?;
    Ok(value)
}

/// `file: `field`: ` before a configuration error, each part when known.
pub(crate) fn location(path: Option<&Path>, field: &str) -> String {
    let mut out = String::new();
    if let Some(path) = path {
        out.push_str(&format!("{}: ", path.display()));
    }
    if !field.is_empty() && field != "." {
        out.push_str(&format!("`{field}`: "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModelSpec;

    #[test]
    fn model_spec_rejects_unknown_nested_fields_with_their_path() {
        for (json, field) in [
            (r#"{"patch_sise": 64}"#, "`patch_sise`"),
            (r#"{"resnet": {"widht": 0.5}}"#, "`resnet.widht`"),
            (
                r#"{"normalization": {"mean": [0.5, 0.5, 0.5], "sdt": [1, 1, 1]}}"#,
                "`normalization.sdt`",
            ),
        ] {
            let err = parse_json::<ModelSpec>(json, Some(Path::new("model.bpk"))).unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with(&format!("model.bpk: {field}: unknown field")),
                "{message}"
            );
            assert!(std::error::Error::source(&err).is_some());
        }
        let spec: ModelSpec = parse_json(r#"{"patch_size": 64}"#, None).unwrap();
        assert_eq!(spec.patch_size, 64);
    }
}
