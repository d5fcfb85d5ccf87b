/// Why a text input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Blank,
    TooLong { max: usize },
}

impl TextProblem {
    pub fn code(self) -> &'static str {
        match self {
            TextProblem::Blank => "FIELD_REQUIRED",
            TextProblem::TooLong { .. } => "FIELD_TOO_LONG",
        }
    }
}

impl std::fmt::Display for TextProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextProblem::Blank => f.write_str("must not be blank"),
            TextProblem::TooLong { max } => write!(f, "must be at most {max} characters"),
        }
    }
}

/// The trimmed text, refused when blank or longer than `max` characters.
pub(crate) fn required(value: &str, max: usize) -> Result<String, TextProblem> {
    let text = optional(value, max)?;
    if text.is_empty() {
        return Err(TextProblem::Blank);
    }
    Ok(text)
}

/// The trimmed text, which may be empty, refused when longer than `max` characters.
pub(crate) fn optional(value: &str, max: usize) -> Result<String, TextProblem> {
    let text = value.trim();
    if text.chars().count() > max {
        return Err(TextProblem::TooLong { max });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("  골목  ", 5), Ok("골목".to_owned()));
        assert_eq!(required("   ", 5), Err(TextProblem::Blank));
        assert_eq!(
            required("가나다라마바", 5),
            Err(TextProblem::TooLong { max: 5 })
        );
        assert_eq!(optional("", 5), Ok(String::new()));
    }
}
