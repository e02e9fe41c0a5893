//! Subject identifiers and the pseudonymous keys the ledger knows subjects by (SEC-4).
//!
//! An identifier is normalised first, so that `Jan@Uni.NL ` and `jan@uni.nl`, or
//! `06-12345678` and `+31 6 1234 5678`, are one subject. The ledger stores only
//! `HMAC-SHA256(secret, "kind:normalised")`: without the secret a key cannot be recomputed
//! from a guessed identifier, and with it the ledger can still answer for any identifier it is
//! asked about. The secret lives in the server's configuration; the domain never reads it.
//!
//! Phone numbers are normalised by hand rather than with the `phonenumber` crate (a port of
//! libphonenumber): that crate weighs 13 MB, parses with regular expressions at tens of
//! microseconds a number, and depends on the unmaintained `bincode` 1. Audience filtering
//! normalises a million numbers in under three seconds, and the ledger needs only a canonical
//! E.164 form, not a numbering-plan validation of every country: Dutch numbers are checked
//! exactly, others by the E.164 rules (a country code not starting with 0, 7 to 15 digits).

use super::terms::IdentifierKind;
use crate::vocab::Term;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// A normalised identifier of a data subject. It is personal data: it exists only while a
/// request is handled, to compute the [`SubjectKey`], and is never stored by the ledger.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SubjectId {
    kind: IdentifierKind,
    normalised: String,
}

/// Why an identifier could not be normalised. The message repeats the value, because it goes
/// back to whoever sent it; it must not be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {what} \"{value}\": {expected}")]
pub struct IdentifierError {
    pub kind: IdentifierKind,
    /// The value as given (trimmed, at most 100 characters).
    pub value: String,
    what: &'static str,
    expected: &'static str,
}

impl IdentifierError {
    fn new(kind: IdentifierKind, raw: &str, expected: &'static str) -> Self {
        let what = match kind {
            IdentifierKind::Email => "e-mail address",
            IdentifierKind::Phone => "phone number",
            IdentifierKind::StudentNumber => "student number",
            IdentifierKind::StaffNumber => "staff number",
        };
        IdentifierError {
            kind,
            value: raw.trim().chars().take(100).collect(),
            what,
            expected,
        }
    }

    /// The stable code for a `FieldError`.
    pub fn code(&self) -> &'static str {
        "invalid_format"
    }
}

const EMAIL_EXPECTED: &str = "expected local@domain";
const PHONE_EXPECTED: &str = "expected a Dutch number (06 12345678, 020 1234567) or an international number starting with + or 00 (+32 2 123 45 67)";
const NUMBER_EXPECTED: &str =
    "expected at most three letters followed by 4 to 12 digits, such as s1234567 or 123456";

impl SubjectId {
    /// Normalises an identifier of the given kind:
    ///
    /// - `email`: trimmed and lower-cased; one `@` with a non-empty local part (at most 64
    ///   characters) and a domain of at least two non-empty labels; no spaces; at most 254
    ///   characters. Internationalised domains are lower-cased, not converted to IDNA.
    /// - `phone`: E.164 (`+31612345678`). Spaces, `-`, `.`, `/` and parentheses are ignored,
    ///   as is the trunk prefix written `(0)`. A number starting with `+` or `00` is
    ///   international; one starting with a single `0` is Dutch (default region NL) and must
    ///   have ten digits. A Dutch number has 9 digits after `+31` (a `0` written after `+31` is
    ///   dropped). Other countries: 7 to 15 digits, not starting with 0.
    /// - `student_number`, `staff_number`: trimmed and lower-cased; at most three letters
    ///   followed by 4 to 12 digits (`s1234567`, `p123456`, `1234567`).
    pub fn parse(kind: IdentifierKind, raw: &str) -> Result<SubjectId, IdentifierError> {
        let normalised = match kind {
            IdentifierKind::Email => normalise_email(raw),
            IdentifierKind::Phone => normalise_phone(raw),
            IdentifierKind::StudentNumber | IdentifierKind::StaffNumber => normalise_number(raw),
        }
        .ok_or_else(|| {
            let expected = match kind {
                IdentifierKind::Email => EMAIL_EXPECTED,
                IdentifierKind::Phone => PHONE_EXPECTED,
                _ => NUMBER_EXPECTED,
            };
            IdentifierError::new(kind, raw, expected)
        })?;
        Ok(SubjectId { kind, normalised })
    }

    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// The normalised form, e.g. `jan@uni.nl` or `+31612345678`.
    pub fn as_str(&self) -> &str {
        &self.normalised
    }
}

/// Only the kind is shown: the identifier itself must not end up in logs.
impl fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectId({}, ..)", self.kind.machine_name())
    }
}

