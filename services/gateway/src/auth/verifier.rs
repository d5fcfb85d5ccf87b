use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::claims::Claims;
use super::key::SigningKey;
use crate::config::AuthSettings;

/// Seconds of clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

/// Why a bearer token was refused. Every variant is a 401 `UNAUTHENTICATED`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token is not signed with HS256")]
    Algorithm,
    #[error("the token's key id is unknown")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    Issuer,
    #[error("the token is meant for another audience")]
    Audience,
    #[error("the token's claims are invalid: {0}")]
    Claims(String),
}

/// Checks bearer tokens against one signing key, issuer and audience.
#[derive(Clone)]
pub struct TokenVerifier {
    kid: String,
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(key: &SigningKey, auth: &AuthSettings) -> TokenVerifier {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[auth.issuer.as_str()]);
        validation.set_audience(&[auth.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        TokenVerifier {
            kid: key.kid().to_owned(),
            key: DecodingKey::from_secret(key.secret()),
            validation,
        }
    }

    /// The verified claims of `token`: alg HS256 only, known `kid`, valid
    /// signature, `iss`, `aud`, `exp` and `nbf` all checked.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Algorithm);
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(TokenError::UnknownKey);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|error| match error.into_kind() {
                ErrorKind::InvalidSignature => TokenError::Signature,
                ErrorKind::InvalidAlgorithm => TokenError::Algorithm,
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::InvalidIssuer => TokenError::Issuer,
                ErrorKind::InvalidAudience => TokenError::Audience,
                ErrorKind::MissingRequiredClaim(claim) => {
                    TokenError::Claims(format!("{claim} is missing"))
                }
                ErrorKind::Json(error) => {
                    tracing::info!(detail = %error, "bearer token claims unreadable");
                    TokenError::Claims(claims_problem(&error.to_string()))
                }
                _ => TokenError::Malformed,
            })?
            .claims;
        if claims.merchant.is_some() && claims.role != golmok_runtime::Role::Merchant {
            return Err(TokenError::Claims(
                "only a merchant token names a merchant".to_owned(),
            ));
        }
        Ok(claims)
    }
}

