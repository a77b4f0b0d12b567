//! Classifications (QuPath's `PathClass`): a base name, optionally derived into more parts
//! (`Complete: 2+` is `["Complete", "2+"]`), with a colour.

use std::fmt;

use serde_json::{Value, json};

/// The intensity a class stands for in QuPath: its last part is `Negative`, `Positive`, `1+`,
/// `2+` or `3+` (QuPath's `PathClassTools`), whatever comes before it. QuPath counts cells of
/// these classes (`Num 1+`, `Num 2+`, ...) and computes its H-score from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intensity {
    /// `Negative`.
    Negative,
    /// `Positive` (no grade).
    Positive,
    /// `1+`.
    OnePlus,
    /// `2+`.
    TwoPlus,
    /// `3+`.
    ThreePlus,
}

impl Intensity {
    /// The class part QuPath recognises.
    pub fn name(self) -> &'static str {
        match self {
            Self::Negative => "Negative",
            Self::Positive => "Positive",
            Self::OnePlus => "1+",
            Self::TwoPlus => "2+",
            Self::ThreePlus => "3+",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "Negative" => Some(Self::Negative),
            "Positive" => Some(Self::Positive),
            "1+" => Some(Self::OnePlus),
            "2+" => Some(Self::TwoPlus),
            "3+" => Some(Self::ThreePlus),
            _ => None,
        }
    }
}

/// A classification: one or more name parts (base first) and an optional RGB colour.
///
/// Written as QuPath writes it: `{"name": ..., "color": [r, g, b]}` for a single part,
/// `{"names": [...], "color": [r, g, b]}` for a derived class. Read from any of QuPath's forms
/// ([`PathClass::from_json`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathClass {
    names: Vec<String>,
    color: Option<[u8; 3]>,
}

impl PathClass {
    /// A single-part class with a colour. A `:` in `name` makes a derived class, as in QuPath
    /// (`"Tumor: Positive"` is `["Tumor", "Positive"]`).
    pub fn new(name: &str, color: [u8; 3]) -> Self {
        Self {
            names: split_names(name),
            color: Some(color),
        }
    }

    /// A derived class from its parts, base first (`["Complete", "2+"]`), with a colour.
    pub fn derived<S: AsRef<str>>(names: &[S], color: [u8; 3]) -> Self {
        Self {
            names: names.iter().flat_map(|n| split_names(n.as_ref())).collect(),
            color: Some(color),
        }
    }

    /// QuPath's `Ignore*` class (areas left out of measurement), in its standard grey.
    pub fn ignore() -> Self {
        Self::new("Ignore*", [180, 180, 180])
    }

    /// The name parts, base first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The last part (QuPath's `getName()`): `2+` for `Complete: 2+`.
    pub fn name(&self) -> &str {
        self.names.last().map_or("", String::as_str)
    }

    /// The first part: `Complete` for `Complete: 2+`.
    pub fn base(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }

    /// The colour, when the file gave one.
    pub fn color(&self) -> Option<[u8; 3]> {
        self.color
    }

    /// The intensity QuPath reads from the last part, if it is one of its intensity classes.
    pub fn intensity(&self) -> Option<Intensity> {
        Intensity::from_name(self.name())
    }

    /// Whether QuPath ignores objects of this class in measurements: a base name ending in
    /// `*` (`Ignore*`, `Region*`).
    pub fn is_ignored(&self) -> bool {
        self.base().ends_with('*')
    }