fn normalise_email(raw: &str) -> Option<String> {
    let s = raw.trim().to_lowercase();
    if s.chars().count() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    if local.is_empty() || local.chars().count() > 64 || domain.contains('@') {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && !l.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\'])
        });
    domain_ok.then_some(s)
}

fn normalise_phone(raw: &str) -> Option<String> {
    let s = raw.trim().replace("(0)", "");
    let mut digits = String::with_capacity(16);
    let mut plus = false;
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' | '\t' => {}
            _ => return None,
        }
    }
    let international = if plus {
        digits.as_str()
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest
    } else if let Some(rest) = digits.strip_prefix('0') {
        return (rest.len() == 9 && !rest.starts_with('0')).then(|| format!("+31{rest}"));
    } else {
        return None;
    };
    if let Some(rest) = international.strip_prefix("31") {
        let rest = match rest.strip_prefix('0') {
            Some(r) if rest.len() == 10 => r,
            _ => rest,
        };
        return (rest.len() == 9 && !rest.starts_with('0')).then(|| format!("+31{rest}"));
    }
    let ok = (7..=15).contains(&international.len()) && !international.starts_with('0');
    ok.then(|| format!("+{international}"))
}

fn normalise_number(raw: &str) -> Option<String> {
    let s = raw.trim().to_ascii_lowercase();
    let letters = s.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = &s[letters..];
    let ok = letters <= 3
        && (4..=12).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(s)
}

/// The pseudonymous key of a subject: HMAC-SHA256 of `kind:normalised` under the server's
/// secret. Written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectKey([u8; 32]);

impl SubjectKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SubjectKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        // `hex::encode` goes a character at a time; the ledger writes millions of keys.
        let mut digits = [0u8; 64];
        hex::encode_to_slice(self.0, &mut digits).expect("64 digits for 32 bytes");
        String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(s: &str) -> Option<SubjectKey> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(SubjectKey(out))
    }
}

impl fmt::Display for SubjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SubjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubjectKey({})", self.to_hex())
    }
}

impl serde::Serialize for SubjectKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for SubjectKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        SubjectKey::from_hex(&s).ok_or_else(|| {
            serde::de::Error::custom("expected a subject key of 64 hexadecimal digits")
        })
    }
}

impl schemars::JsonSchema for SubjectKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SubjectKey".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-fA-F]{64}$",
            "description": "HMAC-SHA256 of the subject's normalised identifier, in hex"
        })
    }
}

/// The shortest secret [`PseudonymKey::new`] accepts, in bytes (the HMAC-SHA256 output size).
pub const MIN_SECRET_LEN: usize = 32;

/// The server's secret for subject keys, with the HMAC state already keyed, so each key costs
/// two SHA-256 blocks. `Debug` does not show it.
#[derive(Clone)]
pub struct PseudonymKey(Hmac<Sha256>);

/// A secret that is too short to key the ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the secret for subject keys has {0} bytes; at least {MIN_SECRET_LEN} are needed")]
pub struct KeyError(pub usize);

