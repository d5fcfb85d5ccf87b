/// A 사업자등록번호 (business registration number) whose check digit is valid,
/// kept in the normalized `123-45-67890` form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusinessNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BusinessNumberError {
    #[error("a business registration number is 10 digits, written 1234567890 or 123-45-67890")]
    Malformed,
    #[error("the check digit of the business registration number does not match")]
    ChecksumMismatch,
    #[error(
        "a business registration number never repeats one digit ten times, as 000-00-00000 does"
    )]
    NotIssued,
}

impl BusinessNumberError {
    pub fn code(self) -> &'static str {
        match self {
            BusinessNumberError::Malformed => "BUSINESS_NUMBER_MALFORMED",
            BusinessNumberError::ChecksumMismatch => "BUSINESS_NUMBER_CHECKSUM_MISMATCH",
            BusinessNumberError::NotIssued => "BUSINESS_NUMBER_MALFORMED",
        }
    }
}

/// Weights of the first nine digits in the National Tax Service checksum.
const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];

/// The check digit (10th digit) that the first nine digits require.
pub fn check_digit(first_nine: [u32; 9]) -> u32 {
    let mut sum: u32 = first_nine.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    sum += first_nine[8] * 5 / 10;
    (10 - sum % 10) % 10
}

impl BusinessNumber {
    /// Accepts `1234567890` or `123-45-67890` (surrounding spaces ignored),
    /// refusing the placeholders that pass the checksum (`000-00-00000`).
    pub fn parse(raw: &str) -> Result<Self, BusinessNumberError> {
        let number = Self::stored(raw)?;
        // 000-00-00000, 444-44-44444 and 888-88-88888 pass the checksum but
        // are placeholders, never issued.
        let digits = number.digits();
        if digits.chars().all(|c| digits.starts_with(c)) {
            return Err(BusinessNumberError::NotIssued);
        }
        Ok(number)
    }

    /// A number read back from the log or a read model: checked only for
    /// its form and check digit, so that a number recorded before a newer
    /// rule still reads.
    pub fn stored(raw: &str) -> Result<Self, BusinessNumberError> {
        let chars: Vec<char> = raw.trim().chars().collect();
        let digits: Vec<char> = match chars.len() {
            10 => chars,
            12 if chars[3] == '-' && chars[6] == '-' => {
                chars.into_iter().filter(|c| *c != '-').collect()
            }
            _ => return Err(BusinessNumberError::Malformed),
        };
        let values: Vec<u32> = digits
            .iter()
            .map(|c| c.to_digit(10).filter(|_| c.is_ascii_digit()))
            .collect::<Option<_>>()
            .ok_or(BusinessNumberError::Malformed)?;
        let mut first_nine = [0; 9];
        first_nine.copy_from_slice(&values[..9]);
        if check_digit(first_nine) != values[9] {
            return Err(BusinessNumberError::ChecksumMismatch);
        }
        let d: String = digits.into_iter().collect();
        Ok(BusinessNumber(format!(
            "{}-{}-{}",
            &d[..3],
            &d[3..5],
            &d[5..]
        )))
    }

    /// The normalized `123-45-67890` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ten digits without dashes.
    pub fn digits(&self) -> String {
        self.0.replace('-', "")
    }
}

impl std::fmt::Display for BusinessNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
