//! The page and scripts the viewer serves, embedded in the binary.
//!
//! `openseadragon.min.js` is OpenSeadragon 6.1.1 from the npm registry (`npm pack
//! openseadragon@6.1.1`, file `build/openseadragon/openseadragon.min.js`, sha256
//! `14d587cd3ee7c4861f1a41077ce642029364a21029956ba635bd8fb1202cf9ad`), unmodified, under the
//! BSD 3-clause licence in `assets/openseadragon-LICENSE.txt`.

/// The viewer page.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");
/// The page's script: builds the viewer and its layers from `/info.json`.
pub const VIEWER_JS: &str = include_str!("../assets/viewer.js");
/// The page's style sheet.
pub const VIEWER_CSS: &str = include_str!("../assets/viewer.css");
/// OpenSeadragon 6.1.1, minified.
pub const OPENSEADRAGON_JS: &str = include_str!("../assets/openseadragon.min.js");
/// OpenSeadragon's licence.
pub const OPENSEADRAGON_LICENSE: &str = include_str!("../assets/openseadragon-LICENSE.txt");
