//! Cron intervals: the `Cron-Interval` tag of a process, such as `"1-minute"`.

/// Parses a `Cron-Interval` value into milliseconds.
///
/// The form is `<n>-<unit>` with a positive integer and one of the units compute units
/// accept, singular or plural, any case: `millisecond`, `second`, `minute`, `hour`, `day`,
/// `week`, `month` (30 days), `year` (365 days) and `block` (`block_ms` each).
pub fn parse_interval(text: &str, block_ms: u64) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid Cron-Interval {text:?}: expected <n>-<unit>, for example \"10-seconds\" or \"1-minute\""
        )
    };
    let (n, unit) = text.trim().split_once('-').ok_or_else(bad)?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(format!(
            "invalid Cron-Interval {text:?}: the interval must be positive"
        ));
    }
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('s').unwrap_or(&unit);
    let ms = match unit {
        "millisecond" => 1,
        "second" => 1_000,
        "minute" => 60_000,
        "hour" => 3_600_000,
        "day" => 86_400_000,
        "week" => 7 * 86_400_000,
        "month" => 30 * 86_400_000,
        "year" => 365 * 86_400_000,
        "block" => block_ms,
        _ => return Err(bad()),
    };
    n.checked_mul(ms)
        .ok_or_else(|| format!("invalid Cron-Interval {text:?}: too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_interval("10-seconds", 0), Ok(10_000));
        assert_eq!(parse_interval("1-minute", 0), Ok(60_000));
        assert_eq!(parse_interval("2-Hours", 0), Ok(7_200_000));
        assert_eq!(parse_interval("3-blocks", 120_000), Ok(360_000));
        assert_eq!(parse_interval("1-month", 0), Ok(2_592_000_000));
        for bad in [
            "",
            "10",
            "ten-seconds",
            "0-seconds",
            "5-fortnights",
            "-1-second",
        ] {
            assert!(parse_interval(bad, 1).is_err(), "{bad}");
        }
    }
}
