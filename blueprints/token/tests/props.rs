//! Property tests: random sequences of transfers, mints and burns (valid and not) keep
//! the supply equal to the sum of balances, never underflow, and a message that fails or
//! is refused changes nothing.

use aoxide::{Env, Message, Runtime, Tags, U256};
use aoxide_token::{Token, TokenError, TokenProcess};
use proptest::prelude::*;

const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
const AUTH: &str = "FCx6rh_Yoa_LkN1bqrYVP1oXj-bHecjjSBPw3UHu2VI";
const ACCOUNTS: [&str; 4] = [
    PID,
    OWNER,
    "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE",
    "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw",
];

#[derive(Debug, Clone)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        quantity: String,
    },
    Mint {
        from: usize,
        quantity: String,
    },
    Burn {
        from: usize,
        quantity: String,
    },
}

/// Quantities: small, near balances, huge, and malformed.
fn quantity() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..2_000).prop_map(|n| n.to_string()),
        2 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<[u64; 4]>().prop_map(|l| U256::from_limbs(l).to_string()),
        1 => Just(U256::MAX.to_string()),
        1 => prop_oneof![
            Just("-1".to_owned()),
            Just("1.5".to_owned()),
            Just("007".to_owned()),
            Just(String::new()),
            Just("9".repeat(80)),
        ],
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, 0..4usize, quantity())
            .prop_map(|(from, to, quantity)| Op::Transfer { from, to, quantity }),
        1 => (0..4usize, quantity()).prop_map(|(from, quantity)| Op::Mint { from, quantity }),
        2 => (0..4usize, quantity()).prop_map(|(from, quantity)| Op::Burn { from, quantity }),
    ]
}

fn message(from: usize, action: &str, n: usize) -> Message {
    let mut m = Message::new(ACCOUNTS[from]).with_id(format!("m{n}"));
    if from == 0 {
        // The process speaks through its authority.
        m.owner = AUTH.into();
    }
    m.with_action(action)
}

fn runtime() -> Runtime<TokenProcess> {
    let mut env = Env::new(PID, OWNER);
    let mut tags = Tags::new();
    tags.add("Authority", AUTH);
    env.process.tags = tags;
    let mut rt = Runtime::new();
    let spawn = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
    assert!(!rt.handle(spawn, Some(&env)).is_error());
    rt
}

fn sum(t: &Token) -> U256 {
    t.balances
        .values()
        .try_fold(U256::ZERO, |a, b| a.checked_add(*b))
        .expect("balances overflow")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn supply_is_conserved_and_failures_change_nothing(ops in prop::collection::vec(op(), 1..60)) {
        let mut rt = runtime();
        for (n, op) in ops.into_iter().enumerate() {
            let before = rt.state().unwrap().clone();
            let msg = match &op {
                Op::Transfer { from, to, quantity } => message(*from, "Transfer", n)
                    .with_tag("Recipient", ACCOUNTS[*to])
                    .with_tag("Quantity", quantity.as_str()),
                Op::Mint { from, quantity } => {
                    message(*from, "Mint", n).with_tag("Quantity", quantity.as_str())
                }
                Op::Burn { from, quantity } => {
                    message(*from, "Burn", n).with_tag("Quantity", quantity.as_str())
                }
            };
            let outcome = rt.handle(msg, None);
            let after = rt.state().unwrap().clone();

            prop_assert_eq!(sum(&after), after.total_supply, "after {:?}", op);
            let refused = outcome.is_error()
                || outcome.messages.iter().any(|m| {
                    matches!(
                        m.get("Action"),
                        Some("Transfer-Error" | "Mint-Error" | "Burn-Error")
                    )
                });
            if refused {
                prop_assert_eq!(&after, &before, "a refused {:?} changed the state", op);
                prop_assert!(outcome.messages.len() <= 1);
            } else {
                prop_assert!(outcome
                    .messages
                    .iter()
                    .any(|m| m.get("device") == Some("patch@1.0")));
            }
            match &op {
                Op::Transfer { .. } => prop_assert_eq!(after.total_supply, before.total_supply),
                Op::Burn { from, quantity } if !refused => {
                    let q = U256::from_str_radix(quantity, 10).unwrap();
                    prop_assert_eq!(after.total_supply + q, before.total_supply);
                    prop_assert_eq!(
                        after.balance_of(ACCOUNTS[*from]) + q,
                        before.balance_of(ACCOUNTS[*from])
                    );
                }
                Op::Mint { quantity, .. } if !refused => {
                    let q = U256::from_str_radix(quantity, 10).unwrap();
                    prop_assert_eq!(after.total_supply, before.total_supply + q);
                }
                _ => {}
            }
        }
    }

    #[test]
    fn ledger_operations_never_underflow(
        ops in prop::collection::vec((0..3u8, 0..4usize, 0..4usize, any::<u64>()), 1..100)
    ) {
        let mut t = Token::aos(PID, "aos");
        for (kind, a, b, q) in ops {
            // Mostly small amounts (so that some succeed), sometimes any u64.
            let q = if q % 3 == 0 { U256::from(q) } else { U256::from(q % 5_000) };
            let before = t.clone();
            let result = match kind {
                0 => t.transfer(ACCOUNTS[a], ACCOUNTS[b], q),
                1 => t.mint(ACCOUNTS[a], q),
                _ => t.burn(ACCOUNTS[a], q),
            };
            match result {
                Ok(()) => {}
                Err(TokenError::InsufficientBalance) => {
                    prop_assert!(before.balance_of(ACCOUNTS[a]) < q);
                    prop_assert_eq!(&t, &before);
                }
                Err(_) => prop_assert_eq!(&t, &before),
            }
            prop_assert_eq!(sum(&t), t.total_supply);
        }
    }
}
