//! Who is calling: HS256 bearer tokens signed with a key kept in a file.

mod claims;
mod key;
mod verifier;

pub use claims::Claims;
pub use key::{AuthError, SigningKey};
pub use verifier::{TokenError, TokenVerifier};
