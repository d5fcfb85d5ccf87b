//! What the HTTP edge tells operators.

/// A GraphQL error answered to a caller, counted by its code in
/// `golmok_graphql_errors_total{code}`. Codes are the gateway's own stable
/// set; anything else (which would be a bug) is counted as `OTHER`, so a
/// label can never carry caller input.
pub(crate) struct GraphqlErrorAnswered<'a> {
    pub(crate) code: Option<&'a str>,
}

impl GraphqlErrorAnswered<'_> {
    pub(crate) fn emit(&self) {
        let code = match self.code {
            Some(code) if is_code(code) => code.to_owned(),
            Some(_) => "OTHER".to_owned(),
            None => "NONE".to_owned(),
        };
        metrics::counter!("golmok_graphql_errors_total", "code" => code).increment(1);
    }
}

/// SCREAMING_SNAKE, at most 48 characters.
fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 48
        && code
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_codes_become_labels() {
        assert!(is_code("QUERY_TOO_COMPLEX"));
        assert!(!is_code("query too complex"));
        assert!(!is_code(""));
        assert!(!is_code(&"A".repeat(49)));
    }
}
