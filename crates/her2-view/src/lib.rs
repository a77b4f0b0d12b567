//! her2-view: a local deep-zoom web viewer of a whole-slide image with her2's results on it.
//!
//! [`Viewer`] opens a slide (any file [`wsi_io`] reads) and, optionally, the output folder of
//! `her2 score`; its [`router`](Viewer::router) serves an OpenSeadragon page (embedded in the
//! binary, no network needed), the slide as Deep Zoom tiles read from the slide on demand
//! (`/slide.dzi`, `/slide_files/LEVEL/COL_ROW.jpeg`, as OpenSlide's deepzoom example), and the
//! results as layers a person switches on and off: tissue pieces (the control marked), the
//! tumour heatmap, analysed patches tinted by score, and every cell outlined in its class
//! colour, rasterised per tile at the zoom shown ([`layers`]) so that a million cells stay
//! fluid. `/cells/at?x=&y=` answers a click with the cell's measurements.
//!
//! Only fixed routes exist, so nothing but the named slide and results is ever read;
//! malformed requests get 400, tiles out of range 404, and nothing a request holds can panic
//! the server. [`listen`] binds where it is told; [`bind_warning`] says when that address is
//! reachable from other machines (the `her2 view` command binds 127.0.0.1 unless asked).
//!
//! ```
//! use std::sync::Arc;
//! use her2_view::{Viewer, ViewerOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A 600 x 400 image stands in for a slide.
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("slide.png");
//! image::RgbImage::from_pixel(600, 400, image::Rgb([230, 200, 210])).save(&path)?;
//!
//! let viewer = Arc::new(Viewer::open(&path, None, ViewerOptions::default())?);
//! let zoom = viewer.tiles().zoom();
//! // 600 -> 300 -> ... -> 1: ten halvings, eleven levels; the last is full resolution.
//! assert_eq!(zoom.level_count(), 11);
//! assert_eq!(zoom.tiles(10), Some((3, 2)));
//! let tile = viewer.tiles().render(10, 2, 1)?;
//! assert_eq!(tile.dimensions(), (600 - 512, 400 - 256));
//! assert!(zoom.tile(10, 3, 0).is_none(), "out of range");
//!
//! // To serve it (inside a tokio runtime):
//! // let listener = her2_view::listen("127.0.0.1:8000".parse()?).await?;
//! // her2_view::serve(viewer.clone(), listener, std::future::pending()).await?;
//! let _router = viewer.router();
//! # Ok(())
//! # }
//! ```

pub mod assets;
pub mod deepzoom;
pub mod error;
pub mod layers;
pub mod results;
mod routes;
pub mod server;
pub mod stats;
pub mod viewer;

pub use deepzoom::{DeepZoom, TileRegion, TileSource};
pub use error::{Result, ViewError};
pub use results::Results;
pub use server::{bind_warning, listen, serve};
pub use stats::Stats;
pub use viewer::{Info, Viewer, ViewerOptions};
