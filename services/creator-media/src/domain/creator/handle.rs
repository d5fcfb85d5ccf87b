/// A creator's handle: `@` optional on input, lower case ASCII letters,
/// digits, `_` and `.`, 3 to 30 characters, starting with a letter or digit,
/// no `..`. Handles differ only by case are the same handle.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a handle is 3 to 30 letters, digits, '_' or '.', starting with a letter or digit, without '..'"
)]
pub struct HandleMalformed;

impl HandleMalformed {
    pub fn code(self) -> &'static str {
        "HANDLE_MALFORMED"
    }
}

const MIN: usize = 3;
const MAX: usize = 30;

impl Handle {
    pub fn parse(raw: &str) -> Result<Handle, HandleMalformed> {
        let text = raw.trim();
        let text = text.strip_prefix('@').unwrap_or(text).to_ascii_lowercase();
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.';
        let first_ok = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if (MIN..=MAX).contains(&text.len())
            && text.chars().all(allowed)
            && first_ok
            && !text.contains("..")
        {
            Ok(Handle(text))
        } else {
            Err(HandleMalformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
