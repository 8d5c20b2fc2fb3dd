//! Epoch-millisecond <-> ISO-8601 conversion (UTC), without a date library, and the time zone
//! of zone-less datetime columns (MySQL).

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2024-01-02T03:04:05.678Z`
pub fn format_iso_datetime(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn num(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[[:]MM]]` into epoch milliseconds (UTC when no zone).
pub fn parse_iso_datetime(s: &str) -> Option<i64> {
    parse_iso_zoned(s).map(|(ms, _)| ms)
}

/// Like `parse_iso_datetime`, telling whether the text gave a zone.
pub fn parse_iso_zoned(s: &str) -> Option<(i64, bool)> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some((ms, false));
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    rest = &rest[1..];
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    ms += num(&rest[0..2])? * 3_600_000 + num(&rest[3..5])? * 60_000;
    rest = &rest[5..];
    if rest.len() >= 3 && rest[0] == b':' {
        ms += num(&rest[1..3])? * 1000;
        rest = &rest[3..];
        if !rest.is_empty() && rest[0] == b'.' {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let frac = &rest[1..1 + digits];
            let mut f = 0i64;
            for (i, c) in frac.iter().take(3).enumerate() {
                f += (*c - b'0') as i64 * [100, 10, 1][i];
            }
            ms += f;
            rest = &rest[1 + digits..];
        }
    }
    match rest {
        [] => Some((ms, false)),
        [b'Z'] => Some((ms, true)),
        [sign @ (b'+' | b'-'), h1, h2, zone @ ..] => {
            let minutes = match zone {
                [] => 0,
                [b':', m1, m2] | [m1, m2] => num(&[*m1, *m2])?,
                _ => return None,
            };
            let off = num(&[*h1, *h2])? * 3_600_000 + minutes * 60_000;
            Some((if *sign == b'+' { ms - off } else { ms + off }, true))
        }
        _ => None,
    }
}

/// The zone in which zone-less datetime columns hold their wall-clock times: MikroORM's
/// `forceUtcTimezone` (UTC, the default) or, with it off, `timezone` (`±HH:MM`) or the
/// process's local zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Zone {
    #[default]
    Utc,
    /// Minutes east of UTC.
    Fixed(i64),
    Local,
}

impl Zone {
    /// `Z`, `UTC`, `±HH:MM`, `±HHMM` or `local`.
    pub fn parse(s: &str) -> Option<Zone> {
        match s {
            "Z" | "z" | "UTC" | "utc" | "+00:00" | "-00:00" => return Some(Zone::Utc),
            "local" => return Some(Zone::Local),
            _ => {}
        }
        let b = s.as_bytes();
        let sign = match b.first()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let (h, m) = match &b[1..] {
            [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
            _ => return None,
        };
        (h < 24 && m < 60).then_some(Zone::Fixed(sign * (h * 60 + m)))
    }

    fn offset_ms(self, instant: i64) -> i64 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(minutes) => minutes * 60_000,
            Zone::Local => local_offset_ms(instant),
        }
    }

    /// The wall-clock time (as epoch milliseconds read as UTC) of an instant in this zone.
    pub fn to_wall(self, instant: i64) -> i64 {
        instant + self.offset_ms(instant)
    }

    /// The instant of a wall-clock time in this zone, as JS's `Date` constructor picks it: the
    /// earlier of two in an overlap of daylight saving time, and in a gap the time read with the
    /// offset in force before it (so later by the gap).
    pub fn from_wall(self, wall: i64) -> i64 {
        let before = self.offset_ms(wall - 86_400_000);
        let after = self.offset_ms(wall + 86_400_000);
        [wall - before, wall - after]
            .into_iter()
            .filter(|&instant| self.to_wall(instant) == wall)
            .min()
            .unwrap_or(wall - before)
    }

    /// Reads the process's zone settings (the `TZ` variable) once, before local times are
    /// computed; later changes of `TZ` are not seen.
    pub fn init(self) {
        #[cfg(unix)]
        if self == Zone::Local {
            extern "C" {
                fn tzset();
            }
            // SAFETY: `tzset` only reads the environment into the C library's zone state.
            unsafe { tzset() };
        }
    }
}

/// The offset of the process's local zone (the `TZ` variable or the system's) at an instant.
#[cfg(unix)]
fn local_offset_ms(instant: i64) -> i64 {
    let secs = instant.div_euclid(1000) as libc::time_t;
    // SAFETY: `localtime_r` writes only into `tm` (the zone state was read by `Zone::init`).
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff as i64 * 1000
    }
}

#[cfg(not(unix))]
fn local_offset_ms(_instant: i64) -> i64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for ms in [0i64, 1_700_000_000_123, -86_400_001, 951_782_400_000] {
            assert_eq!(parse_iso_datetime(&format_iso_datetime(ms)), Some(ms));
        }
        assert_eq!(
            parse_iso_datetime("2024-02-29 10:00:00+02:00"),
            parse_iso_datetime("2024-02-29T08:00:00Z")
        );
        assert_eq!(
            parse_iso_datetime("2024-02-29 10:00:00+00"),
            parse_iso_datetime("2024-02-29 05:30:00-0430")
        );
        assert_eq!(parse_iso_datetime("nope"), None);
    }

    #[test]
    fn zones() {
        assert_eq!(Zone::parse("Z"), Some(Zone::Utc));
        assert_eq!(Zone::parse("+05:30"), Some(Zone::Fixed(330)));
        assert_eq!(Zone::parse("-0200"), Some(Zone::Fixed(-120)));
        assert_eq!(Zone::parse("Europe/Prague"), None);
        let at = 1_719_828_000_000; // 2024-07-01T10:00:00Z
        let z = Zone::Fixed(300);
        assert_eq!(
            format_iso_datetime(z.to_wall(at)),
            "2024-07-01T15:00:00.000Z"
        );
        assert_eq!(z.from_wall(z.to_wall(at)), at);
    }
}
