//! Reading configuration text (TOML or JSON) with the dotted path of the field an error
//! concerns, so that `[tissue.detector] opning_um = 3` is reported as
//! `tissue.detector.opning_um`, not only as a line and column.

use serde::de::DeserializeOwned;

/// The two configuration formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// TOML (the default for any extension other than `.json`).
    Toml,
    /// JSON.
    Json,
}

impl ConfigFormat {
    /// The format of a file, by its extension: `.json` is JSON, anything else TOML.
    pub fn of(path: &std::path::Path) -> Self {
        match path.extension().and_then(|ext| ext.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Toml,
        }
    }
}

/// The parser's own error, kept as the source of a [`ConfigParseError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// A TOML syntax or type error (boxed: it is large, and errors travel by value).
    #[error(transparent)]
    Toml(Box<toml::de::Error>),
    /// A JSON syntax or type error.
    #[error(transparent)]
    Json(serde_json::Error),
}

/// A configuration text that could not be read: where (the dotted path of the field, e.g.
/// `tissue.detector.opning_um`; empty for the document itself) and the parser's error.
#[derive(Debug, thiserror::Error)]
#[error("{}{source}", field_prefix(field))]
pub struct ConfigParseError {
    /// The dotted path of the offending field (`.` for the top level).
    pub field: String,
    /// What the parser said.
    #[source]
    pub source: FormatError,
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() || field == "." {
        String::new()
    } else {
        format!("`{field}`: ")
    }
}

/// Parses `text` in `format` into `T`, naming the field of any error.
pub fn parse_config<T: DeserializeOwned>(
    text: &str,
    format: ConfigFormat,
) -> Result<T, ConfigParseError> {
    let located = |field: String, source: FormatError| ConfigParseError { field, source };
    match format {
        ConfigFormat::Toml => {
            let deserializer = toml::Deserializer::parse(text)
                .map_err(|e| located(String::new(), FormatError::Toml(Box::new(e))))?;
            serde_path_to_error::deserialize(deserializer).map_err(|e| {
                let field = e.path().to_string();
                located(field, FormatError::Toml(Box::new(e.into_inner())))
            })
        }
        ConfigFormat::Json => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
                let field = e.path().to_string();
                located(field, FormatError::Json(e.into_inner()))
            })?;
            deserializer
                .end()
                .map_err(|e| located(String::new(), FormatError::Json(e)))?;
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        radius_um: f64,
    }

    #[test]
    fn errors_name_the_nested_field() {
        let ok: Outer = parse_config("[inner]\nradius_um = 1.5\n", ConfigFormat::Toml).unwrap();
        assert_eq!(ok.inner.radius_um, 1.5);
        let err = parse_config::<Outer>(
            "[inner]\nradius_um = 1.0\nradus_um = 2\n",
            ConfigFormat::Toml,
        )
        .unwrap_err();
        assert_eq!(err.field, "inner.radus_um");
        assert!(err.to_string().starts_with("`inner.radus_um`: "), "{err}");
        assert!(matches!(err.source, FormatError::Toml(_)));
        let err = parse_config::<Outer>(r#"{"inner": {"radius_um": "x"}}"#, ConfigFormat::Json)
            .unwrap_err();
        assert_eq!(err.field, "inner.radius_um");
        assert!(matches!(err.source, FormatError::Json(_)));
        let err = parse_config::<Outer>(r#"{"inner": {"radius_um": 1}} x"#, ConfigFormat::Json)
            .unwrap_err();
        assert!(err.field.is_empty(), "{}", err.field);
        assert!(parse_config::<Outer>("inner = [", ConfigFormat::Toml).is_err());
    }

    #[test]
    fn format_follows_the_extension() {
        assert_eq!(ConfigFormat::of("a/b.JSON".as_ref()), ConfigFormat::Json);
        assert_eq!(ConfigFormat::of("a/b.toml".as_ref()), ConfigFormat::Toml);
        assert_eq!(ConfigFormat::of("a/b".as_ref()), ConfigFormat::Toml);
    }
}
