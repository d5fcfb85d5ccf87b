/// What a piece of text input may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The most characters, after trimming.
    pub max: usize,
}

/// Why an input was refused: a stable code and the sentence partners read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Blank,
    TooLong { max: usize },
    ControlCharacter,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Blank => "FIELD_REQUIRED",
            Refusal::TooLong { .. } => "FIELD_TOO_LONG",
            Refusal::ControlCharacter => "INVALID_TEXT",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Blank => f.write_str("is required"),
            Refusal::TooLong { max } => write!(f, "is longer than {max} characters"),
            Refusal::ControlCharacter => f.write_str("holds a control character"),
        }
    }
}

impl TextRule {
    /// The trimmed one-line text: not blank, at most `max` characters, no
    /// control character.
    pub fn check(self, value: &str) -> Result<String, Refusal> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            Err(Refusal::Blank)
        } else if trimmed.chars().any(char::is_control) {
            Err(Refusal::ControlCharacter)
        } else if trimmed.chars().count() > self.max {
            Err(Refusal::TooLong { max: self.max })
        } else {
            Ok(trimmed.to_owned())
        }
    }
}
