//! Amounts as AO writes them: decimal strings, the `Balances` and `token-info` JSON, and the
//! `Initial-Allocations` spawn tag.

use aoxide::{Address, Error, FromTag, TagValue, U256};
use serde_json::Value;

use crate::Token;

/// `{"<address>": "<amount>", ...}`: every address valid, every amount a canonical decimal.
/// Read by aoxide's JSON reader ([`aoxide::json_value`]), so the module carries no
/// serde_json deserializer.
pub(crate) fn parse_allocations(text: &str) -> Result<Vec<(String, U256)>, Error> {
    let object = match aoxide::json_value(text) {
        Ok(Value::Object(object)) => object,
        Ok(other) => {
            return Err(Error::msg(format!(
                "Initial-Allocations must be a JSON object of address -> decimal amount, got {}",
                aoxide::json_text(&other)
            )))
        }
        Err(e) => {
            return Err(Error::msg(format!(
                "Initial-Allocations must be a JSON object of address -> decimal amount: {e}"
            )))
        }
    };
    let mut out = Vec::with_capacity(object.len());
    for (account, amount) in object {
        let address = Address::parse_tag("Initial-Allocations", &TagValue::Text(account))?;
        let amount = match amount {
            Value::String(s) => U256::parse_tag("Initial-Allocations", &TagValue::Text(s))?,
            other => {
                return Err(Error::msg(format!(
                    "Initial-Allocations amounts are decimal strings, got {}",
                    aoxide::json_text(&other)
                )))
            }
        };
        out.push((address.as_str().to_owned(), amount));
    }
    Ok(out)
}

/// An amount as the decimal string AO uses.
pub(crate) fn amount_json(amount: &U256) -> Value {
    Value::String(amount.to_decimal())
}

impl Token {
    /// The balances as the JSON object AOS replies to `Balances` with.
    pub fn balances_json(&self) -> String {
        // Written directly: the map is ordered by account, as a JSON object's keys are.
        let mut out = String::with_capacity(2 + self.balances.len() * 64);
        out.push('{');
        for (i, (k, v)) in self.balances.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            aoxide::push_json_string(&mut out, k);
            out.push_str(":\"");
            out.push_str(&v.to_decimal());
            out.push('"');
        }
        out.push('}');
        out
    }

    /// The `token-info` object of the `patch@1.0` message.
    pub fn info_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        object.insert("name".into(), Value::String(self.name.clone()));
        object.insert("ticker".into(), Value::String(self.ticker.clone()));
        object.insert("logo".into(), Value::String(self.logo.clone()));
        object.insert(
            "denomination".into(),
            Value::String(U256::from(self.denomination).to_decimal()),
        );
        object.insert(
            "supply".into(),
            Value::String(self.total_supply.to_decimal()),
        );
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_json_is_the_object_serde_json_writes() {
        let mut token = Token::new("T");
        for (account, amount) in [
            ("b-acc", U256::from(5u8)),
            ("a\"quoted\"", U256::MAX),
            ("Zed", U256::ZERO),
            ("é", U256::from(u64::MAX)),
        ] {
            token.balances.insert(account.to_owned(), amount);
        }
        let mut object = serde_json::Map::new();
        for (k, v) in token.balances.iter() {
            object.insert(k.clone(), Value::String(v.to_string()));
        }
        assert_eq!(
            token.balances_json(),
            serde_json::to_string(&Value::Object(object)).unwrap()
        );
        assert_eq!(Token::new("T").balances_json(), "{}");
    }

    #[test]
    fn allocations_are_read_as_serde_json_reads_them() {
        let a = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
        let b = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
        let text = format!(r#" {{ "{b}" : "7", "{a}":"1", "{b}": "2" }} "#);
        assert_eq!(
            parse_allocations(&text).unwrap(),
            vec![
                (a.to_owned(), U256::from(1u8)),
                (b.to_owned(), U256::from(2u8))
            ],
            "sorted, the last duplicate wins"
        );
        for bad in [
            "".to_owned(),
            "[]".to_owned(),
            format!(r#"{{"{a}":1}}"#),
            format!(r#"{{"{a}":"01"}}"#),
            r#"{"short":"1"}"#.to_owned(),
            format!(r#"{{"{a}":"1"}} x"#),
        ] {
            assert!(parse_allocations(&bad).is_err(), "{bad}");
        }
    }
}
