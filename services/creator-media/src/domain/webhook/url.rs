/// Why a webhook URL was refused (`WEBHOOK_URL_INVALID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a webhook URL is https://, or http:// to 127.0.0.1, [::1] or localhost only, at most 2,000 characters, without credentials"
)]
pub struct UrlInvalid;

/// The longest URL accepted.
const MAX_LEN: usize = 2000;

/// The URL trimmed, when an endpoint may be registered at it: `https://`
/// with a host, or `http://` to the loopback address (`127.0.0.1`, `[::1]`,
/// `localhost`) for receivers on the same machine; no user information, no
/// white space or control characters.
pub fn check_url(url: &str) -> Result<String, UrlInvalid> {
    let url = url.trim();
    if url.len() > MAX_LEN || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlInvalid);
    }
    let lower = url.to_ascii_lowercase();
    let (rest, loopback_only) = if let Some(rest) = lower.strip_prefix("https://") {
        (rest, false)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (rest, true)
    } else {
        return Err(UrlInvalid);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlInvalid);
    }
    let host = host_of(authority).ok_or(UrlInvalid)?;
    if loopback_only && !matches!(host, "127.0.0.1" | "[::1]" | "localhost") {
        return Err(UrlInvalid);
    }
    Ok(url.to_owned())
}

/// The host of `host[:port]` (a bracketed IPv6 literal kept whole); `None`
/// when the host is empty or the port is not a number from 1 to 65535.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        (host, rest.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let valid_port = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    (valid_host && valid_port).then_some(host)
}
