//! JSON text as AOS's `json.encode` writes it: floats with 14 significant digits, as Lua's
//! `string.format("%.14g", x)` (`0.33333333333333`, `1e+20`, `3`, `-0`), where serde_json
//! writes the shortest text that reads back (`0.3333333333333333`, `1e20`, `3.0`, `-0.0`);
//! integers, strings, arrays and objects as serde_json.

use serde_json::Value as Json;

/// Significant digits of Lua's number format (`LUAI_NUMFFORMAT`, `%.14g`).
const DIGITS: i32 = 14;

/// `x` as C's `printf("%.14g", x)` writes it, for a finite `x`.
pub(crate) fn float_g14(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // The decimal exponent after rounding to 14 significant digits.
    let scientific = format!("{:.*e}", (DIGITS - 1) as usize, x);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..DIGITS).contains(&exponent) {
        // C's exponent: a sign and at least two digits.
        let mut out = trim_fraction(mantissa).to_owned();
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
        out
    } else {
        let fixed = format!("{:.*}", (DIGITS - 1 - exponent) as usize, x);
        trim_fraction(&fixed).to_owned()
    }
}

/// `text` without the trailing zeros of its fraction, and without the point when none is
/// left (`%g`'s rule).
fn trim_fraction(text: &str) -> &str {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.')
}

/// Appends `value` as AOS's `json.encode` writes it.
pub(crate) fn write_json(out: &mut String, value: &Json) {
    match value {
        Json::Number(n) if n.is_f64() => match n.as_f64() {
            Some(x) => out.push_str(&float_g14(x)),
            None => out.push_str(&n.to_string()),
        },
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Json::String(key.clone()).to_string());
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What C's `printf("%.14g")` writes (glibc, and Lua 5.3's `string.format`).
    #[test]
    fn floats_as_printf_g14() {
        for (x, want) in [
            (1.0 / 3.0, "0.33333333333333"),
            (1e20, "1e+20"),
            (3.0, "3"),
            (-0.0, "-0"),
            (9007199254740992.0, "9.007199254741e+15"),
            (1.5, "1.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789012345.0, "1.2345678901234e+14"),
            (12345678901234.0, "12345678901234"),
            (-2.5e-300, "-2.5e-300"),
            (1e100, "1e+100"),
            (0.1 + 0.2, "0.3"),
            (99999999999999.5, "1e+14"),
        ] {
            assert_eq!(float_g14(x), want, "{x:e}");
        }
    }

    #[test]
    fn json_as_aos_writes_it() {
        let v: Json = serde_json::json!({"b": [1, 2.5, 3.0], "a": "x\"/", "c": null, "d": -0.0});
        let mut out = String::new();
        write_json(&mut out, &v);
        assert_eq!(out, r#"{"a":"x\"/","b":[1,2.5,3],"c":null,"d":-0}"#);
    }
}
