//! The cluster's certificates, generated at start: a CA, and a server
//! certificate it signs for `127.0.0.1` and `localhost`. Clients trust the CA
//! through the kubeconfig's `certificate-authority-data`, so no
//! `insecure-skip-tls-verify` is needed.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Why the certificates or the TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Key or certificate generation failed.
    #[error("generating the cluster certificates: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("configuring TLS: {0}")]
    Configure(#[from] rustls::Error),
}

/// The CA and the server identity of one cluster.
#[derive(Debug)]
pub struct ClusterCertificates {
    /// The CA certificate, PEM (for the kubeconfig).
    pub ca_pem: String,
    /// The server certificate, DER.
    server_certificate: CertificateDer<'static>,
    /// The server key, PKCS#8 DER.
    server_key: PrivatePkcs8KeyDer<'static>,
}

impl ClusterCertificates {
    /// A fresh CA and a server certificate for `127.0.0.1` and `localhost`.
    pub fn generate(cluster_name: &str) -> Result<Self, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("kubeop-sim-ca-{cluster_name}"));
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_certificate = ca_params.self_signed(&ca_key)?;

        let server_key = KeyPair::generate()?;
        let mut server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let issuer = Issuer::new(ca_params, ca_key);
        let server_certificate = server_params.signed_by(&server_key, &issuer)?;

        Ok(Self {
            ca_pem: ca_certificate.pem(),
            server_certificate: server_certificate.der().clone(),
            server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        })
    }

    /// A TLS acceptor serving the server certificate (HTTP/1.1 only).
    pub fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![self.server_certificate.clone()],
                PrivateKeyDer::Pkcs8(self.server_key.clone_key()),
            )?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_and_acceptor_are_made() {
        let certificates = ClusterCertificates::generate("test").expect("generated");
        assert!(
            certificates
                .ca_pem
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert!(certificates.acceptor().is_ok());
    }
}