impl PseudonymKey {
    /// Keys the HMAC with `secret` (random bytes from the configuration, at least
    /// [`MIN_SECRET_LEN`] of them).
    pub fn new(secret: &[u8]) -> Result<PseudonymKey, KeyError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError(secret.len()));
        }
        let mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
        Ok(PseudonymKey(mac))
    }

    /// The subject key of a normalised identifier.
    pub fn subject_key(&self, id: &SubjectId) -> SubjectKey {
        let mut mac = self.0.clone();
        mac.update(id.kind.machine_name().as_bytes());
        mac.update(b":");
        mac.update(id.normalised.as_bytes());
        SubjectKey(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IdentifierKind::*;

    fn norm(kind: IdentifierKind, raw: &str) -> Result<String, String> {
        SubjectId::parse(kind, raw)
            .map(|id| id.as_str().to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn email_addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            norm(Email, "  Jan.Jansen@Uni.NL "),
            Ok("jan.jansen@uni.nl".into())
        );
        assert_eq!(
            norm(Email, "a+tag@sub.uni.nl"),
            Ok("a+tag@sub.uni.nl".into())
        );
        assert_eq!(
            norm(Email, "x"),
            Err("malformed e-mail address \"x\": expected local@domain".into())
        );
        for bad in [
            "",
            "@uni.nl",
            "jan@",
            "jan@uni",
            "jan@@uni.nl",
            "jan@uni..nl",
            "jan@.uni.nl",
            "jan jansen@uni.nl",
            "jan@uni.nl.",
            "jan@-uni.nl",
            "a@b@uni.nl",
        ] {
            assert!(norm(Email, bad).is_err(), "{bad:?} was accepted");
        }
        let long_local = format!("{}@uni.nl", "a".repeat(65));
        assert!(norm(Email, &long_local).is_err());
    }

    #[test]
    fn phone_numbers_become_e164_with_default_region_nl() {
        for (raw, want) in [
            ("06-12345678", "+31612345678"),
            ("06 1234 5678", "+31612345678"),
            ("+31 6 12345678", "+31612345678"),
            ("+31 (0)6 12345678", "+31612345678"),
            ("0031 6 12345678", "+31612345678"),
            ("+310612345678", "+31612345678"),
            ("(020) 525 9111", "+31205259111"),
            ("020-5259111", "+31205259111"),
            ("+32 2 123 45 67", "+3221234567"),
            ("0049 30 1234567", "+49301234567"),
            ("+1 (415) 555-0100", "+14155550100"),
            ("+44 (0)20 7946 0958", "+442079460958"),
        ] {
            assert_eq!(norm(Phone, raw), Ok(want.to_string()), "{raw}");
        }
        for bad in [
            "",
            "12345678",     // no 0, + or 00: which country?
            "0612345",      // too short for NL
            "061234567890", // too long for NL
            "+31 6 1234",   // too short after +31
            "+0 123456789",
            "+1234",
            "+1234567890123456", // 16 digits
            "06 1234 567x",
            "06+12345678",
            "tel:0612345678",
        ] {
            assert!(norm(Phone, bad).is_err(), "{bad:?} was accepted");
        }
        assert!(norm(Phone, "abc")
            .unwrap_err()
            .starts_with("malformed phone number \"abc\": expected a Dutch number"));
    }

    #[test]
    fn student_and_staff_numbers_follow_the_documented_pattern() {
        assert_eq!(norm(StudentNumber, " S1234567 "), Ok("s1234567".into()));
        assert_eq!(norm(StudentNumber, "1234567"), Ok("1234567".into()));
        assert_eq!(norm(StaffNumber, "P123456"), Ok("p123456".into()));
        for bad in [
            "",
            "s123",
            "abcd1234",
            "12 34 56",
            "s1234567x",
            "1234567890123",
        ] {
            assert!(norm(StudentNumber, bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            norm(StaffNumber, "x"),
            Err("malformed staff number \"x\": expected at most three letters followed by 4 to 12 digits, such as s1234567 or 123456".into())
        );
    }

    #[test]
    fn subject_keys_are_keyed_hashes_of_kind_and_normalised_value() {
        let key = PseudonymKey::new(&[7u8; 32]).unwrap();
        let a = key.subject_key(&SubjectId::parse(Email, "Jan@Uni.nl").unwrap());
        let b = key.subject_key(&SubjectId::parse(Email, " jan@uni.nl").unwrap());
        assert_eq!(a, b);
        // The kind is part of the input: the same digits as a student and a staff number are
        // two subjects.
        let s = key.subject_key(&SubjectId::parse(StudentNumber, "1234567").unwrap());
        let p = key.subject_key(&SubjectId::parse(StaffNumber, "1234567").unwrap());
        assert_ne!(s, p);
        // Another secret gives another key.
        let other = PseudonymKey::new(&[8u8; 32]).unwrap();
        assert_ne!(
            a,
            other.subject_key(&SubjectId::parse(Email, "jan@uni.nl").unwrap())
        );
        // RFC 2104 HMAC-SHA256 of "email:jan@uni.nl" under 32 bytes of 0x07, computed
        // independently (Python: hmac.new(b"\x07"*32, b"email:jan@uni.nl", "sha256")).
        assert_eq!(a.to_hex(), EXPECTED_HMAC);
        assert_eq!(SubjectKey::from_hex(&a.to_hex()), Some(a));
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::json!(EXPECTED_HMAC)
        );
        assert!(serde_json::from_value::<SubjectKey>(serde_json::json!("abc")).is_err());
    }

    const EXPECTED_HMAC: &str = "0a986bc015664b430d3e5d9e4baddc0da7d5319765f1b22dbffc2c591440e007";

    #[test]
    fn secrets_must_be_long_enough_and_never_shown() {
        assert_eq!(PseudonymKey::new(b"short").unwrap_err(), KeyError(5));
        let key = PseudonymKey::new(&[1u8; 40]).unwrap();
        assert_eq!(format!("{key:?}"), "PseudonymKey(..)");
        let id = SubjectId::parse(Email, "jan@uni.nl").unwrap();
        assert_eq!(format!("{id:?}"), "SubjectId(email, ..)");
    }
}
