//! JSON written straight into a buffer, for the lines of batch decisions: hundreds of
//! thousands a second, where serde's formatting of times (a character at a time) and its
//! escaping of every string cost more than deciding. Each writer gives exactly what
//! `serde_json` gives for the same value; the tests below compare them.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

/// A JSON string: copied as it is when nothing in it needs escaping, else through serde.
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        push_serde(out, &s);
    }
}

/// A value through serde, for what has no writer of its own.
pub fn push_serde(out: &mut Vec<u8>, v: &impl Serialize) {
    serde_json::to_writer(&mut *out, v).expect("a value serialises");
}

pub fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push_digits(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut n = n;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&buf[..width]);
}

/// A time as chrono serialises it: RFC 3339 in UTC with `Z`, and as many digits of the
/// second's fraction as it needs (none, 3, 6 or 9).
pub fn push_time(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return push_serde(out, t);
    }
    let (mut sec, mut nano) = (t.second(), t.nanosecond());
    // A leap second is kept in the nanoseconds; chrono writes it as second 60.
    if nano >= 1_000_000_000 {
        sec += 1;
        nano -= 1_000_000_000;
    }
    out.push(b'"');
    push_digits(out, year as u32, 4);
    out.push(b'-');
    push_digits(out, t.month(), 2);
    out.push(b'-');
    push_digits(out, t.day(), 2);
    out.push(b'T');
    push_digits(out, t.hour(), 2);
    out.push(b':');
    push_digits(out, t.minute(), 2);
    out.push(b':');
    push_digits(out, sec, 2);
    if nano != 0 {
        out.push(b'.');
        if nano % 1_000_000 == 0 {
            push_digits(out, nano / 1_000_000, 3);
        } else if nano % 1_000 == 0 {
            push_digits(out, nano / 1_000, 6);
        } else {
            push_digits(out, nano, 9);
        }
    }
    out.extend_from_slice(b"Z\"");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn serde(v: &impl Serialize) -> String {
        serde_json::to_string(v).unwrap()
    }

    fn ours(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn times_are_written_as_chrono_writes_them() {
        let mut times = vec![
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-5, 1, 1, 0, 0, 0).unwrap(),
            // A leap second.
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
                .unwrap()
                .and_utc(),
        ];
        for nanos in [
            1,
            10,
            999,
            1_000,
            120_000,
            123_456,
            1_000_000,
            500_000_000,
            999_999_999,
        ] {
            times.push(Utc.timestamp_opt(1_700_000_000, nanos).unwrap());
        }
        // A spread of times across the years, each precision.
        let mut x: u64 = 7;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let secs = (x >> 33) as i64 % 4_000_000_000 - 1_000_000_000;
            let nanos = match x % 4 {
                0 => 0,
                1 => (x >> 8) as u32 % 1000 * 1_000_000,
                2 => (x >> 8) as u32 % 1_000_000 * 1000,
                _ => (x >> 8) as u32 % 1_000_000_000,
            };
            times.push(Utc.timestamp_opt(secs, nanos).unwrap());
        }
        for t in times {
            assert_eq!(ours(|o| push_time(o, &t)), serde(&t), "{t:?}");
        }
    }

    #[test]
    fn strings_and_numbers_are_written_as_serde_writes_them() {
        for s in [
            "",
            "plain",
            "with \"quotes\"",
            "back\\slash",
            "tab\there",
            "ünïcode ✓",
            "\u{1f}",
        ] {
            assert_eq!(ours(|o| push_str(o, s)), serde(&s), "{s:?}");
        }
        for n in [0u64, 7, 10, 999, 1_000_000, u64::MAX] {
            assert_eq!(ours(|o| push_u64(o, n)), serde(&n));
        }
    }
}
