//! Serving an emulator's router on 127.0.0.1 over HTTP, or HTTPS with a fresh self-signed certificate.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How to listen.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Serve HTTPS with a self-signed certificate for `localhost` and `127.0.0.1`.
    pub tls: bool,
}

/// A running server. Dropping it stops the server.
pub struct ServerHandle {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The self-signed certificate in PEM form, when serving HTTPS: give it to the client to trust.
    pub certificate_pem: Option<String>,
    stop: watch::Sender<bool>,
}

impl ServerHandle {
    /// The base URL, `http://127.0.0.1:PORT` or `https://localhost:PORT`.
    pub fn url(&self) -> String {
        match self.certificate_pem {
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://127.0.0.1:{}", self.addr.port()),
        }
    }

    /// Stops accepting connections and closes the open ones.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts serving `router` on 127.0.0.1 and returns once the socket is bound.
pub async fn serve(router: Router, options: ServeOptions) -> std::io::Result<ServerHandle> {
    let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let (acceptor, certificate_pem) = if options.tls {
        let (acceptor, pem) = self_signed_acceptor()?;
        (Some(acceptor), Some(pem))
    } else {
        (None, None)
    };
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stopped.changed() => break,
            };
            let Ok((stream, _)) = accepted else { continue };
            let service = TowerToHyperService::new(router.clone());
            let acceptor = acceptor.clone();
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let builder = Builder::new(TokioExecutor::new());
                let result = match acceptor {
                    Some(acceptor) => match acceptor.accept(stream).await {
                        Ok(tls) => {
                            let connection = builder.serve_connection(TokioIo::new(tls), service);
                            tokio::select! { r = connection => r, _ = stopped.changed() => Ok(()) }
                        }
                        Err(_) => Ok(()),
                    },
                    None => {
                        let connection = builder.serve_connection(TokioIo::new(stream), service);
                        tokio::select! { r = connection => r, _ = stopped.changed() => Ok(()) }
                    }
                };
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
            });
        }
    });
    Ok(ServerHandle { addr, certificate_pem, stop })
}

fn self_signed_acceptor() -> std::io::Result<(tokio_rustls::TlsAcceptor, String)> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(std::io::Error::other)?;
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(std::io::Error::other)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem))
}
