//! The portal's connections: a listening backlog that holds a town's opening, a cap on
//! connections served at once, and a time limit on every wait for a request, so that no
//! client — idle, slow or hostile — can hold the server.
//!
//! Above the cap the portal still answers, quickly and on a connection of its own that is
//! closed afterwards: `/healthz` as usual (the supervisor must keep seeing a live portal),
//! any other address with the French « trop de connexions » page and `Retry-After`. Past
//! that second, smaller allowance, a connection is closed as soon as it is accepted.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpSocket},
    sync::{OwnedSemaphorePermit, Semaphore},
};
use tower::ServiceExt;

/// The descriptors kept for the database, the log, the mail and the files, beside the
/// connections.
const RESERVED_FILES: u64 = 256;
/// A connection above the cap gets this long to send its one request.
const OVERFLOW_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// Requests in flight when the portal is asked to stop get this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections served at the same time.
    pub max_connections: usize,
    /// How long a connection may take to send a request head, or stay idle between two.
    pub request_timeout: Duration,
    /// Connections the kernel queues before the portal accepts them.
    pub backlog: u32,
}

/// Raises the open-file limit to what the system allows, and lowers the connection cap if
/// that is still too few: one connection is one file.
pub fn fit_to_file_limit(limits: ConnectionLimits) -> ConnectionLimits {
    let wanted = limits.max_connections as u64 * 2 + RESERVED_FILES;
    let files = match rlimit::increase_nofile_limit(wanted) {
        Ok(files) => files,
        Err(error) => {
            tracing::warn!(%error, "the open-file limit could not be read or raised");
            return limits;
        }
    };
    // An overflow allowance, a listening socket and the reserve must fit beside the cap.
    let fitting = (files.saturating_sub(RESERVED_FILES) * 8 / 9) as usize;
    if fitting < limits.max_connections {
        tracing::warn!(
            files,
            cap = fitting,
            wanted = limits.max_connections,
            "open-file limit too low: fewer connections served at once"
        );
    }
    ConnectionLimits {
        max_connections: limits.max_connections.min(fitting).max(1),
        ..limits
    }
}

/// Binds with the configured backlog (the kernel may hold fewer: `net.core.somaxconn`).
pub fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Serves `app` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let served = Arc::new(Semaphore::new(limits.max_connections));
    let overflow = Arc::new(Semaphore::new((limits.max_connections / 8).max(8)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, mostly: wait a little rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (permit, over_cap) = match served.clone().try_acquire_owned() {
            Ok(permit) => (permit, false),
            Err(_) => match overflow.clone().try_acquire_owned() {
                Ok(permit) => (permit, true),
                Err(_) => {
                    tracing::warn!(%peer, "connection refused: too many open connections");
                    drop(stream);
                    continue;
                }
            },
        };
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new());
        if over_cap {
            builder
                .keep_alive(false)
                .header_read_timeout(OVERFLOW_REQUEST_TIMEOUT);
        } else {
            builder.header_read_timeout(limits.request_timeout);
        }
        let connection_app = app.clone();
        // The router for this connection, told its peer's address (the login throttling needs it).
        let service = TowerToHyperService::new(tower::service_fn(
            move |request: hyper::Request<Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                let app = connection_app.clone();
                async move {
                    if over_cap && request.uri().path() != "/healthz" {
                        return Ok::<_, Infallible>(ribambelle_web::too_many_connections());
                    }
                    app.oneshot(request).await
                }
            },
        ));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(hold(permit, connection));
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => tracing::warn!("requests still running after the grace period were cut"),
    }
}

/// Keeps the connection's place until the connection ends.
async fn hold(place: OwnedSemaphorePermit, connection: impl Future<Output = hyper::Result<()>>) {
    if let Err(error) = connection.await {
        tracing::debug!(%error, "connection ended");
    }
    drop(place);
}