    /// The classification as QuPath writes it (`name` or `names`, and `color`).
    pub fn to_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        if let [single] = self.names.as_slice() {
            object.insert("name".into(), Value::from(single.as_str()));
        } else {
            object.insert("names".into(), json!(self.names));
        }
        if let Some(c) = self.color {
            object.insert("color".into(), json!(c));
        }
        Value::Object(object)
    }

    /// Reads a classification in any form QuPath writes or reads: a string (`"Tumor"`,
    /// `"Tumor: Positive"`), `{"name": ..., "color": ...}` or `{"names": [...], "color": ...}`;
    /// a colour is `[r, g, b]` or one packed integer (`colorRGB`, as QuPath 0.2 and 0.3
    /// wrote it, is read too). `None` for `null`.
    pub fn from_json(value: &Value) -> Result<Option<Self>, String> {
        let names = match value {
            Value::Null => return Ok(None),
            Value::String(s) => split_names(s),
            Value::Object(o) => match (o.get("names"), o.get("name")) {
                (Some(Value::Array(parts)), _) => parts
                    .iter()
                    .map(|p| {
                        p.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| format!("a classification name that is not text: {p}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                (_, Some(Value::String(s))) => split_names(s),
                _ => {
                    return Err(format!(
                        "a classification without `name` or `names`: {value}"
                    ));
                }
            },
            other => {
                return Err(format!(
                    "a classification that is not text or an object: {other}"
                ));
            }
        };
        if names.iter().all(String::is_empty) {
            return Ok(None);
        }
        let color = value
            .get("color")
            .or_else(|| value.get("colorRGB"))
            .and_then(parse_color);
        Ok(Some(Self { names, color }))
    }
}

impl fmt::Display for PathClass {
    /// QuPath's `toString()`: the parts joined by `": "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names.join(": "))
    }
}

/// A class string split into its parts as QuPath does (`:` separates, parts trimmed).
fn split_names(s: &str) -> Vec<String> {
    s.split(':').map(|p| p.trim().to_owned()).collect()
}

/// `[r, g, b]` or a packed `0xRRGGBB` integer (QuPath accepts both).
fn parse_color(value: &Value) -> Option<[u8; 3]> {
    let byte = |v: &Value| v.as_u64().and_then(|x| u8::try_from(x).ok());
    match value {
        Value::Array(a) if a.len() == 3 => Some([byte(&a[0])?, byte(&a[1])?, byte(&a[2])?]),
        Value::Number(n) => {
            let packed = n.as_i64()?;
            Some([(packed >> 16) as u8, (packed >> 8) as u8, packed as u8])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_derived_classes_are_written_as_qupath_writes_them() {
        let c = PathClass::new("Tumor", [200, 0, 0]);
        assert_eq!(c.to_json(), json!({"name": "Tumor", "color": [200, 0, 0]}));
        let d = PathClass::derived(&["Complete", "2+"], [225, 150, 50]);
        assert_eq!(
            d.to_json(),
            json!({"names": ["Complete", "2+"], "color": [225, 150, 50]})
        );
        assert_eq!(d.to_string(), "Complete: 2+");
        assert_eq!(d.intensity(), Some(Intensity::TwoPlus));
        assert_eq!(d.name(), "2+");
        assert!(PathClass::ignore().is_ignored());
        assert!(!c.is_ignored() && c.intensity().is_none());
    }

    #[test]
    fn reads_every_form() {
        let plain = PathClass::from_json(&json!("Tumor: Positive"))
            .unwrap()
            .unwrap();
        assert_eq!(plain.names(), ["Tumor", "Positive"]);
        assert_eq!(plain.color(), None);
        let named = PathClass::from_json(&json!({"name": "Stroma", "color": [1, 2, 3]}))
            .unwrap()
            .unwrap();
        assert_eq!((named.name(), named.color()), ("Stroma", Some([1, 2, 3])));
        let packed = PathClass::from_json(&json!({"name": "X", "color": 0x010203}))
            .unwrap()
            .unwrap();
        assert_eq!(packed.color(), Some([1, 2, 3]));
        // QuPath 0.2 / 0.3: a signed packed ARGB integer.
        let old = PathClass::from_json(&json!({"name": "Tumor", "colorRGB": -3670016}))
            .unwrap()
            .unwrap();
        assert_eq!(old.color(), Some([200, 0, 0]));
        let parts =
            PathClass::from_json(&json!({"names": ["Incomplete", "1+"], "color": [0, 0, 0]}))
                .unwrap()
                .unwrap();
        assert_eq!(parts.intensity(), Some(Intensity::OnePlus));
        assert_eq!(PathClass::from_json(&Value::Null).unwrap(), None);
        assert!(PathClass::from_json(&json!(3)).is_err());
        assert!(PathClass::from_json(&json!({"colour": [1, 2, 3]})).is_err());
    }
}
