//! How the bench writes durations and rates for people: three significant digits in the
//! unit that fits, as `benches/` does, so tables line up across sizes.

/// Nanoseconds as `812 ns`, `5.21 µs`, `1.23 ms` or `1.23 s`; negative values keep their sign
/// (a hot-path estimate below the protocol cost is shown, not hidden).
pub fn format_ns(ns: f64) -> String {
    if !ns.is_finite() {
        return format!("{ns}");
    }
    if ns == 0.0 {
        return "0 ns".into();
    }
    let sign = if ns < 0.0 { "-" } else { "" };
    let a = ns.abs();
    let (value, unit) = if a < 1e3 {
        (a, "ns")
    } else if a < 1e6 {
        (a / 1e3, "µs")
    } else if a < 1e9 {
        (a / 1e6, "ms")
    } else {
        (a / 1e9, "s")
    };
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{sign}{value:.digits$} {unit}")
}

/// Operations per second of an op taking `ns`: `81.2k`, `1.23M`; `-` when it is not positive.
pub fn format_rate(ns: f64) -> String {
    if !(ns.is_finite() && ns > 0.0) {
        return "-".into();
    }
    let rate = 1e9 / ns;
    if rate >= 1e6 {
        format!("{:.2}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    }
}

/// A fraction as a percentage: `0.031` as `3.1%`.
pub fn format_percent(fraction: f64) -> String {
    if fraction.is_finite() {
        format!("{:.1}%", fraction * 100.0)
    } else {
        "∞".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_in_the_unit_that_fits() {
        assert_eq!(format_ns(812.4), "812 ns");
        assert_eq!(format_ns(5210.0), "5.21 µs");
        assert_eq!(format_ns(52_100.0), "52.1 µs");
        assert_eq!(format_ns(1_234_000.0), "1.23 ms");
        assert_eq!(format_ns(-310.0), "-310 ns");
        assert_eq!(format_ns(2.5e9), "2.50 s");
        assert_eq!(format_ns(0.0), "0 ns");
    }

    #[test]
    fn rates_and_percentages() {
        assert_eq!(format_rate(12_315.0), "81.2k");
        assert_eq!(format_rate(500.0), "2.00M");
        assert_eq!(format_rate(2e6), "500");
        assert_eq!(format_rate(-1.0), "-");
        assert_eq!(format_percent(0.031), "3.1%");
        assert_eq!(format_percent(f64::INFINITY), "∞");
    }
}
