//! `her2 view SLIDE [--results DIR]`: a local deep-zoom viewer of the slide with its results.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use her2_view::{Viewer, ViewerOptions};

/// Arguments of `her2 view`.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// Slide or image file.
    pub slide: PathBuf,
    /// The output folder of `her2 score` for this slide: its tissue pieces, heatmap, patches
    /// and cells become layers.
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on. The default, 127.0.0.1, is reachable from this machine only;
    /// any other address (e.g. 0.0.0.0) exposes the slide to the network, with a warning.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
}

/// Runs `her2 view` until Ctrl-C.
pub fn run(args: ViewArgs) -> anyhow::Result<()> {
    let viewer = Viewer::open(
        &args.slide,
        args.results.as_deref(),
        ViewerOptions::default(),
    )?;
    let viewer = Arc::new(viewer);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(args.bind, args.port);
        if let Some(warning) = her2_view::bind_warning(&addr) {
            eprintln!("her2 view: {warning}");
        }
        let listener = her2_view::listen(addr).await?;
        let local = listener.local_addr()?;
        let host = if local.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            local.ip()
        };
        let info = viewer.info();
        println!(
            "her2 view: {} ({} x {} px{}) at http://{} (Ctrl-C to stop)",
            args.slide.display(),
            info.width,
            info.height,
            match &info.summary {
                Some(s) => format!(", HER2 {}, {} cells", s.score, info.cells),
                None => String::new(),
            },
            SocketAddr::new(host, local.port())
        );
        her2_view::serve(viewer, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
    })
}