/// What is wrong with a token's claims, from serde's account of it, in the
/// claims' own names (`exp`, `role`) and without serde's positions.
fn claims_problem(detail: &str) -> String {
    let named = detail.split('`').nth(1);
    match named {
        Some(claim) if detail.starts_with("missing field") => format!("{claim} is missing"),
        Some(_) if detail.starts_with("unknown variant") => {
            "role is not one of the roles Golmok issues".to_owned()
        }
        _ => "they are not the claims Golmok issues".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use golmok_runtime::Role;
    use jsonwebtoken::{EncodingKey, Header};
    use uuid::Uuid;

    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        key: SigningKey,
        auth: AuthSettings,
        verifier: TokenVerifier,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let auth = AuthSettings {
            signing_key_file: dir.path().join("jwt.key"),
            ..AuthSettings::default()
        };
        let key = SigningKey::load_or_create(&auth.signing_key_file).unwrap();
        let verifier = TokenVerifier::new(&key, &auth);
        Fixture {
            _dir: dir,
            key,
            auth,
            verifier,
        }
    }

    fn claims(f: &Fixture) -> Claims {
        Claims::new(
            "u-1",
            Role::Merchant,
            Some(Uuid::now_v7()),
            Duration::from_secs(600),
            &f.auth,
        )
    }

    fn sign_with(f: &Fixture, header: Header, claims: &impl serde::Serialize) -> String {
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(f.key.secret())).unwrap()
    }

    fn header_with_kid(f: &Fixture) -> Header {
        Header {
            kid: Some(f.key.kid().to_owned()),
            ..Header::new(Algorithm::HS256)
        }
    }

    #[test]
    fn a_minted_token_verifies_to_its_claims() {
        let f = fixture();
        let claims = claims(&f);
        assert_eq!(f.verifier.verify(&f.key.mint(&claims)), Ok(claims));
    }

    #[test]
    fn alg_none_is_refused() {
        let f = fixture();
        let header = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#,
            f.key.kid()
        ));
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&f)).unwrap());
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
        ] {
            assert_eq!(
                f.verifier.verify(&token),
                Err(TokenError::Malformed),
                "{token}"
            );
        }
    }

    #[test]
    fn another_hmac_algorithm_is_refused() {
        let f = fixture();
        let header = Header {
            kid: Some(f.key.kid().to_owned()),
            ..Header::new(Algorithm::HS512)
        };
        assert_eq!(
            f.verifier.verify(&sign_with(&f, header, &claims(&f))),
            Err(TokenError::Algorithm)
        );
    }

    #[test]
    fn a_token_from_another_key_is_refused() {
        let f = fixture();
        let other = fixture();
        // Same kid as ours, so only the signature can give it away.
        let token = jsonwebtoken::encode(
            &header_with_kid(&f),
            &claims(&f),
            &EncodingKey::from_secret(other.key.secret()),
        )
        .unwrap();
        assert_eq!(f.verifier.verify(&token), Err(TokenError::Signature));
        assert_eq!(
            f.verifier.verify(&other.key.mint(&claims(&f))),
            Err(TokenError::UnknownKey)
        );
    }

    #[test]
    fn a_missing_kid_is_refused() {
        let f = fixture();
        let token = sign_with(&f, Header::new(Algorithm::HS256), &claims(&f));
        assert_eq!(f.verifier.verify(&token), Err(TokenError::UnknownKey));
    }

    #[test]
    fn expiry_and_not_before_are_enforced() {
        let f = fixture();
        let now = jsonwebtoken::get_current_timestamp();
        let expired = Claims {
            exp: now - 3600,
            iat: now - 7200,
            nbf: Some(now - 7200),
            ..claims(&f)
        };
        assert_eq!(
            f.verifier.verify(&f.key.mint(&expired)),
            Err(TokenError::Expired)
        );
        let future = Claims {
            nbf: Some(now + 3600),
            ..claims(&f)
        };
        assert_eq!(
            f.verifier.verify(&f.key.mint(&future)),
            Err(TokenError::NotYetValid)
        );
        let within_skew = Claims {
            nbf: Some(now + 5),
            ..claims(&f)
        };
        assert!(f.verifier.verify(&f.key.mint(&within_skew)).is_ok());
    }

    #[test]
    fn issuer_and_audience_must_match() {
        let f = fixture();
        let issuer = Claims {
            iss: "someone-else".into(),
            ..claims(&f)
        };
        assert_eq!(
            f.verifier.verify(&f.key.mint(&issuer)),
            Err(TokenError::Issuer)
        );
        let audience = Claims {
            aud: "another-api".into(),
            ..claims(&f)
        };
        assert_eq!(
            f.verifier.verify(&f.key.mint(&audience)),
            Err(TokenError::Audience)
        );
    }

    #[test]
    fn a_tampered_payload_breaks_the_signature() {
        let f = fixture();
        let token = f.key.mint(&Claims::new(
            "u-1",
            Role::Citizen,
            None,
            Duration::from_secs(600),
            &f.auth,
        ));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        payload["role"] = "operator".into();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
        assert_eq!(
            f.verifier.verify(&parts.join(".")),
            Err(TokenError::Signature)
        );
    }

    #[test]
    fn claims_must_be_complete_and_consistent() {
        let f = fixture();
        let now = jsonwebtoken::get_current_timestamp();
        let no_expiry = serde_json::json!({
            "sub": "u", "role": "citizen", "iss": f.auth.issuer, "aud": f.auth.audience, "iat": now,
        });
        assert!(matches!(
            f.verifier
                .verify(&sign_with(&f, header_with_kid(&f), &no_expiry)),
            Err(TokenError::Claims(_))
        ));
        let unknown_role = serde_json::json!({
            "sub": "u", "role": "king", "iss": f.auth.issuer, "aud": f.auth.audience, "iat": now, "exp": now + 60,
        });
        assert!(matches!(
            f.verifier
                .verify(&sign_with(&f, header_with_kid(&f), &unknown_role)),
            Err(TokenError::Claims(_))
        ));
        let scoped_citizen = Claims {
            role: Role::Citizen,
            ..claims(&f)
        };
        assert!(matches!(
            f.verifier.verify(&f.key.mint(&scoped_citizen)),
            Err(TokenError::Claims(_))
        ));
    }

    #[test]
    fn garbage_is_malformed() {
        let f = fixture();
        for token in ["", "abc", "a.b.c", "....."] {
            assert_eq!(
                f.verifier.verify(token),
                Err(TokenError::Malformed),
                "{token:?}"
            );
        }
    }
}
