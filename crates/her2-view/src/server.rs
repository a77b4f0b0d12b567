//! Listening: the address check and the server loop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::error::{Result, ViewError};
use crate::viewer::Viewer;

/// The warning to print when `addr` is reachable from other machines (not a loopback
/// address), or `None` for a local-only address.
pub fn bind_warning(addr: &SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "warning: listening on {addr}, reachable from other machines: anyone who can reach \
             this address can see the slide and its results (there is no login)"
        )
    })
}

/// Listens on `addr`; the bound address (with the real port when `addr` asked for port 0).
pub async fn listen(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ViewError::Bind { addr, source })
}

/// Serves `viewer` on `listener` until `shutdown` completes.
pub async fn serve(
    viewer: Arc<Viewer>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, viewer.router())
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_non_loopback_addresses_warn() {
        let local: SocketAddr = "127.0.0.1:8000".parse().expect("addr");
        let v6: SocketAddr = "[::1]:8000".parse().expect("addr");
        let any: SocketAddr = "0.0.0.0:8000".parse().expect("addr");
        assert!(bind_warning(&local).is_none());
        assert!(bind_warning(&v6).is_none());
        assert!(bind_warning(&any).is_some_and(|w| w.contains("0.0.0.0:8000")));
    }
}
